//! The domain's one error type. The GraphQL layer maps each variant to a stable code.

use sea_orm::DbErr;

/// Everything that can go wrong below the API.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The database is momentarily saturated (pool exhausted or a lock outlasted the busy
    /// timeout). The request may be retried; it is not an internal failure.
    #[error("the database is busy; try again shortly")]
    Busy,
    /// A configuration value is unusable; the message names the variable or value.
    #[error("configuration error: {0}")]
    Config(String),
    /// Input that cannot be accepted; `field` names the offending input field.
    #[error("{field}: {message}")]
    Invalid {
        /// The input field at fault, as the client named it.
        field: String,
        /// What is wrong with it, in words a user understands.
        message: String,
    },
    /// A referenced record does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The action needs credentials and the caller has none.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller may not do this (outside their scope, or not their role).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A lifecycle transition that the state machine does not allow from the current state.
    #[error("cannot go from {current} to {requested}; allowed next: {allowed}")]
    InvalidTransition {
        /// The current state.
        current: String,
        /// The state asked for.
        requested: String,
        /// The states reachable from the current one, comma-separated (or "none").
        allowed: String,
    },
    /// Someone else changed the record first (optimistic concurrency).
    #[error("{0}")]
    Conflict(String),
    /// A limit on how many records one caller or one region may have was reached (e.g. the
    /// notification targets per owner); `field` names the input that would exceed it.
    #[error("{field}: {message}")]
    LimitExceeded {
        /// The input field that would exceed the limit.
        field: String,
        /// Which limit, and its value.
        message: String,
    },
    /// Seed data or another bulk operation refused to run (e.g. a non-empty database).
    #[error("{0}")]
    Refused(String),
    /// An event cursor older than the retained outbox: the events after it were pruned, so
    /// resuming from it would silently skip some. The client must start again from a fresh
    /// position (and reconcile by other means).
    #[error(
        "the event cursor is older than the retained event log (oldest retained sequence {oldest})"
    )]
    CursorExpired {
        /// The oldest sequence still retained.
        oldest: i64,
    },
    /// Any other database failure: a bug or an outage, logged and reported as internal.
    #[error("database error: {0}")]
    Database(DbErr),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
