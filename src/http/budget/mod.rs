//! What a GraphQL operation may cost, per request and per client and minute, and how many may
//! execute at once. Everything here is decided before the executor runs:
//!
//! 1. the operation is priced by [`graphql::cost::CostModel`] (no SQL);
//! 2. above `XIESHANG_MAX_QUERY_COST` (or above the caller's whole budget) it is refused as a
//!    request error `QUERY_TOO_COMPLEX`;
//! 3. when too many operations execute already it is shed: 503, `Retry-After`,
//!    `SERVICE_BUSY` — anonymous operations may execute at once only while their costs add up
//!    to at most `XIESHANG_ANONYMOUS_COST_IN_FLIGHT` (one maximal request by default), so that
//!    a flood of expensive anonymous requests holds one core, not all of them, and staff stay
//!    responsive;
//! 4. its cost is taken from the caller's budget of points per minute — a token by (role,
//!    region, subject), an anonymous caller by address (IPv6 by /64) — or it is refused with
//!    429, `Retry-After`, `RATE_LIMITED` and `extensions.retryAfter`.
//!
//! Every executed response reports `extensions.cost` = `{ requested, limit, remaining,
//! resetAt }`, as GitHub's `rateLimit` does (`limit`, `remaining` and `resetAt` are `null` when
//! budgets are off). WebSocket operations can use [`Budgets::admit`] the same way.

use std::{net::IpAddr, sync::Arc, time::Duration};

use async_graphql::{ErrorExtensionValues, ServerError, Value};
use axum::{
    http::{HeaderValue, StatusCode, header::RETRY_AFTER},
    response::Response,
};
use domain::Actor;
use graphql::{
    ErrorCode,
    cost::{CostModel, too_complex},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{
    client::{DEFAULT_TRACKED_CLIENTS, client_key},
    windows::KeyedWindows,
};

/// Budgets are per minute.
const WINDOW: Duration = Duration::from_secs(60);

/// The limits; `None` switches one off. [`Default`] is the production default,
/// [`BudgetOptions::off`] switches everything off (for tests that need the raw executor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetOptions {
    /// `XIESHANG_MAX_QUERY_COST`: most points one request may cost (default 200,000).
    pub max_query_cost: Option<u64>,
    /// `XIESHANG_ANONYMOUS_COST_PER_MINUTE`: points per minute for each anonymous client
    /// address (IPv6: each /64) (default 1,000,000).
    pub anonymous_per_minute: Option<u64>,
    /// `XIESHANG_AUTHENTICATED_COST_PER_MINUTE`: points per minute for each token (role,
    /// region, subject), members included (default 5,000,000).
    pub authenticated_per_minute: Option<u64>,
    /// `XIESHANG_MAX_CONCURRENT_EXECUTIONS`: operations executing at once (default 32).
    pub max_concurrent: Option<usize>,
    /// `XIESHANG_ANONYMOUS_COST_IN_FLIGHT`: the most points anonymous operations executing at
    /// once may cost together (default 200,000, one maximal request).
    pub anonymous_cost_in_flight: Option<u64>,
    /// `XIESHANG_EXECUTION_QUEUE_MS`: how long an operation may wait for a free slot before it
    /// is shed (default 100 ms).
    pub queue_wait: Duration,
    /// `XIESHANG_TRACKED_CLIENTS`: clients whose budgets are remembered; when full, the client
    /// whose window started first is forgotten (default 100,000).
    pub tracked_clients: usize,
}

impl Default for BudgetOptions {
    fn default() -> Self {
        Self {
            max_query_cost: Some(graphql::cost::MAX_QUERY_COST),
            anonymous_per_minute: Some(1_000_000),
            authenticated_per_minute: Some(5_000_000),
            max_concurrent: Some(32),
            anonymous_cost_in_flight: Some(graphql::cost::MAX_QUERY_COST),
            queue_wait: Duration::from_millis(100),
            tracked_clients: DEFAULT_TRACKED_CLIENTS,
        }
    }
}

impl BudgetOptions {
    /// No cost limit, no budgets, no load shedding (costs are still reported).
    pub fn off() -> Self {
        Self {
            max_query_cost: None,
            anonymous_per_minute: None,
            authenticated_per_minute: None,
            max_concurrent: None,
            anonymous_cost_in_flight: None,
            ..Self::default()
        }
    }
}

/// Whose budget a request spends.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// A token, by (role, region, subject): every CLI token has the subject `xieshang-cli`,
    /// so the subject alone would lump unrelated tokens together.
    Token {
        /// The token's role.
        role: &'static str,
        /// Its region's code.
        region: String,
        /// Its subject.
        subject: String,
    },
    /// An anonymous caller, by [`client_key`] of its address.
    Address(IpAddr),
    /// An anonymous caller whose address is unknown (in-process calls).
    Unknown,
}

