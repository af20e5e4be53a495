//! Staff reads of personal contact data leave an audit row: the resolvers that hand out a
//! member's `phone` or `email`, or a public submitter's contact, note the record in the
//! request's [`ContactReads`]; after the operation, this extension writes one `readContactData`
//! row naming them (in a transaction of its own). Operations that showed no contact data write
//! nothing, so public reads cost nothing extra.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use async_graphql::{
    Response,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
};
use domain::{
    Actor, Db,
    audit::{ActorInfo, RequestInfo, Scope},
};

/// The records whose contact data one request (or one WebSocket operation) showed.
#[derive(Clone, Debug, Default)]
pub struct ContactReads(Arc<Mutex<BTreeSet<String>>>);

impl ContactReads {
    /// Notes that contact data of the record with this global id were shown.
    pub(crate) fn note(&self, global_id: String) {
        let mut shown = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        shown.insert(global_id);
    }

    fn take(&self) -> BTreeSet<String> {
        let mut shown = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        std::mem::take(&mut *shown)
    }
}

/// Notes a contact-data read in the request's [`ContactReads`], when it has one.
pub(crate) fn note(ctx: &async_graphql::Context<'_>, global_id: impl FnOnce() -> String) {
    if let Some(reads) = ctx.data_opt::<ContactReads>() {
        reads.note(global_id());
    }
}

/// The extension factory the schema is built with (see [`crate::schema`]).
pub struct RecordContactReads;

impl ExtensionFactory for RecordContactReads {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerOperation)
    }
}

struct PerOperation;

#[async_trait::async_trait]
impl Extension for PerOperation {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let response = next.run(ctx, operation_name).await;
        let (Some(reads), Some(db)) = (ctx.data_opt::<ContactReads>(), ctx.data_opt::<Db>()) else {
            return response;
        };
        let shown: Vec<String> = reads.take().into_iter().collect();
        if shown.is_empty() {
            return response;
        }
        let actor = ctx.data_opt::<Actor>().cloned().unwrap_or_default();
        let request = ctx.data_opt::<RequestInfo>().cloned().unwrap_or_default();
        let scope = Scope::new(
            "readContactData",
            ActorInfo::of(&actor),
            request,
            serde_json::json!({ "operationName": operation_name, "records": shown.len() }),
            shown,
        );
        if let Err(error) = domain::audit::finish(db, &scope, None).await {
            tracing::error!(%error, "could not record a contact-data read");
        }
        response
    }
}
