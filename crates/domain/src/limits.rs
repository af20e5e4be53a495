//! The maximum sizes of every free-text and list input, in one place (the README lists them),
//! with the checks that enforce them. A bad size is [`DomainError::Invalid`] naming the field:
//! `INVALID` in a mutation's `userErrors`, `BAD_USER_INPUT` for a query's filter. The writes
//! name their fields with these maxima (`Field` constants in `write/*.rs`).

use crate::DomainError;

/// Names of people and of notification targets (member, participant, proposer), in characters.
pub const PERSON_NAME_CHARS: usize = 100;
/// The name a member of the public gives with a topic, in characters.
pub const SUBMITTER_NAME_CHARS: usize = 50;
/// The contact a member of the public gives with a topic, in characters.
pub const CONTACT_CHARS: usize = 100;
/// A member's sector (界别), in characters.
pub const SECTOR_CHARS: usize = 100;
/// A member's occupation, in characters.
pub const OCCUPATION_CHARS: usize = 200;
/// Titles (consultations, activities, reports, slot requests), in characters.
pub const TITLE_CHARS: usize = 200;
/// Names of organisations (organizer, department, recipient, lounge), in characters.
pub const ORGANIZATION_NAME_CHARS: usize = 200;
/// A venue, in characters.
pub const VENUE_CHARS: usize = 200;
/// A lounge's theme, in characters.
pub const THEME_CHARS: usize = 500;
/// A lounge's address, in characters.
pub const ADDRESS_CHARS: usize = 500;
/// The topic a member of the public submits, in characters.
pub const PUBLIC_TOPIC_CHARS: usize = 1_000;
/// Topics, notes and reasons, in characters.
pub const LONG_TEXT_CHARS: usize = 2_000;
/// A suggestion's content or an acknowledgement (批示), in characters.
pub const STATEMENT_CHARS: usize = 5_000;
/// A sentiment report's content, in characters.
pub const REPORT_CONTENT_CHARS: usize = 20_000;

/// Longest search term (`search` in every filter), in characters.
pub const MAX_SEARCH_CHARS: usize = 100;
/// Longest exact-match text in a filter (e.g. a member's `sector`), in characters.
pub const MAX_FILTER_TEXT_CHARS: usize = 100;
/// Most values in one list filter (statuses, kinds, formats, channels, topic sources).
pub const MAX_FILTER_VALUES: usize = 50;
/// Most participants recorded for one held consultation.
pub const MAX_CONSULTATION_PARTICIPANTS: usize = 200;
/// Most authors of one sentiment report.
pub const MAX_REPORT_AUTHORS: usize = 50;
/// Most source lounges of one sentiment report.
pub const MAX_REPORT_SOURCE_LOUNGES: usize = 20;
/// Most event types one notification target subscribes to (there are fewer types; repeats
/// beyond this are refused rather than silently folded).
pub const MAX_TARGET_EVENT_TYPES: usize = 50;
/// Most lead members named when a lounge is created.
pub const MAX_LOUNGE_LEADS: usize = crate::write::lounges::MAX_LEADS;
/// Most host lounges of one (joint) activity.
pub const MAX_ACTIVITY_HOSTS: usize = crate::write::lounges::MAX_HOSTS;
/// Most participating members of one activity.
pub const MAX_ACTIVITY_PARTICIPANTS: usize = crate::write::lounges::MAX_PARTICIPANTS;

/// A search term within [`MAX_SEARCH_CHARS`].
pub fn search(term: &str) -> Result<(), DomainError> {
    text("search", term, MAX_SEARCH_CHARS)
}

/// `value` of `field` within `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    let length = value.chars().count();
    if length > max {
        return Err(DomainError::invalid(
            field,
            format!("at most {max} characters (got {length})"),
        ));
    }
    Ok(())
}

/// A list input of `len` items within `max`.
pub fn list(field: &str, len: usize, max: usize) -> Result<(), DomainError> {
    if len > max {
        return Err(DomainError::invalid(
            field,
            format!("at most {max} items (got {len})"),
        ));
    }
    Ok(())
}

/// A list filter (statuses, kinds, types…) of at most [`MAX_FILTER_VALUES`] values.
pub fn filter_values(field: &str, len: usize) -> Result<(), DomainError> {
    list(field, len, MAX_FILTER_VALUES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_field(result: Result<(), DomainError>) -> Option<String> {
        match result {
            Err(DomainError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn sizes_at_the_limit_pass_and_beyond_it_are_invalid() {
        assert!(search(&"协".repeat(MAX_SEARCH_CHARS)).is_ok());
        assert_eq!(
            invalid_field(search(&"协".repeat(MAX_SEARCH_CHARS + 1))).as_deref(),
            Some("search")
        );
        assert!(list("authorMemberIds", MAX_REPORT_AUTHORS, MAX_REPORT_AUTHORS).is_ok());
        assert_eq!(
            invalid_field(list("authorMemberIds", 51, MAX_REPORT_AUTHORS)).as_deref(),
            Some("authorMemberIds")
        );
    }
}
