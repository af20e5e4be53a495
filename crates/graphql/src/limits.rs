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

/// Highest cost one field may report: far above [`MAX_COMPLEXITY`], and low enough that
/// async-graphql's unchecked sums of sibling costs cannot overflow.
const MAX_FIELD_COST: usize = u32::MAX as usize;

/// The cost of a connection field: its own 1 plus its children once per item of the page,
/// clamped to [`MAX_FIELD_COST`] so that nested huge pages never wrap around (or panic).
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(domain::page::DEFAULT_PAGE_SIZE as usize, |n| {
            n.max(0) as usize
        });
    size.max(1)
        .saturating_mul(child_complexity)
        .saturating_add(1)
        .min(MAX_FIELD_COST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_nested_pages_saturate_instead_of_overflowing() {
        let inner = page_cost(Some(i32::MAX), None, 2);
        let outer = page_cost(Some(1_073_741_824), None, inner);
        assert_eq!(outer, MAX_FIELD_COST);
        assert_eq!(page_cost(None, None, 2), 41);
    }
}
