//! `grantRole`, `revokeRole` and `roleAssignments`: who grants what (staff grant staff roles
//! at or below their own within their scope, MEMBER and INTEGRATOR within their scope, only
//! PROVINCE_STAFF grant PROVINCE_STAFF), the tier a staff role is held at, and what each caller
//! may list. Granters here use service tokens; `tests/oidc.rs` signs in as the people granted.

mod common;

use common::{TestApp, token_for};
use domain::Role;
use entity::member;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use testing::Template;

const ISSUER: &str = "https://idp.test/realms/zhejiang";

const GRANT: &str = "mutation($input: GrantRoleInput!) { grantRole(input: $input) { roleAssignment { id role region { code } member { id } grantedBy } userErrors { field code message } } }";
const REVOKE: &str = "mutation($input: RevokeRoleInput!) { revokeRole(input: $input) { revokedRoleAssignmentId roleAssignment { subject } userErrors { code } } }";
const LIST: &str = "query($filter: RoleAssignmentFilter) { roleAssignments(filter: $filter, first: 50) { totalCount nodes { subject role region { code } } } }";

/// What a grant came to: the new assignment's id, a user error's code, or a top-level code.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Granted(String),
    UserError(String),
    Refused(String),
}

async fn grant(app: &TestApp, token: &str, input: Value) -> Outcome {
    let body = app
        .graphql_as(token, GRANT, json!({ "input": input }))
        .await
        .json();
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return Outcome::Refused(code.to_owned());
    }
    let payload = &body["data"]["grantRole"];
    match payload["roleAssignment"]["id"].as_str() {
        Some(id) => Outcome::Granted(id.to_owned()),
        None => Outcome::UserError(
            payload["userErrors"][0]["code"]
                .as_str()
                .unwrap_or("no code")
                .to_owned(),
        ),
    }
}

fn input(subject: &str, role: &str, region: &str) -> Value {
    json!({ "issuer": ISSUER, "subject": subject, "role": role, "regionCode": region })
}

fn granted(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Granted(_))
}

async fn member_of(app: &TestApp, code: &str) -> i64 {
    let region = testing::region_id(&app.test_db.db, code)
        .await
        .expect("a demo region");
    member::Entity::find()
        .filter(member::Column::RegionId.eq(region))
        .order_by_asc(member::Column::Id)
        .one(app.test_db.db.reader())
        .await
        .expect("the members table answers")
        .expect("a demo member")
        .id
}

fn member_global_id(id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Member:{id}"))
}

