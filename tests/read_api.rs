//! The read API on the demo data: the headline query, connections and paging, node lookups,
//! visibility of personal data, limits, and statement counts that do not grow with the data.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use testing::Template;

fn no_errors(response: &Value) {
    assert!(response.get("errors").is_none(), "{response:#}");
}

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

const HEADLINE: &str = r#"{
  province(code: "330000") { name cities { name counties { name
    lounges(first: 20) { totalCount nodes { name members(first: 10) { totalCount nodes { name } } } }
    consultations(first: 10) { nodes { title suggestions(first: 10) { nodes { content } } } }
  } } }
}"#;

#[tokio::test]
async fn the_headline_query_walks_all_tiers_in_one_request() {
    let app = TestApp::new(Template::Demo).await;
    let response = app.graphql(HEADLINE, json!({})).await;
    no_errors(&response);
    let cities = response["data"]["province"]["cities"].as_array().unwrap();
    assert_eq!(cities.len(), 11);
    let counties: Vec<&Value> = cities
        .iter()
        .flat_map(|city| city["counties"].as_array().unwrap())
        .collect();
    assert_eq!(counties.len(), 90);
    assert!(
        counties
            .iter()
            .any(|county| county["lounges"]["totalCount"].as_u64() > Some(0))
    );
}

#[tokio::test]
async fn all_110_lounges_in_the_province_subtree() {
    let app = TestApp::new(Template::Demo).await;
    let response = app
        .graphql(
            r#"{ lounges(filter: {regionCode: "330000", includeDescendants: true}) { totalCount }
                 own: lounges(filter: {regionCode: "330000"}) { totalCount }
                 viaRegion: region(code: "330000") { lounges(includeDescendants: true) { totalCount } } }"#,
            json!({}),
        )
        .await;
    no_errors(&response);
    assert_eq!(response["data"]["lounges"]["totalCount"], 110);
    assert_eq!(response["data"]["viaRegion"]["lounges"]["totalCount"], 110);
    let own = response["data"]["own"]["totalCount"].as_u64().unwrap();
    assert!(
        own > 0 && own < 110,
        "the provincial committee owns some: {own}"
    );
}

async fn all_names(app: &TestApp, query: &str, page_size: u32, backwards: bool) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let variables = json!({ "n": page_size, "cursor": cursor });
        let response = app.graphql(query, variables).await;
        no_errors(&response);
        let connection = &response["data"]["lounges"];
        let mut page: Vec<String> = connection["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"]["name"].as_str().expect("a name").to_owned())
            .collect();
        let info = &connection["pageInfo"];
        if backwards {
            page.extend(names);
            names = page;
            if !info["hasPreviousPage"].as_bool().expect("hasPreviousPage") {
                return names;
            }
            cursor = info["startCursor"].as_str().map(str::to_owned);
        } else {
            names.extend(page);
            if !info["hasNextPage"].as_bool().expect("hasNextPage") {
                return names;
            }
            cursor = info["endCursor"].as_str().map(str::to_owned);
        }
    }
}

