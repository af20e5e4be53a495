//! Dispatcher throughput: events committed as fast as the writers go, carried by the outbox
//! dispatcher over HTTP to `--targets` webhook targets on a local receiver, as `xieshang serve`
//! runs it: first a backlog committed before the dispatcher starts (its own throughput), then a
//! burst and a steady rate while it runs. Per target, every event must arrive once and in
//! order (a repeat only under the same delivery id).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context as _;
use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use domain::{
    Actor, Db, events,
    feed::{EventFeed, FeedOptions},
    write::notification_targets::{self, NewTarget},
};
use entity::enums::NotificationAdapter;
use notify::{AdapterConfig, DispatchOptions, Dispatcher, DispatcherHandle, HttpAdapters};
use tokio::sync::oneshot;

use crate::{
    Delays, Options, Row, cpu_note, cpu_seconds,
    database::{self, PROVINCE},
    millis_between,
};

/// One message as the receiver saw it.
struct Arrival {
    target: usize,
    sequence: i64,
    delivery: String,
    at: Instant,
}

/// What the receiver has seen so far.
#[derive(Default)]
struct Received {
    arrivals: Mutex<Vec<Arrival>>,
    count: AtomicUsize,
}

/// `POST /hook/{target}`: notes the event's sequence and the delivery id, and answers 204 at
/// once (no signature check: the receiver should cost as little as possible).
async fn hook(
    State(received): State<Arc<Received>>,
    Path(target): Path<usize>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    let sequence = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|body| body["event"]["sequence"].as_i64())
        .unwrap_or(-1);
    let delivery = headers
        .get("x-xieshang-delivery")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Ok(mut arrivals) = received.arrivals.lock() {
        arrivals.push(Arrival {
            target,
            sequence,
            delivery,
            at,
        });
    }
    received.count.fetch_add(1, Ordering::Release);
    StatusCode::NO_CONTENT
}

/// How the events of a measurement are committed.
#[derive(Clone, Copy)]
enum Load {
    /// All committed before the dispatcher starts: its throughput alone, not bounded by how
    /// fast events commit (the delay is then mostly the wait for the start).
    Backlog,
    /// As fast as the writers go: the dispatcher's throughput (and the delay under a backlog).
    Burst,
    /// At the steady rate of the fan-out: the delay when the dispatcher keeps up.
    Steady,
}

/// The three measurements, backlog, burst and steady, through one dispatcher (started after
/// the backlog is committed) and receiver.
pub async fn run(db: &Db, actor: &Actor, options: &Options) -> anyhow::Result<Vec<Row>> {
    let received = Arc::new(Received::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/hook/{target}", post(hook))
        .with_state(Arc::clone(&received));
    let (stop_receiver, receiver_stopped) = oneshot::channel::<()>();
    let receiver = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = receiver_stopped.await;
            })
            .await
    });

    // Targets through the domain API, as `createNotificationTarget` makes them (starting at
    // the newest event), with `XIESHANG_ALLOW_PRIVATE_TARGETS` on for the loopback receiver.
    for index in 0..options.targets {
        notification_targets::create(
            db,
            actor,
            NewTarget {
                name: format!("benchmark receiver {index}"),
                adapter: NotificationAdapter::Webhook,
                url: format!("http://{address}/hook/{index}"),
                secret: Some("benchmark-webhook-secret-0123456789".to_owned()),
                event_types: Vec::new(),
                region_code: PROVINCE.to_owned(),
            },
            true,
            // A benchmark may register more targets than a deployment allows.
            notification_targets::TargetLimits {
                per_owner: u64::MAX,
                per_region: u64::MAX,
            },
        )
        .await?;
    }
    let adapters = Arc::new(HttpAdapters::new(AdapterConfig {
        allow_private_targets: true,
        ..AdapterConfig::default()
    })?);
    let feed = EventFeed::start(db.clone(), FeedOptions::default());
    let start = || {
        Dispatcher::start(
            db.clone(),
            Arc::clone(&adapters) as Arc<dyn notify::AdapterRegistry>,
            feed.latest(),
            DispatchOptions::default(),
        )
    };

    let mut rows = Vec::new();
    let mut dispatcher = None;
    for load in [Load::Backlog, Load::Burst, Load::Steady] {
        rows.push(measure(db, actor, options, &received, load, &mut dispatcher, &start).await?);
    }
    let dispatcher = dispatcher.context("the dispatcher was started")?;
    dispatcher.shutdown().await;
    feed.shutdown();
    let _ = stop_receiver.send(());
    receiver.await??;
    Ok(rows)
}

