//! Mutations of notification targets (staff and integrators, within their scope): register,
//! change, pause and resume a target, send it a test message, and send dead letters again.
//! Secrets and robot URLs go in and never come back out.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::Utc;
use domain::{
    Actor, Db,
    read::notification_targets::NotificationTarget as TargetRow,
    write::notification_targets::{self as write, NewTarget, TargetChange, TestDestination},
};
use entity::enums::EventType as DomainEventType;

use super::{
    consultations::database_id,
    user_error::{UserError, outcome},
};
use crate::{
    Services,
    error::Result,
    generation::Sibling,
    types::{
        delivery::Delivery,
        event::EventType,
        notification::{NotificationAdapter, NotificationErrorClass, NotificationTarget},
    },
};

/// The snapshot a test message carries: recognisable, and free of any real record.
const TEST_MESSAGE: &str = "测试消息 from xieshang";

fn services<'a>(ctx: &Context<'a>) -> Services {
    ctx.data_opt::<Services>().cloned().unwrap_or_default()
}

fn event_types(types: Vec<EventType>) -> Vec<DomainEventType> {
    types.into_iter().map(Into::into).collect()
}

/// Input of `createNotificationTarget`.
#[derive(InputObject)]
pub struct CreateNotificationTargetInput {
    /// Display name (1–100 characters).
    pub name: String,
    /// How notifications reach the target.
    pub adapter: NotificationAdapter,
    /// WEBHOOK: the http(s) endpoint. DINGTALK: the robot's webhook address with
    /// `access_token=…`. WECOM: the robot's webhook address with `key=…`. Must be a public
    /// address unless the operator allows internal ones. Write-only for robots.
    pub url: String,
    /// Signing secret, write-only. WEBHOOK: required, at least 16 characters (signs
    /// `X-Xieshang-Signature`). DINGTALK: the robot's 加签 secret, when signing is on. WECOM: none.
    pub secret: Option<String>,
    /// The event types to send; empty (the default) sends every type. NOTIFICATION_TEST cannot
    /// be subscribed.
    #[graphql(default)]
    pub event_types: Vec<EventType>,
    /// GB/T 2260 code of the region whose events (its own and every region's below it) are
    /// sent; must lie in the caller's scope.
    pub region_code: String,
}

/// Input of `updateNotificationTarget`. Fields left out keep their value.
#[derive(InputObject)]
pub struct UpdateNotificationTargetInput {
    /// The notification target's global ID.
    pub id: ID,
    /// A new display name (1–100 characters).
    pub name: Option<String>,
    /// A new URL, under the same rules as when the target was created.
    pub url: Option<String>,
    /// A new signing secret; `null` removes it (DINGTALK only: webhooks must be signed).
    pub secret: MaybeUndefined<String>,
    /// New event types; empty sends every type.
    pub event_types: Option<Vec<EventType>>,
    /// A new region (GB/T 2260 code); the caller's scope must cover the old and the new one.
    pub region_code: Option<String>,
}

/// Declares an input that names one notification target by its global ID.
macro_rules! target_input {
    ($($name:ident: $doc:literal;)+) => {$(
        #[doc = $doc]
        #[derive(InputObject)]
        pub struct $name {
            /// The notification target's global ID.
            pub id: ID,
        }
    )+};
}

target_input! {
    PauseNotificationTargetInput: "Input of `pauseNotificationTarget`.";
    ResumeNotificationTargetInput: "Input of `resumeNotificationTarget`.";
    SendTestNotificationInput: "Input of `sendTestNotification`.";
    RedeliverDeadLettersInput: "Input of `redeliverDeadLetters`.";
}

/// Input of `redeliverDelivery`.
#[derive(InputObject)]
pub struct RedeliverDeliveryInput {
    /// The delivery's global ID; it must be DEAD.
    pub id: ID,
}

/// Declares the payload of a mutation that changes one notification target.
macro_rules! target_payload {
    ($($name:ident: $doc:literal;)+) => {$(
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The target as changed; null when refused.
            pub notification_target: Option<NotificationTarget>,
            /// Why it was refused; empty on success.
            pub user_errors: Vec<UserError>,
        }

        impl From<(Option<TargetRow>, Vec<UserError>)> for $name {
            fn from((row, user_errors): (Option<TargetRow>, Vec<UserError>)) -> Self {
                Self {
                    notification_target: row.map(NotificationTarget::single),
                    user_errors,
                }
            }
        }
    )+};
}

target_payload! {
    CreateNotificationTargetPayload: "Result of `createNotificationTarget`.";
    UpdateNotificationTargetPayload: "Result of `updateNotificationTarget`.";
    PauseNotificationTargetPayload: "Result of `pauseNotificationTarget`.";
    ResumeNotificationTargetPayload: "Result of `resumeNotificationTarget`.";
}

