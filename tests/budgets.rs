//! Honest prices, budgets per client and load shedding over GraphQL over HTTP: the pages
//! frontends build pass and report their cost, a request that would hold the database is
//! refused before any SQL runs, a client over its budget gets 429 and a saturated server 503.

mod common;

use std::{net::SocketAddr, time::Duration};

use axum::{body::Body, extract::ConnectInfo, http::Request};
use common::{Reply, TestApp, token_for};
use domain::Role;
use serde_json::{Value, json};
use testing::Template;
use xieshang::{app::RouterOptions, http::budget::BudgetOptions};

const JSON: &str = "application/json";
const GRAPHQL_JSON: &str = "application/graphql-response+json";

/// A page of 40 lounges, each with its region, 10 members and 5 recent activities.
const LOUNGE_PAGE: &str = r#"{
  lounges(first: 40) { nodes { name region { name }
    members(first: 10) { nodes { name } }
    activities(last: 5) { nodes { title startsAt } } } }
}"#;

/// A page of 100 consultations, each with its lounge, its region and 10 suggestions with
/// their proposers.
const CONSULTATION_PAGE: &str = r#"{
  consultations(first: 100) { nodes { title lounge { name } region { code name }
    suggestions(first: 10) { nodes { content proposer { name member { name } } } } } }
}"#;

/// POSTs `query` as an anonymous client at `peer` (directly, or through the proxy 10.0.0.1
/// with `forwarded_for`), accepting `accept`.
async fn post(
    app: &TestApp,
    query: &str,
    accept: &str,
    peer: &str,
    forwarded_for: Option<&str>,
) -> Reply {
    let body = json!({ "query": query }).to_string();
    let mut request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", accept);
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    let mut request = request.body(Body::from(body)).expect("a request");
    let peer = SocketAddr::new(peer.parse().expect("an address"), 40000);
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

fn three_hundred_statistics() -> String {
    let fields: String = (0..300)
        .map(|n| {
            format!(
                "s{n}: statistics(regionCode: \"330000\", year: {}) {{ totals {{ consultations }} }}\n",
                1949 + n % 77
            )
        })
        .collect();
    format!("{{ {fields} }}")
}

fn options(budgets: BudgetOptions) -> RouterOptions {
    RouterOptions {
        trusted_proxies: vec!["10.0.0.1".parse().expect("an address")],
        budgets,
        ..RouterOptions::default()
    }
}

#[tokio::test]
async fn the_pages_frontends_build_pass_and_report_their_cost() {
    let app = TestApp::new(Template::Demo).await;
    for (query, expected) in [(LOUNGE_PAGE, 761), (CONSULTATION_PAGE, 3_401)] {
        let reply = post(&app, query, GRAPHQL_JSON, "192.0.2.10", None).await;
        let body = reply.json();
        assert_eq!(reply.status, 200, "{body:#}");
        assert!(body.get("errors").is_none(), "{body:#}");
        let cost = &body["extensions"]["cost"];
        assert_eq!(cost["requested"], expected, "{cost}");
        assert_eq!(cost["limit"], 1_000_000);
        assert!(cost["resetAt"].as_str().is_some_and(|at| at.ends_with('Z')));
    }
    let consultations = post(&app, CONSULTATION_PAGE, JSON, "192.0.2.10", None).await;
    let cost = &consultations.json()["extensions"]["cost"];
    assert_eq!(
        cost["remaining"],
        1_000_000 - 761 - 3_401 - 3_401,
        "each request spends its cost: {cost}"
    );
}

#[tokio::test]
async fn three_hundred_province_statistics_are_refused_before_any_sql_runs() {
    let app = TestApp::new(Template::Demo).await;
    app.statements().clear();
    let reply = post(
        &app,
        &three_hundred_statistics(),
        GRAPHQL_JSON,
        "192.0.2.11",
        None,
    )
    .await;
    let body = reply.json();
    assert_eq!(reply.status, 400, "{body:#}");
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body:#}");
    assert!(body.get("data").is_none());
    assert_eq!(body["extensions"]["cost"]["requested"], 300 * 15_222);
    assert_eq!(
        app.statements().len(),
        0,
        "{:?}",
        app.statements().statements()
    );
    // As application/json it is a request error too: 200, no data, the same code.
    let legacy = post(&app, &three_hundred_statistics(), JSON, "192.0.2.11", None).await;
    assert_eq!(legacy.status, 200);
    assert_eq!(code(&legacy.json()), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn nested_pages_of_a_billion_are_refused_and_never_wrap_around() {
    let app = TestApp::new(Template::Migrated).await;
    let query = r#"{ lounges(first: 1073741824) { nodes { members(first: 1073741824) { nodes {
        consultations(first: 1073741824) { nodes { suggestions(first: 1073741824) {
        totalCount } } } } } } } }"#;
    let body = post(&app, query, GRAPHQL_JSON, "192.0.2.12", None)
        .await
        .json();
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body:#}");
    assert_eq!(
        body["extensions"]["cost"]["requested"],
        graphql::cost::COST_CEILING
    );
}

