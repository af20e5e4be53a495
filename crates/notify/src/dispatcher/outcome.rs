//! Writing down what an attempt achieved: delivered, retry later, or dead-lettered.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{delivery, enums::DeliveryStatus, notification_target};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use domain::{Db, DomainError};

use super::{DispatchOptions, backoff};
use crate::{NotifyError, Receipt};

/// The longest `last_error` kept.
const ERROR_CHARS: usize = 500;

/// Records the result of one send of `rows` (one delivery, or a robot digest sharing its fate).
/// Each row counts one more attempt; a retryable failure schedules the next attempt (the same
/// time for every row of a digest, so the stream waits as one) or dead-letters a row that used
/// up its attempts; a permanent failure dead-letters at once.
///
/// Each update is guarded by the attempts and status the row had when it was picked, so a
/// holder whose lease ran out mid-send cannot overwrite what the new holder recorded.
pub(super) async fn record(
    db: &Db,
    target: &notification_target::Model,
    rows: &[delivery::Model],
    result: &Result<Receipt, NotifyError>,
    options: &DispatchOptions,
) -> Result<(), DomainError> {
    let now = Utc::now();
    let first_failures = rows.first().map_or(1, |row| row.attempts.saturating_add(1));
    let retry_at = match result {
        Err(NotifyError::Retryable { retry_after, .. }) => {
            let wait = backoff::delay(
                first_failures,
                options.backoff_base,
                options.backoff_cap,
                *retry_after,
            );
            Some(
                chrono::Duration::from_std(wait)
                    .ok()
                    .and_then(|wait| now.checked_add_signed(wait))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
            )
        }
        _ => None,
    };
    let transaction = db.begin_write().await?;
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in rows {
        let attempts = row.attempts.saturating_add(1);
        let (status, code, error, next, delivered): Row = match result {
            Ok(receipt) => (
                DeliveryStatus::Succeeded,
                receipt.status,
                None,
                None,
                Some(now),
            ),
            Err(NotifyError::Retryable {
                message, status, ..
            }) => {
                let dead = attempts >= options.max_attempts;
                (
                    if dead {
                        DeliveryStatus::Dead
                    } else {
                        DeliveryStatus::Retrying
                    },
                    *status,
                    Some(redact(message, target)),
                    if dead { None } else { retry_at },
                    None,
                )
            }
            Err(NotifyError::Permanent { message, status }) => (
                DeliveryStatus::Dead,
                *status,
                Some(redact(message, target)),
                None,
                None,
            ),
        };
        outcomes.push(match status {
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Retrying => "retrying",
            _ => "dead",
        });
        let mut update = delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::val(status.as_str()))
            .col_expr(delivery::Column::Attempts, Expr::val(attempts))
            .col_expr(
                delivery::Column::ResponseCode,
                Expr::val(code.map(i32::from)),
            );
        // A success keeps the error of the last failed attempt: it tells why it took long.
        if let Some(error) = error {
            update = update.col_expr(delivery::Column::LastError, Expr::val(error));
        }
        update
            .col_expr(delivery::Column::NextAttemptAt, Expr::val(next))
            .col_expr(delivery::Column::DeliveredAt, Expr::val(delivered))
            .col_expr(delivery::Column::UpdatedAt, Expr::val(now))
            .filter(delivery::Column::Id.eq(row.id))
            .filter(delivery::Column::Attempts.eq(row.attempts))
            .filter(
                delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]),
            )
            .exec(&transaction)
            .await?;
    }
    // Bookkeeping only: no event appended, so no need to wake the event feed (`Db::commit`).
    transaction.commit().await?;
    for outcome in outcomes {
        count(target, outcome, 1);
    }
    Ok(())
}

/// Counts `deliveries` attempts of `target` that ended `outcome` (`succeeded`, `retrying` or
/// `dead`) in `xieshang_deliveries_total`.
pub(super) fn count(target: &notification_target::Model, outcome: &'static str, deliveries: usize) {
    metrics::counter!(
        "xieshang_deliveries_total",
        "adapter" => target.adapter.as_str(),
        "outcome" => outcome,
    )
    .increment(deliveries as u64);
}

