//! The event feed: one loop per process that tails the outbox and broadcasts each committed
//! event, in sequence order, to every subscriber in the process.
//!
//! The outbox is the only source of truth. Signals merely wake the loop, which then reads
//! `sequence > last ORDER BY sequence`: the in-process commit signal ([`Db::commits`], the only
//! one on SQLite), PostgreSQL `LISTEN xieshang_events` (other replicas' commits, carrying just
//! the sequence), a re-read whenever the listener (re)connects because notifications sent while
//! it was down are lost, and a timer as the last resort. A lost wake-up therefore delays an
//! event by at most one timer tick; it can never lose or reorder one.
//!
//! [`EventFeed::tail`] turns the broadcast into a gap-free stream for one reader: replay from
//! the outbox after a cursor, then live, with no gap and no duplicate at the seam.

mod pacer;

use std::{collections::VecDeque, sync::Arc, time::Duration};

use sea_orm::sqlx::{self, postgres::PgListener};
use tokio::sync::{Notify, broadcast, watch};

use pacer::ReplayPacer;

use crate::{
    Actor, Db, DomainError, Engine, Principal,
    events::{self, EventFilter, EventRecord},
};

/// The PostgreSQL notification channel that [`crate::outbox::append`] notifies on commit.
pub const CHANNEL: &str = "xieshang_events";

/// What the feed broadcasts: one committed outbox event.
pub type FeedEvent = EventRecord;

/// How the feed reads, wakes and prunes.
#[derive(Clone, Debug)]
pub struct FeedOptions {
    /// Events read per statement while catching up.
    pub batch: u64,
    /// Longest wait between two reads when no signal arrives.
    pub poll_interval: Duration,
    /// Events buffered per subscriber before a slow one lags (and re-reads from the outbox).
    pub capacity: usize,
    /// How long events are kept; `None` keeps them forever.
    pub retention: Option<Duration>,
    /// How often retention runs.
    pub prune_interval: Duration,
    /// Events one subscription replays per second at most while it catches up from a cursor
    /// (`None`: as fast as the client reads).
    pub replay_per_second: Option<u32>,
    /// Ticked at every iteration of the loop, for the readiness probe.
    pub heartbeat: crate::health::Heartbeat,
}

impl Default for FeedOptions {
    fn default() -> Self {
        Self {
            batch: 500,
            poll_interval: Duration::from_secs(1),
            capacity: 1024,
            retention: Some(Duration::from_secs(90 * 24 * 3600)),
            prune_interval: Duration::from_secs(3600),
            replay_per_second: Some(500),
            heartbeat: crate::health::Heartbeat::new(),
        }
    }
}

/// The process's event feed. Cheap to clone; the loop stops on [`EventFeed::shutdown`] or when
/// the last clone is dropped.
#[derive(Clone, Debug)]
pub struct EventFeed {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    sender: broadcast::Sender<Arc<FeedEvent>>,
    latest: watch::Receiver<i64>,
    stop: watch::Sender<bool>,
    batch: u64,
    replay_per_second: Option<u32>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl EventFeed {
    /// Starts the loop (and, with a retention, periodic pruning) on the current tokio runtime.
    /// The feed begins at the newest event committed when it starts: it broadcasts what comes
    /// after, never history.
    pub fn start(db: Db, options: FeedOptions) -> Self {
        let (sender, _) = broadcast::channel(options.capacity.max(1));
        let (latest_sender, latest) = watch::channel(0);
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(pump(
            db.clone(),
            options.clone(),
            sender.clone(),
            latest_sender,
            stopped.clone(),
        ));
        if let Some(retention) = options.retention {
            tokio::spawn(prune_periodically(
                db.clone(),
                retention,
                options.prune_interval,
                stopped,
            ));
        }
        Self {
            inner: Arc::new(Inner {
                db,
                sender,
                latest,
                stop,
                batch: options.batch.clamp(1, 1_000),
                replay_per_second: options.replay_per_second,
            }),
        }
    }

    /// The newest sequence the feed has read (0 until its first read). It changes after each
    /// batch of events is broadcast; the dispatcher waits on it instead of polling.
    pub fn latest(&self) -> watch::Receiver<i64> {
        self.inner.latest.clone()
    }

    /// Every event the feed broadcasts from now on, in sequence order. A receiver that falls
    /// more than the capacity behind gets `Lagged` and must re-read from the outbox; prefer
    /// [`EventFeed::tail`], which does that.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<FeedEvent>> {
        self.inner.sender.subscribe()
    }

