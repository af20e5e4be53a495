//! GraphQL operations by type, name and error code, with their duration.

use std::time::Instant;

use async_graphql::{ServerError, Value, parser::types::OperationType};

use super::{GRAPHQL_DURATION, GRAPHQL_OPERATIONS};

/// What is known about one GraphQL-over-HTTP operation as it is answered; recorded on drop,
/// so that every way out of the handler counts.
pub struct Observation {
    started: Instant,
    kind: &'static str,
    /// The operation's name when its document is trusted; `other` otherwise.
    name: String,
    code: String,
}

impl Observation {
    /// Starts timing an operation whose type and name are not known yet.
    pub fn start() -> Self {
        Self {
            started: Instant::now(),
            kind: "unknown",
            name: "other".to_owned(),
            code: "ok".to_owned(),
        }
    }

    /// The selected operation's type.
    pub fn set_type(&mut self, operation: OperationType) {
        self.kind = match operation {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        };
        self.name_span();
    }

    /// Records the operation on the request's span (OpenTelemetry's GraphQL attributes).
    fn name_span(&self) {
        let span = tracing::Span::current();
        span.record("graphql.operation.type", self.kind);
        if self.name != "other" {
            span.record("graphql.operation.name", self.name.as_str());
        }
    }

    /// The name of the operation's execution span: `graphql query`, `graphql mutation`, with
    /// the name of a trusted document after it.
    pub fn span_name(&self) -> String {
        if self.name == "other" {
            format!("graphql {}", self.kind)
        } else {
            format!("graphql {} {}", self.kind, self.name)
        }
    }

    /// The selected operation's name, as the document (never the client's `operationName`)
    /// spells it. Only for documents of the trusted-documents manifest: anything else stays
    /// `other`, since clients choose names.
    pub fn set_trusted_name(&mut self, name: &str) {
        self.name = name.to_owned();
        self.name_span();
    }

    /// The outcome: the first error's `extensions.code`, or `ok`.
    pub fn set_errors(&mut self, errors: &[ServerError]) {
        self.code = errors
            .first()
            .map_or_else(|| "ok".to_owned(), |error| code_of(error).to_owned());
    }

    /// A refusal made before any GraphQL response existed (wrong method, bad JSON…).
    pub fn set_code(&mut self, code: &str) {
        self.code = code.to_owned();
    }
}

impl Drop for Observation {
    fn drop(&mut self) {
        metrics::counter!(
            GRAPHQL_OPERATIONS,
            "type" => self.kind,
            "operation" => self.name.clone(),
            "code" => self.code.clone(),
        )
        .increment(1);
        metrics::histogram!(
            GRAPHQL_DURATION,
            "type" => self.kind,
            "operation" => self.name.clone(),
        )
        .record(self.started.elapsed().as_secs_f64());
    }
}

/// An error's `extensions.code` (every error has one once `codes::fill` ran).
fn code_of(error: &ServerError) -> &str {
    match error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
    {
        Some(Value::String(code)) => code,
        _ => "UNKNOWN",
    }
}
