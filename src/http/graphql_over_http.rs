//! GraphQL over HTTP around any async-graphql [`Executor`], as the spec
//! (<https://graphql.github.io/graphql-over-http/draft/>) and the `graphql-http`
//! audit in `tools/graphql-http-audit` check it.
//!
//! Why not `async-graphql-axum`: its handler answers every request as
//! `application/graphql-response+json` with status 200 whatever the `Accept`
//! header says, reads `operation_name` instead of `operationName` from a GET
//! query string, executes mutations over GET, reads a POST without
//! `Content-Type` as JSON, and answers a malformed body with a plain-text debug
//! dump.
//!
//! What a client gets:
//!
//! | request | `application/graphql-response+json` | `application/json` |
//! |---|---|---|
//! | executed (data present, even `null`, even with field errors) | 200 | 200 |
//! | request error: document does not parse or validate, variables do not coerce (a required one missing or `null` included), operation not found, a string input holds U+0000 | 400, no `data` | 200, no `data` |
//! | request error about a persisted document (`PERSISTED_QUERY_NOT_FOUND`, `PERSISTED_QUERY_NOT_ALLOWED`, a malformed hash or `documentId`; see `crate::http::persisted`) | 400, no `data` | 200, no `data` |
//! | request error carrying `extensions.code` `UNAUTHENTICATED` / `FORBIDDEN` | 401 / 403 | 200 |
//! | request error `QUERY_TOO_COMPLEX` (see `super::budget`) | 400, no `data` | 200, no `data` |
//! | over the client's budget: `RATE_LIMITED` (see `super::budget`) | 429 + `Retry-After`, no `data` | 429 + `Retry-After`, no `data` |
//! | too many executions at once: `SERVICE_BUSY` (see `super::budget`) | 503 + `Retry-After`, no `data` | 503 + `Retry-After`, no `data` |
//! | not a well-formed request: bad JSON, `query` missing or not a string, `variables`/`extensions` not objects, `operationName` not a string, a batch array | 400 | 400 |
//! | POST without `Content-Type: application/json` (UTF-8) | 415 | 415 |
//! | a mutation over GET; a method other than GET/POST | 405 + `Allow` | 405 + `Allow` |
//! | `Accept` names neither type | 406 | 406 |
//!
//! Rejections made here, before the executor runs, carry a `{"errors":[…]}` body
//! typed `application/json`: the spec forbids the GraphQL response type when no
//! GraphQL response was produced.
//!
//! Every error carries `extensions.code`: rejections get one from their status
//! (`BAD_REQUEST`, `METHOD_NOT_ALLOWED`, `NOT_ACCEPTABLE`, `UNSUPPORTED_MEDIA_TYPE`,
//! `PAYLOAD_TOO_LARGE`), and errors async-graphql leaves bare get one in `codes`.
//! Every response says `Vary: Accept, Authorization`; only error-free anonymous GETs
//! may be cached publicly (`crate::http::public_cache`), and errors say `no-store`.
//!
//! Newer drafts of the spec suggest 422 for validation and coercion failures and
//! 294 for partial success; `graphql-http` 1.23 still audits 400 and 200, and
//! so do we until the audit moves.

pub(crate) mod codes;
pub mod multipart;
mod negotiation;
/// Also for the WebSocket transport (`super::ws`).
pub(crate) mod nul;
mod params;
#[cfg(test)]
mod tests;
mod variables;

