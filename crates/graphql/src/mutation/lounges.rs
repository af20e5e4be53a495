//! Mutations of members' lounges (委员会客厅): the lounge, its memberships and its activities.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    Actor, Db,
    write::lounges::{self as write, NewActivity, NewLounge, NewMembership, UpdateLounge},
};

use super::{
    consultations::database_id,
    payload::{LoungePayload, MembershipPayload, PayloadName},
    user_error::{UserError, outcome},
};
use crate::{
    error::Result,
    generation::Sibling,
    types::{
        activity::{ActivityChannel, ActivityFormat, ActivityKind, LoungeActivity, OnlinePlatform},
        lounge::{Lounge, LoungeMembership, LoungeRole, LoungeStatus},
    },
};

fn wrap(row: write::Lounge) -> Lounge {
    Lounge::single(row)
}

/// A changed membership with its lounge.
fn membership((lounge, membership): (write::Lounge, write::Membership)) -> LoungeMembership {
    LoungeMembership {
        role: membership.role.into(),
        since: membership.since,
        until: membership.until,
        lounge: wrap(lounge),
    }
}

fn ids(ids: &[ID], type_name: &str) -> Result<Vec<i64>> {
    ids.iter().map(|id| database_id(id, type_name)).collect()
}

/// Input of `createLounge`.
#[derive(InputObject)]
pub struct CreateLoungeInput {
    /// The owning committee's six-digit region code.
    pub region_code: String,
    /// Name (1–200 characters).
    pub name: String,
    /// Theme (1–500 characters).
    pub theme: String,
    /// Venue (1–200 characters).
    pub venue: String,
    /// Street address (1–500 characters).
    pub address: String,
    /// The day the lounge opened; the lead memberships start on this day.
    pub established_on: NaiveDate,
    /// Its lead members (1–20 active members of any committee, no duplicates): a lounge never
    /// has no lead.
    pub lead_member_ids: Vec<ID>,
}

/// Names the payload of `createLounge`.
pub struct CreateLoungeField;

impl PayloadName for CreateLoungeField {
    const NAME: &'static str = "CreateLoungePayload";
    const DESCRIPTION: &'static str = "Result of `createLounge`.";
}

/// Result of `createLounge`.
pub type CreateLoungePayload = LoungePayload<CreateLoungeField>;

