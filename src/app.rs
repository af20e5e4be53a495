//! The application state and the HTTP router, built once and shared by every request.

use std::{
    net::{IpAddr, SocketAddr},
    sync::{Arc, OnceLock},
    time::Duration,
};

use axum::{
    Extension, Router,
    extract::{ConnectInfo, Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use domain::{
    Db,
    feed::{EventFeed, FeedOptions},
    service_tokens::DenyList,
};
use graphql::AppSchema;
use sea_orm::ConnectionTrait;
use tokio::sync::watch;
use tower_http::{
    cors::{AllowOrigin, Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{
    auth::{self, Secret, Verifier},
    client::{RateLimiter, client_address},
    export,
    http::{
        budget::{BudgetOptions, Budgets, ClientKey},
        graphiql, graphql_over_http, health,
        introspection::Introspection,
        persisted::{DocumentPolicy, PersistedOptions},
        trace_context, ws,
    },
};

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    schema: AppSchema,
    sdl: String,
    verifier: Verifier,
    quotas: domain::statistics::Quotas,
    /// Started on first use (see [`AppState::start_feed`]), so that in-process tests that
    /// never subscribe do not run its loop.
    feed: OnceLock<EventFeed>,
    /// Flips to true when the server shuts down: open WebSockets close with 1001.
    shutdown: watch::Sender<bool>,
    /// How many WebSockets are open.
    sockets: watch::Sender<usize>,
    /// Ticked by the event pump and the dispatcher; read by `/readyz`.
    heartbeats: domain::health::Heartbeats,
}

/// How old the event pump's and the dispatcher's heartbeats may be before `/readyz` fails,
/// unless `XIESHANG_READY_HEARTBEAT_SECS` says otherwise. Both loops tick at least every
/// second or so when idle.
pub const DEFAULT_READY_HEARTBEAT_MAX_AGE: Duration = Duration::from_secs(30);

/// How often every process reloads the revoked service tokens even without a notification
/// (a lost PostgreSQL `NOTIFY`, a revocation written by another tool).
const DENY_LIST_REFRESH: Duration = Duration::from_secs(30);

/// Router-level settings.
#[derive(Clone, Debug)]
pub struct RouterOptions {
    /// Origins allowed by CORS (`*` for any); empty means same-origin only.
    pub cors_origins: Vec<String>,
    /// Longest time a request may run.
    pub request_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Public topics (`submitPublicTopic`) one client address may submit per hour.
    pub public_topics_per_hour: u32,
    /// Limits of GraphQL WebSockets (`/graphql/ws`).
    pub websocket: ws::WebSocketLimits,
    /// Cost limit, budgets per client and load shedding ([`BudgetOptions::off`] for none).
    pub budgets: BudgetOptions,
    /// Who may introspect the schema (`XIESHANG_INTROSPECTION`); GraphiQL and
    /// `/schema.graphql` follow it.
    pub introspection: Introspection,
    /// The APQ store's bounds and the trusted-documents manifest.
    pub persisted: PersistedOptions,
    /// `max-age` of anonymous GET responses that shared caches may store; 0 for none.
    pub public_cache_max_age: u32,
    /// How old the event pump's and the dispatcher's heartbeats may be before `/readyz`
    /// fails (`XIESHANG_READY_HEARTBEAT_SECS`).
    pub ready_heartbeat_max_age: Duration,
    /// The largest file `importRecords` accepts (`XIESHANG_UPLOAD_MAX_BYTES`).
    pub upload_max_bytes: u64,
    /// What an import reads at most (`XIESHANG_IMPORT_MAX_ROWS`, …).
    pub import_limits: records::Limits,
}

impl Default for RouterOptions {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            public_topics_per_hour: 5,
            websocket: ws::WebSocketLimits::default(),
            budgets: BudgetOptions::default(),
            introspection: Introspection::On,
            persisted: PersistedOptions::default(),
            public_cache_max_age: 60,
            ready_heartbeat_max_age: DEFAULT_READY_HEARTBEAT_MAX_AGE,
            upload_max_bytes: 20 * 1024 * 1024,
            import_limits: records::Limits::default(),
        }
    }
}

impl AppState {
    /// Builds the schema over `db`; bearer tokens are verified with `secret`.
    pub fn new(db: Db, secret: Secret) -> Self {
        Self::with_quotas(db, secret, domain::statistics::Quotas::default())
    }

    /// Like [`AppState::new`], with the quotas statistics measure compliance against.
    pub fn with_quotas(db: Db, secret: Secret, quotas: domain::statistics::Quotas) -> Self {
        Self::with_services(db, secret, quotas, graphql::Services::default())
    }

    /// Like [`AppState::with_quotas`], with the notification adapters and the private-target
    /// setting the notification mutations use (the default records messages in memory and
    /// refuses internal targets).
    pub fn with_services(
        db: Db,
        verifier: impl Into<Verifier>,
        quotas: domain::statistics::Quotas,
        services: graphql::Services,
    ) -> Self {
        // Shared with the schema, so that `revokeServiceToken` takes effect in this process at
        // once; other processes reload theirs when notified.
        let revoked = DenyList::new(db.clone(), DENY_LIST_REFRESH);
        let schema = graphql::schema()
            .data(db.clone())
            .data(quotas)
            .data(services)
            .data(revoked.clone())
            .finish();
        Self {
            inner: Arc::new(Inner {
                db,
                schema,
                sdl: graphql::sdl(),
                verifier: verifier.into().with_deny_list(revoked),
                quotas,
                feed: OnceLock::new(),
                shutdown: watch::Sender::new(false),
                sockets: watch::Sender::new(0),
                heartbeats: domain::health::Heartbeats::default(),
            }),
        }
    }

    /// The database handle.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Loads what the first authenticated request would otherwise load (the revoked service
    /// tokens), so that it is neither charged to that request nor delayed by it.
    pub async fn preload(&self) -> Result<(), domain::DomainError> {
        self.inner.verifier.preload().await
    }

    /// How bearer tokens are verified.
    pub(crate) fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The quotas statistics measure compliance against.
    pub(crate) fn quotas(&self) -> domain::statistics::Quotas {
        self.inner.quotas
    }

    /// The schema, for transports other than GraphQL over HTTP.
    pub(crate) fn schema(&self) -> &AppSchema {
        &self.inner.schema
    }

    /// Starts the process's event feed with `options`, unless it is already running; returns
    /// it either way. `serve` calls this at start-up with the configured retention. The feed
    /// ticks this state's pump heartbeat (whatever `options.heartbeat` says).
    pub fn start_feed(&self, options: FeedOptions) -> EventFeed {
        let options = FeedOptions {
            heartbeat: self.inner.heartbeats.pump.clone(),
            ..options
        };
        self.inner
            .feed
            .get_or_init(|| EventFeed::start(self.inner.db.clone(), options))
            .clone()
    }

    /// The background loops' heartbeats: pass `dispatcher` to the dispatcher's options.
    pub fn heartbeats(&self) -> &domain::health::Heartbeats {
        &self.inner.heartbeats
    }

    /// The event feed (subscriptions, dispatcher), started with default options on first use.
    pub fn feed(&self) -> EventFeed {
        self.start_feed(FeedOptions::default())
    }

    /// Stops the event feed if it runs; open subscriptions then end.
    pub fn stop_feed(&self) {
        if let Some(feed) = self.inner.feed.get() {
            feed.shutdown();
        }
    }

    /// Tells every open WebSocket to close with 1001 (going away). The HTTP server drains
    /// ordinary requests itself but not upgraded connections.
    pub fn begin_shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// A receiver that turns true when the server begins to shut down.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Counts a WebSocket as open until the returned guard is dropped.
    pub(crate) fn socket_opened(&self) -> SocketGuard {
        self.inner.sockets.send_modify(|open| *open += 1);
        metrics::gauge!(crate::monitoring::WEBSOCKETS).increment(1.0);
        SocketGuard(self.clone())
    }

    /// Waits until every WebSocket has closed, or `timeout`; true when all did.
    pub async fn websockets_closed(&self, timeout: Duration) -> bool {
        let mut open = self.inner.sockets.subscribe();
        tokio::time::timeout(timeout, open.wait_for(|open| *open == 0))
            .await
            .is_ok_and(|closed| closed.is_ok())
    }
}

/// Keeps a WebSocket counted as open (see [`AppState::websockets_closed`]).
pub(crate) struct SocketGuard(AppState);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.0
            .inner
            .sockets
            .send_modify(|open| *open = open.saturating_sub(1));
        metrics::gauge!(crate::monitoring::WEBSOCKETS).decrement(1.0);
    }
}

