//! One round of work on one leased target: redeliveries first, then the in-order stream, until
//! the target has nothing due, a send fails, its robot window is full, the round's budget is
//! spent, or the dispatcher stops. Then the lease goes back.
//!
//! A failed send ends the round so that a slow receiver (a tarpit that holds every connection
//! until the send timeout) costs one worker at most one timeout per turn: other targets are
//! claimed before it again (the claim prefers targets released longest ago), so it cannot
//! starve them even with many due redeliveries, or with a single worker.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use entity::{delivery, enums::NotificationAdapter, notification_target};
use tokio::sync::watch;

use domain::DomainError;

use super::{Shared, lease, message, outcome, stopping, stream};
use crate::{Adapter, Destination, ErrorClass, Message, NotifyError, Receipt};

/// Sends per round before the target goes back, so that busy targets take turns when there are
/// more of them than workers.
const ROUND_SENDS: usize = 50;

/// How long a target rests after a database error before it is claimed again.
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// How a round ended.
enum End {
    /// Nothing more to do now (or the budget is spent, or the dispatcher stops).
    Done,
    /// A robot target's window is full until then.
    Throttled(DateTime<Utc>),
    /// The lease is gone (another holder, or the target was paused): do not release it.
    Lost,
}

/// Works `target` for one round, then releases it.
pub(super) async fn run(
    shared: Arc<Shared>,
    target: notification_target::Model,
    stop: watch::Receiver<bool>,
) {
    let id = target.id;
    let holder = shared.options.holder_id.clone();
    let not_before = match round(&shared, target, &stop).await {
        Ok(End::Done) => Some(Utc::now()),
        Ok(End::Throttled(until)) => Some(until),
        Ok(End::Lost) => return,
        Err(error) => {
            tracing::warn!(target_id = id, %error, "dispatching to a notification target failed");
            Some(Utc::now() + chrono::Duration::from_std(ERROR_PAUSE).unwrap_or_default())
        }
    };
    // At shutdown the lease is cleared outright, so another replica may start at once.
    let not_before = not_before.filter(|_| !stopping(&stop));
    if let Err(error) = lease::release(&shared.db, id, &holder, not_before).await {
        tracing::warn!(target_id = id, %error, "releasing a notification target failed");
    }
}

fn is_robot(target: &notification_target::Model) -> bool {
    matches!(
        target.adapter,
        NotificationAdapter::Dingtalk | NotificationAdapter::Wecom
    )
}

async fn round(
    shared: &Shared,
    mut target: notification_target::Model,
    stop: &watch::Receiver<bool>,
) -> Result<End, DomainError> {
    let options = &shared.options;
    let db = &shared.db;
    let renew_after = options.lease / 3;
    let mut renewed = Instant::now();
    let robot = is_robot(&target);
    let fold = if robot { options.digest_max.max(1) } else { 1 };
    let mut sends = 0;
    while sends < ROUND_SENDS && !stopping(stop) {
        if renewed.elapsed() >= renew_after {
            match lease::renew(db, target.id, &options.holder_id, options.lease).await? {
                Some(current) => target = current,
                None => return Ok(End::Lost),
            }
            renewed = Instant::now();
        }
        let now = Utc::now();
        if let Some(row) = stream::due_redelivery(db.reader(), target.id, now).await? {
            if let Some(until) = throttled(shared, &target) {
                return Ok(End::Throttled(until));
            }
            sends += 1;
            if !send(shared, &target, &[row], true).await? {
                return Ok(End::Done);
            }
            continue;
        }
        if stream::blocked(db.reader(), target.id, now).await? {
            return Ok(End::Done);
        }
        // A robot's digest takes `fold` rows; a webhook takes a window of them and sends them
        // one after the other, recording the outcomes together.
        let window = if robot {
            fold
        } else {
            u64::try_from(ROUND_SENDS - sends).unwrap_or(1).max(1)
        };
        let mut rows = stream::open(db.reader(), target.id, window).await?;
        // A webhook scans only when its stream is empty; a robot also scans to fill its digest.
        if (rows.len() as u64) < fold {
            match stream::scan(db, &target, &options.holder_id, options.batch).await? {
                stream::Scan::Lost => return Ok(End::Lost),
                stream::Scan::NothingNew => {}
                stream::Scan::Advanced {
                    last_sequence,
                    created,
                } => {
                    target.last_sequence = last_sequence;
                    if created > 0 {
                        rows = stream::open(db.reader(), target.id, window).await?;
                    } else if rows.is_empty() {
                        // Nothing matched in this batch; look at the next one.
                        continue;
                    }
                }
            }
        }
        if rows.is_empty() {
            return Ok(End::Done);
        }
        if !robot {
            let renew_at = renewed + renew_after;
            let run = send_in_order(shared, &target, &rows, stop, renew_at).await?;
            sends += run.sent;
            if run.failed {
                return Ok(End::Done);
            }
            continue;
        }
        if let Some(until) = throttled(shared, &target) {
            return Ok(End::Throttled(until));
        }
        sends += 1;
        if !send(shared, &target, &rows, false).await? {
            return Ok(End::Done);
        }
    }
    Ok(End::Done)
}

