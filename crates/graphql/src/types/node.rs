//! The Relay `Node` interface: every record with a global ID can be fetched again by it.

use std::collections::HashMap;

use async_graphql::{Context, ID, Interface};
use domain::Db;
use entity::enums::RegionLevel;

use crate::{
    error::Result,
    generation::{Sibling, page_generation},
    ids,
    types::{
        activity::LoungeActivity,
        consultation::Consultation,
        delivery::Delivery,
        import_job::ImportJob,
        lounge::Lounge,
        member::Member,
        notification::NotificationTarget,
        region::{City, County, Province, RegionNode},
        role_assignment::RoleAssignment,
        sentiment_report::SentimentReport,
        slot_request::SlotRequest,
        suggestion::Suggestion,
    },
};

/// An object with an opaque global ID, which `node(id:)` and `nodes(ids:)` fetch again.
#[derive(Interface, Clone)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    /// A province.
    Province(Province),
    /// A prefecture-level city.
    City(City),
    /// A county-level unit.
    County(County),
    /// A members' lounge.
    Lounge(Lounge),
    /// A CPPCC member.
    Member(Member),
    /// A "请你来协商" consultation.
    Consultation(Consultation),
    /// A suggestion that came out of a consultation.
    Suggestion(Suggestion),
    /// An activity of members' lounges.
    LoungeActivity(LoungeActivity),
    /// A sentiment report (social-sentiment information).
    SentimentReport(SentimentReport),
    /// A slot request in a committee's queue.
    SlotRequest(SlotRequest),
    /// An integrator's notification target (visible to those who manage it).
    NotificationTarget(NotificationTarget),
    /// A delivery of an event to a notification target (visible to those who manage it).
    Delivery(Delivery),
    /// A role held by a person of the identity provider (visible to staff in scope).
    RoleAssignment(RoleAssignment),
    /// A roster import job (visible to whoever started it and staff covering their committee).
    ImportJob(ImportJob),
}

/// Loads the nodes of one type by database id, as one generation (one statement). Unknown ids
/// are absent from the result.
async fn load_of_type(
    ctx: &Context<'_>,
    type_name: &str,
    ids: Vec<i64>,
) -> Result<HashMap<i64, Node>> {
    let db = ctx.data::<Db>()?;
    let keyed = |rows: Vec<(i64, Node)>| rows.into_iter().collect::<HashMap<_, _>>();
    Ok(match type_name {
        "Province" | "City" | "County" => {
            let level = match type_name {
                "Province" => RegionLevel::Province,
                "City" => RegionLevel::City,
                _ => RegionLevel::County,
            };
            let rows: Vec<_> = domain::regions::by_ids(db, &ids)
                .await?
                .into_values()
                .filter(|row| row.level == level)
                .collect();
            keyed(
                RegionNode::from_rows(rows)
                    .into_iter()
                    .map(|node| {
                        let id = node.row().id;
                        let node = match level {
                            RegionLevel::Province => Node::Province(Province::new(node)),
                            RegionLevel::City => Node::City(City::new(node)),
                            RegionLevel::County => Node::County(County::new(node)),
                        };
                        (id, node)
                    })
                    .collect(),
            )
        }
        "Lounge" => {
            let rows = domain::read::lounges::by_ids(db, &ids).await?;
            generation(rows, |row| row.id, Node::Lounge)
        }
        "Member" => {
            let rows = domain::read::members::by_ids(db, &ids).await?;
            generation(rows, |row| row.id, Node::Member)
        }
        "Consultation" => {
            let actor = ctx.data::<domain::Actor>()?;
            let mut rows = domain::read::consultations::by_ids(db, &ids).await?;
            // A public topic in moderation is for staff in scope only.
            rows.retain(|_, row| domain::read::consultations::visible_to(actor, row));
            generation(rows, |row| row.id, Node::Consultation)
        }
        "Suggestion" => {
            let rows = domain::read::suggestions::by_ids(db, &ids).await?;
            generation(rows, |row| row.id, Node::Suggestion)
        }
        "LoungeActivity" => {
            let rows = domain::read::activities::by_ids(db, &ids).await?;
            generation(rows, |row| row.id, Node::LoungeActivity)
        }
        "SentimentReport" => {
            let actor = ctx.data::<domain::Actor>()?;
            let rows = domain::read::sentiment_reports::by_ids(db, actor, &ids).await?;
            generation(rows, |row| row.id, Node::SentimentReport)
        }
        "SlotRequest" => {
            let rows = domain::read::slot_requests::by_ids(db, &ids).await?;
            generation(rows, |row| row.row.id, Node::SlotRequest)
        }
        "NotificationTarget" => {
            let actor = ctx.data::<domain::Actor>()?;
            let rows = domain::read::notification_targets::by_ids(db, actor, &ids).await?;
            generation(rows, |row| row.id, Node::NotificationTarget)
        }
        "Delivery" => {
            let actor = ctx.data::<domain::Actor>()?;
            let rows = domain::read::deliveries::by_ids(db, actor, &ids).await?;
            generation(rows, |row| row.id, Node::Delivery)
        }
        "RoleAssignment" => {
            let actor = ctx.data::<domain::Actor>()?;
            let rows = domain::roles::by_ids(db, actor, &ids).await?;
            generation(rows, |row| row.id, Node::RoleAssignment)
        }
        "ImportJob" => {
            let actor = ctx.data::<domain::Actor>()?;
            let rows = domain::import_jobs::by_ids(db, actor, &ids).await?;
            generation(rows, |row| row.id, Node::ImportJob)
        }
        other => {
            return Err(crate::ErrorCode::BadUserInput
                .error(format!("IDs of type {other:?} do not exist in this schema")));
        }
    })
}

/// Rows keyed by id as one generation of nodes, keyed by id again.
fn generation<N: Sibling>(
    rows: HashMap<i64, N::Row>,
    id_of: impl Fn(&N::Row) -> i64,
    wrap: impl Fn(N) -> Node,
) -> HashMap<i64, Node> {
    let ids: Vec<i64> = rows.values().map(&id_of).collect();
    let page = domain::page::Page {
        items: rows.into_values().map(|row| (0, row)).collect(),
        total: 0,
        has_next: false,
        has_previous: false,
    };
    ids.into_iter()
        .zip(page_generation::<N>(page).items)
        .map(|(id, (_, node))| (id, wrap(node)))
        .collect()
}

/// The nodes for these global IDs, in the same order; null for well-formed IDs of records that
/// do not exist. A malformed ID is `BAD_USER_INPUT`. One statement per type of node asked for.
pub async fn load_nodes(ctx: &Context<'_>, global_ids: &[ID]) -> Result<Vec<Option<Node>>> {
    let decoded = global_ids
        .iter()
        .map(ids::decode)
        .collect::<Result<Vec<_>>>()?;
    let mut by_type: HashMap<&str, Vec<i64>> = HashMap::new();
    for (type_name, id) in &decoded {
        by_type.entry(type_name.as_str()).or_default().push(*id);
    }
    let mut found: HashMap<(String, i64), Node> = HashMap::new();
    for (type_name, ids) in by_type {
        for (id, node) in load_of_type(ctx, type_name, ids).await? {
            found.insert((type_name.to_owned(), id), node);
        }
    }
    Ok(decoded.into_iter().map(|key| found.remove(&key)).collect())
}
