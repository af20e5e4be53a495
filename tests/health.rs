//! `/livez` and `/readyz` (src/http/health.rs), on both engines.
//!
//! The database-down case needs a database the test can take away without disturbing the
//! suite's shared server: on PostgreSQL the app reaches its test database through a small TCP
//! proxy that the test owns and cuts. On SQLite there is no server to take away: the embedded
//! database is a file whose open descriptors keep working whatever happens to its path, so
//! the SQLite run covers the other checks and a closed pool (which cannot come back), and only
//! the PostgreSQL run shows the recovery.

mod common;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Body, http::Request};
use domain::{Db, Engine, db::DbOptions, health::Heartbeat};
use http_body_util::BodyExt;
use notify::{DispatchOptions, Dispatcher, DispatcherHandle, InMemoryAdapter};
use serde_json::Value;
use testing::{Template, TestDb};
use tokio::{net::TcpListener, task::AbortHandle};
use tower::ServiceExt;
use xieshang::{
    app::{AppState, RouterOptions, router},
    auth::Secret,
};

/// `/readyz`'s heartbeat limit in these tests.
const MAX_AGE: Duration = Duration::from_secs(30);

struct Probe {
    state: AppState,
    router: Router,
}

impl Probe {
    fn over(db: Db) -> Self {
        let state = AppState::new(db, Secret::new(common::TEST_SECRET));
        let options = RouterOptions {
            ready_heartbeat_max_age: MAX_AGE,
            ..RouterOptions::default()
        };
        let router = router(state.clone(), &options);
        Self { state, router }
    }

    /// Starts the event feed and a dispatcher that tick this app's heartbeats.
    fn start_loops(&self) -> DispatcherHandle {
        let feed = self.state.feed();
        Dispatcher::start(
            self.state.db().clone(),
            Arc::new(InMemoryAdapter::default()),
            feed.latest(),
            DispatchOptions {
                poll_interval: Duration::from_millis(100),
                heartbeat: self.state.heartbeats().dispatcher.clone(),
                ..DispatchOptions::default()
            },
        )
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).expect("a request"))
            .await
            .expect("the router answers");
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).expect("a JSON body"))
    }

    /// Asks `/readyz` until it answers `status` (at most `attempts` times, 100 ms apart);
    /// returns the last answer.
    async fn readyz_until(&self, status: u16, attempts: u32) -> (u16, Value) {
        let mut answer = self.get("/readyz").await;
        for _ in 1..attempts {
            if answer.0 == status {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            answer = self.get("/readyz").await;
        }
        answer
    }
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn livez_answers_even_when_the_database_is_gone() {
    let test = TestDb::new(Template::Migrated)
        .await
        .expect("a test database");
    let probe = Probe::over(test.db.clone());
    let (status, body) = probe.get("/livez").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "live");

    test.db.close().await;
    let (status, _) = probe.get("/livez").await;
    assert_eq!(status, 200, "liveness never asks the database");
    let (status, body) = probe.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["database"], "unreachable", "{body}");
}

#[tokio::test]
async fn readyz_is_ready_when_the_database_answers_and_both_loops_tick() {
    let test = TestDb::new(Template::Demo).await.expect("a test database");
    let probe = Probe::over(test.db.clone());

    // Before the loops start, neither has ever ticked.
    let (status, body) = probe.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["database"], "ok", "{body}");
    assert_eq!(body["checks"]["migrations"], "ok", "{body}");
    assert_eq!(body["checks"]["eventPump"], "never", "{body}");
    assert_eq!(body["checks"]["dispatcher"], "never", "{body}");

    let dispatcher = probe.start_loops();
    let (status, body) = probe.readyz_until(200, 100).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    for check in ["database", "migrations", "eventPump", "dispatcher"] {
        assert_eq!(body["checks"][check], "ok", "{check}: {body}");
    }
    dispatcher.shutdown().await;
    probe.state.stop_feed();
}

