//! How operations sent over a WebSocket are admitted and run: under the same rules as on
//! `/graphql`.
//!
//! An upgraded socket escapes the HTTP layer, so [`SocketExecutor`] applies here what
//! `graphql_over_http` applies there: trusted documents for anonymous callers, the
//! introspection switch, the refusal of U+0000 in
//! inputs, the cost limit and the caller's budget (`super::super::budget`), the request timeout
//! and the codes of errors async-graphql leaves bare. Queries and mutations also hold an
//! execution slot while they run and are cut off after the request timeout; subscriptions are
//! priced and charged once, when they start, and then live as long as the socket.

use std::{
    net::IpAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use async_graphql::{
    Data, Executor, Request, Response,
    futures_util::stream::BoxStream,
    parser::types::{DocumentOperations, OperationType},
};
use domain::{Actor, Db, audit::RequestInfo};
use futures_util::StreamExt;
use graphql::{AppSchema, ErrorCode};

use crate::http::{
    budget::{Budgets, ClientKey},
    graphql_over_http::{codes, nul},
    persisted::DocumentPolicy,
};

/// The schema, as one socket's operations reach it.
#[derive(Clone)]
pub(crate) struct SocketExecutor {
    schema: AppSchema,
    timeout: Duration,
    budgets: Arc<Budgets>,
    documents: Arc<DocumentPolicy>,
    client: Option<IpAddr>,
    /// The caller, once `connection_init` has authenticated the socket.
    caller: Arc<OnceLock<Actor>>,
    /// Where the operations' contact-data reads are recorded (`readContactData` audit rows),
    /// and the socket's request id and client address for them.
    reads: ReadsLog,
}

/// Where a socket's contact-data reads are recorded.
#[derive(Clone)]
pub(crate) struct ReadsLog {
    /// The database of the audit log.
    pub(crate) db: Db,
    /// The socket's request id and client address.
    pub(crate) request: RequestInfo,
}

impl SocketExecutor {
    pub(crate) fn new(
        schema: AppSchema,
        timeout: Duration,
        budgets: Arc<Budgets>,
        documents: Arc<DocumentPolicy>,
        client: Option<IpAddr>,
        reads: ReadsLog,
    ) -> Self {
        Self {
            schema,
            timeout,
            budgets,
            documents,
            client,
            caller: Arc::default(),
            reads,
        }
    }

    /// Where `connection_init` records the socket's caller.
    pub(crate) fn caller(&self) -> Arc<OnceLock<Actor>> {
        Arc::clone(&self.caller)
    }

    /// Checks, prices and runs one operation.
    async fn run(
        self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let actor = self.caller.get();
        let authenticated = actor.is_some_and(|actor| actor.principal().is_some());
        if !self
            .documents
            .allows_document(&request.query, authenticated)
        {
            return single(Response::from_errors(vec![
                DocumentPolicy::not_allowed_error(),
            ]));
        }
        let introspection = self.documents.introspection;
        let variables = request.variables.clone();
        let parse_failed = match request.parsed_query() {
            Ok(document) => {
                let checked = introspection
                    .check(document, authenticated)
                    .and_then(|()| nul::check(document, &variables));
                if let Err(error) = checked {
                    return single(Response::from_errors(vec![error]));
                }
                false
            }
            Err(_) => true,
        };
        if !introspection.allows(authenticated) {
            request = request.disable_introspection();
        }
        let is_subscription = operation_type(&mut request) == Some(OperationType::Subscription);
        let key = ClientKey::of(actor, self.client);
        let admission = match self.budgets.admit(&key, &mut request).await {
            Ok(admission) => admission,
            Err(refusal) => return single(with_codes(refusal.response, parse_failed)),
        };
        // Each operation notes its own contact-data reads (request data shadows the socket's).
        let reads = graphql::ContactReads::default();
        let request = request.data(reads.clone());
        let read_audit = ReadAudit {
            reads,
            reader: actor.cloned(),
            operation_name: request.operation_name.clone(),
            log: self.reads.clone(),
        };
        let responses = Executor::execute_stream(&self.schema, request, session_data);
        if is_subscription {
            // Priced and charged; a live subscription holds no execution slot.
            drop(admission);
            let live = LiveSubscription::start();
            let read_audit = Arc::new(read_audit);
            return responses
                .then(move |response| {
                    let _live = &live;
                    let read_audit = Arc::clone(&read_audit);
                    async move {
                        read_audit.record().await;
                        with_codes(response, parse_failed)
                    }
                })
                .boxed();
        }
        let timeout = self.timeout;
        futures_util::stream::once(async move {
            let mut responses = responses;
            let mut response = match tokio::time::timeout(timeout, responses.next()).await {
                Ok(Some(response)) => response,
                Ok(None) => Response::default(),
                Err(_) => timed_out(timeout),
            };
            read_audit.record().await;
            admission.report(&mut response);
            with_codes(response, parse_failed)
        })
        .boxed()
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        let mut responses = self.execute_stream(request, None);
        responses.next().await.unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        futures_util::stream::once(this.run(request, session_data))
            .flatten()
            .boxed()
    }
}

/// One operation's contact-data reads, and what their audit row needs.
struct ReadAudit {
    reads: graphql::ContactReads,
    reader: Option<Actor>,
    operation_name: Option<String>,
    log: ReadsLog,
}

impl ReadAudit {
    /// Records the reads noted since the last call (after the response, or after each event).
    async fn record(&self) {
        if let Some(reader) = &self.reader {
            let operation_name = self.operation_name.as_deref();
            let log = &self.log;
            self.reads
                .record(&log.db, reader, &log.request, operation_name)
                .await;
        }
    }
}

/// Counts a subscription in `xieshang_websocket_subscriptions` while its stream lives.
struct LiveSubscription;

impl LiveSubscription {
    fn start() -> Self {
        metrics::gauge!(crate::monitoring::SUBSCRIPTIONS).increment(1.0);
        Self
    }
}

impl Drop for LiveSubscription {
    fn drop(&mut self) {
        metrics::gauge!(crate::monitoring::SUBSCRIPTIONS).decrement(1.0);
    }
}

/// A stream of one response.
fn single(response: Response) -> BoxStream<'static, Response> {
    futures_util::stream::once(async move { response }).boxed()
}

