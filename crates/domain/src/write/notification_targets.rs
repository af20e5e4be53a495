//! Notification target writes: staff and integrators register endpoints in their scope, change,
//! pause and resume them, and ask for dead letters to be sent again.
//!
//! Secrets and robot URLs are write-only: they go in here and come out only through
//! [`test_destination`], to the code that sends (the `Debug` forms below hide them, so a log
//! line cannot leak them). Every target's URL must be public unless the operator allows
//! internal ones ([`crate::net`]); the check resolves host names, so it runs before the write
//! transaction begins.
//!
//! Redelivery is for DEAD deliveries only: PENDING and RETRYING ones are still on their way,
//! and a SUCCEEDED one was acknowledged by the receiver, which de-duplicates by delivery id and
//! would drop the copy. A redelivered dead letter is PENDING again with `redelivery` set: the
//! dispatcher sends it out of order, and the receiver is told so.

use std::fmt;

use chrono::Utc;
use entity::{
    delivery,
    enums::{DeliveryStatus, EventType, NotificationAdapter, NotificationTargetStatus},
    event, notification_target, region,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
    sea_query::Expr,
};

use super::validate::{Field, text};
use crate::{
    Actor, Db, DomainError, net, policy,
    read::{
        deliveries::Delivery,
        notification_targets::{NotificationTarget, event_types_text, manager},
    },
};

const NAME: Field = Field {
    name: "name",
    max_chars: crate::limits::PERSON_NAME_CHARS,
};
/// Longest URL accepted.
const MAX_URL_CHARS: usize = 2_000;
/// Shortest webhook secret: an HMAC key guessable by brute force signs nothing.
pub const MIN_WEBHOOK_SECRET_CHARS: usize = 16;
/// Longest secret accepted.
const MAX_SECRET_CHARS: usize = 200;

/// How many notification targets may exist, so that one token (or one committee's callers)
/// cannot register enough targets to keep the dispatcher busy for everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetLimits {
    /// `XIESHANG_MAX_TARGETS_PER_OWNER`: targets one caller (`created_by`) may have registered.
    pub per_owner: u64,
    /// `XIESHANG_MAX_TARGETS_PER_REGION`: targets whose region filter is one committee.
    pub per_region: u64,
}

impl Default for TargetLimits {
    fn default() -> Self {
        Self {
            per_owner: 20,
            per_region: 50,
        }
    }
}

/// `createNotificationTarget`.
#[derive(Clone)]
pub struct NewTarget {
    /// Display name (1–100 characters).
    pub name: String,
    /// How notifications are sent.
    pub adapter: NotificationAdapter,
    /// The webhook or robot URL.
    pub url: String,
    /// The signing secret: required for WEBHOOK, optional for DINGTALK (加签), none for WECOM.
    pub secret: Option<String>,
    /// The event types to send; empty means every type.
    pub event_types: Vec<EventType>,
    /// Events touching this region or any region below it are sent.
    pub region_code: String,
}

impl fmt::Debug for NewTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewTarget")
            .field("name", &self.name)
            .field("adapter", &self.adapter)
            .field("url", &"<redacted>")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("event_types", &self.event_types)
            .field("region_code", &self.region_code)
            .finish()
    }
}

/// `updateNotificationTarget`: `None` leaves a field as it is.
#[derive(Clone, Default)]
pub struct TargetChange {
    /// A new display name.
    pub name: Option<String>,
    /// A new URL.
    pub url: Option<String>,
    /// A new secret (`Some(None)` removes it, where the adapter allows that).
    pub secret: Option<Option<String>>,
    /// New event types (empty: every type).
    pub event_types: Option<Vec<EventType>>,
    /// A new region.
    pub region_code: Option<String>,
}

impl fmt::Debug for TargetChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetChange")
            .field("name", &self.name)
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field(
                "secret",
                &self
                    .secret
                    .as_ref()
                    .map(|secret| secret.as_ref().map(|_| "<redacted>")),
            )
            .field("event_types", &self.event_types)
            .field("region_code", &self.region_code)
            .finish()
    }
}