use async_graphql::{
    Executor, Positioned, ServerError, Value,
    parser::types::{DocumentOperations, OperationType, VariableDefinition},
};
use axum::{
    body::Body,
    extract::Request,
    http::{
        HeaderValue, Method, StatusCode,
        header::{ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, VARY, WWW_AUTHENTICATE},
    },
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::monitoring::graphql::Observation;
use graphql::ErrorCode;
use negotiation::ResponseMediaType;

use super::{
    budget::{Admission, Refusal},
    persisted::{DocumentPolicy, Unresolved},
    public_cache,
};

/// Answers one GraphQL-over-HTTP request with `executor`.
///
/// Mount it for every method on the GraphQL path (`any(…)`) so that other
/// methods get its 405 with a GraphQL-shaped body; with `get(…).post(…)` axum
/// answers them itself, also correctly. `prepare` receives each well-formed
/// request before it is checked further and executed, to attach per-request
/// data such as the actor (`|request| Ok(request.data(actor))`), or to refuse it with a request
/// error (e.g. `UNAUTHENTICATED`, answered 401 to `application/graphql-response+json` clients)
/// so that nothing is executed.
pub async fn serve<E: Executor>(
    executor: &E,
    request: Request,
    prepare: impl FnOnce(async_graphql::Request) -> Result<async_graphql::Request, ServerError>,
) -> Response {
    serve_with(
        executor,
        request,
        &DocumentPolicy::default(),
        false,
        prepare,
        async |_: &mut async_graphql::Request| Ok(Admission::unmetered()),
    )
    .await
}

/// Like [`serve`], with persisted documents, the introspection switch and public caching as
/// `policy` says (`authenticated` tells whether the caller presented a valid token), and with
/// `admit` deciding — after the request is well-formed and allowed over its method, before it
/// executes — whether it may run (see [`super::budget`]: cost, budget, load shedding). What it
/// admits reports `extensions.cost` in the response.
pub async fn serve_with<E: Executor>(
    executor: &E,
    request: Request,
    policy: &DocumentPolicy,
    authenticated: bool,
    prepare: impl FnOnce(async_graphql::Request) -> Result<async_graphql::Request, ServerError>,
    admit: impl AsyncFnOnce(&mut async_graphql::Request) -> Result<Admission, Refusal>,
) -> Response {
    let mut observation = Observation::start();
    match handle(
        executor,
        request,
        policy,
        authenticated,
        prepare,
        admit,
        &mut observation,
    )
    .await
    {
        Ok(response) => response,
        Err(rejection) => {
            observation.set_code(rejection_code(rejection.status).as_str());
            rejection.into_response()
        }
    }
}

async fn handle<E: Executor>(
    executor: &E,
    request: Request,
    policy: &DocumentPolicy,
    authenticated: bool,
    prepare: impl FnOnce(async_graphql::Request) -> Result<async_graphql::Request, ServerError>,
    admit: impl AsyncFnOnce(&mut async_graphql::Request) -> Result<Admission, Refusal>,
    observation: &mut Observation,
) -> Result<Response, Rejection> {
    let is_get = match *request.method() {
        Method::GET => true,
        Method::POST => false,
        _ => {
            return Err(Rejection::method_not_allowed(
                "GraphQL requests use GET (queries only) or POST",
            ));
        }
    };
    let media_type = negotiation::negotiate(request.headers()).ok_or_else(|| Rejection {
        status: StatusCode::NOT_ACCEPTABLE,
        message: "the Accept header allows neither application/graphql-response+json \
                  nor application/json"
            .into(),
    })?;
    let has_authorization = request.headers().contains_key(AUTHORIZATION);

    let mut uploads = Vec::new();
    let mut params = if is_get {
        params::from_query_string(request.uri())?
    } else if negotiation::is_json_content_type(request.headers().get(CONTENT_TYPE)) {
        params::from_json_body(request).await?
    } else if multipart::is_multipart(request.headers().get(CONTENT_TYPE)) {
        let limit = request
            .extensions()
            .get::<multipart::UploadLimit>()
            .copied();
        let (params, files) = multipart::receive(request, limit).await?;
        uploads = files;
        params
    } else {
        return Err(Rejection {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "POST bodies must be sent as Content-Type: application/json (UTF-8)".into(),
        });
    };

    // ---- Persisted documents (H5, src/http/persisted.rs) ----
    // Resolved before the GET-mutation check below, so that a stored mutation is refused over
    // GET exactly like one sent in full.
    let resolved = match policy.resolve(
        params.query.take(),
        params.extensions.as_ref(),
        params.document_id.as_deref(),
        authenticated,
    ) {
        Ok(resolved) => resolved,
        Err(Unresolved::Missing) => {
            return Err(Rejection::bad_request("the `query` parameter is required"));
        }
        Err(Unresolved::Refused(error)) => {
            let response = async_graphql::Response::from_errors(vec![error]);
            return Ok(graphql_response(observation, media_type, response, None));
        }
    };
    // Metrics label operations by name only for the manifest's documents (src/monitoring).
    let trusted = policy.is_trusted_document(&resolved.query);
    let register = resolved.register.map(|hash| (hash, resolved.query.clone()));
    let mut graphql_request = params.into_request(resolved.query)?;
    // The upload placeholders stay in the variables; the files go back in their order.
    graphql_request.uploads = uploads;
    // ---- end of persisted documents ----

    // Checked after `prepare`, which may rewrite the query.
    let mut graphql_request = match prepare(graphql_request) {
        Ok(graphql_request) => graphql_request,
        Err(error) => {
            let response = async_graphql::Response::from_errors(vec![error]);
            return Ok(graphql_response(observation, media_type, response, None));
        }
    };
    if let Some((operation_type, name, variable_definitions)) =
        selected_operation(&mut graphql_request)
    {
        observation.set_type(operation_type);
        if trusted {
            observation.set_trusted_name(name.as_deref().unwrap_or("anonymous"));
        }
        if is_get && operation_type == OperationType::Mutation {
            return Err(Rejection::method_not_allowed(
                "mutations cannot be sent with GET; use POST",
            ));
        }
        if let Err(error) = variables::check(&variable_definitions, &graphql_request.variables) {
            let mut response = async_graphql::Response::from_errors(vec![error]);
            codes::fill(&mut response.errors, false);
            return Ok(graphql_response(observation, media_type, response, None));
        }
    }

    // ---- Introspection switch (src/http/introspection.rs) and U+0000 in inputs ----
    let variables = graphql_request.variables.clone();
    let parse_failed = match graphql_request.parsed_query() {
        Ok(document) => {
            let checked = policy
                .introspection
                .check(document, authenticated)
                .and_then(|()| nul::check(document, &variables));
            if let Err(error) = checked {
                let response = async_graphql::Response::from_errors(vec![error]);
                return Ok(graphql_response(observation, media_type, response, None));
            }
            false
        }
        Err(_) => true,
    };
    if !policy.introspection.allows(authenticated) {
        graphql_request = graphql_request.disable_introspection();
    }
    // ---- end of introspection switch and U+0000 check ----

    // Cost, budget and load shedding (src/http/budget): refused here, before execution.
    let admission = match admit(&mut graphql_request).await {
        Ok(admission) => admission,
        Err(refusal) => {
            return Ok(refusal.into_response(|mut response| {
                codes::fill(&mut response.errors, parse_failed);
                graphql_response(observation, media_type, response, None)
            }));
        }
    };
    let mut response = {
        use tracing::Instrument;
        executor
            .execute(graphql_request)
            .instrument(tracing::info_span!(
                "graphql execute",
                otel.name = %observation.span_name()
            ))
            .await
    };
    if let Some((hash, query)) = register
        && !is_request_error(&response)
    {
        policy.register(hash, &query);
    }
    codes::fill(&mut response.errors, parse_failed);
    // Public caching (src/http/public_cache.rs): a body that shared caches may store reports
    // only the request's own cost, never the client's remaining budget.
    let max_age =
        public_cache::is_cacheable(is_get, has_authorization, &response, policy.public_max_age)
            .then_some(policy.public_max_age);
    if max_age.is_some() {
        admission.report_shared(&mut response);
        public_cache::strip_per_client(&mut response);
    } else {
        admission.report(&mut response);
    }
    Ok(graphql_response(observation, media_type, response, max_age))
}

/// The type and variable definitions of the operation the request selects
/// (by `operationName` when given), as GraphQL's `GetOperation()` picks it.
///
/// `None` when the document does not parse or names no operation we can find:
/// the executor then answers with a request error without executing anything.
/// Parsing here costs nothing extra: the document stays in the request and the
/// executor does not parse it again.
fn selected_operation(
    request: &mut async_graphql::Request,
) -> Option<(
    OperationType,
    Option<String>,
    Vec<Positioned<VariableDefinition>>,
)> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let (name, operation) = match (&document.operations, operation_name.as_deref()) {
        (DocumentOperations::Single(operation), None) => Some((None, operation)),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, operation)| (Some(name), operation)),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get_key_value(name)
            .map(|(name, operation)| (Some(name), operation)),
        _ => None,
    }?;
    Some((
        operation.node.ty,
        name.map(|name| name.to_string()),
        operation.node.variable_definitions.clone(),
    ))
}

