//! GraphQL object types, one file per type.

pub mod common;
pub mod lounge;
pub mod member;
pub mod region;
pub mod region_lists;
