//! Mutations of the consultation lifecycle (请你来协商).

use crate::mutation::payload::{ConsultationPayload, PayloadName};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::{
    Actor, Db,
    write::consultations::{self as write, Held, NewParticipant, Propose, Schedule, Step, Update},
};

use super::user_error::{UserError, outcome};
use crate::{
    ErrorCode,
    error::Result,
    generation::Sibling,
    ids,
    types::consultation::{
        Consultation, ConsultationKind, OrganizerKind, ParticipantRole, TopicSource,
    },
};

/// The database id inside a global ID of the given type; anything else is `BAD_USER_INPUT`.
pub fn database_id(id: &ID, type_name: &str) -> Result<i64> {
    let (found, number) = ids::decode(id)?;
    if found != type_name {
        return Err(ErrorCode::BadUserInput.error(format!(
            "{:?} is the ID of a {found}, not of a {type_name}",
            id.0
        )));
    }
    Ok(number)
}

fn actor<'a>(ctx: &Context<'a>) -> Result<&'a Actor> {
    Ok(ctx.data::<Actor>()?)
}

/// Runs one lifecycle step on the consultation with global ID `id`.
async fn run_step(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    step: Step,
    note: Option<String>,
) -> Result<(Option<write::Consultation>, Vec<UserError>)> {
    let id = database_id(id, "Consultation")?;
    outcome(
        write::step(
            ctx.data::<Db>()?,
            actor(ctx)?,
            id,
            expected_version,
            step,
            note,
        )
        .await,
    )
}

fn wrap(row: write::Consultation) -> Consultation {
    Consultation::single(row)
}

/// Names the payload of `proposeConsultation`.
pub struct ProposeConsultationField;

impl PayloadName for ProposeConsultationField {
    const NAME: &'static str = "ProposeConsultationPayload";
    const DESCRIPTION: &'static str = "Result of `proposeConsultation`.";
}

/// Result of `proposeConsultation`.
pub type ProposeConsultationPayload = ConsultationPayload<ProposeConsultationField>;

/// Names the payload of `approveConsultation`.
pub struct ApproveConsultationField;

impl PayloadName for ApproveConsultationField {
    const NAME: &'static str = "ApproveConsultationPayload";
    const DESCRIPTION: &'static str = "Result of `approveConsultation`.";
}

/// Result of `approveConsultation`.
pub type ApproveConsultationPayload = ConsultationPayload<ApproveConsultationField>;

/// Names the payload of `startConsultationResearch`.
pub struct StartConsultationResearchField;

impl PayloadName for StartConsultationResearchField {
    const NAME: &'static str = "StartConsultationResearchPayload";
    const DESCRIPTION: &'static str = "Result of `startConsultationResearch`.";
}

/// Result of `startConsultationResearch`.
pub type StartConsultationResearchPayload = ConsultationPayload<StartConsultationResearchField>;

/// Names the payload of `scheduleConsultation`.
pub struct ScheduleConsultationField;

impl PayloadName for ScheduleConsultationField {
    const NAME: &'static str = "ScheduleConsultationPayload";
    const DESCRIPTION: &'static str = "Result of `scheduleConsultation`.";
}

/// Result of `scheduleConsultation`.
pub type ScheduleConsultationPayload = ConsultationPayload<ScheduleConsultationField>;

/// Names the payload of `recordConsultationHeld`.
pub struct RecordConsultationHeldField;

impl PayloadName for RecordConsultationHeldField {
    const NAME: &'static str = "RecordConsultationHeldPayload";
    const DESCRIPTION: &'static str = "Result of `recordConsultationHeld`.";
}

/// Result of `recordConsultationHeld`.
pub type RecordConsultationHeldPayload = ConsultationPayload<RecordConsultationHeldField>;

/// Names the payload of `startConsultationFollowUp`.
pub struct StartConsultationFollowUpField;

