//! Member (政协委员) writes: create and update, by staff whose scope covers the member's committee
//! (for a move to another committee: both committees).
//!
//! Decisions: phone and e-mail are optional; an empty (blank) value stores null, so an update may
//! clear them. They are personal data and never appear in an event's snapshot. Members have no
//! `version` column, so updates are last-writer-wins. Every member has a number (委员编号),
//! unique per committee: given by staff, or the committee's next `<code>-NNNN`; a member who
//! moves keeps theirs unless another member of the new committee holds it.
//!
//! [`MemberFields::checked`] is the one place a member's fields are checked: `createMember`,
//! `updateMember` and the roster import (`records` crate, through [`import`]) all use it.

use chrono::Utc;
use entity::{
    enums::{EventType, Gender, MemberStatus},
    member, region,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

use super::validate::{Field, text};
use crate::{
    Actor, Db, DomainError,
    outbox::{self, NewEvent},
    policy,
};

const NAME: Field = Field {
    name: "name",
    max_chars: crate::limits::PERSON_NAME_CHARS,
};
const SECTOR: Field = Field {
    name: "sector",
    max_chars: crate::limits::SECTOR_CHARS,
};
const OCCUPATION: Field = Field {
    name: "occupation",
    max_chars: crate::limits::OCCUPATION_CHARS,
};
const MEMBER_NUMBER: Field = Field {
    name: "memberNumber",
    max_chars: 32,
};
/// Highest term (届) accepted.
pub const MAX_TERM: i32 = 99;
/// Most characters of an e-mail address.
const EMAIL_MAX_CHARS: usize = 254;

/// A member as stored.
pub type Member = member::Model;

/// `createMember`.
#[derive(Clone, Debug)]
pub struct NewMember {
    /// The committee the member serves on.
    pub region_code: String,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Sector (界别).
    pub sector: String,
    /// Occupation.
    pub occupation: String,
    /// Term (届), 1–99.
    pub term: i32,
    /// Phone: digits, `+`, `-` and spaces, 7–20 characters; blank for none.
    pub phone: Option<String>,
    /// E-mail: must contain `@`; blank for none.
    pub email: Option<String>,
    /// 委员编号; the committee's next `<code>-NNNN` when `None`.
    pub member_number: Option<String>,
}

/// `updateMember`: `None` keeps a value; a blank phone or e-mail clears it.
#[derive(Clone, Debug, Default)]
pub struct UpdateMember {
    /// Move to this committee.
    pub region_code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New gender.
    pub gender: Option<Gender>,
    /// New sector.
    pub sector: Option<String>,
    /// New occupation.
    pub occupation: Option<String>,
    /// New term.
    pub term: Option<i32>,
    /// New phone (blank clears).
    pub phone: Option<String>,
    /// New e-mail (blank clears).
    pub email: Option<String>,
    /// ACTIVE or INACTIVE.
    pub status: Option<MemberStatus>,
    /// New 委员编号.
    pub member_number: Option<String>,
}

/// A member's own fields (everything but the committee), as every write checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberFields {
    /// 委员编号; `None` asks for the committee's next number.
    pub member_number: Option<String>,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Sector (界别).
    pub sector: String,
    /// Occupation.
    pub occupation: String,
    /// Term (届), 1–99.
    pub term: i32,
    /// Phone; `None` for none.
    pub phone: Option<String>,
    /// E-mail; `None` for none.
    pub email: Option<String>,
    /// ACTIVE or INACTIVE.
    pub status: MemberStatus,
}

impl MemberFields {
    /// The fields trimmed and checked, or the error of every field that fails (each naming
    /// its input field: `name`, `phone`, …), not only the first.
    pub fn checked(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let mut keep = |result: Result<String, DomainError>, fallback: String| match result {
            Ok(value) => value,
            Err(error) => {
                errors.push(error);
                fallback
            }
        };
        let member_number = match self.member_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(number) => Some(keep(text(MEMBER_NUMBER, number), String::new())),
        };
        let name = keep(text(NAME, &self.name), String::new());
        let sector = keep(text(SECTOR, &self.sector), String::new());
        let occupation = keep(text(OCCUPATION, &self.occupation), String::new());
        let term = term(self.term).unwrap_or_else(|error| {
            errors.push(error);
            0
        });
        let phone = match self.phone.as_deref().map(phone).transpose() {
            Ok(value) => value.flatten(),
            Err(error) => {
                errors.push(error);
                None
            }
        };
        let email = match self.email.as_deref().map(email).transpose() {
            Ok(value) => value.flatten(),
            Err(error) => {
                errors.push(error);
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            member_number,
            name,
            gender: self.gender,
            sector,
            occupation,
            term,
            phone,
            email,
            status: self.status,
        })
    }
}

