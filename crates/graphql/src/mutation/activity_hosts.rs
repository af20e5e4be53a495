//! Answers of host lounges to a joint (跨客厅) activity: `confirmActivityHosting` and
//! `declineActivityHosting`.

use crate::mutation::payload::{HostingPayload, PayloadName};
use async_graphql::{Context, ID, InputObject, Object};
use domain::{
    Actor, Db,
    write::activity_hosts::{self as write, HostingAnswer},
};

use super::{consultations::database_id, user_error::outcome};
use crate::{
    error::Result,
    generation::Sibling,
    types::{
        activity::{LoungeActivity, LoungeActivityHost},
        lounge::Lounge,
    },
};

/// Input of `confirmActivityHosting`.
#[derive(InputObject)]
pub struct ConfirmActivityHostingInput {
    /// The activity's global ID.
    pub activity_id: ID,
    /// The global ID of the host lounge that answers; it must be INVITED.
    pub lounge_id: ID,
}

/// Names the payload of `confirmActivityHosting`.
pub struct ConfirmActivityHostingField;

impl PayloadName for ConfirmActivityHostingField {
    const NAME: &'static str = "ConfirmActivityHostingPayload";
    const DESCRIPTION: &'static str = "Result of `confirmActivityHosting`.";
}

/// Result of `confirmActivityHosting`.
pub type ConfirmActivityHostingPayload = HostingPayload<ConfirmActivityHostingField>;

/// Input of `declineActivityHosting`.
#[derive(InputObject)]
pub struct DeclineActivityHostingInput {
    /// The activity's global ID.
    pub activity_id: ID,
    /// The global ID of the host lounge that answers; it must be INVITED.
    pub lounge_id: ID,
}

/// Names the payload of `declineActivityHosting`.
pub struct DeclineActivityHostingField;

impl PayloadName for DeclineActivityHostingField {
    const NAME: &'static str = "DeclineActivityHostingPayload";
    const DESCRIPTION: &'static str = "Result of `declineActivityHosting`.";
}

/// Result of `declineActivityHosting`.
pub type DeclineActivityHostingPayload = HostingPayload<DeclineActivityHostingField>;

/// The activity and the answering lounge's host link.
fn answered(answer: HostingAnswer) -> (LoungeActivity, LoungeActivityHost) {
    (
        LoungeActivity::single(answer.activity),
        LoungeActivityHost {
            lounge: Lounge::single(answer.lounge),
            status: answer.status.into(),
        },
    )
}

/// How an invited host lounge answers.
enum Answer {
    Confirm,
    Decline,
}

/// Records a lounge's answer to a hosting invitation and builds the mutation's payload.
async fn answer<M>(
    ctx: &Context<'_>,
    activity_id: &ID,
    lounge_id: &ID,
    answer: Answer,
) -> Result<HostingPayload<M>> {
    let activity_id = database_id(activity_id, "LoungeActivity")?;
    let lounge_id = database_id(lounge_id, "Lounge")?;
    let (db, actor) = (ctx.data::<Db>()?, ctx.data::<Actor>()?);
    let result = match answer {
        Answer::Confirm => write::confirm(db, actor, activity_id, lounge_id).await,
        Answer::Decline => write::decline(db, actor, activity_id, lounge_id).await,
    };
    let (answered_now, user_errors) = outcome(result)?;
    Ok(HostingPayload::new(answered_now.map(answered), user_errors))
}

/// The answers of invited host lounges.
#[derive(Default)]
pub struct ActivityHostingMutation;

#[Object]
impl ActivityHostingMutation {
    /// Confirms that a lounge hosts a joint activity it was INVITED to; from then on the
    /// activity counts for that lounge (statistics, its `activities`). For staff whose scope
    /// covers the lounge's committee, or an active lead member of the lounge.
    /// `INVALID_TRANSITION` when the lounge has already answered.
    async fn confirm_activity_hosting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity and the confirming lounge.")]
        input: ConfirmActivityHostingInput,
    ) -> Result<ConfirmActivityHostingPayload> {
        answer(ctx, &input.activity_id, &input.lounge_id, Answer::Confirm).await
    }

    /// Declines to host a joint activity the lounge was INVITED to; the activity never counts
    /// for it. For staff whose scope covers the lounge's committee, or an active lead member of
    /// the lounge. `INVALID_TRANSITION` when the lounge has already answered.
    async fn decline_activity_hosting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity and the declining lounge.")]
        input: DeclineActivityHostingInput,
    ) -> Result<DeclineActivityHostingPayload> {
        answer(ctx, &input.activity_id, &input.lounge_id, Answer::Decline).await
    }
}
