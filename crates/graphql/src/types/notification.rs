//! Notification targets and their deliveries.

use async_graphql::Enum;

/// How notifications reach a target.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::NotificationTargetStatus")]
pub enum NotificationTargetStatus {
    /// Receiving.
    Active,
    /// Paused by its owner.
    Paused,
}

/// State of one delivery of an event to a target.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
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
}
