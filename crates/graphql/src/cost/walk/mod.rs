//! The walk over one operation that adds up its cost. It reads the parsed document and the
//! schema's [`TypeTable`], never the data: pricing runs before any SQL does.

mod introspection;

use async_graphql::{
    Name, Positioned, Value, Variables,
    parser::types::{ExecutableDocument, Field, Selection, SelectionSet, VariableDefinition},
};

use super::types::{FieldType, TypeTable};
use crate::limits::{
    CITIES_PER_PROVINCE, CONNECTION, COST_CEILING, COUNTIES_PER_CITY, COUNTIES_PER_PROVINCE,
    MAX_NODE_IDS, MAX_SERIES_YEARS, MUTATION, OTHER_LIST, PROVINCES, ROW,
    STATISTICS_PER_REGION_YEAR, STATISTICS_SCAN_CITY, STATISTICS_SCAN_COUNTY,
    STATISTICS_SCAN_PROVINCE, TOTAL_COUNT,
};

/// Deepest nesting the walk follows; deeper documents are priced at the ceiling (the schema's
/// depth limit refuses them anyway).
const MAX_NESTING: usize = 64;
/// Most selections (fields and fragments) the walk visits, fragments expanded; a document that expands to more
/// (fragments spread into fragments spread twice, …) is priced at the ceiling.
const MAX_VISITS: u64 = 100_000;

/// A region tier, as far as the walk knows it, for the fields whose size depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tier {
    Province,
    City,
    County,
}

impl Tier {
    /// The tier a GB/T 2260 code names: `330000` a province, `330200` a city, `330212` a
    /// county. `None` when it is not a six-digit code.
    pub fn of_code(code: &str) -> Option<Tier> {
        if code.len() != 6 || !code.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        Some(if code.ends_with("0000") {
            Tier::Province
        } else if code.ends_with("00") {
            Tier::City
        } else {
            Tier::County
        })
    }

    /// The tier of a concrete region type.
    fn of_type(name: &str) -> Option<Tier> {
        match name {
            "Province" => Some(Tier::Province),
            "City" => Some(Tier::City),
            "County" => Some(Tier::County),
            _ => None,
        }
    }

    /// The tier of a child region.
    fn below(self) -> Option<Tier> {
        match self {
            Tier::Province => Some(Tier::City),
            Tier::City => Some(Tier::County),
            Tier::County => None,
        }
    }

    /// How many child regions statistics of this tier report on.
    fn children(self) -> u64 {
        match self {
            Tier::Province => CITIES_PER_PROVINCE,
            Tier::City => COUNTIES_PER_CITY,
            Tier::County => 0,
        }
    }
}

/// What the walk knows on the way down.
#[derive(Debug, Clone, Copy)]
struct Context {
    /// Items per page of the enclosing connection (for its `edges` and `nodes`).
    page: u64,
    /// The tier of the enclosing region or statistics, when known.
    tier: Option<Tier>,
}

/// One pricing of one operation.
pub(super) struct Walk<'a> {
    pub types: &'a TypeTable,
    pub document: &'a ExecutableDocument,
    pub variables: &'a Variables,
    pub definitions: &'a [Positioned<VariableDefinition>],
    visits: u64,
    fragments: Vec<&'a Name>,
    /// Costs paid once per field of the document however many items select it: the
    /// statements of a field its loader batches for every sibling at once.
    once: u64,
}

impl<'a> Walk<'a> {
    pub fn new(
        types: &'a TypeTable,
        document: &'a ExecutableDocument,
        variables: &'a Variables,
        definitions: &'a [Positioned<VariableDefinition>],
    ) -> Self {
        Self {
            types,
            document,
            variables,
            definitions,
            visits: 0,
            fragments: Vec::new(),
            once: 0,
        }
    }

    /// The cost of the operation's root selection on `root` (`Query`, `Mutation`, …).
    pub fn root(&mut self, root: &str, selection: &'a SelectionSet) -> u64 {
        let context = Context {
            page: 1,
            tier: None,
        };
        let cost = self.selection(root, selection, context, 0);
        clamp(cost.saturating_add(self.once))
    }

