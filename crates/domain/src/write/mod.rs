//! Every write path: one transaction per call, together with its outbox event(s); a call that
//! fails leaves no change and no event. Authorization comes first ([`crate::policy`]), then
//! validation, then the lifecycle rules ([`crate::lifecycle`]).

pub mod activities_import;
pub mod activity_hosts;
pub mod consultations;
pub mod consultations_import;
pub mod lounges;
pub mod lounges_import;
pub mod members;
pub mod notification_targets;
pub mod public_topics;
pub mod record_numbers;
pub mod sentiment_reports;
pub mod slot_requests;
pub mod suggestions;
mod validate;
mod versioned;

pub use validate::{Field, text};
