//! The consultation side of the read API on the seeded demo database: filters checked against
//! counts computed here with sea-orm, cursor paging both ways, the 嘉善 bus-line session, and
//! the statement count of a deep query.

mod common;

use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, FixedOffset};
use common::TestApp;
use entity::{
    consultation, consultation_participant,
    enums::{ConsultationKind, ConsultationStatus},
    member, region, region_closure,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use testing::Template;

async fn all_consultations(app: &TestApp) -> Vec<consultation::Model> {
    consultation::Entity::find()
        .all(app.test_db.db.reader())
        .await
        .expect("consultations")
}

async fn subtree_region_ids(app: &TestApp, code: &str) -> (i64, HashSet<i64>) {
    let db = app.test_db.db.reader();
    let root = region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db)
        .await
        .expect("query")
        .expect("the region");
    let ids = region_closure::Entity::find()
        .filter(region_closure::Column::AncestorId.eq(root.id))
        .all(db)
        .await
        .expect("closure")
        .into_iter()
        .map(|row| row.descendant_id)
        .collect();
    (root.id, ids)
}

fn ok(response: Value) -> Value {
    assert!(response.get("errors").is_none(), "{response}");
    response
}

fn total(response: &Value) -> u64 {
    response["data"]["consultations"]["totalCount"]
        .as_u64()
        .expect("totalCount")
}

const BUS_LINE: &str = "打通农村公交出行“最后一公里”";

#[tokio::test]
async fn region_filter_with_descendants_matches_the_closure() {
    let app = TestApp::new(Template::Demo).await;
    let (jiaxing, subtree) = subtree_region_ids(&app, "330400").await;
    let all = all_consultations(&app).await;
    let in_subtree = all
        .iter()
        .filter(|row| subtree.contains(&row.region_id))
        .count() as u64;
    let own = all.iter().filter(|row| row.region_id == jiaxing).count() as u64;
    assert!(
        in_subtree > own,
        "the subtree holds more than the city itself"
    );

    let response = ok(app
        .graphql(
            r#"{ region(code: "330400") {
                    all: consultations(includeDescendants: true, first: 100) {
                        totalCount nodes { title region { code } } }
                    own: consultations(first: 100) { totalCount nodes { region { code } } } } }"#,
            json!({}),
        )
        .await);
    let region = &response["data"]["region"];
    assert_eq!(region["all"]["totalCount"].as_u64(), Some(in_subtree));
    assert_eq!(region["own"]["totalCount"].as_u64(), Some(own));
    let nodes = region["all"]["nodes"].as_array().expect("nodes");
    assert!(
        nodes.iter().any(|node| node["title"] == BUS_LINE),
        "the 嘉善 session is in the Jiaxing subtree"
    );
    for node in nodes {
        let code = node["region"]["code"].as_str().expect("code");
        assert!(code.starts_with("3304"), "{code}");
    }
    for node in region["own"]["nodes"].as_array().expect("nodes") {
        assert_eq!(node["region"]["code"], "330400");
    }

    // The same through the root connection's filter.
    let root = ok(app
        .graphql(
            r#"query($filter: ConsultationFilter) { consultations(filter: $filter) { totalCount } }"#,
            json!({ "filter": { "regionCode": "330400", "includeDescendants": true } }),
        )
        .await);
    assert_eq!(total(&root), in_subtree);
}

#[tokio::test]
async fn year_kind_and_status_filters_agree_with_independent_counts() {
    let app = TestApp::new(Template::Demo).await;
    let all = all_consultations(&app).await;
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let held_in = |row: &consultation::Model, year: i32| {
        row.held_at
            .is_some_and(|at| at.with_timezone(&china).year() == year)
    };
    let query =
        r#"query($filter: ConsultationFilter) { consultations(filter: $filter) { totalCount } }"#;
    let count = |filter: Value| {
        let app = &app;
        async move { total(&ok(app.graphql(query, json!({ "filter": filter })).await)) }
    };

    let mut checked_nonzero = false;
    for year in 2019..=2025 {
        let expected = all.iter().filter(|row| held_in(row, year)).count() as u64;
        checked_nonzero |= expected > 0;
        assert_eq!(
            count(json!({ "year": year })).await,
            expected,
            "year {year}"
        );
    }
    assert!(
        checked_nonzero,
        "the demo data holds consultations in these years"
    );

    for (kind, name) in [
        (ConsultationKind::Main, "MAIN"),
        (ConsultationKind::Micro, "MICRO"),
    ] {
        let expected = all.iter().filter(|row| row.kind == kind).count() as u64;
        assert_eq!(count(json!({ "kind": [name] })).await, expected, "{name}");
    }

    for status in ConsultationStatus::ALL {
        let expected = all.iter().filter(|row| row.status == *status).count() as u64;
        assert_eq!(
            count(json!({ "status": [status.as_str()] })).await,
            expected,
            "{status:?}"
        );
    }

    let expected = all
        .iter()
        .filter(|row| {
            held_in(row, 2020)
                && row.kind == ConsultationKind::Micro
                && matches!(
                    row.status,
                    ConsultationStatus::Closed | ConsultationStatus::FollowUp
                )
        })
        .count() as u64;
    assert!(expected > 0);
    assert_eq!(
        count(json!({ "year": 2020, "kind": ["MICRO"], "status": ["CLOSED", "FOLLOW_UP"] })).await,
        expected
    );
}