/// The production router; tests call it in-process.
pub fn router(state: AppState, options: &RouterOptions) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // Shared by `/graphql` and `/graphql/ws`: one budget per client, one policy, whatever the
    // transport.
    let budgets = Arc::new(Budgets::new(&options.budgets));
    let documents = Arc::new(DocumentPolicy::new(
        options.persisted.clone(),
        options.introspection,
        options.public_cache_max_age,
    ));
    let routes = Router::new()
        // Every method, so that others get the GraphQL-over-HTTP 405 with a typed body.
        .route("/graphql", any(graphql_endpoint))
        .route("/graphql/ws", get(ws::subscriptions))
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(healthz))
        .route("/livez", get(health::livez))
        .route("/readyz", get(health::readyz))
        .route("/export/statistics.csv", get(export::statistics_csv))
        .route("/export/statistics.xlsx", get(export::statistics_xlsx))
        .route("/export/audit.csv", get(crate::audit_export::audit_csv))
        .route("/export/{file}", get(crate::records_export::records_xlsx))
        .route(
            "/export/templates/{file}",
            get(crate::records_export::template_xlsx),
        );
    // GraphiQL needs introspection: without it for anyone, the page is not served (404).
    let routes = if options.introspection.serves_graphiql() {
        routes.merge(graphiql::routes())
    } else {
        routes
    };
    routes
        .with_state(state.clone())
        .layer(Extension(Arc::clone(&documents)))
        .layer(Extension(Arc::new(PublicSubmissions {
            limiter: RateLimiter::with_capacity(
                options.public_topics_per_hour,
                Duration::from_secs(3600),
                options.budgets.tracked_clients,
            ),
            trusted_proxies: options.trusted_proxies.clone(),
        })))
        .layer(Extension(Arc::new(ws::WebSocketSettings {
            limits: options.websocket.clone(),
            sockets: Arc::default(),
            trusted_proxies: options.trusted_proxies.clone(),
            request_timeout: options.request_timeout,
            budgets: Arc::clone(&budgets),
            documents,
        })))
        .layer(Extension(budgets))
        .layer(Extension(graphql_over_http::multipart::UploadLimit(
            options.upload_max_bytes,
        )))
        .layer(Extension(options.import_limits.clone()))
        .layer(Extension(health::Readiness {
            heartbeat_max_age: options.ready_heartbeat_max_age,
        }))
        // Inside the timeout layer's caller: sees the 408s it answers.
        .layer(axum::middleware::from_fn(crate::monitoring::http::track))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        .layer(cors(&options.cors_origins))
        // Inside the request span: the trace context the request's events store.
        .layer(axum::middleware::from_fn(trace_context::record))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("-");
                    // The path only: query strings carry GET variables (search terms, names) and
                    // persisted-query hashes, which stay out of the logs.
                    // `otel.name` is the span's name in OpenTelemetry (`POST /graphql`); the
                    // GraphQL operation's type and trusted name are recorded once known
                    // (src/monitoring/graphql.rs), and its execution is a child span named
                    // after it.
                    let span = tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %id,
                        trace_id = tracing::field::Empty,
                        otel.name = %format!("{} {}", request.method(), request.uri().path()),
                        graphql.operation.type = tracing::field::Empty,
                        graphql.operation.name = tracing::field::Empty,
                    );
                    if let Some(trace_context::Accepted(parent)) = request.extensions().get() {
                        domain::trace_context::continue_from(&span, parent);
                    }
                    crate::telemetry::record_trace_id(&span);
                    span
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        // Outside the request span, which must know its parent before it starts.
        .layer(axum::middleware::from_fn_with_state(
            trace_context::TraceTrust {
                state: state.clone(),
                trusted_proxies: Arc::new(options.trusted_proxies.clone()),
            },
            trace_context::accept,
        ))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// `GET`/`POST /graphql`, per the GraphQL-over-HTTP spec. Without an `Authorization` header the
