//! "请你来协商" consultations as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    Db, DomainError,
    read::consultations::{self as read, Consultation as ConsultationRow},
};
use entity::consultation_participant;

use crate::{
    connection::{self, Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::consultation::{
        ConsultationLounge, ConsultationParticipants, ConsultationStatusHistory,
        ConsultationSuggestions, ParticipantMember,
    },
    types::{
        common::{OrderDirection, region_of},
        lounge::Lounge,
        member::Member,
        region::Region,
        status_change::StatusChange,
        suggestion::{SuggestionConnection, SuggestionFilter},
    },
};

/// Where a consultation topic came from.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::TopicSource")]
pub enum TopicSource {
    /// Proposed by the Party committee or the government (党委政府点题).
    PartyGovernment,
    /// Proposed by CPPCC members (委员提题).
    Member,
    /// Proposed by the public (群众出题).
    Public,
}

/// The scale of a consultation.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::ConsultationKind")]
pub enum ConsultationKind {
    /// A main session, usually chaired by the committee's chair.
    Main,
    /// A micro consultation (微协商) on a local, concrete matter.
    Micro,
}

/// Where a consultation is in its lifecycle.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::ConsultationStatus")]
pub enum ConsultationStatus {
    /// The topic has been proposed.
    Proposed,
    /// The topic has been approved for consultation.
    Approved,
    /// Research on the topic is under way.
    Researching,
    /// A date and venue are set.
    Scheduled,
    /// The session has taken place.
    Held,
    /// Its suggestions are being followed up.
    FollowUp,
    /// Finished.
    Closed,
    /// Called off (see `cancelReason`).
    Cancelled,
    /// A public topic (社会征题) waiting in the moderation queue; only staff whose scope covers
    /// the committee see it (`acceptPublicTopic`, `rejectPublicTopic`).
    Submitted,
    /// A public topic that staff turned down in moderation (final); only staff whose scope
    /// covers the committee see it.
    Rejected,
}

/// The kind of unit organizing a consultation.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::OrganizerKind")]
pub enum OrganizerKind {
    /// The committee itself.
    Committee,
    /// One of the committee's special committees (专委会).
    SpecialCommittee,
    /// A sector (界别).
    Sector,
    /// A participating party or organization (参加单位).
    ParticipatingUnit,
}

/// The role of a participant in a consultation.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::ParticipantRole")]
pub enum ParticipantRole {
    /// The chair presiding over the session.
    PresidingChair,
    /// A leader of the Party committee or government.
    PartyGovernmentLeader,
    /// A government department.
    Department,
    /// A CPPCC member.
    Member,
    /// An expert.
    Expert,
    /// A representative of the public.
    PublicRepresentative,
}

/// Which consultations to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConsultationFilter {
    /// Only consultations held by the committee of this region (GB/T 2260 code).
    pub region_code: Option<String>,
    /// With `regionCode`: also consultations of every committee below that region.
    #[graphql(default = false)]
    pub include_descendants: bool,
    /// Only consultations with one of these statuses.
    pub status: Option<Vec<ConsultationStatus>>,
    /// Only consultations of one of these kinds.
    pub kind: Option<Vec<ConsultationKind>>,
    /// Only consultations whose topic came from one of these sources.
    pub topic_source: Option<Vec<TopicSource>>,
    /// Only consultations held in this calendar year (China Standard Time).
    pub year: Option<i32>,
    /// Only consultations held at or after this time.
    pub held_from: Option<DateTime<Utc>>,
    /// Only consultations held at or before this time.
    pub held_to: Option<DateTime<Utc>>,
    /// Only consultations whose title or topic contains this text.
    pub search: Option<String>,
}

impl ConsultationFilter {
    /// The domain filter, with the region code looked up.
    /// The domain filter for `actor`: public topics in moderation only of the committees whose
    /// queue the caller may see.
    pub async fn resolve(
        filter: Option<Self>,
        db: &Db,
        actor: &domain::Actor,
    ) -> Result<read::ConsultationFilter, DomainError> {
        let filter = filter.unwrap_or_default();
        let region = domain::regions::scope(
            db,
            filter.region_code.as_deref(),
            filter.include_descendants,
        )
        .await?;
        Ok(read::ConsultationFilter {
            region,
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            kinds: filter
                .kind
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            topic_sources: filter
                .topic_source
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            year: filter.year,
            held_from: filter.held_from,
            held_to: filter.held_to,
            search: filter.search,
            lounge_id: None,
            moderation_regions: domain::visibility::staff_regions(actor),
        })
    }
}

