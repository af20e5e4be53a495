//! The real binary: `serve` prepares an empty database and shuts down cleanly on SIGTERM;
//! `seed` refuses a non-empty database unless `--reset`; `token` prints tokens the server accepts,
//! signed with `XIESHANG_JWT_SECRET` or with the secret file beside the embedded database.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use entity::{lounge, region};
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use testing::{Template, TestDb};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

fn xieshang(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xieshang"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("XIESHANG_JWT_SECRET", JWT_SECRET)
        .env("XIESHANG_LOG", "warn");
    command
}

const JWT_SECRET: &str = "binary-test-secret-binary-test-secret";

/// The binary on the embedded SQLite database at `sqlite_path`, without `XIESHANG_JWT_SECRET`.
fn xieshang_embedded(sqlite_path: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xieshang"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("XIESHANG_SQLITE_PATH", sqlite_path)
        .env("XIESHANG_LOG", "warn");
    command
}

fn token_output(command: &mut Command) -> String {
    let output = command.output().expect("xieshang runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("a UTF-8 token")
        .trim()
        .to_owned()
}

async fn wait_until_healthy(child: &mut Child, port: u16) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            && response.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("xieshang exited early: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "xieshang did not become healthy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child can be polled") {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn serve_prepares_an_empty_database_and_stops_on_sigterm() {
    let test = TestDb::new(Template::Empty).await.unwrap();
    let port = free_port();
    let mut child = xieshang(&test.url)
        .args(["serve"])
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
        .env("XIESHANG_DEMO", "on")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&mut child, port).await;

    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&serde_json::json!({
            "query": "{ province(code: \"330000\") { cities { counties { code } } } }"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cities = response["data"]["province"]["cities"].as_array().unwrap();
    assert_eq!(cities.len(), 11);

    let token = token_output(xieshang(&test.url).args([
        "token",
        "--role",
        "county-staff",
        "--region",
        "330212",
        "--ttl",
        "1h",
    ]));
    let viewer = |token: String| {
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/graphql"))
            .bearer_auth(token)
            .header("accept", "application/graphql-response+json")
            .json(&serde_json::json!({ "query": "{ viewer { authenticated role region { code } } }" }))
            .send()
    };
    let response = viewer(token.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    let response: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        response["data"]["viewer"],
        serde_json::json!({ "authenticated": true, "role": "COUNTY_STAFF", "region": { "code": "330212" } })
    );
    let refused = viewer(format!("{token}x")).await.unwrap();
    assert_eq!(refused.status(), 401);

    let status = terminate(&mut child);
    assert!(status.success(), "graceful shutdown exits 0, got {status}");

    assert_eq!(
        region::Entity::find()
            .count(test.db.reader())
            .await
            .unwrap(),
        102
    );
    assert_eq!(
        lounge::Entity::find()
            .count(test.db.reader())
            .await
            .unwrap(),
        110
    );
}

#[tokio::test]
async fn serve_with_a_database_url_loads_no_demo_data_by_default() {
    let test = TestDb::new(Template::Empty).await.unwrap();
    let port = free_port();
    let mut child = xieshang(&test.url)
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&mut child, port).await;
    assert!(terminate(&mut child).success());
    assert_eq!(
        region::Entity::find()
            .count(test.db.reader())
            .await
            .unwrap(),
        102
    );
    assert_eq!(
        lounge::Entity::find()
            .count(test.db.reader())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn seed_refuses_a_non_empty_database_unless_reset() {
    let test = TestDb::new(Template::Migrated).await.unwrap();
    let first = xieshang(&test.url)
        .args(["seed", "--no-demo"])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let again = xieshang(&test.url)
        .args(["seed", "--no-demo"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let message = String::from_utf8_lossy(&again.stderr);
    assert!(message.contains("--reset"), "{message}");

    let reset = xieshang(&test.url)
        .args(["seed", "--reset", "--no-demo", "--divisions", "china"])
        .output()
        .unwrap();
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    assert_eq!(
        region::Entity::find()
            .count(test.db.reader())
            .await
            .unwrap(),
        3209
    );

    let unknown = xieshang(&test.url)
        .args(["seed", "--reset", "--divisions", "mars"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("zhejiang"));
}

#[tokio::test]
async fn without_a_secret_a_database_url_refuses_to_serve_or_sign() {
    let test = TestDb::new(Template::Empty).await.unwrap();
    for args in [
        &["serve"][..],
        &["token", "--role", "city-staff", "--region", "330200"],
    ] {
        let output = xieshang(&test.url)
            .env_remove("XIESHANG_JWT_SECRET")
            .env("XIESHANG_LISTEN", format!("127.0.0.1:{}", free_port()))
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            message.contains("XIESHANG_JWT_SECRET"),
            "{args:?}: {message}"
        );
    }
    let short = xieshang(&test.url)
        .env("XIESHANG_JWT_SECRET", "too short")
        .args(["token", "--role", "city-staff", "--region", "330200"])
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("XIESHANG_JWT_SECRET"));
}

#[test]
fn embedded_tokens_share_a_secret_file_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("x.db");
    let seeded = xieshang_embedded(&db_path)
        .args(["seed", "--no-demo"])
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let secret_path = dir.path().join("x.db.jwt-secret");

    let first = token_output(xieshang_embedded(&db_path).args([
        "token",
        "--role",
        "PROVINCE_STAFF",
        "--region",
        "330000",
    ]));
    let secret = std::fs::read_to_string(&secret_path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let second = token_output(xieshang_embedded(&db_path).args([
        "token",
        "--role",
        "city-staff",
        "--region",
        "330200",
        "--ttl",
        "2d",
        "--subject",
        "ops",
    ]));
    assert_eq!(std::fs::read_to_string(&secret_path).unwrap(), secret);

    let secret = xieshang::auth::Secret::new(secret.trim().as_bytes());
    let now = xieshang::auth::now();
    let first = xieshang::auth::jwt::verify(&first, secret.bytes(), now).unwrap();
    assert_eq!(first.role, domain::Role::ProvinceStaff);
    assert!(first.exp > now + 23 * 3600 && first.exp <= now + 24 * 3600);
    let second = xieshang::auth::jwt::verify(&second, secret.bytes(), now).unwrap();
    assert_eq!(second.sub, "ops");
    assert_eq!(second.region, "330200");
    assert!(second.exp > now + 47 * 3600);

    for (args, expected) in [
        (
            &["token", "--role", "member", "--region", "330000"][..],
            "--member",
        ),
        (
            &["token", "--role", "city-staff", "--region", "339900"][..],
            "339900",
        ),
        (
            &["token", "--role", "admin", "--region", "330000"][..],
            "--role",
        ),
        (
            &[
                "token",
                "--role",
                "member",
                "--region",
                "330000",
                "--member",
                "999999999",
            ][..],
            "member 999999999",
        ),
        (
            &[
                "token",
                "--role",
                "city-staff",
                "--region",
                "330200",
                "--ttl",
                "1w",
            ][..],
            "--ttl",
        ),
        (
            &[
                "token",
                "--role",
                "city-staff",
                "--region",
                "330200",
                "--ttl",
                "91d",
            ][..],
            "XIESHANG_TOKEN_MAX_TTL",
        ),
    ] {
        let output = xieshang_embedded(&db_path).args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
}

#[tokio::test]
async fn a_second_serve_on_the_same_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("x.db");
    let port = free_port();
    let mut first = xieshang_embedded(&db_path)
        .args(["serve"])
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
        .env("XIESHANG_DEMO", "off")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&mut first, port).await;

    let second = xieshang_embedded(&db_path)
        .args(["serve"])
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{}", free_port()))
        .output()
        .unwrap();
    assert!(!second.status.success());
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        message.contains("another xieshang process is already serving"),
        "{message}"
    );
    assert!(terminate(&mut first).success());

    // Once the first has stopped, the file can be served again.
    let port = free_port();
    let mut third = xieshang_embedded(&db_path)
        .args(["serve"])
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&mut third, port).await;
    assert!(terminate(&mut third).success());
}

#[test]
fn unusable_dispatcher_settings_are_refused_with_the_variable_named() {
    let dir = tempfile::tempdir().unwrap();
    for (variable, value) in [
        ("XIESHANG_DISPATCH_LEASE_SECS", "0"),
        ("XIESHANG_NOTIFY_TIMEOUT_SECS", "0"),
        ("XIESHANG_DELIVERY_MAX_ATTEMPTS", "0"),
        ("XIESHANG_ALLOW_PRIVATE_TARGETS", "maybe"),
        ("XIESHANG_OIDC_ISSUER", "https://idp.example/realms/zj"),
        ("XIESHANG_OIDC_LEEWAY_SECS", "3600"),
        ("XIESHANG_TOKEN_MAX_TTL", "forever"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector without a scheme"),
        ("XIESHANG_IMPORT_JOB_RETENTION_DAYS", "0"),
        ("XIESHANG_UPLOAD_MAX_BYTES", "lots"),
    ] {
        let output = xieshang_embedded(&dir.path().join("x.db"))
            .args(["serve"])
            .env("XIESHANG_LISTEN", format!("127.0.0.1:{}", free_port()))
            .env(variable, value)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{variable}={value} was accepted");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(variable), "{message}");
    }
}

#[tokio::test]
async fn grant_records_a_role_assignment_but_not_while_a_server_holds_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("x.db");
    let seeded = xieshang_embedded(&db_path)
        .args(["seed", "--no-demo"])
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let grant = [
        "grant",
        "--issuer",
        "https://idp.example/realms/zj",
        "--subject",
        "f3b1c2d4",
        "--role",
        "province-staff",
        "--region",
        "330000",
    ];
    let first = token_output(xieshang_embedded(&db_path).args(grant));
    assert!(
        first.starts_with("granted PROVINCE_STAFF in 330000"),
        "{first}"
    );
    // Granting again changes nothing: the same assignment is reported.
    let again = token_output(xieshang_embedded(&db_path).args(grant));
    assert_eq!(again, first);

    for (args, expected) in [
        (
            &[
                "grant",
                "--issuer",
                "i",
                "--subject",
                "s",
                "--role",
                "admin",
                "--region",
                "330000",
            ][..],
            "--role",
        ),
        (
            &[
                "grant",
                "--issuer",
                "i",
                "--subject",
                "s",
                "--role",
                "member",
                "--region",
                "330000",
            ][..],
            "--member",
        ),
        (
            &[
                "grant",
                "--issuer",
                "i",
                "--subject",
                "s",
                "--role",
                "city-staff",
                "--region",
                "339900",
            ][..],
            "339900",
        ),
    ] {
        let output = xieshang_embedded(&db_path).args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(expected), "{args:?}: {message}");
    }

    let port = free_port();
    let mut server = xieshang_embedded(&db_path)
        .args(["serve"])
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&mut server, port).await;
    let refused = xieshang_embedded(&db_path).args(grant).output().unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("stop the server first"), "{message}");
    assert!(terminate(&mut server).success());

    // Both successful grants are in the audit log, and its chain is intact.
    let verified = token_output(xieshang_embedded(&db_path).args(["audit", "verify"]));
    assert!(
        verified.starts_with("audit log intact: 2 rows"),
        "{verified}"
    );
}