/// caller is anonymous; with one that does not authenticate, the request is refused with an
/// `UNAUTHENTICATED` request error and nothing is executed.
async fn graphql_endpoint(
    State(state): State<AppState>,
    Extension(public): Extension<Arc<PublicSubmissions>>,
    Extension(budgets): Extension<Arc<Budgets>>,
    Extension(documents): Extension<Arc<DocumentPolicy>>,
    Extension(import_limits): Extension<records::Limits>,
    request: Request,
) -> Response {
    let actor = auth::actor(state.db(), state.verifier(), request.headers()).await;
    let authenticated = actor
        .as_ref()
        .is_ok_and(|actor| actor.principal().is_some());
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let client = client_address(peer, request.headers(), &public.trusted_proxies);
    // Whose cost budget the request spends (src/http/budget.rs).
    let budget_key = ClientKey::of(actor.as_ref().ok(), client);
    let request_info = request_info(request.headers(), client);
    let gate = graphql::PublicSubmissionGate(Arc::new(move || public.limiter.admit(client)));
    let reads = graphql::ContactReads::default();
    let reader = actor.as_ref().ok().cloned();
    let mut operation_name = None;
    // Persisted documents, the introspection switch and public caching (`documents`); cost,
    // budgets and load shedding (`budgets`).
    let response = graphql_over_http::serve_with(
        &state.inner.schema,
        request,
        &documents,
        authenticated,
        |graphql_request| {
            operation_name.clone_from(&graphql_request.operation_name);
            actor.map(|actor| {
                graphql::request_data(graphql_request, state.db(), actor, reads.clone())
                    .data(gate)
                    .data(request_info.clone())
                    .data(import_limits)
            })
        },
        async |graphql_request: &mut async_graphql::Request| {
            budgets.admit(&budget_key, graphql_request).await
        },
    )
    .await;
    if let Some(reader) = reader {
        reads
            .record(
                state.db(),
                &reader,
                &request_info,
                operation_name.as_deref(),
            )
            .await;
    }
    response
}

