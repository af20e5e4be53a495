//! Notification targets and deliveries at the domain level: who may manage them, what input is
//! refused (with its field), the public-address rule, and the state changes of pausing and of
//! redelivering dead letters. Secrets and robot URLs never come back out of a read.

use chrono::Utc;
use domain::{
    Actor, Db, DomainError, Role,
    outbox::{self, NewEvent},
    page::PageRequest,
    read::{
        deliveries::{self, DeliveryFilter},
        notification_targets as targets_read,
    },
    write::notification_targets::{self as targets, NewTarget, TargetChange, TargetLimits},
};
use entity::{
    delivery,
    enums::{DeliveryStatus, EventType, NotificationAdapter, NotificationTargetStatus},
    notification_target,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use testing::{Template, TestDb, region_id, staff};

const SECRET: &str = "s3cret-s3cret-s3cret";
const HOOK: &str = "http://127.0.0.1:9/hook";
const DING: &str = "http://127.0.0.1:9/robot/send?access_token=ding-token";
const WECOM: &str = "http://127.0.0.1:9/cgi-bin/webhook/send?key=wecom-key";

fn webhook(code: &str) -> NewTarget {
    NewTarget {
        name: "市大数据局".to_owned(),
        adapter: NotificationAdapter::Webhook,
        url: HOOK.to_owned(),
        secret: Some(SECRET.to_owned()),
        event_types: vec![EventType::ConsultationCreated],
        region_code: code.to_owned(),
    }
}

fn invalid_field<T: std::fmt::Debug>(result: Result<T, DomainError>) -> String {
    match result {
        Err(DomainError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

/// Appends an event touching `code`, as a mutation would.
async fn append_event(db: &Db, code: &str) -> i64 {
    let region = region_id(db, code).await.expect("the region exists");
    let transaction = db.begin_write().await.expect("a transaction");
    let sequence = outbox::append(
        &transaction,
        NewEvent {
            event_type: EventType::ConsultationCreated,
            entity_type: "Consultation",
            entity_id: 1,
            region_ids: vec![region],
            snapshot: serde_json::json!({ "id": 1 }),
            actor: "test".to_owned(),
        },
    )
    .await
    .expect("an event");
    db.commit(transaction).await.expect("a commit");
    sequence
}

/// A delivery row as the dispatcher would leave it.
async fn delivery_row(db: &Db, target_id: i64, sequence: i64, status: DeliveryStatus) -> i64 {
    let now = Utc::now();
    delivery::ActiveModel {
        target_id: Set(target_id),
        event_sequence: Set(sequence),
        status: Set(status),
        attempts: Set(8),
        last_error: Set(Some("HTTP 500".to_owned())),
        response_code: Set(Some(500)),
        next_attempt_at: Set(None),
        delivered_at: Set(None),
        redelivery: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.writer())
    .await
    .expect("a delivery")
    .id
}

#[tokio::test]
async fn integrators_register_targets_in_scope_that_start_at_the_newest_event() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    append_event(db, "330100").await;
    let newest = append_event(db, "330100").await;
    let integrator = staff(db, Role::Integrator, "330100").await.unwrap();

    let created = targets::create(
        db,
        &integrator,
        webhook("330106"),
        true,
        TargetLimits::default(),
    )
    .await
    .unwrap();
    assert_eq!(created.status, NotificationTargetStatus::Active);
    assert_eq!(created.last_sequence, newest, "no replay of history");
    assert_eq!(created.created_by, "INTEGRATOR:integrator-330100");
    assert_eq!(created.url.as_deref(), Some(HOOK));
    assert!(created.has_secret);
    assert_eq!(created.event_types, vec![EventType::ConsultationCreated]);
    assert_eq!(created.region_id, region_id(db, "330106").await.unwrap());
    let stored = notification_target::Entity::find_by_id(created.id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.secret.as_deref(), Some(SECRET));

    // Robots: the URL carries credentials and is never read back.
    let ding = targets::create(
        db,
        &integrator,
        NewTarget {
            adapter: NotificationAdapter::Dingtalk,
            url: DING.to_owned(),
            secret: Some("SECabcdef".to_owned()),
            event_types: Vec::new(),
            ..webhook("330100")
        },
        true,
        TargetLimits::default(),
    )
    .await
    .unwrap();
    assert_eq!(ding.url, None);
    assert!(ding.has_secret);
    assert!(ding.event_types.is_empty(), "empty means every type");
    let wecom = targets::create(
        db,
        &integrator,
        NewTarget {
            adapter: NotificationAdapter::Wecom,
            url: WECOM.to_owned(),
            secret: None,
            ..webhook("330100")
        },
        true,
        TargetLimits::default(),
    )
    .await
    .unwrap();
    assert_eq!(wecom.url, None);
    assert!(!wecom.has_secret);

    // Staff of the province see all three; staff of another city none; the integrator its own.
    let province = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    let ningbo = staff(db, Role::CityStaff, "330200").await.unwrap();
    let page = targets_read::page(db, &province, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let ids: Vec<i64> = page.items.iter().map(|(_, target)| target.id).collect();
    assert_eq!(ids, vec![created.id, ding.id, wecom.id]);
    assert_eq!(
        targets_read::page(db, &ningbo, PageRequest::first(10))
            .await
            .unwrap()
            .total,
        0
    );
    let visible = targets_read::by_ids(db, &ningbo, &[created.id])
        .await
        .unwrap();
    assert!(visible.is_empty(), "a node outside the scope is absent");
    let visible = targets_read::by_ids(db, &integrator, &[created.id, ding.id])
        .await
        .unwrap();
    assert_eq!(visible.len(), 2);
    assert!(
        visible
            .values()
            .all(|target| target.url.as_deref() != Some(DING))
    );

    let member = testing::actor(db, Role::Member, "330100", Some(1))
        .await
        .unwrap();
    assert!(matches!(
        targets_read::page(db, &member, PageRequest::first(10)).await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        targets_read::page(db, &Actor::Anonymous, PageRequest::first(10)).await,
        Err(DomainError::Unauthenticated)
    ));
}

#[tokio::test]
async fn only_managers_in_scope_may_register_change_or_redeliver() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let hangzhou = staff(db, Role::Integrator, "330100").await.unwrap();
    let ningbo = staff(db, Role::Integrator, "330200").await.unwrap();
    let member = testing::actor(db, Role::Member, "330100", Some(1))
        .await
        .unwrap();
    let county = staff(db, Role::CountyStaff, "330106").await.unwrap();

    assert!(matches!(
        targets::create(
            db,
            &ningbo,
            webhook("330106"),
            true,
            TargetLimits::default()
        )
        .await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        targets::create(
            db,
            &member,
            webhook("330100"),
            true,
            TargetLimits::default()
        )
        .await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        targets::create(
            db,
            &Actor::Anonymous,
            webhook("330100"),
            true,
            TargetLimits::default()
        )
        .await,
        Err(DomainError::Unauthenticated)
    ));
    let by_county = targets::create(
        db,
        &county,
        webhook("330106"),
        true,
        TargetLimits::default(),
    )
    .await
    .unwrap();
    let target = targets::create(
        db,
        &hangzhou,
        webhook("330100"),
        true,
        TargetLimits::default(),
    )
    .await
    .unwrap();

    // County staff cannot touch a city-wide target; nor can an integrator elsewhere: to them
    // it is not found, exactly like an unknown one. A member manages no targets at all.
    for (actor, out_of_scope) in [(&county, true), (&ningbo, true), (&member, false)] {
        let refused = |result: Result<(), DomainError>| match result {
            Err(DomainError::NotFound(_)) => out_of_scope,
            Err(DomainError::Forbidden(_)) => !out_of_scope,
            _ => false,
        };
        assert!(refused(
            targets::pause(db, actor, target.id).await.map(drop)
        ));
        assert!(refused(
            targets::redeliver_dead_letters(db, actor, target.id)
                .await
                .map(drop)
        ));
        assert!(refused(
            targets::test_destination(db, actor, target.id)
                .await
                .map(drop)
        ));
    }
    assert!(matches!(
        targets::pause(db, &Actor::Anonymous, target.id).await,
        Err(DomainError::Unauthenticated)
    ));
    // Moving a target needs both regions in scope.
    let to_ningbo = TargetChange {
        region_code: Some("330200".to_owned()),
        ..TargetChange::default()
    };
    assert!(matches!(
        targets::update(db, &hangzhou, target.id, to_ningbo.clone(), true).await,
        Err(DomainError::Forbidden(_))
    ));
    let to_city = TargetChange {
        region_code: Some("330100".to_owned()),
        ..TargetChange::default()
    };
    assert!(matches!(
        targets::update(db, &county, by_county.id, to_city, true).await,
        Err(DomainError::Forbidden(_))
    ));
    let province = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    let moved = targets::update(db, &province, target.id, to_ningbo, true)
        .await
        .unwrap();
    assert_eq!(moved.region_id, region_id(db, "330200").await.unwrap());
    assert!(matches!(
        targets::pause(db, &hangzhou, target.id).await,
        Err(DomainError::NotFound(_))
    ));
    assert!(targets::pause(db, &ningbo, target.id).await.is_ok());
    assert!(matches!(
        targets::pause(db, &ningbo, 999_999).await,
        Err(DomainError::NotFound(_))
    ));
}

#[tokio::test]
async fn every_rule_is_refused_with_its_field() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::Integrator, "330100").await.unwrap();
    let create =
        |input: NewTarget| targets::create(db, &actor, input, true, TargetLimits::default());

    assert_eq!(
        invalid_field(
            create(NewTarget {
                name: "  ".into(),
                ..webhook("330100")
            })
            .await
        ),
        "name"
    );
    assert_eq!(
        invalid_field(
            create(NewTarget {
                name: "名".repeat(101),
                ..webhook("330100")
            })
            .await
        ),
        "name"
    );
    assert!(
        create(NewTarget {
            name: "名".repeat(100),
            ..webhook("330100")
        })
        .await
        .is_ok()
    );
    for url in ["ftp://example.com/x", "not a url", "https://u:p@8.8.8.8/x"] {
        assert_eq!(
            invalid_field(
                create(NewTarget {
                    url: url.into(),
                    ..webhook("330100")
                })
                .await
            ),
            "url",
            "{url}"
        );
    }
    for secret in [None, Some("too-short".to_owned())] {
        assert_eq!(
            invalid_field(
                create(NewTarget {
                    secret,
                    ..webhook("330100")
                })
                .await
            ),
            "secret"
        );
    }
    assert_eq!(
        invalid_field(
            create(NewTarget {
                adapter: NotificationAdapter::Dingtalk,
                url: "http://127.0.0.1:9/robot/send".into(),
                secret: None,
                ..webhook("330100")
            })
            .await
        ),
        "url"
    );
    assert_eq!(
        invalid_field(
            create(NewTarget {
                adapter: NotificationAdapter::Wecom,
                url: DING.into(),
                secret: None,
                ..webhook("330100")
            })
            .await
        ),
        "url"
    );
    assert_eq!(
        invalid_field(
            create(NewTarget {
                adapter: NotificationAdapter::Wecom,
                url: WECOM.into(),
                ..webhook("330100")
            })
            .await
        ),
        "secret"
    );
    assert_eq!(
        invalid_field(
            create(NewTarget {
                event_types: vec![EventType::NotificationTest],
                ..webhook("330100")
            })
            .await
        ),
        "eventTypes"
    );
    assert_eq!(invalid_field(create(webhook("999999")).await), "regionCode");
    assert_eq!(invalid_field(create(webhook("33")).await), "regionCode");

    // Updates follow the same rules; a webhook keeps its secret.
    let target = create(webhook("330100")).await.unwrap();
    let change = |change: TargetChange| targets::update(db, &actor, target.id, change, true);
    assert_eq!(
        invalid_field(
            change(TargetChange {
                secret: Some(None),
                ..TargetChange::default()
            })
            .await
        ),
        "secret"
    );
    assert_eq!(
        invalid_field(
            change(TargetChange {
                url: Some(DING.replace("http", "gopher")),
                ..TargetChange::default()
            })
            .await
        ),
        "url"
    );
    assert_eq!(
        invalid_field(
            change(TargetChange {
                event_types: Some(vec![EventType::NotificationTest]),
                ..TargetChange::default()
            })
            .await
        ),
        "eventTypes"
    );
    let unchanged = notification_target::Entity::find_by_id(target.id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.url, HOOK);
    assert_eq!(unchanged.secret.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn internal_addresses_are_refused_unless_the_operator_allows_them() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::Integrator, "330100").await.unwrap();
    for (adapter, url, secret) in [
        (NotificationAdapter::Webhook, HOOK, Some(SECRET)),
        (
            NotificationAdapter::Webhook,
            "http://169.254.169.254/latest",
            Some(SECRET),
        ),
        (
            NotificationAdapter::Webhook,
            "https://localhost/x",
            Some(SECRET),
        ),
        (NotificationAdapter::Dingtalk, DING, None),
        (NotificationAdapter::Wecom, WECOM, None),
    ] {
        let input = NewTarget {
            adapter,
            url: url.to_owned(),
            secret: secret.map(str::to_owned),
            ..webhook("330100")
        };
        let refused =
            targets::create(db, &actor, input.clone(), false, TargetLimits::default()).await;
        match refused {
            Err(DomainError::Invalid { field, message }) => {
                assert_eq!(field, "url");
                assert!(
                    message.contains("XIESHANG_ALLOW_PRIVATE_TARGETS"),
                    "{message}"
                );
                assert!(!message.contains("token"), "no credentials in messages");
            }
            other => panic!("{url} must be refused, got {other:?}"),
        }
        assert!(
            targets::create(db, &actor, input, true, TargetLimits::default())
                .await
                .is_ok()
        );
    }
    let public = targets::create(
        db,
        &actor,
        NewTarget {
            url: "https://203.119.1.1/hook".to_owned(),
            ..webhook("330100")
        },
        false,
        TargetLimits::default(),
    )
    .await
    .unwrap();
    let moved_inward = targets::update(
        db,
        &actor,
        public.id,
        TargetChange {
            url: Some("http://192.168.1.10/hook".to_owned()),
            ..TargetChange::default()
        },
        false,
    )
    .await;
    assert_eq!(invalid_field(moved_inward), "url");
}

#[tokio::test]
async fn changes_pauses_and_redeliveries_change_exactly_what_they_say() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::Integrator, "330100").await.unwrap();
    let target = targets::create(db, &actor, webhook("330100"), true, TargetLimits::default())
        .await
        .unwrap();

    // The dispatcher's progress is not overwritten by a change of the target.
    notification_target::Entity::update_many()
        .col_expr(
            notification_target::Column::LastSequence,
            sea_orm::sea_query::Expr::value(42_i64),
        )
        .filter(notification_target::Column::Id.eq(target.id))
        .exec(db.writer())
        .await
        .unwrap();
    let changed = targets::update(
        db,
        &actor,
        target.id,
        TargetChange {
            name: Some("  杭州市数据资源局  ".to_owned()),
            url: Some("http://127.0.0.1:9/other".to_owned()),
            secret: Some(Some("another-secret-0123".to_owned())),
            event_types: Some(vec![
                EventType::SuggestionCreated,
                EventType::ConsultationStatusChanged,
            ]),
            region_code: Some("330106".to_owned()),
        },
        true,
    )
    .await
    .unwrap();
    assert_eq!(changed.name, "杭州市数据资源局");
    assert_eq!(changed.url.as_deref(), Some("http://127.0.0.1:9/other"));
    assert_eq!(
        changed.event_types,
        vec![
            EventType::ConsultationStatusChanged,
            EventType::SuggestionCreated
        ]
    );
    assert_eq!(changed.region_id, region_id(db, "330106").await.unwrap());
    assert_eq!(changed.last_sequence, 42);
    assert!(changed.updated_at >= target.updated_at);
    let stored = notification_target::Entity::find_by_id(target.id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.secret.as_deref(), Some("another-secret-0123"));

    let paused = targets::pause(db, &actor, target.id).await.unwrap();
    assert_eq!(paused.status, NotificationTargetStatus::Paused);
    let again = targets::pause(db, &actor, target.id).await.unwrap();
    assert_eq!(again.status, NotificationTargetStatus::Paused);
    assert_eq!(
        again.updated_at, paused.updated_at,
        "pausing twice is a no-op"
    );
    let resumed = targets::resume(db, &actor, target.id).await.unwrap();
    assert_eq!(resumed.status, NotificationTargetStatus::Active);
    assert_eq!(resumed.last_sequence, 42);

    // Deliveries in every state; only the dead ones are sent again.
    let mut rows = Vec::new();
    for status in [
        DeliveryStatus::Succeeded,
        DeliveryStatus::Dead,
        DeliveryStatus::Retrying,
        DeliveryStatus::Dead,
        DeliveryStatus::Pending,
        DeliveryStatus::Dead,
    ] {
        let sequence = append_event(db, "330106").await;
        rows.push(delivery_row(db, target.id, sequence, status).await);
    }
    let redelivered = targets::redeliver(db, &actor, rows[1]).await.unwrap();
    assert_eq!(redelivered.status, DeliveryStatus::Pending);
    assert_eq!(redelivered.attempts, 0);
    assert!(redelivered.redelivery);
    assert!(redelivered.next_attempt_at.is_some());
    assert_eq!(redelivered.last_error, None);
    assert_eq!(redelivered.response_code, None);
    for row in [rows[0], rows[1], rows[2], rows[4]] {
        assert!(
            matches!(
                targets::redeliver(db, &actor, row).await,
                Err(DomainError::InvalidTransition { .. })
            ),
            "delivery {row} is not dead"
        );
    }
    let ningbo = staff(db, Role::Integrator, "330200").await.unwrap();
    assert!(matches!(
        targets::redeliver(db, &ningbo, rows[3]).await,
        Err(DomainError::NotFound(_))
    ));
    assert!(matches!(
        targets::redeliver(db, &actor, 999_999).await,
        Err(DomainError::NotFound(_))
    ));

    let (_, count) = targets::redeliver_dead_letters(db, &actor, target.id)
        .await
        .unwrap();
    assert_eq!(count, 2);
    let (_, count) = targets::redeliver_dead_letters(db, &actor, target.id)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing is dead any more");
    let after = delivery::Entity::find()
        .filter(delivery::Column::TargetId.eq(target.id))
        .all(db.reader())
        .await
        .unwrap();
    let status_of = |id: i64| {
        after
            .iter()
            .find(|row| row.id == id)
            .map(|row| (row.status, row.redelivery, row.attempts))
            .expect("the row")
    };
    assert_eq!(status_of(rows[0]), (DeliveryStatus::Succeeded, false, 8));
    assert_eq!(status_of(rows[2]), (DeliveryStatus::Retrying, false, 8));
    assert_eq!(status_of(rows[3]), (DeliveryStatus::Pending, true, 0));
    assert_eq!(status_of(rows[5]), (DeliveryStatus::Pending, true, 0));

    // Reads: newest event first, filtered by status and target, only for managers.
    let all = deliveries::page(
        db,
        &actor,
        &DeliveryFilter::default(),
        PageRequest::first(10),
    )
    .await
    .unwrap();
    let order: Vec<i64> = all.items.iter().map(|(_, row)| row.id).collect();
    let mut expected = rows.clone();
    expected.reverse();
    assert_eq!(order, expected);
    let pending = deliveries::page(
        db,
        &actor,
        &DeliveryFilter {
            target_id: Some(target.id),
            statuses: vec![DeliveryStatus::Pending],
        },
        PageRequest::first(10),
    )
    .await
    .unwrap();
    assert_eq!(pending.total, 4);
    assert_eq!(
        deliveries::page(
            db,
            &ningbo,
            &DeliveryFilter::default(),
            PageRequest::first(10)
        )
        .await
        .unwrap()
        .total,
        0
    );
    assert!(
        deliveries::by_ids(db, &ningbo, &rows)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        deliveries::by_ids(db, &actor, &rows).await.unwrap().len(),
        6
    );

    // The sender gets the credentials; nothing else does, and Debug hides them.
    let destination = targets::test_destination(db, &actor, target.id)
        .await
        .unwrap();
    assert_eq!(destination.secret.as_deref(), Some("another-secret-0123"));
    assert_eq!(destination.region_code, "330106");
    let printed = format!("{destination:?}");
    assert!(!printed.contains("another-secret"), "{printed}");
}
