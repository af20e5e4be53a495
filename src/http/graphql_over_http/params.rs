//! Reading the GraphQL-over-HTTP request parameters (`query`, `operationName`,
//! `variables`, `extensions`, and `documentId` of the persisted-documents
//! proposal) from a GET query string or a POST JSON body.
//!
//! Each parameter is checked for its type by hand rather than through a serde
//! struct, so that a wrong type gets a message naming the parameter and a 400,
//! and so that `null` means "absent" as the spec says.

use async_graphql::{Value, Variables};
use axum::{
    body::Bytes,
    extract::{FromRequest, Query, Request},
    http::Uri,
};
use serde_json::{Map, Value as Json};

use super::Rejection;

/// The parameters of one GraphQL-over-HTTP request, types already checked. The
/// document may still be missing: a persisted document is named by `documentId`
/// or `extensions.persistedQuery` instead (see `crate::http::persisted`).
#[derive(Debug, Default)]
pub(super) struct Params {
    pub(super) query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Map<String, Json>>,
    pub(super) extensions: Option<Map<String, Json>>,
    pub(super) document_id: Option<String>,
}

/// Reads the parameters of a GET request from its query string, where
/// `variables` and `extensions` are JSON text and an empty value means absent.
pub(super) fn from_query_string(uri: &Uri) -> Result<Params, Rejection> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|err| Rejection::bad_request(format!("malformed query string: {err}")))?;

    let mut params = Params::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in pairs {
        if !matches!(
            name.as_str(),
            "query" | "operationName" | "variables" | "extensions" | "documentId"
        ) {
            // Unknown parameters are ignored, like unknown JSON properties.
            continue;
        }
        if seen.contains(&name) {
            return Err(Rejection::bad_request(format!(
                "parameter `{name}` is given more than once"
            )));
        }
        // The empty string is the same as leaving an optional parameter out; the
        // required `query` keeps it and fails to parse as a document instead.
        match name.as_str() {
            "query" => params.query = Some(value),
            "operationName" if !value.is_empty() => params.operation_name = Some(value),
            "documentId" if !value.is_empty() => params.document_id = Some(value),
            "variables" if !value.is_empty() => {
                params.variables = object_param("variables", parse_json("variables", &value)?)?;
            }
            "extensions" if !value.is_empty() => {
                params.extensions = object_param("extensions", parse_json("extensions", &value)?)?;
            }
            _ => {}
        }
        seen.push(name);
    }
    Ok(params)
}

/// Reads the parameters of a POST request from its JSON body. The caller has
/// already checked the `Content-Type`.
///
/// The body goes through axum's `Bytes` extractor so that a `DefaultBodyLimit`
/// layer on the router applies (413 beyond it; 2 MB unless configured).
pub(super) async fn from_json_body(request: Request) -> Result<Params, Rejection> {
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|err| Rejection {
            status: err.status(),
            message: err.body_text(),
        })?;
    let json = parse_json_bytes(&body)?;
    let Json::Object(mut object) = json else {
        return Err(Rejection::bad_request(if json.is_array() {
            "batched requests (a JSON array) are not supported; send one request per HTTP request"
        } else {
            "the request body must be a JSON object"
        }));
    };

    let params = Params {
        query: match object.remove("query") {
            None | Some(Json::Null) => None,
            Some(Json::String(query)) => Some(query),
            Some(_) => return Err(Rejection::bad_request("`query` must be a string")),
        },
        operation_name: match object.remove("operationName") {
            None | Some(Json::Null) => None,
            Some(Json::String(name)) => Some(name),
            Some(_) => return Err(Rejection::bad_request("`operationName` must be a string")),
        },
        variables: object_param(
            "variables",
            object.remove("variables").unwrap_or(Json::Null),
        )?,
        extensions: object_param(
            "extensions",
            object.remove("extensions").unwrap_or(Json::Null),
        )?,
        document_id: match object.remove("documentId") {
            None | Some(Json::Null) => None,
            Some(Json::String(id)) => Some(id),
            Some(_) => return Err(Rejection::bad_request("`documentId` must be a string")),
        },
    };
    Ok(params)
}

impl Params {
    /// The parameters of a request async-graphql already read (a multipart upload's
    /// `operations` part), so that it goes through the same steps as any other.
    pub(super) fn from_request(request: async_graphql::Request) -> Result<Self, Rejection> {
        let object = |value: Value, name: &str| -> Result<Option<Map<String, Json>>, Rejection> {
            let json = value
                .into_json()
                .map_err(|error| Rejection::bad_request(format!("`{name}`: {error}")))?;
            object_param(name, json)
        };
        let extensions = Value::Object(
            request
                .extensions
                .0
                .into_iter()
                .map(|(name, value)| (async_graphql::Name::new(name), value))
                .collect(),
        );
        Ok(Self {
            query: Some(request.query).filter(|query| !query.is_empty()),
            operation_name: request.operation_name,
            variables: object(request.variables.into_value(), "variables")?,
            extensions: object(extensions, "extensions")?,
            document_id: None,
        })
    }

    /// Builds the executor's request around `query`, the document the request
    /// sent or named.
    pub(super) fn into_request(self, query: String) -> Result<async_graphql::Request, Rejection> {
        let mut request = async_graphql::Request::new(query);
        request.operation_name = self.operation_name;
        if let Some(variables) = self.variables {
            request.variables = Variables::from_value(to_value("variables", variables)?);
        }
        if let Some(extensions) = self.extensions
            && let Value::Object(extensions) = to_value("extensions", extensions)?
        {
            request.extensions.0 = extensions
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect();
        }
        Ok(request)
    }
}

/// `variables` and `extensions` must be a JSON object; `null` means absent.
fn object_param(name: &str, value: Json) -> Result<Option<Map<String, Json>>, Rejection> {
    match value {
        Json::Null => Ok(None),
        Json::Object(map) => Ok(Some(map)),
        _ => Err(Rejection::bad_request(format!(
            "`{name}` must be an object"
        ))),
    }
}

fn parse_json(name: &str, text: &str) -> Result<Json, Rejection> {
    serde_json::from_str(text)
        .map_err(|err| Rejection::bad_request(format!("`{name}` is not valid JSON: {err}")))
}

fn parse_json_bytes(body: &[u8]) -> Result<Json, Rejection> {
    serde_json::from_slice(body)
        .map_err(|err| Rejection::bad_request(format!("the request body is not valid JSON: {err}")))
}

fn to_value(name: &str, map: Map<String, Json>) -> Result<Value, Rejection> {
    Value::from_json(Json::Object(map))
        .map_err(|err| Rejection::bad_request(format!("`{name}` cannot be read: {err}")))
}