/// For a robot whose window is full, when the next message may go.
fn throttled(shared: &Shared, target: &notification_target::Model) -> Option<DateTime<Utc>> {
    if !is_robot(target) {
        return None;
    }
    let now = Instant::now();
    let free_at = shared.throttle.wait_until(target.id, now)?;
    let wait = chrono::Duration::from_std(free_at.saturating_duration_since(now)).ok()?;
    Some(Utc::now() + wait)
}

/// What [`send_in_order`] did.
struct InOrder {
    /// Messages sent (delivered or not).
    sent: usize,
    /// A send failed (and ended the run).
    failed: bool,
}

/// Sends the webhook deliveries `rows` (the head of the in-order stream, oldest first) one
/// message each, strictly one after the other, and stops at the first failure. The events are
/// read in one statement and the successes recorded in one transaction (`outcome::delivered`),
/// instead of a round of statements per delivery; a failure is recorded as [`send`] records it,
/// after the successes before it. Stops before a send once the lease is due for renewal
/// (`renew_at`) or the dispatcher stops, so a run never outlives its lease.
///
/// A crash between a send and its recording resends the delivery later under the same id,
/// exactly as with one delivery at a time (at-least-once).
async fn send_in_order(
    shared: &Shared,
    target: &notification_target::Model,
    rows: &[delivery::Model],
    stop: &watch::Receiver<bool>,
    renew_at: Instant,
) -> Result<InOrder, DomainError> {
    let events = message::events_of(shared.db.reader(), rows).await?;
    let adapter = shared.registry.adapter(target.adapter);
    let destination = Destination {
        url: target.url.clone(),
        secret: target.secret.clone(),
    };
    let mut delivered: Vec<(&delivery::Model, Receipt)> = Vec::with_capacity(rows.len());
    let mut failed = None;
    for row in rows {
        if stopping(stop) || Instant::now() >= renew_at {
            break;
        }
        let result = match message::build(std::slice::from_ref(row), &events, false) {
            Some(message) => deliver(shared, adapter.as_ref(), &destination, &message).await,
            None => Err(gone()),
        };
        match result {
            Ok(receipt) => delivered.push((row, receipt)),
            Err(error) => {
                failed = Some((row, error));
                break;
            }
        }
    }
    let run = InOrder {
        sent: delivered.len() + usize::from(failed.is_some()),
        failed: failed.is_some(),
    };
    outcome::delivered(&shared.db, &delivered).await?;
    outcome::count(target, "succeeded", delivered.len());
    if let Some((row, error)) = failed {
        let result = Err(error);
        log_failure(target, std::slice::from_ref(row), &result);
        outcome::record(
            &shared.db,
            target,
            std::slice::from_ref(row),
            &result,
            &shared.options,
        )
        .await?;
    }
    Ok(run)
}

/// One send within the send timeout; running out of time is a retryable failure. Each send is
/// a `delivery` span (exported when tracing is on), without the destination: robot URLs carry
/// credentials.
async fn deliver(
    shared: &Shared,
    adapter: &dyn Adapter,
    destination: &Destination,
    message: &Message,
) -> Result<Receipt, NotifyError> {
    use tracing::Instrument;
    let span = tracing::info_span!("delivery");
    if let Some(parent) = &message.traceparent {
        domain::trace_context::continue_from(&span, parent);
    }
    tokio::time::timeout(
        shared.options.send_timeout,
        adapter.deliver(destination, message),
    )
    .instrument(span)
    .await
    .unwrap_or_else(|_| {
        Err(NotifyError::Retryable {
            message: "the receiver did not answer in time".into(),
            status: None,
            retry_after: None,
            class: Some(ErrorClass::Timeout),
        })
    })
}

/// The failure of a delivery whose event was pruned from the outbox.
fn gone() -> NotifyError {
    NotifyError::Permanent {
        message: "the event is no longer in the outbox".into(),
        status: None,
    }
}

/// Logs a failed attempt (its error redacted as `last_error` is).
fn log_failure(
    target: &notification_target::Model,
    rows: &[delivery::Model],
    result: &Result<Receipt, NotifyError>,
) {
    if let Err(error) = result {
        let error = outcome::redact(&error.to_string(), target);
        let delivery = rows.first().map(|row| row.id);
        tracing::info!(target_id = target.id, delivery, %error, "delivery attempt failed");
    }
}

/// Sends `rows` as one message and records the outcome on every row; true when it was
/// delivered.
async fn send(
    shared: &Shared,
    target: &notification_target::Model,
    rows: &[delivery::Model],
    redelivery: bool,
) -> Result<bool, DomainError> {
    let events = message::events_of(shared.db.reader(), rows).await?;
    let result = match message::build(rows, &events, redelivery) {
        Some(message) => {
            let adapter = shared.registry.adapter(target.adapter);
            let destination = Destination {
                url: target.url.clone(),
                secret: target.secret.clone(),
            };
            if is_robot(target) {
                shared.throttle.record(target.id, Instant::now());
            }
            deliver(shared, adapter.as_ref(), &destination, &message).await
        }
        None => Err(gone()),
    };
    log_failure(target, rows, &result);
    outcome::record(&shared.db, target, rows, &result, &shared.options).await?;
    Ok(result.is_ok())
}
