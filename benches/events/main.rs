//! `cargo bench --bench events`: how fast committed outbox events reach integrators, measured on
//! the production code paths. A benchmark, not a timed test: it reports figures and checks
//! completeness (every event delivered, in order, once, per target and per subscriber), but
//! never fails on a time.
//!
//! * **dispatch** ([`dispatch`]): N consultations proposed through `domain::write` as fast as
//!   the writers can, delivered by the outbox dispatcher (`notify::Dispatcher` with the real
//!   `HttpAdapters` and the production `DispatchOptions`) to `--targets` WEBHOOK targets created
//!   through `domain::write::notification_targets`, which point at a local axum receiver
//!   answering 204 at once. Three measurements: a **backlog** committed before the dispatcher
//!   starts (its throughput alone: deliveries/s from its start to the last arrival), a
//!   **burst** committed while it runs (events/s from the first commit to the last arrival; the
//!   delay is arrival minus the driver's clock right after the event's `db.commit` returned,
//!   in a burst mostly time queued behind earlier events), and a **steady** rate (the delay
//!   when it keeps up). Every target must receive every event once and in order.
//! * **fan-out** ([`fanout`]): the real server (`xieshang::server::run`, production limits)
//!   with S concurrent `graphql-transport-ws` subscribers of `events` (province staff, so every
//!   event is in scope) running in a **separate client process** ([`clients`]: this binary
//!   started again with the argument `clients`), fed at a steady rate; the delay is, for every
//!   (subscriber, event) pair, arrival minus the commit clock (wall clock in the client,
//!   mapped onto the driver's), and every subscriber must see every event exactly once in
//!   order. p50/p99/max over all pairs.
//!
//! The database is fresh and demo-seeded each run: a temporary SQLite file, or with
//! `DATABASE_URL=postgres://…` the database `xieshang_bench_events` on that server, dropped
//! and created again (the database named in the URL is only used to issue `CREATE DATABASE`).
//! Run `cargo bench --bench events -- --help` for the options.

#![allow(
    clippy::print_stdout,
    reason = "the benchmark's report goes to standard output"
)]

mod clients;
mod database;
mod dispatch;
mod fanout;

use std::{
    fmt::Write as _,
    time::{Duration, Instant},
};

use domain::Engine;

/// What to run, from the command line (after `cargo bench --bench events --`).
#[derive(Clone, Debug)]
pub struct Options {
    /// Events committed in the dispatch scenario.
    pub events: usize,
    /// Concurrent writer tasks committing them.
    pub writers: usize,
    /// WEBHOOK targets every event goes to (each is sent in order, one message at a time).
    pub targets: usize,
    /// WebSocket subscribers in the fan-out scenario.
    pub subscribers: usize,
    /// Events per second committed in the steady measurements (dispatch and fan-out).
    pub rate: f64,
    /// How long the steady measurements commit, in seconds.
    pub seconds: f64,
    /// Longest wait for the last delivery of a scenario before it reports what is missing.
    pub wait: Duration,
    /// Run the dispatch scenario.
    pub dispatch: bool,
    /// Run the fan-out scenario.
    pub fanout: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            events: 2_000,
            writers: 4,
            targets: 1,
            subscribers: 1_000,
            rate: 20.0,
            seconds: 10.0,
            wait: Duration::from_secs(120),
            dispatch: true,
            fanout: true,
        }
    }
}

const USAGE: &str = "\
cargo bench --bench events [-- OPTIONS]

Engine: a temporary SQLite file, or PostgreSQL when DATABASE_URL=postgres://user@host:port/db
is set (the database xieshang_bench_events on that server is dropped and created afresh).
Logs: XIESHANG_LOG (default warn), on standard error.

  --only dispatch|fanout   run one scenario (default: both)
  --events N               dispatch burst: events committed (default 2000)
  --writers N              dispatch burst: concurrent writers (default 4)
  --targets N              dispatch: WEBHOOK targets receiving every event (default 1)
  --subscribers N          fan-out: WebSocket subscribers (default 1000)
  --rate R                 dispatch steady and fan-out: events committed per second (default 20)
  --seconds S              dispatch steady and fan-out: how long to commit (default 10)
  --wait S                 longest wait for the last delivery (default 120)

