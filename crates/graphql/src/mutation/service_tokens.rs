//! `revokeServiceToken`: refuse one of this instance's service tokens (`xieshang token`) from
//! now on, on every replica.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{Actor, Db, service_tokens::DenyList};

use super::user_error::{UserError, outcome};
use crate::error::Result;

/// Input of `revokeServiceToken`.
#[derive(InputObject)]
pub struct RevokeServiceTokenInput {
    /// The token's id (`jti`), as `xieshang token` prints it on standard error.
    pub jti: String,
}

/// Result of `revokeServiceToken`.
#[derive(SimpleObject)]
pub struct RevokeServiceTokenPayload {
    /// The revoked token's id; null when refused.
    pub jti: Option<String>,
    /// When it was revoked (the first time, if it was revoked before); null when refused.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Service-token mutations.
#[derive(Default)]
pub struct ServiceTokenMutation;

#[Object]
impl ServiceTokenMutation {
    /// Revokes a service token: every replica refuses it from its next request on (within
    /// moments on PostgreSQL, which notifies the others). PROVINCE_STAFF may revoke any
    /// service token; any caller may revoke the service token it is calling with. Tokens
    /// issued before tokens carried a `jti` cannot be revoked; they expire.
    async fn revoke_service_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which token.")] input: RevokeServiceTokenInput,
    ) -> Result<RevokeServiceTokenPayload> {
        let actor = ctx.data::<Actor>()?;
        let own = actor
            .principal()
            .and_then(|principal| principal.token_id.as_deref());
        let result =
            domain::service_tokens::revoke(ctx.data::<Db>()?, actor, &input.jti, own).await;
        let (row, user_errors) = outcome(result)?;
        if let (Some(row), Some(revoked)) = (&row, ctx.data_opt::<DenyList>()) {
            revoked.mark(&row.jti);
        }
        Ok(RevokeServiceTokenPayload {
            jti: row.as_ref().map(|row| row.jti.clone()),
            revoked_at: row.map(|row| row.revoked_at),
            user_errors,
        })
    }
}
