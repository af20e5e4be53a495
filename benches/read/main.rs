//! `cargo bench --bench read`: how fast the real HTTP server answers the two reads frontend
//! teams send most, and what each request costs in CPU. A benchmark, not a timed test: it
//! reports figures and fails only when an answer carries errors.
//!
//! * **The server**: `xieshang::server::run` in this process, with the production router over a
//!   fresh demo-seeded database — a temporary SQLite file, or with `DATABASE_URL=postgres://…`
//!   (or `--database-url`) the database `xieshang_bench_read` on that server, dropped and
//!   created again. Per-client cost budgets and the in-flight cost cap are off (one address
//!   sends everything here; they would shed the load being measured); the per-request cost
//!   limit and the execution slots stay. With `--target NAME=URL` it drives servers that are
//!   already running instead (`compare.sh` runs xieshang and PostGraphile side by side so).
//! * **The queries** (`queries/*.graphql`): `city`, the deep query under every county of
//!   杭州市 (about 29 KB of answer), and `province`, the headline query of `tests/read_api.rs`
//!   (about 870 KB).
//! * **The load**: `--connections` keep-alive HTTP/1.1 connections (16), each sending the same
//!   request back to back, from a load generator in its own OS process (this binary run as
//!   `read load …`) so that its CPU is never the server's.
//! * **The figures**: per query, after a warm-up, `--rounds` rounds (3) of `--seconds` (10),
//!   alternating between the sides: requests per second, p50/p99 latency, and the CPU
//!   milliseconds per request of the server process and of PostgreSQL (utime + stime from
//!   `/proc` before and after each round: the server's pid, and the postmaster with all its
//!   children). Each figure is the median over the rounds.
//!
//! For a quick run from a debug build: `cargo test --bench read -- --seconds 2 --rounds 1`.

#![allow(
    clippy::print_stdout,
    reason = "the benchmark's report goes to standard output"
)]

mod cpu;
mod load;

#[path = "../events/database.rs"]
#[allow(
    dead_code,
    reason = "shared with the events benchmark, which uses all of it"
)]
mod database;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context as _;
use domain::db::DbOptions;
use load::Round;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::sync::oneshot;
use xieshang::{
    app::{AppState, RouterOptions},
    auth::Secret,
    http::budget::BudgetOptions,
};

/// The database the benchmark owns on a PostgreSQL server: dropped and created again each run.
const BENCH_DATABASE: &str = "xieshang_bench_read";

/// The queries by name; a side may bring its own text for each (`--queries NAME=DIR`).
const QUERIES: &[(&str, &str)] = &[
    ("city", include_str!("queries/city.graphql")),
    ("province", include_str!("queries/province.graphql")),
];

const USAGE: &str = "\
cargo bench --bench read [-- OPTIONS]

