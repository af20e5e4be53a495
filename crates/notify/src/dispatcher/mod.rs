//! The outbox dispatcher: carries committed events to every matching notification target, in
//! order per target, at least once, across restarts and replicas.
//!
//! * **Leases per target.** A process works a target only while it holds the target's lease
//!   (`lease_holder`, `lease_until`), taken with one conditional `UPDATE … RETURNING` that both
//!   engines run (`lease.rs`). One target is therefore sent by one process at a time, so its events
//!   cannot overtake each other even with several replicas, while different targets proceed in
//!   parallel. A holder that dies stops renewing; when its lease runs out another process claims
//!   the target and resends what was in flight under the same delivery id (at-least-once).
//! * **The in-order stream.** A target's non-redelivery deliveries are sent strictly by event
//!   sequence; a delivery waiting for its retry holds every later one (`stream.rs`). Deliveries
//!   are created only when the stream is free, together with the advance of `last_sequence`, so
//!   a crash between the two is impossible.
//! * **Redeliveries** (dead letters staff asked to send again) are sent apart from the stream:
//!   they never wait for it and never hold it.
//! * **Robots** (DingTalk, WeCom) take about twenty messages a minute: a per-target sliding
//!   window (`throttle.rs`) decides when the next message may go, and every message folds all
//!   deliveries that are ready by then into one digest, so a burst is delayed, never dropped.
//! * **Wake-ups** (the event feed's latest sequence) only shorten the wait: a timer polls as
//!   well, so a lost wake-up delays a delivery by at most one poll interval.

mod backoff;
mod lease;
mod message;
mod outcome;
mod stream;
mod throttle;
mod worker;

use std::{sync::Arc, time::Duration};

use tokio::{sync::watch, task::JoinSet};

use crate::AdapterRegistry;

/// How the dispatcher works; [`Default`] gives the production values.
#[derive(Clone, Debug)]
pub struct DispatchOptions {
    /// Names this process in `lease_holder`; must differ between processes sharing a database
    /// (the default combines host name, process id and a random number).
    pub holder_id: String,
    /// How long a claimed target stays leased without renewal. A crashed holder's targets are
    /// resent by others after at most this long, so it trades failover time against renewals.
    pub lease: Duration,
    /// Attempts after which a delivery is dead-lettered.
    pub max_attempts: i32,
    /// Backoff before the first retry (at most; the wait is jittered down from it).
    pub backoff_base: Duration,
    /// The longest wait between two attempts.
    pub backoff_cap: Duration,
    /// How often the dispatcher looks for work without being woken.
    pub poll_interval: Duration,
    /// Messages a robot target (DingTalk, WeCom) may receive per [`robot_window`]; 0 turns
    /// throttling off.
    ///
    /// [`robot_window`]: DispatchOptions::robot_window
    pub robot_messages_per_minute: u32,
    /// The sliding window the robot limit counts over: a minute (tests shorten it).
    pub robot_window: Duration,
    /// Events examined per scan of the outbox for one target.
    pub batch: u64,
    /// Most events folded into one robot digest (robots limit a message's size).
    pub digest_max: u64,
    /// Targets worked at the same time by this process.
    pub concurrency: usize,
    /// How long one send may take before it counts as a retryable timeout; keep it well under
    /// a third of [`lease`](DispatchOptions::lease) so a slow send cannot outlive the lease.
    pub send_timeout: Duration,
    /// How long [`DispatcherHandle::shutdown`] waits for sends in flight before abandoning them
    /// (an abandoned send is resent later, under the same delivery id).
    pub shutdown_grace: Duration,
    /// Ticked at every iteration of the main loop, for the readiness probe.
    pub heartbeat: domain::health::Heartbeat,
}

impl Default for DispatchOptions {
    fn default() -> Self {
        Self {
            holder_id: default_holder_id(),
            lease: Duration::from_secs(30),
            max_attempts: 8,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(600),
            poll_interval: Duration::from_secs(1),
            robot_messages_per_minute: 20,
            robot_window: Duration::from_secs(60),
            batch: 100,
            digest_max: 10,
            concurrency: 4,
            send_timeout: Duration::from_secs(8),
            shutdown_grace: Duration::from_secs(5),
            heartbeat: domain::health::Heartbeat::new(),
        }
    }
}