/// Everything needed to send to a target, credentials included, for the code that sends.
#[derive(Clone)]
pub struct TestDestination {
    /// The target as its managers see it.
    pub target: NotificationTarget,
    /// The code of the target's region.
    pub region_code: String,
    /// The URL (a robot URL carries credentials).
    pub url: String,
    /// The signing secret.
    pub secret: Option<String>,
}

impl fmt::Debug for TestDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestDestination")
            .field("target", &self.target)
            .field("region_code", &self.region_code)
            .field("url", &"<redacted>")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Registers a target (ACTIVE). It starts at the newest event, so it receives what happens from
/// now on, not the history. Refused with `LimitExceeded` once the caller, or the region, has
/// as many targets as `limits` allow (counted in the write transaction).
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: NewTarget,
    allow_private: bool,
    limits: TargetLimits,
) -> Result<NotificationTarget, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    let region = super::slot_requests::region_by_code(db, &input.region_code).await?;
    policy::may_manage_notification_targets(actor, region.id)?;
    let name = text(NAME, &input.name)?;
    let url = destination_url(input.adapter, &input.url, allow_private).await?;
    let secret = secret(input.adapter, input.secret)?;
    let event_types = event_types(input.event_types)?;
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    let owner = Owner {
        name: actor.name(),
        scope: principal.scope.iter().copied().collect(),
    };
    within_limits(&transaction, &owner, region.id, limits).await?;
    let newest: Option<i64> = event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.max(), "newest")
        .into_tuple::<Option<i64>>()
        .one(&transaction)
        .await?
        .flatten();
    let created = notification_target::ActiveModel {
        name: Set(name),
        adapter: Set(input.adapter),
        url: Set(url),
        secret: Set(secret),
        event_types: Set(event_types_text(&event_types)),
        region_id: Set(region.id),
        status: Set(NotificationTargetStatus::Active),
        created_by: Set(actor.name()),
        last_sequence: Set(newest.unwrap_or(0)),
        lease_holder: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    db.commit(transaction).await?;
    Ok(created.into())
}

/// Who a target counts against: the caller's role and subject within the caller's own scope.
/// Every CLI token has the subject `xieshang-cli`, so `ROLE:subject` alone would make the
/// integrators of unrelated regions share one cap.
struct Owner {
    name: String,
    scope: Vec<i64>,
}

/// Refuses a new target when its owner or its region already has as many as allowed.
async fn within_limits(
    connection: &impl sea_orm::ConnectionTrait,
    owner: &Owner,
    region_id: i64,
    limits: TargetLimits,
) -> Result<(), DomainError> {
    let owned = notification_target::Entity::find()
        .filter(notification_target::Column::CreatedBy.eq(owner.name.as_str()))
        .filter(notification_target::Column::RegionId.is_in(owner.scope.iter().copied()))
        .count(connection)
        .await?;
    if owned >= limits.per_owner {
        return Err(DomainError::LimitExceeded {
            field: "name".to_owned(),
            message: format!(
                "you have registered {owned} notification targets, the most allowed per caller \
                 ({}); remove or reuse one",
                limits.per_owner
            ),
        });
    }
    let in_region = notification_target::Entity::find()
        .filter(notification_target::Column::RegionId.eq(region_id))
        .count(connection)
        .await?;
    if in_region >= limits.per_region {
        return Err(DomainError::LimitExceeded {
            field: "regionCode".to_owned(),
            message: format!(
                "this committee already has {in_region} notification targets, the most allowed \
                 per region ({})",
                limits.per_region
            ),
        });
    }
    Ok(())
}

