//! `xieshang import`, `xieshang export` and `xieshang template`: the roster files of the
//! `records` crate from the command line, run by an operator on the server's machine with
//! PROVINCE_STAFF rights over `--region` (or every province). Imports and exports leave audit
//! rows (`importRecords`, `exportRecords`) like their API counterparts. On the embedded SQLite
//! database an import writes, so it runs only while no server holds the file.

use std::{io::Write as _, path::Path, sync::Arc};

use anyhow::Context as _;
use domain::{Actor, Db, Principal, Role, audit};
use records::{ImportOptions, Kind, Report};

use crate::{commands::connect, config::DatabaseConfig};

/// Who the command line acts as, in audit rows and events.
const OPERATOR: &str = "xieshang (command line)";

/// The kind named on the command line.
pub fn kind(text: &str) -> anyhow::Result<Kind> {
    Kind::parse(text).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown kind {text:?}: expected one of {}",
            Kind::ALL.map(Kind::as_str).join(", ")
        )
    })
}

/// `xieshang import <kind> FILE [--region CODE] [--dry-run]`: prints the report; fails when
/// it has errors (nothing was written then).
pub async fn import(
    database: &DatabaseConfig,
    kind: Kind,
    file: &Path,
    region: Option<String>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let db = connect(database).await?;
    let _process_lock = if database.is_embedded() && !dry_run {
        Some(
            crate::single_process::lock_sqlite_file(&database.sqlite_path).map_err(|error| {
                anyhow::anyhow!(
                    "{error}\n`xieshang import` writes to the database: stop the server first, \
                     or import through the `importRecords` mutation"
                )
            })?,
        )
    } else {
        None
    };
    db.migrate().await?;
    let actor = operator(&db, region.as_deref()).await?;
    let options = ImportOptions {
        region_code: region.clone(),
        dry_run,
        limits: crate::config::import_limits()?,
    };
    let file_name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let scope = audit::Scope::new(
        "importRecords",
        audit::ActorInfo::of(&actor),
        audit::RequestInfo::default(),
        audit::summary::summarize(serde_json::json!({
            "kind": kind.as_str(), "file": file_name, "regionCode": region, "dryRun": dry_run,
        })),
        Vec::new(),
    );
    let progress = Arc::new(records::Progress::default());
    let shown = tokio::spawn(show_progress(Arc::clone(&progress)));
    let opened =
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let imported = audit::within(
        Arc::clone(&scope),
        records::import(&db, &actor, kind, &file_name, opened, &options, &progress),
    )
    .await;
    let _ = shown.await;
    if let Err(error) = records::record_unwritten(&db, &scope, &imported).await {
        tracing::error!(%error, "could not record the import in the audit log");
    }
    db.close().await;
    let report = match imported {
        Ok(report) => report,
        Err(error) => anyhow::bail!("{} ({})", error, error.code()),
    };
    print_report(&report, dry_run)?;
    if report.error_count > 0 {
        anyhow::bail!(
            "{} error(s): nothing was written; fix the cells named above and import again",
            report.error_count
        );
    }
    Ok(())
}

/// `xieshang export <kind> --region CODE --output FILE.xlsx`.
pub async fn export(
    database: &DatabaseConfig,
    kind: Kind,
    region: &str,
    output: &Path,
) -> anyhow::Result<()> {
    let db = connect(database).await?;
    db.migrate().await?;
    let actor = operator(&db, Some(region)).await?;
    let bytes = records::export(&db, &actor, kind, region)
        .await
        .map_err(|error| anyhow::anyhow!("{} ({})", error, error.code()))?;
    let scope = audit::Scope::new(
        "exportRecords",
        audit::ActorInfo::of(&actor),
        audit::RequestInfo::default(),
        serde_json::json!({ "kind": kind.as_str(), "regionCode": region }),
        Vec::new(),
    );
    audit::finish(&db, &scope, None).await?;
    db.close().await;
    std::fs::write(output, &bytes).with_context(|| format!("writing {}", output.display()))?;
    let line = format!("wrote {} ({} bytes)\n", output.display(), bytes.len());
    std::io::stdout().write_all(line.as_bytes())?;
    Ok(())
}