/// The number a committee gives its `position`-th member by default: `<code>-NNNN`.
pub fn number(committee_code: &str, position: usize) -> String {
    format!("{committee_code}-{position:04}")
}

/// Whether a (valid) phone is a mainland mobile number: 11 digits from 13 to 19, optionally
/// after +86. Other valid numbers are accepted; the roster import warns about them.
pub fn is_mainland_mobile(phone: &str) -> bool {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let digits = digits
        .strip_prefix("86")
        .filter(|rest| rest.len() == 11)
        .unwrap_or(digits.as_str());
    digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9')
}

/// Creates a member (status ACTIVE).
pub async fn create(db: &Db, actor: &Actor, input: NewMember) -> Result<Member, DomainError> {
    let region = region_by_code(db, &input.region_code).await?;
    policy::may_manage_member(actor, region.id)?;
    let fields = MemberFields {
        member_number: input.member_number,
        name: input.name,
        gender: input.gender,
        sector: input.sector,
        occupation: input.occupation,
        term: input.term,
        phone: input.phone,
        email: input.email,
        status: MemberStatus::Active,
    }
    .checked()
    .map_err(first_error)?;
    let transaction = db.begin_write().await?;
    let created = insert(&transaction, &region, fields).await?;
    emit(
        &transaction,
        &created,
        vec![created.region_id],
        EventType::MemberCreated,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(created)
}

/// Updates a member's details or status.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: UpdateMember,
) -> Result<Member, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    let target_region = match &input.region_code {
        Some(code) => Some(region_by_code(db, code).await?),
        None => None,
    };
    let transaction = db.begin_write().await?;
    let current = member::Entity::find_by_id(id)
        .one(&transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("member {id}")))?;
    policy::may_manage_member(actor, current.region_id)?;
    if let Some(target) = &target_region {
        policy::may_manage_member(actor, target.id)?;
    }
    let mut change = member::ActiveModel::from(current.clone());
    if let Some(target) = &target_region {
        change.region_id = Set(target.id);
    }
    let number = match input.member_number {
        Some(number) => Some(text(MEMBER_NUMBER, &number)?),
        None => None,
    };
    match (&number, &target_region) {
        (Some(number), target) => {
            let region_id = target
                .as_ref()
                .map_or(current.region_id, |region| region.id);
            ensure_number_free(&transaction, region_id, number, Some(current.id)).await?;
            change.member_number = Set(number.clone());
        }
        (None, Some(target)) if target.id != current.region_id => {
            let taken = number_holder(&transaction, target.id, &current.member_number).await?;
            if taken.is_some() {
                change.member_number = Set(next_number(&transaction, target).await?);
            }
        }
        (None, _) => {}
    }
    if let Some(name) = input.name {
        change.name = Set(text(NAME, &name)?);
    }
    if let Some(gender) = input.gender {
        change.gender = Set(gender);
    }
    if let Some(sector) = input.sector {
        change.sector = Set(text(SECTOR, &sector)?);
    }
    if let Some(occupation) = input.occupation {
        change.occupation = Set(text(OCCUPATION, &occupation)?);
    }
    if let Some(value) = input.term {
        change.term = Set(term(value)?);
    }
    if let Some(value) = input.phone {
        change.phone = Set(phone(&value)?);
    }
    if let Some(value) = input.email {
        change.email = Set(email(&value)?);
    }
    if let Some(status) = input.status {
        change.status = Set(status);
    }
    change.updated_at = Set(Utc::now());
    let updated = change.update(&transaction).await?;
    let mut region_ids = vec![current.region_id];
    region_ids.push(updated.region_id);
    emit(
        &transaction,
        &updated,
        region_ids,
        EventType::MemberUpdated,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// The first of several field errors (the mutations report one at a time).
pub(super) fn first_error(mut errors: Vec<DomainError>) -> DomainError {
    if errors.is_empty() {
        DomainError::invalid("input", "invalid")
    } else {
        errors.swap_remove(0)
    }
}

/// Inserts a member of `region` with checked `fields`, numbering it when it has no number.
async fn insert(
    transaction: &DatabaseTransaction,
    region: &region::Model,
    fields: MemberFields,
) -> Result<Member, DomainError> {
    let number = match fields.member_number.clone() {
        Some(number) => {
            ensure_number_free(transaction, region.id, &number, None).await?;
            number
        }
        None => next_number(transaction, region).await?,
    };
    insert_numbered(transaction, region.id, number, fields).await
}

/// Inserts a member of committee `region_id` with `number` (already known to be free).
async fn insert_numbered(
    transaction: &DatabaseTransaction,
    region_id: i64,
    number: String,
    fields: MemberFields,
) -> Result<Member, DomainError> {
    let now = Utc::now();
    Ok(member::ActiveModel {
        region_id: Set(region_id),
        member_number: Set(number),
        name: Set(fields.name),
        gender: Set(fields.gender),
        sector: Set(fields.sector),
        occupation: Set(fields.occupation),
        term: Set(fields.term),
        phone: Set(fields.phone),
        email: Set(fields.email),
        status: Set(fields.status),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(transaction)
    .await?)
}

/// The id of the member of `region_id` holding `number`, if any.
async fn number_holder(
    transaction: &DatabaseTransaction,
    region_id: i64,
    number: &str,
) -> Result<Option<i64>, DomainError> {
    Ok(member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(member::Column::RegionId.eq(region_id))
        .filter(member::Column::MemberNumber.eq(number))
        .into_tuple::<i64>()
        .one(transaction)
        .await?)
}

/// `INVALID` on `memberNumber` when another member of the committee holds `number`.
async fn ensure_number_free(
    transaction: &DatabaseTransaction,
    region_id: i64,
    number: &str,
    except: Option<i64>,
) -> Result<(), DomainError> {
    match number_holder(transaction, region_id, number).await? {
        Some(holder) if Some(holder) != except => Err(DomainError::invalid(
            "memberNumber",
            format!("{number} is already the number of another member of this committee"),
        )),
        _ => Ok(()),
    }
}

/// The committee's next default number: one past the highest `<code>-NNNN` it has given.
async fn next_number(
    transaction: &DatabaseTransaction,
    region: &region::Model,
) -> Result<String, DomainError> {
    Ok(number(
        &region.code,
        next_position(transaction, region).await?,
    ))
}

/// The advisory lock class that serialises member numbering (see `record_numbers`).
const MEMBER_NUMBERING: i32 = 1;

/// One past the highest position of a `<code>-NNNN` number the committee has given.
async fn next_position(
    transaction: &DatabaseTransaction,
    region: &region::Model,
) -> Result<usize, DomainError> {
    super::record_numbers::lock_numbering(transaction, MEMBER_NUMBERING, region.id).await?;
    let prefix = format!("{}-", region.code);
    let numbers: Vec<String> = member::Entity::find()
        .select_only()
        .column(member::Column::MemberNumber)
        .filter(member::Column::RegionId.eq(region.id))
        .filter(member::Column::MemberNumber.starts_with(&prefix))
        .into_tuple()
        .all(transaction)
        .await?;
    let highest = numbers
        .iter()
        .filter_map(|number| position_of(&region.code, number))
        .max()
        .unwrap_or(0);
    Ok(highest + 1)
}

/// The position of a default-form number `<code>-NNNN` of the committee `code`.
fn position_of(code: &str, number: &str) -> Option<usize> {
    number.strip_prefix(code)?.strip_prefix('-')?.parse().ok()
}

/// One row of a roster import, checked and resolved: a new member of `region` (when `id` is
/// `None`) or new values for member `id`.
#[derive(Clone, Debug)]
pub struct ImportedMember {
    /// The member to update; `None` creates one.
    pub id: Option<i64>,
    /// The committee.
    pub region: region::Model,
    /// Its checked fields.
    pub fields: MemberFields,
}

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Members created.
    pub created: usize,
    /// Members updated.
    pub updated: usize,
}

/// Writes a roster import in one transaction, as the mutations would one by one (policy,
/// numbers, `MEMBER_CREATED` / `MEMBER_UPDATED` events): all of it or, on any error, nothing.
/// The caller has checked the rows against the stored roster (keys, numbers); the unique index
/// on (committee, number) still refuses a number taken meanwhile. Events are appended together
/// at the end ([`outbox::append_many`]), so a large roster costs about one statement per row.
pub async fn import(
    db: &Db,
    actor: &Actor,
    rows: Vec<ImportedMember>,
) -> Result<Written, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    for row in &rows {
        policy::may_manage_member(actor, row.region.id)?;
    }
    let mut written = Written::default();
    let mut events = Vec::with_capacity(rows.len());
    let mut next: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    // Default-form numbers the file itself gives count too: a row without a number must never
    // take one that a later row brings.
    let mut given: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for row in &rows {
        if let Some(position) = row
            .fields
            .member_number
            .as_deref()
            .and_then(|number| position_of(&row.region.code, number))
        {
            let highest = given.entry(row.region.id).or_default();
            *highest = (*highest).max(position);
        }
    }
    let transaction = db.begin_write().await?;
    // Numbers the file gives are taken under the same lock as default ones.
    let mut creating: Vec<i64> = rows
        .iter()
        .filter(|row| row.id.is_none())
        .map(|row| row.region.id)
        .collect();
    creating.sort_unstable();
    creating.dedup();
    for region_id in creating {
        super::record_numbers::lock_numbering(&transaction, MEMBER_NUMBERING, region_id).await?;
    }
    for row in rows {
        let fields = row.fields;
        let (member, event_type) = match row.id {
            None => {
                let number = match fields.member_number.clone() {
                    Some(number) => number,
                    None => {
                        let position = match next.get(&row.region.id) {
                            Some(position) => *position,
                            None => next_position(&transaction, &row.region)
                                .await?
                                .max(given.get(&row.region.id).map_or(1, |highest| highest + 1)),
                        };
                        next.insert(row.region.id, position + 1);
                        number(&row.region.code, position)
                    }
                };
                let created = insert_numbered(&transaction, row.region.id, number, fields).await?;
                written.created += 1;
                (created, EventType::MemberCreated)
            }
            Some(id) => {
                let current = member::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("member {id}")))?;
                // The policy was checked for the row's committee: it must be the member's.
                if current.region_id != row.region.id {
                    return Err(DomainError::Conflict(format!(
                        "member {id} belongs to another committee than the row"
                    )));
                }
                let mut change = member::ActiveModel::from(current);
                change.name = Set(fields.name);
                change.gender = Set(fields.gender);
                change.sector = Set(fields.sector);
                change.occupation = Set(fields.occupation);
                change.term = Set(fields.term);
                change.phone = Set(fields.phone);
                change.email = Set(fields.email);
                change.status = Set(fields.status);
                change.updated_at = Set(Utc::now());
                written.updated += 1;
                (change.update(&transaction).await?, EventType::MemberUpdated)
            }
        };
        events.push(event(&member, vec![member.region_id], event_type, actor));
    }
    outbox::append_many(&transaction, events).await?;
    db.commit(transaction).await?;
    Ok(written)
}

