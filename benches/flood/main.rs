//! `cargo bench --bench flood`: does the service stay responsive for staff while anonymous
//! clients flood it with the most expensive requests one request may make? A benchmark, not a
//! timed test: it reports figures and never fails on a time.
//!
//! The real server (`xieshang::server::run`, production `RouterOptions` but for
//! `XIESHANG_TRUSTED_PROXIES=127.0.0.1`) over a fresh demo-seeded database (a temporary SQLite
//! file, or `DATABASE_URL=postgres://…` as for `--bench events`). `--connections` clients (16)
//! each keep one connection busy with anonymous requests at the largest cost one request may
//! have — aliased province statistics, the heaviest points there are, up to
//! `XIESHANG_MAX_QUERY_COST` — each from a fresh /64 (`X-Forwarded-For: 2001:db8:<c>:<n>::1`
//! through the trusted proxy), so per-client budgets never help: only the cost limit and load
//! shedding do. Meanwhile one province staff member sends an ordinary query every
//! `--interval-ms`; the report gives how many flood requests were executed and refused (429,
//! 503), and the staff member's latency (p50/p99/max), first without and then with the flood.
//!
//! For a quick run from a debug build: `cargo test --bench flood -- --seconds 3`.

#![allow(
    clippy::print_stdout,
    reason = "the benchmark's report goes to standard output"
)]

#[path = "../events/database.rs"]
#[allow(
    dead_code,
    reason = "shared with the events benchmark, which uses all of it"
)]
mod database;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use domain::Role;
use graphql::cost::{CostModel, MAX_QUERY_COST};
use serde_json::json;
use tokio::sync::oneshot;
use xieshang::{
    app::{AppState, RouterOptions},
    auth::{Claims, Secret, jwt},
};

/// The server's token secret for this run.
const SECRET: &[u8] = b"flood-benchmark-secret-flood-benchmark!!";

/// The staff member's ordinary query: the newest consultations of the province.
const STAFF_QUERY: &str = r#"{ consultations(first: 20, filter: { regionCode: "330000", includeDescendants: true }) { totalCount nodes { title status region { name } } } }"#;

const USAGE: &str = "\
cargo bench --bench flood [-- OPTIONS]

  --connections N     flooding connections (default 16)
  --seconds S         how long the flood lasts, and the quiet baseline before it (default 20)
  --interval-ms M     pause between the staff member's queries (default 50)";

#[derive(Clone, Copy, Debug)]
struct Options {
    connections: usize,
    seconds: f64,
    interval: Duration,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Option<Self>> {
        let mut options = Self {
            connections: 16,
            seconds: 20.0,
            interval: Duration::from_millis(50),
        };
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
                "--connections" => options.connections = value("--connections")?.parse()?,
                "--seconds" => options.seconds = value("--seconds")?.parse()?,
                "--interval-ms" => {
                    options.interval = Duration::from_millis(value("--interval-ms")?.parse()?);
                }
                other => anyhow::bail!("unknown argument {other:?}\n\n{USAGE}"),
            }
        }
        anyhow::ensure!(
            options.connections > 0 && options.seconds.is_finite() && options.seconds > 0.0,
            "--connections and --seconds must be positive"
        );
        Ok(Some(options))
    }
}

/// What the flood's requests got.
#[derive(Default)]
struct Outcomes {
    executed: AtomicU64,
    rate_limited: AtomicU64,
    busy: AtomicU64,
    too_complex: AtomicU64,
    other: AtomicU64,
}

fn main() -> anyhow::Result<()> {
    let Some(options) = Options::parse(std::env::args().skip(1))? else {
        return Ok(());
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(options))
}

