//! `publicTopicReceipt`: how a submitter follows their public topic (社会征题) with the receipt
//! code `submitPublicTopic` gave them, without an account and without seeing personal data.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use domain::{Db, write::public_topics::TopicReceipt};

use crate::error::Result;
use crate::generation::Sibling;
use crate::types::{
    consultation::ConsultationStatus,
    region::{Region, RegionNode},
};

/// Looking up a public topic by its receipt.
#[derive(Default)]
pub struct PublicTopicQuery;

#[Object]
impl PublicTopicQuery {
    /// The progress of the public topic whose receipt code is `code` (from
    /// `submitPublicTopic`); no token needed. Null when no topic has that code: nothing else is
    /// revealed about unknown codes. Never stored by shared caches: the code is the submitter's
    /// secret.
    #[graphql(cache_control(private, no_cache))]
    async fn public_topic_receipt(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The receipt code, as `submitPublicTopic` returned it.")] code: String,
    ) -> Result<Option<PublicTopicReceipt>> {
        let db = ctx.data::<Db>()?;
        let Some(receipt) = domain::write::public_topics::receipt(db, &code).await? else {
            return Ok(None);
        };
        let region = domain::regions::by_ids(db, &[receipt.region_id])
            .await?
            .into_values()
            .collect();
        let committee = RegionNode::from_rows(region)
            .into_iter()
            .next()
            .map(Region::from_node)
            .ok_or_else(crate::ApiError::internal)?;
        Ok(Some(PublicTopicReceipt { receipt, committee }))
    }
}

/// A public topic's receipt, as `publicTopicReceipt` shows it.
pub struct PublicTopicReceipt {
    receipt: TopicReceipt,
    committee: Region,
}

/// What the submitter of a public topic (社会征题) sees through its receipt: its progress, and
/// no personal data (neither the submitter's details nor staff identities).
#[Object]
impl PublicTopicReceipt {
    /// The topic's status now: SUBMITTED while it waits for moderation, REJECTED when turned
    /// down, PROPOSED (or a later status) once accepted.
    async fn status(&self) -> ConsultationStatus {
        self.receipt.status.into()
    }

    /// The committee the topic was submitted to.
    async fn committee(&self) -> &Region {
        &self.committee
    }

    /// When the topic was submitted.
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.receipt.submitted_at
    }

    /// When staff accepted or rejected it; null while it waits.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.receipt.decided_at
    }

    /// Why it was rejected (or, once accepted, why the consultation was cancelled); null
    /// otherwise.
    async fn reason(&self) -> Option<&str> {
        self.receipt.reason.as_deref()
    }
}
