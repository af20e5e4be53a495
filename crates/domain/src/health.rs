//! What readiness probes ask of the storage layer and of the background loops: does the
//! database answer, is its schema current, and have the loops ticked lately.
//!
//! A loop proves it is alive with a [`Heartbeat`]: it records the time at every iteration,
//! whether or not it found work. Lease ownership would be the wrong signal, because a healthy
//! replica may hold no leases at all.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use migrations::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

use crate::{Db, DomainError};

/// When a loop last ticked, in Unix milliseconds (0: never). Cheap to clone; clones share the
/// time.
#[derive(Clone, Debug, Default)]
pub struct Heartbeat(Arc<AtomicI64>);

impl Heartbeat {
    /// A heartbeat that has never ticked.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a tick now.
    pub fn beat(&self) {
        self.beat_at(chrono::Utc::now().timestamp_millis());
    }

    /// Records a tick at `unix_millis`; tests use it to make a heartbeat look old.
    pub fn beat_at(&self, unix_millis: i64) {
        self.0.store(unix_millis, Ordering::Relaxed);
    }

    /// The last tick in Unix milliseconds, or `None` before the first.
    pub fn last(&self) -> Option<i64> {
        Some(self.0.load(Ordering::Relaxed)).filter(|millis| *millis > 0)
    }

    /// True when the last tick is at most `max_age` before `now_millis`.
    pub fn is_fresh(&self, now_millis: i64, max_age: Duration) -> bool {
        let max_age = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
        self.last()
            .is_some_and(|last| now_millis.saturating_sub(last) <= max_age)
    }
}

/// The heartbeats of the process's background loops, shared by the loops and the readiness
/// probe.
#[derive(Clone, Debug, Default)]
pub struct Heartbeats {
    /// The event feed's pump (`feed`).
    pub pump: Heartbeat,
    /// The notification dispatcher's main loop (crate `notify`).
    pub dispatcher: Heartbeat,
}

/// Answers when the database runs a trivial statement.
pub async fn ping(db: &Db) -> Result<(), DomainError> {
    db.reader().execute_unprepared("SELECT 1").await?;
    Ok(())
}

/// How many of this binary's migrations the database has not applied yet. Read-only (the
/// plain sea-orm-migration call creates its bookkeeping table when missing): an empty database
/// has every migration pending. A database that records a migration this binary does not
/// know is an error.
pub async fn pending_migrations(db: &Db) -> Result<usize, DomainError> {
    Ok(Migrator::get_pending_migrations_read_only(db.reader())
        .await?
        .len())
}