impl ClientKey {
    /// The key of `actor` calling from `client` (as seen through trusted proxies).
    pub fn of(actor: Option<&Actor>, client: Option<IpAddr>) -> Self {
        match actor {
            Some(Actor::Authenticated(principal)) => ClientKey::Token {
                role: principal.role.as_str(),
                region: principal.region_code.clone(),
                subject: principal.subject.clone(),
            },
            _ => client.map_or(ClientKey::Unknown, |address| {
                ClientKey::Address(client_key(address))
            }),
        }
    }

    fn is_anonymous(&self) -> bool {
        !matches!(self, ClientKey::Token { .. })
    }
}

/// The process's budgets and execution slots.
#[derive(Debug)]
pub struct Budgets {
    options: BudgetOptions,
    windows: KeyedWindows<ClientKey>,
    executions: Option<Arc<Semaphore>>,
    /// One permit per point of anonymous cost in flight.
    anonymous_cost: Option<Arc<Semaphore>>,
}

impl Budgets {
    /// Budgets with `options`.
    pub fn new(options: &BudgetOptions) -> Self {
        Self {
            options: options.clone(),
            windows: KeyedWindows::new(WINDOW, options.tracked_clients),
            executions: options.max_concurrent.map(|n| Arc::new(Semaphore::new(n))),
            anonymous_cost: options.anonymous_cost_in_flight.map(|points| {
                Arc::new(Semaphore::new(
                    usize::try_from(points).map_or(Semaphore::MAX_PERMITS, |points| {
                        points.min(Semaphore::MAX_PERMITS)
                    }),
                ))
            }),
        }
    }

    /// Prices `request`, takes an execution slot and charges `key`'s budget; or says why not.
    /// Keep the [`Admission`] until the operation has executed: it holds the slot.
    pub async fn admit(
        &self,
        key: &ClientKey,
        request: &mut async_graphql::Request,
    ) -> Result<Admission, Refusal> {
        let requested = CostModel::get().price_request(request);
        let budget = if key.is_anonymous() {
            self.options.anonymous_per_minute
        } else {
            self.options.authenticated_per_minute
        };
        let most = [self.options.max_query_cost, budget]
            .into_iter()
            .flatten()
            .min();
        if let Some(most) = most
            && requested > most
        {
            let mut report = CostReport::unmetered(requested);
            if let Some(budget) = budget {
                report.spend(self.windows.charge(key.clone(), 0, budget), budget);
            }
            tracing::debug!(
                code = ErrorCode::QueryTooComplex.as_str(),
                requested,
                "GraphQL request refused"
            );
            refused(ErrorCode::QueryTooComplex);
            let mut response =
                async_graphql::Response::from_errors(vec![too_complex(requested, most)]);
            report.insert(&mut response);
            return Err(Refusal {
                status: None,
                retry_after: None,
                response,
            });
        }

        let slots = self
            .slots(key.is_anonymous(), requested)
            .await
            .ok_or_else(|| {
                Refusal::transport(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::ServiceBusy,
                    "The service is busy; retry shortly.",
                    1,
                    CostReport::unmetered(requested),
                )
            })?;

        let mut report = CostReport::unmetered(requested);
        if let Some(budget) = budget {
            let charge = self.windows.charge(key.clone(), requested, budget);
            report.spend(charge, budget);
            if !charge.admitted {
                let retry_after = charge.resets_in.as_secs_f64().ceil().max(1.0) as u64;
                return Err(Refusal::transport(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimited,
                    &format!(
                        "Rate limited: this request costs {requested} points and {} of the \
                         {budget} points per minute are left; retry in {retry_after} s.",
                        charge.remaining
                    ),
                    retry_after,
                    report,
                ));
            }
        }
        Ok(Admission {
            report,
            _slots: slots,
        })
    }

    /// For an anonymous caller `cost` points of anonymous cost in flight (all of them when it
    /// costs more), then an execution slot, each waited for at most the queue wait; `None`
    /// when they do not free up in time. Anonymous callers queue for their points before they
    /// take a slot, so that a crowd of them waiting cannot hold the slots staff need.
    async fn slots(&self, anonymous: bool, cost: u64) -> Option<Vec<OwnedSemaphorePermit>> {
        let mut permits = Vec::with_capacity(2);
        let wait = self.options.queue_wait;
        if let Some(pool) = self.anonymous_cost.as_ref().filter(|_| anonymous) {
            let capacity = self.options.anonymous_cost_in_flight.unwrap_or(0);
            let points = cost.min(capacity).clamp(1, u64::from(u32::MAX));
            let points = u32::try_from(points).unwrap_or(u32::MAX);
            let acquire = Arc::clone(pool).acquire_many_owned(points);
            permits.push(tokio::time::timeout(wait, acquire).await.ok()?.ok()?);
        }
        if let Some(pool) = self.executions.as_ref() {
            let acquire = Arc::clone(pool).acquire_owned();
            permits.push(tokio::time::timeout(wait, acquire).await.ok()?.ok()?);
        }
        Some(permits)
    }
}

