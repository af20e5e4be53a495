//! The xieshang server: configuration, the HTTP router around the GraphQL schema, start-up and
//! shutdown, and the command line. The binary in `main.rs` dispatches to this library, so
//! integration tests build exactly the production router; only the statistics benchmark
//! (`xieshang bench`, `src/bench.rs`), which the service never runs, is a module of the binary.

pub mod app;
pub mod auth;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod export;
pub mod http;
pub mod server;
pub mod single_process;
pub mod telemetry;
pub mod windows;