Starts the server on a fresh demo-seeded database (SQLite, or PostgreSQL with DATABASE_URL) and
drives it; or drives servers already running (--target).

  --query NAME            city or province; repeat for both (default: city, then province)
  --connections N         keep-alive HTTP/1.1 connections (default 16)
  --seconds S             length of a measured round (default 10)
  --rounds R              measured rounds per query and side; figures are medians (default 3)
  --warmup S              warm-up per query and side before the rounds (default 3)
  --database-url URL      postgres://… for the started server (default: $DATABASE_URL; unset
                          or empty: a temporary SQLite file)
  --pool N                database pool size of the started server (default: xieshang's, 8)
  --target [NAME=]URL     drive an already-running GraphQL endpoint instead of starting a
                          server; repeat for several sides, which alternate round by round
  --server-pid [NAME=]PID with --target: the process whose CPU is that side's
  --queries [NAME=]DIR    with --target: that side's query files (DIR/<query>.graphql);
                          default: this benchmark's own queries/
  --postgres-pid PID      the postmaster whose processes' CPU is PostgreSQL's (found by itself
                          when the benchmark starts the server on a local PostgreSQL)";

/// A server under load.
#[derive(Clone, Debug)]
struct Side {
    name: String,
    url: String,
    /// Whose CPU counts as this side's server.
    server_pid: Option<u32>,
    /// Where this side's query files are; `None`: the built-in [`QUERIES`].
    queries: Option<PathBuf>,
}

#[derive(Clone, Debug)]
struct Options {
    queries: Vec<String>,
    connections: usize,
    seconds: f64,
    rounds: usize,
    warmup: f64,
    database_url: String,
    pool: u32,
    sides: Vec<Side>,
    postgres_pid: Option<u32>,
}

/// `NAME=VALUE`, or a bare `VALUE` for the side named `default`.
fn named<'a>(value: &'a str, default: &'a str) -> (&'a str, &'a str) {
    match value.split_once('=') {
        Some((name, rest)) if !name.contains('/') && !name.contains(':') => (name, rest),
        _ => (default, value),
    }
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Option<Self>> {
        let mut options = Self {
            queries: Vec::new(),
            connections: 16,
            seconds: 10.0,
            rounds: 3,
            warmup: 3.0,
            database_url: std::env::var("DATABASE_URL").unwrap_or_default(),
            pool: DbOptions::default().readers,
            sides: Vec::new(),
            postgres_pid: None,
        };
        let mut pids = Vec::new();
        let mut dirs = Vec::new();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))
            };
            match arg.as_str() {
                // `cargo bench` passes `--bench` to every bench binary.
                "--bench" => {}
                "-h" | "--help" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                "--query" => options.queries.push(value("--query")?),
                "--connections" => options.connections = value("--connections")?.parse()?,
                "--seconds" => options.seconds = value("--seconds")?.parse()?,
                "--rounds" => options.rounds = value("--rounds")?.parse()?,
                "--warmup" => options.warmup = value("--warmup")?.parse()?,
                "--database-url" => options.database_url = value("--database-url")?,
                "--pool" => options.pool = value("--pool")?.parse()?,
                "--postgres-pid" => options.postgres_pid = Some(value("--postgres-pid")?.parse()?),
                "--target" => {
                    let target = value("--target")?;
                    let (name, url) = named(&target, "target");
                    options.sides.push(Side {
                        name: name.to_owned(),
                        url: url.to_owned(),
                        server_pid: None,
                        queries: None,
                    });
                }
                "--server-pid" => pids.push(value("--server-pid")?),
                "--queries" => dirs.push(value("--queries")?),
                other => anyhow::bail!("unknown argument {other:?}\n\n{USAGE}"),
            }
        }
        for pid in &pids {
            let (name, pid) = named(pid, "target");
            options.side(name)?.server_pid = Some(pid.parse()?);
        }
        for dir in &dirs {
            let (name, dir) = named(dir, "target");
            options.side(name)?.queries = Some(PathBuf::from(dir));
        }
        if options.queries.is_empty() {
            options.queries = QUERIES.iter().map(|(name, _)| (*name).to_owned()).collect();
        }
        anyhow::ensure!(
            options.connections > 0
                && options.rounds > 0
                && options.seconds.is_finite()
                && options.seconds > 0.0
                && options.warmup.is_finite()
                && options.warmup >= 0.0,
            "--connections, --rounds and --seconds must be positive"
        );
        Ok(Some(options))
    }

    fn side(&mut self, name: &str) -> anyhow::Result<&mut Side> {
        self.sides
            .iter_mut()
            .find(|side| side.name == name)
            .with_context(|| format!("no --target named {name:?}"))
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("load") {
        args.next();
        return load::main(load::LoadOptions::parse(args)?);
    }
    let Some(options) = Options::parse(args)? else {
        return Ok(());
    };
    if options.sides.is_empty() {
        started_server(options)
    } else {
        let description = format!("{} running server(s)", options.sides.len());
        measure(&options, &options.sides, options.postgres_pid, &description)
    }
}