/// A request allowed to execute; holds its execution slot until dropped.
#[derive(Debug)]
pub struct Admission {
    report: CostReport,
    _slots: Vec<OwnedSemaphorePermit>,
}

impl Admission {
    /// Admits without pricing or budgets (for transports and tests that do not meter).
    pub fn unmetered() -> Self {
        Self {
            report: CostReport::unmetered(0),
            _slots: Vec::new(),
        }
    }

    /// Adds `extensions.cost` to the executed response and frees the slot.
    pub fn report(self, response: &mut async_graphql::Response) {
        if self.report.requested > 0 {
            self.report.insert(response);
        }
    }

    /// Like [`Admission::report`] for a body that caches may share between clients: only
    /// `requested` and `limit`, which are the same for every anonymous caller; `remaining`
    /// and `resetAt` are per client and stay `null`.
    pub fn report_shared(self, response: &mut async_graphql::Response) {
        if self.report.requested > 0 {
            CostReport {
                remaining: None,
                reset_at: None,
                ..self.report.clone()
            }
            .insert(response);
        }
    }
}

/// Counts a refusal in `xieshang_graphql_refusals_total`.
fn refused(code: ErrorCode) {
    metrics::counter!(crate::monitoring::REFUSALS, "code" => code.as_str()).increment(1);
}

/// A request refused before execution.
#[derive(Debug)]
pub struct Refusal {
    /// The status to answer with whatever the media type; `None` for an ordinary request
    /// error (400 as `application/graphql-response+json`, 200 as `application/json`).
    pub status: Option<StatusCode>,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u64>,
    /// The GraphQL response: the error, and `extensions.cost`.
    pub response: async_graphql::Response,
}

impl Refusal {
    fn transport(
        status: StatusCode,
        code: ErrorCode,
        message: &str,
        retry_after: u64,
        report: CostReport,
    ) -> Self {
        refused(code);
        // Debug level: the access log already has the status of every response, and a flood
        // must not flood the log. Who was refused is not logged (no address, no subject).
        tracing::debug!(
            code = code.as_str(),
            requested = report.requested,
            "GraphQL request refused"
        );
        let mut error = ServerError::new(message, None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", code.as_str());
        extensions.set("retryAfter", retry_after);
        error.extensions = Some(extensions);
        let mut response = async_graphql::Response::from_errors(vec![error]);
        report.insert(&mut response);
        Self {
            status: Some(status),
            retry_after: Some(retry_after),
            response,
        }
    }

    /// The HTTP response: `build` writes the GraphQL response in the negotiated media type,
    /// then the status and `Retry-After` are set.
    pub fn into_response(
        self,
        build: impl FnOnce(async_graphql::Response) -> Response,
    ) -> Response {
        let mut http = build(self.response);
        if let Some(status) = self.status {
            *http.status_mut() = status;
        }
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            http.headers_mut().insert(RETRY_AFTER, value);
        }
        http
    }
}

/// `extensions.cost`.
#[derive(Debug, Clone)]
struct CostReport {
    requested: u64,
    limit: Option<u64>,
    remaining: Option<u64>,
    reset_at: Option<String>,
}

impl CostReport {
    fn unmetered(requested: u64) -> Self {
        Self {
            requested,
            limit: None,
            remaining: None,
            reset_at: None,
        }
    }

    fn spend(&mut self, charge: crate::windows::Charge, budget: u64) {
        let reset_at =
            chrono::Utc::now() + chrono::Duration::from_std(charge.resets_in).unwrap_or_default();
        self.limit = Some(budget);
        self.remaining = Some(charge.remaining);
        self.reset_at = Some(reset_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }

    fn insert(&self, response: &mut async_graphql::Response) {
        let cost = Value::from_json(serde_json::json!({
            "requested": self.requested,
            "limit": self.limit,
            "remaining": self.remaining,
            "resetAt": self.reset_at,
        }))
        .unwrap_or(Value::Null);
        response.extensions.insert("cost".to_owned(), cost);
    }
}

#[cfg(test)]
mod tests;