/// Commits events under `load` and waits until every target has all of them; starts the
/// dispatcher (`start`) once the events are committed if it is not running yet.
async fn measure(
    db: &Db,
    actor: &Actor,
    options: &Options,
    received: &Received,
    load: Load,
    dispatcher: &mut Option<DispatcherHandle>,
    start: &dyn Fn() -> DispatcherHandle,
) -> anyhow::Result<Row> {
    let take = || -> anyhow::Result<Vec<Arrival>> {
        let mut arrivals = received
            .arrivals
            .lock()
            .map_err(|_| anyhow::anyhow!("the receiver's log is poisoned"))?;
        received.count.store(0, Ordering::Release);
        Ok(std::mem::take(&mut *arrivals))
    };
    take()?;
    let before = events::latest_sequence(db).await?;
    let started = Instant::now();
    let cpu_before = cpu_seconds(None);
    let (count, commits) = match load {
        Load::Backlog | Load::Burst => (
            options.events,
            database::burst(db, actor, options.events, options.writers).await?,
        ),
        Load::Steady => {
            let count = options.fanout_events();
            (
                count,
                database::steady(db, actor, options.rate, count).await?,
            )
        }
    };
    let committed = started.elapsed();
    // The backlog's clock starts with the dispatcher.
    let started = match dispatcher {
        Some(_) => started,
        None => {
            *dispatcher = Some(start());
            Instant::now()
        }
    };
    let expected = count * options.targets;
    let deadline = Instant::now() + options.wait;
    while received.count.load(Ordering::Acquire) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cpu = cpu_note("benchmark", cpu_before, None, started.elapsed());
    // Anything still on its way would be a duplicate: give it a moment to show.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let arrivals = take()?;

    let clock = database::commit_clock_by_sequence(db, before, &commits).await?;
    let check = check(&arrivals, &clock, options.targets);
    let last = arrivals.iter().map(|arrival| arrival.at).max();
    let elapsed = last.map_or(Duration::ZERO, |last| last.duration_since(started));
    let delivered = check.first_arrivals;
    let commit_rate = count as f64 / committed.as_secs_f64();
    let mut notes = vec![match load {
        Load::Backlog => format!(
            "{count} events committed by {} concurrent writer(s) before the dispatcher started \
             ({commit_rate:.1} commits/s); {delivered} deliveries to {} WEBHOOK target(s) on \
             127.0.0.1 (axum, 204 at once) {:.2} s after it started: {:.0} deliveries/s in \
             total, production DispatchOptions ({} workers)",
            options.writers,
            options.targets,
            elapsed.as_secs_f64(),
            delivered as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE),
            DispatchOptions::default().concurrency,
        ),
        Load::Burst => format!(
            "{count} events committed by {} concurrent writer(s) in {:.2} s ({commit_rate:.1} \
             commits/s); the last delivery {:.2} s after the first commit; {delivered} \
             deliveries to {} WEBHOOK target(s) ({:.0} deliveries/s in total) while they \
             were committed, the dispatcher woken by the event feed",
            options.writers,
            committed.as_secs_f64(),
            elapsed.as_secs_f64(),
            options.targets,
            delivered as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE),
        ),
        Load::Steady => format!(
            "{count} events committed one at a time at {commit_rate:.1}/s (target {}/s), \
             same dispatcher and target(s); {delivered} deliveries",
            options.rate
        ),
    }];
    notes.extend(cpu);
    if check.redelivered > 0 {
        notes.push(format!(
            "{} repeated deliveries (same X-Xieshang-Delivery, at-least-once)",
            check.redelivered
        ));
    }
    let per_target = delivered as f64 / options.targets as f64;
    Ok(Row {
        scenario: match load {
            Load::Backlog => "dispatch backlog",
            Load::Burst => "dispatch burst",
            Load::Steady => "dispatch steady",
        },
        events: count,
        receivers: format!("{} webhook", options.targets),
        events_per_second: match load {
            _ if elapsed.is_zero() => 0.0,
            Load::Backlog | Load::Burst => per_target / elapsed.as_secs_f64(),
            Load::Steady => commit_rate,
        },
        delays: Delays::of(check.delays),
        notes,
        problems: check.problems,
    })
}

/// What the arrivals show.
struct Check {
    delays: Vec<f64>,
    first_arrivals: usize,
    redelivered: usize,
    problems: Vec<String>,
}

/// Per target: every event once, in sequence order; a repeat is tolerated only as the same
/// delivery id (at-least-once), anything else is a problem.
fn check(arrivals: &[Arrival], clock: &HashMap<i64, Instant>, targets: usize) -> Check {
    let mut result = Check {
        delays: Vec::with_capacity(arrivals.len()),
        first_arrivals: 0,
        redelivered: 0,
        problems: Vec::new(),
    };
    for target in 0..targets {
        let mut seen: HashMap<i64, &str> = HashMap::new();
        let mut previous = i64::MIN;
        let mut out_of_order = 0;
        for arrival in arrivals.iter().filter(|arrival| arrival.target == target) {
            if let Some(delivery) = seen.get(&arrival.sequence) {
                if *delivery == arrival.delivery {
                    result.redelivered += 1;
                } else {
                    result.problems.push(format!(
                        "target {target}: event {} arrived twice under different delivery ids",
                        arrival.sequence
                    ));
                }
                continue;
            }
            if arrival.sequence <= previous {
                out_of_order += 1;
            }
            previous = previous.max(arrival.sequence);
            seen.insert(arrival.sequence, &arrival.delivery);
            match clock.get(&arrival.sequence) {
                Some(committed) => {
                    result.first_arrivals += 1;
                    result.delays.push(millis_between(*committed, arrival.at));
                }
                None => result.problems.push(format!(
                    "target {target}: unexpected event {}",
                    arrival.sequence
                )),
            }
        }
        let missing = clock
            .keys()
            .filter(|sequence| !seen.contains_key(sequence))
            .count();
        if missing > 0 {
            result.problems.push(format!(
                "target {target}: {missing} of {} events never arrived",
                clock.len()
            ));
        }
        if out_of_order > 0 {
            result.problems.push(format!(
                "target {target}: {out_of_order} events arrived out of order"
            ));
        }
    }
    result
}
