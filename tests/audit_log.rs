//! The audit log: every mutation leaves one row (the permission matrix of `tests/permissions.rs`
//! runs 27 of them under every role and checks their rows; this file runs the others), refused
//! attempts are recorded (anonymous ones once per client address and minute), input summaries
//! hold no secrets or contact data, `auditLog` follows the caller's scope, and the database
//! refuses to change rows while `xieshang audit verify` (`domain::audit::verify`) catches a row
//! removed behind the triggers' back.

mod common;

use std::collections::BTreeSet;

use base64::Engine;
use common::{TestApp, token_for};
use domain::{Engine as DbEngine, Role};
use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement,
};
use serde_json::{Value, json};
use testing::Template;

fn global(type_name: &str, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// The mutations `tests/permissions.rs` does not run, with an input each. Their outcome does not
/// matter here (many end in user errors); their audit row does.
fn cases() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "acceptPublicTopic",
            "AcceptPublicTopicInput",
            json!({ "id": global("Consultation", 1) }),
        ),
        (
            "rejectPublicTopic",
            "RejectPublicTopicInput",
            json!({ "id": global("Consultation", 1), "reason": "重复" }),
        ),
        (
            "confirmActivityHosting",
            "ConfirmActivityHostingInput",
            json!({ "activityId": global("LoungeActivity", 1), "loungeId": global("Lounge", 1) }),
        ),
        (
            "declineActivityHosting",
            "DeclineActivityHostingInput",
            json!({ "activityId": global("LoungeActivity", 1), "loungeId": global("Lounge", 2) }),
        ),
        (
            "createNotificationTarget",
            "CreateNotificationTargetInput",
            json!({ "name": "审计", "adapter": "WEBHOOK", "url": "https://hooks.example.com/x?token=SECRET-IN-URL", "secret": "SECRET-SIGNING-KEY-0123", "regionCode": "330000" }),
        ),
        (
            "updateNotificationTarget",
            "UpdateNotificationTargetInput",
            json!({ "id": global("NotificationTarget", 999_999), "name": "x" }),
        ),
        (
            "pauseNotificationTarget",
            "PauseNotificationTargetInput",
            json!({ "id": global("NotificationTarget", 999_999) }),
        ),
        (
            "resumeNotificationTarget",
            "ResumeNotificationTargetInput",
            json!({ "id": global("NotificationTarget", 999_999) }),
        ),
        (
            "sendTestNotification",
            "SendTestNotificationInput",
            json!({ "id": global("NotificationTarget", 999_999) }),
        ),
        (
            "redeliverDeadLetters",
            "RedeliverDeadLettersInput",
            json!({ "id": global("NotificationTarget", 999_999) }),
        ),
        (
            "redeliverDelivery",
            "RedeliverDeliveryInput",
            json!({ "id": global("Delivery", 999_999) }),
        ),
        (
            "revokeRole",
            "RevokeRoleInput",
            json!({ "id": global("RoleAssignment", 999_999) }),
        ),
        (
            "revokeServiceToken",
            "RevokeServiceTokenInput",
            json!({ "jti": "0123456789abcdef0123456789abcdef" }),
        ),
        (
            "submitPublicTopic",
            "SubmitPublicTopicInput",
            json!({ "regionCode": "330212", "title": "路灯", "topic": "村口路灯不亮", "submitterName": "王五", "submitterContact": "13900000000" }),
        ),
    ]
}

async fn rows_of(app: &TestApp, operation: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq(operation))
        .order_by_asc(audit_log::Column::Id)
        .all(app.test_db.db.reader())
        .await
        .expect("the audit log reads")
}

/// The mutation fields of the schema.
fn mutations() -> BTreeSet<String> {
    let sdl = graphql::sdl();
    let start = sdl.find("type Mutation {").expect("a Mutation type");
    let body = &sdl[start..];
    let end = body.find("\n}").expect("the end of Mutation");
    body[..end]
        .lines()
        .filter_map(|line| line.strip_prefix('\t'))
        .filter_map(|line| line.split_once('(').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(char::is_alphanumeric))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_mutation_not_in_the_permission_matrix_writes_its_row() {
    let app = TestApp::new(Template::Demo).await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    for (name, input_type, input) in cases() {
        let query =
            format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename }} }}");
        let reply = app
            .graphql_as(&province, &query, json!({ "input": input }))
            .await
            .json();
        let rows = rows_of(&app, name).await;
        assert_eq!(rows.len(), 1, "{name}: {reply}");
        let row = &rows[0];
        assert_eq!(row.actor_issuer.as_deref(), Some("xieshang"));
        assert_eq!(row.actor_subject.as_deref(), Some("test-province_staff"));
        assert_eq!(row.actor_role.as_deref(), Some("PROVINCE_STAFF"));
        assert_eq!(row.actor_region.as_deref(), Some("330000"));
        assert!(row.request_id.is_some(), "{name}: a request id");
    }
    // Secrets and URLs never reach the log.
    let created = &rows_of(&app, "createNotificationTarget").await[0];
    for leaked in ["SECRET-IN-URL", "SECRET-SIGNING-KEY", "hooks.example.com"] {
        assert!(
            !created.input_summary.contains(leaked),
            "{}",
            created.input_summary
        );
    }
    assert!(created.input_summary.contains("审计"));

    // Together with the permission matrix and the upload tests (`importRecords` needs a
    // multipart request), every mutation of the schema is covered; a new one fails here until
    // it is added to one of them.
    let matrix = include_str!("permissions.rs");
    let uploads = include_str!("imports.rs");
    let covered: BTreeSet<String> = cases()
        .into_iter()
        .map(|(name, _, _)| name.to_owned())
        .chain(
            mutations()
                .into_iter()
                .filter(|name| matrix.contains(&format!("name: \"{name}\""))),
        )
        .chain(
            mutations()
                .into_iter()
                .filter(|name| uploads.contains(&format!("[\"{name}\", "))),
        )
        .collect();
    assert_eq!(covered, mutations());
}

