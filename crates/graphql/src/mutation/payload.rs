//! Payload types shared by several mutations. A family of mutations (the consultation lifecycle
//! steps, say) answers with one generic payload type; the mutation, a marker type implementing
//! [`PayloadName`], gives each instance its GraphQL name and description, so the schema keeps
//! one named payload per mutation without a macro.

use std::{borrow::Cow, marker::PhantomData};

use async_graphql::{Description, Object, TypeName};

use crate::{
    mutation::user_error::UserError,
    types::{
        activity::{LoungeActivity, LoungeActivityHost},
        consultation::Consultation,
        lounge::{Lounge, LoungeMembership},
        sentiment_report::SentimentReport,
    },
};

/// Names the payload of one mutation.
pub trait PayloadName: Send + Sync + 'static {
    /// The payload type's GraphQL name, e.g. `ProposeConsultationPayload`.
    const NAME: &'static str;
    /// Its description, e.g. "Result of `proposeConsultation`.".
    const DESCRIPTION: &'static str;
}

/// The changed consultation (null when refused) and the user errors.
pub struct ConsultationPayload<M> {
    consultation: Option<Consultation>,
    user_errors: Vec<UserError>,
    mutation: PhantomData<M>,
}

impl<M> ConsultationPayload<M> {
    /// The payload of a change: the consultation, or why it was refused.
    pub fn new(consultation: Option<Consultation>, user_errors: Vec<UserError>) -> Self {
        Self {
            consultation,
            user_errors,
            mutation: PhantomData,
        }
    }
}

impl<M: PayloadName> TypeName for ConsultationPayload<M> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(M::NAME)
    }
}

impl<M: PayloadName> Description for ConsultationPayload<M> {
    fn description() -> &'static str {
        M::DESCRIPTION
    }
}

/// The result of a consultation mutation (named by `M`).
#[Object(name_type, use_type_description)]
impl<M: PayloadName> ConsultationPayload<M> {
    /// The consultation as changed; null when the change was refused.
    async fn consultation(&self) -> &Option<Consultation> {
        &self.consultation
    }

    /// Why the change was refused; empty on success.
    async fn user_errors(&self) -> &[UserError] {
        &self.user_errors
    }
}

/// The changed sentiment report (null when refused) and the user errors.
pub struct SentimentReportPayload<M> {
    sentiment_report: Option<SentimentReport>,
    user_errors: Vec<UserError>,
    mutation: PhantomData<M>,
}

impl<M> SentimentReportPayload<M> {
    /// The payload of a change: the report, or why it was refused.
    pub fn new(sentiment_report: Option<SentimentReport>, user_errors: Vec<UserError>) -> Self {
        Self {
            sentiment_report,
            user_errors,
            mutation: PhantomData,
        }
    }
}

impl<M: PayloadName> TypeName for SentimentReportPayload<M> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(M::NAME)
    }
}

impl<M: PayloadName> Description for SentimentReportPayload<M> {
    fn description() -> &'static str {
        M::DESCRIPTION
    }
}

/// The result of a sentiment report mutation (named by `M`).
#[Object(name_type, use_type_description)]
impl<M: PayloadName> SentimentReportPayload<M> {
    /// The sentiment report as changed; null when the change was refused.
    async fn sentiment_report(&self) -> &Option<SentimentReport> {
        &self.sentiment_report
    }

    /// Why the change was refused; empty on success.
    async fn user_errors(&self) -> &[UserError] {
        &self.user_errors
    }
}

/// The changed lounge (null when refused) and the user errors.
pub struct LoungePayload<M> {
    lounge: Option<Lounge>,
    user_errors: Vec<UserError>,
    mutation: PhantomData<M>,
}

impl<M> LoungePayload<M> {
    /// The payload of a change: the lounge, or why it was refused.
    pub fn new(lounge: Option<Lounge>, user_errors: Vec<UserError>) -> Self {
        Self {
            lounge,
            user_errors,
            mutation: PhantomData,
        }
    }
}

impl<M: PayloadName> TypeName for LoungePayload<M> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(M::NAME)
    }
}

impl<M: PayloadName> Description for LoungePayload<M> {
    fn description() -> &'static str {
        M::DESCRIPTION
    }
}

/// The result of a lounge mutation (named by `M`).
#[Object(name_type, use_type_description)]
impl<M: PayloadName> LoungePayload<M> {
    /// The lounge as changed; null when the change was refused.
    async fn lounge(&self) -> &Option<Lounge> {
        &self.lounge
    }

    /// Why the change was refused; empty on success.
    async fn user_errors(&self) -> &[UserError] {
        &self.user_errors
    }
}

/// The lounge, the changed membership (both null when refused) and the user errors.
pub struct MembershipPayload<M> {
    lounge: Option<Lounge>,
    membership: Option<LoungeMembership>,
    user_errors: Vec<UserError>,
    mutation: PhantomData<M>,
}

impl<M> MembershipPayload<M> {
    /// The payload of a change: the lounge and membership, or why it was refused.
    pub fn new(membership: Option<LoungeMembership>, user_errors: Vec<UserError>) -> Self {
        Self {
            lounge: membership
                .as_ref()
                .map(|membership| membership.lounge.clone()),
            membership,
            user_errors,
            mutation: PhantomData,
        }
    }
}

impl<M: PayloadName> TypeName for MembershipPayload<M> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(M::NAME)
    }
}

impl<M: PayloadName> Description for MembershipPayload<M> {
    fn description() -> &'static str {
        M::DESCRIPTION
    }
}

/// The result of a lounge membership mutation (named by `M`).
#[Object(name_type, use_type_description)]
impl<M: PayloadName> MembershipPayload<M> {
    /// The lounge; null when the change was refused.
    async fn lounge(&self) -> &Option<Lounge> {
        &self.lounge
    }

    /// The membership as changed; null when the change was refused.
    async fn membership(&self) -> &Option<LoungeMembership> {
        &self.membership
    }

    /// Why the change was refused; empty on success.
    async fn user_errors(&self) -> &[UserError] {
        &self.user_errors
    }
}

/// The activity and the answering lounge's host link (both null when refused) and the user
/// errors.
pub struct HostingPayload<M> {
    activity: Option<LoungeActivity>,
    host: Option<LoungeActivityHost>,
    user_errors: Vec<UserError>,
    mutation: PhantomData<M>,
}

impl<M> HostingPayload<M> {
    /// The payload of an answer: the activity and host link, or why it was refused.
    pub fn new(
        answer: Option<(LoungeActivity, LoungeActivityHost)>,
        user_errors: Vec<UserError>,
    ) -> Self {
        let (activity, host) = answer.unzip();
        Self {
            activity,
            host,
            user_errors,
            mutation: PhantomData,
        }
    }
}

impl<M: PayloadName> TypeName for HostingPayload<M> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(M::NAME)
    }
}

impl<M: PayloadName> Description for HostingPayload<M> {
    fn description() -> &'static str {
        M::DESCRIPTION
    }
}

/// The result of an answer to a hosting invitation (named by `M`).
#[Object(name_type, use_type_description)]
impl<M: PayloadName> HostingPayload<M> {
    /// The activity; null when the answer was refused.
    async fn activity(&self) -> &Option<LoungeActivity> {
        &self.activity
    }

    /// The answering lounge's host link as it is now; null when refused.
    async fn host(&self) -> &Option<LoungeActivityHost> {
        &self.host
    }

    /// Why the answer was refused; empty on success.
    async fn user_errors(&self) -> &[UserError] {
        &self.user_errors
    }
}
