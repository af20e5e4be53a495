//! The outbox as integrators read it: cursors, global ids of changed records, listing with
//! filters and the caller's scope, cursor expiry, and retention.
//!
//! One cursor format serves the GraphQL `events` connection, the `events` subscription's
//! `after` argument and the webhook payload, so a client can switch between polling and
//! subscribing without translating anything.
//!
//! The log is read by position: `sequence > after ORDER BY sequence`. Sequences are gap-safe
//! (see [`crate::outbox`]) and retention only ever removes a prefix of the log, so the retained
//! events are always the contiguous range `MIN(sequence)..=MAX(sequence)`: a cursor either
//! resumes exactly, or is reported as expired ([`DomainError::CursorExpired`]), never a silent
//! jump.

use std::{collections::HashMap, collections::HashSet, sync::Arc, time::Duration};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{
    delivery,
    enums::{DeliveryStatus, EventType},
    event, event_region, notification_target, region_closure, sentiment_report_author,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, Query},
};

use crate::{
    Actor, Db, DomainError, Principal, regions,
    visibility::{self, Audience, Reach, Viewer},
};

/// The opaque cursor of the event with `sequence`.
pub fn cursor_of(sequence: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("event:{sequence}"))
}

/// The sequence inside an event cursor; anything else is [`DomainError::Invalid`] for the
/// input field `after`.
pub fn sequence_of(cursor: &str) -> Result<i64, DomainError> {
    let malformed = || DomainError::invalid("after", format!("{cursor:?} is not an event cursor"));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    text.strip_prefix("event:")
        .and_then(|number| number.parse::<i64>().ok())
        .filter(|sequence| *sequence >= 0)
        .ok_or_else(malformed)
}

