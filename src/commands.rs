//! The subcommands other than `serve`.

use std::{io::Write, path::Path, time::Instant};

use domain::{
    Db,
    db::DbOptions,
    seed::{self, DivisionSet, Progress},
};

use crate::config::DatabaseConfig;

/// Connects to the configured database.
pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<Db> {
    let url = config.connection_url();
    let db = Db::connect(
        &url,
        DbOptions {
            readers: config.pool_size,
            ..DbOptions::default()
        },
    )
    .await?;
    Ok(db)
}

/// `xieshang migrate`.
pub async fn migrate(config: &DatabaseConfig) -> anyhow::Result<()> {
    let db = connect(config).await?;
    db.migrate().await?;
    tracing::info!("migrations applied");
    db.close().await;
    Ok(())
}

/// `xieshang seed`.
pub async fn seed(
    config: &DatabaseConfig,
    divisions: &str,
    reset: bool,
    demo: bool,
) -> anyhow::Result<()> {
    let set: DivisionSet = divisions.parse()?;
    let db = connect(config).await?;
    if reset {
        db.reset().await?;
    } else {
        db.migrate().await?;
        seed::ensure_empty(&db).await?;
    }
    let started = Instant::now();
    let mut progress = ConsoleProgress::default();
    let regions = seed::load_divisions(&db, set, &mut progress).await?;
    progress.finish();
    eprintln!("loaded {regions} regions");
    if demo {
        let summary = seed::load_demo(&db, &mut progress).await?;
        progress.finish();
        eprintln!(
            "demo data: {} members, {} lounges, {} consultations, {} suggestions, {} activities",
            summary.members,
            summary.lounges,
            summary.consultations,
            summary.suggestions,
            summary.activities
        );
    }
    eprintln!("seeded in {:.1} s", started.elapsed().as_secs_f64());
    db.close().await;
    Ok(())
}

/// `xieshang export-schema`.
pub fn export_schema(output: Option<&Path>) -> anyhow::Result<()> {
    let sdl = graphql::sdl();
    match output {
        Some(path) => std::fs::write(path, sdl)?,
        None => std::io::stdout().write_all(sdl.as_bytes())?,
    }
    Ok(())
}

/// Progress on standard error: one line per phase, rewritten in place as rows are written.
#[derive(Default)]
pub struct ConsoleProgress {
    phase: String,
    total: u64,
    done: u64,
    shown_percent: Option<u64>,
}

impl ConsoleProgress {
    fn finish(&mut self) {
        if !self.phase.is_empty() {
            eprintln!();
            self.phase.clear();
        }
    }

    fn show(&mut self) {
        let percent = (self.done * 100).checked_div(self.total).unwrap_or(100);
        if self.shown_percent != Some(percent) {
            self.shown_percent = Some(percent);
            eprint!(
                "\r  {:<32} {:>9}/{:<9} {:>3}%",
                self.phase, self.done, self.total, percent
            );
        }
    }
}

impl Progress for ConsoleProgress {
    fn phase(&mut self, name: &str, total: u64) {
        self.finish();
        self.phase = name.to_owned();
        self.total = total;
        self.done = 0;
        self.shown_percent = None;
        self.show();
    }

    fn advance(&mut self, done: u64) {
        self.done = (self.done + done).min(self.total.max(self.done + done));
        self.show();
    }
}
