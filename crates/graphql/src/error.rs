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
    pub fn error(self, message: impl Into<String>) -> ApiError {
        ApiError::new(self, message)
    }

    /// The code whose [`as_str`](Self::as_str) is `text`.
    fn parse(text: &str) -> Option<Self> {
        ALL_CODES.iter().copied().find(|code| code.as_str() == text)
    }
}

/// Every code, for [`ErrorCode::parse`].
const ALL_CODES: [ErrorCode; 18] = [
    ErrorCode::BadUserInput,
    ErrorCode::Unauthenticated,
    ErrorCode::Forbidden,
    ErrorCode::RateLimited,
    ErrorCode::ServiceBusy,
    ErrorCode::EventCursorExpired,
    ErrorCode::RequestTimeout,
    ErrorCode::Internal,
    ErrorCode::QueryTooComplex,
    ErrorCode::GraphqlParseFailed,
    ErrorCode::GraphqlValidationFailed,
    ErrorCode::PersistedQueryNotFound,
    ErrorCode::PersistedQueryNotAllowed,
    ErrorCode::BadRequest,
    ErrorCode::MethodNotAllowed,
    ErrorCode::NotAcceptable,
    ErrorCode::UnsupportedMediaType,
    ErrorCode::PayloadTooLarge,
];

/// The error every resolver returns: a GraphQL error that carries its `extensions.code` by
/// construction.
///
/// The crate enables async-graphql's `custom-error-conversion`, which removes the blanket
/// conversion from any `Display` type into `async_graphql::Error`; the orphan rule forbids
/// converting [`DomainError`] into that type directly. So `?` on a domain error compiles only
/// in a function returning [`Result`], and goes through [`From<DomainError>`], which
/// attaches the code. An `async_graphql::Error` without a code (a missing context value, say)
/// becomes `INTERNAL`.
#[derive(Clone, Debug)]
pub struct ApiError {
    code: ErrorCode,
    error: async_graphql::Error,
}

/// What resolvers return: async-graphql's macros recognise a return type by the name
/// `Result`, so the alias keeps that name.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            error: async_graphql::Error::new(message).extend_with(|_, extensions| {
                extensions.set("code", code.as_str());
            }),
        }
    }

    /// A bug or an outage, with nothing shown but "internal error" (log the details first).
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error")
    }

    /// The code clients see in `extensions.code`.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message clients see.
    pub fn message(&self) -> &str {
        &self.error.message
    }

    /// The error as a field error at `pos`.
    pub fn into_server_error(self, pos: async_graphql::Pos) -> async_graphql::ServerError {
        self.error.into_server_error(pos)
    }

    /// The error as a request error: no path, no location (the HTTP layer's refusals).
    pub fn into_request_error(self) -> async_graphql::ServerError {
        let mut server_error = async_graphql::ServerError::new(self.error.message, None);
        server_error.extensions = self.error.extensions;
        server_error
    }

    /// Adds an extension beside the code (limits, retry hints).
    pub fn with_extension(mut self, name: &str, value: impl Into<async_graphql::Value>) -> Self {
        let value = value.into();
        self.error = self
            .error
            .extend_with(|_, extensions| extensions.set(name, value));
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.code.as_str(), self.error.message)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        error.error
    }
}

impl From<async_graphql::Error> for ApiError {
    /// Keeps the code the error already carries; an error without one is a bug on our side
    /// (a context value missing, say), shown as `INTERNAL` and logged.
    fn from(error: async_graphql::Error) -> Self {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .and_then(|value| match value {
                async_graphql::Value::String(text) => ErrorCode::parse(text),
                _ => None,
            });
        match code {
            Some(code) => Self { code, error },
            None => {
                tracing::error!(error = %error.message, "uncoded error while resolving a GraphQL request");
                Self::internal()
            }
        }
    }
}

