//! Codes for the errors async-graphql reports without one, so that every error a client gets
//! carries `extensions.code` (the fuzz test, `tests/fuzz.rs`, holds us to it).
//!
//! | error | code |
//! |---|---|
//! | the document does not parse | `GRAPHQL_PARSE_FAILED` |
//! | async-graphql's complexity or depth limit ("Query is too complex.", "Query is nested too deep.") | `QUERY_TOO_COMPLEX` |
//! | any other request error (validation, variables, operation selection) | `GRAPHQL_VALIDATION_FAILED` |
//! | a field error without a code (async-graphql coercing an argument) | `BAD_USER_INPUT` |

use async_graphql::{ServerError, Value};
use graphql::ErrorCode;

/// async-graphql's messages for its own complexity and depth limits.
const TOO_COMPLEX: [&str; 2] = ["Query is too complex.", "Query is nested too deep."];

/// The code for async-graphql's complexity and depth refusals (the cost model's own refusal
/// carries it already).
const QUERY_TOO_COMPLEX: &str = ErrorCode::QueryTooComplex.as_str();

/// Gives every error of `errors` that has no `extensions.code` one; `parse_failed` says the
/// request's document did not parse.
pub(crate) fn fill(errors: &mut [ServerError], parse_failed: bool) {
    for error in errors {
        if has_code(error) {
            continue;
        }
        let code = if TOO_COMPLEX.contains(&error.message.as_str()) {
            QUERY_TOO_COMPLEX
        } else if parse_failed {
            ErrorCode::GraphqlParseFailed.as_str()
        } else if error.path.is_empty() {
            ErrorCode::GraphqlValidationFailed.as_str()
        } else {
            ErrorCode::BadUserInput.as_str()
        };
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", Value::String(code.to_owned()));
    }
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use async_graphql::PathSegment;

    use super::*;

    fn code(error: &ServerError) -> String {
        error
            .extensions
            .as_ref()
            .unwrap()
            .get("code")
            .unwrap()
            .to_string()
    }

    #[test]
    fn each_kind_of_codeless_error_gets_its_code() {
        let mut errors = vec![
            ServerError::new("Query is too complex.", None),
            ServerError::new("Unknown field \"x\" on type \"Query\".", None),
            {
                let mut error = ServerError::new("Failed to parse \"Int\"", None);
                error.path = vec![PathSegment::Field("x".into())];
                error
            },
        ];
        fill(&mut errors, false);
        assert_eq!(code(&errors[0]), "\"QUERY_TOO_COMPLEX\"");
        assert_eq!(code(&errors[1]), "\"GRAPHQL_VALIDATION_FAILED\"");
        assert_eq!(code(&errors[2]), "\"BAD_USER_INPUT\"");

        let mut parse = vec![ServerError::new(" --> 1:2", None)];
        fill(&mut parse, true);
        assert_eq!(code(&parse[0]), "\"GRAPHQL_PARSE_FAILED\"");
    }

    #[test]
    fn existing_codes_are_kept() {
        let mut errors = vec![crate::http::persisted::request_error(
            ErrorCode::Forbidden,
            "no",
        )];
        fill(&mut errors, true);
        assert_eq!(code(&errors[0]), "\"FORBIDDEN\"");
    }
}
