//! The grouped statements behind [`super::compute`]: one per figure group, each grouping the
//! facts by `region_closure.ancestor_id` (for every target region) and by year, where the years
//! come from a derived table of bound year bounds. `c.depth = 0` marks a region's own committee.
//!
//! The SQL is written out rather than built, so that both engines run the same text: only the
//! placeholders differ (`?` on SQLite, `$n` on PostgreSQL). Every value is bound; the only
//! literals are enum values and the configured quota numbers.
//!
//! **Cost follows the targets' subtrees, not the tables.** Every statement starts from the
//! regions asked for and reaches the facts through indexes keyed by region (see the migration
//! `m20261128_000009_statistics_indexes`), never from a date range over a whole fact table:
//!
//! * the joins are written as `CROSS JOIN`s with the conditions in `WHERE`. SQLite keeps the
//!   tables of a `CROSS JOIN` in the order written, so the region set drives the loop whatever
//!   its (statistics-free) planner would guess; PostgreSQL treats a `CROSS JOIN` with `WHERE`
//!   conditions as an ordinary inner join and plans it by its statistics as usual;
//! * additive figures are first counted per region of the scope and year, in a derived table
//!   `x(region_id, y, m0, m1, …)` over `regions g WHERE g.id IN <scope>` ([`Sql::scope`]: every
//!   region under a target), and only then rolled up the closure ([`Sql::rolled_up`]), so a fact
//!   is read once, not once per target above it;
//! * distinct-member and distinct-activity figures cannot be rolled up; they join
//!   `region_closure c` (restricted to the targets) to the facts directly.
//!
//! Sub-queries are restricted to the scope as well, so no statement aggregates over the whole
//! country for a county.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use super::{Figures, QuotaCompliance, Quotas, groups};
use crate::{
    Db, DomainError,
    read::calendar::{year_days, year_instants},
};

/// The bounds of one calendar year, as instants and as days.
pub(super) struct YearBounds {
    year: i32,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    first_day: NaiveDate,
    last_day: NaiveDate,
}

impl YearBounds {
    pub(super) fn new(year: i32) -> Result<Self, DomainError> {
        let (starts, ends) = year_instants(year)?;
        let (first_day, last_day) = year_days(year)?;
        Ok(Self {
            year,
            starts,
            ends,
            first_day,
            last_day,
        })
    }
}

/// Every figure of one target region in one year.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Counts {
    pub(super) totals: Figures,
    pub(super) own: Figures,
    pub(super) quota: QuotaCompliance,
}

/// SQL text with its bound values.
pub(super) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(super) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        if self.backend == DbBackend::Postgres {
            self.text.push_str(&format!("${}", self.values.len()));
        } else {
            self.text.push('?');
        }
        self
    }

    /// `(?, ?, …)`.
    pub(super) fn ids(&mut self, ids: &[i64]) -> &mut Self {
        self.push("(");
        for (index, id) in ids.iter().enumerate() {
            if index > 0 {
                self.push(", ");
            }
            self.bind(*id);
        }
        self.push(")")
    }

    /// A derived table of the years: `(SELECT y, starts, ends, first_day, last_day …)`.
    pub(super) fn years(&mut self, years: &[YearBounds]) -> &mut Self {
        self.push("(");
        for (index, bounds) in years.iter().enumerate() {
            if index > 0 {
                self.push(" UNION ALL ");
            }
            self.push(&format!("SELECT {} AS y, ", bounds.year))
                .bind(bounds.starts)
                .push(" AS starts, ")
                .bind(bounds.ends)
                .push(" AS ends, ")
                .bind(bounds.first_day)
                .push(" AS first_day, ")
                .bind(bounds.last_day)
                .push(" AS last_day");
        }
        self.push(")")
    }

    /// Every region under a target, targets included:
    /// `(SELECT d.descendant_id FROM region_closure d WHERE d.ancestor_id IN (?, …))`.
    pub(super) fn scope(&mut self, targets: &[i64]) -> &mut Self {
        self.push("(SELECT d.descendant_id FROM region_closure d WHERE d.ancestor_id IN ")
            .ids(targets)
            .push(")")
    }

    /// `FROM region_closure c CROSS JOIN (<inner>) x WHERE c.ancestor_id IN (?, …) AND
    /// c.descendant_id = x.region_id`: per-region rows `x`, placed under every target above
    /// them. `inner` must select `region_id` and `y` and whatever the aggregates read.
    pub(super) fn rolled_up(
        &mut self,
        targets: &[i64],
        inner: impl FnOnce(&mut Self),
    ) -> &mut Self {
        self.push("FROM region_closure c CROSS JOIN (");
        inner(self);
        self.push(") x WHERE c.ancestor_id IN ")
            .ids(targets)
            .push(" AND c.descendant_id = x.region_id")
    }
}

