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

/// The trimmed text, or `INVALID` naming the field when it is empty or too long.
pub fn text(field: Field, value: &str) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field.name, "must not be empty"));
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
}
