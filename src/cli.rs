//! The command line: `serve` (the default), `migrate`, `seed`, `export-schema`, `token`, `grant`,
//! `bench`, `audit`, and the roster files: `import`, `export`, `template`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// xieshang (协商): GraphQL service for the CPPCC consultation platforms.
#[derive(Debug, Parser)]
#[command(name = "xieshang", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, load start-up data into an empty one, and serve HTTP.
    Serve,
    /// Apply pending schema migrations and exit.
    Migrate,
    /// Load the real divisions and the demo data set into the database.
    Seed {
        /// Which divisions to load: `zhejiang` (102 regions) or `china` (3,209).
        #[arg(long, default_value = "zhejiang")]
        divisions: String,
        /// Drop every table first (all data is lost).
        #[arg(long)]
        reset: bool,
        /// Load the divisions only, without the demo data set.
        #[arg(long)]
        no_demo: bool,
        /// Which data set: `demo` (Zhejiang) or `national` (all of China, ~600,000 members and
        /// 3.5 million suggestions; needs `--divisions china`).
        #[arg(long, default_value = "demo")]
        scale: String,
        /// With `--scale national`: the fraction of committees to generate, in (0, 1].
        #[arg(long, default_value_t = 1.0)]
        fraction: f64,
    },
    /// Print a bearer token for this instance (signed with the secret `serve` uses).
    Token {
        /// Role: province-staff, city-staff, county-staff, member or integrator (or PROVINCE_STAFF, …).
        #[arg(long)]
        role: String,
        /// GB/T 2260 code of the caller's region (committee), e.g. 330212.
        #[arg(long)]
        region: String,
        /// The member id the caller is; required for the member role.
        #[arg(long)]
        member: Option<i64>,
        /// Lifetime: a number with an optional s, m, h or d suffix (seconds without one).
        #[arg(long, default_value = "24h")]
        ttl: String,
        /// The subject (user or system name) recorded as the actor of changes.
        #[arg(long, default_value = "xieshang-cli")]
        subject: String,
    },
    /// Give a person of the identity provider a role (a row of `role_assignments`). The first
    /// PROVINCE_STAFF is granted this way; later grants can also go through `grantRole`. On the
    /// embedded SQLite database only while no server holds the file.
    Grant {
        /// The provider's issuer identifier, exactly as in its tokens' `iss`.
        #[arg(long)]
        issuer: String,
        /// The person's subject at that provider (the tokens' `sub`).
        #[arg(long)]
        subject: String,
        /// Role: province-staff, city-staff, county-staff, member or integrator (or PROVINCE_STAFF, …).
        #[arg(long)]
        role: String,
        /// GB/T 2260 code of the committee the role is held in, e.g. 330000.
        #[arg(long)]
        region: String,
        /// For the member role: the id of the member the person is.
        #[arg(long)]
        member: Option<i64>,
    },
    /// Benchmark statistics: each view through the production router in-process against the
    /// same grouped SQL statements run directly (see README, Benchmarks).
    Bench {
        /// Timed runs per path and view (after 2 warm-ups).
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// The statistics year.
        #[arg(long, default_value_t = 2020)]
        year: i32,
    },
    /// The audit log: verify its hash chain, or prune rows past the retention.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Import a roster file (XLSX, or CSV in UTF-8 or GB18030): every row checked, then all
    /// written in one transaction or, with any error, nothing. On the embedded SQLite database
    /// only while no server holds the file.
    Import {
        /// What the file holds: members, lounges, memberships, activities or consultations.
        kind: String,
        /// The .xlsx or .csv file.
        file: PathBuf,
        /// The committee of rows without a 委员会代码, and the subtree every row must lie in.
        #[arg(long)]
        region: Option<String>,
        /// Check and report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export the records of a region's subtree as an XLSX workbook that imports back unchanged.
    Export {
        /// What to export: members, lounges, memberships, activities or consultations.
        kind: String,
        /// GB/T 2260 code of the region, e.g. 330000.
        #[arg(long)]
        region: String,
        /// The .xlsx file to write.
        #[arg(long)]
        output: PathBuf,
    },
    /// Write the empty template of a kind: header row, instructions, drop-downs, an example.
    Template {
        /// Which template: members, lounges, memberships, activities or consultations.
        kind: String,
        /// The .xlsx file to write.
        #[arg(long)]
        output: PathBuf,
    },
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        /// File to write instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// `xieshang audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link (a removed or altered row); exits
    /// non-zero when the chain is broken.
    Verify,
    /// Remove the rows older than the retention (the newest row always stays); the oldest
    /// remaining row becomes the chain's anchor.
    Prune {
        /// Retention: a number with an optional s, m, h or d suffix, e.g. 365d.
        #[arg(long)]
        older_than: String,
    },
}
