pub mod budget;
pub mod graphiql;
pub mod graphql_over_http;
pub mod introspection;
pub mod persisted;
pub mod public_cache;
pub mod trusted_documents;
pub mod ws;
