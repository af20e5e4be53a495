//! Lounge activities, sentiment reports and slot requests on the demo data: cross-lounge
//! activities under each host, counts against independent computations, paging, draft
//! visibility, derived queue positions, and statement counts that do not grow with the data.

mod common;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use common::TestApp;
use entity::{
    enums::{ActivityKind, SentimentReportStatus, SlotRequestStatus},
    lounge_activity, region, sentiment_report, slot_request,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use testing::Template;

fn data(response: Value) -> Value {
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"].clone()
}

fn china_year(at: DateTime<Utc>) -> i32 {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    at.with_timezone(&china).year()
}

#[tokio::test]
async fn the_first_cross_lounge_exchange_appears_under_each_of_its_four_hosts() {
    let app = TestApp::new(Template::Demo).await;
    let found = data(
        app.graphql(
            r#"{ loungeActivities(filter: {search: "首次跨客厅交流"}) {
                   totalCount nodes { id title kind startsAt lounges { id name } } } }"#,
            json!({}),
        )
        .await,
    );
    let activities = &found["loungeActivities"];
    assert_eq!(activities["totalCount"], 1, "{activities:#}");
    let exchange = &activities["nodes"][0];
    assert_eq!(exchange["kind"], "PLANNED");
    assert_eq!(exchange["startsAt"], "2020-07-22T06:00:00+00:00");
    let hosts: Vec<Value> = exchange["lounges"]
        .as_array()
        .expect("host lounges")
        .iter()
        .map(|lounge| lounge["id"].clone())
        .collect();
    assert_eq!(hosts.len(), 4, "{exchange:#}");

    let under_hosts = data(
        app.graphql(
            r#"query($ids: [ID!]!) { nodes(ids: $ids) { ... on Lounge { name
                 activities(filter: {year: 2020}, first: 100) { totalCount nodes { id } } } } }"#,
            json!({ "ids": hosts }),
        )
        .await,
    );
    let lounges = under_hosts["nodes"].as_array().expect("nodes");
    assert_eq!(lounges.len(), 4);
    for lounge in lounges {
        let ids: Vec<&Value> = lounge["activities"]["nodes"]
            .as_array()
            .expect("activities")
            .iter()
            .map(|node| &node["id"])
            .collect();
        assert!(
            ids.contains(&&exchange["id"]),
            "{} lists the exchange: {lounge:#}",
            lounge["name"]
        );
    }
}

#[tokio::test]
async fn activity_counts_by_year_and_kind_agree_with_the_rows() {
    let app = TestApp::new(Template::Demo).await;
    let rows = lounge_activity::Entity::find()
        .all(app.test_db.db.reader())
        .await
        .expect("activities");
    assert!(rows.len() > 10, "the demo data has activities");
    let mut expected: BTreeMap<(i32, &str), u64> = BTreeMap::new();
    for row in &rows {
        let kind = match row.kind {
            ActivityKind::Planned => "PLANNED",
            ActivityKind::Flexible => "FLEXIBLE",
        };
        *expected
            .entry((china_year(row.starts_at), kind))
            .or_default() += 1;
    }
    let years: Vec<i32> = expected.keys().map(|(year, _)| *year).collect();
    let (first_year, last_year) = (years[0], years[years.len() - 1]);
    let mut fields = vec!["all: loungeActivities { totalCount }".to_owned()];
    for year in first_year - 1..=last_year + 1 {
        for kind in ["PLANNED", "FLEXIBLE"] {
            fields.push(format!(
                "y{year}_{kind}: loungeActivities(filter: {{year: {year}, kind: [{kind}]}}) {{ totalCount }}"
            ));
        }
    }
    let counts = data(
        app.graphql(&format!("{{ {} }}", fields.join("\n")), json!({}))
            .await,
    );
    assert_eq!(counts["all"]["totalCount"], rows.len() as u64);
    for year in first_year - 1..=last_year + 1 {
        for kind in ["PLANNED", "FLEXIBLE"] {
            let want = expected.get(&(year, kind)).copied().unwrap_or(0);
            assert_eq!(
                counts[format!("y{year}_{kind}")]["totalCount"],
                want,
                "{year} {kind}"
            );
        }
    }
}

