//! What the service's metrics read from the storage layer: statements per request, the pools'
//! occupancy, and how far each notification target's deliveries trail the outbox. The HTTP
//! layer asks here and never runs SQL itself.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use entity::{
    delivery, enums::DeliveryStatus, enums::NotificationTargetStatus, notification_target,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use crate::{Db, DomainError, Engine};

tokio::task_local! {
    static STATEMENTS: StatementCounter;
}

/// Counts the SQL statements run while a future runs under [`StatementCounter::scope`]
/// (the HTTP layer wraps each request in one). Cheap to clone; clones share the count.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Statements counted so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Runs `future`, counting its statements here.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        STATEMENTS.scope(self, future).await
    }

    /// The counter of the scope the current task runs in, if any: tasks spawned on a request's
    /// behalf (DataLoader batches) take it along so that their statements count too.
    pub fn current() -> Option<Self> {
        STATEMENTS.try_with(Clone::clone).ok()
    }
}

/// Counts one statement in the current scope, if there is one, and records its span when spans
/// are exported ([`crate::trace_context`]). [`Db::connect`] installs it as each pool's statement
/// callback; `system` is the engine as OpenTelemetry names it.
pub(crate) fn statement(system: &'static str, info: &sea_orm::metric::Info<'_>) {
    let _ = STATEMENTS.try_with(|counter| counter.0.fetch_add(1, Ordering::Relaxed));
    crate::trace_context::statement_span(system, &info.statement.sql, info.elapsed, info.failed);
}

/// Seconds a write transaction waited for its connection (and its `BEGIN`), by pool: on SQLite
/// every write queues for the one writer connection, so this is where contention shows.
pub const POOL_WAIT: &str = "xieshang_db_pool_wait_seconds";

/// Seconds a probe took to acquire (and return) one connection of each pool at scrape time:
/// what a read waits for a connection now.
pub const POOL_ACQUIRE_PROBE: &str = "xieshang_db_pool_acquire_probe_seconds";

/// Records the time a write transaction waited to begin ([`Db::begin_write`]).
pub(crate) fn write_waited(db: &Db, waited: std::time::Duration) {
    let pool = match db.engine() {
        Engine::Postgres => "shared",
        Engine::Sqlite => "writer",
    };
    metrics::histogram!(POOL_WAIT, "pool" => pool).record(waited.as_secs_f64());
}

/// How long acquiring one connection of the pool reads use takes now (the connection goes
/// straight back), by pool; `None` when none could be acquired (the database is down). The
/// writer of SQLite is not probed: taking it would make a write wait for the probe.
pub async fn acquire_probe(db: &Db) -> (&'static str, Option<std::time::Duration>) {
    let started = std::time::Instant::now();
    let (pool, acquired) = match db.engine() {
        Engine::Postgres => (
            "shared",
            db.reader()
                .get_postgres_connection_pool()
                .acquire()
                .await
                .is_ok(),
        ),
        Engine::Sqlite => (
            "reader",
            db.reader()
                .get_sqlite_connection_pool()
                .acquire()
                .await
                .is_ok(),
        ),
    };
    (pool, acquired.then(|| started.elapsed()))
}

/// The occupancy of one connection pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    /// `reader` or `writer` on SQLite; `shared` on PostgreSQL (one pool does both).
    pub pool: &'static str,
    /// Most connections the pool opens.
    pub max: u32,
    /// Connections open now.
    pub open: u32,
    /// Open connections lent out now.
    pub in_use: u32,
}

/// The occupancy of the database handle's pools.
pub fn pool_stats(db: &Db) -> Vec<PoolStats> {
    match db.engine() {
        Engine::Postgres => vec![stats("shared", db.reader())],
        Engine::Sqlite => vec![stats("reader", db.reader()), stats("writer", db.writer())],
    }
}

fn stats(pool: &'static str, connection: &DatabaseConnection) -> PoolStats {
    let (max, open, idle) = match connection.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = connection.get_postgres_connection_pool();
            (
                pool.options().get_max_connections(),
                pool.size(),
                pool.num_idle(),
            )
        }
        _ => {
            let pool = connection.get_sqlite_connection_pool();
            (
                pool.options().get_max_connections(),
                pool.size(),
                pool.num_idle(),
            )
        }
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    PoolStats {
        pool,
        max,
        open,
        in_use: open.saturating_sub(idle),
    }
}

/// Where the outbox and the deliveries stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxPositions {
    /// The newest event's sequence (0 while the outbox is empty).
    pub head: i64,
    /// Per active target (by id): the sequence up to which its stream is settled, i.e. every
    /// event at or before it was delivered, dead-lettered or did not concern the target. The
    /// lag is `head` minus this.
    pub delivered: Vec<(i64, i64)>,
}

#[derive(FromQueryResult)]
struct TargetRow {
    id: i64,
    last_sequence: i64,
}

#[derive(FromQueryResult)]
struct OpenRow {
    target_id: i64,
    oldest: Option<i64>,
}

/// The outbox head, and each active target's settled position: the sequence before its
/// oldest open (pending or retrying, not a redelivery) delivery, or the position its stream
/// has examined when none is open. Two aggregate reads, whatever the number of targets.
pub async fn outbox_positions(db: &Db) -> Result<OutboxPositions, DomainError> {
    let head = crate::events::latest_sequence(db).await?;
    let targets = notification_target::Entity::find()
        .select_only()
        .column(notification_target::Column::Id)
        .column(notification_target::Column::LastSequence)
        .filter(notification_target::Column::Status.eq(NotificationTargetStatus::Active))
        .into_model::<TargetRow>()
        .all(db.reader())
        .await?;
    let open: HashMap<i64, i64> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::TargetId)
        .column_as(delivery::Column::EventSequence.min(), "oldest")
        .filter(delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]))
        .filter(delivery::Column::Redelivery.eq(false))
        .group_by(delivery::Column::TargetId)
        .into_model::<OpenRow>()
        .all(db.reader())
        .await?
        .into_iter()
        .filter_map(|row| Some((row.target_id, row.oldest?)))
        .collect();
    let delivered = targets
        .into_iter()
        .map(|target| {
            let settled = open
                .get(&target.id)
                .map_or(target.last_sequence, |oldest| oldest - 1);
            (target.id, settled.min(target.last_sequence))
        })
        .collect();
    Ok(OutboxPositions { head, delivered })
}
