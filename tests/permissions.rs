//! The permission matrix: every role, in scope and out of scope, against every mutation.
//!
//! A call counts as *authorized* when it does not fail with `UNAUTHENTICATED` or `FORBIDDEN`:
//! it may still be refused for its input or the record's state (a `userError`), which proves
//! that the permission check passed. Fixtures are demo records in 鄞州区 330212 (inside the
//! scope of county staff of 330212, city staff of 宁波市 330200 and province staff) and in
//! 西湖区 330106 (outside the first two).

mod common;

use common::{TestApp, token_for};
use domain::Role;
use entity::{
    consultation, lounge, lounge_membership, member, region, sentiment_report, suggestion,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use testing::Template;

/// Global IDs of demo records of one committee.
struct Fixture {
    code: &'static str,
    consultation: String,
    suggestion: String,
    lounge: String,
    member: String,
    /// A member of the committee who belongs to no lounge: a MEMBER token without lead rights.
    plain_member_id: i64,
    slot_request: String,
    report: String,
}

fn global(type_name: &str, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

async fn fixture(app: &TestApp, code: &'static str) -> Fixture {
    let db = app.test_db.db.reader();
    let region = region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db)
        .await
        .expect("a query")
        .expect("the region");
    let consultation = consultation::Entity::find()
        .filter(consultation::Column::RegionId.eq(region.id))
        .order_by_asc(consultation::Column::Id)
        .one(db)
        .await
        .expect("a query")
        .expect("a consultation");
    let suggestion = suggestion::Entity::find()
        .filter(suggestion::Column::ConsultationId.eq(consultation.id))
        .one(db)
        .await
        .expect("a query");
    let suggestion = match suggestion {
        Some(row) => row,
        None => suggestion::Entity::find()
            .inner_join(consultation::Entity)
            .filter(consultation::Column::RegionId.eq(region.id))
            .one(db)
            .await
            .expect("a query")
            .expect("a suggestion"),
    };
    let lounge = lounge::Entity::find()
        .filter(lounge::Column::RegionId.eq(region.id))
        .one(db)
        .await
        .expect("a query");
    let lounge = match lounge {
        Some(row) => row,
        None => lounge::Entity::find()
            .one(db)
            .await
            .expect("a query")
            .expect("a lounge"),
    };
    let member = member::Entity::find()
        .filter(member::Column::RegionId.eq(region.id))
        .one(db)
        .await
        .expect("a query")
        .expect("a member");
    let in_lounges: Vec<i64> = lounge_membership::Entity::find()
        .all(db)
        .await
        .expect("a query")
        .into_iter()
        .map(|row| row.member_id)
        .collect();
    let plain_member = member::Entity::find()
        .filter(member::Column::RegionId.eq(region.id))
        .filter(member::Column::Id.is_not_in(in_lounges))
        .one(db)
        .await
        .expect("a query")
        .expect("a member without lounges");
    // The demo queue has requests in a few counties only: queue one here.
    let queued = app
        .graphql_as(
            &token_for(Role::ProvinceStaff, "330000", None),
            "mutation($input: RequestConsultationSlotInput!) { requestConsultationSlot(input: $input) { slotRequest { id } } }",
            json!({ "input": { "regionCode": code, "department": "住建局", "topic": "老旧小区改造", "periodStart": "2027-01-01", "periodEnd": "2027-03-31" } }),
        )
        .await
        .json();
    let slot_request = queued["data"]["requestConsultationSlot"]["slotRequest"]["id"]
        .as_str()
        .expect("a queued request")
        .to_owned();
    let report = sentiment_report::Entity::find()
        .filter(sentiment_report::Column::RegionId.eq(region.id))
        .one(db)
        .await
        .expect("a query")
        .expect("a sentiment report");
    Fixture {
        code,
        consultation: global("Consultation", consultation.id),
        suggestion: global("Suggestion", suggestion.id),
        lounge: global("Lounge", lounge.id),
        member: global("Member", member.id),
        plain_member_id: plain_member.id,
        slot_request,
        report: global("SentimentReport", report.id),
    }
}

/// One mutation with an input built for a fixture's committee.
struct Case {
    name: &'static str,
    input_type: &'static str,
    input: fn(&Fixture) -> Value,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "proposeConsultation",
            input_type: "ProposeConsultationInput",
            input: |f| json!({ "regionCode": f.code, "title": "议题", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" }),
        },
        Case {
            name: "approveConsultation",
            input_type: "ApproveConsultationInput",
            input: |f| json!({ "id": f.consultation }),
        },
        Case {
            name: "startConsultationResearch",
            input_type: "StartConsultationResearchInput",
            input: |f| json!({ "id": f.consultation }),
        },
        Case {
            name: "scheduleConsultation",
            input_type: "ScheduleConsultationInput",
            input: |f| json!({ "id": f.consultation, "scheduledAt": "2026-12-01T09:00:00+08:00", "venue": "会议室" }),
        },
        Case {
            name: "recordConsultationHeld",
            input_type: "RecordConsultationHeldInput",
            input: |f| json!({ "id": f.consultation, "heldAt": "2026-01-01T09:00:00+08:00", "participants": [{ "role": "EXPERT", "name": "专家" }] }),
        },
        Case {
            name: "startConsultationFollowUp",
            input_type: "StartConsultationFollowUpInput",
            input: |f| json!({ "id": f.consultation }),
        },
        Case {
            name: "closeConsultation",
            input_type: "CloseConsultationInput",
            input: |f| json!({ "id": f.consultation }),
        },
        Case {
            name: "cancelConsultation",
            input_type: "CancelConsultationInput",
            input: |f| json!({ "id": f.consultation, "reason": "测试" }),
        },
        Case {
            name: "updateConsultation",
            input_type: "UpdateConsultationInput",
            input: |f| json!({ "id": f.consultation, "venue": "新会场" }),
        },
        Case {
            name: "addSuggestion",
            input_type: "AddSuggestionInput",
            input: |f| json!({ "consultationId": f.consultation, "content": "建议", "proposerName": "专家", "responsibleDepartment": "交通运输局" }),
        },
        Case {
            name: "setSuggestionStatus",
            input_type: "SetSuggestionStatusInput",
            input: |f| json!({ "id": f.suggestion, "status": "ACCEPTED" }),
        },
        Case {
            name: "addSuggestionFollowUp",
            input_type: "AddSuggestionFollowUpInput",
            input: |f| json!({ "suggestionId": f.suggestion, "date": "2026-11-01", "note": "督查", "progress": 50 }),
        },
        Case {
            name: "requestConsultationSlot",
            input_type: "RequestConsultationSlotInput",
            input: |f| json!({ "regionCode": f.code, "department": "交通运输局", "topic": "公交线路", "periodStart": "2027-01-01", "periodEnd": "2027-06-30" }),
        },
        Case {
            name: "acceptSlotRequest",
            input_type: "AcceptSlotRequestInput",
            input: |f| json!({ "id": f.slot_request, "kind": "MAIN" }),
        },
        Case {
            name: "declineSlotRequest",
            input_type: "DeclineSlotRequestInput",
            input: |f| json!({ "id": f.slot_request, "reason": "已有同类议题" }),
        },
        Case {
            name: "draftSentimentReport",
            input_type: "DraftSentimentReportInput",
            input: |f| json!({ "regionCode": f.code, "title": "社情民意", "content": "内容", "recipient": "区政府办公室", "sourceLoungeIds": [], "authorMemberIds": [] }),
        },
        Case {
            name: "submitSentimentReport",
            input_type: "SubmitSentimentReportInput",
            input: |f| json!({ "id": f.report }),
        },
        Case {
            name: "createLounge",
            input_type: "CreateLoungeInput",
            input: |f| json!({ "regionCode": f.code, "name": "新委员会客厅", "theme": "基层治理", "venue": "社区中心", "address": "某路1号", "establishedOn": "2026-11-01", "leadMemberIds": [f.member] }),
        },
        Case {
            name: "updateLounge",
            input_type: "UpdateLoungeInput",
            input: |f| json!({ "id": f.lounge, "theme": "新主题" }),
        },
        Case {
            name: "setLoungeStatus",
            input_type: "SetLoungeStatusInput",
            input: |f| json!({ "id": f.lounge, "status": "SUSPENDED" }),
        },
        Case {
            name: "addLoungeMember",
            input_type: "AddLoungeMemberInput",
            input: |f| json!({ "loungeId": f.lounge, "memberId": f.member, "role": "TEAM", "since": "2026-11-01" }),
        },
        Case {
            name: "endLoungeMembership",
            input_type: "EndLoungeMembershipInput",
            input: |f| json!({ "loungeId": f.lounge, "memberId": f.member, "until": "2026-11-20" }),
        },
        Case {
            name: "recordLoungeActivity",
            input_type: "RecordLoungeActivityInput",
            input: |f| json!({ "loungeIds": [f.lounge], "title": "委员讲堂", "kind": "FLEXIBLE", "format": "LECTURE", "channel": "OFFLINE", "startsAt": "2026-11-02T09:00:00+08:00", "endsAt": "2026-11-02T11:00:00+08:00", "participantMemberIds": [], "publicAttendance": 20 }),
        },
        Case {
            name: "grantRole",
            input_type: "GrantRoleInput",
            input: |f| json!({ "issuer": "https://idp.test/realms/zj", "subject": "matrix", "role": "INTEGRATOR", "regionCode": f.code }),
        },
        Case {
            name: "createMember",
            input_type: "CreateMemberInput",
            input: |f| json!({ "regionCode": f.code, "name": "新委员", "gender": "FEMALE", "sector": "经济界", "occupation": "企业家", "term": 12 }),
        },
        Case {
            name: "updateMember",
            input_type: "UpdateMemberInput",
            input: |f| json!({ "id": f.member, "occupation": "教授" }),
        },
        Case {
            name: "acknowledgeSentimentReport",
            input_type: "AcknowledgeSentimentReportInput",
            input: |f| json!({ "id": f.report, "acknowledgement": "请有关部门研究办理" }),
        },
    ]
}

/// `Ok(())` when authorized, else the top-level error code.
async fn attempt(
    app: &TestApp,
    token: Option<&str>,
    case: &Case,
    fixture: &Fixture,
) -> Result<(), String> {
    let query = format!(
        "mutation($input: {}!) {{ {}(input: $input) {{ userErrors {{ code }} }} }}",
        case.input_type, case.name
    );
    let variables = json!({ "input": (case.input)(fixture) });
    let response = match token {
        Some(token) => app.graphql_as(token, &query, variables).await.json(),
        None => app.graphql(&query, variables).await,
    };
    match response["errors"][0]["extensions"]["code"].as_str() {
        None => Ok(()),
        Some(code) => Err(code.to_owned()),
    }
}

#[tokio::test]
async fn every_role_in_and_out_of_scope_against_every_mutation() {
    let app = TestApp::new(Template::Demo).await;
    let inside = fixture(&app, "330212").await;
    let outside = fixture(&app, "330106").await;
    let staff = [
        (
            "province staff",
            token_for(Role::ProvinceStaff, "330000", None),
            true,
        ),
        (
            "city staff",
            token_for(Role::CityStaff, "330200", None),
            false,
        ),
        (
            "county staff",
            token_for(Role::CountyStaff, "330212", None),
            false,
        ),
    ];
    let member = token_for(Role::Member, "330212", Some(inside.plain_member_id));
    let integrator = token_for(Role::Integrator, "330000", None);
    // Rows the fixtures wrote are not the matrix's.
    let audited_before = entity::audit_log::Entity::find()
        .order_by_desc(entity::audit_log::Column::Id)
        .one(app.test_db.db.reader())
        .await
        .expect("the audit log reads")
        .map_or(0, |row| row.id);
    let mut failures = Vec::new();
    for case in cases() {
        for (who, token, covers_outside) in &staff {
            if let Err(code) = attempt(&app, Some(token), &case, &inside).await {
                failures.push(format!("{who} in scope: {} → {code}", case.name));
            }
            let outcome = attempt(&app, Some(token), &case, &outside).await;
            let expected = if *covers_outside {
                Ok(())
            } else {
                Err("FORBIDDEN".to_owned())
            };
            if outcome != expected {
                failures.push(format!("{who} out of scope: {} → {outcome:?}", case.name));
            }
        }
        // Members act on their own lounges and MEMBER proposals (tested below); the fixtures
        // here are committee business, including a PARTY_GOVERNMENT proposal.
        let member_outcome = attempt(&app, Some(&member), &case, &inside).await;
        if member_outcome != Err("FORBIDDEN".to_owned()) {
            failures.push(format!("member: {} → {member_outcome:?}", case.name));
        }
        let integrator_outcome = attempt(&app, Some(&integrator), &case, &inside).await;
        if integrator_outcome != Err("FORBIDDEN".to_owned()) {
            failures.push(format!(
                "integrator: {} → {integrator_outcome:?}",
                case.name
            ));
        }
        let anonymous = attempt(&app, None, &case, &inside).await;
        if anonymous != Err("UNAUTHENTICATED".to_owned()) {
            failures.push(format!("anonymous: {} → {anonymous:?}", case.name));
        }
    }
    // Every authenticated attempt above left exactly one audit row: 3 staff roles in and out of
    // scope, a member and an integrator (anonymous refusals are aggregated per client address
    // and minute; tests/audit_log.rs covers them and the mutations not in this table).
    for case in cases() {
        let rows = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Operation.eq(case.name))
            .filter(entity::audit_log::Column::ActorSubject.is_not_null())
            .filter(entity::audit_log::Column::Id.gt(audited_before))
            .all(app.test_db.db.reader())
            .await
            .expect("the audit log reads");
        let forbidden = rows.iter().filter(|row| row.outcome == "FORBIDDEN").count();
        if rows.len() != 8 || forbidden < 2 {
            failures.push(format!(
                "audit rows of {}: {} rows, {forbidden} FORBIDDEN",
                case.name,
                rows.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn members_propose_member_topics_to_their_own_committee_only() {
    let app = TestApp::new(Template::Demo).await;
    let inside = fixture(&app, "330212").await;
    let member = token_for(Role::Member, "330212", Some(inside.plain_member_id));
    let propose = |code: &str, source: &str| json!({ "input": { "regionCode": code, "title": "委员荐题", "topic": "内容", "topicSource": source, "kind": "MICRO" } });
    let query = "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { consultation { topicSource } userErrors { code } } }";
    let own = app
        .graphql_as(&member, query, propose("330212", "MEMBER"))
        .await
        .json();
    assert_eq!(
        own["data"]["proposeConsultation"]["consultation"]["topicSource"], "MEMBER",
        "{own:#}"
    );
    let foreign = app
        .graphql_as(&member, query, propose("330106", "MEMBER"))
        .await
        .json();
    assert_eq!(foreign["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn drafts_are_seen_by_their_authors_and_staff_in_scope_only() {
    let app = TestApp::new(Template::Demo).await;
    let inside = fixture(&app, "330212").await;
    let author = token_for(Role::Member, "330212", Some(inside.plain_member_id));
    let member_id = global("Member", inside.plain_member_id);
    let drafted = app
        .graphql_as(
            &author,
            "mutation($input: DraftSentimentReportInput!) { draftSentimentReport(input: $input) { sentimentReport { id status } userErrors { code message } } }",
            json!({ "input": { "regionCode": "330212", "title": "委员起草", "content": "内容", "recipient": "区政府办公室", "sourceLoungeIds": [], "authorMemberIds": [member_id] } }),
        )
        .await
        .json();
    let report = drafted["data"]["draftSentimentReport"]["sentimentReport"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a draft: {drafted:#}"))
        .to_owned();
    let query = "query($id: ID!) { node(id: $id) { id } sentimentReports(first: 100, filter: {regionCode: \"330212\", status: [DRAFT]}) { nodes { id } } }";
    let sees = |response: &Value| {
        let listed = response["data"]["sentimentReports"]["nodes"]
            .as_array()
            .is_some_and(|nodes| nodes.iter().any(|node| node["id"] == report.as_str()));
        let fetched = response["data"]["node"]["id"] == report.as_str();
        assert_eq!(listed, fetched, "{response:#}");
        listed
    };
    let variables = json!({ "id": report });
    assert!(sees(
        &app.graphql_as(&author, query, variables.clone())
            .await
            .json()
    ));
    assert!(sees(
        &app.graphql_as(
            &token_for(Role::CountyStaff, "330212", None),
            query,
            variables.clone()
        )
        .await
        .json()
    ));
    assert!(!sees(
        &app.graphql_as(
            &token_for(Role::CountyStaff, "330106", None),
            query,
            variables.clone()
        )
        .await
        .json()
    ));
    assert!(!sees(&app.graphql(query, variables).await));
}