The fan-out runs its subscribers in a second process (this binary, started again with the
argument `clients`). Each process needs a file descriptor per subscriber plus some spare: with
the default 1000 subscribers run `ulimit -n 4096` first if `ulimit -n` is lower.";

impl Options {
    /// Parses the arguments; `None` after printing the usage for `--help`.
    fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Option<Self>> {
        let mut options = Self::default();
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
                "--only" => match value("--only")?.as_str() {
                    "dispatch" => options.fanout = false,
                    "fanout" => options.dispatch = false,
                    other => anyhow::bail!("--only dispatch|fanout, not {other:?}"),
                },
                "--events" => options.events = number("--events", &value("--events")?)?,
                "--writers" => options.writers = number("--writers", &value("--writers")?)?,
                "--targets" => options.targets = number("--targets", &value("--targets")?)?,
                "--subscribers" => {
                    options.subscribers = number("--subscribers", &value("--subscribers")?)?;
                }
                "--rate" => options.rate = positive("--rate", &value("--rate")?)?,
                "--seconds" => options.seconds = positive("--seconds", &value("--seconds")?)?,
                "--wait" => {
                    options.wait = Duration::from_secs_f64(positive("--wait", &value("--wait")?)?);
                }
                other => anyhow::bail!("unknown argument {other:?}\n\n{USAGE}"),
            }
        }
        Ok(Some(options))
    }

    /// Events the steady measurements commit.
    pub fn fanout_events(&self) -> usize {
        // Rounded, and at least one: 20/s for 10 s is 200 events.
        ((self.rate * self.seconds).round() as usize).max(1)
    }
}

fn number(name: &str, text: &str) -> anyhow::Result<usize> {
    match text.parse::<usize>() {
        Ok(value) if value > 0 => Ok(value),
        _ => anyhow::bail!("{name} must be a positive whole number, not {text:?}"),
    }
}

fn positive(name: &str, text: &str) -> anyhow::Result<f64> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => anyhow::bail!("{name} must be a positive number, not {text:?}"),
    }
}

/// Delay percentiles in milliseconds (nearest rank).
#[derive(Clone, Copy, Debug)]
pub struct Delays {
    /// Samples summarised.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The slowest.
    pub max_ms: f64,
}

impl Delays {
    /// Summarises `samples` (milliseconds); `None` when there are none.
    pub fn of(mut samples: Vec<f64>) -> Option<Self> {
        samples.sort_by(f64::total_cmp);
        let count = samples.len();
        let rank = |fraction: f64| {
            // The smallest sample with at least `fraction` of them at or below it.
            let index = ((fraction * count as f64).ceil() as usize).clamp(1, count) - 1;
            samples[index]
        };
        Some(Self {
            count,
            p50_ms: rank(0.50),
            p99_ms: rank(0.99),
            max_ms: *samples.last()?,
        })
    }
}

/// Milliseconds from `from` to `to`; 0 when `to` came first (the driver took its clock a little
/// after the commit and the event was already there).
pub fn millis_between(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1_000.0
}

/// CPU time this process (or process `pid`) has used so far (user + system), in seconds, if it
/// can be read (Linux; `/proc` counts in USER_HZ = 100 ticks a second).
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name may hold spaces; the fields after it are fixed.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Cores this process (or process `pid`, named `what`) kept busy between `cpu_before` (from
/// [`cpu_seconds`]) and now, over `wall`, as a note.
pub fn cpu_note(
    what: &str,
    cpu_before: Option<f64>,
    pid: Option<u32>,
    wall: Duration,
) -> Option<String> {
    let used = cpu_seconds(pid)? - cpu_before?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Some(format!(
        "the {what} process used {:.2} of {cores} cores meanwhile",
        used / wall.as_secs_f64()
    ))
}

/// The machine's 1-minute load average, if it can be read: the machine may be shared.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_owned)
}

