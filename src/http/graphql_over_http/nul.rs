//! Refuses string inputs holding U+0000 before anything runs.
//!
//! PostgreSQL cannot store or even compare text containing U+0000: a search term or a title with
//! one makes the statement fail, which clients would see as `INTERNAL`. No legitimate input needs
//! the character, so the transport refuses it once, for every argument and variable, with
//! `BAD_USER_INPUT` (the fuzz test, `tests/fuzz.rs`, found it).

use async_graphql::{
    ServerError, Value as ConstValue, Variables,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};
use graphql::ErrorCode;

use crate::http::persisted::request_error;

/// `BAD_USER_INPUT` when an argument, a variable or a variable's default holds U+0000.
pub(crate) fn check(
    document: &ExecutableDocument,
    variables: &Variables,
) -> Result<(), ServerError> {
    let in_variables = variables.values().any(const_has_nul);
    if in_variables || document_has_nul(document) {
        return Err(request_error(
            ErrorCode::BadUserInput,
            "string inputs must not contain the character U+0000",
        ));
    }
    Ok(())
}

fn const_has_nul(value: &ConstValue) -> bool {
    match value {
        ConstValue::String(text) => text.contains('\0'),
        ConstValue::List(items) => items.iter().any(const_has_nul),
        ConstValue::Object(fields) => fields.values().any(const_has_nul),
        _ => false,
    }
}

/// Whether any argument (of a field or a directive) or variable default holds U+0000.
fn document_has_nul(document: &ExecutableDocument) -> bool {
    let mut pending: Vec<&SelectionSet> = Vec::new();
    for (_, operation) in document.operations.iter() {
        let defaults = operation
            .node
            .variable_definitions
            .iter()
            .filter_map(|definition| definition.node.default_value.as_ref());
        if defaults
            .into_iter()
            .any(|default| const_has_nul(&default.node))
        {
            return true;
        }
        pending.push(&operation.node.selection_set.node);
    }
    pending.extend(
        document
            .fragments
            .values()
            .map(|fragment| &fragment.node.selection_set.node),
    );
    while let Some(selection_set) = pending.pop() {
        for selection in &selection_set.items {
            let directives = selection.node.directives();
            let directive_nul = directives.iter().any(|directive| {
                directive.node.arguments.iter().any(|(_, value)| {
                    const_has_nul(
                        // Variables are checked apart: here they count as null.
                        &value
                            .node
                            .clone()
                            .into_const_with(|_| Ok::<_, ()>(ConstValue::Null))
                            .unwrap_or_default(),
                    )
                })
            });
            if directive_nul {
                return true;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let arguments = &field.node.arguments;
                    let nul = arguments.iter().any(|(_, value)| {
                        const_has_nul(
                            // Variables are checked apart: here they count as null.
                            &value
                                .node
                                .clone()
                                .into_const_with(|_| Ok::<_, ()>(ConstValue::Null))
                                .unwrap_or_default(),
                        )
                    });
                    if nul {
                        return true;
                    }
                    pending.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    pending.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn refused(query: &str, variables: serde_json::Value) -> bool {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        check(&document, &variables).is_err()
    }

    #[test]
    fn finds_nul_in_arguments_variables_and_defaults() {
        assert!(refused(r#"{ a(s: "x\u0000") }"#, serde_json::json!({})));
        assert!(refused(
            r#"{ ... on Q { a(f: {s: ["\u0000"]}) } }"#,
            serde_json::json!({})
        ));
        assert!(refused(
            r#"query($v: String = "\u0000") { a(s: $v) }"#,
            serde_json::json!({})
        ));
        assert!(refused(
            "query($v: F) { a(f: $v) }",
            serde_json::json!({ "v": { "s": ["ok", "\u{0}"] } })
        ));
        assert!(!refused(
            r#"query($v: String) { a(s: "tab\there", t: $v) }"#,
            serde_json::json!({ "v": "line\nbreak" })
        ));
    }
}
