//! A kind's columns, and where each one is in a file's header row.

use crate::{FileError, source::Row};

/// One column of a template.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Column {
    /// The Chinese header, written by exports and templates.
    pub(crate) chinese: &'static str,
    /// The English header, accepted too.
    pub(crate) english: &'static str,
    /// Whether a file must have the column (its cells may still be blank where the kind
    /// allows, e.g. a new member's number).
    pub(crate) required: bool,
    /// Contact data (a phone, an e-mail address, a public topic's submitter): an import's report
    /// names the cell but never quotes it, since staff other than the one who imported read it.
    pub(crate) personal: bool,
    /// What the instructions sheet says of it.
    pub(crate) help: &'static str,
}

/// Where a file's header row put each of a kind's columns.
#[derive(Clone, Debug)]
pub(crate) struct Header {
    positions: Vec<Option<usize>>,
    names: Vec<String>,
}

impl Header {
    /// Matches `row` (the first non-blank row) against `columns`, by Chinese or English header
    /// (any case, surrounding spaces and a trailing `*` ignored); refuses a file that lacks a
    /// required column, naming every one it lacks.
    pub(crate) fn read(row: &Row, columns: &[Column]) -> Result<Self, FileError> {
        let found: Vec<String> = row
            .cells
            .iter()
            .map(|cell| {
                crate::cell::normalized(cell)
                    .trim_end_matches('*')
                    .trim()
                    .to_lowercase()
            })
            .collect();
        let positions: Vec<Option<usize>> = columns
            .iter()
            .map(|column| {
                found.iter().position(|name| {
                    *name == column.chinese.to_lowercase() || *name == column.english.to_lowercase()
                })
            })
            .collect();
        let missing: Vec<String> = columns
            .iter()
            .zip(&positions)
            .filter(|(column, position)| column.required && position.is_none())
            .map(|(column, _)| format!("{} ({})", column.chinese, column.english))
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns { columns: missing });
        }
        Ok(Self {
            positions,
            names: row.cells.clone(),
        })
    }

    /// The header of a sheet the file does not have.
    pub(crate) fn absent(columns: &[Column]) -> Self {
        Self {
            positions: vec![None; columns.len()],
            names: Vec::new(),
        }
    }

    /// The raw cell of column `index` (of the kind's columns) in `row`; empty when the file
    /// lacks the column or the row is short.
    pub(crate) fn cell<'a>(&self, row: &'a Row, index: usize) -> &'a str {
        self.positions
            .get(index)
            .copied()
            .flatten()
            .and_then(|position| row.cells.get(position))
            .map_or("", String::as_str)
    }

    /// The header as the file wrote it, and the column letter, of column `index`.
    pub(crate) fn locate(&self, index: usize) -> (String, String) {
        match self.positions.get(index).copied().flatten() {
            Some(position) => (
                self.names.get(position).cloned().unwrap_or_default(),
                crate::source::column_letter(position),
            ),
            None => (String::new(), String::new()),
        }
    }
}
