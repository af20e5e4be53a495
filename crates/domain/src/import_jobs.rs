//! Roster imports sent through the API run as jobs (`import_jobs`): created QUEUED by the
//! request, RUNNING while the replica that received the file works on it, then SUCCEEDED (with
//! the report, errors included: a file with bad cells is a finished job that wrote nothing) or
//! FAILED (a file that could not be read, or storage trouble). Any replica answers a poll.
//!
//! A job shows its report — which quotes cells, possibly personal data — only to whoever
//! started it (the same subject, in the same committee) and to staff covering that committee.

use std::collections::HashMap;

use chrono::Utc;
use entity::import_job;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::{Actor, Db, DomainError};

/// An import job as stored.
pub type ImportJob = import_job::Model;

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// Accepted, not started.
    Queued,
    /// Reading, checking or writing.
    Running,
    /// Finished with a report (which may list errors: then nothing was written).
    Succeeded,
    /// The file could not be imported at all.
    Failed,
}

impl JobStatus {
    /// The stored (and GraphQL) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "QUEUED",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// What a new job is.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// The kind (`members`, …).
    pub kind: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// The import's region.
    pub region_code: Option<String>,
    /// Check only.
    pub dry_run: bool,
}

/// Records a QUEUED job started by `actor` (staff only).
pub async fn create(db: &Db, actor: &Actor, job: NewJob) -> Result<ImportJob, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if !principal.role.is_staff() {
        return Err(DomainError::Forbidden(
            "only committee staff import records".to_owned(),
        ));
    }
    let transaction = db.begin_write().await?;
    let created = import_job::ActiveModel {
        kind: Set(job.kind),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        file_name: Set(job.file_name.chars().take(255).collect()),
        region_code: Set(job.region_code),
        dry_run: Set(job.dry_run),
        actor_issuer: Set(principal.issuer.clone()),
        actor_subject: Set(principal.subject.clone()),
        actor_scope: Set(serde_json::to_string(&[principal.region_id]).unwrap_or_default()),
        rows_read: Set(0),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    db.commit(transaction).await?;
    Ok(created)
}

/// Marks the job RUNNING with `rows_read` rows read so far.
pub async fn progress(db: &Db, id: i64, rows_read: usize) -> Result<(), DomainError> {
    let transaction = db.begin_write().await?;
    import_job::ActiveModel {
        id: Set(id),
        status: Set(JobStatus::Running.as_str().to_owned()),
        rows_read: Set(i64::try_from(rows_read).unwrap_or(i64::MAX)),
        ..Default::default()
    }
    .update(&transaction)
    .await?;
    db.commit(transaction).await?;
    Ok(())
}

/// How a job ended.
#[derive(Clone, Debug)]
pub enum Ending {
    /// With a report (JSON) and the rows it read.
    Report {
        /// The report as JSON.
        json: String,
        /// Data rows read.
        rows: usize,
    },
    /// Without one.
    Failure {
        /// A stable code.
        code: String,
        /// In words.
        message: String,
    },
}

/// Marks the job SUCCEEDED or FAILED.
pub async fn finish(db: &Db, id: i64, ending: Ending) -> Result<(), DomainError> {
    let mut row = import_job::ActiveModel {
        id: Set(id),
        finished_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    match ending {
        Ending::Report { json, rows } => {
            row.status = Set(JobStatus::Succeeded.as_str().to_owned());
            row.report = Set(Some(json));
            row.rows_read = Set(i64::try_from(rows).unwrap_or(i64::MAX));
        }
        Ending::Failure { code, message } => {
            row.status = Set(JobStatus::Failed.as_str().to_owned());
            row.error_code = Set(Some(code));
            row.error_message = Set(Some(message));
        }
    }
    let transaction = db.begin_write().await?;
    row.update(&transaction).await?;
    db.commit(transaction).await?;
    Ok(())
}

/// The jobs with these ids that `actor` may see: its starter's, or any whose starter's region
/// the actor covers as staff.
pub async fn by_ids(
    db: &Db,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, ImportJob>, DomainError> {
    let Some(principal) = actor.principal() else {
        return Ok(HashMap::new());
    };
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = import_job::Entity::find()
        .filter(import_job::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .filter(|job| {
            let scope: Vec<i64> = serde_json::from_str(&job.actor_scope).unwrap_or_default();
            // Service tokens of different committees may share a subject: the starter is the
            // same subject acting in the same committee, and still staff (the report quotes
            // cells, contact data among them).
            let starter = principal.role.is_staff()
                && job.actor_subject == principal.subject
                && job.actor_issuer == principal.issuer
                && scope.first() == Some(&principal.region_id);
            let staff =
                !scope.is_empty() && scope.iter().all(|region| actor.is_staff_covering(*region));
            starter || staff
        })
        .map(|job| (job.id, job))
        .collect())
}

/// Deletes the jobs started more than `retention` ago, whatever their status: a report quotes
/// cells (possibly personal data) and is kept only that long, and a job still RUNNING then died
/// with its replica. Returns how many were deleted.
pub async fn prune(db: &Db, retention: std::time::Duration) -> Result<u64, DomainError> {
    let retention = chrono::Duration::from_std(retention).map_err(|_| {
        DomainError::Config(format!("import job retention {retention:?} is too long"))
    })?;
    let cutoff = Utc::now() - retention;
    let transaction = db.begin_write().await?;
    let deleted = import_job::Entity::delete_many()
        .filter(import_job::Column::CreatedAt.lt(cutoff))
        .exec(&transaction)
        .await?
        .rows_affected;
    db.commit(transaction).await?;
    Ok(deleted)
}

/// Runs [`prune`] now and then every `interval` until `stop` turns true.
pub async fn prune_periodically(
    db: Db,
    retention: std::time::Duration,
    interval: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match prune(&db, retention).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "import job retention: deleted old jobs"),
            Err(error) => tracing::warn!(%error, "import job retention: pruning failed"),
        }
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
