//! `ImportJob`: a roster import sent through `importRecords`, polled with `importJob(id:)`.

use std::sync::Arc;

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::import_jobs::{ImportJob as JobRow, JobStatus};

use crate::{
    generation::{Generation, Row, Sibling},
    ids,
};

/// Jobs have no relationships to batch.
impl Row for JobRow {
    type Batches = ();
}

/// What a roster file holds; the command line's `<kind>` words in upper case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// 委员名册: members of committees.
    Members,
    /// 委员会客厅: lounges, keyed by (committee, 名称).
    Lounges,
    /// Lead and team members of lounges, keyed by (lounge, member, 起始日期).
    Memberships,
    /// 客厅活动: lounge activities with their host lounges and participants, keyed by
    /// (committee of the first host lounge, 活动编号).
    Activities,
    /// Past 协商 sessions with their participants, suggestions and follow-ups, keyed by
    /// (committee, 协商编号).
    Consultations,
}

impl From<ImportKind> for records::Kind {
    fn from(kind: ImportKind) -> Self {
        match kind {
            ImportKind::Members => records::Kind::Members,
            ImportKind::Lounges => records::Kind::Lounges,
            ImportKind::Memberships => records::Kind::Memberships,
            ImportKind::Activities => records::Kind::Activities,
            ImportKind::Consultations => records::Kind::Consultations,
        }
    }
}

impl ImportKind {
    fn parse(text: &str) -> Option<Self> {
        Some(match records::Kind::parse(text)? {
            records::Kind::Members => ImportKind::Members,
            records::Kind::Lounges => ImportKind::Lounges,
            records::Kind::Memberships => ImportKind::Memberships,
            records::Kind::Activities => ImportKind::Activities,
            records::Kind::Consultations => ImportKind::Consultations,
        })
    }
}

/// Where an import job is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportJobStatus {
    /// Accepted, not started.
    Queued,
    /// Reading, checking or writing.
    Running,
    /// Finished with a report. A report with errors means nothing was written.
    Succeeded,
    /// The file could not be imported at all; see `failure`.
    Failed,
}

/// One job of a generation of jobs.
#[derive(Clone)]
pub struct ImportJob {
    index: usize,
    generation: Arc<Generation<JobRow>>,
}

impl Sibling for ImportJob {
    type Row = JobRow;

    fn at(index: usize, generation: Arc<Generation<JobRow>>) -> Self {
        Self { index, generation }
    }
}

impl ImportJob {
    fn row(&self) -> &JobRow {
        self.generation.row(self.index)
    }
}

/// A roster import running in the background: poll it with `importJob(id:)` until its status
/// is SUCCEEDED or FAILED. Visible to whoever started it and to staff covering their committee.
#[Object]
impl ImportJob {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("ImportJob", self.row().id)
    }

    /// What the file holds; null only for a kind this version does not know.
    async fn kind(&self) -> Option<ImportKind> {
        ImportKind::parse(&self.row().kind)
    }

    /// Where the job is.
    async fn status(&self) -> ImportJobStatus {
        match JobStatus::parse(&self.row().status) {
            Some(JobStatus::Queued) | None => ImportJobStatus::Queued,
            Some(JobStatus::Running) => ImportJobStatus::Running,
            Some(JobStatus::Succeeded) => ImportJobStatus::Succeeded,
            Some(JobStatus::Failed) => ImportJobStatus::Failed,
        }
    }

    /// Data rows read so far (all of them once the job is past reading).
    async fn progress(&self) -> i64 {
        self.row().rows_read
    }

    /// The uploaded file's name.
    async fn file_name(&self) -> &str {
        &self.row().file_name
    }

    /// The import's region code, if one was given.
    async fn region_code(&self) -> Option<&str> {
        self.row().region_code.as_deref()
    }

    /// Whether the job only checked the file (nothing is written).
    async fn dry_run(&self) -> bool {
        self.row().dry_run
    }

    /// The report, once the job SUCCEEDED: counts, and errors pointing to the cell.
    async fn report(&self) -> Option<ImportReport> {
        let json = self.row().report.as_deref()?;
        serde_json::from_str::<records::Report>(json)
            .ok()
            .map(ImportReport::from)
    }

    /// Why the job FAILED (a file that is not a spreadsheet, encrypted, too large, …).
    async fn failure(&self) -> Option<ImportFailure> {
        Some(ImportFailure {
            code: self.row().error_code.clone()?,
            message: self.row().error_message.clone().unwrap_or_default(),
        })
    }

    /// When it was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }

    /// When it finished.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.row().finished_at
    }
}

/// Why a file could not be imported at all.
#[derive(SimpleObject)]
pub struct ImportFailure {
    /// A stable code: NOT_A_SPREADSHEET, ENCRYPTED_WORKBOOK, FILE_TOO_LARGE, EMPTY_SHEET,
    /// MISSING_COLUMNS, TOO_MANY_ROWS, UNREADABLE_FILE, UNKNOWN_REGION, CONFLICT,
    /// UNAUTHENTICATED, FORBIDDEN, INTERNAL.
    pub code: String,
    /// In words (Chinese, then English).
    pub message: String,
}

/// What an import did, or (with errors, or in a dry run) would have done.
#[derive(SimpleObject)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: i64,
    /// Records created (or that would have been).
    pub created: i64,
    /// Records updated (or that would have been).
    pub updated: i64,
    /// Rows equal to what is stored.
    pub unchanged: i64,
    /// The first 1,000 errors, in file order. Any error means nothing was written.
    pub errors: Vec<ImportCellError>,
    /// How many errors there were in all.
    pub error_count: i64,
    /// The first 1,000 warnings (accepted, worth a look).
    pub warnings: Vec<ImportCellError>,
    /// How many warnings there were in all.
    pub warning_count: i64,
    /// Whether anything was written.
    pub written: bool,
}

/// One bad (or doubtful) cell.
#[derive(SimpleObject)]
pub struct ImportCellError {
    /// The sheet.
    pub sheet: String,
    /// The spreadsheet row number (the header is row 1).
    pub row: i64,
    /// The column's header as the file has it.
    pub column: String,
    /// The column letter, e.g. `C`.
    pub column_letter: String,
    /// The cell's value as read.
    pub value: String,
    /// What is wrong, in Chinese, e.g. `性别 '男性' 不是 男/女 之一`.
    pub message: String,
    /// A stable code: REQUIRED, INVALID_ENUM, INVALID_DATE, INVALID_NUMBER, INVALID_VALUE,
    /// DUPLICATE_KEY, UNKNOWN_REGION, UNKNOWN_LOUNGE, UNKNOWN_MEMBER, UNKNOWN_RECORD, OUT_OF_SCOPE,
    /// LOOKS_LIKE_EXISTING, NOT_MOBILE (a warning).
    pub code: String,
}

fn count(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl From<records::RowError> for ImportCellError {
    fn from(error: records::RowError) -> Self {
        Self {
            code: error.code.as_str().to_owned(),
            sheet: error.sheet,
            row: count(error.row),
            column: error.column,
            column_letter: error.column_letter,
            value: error.value,
            message: error.message,
        }
    }
}

impl From<records::Report> for ImportReport {
    fn from(report: records::Report) -> Self {
        Self {
            rows: count(report.rows),
            created: count(report.created),
            updated: count(report.updated),
            unchanged: count(report.unchanged),
            errors: report.errors.into_iter().map(Into::into).collect(),
            error_count: count(report.error_count),
            warnings: report.warnings.into_iter().map(Into::into).collect(),
            warning_count: count(report.warning_count),
            written: report.written,
        }
    }
}
