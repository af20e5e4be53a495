pub mod graphql_over_http;
