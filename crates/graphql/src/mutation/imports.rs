//! `importRecords`: a roster file (GraphQL multipart request) imported as a background job.
//!
//! The request only stores the job and hands the file to a task; reading, checking and writing
//! run outside the request (and its timeout), the writing in one transaction. The task records
//! the import in the audit log (`importRecordsJob`, in the transaction that writes) besides the
//! mutation's own row.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject, Upload};
use domain::{
    Actor, Db,
    audit::{self, ActorInfo, RequestInfo, Scope},
    import_jobs::{self, Ending, NewJob},
};

use super::user_error::{UserError, outcome};
use crate::{
    error::Result,
    generation::Sibling,
    types::import_job::{ImportJob, ImportKind},
};

/// Input of `importRecords`.
#[derive(InputObject)]
pub struct ImportRecordsInput {
    /// What the file holds.
    pub kind: ImportKind,
    /// The .xlsx or .csv file (UTF-8 with or without BOM, or GB18030), sent as a multipart
    /// request with the `X-Xieshang-Upload: 1` header.
    pub file: Upload,
    /// The committee of rows without a 委员会代码, and the subtree every row must lie in.
    pub region_code: Option<String>,
    /// Check and report only; write nothing.
    pub dry_run: Option<bool>,
}

/// Result of `importRecords`.
#[derive(SimpleObject)]
pub struct ImportRecordsPayload {
    /// The job; poll `importJob(id:)` until it SUCCEEDED or FAILED. Null when refused.
    pub job: Option<ImportJob>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Roster imports.
#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports a roster file for staff within their scope: every row is checked (as the
    /// mutations check it), then all are written in one transaction, or — with any error, or a
    /// dry run — nothing. Runs as a job; the report names each bad cell.
    async fn import_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and how to import it.")] input: ImportRecordsInput,
    ) -> Result<ImportRecordsPayload> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        let kind = records::Kind::from(input.kind);
        let upload = input.file.value(ctx).map_err(|error| {
            crate::ErrorCode::BadUserInput.error(format!("the uploaded file: {error}"))
        })?;
        let dry_run = input.dry_run.unwrap_or(false);
        let created = import_jobs::create(
            db,
            actor,
            NewJob {
                kind: kind.as_str().to_owned(),
                file_name: upload.filename.clone(),
                region_code: input.region_code.clone(),
                dry_run,
            },
        )
        .await;
        let (job, user_errors) = outcome(created)?;
        let Some(job) = job else {
            return Ok(ImportRecordsPayload {
                job: None,
                user_errors,
            });
        };
        let run = Run {
            db: db.clone(),
            actor: actor.clone(),
            request: ctx.data_opt::<RequestInfo>().cloned().unwrap_or_default(),
            job: job.id,
            kind,
            file_name: upload.filename,
            options: records::ImportOptions {
                region_code: input.region_code,
                dry_run,
                limits: ctx
                    .data_opt::<records::Limits>()
                    .cloned()
                    .unwrap_or_default(),
            },
        };
        tokio::spawn(run.run(upload.content));
        Ok(ImportRecordsPayload {
            job: Some(ImportJob::single(job)),
            user_errors,
        })
    }
}

/// One job's work, off the request.
struct Run {
    db: Db,
    actor: Actor,
    request: RequestInfo,
    job: i64,
    kind: records::Kind,
    file_name: String,
    options: records::ImportOptions,
}

impl Run {
    async fn run(self, file: std::fs::File) {
        if let Err(error) = import_jobs::progress(&self.db, self.job, 0).await {
            tracing::warn!(%error, job = self.job, "could not mark the import job running");
        }
        let scope = Scope::new(
            "importRecordsJob",
            ActorInfo::of(&self.actor),
            self.request.clone(),
            serde_json::json!({
                "job": self.job, "kind": self.kind.as_str(), "file": self.file_name,
                "regionCode": self.options.region_code, "dryRun": self.options.dry_run,
            }),
            Vec::new(),
        );
        let progress = Arc::new(records::Progress::default());
        let ticker = tokio::spawn(report_progress(
            self.db.clone(),
            self.job,
            Arc::clone(&progress),
        ));
        let imported = audit::within(
            Arc::clone(&scope),
            records::import(
                &self.db,
                &self.actor,
                self.kind,
                &self.file_name,
                file,
                &self.options,
                &progress,
            ),
        )
        .await;
        // Stopped for good before the job's end is recorded, so that a late progress update
        // cannot mark a finished job RUNNING again.
        ticker.abort();
        let _ = ticker.await;
        if let Err(error) = records::record_unwritten(&self.db, &scope, &imported).await {
            tracing::error!(%error, "could not record an import in the audit log");
        }
        let ending = match imported {
            Ok(report) => Ending::Report {
                json: serde_json::to_string(&report).unwrap_or_default(),
                rows: report.rows,
            },
            // What went wrong inside stays in the log; the job says only that it did.
            Err(records::FileError::Storage(detail)) => {
                tracing::error!(job = self.job, %detail, "an import job failed");
                Ending::Failure {
                    code: "INTERNAL".to_owned(),
                    message: "internal error".to_owned(),
                }
            }
            Err(error) => Ending::Failure {
                code: error.code().to_owned(),
                message: error.to_string(),
            },
        };
        if let Err(error) = import_jobs::finish(&self.db, self.job, ending).await {
            tracing::error!(%error, job = self.job, "could not record the end of an import job");
        }
    }
}

/// How often a running job's row count is written to its row while the file is read.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Writes the rows read so far to the job's row, once a second while the file is being read,
/// so that `importJob(id:)` shows the count growing; stops when checking begins (the count is
/// final then, and the write phase must not wait for this task's updates).
async fn report_progress(db: Db, job: i64, progress: Arc<records::Progress>) {
    let mut shown = 0;
    loop {
        tokio::time::sleep(PROGRESS_EVERY).await;
        let rows = progress.rows_read();
        if rows != shown {
            shown = rows;
            if let Err(error) = import_jobs::progress(&db, job, rows).await {
                tracing::warn!(%error, job, "could not record an import job's progress");
            }
        }
        if progress.phase() > records::Phase::Reading {
            if let Err(error) = import_jobs::progress(&db, job, progress.rows_read()).await {
                tracing::warn!(%error, job, "could not record an import job's progress");
            }
            return;
        }
    }
}
