//! The statistics exports (`/export/statistics.csv`, `/export/statistics.xlsx`): layout, figures
//! that agree with the GraphQL `statistics` query, authentication and bad input.

mod common;

use std::io::{Cursor, Read};

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::{TestApp, token_for};
use domain::Role;
use http_body_util::BodyExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use testing::Template;
use tower::ServiceExt;
use xieshang::{app::RouterOptions, http::budget::BudgetOptions};

const CSV: &str = "/export/statistics.csv?region=330000&year=2020";
const XLSX: &str = "/export/statistics.xlsx?region=330000&year=2020";

/// The GraphQL figures in the export's column order (from 协商-重点 to 参与委员).
const FIGURES: &str = "mainConsultationsHeld microConsultationsHeld \
    consultationsByTopicSource { partyGovernment member public } activeLounges leadMembers \
    teamMembers loungeActivities { planned flexible } \
    suggestions { made accepted implemented acceptanceRate implementationRate } \
    sentimentReports { submitted acknowledged } participatingMembers";

/// Status, headers and raw body bytes.
async fn raw(
    app: &TestApp,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a readable body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("a request")
}

/// A GraphQL figures object flattened into the export's column order, as strings.
fn graphql_columns(f: &Value) -> Vec<String> {
    let int = |v: &Value| v.as_i64().expect("a count").to_string();
    let rate = |v: &Value| format!("{:.4}", v.as_f64().expect("a rate"));
    let mut out = vec![
        int(&f["mainConsultationsHeld"]),
        int(&f["microConsultationsHeld"]),
    ];
    for key in ["partyGovernment", "member", "public"] {
        out.push(int(&f["consultationsByTopicSource"][key]));
    }
    for key in ["activeLounges", "leadMembers", "teamMembers"] {
        out.push(int(&f[key]));
    }
    out.push(int(&f["loungeActivities"]["planned"]));
    out.push(int(&f["loungeActivities"]["flexible"]));
    for key in ["made", "accepted", "implemented"] {
        out.push(int(&f["suggestions"][key]));
    }
    out.push(rate(&f["suggestions"]["acceptanceRate"]));
    out.push(rate(&f["suggestions"]["implementationRate"]));
    out.push(int(&f["sentimentReports"]["submitted"]));
    out.push(int(&f["sentimentReports"]["acknowledged"]));
    out.push(int(&f["participatingMembers"]));
    out
}

