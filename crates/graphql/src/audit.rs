//! Every mutation leaves an audit row, by construction: the mutation root ([`AuditedMutation`])
//! opens a [`domain::audit::Scope`] around each of its fields, so the domain's commit appends the
//! row in the same transaction as the change, and whatever ends without a commit — user errors,
//! a FORBIDDEN or UNAUTHENTICATED refusal, an operation that writes nothing — is recorded
//! afterwards in a transaction of its own. A new mutation needs no audit code: it is a field of
//! `Mutation`, so it passes through here (`tests/audit_log.rs` runs every one of them).
//!
//! A mutation that fails with any other error (malformed ids `BAD_USER_INPUT`, `INTERNAL`,
//! `SERVICE_BUSY`, `RATE_LIMITED`) changed nothing and leaves no row.

use std::{borrow::Cow, sync::Arc};

use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerResult, Value,
    parser::types::Field,
    registry::Registry,
    resolver_utils::{ContainerType, resolve_container},
};
use domain::{
    Actor, Db,
    audit::{ActorInfo, Outcome, RequestInfo, Scope},
};

use crate::{Mutation, ids};

/// The schema's mutation root: [`Mutation`] with every root field resolved inside an audit
/// scope. Wrapping the root, rather than installing a schema extension, keeps queries on
/// async-graphql's fast path: an extension would be consulted for every field of every query.
#[derive(Default)]
pub struct AuditedMutation(Mutation);

impl ContainerType for AuditedMutation {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let field = self.0.resolve_field(ctx);
        let Some(db) = ctx.data_opt::<Db>() else {
            return field.await;
        };
        let operation = ctx.item.node.name.node.as_str();
        let actor = ctx.data_opt::<Actor>().cloned().unwrap_or_default();
        let request = ctx.data_opt::<RequestInfo>().cloned().unwrap_or_default();
        let input = arguments(ctx);
        let scope = Scope::new(
            operation,
            ActorInfo::of(&actor),
            request,
            domain::audit::summary::summarize(input.clone()),
            named_ids(&input),
        );
        let result = domain::audit::within(Arc::clone(&scope), field).await;
        let refusal = match &result {
            Ok(_) => None,
            Err(error) => match error_code(error) {
                Some("FORBIDDEN") => Some(Outcome::Forbidden),
                Some("UNAUTHENTICATED") => Some(Outcome::Unauthenticated),
                // Other errors changed nothing and are not recorded (see the module doc).
                _ => return result,
            },
        };
        if let Err(error) = domain::audit::finish(db, &scope, refusal).await {
            tracing::error!(%error, operation = scope.operation(), "could not write an audit row");
        }
        result
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        self.0.find_entity(ctx, params).await
    }
}

impl OutputType for AuditedMutation {
    fn type_name() -> Cow<'static, str> {
        Mutation::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Mutation::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl ObjectType for AuditedMutation {}

/// The field's arguments as JSON, with variables substituted (null where one is malformed:
/// the field itself then fails with `BAD_USER_INPUT` and leaves no row).
fn arguments(ctx: &Context<'_>) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for (name, value) in ctx.field().arguments().unwrap_or_default() {
        object.insert(name.to_string(), value.into_json().unwrap_or_default());
    }
    serde_json::Value::Object(object)
}

/// The code (`extensions.code`) of an error.
fn error_code(error: &async_graphql::ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code")? {
        Value::String(code) => Some(code.as_str()),
        _ => None,
    }
}

/// The well-formed global ids an input names in fields called `id`, `…Id` or `…Ids`.
fn named_ids(input: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_ids(input, &mut found);
    found
}

fn collect_ids(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, value) in fields {
                let names_ids = name == "id" || name.ends_with("Id") || name.ends_with("Ids");
                match value {
                    serde_json::Value::String(text) if names_ids => push_id(text, found),
                    serde_json::Value::Array(items) if names_ids => {
                        for item in items {
                            if let serde_json::Value::String(text) = item {
                                push_id(text, found);
                            }
                        }
                    }
                    other => collect_ids(other, found),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_ids(item, found);
            }
        }
        _ => {}
    }
}

fn push_id(text: &str, found: &mut Vec<String>) {
    let id = async_graphql::ID(text.to_owned());
    if ids::decode(&id).is_ok() && !found.iter().any(|known| known == text) {
        found.push(text.to_owned());
    }
}