/// `xieshang template <kind> --output FILE.xlsx` (no database needed).
pub fn template(kind: Kind, output: &Path) -> anyhow::Result<()> {
    let bytes =
        records::template(kind).map_err(|error| anyhow::anyhow!("{} ({})", error, error.code()))?;
    std::fs::write(output, &bytes).with_context(|| format!("writing {}", output.display()))?;
    let line = format!("wrote {}\n", output.display());
    std::io::stdout().write_all(line.as_bytes())?;
    Ok(())
}

/// The operator: PROVINCE_STAFF over `region` (its subtree), or over every province.
async fn operator(db: &Db, region: Option<&str>) -> anyhow::Result<Actor> {
    let principal: Principal = match region {
        Some(code) => domain::auth::principal(db, OPERATOR, Role::ProvinceStaff, code, None)
            .await
            .map_err(|error| anyhow::anyhow!("--region {code:?}: {error}"))?,
        None => {
            let provinces = domain::regions::provinces(db).await?;
            let first = provinces
                .first()
                .context("the database has no regions: run `xieshang seed --no-demo` first")?;
            let mut principal =
                domain::auth::principal_in(db, OPERATOR, Role::ProvinceStaff, first.clone(), None)
                    .await?;
            let ids: Vec<i64> = provinces.iter().map(|province| province.id).collect();
            principal.scope = Arc::new(
                domain::regions::subtrees(db, &ids)
                    .await?
                    .into_iter()
                    .collect(),
            );
            principal
        }
    };
    Ok(Actor::Authenticated(principal))
}

/// Shows an import's progress on standard error until it is done: a progress bar on a
/// terminal (rows read, rate, phase), plain lines otherwise (each phase, and the rows read every
/// few seconds), so that a log of a long import shows it moving.
async fn show_progress(progress: Arc<records::Progress>) {
    use records::Phase;
    let every = std::time::Duration::from_millis(100);
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} 行 rows ({per_sec})")
        {
            bar.set_style(style);
        }
        while progress.phase() != Phase::Done {
            bar.set_position(progress.rows_read() as u64);
            bar.set_message(progress.phase().label());
            bar.tick();
            tokio::time::sleep(every).await;
        }
        bar.finish_and_clear();
        return;
    }
    let mut phase = None;
    let mut last_line = std::time::Instant::now();
    loop {
        let now = progress.phase();
        let due = last_line.elapsed() >= std::time::Duration::from_secs(5);
        if phase != Some(now) || (now == Phase::Reading && due) {
            let line = format!("{}: {} rows\n", now.label(), progress.rows_read());
            let _ = std::io::stderr().write_all(line.as_bytes());
            phase = Some(now);
            last_line = std::time::Instant::now();
        }
        if now == Phase::Done {
            return;
        }
        tokio::time::sleep(every).await;
    }
}

fn print_report(report: &Report, dry_run: bool) -> anyhow::Result<()> {
    let mut out = String::new();
    let verb = if dry_run || !report.written {
        "would be"
    } else {
        "were"
    };
    out.push_str(&format!(
        "\n{} rows: {} {verb} created, {} {verb} updated, {} unchanged\n",
        report.rows, report.created, report.updated, report.unchanged
    ));
    // The first few warnings; the rest are only counted (a roster of landlines warns per row).
    for warning in report.warnings.iter().take(20) {
        out.push_str(&format!("warning {warning} [{}]\n", warning.code.as_str()));
    }
    if report.warning_count > 20 {
        out.push_str(&format!("… {} warnings in all\n", report.warning_count));
    }
    for error in &report.errors {
        out.push_str(&format!("error {error} [{}]\n", error.code.as_str()));
    }
    if report.error_count > report.errors.len() {
        out.push_str(&format!(
            "… and {} more errors\n",
            report.error_count - report.errors.len()
        ));
    }
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}
