//! The audit scope of one mutation: a tokio task-local that the API layer opens around each
//! mutation resolver ([`within`]). While it is open, [`crate::outbox::append`] notes each
//! event's record and committees as targets ([`note_target`]), and [`crate::Db::commit`]
//! appends the audit row to the transaction just before committing it ([`commit_hook`]), so a
//! write function needs no audit code of its own and cannot forget it. Whatever ended without a
//! commit (user errors, a refusal, an operation that writes nothing) is recorded afterwards by
//! [`finish`] in a transaction of its own.

use std::{
    collections::{BTreeSet, HashSet},
    future::Future,
    sync::{Arc, Mutex},
};

use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};

use super::{ActorInfo, Entry, Outcome, RequestInfo, append, global_id};
use crate::{Db, DomainError};

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

/// One audited operation in progress.
#[derive(Debug)]
pub struct Scope {
    operation: String,
    actor: ActorInfo,
    request: RequestInfo,
    input_summary: serde_json::Value,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    target_ids: Vec<String>,
    /// `target_ids` as a set: an import notes tens of thousands of targets.
    seen_targets: HashSet<String>,
    region_ids: BTreeSet<i64>,
    user_errors: bool,
    recorded: bool,
}

impl Scope {
    /// A scope for `operation` by `actor`; `input_summary` must already be summarised
    /// ([`super::summary::summarize`]); `target_ids` are the global ids the input names.
    pub fn new(
        operation: impl Into<String>,
        actor: ActorInfo,
        request: RequestInfo,
        input_summary: serde_json::Value,
        target_ids: Vec<String>,
    ) -> Arc<Self> {
        let scope = Arc::new(Self {
            operation: operation.into(),
            actor,
            request,
            input_summary,
            state: Mutex::new(State::default()),
        });
        for id in target_ids {
            scope.with_state(|state| state.push_target(id));
        }
        scope
    }

    fn with_state<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update; the data stay usable.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        change(&mut state)
    }

    /// The operation's name.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// Whether the row of this scope is already written (by a commit).
    pub fn recorded(&self) -> bool {
        self.with_state(|state| state.recorded)
    }

    fn entry(&self, outcome: Outcome) -> Entry {
        self.with_state(|state| Entry {
            operation: self.operation.clone(),
            actor: self.actor.clone(),
            request: self.request.clone(),
            target_ids: state.target_ids.clone(),
            region_ids: state.region_ids.clone(),
            input_summary: self.input_summary.clone(),
            outcome,
        })
    }
}

impl State {
    /// Notes a target once, in the order first seen.
    fn push_target(&mut self, id: String) {
        if self.seen_targets.insert(id.clone()) {
            self.target_ids.push(id);
        }
    }
}

/// Runs `future` (a mutation resolver) inside `scope`.
pub async fn within<F: Future>(scope: Arc<Scope>, future: F) -> F::Output {
    SCOPE.scope(scope, future).await
}

/// Notes the record `type_name`/`id` and the committees it touches as targets of the current
/// operation; nothing happens outside a scope.
pub fn note_target(type_name: &str, id: i64, region_ids: &[i64]) {
    let _ = SCOPE.try_with(|scope| {
        scope.with_state(|state| {
            state.push_target(global_id(type_name, id));
            state.region_ids.extend(region_ids.iter().copied());
        })
    });
}

/// Notes that the current operation ended with user errors.
pub fn note_user_errors() {
    let _ = SCOPE.try_with(|scope| scope.with_state(|state| state.user_errors = true));
}

/// Called by [`Db::commit`] just before it commits: appends the scope's row (outcome OK) to
/// `transaction` unless it was written already, and returns the scope so that the caller marks
/// it recorded once the commit succeeded.
pub(crate) async fn commit_hook(
    transaction: &DatabaseTransaction,
) -> Result<Option<Arc<Scope>>, DomainError> {
    let Ok(scope) = SCOPE.try_with(Arc::clone) else {
        return Ok(None);
    };
    if scope.recorded() {
        return Ok(None);
    }
    append(transaction, &scope.entry(Outcome::Ok)).await?;
    Ok(Some(scope))
}

impl Scope {
    /// Marks the row written (after its transaction committed).
    pub(crate) fn mark_recorded(&self) {
        self.with_state(|state| state.recorded = true);
    }
}

/// Records how the operation of `scope` ended when no commit recorded it: `refusal` is
/// `Some(Forbidden | Unauthenticated)` for a refused attempt; otherwise the outcome is
/// USER_ERRORS when user errors were noted and OK when the operation wrote nothing. Written in
/// a transaction of its own. Anonymous refusals are aggregated per client address and minute.
pub async fn finish(db: &Db, scope: &Scope, refusal: Option<Outcome>) -> Result<(), DomainError> {
    if scope.recorded() {
        return Ok(());
    }
    let outcome = refusal.unwrap_or_else(|| {
        if scope.with_state(|state| state.user_errors) {
            Outcome::UserErrors
        } else {
            Outcome::Ok
        }
    });
    let transaction = db.begin_write().await?;
    let refused = matches!(outcome, Outcome::Forbidden | Outcome::Unauthenticated);
    if refused && scope.actor.is_anonymous() && !first_of_minute(&transaction, scope).await? {
        transaction.commit().await?;
        scope.mark_recorded();
        return Ok(());
    }
    append(&transaction, &scope.entry(outcome)).await?;
    transaction.commit().await?;
    scope.mark_recorded();
    Ok(())
}

/// Counts an anonymous refusal in `audit_refusal_counts`; true for the first of its client
/// address and minute, which then gets an audit row.
async fn first_of_minute(
    transaction: &DatabaseTransaction,
    scope: &Scope,
) -> Result<bool, DomainError> {
    let backend = transaction.get_database_backend();
    let client = scope
        .request
        .client_address
        .clone()
        .unwrap_or_else(|| "unknown".to_owned());
    let now = chrono::Utc::now().timestamp();
    let minute = chrono::DateTime::from_timestamp(now - now.rem_euclid(60), 0)
        .unwrap_or_else(chrono::Utc::now);
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO audit_refusal_counts (client_address, minute, count) VALUES ($1, $2, 1) \
             ON CONFLICT (client_address, minute) DO UPDATE SET count = audit_refusal_counts.count + 1 \
             RETURNING count"
        }
        _ => {
            "INSERT INTO audit_refusal_counts (client_address, minute, count) VALUES (?, ?, 1) \
             ON CONFLICT (client_address, minute) DO UPDATE SET count = audit_refusal_counts.count + 1 \
             RETURNING count"
        }
    };
    let row = transaction
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [client.into(), minute.into()],
        ))
        .await?;
    let count: i64 = match row {
        Some(row) => row.try_get("", "count")?,
        None => 1,
    };
    Ok(count == 1)
}