    /// Stops the loop; subscribers then see the end of their stream.
    pub fn shutdown(&self) {
        self.inner.stop.send_replace(true);
    }

    /// The events matching `filter` that `actor` may see: with `after`, every one after that
    /// sequence (replayed from the outbox), then live ones; without, live ones from now on.
    /// Anonymous callers are refused; an expired cursor is [`DomainError::CursorExpired`].
    pub async fn tail(
        &self,
        actor: &Actor,
        filter: EventFilter,
        after: Option<i64>,
    ) -> Result<Tail, DomainError> {
        let principal = actor
            .principal()
            .ok_or(DomainError::Unauthenticated)?
            .clone();
        // Subscribe before reading the outbox: whatever commits after the read below is then
        // certain to arrive through the broadcast.
        let receiver = self.subscribe();
        let db = &self.inner.db;
        let (examined, catching_up) = match after {
            Some(after) => {
                events::check_cursor(db, after).await?;
                (after, true)
            }
            None => (events::latest_sequence(db).await?, false),
        };
        Ok(Tail {
            db: db.clone(),
            actor: Actor::Authenticated(principal.clone()),
            principal,
            filter,
            receiver,
            stopped: self.inner.stop.subscribe(),
            examined,
            catching_up,
            pending: VecDeque::new(),
            batch: self.inner.batch,
            pacer: ReplayPacer::new(self.inner.replay_per_second),
        })
    }
}

/// One reader's gap-free position in the event log; see [`EventFeed::tail`].
///
/// Every event up to `examined` has been considered (delivered, or skipped as not matching).
/// Broadcast events at or below it are duplicates and skipped; one above `examined + 1` means
/// the broadcast missed some (a lag, or a feed that started later), and the reader catches up
/// from the outbox before going on — sequences are contiguous, so a jump always shows.
#[derive(Debug)]
pub struct Tail {
    db: Db,
    actor: Actor,
    principal: Principal,
    filter: EventFilter,
    receiver: broadcast::Receiver<Arc<FeedEvent>>,
    stopped: watch::Receiver<bool>,
    examined: i64,
    catching_up: bool,
    pending: VecDeque<Arc<EventRecord>>,
    batch: u64,
    pacer: ReplayPacer,
}

impl Tail {
    /// The next matching event; `None` once the feed has stopped.
    pub async fn next(&mut self) -> Result<Option<Arc<EventRecord>>, DomainError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(Some(event));
            }
            if self.catching_up {
                self.catch_up().await?;
                continue;
            }
            let received = tokio::select! {
                received = self.receiver.recv() => received,
                _ = self.stopped.wait_for(|stopped| *stopped) => return Ok(None),
            };
            match received {
                Ok(event) if event.sequence <= self.examined => {}
                Ok(event) if event.sequence > self.examined + 1 => self.catching_up = true,
                Ok(event) => {
                    self.examined = event.sequence;
                    if self.filter.matches(&event)
                        && events::visible(&self.db, &self.principal, &event).await?
                    {
                        return Ok(Some(event));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => self.catching_up = true,
                Err(broadcast::error::RecvError::Closed) => return Ok(None),
            }
        }
    }

    /// The sequence up to which every event has been considered.
    pub fn position(&self) -> i64 {
        self.examined
    }

    /// Reads one page of matching events after `examined` from the outbox. `newest` is read
    /// first: every event up to it is committed, so the page (a later snapshot) holds every
    /// matching one up to it, and a short page means the reader is level with the log.
    async fn catch_up(&mut self) -> Result<(), DomainError> {
        tokio::time::sleep(self.pacer.wait(tokio::time::Instant::now())).await;
        let (oldest, newest) = events::bounds(&self.db).await?.unwrap_or((1, 0));
        if self.examined + 1 < oldest {
            return Err(DomainError::CursorExpired { oldest });
        }
        let page = events::list(
            &self.db,
            &self.actor,
            &self.filter,
            self.examined,
            self.batch,
        )
        .await?;
        self.pacer.replayed(tokio::time::Instant::now(), page.len());
        let full = page.len() as u64 == self.batch;
        if let Some(last) = page.last() {
            self.examined = last.sequence;
        }
        if !full {
            self.examined = self.examined.max(newest);
            self.catching_up = false;
        }
        self.pending.extend(page.into_iter().map(Arc::new));
        Ok(())
    }
}