#[tokio::test]
async fn paging_with_after_equals_one_big_page() {
    let app = TestApp::new(Template::Demo).await;
    for order in ["{field: STARTS_AT, direction: DESC}", "{field: ID}"] {
        let big = data(
            app.graphql(
                &format!(
                    r#"{{ loungeActivities(filter: {{year: 2020, regionCode: "330400", includeDescendants: true}}, orderBy: {order}, first: 100) {{
                           totalCount nodes {{ id }} }} }}"#
                ),
                json!({}),
            )
            .await,
        );
        let total = big["loungeActivities"]["totalCount"]
            .as_u64()
            .expect("total");
        assert!(total > 7 && total <= 100, "a few pages: {total}");
        let all: Vec<Value> = big["loungeActivities"]["nodes"]
            .as_array()
            .expect("nodes")
            .clone();
        let mut paged = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = data(
                app.graphql(
                    &format!(
                        r#"query($after: String) {{ loungeActivities(filter: {{year: 2020, regionCode: "330400", includeDescendants: true}},
                             orderBy: {order}, first: 7, after: $after) {{
                             nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }}"#
                    ),
                    json!({ "after": after }),
                )
                .await,
            );
            let connection = &page["loungeActivities"];
            paged.extend(connection["nodes"].as_array().expect("nodes").clone());
            if connection["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(paged, all, "{order}");
    }
}

#[tokio::test]
async fn anonymous_callers_never_see_draft_sentiment_reports() {
    let app = TestApp::new(Template::Demo).await;
    let reports = sentiment_report::Entity::find()
        .all(app.test_db.db.reader())
        .await
        .expect("reports");
    let drafts = reports
        .iter()
        .filter(|report| report.status == SentimentReportStatus::Draft)
        .count();
    assert!(drafts > 0, "the demo data has drafts");
    let visible = (reports.len() - drafts) as u64;
    assert!(visible > 0);

    let found = data(
        app.graphql(
            r#"{ all: sentimentReports(first: 100) { totalCount nodes { status submittedAt } }
                 drafts: sentimentReports(filter: {status: [DRAFT]}) { totalCount } }"#,
            json!({}),
        )
        .await,
    );
    assert_eq!(found["all"]["totalCount"], visible);
    assert_eq!(found["drafts"]["totalCount"], 0);
    for node in found["all"]["nodes"].as_array().expect("nodes") {
        assert_ne!(node["status"], "DRAFT");
        assert!(node["submittedAt"].is_string(), "{node:#}");
    }
}

#[tokio::test]
async fn tongxiang_queue_positions_follow_the_order_of_request() {
    let app = TestApp::new(Template::Demo).await;
    let tongxiang = region::Entity::find()
        .filter(region::Column::Code.eq("330483"))
        .one(app.test_db.db.reader())
        .await
        .expect("a query")
        .expect("Tongxiang");
    let mut queued: Vec<slot_request::Model> = slot_request::Entity::find()
        .filter(slot_request::Column::RegionId.eq(tongxiang.id))
        .filter(slot_request::Column::Status.eq(SlotRequestStatus::Queued))
        .all(app.test_db.db.reader())
        .await
        .expect("slot requests");
    queued.sort_by_key(|row| (row.requested_at, row.id));
    assert!(queued.len() > 1, "Tongxiang has a queue");
    let expected: HashMap<String, i64> = queued
        .iter()
        .zip(1..)
        .map(|(row, position)| (row.department.clone() + &row.topic, position))
        .collect();

    for order in ["{field: REQUESTED_AT}", "{field: ID, direction: DESC}"] {
        let found = data(
            app.graphql(
                &format!(
                    r#"{{ slotRequests(filter: {{regionCode: "330483"}}, orderBy: {order}, first: 100) {{
                           nodes {{ department topic status queuePosition requestedAt
                                   period {{ start end }} region {{ code }} consultation {{ id }} }} }}
                         queuedOnly: slotRequests(filter: {{regionCode: "330483", status: [QUEUED],
                           search: "{}"}}) {{ nodes {{ queuePosition }} }} }}"#,
                    queued[queued.len() - 1].department
                ),
                json!({}),
            )
            .await,
        );
        let nodes = found["slotRequests"]["nodes"].as_array().expect("nodes");
        assert!(nodes.len() > queued.len(), "decided requests too");
        let mut seen = Vec::new();
        for node in nodes {
            assert_eq!(node["region"]["code"], "330483");
            if node["status"] == "QUEUED" {
                let key = format!(
                    "{}{}",
                    node["department"].as_str().unwrap_or_default(),
                    node["topic"].as_str().unwrap_or_default()
                );
                assert_eq!(node["queuePosition"], expected[&key], "{node:#}");
                seen.push(node["queuePosition"].as_i64().expect("a position"));
            } else {
                assert!(node["queuePosition"].is_null(), "{node:#}");
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=queued.len() as i64).collect::<Vec<_>>());
        // A filter that hides the earlier requests does not move the later ones up.
        let last = &found["queuedOnly"]["nodes"];
        assert!(
            last.as_array()
                .expect("nodes")
                .iter()
                .any(|node| node["queuePosition"] == queued.len() as i64),
            "{last:#}"
        );
    }
}