async fn run(options: Options) -> anyhow::Result<()> {
    let bench = database::prepare().await?;
    let state = AppState::new(bench.db.clone(), Secret::new(SECRET));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let router_options = RouterOptions {
        trusted_proxies: vec!["127.0.0.1".parse()?],
        ..RouterOptions::default()
    };
    let server = tokio::spawn(xieshang::server::run(
        listener,
        state,
        router_options,
        async move {
            let _ = stopped.await;
        },
    ));
    let url = format!("http://{address}/graphql");
    let token = jwt::sign(
        &Claims {
            sub: "flood-benchmark".to_owned(),
            role: Role::ProvinceStaff,
            region: database::PROVINCE.to_owned(),
            member: None,
            exp: xieshang::auth::now() + 24 * 3600,
        },
        SECRET,
    )?;
    let (flood_query, flood_cost) = most_expensive_request();
    let period = Duration::from_secs_f64(options.seconds);

    let quiet = staff(&url, &token, period, options.interval).await?;

    let flooding = Arc::new(AtomicBool::new(true));
    let outcomes = Arc::new(Outcomes::default());
    let flooders: Vec<_> = (0..options.connections)
        .map(|connection| {
            tokio::spawn(flood(
                url.clone(),
                flood_query.clone(),
                connection,
                Arc::clone(&flooding),
                Arc::clone(&outcomes),
            ))
        })
        .collect();
    let started = Instant::now();
    let loaded = staff(&url, &token, period, options.interval).await?;
    flooding.store(false, Ordering::Release);
    for flooder in flooders {
        flooder.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await??;

    let count = |counter: &AtomicU64| counter.load(Ordering::Acquire);
    let executed = count(&outcomes.executed);
    let refused = count(&outcomes.rate_limited) + count(&outcomes.busy);
    println!("flood: {} ({})", bench.description, url);
    println!(
        "{} connections, each request {} points (limit {MAX_QUERY_COST}), each from a fresh /64",
        options.connections, flood_cost
    );
    println!(
        "flood requests   executed {executed}  refused {refused} (429: {}, 503: {})  too complex {}  other {}  in {elapsed:.1} s",
        count(&outcomes.rate_limited),
        count(&outcomes.busy),
        count(&outcomes.too_complex),
        count(&outcomes.other),
    );
    println!("staff query      requests  errors   p50 ms   p99 ms   max ms");
    for (name, latency) in [("quiet", &quiet), ("under flood", &loaded)] {
        println!(
            "  {name:<13} {:>9} {:>7} {:>8.1} {:>8.1} {:>8.1}",
            latency.count, latency.errors, latency.p50_ms, latency.p99_ms, latency.max_ms
        );
    }
    Ok(())
}

/// Aliased province statistics, one per year, as many as one request may cost.
fn most_expensive_request() -> (String, u64) {
    let model = CostModel::get();
    let price = |aliases: usize| {
        let fields: String = (0..aliases)
            .map(|n| {
                format!(
                    "y{n}: statistics(regionCode: \"{}\", year: {}) {{ totals {{ activeLounges mainConsultationsHeld }} }} ",
                    database::PROVINCE,
                    2000 + n % 50
                )
            })
            .collect();
        let query = format!("{{ {fields}}}");
        let cost = async_graphql::parser::parse_query(&query)
            .map(|document| model.price(&document, None, &async_graphql::Variables::default()))
            .unwrap_or(u64::MAX);
        (query, cost)
    };
    let mut aliases = 1;
    while price(aliases + 1).1 <= MAX_QUERY_COST {
        aliases += 1;
    }
    price(aliases)
}

async fn flood(
    url: String,
    query: String,
    connection: usize,
    flooding: Arc<AtomicBool>,
    outcomes: Arc<Outcomes>,
) -> anyhow::Result<()> {
    // One client per flooder: one kept-alive connection each.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()?;
    let body = json!({ "query": query }).to_string();
    let mut sent: u64 = 0;
    while flooding.load(Ordering::Acquire) {
        sent += 1;
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .header(
                "x-forwarded-for",
                format!("2001:db8:{connection:x}:{sent:x}::1"),
            )
            .body(body.clone())
            .send()
            .await;
        let counter = match response {
            Ok(response) => match response.status().as_u16() {
                200 => &outcomes.executed,
                429 => &outcomes.rate_limited,
                503 => &outcomes.busy,
                400 => &outcomes.too_complex,
                _ => &outcomes.other,
            },
            Err(_) => &outcomes.other,
        };
        counter.fetch_add(1, Ordering::AcqRel);
    }
    Ok(())
}

/// The staff member's latencies over `period`.
struct Latency {
    count: usize,
    errors: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

async fn staff(
    url: &str,
    token: &str,
    period: Duration,
    interval: Duration,
) -> anyhow::Result<Latency> {
    let client = reqwest::Client::new();
    let body = json!({ "query": STAFF_QUERY }).to_string();
    let until = Instant::now() + period;
    let mut samples = Vec::new();
    let mut errors = 0;
    while Instant::now() < until {
        let sent = Instant::now();
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(body.clone())
            .send()
            .await;
        let ok = match response {
            Ok(response) if response.status().is_success() => response
                .json::<serde_json::Value>()
                .await
                .is_ok_and(|body| body.get("errors").is_none()),
            _ => false,
        };
        samples.push(sent.elapsed().as_secs_f64() * 1_000.0);
        if !ok {
            errors += 1;
        }
        tokio::time::sleep(interval).await;
    }
    samples.sort_by(f64::total_cmp);
    let rank = |fraction: f64| {
        let index = ((fraction * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
        samples.get(index).copied().unwrap_or(f64::NAN)
    };
    Ok(Latency {
        count: samples.len(),
        errors,
        p50_ms: rank(0.50),
        p99_ms: rank(0.99),
        max_ms: samples.last().copied().unwrap_or(f64::NAN),
    })
}
