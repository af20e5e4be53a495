//! The rules of xieshang: storage handles for both engines, the region tree, the services per
//! aggregate, lifecycle state machines, authorization policy, statistics and outbox writes.
//! Seed data live in the `seed` crate and test fixtures in the dev-only `testing` crate, both on
//! top of this one.
//!
//! This crate knows nothing of GraphQL or HTTP: the `graphql` crate and the server binary sit on
//! top of it, and a test keeps the dependency graph pointing that way.

pub mod actor;
pub mod audit;
pub mod auth;
pub mod db;
mod error;
pub mod events;
pub mod expiry;
pub mod feed;
pub mod health;
pub mod import_jobs;
pub mod lifecycle;
pub mod limits;
pub mod net;
pub mod observe;
pub mod outbox;
pub mod page;
pub mod policy;
pub mod read;
pub mod regions;
pub mod roles;
pub mod service_tokens;
pub mod statistics;
pub mod trace_context;
pub mod visibility;
pub mod write;

pub use actor::{Actor, Principal, Role};
pub use db::{Db, Engine};
pub use error::DomainError;
pub use read::Direction;
