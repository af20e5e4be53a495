//! `importRecords` through the real HTTP server: a GraphQL multipart request with the
//! `X-Xieshang-Upload` header starts a job that staff poll with `importJob`; rows outside the
//! caller's scope are refused; the upload has its own size limit; exports and templates are
//! served to whom they should be.

mod common;

use std::{net::SocketAddr, time::Duration};

use common::{TEST_SECRET, token_for};
use domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use testing::{Template, TestDb};
use tokio::sync::oneshot;
use xieshang::{
    app::{AppState, RouterOptions},
    auth::Secret,
};

const IMPORT: &str = "mutation($input: ImportRecordsInput!) { importRecords(input: $input) { job { id status } userErrors { message } } }";
const POLL: &str = "query($id: ID!) { importJob(id: $id) { status progress failure { code } report { rows created updated unchanged errorCount written errors { sheet row column columnLetter value code message } } } }";

struct Server {
    address: SocketAddr,
    test_db: TestDb,
    stop: Option<oneshot::Sender<()>>,
    http: reqwest::Client,
}

impl Server {
    async fn start(options: RouterOptions) -> Self {
        let test_db = TestDb::new(Template::Demo).await.expect("a test database");
        let state = AppState::new(test_db.db.clone(), Secret::new(TEST_SECRET));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("an address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(xieshang::server::run(
            listener,
            state,
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            address,
            test_db,
            stop: Some(stop),
            http: reqwest::Client::new(),
        }
    }

    /// Posts `file` as a GraphQL multipart request; `marked` adds the upload header.
    async fn upload(
        &self,
        token: &str,
        file_name: &str,
        file: &[u8],
        region: Option<&str>,
        marked: bool,
    ) -> reqwest::Response {
        let boundary = "xieshang-test-boundary";
        let operations = json!({
            "query": IMPORT,
            "variables": { "input": { "kind": "MEMBERS", "file": null, "regionCode": region } },
        });
        let mut body = Vec::new();
        for (name, value) in [
            ("operations", operations.to_string()),
            ("map", json!({ "0": ["variables.input.file"] }).to_string()),
        ] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut request = self
            .http
            .post(format!("http://{}/graphql", self.address))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if marked {
            request = request.header("X-Xieshang-Upload", "1");
        }
        request.send().await.expect("the server answers")
    }

    async fn graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.http
            .post(format!("http://{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON")
    }

