//! The tamper-evident, append-only audit log: who did what, when, from where, and how it ended.
//!
//! * **What is recorded.** One row per mutation, written in the same transaction as its change
//!   ([`crate::Db::commit`] appends it when an audit [`Scope`] is active), or — when the mutation
//!   changed nothing (user errors, a refusal) — in a transaction of its own ([`finish`]). Also
//!   one row per audit-log export. A row holds the actor (issuer, subject, role, region), the
//!   operation, the global ids of the records it touched or named, an input summary without
//!   secrets, contact data or URLs ([`summary`]), the [`Outcome`], the request id, the client
//!   address and the time.
//! * **Anonymous refusals** (FORBIDDEN, UNAUTHENTICATED) are aggregated per client address and
//!   minute: the first of a minute gets a row, the others only raise
//!   `audit_refusal_counts.count`, so nobody can flood the chain.
//! * **Append-only.** Database triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL);
//!   the one exception is [`prune`], which removes only rows older than the retention.
//! * **Tamper-evident.** Each row's hash is SHA-256 over the previous row's hash and the row's
//!   canonical fields ([`chain`]); [`verify`] walks the chain and names the first broken link.

mod chain;
mod prune;
mod read;
mod scope;
pub mod summary;

pub use chain::{Broken, Verified, append, verify};
pub use prune::prune;
pub use read::{AuditFilter, AuditRow, by_filter, page};
pub(crate) use scope::commit_hook;
pub use scope::{Scope, finish, note_target, note_user_errors, within};

use std::collections::BTreeSet;

use crate::Actor;

/// The issuer recorded for xieshang's own (HS256 service) tokens.
pub const SERVICE_ISSUER: &str = "xieshang";

/// How an audited operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It ran and its change (if any) committed.
    Ok,
    /// It was refused with `userErrors`; nothing changed.
    UserErrors,
    /// The caller may not do it (outside their scope or role); nothing changed.
    Forbidden,
    /// The caller needed to sign in; nothing changed.
    Unauthenticated,
}

impl Outcome {
    /// The stored (and GraphQL) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "OK",
            Outcome::UserErrors => "USER_ERRORS",
            Outcome::Forbidden => "FORBIDDEN",
            Outcome::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "OK" => Some(Outcome::Ok),
            "USER_ERRORS" => Some(Outcome::UserErrors),
            "FORBIDDEN" => Some(Outcome::Forbidden),
            "UNAUTHENTICATED" => Some(Outcome::Unauthenticated),
            _ => None,
        }
    }
}

/// The actor as recorded: null fields for an anonymous caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActorInfo {
    /// Who vouched for the caller (`xieshang` for service tokens).
    pub issuer: Option<String>,
    /// The caller's subject at that issuer.
    pub subject: Option<String>,
    /// The role (`COUNTY_STAFF`, …).
    pub role: Option<String>,
    /// The region's code.
    pub region_code: Option<String>,
    /// The region's id (for scoped reads; not stored in the row itself).
    pub region_id: Option<i64>,
}

impl ActorInfo {
    /// The recorded face of `actor`: the identity provider's issuer for people signed in through
    /// it, `xieshang` for service tokens; the subject is the token's `sub`, or `ROLE/region`
    /// when that is empty.
    pub fn of(actor: &Actor) -> Self {
        let Some(principal) = actor.principal() else {
            return Self::default();
        };
        let subject = if principal.subject.trim().is_empty() {
            format!("{}/{}", principal.role.as_str(), principal.region_code)
        } else {
            principal.subject.clone()
        };
        Self {
            issuer: Some(
                principal
                    .issuer
                    .clone()
                    .unwrap_or_else(|| SERVICE_ISSUER.to_owned()),
            ),
            subject: Some(subject),
            role: Some(principal.role.as_str().to_owned()),
            region_code: Some(principal.region_code.clone()),
            region_id: Some(principal.region_id),
        }
    }

    /// Whether the caller was anonymous.
    pub fn is_anonymous(&self) -> bool {
        self.subject.is_none()
    }
}

/// Where a request came from, as the server saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
    /// The client's address (through trusted proxies).
    pub client_address: Option<String>,
}

/// A row to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The operation (mutation field name, or `exportAuditLog`).
    pub operation: String,
    /// Who.
    pub actor: ActorInfo,
    /// From where.
    pub request: RequestInfo,
    /// Global ids of the records touched or named, in the order first seen.
    pub target_ids: Vec<String>,
    /// Region ids the row concerns besides the actor's (the targets' committees).
    pub region_ids: BTreeSet<i64>,
    /// The input without secrets, contact data or URLs (see [`summary`]).
    pub input_summary: serde_json::Value,
    /// How it ended.
    pub outcome: Outcome,
}

/// The Relay global id of record `id` of GraphQL type `type_name` (base64url of
/// `<type>:<id>`, as the `graphql` crate encodes them).
pub fn global_id(type_name: &str, id: i64) -> String {
    use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}
