//! The subcommands other than `serve`.

use std::{io::Write, path::Path, time::Instant};

use domain::{Db, db::DbOptions};
use seed::{DivisionSet, Progress};

use crate::{
    auth::{self, Claims, secret},
    config::{AuthConfig, DatabaseConfig},
};

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
    scale: &str,
    fraction: f64,
) -> anyhow::Result<()> {
    let set: DivisionSet = divisions.parse()?;
    let national = match scale.trim().to_ascii_lowercase().as_str() {
        "demo" => false,
        "national" => true,
        _ => anyhow::bail!("--scale {scale:?}: expected demo or national"),
    };
    if national && set != DivisionSet::China {
        anyhow::bail!("--scale national needs --divisions china");
    }
    if !(fraction > 0.0 && fraction <= 1.0) {
        anyhow::bail!("--fraction {fraction}: expected a number in (0, 1], e.g. 0.01");
    }
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
    if demo && national {
        let summary = seed::load_national(&db, fraction, &mut progress).await?;
        progress.finish();
        eprintln!(
            "national data ({} committees): {} members, {} lounges, {} memberships, {} \
             activities, {} activity participants, {} consultations, {} suggestions, {} \
             sentiment reports",
            summary.committees,
            summary.members,
            summary.lounges,
            summary.memberships,
            summary.activities,
            summary.activity_participants,
            summary.consultations,
            summary.suggestions,
            summary.reports
        );
    } else if demo {
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

/// What `xieshang token` signs.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    /// `--role`, in either spelling (`county-staff`, `COUNTY_STAFF`).
    pub role: String,
    /// `--region`: a region code that exists in the database.
    pub region: String,
    /// `--member`: required for the member role.
    pub member: Option<i64>,
    /// `--ttl`: `90`, `90s`, `15m`, `24h`, `7d`.
    pub ttl: String,
    /// `--subject`.
    pub subject: String,
}

/// `xieshang token`: checks the claims against the database (the region must exist, a member
/// token's member too) and prints a token signed with this instance's secret.
pub async fn token(
    database: &DatabaseConfig,
    auth_config: &AuthConfig,
    request: &TokenRequest,
) -> anyhow::Result<()> {
    let role = domain::Role::parse(&request.role).ok_or_else(|| {
        anyhow::anyhow!(
            "--role {:?}: expected province-staff, city-staff, county-staff, member or integrator",
            request.role
        )
    })?;
    if role == domain::Role::Member && request.member.is_none() {
        anyhow::bail!("--member ID is required for a member token");
    }
    if !domain::regions::is_region_code(&request.region) {
        anyhow::bail!(
            "--region {:?}: expected a six-digit GB/T 2260 code, e.g. 330212",
            request.region
        );
    }
    let ttl = parse_ttl(&request.ttl)?;
    let max_ttl = i64::try_from(auth_config.token_max_ttl.as_secs()).unwrap_or(i64::MAX);
    if ttl > max_ttl {
        anyhow::bail!(
            "--ttl {}: longer than XIESHANG_TOKEN_MAX_TTL ({max_ttl} s, 90 days unless set)",
            request.ttl
        );
    }
    let secret = secret::resolve(auth_config, database)?;
    let db = connect(database).await?;
    db.migrate().await?;
    let resolved =
        domain::auth::principal(&db, &request.subject, role, &request.region, request.member).await;
    db.close().await;
    resolved.map_err(|error| match error {
        domain::DomainError::NotFound(what) => anyhow::anyhow!(
            "{what} does not exist in this database (run `xieshang seed` or start `xieshang \
             serve` once to load the divisions)"
        ),
        other => anyhow::anyhow!(other),
    })?;
    let claims = Claims {
        sub: request.subject.clone(),
        role,
        region: request.region.clone(),
        member: request.member,
        exp: auth::now().saturating_add(ttl),
    };
    let (token, jti) = auth::jwt::sign_at(&claims, secret.bytes(), auth::now())?;
    let mut stdout = std::io::stdout();
    stdout.write_all(token.as_bytes())?;
    stdout.write_all(b"\n")?;
    // On standard error, so that `$(xieshang token …)` captures the token alone.
    let note = format!("token id (jti): {jti}; revoke it with revokeServiceToken\n");
    std::io::stderr().write_all(note.as_bytes())?;
    Ok(())
}

/// What `xieshang grant` records.
#[derive(Clone, Debug)]
pub struct GrantRequest {
    /// `--issuer`.
    pub issuer: String,
    /// `--subject`.
    pub subject: String,
    /// `--role`, in either spelling.
    pub role: String,
    /// `--region`: a region code that exists in the database.
    pub region: String,
    /// `--member`: required for the member role, refused for the others.
    pub member: Option<i64>,
}

/// `xieshang grant`: records a role assignment directly in the database. On SQLite it first
/// takes the single-process lock, so it refuses while a server holds the file instead of
/// writing behind that server's back.
pub async fn grant(database: &DatabaseConfig, request: &GrantRequest) -> anyhow::Result<()> {
    let role = domain::Role::parse(&request.role).ok_or_else(|| {
        anyhow::anyhow!(
            "--role {:?}: expected province-staff, city-staff, county-staff, member or integrator",
            request.role
        )
    })?;
    if !domain::regions::is_region_code(&request.region) {
        anyhow::bail!(
            "--region {:?}: expected a six-digit GB/T 2260 code, e.g. 330000",
            request.region
        );
    }
    let db = connect(database).await?;
    let _process_lock = if database.is_embedded() {
        Some(
            crate::single_process::lock_sqlite_file(&database.sqlite_path).map_err(|error| {
                anyhow::anyhow!(
                    "{error}\n`xieshang grant` writes to the database: stop the server first, \
                     or grant through the `grantRole` mutation"
                )
            })?,
        )
    } else {
        None
    };
    db.migrate().await?;
    let grant = domain::roles::Grant {
        issuer: request.issuer.trim().to_owned(),
        subject: request.subject.trim().to_owned(),
        role,
        region_code: request.region.clone(),
        member_id: request.member,
    };
    let recorded = domain::roles::record(&db, &grant, CLI_GRANTER).await;
    if let Ok(row) = &recorded {
        audit_cli_grant(&db, &grant, row).await?;
    }
    db.close().await;
    let row = recorded.map_err(|error| match error {
        domain::DomainError::Invalid { field, message } => {
            let option = match field.as_str() {
                "regionCode" => "region",
                "memberId" => "member",
                other => other,
            };
            anyhow::anyhow!("--{option}: {message}")
        }
        other => anyhow::anyhow!(other),
    })?;
    let line = format!(
        "granted {} in {} to subject {:?} of {:?} (assignment {})\n",
        role.as_str(),
        request.region,
        row.subject,
        row.issuer,
        row.id
    );
    std::io::stdout().write_all(line.as_bytes())?;
    Ok(())
}

/// `xieshang audit verify` and `xieshang audit prune --older-than …`.
pub async fn audit(
    database: &DatabaseConfig,
    action: crate::cli::AuditCommand,
) -> anyhow::Result<()> {
    let db = connect(database).await?;
    db.migrate().await?;
    let result = match action {
        crate::cli::AuditCommand::Verify => domain::audit::verify(&db).await,
        crate::cli::AuditCommand::Prune { older_than } => {
            let seconds = parse_ttl(&older_than)?;
            let removed = domain::audit::prune(&db, chrono::Duration::seconds(seconds)).await;
            db.close().await;
            let removed = removed?;
            std::io::stdout().write_all(format!("pruned {removed} audit rows\n").as_bytes())?;
            return Ok(());
        }
    };
    db.close().await;
    match result? {
        Ok(verified) => {
            let line = format!(
                "audit log intact: {} rows, anchor {}, head {}\n",
                verified.rows,
                verified.anchor.map_or("-".to_owned(), |id| id.to_string()),
                verified.head.map_or("-".to_owned(), |id| id.to_string()),
            );
            std::io::stdout().write_all(line.as_bytes())?;
            Ok(())
        }
        Err(broken) => anyhow::bail!("audit log broken: {broken}"),
    }
}

/// Who `xieshang grant` records as the granter (the shell has no identity-provider subject).
const CLI_GRANTER: &str = "xieshang grant (command line)";

/// Records a command-line grant in the audit log, as `grantRole` would be.
async fn audit_cli_grant(
    db: &Db,
    grant: &domain::roles::Grant,
    row: &domain::roles::Assignment,
) -> anyhow::Result<()> {
    let actor = domain::audit::ActorInfo {
        issuer: Some("xieshang".to_owned()),
        subject: Some(CLI_GRANTER.to_owned()),
        role: None,
        region_code: None,
        region_id: None,
    };
    let input = serde_json::json!({
        "issuer": grant.issuer,
        "subject": grant.subject,
        "role": grant.role.as_str(),
        "regionCode": grant.region_code,
        "memberId": grant.member_id,
    });
    let scope = domain::audit::Scope::new(
        "grantRole",
        actor,
        domain::audit::RequestInfo::default(),
        domain::audit::summary::summarize(input),
        Vec::new(),
    );
    // The assignment and its committee, so that staff of that committee see the row too.
    domain::audit::within(std::sync::Arc::clone(&scope), async {
        domain::audit::note_target("RoleAssignment", row.id, &[row.region_id]);
    })
    .await;
    domain::audit::finish(db, &scope, None).await?;
    Ok(())
}

/// Seconds in a lifetime such as `90`, `90s`, `15m`, `24h` or `7d`.
pub fn parse_ttl(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    crate::config::duration_secs(text).ok_or_else(|| {
        anyhow::anyhow!("--ttl {text:?}: expected a positive number with s, m, h or d, e.g. 24h")
    })
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

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn ttl_suffixes() {
        assert_eq!(parse_ttl("90").unwrap(), 90);
        assert_eq!(parse_ttl("90s").unwrap(), 90);
        assert_eq!(parse_ttl("15m").unwrap(), 900);
        assert_eq!(parse_ttl("24h").unwrap(), 86_400);
        assert_eq!(parse_ttl("7d").unwrap(), 604_800);
        for bad in ["", "h", "0h", "-1h", "1w", "1.5h"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
