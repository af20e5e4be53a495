//! Who is calling. The API layer builds an [`Actor`] from each request and hands it to the
//! domain, so that visibility and permission rules live here and resolvers never decide them.

/// The caller of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Actor {
    /// A caller without credentials: sees public records only, never personal data.
    #[default]
    Anonymous,
}

impl Actor {
    /// Whether this caller may see the personal contact data (phone, e-mail) of a member of the
    /// committee with the given region id. Anonymous callers never may.
    pub fn may_see_contact_data(&self, _member_region_id: i64) -> bool {
        match self {
            Actor::Anonymous => false,
        }
    }

    /// Whether this caller may see DRAFT sentiment reports (社情民意信息) of the committee with
    /// the given region id. Anonymous callers never may.
    pub fn sees_drafts_of(&self, _region_id: i64) -> bool {
        match self {
            Actor::Anonymous => false,
        }
    }

    /// The committees (region ids) whose DRAFT sentiment reports this caller may see, for list
    /// queries; agrees with [`Actor::sees_drafts_of`]. Anonymous callers: none.
    pub fn draft_regions(&self) -> Vec<i64> {
        match self {
            Actor::Anonymous => Vec::new(),
        }
    }
}