/// Starts the server in this process over a fresh database, then measures it.
fn started_server(options: Options) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let db_options = DbOptions {
        readers: options.pool,
        ..DbOptions::default()
    };
    let (bench, listener) = runtime.block_on(async {
        let bench =
            database::prepare_with(&options.database_url, BENCH_DATABASE, db_options).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        anyhow::Ok((bench, listener))
    })?;
    let postgres_pid = match options.postgres_pid {
        Some(pid) => Some(pid),
        None => runtime.block_on(local_postmaster(&bench.db))?,
    };
    let address = listener.local_addr()?;
    let state = AppState::new(
        bench.db.clone(),
        Secret::new(b"read-benchmark-secret-read-benchmark!!!!"),
    );
    let router_options = RouterOptions {
        budgets: BudgetOptions {
            anonymous_per_minute: None,
            authenticated_per_minute: None,
            anonymous_cost_in_flight: None,
            ..BudgetOptions::default()
        },
        ..RouterOptions::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let server = runtime.spawn(xieshang::server::run(
        listener,
        state,
        router_options,
        async move {
            let _ = stopped.await;
        },
    ));
    let side = Side {
        name: "xieshang".to_owned(),
        url: format!("http://{address}/graphql"),
        server_pid: Some(std::process::id()),
        queries: None,
    };
    let description = format!(
        "{} (server in this process, pool {})",
        bench.description, options.pool
    );
    let measured = measure(&options, &[side], postgres_pid, &description);
    let _ = stop.send(());
    runtime.block_on(server)??;
    measured
}

/// The postmaster of the database's server, when it runs on this machine.
async fn local_postmaster(db: &domain::Db) -> anyhow::Result<Option<u32>> {
    if db.engine() != domain::Engine::Postgres {
        return Ok(None);
    }
    let row = db
        .reader()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_backend_pid() AS pid",
        ))
        .await?
        .context("pg_backend_pid() returned no row")?;
    let backend: i32 = row.try_get("", "pid")?;
    Ok(u32::try_from(backend).ok().and_then(cpu::postmaster_of))
}

/// One side's round: the load's figures and the CPU spent meanwhile.
#[derive(Clone, Debug)]
struct Measured {
    round: Round,
    server_ms_per_request: Option<f64>,
    postgres_ms_per_request: Option<f64>,
}

/// Warm-up and rounds of every query on every side, then the report.
fn measure(
    options: &Options,
    sides: &[Side],
    postgres_pid: Option<u32>,
    description: &str,
) -> anyhow::Result<()> {
    let ticks = cpu::ticks_per_second();
    println!("read: {description}");
    println!(
        "{} connections, {} round(s) of {} s per query and side after {} s of warm-up; medians",
        options.connections, options.rounds, options.seconds, options.warmup
    );
    let mut failed = false;
    for query in &options.queries {
        let bodies = sides
            .iter()
            .map(|side| request_body(side, query))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if options.warmup > 0.0 {
            for (side, body) in sides.iter().zip(&bodies) {
                run_load(side, body, options.connections, options.warmup)?;
            }
        }
        let mut results: Vec<Vec<Measured>> = vec![Vec::new(); sides.len()];
        for _ in 0..options.rounds {
            for ((side, body), results) in sides.iter().zip(&bodies).zip(&mut results) {
                let server_before = side.server_pid.and_then(cpu::process);
                let postgres_before = postgres_pid.and_then(cpu::postgres);
                let round = run_load(side, body, options.connections, options.seconds)?;
                let server_after = side.server_pid.and_then(cpu::process);
                let postgres_after = postgres_pid.and_then(cpu::postgres);
                let per_request = |before: Option<u64>, after: Option<u64>| {
                    let spent = after?.checked_sub(before?)? as f64 / ticks;
                    Some(spent * 1_000.0 / round.requests.max(1) as f64)
                };
                results.push(Measured {
                    server_ms_per_request: per_request(server_before, server_after),
                    postgres_ms_per_request: per_request(postgres_before, postgres_after),
                    round,
                });
            }
        }
        failed |= report(query, sides, &results);
    }
    anyhow::ensure!(!failed, "some answers were errors (see the table)");
    Ok(())
}

