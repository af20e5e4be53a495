//! The Chinese markdown that robots post into a group chat, built only from the event payloads
//! (so a replay shows the state at the time of each event, and no personal data can slip in).
//!
//! One event gives a heading, a one-line summary, a few details and a link; several events (a
//! burst folded by the dispatcher) give a digest with one line per event. Both are cut to the
//! robot's size limit, ending with "…另有 K 条" when events had to be left out.

use chrono::{DateTime, FixedOffset, Utc};
use entity::enums::EventType;
use serde::de::DeserializeOwned;
use serde_json::Value;

use self::labels::{
    activity_format, consultation_kind, consultation_status, event_label, lounge_role,
    lounge_status, member_status, sentiment_report_status, slot_request_status, suggestion_status,
};
use crate::{EventPayload, Message};

/// The longest user-written text (a title, a topic) shown, in characters.
const MAX_TEXT_CHARS: usize = 60;

/// A robot message: `title` is the notification preview (DingTalk only), `text` the markdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Short title, e.g. "协商活动状态变更" or "协商平台动态（3 条）".
    pub title: String,
    /// Markdown body of at most the requested number of bytes.
    pub text: String,
}

/// Renders `message` for a robot whose markdown may hold at most `max_bytes` bytes (UTF-8);
/// links point at GraphiQL on `public_url`, pre-filled with a query for the changed record. No
/// links when `public_url` is `None` (the server does not serve GraphiQL: introspection is off).
pub fn render(message: &Message, public_url: Option<&str>, max_bytes: usize) -> Rendered {
    let mut markers = String::new();
    if message.redelivery {
        markers.push_str("（补发）");
    }
    if message.test {
        markers.push_str("（测试消息）");
    }
    match message.events.as_slice() {
        [event] => single(event, &markers, public_url, max_bytes),
        events => digest(events, &markers, public_url, max_bytes),
    }
}

fn single(
    event: &EventPayload,
    markers: &str,
    public_url: Option<&str>,
    max_bytes: usize,
) -> Rendered {
    let title = format!("{}{markers}", event_label(&event.event_type));
    let summary = Summary::of(event);
    let mut head = format!("#### {title}\n\n{}", summary.headline());
    let mut lines = vec![
        format!("- 地区：{}", regions(event)),
        format!("- 时间：{}", beijing_time(&event.occurred_at)),
    ];
    lines.extend(
        summary
            .details
            .iter()
            .map(|(label, value)| format!("- {label}：{value}")),
    );
    let link = link(event, public_url)
        .map(|url| format!("\n\n[在协商平台查看]({url})"))
        .unwrap_or_default();
    head.push_str("\n\n");
    // Details go first when space is short; the heading, summary and link stay.
    while !lines.is_empty() && head.len() + lines.join("\n").len() + link.len() > max_bytes {
        lines.pop();
    }
    let text = format!("{head}{}{link}", lines.join("\n"));
    Rendered {
        title,
        text: cut(text, max_bytes),
    }
}

fn digest(
    events: &[EventPayload],
    markers: &str,
    public_url: Option<&str>,
    max_bytes: usize,
) -> Rendered {
    let title = format!("协商平台动态（{} 条）{markers}", events.len());
    let mut text = format!("#### {title}\n\n");
    for (index, event) in events.iter().enumerate() {
        let summary = Summary::of(event);
        let mut line = format!(
            "{}. **{}**：{} · {} · {}",
            index + 1,
            event_label(&event.event_type),
            summary.headline(),
            regions(event),
            beijing_time(&event.occurred_at),
        );
        if let Some(url) = link(event, public_url) {
            line.push_str(&format!(" [查看]({url})"));
        }
        line.push('\n');
        let rest = events.len() - index - 1;
        // Room for this line and, if events remain after it, the note about them.
        let note = if rest > 0 { more(rest).len() } else { 0 };
        if text.len() + line.len() + note > max_bytes {
            text.push_str(&more(events.len() - index));
            return Rendered {
                title,
                text: cut(text, max_bytes),
            };
        }
        text.push_str(&line);
    }
    Rendered {
        title,
        text: cut(text.trim_end().to_owned(), max_bytes),
    }
}

fn more(count: usize) -> String {
    format!("\n…另有 {count} 条")
}

