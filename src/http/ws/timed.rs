//! The request timeout for queries and mutations sent over a WebSocket.
//!
//! On `/graphql` the router's timeout layer bounds every request; an upgraded socket escapes
//! it, so a slow query sent as a `subscribe` message could run forever. [`TimedSchema`] gives
//! queries and mutations the same limit, and leaves subscriptions alone: they are meant to
//! live as long as the socket.

use std::{sync::Arc, time::Duration};

use async_graphql::{
    Data, Executor, Request, Response,
    futures_util::stream::BoxStream,
    parser::types::{DocumentOperations, OperationType},
};
use futures_util::StreamExt;
use graphql::{AppSchema, ErrorCode};

/// The schema, with queries and mutations cut off after `timeout`.
#[derive(Clone)]
pub(crate) struct TimedSchema {
    schema: AppSchema,
    timeout: Duration,
}

impl TimedSchema {
    pub(crate) fn new(schema: AppSchema, timeout: Duration) -> Self {
        Self { schema, timeout }
    }
}

impl Executor for TimedSchema {
    async fn execute(&self, request: Request) -> Response {
        tokio::time::timeout(self.timeout, Executor::execute(&self.schema, request))
            .await
            .unwrap_or_else(|_| timed_out(self.timeout))
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let is_subscription = operation_type(&mut request) == Some(OperationType::Subscription);
        let responses = Executor::execute_stream(&self.schema, request, session_data);
        if is_subscription {
            return responses;
        }
        let timeout = self.timeout;
        futures_util::stream::once(async move {
            let mut responses = responses;
            match tokio::time::timeout(timeout, responses.next()).await {
                Ok(Some(response)) => response,
                Ok(None) => Response::default(),
                Err(_) => timed_out(timeout),
            }
        })
        .boxed()
    }
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

    /// A zero timeout cuts off anything that is not ready at its first poll, which every
    /// operation that reads the database is: queries are stopped, a subscription lives on and
    /// delivers the event written after it started.
    #[tokio::test]
    async fn queries_are_cut_off_and_subscriptions_are_not() {
        use domain::{
            Role,
            feed::{EventFeed, FeedOptions},
            testing::{Template, TestDb, proposal, staff},
        };

        let test_db = TestDb::new(Template::Demo).await.expect("a test database");
        let db = test_db.db.clone();
        let schema = graphql::schema().data(db.clone()).finish();
        let timed = TimedSchema::new(schema, Duration::ZERO);
        let actor = staff(&db, Role::ProvinceStaff, "330000")
            .await
            .expect("an actor");
        let feed = EventFeed::start(db.clone(), FeedOptions::default());
        let mut data = Data::default();
        data.insert(actor.clone());
        data.insert(graphql::Loaders::uncached(db.clone()));
        data.insert(feed.clone());
        let data = Arc::new(data);

        let mut query = timed.execute_stream(
            Request::new("{ consultations(first: 1) { totalCount } }"),
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