/// What consultations can be ordered by. Consultations without the time come last.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ConsultationOrderField {
    /// When the session was held, then id.
    #[default]
    HeldAt,
    /// When the session is scheduled, then id.
    ScheduledAt,
    /// When the consultation was recorded, then id.
    CreatedAt,
    /// Order of creation.
    Id,
}

/// How to order consultations.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConsultationOrder {
    /// The field to order by.
    pub field: ConsultationOrderField,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<ConsultationOrder> for read::ConsultationOrder {
    fn from(order: ConsultationOrder) -> Self {
        Self {
            field: match order.field {
                ConsultationOrderField::HeldAt => read::ConsultationOrderField::HeldAt,
                ConsultationOrderField::ScheduledAt => read::ConsultationOrderField::ScheduledAt,
                ConsultationOrderField::CreatedAt => read::ConsultationOrderField::CreatedAt,
                ConsultationOrderField::Id => read::ConsultationOrderField::Id,
            },
            direction: order.direction.into(),
        }
    }
}

/// The unit organizing a consultation.
#[derive(SimpleObject, Clone)]
pub struct Organizer {
    /// The kind of unit.
    pub kind: OrganizerKind,
    /// Its name, e.g. 嘉善县政协.
    pub name: String,
}

/// One consultation of a generation of consultations.
#[derive(Clone)]
pub struct Consultation {
    index: usize,
    generation: Arc<Generation<ConsultationRow>>,
}

impl Sibling for Consultation {
    type Row = ConsultationRow;

    fn at(index: usize, generation: Arc<Generation<ConsultationRow>>) -> Self {
        Self { index, generation }
    }
}

impl Consultation {
    fn row(&self) -> &ConsultationRow {
        self.generation.row(self.index)
    }
}

