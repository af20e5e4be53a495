//! Cursor pagination (Relay) over windowed queries.
//!
//! Every page — a root connection or a connection nested under many parents — is read with one
//! statement: the filtered rows get `ROW_NUMBER()` (forwards, and backwards for `last`) and
//! `COUNT(*)` windows partitioned by their parent, and only the rows inside the requested
//! window (plus each parent's first row, which carries the total) come back. Cursors are row
//! positions in a stable order that always ends with the primary key, so both engines order
//! identically.

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, QueryResult,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, Order, OverStatement, Query, SelectStatement,
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
    /// The parent each row belongs to (`None` for a root list: one group).
    pub partition: Option<Expr>,
    /// The order; must end with the primary key so that it is total and identical on both
    /// engines.
    pub order: Vec<(Expr, Order)>,
}

/// Reads the requested page of `rows` for every parent in one statement, returning the raw rows
/// of each page keyed by parent id (0 for a root list). Parents with no rows are absent; treat
/// them as empty pages.
pub async fn fetch(
    connection: &impl ConnectionTrait,
    mut rows: SelectStatement,
    window: Window,
    page: PageRequest,
) -> Result<HashMap<i64, Page<QueryResult>>, DomainError> {
    let forward = window_statement(&window, false);
    let backward = window_statement(&window, true);
    let mut counting = WindowStatement::new();
    if let Some(partition) = &window.partition {
        counting.add_partition_by(partition.clone());
    }
    let parent = window.partition.clone().unwrap_or(Expr::val(0_i64));
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
        // Each parent's first row always comes back: it carries the total even when the
        // requested window is empty.
        .cond_where(in_page.clone().or(rn().eq(1)))
        .order_by(Alias::new("page_parent"), Order::Asc)
        .order_by(Alias::new("page_rn"), Order::Asc);
    let found = connection.query_all(&outer).await?;

    let mut pages: HashMap<i64, Page<QueryResult>> = HashMap::new();
    for row in found {
        let parent: i64 = row.try_get("", "page_parent")?;
        let position: i64 = row.try_get("", "page_rn")?;
        let total: i64 = row.try_get("", "page_total")?;
        let backwards: i64 = row.try_get("", "page_rrn")?;
        let entry = pages.entry(parent).or_insert_with(Page::empty);
        entry.total = total as u64;
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
        statement.add_partition_by(partition.clone());
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