#[tokio::test]
async fn csv_layout_and_figures_agree_with_graphql() {
    let app = TestApp::new(Template::Demo).await;
    let (status, headers, body) = raw(&app, get(CSV)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"statistics-330000-2020.csv\""
    );
    assert!(body.starts_with(&[0xEF, 0xBB, 0xBF]), "a UTF-8 BOM");
    let text = String::from_utf8(body[3..].to_vec()).expect("UTF-8");
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert!(
        lines[0].starts_with(
            "地区代码,地区,范围(合计/本级/下级),协商-重点(MAIN)已举行,协商-微协商已举行,"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with(",参与委员,县级政协数,达到协商指标的县级政协,达到活动指标的客厅"));
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 11 + 2, "{text}");
    assert!(rows[..11].iter().all(|row| row[2] == "下级"));
    assert_eq!(rows[11][..3], ["330000", "浙江省", "本级"]);
    let totals = &rows[12];
    assert_eq!(totals[..3], ["330000", "浙江省", "合计"]);
    assert_eq!(totals[8], "110", "active lounges");
    assert_eq!(totals[9], "146", "lead members");
    assert_eq!(totals[10], "587", "team members");

    let response = app
        .graphql(
            &format!(
                "{{ statistics(regionCode: \"330000\", year: 2020) {{ totals {{ {FIGURES} }} \
                 own {{ {FIGURES} }} children {{ region {{ code name }} figures {{ {FIGURES} }} }} \
                 quota {{ countyCommittees countyCommitteesMeetingConsultationQuota \
                 loungesMeetingActivityQuota }} }} }}"
            ),
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let stats = &response["data"]["statistics"];
    let children = stats["children"].as_array().expect("children");
    assert_eq!(children.len(), 11);
    for (row, child) in rows.iter().zip(children) {
        assert_eq!(row[0], child["region"]["code"]);
        assert_eq!(row[1], child["region"]["name"]);
        assert_eq!(row[3..21], graphql_columns(&child["figures"]), "{row:?}");
        assert_eq!(row[21..], ["", "", ""]);
    }
    assert_eq!(rows[11][3..21], graphql_columns(&stats["own"]));
    assert_eq!(totals[3..21], graphql_columns(&stats["totals"]));
    let quota = &stats["quota"];
    let quota: Vec<String> = [
        "countyCommittees",
        "countyCommitteesMeetingConsultationQuota",
        "loungesMeetingActivityQuota",
    ]
    .iter()
    .map(|key| quota[key].to_string())
    .collect();
    assert_eq!(totals[21..], quota);
}

#[tokio::test]
async fn xlsx_is_a_workbook_with_the_same_numbers() {
    let app = TestApp::new(Template::Demo).await;
    let (status, headers, body) = raw(&app, get(XLSX)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"statistics-330000-2020.xlsx\""
    );
    assert!(body.starts_with(b"PK\x03\x04"), "a zip");
    let mut archive = zip::ZipArchive::new(Cursor::new(body)).expect("a valid zip");
    let mut sheet = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .expect("a first worksheet")
        .read_to_string(&mut sheet)
        .expect("UTF-8 XML");
    // Header + 11 children + 本级 + 合计.
    assert!(sheet.contains("<row r=\"14\""), "{sheet}");
    assert!(!sheet.contains("<row r=\"15\""));
    // The totals row, as numbers: I = active lounges, J = lead, K = team members.
    for (cell, value) in [("I14", 110), ("J14", 146), ("K14", 587)] {
        assert!(
            sheet.contains(&format!("<c r=\"{cell}\"><v>{value}</v></c>"))
                || sheet.contains(&format!("<c r=\"{cell}\" s=\"0\"><v>{value}</v></c>")),
            "{cell} = {value} in {sheet}"
        );
    }
    let mut strings = String::new();
    archive
        .by_name("xl/sharedStrings.xml")
        .expect("shared strings")
        .read_to_string(&mut strings)
        .expect("UTF-8 XML");
    assert!(strings.contains("活跃委员会客厅") && strings.contains("合计"));
    let mut styles = String::new();
    archive
        .by_name("xl/styles.xml")
        .expect("styles")
        .read_to_string(&mut styles)
        .expect("UTF-8 XML");
    assert!(styles.contains("<b/>"), "a bold header format");
}

#[tokio::test]
async fn bad_parameters_are_400() {
    let app = TestApp::new(Template::Demo).await;
    for path in [
        "/export/statistics.csv?year=2020",
        "/export/statistics.csv?region=33&year=2020",
        "/export/statistics.csv?region=999999&year=2020",
        "/export/statistics.csv?region=330000",
        "/export/statistics.csv?region=330000&year=abc",
        "/export/statistics.csv?region=330000&year=1800",
        "/export/statistics.xlsx?region=330000&year=10000",
        "/export/statistics.xlsx?region=abcdef&year=2020",
    ] {
        let reply = app.get(path).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.body
        );
        assert!(!reply.body.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn anonymous_and_valid_tokens_are_served_bad_tokens_are_401() {
    let app = TestApp::new(Template::Demo).await;
    assert_eq!(app.get(CSV).await.status, StatusCode::OK);
    let token = token_for(domain::Role::ProvinceStaff, "330000", None);
    for (path, expected) in [(CSV, StatusCode::OK), (XLSX, StatusCode::OK)] {
        let request = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("a request");
        assert_eq!(app.send(request).await.status, expected, "{path}");
    }
    // The two authenticated exports are in the audit log; the anonymous one is not.
    let recorded = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Operation.eq("exportStatistics"))
        .all(app.test_db.db.reader())
        .await
        .expect("the audit log reads");
    assert_eq!(recorded.len(), 2);
    assert!(recorded.iter().all(|row| {
        row.actor_subject.as_deref() == Some("test-province_staff")
            && row.input_summary.contains("330000")
    }));
    for (path, header) in [
        (CSV, "Bearer not-a-token"),
        (XLSX, "Bearer not-a-token"),
        (CSV, "Basic abc"),
    ] {
        let request = Request::get(path)
            .header("authorization", header)
            .body(Body::empty())
            .expect("a request");
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path} {header}");
        assert_eq!(
            reply.json()["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED"
        );
        assert_eq!(reply.headers["www-authenticate"], "Bearer");
    }
}

/// Exports compute the same statistics as the `statistics` field, so they spend the caller's
/// cost budget like `/graphql` does: over it, 429 with `Retry-After` before anything runs.
#[tokio::test]
async fn exports_spend_the_callers_cost_budget() {
    let options = RouterOptions {
        budgets: BudgetOptions {
            anonymous_per_minute: Some(20_000),
            ..BudgetOptions::default()
        },
        ..RouterOptions::default()
    };
    let app = TestApp::with_options(Template::Demo, &options).await;
    // One province statistics costs about 15,000 points: the first export fits the budget…
    assert_eq!(app.get(CSV).await.status, StatusCode::OK);
    app.statements().clear();
    // …the second does not, and no statistics statement runs for it.
    let refused = app.get(CSV).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert!(refused.headers.contains_key("retry-after"));
    assert_eq!(
        refused.json()["errors"][0]["extensions"]["code"],
        "RATE_LIMITED"
    );
    let statements = app.statements().statements();
    assert!(
        statements.iter().all(|sql| !sql.contains("consultations")),
        "{statements:?}"
    );
    // A token has a budget of its own.
    let token = token_for(Role::ProvinceStaff, "330000", None);
    let signed_in = app
        .send(
            Request::get(CSV)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
}
