//! Mutations of sentiment reports (社情民意信息): draft, submit, acknowledge.

use crate::mutation::payload::{PayloadName, SentimentReportPayload};
use async_graphql::{Context, ID, InputObject, Object};
use domain::{
    Actor, Db,
    write::sentiment_reports::{self as write, Draft},
};

use super::{consultations::database_id, user_error::outcome};
use crate::error::Result;
use crate::{generation::Sibling, types::sentiment_report::SentimentReport};

fn wrap(row: write::SentimentReport) -> SentimentReport {
    SentimentReport::single(row)
}

/// Input of `draftSentimentReport`.
#[derive(InputObject)]
pub struct DraftSentimentReportInput {
    /// GB/T 2260 code of the committee that sends the report.
    pub region_code: String,
    /// Title (1–200 characters).
    pub title: String,
    /// Full text (1–20,000 characters).
    pub content: String,
    /// The receiving body, e.g. a municipal government office (1–200 characters).
    pub recipient: String,
    /// Global IDs of the lounges the report was compiled from; each must belong to the
    /// reporting committee or a committee below it.
    #[graphql(default)]
    pub source_lounge_ids: Vec<ID>,
    /// Global IDs of the member authors (serving members). A member drafting a report must
    /// list themself.
    #[graphql(default)]
    pub author_member_ids: Vec<ID>,
}

/// Input of `submitSentimentReport`.
#[derive(InputObject)]
pub struct SubmitSentimentReportInput {
    /// The report's global ID (must be a DRAFT).
    pub id: ID,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Input of `acknowledgeSentimentReport`.
#[derive(InputObject)]
pub struct AcknowledgeSentimentReportInput {
    /// The report's global ID (must be SUBMITTED).
    pub id: ID,
    /// The leader's instruction (批示) on the report (1–5,000 characters).
    pub acknowledgement: String,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Names the payload of `draftSentimentReport`.
pub struct DraftSentimentReportField;

impl PayloadName for DraftSentimentReportField {
    const NAME: &'static str = "DraftSentimentReportPayload";
    const DESCRIPTION: &'static str = "Result of `draftSentimentReport`.";
}

/// Result of `draftSentimentReport`.
pub type DraftSentimentReportPayload = SentimentReportPayload<DraftSentimentReportField>;

/// Names the payload of `submitSentimentReport`.
pub struct SubmitSentimentReportField;

impl PayloadName for SubmitSentimentReportField {
    const NAME: &'static str = "SubmitSentimentReportPayload";
    const DESCRIPTION: &'static str = "Result of `submitSentimentReport`.";
}

/// Result of `submitSentimentReport`.
pub type SubmitSentimentReportPayload = SentimentReportPayload<SubmitSentimentReportField>;

/// Names the payload of `acknowledgeSentimentReport`.
pub struct AcknowledgeSentimentReportField;

impl PayloadName for AcknowledgeSentimentReportField {
    const NAME: &'static str = "AcknowledgeSentimentReportPayload";
    const DESCRIPTION: &'static str = "Result of `acknowledgeSentimentReport`.";
}

/// Result of `acknowledgeSentimentReport`.
pub type AcknowledgeSentimentReportPayload =
    SentimentReportPayload<AcknowledgeSentimentReportField>;

/// Sentiment reports (社情民意信息).
#[derive(Default)]
pub struct SentimentReportMutation;

#[Object]
impl SentimentReportMutation {
    /// Drafts a sentiment report (status DRAFT): staff whose scope covers the committee, or a
    /// member of that committee who lists themself among the authors.
    async fn draft_sentiment_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committee, text, recipient, source lounges and authors.")]
        input: DraftSentimentReportInput,
    ) -> Result<DraftSentimentReportPayload> {
        let source_lounge_ids = input
            .source_lounge_ids
            .iter()
            .map(|id| database_id(id, "Lounge"))
            .collect::<Result<Vec<_>>>()?;
        let author_member_ids = input
            .author_member_ids
            .iter()
            .map(|id| database_id(id, "Member"))
            .collect::<Result<Vec<_>>>()?;
        let (row, user_errors) = outcome(
            write::draft(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                Draft {
                    region_code: input.region_code,
                    title: input.title,
                    content: input.content,
                    recipient: input.recipient,
                    source_lounge_ids,
                    author_member_ids,
                },
            )
            .await,
        )?;
        Ok(DraftSentimentReportPayload::new(row.map(wrap), user_errors))
    }

    /// Submits a drafted report to its recipient, DRAFT → SUBMITTED (staff in scope).
    async fn submit_sentiment_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which report.")] input: SubmitSentimentReportInput,
    ) -> Result<SubmitSentimentReportPayload> {
        let id = database_id(&input.id, "SentimentReport")?;
        let (row, user_errors) = outcome(
            write::submit(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
            )
            .await,
        )?;
        Ok(SubmitSentimentReportPayload::new(
            row.map(wrap),
            user_errors,
        ))
    }

    /// Records a leader's instruction (批示) on a submitted report, SUBMITTED → ACKNOWLEDGED
    /// (staff in scope).
    async fn acknowledge_sentiment_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which report and the leader's instruction.")]
        input: AcknowledgeSentimentReportInput,
    ) -> Result<AcknowledgeSentimentReportPayload> {
        let id = database_id(&input.id, "SentimentReport")?;
        let (row, user_errors) = outcome(
            write::acknowledge(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                input.acknowledgement,
            )
            .await,
        )?;
        Ok(AcknowledgeSentimentReportPayload::new(
            row.map(wrap),
            user_errors,
        ))
    }
}
