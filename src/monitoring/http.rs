//! The HTTP middleware: requests by route and status, and SQL statements per request.

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use domain::observe::StatementCounter;

use super::{HTTP_REQUESTS, SQL_STATEMENTS};

/// Counts the request under its route template (`/graphql`, not the path a client sent:
/// unbounded label values would exhaust Prometheus) and the statements it ran.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let statements = StatementCounter::new();
    let response = statements.clone().scope(next.run(request)).await;
    metrics::counter!(
        HTTP_REQUESTS,
        "route" => route.clone(),
        "method" => method,
        "status" => response.status().as_u16().to_string(),
    )
    .increment(1);
    metrics::histogram!(SQL_STATEMENTS, "route" => route).record(statements.count() as f64);
    response
}

/// The method, from a fixed set (clients may send any token).
fn method_label(method: &axum::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        _ => "other",
    }
}
