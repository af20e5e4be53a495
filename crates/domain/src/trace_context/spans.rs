//! OpenTelemetry spans around the trace context: linking a span to a stored context, reading a
//! span's context back, and one span per SQL statement. All of it is inert until the binary
//! installs an exporter (`src/telemetry.rs`): then `tracing` spans have OpenTelemetry contexts,
//! and [`enable_statement_spans`] hands over the tracer for statements.

use std::{
    sync::OnceLock,
    time::{Duration, SystemTime},
};

use opentelemetry::{
    KeyValue,
    global::BoxedTracer,
    trace::{
        Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags,
        TraceId, TraceState, Tracer as _,
    },
};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::TraceParent;

/// The tracer statement spans are made with; unset (and statements cost nothing extra) until
/// an exporter is installed.
static STATEMENT_TRACER: OnceLock<BoxedTracer> = OnceLock::new();

/// Makes every SQL statement run inside a traced span a child span of its own (named like
/// `SELECT consultations`). Called once, by the binary, when spans are exported.
pub fn enable_statement_spans(tracer: BoxedTracer) {
    let _ = STATEMENT_TRACER.set(tracer);
}

/// Makes `span` (not yet entered) a child of the remote context `parent`. Without an
/// OpenTelemetry layer there is nothing to link, and nothing happens.
pub fn continue_from(span: &tracing::Span, parent: &TraceParent) {
    let (Ok(trace_id), Ok(span_id)) = (
        TraceId::from_hex(parent.trace_id()),
        SpanId::from_hex(parent.parent_id()),
    ) else {
        return;
    };
    let remote = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(parent.flags()),
        true,
        TraceState::default(),
    );
    let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
}

/// `span`'s own context as a `traceparent`, when spans are exported (`None` otherwise).
pub fn of_span(span: &tracing::Span) -> Option<TraceParent> {
    let context = span.context();
    let otel_span = context.span();
    let own = otel_span.span_context();
    own.is_valid().then(|| {
        TraceParent(format!(
            "00-{}-{}-{:02x}",
            own.trace_id(),
            own.span_id(),
            own.trace_flags().to_u8()
        ))
    })
}

/// Records a statement that took `elapsed` and has just ended as a child of the current span.
/// Statements outside any traced span (background loops) make no span: a trace of its own per
/// poll would drown the requests. The span names the operation and the table, never the SQL's
/// values.
pub(crate) fn statement_span(engine: &'static str, sql: &str, elapsed: Duration, failed: bool) {
    let Some(tracer) = STATEMENT_TRACER.get() else {
        return;
    };
    let parent = tracing::Span::current().context();
    if !parent.span().span_context().is_valid() {
        return;
    }
    let (operation, table) = summary(sql);
    let name = match table {
        Some(table) => format!("{operation} {table}"),
        None => operation.clone(),
    };
    let end = SystemTime::now();
    let mut attributes = vec![
        KeyValue::new("db.system.name", engine),
        KeyValue::new("db.operation.name", operation),
        KeyValue::new("db.query.summary", name.clone()),
    ];
    if let Some(table) = table {
        attributes.push(KeyValue::new("db.collection.name", table.to_owned()));
    }
    let mut span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Client)
        .with_start_time(end.checked_sub(elapsed).unwrap_or(end))
        .with_attributes(attributes)
        .start_with_context(tracer, &parent);
    if failed {
        span.set_status(Status::error("the statement failed"));
    }
    span.end_with_timestamp(end);
}

/// The statement's operation (`SELECT`, `INSERT`, …) and the table it names first, read from
/// the SQL text without its values.
fn summary(sql: &str) -> (String, Option<&str>) {
    let sql = sql.trim_start();
    let operation: String = sql
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let operation = if operation.is_empty() {
        "SQL".to_owned()
    } else {
        operation
    };
    let keyword = match operation.as_str() {
        "INSERT" => " INTO ",
        "UPDATE" => "UPDATE ",
        _ => " FROM ",
    };
    let table = find_ascii_case_insensitive(sql, keyword).and_then(|at| {
        let rest = sql[at + keyword.len()..].trim_start();
        let name: &str = rest
            .trim_start_matches('"')
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or_default();
        (!name.is_empty()).then_some(name)
    });
    (operation, table)
}

fn find_ascii_case_insensitive(text: &str, needle: &str) -> Option<usize> {
    text.as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn statements_are_summarised_by_operation_and_first_table() {
        assert_eq!(
            summary(r#"SELECT "consultations"."id" FROM "consultations" WHERE "id" = $1"#),
            ("SELECT".to_owned(), Some("consultations"))
        );
        assert_eq!(
            summary(r#"INSERT INTO "events" ("sequence") VALUES ($1)"#),
            ("INSERT".to_owned(), Some("events"))
        );
        assert_eq!(
            summary(r#"update "deliveries" SET "status" = $1"#),
            ("UPDATE".to_owned(), Some("deliveries"))
        );
        assert_eq!(
            summary("SELECT pg_notify('xieshang_events', '5')"),
            ("SELECT".to_owned(), None)
        );
        assert_eq!(
            summary("SELECT x FROM (SELECT 1) AS page"),
            ("SELECT".to_owned(), None)
        );
        assert_eq!(summary(""), ("SQL".to_owned(), None));
    }
}
