//! The moderation queue of public topics (社会征题): an anonymous submission lands as SUBMITTED
//! ([`super::consultations::submit_public_topic`]); staff in scope accept it (→ PROPOSED, from
//! then on an ordinary topic) or reject it with a reason (→ REJECTED, terminal). Until accepted,
//! only staff in scope see the topic, in lists and in the event log ([`crate::visibility`]).
//!
//! The submitter gets a receipt code: 128 random bits from the operating system, never derived
//! from the topic's id. Only its SHA-256 is stored; [`receipt`] looks a topic up by the hash of
//! the code and shows its progress without any personal data.

use chrono::{DateTime, Utc};
use entity::{
    consultation,
    enums::{ConsultationStatus, TopicSource},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::consultations::{Consultation, change_status, load};
use super::validate::{Field, text};
use crate::{Actor, Db, DomainError, lifecycle};

const REASON: Field = Field {
    name: "reason",
    max_chars: 2_000,
};
const NOTE: Field = Field {
    name: "note",
    max_chars: 2_000,
};

/// Random bytes in a receipt code (128 bits).
const RECEIPT_BYTES: usize = 16;

/// A submitted public topic and the receipt code for its submitter, shown once.
#[derive(Clone, Debug)]
pub struct SubmittedTopic {
    /// The topic as stored (status SUBMITTED).
    pub consultation: Consultation,
    /// The plaintext receipt code; only its hash is stored.
    pub receipt_code: String,
}

/// A fresh receipt code and the hash that is stored.
#[derive(Clone, Debug)]
pub(super) struct Receipt {
    /// 32 lowercase hex digits.
    pub code: String,
    /// Lowercase hex SHA-256 of the code.
    pub hash: String,
}

impl Receipt {
    /// 128 bits from the operating system's random source.
    pub(super) fn new() -> Result<Self, DomainError> {
        let mut random = [0u8; RECEIPT_BYTES];
        getrandom::fill(&mut random).map_err(|error| {
            DomainError::Config(format!("no random source for receipt codes: {error}"))
        })?;
        let code = hex(&random);
        let hash = hash_of(&code);
        Ok(Self { code, hash })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The stored hash of a receipt code as a submitter may type it: surrounding space, dashes and
/// inner spaces are ignored, letters in either case.
fn hash_of(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    hex(&Sha256::digest(normalized.as_bytes()))
}

/// What the submitter of a public topic may see through its receipt: no personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicReceipt {
    /// The topic's status now.
    pub status: ConsultationStatus,
    /// The committee (region id) the topic was submitted to.
    pub region_id: i64,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When staff accepted or rejected it; `None` while it waits.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected (or, once accepted, why the consultation was cancelled).
    pub reason: Option<String>,
}

/// The topic whose receipt code is `code`; `None` for any code that matches no topic (nothing
/// else is told). Open to anyone, like the submission.
pub async fn receipt(db: &Db, code: &str) -> Result<Option<TopicReceipt>, DomainError> {
    if code.len() > 200 {
        return Ok(None);
    }
    let found = consultation::Entity::find()
        .filter(consultation::Column::ReceiptHash.eq(hash_of(code)))
        .one(db.reader())
        .await?;
    Ok(found.map(|row| TopicReceipt {
        status: row.status,
        region_id: row.region_id,
        submitted_at: row.created_at,
        decided_at: row.decided_at,
        reason: match row.status {
            ConsultationStatus::Rejected => row.rejection_reason,
            ConsultationStatus::Cancelled => row.cancel_reason,
            _ => None,
        },
    }))
}

/// `acceptPublicTopic`: SUBMITTED → PROPOSED (staff in scope). From then on the topic is public
/// and follows the ordinary lifecycle; the event log records the change as
/// CONSULTATION_STATUS_CHANGED.
pub async fn accept(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    note: Option<String>,
) -> Result<Consultation, DomainError> {
    decide(db, actor, id, expected_version, None, note).await
}

/// `rejectPublicTopic`: SUBMITTED → REJECTED with a reason (staff in scope). Terminal; the topic
/// stays visible to staff in scope only.
pub async fn reject(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    reason: String,
    note: Option<String>,
) -> Result<Consultation, DomainError> {
    let reason = text(REASON, &reason)?;
    decide(db, actor, id, expected_version, Some(reason), note).await
}

/// Accepts (`rejection` is `None`) or rejects a topic in the queue, in one transaction with its
/// status history row and event.
async fn decide(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    rejection: Option<String>,
    note: Option<String>,
) -> Result<Consultation, DomainError> {
    let note = note.map(|note| text(NOTE, &note)).transpose()?;
    let target = match rejection {
        Some(_) => ConsultationStatus::Rejected,
        None => ConsultationStatus::Proposed,
    };
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    if current.topic_source != TopicSource::Public {
        return Err(DomainError::invalid(
            "id",
            "only public topics (source PUBLIC) go through moderation",
        ));
    }
    lifecycle::check(current.status, target)?;
    let mut change = consultation::ActiveModel::from(current.clone());
    change.status = Set(target);
    change.decided_at = Set(Some(Utc::now()));
    if rejection.is_some() {
        change.rejection_reason = Set(rejection);
    }
    change_status(db, transaction, &current, change, actor, note).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_codes_are_random_and_stored_hashed() {
        let first = Receipt::new().expect("random");
        let second = Receipt::new().expect("random");
        assert_eq!(first.code.len(), 2 * RECEIPT_BYTES);
        assert_ne!(first.code, second.code);
        assert_ne!(first.hash, first.code);
        assert_eq!(first.hash.len(), 64);
        assert_eq!(hash_of(&first.code), first.hash);
        assert_eq!(
            hash_of(&format!(" {} ", first.code.to_uppercase())),
            first.hash
        );
    }
}
