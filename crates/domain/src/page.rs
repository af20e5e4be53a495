//! Cursor pagination (Relay), one statement per page however many parents share it.
//!
//! Cursors are row positions in a stable order that always ends with the primary key, so both
//! engines order identically. Two statement shapes read the same pages:
//! * **limited** (PostgreSQL, forward pages — `first`/`after`, the common case): for each
//!   parent, a `LATERAL` subquery orders that parent's rows and stops after the page
//!   (`OFFSET … LIMIT …`, served by an index where one matches the order), and a second
//!   `LATERAL` counts them. The database reads a page's rows, not every parent's whole list.
//! * **windowed** (SQLite, which has no `LATERAL`, and every backward page): the filtered rows
//!   get `ROW_NUMBER()` (forwards, and backwards for `last`) and `COUNT(*)` windows partitioned
//!   by their parent, and only the rows inside the requested window (plus each parent's first
//!   row, which carries the total) come back.

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, DbBackend, QueryResult,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, JoinType, Order, OverStatement, Query, SelectStatement,
        WindowStatement,
    },
};

use crate::DomainError;

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest `first` or `last` a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Which slice of an ordered list a client wants, in row positions (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    first: Option<u64>,
    after: Option<u64>,
    last: Option<u64>,
    before: Option<u64>,
}

impl PageRequest {
    /// Validates Relay arguments whose cursors are already decoded into positions.
    pub fn new(
        first: Option<i64>,
        after: Option<u64>,
        last: Option<i64>,
        before: Option<u64>,
    ) -> Result<Self, DomainError> {
        let size = |name: &str, value: Option<i64>| -> Result<Option<u64>, DomainError> {
            match value {
                None => Ok(None),
                Some(n) if n < 0 => Err(DomainError::invalid(
                    name,
                    format!("must not be negative (got {n})"),
                )),
                Some(n) if n as u64 > MAX_PAGE_SIZE => Err(DomainError::invalid(
                    name,
                    format!("at most {MAX_PAGE_SIZE} items per page (got {n})"),
                )),
                Some(n) => Ok(Some(n as u64)),
            }
        };
        let first = size("first", first)?;
        let last = size("last", last)?;
        // Positions are SQL integers: a cursor beyond i64::MAX comes from no page.
        for (name, position) in [("after", after), ("before", before)] {
            if position.is_some_and(|position| i64::try_from(position).is_err()) {
                return Err(DomainError::invalid(name, "not a valid cursor"));
            }
        }
        if first.is_some() && last.is_some() {
            return Err(DomainError::invalid(
                "last",
                "give either first or last, not both",
            ));
        }
        let first = if first.is_none() && last.is_none() {
            Some(DEFAULT_PAGE_SIZE)
        } else {
            first
        };
        Ok(Self {
            first,
            after,
            last,
            before,
        })
    }

    /// Whether the page is read from the front (`first`, optionally `after`): the only kind the
    /// limited statement serves, since positions from the end need every row.
    fn is_forward(&self) -> bool {
        self.last.is_none() && self.before.is_none()
    }

    /// The first `n` items.
    pub fn first(n: u64) -> Self {
        Self {
            first: Some(Ord::min(n, MAX_PAGE_SIZE)),
            after: None,
            last: None,
            before: None,
        }
    }
}

/// One page of items for one parent, with what Relay's `pageInfo` and `totalCount` need.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// Items with their row positions (the cursors), in order.
    pub items: Vec<(u64, T)>,
    /// How many items the whole (filtered) list holds.
    pub total: u64,
    /// Whether items follow the page.
    pub has_next: bool,
    /// Whether items precede the page.
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// A page of nothing.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
            has_next: false,
            has_previous: false,
        }
    }

    /// The same page with each item transformed.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self
                .items
                .into_iter()
                .map(|(position, item)| (position, f(item)))
                .collect(),
            total: self.total,
            has_next: self.has_next,
            has_previous: self.has_previous,
        }
    }
}