const PAGE: &str = r#"query($filter: ConsultationFilter, $first: Int, $after: String, $last: Int, $before: String) {
    consultations(filter: $filter, orderBy: { field: HELD_AT, direction: DESC },
                  first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        nodes { id }
    } }"#;

fn ids(response: &Value) -> Vec<String> {
    response["data"]["consultations"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn paging_forwards_and_backwards_equals_one_big_page() {
    let app = TestApp::new(Template::Demo).await;
    let filter = json!({ "regionCode": "330400", "includeDescendants": true, "year": 2020 });
    let big = ok(app
        .graphql(PAGE, json!({ "filter": filter, "first": 100 }))
        .await);
    let everything = ids(&big);
    assert!(everything.len() > 14, "several pages: {}", everything.len());
    assert_eq!(
        total(&big),
        everything.len() as u64,
        "one page holds them all"
    );

    let mut forwards = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = ok(app
            .graphql(
                PAGE,
                json!({ "filter": filter, "first": 7, "after": after }),
            )
            .await);
        forwards.extend(ids(&page));
        let info = &page["data"]["consultations"]["pageInfo"];
        if info["hasNextPage"] != json!(true) {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(forwards, everything);

    let mut backwards: Vec<Vec<String>> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = ok(app
            .graphql(
                PAGE,
                json!({ "filter": filter, "last": 7, "before": before }),
            )
            .await);
        backwards.push(ids(&page));
        let info = &page["data"]["consultations"]["pageInfo"];
        if info["hasPreviousPage"] != json!(true) {
            break;
        }
        before = info["startCursor"].as_str().map(str::to_owned);
    }
    let backwards: Vec<String> = backwards.into_iter().rev().flatten().collect();
    assert_eq!(backwards, everything);
}

#[tokio::test]
async fn held_at_order_puts_unheld_consultations_last_in_both_directions() {
    let app = TestApp::new(Template::Demo).await;
    let all = all_consultations(&app).await;
    let unheld = all.iter().filter(|row| row.held_at.is_none()).count();
    assert!(unheld > 0, "the demo data has consultations not yet held");
    let query = r#"query($direction: OrderDirection!) { consultations(
            filter: { regionCode: "330000", includeDescendants: true },
            orderBy: { field: HELD_AT, direction: $direction }, last: 100) {
            nodes { heldAt } } }"#;
    for direction in ["ASC", "DESC"] {
        let response = ok(app.graphql(query, json!({ "direction": direction })).await);
        let held: Vec<Option<String>> = response["data"]["consultations"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| node["heldAt"].as_str().map(str::to_owned))
            .collect();
        let first_null = held.iter().position(Option::is_none);
        if let Some(first_null) = first_null {
            assert!(
                held[first_null..].iter().all(Option::is_none),
                "{direction}"
            );
        }
        let times: Vec<chrono::DateTime<chrono::Utc>> = held
            .iter()
            .flatten()
            .map(|text| text.parse().expect("RFC 3339"))
            .collect();
        let mut sorted = times.clone();
        sorted.sort();
        if direction == "DESC" {
            sorted.reverse();
        }
        assert_eq!(times, sorted, "{direction}");
    }
}

