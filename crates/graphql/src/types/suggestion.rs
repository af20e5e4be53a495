//! Suggestions (建议), the outcomes of consultations, as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::read::suggestions::{self as read, Suggestion as SuggestionRow};

use crate::{
    connection::{Connection, ConnectionNode},
    error::{ApiError, Result},
    generation::{Generation, Sibling},
    ids,
    relations::suggestion::{
        SuggestionConsultation, SuggestionFollowUps, SuggestionProposerMember,
    },
    types::{consultation::Consultation, member::Member},
};

/// Where a suggestion stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::SuggestionStatus")]
pub enum SuggestionStatus {
    /// Handed in, not yet decided on.
    Submitted,
    /// Accepted and assigned to a responsible department.
    Accepted,
    /// Not adopted.
    Rejected,
    /// Being implemented.
    InProgress,
    /// Implemented.
    Implemented,
}

/// The quality grade of a suggestion.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::SuggestionGrade")]
pub enum SuggestionGrade {
    /// Excellent.
    A,
    /// Good.
    B,
    /// Fair.
    C,
}

/// Which suggestions to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SuggestionFilter {
    /// Only suggestions with one of these statuses.
    pub status: Option<Vec<SuggestionStatus>>,
}

impl SuggestionFilter {
    /// The domain filter.
    pub fn resolve(filter: Option<Self>) -> read::SuggestionFilter {
        let filter = filter.unwrap_or_default();
        read::SuggestionFilter {
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

/// A record of progress on a suggestion.
#[derive(SimpleObject, Clone)]
pub struct FollowUp {
    /// The day of the follow-up.
    pub date: NaiveDate,
    /// What was found or done.
    pub note: String,
    /// Progress of the implementation, in percent (0–100).
    pub progress: i32,
}

/// One suggestion of a generation of suggestions.
#[derive(Clone)]
pub struct Suggestion {
    index: usize,
    generation: Arc<Generation<SuggestionRow>>,
}

impl Sibling for Suggestion {
    type Row = SuggestionRow;

    fn at(index: usize, generation: Arc<Generation<SuggestionRow>>) -> Self {
        Self { index, generation }
    }
}

impl Suggestion {
    fn row(&self) -> &SuggestionRow {
        self.generation.row(self.index)
    }
}

/// A suggestion (建议) that came out of a consultation, tracked by its responsible department
/// until implemented.
#[Object]
impl Suggestion {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Suggestion", self.row().id)
    }

    /// The suggestion itself.
    async fn content(&self) -> &str {
        &self.row().content
    }

    /// Who proposed it.
    async fn proposer(&self) -> SuggestionProposer {
        SuggestionProposer {
            suggestion: self.clone(),
        }
    }

    /// The department responsible for handling it.
    async fn responsible_department(&self) -> &str {
        &self.row().responsible_department
    }

    /// Where it stands.
    async fn status(&self) -> SuggestionStatus {
        self.row().status.into()
    }

    /// Its quality grade; null until graded.
    async fn grade(&self) -> Option<SuggestionGrade> {
        self.row().grade.map(Into::into)
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }

    /// Follow-up records, oldest first.
    async fn follow_ups(&self, ctx: &Context<'_>) -> Result<Vec<FollowUp>> {
        let follow_ups = self.generation.load::<SuggestionFollowUps>(ctx, ()).await?;
        Ok(follow_ups
            .get(&self.row().id)
            .into_iter()
            .flatten()
            .map(|follow_up| FollowUp {
                date: follow_up.followed_on,
                note: follow_up.note.clone(),
                progress: follow_up.progress,
            })
            .collect())
    }

    /// The consultation it came out of.
    async fn consultation(&self, ctx: &Context<'_>) -> Result<Consultation> {
        let consultations = self
            .generation
            .load::<SuggestionConsultation>(ctx, ())
            .await?;
        // A suggestion's consultation exists (a foreign key).
        consultations
            .get(Some(self.row().consultation_id))
            .ok_or_else(ApiError::internal)
    }
}

/// Who proposed a suggestion: a member, or a participant who is not one.
pub struct SuggestionProposer {
    suggestion: Suggestion,
}

/// Who proposed a suggestion: a member, or a participant who is not one.
#[Object]
impl SuggestionProposer {
    /// The proposer's name.
    async fn name(&self) -> &str {
        &self.suggestion.row().proposer_name
    }

    /// The proposing CPPCC member; null when the proposer is not a member.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<Member>> {
        let members = self
            .suggestion
            .generation
            .load::<SuggestionProposerMember>(ctx, ())
            .await?;
        Ok(members.get(self.suggestion.row().proposer_member_id))
    }
}

impl ConnectionNode for Suggestion {
    const CONNECTION_NAME: &'static str = "SuggestionConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of suggestions.";
    const EDGE_NAME: &'static str = "SuggestionEdge";
    const EDGE_DESCRIPTION: &'static str = "One of suggestions in a page, with its cursor.";
}

/// A page of suggestions.
pub type SuggestionConnection = Connection<Suggestion>;
