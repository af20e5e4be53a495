//! `AuditEntry`: one row of the tamper-evident audit log.

use std::sync::Arc;

use async_graphql::{Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::audit::{AuditFilter, AuditRow, Outcome};

use crate::{
    connection::{Connection, ConnectionNode},
    generation::{Generation, Row, Sibling},
    ids,
};

impl Row for AuditRow {
    type Batches = ();
}

/// How an audited operation ended.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    /// It ran; its change (if any) committed with this row.
    Ok,
    /// It was refused with `userErrors`; nothing changed.
    UserErrors,
    /// The caller may not do it; nothing changed.
    Forbidden,
    /// The caller had to sign in; nothing changed. Anonymous refusals are recorded once per
    /// client address and minute.
    Unauthenticated,
}

impl From<Outcome> for AuditOutcome {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Ok => Self::Ok,
            Outcome::UserErrors => Self::UserErrors,
            Outcome::Forbidden => Self::Forbidden,
            Outcome::Unauthenticated => Self::Unauthenticated,
        }
    }
}

/// One entry of a generation of audit entries.
#[derive(Clone)]
pub struct AuditEntry {
    index: usize,
    generation: Arc<Generation<AuditRow>>,
}

impl Sibling for AuditEntry {
    type Row = AuditRow;

    fn at(index: usize, generation: Arc<Generation<AuditRow>>) -> Self {
        Self { index, generation }
    }
}

impl AuditEntry {
    fn row(&self) -> &AuditRow {
        self.generation.row(self.index)
    }
}

/// Who did what, when, from where, and how it ended. Entries are append-only and chained by
/// SHA-256 hashes; `xieshang audit verify` detects a removed or altered entry.
#[Object]
impl AuditEntry {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        ids::encode("AuditEntry", self.row().id)
    }

    /// The entry's position in the chain (1 for the first entry ever).
    async fn sequence(&self) -> i64 {
        self.row().id
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.row().occurred_at
    }

    /// Who vouched for the actor: the identity provider's issuer, or `xieshang` for service
    /// tokens; null for anonymous callers.
    async fn actor_issuer(&self) -> Option<&str> {
        self.row().actor_issuer.as_deref()
    }

    /// The actor's subject at that issuer; null for anonymous callers.
    async fn actor_subject(&self) -> Option<&str> {
        self.row().actor_subject.as_deref()
    }

    /// The actor's role (`COUNTY_STAFF`, …); null for anonymous callers.
    async fn actor_role(&self) -> Option<&str> {
        self.row().actor_role.as_deref()
    }

    /// The GB/T 2260 code of the actor's committee; null for anonymous callers.
    async fn actor_region_code(&self) -> Option<&str> {
        self.row().actor_region.as_deref()
    }

    /// The operation: the mutation's field name, e.g. `proposeConsultation`.
    async fn operation(&self) -> &str {
        &self.row().operation
    }

    /// Global IDs of the records the operation named or changed.
    async fn target_ids(&self) -> Vec<ID> {
        serde_json::from_str::<Vec<String>>(&self.row().target_ids)
            .unwrap_or_default()
            .into_iter()
            .map(ID)
            .collect()
    }

    /// The input as JSON text, without secrets, contact data or URLs (replaced by
    /// `[redacted]`), long texts cut at 200 characters.
    async fn input_summary(&self) -> &str {
        &self.row().input_summary
    }

    /// How it ended.
    async fn outcome(&self) -> Option<AuditOutcome> {
        Outcome::parse(&self.row().outcome).map(Into::into)
    }

    /// The request's `x-request-id`, to find it in the logs.
    async fn request_id(&self) -> Option<&str> {
        self.row().request_id.as_deref()
    }

    /// The client's address as the server saw it (through trusted proxies).
    async fn client_address(&self) -> Option<&str> {
        self.row().client_address.as_deref()
    }

    /// SHA-256 (hex) over the previous entry's hash and this entry's fields.
    async fn hash(&self) -> &str {
        &self.row().hash
    }
}

impl ConnectionNode for AuditEntry {
    const CONNECTION_NAME: &'static str = "AuditEntryConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of audit entries.";
    const EDGE_NAME: &'static str = "AuditEntryEdge";
    const EDGE_DESCRIPTION: &'static str = "One of audit entries in a page, with its cursor.";
}

/// A page of audit entries.
pub type AuditEntryConnection = Connection<AuditEntry>;

/// Which audit entries to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AuditLogFilter {
    /// Entries whose actor has this subject.
    pub actor_subject: Option<String>,
    /// Entries of this operation, e.g. `proposeConsultation`.
    pub operation: Option<String>,
    /// Entries that named or changed the record with this global ID.
    pub target_id: Option<ID>,
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub to: Option<DateTime<Utc>>,
}

impl From<AuditLogFilter> for AuditFilter {
    fn from(filter: AuditLogFilter) -> Self {
        Self {
            actor_subject: filter.actor_subject,
            operation: filter.operation,
            target_id: filter.target_id.map(|id| id.0),
            from: filter.from,
            to: filter.to,
        }
    }
}