#[tokio::test]
async fn a_selection_costs_the_same_through_region_as_through_province() {
    let app = TestApp::new(Template::Demo).await;
    let selection = r#"{ name lounges(first: 100) { nodes { name members(first: 10) { nodes { name } } } }
        statistics(year: 2024) { children { region { name } } } ... on Province { cities { name } } }"#;
    let mut costs = Vec::new();
    for root in [r#"province(code: "330000")"#, r#"region(code: "330000")"#] {
        let body = post(
            &app,
            &format!("{{ {root} {selection} }}"),
            JSON,
            "192.0.2.13",
            None,
        )
        .await
        .json();
        assert!(body.get("errors").is_none(), "{body:#}");
        costs.push(body["extensions"]["cost"]["requested"].clone());
    }
    assert_eq!(costs[0], costs[1]);
    assert!(costs[0].as_u64() > Some(100 * 11), "{costs:?}");
}

#[tokio::test]
async fn a_client_over_its_budget_gets_429_in_both_media_types() {
    let app = TestApp::with_options(
        Template::Demo,
        &options(BudgetOptions {
            anonymous_per_minute: Some(5_000),
            ..BudgetOptions::default()
        }),
    )
    .await;
    let client = Some("2001:db8:7:1::5");
    let first = post(&app, CONSULTATION_PAGE, GRAPHQL_JSON, "10.0.0.1", client).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.json()["extensions"]["cost"]["remaining"],
        5_000 - 3_401
    );

    // Another address of the same /64, through the trusted proxy (connecting IPv4-mapped).
    for accept in [GRAPHQL_JSON, JSON] {
        let reply = post(
            &app,
            CONSULTATION_PAGE,
            accept,
            "::ffff:10.0.0.1",
            Some("2001:db8:7:1:ffff::9"),
        )
        .await;
        let body = reply.json();
        assert_eq!(reply.status, 429, "{body:#}");
        assert!(
            reply.content_type.starts_with(accept),
            "{}",
            reply.content_type
        );
        let retry_after: u64 = reply.headers["retry-after"]
            .to_str()
            .expect("ASCII")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert_eq!(code(&body), "RATE_LIMITED");
        assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
        assert!(body.get("data").is_none(), "refused before execution");
        assert_eq!(body["extensions"]["cost"]["remaining"], 5_000 - 3_401);
    }

    // Another /64 has a budget of its own; so does a member's token, which counts as
    // authenticated even from the same address.
    let other = post(
        &app,
        CONSULTATION_PAGE,
        JSON,
        "10.0.0.1",
        Some("2001:db8:7:2::5"),
    )
    .await;
    assert_eq!(other.status, 200, "{}", other.body);
    let member = app
        .graphql_as(
            &token_for(Role::Member, "330212", Some(1)),
            CONSULTATION_PAGE,
            json!({}),
        )
        .await;
    assert_eq!(member.status, 200, "{}", member.body);
    assert_eq!(member.json()["extensions"]["cost"]["limit"], 5_000_000);
}

#[tokio::test]
async fn a_saturated_server_sheds_load_with_503() {
    let app = TestApp::with_options(
        Template::Demo,
        &options(BudgetOptions {
            anonymous_cost_in_flight: Some(0),
            queue_wait: Duration::ZERO,
            ..BudgetOptions::default()
        }),
    )
    .await;
    for accept in [GRAPHQL_JSON, JSON] {
        let reply = post(&app, "{ provinces { name } }", accept, "192.0.2.14", None).await;
        let body = reply.json();
        assert_eq!(reply.status, 503, "{body:#}");
        assert_eq!(reply.headers["retry-after"], "1");
        assert_eq!(code(&body), "SERVICE_BUSY");
        assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 1);
    }
    // Staff keep the slots anonymous callers may not take.
    let staff = app
        .graphql_as(
            &token_for(Role::ProvinceStaff, "330000", None),
            "{ provinces { name } }",
            json!({}),
        )
        .await;
    assert_eq!(staff.status, 200, "{}", staff.body);
}

#[tokio::test]
async fn every_limit_can_be_switched_off() {
    let app = TestApp::with_options(Template::Migrated, &options(BudgetOptions::off())).await;
    let body = post(&app, &three_hundred_statistics(), JSON, "192.0.2.15", None)
        .await
        .json();
    // Not refused for its cost: executed (and refused by the statistics resolver only for
    // unknown regions in an empty database).
    assert_ne!(code(&body), "QUERY_TOO_COMPLEX", "{body:#}");
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requested"], 300 * 15_222);
    assert_eq!(cost["limit"], Value::Null);
}
