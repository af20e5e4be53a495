//! Notification targets and their deliveries.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::read::{
    deliveries::DeliveryFilter as DomainDeliveryFilter,
    notification_targets::NotificationTarget as TargetRow,
};

use crate::{
    connection::{self, Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::notification_target::TargetDeliveries,
    types::{common::region_of, delivery::DeliveryConnection, event::EventType, region::Region},
};

/// How notifications reach a target.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::NotificationAdapter")]
pub enum NotificationAdapter {
    /// A signed HTTP webhook.
    Webhook,
    /// A DingTalk group robot.
    Dingtalk,
    /// A WeCom (企业微信) group robot.
    Wecom,
}

/// Whether a notification target receives deliveries.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::NotificationTargetStatus")]
pub enum NotificationTargetStatus {
    /// Receiving.
    Active,
    /// Paused by its owner.
    Paused,
}

/// State of one delivery of an event to a target.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Not attempted yet.
    Pending,
    /// Delivered.
    Succeeded,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Given up.
    Dead,
    /// Not delivered within the event retention (`XIESHANG_EVENT_RETENTION_DAYS`) because the
    /// target stayed paused or failing; the event is then pruned, so it cannot be redelivered.
    Expired,
}

/// Why a test notification failed, coarse enough to tell what to fix; the transport's own
/// error text is never shown.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "notify::ErrorClass")]
pub enum NotificationErrorClass {
    /// The receiver did not answer in time (connecting or responding).
    Timeout,
    /// The connection could not be made or was broken (refused, reset, unreachable).
    ConnectionRefused,
    /// The host name does not resolve, or resolves only to refused internal addresses.
    Dns,
    /// The TLS handshake failed (certificate or protocol).
    Tls,
    /// The receiver answered, but not with success (a non-2xx status or a robot's error code).
    HttpStatus,
}

/// Which deliveries to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeliveryFilter {
    /// Only deliveries to this notification target (its global ID).
    pub target_id: Option<ID>,
    /// Only deliveries with one of these statuses (e.g. `[DEAD]` for the dead letters).
    pub status: Option<Vec<DeliveryStatus>>,
}

impl DeliveryFilter {
    /// The domain filter; a `targetId` that is not a target's ID is `BAD_USER_INPUT`.
    pub fn resolve(filter: Option<Self>) -> Result<DomainDeliveryFilter> {
        let filter = filter.unwrap_or_default();
        let target_id = filter
            .target_id
            .as_ref()
            .map(|id| match ids::decode(id)? {
                (type_name, id) if type_name == "NotificationTarget" => Ok(id),
                _ => Err(crate::ErrorCode::BadUserInput.error(format!(
                    "targetId: {:?} is not the ID of a notification target",
                    id.0
                ))),
            })
            .transpose()?;
        Ok(DomainDeliveryFilter {
            target_id,
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        })
    }
}

/// One target of a generation of notification targets.
#[derive(Clone)]
pub struct NotificationTarget {
    index: usize,
    generation: Arc<Generation<TargetRow>>,
}

impl Sibling for NotificationTarget {
    type Row = TargetRow;

    fn at(index: usize, generation: Arc<Generation<TargetRow>>) -> Self {
        Self { index, generation }
    }
}

impl NotificationTarget {
    fn row(&self) -> &TargetRow {
        self.generation.row(self.index)
    }
}

/// An integrator's endpoint that session updates are pushed to: a signed webhook, or a DingTalk
/// or WeCom group robot (群机器人). Each matching outbox event becomes one delivery, sent in
/// order per target. Secrets and robot URLs are write-only: they carry credentials, so the API
/// never returns them.
#[Object]
impl NotificationTarget {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("NotificationTarget", self.row().id)
    }

    /// Display name chosen by whoever registered the target.
    async fn name(&self) -> &str {
        &self.row().name
    }

    /// How notifications reach the target.
    async fn adapter(&self) -> NotificationAdapter {
        self.row().adapter.into()
    }

    /// The webhook's endpoint. Null for DingTalk and WeCom robots: their URLs carry the robot's
    /// credentials (`access_token`, `key`) and are write-only.
    async fn url(&self) -> Option<&str> {
        self.row().url.as_deref()
    }

    /// Whether a signing secret is set (the secret itself is write-only).
    async fn has_secret(&self) -> bool {
        self.row().has_secret
    }

    /// The event types sent to the target; empty means every type.
    async fn event_types(&self) -> Vec<EventType> {
        self.row()
            .event_types
            .iter()
            .copied()
            .map(Into::into)
            .collect()
    }

    /// Events touching this region or any region below it are sent.
    async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
        region_of(ctx, &self.generation, self.row().region_id).await
    }

    /// Whether deliveries are being sent.
    async fn status(&self) -> NotificationTargetStatus {
        self.row().status.into()
    }

    /// Every outbox event up to this sequence has been handled for the target (sent, queued or
    /// not matching). A new target starts at the newest event, so it does not receive history.
    async fn last_sequence(&self) -> i64 {
        self.row().last_sequence
    }

    /// When the target was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }

    /// When the target was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row().updated_at
    }

    /// Deliveries to this target, newest event first.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deliveries.")] filter: Option<DeliveryFilter>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<DeliveryConnection> {
        let page = connection::page_request(first, after, last, before)?;
        let deliveries = self
            .generation
            .load::<TargetDeliveries>(ctx, (filter, page))
            .await?;
        Ok(Connection::new(deliveries.page(self.row().id)))
    }
}

impl ConnectionNode for NotificationTarget {
    const CONNECTION_NAME: &'static str = "NotificationTargetConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of notification targets.";
    const EDGE_NAME: &'static str = "NotificationTargetEdge";
    const EDGE_DESCRIPTION: &'static str =
        "One of notification targets in a page, with its cursor.";
}

/// A page of notification targets.
pub type NotificationTargetConnection = Connection<NotificationTarget>;
