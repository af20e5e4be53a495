//! `RoleAssignment`: what a person signed in through the identity provider may do.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::roles::{Assignment, AssignmentFilter};

use crate::{
    connection::{Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::role_assignment::AssignmentMember,
    types::{common::region_of, member::Member, region::Region, viewer::Role},
};

/// One assignment of a generation of assignments.
#[derive(Clone)]
pub struct RoleAssignment {
    index: usize,
    generation: Arc<Generation<Assignment>>,
}

impl Sibling for RoleAssignment {
    type Row = Assignment;

    fn at(index: usize, generation: Arc<Generation<Assignment>>) -> Self {
        Self { index, generation }
    }
}

impl RoleAssignment {
    fn row(&self) -> &Assignment {
        self.generation.row(self.index)
    }
}

/// A role held by a person of the identity provider, keyed by (issuer, subject), in one
/// committee. A person with several assignments acts with the highest role over the union of
/// that role's committees.
#[Object]
impl RoleAssignment {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("RoleAssignment", self.row().id)
    }

    /// The identity provider's issuer identifier (the tokens' `iss`).
    async fn issuer(&self) -> &str {
        &self.row().issuer
    }

    /// The person's subject at that provider (the tokens' `sub`).
    async fn subject(&self) -> &str {
        &self.row().subject
    }

    /// The role held; null only for a role this version does not know.
    async fn role(&self) -> Option<Role> {
        domain::Role::parse(&self.row().role).map(Into::into)
    }

    /// The committee the role is held in (its subtree is the role's scope).
    async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
        region_of(ctx, &self.generation, self.row().region_id).await
    }

    /// For MEMBER: the member the person is; null for other roles.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<Member>> {
        let members = self.generation.load::<AssignmentMember>(ctx, ()).await?;
        Ok(members.get(self.row().member_id))
    }

    /// Who granted it: the granting subject, or `xieshang grant (command line)`.
    async fn granted_by(&self) -> &str {
        &self.row().granted_by
    }

    /// When it was granted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
}

impl ConnectionNode for RoleAssignment {
    const CONNECTION_NAME: &'static str = "RoleAssignmentConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of role assignments.";
    const EDGE_NAME: &'static str = "RoleAssignmentEdge";
    const EDGE_DESCRIPTION: &'static str = "One of role assignments in a page, with its cursor.";
}

/// A page of role assignments.
pub type RoleAssignmentConnection = Connection<RoleAssignment>;

/// Which role assignments to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleAssignmentFilter {
    /// Exactly this issuer.
    pub issuer: Option<String>,
    /// Exactly this subject.
    pub subject: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only assignments held in this committee (GB/T 2260 code), not in its subtree.
    pub region_code: Option<String>,
}

impl From<RoleAssignmentFilter> for AssignmentFilter {
    fn from(filter: RoleAssignmentFilter) -> Self {
        Self {
            issuer: filter.issuer,
            subject: filter.subject,
            role: filter.role.map(Into::into),
            region_code: filter.region_code,
        }
    }
}
