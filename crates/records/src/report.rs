//! What an import says back: counts, and errors that point to the cell.

use serde::{Deserialize, Serialize};

/// The most errors a report lists; [`Report::error_count`] gives the total.
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// The outcome of an import (or a dry run): the same shape from the command line and the API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Data rows read.
    pub rows: usize,
    /// Records created (or, in a dry run or with errors, that would have been).
    pub created: usize,
    /// Records updated.
    pub updated: usize,
    /// Rows equal to what is stored.
    pub unchanged: usize,
    /// The first [`MAX_LISTED_ERRORS`] errors, in file order.
    pub errors: Vec<RowError>,
    /// How many errors there were in all.
    pub error_count: usize,
    /// The first [`MAX_LISTED_ERRORS`] things accepted but worth a look (a valid phone that is
    /// not a mainland mobile number).
    pub warnings: Vec<RowError>,
    /// How many warnings there were in all.
    pub warning_count: usize,
    /// Whether anything was written: false for a dry run and whenever there are errors.
    pub written: bool,
}

impl Report {
    /// The report of a file of `rows` data rows, before any is checked.
    pub fn of_rows(rows: usize) -> Self {
        Self {
            rows,
            ..Self::default()
        }
    }

    /// Records an error (listed while under the cap, always counted).
    pub fn error(&mut self, error: RowError) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(error);
        }
    }

    /// Records a warning (listed while under the cap).
    pub fn warning(&mut self, warning: RowError) {
        self.warning_count += 1;
        if self.warnings.len() < MAX_LISTED_ERRORS {
            self.warnings.push(warning);
        }
    }
}

/// One bad (or doubtful) cell: `成员!C17: 性别 '男性' 不是 男/女 之一`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// The sheet (for a CSV file, the file's kind name).
    pub sheet: String,
    /// The spreadsheet row number (the header is row 1).
    pub row: usize,
    /// The column's header as the file has it (empty for a whole-row problem).
    pub column: String,
    /// The column letter (`C`); empty for a whole-row problem.
    pub column_letter: String,
    /// The cell's value as read.
    pub value: String,
    /// What is wrong, in Chinese.
    pub message: String,
    /// A stable code.
    pub code: ErrorCode,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}!{}{}: {}",
            self.sheet, self.column_letter, self.row, self.message
        )
    }
}

/// Why a cell or row was refused (or warned about).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// A required cell is empty.
    Required,
    /// Not one of the enumeration's codes or labels.
    InvalidEnum,
    /// Not a date in an accepted form.
    InvalidDate,
    /// Not a whole number.
    InvalidNumber,
    /// Refused by the field's check (length, format), as the mutation would refuse it.
    InvalidValue,
    /// The same key twice in the file.
    DuplicateKey,
    /// No region has this code.
    UnknownRegion,
    /// The row's committee lies outside the caller's scope or the import's region.
    OutOfScope,
    /// A keyless row that matches an existing record: it would be a silent duplicate.
    LooksLikeExisting,
    /// A valid phone that is not a mainland mobile number (a warning).
    NotMobile,
    /// No lounge of that name in that committee.
    UnknownLounge,
    /// No member with that number in that committee.
    UnknownMember,
    /// A linked sheet's row names a 协商编号 or 活动编号 (or a suggestion's 序号) that the
    /// file's main sheet does not have.
    UnknownRecord,
}

impl ErrorCode {
    /// The code as reports and GraphQL spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "REQUIRED",
            ErrorCode::InvalidEnum => "INVALID_ENUM",
            ErrorCode::InvalidDate => "INVALID_DATE",
            ErrorCode::InvalidNumber => "INVALID_NUMBER",
            ErrorCode::InvalidValue => "INVALID_VALUE",
            ErrorCode::DuplicateKey => "DUPLICATE_KEY",
            ErrorCode::UnknownRegion => "UNKNOWN_REGION",
            ErrorCode::OutOfScope => "OUT_OF_SCOPE",
            ErrorCode::LooksLikeExisting => "LOOKS_LIKE_EXISTING",
            ErrorCode::NotMobile => "NOT_MOBILE",
            ErrorCode::UnknownLounge => "UNKNOWN_LOUNGE",
            ErrorCode::UnknownMember => "UNKNOWN_MEMBER",
            ErrorCode::UnknownRecord => "UNKNOWN_RECORD",
        }
    }
}