    /// Polls the job until it has finished; returns `importJob`.
    async fn finished(&self, token: &str, id: &str) -> Value {
        for _ in 0..300 {
            let polled = self.graphql(token, POLL, json!({ "id": id })).await;
            let job = polled["data"]["importJob"].clone();
            if job["status"] == "SUCCEEDED" || job["status"] == "FAILED" {
                return job;
            }
            assert!(job.is_object(), "{polled}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the job did not finish");
    }

    async fn members_named(&self, name: &str) -> u64 {
        entity::member::Entity::find()
            .filter(entity::member::Column::Name.eq(name))
            .count(self.test_db.db.reader())
            .await
            .expect("members")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

const HEADER: &str = "委员编号,姓名,性别,界别,职业/工作单位及职务,届次,手机,邮箱,状态,委员会代码";

async fn started(response: reqwest::Response) -> String {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, 200, "{body}");
    body["data"]["importRecords"]["job"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

#[tokio::test]
async fn staff_import_a_roster_through_a_multipart_request_and_poll_the_job() {
    let server = Server::start(RouterOptions::default()).await;
    let county = token_for(Role::CountyStaff, "330212", None);
    let csv = format!("{HEADER}\n,上传委员,女,教育界,中学教师,12,13800001234,,在任,330212\n");

    // Without the upload header a cross-site form could post: refused, nothing started.
    let unmarked = server
        .upload(&county, "m.csv", csv.as_bytes(), None, false)
        .await;
    assert_eq!(unmarked.status(), 400);

    let id = started(
        server
            .upload(&county, "m.csv", csv.as_bytes(), None, true)
            .await,
    )
    .await;
    let job = server.finished(&county, &id).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["report"]["created"], 1, "{job}");
    assert_eq!(job["report"]["written"], true);
    assert_eq!(job["progress"], 1);
    assert_eq!(server.members_named("上传委员").await, 1);

    // Another county's staff cannot see the job (its report may quote personal data).
    let other = token_for(Role::CountyStaff, "330109", None);
    let hidden = server.graphql(&other, POLL, json!({ "id": id })).await;
    assert_eq!(hidden["data"]["importJob"], Value::Null, "{hidden}");
    // The request left its row (every mutation does), and the import its own, in the
    // transaction that wrote the members.
    for operation in ["importRecords", "importRecordsJob"] {
        let recorded = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Operation.eq(operation))
            .count(server.test_db.db.reader())
            .await
            .unwrap();
        assert_eq!(recorded, 1, "{operation}");
    }
}

#[tokio::test]
async fn rows_outside_the_callers_scope_are_refused_and_nothing_is_written() {
    let server = Server::start(RouterOptions::default()).await;
    let county = token_for(Role::CountyStaff, "330212", None);
    let csv = format!(
        "{HEADER}\n,范围内,女,教育界,中学教师,12,,,,330212\n,范围外,男,经济界,企业家,12,,,,330109\n"
    );
    let id = started(
        server
            .upload(&county, "m.csv", csv.as_bytes(), None, true)
            .await,
    )
    .await;
    let job = server.finished(&county, &id).await;
    let report = &job["report"];
    assert_eq!(report["written"], false, "{job}");
    assert_eq!(report["errorCount"], 1);
    assert_eq!(report["errors"][0]["code"], "OUT_OF_SCOPE");
    assert_eq!(report["errors"][0]["row"], 3);
    assert_eq!(report["errors"][0]["columnLetter"], "J");
    assert_eq!(server.members_named("范围内").await, 0);

    // A file that is no spreadsheet fails the job with its code.
    let id = started(
        server
            .upload(&county, "m.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00", None, true)
            .await,
    )
    .await;
    let job = server.finished(&county, &id).await;
    assert_eq!(job["status"], "FAILED");
    assert_eq!(job["failure"]["code"], "NOT_A_SPREADSHEET");
    // A failed import is in the audit log too: both jobs, each as refused input.
    let outcomes: Vec<String> = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Operation.eq("importRecordsJob"))
        .all(server.test_db.db.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.outcome)
        .collect();
    assert_eq!(outcomes, ["USER_ERRORS", "USER_ERRORS"]);
}

#[tokio::test]
async fn an_upload_over_its_limit_is_refused() {
    let server = Server::start(RouterOptions {
        upload_max_bytes: 64,
        ..RouterOptions::default()
    })
    .await;
    let county = token_for(Role::CountyStaff, "330212", None);
    let rows: String = (0..40)
        .map(|index| format!(",委员{index},女,教育界,中学教师,12,,,,330212\n"))
        .collect();
    let response = server
        .upload(
            &county,
            "m.csv",
            format!("{HEADER}\n{rows}").as_bytes(),
            None,
            true,
        )
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(server.members_named("委员0").await, 0);
}

#[tokio::test]
async fn exports_go_to_staff_in_scope_and_templates_to_anyone() {
    let server = Server::start(RouterOptions::default()).await;
    let get = |path: &str, token: Option<&str>| {
        let mut request = server.http.get(format!("http://{}{path}", server.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let county = token_for(Role::CountyStaff, "330212", None);
    let other = token_for(Role::CountyStaff, "330109", None);
    let exported = get("/export/members.xlsx?region=330212", Some(&county))
        .await
        .unwrap();
    assert_eq!(exported.status(), 200);
    assert!(exported.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    assert_eq!(
        get("/export/members.xlsx?region=330212", None)
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        get("/export/members.xlsx?region=330212", Some(&other))
            .await
            .unwrap()
            .status(),
        403
    );
    let activities = get("/export/activities.xlsx?region=330212", Some(&county))
        .await
        .unwrap();
    assert_eq!(activities.status(), 200);
    assert!(activities.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    assert_eq!(
        get("/export/reports.xlsx?region=330212", Some(&county))
            .await
            .unwrap()
            .status(),
        404
    );
    let template = get("/export/templates/members.xlsx", None).await.unwrap();
    assert_eq!(template.status(), 200);
    let recorded = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Operation.eq("exportRecords"))
        .count(server.test_db.db.reader())
        .await
        .unwrap();
    assert_eq!(recorded, 2);
}
