//! `submitPublicTopic` (社会征题): topics from the public, open to anonymous callers, and the
//! moderation queue they land in: `acceptPublicTopic` and `rejectPublicTopic` (staff in scope).

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::{
    Actor, Db,
    write::{
        consultations::{self as write, PublicTopic},
        public_topics as moderation,
    },
};

use super::consultations::database_id;
use super::user_error::{UserError, outcome};
use crate::error::Result;
use crate::{ErrorCode, generation::Sibling, types::consultation::Consultation};

/// Per-request admission for public submissions: the server knows the client's address and
/// keeps the per-client budget; the resolver asks it only when a topic is actually submitted.
#[derive(Clone)]
pub struct PublicSubmissionGate(pub Arc<dyn Fn() -> bool + Send + Sync>);

/// Input of `submitPublicTopic`.
#[derive(InputObject)]
pub struct SubmitPublicTopicInput {
    /// GB/T 2260 code of the committee the topic is for.
    pub region_code: String,
    /// A short title (1–200 characters).
    pub title: String,
    /// The topic (1–1,000 characters).
    pub topic: String,
    /// Your name (1–50 characters); shown only to committee staff.
    pub submitter_name: String,
    /// How staff can reach you (1–100 characters); shown only to committee staff.
    pub submitter_contact: String,
}

/// Result of `submitPublicTopic`.
#[derive(SimpleObject)]
pub struct SubmitPublicTopicPayload {
    /// The topic as received: status SUBMITTED, source PUBLIC, waiting in the moderation queue.
    /// Until staff accept it, it is not listed publicly and reaches no integrator or robot;
    /// null when refused.
    pub consultation: Option<Consultation>,
    /// The submitter's receipt code (128 random bits, shown only here, once; the service keeps
    /// only its hash). Look the topic's progress up with `publicTopicReceipt(code:)`. Null when
    /// refused.
    pub receipt_code: Option<String>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `acceptPublicTopic`.
#[derive(InputObject)]
pub struct AcceptPublicTopicInput {
    /// The public topic's global ID (a consultation with status SUBMITTED).
    pub id: ID,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT`.
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// Input of `rejectPublicTopic`.
#[derive(InputObject)]
pub struct RejectPublicTopicInput {
    /// The public topic's global ID (a consultation with status SUBMITTED).
    pub id: ID,
    /// Why it is rejected (1–2,000 characters); the submitter sees it through the receipt.
    pub reason: String,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT`.
    pub expected_version: Option<i32>,
    /// A note recorded in the status history (staff only).
    pub note: Option<String>,
}

/// Result of `acceptPublicTopic`.
#[derive(SimpleObject)]
pub struct AcceptPublicTopicPayload {
    /// The topic as changed (status PROPOSED); null when the change was refused.
    pub consultation: Option<Consultation>,
    /// Why the change was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of `rejectPublicTopic`.
#[derive(SimpleObject)]
pub struct RejectPublicTopicPayload {
    /// The topic as changed (status REJECTED); null when the change was refused.
    pub consultation: Option<Consultation>,
    /// Why the change was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

fn wrap(row: write::Consultation) -> Consultation {
    Consultation::single(row)
}

/// Public submissions.
#[derive(Default)]
pub struct PublicTopicMutation;

#[Object]
impl PublicTopicMutation {
    /// Submits a topic from the public (社会征题); no token needed. It lands as SUBMITTED with
    /// source PUBLIC in the moderation queue, which only staff whose scope covers the committee
    /// see: they accept it (`acceptPublicTopic`, → PROPOSED, from then on public) or reject it
    /// (`rejectPublicTopic`, → REJECTED). The payload carries a receipt code for
    /// `publicTopicReceipt`. Each client address may submit a limited number per hour; beyond
    /// that the request fails with `RATE_LIMITED`.
    async fn submit_public_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic.")] input: SubmitPublicTopicInput,
    ) -> Result<SubmitPublicTopicPayload> {
        if let Ok(gate) = ctx.data::<PublicSubmissionGate>()
            && !(gate.0)()
        {
            return Err(ErrorCode::RateLimited
                .error("too many public topics from your address; try again later"));
        }
        let (row, user_errors) = outcome(
            write::submit_public_topic(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                PublicTopic {
                    region_code: input.region_code,
                    title: input.title,
                    topic: input.topic,
                    submitter_name: input.submitter_name,
                    submitter_contact: input.submitter_contact,
                },
            )
            .await,
        )?;
        let (consultation, receipt_code) = match row {
            Some(submitted) => (
                Some(wrap(submitted.consultation)),
                Some(submitted.receipt_code),
            ),
            None => (None, None),
        };
        Ok(SubmitPublicTopicPayload {
            consultation,
            receipt_code,
            user_errors,
        })
    }

    /// Accepts a public topic from the moderation queue: SUBMITTED → PROPOSED. Staff whose
    /// scope covers the committee only. From then on the topic is listed publicly and goes
    /// through the ordinary lifecycle; integrators and robots first see it with
    /// CONSULTATION_STATUS_CHANGED (status PROPOSED).
    async fn accept_public_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which topic.")] input: AcceptPublicTopicInput,
    ) -> Result<AcceptPublicTopicPayload> {
        let id = database_id(&input.id, "Consultation")?;
        let (row, user_errors) = outcome(
            moderation::accept(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                input.note,
            )
            .await,
        )?;
        Ok(AcceptPublicTopicPayload {
            consultation: row.map(wrap),
            user_errors,
        })
    }

    /// Rejects a public topic from the moderation queue, with a reason: SUBMITTED → REJECTED
    /// (final). Staff whose scope covers the committee only. The topic stays visible to them
    /// alone; its submitter sees the status and the reason through the receipt.
    async fn reject_public_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which topic, and why it is rejected.")] input: RejectPublicTopicInput,
    ) -> Result<RejectPublicTopicPayload> {
        let id = database_id(&input.id, "Consultation")?;
        let (row, user_errors) = outcome(
            moderation::reject(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                input.reason,
                input.note,
            )
            .await,
        )?;
        Ok(RejectPublicTopicPayload {
            consultation: row.map(wrap),
            user_errors,
        })
    }
}
