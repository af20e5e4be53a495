//! Member (政协委员) writes: create and update, by staff whose scope covers the member's committee
//! (for a move to another committee: both committees).
//!
//! Decisions: phone and e-mail are optional; an empty (blank) value stores null, so an update may
//! clear them. They are personal data and never appear in an event's snapshot. Members have no
//! `version` column, so updates are last-writer-wins.

use chrono::Utc;
use entity::{
    enums::{EventType, Gender, MemberStatus},
    member, region,
};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, Set};
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
}

/// Creates a member (status ACTIVE).
pub async fn create(db: &Db, actor: &Actor, input: NewMember) -> Result<Member, DomainError> {
    let region = region_by_code(db, &input.region_code).await?;
    policy::may_manage_member(actor, region.id)?;
    let name = text(NAME, &input.name)?;
    let sector = text(SECTOR, &input.sector)?;
    let occupation = text(OCCUPATION, &input.occupation)?;
    let term = term(input.term)?;
    let phone = input.phone.as_deref().map(phone).transpose()?.flatten();
    let email = input.email.as_deref().map(email).transpose()?.flatten();
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    let created = member::ActiveModel {
        region_id: Set(region.id),
        name: Set(name),
        gender: Set(input.gender),
        sector: Set(sector),
        occupation: Set(occupation),
        term: Set(term),
        phone: Set(phone),
        email: Set(email),
        status: Set(MemberStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
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

/// The outbox event of a change; the snapshot carries no contact data (phone, e-mail).
async fn emit(
    transaction: &DatabaseTransaction,
    member: &Member,
    region_ids: Vec<i64>,
    event_type: EventType,
    actor: &Actor,
) -> Result<(), DomainError> {
    let snapshot = json!({
        "id": member.id,
        "name": member.name,
        "gender": member.gender.as_str(),
        "sector": member.sector,
        "occupation": member.occupation,
        "term": member.term,
        "status": member.status.as_str(),
    });
    outbox::append(
        transaction,
        NewEvent {
            event_type,
            entity_type: "Member",
            entity_id: member.id,
            region_ids,
            snapshot,
            actor: actor.name(),
        },
    )
    .await?;
    Ok(())
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
