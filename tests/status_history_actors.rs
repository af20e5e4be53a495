//! `statusHistory` names the person behind a change only to staff whose scope covers the
//! consultation's committee (issue 10, 1d). Everyone else, the anonymous public first, sees the
//! role and the committee; rows written before the committee was stored show the role alone.

mod common;

use chrono::Utc;
use common::{TestApp, token_for};
use domain::Role;
use entity::{consultation, consultation_status_change, enums::ConsultationStatus};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use testing::Template;

/// The subject of every token `token_for` signs for county staff.
const SUBJECT: &str = "test-county_staff";

const PROPOSE: &str = r#"mutation($input: ProposeConsultationInput!) {
  proposeConsultation(input: $input) { consultation { id } userErrors { code } } }"#;
const APPROVE: &str = r#"mutation($input: ApproveConsultationInput!) {
  approveConsultation(input: $input) { consultation { id status } userErrors { code } } }"#;
const HISTORY: &str = r#"query($id: ID!) { node(id: $id) { ... on Consultation {
  statusHistory { from to actor actorRole actorCommittee { code name } } } } }"#;

async fn history(app: &TestApp, token: Option<&str>, id: &str) -> (Value, String) {
    let variables = json!({ "id": id });
    let body = match token {
        Some(token) => app.graphql_as(token, HISTORY, variables).await.body,
        None => {
            let response = app.graphql(HISTORY, variables).await;
            response.to_string()
        }
    };
    let response: Value = serde_json::from_str(&body).expect("JSON");
    assert!(response.get("errors").is_none(), "{response:#}");
    (response["data"]["node"]["statusHistory"].clone(), body)
}

/// A consultation of 330212 proposed and approved by county staff of 330212.
async fn staff_transition(app: &TestApp) -> String {
    let staff = token_for(Role::CountyStaff, "330212", None);
    let proposed = app
        .graphql_as(
            &staff,
            PROPOSE,
            json!({ "input": { "regionCode": "330212", "title": "东钱湖水质提升",
                "topic": "湖区截污纳管", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } }),
        )
        .await
        .json();
    let id = proposed["data"]["proposeConsultation"]["consultation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{proposed:#}"))
        .to_owned();
    let approved = app
        .graphql_as(&staff, APPROVE, json!({ "input": { "id": id } }))
        .await
        .json();
    assert_eq!(
        approved["data"]["approveConsultation"]["consultation"]["status"], "APPROVED",
        "{approved:#}"
    );
    id
}

#[tokio::test]
async fn anonymous_callers_see_the_role_and_committee_but_no_subject() {
    let app = TestApp::new(Template::Demo).await;
    let id = staff_transition(&app).await;

    let (changes, body) = history(&app, None, &id).await;
    assert!(!body.contains(SUBJECT), "the subject leaked: {body}");
    let committee = json!({ "code": "330212", "name": "鄞州区" });
    let shown = |from: Value, to: &str| {
        json!({ "from": from, "to": to, "actor": "COUNTY_STAFF", "actorRole": "COUNTY_STAFF",
            "actorCommittee": committee })
    };
    assert_eq!(
        changes,
        json!([
            shown(json!(null), "PROPOSED"),
            shown(json!("PROPOSED"), "APPROVED")
        ])
    );

    // Integrators, members and staff of other committees see no more than the public.
    for token in [
        token_for(Role::Integrator, "330000", None),
        token_for(Role::CountyStaff, "331002", None),
    ] {
        let (_, body) = history(&app, Some(&token), &id).await;
        assert!(!body.contains(SUBJECT), "the subject leaked: {body}");
    }

    // Staff whose scope covers the committee still see who it was.
    let city = token_for(Role::CityStaff, "330200", None);
    let (changes, _) = history(&app, Some(&city), &id).await;
    assert_eq!(
        changes[1]["actor"],
        json!(format!("COUNTY_STAFF:{SUBJECT}"))
    );
}

#[tokio::test]
async fn rows_without_a_committee_show_the_role_alone() {
    let app = TestApp::new(Template::Demo).await;
    let id = staff_transition(&app).await;
    let number = proposed_row_id(&app).await;
    // A change as written before the committee was stored.
    consultation_status_change::ActiveModel {
        consultation_id: Set(number),
        from_status: Set(Some(ConsultationStatus::Approved)),
        to_status: Set(ConsultationStatus::Cancelled),
        actor: Set("CITY_STAFF:carol".to_owned()),
        note: Set(None),
        changed_at: Set(Utc::now()),
        actor_region_id: Set(None),
        ..Default::default()
    }
    .insert(app.test_db.db.writer())
    .await
    .expect("an old-style row");

    let (changes, body) = history(&app, None, &id).await;
    assert!(!body.contains("carol"), "the subject leaked: {body}");
    let last = changes
        .as_array()
        .and_then(|all| all.last())
        .expect("changes");
    assert_eq!(
        last,
        &json!({ "from": "APPROVED", "to": "CANCELLED", "actor": "CITY_STAFF",
            "actorRole": "CITY_STAFF", "actorCommittee": null })
    );
}

/// The database id of the consultation `staff_transition` proposed.
async fn proposed_row_id(app: &TestApp) -> i64 {
    consultation::Entity::find()
        .filter(consultation::Column::Title.eq("东钱湖水质提升"))
        .one(app.test_db.db.reader())
        .await
        .expect("read consultations")
        .expect("the proposed consultation")
        .id
}
