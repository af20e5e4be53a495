//! One grouped statement per figure group (see [`super::sql`] for their common shape and why
//! every statement starts from the targets' regions).

use super::sql::{Grouped, HELD, Sql, YearBounds, distinct, grouped, sum};
use crate::{Db, DomainError};

/// `COUNT(CASE WHEN <condition> THEN 1 END) AS m<i>, …`: per-region counts for a rolled-up `x`.
fn counts(sql: &mut Sql, conditions: &[&str]) {
    for (index, condition) in conditions.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.push(&format!(
            "COUNT(CASE WHEN {condition} THEN 1 END) AS m{index}"
        ));
    }
}

/// Held consultations by kind and by topic source, counted per committee, then rolled up.
pub(super) async fn consultations(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let aggregates = [
        sum("x.m0"),
        sum("x.m1"),
        sum("x.m2"),
        sum("x.m3"),
        sum("x.m4"),
    ];
    grouped(db, "x.y", &aggregates, |sql| {
        sql.rolled_up(targets, |sql| {
            sql.push("SELECT g.id AS region_id, yr.y, ");
            counts(
                sql,
                &[
                    "k.kind = 'MAIN'",
                    "k.kind = 'MICRO'",
                    "k.topic_source = 'PARTY_GOVERNMENT'",
                    "k.topic_source = 'MEMBER'",
                    "k.topic_source = 'PUBLIC'",
                ],
            );
            sql.push(" FROM regions g CROSS JOIN ")
                .years(years)
                .push(" yr CROSS JOIN consultations k WHERE g.id IN ")
                .scope(targets)
                .push(
                    " AND k.region_id = g.id \
                     AND k.held_at >= yr.starts AND k.held_at < yr.ends AND k.status IN ",
                )
                .push(HELD)
                .push(" GROUP BY g.id, yr.y");
        });
    })
    .await
}

/// Active lounges, and those meeting the activity quota: one row per lounge and year with its
/// PLANNED activities in the year (hosts CONFIRMED only: an invitation to a joint activity does
/// not count until the lounge agrees), rolled up.
pub(super) async fn lounges(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
    quota: u32,
) -> Result<Grouped, DomainError> {
    let aggregates = [sum("x.m0"), sum("x.m1")];
    grouped(db, "x.y", &aggregates, |sql| {
        sql.rolled_up(targets, |sql| {
            sql.push(&format!(
                "SELECT g.id AS region_id, yr.y, 1 AS m0, \
                 CASE WHEN COUNT(a.id) >= {quota} THEN 1 ELSE 0 END AS m1 \
                 FROM regions g CROSS JOIN "
            ))
            .years(years)
            .push(
                " yr CROSS JOIN lounges l \
                 LEFT JOIN lounge_activity_hosts h ON h.lounge_id = l.id AND h.status = 'CONFIRMED' \
                 LEFT JOIN lounge_activities a ON a.id = h.activity_id AND a.kind = 'PLANNED' \
                 AND a.starts_at >= yr.starts AND a.starts_at < yr.ends \
                 WHERE g.id IN ",
            )
            .scope(targets)
            .push(
                " AND l.region_id = g.id AND l.established_on <= yr.last_day \
                 AND (l.closed_on IS NULL OR l.closed_on >= yr.first_day) \
                 GROUP BY g.id, yr.y, l.id",
            );
        });
    })
    .await
}

/// Distinct lead and team members with a membership active at some time in the year.
/// Joined to the closure directly rather than through a per-region derived table: distinct
/// members do not add up, and SQLite flattens a derived table without `GROUP BY` into the outer
/// query, where it would look the closure up for every (target, region) pair.
pub(super) async fn memberships(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let aggregates = [
        distinct("m.role = 'LEAD'", "m.member_id"),
        distinct("m.role = 'TEAM'", "m.member_id"),
    ];
    grouped(db, "yr.y", &aggregates, |sql| {
        sql.push("FROM region_closure c CROSS JOIN ")
            .years(years)
            .push(
                " yr CROSS JOIN lounges l CROSS JOIN lounge_memberships m \
                 WHERE c.ancestor_id IN ",
            )
            .ids(targets)
            .push(
                " AND l.region_id = c.descendant_id AND m.lounge_id = l.id \
                 AND m.since <= yr.last_day AND (m.until IS NULL OR m.until >= yr.first_day)",
            );
    })
    .await
}

/// Distinct activities by kind, hosted by any lounge in scope (as a CONFIRMED host).
pub(super) async fn activities(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let aggregates = [
        distinct("a.kind = 'PLANNED'", "a.id"),
        distinct("a.kind = 'FLEXIBLE'", "a.id"),
    ];
    grouped(db, "yr.y", &aggregates, |sql| {
        sql.push("FROM region_closure c CROSS JOIN ")
            .years(years)
            .push(
                " yr CROSS JOIN lounges l CROSS JOIN lounge_activity_hosts h \
                 CROSS JOIN lounge_activities a WHERE c.ancestor_id IN ",
            )
            .ids(targets)
            .push(
                " AND l.region_id = c.descendant_id AND h.lounge_id = l.id \
                 AND h.status = 'CONFIRMED' AND a.id = h.activity_id AND a.starts_at >= yr.starts AND a.starts_at < yr.ends",
            );
    })
    .await
}