/// How rows are grouped and ordered for paging.
pub struct Window {
    /// The parents whose pages are read (`None` for a root list: one group, parent 0).
    pub partition: Option<Partition>,
    /// The order; must end with the primary key so that it is total and identical on both
    /// engines.
    pub order: Vec<(Expr, Order)>,
}

/// The parents of a nested connection, and the expression that names each row's parent.
/// [`fetch`] adds the matching condition itself (`IN` the parents, or equal to one of them),
/// so the caller's statement must not filter on the parents.
pub struct Partition {
    /// Each row's parent id (a column of the paged table or of a joined one).
    pub column: Expr,
    /// The parents asked for; duplicates are ignored.
    pub parents: Vec<i64>,
}

/// Reads the requested page of `rows` for every parent in one statement, returning the raw rows
/// of each page keyed by parent id (0 for a root list). Parents with no rows are absent; treat
/// them as empty pages.
pub async fn fetch(
    connection: &impl ConnectionTrait,
    rows: SelectStatement,
    mut window: Window,
    page: PageRequest,
) -> Result<HashMap<i64, Page<QueryResult>>, DomainError> {
    if let Some(partition) = &mut window.partition {
        partition.parents.sort_unstable();
        partition.parents.dedup();
        if partition.parents.is_empty() {
            return Ok(HashMap::new());
        }
    }
    let statement = if connection.get_database_backend() == DbBackend::Postgres && page.is_forward()
    {
        limited(rows, &window, page)
    } else {
        windowed(rows, &window, page)
    };
    let found = connection.query_all(&statement).await?;

    let mut pages: HashMap<i64, Page<QueryResult>> = HashMap::new();
    for row in found {
        let parent: i64 = row.try_get("", "page_parent")?;
        let total: i64 = row.try_get("", "page_total")?;
        let entry = pages.entry(parent).or_insert_with(Page::empty);
        entry.total = total as u64;
        // The limited statement returns a row without a position for a parent whose page is
        // empty but whose list is not: it carries the total.
        let Some(position) = row.try_get::<Option<i64>>("", "page_rn")? else {
            continue;
        };
        let backwards: i64 = row.try_get("", "page_rrn")?;
        if within(page, position as u64, backwards as u64) {
            entry.items.push((position as u64, row));
        }
    }
    for page in pages.values_mut() {
        page.has_previous = page
            .items
            .first()
            .is_some_and(|(position, _)| *position > 1);
        page.has_next = page
            .items
            .last()
            .is_some_and(|(position, _)| *position < page.total);
    }
    Ok(pages)
}

