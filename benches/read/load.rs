//! The load generator, run in its own OS process (`read load …`, started by the benchmark
//! itself) so that its CPU never counts as the server's: `--connections` keep-alive HTTP/1.1
//! connections, each sending the same POST one request after another for `--seconds`. Requests
//! in flight at the deadline are waited for and counted. It prints one JSON line, a [`Round`].

use std::time::{Duration, Instant};

use anyhow::Context as _;
use http_body_util::{BodyExt as _, Full};
use hyper::{
    Request, StatusCode, Uri,
    body::Bytes,
    header::{CONTENT_TYPE, HOST},
};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};

/// What one round measured, as the child prints it and the parent reads it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Round {
    /// Requests answered (200 or not).
    pub requests: u64,
    /// Answers that were not 200 or that carried GraphQL `errors`.
    pub errors: u64,
    /// From the first request sent to the last answer read, in seconds.
    pub seconds: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Mean answer size in bytes.
    pub answer_bytes: f64,
}

/// The arguments of `read load`.
pub struct LoadOptions {
    /// Where to POST.
    pub url: String,
    /// The JSON request body.
    pub body: String,
    /// Concurrent connections.
    pub connections: usize,
    /// How long to keep sending.
    pub seconds: f64,
}

impl LoadOptions {
    /// Parses the arguments after `load`.
    pub fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Self> {
        let (mut url, mut body, mut connections, mut seconds) = (None, None, 16, 10.0);
        while let Some(arg) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("load: {arg} needs a value"))?;
            match arg.as_str() {
                "--url" => url = Some(value),
                "--body" => body = Some(value),
                "--connections" => connections = value.parse()?,
                "--seconds" => seconds = value.parse()?,
                other => anyhow::bail!("load: unknown argument {other:?}"),
            }
        }
        Ok(Self {
            url: url.context("load: --url is required")?,
            body: body.context("load: --body is required")?,
            connections,
            seconds,
        })
    }
}

/// One connection's tally.
#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    errors: u64,
    bytes: u64,
}

/// Runs the load and prints the [`Round`] as one JSON line. A single-threaded runtime: the
/// generator needs little CPU and should leave the rest of the machine to the server.
pub fn main(options: LoadOptions) -> anyhow::Result<()> {
    let round = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(drive(options))?;
    println!("{}", serde_json::to_string(&round)?);
    Ok(())
}

async fn drive(options: LoadOptions) -> anyhow::Result<Round> {
    let uri: Uri = options.url.parse().context("--url")?;
    let body = Bytes::from(options.body);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(options.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.connections {
        tasks.spawn(connection(uri.clone(), body.clone(), deadline));
    }
    let mut total = Tally::default();
    while let Some(done) = tasks.join_next().await {
        let tally = done??;
        total.latencies_ms.extend(tally.latencies_ms);
        total.errors += tally.errors;
        total.bytes += tally.bytes;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = total.latencies_ms;
    latencies.sort_by(f64::total_cmp);
    let rank = |fraction: f64| {
        let index =
            ((fraction * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies.get(index).copied().unwrap_or(f64::NAN)
    };
    let requests = latencies.len() as u64;
    Ok(Round {
        requests,
        errors: total.errors,
        seconds,
        p50_ms: rank(0.50),
        p99_ms: rank(0.99),
        answer_bytes: total.bytes as f64 / requests.max(1) as f64,
    })
}

/// One keep-alive connection sending requests back to back until `deadline`.
async fn connection(uri: Uri, body: Bytes, deadline: Instant) -> anyhow::Result<Tally> {
    let authority = uri
        .authority()
        .context("the URL has no host")?
        .as_str()
        .to_owned();
    let host = uri.host().context("the URL has no host")?;
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .with_context(|| format!("cannot connect to {authority}"))?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP/1.1 handshake")?;
    let driver = tokio::spawn(connection);
    let path = uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .to_owned();
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let request = Request::post(path.as_str())
            .header(HOST, authority.as_str())
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(body.clone()))?;
        let sent = Instant::now();
        let response = sender.send_request(request).await.context("request")?;
        let status = response.status();
        let answer = response.into_body().collect().await?.to_bytes();
        tally
            .latencies_ms
            .push(sent.elapsed().as_secs_f64() * 1_000.0);
        tally.bytes += answer.len() as u64;
        if status != StatusCode::OK || has_errors(&answer) {
            tally.errors += 1;
        }
    }
    drop(sender);
    let _ = driver.await;
    Ok(tally)
}

/// Whether a GraphQL answer carries an `errors` member (anywhere: engines place it first or
/// last).
fn has_errors(answer: &[u8]) -> bool {
    answer.windows(8).any(|window| window == b"\"errors\"")
}
