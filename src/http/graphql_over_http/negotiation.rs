//! Media types in and out: which response type an `Accept` header asks for, and
//! whether a `Content-Type` is one we can read.
//!
//! A hand-written parser rather than the `mime` crate because `mime` reads one
//! media type, not an `Accept` list with q-values and wildcards, and because the
//! rules we need are few: lower-case type and subtype, a `q` weight, and a
//! `charset` that must be UTF-8 (the only encoding we read or write).

use axum::http::{HeaderMap, HeaderValue, header};

/// The media types this endpoint answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ResponseMediaType {
    /// `application/graphql-response+json`: the spec's own type. Status codes
    /// carry meaning: a request error (nothing executed) is a 4xx.
    GraphQLResponseJson,
    /// `application/json`: what legacy clients understand. Every well-formed
    /// request gets 200, because such clients may not read a 4xx body.
    Json,
}

impl ResponseMediaType {
    /// The `Content-Type` header value, always naming the encoding as the spec
    /// recommends.
    pub(super) fn content_type(self) -> HeaderValue {
        match self {
            Self::GraphQLResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
            Self::Json => HeaderValue::from_static("application/json; charset=utf-8"),
        }
    }

    fn subtype(self) -> &'static str {
        match self {
            Self::GraphQLResponseJson => "graphql-response+json",
            Self::Json => "json",
        }
    }
}

/// Chooses the response media type from the request's `Accept` header(s).
///
/// * No `Accept` header (or one with no parseable media range): `application/json`,
///   the spec's answer for clients that did not say.
/// * Otherwise each type gets the q-value of the most specific range that matches
///   it; the higher q wins, then the more specific match. On a full tie an
///   explicit listing of both types picks `application/graphql-response+json`,
///   while wildcards (`*/*`, `application/*`) pick `application/json`, so that
///   generic clients get the type everyone understands.
/// * `None` when neither type is acceptable: the caller answers 406.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<ResponseMediaType> {
    let ranges: Vec<MediaRange> = headers
        .get_all(header::ACCEPT)
        .iter()
        // A header that is not visible ASCII cannot be interpreted: disregard it,
        // as RFC 9110 allows for an invalid Accept header.
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(MediaRange::parse)
        .collect();
    if ranges.is_empty() {
        return Some(ResponseMediaType::Json);
    }

    let graphql = preference(&ranges, ResponseMediaType::GraphQLResponseJson);
    let json = preference(&ranges, ResponseMediaType::Json);
    match (graphql, json) {
        (None, None) => None,
        (Some(_), None) => Some(ResponseMediaType::GraphQLResponseJson),
        (None, Some(_)) => Some(ResponseMediaType::Json),
        (Some(graphql), Some(json)) => {
            if graphql > json || (graphql == json && graphql.specificity == Specificity::Exact) {
                Some(ResponseMediaType::GraphQLResponseJson)
            } else {
                Some(ResponseMediaType::Json)
            }
        }
    }
}

/// Whether a POST body with this `Content-Type` can be read: `application/json`,
/// with no charset or a UTF-8 one. Anything else (or no header at all) is a 415.
pub(super) fn is_json_content_type(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|value| value.to_str().ok())
        .and_then(MediaRange::parse)
        .is_some_and(|media| {
            media.type_ == "application" && media.subtype == "json" && media.charset_is_utf8
        })
}

/// How precisely a media range names a type; compared after the q-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Specificity {
    /// `*/*`
    Any,
    /// `application/*`
    Subtype,
    /// `application/json`
    Exact,
}

/// How much the client wants one of our types: its q-value (in thousandths, to
/// compare without floats) and how specifically the winning range named it.
/// Field order matters: the derived ordering compares `quality` first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Preference {
    quality: u16,
    specificity: Specificity,
}

/// The client's preference for `offer`, or `None` if no range accepts it (or the
/// most specific one gives it `q=0`, which means "not acceptable").
fn preference(ranges: &[MediaRange], offer: ResponseMediaType) -> Option<Preference> {
    ranges
        .iter()
        .filter(|range| range.charset_is_utf8)
        .filter_map(|range| {
            let specificity = match (range.type_.as_str(), range.subtype.as_str()) {
                ("*", "*") => Specificity::Any,
                ("application", "*") => Specificity::Subtype,
                ("application", subtype) if subtype == offer.subtype() => Specificity::Exact,
                _ => return None,
            };
            Some(Preference {
                quality: range.quality,
                specificity,
            })
        })
        // RFC 9110 §12.5.1: the most specific range decides; among equally
        // specific ones take the most generous.
        .max_by_key(|preference| (preference.specificity, preference.quality))
        .filter(|preference| preference.quality > 0)
}

/// One `type/subtype;param=value` element of an `Accept` or `Content-Type` header.
#[derive(Debug)]
struct MediaRange {
    type_: String,
    subtype: String,
    /// The `q` parameter in thousandths (1000 when absent).
    quality: u16,
    /// False when a `charset` parameter names anything but UTF-8.
    charset_is_utf8: bool,
}

