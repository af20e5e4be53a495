//! `roleAssignments`: who may do what, for the staff who grant roles.

use async_graphql::{Context, Object};
use domain::{Actor, Db};

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::role_assignment::{RoleAssignment, RoleAssignmentConnection, RoleAssignmentFilter},
};

/// Role assignments.
#[derive(Default)]
pub struct RoleAssignmentQuery;

#[Object]
impl RoleAssignmentQuery {
    /// The role assignments held in the caller's scope (staff only: the assignments whose
    /// committee lies in their region or below it), oldest first. Anonymous callers are
    /// `UNAUTHENTICATED`; members and integrators `FORBIDDEN`.
    async fn role_assignments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which assignments.")] filter: Option<RoleAssignmentFilter>,
        #[graphql(desc = "Return the first n items (at most 100; 20 when not given).")]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
    ) -> Result<RoleAssignmentConnection> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        let page = page_request(first, after, None, None)?;
        let filter = filter.unwrap_or_default().into();
        let found = domain::roles::page(db, actor, &filter, page).await?;
        Ok(RoleAssignmentConnection::new(page_generation::<
            RoleAssignment,
        >(found)))
    }
}