impl PayloadName for StartConsultationFollowUpField {
    const NAME: &'static str = "StartConsultationFollowUpPayload";
    const DESCRIPTION: &'static str = "Result of `startConsultationFollowUp`.";
}

/// Result of `startConsultationFollowUp`.
pub type StartConsultationFollowUpPayload = ConsultationPayload<StartConsultationFollowUpField>;

/// Names the payload of `closeConsultation`.
pub struct CloseConsultationField;

impl PayloadName for CloseConsultationField {
    const NAME: &'static str = "CloseConsultationPayload";
    const DESCRIPTION: &'static str = "Result of `closeConsultation`.";
}

/// Result of `closeConsultation`.
pub type CloseConsultationPayload = ConsultationPayload<CloseConsultationField>;

/// Names the payload of `cancelConsultation`.
pub struct CancelConsultationField;

impl PayloadName for CancelConsultationField {
    const NAME: &'static str = "CancelConsultationPayload";
    const DESCRIPTION: &'static str = "Result of `cancelConsultation`.";
}

/// Result of `cancelConsultation`.
pub type CancelConsultationPayload = ConsultationPayload<CancelConsultationField>;

/// Names the payload of `updateConsultation`.
pub struct UpdateConsultationField;

impl PayloadName for UpdateConsultationField {
    const NAME: &'static str = "UpdateConsultationPayload";
    const DESCRIPTION: &'static str = "Result of `updateConsultation`.";
}

/// Result of `updateConsultation`.
pub type UpdateConsultationPayload = ConsultationPayload<UpdateConsultationField>;

