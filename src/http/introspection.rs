//! `XIESHANG_INTROSPECTION=on|off|authenticated`: who may ask the schema about itself.
//!
//! Introspection (`__schema`, `__type`) hands anyone a map of every field and argument; a public
//! deployment may want to keep that for its own developers. `__typename` stays allowed in every
//! mode: clients need it to tell union and interface members apart.
//!
//! The check runs in the HTTP layer on the parsed document, so that the refusal is a typed request
//! error (`FORBIDDEN` when introspection is off, `UNAUTHENTICATED` when it needs a token), and the
//! request is also marked `disable_introspection()` for async-graphql as a second line. GraphiQL
//! (served only when someone may introspect), `/schema.graphql` and the GraphiQL links in robot
//! messages follow the same switch.

use std::str::FromStr;

use async_graphql::{
    ServerError,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};
use graphql::ErrorCode;

use super::persisted::request_error;

/// Who may introspect the schema.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Introspection {
    /// Everyone (the default): GraphiQL and `/schema.graphql` are public.
    #[default]
    On,
    /// No one: GraphiQL and `/schema.graphql` answer 404, robot messages carry no GraphiQL link.
    Off,
    /// Authenticated callers only: `/schema.graphql` wants a bearer token (401 without one).
    Authenticated,
}

impl FromStr for Introspection {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            "authenticated" => Ok(Self::Authenticated),
            other => Err(format!("{other:?} is none of on, off, authenticated")),
        }
    }
}

impl Introspection {
    /// Whether a caller (`authenticated` or not) may introspect.
    pub fn allows(self, authenticated: bool) -> bool {
        match self {
            Self::On => true,
            Self::Off => false,
            Self::Authenticated => authenticated,
        }
    }

    /// Whether GraphiQL is served at all (it needs introspection for someone).
    pub fn serves_graphiql(self) -> bool {
        self != Self::Off
    }

    /// Refuses a document that introspects when this caller may not.
    pub(crate) fn check(
        self,
        document: &ExecutableDocument,
        authenticated: bool,
    ) -> Result<(), ServerError> {
        if self.allows(authenticated) || !introspects(document) {
            return Ok(());
        }
        Err(self.refusal())
    }

    /// The typed error for a caller who may not introspect.
    pub(crate) fn refusal(self) -> ServerError {
        match self {
            Self::Authenticated => request_error(
                ErrorCode::Unauthenticated,
                "introspection (__schema, __type) requires a bearer token on this server",
            ),
            Self::On | Self::Off => request_error(
                ErrorCode::Forbidden,
                "introspection (__schema, __type) is disabled on this server",
            ),
        }
    }
}

/// Whether any selection of the document, fragments included, is `__schema` or `__type`. Those
/// are valid only on the query root, so a field of that name anywhere else fails validation
/// anyway. Walks with a stack, not recursion, whatever the nesting.
fn introspects(document: &ExecutableDocument) -> bool {
    let mut pending: Vec<&SelectionSet> = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|fragment| &fragment.node.selection_set.node),
        )
        .collect();
    while let Some(selection_set) = pending.pop() {
        for selection in &selection_set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if matches!(field.node.name.node.as_str(), "__schema" | "__type") {
                        return true;
                    }
                    pending.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    pending.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn introspects_text(text: &str) -> bool {
        introspects(&async_graphql::parser::parse_query(text).unwrap())
    }

    #[test]
    fn finds_introspection_anywhere_but_allows_typename() {
        assert!(introspects_text("{ __schema { types { name } } }"));
        assert!(introspects_text("{ a: __type(name: \"Query\") { name } }"));
        assert!(introspects_text(
            "query { ...F } fragment F on Query { ... on Query { __schema { queryType { name } } } }"
        ));
        assert!(!introspects_text(
            "{ __typename provinces { __typename code } }"
        ));
    }

    #[test]
    fn parses_the_three_modes() {
        assert_eq!("on".parse(), Ok(Introspection::On));
        assert_eq!("off".parse(), Ok(Introspection::Off));
        assert_eq!("authenticated".parse(), Ok(Introspection::Authenticated));
        assert!("yes".parse::<Introspection>().is_err());
    }
}
