//! `Viewer`: who the API thinks the caller is.

use async_graphql::{Context, Enum, Object};
use domain::{Actor, Db};

use crate::{
    error::Result,
    generation::Sibling,
    types::{
        member::Member,
        region::{Region, RegionNode},
        role_assignment::RoleAssignment,
    },
};

/// The role a bearer token grants.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "domain::Role")]
pub enum Role {
    /// Staff of the provincial committee: act anywhere in their province.
    ProvinceStaff,
    /// Staff of a city committee: act on the city's committee and its counties.
    CityStaff,
    /// Staff of a county committee: act on their county only.
    CountyStaff,
    /// A CPPCC member: acts on their own lounges and proposals.
    Member,
    /// An integrator system: manages notification targets in its region's subtree.
    Integrator,
}

/// The caller of the current request, as established from its `Authorization: Bearer` token.
pub struct Viewer(pub Actor);

/// The caller of the current request: anonymous without a token, otherwise the token's role,
/// region and (for members) member.
#[Object]
impl Viewer {
    /// Whether the request carried a valid bearer token.
    async fn authenticated(&self) -> bool {
        self.0.principal().is_some()
    }

    /// The caller's role; null for anonymous callers. A person signed in through the identity
    /// provider may hold several assignments: this is the highest.
    #[graphql(
        deprecation = "A signed-in person may hold several role assignments: use `roles`. This shows the highest."
    )]
    async fn role(&self) -> Option<Role> {
        self.0.principal().map(|principal| principal.role.into())
    }

    /// The region (committee) the caller belongs to; null for anonymous callers. Staff see
    /// contact data of members in this region and every region below it.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(principal) = self.0.principal() else {
            return Ok(None);
        };
        let db = ctx.data::<Db>()?;
        let rows = domain::regions::by_ids(db, &[principal.region_id]).await?;
        Ok(RegionNode::from_rows(rows.into_values().collect())
            .pop()
            .map(Region::from_node))
    }

    /// The role assignments of a person signed in through the identity provider, oldest
    /// first; the caller acts with the highest role over the union of that role's committees.
    /// Empty for anonymous callers and for service tokens (`xieshang token`), whose one role is
    /// in the token.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<RoleAssignment>> {
        let Some((issuer, principal)) = self
            .0
            .principal()
            .and_then(|principal| Some((principal.issuer.as_deref()?, principal)))
        else {
            return Ok(Vec::new());
        };
        let db = ctx.data::<Db>()?;
        let rows = domain::roles::of_subject(db, issuer, &principal.subject).await?;
        Ok(RoleAssignment::from_rows(rows))
    }

    /// The member the caller is; null unless the role is `MEMBER`.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<Member>> {
        let Some(member_id) = self.0.member_id() else {
            return Ok(None);
        };
        let db = ctx.data::<Db>()?;
        let mut rows = domain::read::members::by_ids(db, &[member_id]).await?;
        Ok(rows.remove(&member_id).map(Member::single))
    }
}
