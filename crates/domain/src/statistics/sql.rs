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

use super::{Figures, QuotaCompliance, Quotas};
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
struct Sql {
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

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        if self.backend == DbBackend::Postgres {
            self.text.push_str(&format!("${}", self.values.len()));
        } else {
            self.text.push('?');
        }
        self
    }

    /// `(?, ?, …)`.
    fn ids(&mut self, ids: &[i64]) -> &mut Self {
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
    fn years(&mut self, years: &[YearBounds]) -> &mut Self {
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
struct Measure {
    condition: String,
    key: &'static str,
}

fn measure(condition: impl Into<String>, key: &'static str) -> Measure {
    Measure {
        condition: condition.into(),
        key,
    }
}

/// Statuses of a held consultation.
const HELD: &str = "('HELD', 'FOLLOW_UP', 'CLOSED')";

/// Per target region and year: the measures over the subtree, and over depth 0.
type Grouped = HashMap<(i64, i32), (Vec<i64>, Vec<i64>)>;

/// Runs one grouped statement: `SELECT c.ancestor_id, yr.y, <each measure over the subtree>,
/// <each measure over depth 0> <from_where> GROUP BY c.ancestor_id, yr.y`. `from_where` must
/// bring in the aliases `yr` (with a column `y`) and `c` (`region_closure`) and restrict
/// `c.ancestor_id` to the targets; measure conditions bind no values.
async fn grouped(
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

/// Held consultations by kind and by topic source.
async fn consultations(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let measures = [
        measure("k.kind = 'MAIN'", "k.id"),
        measure("k.kind = 'MICRO'", "k.id"),
        measure("k.topic_source = 'PARTY_GOVERNMENT'", "k.id"),
        measure("k.topic_source = 'MEMBER'", "k.id"),
        measure("k.topic_source = 'PUBLIC'", "k.id"),
    ];
    grouped(db, &measures, |sql| {
        sql.push("FROM consultations k JOIN ")
            .years(years)
            .push(
                " yr ON k.held_at >= yr.starts AND k.held_at < yr.ends \
                 JOIN region_closure c ON c.descendant_id = k.region_id \
                 WHERE k.status IN ",
            )
            .push(HELD)
            .push(" AND c.ancestor_id IN ")
            .ids(targets);
    })
    .await
}

/// Active lounges, and those meeting the activity quota.
async fn lounges(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
    quota: u32,
) -> Result<Grouped, DomainError> {
    let measures = [
        measure("1 = 1", "l.id"),
        measure(format!("p.planned >= {quota}"), "l.id"),
    ];
    grouped(db, &measures, |sql| {
        sql.push("FROM lounges l JOIN ")
            .years(years)
            .push(
                " yr ON l.established_on <= yr.last_day \
                 AND (l.closed_on IS NULL OR l.closed_on >= yr.first_day) \
                 JOIN region_closure c ON c.descendant_id = l.region_id \
                 LEFT JOIN (SELECT h.lounge_id, py.y, COUNT(*) AS planned \
                 FROM lounge_activity_hosts h \
                 JOIN lounge_activities a ON a.id = h.activity_id JOIN ",
            )
            .years(years)
            .push(
                " py ON a.starts_at >= py.starts AND a.starts_at < py.ends \
                 WHERE a.kind = 'PLANNED' GROUP BY h.lounge_id, py.y) p \
                 ON p.lounge_id = l.id AND p.y = yr.y \
                 WHERE c.ancestor_id IN ",
            )
            .ids(targets);
    })
    .await
}

/// Distinct lead and team members serving on Dec 31 of the year.
async fn memberships(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let measures = [
        measure("m.role = 'LEAD'", "m.member_id"),
        measure("m.role = 'TEAM'", "m.member_id"),
    ];
    grouped(db, &measures, |sql| {
        sql.push("FROM lounge_memberships m JOIN lounges l ON l.id = m.lounge_id JOIN ")
            .years(years)
            .push(
                " yr ON m.since <= yr.last_day \
                 AND (m.until IS NULL OR m.until >= yr.last_day) \
                 JOIN region_closure c ON c.descendant_id = l.region_id \
                 WHERE c.ancestor_id IN ",
            )
            .ids(targets);
    })
    .await
}

/// Distinct activities by kind, hosted by any lounge in scope.
async fn activities(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let measures = [
        measure("a.kind = 'PLANNED'", "a.id"),
        measure("a.kind = 'FLEXIBLE'", "a.id"),
    ];
    grouped(db, &measures, |sql| {
        sql.push("FROM lounge_activities a JOIN ")
            .years(years)
            .push(
                " yr ON a.starts_at >= yr.starts AND a.starts_at < yr.ends \
                 JOIN lounge_activity_hosts h ON h.activity_id = a.id \
                 JOIN lounges l ON l.id = h.lounge_id \
                 JOIN region_closure c ON c.descendant_id = l.region_id \
                 WHERE c.ancestor_id IN ",
            )
            .ids(targets);
    })
    .await
}

/// Suggestions made, accepted (or further) and implemented.
async fn suggestions(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let measures = [
        measure("1 = 1", "s.id"),
        measure(
            "s.status IN ('ACCEPTED', 'IN_PROGRESS', 'IMPLEMENTED')",
            "s.id",
        ),
        measure("s.status = 'IMPLEMENTED'", "s.id"),
    ];
    grouped(db, &measures, |sql| {
        sql.push("FROM suggestions s JOIN ")
            .years(years)
            .push(
                " yr ON s.created_at >= yr.starts AND s.created_at < yr.ends \
                 JOIN consultations k ON k.id = s.consultation_id \
                 JOIN region_closure c ON c.descendant_id = k.region_id \
                 WHERE c.ancestor_id IN ",
            )
            .ids(targets);
    })
    .await
}

/// Sentiment reports submitted and acknowledged.
async fn reports(db: &Db, targets: &[i64], years: &[YearBounds]) -> Result<Grouped, DomainError> {
    let measures = [
        measure(
            "r.submitted_at >= yr.starts AND r.submitted_at < yr.ends",
            "r.id",
        ),
        measure(
            "r.acknowledged_at >= yr.starts AND r.acknowledged_at < yr.ends",
            "r.id",
        ),
    ];
    grouped(db, &measures, |sql| {
        sql.push("FROM sentiment_reports r JOIN ")
            .years(years)
            .push(
                " yr ON (r.submitted_at >= yr.starts AND r.submitted_at < yr.ends) \
                 OR (r.acknowledged_at >= yr.starts AND r.acknowledged_at < yr.ends) \
                 JOIN region_closure c ON c.descendant_id = r.region_id \
                 WHERE c.ancestor_id IN ",
            )
            .ids(targets);
    })
    .await
}

/// Distinct members who took part in anything, placed where they took part.
async fn participants(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let measures = [measure("1 = 1", "yr.member_id")];
    grouped(db, &measures, |sql| {
        sql.push(
            "FROM (SELECT cp.member_id, k.region_id, py.y FROM consultation_participants cp \
                 JOIN consultations k ON k.id = cp.consultation_id JOIN ",
        )
        .years(years)
        .push(
            " py ON k.held_at >= py.starts AND k.held_at < py.ends \
                 WHERE cp.member_id IS NOT NULL AND k.status IN ",
        )
        .push(HELD)
        .push(
            " UNION ALL SELECT ap.member_id, l.region_id, py.y \
                 FROM lounge_activity_participants ap \
                 JOIN lounge_activities a ON a.id = ap.activity_id \
                 JOIN lounge_activity_hosts h ON h.activity_id = a.id \
                 JOIN lounges l ON l.id = h.lounge_id JOIN ",
        )
        .years(years)
        .push(
            " py ON a.starts_at >= py.starts AND a.starts_at < py.ends \
                 UNION ALL SELECT ra.member_id, r.region_id, py.y FROM sentiment_report_authors ra \
                 JOIN sentiment_reports r ON r.id = ra.report_id JOIN ",
        )
        .years(years)
        .push(
            " py ON r.submitted_at >= py.starts AND r.submitted_at < py.ends \
                 UNION ALL SELECT m.member_id, l.region_id, py.y FROM lounge_memberships m \
                 JOIN lounges l ON l.id = m.lounge_id JOIN ",
        )
        .years(years)
        .push(
            " py ON m.since <= py.last_day AND (m.until IS NULL OR m.until >= py.first_day)) yr \
                 JOIN region_closure c ON c.descendant_id = yr.region_id \
                 WHERE c.ancestor_id IN ",
        )
        .ids(targets);
    })
    .await
}

/// County committees in the subtree, and those meeting the consultation quota.
async fn counties(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
    quota: u32,
) -> Result<Grouped, DomainError> {
    let measures = [
        measure("1 = 1", "r.id"),
        measure(format!("COALESCE(q.held, 0) >= {quota}"), "r.id"),
    ];
    grouped(db, &measures, |sql| {
        sql.push("FROM regions r JOIN ")
            .years(years)
            .push(
                " yr ON 1 = 1 \
                 JOIN region_closure c ON c.descendant_id = r.id \
                 LEFT JOIN (SELECT k.region_id, py.y, COUNT(*) AS held FROM consultations k JOIN ",
            )
            .years(years)
            .push(
                " py ON k.held_at >= py.starts AND k.held_at < py.ends \
                 WHERE k.kind = 'MAIN' AND k.status IN ",
            )
            .push(HELD)
            .push(
                " GROUP BY k.region_id, py.y) q ON q.region_id = r.id AND q.y = yr.y \
                 WHERE r.level = 'COUNTY' AND c.ancestor_id IN ",
            )
            .ids(targets);
    })
    .await
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
        consultations(db, targets, years),
        lounges(db, targets, years, quotas.lounge_planned_activities),
        memberships(db, targets, years),
        activities(db, targets, years),
        suggestions(db, targets, years),
        reports(db, targets, years),
        participants(db, targets, years),
        counties(db, targets, years, quotas.county_main_consultations),
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