#[tokio::test]
async fn readyz_fails_when_a_heartbeat_is_stale() {
    let test = TestDb::new(Template::Migrated)
        .await
        .expect("a test database");
    let probe = Probe::over(test.db.clone());
    // No loop runs here: the test sets the heartbeats itself, so nothing moves them but it.
    let heartbeats = probe.state.heartbeats();
    let fresh = now_millis();
    heartbeats.pump.beat_at(fresh);
    heartbeats.dispatcher.beat_at(fresh);
    let (status, body) = probe.get("/readyz").await;
    assert_eq!(status, 200, "{body}");

    let old = now_millis() - i64::try_from(MAX_AGE.as_millis()).expect("small") - 60_000;
    heartbeats.dispatcher.beat_at(old);
    let (status, body) = probe.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["dispatcher"], "stale", "{body}");
    assert_eq!(body["checks"]["eventPump"], "ok", "{body}");

    heartbeats.dispatcher.beat_at(now_millis());
    heartbeats.pump.beat_at(old);
    let (status, body) = probe.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["eventPump"], "stale", "{body}");
    assert_eq!(body["checks"]["dispatcher"], "ok", "{body}");
}

#[tokio::test]
async fn heartbeat_freshness_is_measured_against_the_given_clock() {
    let heartbeat = Heartbeat::new();
    assert!(!heartbeat.is_fresh(1_000_000, MAX_AGE), "never ticked");
    heartbeat.beat_at(1_000_000);
    assert!(heartbeat.is_fresh(1_000_000 + 30_000, MAX_AGE));
    assert!(!heartbeat.is_fresh(1_000_000 + 30_001, MAX_AGE));
}

#[tokio::test]
async fn readyz_fails_while_migrations_are_pending() {
    let test = TestDb::new(Template::Empty).await.expect("a test database");
    let probe = Probe::over(test.db.clone());
    let heartbeats = probe.state.heartbeats();
    heartbeats.pump.beat();
    heartbeats.dispatcher.beat();
    let (status, body) = probe.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["database"], "ok", "{body}");
    assert_eq!(body["checks"]["migrations"], "pending", "{body}");

    test.db.migrate().await.expect("migrations");
    let (status, body) = probe.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn readyz_fails_while_the_database_is_down_and_recovers_when_it_comes_back() {
    let test = TestDb::new(Template::Demo).await.expect("a test database");
    if test.db.engine() != Engine::Postgres {
        // See the module comment: SQLite has no server to take away.
        eprintln!("SQLite run: the database-down case runs on PostgreSQL only");
        return;
    }
    let upstream = url::Url::parse(&test.url).expect("a PostgreSQL URL");
    let upstream_address = format!(
        "{}:{}",
        upstream.host_str().expect("a host"),
        upstream.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream_address).await;
    let mut through = upstream.clone();
    through.set_port(Some(proxy.port)).expect("a port");
    let db = Db::connect(
        through.as_str(),
        DbOptions {
            readers: 4,
            acquire_timeout: Duration::from_secs(1),
            ..DbOptions::default()
        },
    )
    .await
    .expect("a connection through the proxy");
    let probe = Probe::over(db.clone());
    let dispatcher = probe.start_loops();
    let (status, body) = probe.readyz_until(200, 100).await;
    assert_eq!(status, 200, "before the cut: {body}");

    proxy.cut();
    let (status, body) = probe.readyz_until(503, 100).await;
    assert_eq!(status, 503, "while the database is away: {body}");
    assert_ne!(body["checks"]["database"], "ok", "{body}");
    let (status, _) = probe.get("/livez").await;
    assert_eq!(status, 200, "liveness does not follow the database");

    proxy.restore();
    let (status, body) = probe.readyz_until(200, 300).await;
    assert_eq!(status, 200, "after the database came back: {body}");

    dispatcher.shutdown().await;
    probe.state.stop_feed();
    db.close().await;
}

/// A TCP proxy in front of the test's PostgreSQL server that the test can cut: cutting drops
/// every open connection and refuses new ones until restored.
struct Proxy {
    port: u16,
    open: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let open = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let accept = {
            let open = Arc::clone(&open);
            let connections = Arc::clone(&connections);
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let upstream = upstream.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    connections
                        .lock()
                        .expect("the connection list")
                        .push(task.abort_handle());
                }
            })
            .abort_handle()
        };
        Self {
            port,
            open,
            connections,
            accept,
        }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for connection in self.connections.lock().expect("the list").drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}
