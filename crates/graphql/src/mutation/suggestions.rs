//! Mutations of suggestions (建议) and their follow-up (督查).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use domain::{
    Actor, Db,
    write::suggestions::{self as write, NewFollowUp, NewSuggestion},
};

use super::{
    consultations::database_id,
    user_error::{UserError, outcome},
};
use crate::{
    error::Result,
    generation::Sibling,
    types::suggestion::{FollowUp, Suggestion, SuggestionGrade, SuggestionStatus},
};

fn wrap(row: write::Suggestion) -> Suggestion {
    Suggestion::single(row)
}

/// Input of `addSuggestion`.
#[derive(InputObject)]
pub struct AddSuggestionInput {
    /// The consultation (HELD or FOLLOW_UP) the suggestion came out of.
    pub consultation_id: ID,
    /// What is suggested (1–5,000 characters).
    pub content: String,
    /// The member who proposed it, if a member did.
    pub proposer_member_id: Option<ID>,
    /// The proposer's name when not a member (an expert, a department, the committee).
    pub proposer_name: Option<String>,
    /// The department responsible for acting on it.
    pub responsible_department: String,
}

/// Result of `addSuggestion`.
#[derive(SimpleObject)]
pub struct AddSuggestionPayload {
    /// The new suggestion (status SUBMITTED); null when refused.
    pub suggestion: Option<Suggestion>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `setSuggestionStatus`.
#[derive(InputObject)]
pub struct SetSuggestionStatusInput {
    /// The suggestion's global ID.
    pub id: ID,
    /// The next status: SUBMITTED → ACCEPTED or REJECTED; ACCEPTED → IN_PROGRESS →
    /// IMPLEMENTED.
    pub status: SuggestionStatus,
    /// Required for IMPLEMENTED (A solved, B partly solved or scheduled); REJECTED is C.
    pub grade: Option<SuggestionGrade>,
    /// The `version` the client last saw; when stale the change is refused with `CONFLICT`.
    pub expected_version: Option<i32>,
    /// A note recorded with the change.
    pub note: Option<String>,
}

/// Result of `setSuggestionStatus`.
#[derive(SimpleObject)]
pub struct SetSuggestionStatusPayload {
    /// The suggestion as changed; null when refused.
    pub suggestion: Option<Suggestion>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `addSuggestionFollowUp`.
#[derive(InputObject)]
pub struct AddSuggestionFollowUpInput {
    /// The suggestion's global ID (ACCEPTED, IN_PROGRESS or IMPLEMENTED).
    pub suggestion_id: ID,
    /// The day of the follow-up (not in the future).
    pub date: NaiveDate,
    /// What was found or done (1–2,000 characters).
    pub note: String,
    /// Progress of the implementation, in percent (0–100).
    pub progress: i32,
}

/// Result of `addSuggestionFollowUp`.
#[derive(SimpleObject)]
pub struct AddSuggestionFollowUpPayload {
    /// The suggestion followed up; null when refused.
    pub suggestion: Option<Suggestion>,
    /// The new follow-up record; null when refused.
    pub follow_up: Option<FollowUp>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Suggestions and their follow-up.
#[derive(Default)]
pub struct SuggestionMutation;

#[Object]
impl SuggestionMutation {
    /// Adds a suggestion that came out of a held consultation (staff in scope).
    async fn add_suggestion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The suggestion.")] input: AddSuggestionInput,
    ) -> Result<AddSuggestionPayload> {
        let consultation_id = database_id(&input.consultation_id, "Consultation")?;
        let proposer_member_id = input
            .proposer_member_id
            .as_ref()
            .map(|id| database_id(id, "Member"))
            .transpose()?;
        let (row, user_errors) = outcome(
            write::add(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                NewSuggestion {
                    consultation_id,
                    content: input.content,
                    proposer_member_id,
                    proposer_name: input.proposer_name,
                    responsible_department: input.responsible_department,
                },
            )
            .await,
        )?;
        Ok(AddSuggestionPayload {
            suggestion: row.map(wrap),
            user_errors,
        })
    }

    /// Moves a suggestion along SUBMITTED → ACCEPTED/REJECTED → IN_PROGRESS → IMPLEMENTED,
    /// grading it when it is implemented or rejected.
    async fn set_suggestion_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which suggestion and its next status.")] input: SetSuggestionStatusInput,
    ) -> Result<SetSuggestionStatusPayload> {
        let id = database_id(&input.id, "Suggestion")?;
        let (row, user_errors) = outcome(
            write::set_status(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                input.status.into(),
                input.grade.map(Into::into),
                input.note,
            )
            .await,
        )?;
        Ok(SetSuggestionStatusPayload {
            suggestion: row.map(wrap),
            user_errors,
        })
    }

    /// Records a follow-up (督查) of an accepted suggestion: date, note and progress.
    async fn add_suggestion_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which suggestion and what was found.")] input: AddSuggestionFollowUpInput,
    ) -> Result<AddSuggestionFollowUpPayload> {
        let id = database_id(&input.suggestion_id, "Suggestion")?;
        let (row, user_errors) = outcome(
            write::add_follow_up(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                NewFollowUp {
                    date: input.date,
                    note: input.note,
                    progress: input.progress,
                },
            )
            .await,
        )?;
        let (suggestion, follow_up) = match row {
            Some((suggestion, follow_up)) => (
                Some(wrap(suggestion)),
                Some(FollowUp {
                    date: follow_up.followed_on,
                    note: follow_up.note,
                    progress: follow_up.progress,
                }),
            ),
            None => (None, None),
        };
        Ok(AddSuggestionFollowUpPayload {
            suggestion,
            follow_up,
            user_errors,
        })
    }
}
