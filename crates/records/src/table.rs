//! A data sheet read into rows of a kind's columns, and errors that point into it.

use std::sync::Arc;

use crate::{
    ErrorCode, FileError, Phase, Progress, RowError,
    columns::{Column, Header},
    source::{Row, Source},
};

/// A sheet's data rows, each with one cell per column of the kind (in the kind's order).
pub(crate) struct Table {
    /// The sheet's name, as errors name it.
    pub(crate) sheet: String,
    /// Where the file put each column.
    pub(crate) header: Header,
    /// The data rows.
    pub(crate) rows: Vec<Row>,
}

/// One sheet of a kind's workbook: the names it goes by and its columns.
#[derive(Clone, Copy)]
pub(crate) struct SheetOf {
    /// Its names (Chinese first, then English).
    pub(crate) names: &'static [&'static str],
    /// Its columns.
    pub(crate) columns: &'static [Column],
}

/// Reads the sheet called one of `names` (blocking file work: run it off the runtime).
fn read(
    source: &Source,
    names: &[&str],
    columns: &'static [Column],
    progress: &Progress,
) -> Result<Table, FileError> {
    read_sheet(source, names, columns, false, progress)?.ok_or_else(|| FileError::EmptySheet {
        sheet: names.first().copied().unwrap_or_default().to_owned(),
    })
}

/// Reads a sheet; a `linked` one is found by name only, and `None` when the workbook lacks it.
fn read_sheet(
    source: &Source,
    names: &[&str],
    columns: &'static [Column],
    linked: bool,
    progress: &Progress,
) -> Result<Option<Table>, FileError> {
    let mut header: Option<Header> = None;
    let mut rows = Vec::new();
    let mut each = |row: Row| {
        let Some(known) = &header else {
            header = Some(Header::read(&row, columns)?);
            return Ok(());
        };
        let cells = (0..columns.len())
            .map(|index| known.cell(&row, index).to_owned())
            .collect();
        rows.push(Row {
            number: row.number,
            cells,
        });
        progress.row();
        Ok(())
    };
    let sheet = if linked {
        match source.read_named(names, &mut each)? {
            Some(sheet) => sheet,
            None => return Ok(None),
        }
    } else {
        source.read(names, &mut each)?
    };
    let header = header.ok_or_else(|| FileError::EmptySheet {
        sheet: sheet.clone(),
    })?;
    Ok(Some(Table {
        sheet,
        header,
        rows,
    }))
}

/// Reads a kind's workbook off the runtime: its `main` sheet (as [`read`] does) and each of
/// its `linked` sheets, found by name only; a workbook without a linked sheet (and every CSV
/// file) reads it as empty. Reading done, `progress` moves on to checking.
pub(crate) async fn read_workbook(
    source: Source,
    main: SheetOf,
    linked: &'static [SheetOf],
    progress: Arc<Progress>,
) -> Result<(Table, Vec<Table>), FileError> {
    tokio::task::spawn_blocking(move || {
        let table = read(&source, main.names, main.columns, &progress)?;
        let mut others = Vec::with_capacity(linked.len());
        for sheet in linked {
            let found = read_sheet(&source, sheet.names, sheet.columns, true, &progress)?;
            others.push(found.unwrap_or_else(|| Table {
                sheet: sheet.names.first().copied().unwrap_or_default().to_owned(),
                header: Header::absent(sheet.columns),
                rows: Vec::new(),
            }));
        }
        progress.enter(Phase::Checking);
        Ok((table, others))
    })
    .await
    .map_err(|error| FileError::Unreadable(error.to_string()))?
}

/// Reads the single sheet of a one-sheet kind (see [`read_workbook`]).
pub(crate) async fn read_one(
    source: Source,
    sheet: SheetOf,
    progress: Arc<Progress>,
) -> Result<Table, FileError> {
    Ok(read_workbook(source, sheet, &[], progress).await?.0)
}

impl Table {
    /// The error of column `column` (index into the kind's columns) in `row`.
    pub(crate) fn error(
        &self,
        columns: &[Column],
        row: &Row,
        column: usize,
        code: ErrorCode,
        message: String,
    ) -> RowError {
        let (name, letter) = self.header.locate(column);
        RowError {
            sheet: self.sheet.clone(),
            row: row.number,
            column: if name.is_empty() {
                columns[column].chinese.to_owned()
            } else {
                name
            },
            column_letter: letter,
            value: if columns[column].personal {
                String::new()
            } else {
                row.cells.get(column).cloned().unwrap_or_default()
            },
            message,
            code,
        }
    }
}

/// The (input field, message) of each of a field check's errors (`MemberFields::checked` and
/// the like), for the caller to map to its columns.
pub(crate) fn invalid_fields(errors: Vec<domain::DomainError>) -> Vec<(String, String)> {
    errors
        .into_iter()
        .map(|error| match error {
            domain::DomainError::Invalid { field, message } => (field, message),
            other => ("input".to_owned(), other.to_string()),
        })
        .collect()
}
