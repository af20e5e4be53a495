//! Reading the audit log: staff see the rows that concern their scope (the actor's region or a
//! target's committee lies in their region's subtree); province staff see every row; everyone
//! else is refused.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, LikeExpr, Order, Query},
};

use crate::{
    Actor, Db, DomainError, Role,
    page::{self, Page, PageRequest, Window},
};

/// A row of the audit log as stored.
pub type AuditRow = audit_log::Model;

/// Which rows to list; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Rows whose actor has this subject.
    pub actor_subject: Option<String>,
    /// Rows of this operation (e.g. `proposeConsultation`).
    pub operation: Option<String>,
    /// Rows that touched or named the record with this global id.
    pub target_id: Option<String>,
    /// Rows written at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Rows written before this time.
    pub to: Option<DateTime<Utc>>,
}

/// Staff may read the log; anonymous callers must sign in; other roles are refused.
fn reader(actor: &Actor) -> Result<&crate::Principal, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if !principal.role.is_staff() {
        return Err(DomainError::Forbidden(
            "only committee staff may read the audit log".to_owned(),
        ));
    }
    Ok(principal)
}

fn select(
    actor: &Actor,
    filter: &AuditFilter,
) -> Result<sea_orm::Select<audit_log::Entity>, DomainError> {
    let principal = reader(actor)?;
    for (field, value) in [
        ("actorSubject", &filter.actor_subject),
        ("operation", &filter.operation),
        ("targetId", &filter.target_id),
    ] {
        if let Some(value) = value {
            crate::limits::text(field, value, crate::limits::MAX_FILTER_TEXT_CHARS)?;
        }
    }
    let mut select = audit_log::Entity::find();
    if principal.role != Role::ProvinceStaff {
        let mut scope: Vec<i64> = principal.scope.iter().copied().collect();
        scope.sort_unstable();
        let mut concerned = Query::select();
        concerned
            .column("audit_id")
            .from("audit_log_regions")
            .and_where(Expr::col("region_id").is_in(scope));
        select = select
            .filter(Expr::col((audit_log::Entity, audit_log::Column::Id)).in_subquery(concerned));
    }
    if let Some(subject) = &filter.actor_subject {
        select = select.filter(audit_log::Column::ActorSubject.eq(subject.as_str()));
    }
    if let Some(operation) = &filter.operation {
        select = select.filter(audit_log::Column::Operation.eq(operation.as_str()));
    }
    if let Some(target) = &filter.target_id {
        // Target ids are stored as a JSON array of strings: match the quoted id literally.
        let escaped = target
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
            .replace('"', "");
        select = select.filter(
            Expr::col((audit_log::Entity, audit_log::Column::TargetIds))
                .like(LikeExpr::new(format!("%\"{escaped}\"%")).escape('\\')),
        );
    }
    if let Some(from) = filter.from {
        select = select.filter(audit_log::Column::OccurredAt.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(audit_log::Column::OccurredAt.lt(to));
    }
    Ok(select)
}

/// One page of the rows the caller may see, newest first.
pub async fn page(
    db: &Db,
    actor: &Actor,
    filter: &AuditFilter,
    request: PageRequest,
) -> Result<Page<AuditRow>, DomainError> {
    let rows = select(actor, filter)?.into_query();
    let window = Window {
        partition: None,
        order: vec![(
            Expr::col((audit_log::Entity, audit_log::Column::Id)),
            Order::Desc,
        )],
    };
    let mut pages =
        crate::read::parse_pages(page::fetch(db.reader(), rows, window, request).await?)?;
    Ok(pages.remove(&0).unwrap_or_else(Page::empty))
}

/// Up to `limit` of the rows the caller may see, newest first (for the CSV export).
pub async fn by_filter(
    db: &Db,
    actor: &Actor,
    filter: &AuditFilter,
    limit: u64,
) -> Result<Vec<AuditRow>, DomainError> {
    Ok(select(actor, filter)?
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db.reader())
        .await?)
}
