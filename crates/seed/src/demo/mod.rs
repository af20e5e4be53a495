//! The demo data set: everything is generated in memory first (pure, deterministic), then
//! written in one transaction with explicit ids.

mod activities;
pub(super) mod calendar;
#[cfg(test)]
mod checks;
mod lifecycle;
mod lounges;
mod members;
mod memberships;
mod named_activities;
mod named_sessions;
pub(super) mod names;
mod reports;
pub(super) mod rng;
mod sessions;
mod slots;
mod suggestions;
mod topics;
mod world;

use sea_orm::{EntityTrait, PaginatorTrait};

use super::{DemoSummary, Progress, write};
use domain::{Db, DomainError};

/// Every row of the demo data set, in insertion order.
struct DemoRows {
    members: Vec<entity::member::ActiveModel>,
    lounges: Vec<entity::lounge::ActiveModel>,
    memberships: Vec<entity::lounge_membership::ActiveModel>,
    activities: activities::ActivityRows,
    consultations: lifecycle::ConsultationRows,
    suggestions: suggestions::SuggestionRows,
    slot_requests: Vec<entity::slot_request::ActiveModel>,
    reports: reports::ReportRows,
}

/// Generates the rows for `world` (pure: no database access).
fn generate(world: &world::World) -> Result<DemoRows, DomainError> {
    let (members, roster) = members::build(world)?;
    let (lounge_rows, lounge_list) = lounges::build(world)?;
    let (memberships, membership_list) = memberships::build(world, &roster, &lounge_list)?;
    let province = world.index("330000")?;
    let named = named_activities::build(roster.chair(province).id)?;
    let activities = activities::build(world, &lounge_list, &membership_list, named)?;
    let named = named_sessions::build(world, &lounge_list)?;
    let mut sessions = sessions::plan(world, &lounge_list, named)?;
    slots::mark(world, &mut sessions)?;
    let consultations = lifecycle::build(world, &roster, &lounge_list, &sessions)?;
    let suggestions = suggestions::build(world, &roster, &sessions, &consultations.held)?;
    let slot_requests = slots::build(
        world,
        &sessions,
        &consultations.held,
        &consultations.proposed_at,
    )?;
    let reports = reports::build(world, &lounge_list, &membership_list)?;
    Ok(DemoRows {
        members,
        lounges: lounge_rows,
        memberships,
        activities,
        consultations,
        suggestions,
        slot_requests,
        reports,
    })
}

/// Tables with an identity column that the demo data set fills with explicit ids.
const ID_TABLES: &[&str] = &[
    "members",
    "lounges",
    "lounge_memberships",
    "lounge_activities",
    "consultations",
    "consultation_participants",
    "consultation_status_changes",
    "suggestions",
    "suggestion_status_changes",
    "suggestion_follow_ups",
    "slot_requests",
    "sentiment_reports",
];

/// Generates and writes the demo data set in one transaction.
pub(crate) async fn load(db: &Db, progress: &mut dyn Progress) -> Result<DemoSummary, DomainError> {
    let txn = db.begin_write().await?;
    let world = world::World::load(&txn).await?;
    if entity::member::Entity::find().count(&txn).await? > 0
        || entity::lounge::Entity::find().count(&txn).await? > 0
        || entity::consultation::Entity::find().count(&txn).await? > 0
    {
        return Err(DomainError::Refused(
            "the database already holds members, lounges or consultations; reset it to load the demo data set".to_owned(),
        ));
    }
    let rows = generate(&world)?;
    let summary = DemoSummary {
        members: rows.members.len() as u64,
        lounges: rows.lounges.len() as u64,
        consultations: rows.consultations.consultations.len() as u64,
        suggestions: rows.suggestions.suggestions.len() as u64,
        activities: rows.activities.activities.len() as u64,
    };
    write::insert_all(&txn, rows.members, progress).await?;
    write::insert_all(&txn, rows.lounges, progress).await?;
    write::insert_all(&txn, rows.memberships, progress).await?;
    write::insert_all(&txn, rows.activities.activities, progress).await?;
    write::insert_all(&txn, rows.activities.hosts, progress).await?;
    write::insert_all(&txn, rows.activities.participants, progress).await?;
    write::insert_all(&txn, rows.consultations.consultations, progress).await?;
    write::insert_all(&txn, rows.consultations.changes, progress).await?;
    write::insert_all(&txn, rows.consultations.participants, progress).await?;
    write::insert_all(&txn, rows.suggestions.suggestions, progress).await?;
    write::insert_all(&txn, rows.suggestions.changes, progress).await?;
    write::insert_all(&txn, rows.suggestions.follow_ups, progress).await?;
    write::insert_all(&txn, rows.slot_requests, progress).await?;
    write::insert_all(&txn, rows.reports.reports, progress).await?;
    write::insert_all(&txn, rows.reports.sources, progress).await?;
    write::insert_all(&txn, rows.reports.authors, progress).await?;
    write::advance_sequences(&txn, ID_TABLES).await?;
    txn.commit().await?;
    Ok(summary)
}
