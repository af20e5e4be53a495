//! Member writes at the domain level: created and changed by staff in scope, one event each
//! without contact data, field-level validation, failed calls leave no event.

use domain::{
    Actor, Db, DomainError, Role,
    write::members::{self as write, NewMember, UpdateMember},
};
use entity::{
    enums::{EventType, Gender, MemberStatus},
    event,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use testing::{Template, TestDb, staff};

fn new_member(code: &str) -> NewMember {
    NewMember {
        region_code: code.to_owned(),
        name: "王晓红".to_owned(),
        gender: Gender::Female,
        sector: "教育界".to_owned(),
        occupation: "中学教师".to_owned(),
        term: 12,
        phone: Some("+86 138-0000-1234".to_owned()),
        email: Some("wang.xh@example.cn".to_owned()),
        member_number: None,
    }
}

async fn events(db: &Db) -> Vec<event::Model> {
    event::Entity::find()
        .order_by_asc(event::Column::Sequence)
        .all(db.reader())
        .await
        .expect("a query")
}

fn invalid_field<T: std::fmt::Debug>(result: Result<T, DomainError>) -> String {
    match result {
        Err(DomainError::Invalid { field, .. }) => field,
        other => panic!("expected INVALID, got {other:?}"),
    }
}

#[tokio::test]
async fn members_are_created_and_updated_with_events_without_contact_data() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let city = staff(db, Role::CityStaff, "330200").await.unwrap();
    let created = write::create(db, &city, new_member("330212"))
        .await
        .unwrap();
    assert_eq!(created.status, MemberStatus::Active);
    assert_eq!(created.phone.as_deref(), Some("+86 138-0000-1234"));
    let updated = write::update(
        db,
        &city,
        created.id,
        UpdateMember {
            region_code: Some("330200".into()),
            occupation: Some("校长".into()),
            email: Some("".into()),
            status: Some(MemberStatus::Inactive),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.occupation, "校长");
    assert_eq!(updated.email, None);
    assert_eq!(updated.phone, created.phone);
    assert_eq!(updated.status, MemberStatus::Inactive);

    let events = events(db).await;
    let types: Vec<EventType> = events.iter().map(|event| event.r#type).collect();
    assert_eq!(types, [EventType::MemberCreated, EventType::MemberUpdated]);
    assert_eq!(
        events
            .iter()
            .map(|event| event.sequence)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(events[0].region_codes, "[\"330212\"]");
    assert_eq!(events[1].region_codes, "[\"330200\",\"330212\"]");
    for event in &events {
        assert_eq!(event.entity_type, "Member");
        assert!(!event.snapshot.contains("138-0000"), "{}", event.snapshot);
        assert!(!event.snapshot.contains("example.cn"), "{}", event.snapshot);
        assert!(!event.snapshot.contains("phone") && !event.snapshot.contains("email"));
    }
}

#[tokio::test]
async fn invalid_member_input_is_refused_with_its_field() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let cases: Vec<(NewMember, &str)> = vec![
        (
            NewMember {
                name: " ".into(),
                ..new_member("330212")
            },
            "name",
        ),
        (
            NewMember {
                sector: "".into(),
                ..new_member("330212")
            },
            "sector",
        ),
        (
            NewMember {
                occupation: "职".repeat(201),
                ..new_member("330212")
            },
            "occupation",
        ),
        (
            NewMember {
                term: 0,
                ..new_member("330212")
            },
            "term",
        ),
        (
            NewMember {
                phone: Some("12345".into()),
                ..new_member("330212")
            },
            "phone",
        ),
        (
            NewMember {
                phone: Some("tel:13800001234".into()),
                ..new_member("330212")
            },
            "phone",
        ),
        (
            NewMember {
                email: Some("no-at-sign".into()),
                ..new_member("330212")
            },
            "email",
        ),
        (new_member("339999"), "regionCode"),
        (new_member("abc"), "regionCode"),
    ];
    for (input, field) in cases {
        assert_eq!(invalid_field(write::create(db, &actor, input).await), field);
    }
    let created = write::create(
        db,
        &actor,
        NewMember {
            phone: None,
            email: Some("  ".into()),
            ..new_member("330212")
        },
    )
    .await
    .unwrap();
    assert_eq!((created.phone, created.email), (None, None));
    let bad_term = write::update(
        db,
        &actor,
        created.id,
        UpdateMember {
            term: Some(100),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(invalid_field(bad_term), "term");
    assert_eq!(events(db).await.len(), 1, "failed calls leave no event");
}

#[tokio::test]
async fn staff_manage_members_only_inside_their_subtree() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let county = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let other_city = staff(db, Role::CityStaff, "330100").await.unwrap();
    let integrator = staff(db, Role::Integrator, "330000").await.unwrap();
    for actor in [&other_city, &integrator] {
        let refused = write::create(db, actor, new_member("330212")).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden(_))),
            "{refused:?}"
        );
    }
    let refused = write::create(db, &county, new_member("330200")).await;
    assert!(matches!(refused, Err(DomainError::Forbidden(_))));
    let anonymous = write::create(db, &Actor::Anonymous, new_member("330212")).await;
    assert!(matches!(anonymous, Err(DomainError::Unauthenticated)));

    let created = write::create(db, &county, new_member("330212"))
        .await
        .unwrap();
    let foreign = write::update(db, &other_city, created.id, UpdateMember::default()).await;
    assert!(matches!(foreign, Err(DomainError::Forbidden(_))));
    let moved_out = write::update(
        db,
        &county,
        created.id,
        UpdateMember {
            region_code: Some("330106".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(moved_out, Err(DomainError::Forbidden(_))));
    let anonymous = write::update(db, &Actor::Anonymous, created.id, UpdateMember::default()).await;
    assert!(matches!(anonymous, Err(DomainError::Unauthenticated)));
    let missing = write::update(db, &county, 987_654_321, UpdateMember::default()).await;
    assert!(matches!(missing, Err(DomainError::NotFound(_))));
    assert_eq!(events(db).await.len(), 1);
}

#[tokio::test]
async fn members_are_numbered_within_their_committee_and_numbers_stay_unique() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let county = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let existing: Vec<String> = entity::member::Entity::find()
        .filter(
            entity::member::Column::RegionId.eq(testing::region_id(db, "330212").await.unwrap()),
        )
        .all(db.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|member| member.member_number)
        .collect();
    let highest = existing
        .iter()
        .filter_map(|number| number.strip_prefix("330212-")?.parse::<usize>().ok())
        .max()
        .expect("the demo's members are numbered");
    assert_eq!(highest, existing.len(), "numbered 1..n by id");

    let numbered = write::create(db, &county, new_member("330212"))
        .await
        .unwrap();
    assert_eq!(numbered.member_number, format!("330212-{:04}", highest + 1));
    let given = write::create(
        db,
        &county,
        NewMember {
            member_number: Some(" 鄞政协-A1 ".into()),
            ..new_member("330212")
        },
    )
    .await
    .unwrap();
    assert_eq!(given.member_number, "鄞政协-A1");
    let taken = write::create(
        db,
        &county,
        NewMember {
            member_number: Some("鄞政协-A1".into()),
            ..new_member("330212")
        },
    )
    .await;
    assert_eq!(invalid_field(taken), "memberNumber");
    let renumbered = write::update(
        db,
        &county,
        numbered.id,
        UpdateMember {
            member_number: Some("鄞政协-A1".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(invalid_field(renumbered), "memberNumber");
}

#[test]
fn every_bad_field_of_a_member_is_reported_and_mobile_numbers_are_told_apart() {
    use domain::write::members::{MemberFields, is_mainland_mobile};
    let errors = MemberFields {
        member_number: None,
        name: " ".into(),
        gender: Gender::Male,
        sector: "经济界".into(),
        occupation: "".into(),
        term: 0,
        phone: Some("12345".into()),
        email: Some("none".into()),
        status: MemberStatus::Active,
    }
    .checked()
    .expect_err("five bad fields");
    let fields: Vec<String> = errors
        .into_iter()
        .map(|error| match error {
            DomainError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(fields, ["name", "occupation", "term", "phone", "email"]);
    assert!(is_mainland_mobile("13812345678"));
    assert!(is_mainland_mobile("+86 138-1234-5678"));
    assert!(!is_mainland_mobile("0574-8888 1234"));
    assert!(!is_mainland_mobile("12812345678"));
}