/// The JSON body of `query` for `side`.
fn request_body(side: &Side, query: &str) -> anyhow::Result<String> {
    let text = match &side.queries {
        Some(dir) => {
            let path = Path::new(dir).join(format!("{query}.graphql"));
            std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?
        }
        None => QUERIES
            .iter()
            .find(|(name, _)| *name == query)
            .map(|(_, text)| (*text).to_owned())
            .with_context(|| format!("unknown query {query:?} (city or province)"))?,
    };
    Ok(serde_json::json!({ "query": text }).to_string())
}

/// Runs the load generator (this binary, `load`) against `side` for `seconds`.
fn run_load(side: &Side, body: &str, connections: usize, seconds: f64) -> anyhow::Result<Round> {
    let output = Command::new(std::env::current_exe()?)
        .args(["load", "--url", &side.url, "--body", body])
        .args(["--connections", &connections.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .output()
        .context("cannot start the load generator")?;
    anyhow::ensure!(
        output.status.success(),
        "the load generator failed on {}: {}",
        side.name,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).context("the load generator's report")
}

/// The median of some figures (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|value| value.is_finite());
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => values.get(middle).copied(),
        _ => Some((values[middle - 1] + values[middle]) / 2.0),
    }
}

/// The medians of one side's rounds.
struct Figures {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_ms: Option<f64>,
    postgres_ms: Option<f64>,
    answer_kb: f64,
    errors: u64,
}

fn figures(rounds: &[Measured]) -> Figures {
    let of = |pick: fn(&Measured) -> f64| median(rounds.iter().map(pick).collect());
    let of_optional = |pick: fn(&Measured) -> Option<f64>| {
        let values: Vec<f64> = rounds.iter().filter_map(pick).collect();
        (values.len() == rounds.len())
            .then(|| median(values))
            .flatten()
    };
    Figures {
        requests_per_second: of(|m| m.round.requests as f64 / m.round.seconds).unwrap_or(0.0),
        p50_ms: of(|m| m.round.p50_ms).unwrap_or(f64::NAN),
        p99_ms: of(|m| m.round.p99_ms).unwrap_or(f64::NAN),
        server_ms: of_optional(|m| m.server_ms_per_request),
        postgres_ms: of_optional(|m| m.postgres_ms_per_request),
        answer_kb: of(|m| m.round.answer_bytes / 1_000.0).unwrap_or(0.0),
        errors: rounds.iter().map(|m| m.round.errors).sum(),
    }
}

/// Prints one query's table; true when some answer was an error.
fn report(query: &str, sides: &[Side], results: &[Vec<Measured>]) -> bool {
    let optional = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
    println!();
    println!(
        "{query:<14} {:>9} {:>9} {:>8} {:>8} {:>13} {:>11} {:>7}",
        "answer KB", "req/s", "p50 ms", "p99 ms", "server ms/req", "PG ms/req", "errors"
    );
    let all: Vec<Figures> = results.iter().map(|rounds| figures(rounds)).collect();
    for ((side, figures), rounds) in sides.iter().zip(&all).zip(results) {
        println!(
            "  {:<12} {:>9.1} {:>9.1} {:>8.1} {:>8.1} {:>13} {:>11} {:>7}",
            side.name,
            figures.answer_kb,
            figures.requests_per_second,
            figures.p50_ms,
            figures.p99_ms,
            optional(figures.server_ms),
            optional(figures.postgres_ms),
            figures.errors
        );
        for (number, measured) in rounds.iter().enumerate() {
            println!(
                "    round {:<6} {:>9} {:>9.1} {:>8.1} {:>8.1} {:>13} {:>11} {:>7}",
                number + 1,
                "",
                measured.round.requests as f64 / measured.round.seconds,
                measured.round.p50_ms,
                measured.round.p99_ms,
                optional(measured.server_ms_per_request),
                optional(measured.postgres_ms_per_request),
                measured.round.errors
            );
        }
    }
    if let [first, second] = all.as_slice() {
        println!(
            "  {} / {}: throughput {:.2}×, p99 {:.2}×",
            sides[0].name,
            sides[1].name,
            first.requests_per_second / second.requests_per_second,
            first.p99_ms / second.p99_ms
        );
    }
    all.iter().any(|figures| figures.errors > 0)
}
