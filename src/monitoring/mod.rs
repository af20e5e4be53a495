//! Prometheus metrics (`XIESHANG_METRICS_LISTEN`): every series is named and described here,
//! recorded where it happens through the `metrics` facade (a no-op until [`install`] runs), and
//! served as text on a listener of its own ([`serve`]), never on the API's.
//!
//! * `http`: requests by route template and status, and SQL statements per request;
//! * `graphql`: operations by type, trusted name and error code, with their duration;
//! * `scrape`: what is read when Prometheus scrapes (pools, outbox positions);
//! * elsewhere: refusals (`crate::http::budget`), WebSockets (`crate::app`, `crate::http::ws`),
//!   deliveries (crate `notify`).

pub mod graphql;
pub mod http;
mod scrape;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use scrape::serve;

/// HTTP requests answered.
pub const HTTP_REQUESTS: &str = "xieshang_http_requests_total";
/// SQL statements one HTTP request ran.
pub const SQL_STATEMENTS: &str = "xieshang_http_request_sql_statements";
/// GraphQL operations answered over HTTP.
pub const GRAPHQL_OPERATIONS: &str = "xieshang_graphql_operations_total";
/// How long GraphQL operations took.
pub const GRAPHQL_DURATION: &str = "xieshang_graphql_operation_duration_seconds";
/// Operations refused by the cost limit, the budgets or load shedding.
pub const REFUSALS: &str = "xieshang_graphql_refusals_total";
/// Open GraphQL WebSockets.
pub const WEBSOCKETS: &str = "xieshang_websocket_connections";
/// Live subscriptions over WebSockets.
pub const SUBSCRIPTIONS: &str = "xieshang_websocket_subscriptions";
/// Delivery attempts recorded by the dispatcher (crate `notify` names it too).
pub const DELIVERIES: &str = "xieshang_deliveries_total";
/// The newest outbox sequence.
pub const OUTBOX_HEAD: &str = "xieshang_outbox_head_sequence";
/// Each notification target's settled sequence.
pub const TARGET_DELIVERED: &str = "xieshang_notification_target_delivered_sequence";
/// Connections a pool may open.
pub const POOL_MAX: &str = "xieshang_db_pool_max_connections";
/// Connections a pool holds open.
pub const POOL_OPEN: &str = "xieshang_db_pool_open_connections";
/// Connections lent out.
pub const POOL_IN_USE: &str = "xieshang_db_pool_in_use_connections";
/// A constant 1 labelled with the version.
pub const BUILD_INFO: &str = "xieshang_build_info";
/// Scrapes whose database reads failed (the series they feed keep their last value).
pub const SCRAPE_ERRORS: &str = "xieshang_metrics_scrape_errors_total";

/// Seconds: from a millisecond to the request timeout's order.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Seconds: an idle pool hands out a connection in microseconds; the acquire timeout is
/// seconds.
const WAIT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0,
];
/// Statements: a well-batched request runs a handful; hundreds mean N+1.
const STATEMENT_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 100.0, 250.0,
];

/// Installs the process-wide recorder and describes every series; call once, before serving.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(GRAPHQL_DURATION.to_owned()), DURATION_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(SQL_STATEMENTS.to_owned()), STATEMENT_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full(domain::observe::POOL_WAIT.to_owned()),
            WAIT_BUCKETS,
        )?
        .install_recorder()?;
    describe();
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Ok(handle)
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template (never the raw path), method and status."
    );
    describe_histogram!(
        SQL_STATEMENTS,
        Unit::Count,
        "SQL statements one HTTP request ran, by route template."
    );
    describe_counter!(
        GRAPHQL_OPERATIONS,
        "GraphQL operations answered over HTTP, by operation type, operation name (trusted \
         documents only, `other` otherwise) and error code (`ok` without errors)."
    );
    describe_histogram!(
        GRAPHQL_DURATION,
        Unit::Seconds,
        "Time to answer a GraphQL operation over HTTP, by operation type and name."
    );
    describe_counter!(
        REFUSALS,
        "GraphQL operations refused before execution: QUERY_TOO_COMPLEX (cost limit), \
         RATE_LIMITED (budget) or SERVICE_BUSY (load shedding), over HTTP and WebSockets."
    );
    describe_gauge!(WEBSOCKETS, "GraphQL WebSockets open now.");
    describe_gauge!(SUBSCRIPTIONS, "Subscriptions running on WebSockets now.");
    describe_counter!(
        DELIVERIES,
        "Notification delivery attempts recorded, by adapter and outcome (succeeded, retrying, \
         dead)."
    );
    describe_gauge!(OUTBOX_HEAD, "The newest event sequence in the outbox.");
    describe_gauge!(
        TARGET_DELIVERED,
        "Per active notification target: every event up to this sequence is delivered, \
         dead-lettered or not for this target. Lag = head minus this."
    );
    describe_gauge!(POOL_MAX, "Connections the database pool may open.");
    describe_gauge!(POOL_OPEN, "Connections the database pool holds open.");
    describe_gauge!(POOL_IN_USE, "Database connections lent out now.");
    describe_histogram!(
        domain::observe::POOL_WAIT,
        Unit::Seconds,
        "Time a write transaction waited for its database connection and BEGIN, by pool."
    );
    describe_gauge!(
        domain::observe::POOL_ACQUIRE_PROBE,
        Unit::Seconds,
        "Time one connection took to acquire from the pool reads use, probed at scrape time."
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version label names the running build."
    );
    describe_counter!(
        SCRAPE_ERRORS,
        "Scrapes whose database reads failed; the series they feed keep their last value."
    );
}
