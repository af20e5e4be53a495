//! `grantRole` and `revokeRole`: staff manage who may do what. Staff grant staff roles at or
//! below their own within their scope, MEMBER (linked to a member of the committee) and
//! INTEGRATOR within their scope; only PROVINCE_STAFF grant PROVINCE_STAFF. A refusal of these
//! rules is a top-level `FORBIDDEN`; bad input is a user error.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::{Actor, Db, roles::Grant};

use super::{
    consultations::database_id,
    user_error::{UserError, outcome},
};
use crate::{
    error::Result,
    generation::Sibling,
    ids,
    types::{role_assignment::RoleAssignment, viewer::Role},
};

/// Input of `grantRole`.
#[derive(InputObject)]
pub struct GrantRoleInput {
    /// The identity provider's issuer identifier, exactly as in its tokens' `iss`.
    pub issuer: String,
    /// The person's subject at that provider (the tokens' `sub`).
    pub subject: String,
    /// The role to grant.
    pub role: Role,
    /// GB/T 2260 code of the committee the role is held in: a province for PROVINCE_STAFF, a
    /// city for CITY_STAFF, a county for COUNTY_STAFF; any committee for MEMBER and INTEGRATOR.
    pub region_code: String,
    /// For MEMBER (and only MEMBER): the global ID of the member the person is, who must serve
    /// on that committee.
    pub member_id: Option<ID>,
}

/// Result of `grantRole`.
#[derive(SimpleObject)]
pub struct GrantRolePayload {
    /// The assignment (an existing identical one when it was granted before); null when
    /// refused.
    pub role_assignment: Option<RoleAssignment>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `revokeRole`.
#[derive(InputObject)]
pub struct RevokeRoleInput {
    /// The role assignment's global ID.
    pub id: ID,
}

/// Result of `revokeRole`.
#[derive(SimpleObject)]
pub struct RevokeRolePayload {
    /// The global ID of the assignment removed; null when refused.
    pub revoked_role_assignment_id: Option<ID>,
    /// The assignment as it was before it was removed; null when refused.
    pub role_assignment: Option<RoleAssignment>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Role mutations.
#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Grants a person of the identity provider a role in a committee. Granting an assignment
    /// that exists already changes nothing. Takes effect on the person's next request.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who, which role, where, and for MEMBER which member.")]
        input: GrantRoleInput,
    ) -> Result<GrantRolePayload> {
        let member_id = input
            .member_id
            .as_ref()
            .map(|id| database_id(id, "Member"))
            .transpose()?;
        let grant = Grant {
            issuer: input.issuer.trim().to_owned(),
            subject: input.subject.trim().to_owned(),
            role: input.role.into(),
            region_code: input.region_code.trim().to_owned(),
            member_id,
        };
        let result = domain::roles::grant(ctx.data::<Db>()?, ctx.data::<Actor>()?, &grant).await;
        let (row, user_errors) = outcome(result)?;
        Ok(GrantRolePayload {
            role_assignment: row.map(RoleAssignment::single),
            user_errors,
        })
    }

    /// Removes a role assignment; the caller must be allowed to grant it. Takes effect on the
    /// person's next request.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which assignment.")] input: RevokeRoleInput,
    ) -> Result<RevokeRolePayload> {
        let id = database_id(&input.id, "RoleAssignment")?;
        let result = domain::roles::revoke(ctx.data::<Db>()?, ctx.data::<Actor>()?, id).await;
        let (row, user_errors) = outcome(result)?;
        Ok(RevokeRolePayload {
            revoked_role_assignment_id: row
                .as_ref()
                .map(|row| ids::encode("RoleAssignment", row.id)),
            role_assignment: row.map(RoleAssignment::single),
            user_errors,
        })
    }
}
