//! Reads for the API: filtered, ordered, paged lists of each aggregate, for one parent or for a
//! whole generation of parents at once (see [`crate::page`]).
//!
//! Nothing here decides visibility by itself: every function that can return non-public
//! records takes the caller's [`crate::Actor`].

pub mod activities;
pub mod calendar;
pub mod consultations;
pub mod deliveries;
pub mod lounges;
pub mod members;
pub mod notification_targets;
mod scope;
pub mod sentiment_reports;
pub mod slot_requests;
pub mod status_actors;
pub mod suggestions;

pub use calendar::year_instants;
pub use scope::{Direction, RegionScope, contains_text, parse_pages, per_region, today};