/// The PostgreSQL statement for a forward page:
///
/// ```sql
/// SELECT page_parents.column1 AS page_parent, counted.page_total, paged.*
/// FROM (VALUES (…), …) AS page_parents
/// JOIN LATERAL (SELECT COUNT(*) AS page_total FROM … WHERE … AND parent = page_parents.column1) counted ON TRUE
/// LEFT JOIN LATERAL (SELECT * FROM (SELECT …, ROW_NUMBER() OVER (ORDER BY …) AS page_rn, 0 AS page_rrn
///                                   FROM … WHERE … AND parent = page_parents.column1) numbered
///                    WHERE page_rn > after AND page_rn <= after + first) paged ON TRUE
/// WHERE counted.page_total > 0
/// ORDER BY page_parent, page_rn
/// ```
///
/// The order is written once, in the window: PostgreSQL stops numbering at the page's last row
/// (a window run condition, PostgreSQL 15), and reads the rows in order from an index when one
/// matches. Writing it again as the subquery's `ORDER BY` would, with the order's constants
/// bound as separate parameters, look like a second order to the planner and sort twice.
fn limited(mut rows: SelectStatement, window: &Window, page: PageRequest) -> SelectStatement {
    let parents = || Alias::new("page_parents");
    let counted = || Alias::new("counted");
    let paged = || Alias::new("paged");
    let rn = || Expr::col(Alias::new("page_rn"));
    // A VALUES list's only column is `column1` on PostgreSQL.
    let parent = Expr::col((parents(), Alias::new("column1")));
    let parent_ids = match &window.partition {
        Some(partition) => {
            rows.and_where(partition.column.clone().eq(parent.clone()));
            partition.parents.clone()
        }
        None => vec![0],
    };

    let mut counting = rows.clone();
    counting
        .clear_selects()
        .clear_order_by()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("page_total"));

    let mut ordered = WindowStatement::new();
    for (expr, order) in &window.order {
        ordered.order_by_expr(expr.clone(), order.clone());
    }
    rows.expr_window_as(Expr::cust("ROW_NUMBER()"), ordered, Alias::new("page_rn"))
        .expr_as(Expr::val(0_i64), Alias::new("page_rrn"));
    let after = page.after.unwrap_or(0);
    let first = page.first.unwrap_or(DEFAULT_PAGE_SIZE);
    let mut in_page = Query::select();
    in_page
        .column(Asterisk)
        .from_subquery(rows, Alias::new("numbered"))
        .and_where(rn().gt(sql(after)))
        .and_where(rn().lte(sql(after.saturating_add(first))));

    let mut outer = Query::select();
    outer
        .expr_as(parent, Alias::new("page_parent"))
        .column((counted(), Alias::new("page_total")))
        .column((paged(), Asterisk))
        .from_values(parent_ids, parents())
        .join_lateral(JoinType::InnerJoin, counting, counted(), Expr::cust("TRUE"))
        .join_lateral(JoinType::LeftJoin, in_page, paged(), Expr::cust("TRUE"))
        .and_where(Expr::col((counted(), Alias::new("page_total"))).gt(0))
        .order_by(Alias::new("page_parent"), Order::Asc)
        .order_by((paged(), Alias::new("page_rn")), Order::Asc);
    outer
}

/// The statement for any page on either engine: windows over every row of the asked-for
/// parents, keeping the page's rows and each parent's first row (which carries the total).
fn windowed(mut rows: SelectStatement, window: &Window, page: PageRequest) -> SelectStatement {
    let forward = window_statement(window, false);
    let backward = window_statement(window, true);
    let mut counting = WindowStatement::new();
    let parent = match &window.partition {
        Some(partition) => {
            rows.and_where(
                partition
                    .column
                    .clone()
                    .is_in(partition.parents.iter().copied()),
            );
            counting.add_partition_by(partition.column.clone());
            partition.column.clone()
        }
        None => Expr::val(0_i64),
    };
    rows.expr_as(parent, Alias::new("page_parent"))
        .expr_window_as(Expr::cust("ROW_NUMBER()"), forward, Alias::new("page_rn"));
    // Positions counted from the end are only needed for `last` without `before`; computing
    // them costs the database a second sort of every row, so other pages skip it.
    if page.last.is_some() && page.before.is_none() {
        rows.expr_window_as(Expr::cust("ROW_NUMBER()"), backward, Alias::new("page_rrn"));
    } else {
        rows.expr_as(Expr::val(0_i64), Alias::new("page_rrn"));
    }
    rows.expr_window_as(Expr::cust("COUNT(*)"), counting, Alias::new("page_total"));

    let rn = || Expr::col(Alias::new("page_rn"));
    let mut in_page = Expr::val(true);
    if let Some(after) = page.after {
        in_page = in_page.and(rn().gt(sql(after)));
    }
    if let Some(before) = page.before {
        in_page = in_page.and(rn().lt(sql(before)));
    }
    if let Some(first) = page.first {
        in_page = in_page.and(rn().lte(sql(page.after.unwrap_or(0).saturating_add(first))));
    }
    if let Some(last) = page.last {
        in_page = in_page.and(match page.before {
            Some(before) => rn().gte(sql(before).saturating_sub(sql(last))),
            None => Expr::col(Alias::new("page_rrn")).lte(sql(last)),
        });
    }
    let mut outer = Query::select();
    outer
        .column(Asterisk)
        .from_subquery(rows, Alias::new("paged"))
        .cond_where(in_page.or(rn().eq(1)))
        .order_by(Alias::new("page_parent"), Order::Asc)
        .order_by(Alias::new("page_rn"), Order::Asc);
    outer
}

