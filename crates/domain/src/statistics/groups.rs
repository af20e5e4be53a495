//! One grouped statement per figure group (see [`super::sql`] for their common shape).

use super::sql::{Grouped, HELD, YearBounds, grouped, measure};
use crate::{Db, DomainError};

/// Held consultations by kind and by topic source.
pub(super) async fn consultations(
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
pub(super) async fn lounges(
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

/// Distinct lead and team members with a membership active at some time in the year.
pub(super) async fn memberships(
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
                 AND (m.until IS NULL OR m.until >= yr.first_day) \
                 JOIN region_closure c ON c.descendant_id = l.region_id \
                 WHERE c.ancestor_id IN ",
            )
            .ids(targets);
    })
    .await
}

/// Distinct activities by kind, hosted by any lounge in scope.
pub(super) async fn activities(
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
pub(super) async fn suggestions(
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
pub(super) async fn reports(
    db: &Db,
    targets: &[i64],
    years: &[YearBounds],
) -> Result<Grouped, DomainError> {
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
pub(super) async fn participants(
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
pub(super) async fn counties(
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