#[tokio::test]
async fn the_jiashan_bus_line_suggestion_was_implemented_with_follow_ups() {
    let app = TestApp::new(Template::Demo).await;
    let response = ok(app
        .graphql(
            r#"{ consultations(filter: { regionCode: "330421", year: 2020, kind: [MAIN] }, first: 20) {
                    totalCount nodes {
                    title topicSource status region { code name } organizer { kind name }
                    statusHistory { from to at actor }
                    participants { role name member { name } }
                    suggestions(first: 5) { totalCount nodes {
                        content status grade responsibleDepartment proposer { name member { name } }
                        followUps { date note progress }
                        consultation { title } } } } } }"#,
            json!({}),
        )
        .await);
    let session = response["data"]["consultations"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|node| node["title"] == BUS_LINE)
        .expect("the 嘉善 bus-line session");
    assert_eq!(session["title"], BUS_LINE);
    assert_eq!(session["topicSource"], "PUBLIC");
    assert_eq!(session["status"], "CLOSED");
    assert_eq!(session["region"]["code"], "330421");
    let history = session["statusHistory"].as_array().expect("history");
    assert_eq!(history[0]["to"], "PROPOSED");
    assert_eq!(history[0]["from"], json!(null));
    assert_eq!(
        history.last().map(|change| &change["to"]),
        Some(&json!("CLOSED"))
    );
    let suggestion = session["suggestions"]["nodes"]
        .as_array()
        .expect("suggestions")
        .iter()
        .find(|node| {
            node["content"]
                .as_str()
                .is_some_and(|text| text.contains("城乡公交线路"))
        })
        .expect("the bus-line suggestion");
    assert_eq!(suggestion["status"], "IMPLEMENTED");
    assert_eq!(suggestion["grade"], "A");
    assert_eq!(suggestion["responsibleDepartment"], "嘉善县交通运输局");
    assert_eq!(suggestion["consultation"]["title"], BUS_LINE);
    let follow_ups = suggestion["followUps"].as_array().expect("follow-ups");
    let progress: Vec<i64> = follow_ups
        .iter()
        .map(|follow_up| follow_up["progress"].as_i64().expect("progress"))
        .collect();
    assert_eq!(progress, vec![30, 70, 100]);
    assert_eq!(follow_ups[0]["date"], "2020-06-20");
    assert!(
        follow_ups[2]["note"]
            .as_str()
            .is_some_and(|note| note.contains("331路"))
    );
    // The public submitter's contact is personal data and not part of the schema.
    assert!(!response.to_string().contains("100-9331-0331"));
}

#[tokio::test]
async fn member_consultations_are_the_ones_taken_part_in() {
    let app = TestApp::new(Template::Demo).await;
    let db = app.test_db.db.reader();
    let members: Vec<i64> = member::Entity::find()
        .order_by_asc(member::Column::Id)
        .all(db)
        .await
        .expect("members")
        .into_iter()
        .take(100)
        .map(|row| row.id)
        .collect();
    let pairs: BTreeSet<(i64, i64)> = consultation_participant::Entity::find()
        .filter(consultation_participant::Column::MemberId.is_in(members.clone()))
        .all(db)
        .await
        .expect("participants")
        .into_iter()
        .filter_map(|row| row.member_id.map(|member| (member, row.consultation_id)))
        .collect();
    assert!(!pairs.is_empty(), "some of the first members took part");
    app.statements().clear();
    let response = ok(app
        .graphql(
            r#"{ members(first: 100, orderBy: { field: ID }) { nodes {
                    consultations(first: 1) { totalCount nodes { participants { member { id } } } } } } }"#,
            json!({}),
        )
        .await);
    let totals: u64 = response["data"]["members"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["consultations"]["totalCount"].as_u64().expect("total"))
        .sum();
    assert_eq!(totals, pairs.len() as u64);
    // members, their consultations, the participants, the participants' members.
    let statements = app.statements().statements();
    assert_eq!(statements.len(), 4, "{statements:#?}");
}

const DEEP: &str = r#"query($code: String!) { region(code: $code) { ... on City { counties {
    consultations(first: 5) { nodes {
        suggestions(first: 3) { nodes { content followUps { note } } }
        participants { name }
        statusHistory { to } } } } } } }"#;

#[tokio::test]
async fn a_deep_query_costs_the_same_statements_whatever_the_county_count() {
    let app = TestApp::new(Template::Demo).await;
    let mut counts = Vec::new();
    for code in ["330400", "330100"] {
        app.statements().clear();
        let response = ok(app.graphql(DEEP, json!({ "code": code })).await);
        let counties = response["data"]["region"]["counties"]
            .as_array()
            .expect("counties");
        let consultations: usize = counties
            .iter()
            .map(|county| {
                county["consultations"]["nodes"]
                    .as_array()
                    .map_or(0, Vec::len)
            })
            .sum();
        assert!(consultations > counties.len(), "{code}: {consultations}");
        counts.push((counties.len(), app.statements().len()));
    }
    assert_ne!(counts[0].0, counts[1].0, "different county counts");
    assert_eq!(counts[0].1, counts[1].1, "{counts:?}");
    // region, counties, consultations, suggestions, follow-ups, participants, status history.
    assert_eq!(counts[0].1, 7, "{counts:?}");
}

#[tokio::test]
async fn search_matches_the_title_or_the_topic() {
    let app = TestApp::new(Template::Demo).await;
    let all = all_consultations(&app).await;
    for term in ["城乡公交", "打通农村公交", "100%_\\"] {
        let expected = all
            .iter()
            .filter(|row| row.title.contains(term) || row.topic.contains(term))
            .count() as u64;
        let response = ok(app
            .graphql(
                r#"query($search: String) { consultations(filter: { search: $search }) { totalCount } }"#,
                json!({ "search": term }),
            )
            .await);
        assert_eq!(total(&response), expected, "{term}");
    }
}

