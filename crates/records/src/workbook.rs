//! Writing exports and templates as XLSX: a data sheet (header row, rows as text so that
//! nothing is read as a formula or loses a leading zero), drop-downs for enumerations, and an
//! instructions sheet (说明) that lists every column and the accepted values.

use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use crate::{FileError, columns::Column};

/// The most rows a drop-down covers (the template's and export's data area).
const VALIDATED_ROWS: u32 = 200_000;

/// What one data sheet holds.
pub(crate) struct SheetSpec<'a> {
    /// The sheet's name (`委员`).
    pub(crate) name: &'a str,
    /// The columns, in order.
    pub(crate) columns: &'a [Column],
    /// Per column index: the labels its drop-down offers.
    pub(crate) choices: &'a [(usize, Vec<&'static str>)],
    /// The rows, each a cell per column.
    pub(crate) rows: &'a [Vec<String>],
    /// What the instructions sheet says first.
    pub(crate) about: &'a str,
}

/// The workbook of `sheet` and its instructions.
pub(crate) fn write(sheet: &SheetSpec<'_>) -> Result<Vec<u8>, FileError> {
    write_sheets(std::slice::from_ref(sheet))
}

/// The workbook of several linked data sheets (the first is the kind's main sheet) and one
/// instructions sheet that describes them all.
pub(crate) fn write_sheets(sheets: &[SheetSpec<'_>]) -> Result<Vec<u8>, FileError> {
    build(sheets).map_err(|error| FileError::Storage(format!("writing the workbook: {error}")))
}

fn build(sheets: &[SheetSpec<'_>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    // A fixed creation time: exporting the same records twice gives the same bytes.
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for sheet in sheets {
        let data = workbook.add_worksheet();
        data.set_name(sheet.name)?;
        for (index, column) in sheet.columns.iter().enumerate() {
            let col = col(index);
            let header = if column.required {
                format!("{}*", column.chinese)
            } else {
                column.chinese.to_owned()
            };
            data.write_string_with_format(0, col, header, &bold)?;
            data.set_column_width(col, 16)?;
            data.set_column_format(col, &text)?;
        }
        data.set_freeze_panes(1, 0)?;
        for (number, row) in sheet.rows.iter().enumerate() {
            let at = u32::try_from(number + 1).unwrap_or(u32::MAX);
            for (index, value) in row.iter().enumerate() {
                if !value.is_empty() {
                    data.write_string(at, col(index), value)?;
                }
            }
        }
        for (index, labels) in sheet.choices {
            add_choices(data, col(*index), labels)?;
        }
    }
    let about = workbook.add_worksheet();
    about.set_name("说明")?;
    let mut at = 0_u32;
    for sheet in sheets {
        if sheets.len() > 1 {
            about.write_string_with_format(at, 0, format!("工作表“{}”", sheet.name), &bold)?;
            at += 1;
        }
        about.write_string(at, 0, sheet.about)?;
        at += 2;
        for (offset, header) in ["列 (column)", "English", "必填 (required)", "说明 (notes)"]
            .iter()
            .enumerate()
        {
            about.write_string_with_format(at, col(offset), *header, &bold)?;
        }
        at += 1;
        for (index, column) in sheet.columns.iter().enumerate() {
            about.write_string(at, 0, column.chinese)?;
            about.write_string(at, 1, column.english)?;
            about.write_string(at, 2, if column.required { "是" } else { "否" })?;
            let mut help = column.help.to_owned();
            if let Some((_, labels)) = sheet.choices.iter().find(|(choice, _)| *choice == index) {
                help.push_str(&format!(" 可选值：{}", labels.join("、")));
            }
            about.write_string(at, 3, help)?;
            at += 1;
        }
        at += 1;
    }
    about.set_column_width(0, 22)?;
    about.set_column_width(3, 80)?;
    workbook.save_to_buffer()
}

fn add_choices(sheet: &mut Worksheet, column: u16, labels: &[&str]) -> Result<(), XlsxError> {
    let validation = DataValidation::new()
        .allow_list_strings(labels)?
        .ignore_blank(true);
    sheet.add_data_validation(1, column, VALIDATED_ROWS, column, &validation)?;
    Ok(())
}

fn col(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}