#[tokio::test]
async fn nested_activities_cost_the_same_statements_for_more_lounges() {
    let app = TestApp::new(Template::Demo).await;
    let query = |lounges: u32| {
        format!(
            "{{ lounges(first: {lounges}) {{ nodes {{ activities(first: 5) {{ nodes {{ \
             lounges {{ name }} participants {{ name }} }} }} }} }} }}"
        )
    };
    let mut counts = Vec::new();
    for lounges in [30, 60] {
        app.statements().clear();
        let found = data(app.graphql(&query(lounges), json!({})).await);
        let nodes = found["lounges"]["nodes"].as_array().expect("lounges");
        assert_eq!(nodes.len(), lounges as usize);
        counts.push(app.statements().len());
    }
    assert_eq!(counts[0], counts[1], "{:#?}", app.statements().statements());
    assert_eq!(
        counts[0],
        4,
        "lounges, activities, host lounges, participants: {:#?}",
        app.statements().statements()
    );
}

/// A global ID as the API makes them (base64url without padding of `Type:id`).
fn global_id(type_name: &str, id: i64) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = format!("{type_name}:{id}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, byte)| n | u32::from(*byte) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn nodes_of_the_three_types_and_no_drafts_through_node() {
    let app = TestApp::new(Template::Demo).await;
    let reports = sentiment_report::Entity::find()
        .all(app.test_db.db.reader())
        .await
        .expect("reports");
    let draft = reports
        .iter()
        .find(|report| report.status == SentimentReportStatus::Draft)
        .expect("a draft");
    let submitted = reports
        .iter()
        .find(|report| report.status != SentimentReportStatus::Draft)
        .expect("a submitted report");
    let queued = slot_request::Entity::find()
        .filter(slot_request::Column::Status.eq(SlotRequestStatus::Queued))
        .one(app.test_db.db.reader())
        .await
        .expect("a query")
        .expect("a queued request");
    let activity = lounge_activity::Entity::find()
        .one(app.test_db.db.reader())
        .await
        .expect("a query")
        .expect("an activity");
    let ids = json!([
        global_id("SentimentReport", draft.id),
        global_id("SentimentReport", submitted.id),
        global_id("SlotRequest", queued.id),
        global_id("LoungeActivity", activity.id),
    ]);
    let found = data(
        app.graphql(
            r#"query($ids: [ID!]!) { nodes(ids: $ids) { id
                 ... on SentimentReport { title }
                 ... on SlotRequest { queuePosition }
                 ... on LoungeActivity { title } } }"#,
            json!({ "ids": ids }),
        )
        .await,
    );
    let nodes = found["nodes"].as_array().expect("nodes");
    assert!(nodes[0].is_null(), "a draft is not visible: {found:#}");
    assert_eq!(nodes[1]["title"], submitted.title.as_str());
    assert!(nodes[2]["queuePosition"].as_i64() >= Some(1), "{found:#}");
    assert_eq!(nodes[3]["title"], activity.title.as_str());
    assert_eq!(nodes[3]["id"], ids[3]);
}