/// A holder id unique per process: host name, process id and a random part (two processes of
/// one container image can share host name and pid namespace).
pub fn default_holder_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "host".to_owned());
    format!("{host}:{}:{:08x}", std::process::id(), fastrand::u32(..))
}

/// Starts the dispatcher.
pub struct Dispatcher;

impl Dispatcher {
    /// Spawns the dispatcher on the current Tokio runtime. `wake` changes when new events may
    /// be committed (the event feed's latest sequence); the dispatcher polls anyway, so a closed
    /// or quiet `wake` only delays deliveries. Dropping the handle stops the dispatcher like
    /// [`DispatcherHandle::shutdown`], without waiting for it.
    pub fn start(
        db: domain::Db,
        registry: Arc<dyn AdapterRegistry>,
        wake: watch::Receiver<i64>,
        options: DispatchOptions,
    ) -> DispatcherHandle {
        let (stop, stopping) = watch::channel(false);
        let holder_id = options.holder_id.clone();
        let shared = Arc::new(Shared {
            throttle: throttle::Throttle::new(
                options.robot_messages_per_minute,
                options.robot_window,
            ),
            db,
            registry,
            options,
        });
        let task = tokio::spawn(run(shared, wake, stopping));
        DispatcherHandle {
            stop,
            task,
            holder_id,
        }
    }
}

/// A running dispatcher.
#[derive(Debug)]
pub struct DispatcherHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    holder_id: String,
}

impl DispatcherHandle {
    /// The `lease_holder` this dispatcher writes.
    pub fn holder_id(&self) -> &str {
        &self.holder_id
    }

    /// Stops taking work, lets sends in flight finish (up to the shutdown grace), then
    /// releases every lease this dispatcher holds so other replicas take over at once.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "outbox dispatcher task failed");
        }
    }
}

/// What every worker of one dispatcher shares.
struct Shared {
    db: domain::Db,
    registry: Arc<dyn AdapterRegistry>,
    options: DispatchOptions,
    throttle: throttle::Throttle,
}

/// True once the handle asked to stop (or was dropped).
fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// The main loop: claims targets while there are free worker slots, then waits for a wake-up,
/// the poll timer, a finished worker or the stop signal.
async fn run(shared: Arc<Shared>, mut wake: watch::Receiver<i64>, mut stop: watch::Receiver<bool>) {
    let options = &shared.options;
    let mut workers = JoinSet::new();
    let mut poll = tokio::time::interval(options.poll_interval.max(Duration::from_millis(1)));
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut wake_open = true;
    let concurrency = options.concurrency.max(1);
    loop {
        if stopping(&stop) {
            break;
        }
        options.heartbeat.beat();
        while workers.len() < concurrency {
            match lease::claim(&shared.db, &options.holder_id, options.lease).await {
                Ok(Some(target)) => {
                    workers.spawn(worker::run(Arc::clone(&shared), target, stop.clone()));
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "claiming a notification target failed");
                    break;
                }
            }
        }
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            changed = wake.changed(), if wake_open => {
                // Without a sender the timer alone drives the dispatcher.
                wake_open = changed.is_ok();
            }
            _ = poll.tick() => {}
            Some(finished) = workers.join_next(), if !workers.is_empty() => {
                if let Err(error) = finished {
                    tracing::error!(%error, "outbox dispatcher worker failed");
                }
            }
        }
    }
    let drained = tokio::time::timeout(options.shutdown_grace, async {
        while workers.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("outbox dispatcher abandons sends still in flight; they will be resent");
        workers.abort_all();
        while workers.join_next().await.is_some() {}
    }
    if let Err(error) = lease::release_all(&shared.db, &options.holder_id).await {
        tracing::warn!(%error, "releasing notification target leases failed");
    }
}
