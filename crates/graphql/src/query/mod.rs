//! The root query, merged from one object per domain area.

mod activities;
mod consultations;
mod lounges;
mod regions;
mod sentiment_reports;
mod slot_requests;

use async_graphql::MergedObject;

/// The root of every read.
#[derive(MergedObject, Default)]
pub struct Query(
    regions::RegionQuery,
    lounges::LoungeQuery,
    activities::ActivityQuery,
    sentiment_reports::SentimentReportQuery,
    slot_requests::SlotRequestQuery,
    consultations::ConsultationQuery,
);
