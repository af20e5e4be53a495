//! `viewer`: the caller as the server sees it.

use async_graphql::{Context, Object};
use domain::Actor;

use crate::types::viewer::Viewer;

/// Who is calling.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The caller of this request: anonymous (`authenticated: false`) without an
    /// `Authorization: Bearer` header, otherwise the token's role, region and member.
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        Viewer(ctx.data::<Actor>().cloned().unwrap_or_default())
    }
}
