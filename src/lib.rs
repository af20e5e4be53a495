//! The xieshang server: configuration, the HTTP router around the GraphQL schema, start-up and
//! shutdown, and the command line. The binary in `main.rs` dispatches to this library, so
//! integration tests build exactly the production router; only the statistics benchmark
//! (`xieshang bench`, `src/bench.rs`), which the service never runs, is a module of the binary.

// The merged query root nests one tuple level per area; its futures need a deeper limit.
#![recursion_limit = "256"]

/// The global allocator is jemalloc: a read allocates for every row, value and response field
/// from both worker threads at once, and glibc's malloc spent about 20% of the server's CPU on
/// it (locks, consolidation). `cargo bench --bench read` measured 13% less server CPU per
/// request with jemalloc; mimalloc gained 3%. It sits in the library so that the binary, the
/// benchmarks and the tests run on the same allocator.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod app;
pub mod audit_export;
pub mod auth;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod export;
pub mod http;
pub mod monitoring;
pub mod records_cli;
pub mod records_export;
pub mod server;
pub mod single_process;
pub mod telemetry;
pub mod windows;
