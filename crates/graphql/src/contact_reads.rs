//! Staff reads of personal contact data leave an audit row: the resolvers that hand out a
//! member's `phone` or `email`, or a public submitter's contact, note the record in the
//! request's [`ContactReads`]; after the operation, the server's executor calls
//! [`ContactReads::record`], which writes one `readContactData` row naming them (in a
//! transaction of its own). Operations that showed no contact data write nothing, so public reads
//! cost nothing extra. (Recording in the executor rather than in a schema extension keeps every
//! query on async-graphql's fast path.)

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
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

impl ContactReads {
    /// Writes one `readContactData` audit row (in a transaction of its own) naming the records
    /// whose contact data were shown since the last call, if any. The server calls it after each
    /// operation it executes with these reads in its data, and after each subscription event.
    pub async fn record(
        &self,
        db: &Db,
        actor: &Actor,
        request: &RequestInfo,
        operation_name: Option<&str>,
    ) {
        let shown: Vec<String> = self.take().into_iter().collect();
        if shown.is_empty() {
            return;
        }
        let scope = Scope::new(
            "readContactData",
            ActorInfo::of(actor),
            request.clone(),
            serde_json::json!({ "operationName": operation_name, "records": shown.len() }),
            shown,
        );
        if let Err(error) = domain::audit::finish(db, &scope, None).await {
            tracing::error!(%error, "could not record a contact-data read");
        }
    }
}
