//! The entities of `crates/entity` match the tables the migrations create: same columns, same
//! types and nullability, enum values equal to the lookup tables' rows, and one row per table
//! written and read back through the entities. On SQLite and (with `XIESHANG_TEST_PG_URL`)
//! PostgreSQL, which is strict about types.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{AUDIT_HELPER_TABLES, EXPECTED_TABLES, on_postgres, on_sqlite, query, string};
use entity::{
    audit_log, consultation, consultation_participant, consultation_status_change, delivery,
    enums::*, event, event_region, import_job, lounge, lounge_activity, lounge_activity_host,
    lounge_activity_participant, lounge_membership, member, notification_target, region,
    region_closure, revoked_service_token, role_assignment, sentiment_report,
    sentiment_report_author, sentiment_report_source_lounge, slot_request, suggestion,
    suggestion_follow_up, suggestion_status_change,
};
use migrations::Migrator;
use sea_orm_migration::{
    MigratorTrait,
    sea_orm::{
        ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ColumnType, DatabaseConnection,
        DbBackend, EntityName, EntityTrait, IdenStatic, IntoActiveModel, Iterable, QueryFilter,
    },
};

#[tokio::test(flavor = "multi_thread")]
async fn entities_match_tables_on_sqlite() {
    on_sqlite(entities_match_tables).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn entities_match_tables_on_postgres() {
    on_postgres("entities", entities_match_tables).await;
}

async fn entities_match_tables(db: DatabaseConnection) {
    Migrator::up(&db, None).await.expect("migrate up");
    assert_columns(&db).await;
    assert_enums(&db).await;
    insert_and_read_every_table(&db).await;
}

/// Runs `assert_columns_match` for every entity and checks that they cover every table.
macro_rules! columns_of {
    ($db:expr, $($module:ident),+ $(,)?) => {{
        let mut tables = BTreeSet::new();
        $(
            assert_columns_match($db, $module::Entity).await;
            tables.insert($module::Entity.table_name().to_owned());
        )+
        tables
    }};
}

async fn assert_columns(db: &DatabaseConnection) {
    let covered = columns_of!(
        db,
        region,
        region_closure,
        member,
        lounge,
        lounge_membership,
        lounge_activity,
        lounge_activity_host,
        lounge_activity_participant,
        consultation,
        consultation_participant,
        consultation_status_change,
        suggestion,
        suggestion_status_change,
        suggestion_follow_up,
        slot_request,
        sentiment_report,
        sentiment_report_source_lounge,
        sentiment_report_author,
        event,
        event_region,
        notification_target,
        delivery,
        role_assignment,
        revoked_service_token,
        audit_log,
        import_job,
    );
    let data_tables: BTreeSet<String> = EXPECTED_TABLES
        .iter()
        .filter(|t| !t.starts_with("enum_") && !AUDIT_HELPER_TABLES.contains(t))
        .map(|t| (*t).to_owned())
        .collect();
    assert_eq!(covered, data_tables, "one entity per table");
}

/// Column name → (type, nullable), as the entity declares it and as the database has it.
type Columns = BTreeMap<String, (&'static str, bool)>;

async fn assert_columns_match<E: EntityTrait>(db: &DatabaseConnection, entity: E) {
    let backend = db.get_database_backend();
    let table = entity.table_name();
    let declared: Columns = E::Column::iter()
        .map(|column| {
            let def = column.def();
            let kind = entity_kind(backend, def.get_column_type(), table, column.as_str());
            (column.as_str().to_owned(), (kind, def.is_null()))
        })
        .collect();
    assert_eq!(
        declared,
        table_columns(db, table).await,
        "columns of {table}"
    );
}

fn entity_kind(backend: DbBackend, ty: &ColumnType, table: &str, column: &str) -> &'static str {
    match ty {
        ColumnType::Integer => "integer",
        // SQLite has one integer type.
        ColumnType::BigInteger if backend == DbBackend::Sqlite => "integer",
        ColumnType::BigInteger => "bigint",
        ColumnType::Text | ColumnType::String(_) => "text",
        ColumnType::TimestampWithTimeZone => "timestamptz",
        ColumnType::Date => "date",
        ColumnType::Boolean => "boolean",
        other => panic!("{table}.{column}: unexpected entity column type {other:?}"),
    }
}

async fn table_columns(db: &DatabaseConnection, table: &str) -> Columns {
    let (sql, nullable_when) = match db.get_database_backend() {
        DbBackend::Sqlite => (
            r#"SELECT name, lower(type) AS type,
                      CASE WHEN "notnull" = 0 THEN 'YES' ELSE 'NO' END AS nullable
               FROM pragma_table_info(?)"#,
            "YES",
        ),
        _ => (
            "SELECT column_name::text AS name, data_type::text AS type, \
                    is_nullable::text AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1",
            "YES",
        ),
    };
    query(db, sql, [table.into()])
        .await
        .iter()
        .map(|row| {
            let name = string(row, "name");
            let ty = string(row, "type");
            let kind = match ty.as_str() {
                "integer" => "integer",
                "bigint" => "bigint",
                "text" => "text",
                "timestamp_with_timezone_text" | "timestamp with time zone" => "timestamptz",
                "date_text" | "date" => "date",
                "boolean" => "boolean",
                other => panic!("{table}.{name}: unexpected column type {other}"),
            };
            (name, (kind, string(row, "nullable") == nullable_when))
        })
        .collect()
}

/// Compares each enum's values with the rows of its lookup table, and checks that the enums
/// cover every lookup table.
macro_rules! enums {
    ($db:expr, $($enum:ident),+ $(,)?) => {{
        let mut tables = BTreeSet::new();
        $(
            let declared: BTreeSet<String> =
                $enum::ALL.iter().map(|v| v.as_str().to_owned()).collect();
            assert_eq!(declared.len(), $enum::ALL.len(), "{} repeats a value", stringify!($enum));
            let sql = format!("SELECT value FROM {}", $enum::LOOKUP_TABLE);
            let stored: BTreeSet<String> =
                query($db, &sql, []).await.iter().map(|row| string(row, "value")).collect();
            assert_eq!(declared, stored, "{} vs {}", stringify!($enum), $enum::LOOKUP_TABLE);
            tables.insert($enum::LOOKUP_TABLE.to_owned());
        )+
        tables
    }};
}

async fn assert_enums(db: &DatabaseConnection) {
    let covered = enums!(
        db,
        RegionLevel,
        Gender,
        MemberStatus,
        LoungeStatus,
        LoungeRole,
        ActivityKind,
        ActivityFormat,
        ActivityChannel,
        OnlinePlatform,
        TopicSource,
        ConsultationKind,
        ConsultationStatus,
        OrganizerKind,
        ParticipantRole,
        SuggestionStatus,
        SuggestionGrade,
        SlotRequestStatus,
        SentimentReportStatus,
        EventType,
        NotificationAdapter,
        NotificationTargetStatus,
        DeliveryStatus,
        ActivityHostStatus,
    );
    let lookup_tables: BTreeSet<String> = EXPECTED_TABLES
        .iter()
        .filter(|t| t.starts_with("enum_"))
        .map(|t| (*t).to_owned())
        .collect();
    assert_eq!(covered, lookup_tables, "one Rust enum per lookup table");
}

/// Inserts `$model` through its entity with the fields in `unset` left to the database (the
/// auto-increment id, columns with defaults), checks that the database returns exactly
/// `$model`, and reads it back.
macro_rules! roundtrip {
    ($db:expr, $module:ident, $model:expr, unset: [$($unset:ident),*]) => {{
        let expected: $module::Model = $model;
        #[allow(unused_mut)]
        let mut active = expected.clone().into_active_model();
        $(active.$unset = NotSet;)*
        let table = $module::Entity.table_name();
        let saved = active
            .insert($db)
            .await
            .unwrap_or_else(|e| panic!("insert into {table}: {e}"));
        assert_eq!(saved, expected, "{table}: the inserted row");
        let stored = $module::Entity::find()
            .all($db)
            .await
            .unwrap_or_else(|e| panic!("select from {table}: {e}"));
        assert!(stored.contains(&saved), "{table}: {saved:?} not read back from {stored:?}");
        saved
    }};
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, day, hour, 30, 0)
        .single()
        .expect("a valid time")
}

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, month, day).expect("a valid date")
}

