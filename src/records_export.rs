//! `GET /export/<kind>.xlsx?region=CODE` (the records of a region's subtree, for staff in
//! scope; contact data included, so each export is recorded in the audit log as
//! `exportRecords`) and `GET /export/templates/<kind>.xlsx` (the empty template, public: it
//! holds no data).

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{
    Extension,
    extract::{ConnectInfo, Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    Actor,
    audit::{ActorInfo, Scope},
};
use records::{FileError, Kind};

use crate::{
    app::{AppState, PublicSubmissions, request_info},
    auth,
    client::client_address,
    export::{attachment, bad_request, refused_actor},
};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The kind of a `<kind>.xlsx` path segment, if this version exports it.
fn kind_of(file: &str) -> Option<Kind> {
    file.strip_suffix(".xlsx").and_then(Kind::parse)
}

fn no_such_file(file: &str) -> Response {
    let known: Vec<String> = Kind::ALL
        .iter()
        .map(|kind| format!("{kind}.xlsx"))
        .collect();
    (
        StatusCode::NOT_FOUND,
        format!("no export named {file:?}: try {}\n", known.join(", ")),
    )
        .into_response()
}

/// `GET /export/<kind>.xlsx?region=CODE`.
pub(crate) async fn records_xlsx(
    State(state): State<AppState>,
    Extension(public): Extension<Arc<PublicSubmissions>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(kind) = kind_of(&file) else {
        return no_such_file(&file);
    };
    let Some(region) = params.get("region").map(|code| code.trim().to_owned()) else {
        return bad_request("the `region` parameter is required, e.g. ?region=330212");
    };
    let actor = match auth::actor(state.db(), state.verifier(), &headers).await {
        Ok(Actor::Anonymous) => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "sign in as committee staff to export records\n",
            )
                .into_response();
        }
        Ok(actor) => actor,
        Err(error) => return refused_actor(error),
    };
    let bytes = match records::export(state.db(), &actor, kind, &region).await {
        Ok(bytes) => bytes,
        Err(FileError::Forbidden | FileError::Unauthenticated) => {
            return (
                StatusCode::FORBIDDEN,
                "only staff whose scope covers the region may export its records\n",
            )
                .into_response();
        }
        Err(error @ FileError::UnknownRegion(_)) => return bad_request(&error.to_string()),
        Err(error) => {
            tracing::error!(%error, "records export failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
        }
    };
    let peer = peer.map(|Extension(ConnectInfo(address))| address.ip());
    let client = client_address(peer, &headers, &public.trusted_proxies);
    let scope = Scope::new(
        "exportRecords",
        ActorInfo::of(&actor),
        request_info(&headers, client),
        serde_json::json!({ "kind": kind.as_str(), "regionCode": region }),
        Vec::new(),
    );
    // An export that cannot be recorded is not handed out.
    if let Err(error) = domain::audit::finish(state.db(), &scope, None).await {
        tracing::error!(%error, "records export: recording the export failed");
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
    }
    attachment(XLSX, &format!("{}-{region}.xlsx", kind.as_str()), bytes)
}

/// `GET /export/templates/<kind>.xlsx`.
pub(crate) async fn template_xlsx(Path(file): Path<String>) -> Response {
    let Some(kind) = kind_of(&file) else {
        return no_such_file(&file);
    };
    match records::template(kind) {
        Ok(bytes) => attachment(XLSX, &format!("{}-template.xlsx", kind.as_str()), bytes),
        Err(error) => {
            tracing::error!(%error, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}
