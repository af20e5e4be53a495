//! Revoking this instance's service tokens (`xieshang token`) before they expire.
//!
//! A revocation is a row of `revoked_service_tokens`, keyed by the token's `jti`. Checking a
//! token must not cost a query, so every process keeps the revoked `jti`s in memory
//! ([`DenyList`]) and reloads them when they may have changed: on PostgreSQL when
//! `NOTIFY xieshang_token_revoked` arrives (sent in the revoking transaction, so every replica
//! hears it on commit), after a revocation by the process itself, and every refresh interval
//! in case a notification was lost.

use std::{
    collections::HashSet,
    sync::{Arc, OnceLock, RwLock, Weak},
    time::Duration,
};

use chrono::Utc;
use entity::revoked_service_token;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Statement,
};
use tokio::sync::{Notify, OnceCell, watch};

use crate::{Actor, Db, DomainError, Engine, Role};

/// The PostgreSQL channel a revocation notifies on commit.
pub const CHANNEL: &str = "xieshang_token_revoked";

/// How long the first load waits for PostgreSQL's LISTEN to be in place.
const LISTEN_WAIT: Duration = Duration::from_secs(5);

/// Longest `jti` accepted (xieshang writes 32 hexadecimal digits).
const MAX_JTI_CHARS: usize = 100;

/// A revocation as stored.
pub type Revocation = revoked_service_token::Model;

/// `revokeServiceToken`: refuses the service token `jti` from now on, on every replica.
/// PROVINCE_STAFF may revoke any service token; anyone may revoke the token they are calling
/// with (`own_jti`), for instance an integrator whose token leaked. Revoking twice returns the
/// first revocation.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    jti: &str,
    own_jti: Option<&str>,
) -> Result<Revocation, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    let jti = jti.trim();
    if jti.is_empty()
        || jti.chars().count() > MAX_JTI_CHARS
        || !jti
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(DomainError::invalid(
            "jti",
            format!("expected the token's id: 1–{MAX_JTI_CHARS} letters, digits, - or _"),
        ));
    }
    if principal.role != Role::ProvinceStaff && own_jti != Some(jti) {
        return Err(DomainError::Forbidden(
            "only PROVINCE_STAFF revoke service tokens other than the one in use".to_owned(),
        ));
    }
    let transaction = db.begin_write().await?;
    let existing = revoked_service_token::Entity::find()
        .filter(revoked_service_token::Column::Jti.eq(jti))
        .one(&transaction)
        .await?;
    if let Some(existing) = existing {
        return Ok(existing);
    }
    let row = revoked_service_token::ActiveModel {
        jti: Set(jti.to_owned()),
        revoked_by: Set(principal.subject.clone()),
        revoked_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    if db.engine() == Engine::Postgres {
        transaction
            .execute_raw(Statement::from_string(
                transaction.get_database_backend(),
                format!("SELECT pg_notify('{CHANNEL}', '')"),
            ))
            .await?;
    }
    db.commit(transaction).await?;
    LOCAL_REVOCATIONS.send_modify(|count| *count += 1);
    Ok(row)
}

/// Bumped after each revocation committed by this process: every deny list of the process
/// reloads (other processes hear PostgreSQL's NOTIFY). Not tied to a `Db` handle, so that two
/// handles on one SQLite file in one process agree too.
static LOCAL_REVOCATIONS: std::sync::LazyLock<watch::Sender<u64>> =
    std::sync::LazyLock::new(|| watch::channel(0).0);

/// Every revoked `jti`.
pub async fn revoked(db: &Db) -> Result<HashSet<String>, DomainError> {
    let jtis: Vec<String> = revoked_service_token::Entity::find()
        .select_only()
        .column(revoked_service_token::Column::Jti)
        .into_tuple()
        .all(db.reader())
        .await?;
    Ok(jtis.into_iter().collect())
}

/// The revoked `jti`s of one process, kept fresh in the background. Loaded on first use (so
/// that processes that never check a token run no loop); the loop ends when the last clone is
/// dropped.
#[derive(Clone)]
pub struct DenyList {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    refresh: Duration,
    revoked: RwLock<Arc<HashSet<String>>>,
    loaded: OnceCell<()>,
    /// Woken by the PostgreSQL listener; created (and the listener started) once.
    wake: OnceLock<Arc<Notify>>,
    /// Bumped whenever the set may have grown (a reload or a mark), for open WebSockets.
    changes: watch::Sender<u64>,
    /// Dropped with the list, which stops the PostgreSQL listener.
    _stop: watch::Sender<bool>,
    stop: watch::Receiver<bool>,
}

