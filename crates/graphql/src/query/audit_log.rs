//! `auditLog`: who did what, for the staff of the committees concerned.

use async_graphql::{Context, Object};
use domain::{Actor, Db};

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::audit_entry::{AuditEntry, AuditEntryConnection, AuditLogFilter},
};

/// The audit log.
#[derive(Default)]
pub struct AuditLogQuery;

#[Object]
impl AuditLogQuery {
    /// Audit entries that concern the caller's scope (the actor's committee or a changed
    /// record's committee lies in the caller's region or below it), newest first. Staff only:
    /// anonymous callers are `UNAUTHENTICATED`, members and integrators `FORBIDDEN`.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries.")] filter: Option<AuditLogFilter>,
        #[graphql(desc = "Return the first n items (at most 100; 20 when not given).")]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
    ) -> Result<AuditEntryConnection> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        let page = page_request(first, after, None, None)?;
        let filter = filter.unwrap_or_default().into();
        let found = domain::audit::page(db, actor, &filter, page).await?;
        Ok(AuditEntryConnection::new(page_generation::<AuditEntry>(
            found,
        )))
    }
}
