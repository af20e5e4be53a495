use chrono::TimeZone as _;
use serde_json::json;

use super::*;

fn event(sequence: i64, event_type: &str, entity_type: &str, snapshot: Value) -> EventPayload {
    EventPayload {
        cursor: format!("c{sequence}"),
        sequence,
        event_type: event_type.to_owned(),
        occurred_at: Utc
            .with_ymd_and_hms(2026, 11, 28, 2, 30, 0)
            .single()
            .expect("valid time"),
        region_codes: vec!["330000".to_owned(), "330100".to_owned()],
        entity_type: entity_type.to_owned(),
        entity_id: "Q29uc3VsdGF0aW9uOjc".to_owned(),
        snapshot,
    }
}

fn held(sequence: i64) -> EventPayload {
    event(
        sequence,
        "CONSULTATION_STATUS_CHANGED",
        "Consultation",
        json!({ "title": "城市更新中的老旧小区改造", "status": "HELD", "kind": "MAIN",
                "venue": "市政协三楼", "scheduledAt": "2026-11-28T01:00:00Z" }),
    )
}

fn message(events: Vec<EventPayload>) -> Message {
    Message {
        delivery_id: "RGVsaXZlcnk6MQ".to_owned(),
        events,
        redelivery: false,
        test: false,
        traceparent: None,
    }
}

#[test]
fn one_event_reads_as_chinese_with_a_graphiql_link() {
    let rendered = render(
        &message(vec![held(1)]),
        Some("https://xs.example.cn/"),
        4096,
    );
    assert_eq!(rendered.title, "协商活动状态变更");
    let text = &rendered.text;
    assert!(text.starts_with("#### 协商活动状态变更\n"), "{text}");
    assert!(
        text.contains("《城市更新中的老旧小区改造》（已举行）"),
        "{text}"
    );
    assert!(text.contains("- 地区：330000、330100"), "{text}");
    // 02:30 UTC is 10:30 in Beijing.
    assert!(text.contains("- 时间：2026-11-28 10:30"), "{text}");
    assert!(text.contains("- 类型：重点协商"), "{text}");
    assert!(text.contains("- 举行时间：2026-11-28 09:00"), "{text}");
    let url = text
        .split("](")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(')'))
        .expect("a link at the end");
    let query = url
        .strip_prefix("https://xs.example.cn/?query=")
        .expect("GraphiQL on the public URL");
    let decoded: String = url::form_urlencoded::parse(format!("q={query}").as_bytes())
        .map(|(_, value)| value.into_owned())
        .collect();
    assert_eq!(
        decoded,
        r#"{ node(id: "Q29uc3VsdGF0aW9uOjc") { id ... on Consultation { title status scheduledAt venue } } }"#
    );
}

#[test]
fn redeliveries_and_tests_say_so() {
    let mut redelivered = message(vec![held(1)]);
    redelivered.redelivery = true;
    let rendered = render(&redelivered, Some("http://127.0.0.1:8000"), 4096);
    assert_eq!(rendered.title, "协商活动状态变更（补发）");

    let mut test = message(vec![event(
        0,
        "NOTIFICATION_TEST",
        "NotificationTarget",
        json!({}),
    )]);
    test.test = true;
    let rendered = render(&test, Some("http://127.0.0.1:8000"), 4096);
    assert_eq!(rendered.title, "测试通知（测试消息）");
    assert!(!rendered.text.contains("?query="), "{}", rendered.text);
}

#[test]
fn several_events_make_a_digest_with_one_line_each() {
    let events = vec![
        held(1),
        event(
            2,
            "LOUNGE_STATUS_CHANGED",
            "Lounge",
            json!({ "name": "西湖区委员会客厅", "status": "SUSPENDED" }),
        ),
        event(
            3,
            "SUGGESTION_CREATED",
            "Suggestion",
            json!({ "content": "增设电梯", "status": "SUBMITTED" }),
        ),
    ];
    let rendered = render(&message(events), Some("http://127.0.0.1:8000"), 4096);
    assert_eq!(rendered.title, "协商平台动态（3 条）");
    let lines: Vec<&str> = rendered
        .text
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(lines.len(), 3, "{}", rendered.text);
    assert!(
        lines[0].starts_with("1. **协商活动状态变更**：《城市更新中的老旧小区改造》（已举行）")
    );
    assert!(
        lines[1].contains("西湖区委员会客厅（暂停运行）"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("建议“增设电梯”（已提出）"),
        "{}",
        lines[2]
    );
    assert!(!rendered.text.contains("另有"));
}

#[test]
fn long_digests_are_cut_to_the_limit_and_count_what_is_left_out() {
    let events: Vec<EventPayload> = (1..=200).map(held).collect();
    let rendered = render(&message(events), Some("http://127.0.0.1:8000"), 4096);
    assert!(rendered.text.len() <= 4096, "{}", rendered.text.len());
    let shown = rendered
        .text
        .lines()
        .filter(|line| line.contains("**协商活动状态变更**"))
        .count();
    assert!(shown > 0 && shown < 200, "{shown}");
    assert!(
        rendered
            .text
            .ends_with(&format!("…另有 {} 条", 200 - shown)),
        "{}",
        rendered.text
    );
}

#[test]
fn user_text_cannot_inject_markdown() {
    let sneaky = event(
        1,
        "CONSULTATION_CREATED",
        "Consultation",
        json!({ "title": "[点我](http://evil.example)\n# 标题", "status": "PROPOSED" }),
    );
    let rendered = render(&message(vec![sneaky]), Some("http://127.0.0.1:8000"), 4096);
    assert!(
        !rendered.text.contains("evil.example)"),
        "{}",
        rendered.text
    );
    assert!(
        rendered
            .text
            .contains("《［点我］（http://evil.example） ＃ 标题》"),
        "{}",
        rendered.text
    );
}

#[test]
fn every_event_type_has_a_chinese_label() {
    for event_type in EventType::ALL {
        let label = event_label(event_type.as_str());
        assert!(!label.is_ascii(), "{event_type:?} → {label}");
    }
    assert_eq!(event_label("SOMETHING_NEW"), "SOMETHING＿NEW");
}

#[test]
fn cut_respects_character_boundaries() {
    let text = "协".repeat(10);
    let cut_text = cut(text, 10);
    assert!(cut_text.len() <= 10);
    assert!(cut_text.ends_with('…'));
}

#[test]
fn a_hosting_answer_names_the_answering_lounge() {
    let answer = event(
        2,
        "LOUNGE_ACTIVITY_HOSTING_CONFIRMED",
        "LoungeActivity",
        json!({ "title": "甬台联合议事会", "format": "FORUM", "startsAt": "2026-06-01T01:00:00Z",
                "loungeName": "椒江青年创业政协委员会客厅", "status": "CONFIRMED" }),
    );
    let rendered = render(&message(vec![answer]), Some("https://xs.example.cn/"), 4096);
    assert_eq!(rendered.title, "委员会客厅确认联合举办活动");
    let text = &rendered.text;
    assert!(text.contains("《甬台联合议事会》"), "{text}");
    assert!(
        text.contains("- 答复客厅：椒江青年创业政协委员会客厅"),
        "{text}"
    );
}

#[test]
fn without_graphiql_there_are_no_links() {
    let single = render(&message(vec![held(1)]), None, 4096);
    assert!(!single.text.contains("]("), "{}", single.text);
    let digest = render(&message(vec![held(1), held(2)]), None, 4096);
    assert!(!digest.text.contains("]("), "{}", digest.text);
    assert!(digest.text.contains("城市更新"), "{}", digest.text);
}
