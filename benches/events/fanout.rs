//! Subscription fan-out: the production server with many `graphql-transport-ws` subscribers of
//! `events`, fed at a steady rate. The subscribers run in a separate process ([`clients`],
//! this binary started again), as real clients would.
//!
//! Every subscriber resumes after the same cursor (the newest event before it connects), so
//! however late its subscription is set up it must receive every event after that exactly once
//! and in order: the seam between replay and live is part of what is checked. A sentinel event
//! committed once all have subscribed is awaited by all of them before the measured events
//! begin, so the measured ones travel the live path.

use std::{
    collections::HashMap,
    io::{BufReader, Write as _},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::Context as _;
use domain::{Actor, Db, Role, events, feed::FeedOptions};
use tokio::sync::oneshot;
use xieshang::{
    app::{AppState, RouterOptions},
    auth::{Claims, Secret, jwt},
};

use crate::{
    Delays, Options, Row,
    clients::Plan,
    cpu_note, cpu_seconds,
    database::{self, PROVINCE},
    millis_between,
};

/// The server's token secret for this run.
const SECRET: &[u8] = b"events-benchmark-secret-events-benchmark";

/// One subscriber's arrivals (sequence, arrival on this process's clock), or why it failed.
type Outcome = Result<Vec<(i64, Instant)>, String>;

/// What the client process has reported so far.
#[derive(Default)]
struct Progress {
    subscribed: AtomicUsize,
    failed: AtomicUsize,
    /// The lowest sequence every live subscriber has received.
    reached: AtomicI64,
    /// Per subscriber: its arrivals, or why it failed (after `finish`).
    results: Mutex<Vec<Outcome>>,
    /// Set when the client process printed `end` (or its output ended).
    ended: std::sync::atomic::AtomicBool,
}

/// The running client process and the thread reading its output.
struct ClientProcess {
    child: Child,
    reader: std::thread::JoinHandle<anyhow::Result<()>>,
}

impl ClientProcess {
    /// Runs this benchmark binary again in `clients` mode and hands it the plan.
    fn start(plan: &Plan, progress: Arc<Progress>) -> anyhow::Result<Self> {
        let program = std::env::current_exe().context("the benchmark's own path")?;
        let mut child = Command::new(program)
            .arg("clients")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the client process")?;
        let mut stdin = child.stdin.take().context("the client process's stdin")?;
        writeln!(stdin, "{}", serde_json::to_string(plan)?)?;
        stdin.flush()?;
        // Kept open (in `child.stdin`) until `finish`.
        child.stdin = Some(stdin);
        let stdout = child.stdout.take().context("the client process's stdout")?;
        // Arrival times come as wall-clock nanoseconds; mapped onto this process's `Instant`s
        // through one reading of both clocks.
        let anchor = (Instant::now(), SystemTime::now());
        let reader = std::thread::spawn(move || {
            let outcome = read_reports(BufReader::new(stdout), &progress, anchor);
            progress.ended.store(true, Ordering::Release);
            outcome
        });
        Ok(Self { child, reader })
    }

    /// Tells the clients to stop and collects their results.
    fn finish(mut self, wait: Duration) -> anyhow::Result<()> {
        if let Some(mut stdin) = self.child.stdin.take() {
            writeln!(stdin, "finish")?;
            stdin.flush()?;
        }
        let deadline = Instant::now() + wait;
        while !self.reader.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if !self.reader.is_finished() {
            let _ = self.child.kill();
        }
        let status = self.child.wait()?;
        self.reader
            .join()
            .map_err(|_| anyhow::anyhow!("the client reader panicked"))??;
        anyhow::ensure!(status.success(), "the client process ended with {status}");
        Ok(())
    }
}

/// Reads the client process's lines into `progress` until `end`.
fn read_reports(
    reader: impl std::io::BufRead,
    progress: &Progress,
    (anchor, anchor_wall): (Instant, SystemTime),
) -> anyhow::Result<()> {
    let to_instant = |nanos: u64| {
        let wall = UNIX_EPOCH + Duration::from_nanos(nanos);
        match wall.duration_since(anchor_wall) {
            Ok(after) => anchor + after,
            Err(before) => anchor.checked_sub(before.duration()).unwrap_or(anchor),
        }
    };
    for line in reader.lines() {
        let line = line?;
        let mut words = line.split(' ');
        match words.next() {
            Some("subscribed") => {
                let mut number =
                    || -> anyhow::Result<usize> { Ok(words.next().context("a count")?.parse()?) };
                progress.subscribed.store(number()?, Ordering::Release);
                progress.failed.store(number()?, Ordering::Release);
            }
            Some("reached") => {
                let sequence: i64 = words.next().context("a sequence")?.parse()?;
                progress.reached.store(sequence, Ordering::Release);
            }
            Some("ok") => {
                words.next();
                let mut arrivals = Vec::new();
                for word in words {
                    let (sequence, nanos) = word.split_once('@').context("sequence@nanos")?;
                    arrivals.push((sequence.parse()?, to_instant(nanos.parse()?)));
                }
                lock(&progress.results)?.push(Ok(arrivals));
            }
            Some("failed") => {
                words.next();
                let error = words.collect::<Vec<_>>().join(" ");
                lock(&progress.results)?.push(Err(error));
            }
            Some("end") => return Ok(()),
            _ => anyhow::bail!("unexpected line from the client process: {line:?}"),
        }
    }
    anyhow::bail!("the client process ended without `end`")
}

fn lock<T>(mutex: &Mutex<T>) -> anyhow::Result<std::sync::MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| anyhow::anyhow!("a poisoned lock"))
}