impl MediaRange {
    /// Parses one media range; `None` for anything malformed, which callers skip.
    fn parse(input: &str) -> Option<Self> {
        let mut parts = input.split(';');
        let (type_, subtype) = parts.next()?.trim().split_once('/')?;
        let (type_, subtype) = (type_.trim(), subtype.trim());
        if !is_token(type_) || !is_token(subtype) || (type_ == "*" && subtype != "*") {
            return None;
        }
        let mut range = Self {
            type_: type_.to_ascii_lowercase(),
            subtype: subtype.to_ascii_lowercase(),
            quality: 1000,
            charset_is_utf8: true,
        };
        for parameter in parts {
            let parameter = parameter.trim();
            if parameter.is_empty() {
                continue;
            }
            let (name, value) = parameter.split_once('=')?;
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "q" => range.quality = parse_quality(value)?,
                "charset" => {
                    range.charset_is_utf8 = ["utf-8", "utf8"]
                        .iter()
                        .any(|utf8| value.eq_ignore_ascii_case(utf8));
                }
                _ => {}
            }
        }
        Some(range)
    }
}

/// RFC 9110 token characters; enough to reject garbage such as `a b/c`.
fn is_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// Parses a q-value (`0`, `0.5`, `1.000`, …) into thousandths; `None` when it is
/// not a valid weight.
fn parse_quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction.parse::<u16>().unwrap_or(0) * 10u16.pow(3 - fraction.len() as u32);
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> Option<ResponseMediaType> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        negotiate(&headers)
    }

    use ResponseMediaType::{GraphQLResponseJson as Graphql, Json};

    #[test]
    fn missing_or_wildcard_accept_means_json() {
        assert_eq!(accept(&[]), Some(Json));
        assert_eq!(accept(&["*/*"]), Some(Json));
        assert_eq!(accept(&["application/*"]), Some(Json));
        assert_eq!(accept(&["text/html, */*;q=0.8"]), Some(Json));
    }

    #[test]
    fn explicit_types_are_honoured() {
        assert_eq!(
            accept(&["application/graphql-response+json"]),
            Some(Graphql)
        );
        assert_eq!(accept(&["application/json"]), Some(Json));
        assert_eq!(
            accept(&["Application/GraphQL-Response+JSON; charset=UTF-8"]),
            Some(Graphql)
        );
    }

    #[test]
    fn q_values_decide() {
        // The client the spec recommends.
        assert_eq!(
            accept(&["application/graphql-response+json, application/json;q=0.9"]),
            Some(Graphql)
        );
        assert_eq!(
            accept(&["application/graphql-response+json;q=0.5, application/json"]),
            Some(Json)
        );
        assert_eq!(
            accept(&["application/graphql-response+json;q=0.9, */*;q=0.8"]),
            Some(Graphql)
        );
        assert_eq!(
            accept(&["application/graphql-response+json;q=0.1, */*"]),
            Some(Json)
        );
        // Both listed at the same weight: the spec's own type.
        assert_eq!(
            accept(&["application/json, application/graphql-response+json"]),
            Some(Graphql)
        );
        // Across several header lines.
        assert_eq!(
            accept(&[
                "application/json;q=0.2",
                "application/graphql-response+json"
            ]),
            Some(Graphql)
        );
    }

    #[test]
    fn q_zero_and_the_most_specific_range_exclude() {
        assert_eq!(accept(&["application/json;q=0, */*"]), Some(Graphql));
        assert_eq!(accept(&["*/*;q=0, application/json"]), Some(Json));
        assert_eq!(
            accept(&["application/json;q=0, application/graphql-response+json;q=0"]),
            None
        );
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(accept(&["text/html"]), None);
        assert_eq!(accept(&["text/*, image/png"]), None);
        assert_eq!(accept(&["application/json; charset=iso-8859-1"]), None);
        assert_eq!(accept(&["application/xml"]), None);
    }

    #[test]
    fn unparseable_ranges_are_skipped() {
        assert_eq!(accept(&["garbage"]), Some(Json));
        assert_eq!(
            accept(&["garbage, application/graphql-response+json"]),
            Some(Graphql)
        );
        assert_eq!(accept(&["application/json;q=2, text/html"]), None);
        assert_eq!(accept(&["*/json"]), Some(Json));
        assert_eq!(accept(&[""]), Some(Json));
    }

    #[test]
    fn quality_parsing() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.05"), Some(50));
        assert_eq!(parse_quality("0"), Some(0));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("-1"), None);
        assert_eq!(parse_quality(""), None);
    }

    #[test]
    fn content_type_must_be_utf8_json() {
        let ok = |value: &str| is_json_content_type(Some(&HeaderValue::from_str(value).unwrap()));
        assert!(ok("application/json"));
        assert!(ok("application/json; charset=utf-8"));
        assert!(ok("Application/JSON;charset=\"UTF-8\""));
        assert!(!ok("application/json; charset=utf-16"));
        assert!(!ok("text/plain"));
        assert!(!ok("application/graphql"));
        assert!(!ok("multipart/form-data; boundary=x"));
        assert!(!ok("application/x-www-form-urlencoded"));
        assert!(!is_json_content_type(None));
    }
}