/// `response` with a code on every error (see `graphql_over_http::codes`).
fn with_codes(mut response: Response, parse_failed: bool) -> Response {
    codes::fill(&mut response.errors, parse_failed);
    response
}

/// The type of the operation the request selects; `None` when the document does not parse or
/// names no such operation (the schema then answers with the error itself).
fn operation_type(request: &mut Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let operation = match (&document.operations, name.as_deref()) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) => operations.values().next()?,
    };
    Some(operation.node.ty)
}

/// The response of an operation cut off by the timeout.
fn timed_out(timeout: Duration) -> Response {
    let error = ErrorCode::RequestTimeout.error(format!(
        "the operation ran longer than {} s and was stopped",
        timeout.as_secs_f64()
    ));
    Response::from_errors(vec![error.into_server_error(async_graphql::Pos::default())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selected_operation_decides() {
        let mut request = Request::new("query A { __typename } subscription B { __typename }")
            .operation_name("B");
        assert_eq!(
            operation_type(&mut request),
            Some(OperationType::Subscription)
        );
        let mut request = Request::new("mutation { __typename }");
        assert_eq!(operation_type(&mut request), Some(OperationType::Mutation));
        assert_eq!(operation_type(&mut Request::new("{")), None);
    }

    /// A zero timeout cuts off anything that is not ready at its first poll: queries are
    /// stopped, a subscription lives on and delivers the event written after it started. The
    /// query reads four levels one after another, so it cannot finish within one poll even when
    /// the database answers a single statement before the socket is first read.
    #[tokio::test]
    async fn queries_are_cut_off_and_subscriptions_are_not() {
        use domain::{
            Role,
            feed::{EventFeed, FeedOptions},
        };
        use testing::{Template, TestDb, proposal, staff};

        let test_db = TestDb::new(Template::Demo).await.expect("a test database");
        let db = test_db.db.clone();
        let schema = graphql::schema().data(db.clone()).finish();
        let timed = SocketExecutor::new(
            schema,
            Duration::ZERO,
            Arc::new(Budgets::new(&crate::http::budget::BudgetOptions::off())),
            Arc::new(DocumentPolicy::default()),
            None,
            ReadsLog {
                db: db.clone(),
                request: RequestInfo::default(),
            },
        );
        let actor = staff(&db, Role::ProvinceStaff, "330000")
            .await
            .expect("an actor");
        let _ = timed.caller().set(actor.clone());
        let feed = EventFeed::start(db.clone(), FeedOptions::default());
        let mut data = Data::default();
        data.insert(actor.clone());
        data.insert(graphql::Loaders::uncached(db.clone()));
        data.insert(feed.clone());
        let data = Arc::new(data);

        let mut query = timed.execute_stream(
            Request::new(
                "{ provinces { cities { counties { lounges(first: 1) { totalCount } } } } }",
            ),
            Some(Arc::clone(&data)),
        );
        let response = query.next().await.expect("a response");
        let code = response.errors[0]
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .cloned();
        assert_eq!(
            code,
            Some(async_graphql::Value::String("REQUEST_TIMEOUT".into()))
        );

        // Resume from a cursor taken before the proposal, so the event is replayed whatever
        // the timing.
        let before = domain::events::latest_sequence(&db)
            .await
            .expect("a sequence");
        domain::write::consultations::propose(&db, &actor, proposal("330212"))
            .await
            .expect("a proposal");
        let request =
            Request::new("subscription($after: String) { events(after: $after) { type } }")
                .variables(async_graphql::Variables::from_json(serde_json::json!({
                    "after": domain::events::cursor_of(before),
                })));
        let mut events = timed.execute_stream(request, Some(Arc::clone(&data)));
        let next = events.next();
        let response = tokio::time::timeout(Duration::from_secs(30), next)
            .await
            .expect("the subscription delivers")
            .expect("an event");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        assert_eq!(
            response.data.into_json().expect("JSON")["events"]["type"],
            "CONSULTATION_CREATED"
        );
    }

    #[test]
    fn a_timed_out_operation_carries_a_code() {
        let response = timed_out(Duration::from_secs(30));
        let code = response.errors[0]
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .cloned();
        assert_eq!(
            code,
            Some(async_graphql::Value::String("REQUEST_TIMEOUT".into()))
        );
    }
}