/// What the audit log records of where a request came from: its `x-request-id` (set by the
/// request-id layer when the client sent none) and the client's address.
pub(crate) fn request_info(
    headers: &axum::http::HeaderMap,
    client: Option<IpAddr>,
) -> domain::audit::RequestInfo {
    domain::audit::RequestInfo {
        request_id: headers
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .map(|id| id.chars().take(200).collect()),
        client_address: client.map(|address| address.to_string()),
    }
}

/// The per-client budget of public submissions and whose forwarding headers to believe.
pub(crate) struct PublicSubmissions {
    limiter: RateLimiter,
    /// Whose `X-Forwarded-For` to believe (also for the exports' budget key).
    pub(crate) trusted_proxies: Vec<IpAddr>,
}

impl PublicSubmissions {
    /// The gate `submitPublicTopic` asks, for a client at `peer` (as seen through trusted
    /// proxies' forwarding headers).
    pub(crate) fn gate(
        self: &Arc<Self>,
        peer: Option<IpAddr>,
        headers: &axum::http::HeaderMap,
    ) -> graphql::PublicSubmissionGate {
        let client = client_address(peer, headers, &self.trusted_proxies);
        let public = Arc::clone(self);
        graphql::PublicSubmissionGate(Arc::new(move || public.limiter.admit(client)))
    }
}

/// `GET /schema.graphql`: the SDL frontend tooling generates types from. It follows
/// `XIESHANG_INTROSPECTION`: 404 when introspection is off, 401 without a valid bearer token
/// when it is for authenticated callers only.
async fn schema_sdl(
    State(state): State<AppState>,
    Extension(documents): Extension<Arc<DocumentPolicy>>,
    headers: header::HeaderMap,
) -> Response {
    match documents.introspection {
        Introspection::On => {}
        Introspection::Off => return StatusCode::NOT_FOUND.into_response(),
        Introspection::Authenticated => {
            let actor = auth::actor(state.db(), state.verifier(), &headers).await;
            if !actor.is_ok_and(|actor| actor.principal().is_some()) {
                return (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    "the schema is available to authenticated callers only\n",
                )
                    .into_response();
            }
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.inner.sdl.clone(),
    )
        .into_response()
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db().reader().execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            HeaderName::from_static(graphql_over_http::multipart::UPLOAD_HEADER),
        ])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|origin| origin == "*") {
        layer.allow_origin(Any)
    } else {
        let allowed: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(allowed))
    }
}
