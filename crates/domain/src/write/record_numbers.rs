//! Record numbers (协商编号, 活动编号): the keys imports and exports find consultations and lounge
//! activities by, unique per committee. A new record takes its committee's next number
//! `<code>-XS-NNNN` (consultations) or `<code>-HD-NNNN` (activities); an import may bring its
//! own.

use entity::{consultation, lounge_activity};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};

use crate::DomainError;

/// Which records a number belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberedRecord {
    /// Consultations (协商编号, `XS`).
    Consultation,
    /// Lounge activities (活动编号, `HD`), numbered by the committee of the first host lounge.
    Activity,
}

impl NumberedRecord {
    /// The first key of the advisory lock that serialises numbering (members use 1).
    fn lock_class(self) -> i32 {
        match self {
            NumberedRecord::Consultation => 2,
            NumberedRecord::Activity => 3,
        }
    }

    fn infix(self) -> &'static str {
        match self {
            NumberedRecord::Consultation => "XS",
            NumberedRecord::Activity => "HD",
        }
    }
}

/// The `position`-th default number of the committee with `committee_code`
/// (`330212-XS-0001`): what the record-number migration gave existing rows, in id order.
pub fn record_number(record: NumberedRecord, committee_code: &str, position: usize) -> String {
    format!("{committee_code}-{}-{position:04}", record.infix())
}

/// The committee's next default number: one past the highest default number it has given.
pub async fn next_record_number(
    transaction: &DatabaseTransaction,
    record: NumberedRecord,
    region_id: i64,
    committee_code: &str,
) -> Result<String, DomainError> {
    lock_numbering(transaction, record.lock_class(), region_id).await?;
    let prefix = format!("{committee_code}-{}-", record.infix());
    let numbers: Vec<String> = match record {
        NumberedRecord::Consultation => {
            consultation::Entity::find()
                .select_only()
                .column(consultation::Column::RecordNumber)
                .filter(consultation::Column::RegionId.eq(region_id))
                .filter(consultation::Column::RecordNumber.starts_with(&prefix))
                .into_tuple()
                .all(transaction)
                .await?
        }
        NumberedRecord::Activity => {
            lounge_activity::Entity::find()
                .select_only()
                .column(lounge_activity::Column::RecordNumber)
                .filter(lounge_activity::Column::RegionId.eq(region_id))
                .filter(lounge_activity::Column::RecordNumber.starts_with(&prefix))
                .into_tuple()
                .all(transaction)
                .await?
        }
    };
    let highest = numbers
        .iter()
        .filter_map(|number| number.strip_prefix(&prefix)?.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    Ok(record_number(record, committee_code, highest + 1))
}

/// A record number as imports bring it: the committee's key of a record, so short and on one
/// line like the defaults (`330212-XS-0001`).
const RECORD_NUMBER: super::Field = super::Field {
    name: "recordNumber",
    max_chars: 50,
};

/// A record number from a file, checked: not empty, at most 50 characters, one line.
pub fn checked_record_number(value: &str) -> Result<String, DomainError> {
    let number = super::text(RECORD_NUMBER, value)?;
    if number.contains(['\n', '\r', '\t']) {
        return Err(DomainError::invalid(
            RECORD_NUMBER.name,
            "must be on one line, without tabs",
        ));
    }
    Ok(number)
}

/// Serialises the numbering of one committee's records of one class until the transaction
/// ends. On PostgreSQL two transactions could otherwise read the same highest number and both
/// take the next one (the unique index would refuse the second); SQLite has one writer anyway.
pub(crate) async fn lock_numbering(
    transaction: &DatabaseTransaction,
    class: i32,
    region_id: i64,
) -> Result<(), DomainError> {
    let backend = transaction.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        // The two-key form takes int4 keys; region ids beyond that share a lock, which only
        // serialises more than needed.
        let key = i32::try_from(region_id.rem_euclid(i64::from(i32::MAX))).unwrap_or_default();
        transaction
            .execute_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT pg_advisory_xact_lock({class}, {key})"),
            ))
            .await?;
    }
    Ok(())
}

/// Takes the numbering lock of every committee in `region_ids` that gets new `record`s with
/// numbers of their own (an import's), so that they cannot race a default number.
pub(crate) async fn lock_record_numbers(
    transaction: &DatabaseTransaction,
    record: NumberedRecord,
    region_ids: impl IntoIterator<Item = i64>,
) -> Result<(), DomainError> {
    let mut region_ids: Vec<i64> = region_ids.into_iter().collect();
    region_ids.sort_unstable();
    region_ids.dedup();
    for region_id in region_ids {
        lock_numbering(transaction, record.lock_class(), region_id).await?;
    }
    Ok(())
}
