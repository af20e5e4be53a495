//! Query limits and the prices of the cost model (see [`crate::cost`] for how a request is
//! priced). A point is one row a request can fetch, as GitHub counts nodes; scalar fields are
//! free because they come with their row.
//!
//! The figures are chosen so that the pages frontends build pass — the headline query of
//! `tests/read_api.rs` (161,302 points), a page of 40 lounges each with its region, 10
//! members and 5 activities (761), a page of 100 consultations each with its lounge, region
//! and 10 suggestions with their proposers (3,401), the national statistics view of
//! `tests/statistics.rs` (178,378) — while 300 aliased province statistics (4,566,600) and
//! ten copies of the headline query are refused.

/// Deepest nesting of selections allowed.
pub const MAX_DEPTH: usize = 16;

/// Default of `XIESHANG_MAX_QUERY_COST`: the most points one request may cost.
pub const MAX_QUERY_COST: u64 = 200_000;

/// No field or request costs more than this: every sum and product saturates here, so that
/// nesting `first: 1073741824` pages is refused instead of wrapping around to a small number,
/// and so that the figure stays exact in JSON (below 2^53).
pub const COST_CEILING: u64 = 1 << 40;

/// What an object costs: one row.
pub const ROW: u64 = 1;
/// What `totalCount` costs: one counting statement.
pub const TOTAL_COUNT: u64 = 1;
/// What a connection costs on top of its rows: the page statement.
pub const CONNECTION: u64 = 1;
/// What a mutation field costs on top of its payload: the writes and the outbox event.
pub const MUTATION: u64 = 10;

/// A `statistics` field runs nine aggregate statements over the subtrees of its regions, once
/// for all sibling regions (its loader batches them), so this is paid once per field of the
/// document — but once per alias. About 17 ms for a province on the Zhejiang demo data, where
/// 1,000 rows of a page take about 1 ms.
pub const STATISTICS_SCAN_PROVINCE: u64 = 15_000;
/// The same for a city's subtree.
pub const STATISTICS_SCAN_CITY: u64 = 3_000;
/// The same for a county.
pub const STATISTICS_SCAN_COUNTY: u64 = 1_000;
/// And each region-year it reports on (the region itself and each child region) is a set of
/// figures.
pub const STATISTICS_PER_REGION_YEAR: u64 = 10;

/// Items assumed for `provinces` (34 province-level divisions in China).
pub const PROVINCES: u64 = 34;
/// Items assumed for `Province.cities`: the most prefecture-level divisions of a province (21).
pub const CITIES_PER_PROVINCE: u64 = 21;
/// Items assumed for `City.counties`.
pub const COUNTIES_PER_CITY: u64 = 20;
/// Items assumed for `Province.counties` (Sichuan has 183).
pub const COUNTIES_PER_PROVINCE: u64 = 200;
/// Items assumed for `nodes(ids:)` when the list is not known before execution (its maximum).
pub const MAX_NODE_IDS: u64 = 100;
/// Items assumed for any other list without `first` (leads, participants, status history, the
/// lists of the introspection schema).
pub const OTHER_LIST: u64 = 10;
/// Most years `statisticsSeries` accepts.
pub const MAX_SERIES_YEARS: u64 = 50;
