//! The metrics listener: `GET /metrics` in the Prometheus text format. Series that describe
//! stored state (pools, the outbox and the targets' positions) are read at scrape time through
//! `domain::observe`, so they cost nothing between scrapes.

use std::collections::HashSet;

use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Mutex;

use super::{OUTBOX_HEAD, POOL_IN_USE, POOL_MAX, POOL_OPEN, SCRAPE_ERRORS, TARGET_DELIVERED};

/// What the scrape handler needs.
#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    db: domain::Db,
    /// Targets given a position at the last scrape, so that a removed or paused target's
    /// series goes away instead of keeping its last value.
    targets: std::sync::Arc<Mutex<HashSet<i64>>>,
}

/// Serves `GET /metrics` on `listener` until `signal` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    db: domain::Db,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(Scrape {
            handle,
            db,
            targets: Default::default(),
        });
    axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .await
}

async fn metrics(State(scrape): State<Scrape>) -> Response {
    for pool in domain::observe::pool_stats(&scrape.db) {
        metrics::gauge!(POOL_MAX, "pool" => pool.pool).set(f64::from(pool.max));
        metrics::gauge!(POOL_OPEN, "pool" => pool.pool).set(f64::from(pool.open));
        metrics::gauge!(POOL_IN_USE, "pool" => pool.pool).set(f64::from(pool.in_use));
    }
    match domain::observe::acquire_probe(&scrape.db).await {
        (pool, Some(waited)) => {
            metrics::gauge!(domain::observe::POOL_ACQUIRE_PROBE, "pool" => pool)
                .set(waited.as_secs_f64());
        }
        (_, None) => metrics::counter!(SCRAPE_ERRORS).increment(1),
    }
    match domain::observe::outbox_positions(&scrape.db).await {
        Ok(positions) => {
            metrics::gauge!(OUTBOX_HEAD).set(positions.head as f64);
            let mut previous = scrape.targets.lock().await;
            let mut current = HashSet::with_capacity(positions.delivered.len());
            for (target, sequence) in positions.delivered {
                metrics::gauge!(TARGET_DELIVERED, "target" => target.to_string())
                    .set(sequence as f64);
                current.insert(target);
            }
            for gone in previous.difference(&current) {
                // The exporter cannot forget a series; NaN marks it as gone for the rules.
                metrics::gauge!(TARGET_DELIVERED, "target" => gone.to_string()).set(f64::NAN);
            }
            *previous = current;
        }
        Err(error) => {
            tracing::warn!(%error, "metrics: cannot read the outbox positions");
            metrics::counter!(SCRAPE_ERRORS).increment(1);
        }
    }
    scrape.handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
        .into_response()
}