#[tokio::test]
async fn paging_forwards_and_backwards_sees_every_lounge_once_in_order() {
    let app = TestApp::new(Template::Demo).await;
    let whole = app
        .graphql("{ lounges(first: 100) { nodes { name } } more: lounges(first: 100, after: \"Y3Vyc29yOjEwMA\") { nodes { name } } }", json!({}))
        .await;
    no_errors(&whole);
    let mut expected: Vec<String> = whole["data"]["lounges"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(whole["data"]["more"]["nodes"].as_array().unwrap())
        .map(|node| node["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(expected.len(), 110);
    let forwards = all_names(
        &app,
        "query($n: Int, $cursor: String) { lounges(first: $n, after: $cursor) { edges { node { name } } pageInfo { hasNextPage endCursor } } }",
        7,
        false,
    )
    .await;
    assert_eq!(forwards, expected);
    let backwards = all_names(
        &app,
        "query($n: Int, $cursor: String) { lounges(last: $n, before: $cursor) { edges { node { name } } pageInfo { hasPreviousPage startCursor } } }",
        9,
        true,
    )
    .await;
    assert_eq!(backwards, expected);
    // Descending order is the exact reverse (ties broken by id both ways).
    let descending = app
        .graphql("{ lounges(first: 100, orderBy: {field: ESTABLISHED_ON, direction: DESC}) { nodes { name } } rest: lounges(first: 100, after: \"Y3Vyc29yOjEwMA\", orderBy: {field: ESTABLISHED_ON, direction: DESC}) { nodes { name } } }", json!({}))
        .await;
    no_errors(&descending);
    let reversed: Vec<String> = descending["data"]["lounges"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(descending["data"]["rest"]["nodes"].as_array().unwrap())
        .map(|node| node["name"].as_str().unwrap().to_owned())
        .collect();
    expected.reverse();
    assert_eq!(reversed, expected);
}

#[tokio::test]
async fn page_sizes_default_to_20_and_stop_at_100() {
    let app = TestApp::new(Template::Demo).await;
    let response = app
        .graphql("{ members { nodes { name } } }", json!({}))
        .await;
    no_errors(&response);
    assert_eq!(
        response["data"]["members"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    let too_many = app
        .graphql("{ members(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&too_many), "BAD_USER_INPUT");
    let bad_cursor = app
        .graphql(
            "{ members(after: \"not a cursor\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&bad_cursor), "BAD_USER_INPUT");
    let unknown_region = app
        .graphql(
            "{ members(filter: {regionCode: \"999999\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&unknown_region), "BAD_USER_INPUT");
}

#[tokio::test]
async fn lounge_members_carry_role_and_leads_come_first() {
    let app = TestApp::new(Template::Demo).await;
    let response = app
        .graphql(
            r#"{ lounges(first: 1, filter: {search: "知识产权司法保护"}) { nodes {
                 name region { code } leads { name }
                 members(first: 100) { totalCount edges { role since node { name lounges { role lounge { name } } } } }
                 team: members(role: TEAM) { totalCount } } } }"#,
            json!({}),
        )
        .await;
    no_errors(&response);
    let lounge = &response["data"]["lounges"]["nodes"][0];
    assert_eq!(
        lounge["region"]["code"],
        "330200",
        "{response:#} {:#?}",
        app.statements().statements()
    );
    let leads = lounge["leads"].as_array().unwrap();
    assert!(!leads.is_empty());
    let edges = lounge["members"]["edges"].as_array().unwrap();
    assert_eq!(
        edges.len() as u64,
        lounge["members"]["totalCount"].as_u64().unwrap()
    );
    assert_eq!(
        lounge["team"]["totalCount"].as_u64().unwrap() + leads.len() as u64,
        lounge["members"]["totalCount"].as_u64().unwrap()
    );
    let roles: Vec<&str> = edges
        .iter()
        .map(|edge| edge["role"].as_str().unwrap())
        .collect();
    let first_team = roles
        .iter()
        .position(|role| *role == "TEAM")
        .unwrap_or(roles.len());
    assert!(roles[..first_team].iter().all(|role| *role == "LEAD"));
    assert!(roles[first_team..].iter().all(|role| *role == "TEAM"));
    let memberships = edges[0]["node"]["lounges"].as_array().unwrap();
    assert!(
        memberships
            .iter()
            .any(|m| m["lounge"]["name"] == lounge["name"])
    );
}

#[tokio::test]
async fn anonymous_callers_never_see_contact_data() {
    let app = TestApp::new(Template::Demo).await;
    let response = app
        .graphql(
            "{ members(first: 50) { nodes { name phone email } } }",
            json!({}),
        )
        .await;
    no_errors(&response);
    for member in response["data"]["members"]["nodes"].as_array().unwrap() {
        assert_eq!(member["phone"], Value::Null);
        assert_eq!(member["email"], Value::Null);
    }
}

#[tokio::test]
async fn nodes_are_fetched_again_by_global_id() {
    let app = TestApp::new(Template::Demo).await;
    let listed = app
        .graphql(
            r#"{ lounges(first: 2) { nodes { id name } } members(first: 1) { nodes { id name } }
                 region(code: "330212") { id name } }"#,
            json!({}),
        )
        .await;
    no_errors(&listed);
    let lounge = &listed["data"]["lounges"]["nodes"][1];
    let member = &listed["data"]["members"]["nodes"][0];
    let county = &listed["data"]["region"];
    let fetched = app
        .graphql(
            r#"query($ids: [ID!]!, $one: ID!) {
                 nodes(ids: $ids) { __typename id ... on Lounge { name } ... on Member { name } ... on County { name } }
                 node(id: $one) { ... on Lounge { name } } }"#,
            json!({ "ids": [county["id"], member["id"], lounge["id"]], "one": lounge["id"] }),
        )
        .await;
    no_errors(&fetched);
    let nodes = fetched["data"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["__typename"], "County");
    assert_eq!(nodes[0]["name"], county["name"]);
    assert_eq!(nodes[1]["name"], member["name"]);
    assert_eq!(nodes[2]["name"], lounge["name"]);
    assert_eq!(fetched["data"]["node"]["name"], lounge["name"]);

    // A well-formed ID of a missing record is null; a malformed one is BAD_USER_INPUT.
    let missing = app
        .graphql("{ node(id: \"TG91bmdlOjk5OTk5OTk\") { id } }", json!({}))
        .await;
    no_errors(&missing);
    assert_eq!(missing["data"]["node"], Value::Null);
    let malformed = app.graphql("{ node(id: \"@@@\") { id } }", json!({})).await;
    assert_eq!(code(&malformed), "BAD_USER_INPUT");
}

#[tokio::test]
async fn limits_let_the_headline_through_and_refuse_ten_times_its_cost() {
    let app = TestApp::new(Template::Demo).await;
    no_errors(&app.graphql(HEADLINE, json!({})).await);
    let aliased: String = (0..10)
        .map(|n| format!("p{n}: {}", &HEADLINE.trim()[1..HEADLINE.trim().len() - 1]))
        .collect::<Vec<_>>()
        .join("\n");
    let response = app.graphql(&format!("{{ {aliased} }}"), json!({})).await;
    let message = response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("complex"), "{response:#}");
    assert_eq!(code(&response), "QUERY_TOO_COMPLEX");
    assert!(response.get("data").is_none() || response["data"].is_null());
}

/// The same nested query on a city with few counties and on one with many costs the same
/// number of SQL statements: one per level.
#[tokio::test]
async fn nested_pages_cost_one_statement_per_level() {
    let app = TestApp::new(Template::Demo).await;
    let query = r#"query($code: String!) { region(code: $code) { ... on City { counties {
        lounges(first: 5) { nodes { leads { name } members(first: 3) { nodes { name } } } } } } } }"#;
    let mut counts = Vec::new();
    for code in ["330900", "330100"] {
        app.statements().clear();
        let response = app.graphql(query, json!({ "code": code })).await;
        no_errors(&response);
        counts.push(app.statements().len());
    }
    // region, counties, lounges, leads, members: five statements whatever the size.
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert_eq!(counts[0], 5, "{:#?}", app.statements().statements());
}

/// The issue's own test query: lounges with leads and members, consultations with suggestions,
/// under every county of a 4-county city (舟山市) and of a 13-county city (杭州市).
#[tokio::test]
async fn the_full_nested_query_costs_the_same_for_small_and_large_cities() {
    let app = TestApp::new(Template::Demo).await;
    let query = r#"query($code: String!) { region(code: $code) { ... on City { counties {
        lounges(first: 5) { nodes { leads { name } members(first: 3) { nodes { name } } } }
        consultations(first: 5) { nodes { suggestions(first: 3) { nodes { content } } } } } } } }"#;
    let mut counts = Vec::new();
    for (code, counties) in [("330900", 4), ("330100", 13)] {
        app.statements().clear();
        let response = app.graphql(query, json!({ "code": code })).await;
        no_errors(&response);
        let found = response["data"]["region"]["counties"].as_array().unwrap();
        assert_eq!(found.len(), counties);
        counts.push(app.statements().len());
    }
    // region, counties, lounges, leads, members, consultations, suggestions.
    assert_eq!(counts, vec![7, 7], "{:#?}", app.statements().statements());
}
