//! The backup and restore the README recommends for PostgreSQL, exercised once: `pg_dump
//! --format=custom` of a database that the service has written to, `pg_restore` into an empty
//! database, and the restored copy is complete — same rows, no pending migration, an intact
//! audit chain whose triggers still refuse changes — and serves requests. PostgreSQL only: an
//! embedded SQLite database is backed up by copying its file while no server holds it.

mod common;

use std::{path::PathBuf, process::Command};

use common::{TestApp, token_for};
use domain::{Db, Engine, Role, db::DbOptions};
use entity::{audit_log, consultation, member};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use serde_json::json;
use testing::{Template, TestDb};

/// `pg_dump`/`pg_restore` of the server's major version (Debian's layout), else from `PATH`.
fn client_tool(name: &str) -> PathBuf {
    let debian = PathBuf::from(format!("/usr/lib/postgresql/15/bin/{name}"));
    if debian.is_file() {
        debian
    } else {
        PathBuf::from(name)
    }
}

fn run(mut command: Command) {
    let output = command.output().expect("the PostgreSQL client tool runs");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn counts(db: &Db) -> (u64, u64, u64) {
    let reader = db.reader();
    (
        member::Entity::find()
            .count(reader)
            .await
            .expect("members count"),
        consultation::Entity::find()
            .count(reader)
            .await
            .expect("consultations count"),
        audit_log::Entity::find()
            .count(reader)
            .await
            .expect("audit rows count"),
    )
}

#[tokio::test]
async fn a_pg_dump_restores_into_an_empty_database_that_serves_and_verifies() {
    let app = TestApp::new(Template::Demo).await;
    if app.test_db.db.engine() != Engine::Postgres {
        return;
    }
    let county = token_for(Role::CountyStaff, "330212", None);
    let proposed = app
        .graphql_as(
            &county,
            "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { consultation { id } } }",
            json!({ "input": { "regionCode": "330212", "title": "备份", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } }),
        )
        .await
        .json();
    assert!(proposed["data"]["proposeConsultation"]["consultation"]["id"].is_string());
    let before = counts(&app.test_db.db).await;
    assert!(before.2 >= 1, "the proposal left an audit row");

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("xieshang.dump");
    let mut pg_dump = Command::new(client_tool("pg_dump"));
    pg_dump
        .arg("--format=custom")
        .arg("--file")
        .arg(&dump)
        .arg("--dbname")
        .arg(&app.test_db.url);
    run(pg_dump);

    let restored = TestDb::new(Template::Empty).await.unwrap();
    let mut pg_restore = Command::new(client_tool("pg_restore"));
    pg_restore
        .arg("--no-owner")
        .arg("--exit-on-error")
        .arg("--dbname")
        .arg(&restored.url)
        .arg(&dump);
    run(pg_restore);

    let copy = Db::connect(&restored.url, DbOptions::default())
        .await
        .unwrap();
    assert_eq!(counts(&copy).await, before);
    assert_eq!(domain::health::pending_migrations(&copy).await.unwrap(), 0);
    assert!(domain::audit::verify(&copy).await.unwrap().is_ok());
    let writer = copy.writer();
    let refused = writer
        .execute_raw(Statement::from_string(
            writer.get_database_backend(),
            "DELETE FROM audit_log".to_owned(),
        ))
        .await;
    assert!(
        refused.is_err(),
        "the restored triggers still guard the log"
    );

    // The copy serves: the proposal is there.
    let state = xieshang::app::AppState::new(
        copy.clone(),
        xieshang::auth::Secret::new(common::TEST_SECRET),
    );
    state.preload().await.unwrap();
    let served = TestApp {
        router: xieshang::app::router(state, &xieshang::app::RouterOptions::default()),
        test_db: restored,
    };
    let node = served
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Consultation { title } } }",
            json!({ "id": proposed["data"]["proposeConsultation"]["consultation"]["id"] }),
        )
        .await;
    assert_eq!(node["data"]["node"]["title"], "备份", "{node}");
    copy.close().await;
}
