//! Stable error codes. Clients branch on `extensions.code`, never on messages.

use async_graphql::ErrorExtensions;
use domain::DomainError;

/// The codes a top-level GraphQL error carries in `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// Malformed arguments, IDs or cursors.
    BadUserInput,
    /// The request needs credentials (or its token is invalid or expired).
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// Too many requests of this kind from the client; retry later.
    RateLimited,
    /// The database is momentarily saturated; retry shortly.
    ServiceBusy,
    /// An event cursor older than the retained event log: resuming from it would skip events.
    EventCursorExpired,
    /// The operation ran longer than the request timeout and was stopped.
    RequestTimeout,
    /// A bug or an outage; details are logged, clients see a generic message.
    Internal,
    /// The request would cost more points than one request may (see `crate::cost`); nothing
    /// was executed.
    QueryTooComplex,
    /// The document does not parse (given by the HTTP layer; async-graphql reports it bare).
    GraphqlParseFailed,
    /// The document does not validate against the schema, or its variables or operation name
    /// do not fit it (given by the HTTP layer).
    GraphqlValidationFailed,
    /// An APQ hash or `documentId` this server does not know; send the document with its hash.
    PersistedQueryNotFound,
    /// With trusted documents, an anonymous caller sent a document that is not in the manifest
    /// (or tried to register one through APQ).
    PersistedQueryNotAllowed,
    /// Not a well-formed GraphQL-over-HTTP request (bad JSON, `query` missing or not a string…).
    BadRequest,
    /// A method other than GET/POST, or a mutation over GET.
    MethodNotAllowed,
    /// The `Accept` header names no media type we answer with.
    NotAcceptable,
    /// A POST body that is not `application/json`.
    UnsupportedMediaType,
    /// A request body above the size limit.
    PayloadTooLarge,
}

impl ErrorCode {
    /// The code as it appears in `extensions.code`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::ServiceBusy => "SERVICE_BUSY",
            ErrorCode::EventCursorExpired => "EVENT_CURSOR_EXPIRED",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryNotAllowed => "PERSISTED_QUERY_NOT_ALLOWED",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::NotAcceptable => "NOT_ACCEPTABLE",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        }
    }

    /// An error with this code and message.
    pub fn error(self, message: impl Into<String>) -> async_graphql::Error {
        async_graphql::Error::new(message).extend_with(|_, extensions| {
            extensions.set("code", self.as_str());
        })
    }
}

/// Maps a domain error to a GraphQL error with a stable code. Internal details are logged here
/// and never shown to the client.
pub fn domain_error(error: &DomainError) -> async_graphql::Error {
    match error {
        DomainError::Invalid { field, message } => {
            ErrorCode::BadUserInput.error(format!("{field}: {message}"))
        }
        DomainError::NotFound(what) => ErrorCode::BadUserInput.error(format!("{what} not found")),
        DomainError::LimitExceeded { .. } => ErrorCode::BadUserInput.error(error.to_string()),
        DomainError::Unauthenticated => {
            ErrorCode::Unauthenticated.error("authentication required: send a bearer token")
        }
        DomainError::Forbidden(why) => ErrorCode::Forbidden.error(format!("forbidden: {why}")),
        // Outside a mutation payload these are about the arguments of the request.
        DomainError::InvalidTransition { .. } | DomainError::Conflict(_) => {
            ErrorCode::BadUserInput.error(error.to_string())
        }
        DomainError::Busy => {
            ErrorCode::ServiceBusy.error("the database is busy; try again shortly")
        }
        DomainError::CursorExpired { .. } => ErrorCode::EventCursorExpired.error(error.to_string()),
        other @ (DomainError::Config(_) | DomainError::Refused(_) | DomainError::Database(_)) => {
            tracing::error!(error = %other, "internal error while resolving a GraphQL request");
            ErrorCode::Internal.error("internal error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: &async_graphql::Error) -> Option<String> {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .map(|value| value.to_string())
    }

    #[test]
    fn invalid_input_is_bad_user_input() {
        let error = domain_error(&DomainError::invalid("code", "not a region code"));
        assert_eq!(code(&error).as_deref(), Some("\"BAD_USER_INPUT\""));
        assert_eq!(error.message, "code: not a region code");
    }

    #[test]
    fn authentication_and_permission_have_their_codes() {
        assert_eq!(
            code(&domain_error(&DomainError::Unauthenticated)).as_deref(),
            Some("\"UNAUTHENTICATED\"")
        );
        assert_eq!(
            code(&domain_error(&DomainError::Forbidden("x".into()))).as_deref(),
            Some("\"FORBIDDEN\"")
        );
    }

    #[test]
    fn busy_database_is_service_busy_not_internal() {
        assert_eq!(
            code(&domain_error(&DomainError::Busy)).as_deref(),
            Some("\"SERVICE_BUSY\"")
        );
    }

    #[test]
    fn expired_event_cursors_have_their_own_code() {
        let error = domain_error(&DomainError::CursorExpired { oldest: 7 });
        assert_eq!(code(&error).as_deref(), Some("\"EVENT_CURSOR_EXPIRED\""));
        assert!(error.message.contains('7'), "{}", error.message);
    }

    #[test]
    fn a_reached_limit_outside_a_mutation_is_bad_user_input() {
        let error = domain_error(&DomainError::LimitExceeded {
            field: "regionCode".into(),
            message: "at most 50".into(),
        });
        assert_eq!(code(&error).as_deref(), Some("\"BAD_USER_INPUT\""));
        assert_eq!(error.message, "regionCode: at most 50");
    }

    #[test]
    fn internal_errors_hide_their_details() {
        let error = domain_error(&DomainError::Config("secret path /etc/x".into()));
        assert_eq!(code(&error).as_deref(), Some("\"INTERNAL\""));
        assert_eq!(error.message, "internal error");
    }
}
