//! The part of GraphQL's `CoerceVariableValues()` that async-graphql 7.2.1
//! skips: a variable declared non-null (`$name: String!`, no default) that is
//! missing or `null`.
//!
//! async-graphql executes such a request anyway and fails in the resolver
//! ("Variable name is not defined", with a field path), which reads as a field
//! error and would be served with 200. The spec calls it a request error: refuse
//! before execution, so the client gets a 400 and nothing runs with a missing
//! input. Only nullability and list shape are checked here, as they need no
//! schema; whether a value fits its scalar or input type is validated by
//! async-graphql.

use async_graphql::{
    Positioned, ServerError, Value, Variables,
    parser::types::{BaseType, Type, VariableDefinition},
};

/// Checks each declared variable against the values the client sent.
pub(super) fn check(
    definitions: &[Positioned<VariableDefinition>],
    variables: &Variables,
) -> Result<(), ServerError> {
    for definition in definitions {
        let name = &definition.node.name.node;
        let ty = &definition.node.var_type.node;
        let problem = match variables.get(name) {
            None if ty.nullable || definition.node.default_value.is_some() => None,
            None => Some(format!(
                "Variable \"${name}\" of required type \"{ty}\" was not provided."
            )),
            Some(value) if !fits(ty, value) => Some(format!(
                "Variable \"${name}\" got invalid value {value}; expected type \"{ty}\"."
            )),
            Some(_) => None,
        };
        if let Some(message) = problem {
            return Err(ServerError::new(message, Some(definition.pos)));
        }
    }
    Ok(())
}

/// Whether `value` can be coerced to `ty` as far as nulls and lists go. A single
/// value where a list is expected counts as a one-item list, as input coercion
/// says.
fn fits(ty: &Type, value: &Value) -> bool {
    if *value == Value::Null {
        return ty.nullable;
    }
    match (&ty.base, value) {
        (BaseType::List(item_type), Value::List(items)) => {
            items.iter().all(|item| fits(item_type, item))
        }
        (BaseType::List(item_type), single) => fits(item_type, single),
        (BaseType::Named(_), _) => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use async_graphql::parser::{
        parse_query,
        types::{DocumentOperations, ExecutableDocument},
    };
    use serde_json::json;

    use super::*;

    fn check_json(query: &str, variables: serde_json::Value) -> Result<(), String> {
        let document: ExecutableDocument = parse_query(query).unwrap();
        let DocumentOperations::Single(operation) = document.operations else {
            panic!("one anonymous operation expected");
        };
        check(
            &operation.node.variable_definitions,
            &Variables::from_json(variables),
        )
        .map_err(|error| error.message)
    }

    #[test]
    fn required_variables_must_be_present_and_non_null() {
        let query = "query ($name: String!) { hello(name: $name) }";
        assert!(check_json(query, json!({ "name": "x" })).is_ok());
        assert_eq!(
            check_json(query, json!({})).unwrap_err(),
            "Variable \"$name\" of required type \"String!\" was not provided."
        );
        assert!(check_json(query, json!({ "name": null })).is_err());
    }

    #[test]
    fn nullable_and_defaulted_variables_may_be_absent() {
        assert!(check_json("query ($n: String) { a }", json!({})).is_ok());
        assert!(check_json("query ($n: String) { a }", json!({ "n": null })).is_ok());
        assert!(check_json("query ($n: String! = \"x\") { a }", json!({})).is_ok());
        // An explicit null still does not fit a non-null type, default or not.
        assert!(check_json("query ($n: String! = \"x\") { a }", json!({ "n": null })).is_err());
    }

    #[test]
    fn list_items_are_checked_too() {
        let query = "query ($ids: [ID!]!) { a }";
        assert!(check_json(query, json!({ "ids": ["1", "2"] })).is_ok());
        assert!(check_json(query, json!({ "ids": "1" })).is_ok());
        assert!(check_json(query, json!({ "ids": ["1", null] })).is_err());
        assert!(check_json(query, json!({ "ids": null })).is_err());
        assert!(check_json("query ($ids: [ID]) { a }", json!({ "ids": [null] })).is_ok());
    }
}
