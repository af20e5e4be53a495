//! GraphQL object types, one file per type.

pub mod region;