/// Changes the given fields of a target; moving it to another region needs the caller to cover
/// both. Only the fields given are written, so the dispatcher's progress and lease are never
/// overwritten.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    change: TargetChange,
    allow_private: bool,
) -> Result<NotificationTarget, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    let current = load(db.reader(), actor, id).await?;
    let region_id = match &change.region_code {
        Some(code) => {
            let region = super::slot_requests::region_by_code(db, code).await?;
            policy::may_manage_notification_targets(actor, region.id)?;
            Some(region.id)
        }
        None => None,
    };
    let name = change.name.map(|name| text(NAME, &name)).transpose()?;
    let url = match change.url {
        Some(url) => Some(destination_url(current.adapter, &url, allow_private).await?),
        None => None,
    };
    let secret = change
        .secret
        .map(|secret| self::secret(current.adapter, secret))
        .transpose()?;
    let event_types = change.event_types.map(event_types).transpose()?;
    if name.is_none()
        && url.is_none()
        && secret.is_none()
        && event_types.is_none()
        && region_id.is_none()
    {
        return Ok(current.into());
    }

    let transaction = db.begin_write().await?;
    // Read again under the write lock: the region may have changed since the check above.
    let current = load(&transaction, actor, id).await?;
    let mut row = notification_target::ActiveModel::from(current);
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(url) = url {
        row.url = Set(url);
    }
    if let Some(secret) = secret {
        row.secret = Set(secret);
    }
    if let Some(event_types) = event_types {
        row.event_types = Set(event_types_text(&event_types));
    }
    if let Some(region_id) = region_id {
        row.region_id = Set(region_id);
    }
    row.updated_at = Set(Utc::now());
    let updated = row.update(&transaction).await?;
    db.commit(transaction).await?;
    Ok(updated.into())
}

/// Stops deliveries to a target; its place in the event log is kept. Pausing a paused target
/// changes nothing.
pub async fn pause(db: &Db, actor: &Actor, id: i64) -> Result<NotificationTarget, DomainError> {
    set_status(db, actor, id, NotificationTargetStatus::Paused).await
}

/// Lets deliveries to a paused target go on from where they stopped. Resuming an active target
/// changes nothing.
pub async fn resume(db: &Db, actor: &Actor, id: i64) -> Result<NotificationTarget, DomainError> {
    set_status(db, actor, id, NotificationTargetStatus::Active).await
}

async fn set_status(
    db: &Db,
    actor: &Actor,
    id: i64,
    status: NotificationTargetStatus,
) -> Result<NotificationTarget, DomainError> {
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id).await?;
    if current.status == status {
        db.commit(transaction).await?;
        return Ok(current.into());
    }
    let mut row = notification_target::ActiveModel::from(current);
    row.status = Set(status);
    row.updated_at = Set(Utc::now());
    let updated = row.update(&transaction).await?;
    db.commit(transaction).await?;
    Ok(updated.into())
}

/// Queues a DEAD delivery to be sent again, out of order: PENDING, no attempts, due now,
/// flagged as a redelivery. Any other status is `INVALID_TRANSITION`.
pub async fn redeliver(db: &Db, actor: &Actor, delivery_id: i64) -> Result<Delivery, DomainError> {
    let transaction = db.begin_write().await?;
    let current = delivery::Entity::find_by_id(delivery_id)
        .one(&transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("delivery {delivery_id}")))?;
    // A delivery to a target elsewhere is as unknown as its target.
    load(&transaction, actor, current.target_id)
        .await
        .map_err(|error| match error {
            DomainError::NotFound(_) => DomainError::NotFound(format!("delivery {delivery_id}")),
            other => other,
        })?;
    if current.status != DeliveryStatus::Dead {
        return Err(DomainError::InvalidTransition {
            current: current.status.as_str().to_owned(),
            requested: "redelivery".to_owned(),
            allowed: "none; only DEAD deliveries are redelivered".to_owned(),
        });
    }
    let now = Utc::now();
    let mut row = delivery::ActiveModel::from(current);
    row.status = Set(DeliveryStatus::Pending);
    row.attempts = Set(0);
    row.redelivery = Set(true);
    row.next_attempt_at = Set(Some(now));
    row.last_error = Set(None);
    row.response_code = Set(None);
    row.delivered_at = Set(None);
    row.updated_at = Set(now);
    let updated = row.update(&transaction).await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// Queues every DEAD delivery of a target to be sent again (as [`redeliver`] does for one) and
