//! Input summaries: a mutation's input as recorded, without what must never be stored twice —
//! secrets, personal contact data (phone, e-mail, a public submitter's contact) and URLs
//! (robot URLs carry credentials). Long texts are cut, so a 20,000-character report does not
//! land in the log whole.

use serde_json::Value;

/// Longest string kept in a summary, in characters; longer ones are cut and end with `…`.
pub const MAX_TEXT_CHARS: usize = 200;

/// What replaces a removed value, so the summary still says the field was given.
pub const REDACTED: &str = "[redacted]";

/// Whether a field of this name holds something the audit log must not store.
pub fn is_sensitive(field: &str) -> bool {
    let name = field.to_ascii_lowercase();
    [
        "secret", "password", "token", "phone", "email", "contact", "url",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// `input` with sensitive fields replaced by [`REDACTED`] (at any depth) and long strings cut.
pub fn summarize(input: Value) -> Value {
    match input {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(name, value)| {
                    let value = if is_sensitive(&name) && !value.is_null() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        summarize(value)
                    };
                    (name, value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(summarize).collect()),
        Value::String(text) if text.chars().count() > MAX_TEXT_CHARS => {
            let mut cut: String = text.chars().take(MAX_TEXT_CHARS).collect();
            cut.push('…');
            Value::String(cut)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_contact_data_and_urls_are_redacted_at_any_depth() {
        let summary = summarize(json!({
            "name": "宁波",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "secret": "SECabcdefghijklmnop",
            "submitterContact": "13800000000",
            "member": { "phone": "13800000000", "email": "a@b.cn", "name": "张三" },
            "webhookUrl": null,
        }));
        let text = summary.to_string();
        for leaked in ["access_token", "SECabc", "13800000000", "a@b.cn"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        assert_eq!(summary["member"]["name"], "张三");
        assert_eq!(summary["url"], REDACTED);
        assert_eq!(summary["webhookUrl"], Value::Null);
    }

    #[test]
    fn long_texts_are_cut() {
        let summary = summarize(json!({ "content": "字".repeat(5000) }));
        let content = summary["content"].as_str().unwrap_or_default();
        assert_eq!(content.chars().count(), MAX_TEXT_CHARS + 1);
    }
}
