//! The connections every region type has (`lounges`, `members`), loaded for the whole
//! generation of regions at once.

use std::sync::Arc;

use async_graphql::{Context, Result};
use domain::{Db, page::PageRequest};

use crate::{
    siblings::Nested,
    types::{
        consultation::{
            Consultation, ConsultationConnection, ConsultationFilter, ConsultationOrder,
        },
        lounge::{Lounge, LoungeConnection, LoungeFilter, LoungeOrder},
        member::{Member, MemberConnection, MemberFilter, MemberOrder},
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
    let db = ctx.data::<Db>()?;
    let key = format!(
        "lounges:{include_descendants}:{filter:?}:{order_by:?}:{}",
        page.key()
    );
    let nested = region
        .siblings()
        .load(key, |rows| async move {
            let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
            let filter = LoungeFilter::resolve(filter, db).await?;
            let order = order_by.map(Into::into).unwrap_or_default();
            let pages = domain::read::lounges::pages_by_region(
                db,
                &ids,
                include_descendants,
                &filter,
                order,
                page,
            )
            .await?;
            Ok(Nested::from_pages(pages))
        })
        .await?;
    Ok(LoungeConnection {
        page: nested
            .page(region.row().id)
            .map(|index| Lounge::new(index, Arc::clone(&nested.children))),
    })
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
    let db = ctx.data::<Db>()?;
    let key = format!(
        "members:{include_descendants}:{filter:?}:{order_by:?}:{}",
        page.key()
    );
    let nested = region
        .siblings()
        .load(key, |rows| async move {
            let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
            let filter = MemberFilter::resolve(filter, db).await?;
            let order = order_by.map(Into::into).unwrap_or_default();
            let pages = domain::read::members::pages_by_region(
                db,
                &ids,
                include_descendants,
                &filter,
                order,
                page,
            )
            .await?;
            Ok(Nested::from_pages(pages))
        })
        .await?;
    Ok(MemberConnection {
        page: nested
            .page(region.row().id)
            .map(|index| Member::new(index, Arc::clone(&nested.children))),
    })
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
    let db = ctx.data::<Db>()?;
    let actor = ctx.data::<domain::Actor>()?;
    let key = format!(
        "consultations:{include_descendants}:{filter:?}:{order_by:?}:{}",
        page.key()
    );
    let nested = region
        .siblings()
        .load(key, |rows| async move {
            let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
            let filter = ConsultationFilter::resolve(filter, db, actor).await?;
            let order = order_by.map(Into::into).unwrap_or_default();
            let pages = domain::read::consultations::pages_by_region(
                db,
                &ids,
                include_descendants,
                &filter,
                order,
                page,
            )
            .await?;
            Ok(Nested::from_pages(pages))
        })
        .await?;
    Ok(ConsultationConnection {
        page: nested
            .page(region.row().id)
            .map(|index| Consultation::new(index, Arc::clone(&nested.children))),
    })
}