impl std::fmt::Debug for DenyList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenyList")
            .field("refresh", &self.inner.refresh)
            .finish_non_exhaustive()
    }
}

impl DenyList {
    /// A list over `db`, reloaded at least every `refresh`.
    pub fn new(db: Db, refresh: Duration) -> Self {
        let (stop_sender, stop) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                db,
                refresh,
                revoked: RwLock::new(Arc::new(HashSet::new())),
                loaded: OnceCell::new(),
                wake: OnceLock::new(),
                changes: watch::channel(0).0,
                _stop: stop_sender,
                stop,
            }),
        }
    }

    /// Whether `jti` is revoked. The first call loads the list and starts keeping it fresh;
    /// every later call reads memory only.
    pub async fn contains(&self, jti: &str) -> Result<bool, DomainError> {
        self.load().await?;
        Ok(self.inner.snapshot().contains(jti))
    }

    /// Loads the list and starts keeping it fresh, unless that happened already.
    pub async fn load(&self) -> Result<(), DomainError> {
        self.inner.loaded.get_or_try_init(|| self.start()).await?;
        Ok(())
    }

    /// Adds `jti` at once (this process revoked it), before any reload.
    pub fn mark(&self, jti: &str) {
        let mut updated = (*self.inner.snapshot()).clone();
        updated.insert(jti.to_owned());
        let updated = Arc::new(updated);
        match self.inner.revoked.write() {
            Ok(mut revoked) => *revoked = updated,
            Err(poisoned) => *poisoned.into_inner() = updated,
        }
        self.inner.changes.send_modify(|count| *count += 1);
    }

    /// Whether `jti` is on the list as last loaded (no database access; [`DenyList::load`]
    /// must have run, as it has for any token a request accepted).
    pub fn holds(&self, jti: &str) -> bool {
        self.inner.snapshot().contains(jti)
    }

    /// A receiver that changes whenever the list may have grown: a long-lived connection
    /// re-checks its token then.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }

    /// Listens first (PostgreSQL), then reads the list, then refreshes it in the background:
    /// in that order no revocation can fall between the read and the first notification.
    async fn start(&self) -> Result<(), DomainError> {
        let mut first_listen = false;
        let wake = Arc::clone(self.inner.wake.get_or_init(|| {
            first_listen = true;
            Arc::new(Notify::new())
        }));
        // One listener however often a failed first load is retried.
        if first_listen && self.inner.db.engine() == Engine::Postgres {
            tokio::spawn(crate::feed::listen(
                self.inner.db.clone(),
                CHANNEL,
                Arc::clone(&wake),
                self.inner.stop.clone(),
            ));
            // The listener wakes once it listens; if it cannot, the periodic reload covers.
            let _ = tokio::time::timeout(LISTEN_WAIT, wake.notified()).await;
        }
        let revocations = LOCAL_REVOCATIONS.subscribe();
        self.inner.reload().await?;
        tokio::spawn(refresh(Arc::downgrade(&self.inner), wake, revocations));
        Ok(())
    }
}

impl Inner {
    fn snapshot(&self) -> Arc<HashSet<String>> {
        match self.revoked.read() {
            Ok(revoked) => Arc::clone(&revoked),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    async fn reload(&self) -> Result<(), DomainError> {
        let fresh = Arc::new(revoked(&self.db).await?);
        match self.revoked.write() {
            Ok(mut revoked) => *revoked = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        self.changes.send_modify(|count| *count += 1);
        Ok(())
    }
}

/// Reloads the list on a notification (PostgreSQL), after a revocation by this process, and
/// every refresh interval, until the list is dropped.
async fn refresh(list: Weak<Inner>, wake: Arc<Notify>, mut revocations: watch::Receiver<u64>) {
    let refresh = match list.upgrade() {
        Some(inner) => inner.refresh,
        None => return,
    };
    loop {
        tokio::select! {
            () = wake.notified() => {}
            changed = revocations.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(refresh) => {}
        }
        let Some(inner) = list.upgrade() else {
            return;
        };
        if let Err(error) = inner.reload().await {
            tracing::warn!(%error, "service-token deny list: reload failed; keeping the last one");
        }
    }
}
