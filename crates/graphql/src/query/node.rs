//! `node(id:)` and `nodes(ids:)` (Relay object identification).

use async_graphql::{Context, ID, Object};

use crate::{
    ErrorCode,
    error::Result,
    types::node::{Node, load_nodes},
};

/// Most IDs `nodes(ids:)` takes at once.
const MAX_NODES: usize = 100;

/// Fetching any object again by its global ID.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global ID; null when it does not exist.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID as returned in an `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        Ok(load_nodes(ctx, &[id]).await?.pop().flatten())
    }

    /// The objects with these global IDs, in the same order; null for each that does not exist.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs as returned in `id` fields (at most 100).")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ErrorCode::BadUserInput.error(format!(
                "ids: at most {MAX_NODES} IDs at once (got {})",
                ids.len()
            )));
        }
        load_nodes(ctx, &ids).await
    }
}