#[tokio::test]
async fn public_submissions_and_refusals_are_recorded_and_anonymous_refusals_aggregated() {
    let app = TestApp::new(Template::Demo).await;
    let submit = "mutation($input: SubmitPublicTopicInput!) { submitPublicTopic(input: $input) { __typename } }";
    app.graphql(
        submit,
        json!({ "input": { "regionCode": "330212", "title": "路灯", "topic": "村口路灯不亮", "submitterName": "王五", "submitterContact": "13900000000" } }),
    )
    .await;
    let submitted = &rows_of(&app, "submitPublicTopic").await[0];
    assert_eq!(submitted.actor_subject, None, "anonymous");
    assert!(!submitted.input_summary.contains("13900000000"));

    // A member refused: recorded with the member as actor.
    let plain_member = entity::member::Entity::find()
        .filter(
            entity::member::Column::RegionId
                .eq(testing::region_id(&app.test_db.db, "330212").await.unwrap()),
        )
        .one(app.test_db.db.reader())
        .await
        .unwrap()
        .unwrap();
    let member = token_for(Role::Member, "330212", Some(plain_member.id));
    let approve = "mutation($input: ApproveConsultationInput!) { approveConsultation(input: $input) { __typename } }";
    let refused = app
        .graphql_as(
            &member,
            approve,
            json!({ "input": { "id": global("Consultation", 1) } }),
        )
        .await
        .json();
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let rows = rows_of(&app, "approveConsultation").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "FORBIDDEN");
    assert_eq!(rows[0].actor_role.as_deref(), Some("MEMBER"));

    // Anonymous refusals: one row per client address and minute, the rest counted.
    for _ in 0..5 {
        app.graphql(
            approve,
            json!({ "input": { "id": global("Consultation", 1) } }),
        )
        .await;
    }
    let rows = rows_of(&app, "approveConsultation").await;
    let anonymous = rows
        .iter()
        .filter(|row| row.outcome == "UNAUTHENTICATED")
        .count();
    assert!(
        (1..=2).contains(&anonymous),
        "{anonymous} rows for 5 anonymous refusals (at most one per minute, and the test may span a minute boundary)"
    );
}

