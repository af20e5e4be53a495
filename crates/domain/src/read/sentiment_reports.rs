//! Sentiment reports (社情民意信息): lists, source lounges and authors. Drafts are visible only
//! to callers the [`Actor`] rules allow.

use std::collections::HashMap;

use entity::{
    enums::SentimentReportStatus, lounge, member, sentiment_report, sentiment_report_author,
    sentiment_report_source_lounge,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Expr, ExprTrait, Order, Query, SelectStatement},
};

use super::{Direction, RegionScope, calendar::year_instants, contains_text, parse_pages};
use crate::{
    Actor, Db, DomainError,
    page::{self, Page, PageRequest, Window},
};

/// A sentiment report as stored.
pub type SentimentReport = sentiment_report::Model;

/// Which sentiment reports to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SentimentReportFilter {
    /// Sent by the committee of this scope.
    pub region: Option<RegionScope>,
    /// Any of these statuses; empty means all (that the caller may see).
    pub statuses: Vec<SentimentReportStatus>,
    /// Submitted within this calendar year (China Standard Time).
    pub year: Option<i32>,
    /// Text contained in the title.
    pub search: Option<String>,
    /// Compiled (among others) from this lounge.
    pub lounge_id: Option<i64>,
}

/// What sentiment reports are ordered by; ties are broken by id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SentimentReportOrderField {
    /// Submission time (drafts, not yet submitted, come first ascending).
    SubmittedAt,
    /// Creation time.
    #[default]
    CreatedAt,
    /// Creation order.
    Id,
}

/// A sentiment report ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SentimentReportOrder {
    /// The field.
    pub field: SentimentReportOrderField,
    /// The direction.
    pub direction: Direction,
}

