//! `userErrors`: everything about a mutation's input or the state of the data is reported in
//! its payload, not as a top-level error; only `UNAUTHENTICATED`, `FORBIDDEN`, malformed IDs and
//! internal failures are top-level errors.

use crate::error::ApiError;
use async_graphql::{Enum, SimpleObject};
use domain::DomainError;

/// Why a mutation's input was refused.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserErrorCode {
    /// A field's value is not acceptable (empty, too long, out of order, unknown reference …).
    Invalid,
    /// The record's lifecycle does not allow this step from its current state.
    InvalidTransition,
    /// Someone else changed the record first; reload it and try again.
    Conflict,
    /// A referenced record does not exist.
    NotFound,
    /// A configured limit on how many such records one caller or one region may have is
    /// reached (e.g. notification targets); remove one first or ask the operator.
    LimitExceeded,
}

/// A problem with a mutation's input or with the state of the data.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Path of the input field at fault, from the mutation's `input` (e.g.
    /// `["participants", "0", "memberId"]`); null when the error is not about one field.
    pub field: Option<Vec<String>>,
    /// What is wrong, in words a user understands.
    pub message: String,
    /// Stable code to branch on.
    pub code: UserErrorCode,
}

/// Splits a domain result into the changed record or user errors; request-level failures
/// (authentication, permission, internal) become top-level errors.
pub fn outcome<T>(
    result: Result<T, DomainError>,
) -> crate::error::Result<(Option<T>, Vec<UserError>)> {
    let error = match result {
        Ok(value) => return Ok((Some(value), Vec::new())),
        Err(error) => error,
    };
    let user_error = |field: Option<&str>, code| UserError {
        field: field.map(|field| field.split('.').map(str::to_owned).collect()),
        message: error.to_string(),
        code,
    };
    let found = match &error {
        DomainError::Invalid { field, message } => UserError {
            field: Some(field.split('.').map(str::to_owned).collect()),
            message: message.clone(),
            code: UserErrorCode::Invalid,
        },
        DomainError::InvalidTransition { .. } => user_error(None, UserErrorCode::InvalidTransition),
        DomainError::Conflict(_) => user_error(None, UserErrorCode::Conflict),
        DomainError::NotFound(_) => user_error(Some("id"), UserErrorCode::NotFound),
        DomainError::LimitExceeded { field, message } => UserError {
            field: Some(field.split('.').map(str::to_owned).collect()),
            message: message.clone(),
            code: UserErrorCode::LimitExceeded,
        },
        _ => return Err(ApiError::from(error)),
    };
    domain::audit::note_user_errors();
    Ok((None, vec![found]))
}
