//! Field-level validation with messages a user understands.

use crate::DomainError;

/// A text field's name and bounds.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The input field's name as the client sent it, e.g. `title`.
    pub name: &'static str,
    /// Most characters allowed.
    pub max_chars: usize,
}

/// The trimmed text, or `INVALID` naming the field when it is empty, too long or holds control
/// characters other than line breaks and tabs (PostgreSQL cannot store U+0000 at all, and the
/// others only garble exports and robot messages).
pub fn text(field: Field, value: &str) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field.name, "must not be empty"));
    }
    if trimmed
        .chars()
        .any(|character| character.is_control() && !matches!(character, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid(
            field.name,
            "must not contain control characters",
        ));
    }
    let length = trimmed.chars().count();
    if length > field.max_chars {
        return Err(DomainError::invalid(
            field.name,
            format!("at most {} characters (got {length})", field.max_chars),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: Field = Field {
        name: "title",
        max_chars: 5,
    };

    #[test]
    fn trims_and_bounds_text() {
        assert_eq!(text(TITLE, "  协商  ").ok().as_deref(), Some("协商"));
        assert!(text(TITLE, "   ").is_err());
        assert!(text(TITLE, "一二三四五").is_ok());
        assert!(text(TITLE, "一二三四五六").is_err());
    }

    #[test]
    fn refuses_control_characters_but_keeps_line_breaks() {
        assert!(text(TITLE, "a\u{0}b").is_err());
        assert!(text(TITLE, "a\u{1b}b").is_err());
        assert_eq!(text(TITLE, "a\nb\tc").ok().as_deref(), Some("a\nb\tc"));
    }
}
