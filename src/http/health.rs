//! `GET /livez` and `GET /readyz`: what an orchestrator probes (`/healthz` stays in `app.rs`).
//!
//! * `/livez` answers 200 while the process serves HTTP; it touches nothing else, so a slow
//!   database never gets a healthy process restarted.
//! * `/readyz` answers 200 only when the database answers within [`DATABASE_TIMEOUT`], no
//!   migration of this binary is pending, and the event pump's and the dispatcher's loops have
//!   each ticked within the configured age; 503 otherwise. The JSON body names every check.

use std::time::Duration;

use axum::{
    Extension, Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::app::AppState;

/// How long the readiness probe waits for each database check.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// The readiness probe's settings.
#[derive(Clone, Copy, Debug)]
pub struct Readiness {
    /// How old a loop's heartbeat may be.
    pub heartbeat_max_age: Duration,
}

/// `GET /livez`: the process is up.
pub async fn livez() -> Response {
    (StatusCode::OK, Json(json!({ "status": "live" }))).into_response()
}

/// `GET /readyz`: the database answers, the schema is current, and the background loops tick.
pub async fn readyz(
    State(state): State<AppState>,
    Extension(readiness): Extension<Readiness>,
) -> Response {
    let db = state.db();
    let database = match tokio::time::timeout(DATABASE_TIMEOUT, domain::health::ping(db)).await {
        Ok(Ok(())) => Check::Ok,
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database unreachable");
            Check::Failed("unreachable")
        }
        Err(_) => Check::Failed("timeout"),
    };
    // Only asked when the database answers: otherwise it would just wait out its own timeout.
    let migrations = if database.is_ok() {
        match tokio::time::timeout(DATABASE_TIMEOUT, domain::health::pending_migrations(db)).await {
            Ok(Ok(0)) => Check::Ok,
            Ok(Ok(_)) => Check::Failed("pending"),
            Ok(Err(error)) => {
                tracing::warn!(%error, "readiness: cannot read the applied migrations");
                Check::Failed("unknown")
            }
            Err(_) => Check::Failed("timeout"),
        }
    } else {
        Check::Failed("unknown")
    };
    let now = chrono::Utc::now().timestamp_millis();
    let max_age = readiness.heartbeat_max_age;
    let heartbeats = state.heartbeats();
    let beat = |heartbeat: &domain::health::Heartbeat| match heartbeat.last() {
        None => Check::Failed("never"),
        Some(_) if heartbeat.is_fresh(now, max_age) => Check::Ok,
        Some(_) => Check::Failed("stale"),
    };
    let pump = beat(&heartbeats.pump);
    let dispatcher = beat(&heartbeats.dispatcher);
    let ready = [&database, &migrations, &pump, &dispatcher]
        .iter()
        .all(|check| check.is_ok());
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "checks": {
            "database": database.name(),
            "migrations": migrations.name(),
            "eventPump": pump.name(),
            "dispatcher": dispatcher.name(),
        },
    });
    (status, Json(body)).into_response()
}

/// The state of one readiness check.
enum Check {
    Ok,
    /// Why it failed, as shown in the body.
    Failed(&'static str),
}

impl Check {
    fn is_ok(&self) -> bool {
        matches!(self, Check::Ok)
    }

    fn name(&self) -> &'static str {
        match self {
            Check::Ok => "ok",
            Check::Failed(reason) => reason,
        }
    }
}