/// One line of the report.
#[derive(Debug)]
pub struct Row {
    /// Which measurement.
    pub scenario: &'static str,
    /// Events measured.
    pub events: usize,
    /// Webhook targets or WebSocket subscribers each event goes to.
    pub receivers: String,
    /// Events per second: delivered to every target (burst) or committed at the steady rate.
    pub events_per_second: f64,
    /// Commit → arrival.
    pub delays: Option<Delays>,
    /// Further figures, printed under the table.
    pub notes: Vec<String>,
    /// Everything that was not delivered exactly once in order; empty when all was.
    pub problems: Vec<String>,
}

fn render(engine: Engine, rows: &[Row]) -> String {
    let engine = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<9} {:<16} {:>7} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "engine", "scenario", "events", "receivers", "events/s", "p50 ms", "p99 ms", "max ms"
    );
    for row in rows {
        let (p50, p99, max) = row.delays.map_or_else(
            || ("-".to_owned(), "-".to_owned(), "-".to_owned()),
            |delays| {
                (
                    format!("{:.1}", delays.p50_ms),
                    format!("{:.1}", delays.p99_ms),
                    format!("{:.1}", delays.max_ms),
                )
            },
        );
        let _ = writeln!(
            out,
            "{:<9} {:<16} {:>7} {:>10} {:>10.1} {:>9} {:>9} {:>9}",
            engine, row.scenario, row.events, row.receivers, row.events_per_second, p50, p99, max
        );
    }
    for row in rows {
        for note in &row.notes {
            let _ = writeln!(out, "  {}: {note}", row.scenario);
        }
        if row.problems.is_empty() {
            let _ = writeln!(
                out,
                "  {}: complete: every event arrived exactly once, in order",
                row.scenario
            );
        }
        for problem in &row.problems {
            let _ = writeln!(out, "  {}: PROBLEM: {problem}", row.scenario);
        }
    }
    out
}

/// The soft limit on open files of this process (Linux), if it can be read.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Refuses to start a fan-out that would run out of file descriptors half-way (raising the
/// limit from inside would need `unsafe` `setrlimit`, which the workspace forbids).
fn check_open_files(options: &Options) -> anyhow::Result<()> {
    if !options.fanout {
        return Ok(());
    }
    // The server's end of each socket here, the client's end in the client process.
    let needed = options.subscribers as u64 + 256;
    if let Some(limit) = open_file_limit()
        && limit < needed
    {
        anyhow::bail!(
            "{} subscribers need about {needed} open files (in the server process and in the \
             client process each) but the limit is {limit}: run `ulimit -n 4096` (or more) \
             first, or pass fewer --subscribers",
            options.subscribers
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("XIESHANG_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // The fan-out's subscribers: this binary started again by `fanout::run`.
    if std::env::args().nth(1).as_deref() == Some("clients") {
        return clients::run().await;
    }
    let Some(options) = Options::parse(std::env::args().skip(1))? else {
        return Ok(());
    };
    check_open_files(&options)?;
    let prepared = Instant::now();
    let bench = database::prepare().await?;
    println!(
        "events benchmark on {} (migrated and demo-seeded in {:.1} s), {} cores, load average \
         {} at the start",
        bench.description,
        prepared.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, usize::from),
        load_average().as_deref().unwrap_or("?"),
    );
    let actor = database::province_staff(&bench.db).await?;
    let mut rows = Vec::new();
    if options.dispatch {
        eprintln!(
            "dispatch: {} events, {} writer(s), {} webhook target(s)…",
            options.events, options.writers, options.targets
        );
        rows.extend(dispatch::run(&bench.db, &actor, &options).await?);
    }
    if options.fanout {
        eprintln!(
            "fan-out: {} subscribers, {} events at {}/s…",
            options.subscribers,
            options.fanout_events(),
            options.rate
        );
        rows.push(fanout::run(&bench.db, &actor, &options).await?);
    }
    print!("{}", render(bench.db.engine(), &rows));
    bench.db.close().await;
    Ok(())
}
