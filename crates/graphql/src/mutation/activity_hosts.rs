//! Answers of host lounges to a joint (跨客厅) activity: `confirmActivityHosting` and
//! `declineActivityHosting`.

use crate::error::Result;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::{
    Actor, Db,
    write::activity_hosts::{self as write, HostingAnswer},
};

use super::{
    consultations::database_id,
    user_error::{UserError, outcome},
};
use crate::{
    generation::Sibling,
    types::{
        activity::{LoungeActivity, LoungeActivityHost},
        lounge::Lounge,
    },
};

/// Declares the input of an answer: the activity and the answering host lounge.
macro_rules! hosting_input {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Input of `", $what, "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The activity's global ID.
            pub activity_id: ID,
            /// The global ID of the host lounge that answers; it must be INVITED.
            pub lounge_id: ID,
        }
    };
}

/// Declares the payload of an answer.
macro_rules! hosting_payload {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Result of `", $what, "`.")]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The activity; null when the answer was refused.
            pub activity: Option<LoungeActivity>,
            /// The answering lounge's host link as it is now; null when refused.
            pub host: Option<LoungeActivityHost>,
            /// Why the answer was refused; empty on success.
            pub user_errors: Vec<UserError>,
        }

        impl $name {
            fn from(answer: Option<HostingAnswer>, user_errors: Vec<UserError>) -> Self {
                let (activity, host) = match answer {
                    Some(answer) => (
                        Some(LoungeActivity::single(answer.activity)),
                        Some(LoungeActivityHost {
                            lounge: Lounge::single(answer.lounge),
                            status: answer.status.into(),
                        }),
                    ),
                    None => (None, None),
                };
                Self {
                    activity,
                    host,
                    user_errors,
                }
            }
        }
    };
}

hosting_input!(ConfirmActivityHostingInput, "confirmActivityHosting");
hosting_payload!(ConfirmActivityHostingPayload, "confirmActivityHosting");
hosting_input!(DeclineActivityHostingInput, "declineActivityHosting");
hosting_payload!(DeclineActivityHostingPayload, "declineActivityHosting");

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
        let activity_id = database_id(&input.activity_id, "LoungeActivity")?;
        let lounge_id = database_id(&input.lounge_id, "Lounge")?;
        let (answer, user_errors) = outcome(
            write::confirm(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                activity_id,
                lounge_id,
            )
            .await,
        )?;
        Ok(ConfirmActivityHostingPayload::from(answer, user_errors))
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
        let activity_id = database_id(&input.activity_id, "LoungeActivity")?;
        let lounge_id = database_id(&input.lounge_id, "Lounge")?;
        let (answer, user_errors) = outcome(
            write::decline(
                ctx.data::<Db>()?,
                ctx.data::<Actor>()?,
                activity_id,
                lounge_id,
            )
            .await,
        )?;
        Ok(DeclineActivityHostingPayload::from(answer, user_errors))
    }
}
