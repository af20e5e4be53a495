//! Structured logs through `tracing`: human-readable text by default, JSON for log shippers;
//! and, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, the same spans exported to an OpenTelemetry
//! collector over OTLP/HTTP (protobuf): one per HTTP request (named by its GraphQL operation
//! type, and name for trusted documents), one for each GraphQL execution inside it, one per SQL
//! statement, and one per notification delivery. A request continues the `traceparent` of a
//! trusted proxy or an authenticated caller (`src/http/trace_context.rs`), and its webhook
//! deliveries continue its trace. Log lines of a request carry its trace id.

use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogConfig;

/// The variable naming the collector, as the OpenTelemetry specification spells it.
pub const OTLP_ENDPOINT_VARIABLE: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Keeps the span exporter running; [`Telemetry::shutdown`] sends what is still buffered.
#[must_use = "spans still buffered are lost unless `shutdown` is called"]
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Flushes and stops the span exporter (a no-op without one).
    pub fn shutdown(self) {
        if let Some(tracer) = self.tracer
            && let Err(error) = tracer.shutdown()
        {
            eprintln!("xieshang: flushing spans to the OTLP collector failed: {error}");
        }
    }
}

/// Installs the global subscriber (and the OTLP exporter when configured).
pub fn init(config: &LogConfig) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(&config.filter)
        .map_err(|error| anyhow::anyhow!("XIESHANG_LOG={:?}: {error}", config.filter))?;
    let tracer = otlp_tracer()?;
    let spans = tracer
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer("xieshang")));
    if let Some(provider) = &tracer {
        domain::trace_context::enable_statement_spans(opentelemetry::global::BoxedTracer::new(
            Box::new(provider.tracer("xieshang")),
        ));
    }
    let registry = tracing_subscriber::registry().with(filter).with(spans);
    if config.json {
        registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init()?;
    } else {
        // Colours only on a terminal: escape codes in files and log shippers garble fields.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        registry
            .with(fmt::layer().with_ansi(ansi).with_writer(std::io::stderr))
            .try_init()?;
    }
    Ok(Telemetry { tracer })
}

/// The tracer provider exporting to `OTEL_EXPORTER_OTLP_ENDPOINT` (`<endpoint>/v1/traces`),
/// or `None` when the variable is unset.
fn otlp_tracer() -> anyhow::Result<Option<SdkTracerProvider>> {
    let Some(endpoint) = std::env::var(OTLP_ENDPOINT_VARIABLE)
        .ok()
        .filter(|endpoint| !endpoint.trim().is_empty())
    else {
        return Ok(None);
    };
    let endpoint = format!("{}/v1/traces", endpoint.trim().trim_end_matches('/'));
    url::Url::parse(&endpoint)
        .map_err(|error| anyhow::anyhow!("{OTLP_ENDPOINT_VARIABLE}: {error}"))?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(endpoint)
        .build()
        .map_err(|error| anyhow::anyhow!("{OTLP_ENDPOINT_VARIABLE}: {error}"))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name("xieshang").build())
        .build();
    Ok(Some(provider))
}

/// Records the OpenTelemetry trace id on `span`'s `trace_id` field, so that every log line of
/// the request names the trace it belongs to. Nothing is recorded without an exporter (the
/// id would be all zeros).
pub fn record_trace_id(span: &tracing::Span) {
    let context = span.context();
    let trace = context.span().span_context().clone();
    if trace.is_valid() {
        span.record("trace_id", tracing::field::display(trace.trace_id()));
    }
}
