//! Every mutation leaves an audit row, by construction: this schema extension opens a
//! [`domain::audit::Scope`] around each root mutation field, so the domain's commit appends the
//! row in the same transaction as the change, and whatever ends without a commit — user errors,
//! a FORBIDDEN or UNAUTHENTICATED refusal, an operation that writes nothing — is recorded
//! afterwards in a transaction of its own. A new mutation needs no audit code: it is a field of
//! `Mutation`, so it passes through here (`tests/audit_log.rs` runs every one of them).
//!
//! A mutation that fails with any other error (malformed ids `BAD_USER_INPUT`, `INTERNAL`,
//! `SERVICE_BUSY`, `RATE_LIMITED`) changed nothing and leaves no row.

use std::sync::{Arc, Mutex};

use async_graphql::{
    ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, ResolveInfo,
    },
    parser::types::ExecutableDocument,
};
use domain::{
    Actor, Db,
    audit::{ActorInfo, Outcome, RequestInfo, Scope},
};

use crate::ids;

/// The extension factory the schema is built with (see [`crate::schema`]).
pub struct AuditMutations;

impl ExtensionFactory for AuditMutations {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest::default())
    }
}

/// One request's audit state: its variables, to resolve the arguments of each mutation field.
#[derive(Default)]
struct PerRequest {
    variables: Mutex<Variables>,
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Ok(mut kept) = self.variables.lock() {
            *kept = variables.clone();
        }
        next.run(ctx, query, variables).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let is_root_mutation = info.path_node.parent.is_none()
            && !info.name.starts_with("__")
            && ctx.schema_env.registry.mutation_type.as_deref() == Some(info.parent_type);
        let Some(db) = ctx.data_opt::<Db>().filter(|_| is_root_mutation) else {
            return next.run(ctx, info).await;
        };
        let actor = ctx.data_opt::<Actor>().cloned().unwrap_or_default();
        let request = ctx.data_opt::<RequestInfo>().cloned().unwrap_or_default();
        let input = self.arguments(&info);
        let scope = Scope::new(
            info.name,
            ActorInfo::of(&actor),
            request,
            domain::audit::summary::summarize(input.clone()),
            named_ids(&input),
        );
        let result = domain::audit::within(Arc::clone(&scope), next.run(ctx, info)).await;
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
}

impl PerRequest {
    /// The field's arguments as JSON, with variables substituted.
    fn arguments(&self, info: &ResolveInfo<'_>) -> serde_json::Value {
        let variables = self
            .variables
            .lock()
            .map(|variables| variables.clone())
            .unwrap_or_default();
        let mut object = serde_json::Map::new();
        for (name, value) in &info.field.arguments {
            let constant = value
                .node
                .clone()
                .into_const_with(|variable| {
                    Ok::<_, std::convert::Infallible>(
                        variables.get(&variable).cloned().unwrap_or_default(),
                    )
                })
                .unwrap_or_default();
            let json = constant.into_json().unwrap_or_default();
            object.insert(name.node.to_string(), json);
        }
        serde_json::Value::Object(object)
    }
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
