//! XLSX, read cell by cell from the worksheet's XML (only the shared-strings table is held).

use std::{fs::File, io::BufReader};

use calamine::{DataRef, Reader, Xlsx};

use super::Row;
use crate::FileError;

/// Sheets that hold instructions or drop-down lists, never data.
const NOT_DATA: [&str; 4] = ["说明", "instructions", "选项", "lists"];

/// Reads the sheet called one of `names` — or, when `first_data_sheet` and no sheet is so
/// called, the first data sheet; returns its name, or `None` when there is no such sheet.
pub(super) fn read(
    file: File,
    names: &[&str],
    first_data_sheet: bool,
    each: &mut dyn FnMut(Row) -> Result<(), FileError>,
) -> Result<Option<String>, FileError> {
    let mut workbook: Xlsx<_> = Xlsx::new(BufReader::new(file)).map_err(unreadable)?;
    let sheets = workbook.sheet_names();
    let named = sheets
        .iter()
        .find(|sheet| names.iter().any(|name| sheet.trim() == *name));
    let sheet = match named {
        Some(sheet) => sheet.clone(),
        None if first_data_sheet => sheets
            .iter()
            .find(|sheet| {
                !NOT_DATA
                    .iter()
                    .any(|skip| sheet.trim().eq_ignore_ascii_case(skip))
            })
            .cloned()
            .ok_or_else(|| FileError::EmptySheet {
                sheet: names.first().copied().unwrap_or_default().to_owned(),
            })?,
        None => return Ok(None),
    };
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(unreadable)?;
    let mut current: Option<Row> = None;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let number = usize::try_from(row).unwrap_or(usize::MAX).saturating_add(1);
        let column = usize::try_from(column).unwrap_or(usize::MAX);
        if current.as_ref().is_some_and(|open| open.number != number)
            && let Some(done) = current.take()
        {
            each(done)?;
        }
        let open = current.get_or_insert_with(|| Row {
            number,
            cells: Vec::new(),
        });
        // A sheet may claim a cell in column XFD: no real roster is that wide.
        if column > 1_000 {
            continue;
        }
        if open.cells.len() <= column {
            open.cells.resize(column + 1, String::new());
        }
        open.cells[column] = text(cell.get_value());
    }
    if let Some(done) = current {
        each(done)?;
    }
    Ok(Some(sheet))
}

/// A cell as text: numbers in their shortest exact form (a whole number without `.0`, so that
/// a phone typed as a number stays a phone), date cells as Excel serial numbers.
fn text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) => float(*number),
        DataRef::String(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(date) => float(date.as_f64()),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(error) => format!("#{error:?}"),
        DataRef::Empty => String::new(),
    }
}

fn float(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

fn unreadable(error: calamine::XlsxError) -> FileError {
    FileError::Unreadable(error.to_string())
}