impl From<DomainError> for ApiError {
    /// Stable codes for domain errors. Internal details are logged here and never shown to the
    /// client.
    fn from(error: DomainError) -> Self {
        match &error {
            DomainError::Invalid { field, message } => {
                ErrorCode::BadUserInput.error(format!("{field}: {message}"))
            }
            DomainError::NotFound(what) => {
                ErrorCode::BadUserInput.error(format!("{what} not found"))
            }
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
            DomainError::CursorExpired { .. } => {
                ErrorCode::EventCursorExpired.error(error.to_string())
            }
            DomainError::Config(_) | DomainError::Refused(_) | DomainError::Database(_) => {
                tracing::error!(%error, "internal error while resolving a GraphQL request");
                ApiError::internal()
            }
        }
    }
}

/// A shared domain error (from a DataLoader batch, which hands one error to every waiter).
impl From<std::sync::Arc<DomainError>> for ApiError {
    fn from(error: std::sync::Arc<DomainError>) -> Self {
        match &*error {
            DomainError::Busy => ApiError::from(DomainError::Busy),
            other => ApiError::from(DomainError::Refused(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coded(error: DomainError) -> ApiError {
        ApiError::from(error)
    }

    fn code(error: &ApiError) -> Option<String> {
        let error = async_graphql::Error::from(ApiError::new(error.code(), error.message()));
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .map(|value| value.to_string())
    }

    #[test]
    fn invalid_input_is_bad_user_input() {
        let error = coded(DomainError::invalid("code", "not a region code"));
        assert_eq!(code(&error).as_deref(), Some("\"BAD_USER_INPUT\""));
        assert_eq!(error.message(), "code: not a region code");
    }

    #[test]
    fn authentication_and_permission_have_their_codes() {
        assert_eq!(
            code(&coded(DomainError::Unauthenticated)).as_deref(),
            Some("\"UNAUTHENTICATED\"")
        );
        assert_eq!(
            code(&coded(DomainError::Forbidden("x".into()))).as_deref(),
            Some("\"FORBIDDEN\"")
        );
    }

    #[test]
    fn busy_database_is_service_busy_not_internal() {
        assert_eq!(
            code(&coded(DomainError::Busy)).as_deref(),
            Some("\"SERVICE_BUSY\"")
        );
    }

    #[test]
    fn expired_event_cursors_have_their_own_code() {
        let error = coded(DomainError::CursorExpired { oldest: 7 });
        assert_eq!(code(&error).as_deref(), Some("\"EVENT_CURSOR_EXPIRED\""));
        assert!(error.message().contains('7'), "{}", error.message());
    }

    #[test]
    fn a_reached_limit_outside_a_mutation_is_bad_user_input() {
        let error = coded(DomainError::LimitExceeded {
            field: "regionCode".into(),
            message: "at most 50".into(),
        });
        assert_eq!(code(&error).as_deref(), Some("\"BAD_USER_INPUT\""));
        assert_eq!(error.message(), "regionCode: at most 50");
    }

    #[test]
    fn internal_errors_hide_their_details() {
        let error = coded(DomainError::Config("secret path /etc/x".into()));
        assert_eq!(code(&error).as_deref(), Some("\"INTERNAL\""));
        assert_eq!(error.message(), "internal error");
    }
}

#[cfg(test)]
mod conversion_tests {
    use super::*;

    #[test]
    fn an_uncoded_graphql_error_becomes_internal_and_hides_its_message() {
        let error = ApiError::from(async_graphql::Error::new("Data `Db` does not exist."));
        assert_eq!(error.code(), ErrorCode::Internal);
        assert_eq!(error.message(), "internal error");
    }

    #[test]
    fn a_coded_graphql_error_keeps_its_code_and_message() {
        let coded = async_graphql::Error::from(ErrorCode::RateLimited.error("slow down"));
        let error = ApiError::from(coded);
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert_eq!(error.message(), "slow down");
    }

    #[test]
    fn every_code_parses_back() {
        for code in ALL_CODES {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
    }
}