/// A file that cannot be imported at all (nothing is read, nothing written), or a request that
/// cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Neither an XLSX workbook nor a CSV file.
    #[error(
        "不是电子表格：请上传 .xlsx 或 .csv 文件 (not a spreadsheet: send an .xlsx or .csv file)"
    )]
    NotASpreadsheet,
    /// A password-protected workbook (or a legacy .xls one, which looks the same).
    #[error(
        "工作簿已加密或为旧版 .xls 格式：请去掉密码并另存为 .xlsx (an encrypted or legacy .xls workbook: remove the password and save as .xlsx)"
    )]
    Encrypted,
    /// A workbook whose contents unpack to more than the limit, or pack too tightly to be a
    /// spreadsheet.
    #[error("文件解压后过大，拒绝读取 (the file unpacks to more than {limit} bytes)")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The sheet has no header row.
    #[error("工作表“{sheet}”是空的 (the sheet is empty)")]
    EmptySheet {
        /// The sheet.
        sheet: String,
    },
    /// Required columns are missing from the header row.
    #[error("缺少必填列 (missing required columns): {}", .columns.join(", "))]
    MissingColumns {
        /// The missing columns' Chinese headers.
        columns: Vec<String>,
    },
    /// More data rows than the limit.
    #[error("行数超过上限 {limit} (more than {limit} rows)")]
    TooManyRows {
        /// The limit.
        limit: usize,
    },
    /// The file could not be read as what it claims to be.
    #[error("无法读取文件 (unreadable file): {0}")]
    Unreadable(String),
    /// A region code that names no region.
    #[error("没有代码为 {0} 的行政区 (no region has code {0})")]
    UnknownRegion(String),
    /// The caller may not import or export this.
    #[error("无权操作该范围的数据 (outside your scope)")]
    Forbidden,
    /// A caller without credentials.
    #[error("请先登录 (sign in first)")]
    Unauthenticated,
    /// A record the import updates changed while the file was being checked: nothing was
    /// written; importing the file again plans against the new state.
    #[error("导入期间数据已被修改，请重新导入 (changed meanwhile; import again): {0}")]
    Conflict(String),
    /// Storage failed.
    #[error("数据库错误 (storage error): {0}")]
    Storage(String),
}

impl FileError {
    /// A stable code, for GraphQL `extensions.code` and the command line.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::NotASpreadsheet => "NOT_A_SPREADSHEET",
            FileError::Encrypted => "ENCRYPTED_WORKBOOK",
            FileError::TooLarge { .. } => "FILE_TOO_LARGE",
            FileError::EmptySheet { .. } => "EMPTY_SHEET",
            FileError::MissingColumns { .. } => "MISSING_COLUMNS",
            FileError::TooManyRows { .. } => "TOO_MANY_ROWS",
            FileError::Unreadable(_) => "UNREADABLE_FILE",
            FileError::UnknownRegion(_) => "UNKNOWN_REGION",
            FileError::Forbidden => "FORBIDDEN",
            FileError::Unauthenticated => "UNAUTHENTICATED",
            FileError::Conflict(_) => "CONFLICT",
            FileError::Storage(_) => "INTERNAL",
        }
    }
}

impl From<domain::DomainError> for FileError {
    fn from(error: domain::DomainError) -> Self {
        match error {
            domain::DomainError::Forbidden(_) => FileError::Forbidden,
            domain::DomainError::Unauthenticated => FileError::Unauthenticated,
            domain::DomainError::Busy => FileError::Storage("the database is busy".into()),
            domain::DomainError::Conflict(message) => FileError::Conflict(message),
            other => FileError::Storage(other.to_string()),
        }
    }
}