/// Input of `approveConsultation`.
#[derive(InputObject)]
pub struct ApproveConsultationInput {
    /// The consultation's global ID.
    pub id: ID,
    /// The `version` the client last saw; when given and stale, the change is refused
    /// with `CONFLICT` instead of overwriting someone else's change.
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// Input of `startConsultationResearch`.
#[derive(InputObject)]
pub struct StartConsultationResearchInput {
    /// The consultation's global ID.
    pub id: ID,
    /// The `version` the client last saw; when given and stale, the change is refused
    /// with `CONFLICT` instead of overwriting someone else's change.
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// Input of `startConsultationFollowUp`.
#[derive(InputObject)]
pub struct StartConsultationFollowUpInput {
    /// The consultation's global ID.
    pub id: ID,
    /// The `version` the client last saw; when given and stale, the change is refused
    /// with `CONFLICT` instead of overwriting someone else's change.
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// Input of `closeConsultation`.
#[derive(InputObject)]
pub struct CloseConsultationInput {
    /// The consultation's global ID.
    pub id: ID,
    /// The `version` the client last saw; when given and stale, the change is refused
    /// with `CONFLICT` instead of overwriting someone else's change.
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// Input of `proposeConsultation`.
#[derive(InputObject)]
pub struct ProposeConsultationInput {
    /// GB/T 2260 code of the committee that will hold the consultation.
    pub region_code: String,
    /// Title (1–200 characters).
    pub title: String,
    /// The question to consult on (1–2,000 characters).
    pub topic: String,
    /// Where the topic came from; members may only propose MEMBER topics, and PUBLIC topics
    /// come in through `submitPublicTopic`.
    pub topic_source: TopicSource,
    /// MAIN (one of the "6") or MICRO (the "X").
    pub kind: ConsultationKind,
    /// The organizing unit's kind (default: the committee itself).
    pub organizer_kind: Option<OrganizerKind>,
    /// The organizing unit's name (default: the committee).
    pub organizer_name: Option<String>,
}

/// Input of `scheduleConsultation`.
#[derive(InputObject)]
pub struct ScheduleConsultationInput {
    /// The consultation's global ID.
    pub id: ID,
    /// When the session will be held.
    pub scheduled_at: DateTime<Utc>,
    /// Where (1–200 characters).
    pub venue: String,
    /// A members' lounge hosting the session, by global ID.
    pub lounge_id: Option<ID>,
    /// The `version` the client last saw (see `approveConsultation`).
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// One participant of a held session.
#[derive(InputObject)]
pub struct ConsultationParticipantInput {
    /// Role in the session.
    pub role: ParticipantRole,
    /// The member, when the participant is one (global ID).
    pub member_id: Option<ID>,
    /// A guest's name (ignored for members).
    pub name: Option<String>,
    /// The organization a guest represents, e.g. a department (at most 200 characters).
    pub organization: Option<String>,
}

/// Input of `recordConsultationHeld`.
#[derive(InputObject)]
pub struct RecordConsultationHeldInput {
    /// The consultation's global ID.
    pub id: ID,
    /// When the session was held (not in the future).
    pub held_at: DateTime<Utc>,
    /// Who took part: presiding chair, party and government leaders, departments, members,
    /// experts, public representatives.
    pub participants: Vec<ConsultationParticipantInput>,
    /// The `version` the client last saw (see `approveConsultation`).
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// Input of `cancelConsultation`.
#[derive(InputObject)]
pub struct CancelConsultationInput {
    /// The consultation's global ID.
    pub id: ID,
    /// Why it is cancelled (1–2,000 characters).
    pub reason: String,
    /// The `version` the client last saw (see `approveConsultation`).
    pub expected_version: Option<i32>,
    /// A note recorded in the status history.
    pub note: Option<String>,
}

/// Input of `updateConsultation`: omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateConsultationInput {
    /// The consultation's global ID.
    pub id: ID,
    /// New title.
    pub title: Option<String>,
    /// New topic.
    pub topic: Option<String>,
    /// New kind.
    pub kind: Option<ConsultationKind>,
    /// New organizing unit kind.
    pub organizer_kind: Option<OrganizerKind>,
    /// New organizing unit name.
    pub organizer_name: Option<String>,
    /// New venue.
    pub venue: Option<String>,
    /// The `version` the client last saw (see `approveConsultation`).
    pub expected_version: Option<i32>,
}

/// The consultation lifecycle: propose → approve → research → schedule → hold → follow up →
/// close, or cancel before holding.
#[derive(Default)]
pub struct ConsultationMutation;

#[Object]
impl ConsultationMutation {
    /// Proposes a consultation topic (status PROPOSED). Staff in scope; members may propose
    /// MEMBER topics to their own committee.
    async fn propose_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal.")] input: ProposeConsultationInput,
    ) -> Result<ProposeConsultationPayload> {
        let db = ctx.data::<Db>()?;
        let (row, errors) = outcome(
            write::propose(
                db,
                actor(ctx)?,
                Propose {
                    region_code: input.region_code,
                    title: input.title,
                    topic: input.topic,
                    topic_source: input.topic_source.into(),
                    kind: input.kind.into(),
                    organizer_kind: input.organizer_kind.map(Into::into),
                    organizer_name: input.organizer_name,
                },
            )
            .await,
        )?;
        Ok(ProposeConsultationPayload::new(row.map(wrap), errors))
    }

    /// PROPOSED → APPROVED.
    async fn approve_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation.")] input: ApproveConsultationInput,
    ) -> Result<ApproveConsultationPayload> {
        let (row, errors) = run_step(
            ctx,
            &input.id,
            input.expected_version,
            Step::Approve,
            input.note,
        )
        .await?;
        Ok(ApproveConsultationPayload::new(row.map(wrap), errors))
    }

    /// APPROVED → RESEARCHING: research comes before every session.
    async fn start_consultation_research(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation.")] input: StartConsultationResearchInput,
    ) -> Result<StartConsultationResearchPayload> {
        let (row, errors) = run_step(
            ctx,
            &input.id,
            input.expected_version,
            Step::StartResearch,
            input.note,
        )
        .await?;
        Ok(StartConsultationResearchPayload::new(row.map(wrap), errors))
    }

