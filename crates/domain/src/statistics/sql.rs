//! The grouped statements behind [`super::compute`]: one per figure group, each grouping the
//! facts by `region_closure.ancestor_id` (for every target region) and by year, where the years
//! come from a derived table of bound year bounds. `c.depth = 0` marks a region's own committee.
//!
//! The SQL is written out rather than built, so that both engines run the same text: only the
//! placeholders differ (`?` on SQLite, `$n` on PostgreSQL). Every value is bound; the only
//! literals are enum values and the configured quota numbers.

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
}

/// A counted figure: distinct `key`s of the rows meeting `condition`.
pub(super) struct Measure {
    condition: String,
    key: &'static str,
}

pub(super) fn measure(condition: impl Into<String>, key: &'static str) -> Measure {
    Measure {
        condition: condition.into(),
        key,
    }
}

/// Statuses of a held consultation.
pub(super) const HELD: &str = "('HELD', 'FOLLOW_UP', 'CLOSED')";

/// Per target region and year: the measures over the subtree, and over depth 0.
pub(super) type Grouped = HashMap<(i64, i32), (Vec<i64>, Vec<i64>)>;

/// Runs one grouped statement: `SELECT c.ancestor_id, yr.y, <each measure over the subtree>,
/// <each measure over depth 0> <from_where> GROUP BY c.ancestor_id, yr.y`. `from_where` must
/// bring in the aliases `yr` (with a column `y`) and `c` (`region_closure`) and restrict
/// `c.ancestor_id` to the targets; measure conditions bind no values.
pub(super) async fn grouped(
    db: &Db,
    measures: &[Measure],
    from_where: impl FnOnce(&mut Sql),
) -> Result<Grouped, DomainError> {
    let backend = db.reader().get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT c.ancestor_id, yr.y");
    for own in [false, true] {
        for Measure { condition, key } in measures {
            let depth = if own { "c.depth = 0 AND " } else { "" };
            sql.push(&format!(
                ", COUNT(DISTINCT CASE WHEN {depth}({condition}) THEN {key} END)"
            ));
        }
    }
    sql.push(" ");
    from_where(&mut sql);
    sql.push(" GROUP BY c.ancestor_id, yr.y");
    let rows = db
        .reader()
        .query_all_raw(Statement::from_sql_and_values(
            backend, sql.text, sql.values,
        ))
        .await?;
    let parsed = rows
        .iter()
        .map(|row| parse(row, measures.len()))
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
