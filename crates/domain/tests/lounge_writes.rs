//! Lounge writes at the domain level: each change in one transaction with its outbox event(s);
//! field-level validation; scope (staff in their subtree, lead members of their lounge);
//! concurrent updates never lost; failed calls leave no event.

use chrono::{Duration, NaiveDate, Utc};
use domain::{
    Actor, Db, DomainError, Role,
    read::today,
    write::{
        lounges::{self as write, NewActivity, NewLounge, NewMembership, UpdateLounge},
        members::{self as members_write, UpdateMember},
    },
};
use entity::{
    enums::{
        ActivityChannel, ActivityFormat, ActivityKind, EventType, LoungeRole, LoungeStatus,
        MemberStatus, OnlinePlatform,
    },
    event, lounge_activity_host, lounge_activity_participant, lounge_membership, member,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use testing::{Template, TestDb, region_id, staff};

/// Active members of the committee `code`, at least `count`.
async fn active_members(db: &Db, code: &str, count: u64) -> Vec<i64> {
    let region = region_id(db, code).await.expect("the region exists");
    let found: Vec<i64> = member::Entity::find()
        .filter(member::Column::RegionId.eq(region))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .order_by_asc(member::Column::Id)
        .limit(count)
        .all(db.reader())
        .await
        .expect("a query")
        .into_iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(found.len() as u64, count, "demo members of {code}");
    found
}

fn new_lounge(code: &str, leads: Vec<i64>) -> NewLounge {
    NewLounge {
        region_code: code.to_owned(),
        name: "东钱湖委员会客厅".to_owned(),
        theme: "生态保护".to_owned(),
        venue: "湖畔书屋".to_owned(),
        address: "东钱湖镇环湖东路1号".to_owned(),
        established_on: NaiveDate::from_ymd_opt(2024, 3, 1).expect("a date"),
        lead_member_ids: leads,
    }
}

fn activity(lounge_ids: Vec<i64>, participants: Vec<i64>) -> NewActivity {
    let starts_at = Utc::now() - Duration::days(2);
    NewActivity {
        lounge_ids,
        title: "委员讲堂：湖区治理".to_owned(),
        kind: ActivityKind::Planned,
        format: ActivityFormat::Lecture,
        channel: ActivityChannel::Offline,
        platform: None,
        starts_at,
        ends_at: starts_at + Duration::hours(2),
        participant_member_ids: participants,
        public_attendance: 40,
        summary: Some("听取群众意见".to_owned()),
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

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

#[tokio::test]
async fn a_lounge_is_created_changed_staffed_and_closed_with_one_event_each() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let people = active_members(db, "330212", 3).await;
    let created = write::create(db, &actor, new_lounge("330212", vec![people[0]]))
        .await
        .unwrap();
    assert_eq!(created.status, LoungeStatus::Active);
    assert_eq!(created.version, 0);
    let leads = lounge_membership::Entity::find()
        .filter(lounge_membership::Column::LoungeId.eq(created.id))
        .all(db.reader())
        .await
        .unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].role, LoungeRole::Lead);
    assert_eq!(leads[0].since, created.established_on);

    let updated = write::update(
        db,
        &actor,
        created.id,
        Some(0),
        UpdateLounge {
            theme: Some("  湖区共富  ".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((updated.theme.as_str(), updated.version), ("湖区共富", 1));

    let (_, team) = write::add_member(
        db,
        &actor,
        NewMembership {
            lounge_id: created.id,
            member_id: people[1],
            role: LoungeRole::Team,
            since: day(2024, 5, 1),
        },
    )
    .await
    .unwrap();
    assert_eq!(team.until, None);
    let last_lead = write::end_membership(db, &actor, created.id, people[0], day(2025, 1, 1)).await;
    assert_eq!(invalid_field(last_lead), "memberId");
    write::add_member(
        db,
        &actor,
        NewMembership {
            lounge_id: created.id,
            member_id: people[2],
            role: LoungeRole::Lead,
            since: day(2024, 6, 1),
        },
    )
    .await
    .unwrap();
    let (_, ended) = write::end_membership(db, &actor, created.id, people[0], day(2025, 1, 1))
        .await
        .unwrap();
    assert_eq!(ended.until, Some(day(2025, 1, 1)));

    let suspended = write::set_status(
        db,
        &actor,
        created.id,
        Some(1),
        LoungeStatus::Suspended,
        None,
    )
    .await
    .unwrap();
    let active = write::set_status(
        db,
        &actor,
        created.id,
        Some(suspended.version),
        LoungeStatus::Active,
        None,
    )
    .await
    .unwrap();
    let closed = write::set_status(db, &actor, created.id, None, LoungeStatus::Closed, None)
        .await
        .unwrap();
    assert_eq!(active.version, 3);
    assert_eq!(closed.closed_on, Some(today()));
    assert_eq!(closed.version, 4);

    let events = events(db).await;
    let types: Vec<EventType> = events.iter().map(|event| event.r#type).collect();
    assert_eq!(
        types,
        [
            EventType::LoungeCreated,
            EventType::LoungeUpdated,
            EventType::LoungeMembershipChanged,
            EventType::LoungeMembershipChanged,
            EventType::LoungeMembershipChanged,
            EventType::LoungeStatusChanged,
            EventType::LoungeStatusChanged,
            EventType::LoungeStatusChanged,
        ]
    );
    let sequences: Vec<i64> = events.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences, (1..=8).collect::<Vec<_>>());
    assert!(
        events
            .iter()
            .all(|event| event.region_codes == "[\"330212\"]"
                && event.entity_type == "Lounge"
                && event.entity_id == created.id)
    );
    let last: serde_json::Value = serde_json::from_str(&events[7].snapshot).unwrap();
    assert_eq!(last["status"], "CLOSED");
    for event in &events {
        assert!(!event.snapshot.contains("phone") && !event.snapshot.contains("email"));
    }

    // CLOSED is final: no way back, no updates, no new members; nothing was deleted.
    let reopened =
        write::set_status(db, &actor, created.id, None, LoungeStatus::Active, None).await;
    assert!(matches!(
        reopened,
        Err(DomainError::InvalidTransition { .. })
    ));
    let renamed = write::update(
        db,
        &actor,
        created.id,
        None,
        UpdateLounge {
            name: Some("新名".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(
        renamed,
        Err(DomainError::InvalidTransition { .. })
    ));
    let joined = write::add_member(
        db,
        &actor,
        NewMembership {
            lounge_id: created.id,
            member_id: people[0],
            role: LoungeRole::Team,
            since: day(2025, 6, 1),
        },
    )
    .await;
    assert!(matches!(joined, Err(DomainError::InvalidTransition { .. })));
    assert_eq!(
        self::events(db).await.len(),
        8,
        "failed calls leave no event"
    );
}

#[tokio::test]
async fn every_rule_is_refused_with_its_field_and_leaves_no_event() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let people = active_members(db, "330212", 4).await;
    let retired = people[3];
    members_write::update(
        db,
        &actor,
        retired,
        UpdateMember {
            status: Some(MemberStatus::Inactive),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let lounge = write::create(db, &actor, new_lounge("330212", vec![people[0]]))
        .await
        .unwrap();
    let before = events(db).await.len();

    let cases: Vec<(NewLounge, &str)> = vec![
        (
            NewLounge {
                name: " ".into(),
                ..new_lounge("330212", vec![people[0]])
            },
            "name",
        ),
        (
            NewLounge {
                theme: "题".repeat(501),
                ..new_lounge("330212", vec![people[0]])
            },
            "theme",
        ),
        (
            NewLounge {
                venue: "".into(),
                ..new_lounge("330212", vec![people[0]])
            },
            "venue",
        ),
        (
            NewLounge {
                address: "".into(),
                ..new_lounge("330212", vec![people[0]])
            },
            "address",
        ),
        (new_lounge("339999", vec![people[0]]), "regionCode"),
        (new_lounge("33021", vec![people[0]]), "regionCode"),
        (new_lounge("330212", vec![]), "leadMemberIds"),
        (
            new_lounge("330212", vec![people[0], 987_654_321]),
            "leadMemberIds.1",
        ),
        (new_lounge("330212", vec![retired]), "leadMemberIds.0"),
        (
            new_lounge("330212", vec![people[0], people[0]]),
            "leadMemberIds.1",
        ),
    ];
    for (input, field) in cases {
        assert_eq!(invalid_field(write::create(db, &actor, input).await), field);
    }
    let empty_name = write::update(
        db,
        &actor,
        lounge.id,
        None,
        UpdateLounge {
            name: Some("".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(invalid_field(empty_name), "name");
    let early_close = write::set_status(
        db,
        &actor,
        lounge.id,
        None,
        LoungeStatus::Closed,
        Some(day(2020, 1, 1)),
    )
    .await;
    assert_eq!(invalid_field(early_close), "closedOn");
    let stray_day = write::set_status(
        db,
        &actor,
        lounge.id,
        None,
        LoungeStatus::Suspended,
        Some(day(2025, 1, 1)),
    )
    .await;
    assert_eq!(invalid_field(stray_day), "closedOn");
    let same = write::set_status(db, &actor, lounge.id, None, LoungeStatus::Active, None).await;
    assert!(matches!(same, Err(DomainError::InvalidTransition { .. })));

    let membership = |member_id, since| NewMembership {
        lounge_id: lounge.id,
        member_id,
        role: LoungeRole::Team,
        since,
    };
    let duplicate = write::add_member(db, &actor, membership(people[0], day(2025, 1, 1))).await;
    assert_eq!(invalid_field(duplicate), "memberId");
    let inactive = write::add_member(db, &actor, membership(retired, day(2025, 1, 1))).await;
    assert_eq!(invalid_field(inactive), "memberId");
    let unknown = write::add_member(db, &actor, membership(987_654_321, day(2025, 1, 1))).await;
    assert_eq!(invalid_field(unknown), "memberId");
    let too_early = write::add_member(db, &actor, membership(people[1], day(2020, 1, 1))).await;
    assert_eq!(invalid_field(too_early), "since");
    let missing_lounge = write::add_member(
        db,
        &actor,
        NewMembership {
            lounge_id: 987_654_321,
            ..membership(people[1], day(2025, 1, 1))
        },
    )
    .await;
    assert!(matches!(missing_lounge, Err(DomainError::NotFound(_))));
    write::add_member(db, &actor, membership(people[1], day(2024, 5, 1)))
        .await
        .unwrap();
    let before_since =
        write::end_membership(db, &actor, lounge.id, people[1], day(2024, 4, 30)).await;
    assert_eq!(invalid_field(before_since), "until");
    let no_membership =
        write::end_membership(db, &actor, lounge.id, people[2], day(2025, 1, 1)).await;
    assert_eq!(invalid_field(no_membership), "memberId");
    let before = before + 1;

    let host = vec![lounge.id];
    let mut online = activity(host.clone(), vec![]);
    online.channel = ActivityChannel::Online;
    let mut offline_platform = activity(host.clone(), vec![]);
    offline_platform.platform = Some(OnlinePlatform::Wechat);
    let mut backwards = activity(host.clone(), vec![]);
    backwards.ends_at = backwards.starts_at - Duration::minutes(1);
    let mut negative = activity(host.clone(), vec![]);
    negative.public_attendance = -1;
    let mut untitled = activity(host.clone(), vec![]);
    untitled.title = "  ".into();
    let mut long_summary = activity(host.clone(), vec![]);
    long_summary.summary = Some("长".repeat(5_001));
    let too_many_hosts = activity((1..=21).collect(), vec![]);
    let too_many_people = activity(host.clone(), (1..=501).collect());
    let cases: Vec<(NewActivity, &str)> = vec![
        (online, "platform"),
        (offline_platform, "platform"),
        (backwards, "endsAt"),
        (negative, "publicAttendance"),
        (untitled, "title"),
        (long_summary, "summary"),
        (activity(vec![], vec![]), "loungeIds"),
        (too_many_hosts, "loungeIds"),
        (activity(vec![lounge.id, lounge.id], vec![]), "loungeIds.1"),
        (
            activity(vec![lounge.id, 987_654_321], vec![]),
            "loungeIds.1",
        ),
        (too_many_people, "participantMemberIds"),
        (
            activity(host.clone(), vec![people[1], retired]),
            "participantMemberIds.1",
        ),
        (
            activity(host.clone(), vec![987_654_321]),
            "participantMemberIds.0",
        ),
        (
            activity(host.clone(), vec![people[1], people[1]]),
            "participantMemberIds.1",
        ),
    ];
    for (input, field) in cases {
        assert_eq!(
            invalid_field(write::record_activity(db, &actor, input).await),
            field
        );
    }
    assert_eq!(
        events(db).await.len(),
        before,
        "failed calls leave no event"
    );
    let mut webinar = activity(host.clone(), vec![people[0], people[1]]);
    webinar.channel = ActivityChannel::Online;
    webinar.platform = Some(OnlinePlatform::Dingtalk);
    webinar.public_attendance = 0;
    webinar.summary = None;
    assert!(write::record_activity(db, &actor, webinar).await.is_ok());
}

#[tokio::test]
async fn a_joint_activity_touches_every_host_committee() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let province = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    let ningbo = active_members(db, "330212", 2).await;
    let hangzhou = active_members(db, "330106", 1).await;
    let first = write::create(db, &province, new_lounge("330212", vec![ningbo[0]]))
        .await
        .unwrap();
    let second = write::create(db, &province, new_lounge("330106", vec![hangzhou[0]]))
        .await
        .unwrap();
    let before = events(db).await.len();
    let hosts = vec![first.id, second.id];
    let participants = vec![ningbo[1], hangzhou[0]];

    let county = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let city = staff(db, Role::CityStaff, "330200").await.unwrap();
    for actor in [&county, &city] {
        let refused = write::record_activity(db, actor, activity(hosts.clone(), vec![])).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden(_))),
            "{refused:?}"
        );
    }
    let anonymous =
        write::record_activity(db, &Actor::Anonymous, activity(hosts.clone(), vec![])).await;
    assert!(matches!(anonymous, Err(DomainError::Unauthenticated)));
    let outsider = testing::actor(db, Role::Member, "330212", Some(ningbo[1]))
        .await
        .unwrap();
    let refused = write::record_activity(db, &outsider, activity(hosts.clone(), vec![])).await;
    assert!(matches!(refused, Err(DomainError::Forbidden(_))));
    assert_eq!(events(db).await.len(), before);

    let recorded = write::record_activity(db, &province, activity(hosts.clone(), participants))
        .await
        .unwrap();
    let lead = testing::actor(db, Role::Member, "330212", Some(ningbo[0]))
        .await
        .unwrap();
    let by_lead = write::record_activity(db, &lead, activity(hosts.clone(), vec![ningbo[0]]))
        .await
        .unwrap();
    let host_rows = lounge_activity_host::Entity::find()
        .filter(lounge_activity_host::Column::ActivityId.eq(recorded.id))
        .all(db.reader())
        .await
        .unwrap();
    assert_eq!(host_rows.len(), 2);
    let participant_rows = lounge_activity_participant::Entity::find()
        .filter(lounge_activity_participant::Column::ActivityId.eq(recorded.id))
        .all(db.reader())
        .await
        .unwrap();
    assert_eq!(participant_rows.len(), 2);

    let events = events(db).await;
    assert_eq!(events.len(), before + 2);
    let sequences: Vec<i64> = events.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences, (1..=events.len() as i64).collect::<Vec<_>>());
    for (event, id) in events[before..].iter().zip([recorded.id, by_lead.id]) {
        assert_eq!(event.r#type, EventType::LoungeActivityRecorded);
        assert_eq!(event.entity_type, "LoungeActivity");
        assert_eq!(event.entity_id, id);
        assert_eq!(event.region_codes, "[\"330106\",\"330212\"]");
        assert!(!event.snapshot.contains("phone") && !event.snapshot.contains("email"));
    }
    assert!(events[before + 1].actor.starts_with("MEMBER:"));

    // A lead member adds TEAM members to their lounge, but appoints no leads and does not end
    // memberships; other members add nobody.
    let team = NewMembership {
        lounge_id: first.id,
        member_id: ningbo[1],
        role: LoungeRole::Team,
        since: day(2025, 1, 1),
    };
    let lead_appoints = write::add_member(
        db,
        &lead,
        NewMembership {
            role: LoungeRole::Lead,
            ..team.clone()
        },
    )
    .await;
    assert!(matches!(lead_appoints, Err(DomainError::Forbidden(_))));
    let outsider_adds = write::add_member(db, &outsider, team.clone()).await;
    assert!(matches!(outsider_adds, Err(DomainError::Forbidden(_))));
    write::add_member(db, &lead, team).await.unwrap();
    let lead_ends = write::end_membership(db, &lead, first.id, ningbo[1], day(2025, 2, 1)).await;
    assert!(matches!(lead_ends, Err(DomainError::Forbidden(_))));
}

#[tokio::test]
async fn staff_manage_lounges_only_inside_their_subtree() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let people = active_members(db, "330212", 2).await;
    let county = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let other_city = staff(db, Role::CityStaff, "330100").await.unwrap();
    let integrator = staff(db, Role::Integrator, "330000").await.unwrap();
    let member = testing::actor(db, Role::Member, "330212", Some(people[0]))
        .await
        .unwrap();
    for actor in [&other_city, &integrator, &member] {
        let refused = write::create(db, actor, new_lounge("330212", vec![people[0]])).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden(_))),
            "{refused:?}"
        );
    }
    let anonymous =
        write::create(db, &Actor::Anonymous, new_lounge("330212", vec![people[0]])).await;
    assert!(matches!(anonymous, Err(DomainError::Unauthenticated)));
    assert!(events(db).await.is_empty());

    let lounge = write::create(db, &county, new_lounge("330212", vec![people[0]]))
        .await
        .unwrap();
    let foreign = write::update(
        db,
        &other_city,
        lounge.id,
        None,
        UpdateLounge {
            name: Some("x".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(foreign, Err(DomainError::Forbidden(_))));
    let foreign =
        write::set_status(db, &other_city, lounge.id, None, LoungeStatus::Closed, None).await;
    assert!(matches!(foreign, Err(DomainError::Forbidden(_))));
    let foreign = write::add_member(
        db,
        &other_city,
        NewMembership {
            lounge_id: lounge.id,
            member_id: people[1],
            role: LoungeRole::Team,
            since: day(2025, 1, 1),
        },
    )
    .await;
    assert!(matches!(foreign, Err(DomainError::Forbidden(_))));
    let foreign =
        write::end_membership(db, &other_city, lounge.id, people[0], day(2025, 1, 1)).await;
    assert!(matches!(foreign, Err(DomainError::Forbidden(_))));
    let anonymous = write::update(
        db,
        &Actor::Anonymous,
        lounge.id,
        None,
        UpdateLounge::default(),
    )
    .await;
    assert!(matches!(anonymous, Err(DomainError::Unauthenticated)));
    let missing = write::update(db, &county, 987_654_321, None, UpdateLounge::default()).await;
    assert!(matches!(missing, Err(DomainError::NotFound(_))));
    assert_eq!(events(db).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_with_one_version_give_exactly_one_conflict() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = test.db.clone();
    let actor = staff(&db, Role::CountyStaff, "330212").await.unwrap();
    let people = active_members(&db, "330212", 1).await;
    let created = write::create(&db, &actor, new_lounge("330212", people))
        .await
        .unwrap();
    let before = events(&db).await.len();
    let attempts: Vec<_> = (0..2)
        .map(|n| {
            let (db, actor) = (db.clone(), actor.clone());
            tokio::spawn(async move {
                write::update(
                    &db,
                    &actor,
                    created.id,
                    Some(created.version),
                    UpdateLounge {
                        name: Some(format!("客厅{n}")),
                        ..Default::default()
                    },
                )
                .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for attempt in attempts {
        outcomes.push(attempt.await.unwrap());
    }
    let wins = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let conflicts = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(DomainError::Conflict(_))))
        .count();
    assert_eq!((wins, conflicts), (1, 1), "{outcomes:?}");
    assert_eq!(events(&db).await.len(), before + 1);
}
