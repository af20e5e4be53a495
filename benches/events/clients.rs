//! The fan-out's subscribers, in a process of their own (`events clients`, which the fan-out
//! starts by running this benchmark binary again): so that parsing 1,000 sockets' messages does
//! not compete with the server inside one runtime, as it would with real clients elsewhere.
//!
//! The two processes talk over the child's standard input and output, one line each:
//!
//! * in: the [`Plan`] as JSON, then `finish` when the driver has seen enough;
//! * out: `subscribed <ok> <failed>` and `reached <sequence>` (the lowest sequence every live
//!   subscriber has received) whenever they change; after `finish`, one line per subscriber,
//!   `ok <index> <sequence>@<unix nanos> …` or `failed <index> <error>`, then `end`.
//!
//! Arrival times are wall-clock (`SystemTime`), the one clock both processes read alike; the
//! driver maps them onto its own `Instant`s.

use std::{
    io::{BufRead as _, Write as _},
    net::{Ipv4Addr, SocketAddr},
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::Context as _;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::{
    net::TcpSocket,
    sync::{Semaphore, watch},
};
use tokio_tungstenite::{
    client_async_with_config,
    tungstenite::{
        Message, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig,
    },
};

/// What each subscriber asks for: the stored fields of an event (no `entity`, which would load
/// the consultation per subscriber and event).
const SUBSCRIPTION: &str = "subscription($after: String) { events(after: $after) { cursor sequence type occurredAt regionCodes entityId snapshot } }";

/// Connections being opened at the same time (the rest wait), so the listen backlog never
/// overflows.
const CONNECTS_AT_ONCE: usize = 64;

/// Sockets opened from one loopback address: under the server's default limit of 10 per client
/// address, so the benchmark runs with the production limits (real subscribers come from many
/// addresses). Subscriber `i` connects from 127.0.0.2 + i / 8.
const SOCKETS_PER_ADDRESS: usize = 8;

/// Progress marker of a subscriber that failed: it counts as done for every wait.
pub const FAILED: i64 = i64::MAX;

/// What the driver asks of the client process.
#[derive(Debug, Serialize, Deserialize)]
pub struct Plan {
    /// `host:port` of the server.
    pub address: String,
    /// The bearer token every subscriber authenticates with.
    pub token: String,
    /// The cursor every subscriber resumes after.
    pub after: String,
    /// How many subscribers.
    pub subscribers: usize,
}

/// What the subscribers share.
struct Shared {
    plan: Plan,
    gate: Semaphore,
    subscribed: AtomicUsize,
    /// The highest sequence each subscriber has received ([`FAILED`] once it failed).
    progress: Vec<AtomicI64>,
}

/// One arrival: the event's sequence and the wall clock when its frame was read.
type Arrival = (i64, SystemTime);

/// The client process: runs the plan read from standard input, reports on standard output.
pub async fn run() -> anyhow::Result<()> {
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    // Standard input is read on a thread of its own (tokio's `io-std` is not enabled).
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let plan: Plan = serde_json::from_str(&lines.recv().await.context("no plan on stdin")?)?;
    let count = plan.subscribers;
    let shared = Arc::new(Shared {
        gate: Semaphore::new(CONNECTS_AT_ONCE),
        subscribed: AtomicUsize::new(0),
        progress: (0..count).map(|_| AtomicI64::new(0)).collect(),
        plan,
    });
    let (finish, finished) = watch::channel(false);
    let clients: Vec<_> = (0..count)
        .map(|index| tokio::spawn(subscriber(index, Arc::clone(&shared), finished.clone())))
        .collect();

    let mut reported = (usize::MAX, usize::MAX, i64::MIN);
    let mut ticks = tokio::time::interval(Duration::from_millis(2));
    loop {
        tokio::select! {
            line = lines.recv() => match line.as_deref() {
                Some("finish") | None => break,
                Some(other) => anyhow::bail!("unexpected line from the driver: {other:?}"),
            },
            _ = ticks.tick() => {}
        }
        let failed = shared
            .progress
            .iter()
            .filter(|progress| progress.load(Ordering::Acquire) == FAILED)
            .count();
        let subscribed = shared.subscribed.load(Ordering::Acquire);
        let reached = shared
            .progress
            .iter()
            .map(|progress| progress.load(Ordering::Acquire))
            .min()
            .unwrap_or(FAILED);
        let mut out = std::io::stdout().lock();
        if (subscribed, failed) != (reported.0, reported.1) {
            writeln!(out, "subscribed {subscribed} {failed}")?;
        }
        if reached != reported.2 {
            writeln!(out, "reached {reached}")?;
        }
        out.flush()?;
        reported = (subscribed, failed, reached);
    }
    let _ = finish.send(true);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (index, client) in clients.into_iter().enumerate() {
        match client.await? {
            Ok(arrivals) => {
                write!(out, "ok {index}")?;
                for (sequence, at) in arrivals {
                    let nanos = at.duration_since(UNIX_EPOCH)?.as_nanos();
                    write!(out, " {sequence}@{nanos}")?;
                }
                writeln!(out)?;
            }
            Err(error) => writeln!(out, "failed {index} {}", error.replace('\n', " "))?,
        }
    }
    writeln!(out, "end")?;
    out.flush()?;
    Ok(())
}

/// One subscriber: connects, authenticates, subscribes after the shared cursor, then records
/// the sequence and arrival time of every event until told to finish.
async fn subscriber(
    index: usize,
    shared: Arc<Shared>,
    finished: watch::Receiver<bool>,
) -> Result<Vec<Arrival>, String> {
    let outcome = subscribe_and_listen(index, &shared, finished)
        .await
        .map_err(|error| format!("{error:#}"));
    if outcome.is_err() {
        shared.progress[index].store(FAILED, Ordering::Release);
    }
    outcome
}

/// The part of a server message the subscriber reads (borrowed: no tree is built).
#[derive(Deserialize)]
struct ServerMessage<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    payload: Option<NextPayload>,
}

