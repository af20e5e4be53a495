//! Mutations of the department queue (挂号): request a consultation slot, accept or decline it.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use domain::{
    Actor, Db,
    read::slot_requests::SlotRequest as SlotRequestRow,
    write::slot_requests::{self as write, Accept, RequestSlot},
};

use super::{
    consultations::database_id,
    user_error::{UserError, outcome},
};
use crate::{
    error::Result,
    generation::Sibling,
    types::{
        consultation::{Consultation, ConsultationKind},
        slot_request::SlotRequest,
    },
};

fn wrap(row: SlotRequestRow) -> SlotRequest {
    SlotRequest::single(row)
}

/// Input of `requestConsultationSlot`.
#[derive(InputObject)]
pub struct RequestConsultationSlotInput {
    /// GB/T 2260 code of the committee whose queue the department joins.
    pub region_code: String,
    /// The requesting government department (1–200 characters).
    pub department: String,
    /// The proposed topic (1–2,000 characters).
    pub topic: String,
    /// First day of the period in which the department would like the consultation held.
    pub period_start: NaiveDate,
    /// Last day of that period; not before `periodStart`.
    pub period_end: NaiveDate,
}

/// Result of `requestConsultationSlot`.
#[derive(SimpleObject)]
pub struct RequestConsultationSlotPayload {
    /// The new request (status QUEUED, with its queue position); null when refused.
    pub slot_request: Option<SlotRequest>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `acceptSlotRequest`.
#[derive(InputObject)]
pub struct AcceptSlotRequestInput {
    /// The slot request's global ID (must be QUEUED).
    pub id: ID,
    /// The kind of consultation it becomes: MAIN (one of the "6") or MICRO (the "X").
    pub kind: ConsultationKind,
    /// The consultation's title (1–200 characters); default: the request's topic.
    pub title: Option<String>,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Result of `acceptSlotRequest`.
#[derive(SimpleObject)]
pub struct AcceptSlotRequestPayload {
    /// The request as accepted, linked to its consultation; null when refused.
    pub slot_request: Option<SlotRequest>,
    /// The consultation it became (status APPROVED); null when refused.
    pub consultation: Option<Consultation>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `declineSlotRequest`.
#[derive(InputObject)]
pub struct DeclineSlotRequestInput {
    /// The slot request's global ID (must be QUEUED).
    pub id: ID,
    /// Why it is declined (1–2,000 characters), shown to the department.
    pub reason: String,
    /// The `version` the client last saw; when given and stale, the change is refused with
    /// `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Result of `declineSlotRequest`.
#[derive(SimpleObject)]
pub struct DeclineSlotRequestPayload {
    /// The request as declined; null when refused.
    pub slot_request: Option<SlotRequest>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The department queue (挂号).
#[derive(Default)]
pub struct SlotRequestMutation;

#[Object]
impl SlotRequestMutation {
    /// Queues a government department's request for a consultation slot at a committee
    /// (staff in scope register it on the department's behalf). Its queue position is derived
    /// from the time of request.
    async fn request_consultation_slot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committee, department, topic and period.")]
        input: RequestConsultationSlotInput,
    ) -> Result<RequestConsultationSlotPayload> {
        let (row, user_errors) = outcome(
            write::request(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                RequestSlot {
                    region_code: input.region_code,
                    department: input.department,
                    topic: input.topic,
                    period_start: input.period_start,
                    period_end: input.period_end,
                },
            )
            .await,
        )?;
        Ok(RequestConsultationSlotPayload {
            slot_request: row.map(wrap),
            user_errors,
        })
    }

    /// Accepts a queued request (staff in scope): creates its consultation, APPROVED with a
    /// party-government topic and organized by the committee, and links it to the request.
    async fn accept_slot_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which request and the kind of consultation it becomes.")]
        input: AcceptSlotRequestInput,
    ) -> Result<AcceptSlotRequestPayload> {
        let id = database_id(&input.id, "SlotRequest")?;
        let (row, user_errors) = outcome(
            write::accept(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                Accept {
                    kind: input.kind.into(),
                    title: input.title,
                },
            )
            .await,
        )?;
        let (slot_request, consultation) = match row {
            Some((request, consultation)) => (
                Some(wrap(request)),
                Some(Consultation::single(consultation)),
            ),
            None => (None, None),
        };
        Ok(AcceptSlotRequestPayload {
            slot_request,
            consultation,
            user_errors,
        })
    }

    /// Declines a queued request with a reason (staff in scope).
    async fn decline_slot_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which request and why it is declined.")] input: DeclineSlotRequestInput,
    ) -> Result<DeclineSlotRequestPayload> {
        let id = database_id(&input.id, "SlotRequest")?;
        let (row, user_errors) = outcome(
            write::decline(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                id,
                input.expected_version,
                input.reason,
            )
            .await,
        )?;
        Ok(DeclineSlotRequestPayload {
            slot_request: row.map(wrap),
            user_errors,
        })
    }
}
