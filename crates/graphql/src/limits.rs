//! Query limits. A request's cost is the number of fields it selects, with the fields under a
//! connection counted once per item the page may hold (`first`/`last`, 20 by default), so that
//! `lounges(first: 100)` costs five times `lounges(first: 20)`. The limits let the headline
//! query (province → cities → counties → lounges(first: 20) → members(first: 10),
//! consultations(first: 10) → suggestions(first: 10)) through and refuse ten aliased copies of
//! it; `tests/read_api.rs` checks both.

/// Deepest nesting of selections allowed.
pub const MAX_DEPTH: usize = 16;
/// Highest cost allowed.
pub const MAX_COMPLEXITY: usize = 3_000;

/// The cost of a connection field: its own 1 plus its children once per item of the page.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(domain::page::DEFAULT_PAGE_SIZE as usize, |n| {
            n.max(0) as usize
        });
    1 + size.max(1) * child_complexity
}