#[tokio::test]
async fn consultations_and_suggestions_are_nodes() {
    let app = TestApp::new(Template::Demo).await;
    let listed = ok(app
        .graphql(
            r#"{ consultations(filter: { search: "打通农村公交" }) { nodes {
                    id suggestions(first: 1) { nodes { id grade } } } } }"#,
            json!({}),
        )
        .await);
    let consultation = &listed["data"]["consultations"]["nodes"][0];
    let suggestion = &consultation["suggestions"]["nodes"][0];
    let response = ok(app
        .graphql(
            r#"query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
                    ... on Consultation { title }
                    ... on Suggestion { grade consultation { id } } } }"#,
            json!({ "ids": [consultation["id"], suggestion["id"]] }),
        )
        .await);
    let nodes = &response["data"]["nodes"];
    assert_eq!(nodes[0]["__typename"], "Consultation");
    assert_eq!(nodes[0]["title"], BUS_LINE);
    assert_eq!(nodes[1]["__typename"], "Suggestion");
    assert_eq!(nodes[1]["grade"], suggestion["grade"]);
    assert_eq!(nodes[1]["consultation"]["id"], consultation["id"]);
}

const NESTED_PAGE: &str = r#"query($descendants: Boolean!, $first: Int, $after: String, $last: Int, $before: String) {
    region(code: "330000") { ... on Province { cities { code
        consultations(includeDescendants: $descendants,
                      first: $first, after: $after, last: $last, before: $before) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage }
            edges { cursor node { id
                suggestions(first: $first, after: $after, last: $last, before: $before) {
                    totalCount
                    pageInfo { hasNextPage hasPreviousPage }
                    edges { cursor node { id } }
                } } }
        } } } } }"#;

/// The same window of every parent's list read forwards (`first`/`after`) and backwards
/// (`last`/`before`). On PostgreSQL the two are different statements — a `LATERAL … LIMIT` per
/// parent forwards, windows over every row backwards — so they check each other; on SQLite
/// both are windowed and the test checks that the two argument forms agree.
#[tokio::test]
async fn nested_pages_read_forwards_equal_the_same_window_read_backwards() {
    let app = TestApp::new(Template::Demo).await;
    for descendants in [false, true] {
        // Windows at the front, in the middle, at the end of the longer lists and past every
        // list's end (only totals come back); `first: 0` reads totals alone.
        for (size, start) in [(4_u64, 0_u64), (3, 2), (5, 9), (4, 158), (3, 5_000), (0, 3)] {
            let forwards = ok(app
                .graphql(
                    NESTED_PAGE,
                    json!({
                        "descendants": descendants,
                        "first": size,
                        "after": (start > 0).then(|| graphql::connection::encode_cursor(start)),
                    }),
                )
                .await);
            let backwards = ok(app
                .graphql(
                    NESTED_PAGE,
                    json!({
                        "descendants": descendants,
                        "last": size,
                        "before": graphql::connection::encode_cursor(start + size + 1),
                    }),
                )
                .await);
            let cities = |response: &Value| response["data"]["region"]["cities"].clone();
            let (forwards, backwards) = (cities(&forwards), cities(&backwards));
            let total_items: usize = forwards
                .as_array()
                .expect("cities")
                .iter()
                .map(|city| {
                    city["consultations"]["edges"]
                        .as_array()
                        .map_or(0, Vec::len)
                })
                .sum();
            if size > 0 && start < 100 {
                assert!(total_items > 0, "window {start}+{size} reads something");
            }
            for (forward, backward) in forwards
                .as_array()
                .expect("cities")
                .iter()
                .zip(backwards.as_array().expect("cities"))
            {
                let (forward, backward) = (&forward["consultations"], &backward["consultations"]);
                assert!(forward["totalCount"].as_u64().expect("total") > 0);
                // Backwards, `hasNextPage` is only promised when items follow `before` (Relay),
                // so the totals, edges and `hasPreviousPage` are compared, plus the edges of
                // every consultation's suggestions.
                assert_eq!(
                    forward["totalCount"], backward["totalCount"],
                    "{descendants} {start}+{size}"
                );
                assert_eq!(
                    forward["edges"], backward["edges"],
                    "{descendants} {start}+{size}"
                );
                assert_eq!(
                    forward["pageInfo"]["hasPreviousPage"], backward["pageInfo"]["hasPreviousPage"],
                    "{descendants} {start}+{size}"
                );
                let expected_next =
                    forward["totalCount"].as_u64().expect("total") > start + size && size > 0;
                assert_eq!(
                    forward["pageInfo"]["hasNextPage"],
                    json!(expected_next),
                    "{descendants} {start}+{size}"
                );
            }
        }
    }
}