#[tokio::test]
async fn metrics_after_a_real_workload_pass_promtool() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let mut child = xieshang(&test.url)
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "XIESHANG_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&mut child, port).await;
    let client = reqwest::Client::new();
    let api = format!("http://127.0.0.1:{port}");
    let staff = xieshang::auth::jwt::sign(
        &xieshang::auth::Claims {
            sub: "metrics".into(),
            role: domain::Role::CountyStaff,
            region: "330212".into(),
            member: None,
            exp: xieshang::auth::now() + 600,
        },
        JWT_SECRET.as_bytes(),
    )
    .unwrap();
    let workload = [
        (None, r#"{ region(code: "330212") { name } }"#),
        (None, "{ nonsense }"),
        (
            None,
            r#"mutation { approveConsultation(input: { id: "Q29uc3VsdGF0aW9uOjE" }) { __typename } }"#,
        ),
        (
            Some(&staff),
            r#"mutation { proposeConsultation(input: { regionCode: "330212", title: "指标", topic: "内容", topicSource: PARTY_GOVERNMENT, kind: MICRO }) { consultation { id } } }"#,
        ),
        (Some(&staff), "{ viewer { role } }"),
    ];
    for (token, query) in workload {
        let mut request = client
            .post(format!("{api}/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&serde_json::json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap();
    }
    client.get(format!("{api}/readyz")).send().await.unwrap();
    // Metrics are never served on the API's listener.
    let on_api = client.get(format!("{api}/metrics")).send().await.unwrap();
    assert_eq!(on_api.status(), 404);
    let scrape = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.unwrap();
    assert!(terminate(&mut child).success());

    for series in [
        "xieshang_http_requests_total{",
        "xieshang_http_request_sql_statements_bucket{",
        "xieshang_graphql_operations_total{",
        "xieshang_graphql_operation_duration_seconds_bucket{",
        "xieshang_db_pool_in_use_connections{",
        "xieshang_db_pool_wait_seconds_bucket{",
        "xieshang_db_pool_acquire_probe_seconds{",
        "xieshang_outbox_head_sequence",
        "xieshang_build_info{",
    ] {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
    assert!(text.contains(r#"type="mutation""#), "{text}");

    let promtool = which_promtool()
        .expect("promtool not found: install the Debian package prometheus (scripts/test.sh does)");
    let mut check = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        check
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let output = check.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn which_promtool() -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("promtool"))
            .find(|path| path.is_file())
    })
}

// Multi-threaded: the collector must answer while this thread waits for the server to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_an_otlp_collector_with_their_parent_links() {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message;

    // A local OTLP/HTTP receiver that keeps every export request.
    let received: std::sync::Arc<std::sync::Mutex<Vec<ExportTraceServiceRequest>>> =
        Default::default();
    let kept = received.clone();
    let collector = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                if let Ok(request) = ExportTraceServiceRequest::decode(body) {
                    kept.lock().unwrap().push(request);
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, collector).await });

    let test = TestDb::new(Template::Demo).await.unwrap();
    let port = free_port();
    let mut child = xieshang(&test.url)
        .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
        .env("XIESHANG_LOG", "info")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://{collector_address}"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_healthy(&mut child, port).await;
    // An anonymous caller's `traceparent` is not believed (no trusted proxy here).
    const CALLER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
    const CALLER_SPAN: &str = "b7ad6b7169203331";
    let traceparent = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    let reply = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .header("traceparent", &traceparent)
        .json(&serde_json::json!({ "query": r#"{ region(code: "330212") { name } }"# }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    // An authenticated caller's is: its mutation continues the caller's trace, and the event it
    // writes stores the context of the request span.
    let token = token_output(xieshang(&test.url).args([
        "token",
        "--role",
        "county-staff",
        "--region",
        "330212",
    ]));
    let proposed: serde_json::Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(&token)
        .header("traceparent", &traceparent)
        .json(&serde_json::json!({
            "query": "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { consultation { id } } }",
            "variables": { "input": {
                "regionCode": "330212", "title": "traced", "topic": "议题内容",
                "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO",
            } },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        proposed["data"]["proposeConsultation"]["consultation"]["id"].is_string(),
        "{proposed}"
    );
    // Shutting down flushes the exporter.
    assert!(terminate(&mut child).success());
    let mut logs = String::new();
    {
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut logs)
            .unwrap();
    }

    let spans: Vec<_> = received
        .lock()
        .unwrap()
        .iter()
        .flat_map(|request| &request.resource_spans)
        .flat_map(|resource| &resource.scope_spans)
        .flat_map(|scope| scope.spans.clone())
        .collect();
    let names: Vec<&String> = spans.iter().map(|span| &span.name).collect();
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|byte| format!("{byte:02x}")).collect() };
    let request = spans
        .iter()
        .find(|span| span.name == "POST /graphql" && hex(&span.trace_id) != CALLER_TRACE)
        .unwrap_or_else(|| panic!("no request span: {names:?}"));
    let operation_type = request
        .attributes
        .iter()
        .find(|attribute| attribute.key == "graphql.operation.type")
        .and_then(|attribute| attribute.value.as_ref())
        .map(|value| format!("{value:?}"));
    assert!(
        operation_type.is_some_and(|value| value.contains("query")),
        "{:?}",
        request.attributes
    );
    let execution = spans
        .iter()
        .find(|span| span.name == "graphql query")
        .unwrap_or_else(|| panic!("no execution span named after its operation: {names:?}"));
    assert_eq!(execution.trace_id, request.trace_id);
    assert_eq!(
        execution.parent_span_id, request.span_id,
        "execution is a child of the request"
    );
    assert!(
        request.parent_span_id.is_empty(),
        "the request span is a root: the anonymous caller's traceparent was ignored"
    );
    // Every SQL statement is a span of the request's trace, named by operation and table.
    let statements: Vec<_> = spans
        .iter()
        .filter(|span| span.trace_id == request.trace_id)
        .filter(|span| {
            span.attributes
                .iter()
                .any(|attribute| attribute.key == "db.system.name")
        })
        .collect();
    assert!(
        statements.iter().any(|span| span.name == "SELECT regions"),
        "no statement span: {names:?}"
    );
    for statement in &statements {
        assert!(
            statement.parent_span_id == request.span_id
                || statement.parent_span_id == execution.span_id,
            "a statement hangs under its request: {statement:?}"
        );
    }

    // The authenticated mutation continued the caller's trace …
    let mutation = spans
        .iter()
        .find(|span| span.name == "POST /graphql" && hex(&span.trace_id) == CALLER_TRACE)
        .unwrap_or_else(|| panic!("the caller's trace was not continued: {names:?}"));
    assert_eq!(hex(&mutation.parent_span_id), CALLER_SPAN);
    // … and its event stores the request span's context, for its webhook deliveries.
    let event = entity::event::Entity::find()
        .order_by_desc(entity::event::Column::Sequence)
        .one(test.db.reader())
        .await
        .unwrap()
        .expect("the proposal's event");
    assert_eq!(
        event.traceparent,
        Some(format!("00-{CALLER_TRACE}-{}-01", hex(&mutation.span_id)))
    );
    // The request's log lines name its trace.
    let trace_id: String = request
        .trace_id
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert!(logs.contains(&format!("trace_id={trace_id}")), "{logs}");
}

#[tokio::test]
async fn records_go_in_and_out_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("x.db");
    let seeded = xieshang_embedded(&db_path)
        .args(["seed", "--no-demo"])
        .output()
        .unwrap();
    assert!(seeded.status.success());

    let template = dir.path().join("activities.xlsx");
    let made = xieshang_embedded(&db_path)
        .args(["template", "activities", "--output"])
        .arg(&template)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(std::fs::read(&template).unwrap().starts_with(b"PK"));

    let roster = dir.path().join("members.csv");
    std::fs::write(
        &roster,
        "委员编号,姓名,性别,界别,职业/工作单位及职务,届次,手机,邮箱,状态\n\
         ,王晓红,女,教育界,某中学校长,12,13800000001,,在任\n\
         ,李建国,男,经济界,某公司董事长,12,,,在任\n",
    )
    .unwrap();
    let imported = xieshang_embedded(&db_path)
        .args(["import", "members"])
        .arg(&roster)
        .args(["--region", "330212"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&imported.stdout);
    let progress = String::from_utf8_lossy(&imported.stderr);
    assert!(imported.status.success(), "{out}\n{progress}");
    assert!(
        out.contains("2 rows: 2 were created, 0 were updated"),
        "{out}"
    );
    // Not a terminal: plain progress lines, from the start to the end (phases quicker than a
    // poll are not shown).
    for phase in ["读取 reading: 0 rows", "完成 done: 2 rows"] {
        assert!(progress.contains(phase), "{progress}");
    }

    let exported = dir.path().join("export.xlsx");
    let written = xieshang_embedded(&db_path)
        .args(["export", "members", "--region", "330212", "--output"])
        .arg(&exported)
        .output()
        .unwrap();
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let again = xieshang_embedded(&db_path)
        .args(["import", "members"])
        .arg(&exported)
        .args(["--region", "330212", "--dry-run"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{out}");
    assert!(
        out.contains("0 would be created, 0 would be updated, 2 unchanged"),
        "{out}"
    );

    // One bad cell: nothing written, the cell named, a failing exit status.
    std::fs::write(
        &roster,
        "委员编号,姓名,性别,界别,职业/工作单位及职务,届次,手机,邮箱,状态\n\
         ,张三,男性,教育界,某中学教师,12,,,在任\n",
    )
    .unwrap();
    let refused = xieshang_embedded(&db_path)
        .args(["import", "members"])
        .arg(&roster)
        .args(["--region", "330212"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&refused.stdout);
    assert!(!refused.status.success(), "{out}");
    assert!(out.contains("!C2: 性别 '男性'"), "{out}");
    assert!(out.contains("[INVALID_ENUM]"), "{out}");
}
