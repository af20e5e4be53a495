//! `submitPublicTopic` (社会征题): topics from the public, open to anonymous callers.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use domain::{
    Actor, Db,
    write::consultations::{self as write, PublicTopic},
};

use super::user_error::{UserError, outcome};
use crate::{ErrorCode, siblings::Siblings, types::consultation::Consultation};

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
    /// The topic as received (status PROPOSED, source PUBLIC); null when refused.
    pub consultation: Option<Consultation>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Public submissions.
#[derive(Default)]
pub struct PublicTopicMutation;

#[Object]
impl PublicTopicMutation {
    /// Submits a topic from the public (社会征题); no token needed. It lands as PROPOSED with
    /// source PUBLIC for staff to approve or cancel. Each client address may submit a limited
    /// number per hour; beyond that the request fails with `RATE_LIMITED`.
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
        Ok(SubmitPublicTopicPayload {
            consultation: row.map(|row| Consultation::new(0, Siblings::new(vec![row]))),
            user_errors,
        })
    }
}