/// A position or size as an SQL integer, saturating (positions beyond `i64::MAX` are refused
/// when the request is made, so this never changes a real value).
fn sql(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The same window test as the SQL, for the always-returned first row. Saturating: no cursor
/// can make it overflow.
fn within(page: PageRequest, position: u64, backwards: u64) -> bool {
    page.after.is_none_or(|after| position > after)
        && page.before.is_none_or(|before| position < before)
        && page
            .first
            .is_none_or(|first| position <= page.after.unwrap_or(0).saturating_add(first))
        && page.last.is_none_or(|last| match page.before {
            Some(before) => position.saturating_add(last) >= before,
            None => backwards <= last,
        })
}

fn window_statement(window: &Window, reversed: bool) -> WindowStatement {
    let mut statement = WindowStatement::new();
    if let Some(partition) = &window.partition {
        statement.add_partition_by(partition.column.clone());
    }
    for (expr, order) in &window.order {
        let order = match (order, reversed) {
            (Order::Asc, true) => Order::Desc,
            (Order::Desc, true) => Order::Asc,
            (other, _) => other.clone(),
        };
        statement.order_by_expr(expr.clone(), order);
    }
    statement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_twenty_and_caps_at_a_hundred() {
        let page = PageRequest::new(None, None, None, None).unwrap();
        assert_eq!(page.first, Some(20));
        assert!(PageRequest::new(Some(101), None, None, None).is_err());
        assert!(PageRequest::new(None, None, Some(101), None).is_err());
        assert!(PageRequest::new(Some(-1), None, None, None).is_err());
        assert!(PageRequest::new(Some(1), None, Some(1), None).is_err());
        assert!(PageRequest::new(Some(100), None, None, None).is_ok());
    }

    #[test]
    fn window_test_matches_relay_slicing() {
        // 10 items; positions 1..=10, backwards = 11 - position.
        let positions = |page: PageRequest| -> Vec<u64> {
            (1..=10).filter(|p| within(page, *p, 11 - p)).collect()
        };
        let page =
            |first, after, last, before| PageRequest::new(first, after, last, before).unwrap();
        assert_eq!(positions(page(Some(3), None, None, None)), vec![1, 2, 3]);
        assert_eq!(positions(page(Some(3), Some(3), None, None)), vec![4, 5, 6]);
        assert_eq!(positions(page(None, None, Some(2), None)), vec![9, 10]);
        assert_eq!(positions(page(None, None, Some(2), Some(5))), vec![3, 4]);
        assert_eq!(positions(page(None, Some(8), Some(5), None)), vec![9, 10]);
        assert_eq!(positions(page(Some(5), Some(9), None, None)), vec![10]);
        // The largest valid cursors: no overflow, nothing in the page.
        let largest = i64::MAX as u64;
        assert!(positions(page(Some(100), Some(largest), None, None)).is_empty());
        assert!(positions(page(None, None, Some(100), Some(largest))).is_empty());
    }

    #[test]
    fn cursors_beyond_i64_max_are_refused() {
        let beyond = Some(i64::MAX as u64 + 1);
        for (after, before) in [(beyond, None), (None, beyond), (Some(u64::MAX), None)] {
            let refused = PageRequest::new(Some(1), after, None, before);
            assert!(
                matches!(refused, Err(DomainError::Invalid { .. })),
                "{after:?} {before:?}"
            );
        }
    }
}