/// The global (Relay) ID of record `id` of GraphQL type `type_name`: base64url of
/// `<TypeName>:<id>`, the encoding the `graphql` crate's `node(id:)` decodes.
pub fn global_id(type_name: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// One event of the outbox as readers see it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    /// Position in the log.
    pub sequence: i64,
    /// What happened.
    pub event_type: EventType,
    /// GraphQL type name of the changed record, e.g. `Consultation`.
    pub entity_type: String,
    /// Database id of the changed record.
    pub entity_id: i64,
    /// Ids of every committee (region) the event touches, ascending.
    pub region_ids: Vec<i64>,
    /// Codes of those committees, ascending.
    pub region_codes: Vec<String>,
    /// The record's state right after the change, without personal data.
    pub snapshot: serde_json::Value,
    /// Who caused it (`ROLE:subject`); kept for audit, not part of any payload.
    pub actor: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Whether the record, in the state the event records, is not public (stored when the event
    /// was appended, from [`crate::visibility::of_event`]).
    pub restricted: bool,
}

impl EventRecord {
    /// The event's cursor (see [`cursor_of`]).
    pub fn cursor(&self) -> String {
        cursor_of(self.sequence)
    }

    /// The global ID of the changed record (see [`global_id`]).
    pub fn entity_global_id(&self) -> String {
        global_id(&self.entity_type, self.entity_id)
    }

    /// Who may see the record in the state this event records ([`crate::visibility`]). An event
    /// stored as restricted is never public, whatever its snapshot says.
    pub fn audience(&self) -> Audience {
        match visibility::of_event(&self.entity_type, &self.snapshot) {
            Audience::Public if self.restricted => Audience::Staff,
            _ if !self.restricted => Audience::Public,
            audience => audience,
        }
    }

    /// Whether the caller may see this event: an authenticated caller whose scope covers at
    /// least one of the committees it touches, and whom the read rules let see the record in
    /// the state the event records (staff must then cover every committee the event touches).
    /// `is_author` says whether the caller (a MEMBER) is an author of the record; see
    /// [`EventRecord::needs_author_check`]. Agrees with the SQL of [`visible_condition`].
    pub fn visible_to(&self, principal: &Principal, is_author: bool) -> bool {
        self.region_ids.iter().any(|id| principal.covers(*id))
            && visibility::may_see(
                Some(principal),
                self.audience(),
                &self.region_ids,
                is_author,
            )
    }

    /// Whether [`EventRecord::visible_to`] depends on the caller being an author of the record:
    /// a restricted sentiment report event read by a MEMBER.
    pub fn needs_author_check(&self, principal: &Principal) -> bool {
        self.audience() == Audience::StaffAndAuthors && Viewer::of(principal).member_id.is_some()
    }
}

/// Whether the caller may see `event`, looking up authorship only when it matters (one
/// statement for a restricted sentiment report event read by a MEMBER, none otherwise).
pub async fn visible(
    db: &Db,
    principal: &Principal,
    event: &EventRecord,
) -> Result<bool, DomainError> {
    let is_author = match Viewer::of(principal).member_id {
        Some(member_id) if event.needs_author_check(principal) => {
            sentiment_report_author::Entity::find()
                .filter(sentiment_report_author::Column::ReportId.eq(event.entity_id))
                .filter(sentiment_report_author::Column::MemberId.eq(member_id))
                .count(db.reader())
                .await?
                > 0
        }
        _ => false,
    };
    Ok(event.visible_to(principal, is_author))
}

/// The events `viewer` may see, in SQL; agrees with [`EventRecord::visible_to`]: events touching
/// a committee in the viewer's scope that are not restricted, or that are restricted and the
/// viewer is staff covering every committee they touch, or (restricted sentiment report events)
/// the viewer is a MEMBER among the report's authors.
pub fn visible_condition(viewer: &Viewer) -> Condition {
    let mut allowed = Condition::any().add(event::Column::Restricted.eq(false));
    if viewer.role.is_staff() {
        allowed = allowed.add(Expr::exists(regions_of_event(&viewer.reach, false)).not());
    }
    if let Some(member_id) = viewer.member_id {
        let authors = || Alias::new("sentiment_report_authors");
        let mut authored = Query::select();
        authored
            .expr(Expr::val(1))
            .from(authors())
            .and_where(
                Expr::col((authors(), Alias::new("report_id")))
                    .equals((event::Entity, event::Column::EntityId)),
            )
            .and_where(Expr::col((authors(), Alias::new("member_id"))).eq(member_id));
        allowed = allowed.add(
            Condition::all()
                .add(event::Column::EntityType.eq("SentimentReport"))
                .add(Expr::exists(authored)),
        );
    }
    Condition::all()
        .add(Expr::exists(regions_of_event(&viewer.reach, true)))
        .add(allowed)
}

/// The `event_regions` rows of the outer event inside `reach` (`inside`), or outside it.
fn regions_of_event(reach: &Reach, inside: bool) -> sea_orm::sea_query::SelectStatement {
    let regions = || Alias::new("event_regions");
    let region = || Expr::col((regions(), Alias::new("region_id")));
    let mut rows = Query::select();
    rows.expr(Expr::val(1)).from(regions()).and_where(
        Expr::col((regions(), Alias::new("event_sequence")))
            .equals((event::Entity, event::Column::Sequence)),
    );
    match reach {
        Reach::Subtree(root) => {
            let closure = || Alias::new("region_closure");
            let mut subtree = Query::select();
            subtree
                .column((closure(), Alias::new("descendant_id")))
                .from(closure())
                .and_where(Expr::col((closure(), Alias::new("ancestor_id"))).eq(*root));
            rows.and_where(if inside {
                region().in_subquery(subtree)
            } else {
                region().not_in_subquery(subtree)
            });
        }
        Reach::Regions(ids) => {
            rows.and_where(if inside {
                region().is_in(ids.iter().copied())
            } else {
                region().is_not_in(ids.iter().copied())
            });
        }
    }
    rows
}

/// Which events a reader wants; the caller's scope is applied on top.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Any of these types; empty means all.
    pub types: Vec<EventType>,
    /// Only events touching this committee (or, with descendants, its subtree).
    pub region: Option<crate::read::RegionScope>,
    /// The region ids `region` stands for, to match events without a query.
    region_ids: Option<Arc<HashSet<i64>>>,
}