/// returns how many were queued.
pub async fn redeliver_dead_letters(
    db: &Db,
    actor: &Actor,
    target_id: i64,
) -> Result<(NotificationTarget, u64), DomainError> {
    let transaction = db.begin_write().await?;
    let target = load(&transaction, actor, target_id).await?;
    let now = Utc::now();
    let result = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Pending.as_str()),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::Redelivery, Expr::value(true))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            delivery::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            delivery::Column::ResponseCode,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(
            delivery::Column::DeliveredAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::TargetId.eq(target_id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Dead))
        .exec(&transaction)
        .await?;
    db.commit(transaction).await?;
    Ok((target.into(), result.rows_affected))
}

/// A target's address and credentials, for `sendTestNotification`; the caller must manage the
/// target. Paused targets can be tested too.
pub async fn test_destination(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<TestDestination, DomainError> {
    let row = load(db.reader(), actor, id).await?;
    let region_code = region::Entity::find_by_id(row.region_id)
        .one(db.reader())
        .await?
        .map(|region| region.code)
        .ok_or_else(|| DomainError::NotFound(format!("region {}", row.region_id)))?;
    Ok(TestDestination {
        url: row.url.clone(),
        secret: row.secret.clone(),
        target: row.into(),
        region_code,
    })
}

/// The target, when the caller manages its region. A target outside the caller's region is
/// `NotFound`, exactly like an unknown one, so ids cannot be probed for targets elsewhere; a
/// caller who manages no targets at all (a member) is `Forbidden` whatever the id.
async fn load(
    connection: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<notification_target::Model, DomainError> {
    manager(actor)?;
    notification_target::Entity::find_by_id(id)
        .one(connection)
        .await?
        .filter(|current| policy::may_manage_notification_targets(actor, current.region_id).is_ok())
        .ok_or_else(|| DomainError::NotFound(format!("notification target {id}")))
}

/// The URL as stored, after the adapter's rules and the public-address check.
async fn destination_url(
    adapter: NotificationAdapter,
    url: &str,
    allow_private: bool,
) -> Result<String, DomainError> {
    let url = url.trim();
    if url.chars().count() > MAX_URL_CHARS {
        return Err(DomainError::invalid(
            "url",
            format!("at most {MAX_URL_CHARS} characters"),
        ));
    }
    let parsed = net::parse_http_url(url)?;
    let has_parameter = |wanted: &str| {
        parsed
            .query_pairs()
            .any(|(name, value)| name == wanted && !value.trim().is_empty())
    };
    match adapter {
        NotificationAdapter::Webhook => {}
        NotificationAdapter::Dingtalk if !has_parameter("access_token") => {
            return Err(DomainError::invalid(
                "url",
                "a DingTalk robot URL carries access_token=… (copy the robot's webhook address \
                 from the group's robot settings)",
            ));
        }
        NotificationAdapter::Wecom if !has_parameter("key") => {
            return Err(DomainError::invalid(
                "url",
                "a WeCom robot URL carries key=… (copy the robot's webhook address from the \
                 group's robot settings)",
            ));
        }
        NotificationAdapter::Dingtalk | NotificationAdapter::Wecom => {}
    }
    net::ensure_public_destination(url, allow_private).await?;
    Ok(url.to_owned())
}

/// The secret as stored: WEBHOOK needs one of at least 16 characters; DINGTALK may have one
/// (加签, signing); WECOM robots are not signed.
fn secret(
    adapter: NotificationAdapter,
    secret: Option<String>,
) -> Result<Option<String>, DomainError> {
    let secret = secret.filter(|secret| !secret.is_empty());
    if let Some(secret) = &secret {
        if secret.trim() != secret {
            return Err(DomainError::invalid(
                "secret",
                "must not begin or end with white space",
            ));
        }
        let length = secret.chars().count();
        if length > MAX_SECRET_CHARS {
            return Err(DomainError::invalid(
                "secret",
                format!("at most {MAX_SECRET_CHARS} characters (got {length})"),
            ));
        }
    }
    match (adapter, &secret) {
        (NotificationAdapter::Webhook, None) => Err(DomainError::invalid(
            "secret",
            format!(
                "webhooks are signed: give a secret of at least {MIN_WEBHOOK_SECRET_CHARS} \
                 characters"
            ),
        )),
        (NotificationAdapter::Webhook, Some(secret))
            if secret.chars().count() < MIN_WEBHOOK_SECRET_CHARS =>
        {
            Err(DomainError::invalid(
                "secret",
                format!(
                    "at least {MIN_WEBHOOK_SECRET_CHARS} characters (got {})",
                    secret.chars().count()
                ),
            ))
        }
        (NotificationAdapter::Wecom, Some(_)) => Err(DomainError::invalid(
            "secret",
            "WeCom group robots are not signed; leave the secret empty",
        )),
        _ => Ok(secret),
    }
}

/// The subscribed types without repeats, in declaration order; NOTIFICATION_TEST is sent only
/// on request, never subscribed.
fn event_types(types: Vec<EventType>) -> Result<Vec<EventType>, DomainError> {
    crate::limits::list(
        "eventTypes",
        types.len(),
        crate::limits::MAX_TARGET_EVENT_TYPES,
    )?;
    if types.contains(&EventType::NotificationTest) {
        return Err(DomainError::invalid(
            "eventTypes",
            "NOTIFICATION_TEST is sent only by sendTestNotification and cannot be subscribed",
        ));
    }
    Ok(EventType::ALL
        .iter()
        .copied()
        .filter(|known| types.contains(known))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_follow_the_adapter() {
        use NotificationAdapter::*;
        let long = Some("0123456789abcdef".to_owned());
        assert!(secret(Webhook, long.clone()).is_ok());
        assert!(secret(Webhook, None).is_err());
        assert!(secret(Webhook, Some(String::new())).is_err());
        assert!(secret(Webhook, Some("short".into())).is_err());
        assert!(secret(Webhook, Some(" 0123456789abcdef".into())).is_err());
        assert!(secret(Webhook, Some("x".repeat(201))).is_err());
        assert_eq!(secret(Dingtalk, None).ok(), Some(None));
        assert_eq!(secret(Dingtalk, Some(String::new())).ok(), Some(None));
        assert!(secret(Dingtalk, Some("SECabc".into())).is_ok());
        assert!(secret(Wecom, long).is_err());
        assert_eq!(secret(Wecom, None).ok(), Some(None));
    }

    #[test]
    fn event_types_are_deduplicated_and_the_test_type_refused() {
        let types = event_types(vec![
            EventType::LoungeCreated,
            EventType::ConsultationCreated,
            EventType::LoungeCreated,
        ])
        .unwrap();
        assert_eq!(
            types,
            vec![EventType::ConsultationCreated, EventType::LoungeCreated]
        );
        assert!(event_types(vec![EventType::NotificationTest]).is_err());
        assert_eq!(event_types(Vec::new()).unwrap(), Vec::new());
    }

    #[tokio::test]
    async fn robot_urls_carry_their_credentials() {
        use NotificationAdapter::*;
        let ding = "https://oapi.dingtalk.com/robot/send?access_token=abc";
        let wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=xyz";
        assert!(destination_url(Dingtalk, ding, true).await.is_ok());
        assert!(
            destination_url(Dingtalk, "https://oapi.dingtalk.com/robot/send", true)
                .await
                .is_err()
        );
        assert!(
            destination_url(
                Dingtalk,
                "https://oapi.dingtalk.com/robot/send?access_token=",
                true
            )
            .await
            .is_err()
        );
        assert!(destination_url(Wecom, wecom, true).await.is_ok());
        assert!(destination_url(Wecom, ding, true).await.is_err());
        assert!(
            destination_url(
                Webhook,
                &format!("https://8.8.8.8/{}", "a".repeat(2_000)),
                true
            )
            .await
            .is_err()
        );
        assert!(
            destination_url(Webhook, "http://127.0.0.1:9/hook", false)
                .await
                .is_err()
        );
        assert!(
            destination_url(
                Dingtalk,
                "http://127.0.0.1:9/robot/send?access_token=a",
                false
            )
            .await
            .is_err()
        );
    }
}