    /// RESEARCHING → SCHEDULED (or reschedules a SCHEDULED session): time, venue and an
    /// optional host lounge.
    async fn schedule_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation, when and where.")] input: ScheduleConsultationInput,
    ) -> Result<ScheduleConsultationPayload> {
        let id = database_id(&input.id, "Consultation")?;
        let lounge_id = input
            .lounge_id
            .as_ref()
            .map(|lounge| database_id(lounge, "Lounge"))
            .transpose()?;
        let (row, errors) = outcome(
            write::schedule(
                ctx.data::<Db>()?,
                actor(ctx)?,
                id,
                input.expected_version,
                Schedule {
                    at: input.scheduled_at,
                    venue: input.venue,
                    lounge_id,
                },
                input.note,
            )
            .await,
        )?;
        Ok(ScheduleConsultationPayload::new(row.map(wrap), errors))
    }

    /// SCHEDULED → HELD, with the time and the participants.
    async fn record_consultation_held(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation, when it was held and who took part.")]
        input: RecordConsultationHeldInput,
    ) -> Result<RecordConsultationHeldPayload> {
        let id = database_id(&input.id, "Consultation")?;
        let participants = input
            .participants
            .into_iter()
            .map(|participant| {
                Ok(NewParticipant {
                    role: participant.role.into(),
                    member_id: participant
                        .member_id
                        .as_ref()
                        .map(|member| database_id(member, "Member"))
                        .transpose()?,
                    name: participant.name,
                    organization: participant.organization,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (row, errors) = outcome(
            write::record_held(
                ctx.data::<Db>()?,
                actor(ctx)?,
                id,
                input.expected_version,
                Held {
                    held_at: input.held_at,
                    participants,
                },
                input.note,
            )
            .await,
        )?;
        Ok(RecordConsultationHeldPayload::new(row.map(wrap), errors))
    }

    /// HELD → FOLLOW_UP: the outcomes are being tracked (成果跟踪督查).
    async fn start_consultation_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation.")] input: StartConsultationFollowUpInput,
    ) -> Result<StartConsultationFollowUpPayload> {
        let (row, errors) = run_step(
            ctx,
            &input.id,
            input.expected_version,
            Step::StartFollowUp,
            input.note,
        )
        .await?;
        Ok(StartConsultationFollowUpPayload::new(row.map(wrap), errors))
    }

    /// FOLLOW_UP → CLOSED.
    async fn close_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation.")] input: CloseConsultationInput,
    ) -> Result<CloseConsultationPayload> {
        let (row, errors) = run_step(
            ctx,
            &input.id,
            input.expected_version,
            Step::Close,
            input.note,
        )
        .await?;
        Ok(CloseConsultationPayload::new(row.map(wrap), errors))
    }

    /// Cancels a consultation that has not been held yet, with the reason.
    async fn cancel_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation and why.")] input: CancelConsultationInput,
    ) -> Result<CancelConsultationPayload> {
        let (row, errors) = run_step(
            ctx,
            &input.id,
            input.expected_version,
            Step::Cancel {
                reason: input.reason,
            },
            input.note,
        )
        .await?;
        Ok(CancelConsultationPayload::new(row.map(wrap), errors))
    }

    /// Changes details that do not change the state (title, topic, kind, organizer, venue).
    async fn update_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultation and the new values.")] input: UpdateConsultationInput,
    ) -> Result<UpdateConsultationPayload> {
        let id = database_id(&input.id, "Consultation")?;
        let (row, errors) = outcome(
            write::update(
                ctx.data::<Db>()?,
                actor(ctx)?,
                id,
                input.expected_version,
                Update {
                    title: input.title,
                    topic: input.topic,
                    kind: input.kind.map(Into::into),
                    organizer_kind: input.organizer_kind.map(Into::into),
                    organizer_name: input.organizer_name,
                    venue: input.venue,
                },
            )
            .await,
        )?;
        Ok(UpdateConsultationPayload::new(row.map(wrap), errors))
    }
}