/// Records the successful sends `delivered` (rows of one target, with the receiver's answer)
/// in one transaction: one `UPDATE … WHERE id IN (…)` per (attempts, response code) pair,
/// usually one for all. Guarded like [`record`]: only rows still open with the attempts they
/// had when picked change. A success keeps the error of the last failed attempt.
pub(super) async fn delivered(
    db: &Db,
    delivered: &[(&delivery::Model, Receipt)],
) -> Result<(), DomainError> {
    if delivered.is_empty() {
        return Ok(());
    }
    let mut groups: BTreeMap<(i32, Option<u16>), Vec<i64>> = BTreeMap::new();
    for (row, receipt) in delivered {
        groups
            .entry((row.attempts, receipt.status))
            .or_default()
            .push(row.id);
    }
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    for ((attempts, code), ids) in groups {
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::val(DeliveryStatus::Succeeded.as_str()),
            )
            .col_expr(
                delivery::Column::Attempts,
                Expr::val(attempts.saturating_add(1)),
            )
            .col_expr(
                delivery::Column::ResponseCode,
                Expr::val(code.map(i32::from)),
            )
            .col_expr(
                delivery::Column::NextAttemptAt,
                Expr::val(Option::<DateTime<Utc>>::None),
            )
            .col_expr(delivery::Column::DeliveredAt, Expr::val(Some(now)))
            .col_expr(delivery::Column::UpdatedAt, Expr::val(now))
            .filter(delivery::Column::Id.is_in(ids))
            .filter(delivery::Column::Attempts.eq(attempts))
            .filter(
                delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]),
            )
            .exec(&transaction)
            .await?;
    }
    // Bookkeeping only, as in `record`.
    transaction.commit().await?;
    Ok(())
}

/// Status, response code, error, next attempt and delivery time of one row.
type Row = (
    DeliveryStatus,
    Option<u16>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// An adapter's error text fit for `last_error`, which staff read through the API: robot URLs
/// carry their access token and secrets sign messages, so the target's URL and secret and any
/// other URL are cut out, and the text is kept short.
pub(super) fn redact(message: &str, target: &notification_target::Model) -> String {
    let mut text = message.to_owned();
    if !target.url.is_empty() {
        text = text.replace(&target.url, "<url>");
    }
    if let Some(secret) = target.secret.as_deref().filter(|secret| !secret.is_empty()) {
        text = text.replace(secret, "<secret>");
    }
    let words: Vec<String> = text
        .split(' ')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            if ["http://", "https://", "ws://", "wss://"]
                .iter()
                .any(|scheme| lower.contains(scheme))
            {
                "<url>".to_owned()
            } else {
                word.to_owned()
            }
        })
        .collect();
    let text = words.join(" ");
    match text.char_indices().nth(ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use entity::enums::{NotificationAdapter, NotificationTargetStatus};

    use super::*;

    fn target() -> notification_target::Model {
        notification_target::Model {
            id: 1,
            name: "robot".into(),
            adapter: NotificationAdapter::Wecom,
            url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K-123".into(),
            secret: Some("s3cr3t".into()),
            event_types: "[]".into(),
            region_id: 1,
            status: NotificationTargetStatus::Active,
            created_by: "staff".into(),
            last_sequence: 0,
            lease_holder: None,
            lease_until: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn last_error_never_carries_urls_or_secrets() {
        let target = target();
        let message = format!(
            "error sending request for url ({}): signature with s3cr3t; redirected to \
             http://10.0.0.1/x?key=K-999",
            target.url
        );
        let text = redact(&message, &target);
        assert!(!text.contains("K-123"), "{text}");
        assert!(!text.contains("K-999"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!text.contains("http"), "{text}");
        assert!(text.contains("error sending request"), "{text}");
        let long = redact(&"错".repeat(2000), &target);
        assert_eq!(long.chars().count(), ERROR_CHARS + 1);
    }
}
