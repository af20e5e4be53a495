//! The real binary: `serve` prepares an empty database and shuts down cleanly on SIGTERM;
//! `seed` refuses a non-empty database unless `--reset`.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use domain::testing::{Template, TestDb};
use entity::{lounge, region};
use sea_orm::{EntityTrait, PaginatorTrait};

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
        .env("XIESHANG_LOG", "warn");
    command
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