fn filtered(actor: &Actor, filter: &SentimentReportFilter) -> Result<SelectStatement, DomainError> {
    crate::limits::filter_values("statuses", filter.statuses.len())?;
    let column = |column: sentiment_report::Column| Expr::col((sentiment_report::Entity, column));
    let mut select = sentiment_report::Entity::find();
    // Visibility ([`crate::visibility::sentiment_report`]): public statuses; drafts only of the
    // committees whose drafts the caller may see, and the drafts the caller wrote.
    let draft_regions = actor.draft_regions();
    let mut visible = column(sentiment_report::Column::Status)
        .is_in(
            crate::visibility::public_sentiment_report_statuses()
                .into_iter()
                .map(|status| status.as_str()),
        )
        .or(column(sentiment_report::Column::RegionId).is_in(draft_regions));
    if let Some(member_id) = actor.member_id() {
        let mut authored = sea_orm::sea_query::Query::select();
        authored
            .expr(Expr::val(1))
            .from(sentiment_report_author::Entity)
            .and_where(
                Expr::col((
                    sentiment_report_author::Entity,
                    sentiment_report_author::Column::ReportId,
                ))
                .equals((sentiment_report::Entity, sentiment_report::Column::Id)),
            )
            .and_where(
                Expr::col((
                    sentiment_report_author::Entity,
                    sentiment_report_author::Column::MemberId,
                ))
                .eq(member_id),
            );
        visible = visible.or(Expr::exists(authored));
    }
    select = select.filter(visible);
    if let Some(region) = filter.region {
        select = select.filter(
            region.condition((sentiment_report::Entity, sentiment_report::Column::RegionId)),
        );
    }
    if !filter.statuses.is_empty() {
        select =
            select.filter(sentiment_report::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if let Some(year) = filter.year {
        let (start, end) = year_instants(year)?;
        select = select
            .filter(column(sentiment_report::Column::SubmittedAt).gte(start))
            .filter(column(sentiment_report::Column::SubmittedAt).lt(end));
    }
    if let Some(term) = filter.search.as_deref().filter(|term| !term.is_empty()) {
        crate::limits::search(term)?;
        select = select.filter(contains_text(
            (sentiment_report::Entity, sentiment_report::Column::Title),
            term,
        ));
    }
    if let Some(lounge_id) = filter.lounge_id {
        let source = |column: sentiment_report_source_lounge::Column| {
            Expr::col((sentiment_report_source_lounge::Entity, column))
        };
        let mut sources: SelectStatement = Query::select();
        sources
            .expr(Expr::val(1))
            .from(sentiment_report_source_lounge::Entity)
            .and_where(
                source(sentiment_report_source_lounge::Column::ReportId)
                    .equals((sentiment_report::Entity, sentiment_report::Column::Id)),
            )
            .and_where(source(sentiment_report_source_lounge::Column::LoungeId).eq(lounge_id));
        select = select.filter(Expr::exists(sources));
    }
    Ok(select.into_query())
}

fn window(sort: SentimentReportOrder) -> Window {
    let direction: Order = sort.direction.into();
    let column = |column: sentiment_report::Column| Expr::col((sentiment_report::Entity, column));
    let id = (column(sentiment_report::Column::Id), direction.clone());
    let order = match sort.field {
        // Not yet submitted (null) sorts first ascending on both engines.
        SentimentReportOrderField::SubmittedAt => vec![
            (
                Expr::case(column(sentiment_report::Column::SubmittedAt).is_null(), 0)
                    .finally(1)
                    .into(),
                direction.clone(),
            ),
            (column(sentiment_report::Column::SubmittedAt), direction),
            id,
        ],
        SentimentReportOrderField::CreatedAt => {
            vec![(column(sentiment_report::Column::CreatedAt), direction), id]
        }
        SentimentReportOrderField::Id => vec![id],
    };
    Window {
        partition: None,
        order,
    }
}

/// One page of the sentiment reports the caller may see.
pub async fn page(
    db: &Db,
    actor: &Actor,
    filter: &SentimentReportFilter,
    sort: SentimentReportOrder,
    request: PageRequest,
) -> Result<Page<SentimentReport>, DomainError> {
    let pages = page::fetch(db.reader(), filtered(actor, filter)?, window(sort), request).await?;
    Ok(parse_pages(pages)?.remove(&0).unwrap_or_else(Page::empty))
}

/// The source lounges of each report (one statement).
pub async fn source_lounges(
    db: &Db,
    report_ids: &[i64],
) -> Result<HashMap<i64, Vec<lounge::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<lounge::Model>> = HashMap::new();
    if report_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = sentiment_report_source_lounge::Entity::find()
        .find_also_related(lounge::Entity)
        .filter(sentiment_report_source_lounge::Column::ReportId.is_in(report_ids.iter().copied()))
        .order_by_asc(sentiment_report_source_lounge::Column::LoungeId)
        .all(db.reader())
        .await?;
    for (source, lounge) in rows {
        if let Some(lounge) = lounge {
            grouped.entry(source.report_id).or_default().push(lounge);
        }
    }
    Ok(grouped)
}

/// The member authors of each report (one statement).
pub async fn authors(
    db: &Db,
    report_ids: &[i64],
) -> Result<HashMap<i64, Vec<member::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<member::Model>> = HashMap::new();
    if report_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = sentiment_report_author::Entity::find()
        .find_also_related(member::Entity)
        .filter(sentiment_report_author::Column::ReportId.is_in(report_ids.iter().copied()))
        .order_by_asc(sentiment_report_author::Column::MemberId)
        .all(db.reader())
        .await?;
    for (author, member) in rows {
        if let Some(member) = member {
            grouped.entry(author.report_id).or_default().push(member);
        }
    }
    Ok(grouped)
}

/// The reports with these ids that the caller may see (drafts only where the [`Actor`] allows).
pub async fn by_ids(
    db: &Db,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, SentimentReport>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sentiment_report::Entity::find()
        .filter(sentiment_report::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    let authored: std::collections::HashSet<i64> = match actor.member_id() {
        Some(member_id) => sentiment_report_author::Entity::find()
            .filter(sentiment_report_author::Column::ReportId.is_in(ids.iter().copied()))
            .filter(sentiment_report_author::Column::MemberId.eq(member_id))
            .all(db.reader())
            .await?
            .into_iter()
            .map(|row| row.report_id)
            .collect(),
        None => std::collections::HashSet::new(),
    };
    Ok(rows
        .into_iter()
        .filter(|row| {
            crate::visibility::may_see(
                actor.principal(),
                crate::visibility::sentiment_report(row.status),
                &[row.region_id],
                authored.contains(&row.id),
            )
        })
        .map(|row| (row.id, row))
        .collect())
}
