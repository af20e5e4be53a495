//! Lounge activities (the "4+X" activities of members' lounges) as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    Db, DomainError,
    read::activities::{self as read, Activity as ActivityRow},
};

use crate::{
    connection::{Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::activity::{ActivityHostLinks, ActivityLounges, ActivityParticipants},
    types::{common::OrderDirection, lounge::Lounge, member::Member},
};

/// Whether an activity is one of the "4" or the "X" of the "4+X" activities of a year.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::ActivityKind")]
pub enum ActivityKind {
    /// One of the four designed activities of the year (the "4").
    Planned,
    /// A flexible, smaller activity (the "X").
    Flexible,
}

/// Format of a lounge activity.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::ActivityFormat")]
pub enum ActivityFormat {
    /// Lecture (委员讲堂).
    Lecture,
    /// Propaganda group (宣讲团).
    Propaganda,
    /// Forum, e.g. a livelihood forum.
    Forum,
    /// Online deliberation (网络议政).
    OnlineDeliberation,
    /// Remote consultation (远程协商).
    RemoteConsultation,
    /// Research (调研).
    Research,
    /// Reading salon.
    Salon,
    /// Anything else.
    Other,
}

/// Where a lounge activity takes place.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::ActivityChannel")]
pub enum ActivityChannel {
    /// In person.
    Offline,
    /// Online (see `platform`).
    Online,
}

/// Platform of an online lounge activity.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::OnlinePlatform")]
pub enum OnlinePlatform {
    /// DingTalk (钉钉).
    Dingtalk,
    /// WeChat (微信).
    Wechat,
    /// A video conference.
    Video,
    /// Anything else.
    Other,
}

/// Whether a lounge named as a host of a joint (跨客厅) activity has agreed to host it. Only
/// CONFIRMED hosts count: in statistics (the "4+X" quota), in `LoungeActivity.lounges` and in
/// a lounge's `activities`.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::ActivityHostStatus")]
pub enum ActivityHostStatus {
    /// Named by the recorder (a lead member of another host lounge); not answered yet. Answer
    /// with `confirmActivityHosting` or `declineActivityHosting`.
    Invited,
    /// The lounge hosts the activity: the recorder's own lounge, every host when staff covering
    /// them all recorded it, or a confirmed invitation.
    Confirmed,
    /// The lounge declined; the activity never counts for it.
    Declined,
}

/// One host lounge of an activity, with its consent.
#[derive(SimpleObject, Clone)]
pub struct LoungeActivityHost {
    /// The lounge.
    pub lounge: Lounge,
    /// Whether it has agreed to host the activity.
    pub status: ActivityHostStatus,
}

/// Which lounge activities to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LoungeActivityFilter {
    /// Only activities hosted by at least one lounge owned by the committee of this region
    /// (GB/T 2260 code).
    pub region_code: Option<String>,
    /// With `regionCode`: also activities of lounges of every committee below that region.
    #[graphql(default = false)]
    pub include_descendants: bool,
    /// Only activities of one of these kinds.
    pub kind: Option<Vec<ActivityKind>>,
    /// Only activities of one of these formats.
    pub format: Option<Vec<ActivityFormat>>,
    /// Only activities on one of these channels.
    pub channel: Option<Vec<ActivityChannel>>,
    /// Only activities starting in this calendar year (China Standard Time).
    pub year: Option<i32>,
    /// Only activities starting at or after this time.
    pub starts_from: Option<DateTime<Utc>>,
    /// Only activities starting at or before this time.
    pub starts_to: Option<DateTime<Utc>>,
    /// Only activities whose title contains this text.
    pub search: Option<String>,
    /// With `regionCode`, or under `Lounge.activities`: match through host links with this
    /// status, e.g. INVITED to list a lounge's open invitations to joint activities. Absent
    /// means CONFIRMED, the activities a lounge really hosts.
    pub host_status: Option<ActivityHostStatus>,
}

impl LoungeActivityFilter {
    /// The domain filter, with the region code looked up.
    pub async fn resolve(
        filter: Option<Self>,
        db: &Db,
    ) -> Result<read::ActivityFilter, DomainError> {
        let filter = filter.unwrap_or_default();
        let region = domain::regions::scope(
            db,
            filter.region_code.as_deref(),
            filter.include_descendants,
        )
        .await?;
        Ok(read::ActivityFilter {
            region,
            lounge_id: None,
            kinds: all(filter.kind),
            formats: all(filter.format),
            channels: all(filter.channel),
            year: filter.year,
            starts_from: filter.starts_from,
            starts_to: filter.starts_to,
            search: filter.search,
            host_status: filter.host_status.map(Into::into),
        })
    }
}