/// One row per table, every nullable column filled, ids as a fresh database assigns them.
async fn insert_and_read_every_table(db: &DatabaseConnection) {
    let province = roundtrip!(db, region, region::Model {
        id: 1,
        code: "330000".into(),
        name: "浙江省".into(),
        level: RegionLevel::Province,
        parent_id: None,
    }, unset: [id]);
    let county = roundtrip!(db, region, region::Model {
        id: 2,
        code: "330421".into(),
        name: "嘉善县".into(),
        level: RegionLevel::County,
        parent_id: Some(province.id),
    }, unset: [id]);
    roundtrip!(db, region_closure, region_closure::Model {
        ancestor_id: province.id,
        descendant_id: county.id,
        depth: 1,
    }, unset: []);
    let member = roundtrip!(db, member, member::Model {
        member_number: "330421-0001".into(),
        id: 1,
        region_id: county.id,
        name: "张三".into(),
        gender: Gender::Female,
        sector: "经济界".into(),
        occupation: "工程师".into(),
        term: 12,
        phone: Some("13800000000".into()),
        email: Some("zhang@example.com".into()),
        status: MemberStatus::Active,
        created_at: at(1, 8),
        updated_at: at(2, 8),
    }, unset: [id]);
    let lounge = roundtrip!(db, lounge, lounge::Model {
        id: 1,
        region_id: county.id,
        name: "知识产权司法保护委员会客厅".into(),
        theme: "知识产权".into(),
        venue: "法院".into(),
        address: "嘉善县某路 1 号".into(),
        status: LoungeStatus::Closed,
        established_on: day(3, 1),
        closed_on: Some(day(12, 1)),
        version: 0,
        created_at: at(1, 9),
        updated_at: at(2, 9),
    }, unset: [id, version]);
    roundtrip!(db, lounge_membership, lounge_membership::Model {
        id: 1,
        lounge_id: lounge.id,
        member_id: member.id,
        role: LoungeRole::Lead,
        since: day(3, 1),
        until: Some(day(11, 30)),
        created_at: at(1, 10),
    }, unset: [id]);
    let activity = roundtrip!(db, lounge_activity, lounge_activity::Model {
        id: 1,
        region_id: county.id,
        record_number: "330421-HD-0001".into(),
        title: "网络议政".into(),
        kind: ActivityKind::Flexible,
        format: ActivityFormat::OnlineDeliberation,
        channel: ActivityChannel::Online,
        platform: Some(OnlinePlatform::Dingtalk),
        starts_at: at(3, 14),
        ends_at: at(3, 16),
        public_attendance: 0,
        summary: String::new(),
        created_at: at(3, 17),
    }, unset: [id, public_attendance, summary]);
    roundtrip!(db, lounge_activity_host, lounge_activity_host::Model {
        activity_id: activity.id,
        lounge_id: lounge.id,
        status: ActivityHostStatus::Invited,
    }, unset: []);
    roundtrip!(db, lounge_activity_participant, lounge_activity_participant::Model {
        activity_id: activity.id,
        member_id: member.id,
    }, unset: []);
    let consultation = roundtrip!(db, consultation, consultation::Model {
        id: 1,
        region_id: county.id,
        record_number: "330421-XS-0001".into(),
        title: "公交线路".into(),
        topic: "开通农村公交".into(),
        topic_source: TopicSource::Public,
        kind: ConsultationKind::Main,
        status: ConsultationStatus::Cancelled,
        organizer_kind: OrganizerKind::ParticipatingUnit,
        organizer_name: "某单位".into(),
        lounge_id: Some(lounge.id),
        venue: Some("会议室".into()),
        scheduled_at: Some(at(10, 9)),
        held_at: Some(at(10, 10)),
        cancel_reason: Some("测试".into()),
        submitter_name: Some("李四".into()),
        submitter_contact: Some("13900000000".into()),
        receipt_hash: Some("ab".repeat(32)),
        decided_at: Some(at(4, 10)),
        rejection_reason: Some("重复".into()),
        version: 3,
        created_at: at(4, 9),
        updated_at: at(5, 9),
    }, unset: [id]);
    roundtrip!(db, consultation_participant, consultation_participant::Model {
        id: 1,
        consultation_id: consultation.id,
        role: ParticipantRole::PresidingChair,
        member_id: Some(member.id),
        name: "张三".into(),
        organization: Some("县政协".into()),
    }, unset: [id]);
    roundtrip!(db, consultation_status_change, consultation_status_change::Model {
        id: 1,
        consultation_id: consultation.id,
        from_status: Some(ConsultationStatus::FollowUp),
        to_status: ConsultationStatus::Closed,
        actor: "staff".into(),
        note: Some("done".into()),
        changed_at: at(6, 9),
        actor_region_id: Some(county.id),
    }, unset: [id]);
    let suggestion = roundtrip!(db, suggestion, suggestion::Model {
        id: 1,
        consultation_id: consultation.id,
        content: "开通公交线路".into(),
        proposer_member_id: Some(member.id),
        proposer_name: "张三".into(),
        responsible_department: "交通运输局".into(),
        status: SuggestionStatus::InProgress,
        grade: Some(SuggestionGrade::A),
        version: 0,
        created_at: at(6, 10),
        updated_at: at(6, 11),
    }, unset: [id, version]);
    roundtrip!(db, suggestion_status_change, suggestion_status_change::Model {
        id: 1,
        suggestion_id: suggestion.id,
        from_status: Some(SuggestionStatus::Accepted),
        to_status: SuggestionStatus::InProgress,
        actor: "staff".into(),
        note: Some("under way".into()),
        changed_at: at(7, 9),
    }, unset: [id]);
    roundtrip!(db, suggestion_follow_up, suggestion_follow_up::Model {
        id: 1,
        suggestion_id: suggestion.id,
        followed_on: day(12, 8),
        note: "线路已开通".into(),
        progress: 100,
        actor: "staff".into(),
        created_at: at(8, 9),
    }, unset: [id]);
    roundtrip!(db, slot_request, slot_request::Model {
        id: 1,
        region_id: county.id,
        department: "交通运输局".into(),
        topic: "公交".into(),
        period_start: day(7, 1),
        period_end: day(9, 30),
        status: SlotRequestStatus::Accepted,
        requested_at: at(1, 11),
        decided_at: Some(at(2, 11)),
        decline_reason: Some("n/a".into()),
        consultation_id: Some(consultation.id),
        version: 1,
        created_at: at(1, 11),
        updated_at: at(2, 11),
    }, unset: [id]);
    let report = roundtrip!(db, sentiment_report, sentiment_report::Model {
        id: 1,
        region_id: county.id,
        title: "社情民意".into(),
        content: "内容".into(),
        recipient: "县委办".into(),
        status: SentimentReportStatus::Acknowledged,
        submitted_at: Some(at(9, 9)),
        acknowledged_at: Some(at(9, 15)),
        acknowledgement: Some("批示".into()),
        version: 2,
        created_at: at(9, 8),
        updated_at: at(9, 15),
    }, unset: [id]);
    roundtrip!(db, sentiment_report_source_lounge, sentiment_report_source_lounge::Model {
        report_id: report.id,
        lounge_id: lounge.id,
    }, unset: []);
    roundtrip!(db, sentiment_report_author, sentiment_report_author::Model {
        report_id: report.id,
        member_id: member.id,
    }, unset: []);
    let event = roundtrip!(db, event, event::Model {
        sequence: 1,
        r#type: EventType::ConsultationStatusChanged,
        entity_type: "Consultation".into(),
        entity_id: consultation.id,
        region_codes: r#"["330421"]"#.into(),
        snapshot: "{}".into(),
        actor: "staff".into(),
        occurred_at: at(6, 9),
        restricted: true,
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
    }, unset: []);
    roundtrip!(db, event_region, event_region::Model {
        event_sequence: event.sequence,
        region_id: county.id,
    }, unset: []);
    let target = roundtrip!(db, notification_target, notification_target::Model {
        id: 1,
        name: "hook".into(),
        adapter: NotificationAdapter::Webhook,
        url: "https://example.com/hook".into(),
        secret: Some("s3cret".into()),
        event_types: "[]".into(),
        region_id: province.id,
        status: NotificationTargetStatus::Paused,
        created_by: "staff".into(),
        last_sequence: 0,
        lease_holder: Some("replica-1".into()),
        lease_until: Some(at(6, 10)),
        created_at: at(6, 8),
        updated_at: at(6, 8),
    }, unset: [id, last_sequence]);
    roundtrip!(db, delivery, delivery::Model {
        id: 1,
        target_id: target.id,
        event_sequence: event.sequence,
        status: DeliveryStatus::Retrying,
        attempts: 0,
        last_error: Some("timeout".into()),
        response_code: Some(504),
        next_attempt_at: Some(at(6, 11)),
        delivered_at: Some(at(6, 12)),
        redelivery: false,
        created_at: at(6, 9),
        updated_at: at(6, 10),
    }, unset: [id, attempts, redelivery]);

    // The CHECK on progress, and the unique (target_id, event_sequence).
    let too_far = suggestion_follow_up::Model {
        id: 2,
        suggestion_id: suggestion.id,
        followed_on: day(12, 9),
        note: "".into(),
        progress: 101,
        actor: "staff".into(),
        created_at: at(8, 10),
    };
    let mut active = too_far.into_active_model();
    active.id = NotSet;
    active
        .insert(db)
        .await
        .expect_err("progress 101 must be rejected");
    let twice = delivery::ActiveModel {
        id: NotSet,
        ..delivery::Entity::find()
            .one(db)
            .await
            .expect("select a delivery")
            .expect("a delivery")
            .into_active_model()
    };
    twice
        .insert(db)
        .await
        .expect_err("a second delivery of the same event to the same target must be rejected");
    let count = delivery::Entity::find()
        .filter(delivery::Column::TargetId.eq(target.id))
        .all(db)
        .await
        .expect("select deliveries")
        .len();
    assert_eq!(count, 1);
}
