//! Building blocks shared by the read modules: region scoping through the closure table, text
//! search, order direction.

use chrono::{FixedOffset, NaiveDate, Utc};

use crate::page::Partition;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, IntoColumnRef, LikeExpr, Order, Query, SelectStatement,
};

/// A region, optionally with every region below it (`includeDescendants`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegionScope {
    /// The region's database id.
    pub region_id: i64,
    /// Whether the regions below it count too.
    pub include_descendants: bool,
}

impl RegionScope {
    /// `column IN (the region, or the region and all its descendants)`: one indexed lookup in
    /// `region_closure` on both engines.
    pub fn condition(&self, column: impl IntoColumnRef) -> Expr {
        if !self.include_descendants {
            return Expr::col(column).eq(self.region_id);
        }
        let mut descendants: SelectStatement = Query::select();
        descendants
            .column(Alias::new("descendant_id"))
            .from(Alias::new("region_closure"))
            .and_where(Expr::col(Alias::new("ancestor_id")).eq(self.region_id));
        Expr::col(column).in_subquery(descendants)
    }
}

/// Sort direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl From<Direction> for Order {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Asc => Order::Asc,
            Direction::Desc => Order::Desc,
        }
    }
}

/// `column LIKE '%term%'` with the term's own `%`, `_` and `\` escaped, so that user input is
/// matched literally. Chinese text has no case, so no case folding is attempted.
pub fn contains_text(column: impl IntoColumnRef, term: &str) -> Expr {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::col(column).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// Today in China Standard Time (UTC+8), the calendar the committees work in.
pub fn today() -> NaiveDate {
    let now = Utc::now();
    FixedOffset::east_opt(8 * 3600).map_or_else(
        || now.date_naive(),
        |china| now.with_timezone(&china).date_naive(),
    )
}

/// Pages a select over a table with a region column per asked-for region: returns the partition
/// (the asked-for region ids, and what names each row's asked-for region). Only
/// `include_descendants` needs `region_closure`, joined so that a row counts for each of its
/// region's ancestors; otherwise the row's own region is its parent.
pub fn per_region(
    select: &mut SelectStatement,
    region_column: impl IntoColumnRef,
    region_ids: &[i64],
    include_descendants: bool,
) -> Partition {
    let parents = region_ids.to_vec();
    if !include_descendants {
        return Partition {
            column: Expr::col(region_column),
            parents,
        };
    }
    let closure = || Alias::new("region_closure");
    select.inner_join(
        closure(),
        Expr::col((closure(), Alias::new("descendant_id"))).equals(region_column),
    );
    Partition {
        column: Expr::col((closure(), Alias::new("ancestor_id"))),
        parents,
    }
}

/// Turns paged raw rows into paged models.
pub fn parse_pages<M: sea_orm::FromQueryResult>(
    pages: std::collections::HashMap<i64, crate::page::Page<sea_orm::QueryResult>>,
) -> Result<std::collections::HashMap<i64, crate::page::Page<M>>, crate::DomainError> {
    pages
        .into_iter()
        .map(|(parent, page)| {
            let items = page
                .items
                .into_iter()
                .map(|(position, row)| Ok((position, M::from_query_result(&row, "")?)))
                .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
            Ok((
                parent,
                crate::page::Page {
                    items,
                    total: page.total,
                    has_next: page.has_next,
                    has_previous: page.has_previous,
                },
            ))
        })
        .collect()
}