/// The loop: read everything after `last`, broadcast it, wait for a reason to read again.
async fn pump(
    db: Db,
    options: FeedOptions,
    sender: broadcast::Sender<Arc<FeedEvent>>,
    latest: watch::Sender<i64>,
    mut stop: watch::Receiver<bool>,
) {
    let wake = Arc::new(Notify::new());
    if db.engine() == Engine::Postgres {
        tokio::spawn(listen(db.clone(), CHANNEL, Arc::clone(&wake), stop.clone()));
    }
    let mut commits = db.commits();
    let mut last = loop {
        match events::latest_sequence(&db).await {
            Ok(sequence) => break sequence,
            Err(error) => {
                options.heartbeat.beat();
                tracing::warn!(%error, "event feed: cannot read the outbox yet");
                tokio::select! {
                    _ = stop.wait_for(|stopped| *stopped) => return,
                    () = tokio::time::sleep(options.poll_interval) => {}
                }
            }
        }
    };
    latest.send_replace(last);
    let batch = options.batch.clamp(1, 1_000);
    loop {
        options.heartbeat.beat();
        loop {
            match events::read_after(&db, last, batch).await {
                Ok(found) => {
                    let count = found.len() as u64;
                    for event in found {
                        last = event.sequence;
                        // No receiver is not an error: the feed runs whether anyone listens.
                        let _ = sender.send(Arc::new(event));
                    }
                    if count > 0 {
                        latest.send_replace(last);
                    }
                    if count < batch {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, after = last, "event feed: reading the outbox failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            _ = commits.changed() => {}
            () = wake.notified() => {}
            () = tokio::time::sleep(options.poll_interval) => {}
        }
    }
}

/// `LISTEN <channel>` on a connection of the database's own pool, waking `wake` on every
/// notification and after every (re)connect (whatever was notified while no listener was
/// active went unheard). Returns when `stop` turns true or its sender is dropped.
pub(crate) async fn listen(
    db: Db,
    channel: &'static str,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let pool = db.writer().get_postgres_connection_pool().clone();
    let mut backoff = Duration::from_millis(100);
    loop {
        let connect = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(channel).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let connected = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            connected = connect => connected,
        };
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(sqlx::Error::PoolClosed) => return,
            Err(error) => {
                tracing::warn!(%error, channel, "cannot LISTEN; retrying");
                tokio::select! {
                    _ = stop.wait_for(|stopped| *stopped) => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        // Anything committed while no listener was active went unheard.
        wake.notify_one();
        loop {
            let received = tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => return,
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(_)) => wake.notify_one(),
                // The connection dropped and has been re-established: re-read.
                Ok(None) => wake.notify_one(),
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, channel, "LISTEN connection failed; reconnecting");
                    break;
                }
            }
        }
    }
}

/// Runs [`crate::expiry::expire`] and [`events::prune`] now and then every `interval`: what
/// targets never took expires at the retention, so that pruning goes on.
async fn prune_periodically(
    db: Db,
    retention: Duration,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = crate::expiry::expire(&db, retention).await {
            tracing::warn!(%error, "event retention: expiring old deliveries failed");
        }
        match events::prune(&db, retention).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "event retention: pruned old events"),
            Err(error) => tracing::warn!(%error, "event retention: pruning failed"),
        }
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