/// A "请你来协商" consultation: a session where CPPCC members, the Party committee and
/// government, departments, experts and the public consult on one topic, and the suggestions
/// that come out of it. The submitter of a public topic is personal data and not shown.
#[Object]
impl Consultation {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Consultation", self.row().id)
    }

    /// 协商编号: the session's number within its committee (`330212-XS-0001`), the key that
    /// imports and exports use.
    async fn record_number(&self) -> &str {
        &self.row().record_number
    }

    /// Title of the session.
    async fn title(&self) -> &str {
        &self.row().title
    }

    /// The question consulted on.
    async fn topic(&self) -> &str {
        &self.row().topic
    }

    /// Where the topic came from.
    async fn topic_source(&self) -> TopicSource {
        self.row().topic_source.into()
    }

    /// Main session or micro consultation.
    async fn kind(&self) -> ConsultationKind {
        self.row().kind.into()
    }

    /// Where the consultation is in its lifecycle.
    async fn status(&self) -> ConsultationStatus {
        self.row().status.into()
    }

    /// The committee (region) holding the consultation.
    async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
        region_of(ctx, &self.generation, self.row().region_id).await
    }

    /// The members' lounge hosting the session; null when none does.
    async fn lounge(&self, ctx: &Context<'_>) -> Result<Option<Lounge>> {
        let lounges = self.generation.load::<ConsultationLounge>(ctx, ()).await?;
        Ok(lounges.get(self.row().lounge_id))
    }

    /// The unit organizing the consultation.
    async fn organizer(&self) -> Organizer {
        Organizer {
            kind: self.row().organizer_kind.into(),
            name: self.row().organizer_name.clone(),
        }
    }

    /// Where the session takes place; null until decided.
    async fn venue(&self) -> Option<&str> {
        self.row().venue.as_deref()
    }

    /// When the session is scheduled; null until scheduled.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.row().scheduled_at
    }

    /// When the session was held; null until held.
    async fn held_at(&self) -> Option<DateTime<Utc>> {
        self.row().held_at
    }

    /// Why the consultation was cancelled; null unless cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.row().cancel_reason.as_deref()
    }

    /// Optimistic-concurrency version, increased by every change; pass it as
    /// `expectedVersion` to mutations so that a concurrent change is refused with `CONFLICT`
    /// instead of being overwritten.
    async fn version(&self) -> i32 {
        self.row().version
    }

    /// Who submitted a public topic (社会征题). Personal data: null unless the caller is staff
    /// whose scope covers the committee, and null for topics that did not come from the public.
    async fn submitter(&self, ctx: &Context<'_>) -> Option<PublicSubmitter> {
        let row = self.row();
        let visible = ctx
            .data::<domain::Actor>()
            .map(|actor| actor.may_see_contact_data(row.region_id))
            .unwrap_or(false);
        match (visible, &row.submitter_name, &row.submitter_contact) {
            (true, Some(name), contact) => {
                if contact.is_some() {
                    crate::contact_reads::note(ctx, || ids::encode("Consultation", row.id).0);
                }
                Some(PublicSubmitter {
                    name: name.clone(),
                    contact: contact.clone(),
                })
            }
            _ => None,
        }
    }

    /// Everyone taking part, in order of listing.
    async fn participants(&self, ctx: &Context<'_>) -> Result<Vec<ConsultationParticipant>> {
        let participants = self
            .generation
            .load::<ConsultationParticipants>(ctx, ())
            .await?;
        Ok(participants.list(self.row().id))
    }

    /// The suggestions (建议) that came out of the consultation, oldest first.
    async fn suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which suggestions.")] filter: Option<SuggestionFilter>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<SuggestionConnection> {
        let page = connection::page_request(first, after, last, before)?;
        let suggestions = self
            .generation
            .load::<ConsultationSuggestions>(ctx, (filter, page))
            .await?;
        Ok(Connection::new(suggestions.page(self.row().id)))
    }

    /// Every change of status, oldest first; the first is the proposal. Who made each change
    /// is shown with the person only to staff whose scope covers the committee (see
    /// `StatusChange.actor`).
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<StatusChange>> {
        let anonymous = domain::Actor::Anonymous;
        let viewer = ctx.data_opt::<domain::Actor>().unwrap_or(&anonymous);
        let history = self
            .generation
            .load::<ConsultationStatusHistory>(ctx, ())
            .await?;
        Ok(history
            .get(&self.row().id)
            .into_iter()
            .flatten()
            .map(|change| StatusChange::shown_to(change, self.row().region_id, viewer))
            .collect())
    }
}

/// One participant of a generation of participants.
#[derive(Clone)]
pub struct ConsultationParticipant {
    index: usize,
    generation: Arc<Generation<consultation_participant::Model>>,
}

impl Sibling for ConsultationParticipant {
    type Row = consultation_participant::Model;

    fn at(index: usize, generation: Arc<Generation<consultation_participant::Model>>) -> Self {
        Self { index, generation }
    }
}

impl ConsultationParticipant {
    fn row(&self) -> &consultation_participant::Model {
        self.generation.row(self.index)
    }
}

/// Someone taking part in a consultation: a member, a leader, a department, an expert or a
/// representative of the public.
#[Object]
impl ConsultationParticipant {
    /// The part they play.
    async fn role(&self) -> ParticipantRole {
        self.row().role.into()
    }

    /// Name of the person or body (a member's name as it was at the time).
    async fn name(&self) -> &str {
        &self.row().name
    }

    /// The organization they come from; null when not recorded.
    async fn organization(&self) -> Option<&str> {
        self.row().organization.as_deref()
    }

    /// The CPPCC member, when the participant is one.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<Member>> {
        let members = self.generation.load::<ParticipantMember>(ctx, ()).await?;
        Ok(members.get(self.row().member_id))
    }
}

impl ConnectionNode for Consultation {
    const CONNECTION_NAME: &'static str = "ConsultationConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of consultations.";
    const EDGE_NAME: &'static str = "ConsultationEdge";
    const EDGE_DESCRIPTION: &'static str = "One of consultations in a page, with its cursor.";
}

/// A page of consultations.
pub type ConsultationConnection = Connection<Consultation>;

/// The person who submitted a public topic (社会征题).
#[derive(SimpleObject, Clone)]
pub struct PublicSubmitter {
    /// Their name.
    pub name: String,
    /// How to reach them.
    pub contact: Option<String>,
}