    fn selection(
        &mut self,
        ty: &str,
        set: &'a SelectionSet,
        context: Context,
        depth: usize,
    ) -> u64 {
        if depth > MAX_NESTING {
            return COST_CEILING;
        }
        // A tier is known only on a region or its statistics, never further down.
        let tier = match ty {
            "Region" | "RegionStatistics" | "ChildRegionStatistics" => context.tier,
            other => Tier::of_type(other),
        };
        let context = Context { tier, ..context };
        let mut total: u64 = 0;
        for item in &set.items {
            self.visits += 1;
            if self.visits > MAX_VISITS {
                return COST_CEILING;
            }
            let cost = match &item.node {
                Selection::Field(field) => self.field(ty, &field.node, context, depth),
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let target = fragment
                        .type_condition
                        .as_ref()
                        .map_or(ty, |condition| condition.node.on.node.as_str());
                    self.selection(target, &fragment.selection_set.node, context, depth + 1)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    // A cycle is a validation error; it must not hang the walk.
                    if self.fragments.contains(&name) {
                        continue;
                    }
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    let fragment = &fragment.node;
                    self.fragments.push(name);
                    let target = fragment.type_condition.node.on.node.as_str();
                    let cost =
                        self.selection(target, &fragment.selection_set.node, context, depth + 1);
                    self.fragments.pop();
                    cost
                }
            };
            total = clamp(total.saturating_add(cost));
        }
        total
    }

    fn field(&mut self, parent: &str, field: &'a Field, context: Context, depth: usize) -> u64 {
        let name = field.name.node.as_str();
        if name.starts_with("__") {
            return self.introspection(field, depth);
        }
        let Some(ty) = self.types.field(parent, name) else {
            // An unknown field: validation refuses the request before anything runs.
            return 0;
        };
        let own_extra = self.extra(parent, name, field, context);
        self.once = clamp(
            self.once
                .saturating_add(self.batched(parent, name, field, context)),
        );
        if !self.types.is_composite(&ty.name) {
            return clamp(own_extra);
        }
        let connection = is_connection(&ty.name);
        let child = Context {
            page: if connection {
                self.page_size(field)
            } else {
                context.page
            },
            tier: self.child_tier(parent, ty, field, context),
        };
        let items = if connection {
            1
        } else if is_connection(parent) && (name == "edges" || name == "nodes") {
            context.page
        } else if ty.list {
            self.list_size(parent, name, field, child.tier)
        } else {
            1
        };
        let row = if is_wrapper(&ty.name) { 0 } else { ROW };
        let below = self.selection(&ty.name, &field.selection_set.node, child, depth + 1);
        clamp(own_extra.saturating_add(items.saturating_mul(row.saturating_add(below))))
    }

    /// What a field costs by itself, whatever it selects.
    fn extra(&self, parent: &str, name: &str, field: &Field, context: Context) -> u64 {
        let Some(ty) = self.types.field(parent, name) else {
            return 0;
        };
        if parent == "Mutation" {
            return MUTATION;
        }
        if is_connection(&ty.name) {
            return CONNECTION;
        }
        match (name, ty.name.as_str()) {
            ("totalCount", _) => TOTAL_COUNT,
            ("statistics", "RegionStatistics") => {
                let tier = self.code_tier(field, "regionCode").or(context.tier);
                statistics_rows(tier, 1)
            }
            ("statisticsSeries", _) => {
                let tier = self.code_tier(field, "regionCode");
                statistics_rows(tier, self.series_years(field))
            }
            _ => 0,
        }
    }

    /// What a field costs once, however many items select it: the statements of `statistics`,
    /// which scan the subtree of its region's tier and are batched for every sibling region.
    fn batched(&self, parent: &str, name: &str, field: &Field, context: Context) -> u64 {
        match self.types.field(parent, name).map(|ty| ty.name.as_str()) {
            Some("RegionStatistics") => {
                statistics_scan(self.code_tier(field, "regionCode").or(context.tier))
            }
            _ => 0,
        }
    }

    /// The tier below a field that returns a region or statistics.
    fn child_tier(
        &self,
        parent: &str,
        ty: &FieldType,
        field: &Field,
        context: Context,
    ) -> Option<Tier> {
        match ty.name.as_str() {
            // `RegionStatistics.region` is the region of the statistics; each of its
            // `children` one tier below.
            "Region" if parent == "RegionStatistics" => context.tier,
            "Region" if parent == "ChildRegionStatistics" => context.tier.and_then(Tier::below),
            "Region" => self.code_tier(field, "code"),
            "RegionStatistics" => self
                .code_tier(field, "regionCode")
                .or(context.tier)
                .or(Some(Tier::Province)),
            other => Tier::of_type(other),
        }
    }

    /// How many items a list field without `first` may return.
    fn list_size(&self, parent: &str, name: &str, field: &Field, tier: Option<Tier>) -> u64 {
        match (parent, name) {
            ("Query", "provinces") => PROVINCES,
            ("Query", "nodes") => match self.argument(field, "ids") {
                Some(Value::List(ids)) => (ids.len() as u64).min(MAX_NODE_IDS),
                _ => MAX_NODE_IDS,
            },
            ("Query", "statisticsSeries") => self.series_years(field),
            (_, "cities") => CITIES_PER_PROVINCE,
            ("City", "counties") => COUNTIES_PER_CITY,
            (_, "counties") => COUNTIES_PER_PROVINCE,
            ("RegionStatistics", "children") => tier.unwrap_or(Tier::Province).children(),
            _ => OTHER_LIST,
        }
    }

    /// Items per page of a connection: `first`, else `last`, else the default page.
    fn page_size(&self, field: &Field) -> u64 {
        let size = |argument| match self.argument(field, argument) {
            Some(Value::Number(number)) => Some(
                number
                    .as_i64()
                    .map_or(COST_CEILING, |n| u64::try_from(n).unwrap_or(0)),
            ),
            _ => None,
        };
        size("first")
            .or_else(|| size("last"))
            .unwrap_or(domain::page::DEFAULT_PAGE_SIZE)
    }

    /// Years a `statisticsSeries` covers (1 when the bounds are unknown or reversed; at most
    /// the 50 it accepts).
    fn series_years(&self, field: &Field) -> u64 {
        let year = |argument| match self.argument(field, argument) {
            Some(Value::Number(number)) => number.as_i64(),
            _ => None,
        };
        match (year("fromYear"), year("toYear")) {
            (Some(from), Some(to)) if to >= from => {
                u64::try_from(to.saturating_sub(from).saturating_add(1))
                    .map_or(MAX_SERIES_YEARS, |years| years.min(MAX_SERIES_YEARS))
            }
            (Some(_), Some(_)) => 1,
            _ => MAX_SERIES_YEARS,
        }
    }

    /// The tier named by a region-code argument, when it is known before execution.
    fn code_tier(&self, field: &Field, argument: &str) -> Option<Tier> {
        match self.argument(field, argument) {
            Some(Value::String(code)) => Tier::of_code(&code),
            _ => None,
        }
    }

    /// An argument's value with variables substituted (from the request, else the variable's
    /// default); `None` when absent or unknown.
    fn argument(&self, field: &Field, name: &str) -> Option<Value> {
        let value = &field.get_argument(name)?.node;
        value
            .clone()
            .into_const_with(|variable| {
                self.variables
                    .get(&variable)
                    .cloned()
                    .or_else(|| {
                        self.definitions
                            .iter()
                            .find(|definition| definition.node.name.node == variable)
                            .and_then(|definition| definition.node.default_value().cloned())
                    })
                    .ok_or(())
            })
            .ok()
    }
}

