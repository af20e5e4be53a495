//! `GET /export/audit.csv`: the audit log as CSV, for staff, with the filters of `auditLog`
//! (`?actorSubject=&operation=&targetId=&from=&to=`, times in RFC 3339). The rows are those
//! `auditLog` shows the caller, newest first, at most [`MAX_ROWS`]; the export itself is
//! recorded in the log (operation `exportAuditLog`).

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{
    Extension,
    extract::{ConnectInfo, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use domain::{
    Actor, DomainError,
    audit::{ActorInfo, AuditFilter, AuditRow, Scope},
};

use crate::{
    app::{AppState, PublicSubmissions, request_info},
    auth,
    client::client_address,
    export::{attachment, bad_request, refused_actor, text_csv},
};

/// The most rows one export holds; narrow the filter (`from`, `to`) for more.
pub const MAX_ROWS: u64 = 100_000;

const HEADERS: [&str; 13] = [
    "序号 sequence",
    "时间 occurred_at",
    "签发方 actor_issuer",
    "主体 actor_subject",
    "角色 actor_role",
    "地区 actor_region",
    "操作 operation",
    "对象 target_ids",
    "输入摘要 input_summary",
    "结果 outcome",
    "请求 request_id",
    "客户端地址 client_address",
    "哈希 hash",
];

/// `GET /export/audit.csv`.
pub(crate) async fn audit_csv(
    State(state): State<AppState>,
    Extension(public): Extension<Arc<PublicSubmissions>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let actor = match auth::actor(state.db(), state.verifier(), &headers).await {
        Ok(Actor::Anonymous) => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "sign in as committee staff to export the audit log\n",
            )
                .into_response();
        }
        Ok(actor) => actor,
        Err(error) => return refused_actor(error),
    };
    let filter = match filter(&params) {
        Ok(filter) => filter,
        Err(message) => return bad_request(&message),
    };
    let rows = match domain::audit::by_filter(state.db(), &actor, &filter, MAX_ROWS).await {
        Ok(rows) => rows,
        Err(DomainError::Forbidden(message)) => {
            return (StatusCode::FORBIDDEN, format!("{message}\n")).into_response();
        }
        Err(error @ DomainError::Invalid { .. }) => return bad_request(&error.to_string()),
        Err(error) => {
            tracing::error!(%error, "audit export failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
        }
    };
    let peer = peer.map(|Extension(ConnectInfo(address))| address.ip());
    let client = client_address(peer, &headers, &public.trusted_proxies);
    let summary = serde_json::json!({
        "actorSubject": filter.actor_subject,
        "operation": filter.operation,
        "targetId": filter.target_id,
        "from": filter.from,
        "to": filter.to,
        "rows": rows.len(),
    });
    let scope = Scope::new(
        "exportAuditLog",
        ActorInfo::of(&actor),
        request_info(&headers, client),
        domain::audit::summary::summarize(summary),
        Vec::new(),
    );
    // An export that cannot be recorded is not handed out.
    if let Err(error) = domain::audit::finish(state.db(), &scope, None).await {
        tracing::error!(%error, "audit export: recording the export failed");
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
    }
    let body = text_csv(&HEADERS, &rows.iter().map(row).collect::<Vec<_>>());
    attachment(
        "text/csv; charset=utf-8",
        "audit-log.csv",
        body.into_bytes(),
    )
}

/// The filter the query parameters name, or what is wrong with them.
fn filter(params: &HashMap<String, String>) -> Result<AuditFilter, String> {
    let text = |name: &str| {
        params
            .get(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
        text(name)
            .map(|value| {
                DateTime::parse_from_rfc3339(&value)
                    .map(|time| time.with_timezone(&Utc))
                    .map_err(|_| {
                        format!("`{name}` is not an RFC 3339 time (e.g. 2026-12-01T00:00:00+08:00)")
                    })
            })
            .transpose()
    };
    Ok(AuditFilter {
        actor_subject: text("actorSubject"),
        operation: text("operation"),
        target_id: text("targetId"),
        from: time("from")?,
        to: time("to")?,
    })
}

fn row(entry: &AuditRow) -> Vec<String> {
    vec![
        entry.id.to_string(),
        entry.occurred_at.to_rfc3339(),
        entry.actor_issuer.clone().unwrap_or_default(),
        entry.actor_subject.clone().unwrap_or_default(),
        entry.actor_role.clone().unwrap_or_default(),
        entry.actor_region.clone().unwrap_or_default(),
        entry.operation.clone(),
        entry.target_ids.clone(),
        entry.input_summary.clone(),
        entry.outcome.clone(),
        entry.request_id.clone().unwrap_or_default(),
        entry.client_address.clone().unwrap_or_default(),
        entry.hash.clone(),
    ]
}