#[tokio::test]
async fn staff_read_the_log_of_their_scope_only() {
    let app = TestApp::new(Template::Demo).await;
    let propose = "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { consultation { id } } }";
    let proposal = |code: &str| json!({ "input": { "regionCode": code, "title": "审计", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } });
    let yinzhou = token_for(Role::CountyStaff, "330212", None);
    let xihu = token_for(Role::CountyStaff, "330106", None);
    let created = app
        .graphql_as(&yinzhou, propose, proposal("330212"))
        .await
        .json();
    let consultation = created["data"]["proposeConsultation"]["consultation"]["id"].clone();
    app.graphql_as(&xihu, propose, proposal("330106")).await;

    let log = "query($filter: AuditLogFilter) { auditLog(filter: $filter, first: 50) { totalCount nodes { operation actorRegionCode targetIds outcome hash } } }";
    let read = |token: String, filter: Value| {
        let app = &app;
        async move {
            app.graphql_as(&token, log, json!({ "filter": filter }))
                .await
                .json()
        }
    };
    let regions = |body: &Value| -> Vec<String> {
        body["data"]["auditLog"]["nodes"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|node| node["actorRegionCode"].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    assert_eq!(
        regions(&read(yinzhou.clone(), Value::Null).await),
        ["330212"]
    );
    assert_eq!(regions(&read(xihu.clone(), Value::Null).await), ["330106"]);
    let city = token_for(Role::CityStaff, "330200", None);
    assert_eq!(regions(&read(city, Value::Null).await), ["330212"]);
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let all = read(province.clone(), Value::Null).await;
    assert_eq!(all["data"]["auditLog"]["totalCount"], 2, "{all}");
    let by_target = read(province.clone(), json!({ "targetId": consultation })).await;
    assert_eq!(regions(&by_target), ["330212"], "{by_target}");
    assert_eq!(
        by_target["data"]["auditLog"]["nodes"][0]["targetIds"],
        json!([consultation])
    );
    let by_operation = read(province, json!({ "operation": "grantRole" })).await;
    assert_eq!(by_operation["data"]["auditLog"]["totalCount"], 0);

    let integrator = token_for(Role::Integrator, "330000", None);
    assert_eq!(
        read(integrator, Value::Null).await["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
    assert_eq!(
        app.graphql(log, json!({})).await["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn the_database_refuses_changes_and_verification_catches_a_removed_row() {
    let app = TestApp::new(Template::Demo).await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let propose = "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { __typename } }";
    for title in ["一", "二", "三"] {
        app.graphql_as(
            &province,
            propose,
            json!({ "input": { "regionCode": "330212", "title": title, "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } }),
        )
        .await;
    }
    let db = &app.test_db.db;
    assert_eq!(
        audit_log::Entity::find().count(db.reader()).await.unwrap(),
        3
    );
    let verified = domain::audit::verify(db).await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");

    let writer = db.writer();
    let backend = writer.get_database_backend();
    let run = |sql: &str| writer.execute_raw(Statement::from_string(backend, sql.to_owned()));
    for refused in [
        "UPDATE audit_log SET operation = 'nothing' WHERE id = 2",
        "DELETE FROM audit_log WHERE id = 2",
        "UPDATE audit_log_regions SET region_id = 1",
        "DELETE FROM audit_log_regions",
    ] {
        assert!(run(refused).await.is_err(), "{refused} was allowed");
    }
    if db.engine() == DbEngine::Postgres {
        assert!(run("TRUNCATE audit_log CASCADE").await.is_err());
    }
    assert!(domain::audit::verify(db).await.unwrap().is_ok());

    // Someone with the database owner's rights removes a row behind the triggers' back.
    match db.engine() {
        DbEngine::Sqlite => {
            run("DROP TRIGGER audit_log_no_delete").await.unwrap();
            run("DROP TRIGGER audit_log_regions_no_delete")
                .await
                .unwrap();
        }
        DbEngine::Postgres => {
            run("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
                .await
                .unwrap();
            run("ALTER TABLE audit_log_regions DISABLE TRIGGER audit_log_regions_append_only")
                .await
                .unwrap();
        }
    }
    run("DELETE FROM audit_log_regions WHERE audit_id = 2")
        .await
        .unwrap();
    run("DELETE FROM audit_log WHERE id = 2").await.unwrap();
    let broken = domain::audit::verify(db).await.unwrap();
    assert!(broken.is_err(), "a removed row went unnoticed");
}

#[tokio::test]
async fn staff_export_the_log_as_csv_and_the_export_is_recorded() {
    let app = TestApp::new(Template::Demo).await;
    let county = token_for(Role::CountyStaff, "330212", None);
    app.graphql_as(
        &county,
        "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { __typename } }",
        json!({ "input": { "regionCode": "330212", "title": "=HYPERLINK(\"x\")", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } }),
    )
    .await;
    let get = |token: Option<&str>, query: &str| {
        let mut request = axum::http::Request::get(format!("/export/audit.csv{query}"));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        app.send(request.body(axum::body::Body::empty()).unwrap())
    };
    let reply = get(Some(&county), "?operation=proposeConsultation").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("text/csv"));
    assert!(reply.body.starts_with('\u{feff}'));
    let lines: Vec<&str> = reply.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "{}", reply.body);
    assert!(lines[1].contains("proposeConsultation"));
    assert!(lines[1].contains("test-county_staff"));
    assert_eq!(rows_of(&app, "exportAuditLog").await.len(), 1);

    assert_eq!(get(None, "").await.status, 401);
    let member = token_for(Role::Integrator, "330212", None);
    assert_eq!(get(Some(&member), "").await.status, 403);
    assert_eq!(get(Some(&county), "?from=yesterday").await.status, 400);
    // Another county's staff see none of 330212's rows.
    let xihu = token_for(Role::CountyStaff, "330106", None);
    let other = get(Some(&xihu), "?operation=proposeConsultation").await;
    assert_eq!(
        other.body.trim_end().split("\r\n").count(),
        1,
        "{}",
        other.body
    );
}

#[tokio::test]
async fn staff_reads_of_contact_data_are_recorded_and_other_reads_are_not() {
    let app = TestApp::new(Template::Demo).await;
    let members = "query($code: String!) { region(code: $code) { members(first: 3) { nodes { id name phone email } } } }";
    let names =
        "query($code: String!) { region(code: $code) { members(first: 3) { nodes { id name } } } }";
    let county = token_for(Role::CountyStaff, "330212", None);

    // Anonymous callers and staff out of scope see no contact data: nothing is recorded.
    app.graphql(members, json!({ "code": "330212" })).await;
    app.graphql_as(&county, members, json!({ "code": "330106" }))
        .await;
    // Staff in scope who do not ask for contact data: nothing is recorded either.
    app.graphql_as(&county, names, json!({ "code": "330212" }))
        .await;
    assert_eq!(rows_of(&app, "readContactData").await.len(), 0);

    let shown = app
        .graphql_as(&county, members, json!({ "code": "330212" }))
        .await
        .json();
    let nodes = shown["data"]["region"]["members"]["nodes"]
        .as_array()
        .expect("members")
        .clone();
    assert!(
        nodes.iter().all(|node| node["phone"].is_string()),
        "{shown}"
    );
    let rows = rows_of(&app, "readContactData").await;
    assert_eq!(rows.len(), 1);
    let targets: Vec<String> = serde_json::from_str(&rows[0].target_ids).unwrap();
    let listed: Vec<String> = nodes
        .iter()
        .map(|node| node["id"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    let mut targets_sorted = targets.clone();
    targets_sorted.sort();
    assert_eq!(targets_sorted, sorted);
    assert_eq!(rows[0].actor_subject.as_deref(), Some("test-county_staff"));
    // The row holds which records, never the phone numbers themselves.
    for node in &nodes {
        let phone = node["phone"].as_str().unwrap();
        assert!(!rows[0].input_summary.contains(phone));
    }
}

/// The recommended PostgreSQL set-up (README, Audit log): a role that owns the tables and
/// migrates, and a service role that may only INSERT and SELECT on the audit tables. The
/// service works as that role, and the database itself — not only the triggers — refuses it
/// any change to the log. PostgreSQL only: SQLite has no roles.
#[tokio::test]
async fn on_postgresql_the_service_runs_as_a_role_that_may_only_append_to_the_log() {
    let owner = testing::TestDb::new(Template::Demo).await.unwrap();
    if owner.db.engine() != DbEngine::Postgres {
        return;
    }
    let database = owner.url.rsplit('/').next().unwrap().to_owned();
    let role = format!("svc_{database}");
    let writer = owner.db.writer();
    let backend = writer.get_database_backend();
    let setup = [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT CONNECT ON DATABASE {database} TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_log_regions FROM {role}"),
    ];
    for statement in setup {
        writer
            .execute_raw(Statement::from_string(backend, statement.clone()))
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    }
    let service_url = owner.url.replacen("xieshang@", &format!("{role}@"), 1);
    assert_ne!(
        service_url, owner.url,
        "the test URL names the user xieshang"
    );
    let service = domain::Db::connect(&service_url, domain::db::DbOptions::default())
        .await
        .expect("the service role connects");
    // `serve` migrates at start: with nothing pending, the service role may.
    service
        .migrate()
        .await
        .expect("no pending migration needs rights");

    let state = xieshang::app::AppState::new(
        service.clone(),
        xieshang::auth::Secret::new(common::TEST_SECRET),
    );
    state.preload().await.unwrap();
    let app = TestApp {
        router: xieshang::app::router(state, &xieshang::app::RouterOptions::default()),
        test_db: owner,
    };
    let county = token_for(Role::CountyStaff, "330212", None);
    let reply = app
        .graphql_as(
            &county,
            "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { consultation { id } } }",
            json!({ "input": { "regionCode": "330212", "title": "角色", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } }),
        )
        .await
        .json();
    assert!(
        reply["data"]["proposeConsultation"]["consultation"]["id"].is_string(),
        "{reply}"
    );
    assert_eq!(rows_of(&app, "proposeConsultation").await.len(), 1);

    let as_service = service.writer();
    for refused in [
        "UPDATE audit_log SET operation = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log CASCADE",
        "DELETE FROM audit_log_regions",
    ] {
        let error = as_service
            .execute_raw(Statement::from_string(backend, refused.to_owned()))
            .await
            .expect_err(refused)
            .to_string();
        assert!(error.contains("permission denied"), "{refused}: {error}");
    }
    assert!(domain::audit::verify(&service).await.unwrap().is_ok());
    service.close().await;
    let cleanup = [
        format!("REASSIGN OWNED BY {role} TO xieshang"),
        format!("DROP OWNED BY {role}"),
        format!("DROP ROLE IF EXISTS {role}"),
    ];
    for statement in cleanup {
        let _ = app
            .test_db
            .db
            .writer()
            .execute_raw(Statement::from_string(backend, statement))
            .await;
    }
}