/// Suggestions made, accepted (or further) and implemented, counted per committee of their
/// consultation, then rolled up.
pub(super) async fn suggestions(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let aggregates = [sum("x.m0"), sum("x.m1"), sum("x.m2")];
    grouped(db, "x.y", &aggregates, |sql| {
        sql.rolled_up(targets, |sql| {
            sql.push("SELECT g.id AS region_id, yr.y, ");
            counts(
                sql,
                &[
                    "1 = 1",
                    "s.status IN ('ACCEPTED', 'IN_PROGRESS', 'IMPLEMENTED')",
                    "s.status = 'IMPLEMENTED'",
                ],
            );
            sql.push(" FROM regions g CROSS JOIN consultations k CROSS JOIN ")
                .years(years)
                .push(" yr CROSS JOIN suggestions s WHERE g.id IN ")
                .scope(targets)
                .push(
                    " AND k.region_id = g.id AND s.consultation_id = k.id \
                     AND s.created_at >= yr.starts AND s.created_at < yr.ends \
                     GROUP BY g.id, yr.y",
                );
        });
    })
    .await
}

/// Sentiment reports submitted and acknowledged, counted per sending committee, then rolled
/// up.
pub(super) async fn reports(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let aggregates = [sum("x.m0"), sum("x.m1")];
    grouped(db, "x.y", &aggregates, |sql| {
        sql.rolled_up(targets, |sql| {
            sql.push("SELECT g.id AS region_id, yr.y, ");
            counts(
                sql,
                &[
                    "r.submitted_at >= yr.starts AND r.submitted_at < yr.ends",
                    "r.acknowledged_at >= yr.starts AND r.acknowledged_at < yr.ends",
                ],
            );
            sql.push(" FROM regions g CROSS JOIN sentiment_reports r CROSS JOIN ")
                .years(years)
                .push(" yr WHERE g.id IN ")
                .scope(targets)
                .push(
                    " AND r.region_id = g.id \
                     AND ((r.submitted_at >= yr.starts AND r.submitted_at < yr.ends) \
                     OR (r.acknowledged_at >= yr.starts AND r.acknowledged_at < yr.ends)) \
                     GROUP BY g.id, yr.y",
                );
        });
    })
    .await
}

/// Distinct members who took part in anything, placed where they took part: the distinct
/// (committee, year, member) triples of the scope (a `UNION` of the four ways to take part),
/// then counted distinct per target.
pub(super) async fn participants(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
    let aggregates = [distinct("1 = 1", "x.member_id")];
    grouped(db, "x.y", &aggregates, |sql| {
        sql.rolled_up(targets, |sql| {
            sql.push("SELECT g.id AS region_id, yr.y, cp.member_id FROM regions g CROSS JOIN ")
                .years(years)
                .push(
                    " yr CROSS JOIN consultations k CROSS JOIN consultation_participants cp \
                     WHERE g.id IN ",
                )
                .scope(targets)
                .push(
                    " AND k.region_id = g.id \
                     AND k.held_at >= yr.starts AND k.held_at < yr.ends AND k.status IN ",
                )
                .push(HELD)
                .push(
                    " AND cp.consultation_id = k.id AND cp.member_id IS NOT NULL \
                     UNION SELECT g.id, yr.y, ap.member_id FROM regions g \
                     CROSS JOIN lounges l CROSS JOIN lounge_activity_hosts h \
                     CROSS JOIN lounge_activities a CROSS JOIN ",
                )
                .years(years)
                .push(" yr CROSS JOIN lounge_activity_participants ap WHERE g.id IN ")
                .scope(targets)
                .push(
                    " AND l.region_id = g.id AND h.lounge_id = l.id AND h.status = 'CONFIRMED' \
                     AND a.id = h.activity_id \
                     AND a.starts_at >= yr.starts AND a.starts_at < yr.ends \
                     AND ap.activity_id = a.id \
                     UNION SELECT g.id, yr.y, ra.member_id FROM regions g CROSS JOIN ",
                )
                .years(years)
                .push(
                    " yr CROSS JOIN sentiment_reports r CROSS JOIN sentiment_report_authors ra \
                     WHERE g.id IN ",
                )
                .scope(targets)
                .push(
                    " AND r.region_id = g.id \
                     AND r.submitted_at >= yr.starts AND r.submitted_at < yr.ends \
                     AND ra.report_id = r.id \
                     UNION SELECT g.id, yr.y, m.member_id FROM regions g \
                     CROSS JOIN lounges l CROSS JOIN lounge_memberships m CROSS JOIN ",
                )
                .years(years)
                .push(" yr WHERE g.id IN ")
                .scope(targets)
                .push(
                    " AND l.region_id = g.id AND m.lounge_id = l.id \
                     AND m.since <= yr.last_day AND (m.until IS NULL OR m.until >= yr.first_day)",
                );
        });
    })
    .await
}

/// County committees in the subtree, and those meeting the consultation quota: one row per
/// county committee and year with its held MAIN consultations, rolled up.
pub(super) async fn counties(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
    quota: u32,
) -> Result<Grouped, DomainError> {
    let aggregates = [sum("x.m0"), sum("x.m1")];
    grouped(db, "x.y", &aggregates, |sql| {
        sql.rolled_up(targets, |sql| {
            sql.push(&format!(
                "SELECT g.id AS region_id, yr.y, 1 AS m0, \
                 CASE WHEN COUNT(k.id) >= {quota} THEN 1 ELSE 0 END AS m1 \
                 FROM regions g CROSS JOIN "
            ))
            .years(years)
            .push(
                " yr LEFT JOIN consultations k ON k.region_id = g.id AND k.kind = 'MAIN' \
                 AND k.status IN ",
            )
            .push(HELD)
            .push(
                " AND k.held_at >= yr.starts AND k.held_at < yr.ends \
                 WHERE g.id IN ",
            )
            .scope(targets)
            .push(" AND g.level = 'COUNTY' GROUP BY g.id, yr.y");
        });
    })
    .await
}
