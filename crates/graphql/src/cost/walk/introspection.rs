//! Pricing of introspection (`__schema`, `__type`): answered from memory, but its lists
//! multiply like any other, so that aliases and nesting cannot make it arbitrarily expensive.

use async_graphql::parser::types::{Field, Selection, SelectionSet};

use super::{MAX_NESTING, MAX_VISITS, Walk, clamp};
use crate::limits::{COST_CEILING, OTHER_LIST, ROW};

impl<'a> Walk<'a> {
    /// Introspection is answered from memory, but its lists multiply like any other: one row
    /// per object, [`OTHER_LIST`] items per list.
    pub(super) fn introspection(&mut self, field: &'a Field, depth: usize) -> u64 {
        if depth > MAX_NESTING {
            return COST_CEILING;
        }
        let set = &field.selection_set.node;
        if set.items.is_empty() {
            return 0;
        }
        let mut below: u64 = 0;
        for item in &set.items {
            self.visits += 1;
            if self.visits > MAX_VISITS {
                return COST_CEILING;
            }
            let cost = match &item.node {
                Selection::Field(inner) => self.introspection(&inner.node, depth + 1),
                Selection::InlineFragment(fragment) => {
                    self.introspection_set(&fragment.node.selection_set.node, depth + 1)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if self.fragments.contains(&name) {
                        continue;
                    }
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    self.fragments.push(name);
                    let cost = self.introspection_set(&fragment.node.selection_set.node, depth + 1);
                    self.fragments.pop();
                    cost
                }
            };
            below = clamp(below.saturating_add(cost));
        }
        let items = match field.name.node.as_str() {
            "types" | "fields" | "args" | "inputFields" | "interfaces" | "possibleTypes"
            | "enumValues" | "directives" => OTHER_LIST,
            _ => 1,
        };
        clamp(items.saturating_mul(ROW.saturating_add(below)))
    }

    fn introspection_set(&mut self, set: &'a SelectionSet, depth: usize) -> u64 {
        let mut total: u64 = 0;
        for item in &set.items {
            self.visits += 1;
            if self.visits > MAX_VISITS {
                return COST_CEILING;
            }
            if let Selection::Field(inner) = &item.node {
                total = clamp(total.saturating_add(self.introspection(&inner.node, depth + 1)));
            }
        }
        total
    }
}