/// Result of `sendTestNotification`.
#[derive(SimpleObject)]
pub struct SendTestNotificationPayload {
    /// The target tested; null when refused.
    pub notification_target: Option<NotificationTarget>,
    /// Whether the receiver accepted the test message.
    pub succeeded: bool,
    /// HTTP status of the receiver's answer; null when there was none.
    pub response_code: Option<i32>,
    /// Why sending failed, in one sentence without addresses or credentials; null on success.
    pub error: Option<String>,
    /// What kind of failure it was; null on success, or when the message was never sent (the
    /// target's address was refused before sending).
    pub error_class: Option<NotificationErrorClass>,
    /// Why the request was refused; empty when the message was sent (even if it failed).
    pub user_errors: Vec<UserError>,
}

/// Result of `redeliverDelivery`.
#[derive(SimpleObject)]
pub struct RedeliverDeliveryPayload {
    /// The delivery, PENDING again and flagged as a redelivery; null when refused.
    pub delivery: Option<Delivery>,
    /// Why it was refused (e.g. `INVALID_TRANSITION` when it is not DEAD); empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of `redeliverDeadLetters`.
#[derive(SimpleObject)]
pub struct RedeliverDeadLettersPayload {
    /// The target; null when refused.
    pub notification_target: Option<NotificationTarget>,
    /// How many dead letters were queued again.
    pub redelivered_count: i32,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Registering and looking after notification targets.
#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Registers a notification target (ACTIVE). It receives the events that happen from now
    /// on, not the history: to catch up, read the `events` connection.
    async fn create_notification_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The target's adapter, address, secret, event types and region.")]
        input: CreateNotificationTargetInput,
    ) -> Result<CreateNotificationTargetPayload> {
        let result = write::create(
            ctx.data::<Db>()?,
            ctx.data::<Actor>()?,
            NewTarget {
                name: input.name,
                adapter: input.adapter.into(),
                url: input.url,
                secret: input.secret,
                event_types: event_types(input.event_types),
                region_code: input.region_code,
            },
            services(ctx).allow_private_targets,
            services(ctx).target_limits,
        )
        .await;
        Ok(outcome(result)?.into())
    }

    /// Changes a notification target's name, address, secret, event types or region. Its place
    /// in the event log stays where it is.
    async fn update_notification_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which target and the fields to change.")]
        input: UpdateNotificationTargetInput,
    ) -> Result<UpdateNotificationTargetPayload> {
        let id = database_id(&input.id, "NotificationTarget")?;
        let secret = match input.secret {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(secret) => Some(Some(secret)),
        };
        let result = write::update(
            ctx.data::<Db>()?,
            ctx.data::<Actor>()?,
            id,
            TargetChange {
                name: input.name,
                url: input.url,
                secret,
                event_types: input.event_types.map(event_types),
                region_code: input.region_code,
            },
            services(ctx).allow_private_targets,
        )
        .await;
        Ok(outcome(result)?.into())
    }

    /// Stops deliveries to a target until it is resumed; events keep being recorded for it in
    /// the outbox, so nothing is lost. Pausing a paused target changes nothing.
    async fn pause_notification_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which target.")] input: PauseNotificationTargetInput,
    ) -> Result<PauseNotificationTargetPayload> {
        let id = database_id(&input.id, "NotificationTarget")?;
        let result = write::pause(ctx.data::<Db>()?, ctx.data::<Actor>()?, id).await;
        Ok(outcome(result)?.into())
    }

    /// Lets deliveries to a paused target go on, in order, from where they stopped. Resuming an
    /// active target changes nothing.
    async fn resume_notification_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which target.")] input: ResumeNotificationTargetInput,
    ) -> Result<ResumeNotificationTargetPayload> {
        let id = database_id(&input.id, "NotificationTarget")?;
        let result = write::resume(ctx.data::<Db>()?, ctx.data::<Actor>()?, id).await;
        Ok(outcome(result)?.into())
    }

    /// Sends one NOTIFICATION_TEST message to the target right now (paused targets too) and
    /// reports what the receiver answered. The message is synthetic: sequence 0, not in the
    /// outbox, `test: true`; nothing is recorded as a delivery.
    async fn send_test_notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which target.")] input: SendTestNotificationInput,
    ) -> Result<SendTestNotificationPayload> {
        let id = database_id(&input.id, "NotificationTarget")?;
        let (destination, user_errors) =
            outcome(write::test_destination(ctx.data::<Db>()?, ctx.data::<Actor>()?, id).await)?;
        let Some(destination) = destination else {
            return Ok(SendTestNotificationPayload {
                notification_target: None,
                succeeded: false,
                response_code: None,
                error: None,
                error_class: None,
                user_errors,
            });
        };
        let services = services(ctx);
        let (succeeded, response_code, error, error_class) =
            send_test(&services, &destination).await;
        tracing::info!(
            target_id = destination.target.id,
            succeeded,
            response_code,
            ?error_class,
            "test notification sent"
        );
        Ok(SendTestNotificationPayload {
            notification_target: Some(NotificationTarget::single(destination.target)),
            succeeded,
            response_code,
            error,
            error_class,
            user_errors,
        })
    }

    /// Queues a DEAD delivery to be sent again (PENDING, attempts reset, due now). It arrives
    /// after later events, marked as a redelivery, with the same delivery id. Other statuses
    /// are refused with `INVALID_TRANSITION`: they are still on their way or already accepted.
    async fn redeliver_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which delivery.")] input: RedeliverDeliveryInput,
    ) -> Result<RedeliverDeliveryPayload> {
        let id = database_id(&input.id, "Delivery")?;
        let (row, user_errors) =
            outcome(write::redeliver(ctx.data::<Db>()?, ctx.data::<Actor>()?, id).await)?;
        Ok(RedeliverDeliveryPayload {
            delivery: row.map(Delivery::single),
            user_errors,
        })
    }

    /// Queues every DEAD delivery of a target to be sent again, as `redeliverDelivery` does for
    /// one.
    async fn redeliver_dead_letters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which target.")] input: RedeliverDeadLettersInput,
    ) -> Result<RedeliverDeadLettersPayload> {
        let id = database_id(&input.id, "NotificationTarget")?;
        let (found, user_errors) = outcome(
            write::redeliver_dead_letters(ctx.data::<Db>()?, ctx.data::<Actor>()?, id).await,
        )?;
        let (target, count) = match found {
            Some((target, count)) => (Some(NotificationTarget::single(target)), count),
            None => (None, 0),
        };
        Ok(RedeliverDeadLettersPayload {
            notification_target: target,
            redelivered_count: i32::try_from(count).map_err(|_| crate::ApiError::internal())?,
            user_errors,
        })
    }
}

