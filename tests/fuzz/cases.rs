//! The HTTP requests the fuzz test sends: well-formed GraphQL requests around generated
//! operations (GET or POST, any caller, any accepted media type), and requests broken somewhere
//! between the bytes and the variables.

use axum::{
    body::Body,
    http::{Method, Request},
};
use serde_json::{Map, Value as Json, json};

use crate::generate::Generator;

/// One HTTP request to send, and what it is.
pub struct Case {
    pub description: String,
    pub method: Method,
    pub uri: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// A mutation sent with GET: must be 405.
    pub get_mutation: bool,
}

impl Case {
    pub fn request(&self) -> Request<Body> {
        let mut request = Request::builder()
            .method(self.method.clone())
            .uri(&self.uri);
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        request
            .body(Body::from(self.body.clone()))
            .expect("a request")
    }
}

fn accept(generator: &mut Generator) -> String {
    (*generator.rng.pick(&[
        "application/graphql-response+json",
        "application/json",
        "application/graphql-response+json, application/json;q=0.9",
        "*/*",
    ]))
    .to_owned()
}

/// Percent-encodes a query-string value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A well-formed request carrying `document` and `variables`, with GET or POST.
fn graphql_case(
    generator: &mut Generator,
    description: String,
    document: String,
    variables: Map<String, Json>,
    token: Option<&str>,
    get: bool,
) -> Case {
    let mut headers = vec![("accept", accept(generator))];
    if let Some(token) = token {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    let get_mutation = get && document.starts_with("mutation");
    if get {
        let mut uri = format!("/graphql?query={}", encode(&document));
        if !variables.is_empty() {
            uri.push_str(&format!(
                "&variables={}",
                encode(&Json::Object(variables).to_string())
            ));
        }
        Case {
            description: format!("{description}: GET {document}"),
            method: Method::GET,
            uri,
            headers,
            body: Vec::new(),
            get_mutation,
        }
    } else {
        headers.push(("content-type", "application/json".to_owned()));
        let body = json!({ "query": document, "variables": variables });
        Case {
            description: format!("{description}: POST {body}"),
            method: Method::POST,
            uri: "/graphql".to_owned(),
            headers,
            body: body.to_string().into_bytes(),
            get_mutation,
        }
    }
}

/// A request that is broken somewhere between the bytes and the variables.
fn malformed_case(generator: &mut Generator, tokens: &[Option<String>]) -> Case {
    let document = generator.operation("Query", 2, 3).document;
    let truncated: String = {
        let chars: Vec<char> = document.chars().collect();
        let end = generator.rng.below(chars.len().max(1));
        chars[..end].iter().collect()
    };
    let nested = format!("{}{}", "{ a ".repeat(300), "}".repeat(300));
    let bodies: Vec<(String, &str)> = vec![
        ("{\"query\": ".to_owned(), "application/json"),
        ("[{\"query\": \"{ __typename }\"}]".to_owned(), "application/json"),
        ("{\"query\": 42}".to_owned(), "application/json"),
        (json!({ "query": "{ __typename }", "variables": "x" }).to_string(), "application/json"),
        (json!({ "query": "{ __typename }", "extensions": [1] }).to_string(), "application/json"),
        (json!({ "query": "{ __typename }", "operationName": 7 }).to_string(), "application/json"),
        (json!({ "query": truncated }).to_string(), "application/json"),
        (json!({ "query": nested }).to_string(), "application/json"),
        (json!({ "query": "{ __typename }", "operationName": "Nope" }).to_string(), "application/json"),
        (json!({ "query": "query Q($n: Int!) { provinces { code } }", "variables": { "n": "seven" } }).to_string(), "application/json"),
        (json!({ "query": "query Q($n: Int!) { provinces { code } }" }).to_string(), "application/json"),
        (json!({ "documentId": "sha256:zz" }).to_string(), "application/json"),
        (json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": "00" } } }).to_string(), "application/json"),
        (json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } }).to_string(), "application/json"),
        (json!({}).to_string(), "application/json"),
        ("{ __typename }".to_owned(), "application/graphql"),
        (String::from_utf8_lossy(&[0xff, 0xfe, 0x00, 0x7b]).into_owned(), "application/json"),
        (json!({ "query": "{ __typename }" }).to_string(), "text/plain"),
    ];
    let (body, content_type) = generator.rng.pick(&bodies).clone();
    let mut headers = vec![("accept", accept(generator))];
    if generator.rng.chance(90) {
        headers.push(("content-type", content_type.to_owned()));
    }
    if let Some(Some(token)) = tokens.get(generator.rng.below(tokens.len())) {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    let method = match generator.rng.below(20) {
        0 => Method::PUT,
        1 => Method::DELETE,
        _ => Method::POST,
    };
    if generator.rng.chance(5) {
        headers.push(("accept", "text/html".to_owned()));
    }
    if generator.rng.chance(5) {
        headers.push(("authorization", "Bearer not.a.token".to_owned()));
    }
    Case {
        description: format!("malformed: {method} {content_type} {body:?}"),
        method,
        uri: "/graphql".to_owned(),
        headers,
        body: body.into_bytes(),
        get_mutation: false,
    }
}

/// The case for operation `index`.
pub fn case(generator: &mut Generator, index: usize, tokens: &[Option<String>]) -> Case {
    let token = tokens[generator.rng.below(tokens.len())].clone();
    let get = generator.rng.chance(20);
    match index % 20 {
        0..=10 => {
            let depth = 1 + generator.rng.below(4);
            let operation = generator.operation("Query", depth, 4);
            let description = format!("query #{index}");
            graphql_case(
                generator,
                description,
                operation.document,
                operation.variables,
                token.as_deref(),
                get,
            )
        }
        11..=13 => {
            let operation = generator.operation("Mutation", 2, 3);
            let description = format!("mutation #{index}");
            graphql_case(
                generator,
                description,
                operation.document,
                operation.variables,
                token.as_deref(),
                get,
            )
        }
        14 => {
            let operation = generator.operation("Subscription", 2, 2);
            let description = format!("subscription #{index}");
            graphql_case(
                generator,
                description,
                operation.document,
                operation.variables,
                token.as_deref(),
                false,
            )
        }
        15 => {
            let depth = 6 + generator.rng.below(15);
            let operation = generator.operation("Query", depth, 1);
            let description = format!("deep query #{index}");
            graphql_case(
                generator,
                description,
                operation.document,
                operation.variables,
                token.as_deref(),
                get,
            )
        }
        16 => {
            let operation = generator.operation("Query", 2, 12);
            let description = format!("wide query #{index}");
            graphql_case(
                generator,
                description,
                operation.document,
                operation.variables,
                token.as_deref(),
                get,
            )
        }
        _ => malformed_case(generator, tokens),
    }
}