/// How one figure is aggregated per target region and year.
pub(super) enum Aggregate {
    /// The sum of a per-region count (a column of the rolled-up `x`).
    Sum(&'static str),
    /// The distinct `key`s of the rows meeting `condition`.
    Distinct {
        condition: String,
        key: &'static str,
    },
}

/// `SUM(column)`, for a count made per region in a rolled-up derived table.
pub(super) fn sum(column: &'static str) -> Aggregate {
    Aggregate::Sum(column)
}

/// `COUNT(DISTINCT key)` of the rows meeting `condition`.
pub(super) fn distinct(condition: impl Into<String>, key: &'static str) -> Aggregate {
    Aggregate::Distinct {
        condition: condition.into(),
        key,
    }
}

impl Aggregate {
    /// The select-list expression, over the subtree or, with `own`, over depth 0 only. Sums are
    /// cast to BIGINT: PostgreSQL sums a BIGINT into a NUMERIC.
    fn expression(&self, own: bool) -> String {
        match (self, own) {
            (Aggregate::Sum(column), false) => format!("CAST(SUM({column}) AS BIGINT)"),
            (Aggregate::Sum(column), true) => {
                format!("CAST(SUM(CASE WHEN c.depth = 0 THEN {column} ELSE 0 END) AS BIGINT)")
            }
            (Aggregate::Distinct { condition, key }, false) => {
                format!("COUNT(DISTINCT CASE WHEN ({condition}) THEN {key} END)")
            }
            (Aggregate::Distinct { condition, key }, true) => {
                format!("COUNT(DISTINCT CASE WHEN c.depth = 0 AND ({condition}) THEN {key} END)")
            }
        }
    }
}

/// Statuses of a held consultation.
pub(super) const HELD: &str = "('HELD', 'FOLLOW_UP', 'CLOSED')";

/// Per target region and year: the measures over the subtree, and over depth 0.
pub(super) type Grouped = HashMap<(i64, i32), (Vec<i64>, Vec<i64>)>;

/// Runs one grouped statement: `SELECT c.ancestor_id, <year>, <each aggregate over the
/// subtree>, <each aggregate over depth 0> <from_where> GROUP BY c.ancestor_id, <year>`.
/// `from_where` must bring in the alias `c` (`region_closure`, restricted to the targets) and
/// the column `year`; aggregate expressions bind no values.
pub(super) async fn grouped(
    db: &Db,
    year: &str,
    aggregates: &[Aggregate],
    from_where: impl FnOnce(&mut Sql),
) -> Result<Grouped, DomainError> {
    let backend = db.reader().get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(&format!("SELECT c.ancestor_id, {year}"));
    for own in [false, true] {
        for aggregate in aggregates {
            sql.push(", ").push(&aggregate.expression(own));
        }
    }
    sql.push(" ");
    from_where(&mut sql);
    sql.push(&format!(" GROUP BY c.ancestor_id, {year}"));
    let rows = db
        .reader()
        .query_all_raw(Statement::from_sql_and_values(
            backend, sql.text, sql.values,
        ))
        .await?;
    let parsed = rows
        .iter()
        .map(|row| parse(row, aggregates.len()))
        .collect::<Result<_, sea_orm::DbErr>>()?;
    Ok(parsed)
}

type Row = ((i64, i32), (Vec<i64>, Vec<i64>));

fn parse(row: &QueryResult, measures: usize) -> Result<Row, sea_orm::DbErr> {
    let region: i64 = row.try_get_by_index(0)?;
    let year: i32 = row.try_get_by_index(1)?;
    let column = |index: usize| row.try_get_by_index::<i64>(index);
    let totals = (0..measures)
        .map(|index| column(2 + index))
        .collect::<Result<_, _>>()?;
    let own = (0..measures)
        .map(|index| column(2 + measures + index))
        .collect::<Result<_, _>>()?;
    Ok(((region, year), (totals, own)))
}

/// Every figure for every target region and year: eight statements.
pub(super) async fn figures(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
    quotas: Quotas,
) -> Result<HashMap<(i64, i32), Counts>, DomainError> {
    let (
        consultations,
        lounges,
        memberships,
        activities,
        suggestions,
        reports,
        participants,
        counties,
    ) = tokio::try_join!(
        groups::consultations(db, targets, years),
        groups::lounges(db, targets, years, quotas.lounge_planned_activities),
        groups::memberships(db, targets, years),
        groups::activities(db, targets, years),
        groups::suggestions(db, targets, years),
        groups::reports(db, targets, years),
        groups::participants(db, targets, years),
        groups::counties(db, targets, years, quotas.county_main_consultations),
    )?;
    let mut counts: HashMap<(i64, i32), Counts> = HashMap::new();
    let mut apply = |grouped: Grouped, set: fn(&mut Figures, &[i64])| {
        for (key, (totals, own)) in grouped {
            let entry = counts.entry(key).or_default();
            set(&mut entry.totals, &totals);
            set(&mut entry.own, &own);
        }
    };
    apply(consultations, |figures, values| {
        figures.main_consultations_held = values[0];
        figures.micro_consultations_held = values[1];
        figures.topic_party_government = values[2];
        figures.topic_member = values[3];
        figures.topic_public = values[4];
    });
    apply(lounges.clone(), |figures, values| {
        figures.active_lounges = values[0]
    });
    apply(memberships, |figures, values| {
        figures.lead_members = values[0];
        figures.team_members = values[1];
    });
    apply(activities, |figures, values| {
        figures.planned_activities = values[0];
        figures.flexible_activities = values[1];
    });
    apply(suggestions, |figures, values| {
        figures.suggestions_made = values[0];
        figures.suggestions_accepted = values[1];
        figures.suggestions_implemented = values[2];
    });
    apply(reports, |figures, values| {
        figures.reports_submitted = values[0];
        figures.reports_acknowledged = values[1];
    });
    apply(participants, |figures, values| {
        figures.participating_members = values[0]
    });
    for (key, (totals, _)) in lounges {
        let quota = &mut counts.entry(key).or_default().quota;
        quota.active_lounges = totals[0];
        quota.lounges_meeting_activity_quota = totals[1];
    }
    for (key, (totals, _)) in counties {
        let quota = &mut counts.entry(key).or_default().quota;
        quota.county_committees = totals[0];
        quota.county_committees_meeting_consultation_quota = totals[1];
    }
    Ok(counts)
}