/// What an event is about, in words: the record's name and status, plus details for a single
/// event's message.
struct Summary {
    subject: String,
    status: Option<&'static str>,
    details: Vec<(&'static str, String)>,
}

impl Summary {
    fn of(event: &EventPayload) -> Self {
        let snapshot = &event.snapshot;
        let text = |field: &str| {
            snapshot
                .get(field)
                .and_then(Value::as_str)
                .filter(|value| !value.trim().is_empty())
                .map(plain)
        };
        let time = |field: &str| {
            snapshot
                .get(field)
                .and_then(Value::as_str)
                .and_then(|value| DateTime::parse_from_rfc3339(value).ok())
                .map(|value| beijing_time(&value.with_timezone(&Utc)))
        };
        let booked = |title: Option<String>| format!("《{}》", title.unwrap_or_default());
        let mut details = Vec::new();
        let mut detail = |label: &'static str, value: Option<String>| {
            if let Some(value) = value {
                details.push((label, value));
            }
        };
        let (subject, status) = match event.entity_type.as_str() {
            "Consultation" => {
                detail(
                    "类型",
                    enum_field(snapshot, "kind").map(|kind| consultation_kind(kind).to_owned()),
                );
                detail("举行时间", time("scheduledAt"));
                detail("地点", text("venue"));
                detail("取消原因", text("cancelReason"));
                (
                    booked(text("title")),
                    enum_field(snapshot, "status").map(consultation_status),
                )
            }
            "Suggestion" => {
                detail("承办单位", text("responsibleDepartment"));
                (
                    format!("建议“{}”", text("content").unwrap_or_default()),
                    enum_field(snapshot, "status").map(suggestion_status),
                )
            }
            "SlotRequest" => {
                detail("申请部门", text("department"));
                detail("婉拒原因", text("declineReason"));
                (
                    format!("协商申请“{}”", text("topic").unwrap_or_default()),
                    enum_field(snapshot, "status").map(slot_request_status),
                )
            }
            "Lounge" => {
                detail("主题", text("theme"));
                detail(
                    "成员变动",
                    snapshot
                        .get("membership")
                        .and_then(|membership| enum_field(membership, "role"))
                        .map(|role| lounge_role(role).to_owned()),
                );
                (
                    text("name").unwrap_or_default(),
                    enum_field(snapshot, "status").map(lounge_status),
                )
            }
            "LoungeActivity" => {
                // Set by the hosting answers: the lounge that confirmed or declined.
                detail("答复客厅", text("loungeName"));
                detail(
                    "形式",
                    enum_field(snapshot, "format").map(|format| activity_format(format).to_owned()),
                );
                detail("活动时间", time("startsAt"));
                detail(
                    "参与群众",
                    snapshot
                        .get("publicAttendance")
                        .and_then(Value::as_i64)
                        .map(|count| format!("{count} 人次")),
                );
                (booked(text("title")), None)
            }
            "Member" => {
                detail("界别", text("sector"));
                (
                    format!("委员 {}", text("name").unwrap_or_default()),
                    enum_field(snapshot, "status").map(member_status),
                )
            }
            "SentimentReport" => {
                detail("报送对象", text("recipient"));
                (
                    booked(text("title")),
                    enum_field(snapshot, "status").map(sentiment_report_status),
                )
            }
            _ => (
                text("title")
                    .or_else(|| text("name"))
                    .unwrap_or_else(|| plain(&event.entity_type)),
                None,
            ),
        };
        Self {
            subject,
            status,
            details,
        }
    }

    fn headline(&self) -> String {
        match self.status {
            Some(status) => format!("{}（{status}）", self.subject),
            None => self.subject.clone(),
        }
    }
}

/// `text` on one line, markdown-inert and at most [`MAX_TEXT_CHARS`] characters: titles come
/// from staff and the public, and must not inject links or headings into a group chat.
fn plain(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    let mut out: String = joined
        .chars()
        .take(MAX_TEXT_CHARS)
        .map(|character| match character {
            '[' => '［',
            ']' => '］',
            '(' => '（',
            ')' => '）',
            '<' => '＜',
            '>' => '＞',
            '*' => '＊',
            '_' => '＿',
            '#' => '＃',
            '`' => '｀',
            '|' => '｜',
            '\\' => '＼',
            other => other,
        })
        .collect();
    if joined.chars().count() > MAX_TEXT_CHARS {
        out.push('…');
    }
    out
}

fn regions(event: &EventPayload) -> String {
    if event.region_codes.is_empty() {
        return "—".to_owned();
    }
    event
        .region_codes
        .iter()
        .map(|code| plain(code))
        .collect::<Vec<_>>()
        .join("、")
}

/// China has one time zone and no daylight saving: UTC+8.
fn beijing_time(time: &DateTime<Utc>) -> String {
    match FixedOffset::east_opt(8 * 3600) {
        Some(beijing) => time
            .with_timezone(&beijing)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => time.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// GraphiQL on `public_url` with a query for the changed record filled in.
fn link(event: &EventPayload, public_url: Option<&str>) -> Option<String> {
    let public_url = public_url?;
    if event.entity_id.is_empty() || event.event_type == EventType::NotificationTest.as_str() {
        return None;
    }
    let fields = match event.entity_type.as_str() {
        "Consultation" => " ... on Consultation { title status scheduledAt venue }",
        "Suggestion" => " ... on Suggestion { content status responsibleDepartment }",
        "SlotRequest" => " ... on SlotRequest { department topic status }",
        "Lounge" => " ... on Lounge { name status theme }",
        "LoungeActivity" => " ... on LoungeActivity { title format startsAt }",
        "Member" => " ... on Member { name status sector }",
        "SentimentReport" => " ... on SentimentReport { title status recipient }",
        _ => "",
    };
    // A JSON string literal is a valid GraphQL string literal.
    let id = serde_json::to_string(&event.entity_id).ok()?;
    let query = format!("{{ node(id: {id}) {{ id{fields} }} }}");
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    Some(format!(
        "{}/?query={encoded}",
        public_url.trim_end_matches('/')
    ))
}

/// At most `max_bytes` of `text`, cut at a character boundary.
fn cut(mut text: String, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

fn enum_field<T: DeserializeOwned>(snapshot: &Value, field: &str) -> Option<T> {
    serde_json::from_value(snapshot.get(field)?.clone()).ok()
}

mod labels;
#[cfg(test)]
mod tests;