/// Input of `updateLounge`. Fields left out keep their value.
#[derive(InputObject)]
pub struct UpdateLoungeInput {
    /// The lounge's global ID.
    pub id: ID,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT` instead of overwriting someone else's change.
    pub expected_version: Option<i32>,
    /// New name (1–200 characters).
    pub name: Option<String>,
    /// New theme (1–500 characters).
    pub theme: Option<String>,
    /// New venue (1–200 characters).
    pub venue: Option<String>,
    /// New street address (1–500 characters).
    pub address: Option<String>,
}

/// Names the payload of `updateLounge`.
pub struct UpdateLoungeField;

impl PayloadName for UpdateLoungeField {
    const NAME: &'static str = "UpdateLoungePayload";
    const DESCRIPTION: &'static str = "Result of `updateLounge`.";
}

/// Result of `updateLounge`.
pub type UpdateLoungePayload = LoungePayload<UpdateLoungeField>;

/// Input of `setLoungeStatus`.
#[derive(InputObject)]
pub struct SetLoungeStatusInput {
    /// The lounge's global ID.
    pub id: ID,
    /// The new status: ACTIVE ⇄ SUSPENDED, or CLOSED (final) from either.
    pub status: LoungeStatus,
    /// For CLOSED: the closing day (default: today, China time); not before `establishedOn`.
    pub closed_on: Option<NaiveDate>,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Names the payload of `setLoungeStatus`.
pub struct SetLoungeStatusField;

impl PayloadName for SetLoungeStatusField {
    const NAME: &'static str = "SetLoungeStatusPayload";
    const DESCRIPTION: &'static str = "Result of `setLoungeStatus`.";
}

/// Result of `setLoungeStatus`.
pub type SetLoungeStatusPayload = LoungePayload<SetLoungeStatusField>;

/// Input of `addLoungeMember`.
#[derive(InputObject)]
pub struct AddLoungeMemberInput {
    /// The lounge's global ID (not closed).
    pub lounge_id: ID,
    /// The member's global ID (active, of any committee).
    pub member_id: ID,
    /// LEAD or TEAM (lead members of the lounge may add TEAM members only).
    pub role: LoungeRole,
    /// The first day of the membership (not before the lounge was established).
    pub since: NaiveDate,
}

/// Names the payload of `addLoungeMember`.
pub struct AddLoungeMemberField;

impl PayloadName for AddLoungeMemberField {
    const NAME: &'static str = "AddLoungeMemberPayload";
    const DESCRIPTION: &'static str = "Result of `addLoungeMember`.";
}

/// Result of `addLoungeMember`.
pub type AddLoungeMemberPayload = MembershipPayload<AddLoungeMemberField>;

/// Input of `endLoungeMembership`.
#[derive(InputObject)]
pub struct EndLoungeMembershipInput {
    /// The lounge's global ID.
    pub lounge_id: ID,
    /// The member's global ID; their open membership of the lounge is ended.
    pub member_id: ID,
    /// The last day of the membership (not before it began).
    pub until: NaiveDate,
}

/// Names the payload of `endLoungeMembership`.
pub struct EndLoungeMembershipField;

impl PayloadName for EndLoungeMembershipField {
    const NAME: &'static str = "EndLoungeMembershipPayload";
    const DESCRIPTION: &'static str = "Result of `endLoungeMembership`.";
}

/// Result of `endLoungeMembership`.
pub type EndLoungeMembershipPayload = MembershipPayload<EndLoungeMembershipField>;

/// Input of `recordLoungeActivity`.
#[derive(InputObject)]
pub struct RecordLoungeActivityInput {
    /// The host lounges' global IDs: one, or up to 20 for a joint activity.
    pub lounge_ids: Vec<ID>,
    /// Title (1–200 characters).
    pub title: String,
    /// PLANNED (one of the "4") or FLEXIBLE (an "X").
    pub kind: ActivityKind,
    /// Format.
    pub format: ActivityFormat,
    /// OFFLINE or ONLINE.
    pub channel: ActivityChannel,
    /// The platform: required for ONLINE, must be left out for OFFLINE.
    pub platform: Option<OnlinePlatform>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End (after the start).
    pub ends_at: DateTime<Utc>,
    /// Participating members' global IDs (up to 500 active members of any committee, no
    /// duplicates).
    #[graphql(default)]
    pub participant_member_ids: Vec<ID>,
    /// Members of the public who attended (0–1,000,000).
    #[graphql(default)]
    pub public_attendance: i32,
    /// Summary (up to 5,000 characters).
    pub summary: Option<String>,
}

/// Result of `recordLoungeActivity`.
#[derive(SimpleObject)]
pub struct RecordLoungeActivityPayload {
    /// The recorded activity; null when refused.
    pub activity: Option<LoungeActivity>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Members' lounges, their memberships and activities.
#[derive(Default)]
pub struct LoungeMutation;

#[Object]
impl LoungeMutation {
    /// Creates a lounge (status ACTIVE) with its lead members (staff in scope).
    async fn create_lounge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lounge.")] input: CreateLoungeInput,
    ) -> Result<CreateLoungePayload> {
        let lead_member_ids = ids(&input.lead_member_ids, "Member")?;
        let (row, user_errors) = outcome(
            write::create(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                NewLounge {
                    region_code: input.region_code,
                    name: input.name,
                    theme: input.theme,
                    venue: input.venue,
                    address: input.address,
                    established_on: input.established_on,
                    lead_member_ids,
                },
            )
            .await,
        )?;
        Ok(CreateLoungePayload::new(row.map(wrap), user_errors))
    }

    /// Updates a lounge's name, theme, venue or address (staff in scope; not when closed).
    async fn update_lounge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which lounge and what changes.")] input: UpdateLoungeInput,
    ) -> Result<UpdateLoungePayload> {
        let id = database_id(&input.id, "Lounge")?;
        let (row, user_errors) = outcome(
            write::update(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                UpdateLounge {
                    name: input.name,
                    theme: input.theme,
                    venue: input.venue,
                    address: input.address,
                },
            )
            .await,
        )?;
        Ok(UpdateLoungePayload::new(row.map(wrap), user_errors))
    }

    /// Suspends, reactivates or closes a lounge (staff in scope). Closing is final and sets
    /// `closedOn`; nothing is deleted.
    async fn set_lounge_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which lounge and its new status.")] input: SetLoungeStatusInput,
    ) -> Result<SetLoungeStatusPayload> {
        let id = database_id(&input.id, "Lounge")?;
        let (row, user_errors) = outcome(
            write::set_status(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                input.status.into(),
                input.closed_on,
            )
            .await,
        )?;
        Ok(SetLoungeStatusPayload::new(row.map(wrap), user_errors))
    }

    /// Adds a member to a lounge as LEAD or TEAM (staff in scope; an active lead member of the
    /// lounge may add TEAM members). Refuses a second membership for the same time.
    async fn add_lounge_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which lounge, member, role and first day.")] input: AddLoungeMemberInput,
    ) -> Result<AddLoungeMemberPayload> {
        let lounge_id = database_id(&input.lounge_id, "Lounge")?;
        let member_id = database_id(&input.member_id, "Member")?;
        let (row, user_errors) = outcome(
            write::add_member(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                NewMembership {
                    lounge_id,
                    member_id,
                    role: input.role.into(),
                    since: input.since,
                },
            )
            .await,
        )?;
        Ok(AddLoungeMemberPayload::new(
            row.map(membership),
            user_errors,
        ))
    }

    /// Ends a member's open membership of a lounge on its last day (staff in scope). The last
    /// lead member of a lounge that is not closed cannot leave.
    async fn end_lounge_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which lounge and member, and the last day.")]
        input: EndLoungeMembershipInput,
    ) -> Result<EndLoungeMembershipPayload> {
        let lounge_id = database_id(&input.lounge_id, "Lounge")?;
        let member_id = database_id(&input.member_id, "Member")?;
        let (row, user_errors) = outcome(
            write::end_membership(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                lounge_id,
                member_id,
                input.until,
            )
            .await,
        )?;
        Ok(EndLoungeMembershipPayload::new(
            row.map(membership),
            user_errors,
        ))
    }

    /// Records an activity hosted by one or several lounges. Staff must cover the committee of
    /// every host lounge; a member must be an active lead of at least one host lounge.
    async fn record_lounge_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: RecordLoungeActivityInput,
    ) -> Result<RecordLoungeActivityPayload> {
        let lounge_ids = ids(&input.lounge_ids, "Lounge")?;
        let participant_member_ids = ids(&input.participant_member_ids, "Member")?;
        let (row, user_errors) = outcome(
            write::record_activity(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                NewActivity {
                    lounge_ids,
                    title: input.title,
                    kind: input.kind.into(),
                    format: input.format.into(),
                    channel: input.channel.into(),
                    platform: input.platform.map(Into::into),
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    participant_member_ids,
                    public_attendance: input.public_attendance,
                    summary: input.summary,
                },
            )
            .await,
        )?;
        Ok(RecordLoungeActivityPayload {
            activity: row.map(LoungeActivity::single),
            user_errors,
        })
    }
}
