//! Subscription fan-out: the production server with many `graphql-transport-ws` subscribers of
//! `events`, fed at a steady rate.
//!
//! Every subscriber resumes after the same cursor (the newest event before it connects), so
//! however late its subscription is set up it must receive every event after that exactly once
//! and in order: the seam between replay and live is part of what is checked. A sentinel event
//! committed once all have subscribed is awaited by all of them before the measured events
//! begin, so the measured ones travel the live path.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context as _;
use domain::{Actor, Db, Role, events, feed::FeedOptions};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, oneshot, watch};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};
use xieshang::{
    app::{AppState, RouterOptions},
    auth::{Claims, Secret, jwt},
};

use crate::{
    Delays, Options, Row, cpu_note, cpu_seconds,
    database::{self, PROVINCE},
    millis_between,
};

/// The server's token secret for this run.
const SECRET: &[u8] = b"events-benchmark-secret-events-benchmark";

/// Connections being opened at the same time (the rest wait), so the listen backlog never
/// overflows.
const CONNECTS_AT_ONCE: usize = 64;

/// What each subscriber asks for: the stored fields of an event (no `entity`, which would load
/// the consultation per subscriber and event).
const SUBSCRIPTION: &str = "subscription($after: String) { events(after: $after) { cursor sequence type occurredAt regionCodes entityId snapshot } }";

/// Progress marker of a subscriber that failed: it counts as done for every wait.
const FAILED: i64 = i64::MAX;

/// What the driver and the subscribers share.
struct Shared {
    address: SocketAddr,
    token: String,
    after: String,
    gate: Semaphore,
    subscribed: AtomicUsize,
    /// The highest sequence each subscriber has received.
    progress: Vec<AtomicI64>,
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
    let shared = Arc::new(Shared {
        address,
        token,
        after: events::cursor_of(start),
        gate: Semaphore::new(CONNECTS_AT_ONCE),
        subscribed: AtomicUsize::new(0),
        progress: (0..options.subscribers)
            .map(|_| AtomicI64::new(start))
            .collect(),
    });
    let (finish, finished) = watch::channel(false);
    let connecting = Instant::now();
    let clients: Vec<_> = (0..options.subscribers)
        .map(|index| tokio::spawn(subscriber(index, Arc::clone(&shared), finished.clone())))
        .collect();
    let all_subscribed = wait_until(options.wait, || {
        shared.subscribed.load(Ordering::Acquire) + failed(&shared) >= options.subscribers
    })
    .await;
    let connected = connecting.elapsed();

    // The sentinel: once every subscriber has it, every subscription is live.
    let sentinel_commit = database::propose(db, actor, 0).await?;
    let sentinel_sent = Instant::now();
    let sentinel = events::latest_sequence(db).await?;
    wait_until(options.wait, || reached(&shared, sentinel)).await;
    let sentinel_wait = sentinel_sent.elapsed();

    let count = options.fanout_events();
    let steady = Instant::now();
    let cpu_before = cpu_seconds();
    let commits = database::steady(db, actor, options.rate, count).await?;
    let cpu = cpu_note(cpu_before, steady.elapsed());
    let committing = steady.elapsed();
    let last = events::latest_sequence(db).await?;
    wait_until(options.wait, || reached(&shared, last)).await;
    let _ = finish.send(true);
    let mut results = Vec::with_capacity(clients.len());
    for client in clients {
        results.push(client.await?);
    }
    let _ = stop.send(());
    server.await??;

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
        "subscribers run in the server's process and runtime (client parsing competes with the \
         server for the cores)"
            .to_owned(),
    ];
    notes.extend(cpu);
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

/// Subscribers that gave up.
fn failed(shared: &Shared) -> usize {
    shared
        .progress
        .iter()
        .filter(|progress| progress.load(Ordering::Acquire) == FAILED)
        .count()
}

/// Whether every subscriber (that did not fail) has received `sequence`.
fn reached(shared: &Shared, sequence: i64) -> bool {
    shared
        .progress
        .iter()
        .all(|progress| progress.load(Ordering::Acquire) >= sequence)
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

/// One subscriber: connects, authenticates, subscribes after the shared cursor, then records
/// the sequence and arrival time of every event until told to finish.
async fn subscriber(
    index: usize,
    shared: Arc<Shared>,
    finished: watch::Receiver<bool>,
) -> Result<Vec<(i64, Instant)>, String> {
    let outcome = subscribe_and_listen(index, &shared, finished)
        .await
        .map_err(|error| format!("{error:#}"));
    if outcome.is_err() {
        shared.progress[index].store(FAILED, Ordering::Release);
    }
    outcome
}

async fn subscribe_and_listen(
    index: usize,
    shared: &Shared,
    mut finished: watch::Receiver<bool>,
) -> anyhow::Result<Vec<(i64, Instant)>> {
    let permit = shared.gate.acquire().await?;
    let mut request = format!("ws://{}/graphql/ws", shared.address).into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = connect_async(request).await.context("connecting")?;
    let init = json!({ "type": "connection_init",
                       "payload": { "authorization": format!("Bearer {}", shared.token) } });
    socket.send(Message::Text(init.to_string().into())).await?;
    let ack = tokio::time::timeout(Duration::from_secs(60), socket.next())
        .await
        .context("no connection_ack in time")?
        .context("closed before connection_ack")??;
    anyhow::ensure!(
        matches!(&ack, Message::Text(text) if text.contains("connection_ack")),
        "expected connection_ack, got {ack:?}"
    );
    let subscribe = json!({ "id": "events", "type": "subscribe",
                            "payload": { "query": SUBSCRIPTION, "variables": { "after": shared.after } } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await?;
    drop(permit);
    shared.subscribed.fetch_add(1, Ordering::Release);

    let mut received = Vec::new();
    loop {
        let frame = tokio::select! {
            biased;
            frame = socket.next() => frame,
            _ = finished.wait_for(|finished| *finished) => break,
        };
        let at = Instant::now();
        match frame.context("the server closed the connection")?? {
            Message::Text(text) => {
                let message: Value = serde_json::from_str(&text)?;
                match message["type"].as_str() {
                    Some("next") => {
                        let payload = &message["payload"];
                        anyhow::ensure!(payload.get("errors").is_none(), "error: {payload}");
                        let sequence = payload["data"]["events"]["sequence"]
                            .as_i64()
                            .context("an event without a sequence")?;
                        received.push((sequence, at));
                        shared.progress[index].fetch_max(sequence, Ordering::AcqRel);
                    }
                    Some("ping") => {
                        let pong = json!({ "type": "pong" }).to_string();
                        socket.send(Message::Text(pong.into())).await?;
                    }
                    _ => anyhow::bail!("unexpected message {message}"),
                }
            }
            Message::Close(frame) => anyhow::bail!("closed by the server: {frame:?}"),
            _ => {}
        }
    }
    let _ = socket.close(None).await;
    Ok(received)
}
