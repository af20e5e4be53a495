//! Serves `http::graphql_over_http::serve` around a tiny schema, so the
//! GraphQL-over-HTTP audit can check the handler alone, without a database:
//!
//! ```sh
//! cargo run --example audit_server -- 127.0.0.1:4000 &
//! node tools/graphql-http-audit/audit.mjs http://127.0.0.1:4000/graphql
//! ```
//!
//! GraphiQL is served at `/` too, to try the embedded page in a browser.
//! `scripts/audit.sh` runs the same audit against the real binary.

use async_graphql::{EmptySubscription, Object, Schema};
use axum::{Router, extract::Request, routing::any};
use xieshang::http::{graphiql, graphql_over_http};

struct Query;

#[Object]
impl Query {
    async fn hello(&self) -> &'static str {
        "world"
    }
}

struct Mutation;

#[Object]
impl Mutation {
    async fn noop(&self) -> bool {
        true
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4000".to_string());
    let schema = Schema::new(Query, Mutation, EmptySubscription);
    let app = Router::new()
        .route(
            "/graphql",
            any(move |request: Request| async move {
                graphql_over_http::serve(&schema, request, Ok).await
            }),
        )
        .merge(graphiql::routes());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!("audit server: http://{}/graphql", listener.local_addr()?);
    axum::serve(listener, app).await
}
