//! Target leases: claim, renew, release.
//!
//! The claim is one conditional `UPDATE … WHERE id = (<the first free target with work>) AND
//! <still free> RETURNING *`, which both engines run. Two replicas racing for one target cannot
//! both win: on PostgreSQL the loser's `UPDATE` waits for the winner's row lock and then finds
//! the repeated "still free" condition false; SQLite has one writer. `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL only spares the loser that wait (sea-query's SQLite builder drops lock clauses,
//! so it is added for PostgreSQL alone, not relied upon).

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{
    delivery,
    enums::{DeliveryStatus, NotificationTargetStatus},
    event, notification_target,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
    sea_query::{
        Alias, Expr, ExprTrait, LockBehavior, LockType, NullOrdering, Order, Query,
        SelectStatement, SubQueryStatement,
    },
};

use domain::{Db, DomainError};

/// `lease_until` as a timestamp `lease` from `now`.
fn until(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(lease)
        .ok()
        .and_then(|lease| now.checked_add_signed(lease))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The lease of a row aliased `table` has run out (or was never taken).
fn free(table: Alias, now: DateTime<Utc>) -> Expr {
    Expr::col((table.clone(), notification_target::Column::LeaseUntil))
        .is_null()
        .or(Expr::col((table, notification_target::Column::LeaseUntil)).lt(now))
}

/// A subquery over the deliveries of the target aliased `t` that also satisfy `condition`.
fn deliveries_of_t(condition: Expr) -> SelectStatement {
    let d = Alias::new("d");
    Query::select()
        .expr(Expr::val(1))
        .from_as(delivery::Entity, d.clone())
        .and_where(
            Expr::col((d, delivery::Column::TargetId))
                .equals((Alias::new("t"), notification_target::Column::Id)),
        )
        .and_where(condition)
        .to_owned()
}

/// A delivery of alias `d` whose time has come: pending, or retrying and due.
fn due(now: DateTime<Utc>) -> Expr {
    let d = || Alias::new("d");
    Expr::col((d(), delivery::Column::Status))
        .eq(DeliveryStatus::Pending.as_str())
        .or(Expr::col((d(), delivery::Column::Status))
            .eq(DeliveryStatus::Retrying.as_str())
            .and(
                Expr::col((d(), delivery::Column::NextAttemptAt))
                    .is_null()
                    .or(Expr::col((d(), delivery::Column::NextAttemptAt)).lte(now)),
            ))
}

/// "The target aliased `t` has something to do now", the same rules the worker follows
/// (`stream.rs`), so a claimed target always makes progress: a redelivery is due, or the
/// in-order stream is not waiting for a retry and has an open delivery or unexamined events.
fn has_work(now: DateTime<Utc>, max_sequence: i64) -> Expr {
    let d = || Alias::new("d");
    let redelivery_due = Expr::exists(deliveries_of_t(
        Expr::col((d(), delivery::Column::Redelivery))
            .eq(true)
            .and(due(now)),
    ));
    let blocked = Expr::exists(deliveries_of_t(
        Expr::col((d(), delivery::Column::Redelivery))
            .eq(false)
            .and(Expr::col((d(), delivery::Column::Status)).eq(DeliveryStatus::Retrying.as_str()))
            .and(Expr::col((d(), delivery::Column::NextAttemptAt)).gt(now)),
    ));
    let open = Expr::exists(deliveries_of_t(
        Expr::col((d(), delivery::Column::Redelivery))
            .eq(false)
            .and(Expr::col((d(), delivery::Column::Status)).is_in([
                DeliveryStatus::Pending.as_str(),
                DeliveryStatus::Retrying.as_str(),
            ])),
    ));
    let unexamined =
        Expr::col((Alias::new("t"), notification_target::Column::LastSequence)).lt(max_sequence);
    redelivery_due.or(blocked.not().and(open.or(unexamined)))
}

/// The id of the first active, free target with work: never-leased ones first, then the one
/// released longest ago, so busy targets take turns.
fn candidate(now: DateTime<Utc>, max_sequence: i64) -> SelectStatement {
    let t = || Alias::new("t");
    Query::select()
        .column((t(), notification_target::Column::Id))
        .from_as(notification_target::Entity, t())
        .and_where(
            Expr::col((t(), notification_target::Column::Status))
                .eq(NotificationTargetStatus::Active.as_str()),
        )
        .and_where(free(t(), now))
        .and_where(has_work(now, max_sequence))
        .order_by_with_nulls(
            (t(), notification_target::Column::LeaseUntil),
            Order::Asc,
            NullOrdering::First,
        )
        .order_by((t(), notification_target::Column::Id), Order::Asc)
        .limit(1)
        .to_owned()
}

#[derive(FromQueryResult)]
struct MaxSequence {
    last: Option<i64>,
}

/// The newest event sequence (0 for an empty outbox).
pub(super) async fn max_sequence(connection: &impl ConnectionTrait) -> Result<i64, DomainError> {
    Ok(event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.max(), "last")
        .into_model::<MaxSequence>()
        .one(connection)
        .await?
        .and_then(|row| row.last)
        .unwrap_or(0))
}