pub async fn run(db: &Db, actor: &Actor, options: &Options) -> anyhow::Result<Row> {
    let state = AppState::with_services(
        db.clone(),
        Secret::new(SECRET),
        domain::statistics::Quotas::default(),
        graphql::Services::default(),
    );
    state.start_feed(FeedOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(xieshang::server::run(
        listener,
        state,
        RouterOptions::default(),
        async move {
            let _ = stopped.await;
        },
    ));

    let start = events::latest_sequence(db).await?;
    let token = jwt::sign(
        &Claims {
            sub: "events-benchmark".to_owned(),
            role: Role::ProvinceStaff,
            region: PROVINCE.to_owned(),
            member: None,
            exp: xieshang::auth::now() + 24 * 3600,
        },
        SECRET,
    )?;
    let progress = Arc::new(Progress::default());
    let plan = Plan {
        address: address.to_string(),
        token,
        after: events::cursor_of(start),
        subscribers: options.subscribers,
    };
    let connecting = Instant::now();
    let process = ClientProcess::start(&plan, Arc::clone(&progress))?;
    let client_pid = process.child.id();
    let all_subscribed = wait_until(options.wait, || {
        progress.ended.load(Ordering::Acquire)
            || progress.subscribed.load(Ordering::Acquire) + progress.failed.load(Ordering::Acquire)
                >= options.subscribers
    })
    .await;
    let connected = connecting.elapsed();

    // The sentinel: once every subscriber has it, every subscription is live.
    let reached = |sequence: i64| {
        progress.ended.load(Ordering::Acquire)
            || progress.reached.load(Ordering::Acquire) >= sequence
    };
    let sentinel_commit = database::propose(db, actor, 0).await?;
    let sentinel_sent = Instant::now();
    let sentinel = events::latest_sequence(db).await?;
    wait_until(options.wait, || reached(sentinel)).await;
    let sentinel_wait = sentinel_sent.elapsed();

    let count = options.fanout_events();
    let steady = Instant::now();
    let cpu_before = cpu_seconds(None);
    let client_cpu_before = cpu_seconds(Some(client_pid));
    let commits = database::steady(db, actor, options.rate, count).await?;
    let cpu = cpu_note("server", cpu_before, None, steady.elapsed());
    let client_cpu = cpu_note(
        "client",
        client_cpu_before,
        Some(client_pid),
        steady.elapsed(),
    );
    let committing = steady.elapsed();
    let last = events::latest_sequence(db).await?;
    wait_until(options.wait, || reached(last)).await;
    let wait = options.wait;
    tokio::task::spawn_blocking(move || process.finish(wait)).await??;
    let _ = stop.send(());
    server.await??;
    let results = std::mem::take(&mut *lock(&progress.results)?);
    anyhow::ensure!(
        results.len() == options.subscribers,
        "the client process reported {} of {} subscribers",
        results.len(),
        options.subscribers
    );

    let mut all_commits = commits.clone();
    all_commits.push(sentinel_commit);
    let clock = database::commit_clock_by_sequence(db, start, &all_commits).await?;
    let measured: Vec<i64> = (sentinel + 1..=last).collect();
    anyhow::ensure!(
        measured.len() == count && measured.iter().all(|sequence| clock.contains_key(sequence)),
        "the outbox holds sequences {}..={last} for {count} events",
        sentinel + 1
    );
    let expected: Vec<i64> = (start + 1..=last).collect();
    let mut delays = Vec::with_capacity(count * options.subscribers);
    let mut problems = Vec::new();
    let mut failures: HashMap<String, usize> = HashMap::new();
    let (mut incomplete, mut out_of_order, mut missing, mut duplicates) = (0, 0, 0, 0);
    let mut last_arrival = steady;
    for result in &results {
        let received = match result {
            Ok(received) => received,
            Err(error) => {
                *failures.entry(error.clone()).or_default() += 1;
                continue;
            }
        };
        let sequences: Vec<i64> = received.iter().map(|(sequence, _)| *sequence).collect();
        if sequences != expected {
            incomplete += 1;
            let mut counts: HashMap<i64, usize> = HashMap::new();
            for sequence in &sequences {
                *counts.entry(*sequence).or_default() += 1;
            }
            missing += expected
                .iter()
                .filter(|sequence| !counts.contains_key(sequence))
                .count();
            duplicates += counts.values().map(|seen| seen - 1).sum::<usize>();
            out_of_order += sequences
                .windows(2)
                .filter(|pair| pair[1] <= pair[0])
                .count();
        }
        for (sequence, at) in received {
            if *sequence > sentinel
                && let Some(committed) = clock.get(sequence)
            {
                delays.push(millis_between(*committed, *at));
                last_arrival = last_arrival.max(*at);
            }
        }
    }
    for (error, subscribers) in &failures {
        problems.push(format!("{subscribers} subscriber(s) failed: {error}"));
    }
    if incomplete > 0 {
        problems.push(format!(
            "{incomplete} subscriber(s) did not receive exactly sequences {}..={last} in order: \
             {missing} missing, {duplicates} duplicates, {out_of_order} out of order",
            start + 1
        ));
    }
    if !all_subscribed {
        problems.push(format!(
            "not every subscriber had subscribed after {:.0} s",
            options.wait.as_secs_f64()
        ));
    }
    let pairs = delays.len();
    let spread = last_arrival.duration_since(steady).as_secs_f64();
    let mut notes = vec![
        format!(
            "{} subscribers connected, authenticated and subscribed in {:.2} s; the sentinel \
             event reached all of them {:.2} s after its commit",
            options.subscribers,
            connected.as_secs_f64(),
            sentinel_wait.as_secs_f64()
        ),
        format!(
            "{count} events committed at {:.1}/s (target {}/s); {pairs} (subscriber, event) \
             arrivals measured, {:.0} messages/s to subscribers",
            count as f64 / committing.as_secs_f64(),
            options.rate,
            if spread > 0.0 {
                pairs as f64 / spread
            } else {
                0.0
            }
        ),
        "subscribers run in a separate client process on the same machine".to_owned(),
    ];
    notes.extend(cpu);
    notes.extend(client_cpu);
    Ok(Row {
        scenario: "ws fan-out",
        events: count,
        receivers: format!("{} ws", options.subscribers),
        events_per_second: count as f64 / committing.as_secs_f64(),
        delays: Delays::of(delays),
        notes,
        problems,
    })
}

/// Polls `done` every 5 ms for at most `wait`; false when time ran out.
async fn wait_until(wait: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + wait;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}
