//! The connections every region type has (`lounges`, `members`, `consultations`), loaded for
//! the whole generation of regions at once.

use async_graphql::Context;
use domain::page::PageRequest;

use crate::{
    error::Result,
    relations::region::{ListArgs, RegionConsultations, RegionLounges, RegionMembers},
    types::{
        consultation::{ConsultationConnection, ConsultationFilter, ConsultationOrder},
        lounge::{LoungeConnection, LoungeFilter, LoungeOrder},
        member::{MemberConnection, MemberFilter, MemberOrder},
        region::RegionNode,
    },
};

/// `Region.lounges`.
pub async fn lounges(
    ctx: &Context<'_>,
    region: &RegionNode,
    include_descendants: bool,
    filter: Option<LoungeFilter>,
    order_by: Option<LoungeOrder>,
    page: PageRequest,
) -> Result<LoungeConnection> {
    let args = ListArgs {
        include_descendants,
        filter,
        order_by,
        page,
    };
    let nested = region.generation().load::<RegionLounges>(ctx, args).await?;
    Ok(LoungeConnection::new(nested.page(region.row().id)))
}

/// `Region.members`.
pub async fn members(
    ctx: &Context<'_>,
    region: &RegionNode,
    include_descendants: bool,
    filter: Option<MemberFilter>,
    order_by: Option<MemberOrder>,
    page: PageRequest,
) -> Result<MemberConnection> {
    let args = ListArgs {
        include_descendants,
        filter,
        order_by,
        page,
    };
    let nested = region.generation().load::<RegionMembers>(ctx, args).await?;
    Ok(MemberConnection::new(nested.page(region.row().id)))
}

/// `Region.consultations`.
pub async fn consultations(
    ctx: &Context<'_>,
    region: &RegionNode,
    include_descendants: bool,
    filter: Option<ConsultationFilter>,
    order_by: Option<ConsultationOrder>,
    page: PageRequest,
) -> Result<ConsultationConnection> {
    let args = ListArgs {
        include_descendants,
        filter,
        order_by,
        page,
    };
    let nested = region
        .generation()
        .load::<RegionConsultations>(ctx, args)
        .await?;
    Ok(ConsultationConnection::new(nested.page(region.row().id)))
}
