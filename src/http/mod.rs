pub mod budget;
pub mod graphiql;
pub mod graphql_over_http;
pub mod ws;