/// The statements of one `statistics` field for regions of `tier` (the most expensive when
/// unknown): they scan the regions' subtrees, once for every sibling region.
fn statistics_scan(tier: Option<Tier>) -> u64 {
    match tier.unwrap_or(Tier::Province) {
        Tier::Province => STATISTICS_SCAN_PROVINCE,
        Tier::City => STATISTICS_SCAN_CITY,
        Tier::County => STATISTICS_SCAN_COUNTY,
    }
}

/// The figures of statistics of one region of `tier` over `years` years: one set per
/// region-year, counting the region and each child region.
fn statistics_rows(tier: Option<Tier>, years: u64) -> u64 {
    let regions = 1 + tier.unwrap_or(Tier::Province).children();
    clamp(
        STATISTICS_PER_REGION_YEAR
            .saturating_mul(regions)
            .saturating_mul(years),
    )
}

/// Connection types page their items (`edges`, `nodes`).
fn is_connection(name: &str) -> bool {
    name.ends_with("Connection")
}

/// Types that wrap rows without being rows: connections, edges, page info.
fn is_wrapper(name: &str) -> bool {
    is_connection(name) || name.ends_with("Edge") || name == "PageInfo"
}

fn clamp(cost: u64) -> u64 {
    cost.min(COST_CEILING)
}