impl EventFilter {
    /// A filter for `types` (empty = all) and the region named by `region_code` (with its
    /// subtree when `include_descendants`). An unknown or malformed code is
    /// [`DomainError::Invalid`] for the field `regionCode`.
    pub async fn resolve(
        db: &Db,
        types: Vec<EventType>,
        region_code: Option<&str>,
        include_descendants: bool,
    ) -> Result<Self, DomainError> {
        crate::limits::filter_values("types", types.len())?;
        let region = regions::scope(db, region_code, include_descendants).await?;
        let region_ids = match region {
            None => None,
            Some(scope) if !scope.include_descendants => {
                Some(Arc::new(HashSet::from([scope.region_id])))
            }
            Some(scope) => {
                let ids: Vec<i64> = region_closure::Entity::find()
                    .select_only()
                    .column(region_closure::Column::DescendantId)
                    .filter(region_closure::Column::AncestorId.eq(scope.region_id))
                    .into_tuple()
                    .all(db.reader())
                    .await?;
                let mut ids: HashSet<i64> = ids.into_iter().collect();
                ids.insert(scope.region_id);
                Some(Arc::new(ids))
            }
        };
        Ok(Self {
            types,
            region,
            region_ids,
        })
    }

    /// Events of these types only, anywhere.
    pub fn of_types(types: Vec<EventType>) -> Self {
        Self {
            types,
            ..Self::default()
        }
    }

    /// Whether `event` passes the filter (the caller's scope is checked separately, with
    /// [`visible`]); agrees with the SQL of [`list`].
    pub fn matches(&self, event: &EventRecord) -> bool {
        (self.types.is_empty() || self.types.contains(&event.event_type))
            && self
                .region_ids
                .as_ref()
                .is_none_or(|ids| event.region_ids.iter().any(|id| ids.contains(id)))
    }

    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if !self.types.is_empty() {
            condition = condition.add(event::Column::Type.is_in(self.types.iter().copied()));
        }
        if let Some(region) = self.region {
            condition = condition.add(touches(region.region_id, region.include_descendants));
        }
        condition
    }
}

/// `EXISTS` an `event_regions` row of the outer event for the region (or its subtree).
fn touches(region_id: i64, include_descendants: bool) -> Expr {
    let regions = || Alias::new("event_regions");
    let mut rows = Query::select();
    rows.expr(Expr::val(1)).from(regions()).and_where(
        Expr::col((regions(), Alias::new("event_sequence")))
            .equals((event::Entity, event::Column::Sequence)),
    );
    if include_descendants {
        let closure = || Alias::new("region_closure");
        rows.inner_join(
            closure(),
            Expr::col((closure(), Alias::new("descendant_id")))
                .equals((regions(), Alias::new("region_id"))),
        )
        .and_where(Expr::col((closure(), Alias::new("ancestor_id"))).eq(region_id));
    } else {
        rows.and_where(Expr::col((regions(), Alias::new("region_id"))).eq(region_id));
    }
    Expr::exists(rows)
}

/// The principal of an authenticated caller; anonymous callers see no events.
fn principal_of(actor: &Actor) -> Result<&Principal, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)
}

/// Up to `limit` events after `after` that match `filter` and that the caller may see, in
/// sequence order. Two statements whatever the page size.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &EventFilter,
    after: i64,
    limit: u64,
) -> Result<Vec<EventRecord>, DomainError> {
    let principal = principal_of(actor)?;
    let rows = event::Entity::find()
        .filter(event::Column::Sequence.gt(after))
        .filter(filter.condition())
        .filter(visible_condition(&Viewer::of(principal)))
        .order_by_asc(event::Column::Sequence)
        .limit(limit)
        .all(db.reader())
        .await?;
    with_regions(db, rows).await
}

/// How many retained events match `filter` and are visible to the caller.
pub async fn count(db: &Db, actor: &Actor, filter: &EventFilter) -> Result<u64, DomainError> {
    let principal = principal_of(actor)?;
    Ok(event::Entity::find()
        .filter(filter.condition())
        .filter(visible_condition(&Viewer::of(principal)))
        .count(db.reader())
        .await?)
}

/// Up to `limit` events after `after`, unfiltered, in sequence order: what the event feed
/// broadcasts and the dispatcher examines.
pub async fn read_after(db: &Db, after: i64, limit: u64) -> Result<Vec<EventRecord>, DomainError> {
    let rows = event::Entity::find()
        .filter(event::Column::Sequence.gt(after))
        .order_by_asc(event::Column::Sequence)
        .limit(limit)
        .all(db.reader())
        .await?;
    with_regions(db, rows).await
}