/// Leases the next target with work to `holder` and returns it, or `None` when no free target
/// has work. Looks first on the read side, so an idle dispatcher never takes SQLite's write lock.
pub(super) async fn claim(
    db: &Db,
    holder: &str,
    lease: Duration,
) -> Result<Option<notification_target::Model>, DomainError> {
    let now = Utc::now();
    let max_sequence = max_sequence(db.reader()).await?;
    let select = candidate(now, max_sequence);
    if db.reader().query_one(&select).await?.is_none() {
        return Ok(None);
    }
    let mut select = select;
    if db.backend() == DbBackend::Postgres {
        select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let transaction = db.begin_write().await?;
    let claimed = notification_target::Entity::update_many()
        .col_expr(notification_target::Column::LeaseHolder, Expr::val(holder))
        .col_expr(
            notification_target::Column::LeaseUntil,
            Expr::val(until(now, lease)),
        )
        // `id = (…)`, not `id IN (…)`: PostgreSQL may run an `IN` subquery once per row it
        // scans, and with `SKIP LOCKED` each run can pick another target, leasing several.
        .filter(
            Expr::col((notification_target::Entity, notification_target::Column::Id))
                .eq(Expr::from(SubQueryStatement::from(select))),
        )
        .filter(notification_target::Column::Status.eq(NotificationTargetStatus::Active))
        .filter(
            notification_target::Column::LeaseUntil
                .is_null()
                .or(notification_target::Column::LeaseUntil.lt(now)),
        )
        .exec_with_returning(&transaction)
        .await?;
    transaction.commit().await?;
    Ok(claimed.into_iter().next())
}

/// Extends `holder`'s lease of target `id` and returns the target as it is now (its address or
/// secret may have been edited). `None` when the lease is lost: another holder took the target
/// after ours ran out, or its owner paused it.
pub(super) async fn renew(
    db: &Db,
    id: i64,
    holder: &str,
    lease: Duration,
) -> Result<Option<notification_target::Model>, DomainError> {
    let transaction = db.begin_write().await?;
    let renewed = notification_target::Entity::update_many()
        .col_expr(
            notification_target::Column::LeaseUntil,
            Expr::val(until(Utc::now(), lease)),
        )
        .filter(notification_target::Column::Id.eq(id))
        .filter(notification_target::Column::LeaseHolder.eq(holder))
        .filter(notification_target::Column::Status.eq(NotificationTargetStatus::Active))
        .exec_with_returning(&transaction)
        .await?;
    transaction.commit().await?;
    Ok(renewed.into_iter().next())
}

/// Gives target `id` back. `not_before` keeps it unclaimable until then (a robot's throttle
/// window, or a pause after an error); the time doubles as "last worked", which orders the
/// claim so busy targets take turns. `None` clears the lease entirely (at shutdown).
pub(super) async fn release(
    db: &Db,
    id: i64,
    holder: &str,
    not_before: Option<DateTime<Utc>>,
) -> Result<(), DomainError> {
    let transaction = db.begin_write().await?;
    notification_target::Entity::update_many()
        .col_expr(
            notification_target::Column::LeaseHolder,
            Expr::val(Option::<String>::None),
        )
        .col_expr(
            notification_target::Column::LeaseUntil,
            Expr::val(not_before),
        )
        .filter(notification_target::Column::Id.eq(id))
        .filter(notification_target::Column::LeaseHolder.eq(holder))
        .exec(&transaction)
        .await?;
    transaction.commit().await?;
    Ok(())
}

/// Releases every lease `holder` still has (at shutdown), so other replicas need not wait for
/// them to run out.
pub(super) async fn release_all(db: &Db, holder: &str) -> Result<(), DomainError> {
    let transaction = db.begin_write().await?;
    notification_target::Entity::update_many()
        .col_expr(
            notification_target::Column::LeaseHolder,
            Expr::val(Option::<String>::None),
        )
        .col_expr(
            notification_target::Column::LeaseUntil,
            Expr::val(Option::<DateTime<Utc>>::None),
        )
        .filter(notification_target::Column::LeaseHolder.eq(holder))
        .exec(&transaction)
        .await?;
    transaction.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use domain::outbox::{self, NewEvent};
    use entity::{enums::EventType, enums::NotificationAdapter, region};
    use sea_orm::{
        ActiveModelTrait, Set,
        sea_query::{PostgresQueryBuilder, SqliteQueryBuilder},
    };
    use testing::{Template, TestDb};

    use super::*;

    async fn leased(db: &Db) -> Vec<(i64, String)> {
        notification_target::Entity::find()
            .filter(notification_target::Column::LeaseHolder.is_not_null())
            .all(db.reader())
            .await
            .expect("a query")
            .into_iter()
            .map(|target| (target.id, target.lease_holder.unwrap_or_default()))
            .collect()
    }

    /// A claim leases exactly one target even when several have work (an `IN` subquery with
    /// `SKIP LOCKED` leased several on PostgreSQL), and never one that is already leased.
    #[tokio::test]
    async fn a_claim_leases_exactly_one_free_target() {
        let test = TestDb::new(Template::Demo).await.expect("a test database");
        let db = &test.db;
        let province = region::Entity::find()
            .filter(region::Column::Code.eq("330000"))
            .one(db.reader())
            .await
            .expect("a query")
            .expect("the province");
        let transaction = db.begin_write().await.expect("a transaction");
        outbox::append(
            &transaction,
            NewEvent {
                event_type: EventType::ConsultationCreated,
                entity_type: "Consultation",
                entity_id: 1,
                region_ids: vec![province.id],
                snapshot: serde_json::json!({}),
                actor: "test".into(),
            },
        )
        .await
        .expect("appended");
        let now = Utc::now();
        for name in ["a", "b", "c"] {
            notification_target::ActiveModel {
                name: Set(name.into()),
                adapter: Set(NotificationAdapter::Webhook),
                url: Set(format!("memory://{name}")),
                event_types: Set("[]".into()),
                region_id: Set(province.id),
                status: Set(NotificationTargetStatus::Active),
                created_by: Set("test".into()),
                last_sequence: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&transaction)
            .await
            .expect("target inserted");
        }
        db.commit(transaction).await.expect("committed");

        let lease = Duration::from_secs(30);
        let first = claim(db, "one", lease)
            .await
            .expect("claim")
            .expect("a target");
        assert_eq!(leased(db).await, [(first.id, "one".to_owned())]);
        let second = claim(db, "two", lease)
            .await
            .expect("claim")
            .expect("a target");
        assert_ne!(first.id, second.id);
        assert_eq!(leased(db).await.len(), 2);
        release(db, first.id, "two", None).await.expect("release");
        assert_eq!(leased(db).await.len(), 2, "only the holder releases");
        release_all(db, "one").await.expect("release");
        assert_eq!(leased(db).await, [(second.id, "two".to_owned())]);
    }

    #[test]
    fn the_candidate_query_builds_on_both_engines() {
        let mut select = candidate(Utc::now(), 7);
        let sqlite = select.to_string(SqliteQueryBuilder);
        assert!(sqlite.contains("NULLS FIRST"), "{sqlite}");
        assert!(sqlite.contains("EXISTS"), "{sqlite}");
        select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        let postgres = select.to_string(PostgresQueryBuilder);
        assert!(postgres.ends_with("FOR UPDATE SKIP LOCKED"), "{postgres}");
        // The SQLite builder drops the lock clause silently: it must never be relied upon.
        assert!(!select.to_string(SqliteQueryBuilder).contains("SKIP LOCKED"));
    }
}
