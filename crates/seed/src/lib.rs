//! Seeding: the real administrative divisions and the deterministic demo data set.
//!
//! A crate of its own, beside `domain` rather than inside it: it is 6,000 lines of generators
//! that only `xieshang seed`, the server's demo start-up, the benchmarks and the test fixtures
//! call, and it writes rows directly through `entity`, bypassing the domain's rules on purpose
//! (the rows are history, see below). It uses `domain` only for the storage handle and errors.
//!
//! * [`load_divisions`] loads `regions` and `region_closure` from a CSV compiled into the binary
//!   (the Zhejiang set of 102 regions, or all of China for the scale benchmarks).
//! * [`load_national`] adds the national data set over all of China (600,000 members, 3.5
//!   million suggestions) for scale measurements; it streams its rows table by table.
//! * [`load_demo`] adds the demo data set for Zhejiang: members, lounges, activities,
//!   consultations with their outcomes, slot requests and sentiment reports, ending on
//!   2020-12-31 and reproducing the figures of the news report the design quotes (110 lounges,
//!   146 lead members, 587 team members, 25,000+ members, "6+X" and "4+X"). See
//!   `docs/article-facts.md`.
//!
//! Both build every row in memory with explicit ids and write them with multi-row inserts in a
//! single write transaction: fast (seconds, even in a debug build) and all-or-nothing. Seeded
//! rows deliberately emit **no outbox events**: they are history, not changes that integrators
//! must hear about, and a replay from sequence 0 should not start with a hundred thousand
//! synthetic notifications.
//!
//! The data are fully deterministic (a fixed-seed generator, no clock, no hash-map order), so
//! every run on either engine writes identical rows. Bump [`DEMO_VERSION`] whenever the output
//! changes: test templates are keyed on it.

mod demo;
mod divisions;
mod national;
mod write;

pub use national::{NationalSummary, load_national};

use std::str::FromStr;

use domain::{Db, DomainError};
use sea_orm::{EntityTrait, QuerySelect};

/// Version of the generated data; part of the test-template key, so bump it whenever the
/// generator's output changes.
pub const DEMO_VERSION: u32 = 2;

/// Which administrative divisions to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivisionSet {
    /// Zhejiang only: 1 province, 11 cities, 90 county-level units (102 regions).
    Zhejiang,
    /// All of mainland China (3,209 regions), for scale benchmarks; includes Zhejiang, so the
    /// demo data set can be loaded on top.
    China,
}

impl FromStr for DivisionSet {
    type Err = DomainError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "zhejiang" => Ok(Self::Zhejiang),
            "china" => Ok(Self::China),
            _ => Err(DomainError::invalid(
                "divisions",
                format!("unknown division set {value:?}; expected \"zhejiang\" or \"china\""),
            )),
        }
    }
}

/// Receives progress while seeding, so a CLI can show it. Seeding reports one phase per table.
pub trait Progress {
    /// A new phase begins: `name` is the table being written, `total` the rows it will get.
    fn phase(&mut self, name: &str, total: u64);
    /// `done` more rows of the current phase were written (an increment, not a running total).
    fn advance(&mut self, done: u64);
}

/// A [`Progress`] that ignores everything (tests, server start-up).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&mut self, _name: &str, _total: u64) {}
    fn advance(&mut self, _done: u64) {}
}

/// What [`load_demo`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// CPPCC members across the three tiers.
    pub members: u64,
    /// Members' lounges.
    pub lounges: u64,
    /// "请你来协商" sessions, in every status.
    pub consultations: u64,
    /// Suggestions made at held sessions.
    pub suggestions: u64,
    /// Lounge activities.
    pub activities: u64,
}

/// Refuses when the database already holds regions, so seeding never mixes with real data.
/// Callers that want to replace the data reset the database first.
pub async fn ensure_empty(db: &Db) -> Result<(), DomainError> {
    let any = entity::region::Entity::find()
        .select_only()
        .column(entity::region::Column::Id)
        .into_tuple::<i64>()
        .one(db.reader())
        .await?;
    match any {
        Some(_) => Err(DomainError::Refused(
            "the database already holds data; pass --reset to replace it".to_owned(),
        )),
        None => Ok(()),
    }
}

/// Loads the divisions of `set` into an empty database and returns how many regions it wrote.
pub async fn load_divisions(
    db: &Db,
    set: DivisionSet,
    progress: &mut dyn Progress,
) -> Result<usize, DomainError> {
    ensure_empty(db).await?;
    divisions::load(db, set, progress).await
}

/// Loads the demo data set. Needs the Zhejiang divisions (either division set) and no members,
/// lounges or consultations yet.
pub async fn load_demo(db: &Db, progress: &mut dyn Progress) -> Result<DemoSummary, DomainError> {
    demo::load(db, progress).await
}