/// The retained events with these sequences, in sequence order, with one statement whatever
/// their number (events and their regions joined). Pruned or unknown sequences are left out,
/// as are duplicates. The caller's scope is not checked: callers reach these sequences
/// through records that already bound what the caller may see (a delivery's target).
pub async fn by_sequences(db: &Db, sequences: &[i64]) -> Result<Vec<EventRecord>, DomainError> {
    if sequences.is_empty() {
        return Ok(Vec::new());
    }
    let rows = event::Entity::find()
        .filter(event::Column::Sequence.is_in(sequences.iter().copied()))
        .find_with_related(event_region::Entity)
        .order_by_asc(event::Column::Sequence)
        .order_by_asc(event_region::Column::RegionId)
        .all(db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(row, links)| {
            let region_ids = links.into_iter().map(|link| link.region_id).collect();
            record(row, region_ids)
        })
        .collect())
}

/// Attaches the region ids of each row, with one statement for all of them.
async fn with_regions(db: &Db, rows: Vec<event::Model>) -> Result<Vec<EventRecord>, DomainError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let links = event_region::Entity::find()
        .filter(event_region::Column::EventSequence.is_in(rows.iter().map(|row| row.sequence)))
        .order_by_asc(event_region::Column::RegionId)
        .all(db.reader())
        .await?;
    let mut regions: HashMap<i64, Vec<i64>> = HashMap::new();
    for link in links {
        regions
            .entry(link.event_sequence)
            .or_default()
            .push(link.region_id);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let region_ids = regions.remove(&row.sequence).unwrap_or_default();
            record(row, region_ids)
        })
        .collect())
}

/// An event row with the ids of the committees it touches, as readers see it.
fn record(row: event::Model, region_ids: Vec<i64>) -> EventRecord {
    EventRecord {
        region_ids,
        region_codes: serde_json::from_str(&row.region_codes).unwrap_or_default(),
        snapshot: serde_json::from_str(&row.snapshot).unwrap_or(serde_json::Value::Null),
        sequence: row.sequence,
        event_type: row.r#type,
        entity_type: row.entity_type,
        entity_id: row.entity_id,
        actor: row.actor,
        occurred_at: row.occurred_at,
        restricted: row.restricted,
    }
}

#[derive(FromQueryResult)]
struct Bounds {
    oldest: Option<i64>,
    newest: Option<i64>,
}

/// The oldest and newest retained sequences; `None` while the log is empty.
pub async fn bounds(db: &Db) -> Result<Option<(i64, i64)>, DomainError> {
    let found = event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.min(), "oldest")
        .column_as(event::Column::Sequence.max(), "newest")
        .into_model::<Bounds>()
        .one(db.reader())
        .await?;
    Ok(found.and_then(|bounds| bounds.oldest.zip(bounds.newest)))
}

/// The newest sequence in the log (0 while it is empty).
pub async fn latest_sequence(db: &Db) -> Result<i64, DomainError> {
    Ok(bounds(db).await?.map_or(0, |(_, newest)| newest))
}

/// Checks that reading after `after` resumes the log exactly: [`DomainError::CursorExpired`]
/// when events after it were pruned (`after + 1 < MIN(sequence)`), and
/// [`DomainError::Invalid`] for a cursor beyond the newest event (not from this log).
pub async fn check_cursor(db: &Db, after: i64) -> Result<(), DomainError> {
    let (oldest, newest) = bounds(db).await?.unwrap_or((1, 0));
    if after > newest {
        return Err(DomainError::invalid(
            "after",
            format!(
                "the cursor points past the newest event ({newest}); it is not from this event log"
            ),
        ));
    }
    if after.saturating_add(1) < oldest {
        return Err(DomainError::CursorExpired { oldest });
    }
    Ok(())
}

/// Events removed per transaction while pruning, so that a long backlog never holds the write
/// lock for long.
const PRUNE_BATCH: i64 = 1_000;