/// What a test send reports: accepted, the HTTP status, the error and its class.
type TestOutcome = (
    bool,
    Option<i32>,
    Option<String>,
    Option<NotificationErrorClass>,
);

/// Sends the test message; returns whether it was accepted, the HTTP status and the error.
async fn send_test(services: &Services, destination: &TestDestination) -> TestOutcome {
    // The host may resolve differently than when the target was registered.
    if let Err(error) =
        domain::net::ensure_public_destination(&destination.url, services.allow_private_targets)
            .await
    {
        return (
            false,
            None,
            Some(scrub(&error.to_string(), destination)),
            None,
        );
    }
    let now = Utc::now();
    let target = &destination.target;
    let message = notify::Message {
        delivery_id: domain::events::global_id("TestNotification", now.timestamp_millis()),
        events: vec![notify::EventPayload {
            cursor: domain::events::cursor_of(0),
            sequence: 0,
            event_type: DomainEventType::NotificationTest.as_str().to_owned(),
            occurred_at: now,
            region_codes: vec![destination.region_code.clone()],
            entity_type: "NotificationTarget".to_owned(),
            entity_id: domain::events::global_id("NotificationTarget", target.id),
            snapshot: serde_json::json!({ "message": TEST_MESSAGE }),
        }],
        redelivery: false,
        test: true,
        traceparent: domain::trace_context::current(),
    };
    let adapter = services.adapters.adapter(target.adapter);
    let address = notify::Destination {
        url: destination.url.clone(),
        secret: destination.secret.clone(),
    };
    match adapter.deliver(&address, &message).await {
        Ok(receipt) => (true, receipt.status.map(i32::from), None, None),
        Err(error) => {
            let status = match &error {
                notify::NotifyError::Retryable { status, .. }
                | notify::NotifyError::Permanent { status, .. } => *status,
            };
            (
                false,
                status.map(i32::from),
                Some(scrub(&error.to_string(), destination)),
                error.class().map(NotificationErrorClass::from),
            )
        }
    }
}

/// `text` without the target's URL, secret or the credentials inside the URL.
fn scrub(text: &str, destination: &TestDestination) -> String {
    let mut words: Vec<String> = vec![destination.url.clone()];
    words.extend(destination.secret.clone());
    if let Ok(url) = url::Url::parse(&destination.url) {
        words.extend(url.query_pairs().map(|(_, value)| value.into_owned()));
    }
    words.retain(|word| word.len() >= 4);
    words.sort_by_key(|word| std::cmp::Reverse(word.len()));
    words.iter().fold(text.to_owned(), |text, word| {
        text.replace(word, "[redacted]")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_removes_urls_secrets_and_tokens() {
        let destination = TestDestination {
            target: domain::read::notification_targets::NotificationTarget {
                id: 1,
                name: "robot".into(),
                adapter: entity::enums::NotificationAdapter::Dingtalk,
                url: None,
                has_secret: true,
                event_types: Vec::new(),
                region_id: 1,
                status: entity::enums::NotificationTargetStatus::Active,
                created_by: "t".into(),
                last_sequence: 0,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            },
            region_code: "330000".into(),
            url: "https://oapi.dingtalk.com/robot/send?access_token=tok123456".into(),
            secret: Some("SECsecretsecret".into()),
        };
        let text = "failed https://oapi.dingtalk.com/robot/send?access_token=tok123456 \
                    token tok123456 secret SECsecretsecret";
        let scrubbed = scrub(text, &destination);
        assert!(!scrubbed.contains("tok123456"), "{scrubbed}");
        assert!(!scrubbed.contains("SECsecret"), "{scrubbed}");
        assert_eq!(scrubbed.matches("[redacted]").count(), 3);
    }
}
