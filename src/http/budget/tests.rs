//! Cost in flight, execution slots and client keys.

use super::*;

fn page(first: u32) -> async_graphql::Request {
    async_graphql::Request::new(format!(
        "{{ lounges(first: {first}) {{ nodes {{ name }} }} }}"
    ))
}

fn code(refusal: &Refusal) -> Option<String> {
    refusal.response.errors[0]
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
        .map(ToString::to_string)
}

#[tokio::test]
async fn anonymous_operations_share_a_cost_in_flight_and_staff_do_not() {
    let budgets = Budgets::new(&BudgetOptions {
        anonymous_cost_in_flight: Some(100),
        queue_wait: Duration::ZERO,
        ..BudgetOptions::default()
    });
    let anonymous = ClientKey::Address("192.0.2.1".parse().expect("an address"));
    let held = budgets
        .admit(&anonymous, &mut page(79))
        .await
        .expect("80 points fit");
    let refused = budgets
        .admit(&anonymous, &mut page(29))
        .await
        .expect_err("30 more do not");
    assert_eq!(refused.status, Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(code(&refused).as_deref(), Some("\"SERVICE_BUSY\""));
    assert!(
        budgets.admit(&anonymous, &mut page(9)).await.is_ok(),
        "10 do"
    );
    let staff = ClientKey::Token {
        role: "PROVINCE_STAFF",
        region: "330000".into(),
        subject: "alice".into(),
    };
    assert!(budgets.admit(&staff, &mut page(99)).await.is_ok());
    drop(held);
    assert!(budgets.admit(&anonymous, &mut page(29)).await.is_ok());
}

#[tokio::test]
async fn the_global_limit_counts_executions() {
    let budgets = Budgets::new(&BudgetOptions {
        max_concurrent: Some(1),
        queue_wait: Duration::from_millis(10),
        ..BudgetOptions::default()
    });
    let key = ClientKey::Unknown;
    let held = budgets.admit(&key, &mut page(1)).await.expect("a slot");
    let refused = budgets
        .admit(&key, &mut page(1))
        .await
        .expect_err("none left");
    assert_eq!(refused.retry_after, Some(1));
    drop(held);
    assert!(budgets.admit(&key, &mut page(1)).await.is_ok());
}

#[test]
fn tokens_are_keyed_by_role_region_and_subject() {
    let principal = |role: domain::Role, region: &str| {
        Actor::Authenticated(domain::Principal {
            issuer: None,
            token_id: None,
            subject: "xieshang-cli".into(),
            role,
            region_id: 1,
            region_code: region.into(),
            member_id: None,
            scope: Arc::default(),
        })
    };
    let staff = ClientKey::of(Some(&principal(domain::Role::CountyStaff, "330212")), None);
    let other = ClientKey::of(Some(&principal(domain::Role::CountyStaff, "330213")), None);
    let member = ClientKey::of(Some(&principal(domain::Role::Member, "330212")), None);
    assert_ne!(staff, other);
    assert_ne!(staff, member);
    assert!(!member.is_anonymous(), "a member counts as authenticated");
    let v6 = |text: &str| ClientKey::of(None, Some(text.parse().expect("an address")));
    assert_eq!(v6("2001:db8::1"), v6("2001:db8::ffff:1"));
    assert_ne!(v6("2001:db8::1"), v6("2001:db8:0:1::1"));
}
