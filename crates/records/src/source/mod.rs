//! Opening an uploaded or given file and reading its rows, one at a time.
//!
//! The file's first bytes decide what it is, whatever its name says: a zip container is read
//! as XLSX (after [`guard`] has checked that it does not unpack to more than the limit), an OLE
//! container is an encrypted (or legacy .xls) workbook and refused, and anything else named
//! `.csv` — or that looks like text — is read as CSV.

mod csv;
mod guard;
mod xlsx;

use std::{
    fs::File,
    io::{Seek, SeekFrom},
};

use crate::FileError;

/// Reading limits; each has a setting (see the README, Loading real data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most data rows per sheet (`XIESHANG_IMPORT_MAX_ROWS`, 200,000).
    pub max_rows: usize,
    /// Most bytes an XLSX file may unpack to (`XIESHANG_IMPORT_MAX_UNPACKED_BYTES`, 256 MiB).
    pub max_unpacked_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rows: 200_000,
            max_unpacked_bytes: 256 * 1024 * 1024,
        }
    }
}

/// One row as read: its spreadsheet row number (1-based) and its cells as text, in column
/// order (empty strings for empty cells).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The row number a spreadsheet program shows.
    pub number: usize,
    /// The cells, as text (numbers in their shortest exact form, date cells as Excel serial
    /// numbers).
    pub cells: Vec<String>,
}

impl Row {
    /// Whether every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|cell| cell.trim().is_empty())
    }
}

/// An opened file.
#[derive(Debug)]
pub struct Source {
    file: File,
    format: Format,
    limits: Limits,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Xlsx,
    Csv,
}

/// Opens `file` (called `file_name` by its sender), refusing what cannot be a spreadsheet.
pub fn open(file_name: &str, file: File, limits: &Limits) -> Result<Source, FileError> {
    let head = guard::head(rewound(&file)?)?;
    let format = if head.starts_with(b"PK\x03\x04") {
        guard::check_zip(rewound(&file)?, limits.max_unpacked_bytes)?;
        Format::Xlsx
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(FileError::Encrypted);
    } else if head.is_empty() {
        return Err(FileError::EmptySheet {
            sheet: file_name.to_owned(),
        });
    } else if looks_like_text(&head) {
        Format::Csv
    } else {
        return Err(FileError::NotASpreadsheet);
    };
    Ok(Source {
        file,
        format,
        limits: limits.clone(),
    })
}

/// Text: no NUL bytes, and either valid UTF-8 or plausible GB18030 (no C0 controls besides
/// tabs and line breaks).
fn looks_like_text(head: &[u8]) -> bool {
    !head.is_empty()
        && head
            .iter()
            .all(|byte| *byte >= 0x20 || matches!(byte, b'\t' | b'\n' | b'\r'))
}

impl Source {
    /// Reads the sheet called one of `names` (for CSV, the only table; for XLSX, the first
    /// sheet so named, else the first sheet that is not an instructions or lists sheet), and
    /// hands `each` its rows in order, blank rows left out. `each` returning an error stops the
    /// reading with it. Returns the sheet's name.
    pub fn read(
        &self,
        names: &[&str],
        each: &mut dyn FnMut(Row) -> Result<(), FileError>,
    ) -> Result<String, FileError> {
        self.read_sheet(names, true, each)?
            .ok_or_else(|| FileError::EmptySheet {
                sheet: names.first().copied().unwrap_or_default().to_owned(),
            })
    }

    /// Reads the XLSX sheet called one of `names`, like [`Source::read`] but without falling
    /// back to another sheet: `None` when the workbook has no such sheet, and always for CSV,
    /// which holds one table only (the kind's main sheet).
    pub fn read_named(
        &self,
        names: &[&str],
        each: &mut dyn FnMut(Row) -> Result<(), FileError>,
    ) -> Result<Option<String>, FileError> {
        if self.format == Format::Csv {
            return Ok(None);
        }
        self.read_sheet(names, false, each)
    }

    fn read_sheet(
        &self,
        names: &[&str],
        first_data_sheet: bool,
        each: &mut dyn FnMut(Row) -> Result<(), FileError>,
    ) -> Result<Option<String>, FileError> {
        let mut counted = |row: Row, data_rows: &mut usize| -> Result<(), FileError> {
            if row.is_blank() {
                return Ok(());
            }
            // The header does not count towards the limit.
            if *data_rows > self.limits.max_rows {
                return Err(FileError::TooManyRows {
                    limit: self.limits.max_rows,
                });
            }
            *data_rows += 1;
            each(row)
        };
        let mut data_rows = 0;
        match self.format {
            Format::Csv => {
                csv::read(&self.file, &mut |row| counted(row, &mut data_rows))?;
                Ok(Some(names.first().copied().unwrap_or("CSV").to_owned()))
            }
            Format::Xlsx => xlsx::read(rewound(&self.file)?, names, first_data_sheet, &mut |row| {
                counted(row, &mut data_rows)
            }),
        }
    }
}

/// Another handle on `file`, at its start (handles share one position, so each pass rewinds).
pub(crate) fn rewound(file: &File) -> Result<File, FileError> {
    let mut handle = file
        .try_clone()
        .map_err(|error| FileError::Unreadable(error.to_string()))?;
    handle
        .seek(SeekFrom::Start(0))
        .map_err(|error| FileError::Unreadable(error.to_string()))?;
    Ok(handle)
}

/// The spreadsheet column letter of a 0-based index: 0 → `A`, 26 → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut index = index + 1;
    let mut letters = Vec::new();
    while index > 0 {
        let rest = (index - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rest).unwrap_or(0)));
        index = (index - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::column_letter;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
