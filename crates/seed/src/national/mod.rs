//! The national data set: every committee of the China division set, at the scale of the whole
//! country — about 600,000 members, 300,000 sessions with 3.5 million suggestions over
//! 2011–2020, 9,000 lounges with their memberships and 4+X activities a year, and some 30,000
//! sentiment reports. It exists to measure the service at scale (`xieshang seed --divisions
//! china --scale national`).
//!
//! * **Fraction.** `scale` (0 < scale ≤ 1) selects a deterministic subset of the committees:
//!   of each level (province, city, county), the `round(n × scale)` committees with the lowest
//!   hash of their code. A selected committee gets exactly the rows it gets at full scale —
//!   its members, lounges, sessions and so on come from random streams keyed on its code — so
//!   per-committee properties ("6+X" sessions a year) hold at any fraction, and totals scale
//!   with the fraction. Only ids differ (they are 1..n over the selected rows).
//! * **Shape.** Sessions belong to the county-level committees only (6 main ones a year, always
//!   held, plus 2–6 micro ones, and 2 being prepared for 2021); lounges, activities and reports
//!   belong to committees of every level.
//! * **Lifecycle.** Statuses and dates follow the lifecycle (held sessions are HELD, FOLLOW_UP or
//!   CLOSED with `held_at` in their year; suggestions are decided and graded according to their
//!   session's status; nothing is dated after 2020 except `scheduled_at` of sessions planned for
//!   2021), but the national set writes **no history rows** (`consultation_status_changes`,
//!   `suggestion_status_changes`, `suggestion_follow_ups`), no session participants and no slot
//!   requests: the demo set covers those, and the volume here is meant for the main tables.
//!   `version` columns hold the number of transitions the usual path to the status takes.
//! * **Writing.** Rows are generated per committee (or lounge) and streamed: a table's rows
//!   are buffered and written in transactions of 50,000 rows with multi-row inserts, one table
//!   after the other (one progress phase per table). Ids are explicit; PostgreSQL's identity
//!   sequences are moved past them at the end. On SQLite, `synchronous` is `OFF` while loading
//!   and back to `NORMAL` afterwards. No outbox events are written (see [`crate`]). A
//!   failure leaves the tables written so far: reset the database and start again.

mod activities;
mod consultations;
mod lounges;
mod members;
mod plan;
mod reports;
mod sink;
mod suggestions;
mod text;

use entity::{consultation, lounge, member};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

use super::Progress;
use super::demo::rng::Rng;
use domain::Engine;
use domain::{Db, DomainError};

/// What [`load_national`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NationalSummary {
    /// Committees the fraction selected.
    pub committees: u64,
    /// CPPCC members.
    pub members: u64,
    /// Members' lounges.
    pub lounges: u64,
    /// Lounge memberships.
    pub memberships: u64,
    /// Lounge activities.
    pub activities: u64,
    /// Members taking part in lounge activities.
    pub activity_participants: u64,
    /// Sessions, in every status.
    pub consultations: u64,
    /// Suggestions made at held sessions.
    pub suggestions: u64,
    /// Sentiment reports.
    pub reports: u64,
}

/// Tables the national data set fills with explicit ids.
const ID_TABLES: &[&str] = &[
    "members",
    "lounges",
    "lounge_memberships",
    "lounge_activities",
    "consultations",
    "suggestions",
    "sentiment_reports",
];

/// A random stream for one lounge's rows of `table` (keyed on the committee code and the
/// lounge's name, which is unique within its committee).
fn rng_for(code: &str, table: &str, name: &str) -> Rng {
    Rng::new(&format!("national/{table}/{code}/{name}"))
}

/// Loads the national data set (see the module documentation). Needs the China divisions and
/// no members, lounges or consultations yet. `scale` is the fraction of committees, in (0, 1].
pub async fn load_national(
    db: &Db,
    scale: f64,
    progress: &mut dyn Progress,
) -> Result<NationalSummary, DomainError> {
    if !(scale > 0.0 && scale <= 1.0) {
        return Err(DomainError::invalid(
            "fraction",
            format!("expected a fraction in (0, 1], got {scale}"),
        ));
    }
    if member::Entity::find().count(db.reader()).await? > 0
        || lounge::Entity::find().count(db.reader()).await? > 0
        || consultation::Entity::find().count(db.reader()).await? > 0
    {
        return Err(DomainError::Refused(
            "the database already holds members, lounges or consultations; reset it to load the national data set".to_owned(),
        ));
    }
    let committees = plan::committees(db.reader(), scale).await?;
    let sqlite = db.engine() == Engine::Sqlite;
    if sqlite {
        db.writer()
            .execute_unprepared("PRAGMA synchronous = OFF")
            .await?;
    }
    let result = write(db, &committees, progress).await;
    if sqlite {
        // Restore the setting of `db::connect` even when loading failed.
        db.writer()
            .execute_unprepared("PRAGMA synchronous = NORMAL")
            .await?;
    }
    result
}

/// Generates and writes every table, one after the other.
async fn write(
    db: &Db,
    committees: &[plan::Committee],
    progress: &mut dyn Progress,
) -> Result<NationalSummary, DomainError> {
    let names = members::write(db, committees, progress).await?;
    let lounge_plans = lounges::plan(committees)?;
    let (lounge_count, memberships) =
        lounges::write(db, committees, &lounge_plans, progress).await?;
    let codes: Vec<&str> = committees.iter().map(|c| c.code.as_str()).collect();
    let (activities, activity_participants) =
        activities::write(db, &lounge_plans, &codes, progress).await?;
    // Lounges are planned committee by committee, so each committee's are one run.
    let mut lounges_of: Vec<&[lounges::Lounge]> = Vec::with_capacity(committees.len());
    let mut start = 0;
    for index in 0..committees.len() {
        let count = lounge_plans[start..]
            .iter()
            .take_while(|l| l.committee == index)
            .count();
        lounges_of.push(&lounge_plans[start..start + count]);
        start += count;
    }
    let sessions = consultations::write(db, committees, &lounges_of, progress).await?;
    let suggestions = suggestions::write(db, committees, &sessions, &names, progress).await?;
    let reports = reports::write(db, committees, &lounge_plans, progress).await?;
    let txn = db.begin_write().await?;
    super::write::advance_sequences(&txn, ID_TABLES).await?;
    txn.commit().await?;
    Ok(NationalSummary {
        committees: committees.len() as u64,
        members: names.len() as u64,
        lounges: lounge_count,
        memberships,
        activities,
        activity_participants,
        consultations: sessions.len() as u64,
        suggestions,
        reports,
    })
}