/// Deletes the events older than `retention` with their `event_regions` and deliveries, and
/// returns how many events went. Only a prefix of the log is ever removed, stopping before the
/// first event that must stay: the newest event (sequences are `MAX + 1`), any event some
/// notification target has not yet examined (`sequence > MIN(last_sequence)`), any event with a
/// PENDING or RETRYING delivery, and any event younger than the retention.
pub async fn prune(db: &Db, retention: Duration) -> Result<u64, DomainError> {
    let retention = chrono::Duration::from_std(retention)
        .map_err(|_| DomainError::Config(format!("event retention {retention:?} is too long")))?;
    let cutoff = Utc::now() - retention;
    let mut pruned = 0;
    loop {
        let transaction = db.begin_write().await?;
        let Some(keep_from) = first_kept(&transaction, cutoff).await? else {
            db.commit(transaction).await?;
            return Ok(pruned);
        };
        let oldest: Option<i64> = event::Entity::find()
            .select_only()
            .column_as(event::Column::Sequence.min(), "oldest")
            .into_tuple::<Option<i64>>()
            .one(&transaction)
            .await?
            .flatten();
        let Some(oldest) = oldest.filter(|oldest| *oldest < keep_from) else {
            db.commit(transaction).await?;
            return Ok(pruned);
        };
        let below = Ord::min(keep_from, oldest.saturating_add(PRUNE_BATCH));
        // Only settled deliveries go; a PENDING/RETRYING row that appeared meanwhile keeps its
        // event (the foreign key refuses the delete and the next round recomputes the bound).
        delivery::Entity::delete_many()
            .filter(delivery::Column::EventSequence.lt(below))
            .filter(
                delivery::Column::Status
                    .is_not_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]),
            )
            .exec(&transaction)
            .await?;
        event_region::Entity::delete_many()
            .filter(event_region::Column::EventSequence.lt(below))
            .exec(&transaction)
            .await?;
        let deleted = event::Entity::delete_many()
            .filter(event::Column::Sequence.lt(below))
            .exec(&transaction)
            .await?
            .rows_affected;
        db.commit(transaction).await?;
        pruned += deleted;
        if below == keep_from {
            return Ok(pruned);
        }
    }
}

/// The first sequence retention must keep, or `None` while the log is empty.
async fn first_kept(
    transaction: &sea_orm::DatabaseTransaction,
    cutoff: DateTime<Utc>,
) -> Result<Option<i64>, DomainError> {
    let newest: Option<i64> = event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.max(), "newest")
        .into_tuple::<Option<i64>>()
        .one(transaction)
        .await?
        .flatten();
    let Some(newest) = newest else {
        return Ok(None);
    };
    let young: Option<i64> = event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.min(), "young")
        .filter(event::Column::OccurredAt.gte(cutoff))
        .into_tuple::<Option<i64>>()
        .one(transaction)
        .await?
        .flatten();
    let unexamined: Option<i64> = notification_target::Entity::find()
        .select_only()
        .column_as(notification_target::Column::LastSequence.min(), "examined")
        .into_tuple::<Option<i64>>()
        .one(transaction)
        .await?
        .flatten()
        .map(|examined: i64| examined.saturating_add(1));
    let undelivered: Option<i64> = delivery::Entity::find()
        .select_only()
        .column_as(delivery::Column::EventSequence.min(), "undelivered")
        .filter(delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]))
        .into_tuple::<Option<i64>>()
        .one(transaction)
        .await?
        .flatten();
    Ok([Some(newest), young, unexamined, undelivered]
        .into_iter()
        .flatten()
        .min())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(sequence_of(&cursor_of(42)).ok(), Some(42));
        assert!(sequence_of("not a cursor").is_err());
        assert!(sequence_of(&global_id("Consultation", 1)).is_err());
        assert!(sequence_of(&URL_SAFE_NO_PAD.encode("event:-1")).is_err());
        // Beyond i64::MAX: malformed (BAD_USER_INPUT), never wrapped.
        assert!(sequence_of(&URL_SAFE_NO_PAD.encode("event:9223372036854775808")).is_err());
        assert_eq!(
            sequence_of(&cursor_of(i64::MAX)).ok(),
            Some(i64::MAX),
            "the largest sequence still parses; check_cursor refuses it without overflow"
        );
    }
}
