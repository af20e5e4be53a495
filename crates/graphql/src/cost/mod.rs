//! The cost model: what one operation may cost the database, priced from the document before
//! anything runs.
//!
//! A point is one row a request can fetch, as GitHub counts nodes:
//!
//! * an object costs 1 (connections, edges and page info are wrappers and cost nothing);
//! * scalar and enum fields cost nothing, except `totalCount` (1, a counting statement);
//! * a connection costs 1 plus its items times what each selects: `first`, else `last`, else
//!   the default page of 20 — so `lounges(first: 100)` costs five times `lounges(first: 20)`;
//! * a list without `first` counts the items it may hold: `provinces` 34, `cities` 21,
//!   `City.counties` 20, `Province.counties` 200, `nodes(ids:)` one per id, any other list 10;
//! * `statistics` costs the scan of its regions' subtrees — 15,000 for a province, 3,000 for a
//!   city, 1,000 for a county — once per field of the document, because its loader runs the
//!   same statements for all sibling regions (but once per alias), plus 10 per region-year it
//!   reports on (the region and each child region); `statisticsSeries` counts each year;
//! * a mutation field costs 10 plus its payload.
//!
//! Fields are priced by their definition in the schema, so a field costs the same through an
//! interface (`region`, `node`, `nodes`, the `Region` fields) as through the concrete type;
//! async-graphql's own `complexity` is applied under object types only and is not used. Every
//! sum and product saturates at [`COST_CEILING`], so no nesting can wrap around.

mod types;
mod walk;

use std::sync::OnceLock;

use async_graphql::{
    ErrorExtensionValues, ServerError, Variables,
    parser::types::{DocumentOperations, ExecutableDocument, OperationType},
};

pub use crate::limits::{COST_CEILING, MAX_QUERY_COST};
use types::TypeTable;
use walk::Walk;

/// The schema's field types, read once, priced against.
#[derive(Debug)]
pub struct CostModel {
    types: TypeTable,
}

impl CostModel {
    /// The model of xieshang's schema (built once per process).
    pub fn get() -> &'static CostModel {
        static MODEL: OnceLock<CostModel> = OnceLock::new();
        MODEL.get_or_init(|| CostModel {
            types: TypeTable::from_sdl(&crate::sdl()),
        })
    }

    /// The cost of the operation `operation_name` selects in `document` (as GraphQL's
    /// `GetOperation()` picks it), with `variables`: at least 1, at most [`COST_CEILING`].
    /// A document naming no operation that can be found costs 1 — the executor refuses it
    /// without running anything.
    pub fn price(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> u64 {
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), None) => Some(operation),
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next()
            }
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
            _ => None,
        };
        let Some(operation) = operation else {
            return 1;
        };
        let operation = &operation.node;
        let root = match operation.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        let mut walk = Walk::new(
            &self.types,
            document,
            variables,
            &operation.variable_definitions,
        );
        walk.root(root, &operation.selection_set.node)
            .clamp(1, COST_CEILING)
    }

    /// The cost of `request`'s operation; 1 when its document does not parse (the executor
    /// then answers with the parse error, running nothing).
    pub fn price_request(&self, request: &mut async_graphql::Request) -> u64 {
        let operation_name = request.operation_name.clone();
        let variables = request.variables.clone();
        match request.parsed_query() {
            Ok(document) => self.price(document, operation_name.as_deref(), &variables),
            Err(_) => 1,
        }
    }
}

/// The request error for an operation that costs more than one request may:
/// `QUERY_TOO_COMPLEX`, with both figures in the message and in `extensions`.
pub fn too_complex(requested: u64, limit: u64) -> ServerError {
    let mut error = ServerError::new(
        format!(
            "Query is too complex: it may cost {requested} points, and one request may cost \
             at most {limit}. Ask for fewer items (`first`), fewer fields or fewer aliases."
        ),
        None,
    );
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", crate::ErrorCode::QueryTooComplex.as_str());
    extensions.set("requested", requested);
    extensions.set("limit", limit);
    error.extensions = Some(extensions);
    error
}

#[cfg(test)]
mod tests;