async fn region_by_code(db: &Db, code: &str) -> Result<region::Model, DomainError> {
    crate::regions::by_code(db, code)
        .await
        .map_err(|_| DomainError::invalid("regionCode", "expected a six-digit region code"))?
        .ok_or_else(|| DomainError::invalid("regionCode", format!("no region has code {code}")))
}

fn term(value: i32) -> Result<i32, DomainError> {
    if !(1..=MAX_TERM).contains(&value) {
        return Err(DomainError::invalid(
            "term",
            format!("must be between 1 and {MAX_TERM}"),
        ));
    }
    Ok(value)
}

/// A phone number: digits, `+`, `-` and spaces, 7–20 characters; blank means none.
fn phone(value: &str) -> Result<Option<String>, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let length = trimmed.chars().count();
    let allowed = trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '));
    if !allowed || !(7..=20).contains(&length) || !trimmed.chars().any(|c| c.is_ascii_digit()) {
        return Err(DomainError::invalid(
            "phone",
            "expected 7–20 characters of digits, +, - and spaces",
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

/// An e-mail address, checked loosely: something@something; blank means none.
fn email(value: &str) -> Result<Option<String>, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let valid = match trimmed.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !trimmed.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid || trimmed.chars().count() > EMAIL_MAX_CHARS {
        return Err(DomainError::invalid(
            "email",
            "expected an address like name@example.com",
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

/// Appends the outbox event of a change.
async fn emit(
    transaction: &DatabaseTransaction,
    member: &Member,
    region_ids: Vec<i64>,
    event_type: EventType,
    actor: &Actor,
) -> Result<(), DomainError> {
    outbox::append(transaction, event(member, region_ids, event_type, actor)).await?;
    Ok(())
}

/// The outbox event of a change; the snapshot carries no contact data (phone, e-mail).
fn event(member: &Member, region_ids: Vec<i64>, event_type: EventType, actor: &Actor) -> NewEvent {
    let snapshot = json!({
        "id": member.id,
        "name": member.name,
        "gender": member.gender.as_str(),
        "sector": member.sector,
        "occupation": member.occupation,
        "term": member.term,
        "status": member.status.as_str(),
    });
    NewEvent {
        event_type,
        entity_type: "Member",
        entity_id: member.id,
        region_ids,
        snapshot,
        actor: actor.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_formats_are_checked_loosely() {
        assert_eq!(
            phone(" 0574-8888 1234 ").ok().flatten().as_deref(),
            Some("0574-8888 1234")
        );
        assert_eq!(phone("  ").ok(), Some(None));
        assert!(phone("12345").is_err());
        assert!(phone("call me 1234567").is_err());
        assert!(email("a@b.cn").is_ok());
        assert!(email("ab.cn").is_err());
        assert!(email("a@").is_err());
    }
}
