//! Mutations of CPPCC members (政协委员).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::{
    Actor, Db,
    write::members::{self as write, NewMember, UpdateMember},
};

use super::{
    consultations::database_id,
    user_error::{UserError, outcome},
};
use crate::{
    error::Result,
    generation::Sibling,
    types::member::{Gender, Member, MemberStatus},
};

fn wrap(row: write::Member) -> Member {
    Member::single(row)
}

/// Input of `createMember`.
#[derive(InputObject)]
pub struct CreateMemberInput {
    /// The six-digit region code of the committee the member serves on.
    pub region_code: String,
    /// Name (1–100 characters).
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Sector (界别, 1–100 characters).
    pub sector: String,
    /// Occupation (1–200 characters).
    pub occupation: String,
    /// Term (届), 1–99.
    pub term: i32,
    /// Phone: digits, `+`, `-` and spaces, 7–20 characters. Personal data.
    pub phone: Option<String>,
    /// E-mail address (must contain `@`). Personal data.
    pub email: Option<String>,
    /// 委员编号 (1–32 characters), unique within the committee; the committee's next
    /// `<code>-NNNN` when left out.
    pub member_number: Option<String>,
}

/// Result of `createMember`.
#[derive(SimpleObject)]
pub struct CreateMemberPayload {
    /// The new member (status ACTIVE); null when refused.
    pub member: Option<Member>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `updateMember`. Fields left out keep their value; an empty phone or e-mail clears
/// it.
#[derive(InputObject)]
pub struct UpdateMemberInput {
    /// The member's global ID.
    pub id: ID,
    /// Move the member to the committee with this region code (staff must cover both).
    pub region_code: Option<String>,
    /// New name (1–100 characters).
    pub name: Option<String>,
    /// New gender.
    pub gender: Option<Gender>,
    /// New sector (1–100 characters).
    pub sector: Option<String>,
    /// New occupation (1–200 characters).
    pub occupation: Option<String>,
    /// New term (1–99).
    pub term: Option<i32>,
    /// New phone (7–20 characters of digits, `+`, `-`, spaces; empty clears it).
    pub phone: Option<String>,
    /// New e-mail address (empty clears it).
    pub email: Option<String>,
    /// ACTIVE (serving) or INACTIVE (no longer serving).
    pub status: Option<MemberStatus>,
    /// New 委员编号 (1–32 characters), unique within the committee.
    pub member_number: Option<String>,
}

/// Result of `updateMember`.
#[derive(SimpleObject)]
pub struct UpdateMemberPayload {
    /// The member as changed; null when refused.
    pub member: Option<Member>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Member records, kept by staff whose scope covers the member's committee.
#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Registers a member of a committee (staff in scope).
    async fn create_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member.")] input: CreateMemberInput,
    ) -> Result<CreateMemberPayload> {
        let (row, user_errors) = outcome(
            write::create(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                NewMember {
                    region_code: input.region_code,
                    name: input.name,
                    gender: input.gender.into(),
                    sector: input.sector,
                    occupation: input.occupation,
                    term: input.term,
                    phone: input.phone,
                    email: input.email,
                    member_number: input.member_number,
                },
            )
            .await,
        )?;
        Ok(CreateMemberPayload {
            member: row.map(wrap),
            user_errors,
        })
    }

    /// Changes a member's details or status (staff in scope).
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which member and what changes.")] input: UpdateMemberInput,
    ) -> Result<UpdateMemberPayload> {
        let id = database_id(&input.id, "Member")?;
        let (row, user_errors) = outcome(
            write::update(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                UpdateMember {
                    region_code: input.region_code,
                    name: input.name,
                    gender: input.gender.map(Into::into),
                    sector: input.sector,
                    occupation: input.occupation,
                    term: input.term,
                    phone: input.phone,
                    email: input.email,
                    status: input.status.map(Into::into),
                    member_number: input.member_number,
                },
            )
            .await,
        )?;
        Ok(UpdateMemberPayload {
            member: row.map(wrap),
            user_errors,
        })
    }
}