#[tokio::test]
async fn staff_grant_roles_at_or_below_their_own_within_their_scope() {
    let app = TestApp::new(Template::Demo).await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let city = token_for(Role::CityStaff, "330200", None);
    let county = token_for(Role::CountyStaff, "330212", None);
    let member_token = token_for(
        Role::Member,
        "330212",
        Some(member_of(&app, "330212").await),
    );
    let integrator = token_for(Role::Integrator, "330000", None);
    let refused = |code: &str| Outcome::Refused(code.to_owned());
    let user_error = |code: &str| Outcome::UserError(code.to_owned());

    let cases: Vec<(&str, &str, Value, Option<Outcome>)> = vec![
        (
            "county grants county",
            &county,
            input("a", "COUNTY_STAFF", "330212"),
            None,
        ),
        (
            "county grants county elsewhere",
            &county,
            input("a", "COUNTY_STAFF", "330109"),
            Some(refused("FORBIDDEN")),
        ),
        (
            "county grants city",
            &county,
            input("a", "CITY_STAFF", "330200"),
            Some(refused("FORBIDDEN")),
        ),
        (
            "county grants integrator",
            &county,
            input("a", "INTEGRATOR", "330212"),
            None,
        ),
        (
            "city grants county below it",
            &city,
            input("b", "COUNTY_STAFF", "330212"),
            None,
        ),
        (
            "city grants city",
            &city,
            input("b", "CITY_STAFF", "330200"),
            None,
        ),
        (
            "city grants another city",
            &city,
            input("b", "CITY_STAFF", "330100"),
            Some(refused("FORBIDDEN")),
        ),
        (
            "city grants province",
            &city,
            input("b", "PROVINCE_STAFF", "330000"),
            Some(refused("FORBIDDEN")),
        ),
        (
            "province grants province",
            &province,
            input("c", "PROVINCE_STAFF", "330000"),
            None,
        ),
        (
            "province grants county anywhere",
            &province,
            input("c", "COUNTY_STAFF", "330106"),
            None,
        ),
        (
            "a staff role at the wrong tier",
            &city,
            input("b", "COUNTY_STAFF", "330200"),
            Some(user_error("INVALID")),
        ),
        (
            "an unknown region",
            &province,
            input("c", "COUNTY_STAFF", "339999"),
            Some(user_error("INVALID")),
        ),
        (
            "MEMBER without a member",
            &county,
            input("d", "MEMBER", "330212"),
            Some(user_error("INVALID")),
        ),
        (
            "an empty subject",
            &county,
            input(" ", "INTEGRATOR", "330212"),
            Some(user_error("INVALID")),
        ),
        (
            "a member grants",
            &member_token,
            input("e", "INTEGRATOR", "330212"),
            Some(refused("FORBIDDEN")),
        ),
        (
            "an integrator grants",
            &integrator,
            input("e", "INTEGRATOR", "330212"),
            Some(refused("FORBIDDEN")),
        ),
    ];
    let mut failures = Vec::new();
    for (case, token, input, expected) in cases {
        let outcome = grant(&app, token, input).await;
        let ok = match &expected {
            None => granted(&outcome),
            Some(expected) => &outcome == expected,
        };
        if !ok {
            failures.push(format!("{case}: {outcome:?}, expected {expected:?}"));
        }
    }
    let anonymous = app
        .graphql(
            GRANT,
            json!({ "input": input("f", "INTEGRATOR", "330212") }),
        )
        .await;
    if anonymous["errors"][0]["extensions"]["code"] != "UNAUTHENTICATED" {
        failures.push(format!("anonymous: {anonymous}"));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_member_role_names_a_member_of_that_committee() {
    let app = TestApp::new(Template::Demo).await;
    let county = token_for(Role::CountyStaff, "330212", None);
    let own = member_of(&app, "330212").await;
    let foreign = member_of(&app, "330106").await;

    let mut with_member = input("m", "MEMBER", "330212");
    with_member["memberId"] = json!(member_global_id(own));
    let body = app
        .graphql_as(&county, GRANT, json!({ "input": with_member }))
        .await
        .json();
    let assignment = &body["data"]["grantRole"]["roleAssignment"];
    assert_eq!(assignment["role"], "MEMBER", "{body}");
    assert_eq!(assignment["member"]["id"], member_global_id(own));
    assert_eq!(assignment["grantedBy"], "test-county_staff");

    let mut with_foreign = input("m", "MEMBER", "330212");
    with_foreign["memberId"] = json!(member_global_id(foreign));
    let body = app
        .graphql_as(&county, GRANT, json!({ "input": with_foreign }))
        .await
        .json();
    assert_eq!(
        body["data"]["grantRole"]["userErrors"][0]["field"],
        json!(["memberId"]),
        "{body}"
    );

    let mut on_staff = input("m", "COUNTY_STAFF", "330212");
    on_staff["memberId"] = json!(member_global_id(own));
    assert_eq!(
        grant(&app, &county, on_staff).await,
        Outcome::UserError("INVALID".to_owned())
    );
}

#[tokio::test]
async fn granting_twice_returns_the_same_assignment() {
    let app = TestApp::new(Template::Demo).await;
    let city = token_for(Role::CityStaff, "330200", None);
    let first = grant(&app, &city, input("twice", "COUNTY_STAFF", "330212")).await;
    let second = grant(&app, &city, input("twice", "COUNTY_STAFF", "330212")).await;
    assert!(granted(&first), "{first:?}");
    assert_eq!(first, second);
}

#[tokio::test]
async fn staff_list_and_revoke_the_assignments_of_their_scope_only() {
    let app = TestApp::new(Template::Demo).await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let city = token_for(Role::CityStaff, "330200", None);
    let county = token_for(Role::CountyStaff, "330212", None);
    let yinzhou = grant(&app, &province, input("yinzhou", "COUNTY_STAFF", "330212")).await;
    let ningbo = grant(&app, &province, input("ningbo", "CITY_STAFF", "330200")).await;
    let xihu = grant(&app, &province, input("xihu", "COUNTY_STAFF", "330106")).await;
    let (Outcome::Granted(yinzhou), Outcome::Granted(ningbo), Outcome::Granted(xihu)) =
        (yinzhou, ningbo, xihu)
    else {
        panic!("the province grants all three");
    };

    let subjects = |body: &Value| -> Vec<String> {
        body["data"]["roleAssignments"]["nodes"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|node| node["subject"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let list = |token: &str, filter: Value| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.graphql_as(&token, LIST, json!({ "filter": filter }))
                .await
                .json()
        }
    };
    assert_eq!(
        subjects(&list(&province, Value::Null).await),
        ["yinzhou", "ningbo", "xihu"]
    );
    assert_eq!(
        subjects(&list(&city, Value::Null).await),
        ["yinzhou", "ningbo"]
    );
    assert_eq!(subjects(&list(&county, Value::Null).await), ["yinzhou"]);
    assert_eq!(
        subjects(&list(&province, json!({ "role": "CITY_STAFF" })).await),
        ["ningbo"]
    );
    assert_eq!(
        subjects(&list(&province, json!({ "subject": "xihu", "issuer": ISSUER })).await),
        ["xihu"]
    );
    assert_eq!(
        subjects(&list(&province, json!({ "regionCode": "330212" })).await),
        ["yinzhou"]
    );
    let member = token_for(
        Role::Member,
        "330212",
        Some(member_of(&app, "330212").await),
    );
    assert_eq!(
        list(&member, Value::Null).await["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
    assert_eq!(
        app.graphql(LIST, json!({})).await["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    // node(id:) follows the same scope.
    let node = "query($id: ID!) { node(id: $id) { ... on RoleAssignment { subject } } }";
    let seen = app
        .graphql_as(&county, node, json!({ "id": yinzhou }))
        .await
        .json();
    assert_eq!(seen["data"]["node"]["subject"], "yinzhou", "{seen}");
    let hidden = app
        .graphql_as(&county, node, json!({ "id": xihu }))
        .await
        .json();
    assert_eq!(hidden["data"]["node"], Value::Null, "{hidden}");

    let revoke = |token: &str, id: &str| {
        let (token, id) = (token.to_owned(), id.to_owned());
        let app = &app;
        async move {
            app.graphql_as(&token, REVOKE, json!({ "input": { "id": id } }))
                .await
                .json()
        }
    };
    // County staff may not revoke a city role or another county's role.
    for id in [&ningbo, &xihu] {
        let body = revoke(&county, id).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
    }
    let body = revoke(&city, &yinzhou).await;
    assert_eq!(
        body["data"]["revokeRole"]["revokedRoleAssignmentId"],
        yinzhou
    );
    assert_eq!(
        body["data"]["revokeRole"]["roleAssignment"]["subject"],
        "yinzhou"
    );
    let again = revoke(&city, &yinzhou).await;
    assert_eq!(
        again["data"]["revokeRole"]["userErrors"][0]["code"], "NOT_FOUND",
        "{again}"
    );
    assert_eq!(
        subjects(&list(&province, Value::Null).await),
        ["ningbo", "xihu"]
    );
}
