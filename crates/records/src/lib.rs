//! Roster import and export: the spreadsheets committees keep (委员名册, lounge lists, records of
//! past 协商 sessions), read and written in one place for the command line and the API.
//!
//! * [`source`] reads what people actually send — XLSX, or CSV in UTF-8 (with or without a BOM)
//!   or GB18030 — row by row, refusing files that are not spreadsheets, encrypted, empty,
//!   too long or zip bombs with a [`FileError`].
//! * [`cell`] turns typed cells into values: trimmed, NFKC only where it is safe (codes,
//!   numbers, dates, phones, e-mail addresses), dates in the forms Excel users type, and
//!   enumerations by code or Chinese label.
//! * Each kind ([`members`], [`lounges`], [`memberships`], [`consultations`]) maps its columns (Chinese headers first, English accepted), checks
//!   every row with the same field checks as the mutations, plans creates and updates by the
//!   kind's key, and writes through the domain in one transaction — or writes nothing and
//!   returns a [`Report`] whose errors point to the cell.
//! * [`workbook`] writes exports and templates (instructions sheet, drop-downs, example row).

pub mod activities;
pub mod cell;
mod columns;
pub mod consultations;
pub mod kind;
pub mod lounges;
pub mod members;
pub mod memberships;
pub mod progress;
pub mod report;
mod scope;
pub mod source;
mod table;
pub mod workbook;

pub use kind::Kind;
pub use progress::{Phase, Progress};
pub use report::{ErrorCode, FileError, Report, RowError};
pub use source::Limits;

use std::sync::Arc;

use domain::{Actor, Db};

/// How an import runs.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The committee rows without a region column belong to, and the subtree every row must
    /// lie in (`--region`, `regionCode`).
    pub region_code: Option<String>,
    /// Check and plan, report what would change, write nothing.
    pub dry_run: bool,
    /// Reading limits.
    pub limits: Limits,
}

/// Imports `file` (named `file_name` by its sender) as `kind` for `actor`:
/// every row checked, then all of it written in one transaction, or — with any error, or a
/// dry run — nothing. A file that cannot be read at all is a [`FileError`]. `progress` counts the
/// rows as they are read and names the phase; it is [`Phase::Done`] when this returns.
pub async fn import(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    file_name: &str,
    file: std::fs::File,
    options: &ImportOptions,
    progress: &Arc<Progress>,
) -> Result<Report, FileError> {
    let report = match source::open(file_name, file, &options.limits) {
        Ok(source) => import_source(db, actor, kind, source, options, progress).await,
        Err(error) => Err(error),
    };
    progress.enter(Phase::Done);
    report
}

async fn import_source(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    source: source::Source,
    options: &ImportOptions,
    progress: &Arc<Progress>,
) -> Result<Report, FileError> {
    match kind {
        Kind::Members => members::import(db, actor, source, options, progress).await,
        Kind::Lounges => lounges::import(db, actor, source, options, progress).await,
        Kind::Memberships => memberships::import(db, actor, source, options, progress).await,
        Kind::Activities => activities::import(db, actor, source, options, progress).await,
        Kind::Consultations => consultations::import(db, actor, source, options, progress).await,
    }
}

/// Records in the audit log how an import of `scope` that wrote nothing ended (a write records
/// itself, in its own transaction): a refused caller as FORBIDDEN or UNAUTHENTICATED; a file
/// that could not be imported, or a report with errors, as USER_ERRORS; a dry run or a file that
/// changed nothing as OK. The command line and the API jobs both end this way.
pub async fn record_unwritten(
    db: &Db,
    scope: &Arc<domain::audit::Scope>,
    outcome: &Result<Report, FileError>,
) -> Result<(), domain::DomainError> {
    use domain::audit::{self, Outcome};
    let refused = match outcome {
        Ok(report) if report.written => return Ok(()),
        Ok(report) => report.error_count > 0,
        Err(FileError::Forbidden) => {
            return audit::finish(db, scope, Some(Outcome::Forbidden)).await;
        }
        Err(FileError::Unauthenticated) => {
            return audit::finish(db, scope, Some(Outcome::Unauthenticated)).await;
        }
        Err(_) => true,
    };
    if refused {
        audit::within(Arc::clone(scope), async { audit::note_user_errors() }).await;
    }
    audit::finish(db, scope, None).await
}

/// The export of `kind` for the subtree of `region_code`, as an XLSX workbook that imports
/// back unchanged.
pub async fn export(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    region_code: &str,
) -> Result<Vec<u8>, FileError> {
    match kind {
        Kind::Members => members::export(db, actor, region_code).await,
        Kind::Lounges => lounges::export(db, actor, region_code).await,
        Kind::Memberships => memberships::export(db, actor, region_code).await,
        Kind::Activities => activities::export(db, actor, region_code).await,
        Kind::Consultations => consultations::export(db, actor, region_code).await,
    }
}

/// The empty template of `kind`: header row, instructions, drop-downs, one example row.
pub fn template(kind: Kind) -> Result<Vec<u8>, FileError> {
    match kind {
        Kind::Members => members::template(),
        Kind::Lounges => lounges::template(),
        Kind::Memberships => memberships::template(),
        Kind::Activities => activities::template(),
        Kind::Consultations => consultations::template(),
    }
}
