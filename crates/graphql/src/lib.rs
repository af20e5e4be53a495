//! xieshang's GraphQL schema: the types frontend teams query (`types/`), the relationships
//! they follow, each loaded for a whole generation of objects at once (`relations/`, over the
//! mechanism in `generation.rs`; lookups by id through the DataLoaders in `loaders/`), the root
//! objects (`query/`, `mutation/`, `subscription.rs`), and `ApiError`, which gives every error
//! its stable code (`error.rs`).
//!
//! [`schema`] returns a builder with no data attached; the server (and every test) adds the
//! database handle with `.data(db)` and, per request, the caller's [`domain::Actor`] and a fresh
//! [`Loaders`] with `request.data(…)`. This crate knows nothing of HTTP.

// The merged query root nests one tuple level per area; its futures need a deeper limit.
#![recursion_limit = "256"]

mod audit;
pub mod connection;
mod contact_reads;
pub mod cost;
mod error;
mod generation;
mod ids;
pub mod limits;
mod loaders;
mod mutation;
mod query;
mod relations;
mod services;
mod subscription;
mod types;

use async_graphql::{SDLExportOptions, Schema, SchemaBuilder};

pub use audit::AuditedMutation;
pub use contact_reads::ContactReads;
pub use error::{ApiError, ErrorCode, Result};
pub use loaders::Loaders;
pub use mutation::{Mutation, PublicSubmissionGate};
pub use query::Query;
pub use services::Services;
pub use subscription::Subscription;

/// The schema type served by xieshang.
pub type AppSchema = Schema<Query, AuditedMutation, Subscription>;

/// The schema with every type registered and no data attached.
pub fn schema() -> SchemaBuilder<Query, AuditedMutation, Subscription> {
    Schema::build(Query::default(), AuditedMutation::default(), Subscription)
        .limit_depth(limits::MAX_DEPTH)
}

/// The SDL as committed in `schema/schema.graphql`: fields and enum values sorted, so the file
/// changes only when the schema does.
pub fn sdl() -> String {
    schema()
        .finish()
        .sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// Per-request data every resolver relies on: the caller, fresh loaders over `db`, and where
/// the request's contact-data reads are noted (the caller records them afterwards with
/// [`ContactReads::record`]).
pub fn request_data(
    request: async_graphql::Request,
    db: &domain::Db,
    actor: domain::Actor,
    reads: ContactReads,
) -> async_graphql::Request {
    request
        .data(actor)
        .data(Loaders::new(db.clone()))
        .data(types::statistics::StatisticsGate::default())
        .data(reads)
}