#[derive(Deserialize)]
struct NextPayload {
    data: Option<EventData>,
    errors: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct EventData {
    events: SequenceOnly,
}

#[derive(Deserialize)]
struct SequenceOnly {
    sequence: i64,
}

async fn subscribe_and_listen(
    index: usize,
    shared: &Shared,
    mut finished: watch::Receiver<bool>,
) -> anyhow::Result<Vec<Arrival>> {
    let permit = shared.gate.acquire().await?;
    let server: SocketAddr = shared.plan.address.parse()?;
    let mut request = format!("ws://{server}/graphql/ws").into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let offset = u32::try_from(index / SOCKETS_PER_ADDRESS)?;
    let local = Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + offset);
    let tcp = TcpSocket::new_v4()?;
    tcp.bind(SocketAddr::new(local.into(), 0))
        .with_context(|| format!("binding {local}"))?;
    let stream = tcp.connect(server).await.context("connecting")?;
    stream.set_nodelay(true)?;
    // A small read buffer: tungstenite zero-fills its free part on every read, which with the
    // default 128 KiB made the load generator itself costly.
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let (mut socket, _) = client_async_with_config(request, stream, Some(config))
        .await
        .context("the WebSocket handshake")?;
    let init = json!({ "type": "connection_init",
                       "payload": { "authorization": format!("Bearer {}", shared.plan.token) } });
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
                            "payload": { "query": SUBSCRIPTION,
                                         "variables": { "after": shared.plan.after } } });
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
        let at = SystemTime::now();
        match frame.context("the server closed the connection")?? {
            Message::Text(text) => {
                let message: ServerMessage<'_> = serde_json::from_str(&text)
                    .with_context(|| format!("unreadable message {text}"))?;
                match message.kind {
                    "next" => {
                        let payload = message.payload.context("`next` without a payload")?;
                        anyhow::ensure!(payload.errors.is_none(), "error: {:?}", payload.errors);
                        let sequence = payload
                            .data
                            .context("an event without data")?
                            .events
                            .sequence;
                        received.push((sequence, at));
                        shared.progress[index].fetch_max(sequence, Ordering::AcqRel);
                    }
                    "ping" => {
                        let pong = json!({ "type": "pong" }).to_string();
                        socket.send(Message::Text(pong.into())).await?;
                    }
                    _ => anyhow::bail!("unexpected message {text}"),
                }
            }
            Message::Close(frame) => anyhow::bail!("closed by the server: {frame:?}"),
            _ => {}
        }
    }
    let _ = socket.close(None).await;
    Ok(received)
}