/// Whether the executor stopped before executing: a parse, validation, variable
/// or operation-selection error.
///
/// The [`Executor`] trait does not say so directly, but async-graphql reports
/// those with `data: null` and errors that have no `path`, while every error
/// raised during execution belongs to a field and carries its path. A response
/// whose `data` is `null` because a non-null root field failed therefore still
/// counts as executed, as the spec wants.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// Status for a request error under `application/graphql-response+json`: 400,
/// unless an error says the client may not make the request (the error codes of
/// `crates/graphql/src/error.rs`), which the spec wants as 401/403.
fn request_error_status(errors: &[async_graphql::ServerError]) -> StatusCode {
    let has_code = |wanted: &str| {
        errors.iter().any(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .is_some_and(|code| matches!(code, Value::String(code) if code == wanted))
        })
    };
    if has_code("UNAUTHENTICATED") {
        StatusCode::UNAUTHORIZED
    } else if has_code("FORBIDDEN") {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::BAD_REQUEST
    }
}

/// The body of a request error: the GraphQL spec says `data` must be absent
/// when execution never started, and async-graphql would write `"data": null`.
#[derive(Serialize)]
struct RequestErrorBody<'a> {
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, Value>,
}

/// Turns the executor's response into HTTP, in the negotiated media type; `public_max_age` is
/// set when shared caches may store it (see [`public_cache::is_cacheable`]).
fn graphql_response(
    observation: &mut Observation,
    media_type: ResponseMediaType,
    response: async_graphql::Response,
    public_max_age: Option<u32>,
) -> Response {
    observation.set_errors(&response.errors);
    let request_error = is_request_error(&response);
    let status = match media_type {
        ResponseMediaType::GraphQLResponseJson if request_error => {
            request_error_status(&response.errors)
        }
        _ => StatusCode::OK,
    };
    let body = if request_error {
        serde_json::to_vec(&RequestErrorBody {
            errors: &response.errors,
            extensions: &response.extensions,
        })
    } else {
        serde_json::to_vec(&response)
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a GraphQL response");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };

    // Headers set by resolvers first, so that ours win where they overlap.
    let mut headers = response.http_headers;
    headers.insert(CONTENT_TYPE, media_type.content_type());
    // The media type, and so the status, depends on Accept, and the answer on who asks: caches
    // must know.
    headers.append(VARY, HeaderValue::from_static("Accept"));
    headers.append(VARY, HeaderValue::from_static("Authorization"));
    if let Some(max_age) = public_max_age
        && let Ok(cache_control) = HeaderValue::from_str(&public_cache::cache_control(max_age))
    {
        headers.insert(CACHE_CONTROL, cache_control);
    } else if !response.errors.is_empty() {
        // Never keep an error: a persisted-query miss cached by a CDN would outlive the
        // registration that follows it.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if let Some(cache_control) = response.cache_control.value()
        && let Ok(cache_control) = HeaderValue::from_str(&cache_control)
    {
        headers.entry(CACHE_CONTROL).or_insert(cache_control);
    }
    if status == StatusCode::UNAUTHORIZED {
        // RFC 9110 requires a challenge with 401; the API takes bearer tokens.
        headers
            .entry(WWW_AUTHENTICATE)
            .or_insert(HeaderValue::from_static("Bearer"));
    }

    let mut http_response = Response::new(Body::from(body));
    *http_response.status_mut() = status;
    *http_response.headers_mut() = headers;
    http_response
}

/// A request refused before it reached the executor.
#[derive(Debug)]
struct Rejection {
    status: StatusCode,
    message: String,
}

impl Rejection {
    /// A request that is not a well-formed GraphQL-over-HTTP request.
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// Wrong method (RFC 9110 then requires an `Allow` header, added when the
    /// response is built).
    fn method_not_allowed(message: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: message.into(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        tracing::debug!(status = %self.status, message = %self.message, "GraphQL-over-HTTP request rejected");
        let code = rejection_code(self.status).as_str();
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": { "code": code } }]
        })
        .to_string();
        let mut response = (
            self.status,
            [(CONTENT_TYPE, ResponseMediaType::Json.content_type())],
            body,
        )
            .into_response();
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, POST"));
        }
        response
    }
}

/// The `extensions.code` of a transport-level refusal, from its status.
fn rejection_code(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::NOT_ACCEPTABLE => ErrorCode::NotAcceptable,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        _ => ErrorCode::BadRequest,
    }
}
