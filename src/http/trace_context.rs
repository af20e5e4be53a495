//! Which trace a request belongs to, and which trace context its writes store with their
//! outbox events (`domain::trace_context`).
//!
//! A client's W3C `traceparent` is believed only from a trusted proxy (`XIESHANG_TRUSTED_PROXIES`)
//! or a caller whose token verifies ([`crate::auth::authenticates`]): anyone else could graft
//! their requests, and the webhooks they cause, onto another party's trace. Two middlewares
//! share the work because the request span must learn its parent before it starts:
//! [`accept`] runs outside the trace layer and marks the request with the [`Accepted`]
//! context, the layer's span constructor makes it the span's parent, and [`record`] runs
//! inside the span and scopes the request to the context events should store: the request
//! span's own when spans are exported, otherwise the accepted one.

use std::{net::IpAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use domain::trace_context::TraceParent;

use crate::app::AppState;

/// A `traceparent` the request may continue (see the module doc).
#[derive(Clone, Debug)]
pub(crate) struct Accepted(pub(crate) TraceParent);

/// What [`accept`] needs: the verifier (in the state) and whose headers to believe.
#[derive(Clone)]
pub(crate) struct TraceTrust {
    pub(crate) state: AppState,
    pub(crate) trusted_proxies: Arc<Vec<IpAddr>>,
}

/// Marks the request with its well-formed `traceparent` when its sender may be believed.
/// A malformed or unbelieved header is ignored: it never fails a request.
pub(crate) async fn accept(
    State(trust): State<TraceTrust>,
    mut request: Request,
    next: Next,
) -> Response {
    let parent = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(TraceParent::parse);
    if let Some(parent) = parent {
        let from_proxy = request
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .is_some_and(|ConnectInfo(peer)| {
                let peer = peer.ip().to_canonical();
                trust
                    .trusted_proxies
                    .iter()
                    .any(|proxy| proxy.to_canonical() == peer)
            });
        if from_proxy || crate::auth::authenticates(trust.state.verifier(), request.headers()).await
        {
            request.extensions_mut().insert(Accepted(parent));
        }
    }
    next.run(request).await
}

/// Runs the request with the trace context its outbox events store.
pub(crate) async fn record(request: Request, next: Next) -> Response {
    let parent = domain::trace_context::of_span(&tracing::Span::current()).or_else(|| {
        request
            .extensions()
            .get::<Accepted>()
            .map(|Accepted(parent)| parent.clone())
    });
    domain::trace_context::scope(parent, next.run(request)).await
}