/// Every given value, converted to its domain enum; none given means all.
fn all<T: Into<U>, U>(values: Option<Vec<T>>) -> Vec<U> {
    values
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

/// What lounge activities can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum LoungeActivityOrderField {
    /// Start time, then id.
    #[default]
    StartsAt,
    /// Order of recording.
    Id,
}

/// How to order lounge activities.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoungeActivityOrder {
    /// The field to order by.
    pub field: LoungeActivityOrderField,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<LoungeActivityOrder> for read::ActivityOrder {
    fn from(order: LoungeActivityOrder) -> Self {
        Self {
            field: match order.field {
                LoungeActivityOrderField::StartsAt => read::ActivityOrderField::StartsAt,
                LoungeActivityOrderField::Id => read::ActivityOrderField::Id,
            },
            direction: order.direction.into(),
        }
    }
}

/// One activity of a generation of activities.
#[derive(Clone)]
pub struct LoungeActivity {
    index: usize,
    generation: Arc<Generation<ActivityRow>>,
}

impl Sibling for LoungeActivity {
    type Row = ActivityRow;

    fn at(index: usize, generation: Arc<Generation<ActivityRow>>) -> Self {
        Self { index, generation }
    }
}

impl LoungeActivity {
    fn row(&self) -> &ActivityRow {
        self.generation.row(self.index)
    }
}

/// An activity of members' lounges (会客厅活动): one of the "4+X" a lounge runs a year. A joint
/// (cross-lounge) activity has several host lounges.
#[Object]
impl LoungeActivity {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("LoungeActivity", self.row().id)
    }

    /// 活动编号: the activity's number within the committee of its first host lounge
    /// (`330212-HD-0001`), the key that imports and exports use.
    async fn record_number(&self) -> &str {
        &self.row().record_number
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.row().title
    }

    /// Planned (one of the "4") or flexible (the "X").
    async fn kind(&self) -> ActivityKind {
        self.row().kind.into()
    }

    /// Format.
    async fn format(&self) -> ActivityFormat {
        self.row().format.into()
    }

    /// Offline or online.
    async fn channel(&self) -> ActivityChannel {
        self.row().channel.into()
    }

    /// Platform of an online activity; null for an offline one.
    async fn platform(&self) -> Option<OnlinePlatform> {
        self.row().platform.map(Into::into)
    }

    /// Start.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.row().starts_at
    }

    /// End.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.row().ends_at
    }

    /// The lounges hosting the activity (several for a joint activity), in order of id: the
    /// CONFIRMED hosts only. `hosts` also shows the invited and declined lounges.
    async fn lounges(&self, ctx: &Context<'_>) -> Result<Vec<Lounge>> {
        let lounges = self.generation.load::<ActivityLounges>(ctx, ()).await?;
        Ok(lounges.list(self.row().id))
    }

    /// Every lounge named as a host, with whether it has agreed (INVITED, CONFIRMED or
    /// DECLINED), in order of lounge id. A joint activity counts for a lounge only once that
    /// lounge is CONFIRMED.
    async fn hosts(&self, ctx: &Context<'_>) -> Result<Vec<LoungeActivityHost>> {
        let hosts = self.generation.load::<ActivityHostLinks>(ctx, ()).await?;
        let id = self.row().id;
        Ok(hosts
            .lounges
            .list::<Lounge>(id)
            .into_iter()
            .zip(hosts.statuses.get(&id).into_iter().flatten())
            .map(|(lounge, status)| LoungeActivityHost {
                lounge,
                status: (*status).into(),
            })
            .collect())
    }

    /// The members who took part, in order of id.
    async fn participants(&self, ctx: &Context<'_>) -> Result<Vec<Member>> {
        let participants = self
            .generation
            .load::<ActivityParticipants>(ctx, ())
            .await?;
        Ok(participants.list(self.row().id))
    }

    /// Number of members of the public who attended.
    async fn public_attendance(&self) -> i32 {
        self.row().public_attendance
    }

    /// Summary of what happened (may be empty).
    async fn summary(&self) -> &str {
        &self.row().summary
    }
}

impl ConnectionNode for LoungeActivity {
    const CONNECTION_NAME: &'static str = "LoungeActivityConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of lounge activities.";
    const EDGE_NAME: &'static str = "LoungeActivityEdge";
    const EDGE_DESCRIPTION: &'static str = "One of lounge activities in a page, with its cursor.";
}

/// A page of lounge activities.
pub type LoungeActivityConnection = Connection<LoungeActivity>;
