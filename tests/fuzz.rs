//! A bounded generative test: operations generated from the schema, sent through the production
//! router on the demo data, with valid and invalid arguments and variables, deep and wide
//! selections, and malformed bodies. Every response must be a valid GraphQL-over-HTTP response
//! (status, media type and body shape as `src/http/graphql_over_http.rs` tabulates them), never a
//! 5xx or a panic, and every error must carry `extensions.code`.
//!
//! Deterministic: the seed is fixed (`XIESHANG_FUZZ_SEED` overrides it) and printed with every
//! failure, so `XIESHANG_FUZZ_SEED=<seed> cargo test --test fuzz` replays a failing run.

#[path = "fuzz/cases.rs"]
mod cases;
mod common;
#[path = "fuzz/generate.rs"]
mod generate;

use cases::{Case, case};
use common::{TestApp, token_for};
use domain::Role;
use generate::{Generator, Model};
use http_body_util::BodyExt;
use serde_json::{Value as Json, json};
use testing::Template;
use tower::ServiceExt;
use xieshang::{app::RouterOptions, http::budget::BudgetOptions};

/// The seed unless `XIESHANG_FUZZ_SEED` gives another (decimal or `0x…`).
const DEFAULT_SEED: u64 = 0x5EED_2026_1204;

/// Operations per run: at least 1,000, and few enough to stay well under a minute on SQLite in a
/// debug build.
const OPERATIONS: usize = 1200;

/// Statuses the GraphQL-over-HTTP table allows.
const ALLOWED_STATUSES: [u16; 8] = [200, 400, 401, 403, 405, 406, 413, 415];

fn seed() -> u64 {
    let Ok(text) = std::env::var("XIESHANG_FUZZ_SEED") else {
        return DEFAULT_SEED;
    };
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("XIESHANG_FUZZ_SEED={text:?} is not a number"))
}

/// What is wrong with a response, if anything; counts the error codes it carries.
fn check(
    case: &Case,
    status: u16,
    content_type: &str,
    body: &[u8],
    codes: &mut std::collections::BTreeMap<String, usize>,
) -> Result<(), String> {
    if status >= 500 {
        return Err(format!("status {status}"));
    }
    if !ALLOWED_STATUSES.contains(&status) {
        return Err(format!(
            "status {status} is not in the GraphQL-over-HTTP table"
        ));
    }
    if case.get_mutation && status != 405 {
        return Err(format!("a mutation over GET answered {status}, not 405"));
    }
    let graphql_response_json = content_type.starts_with("application/graphql-response+json");
    if !graphql_response_json && !content_type.starts_with("application/json") {
        return Err(format!("media type {content_type:?}"));
    }
    let json: Json = serde_json::from_slice(body).map_err(|error| {
        format!(
            "body is not JSON ({error}): {}",
            String::from_utf8_lossy(body)
        )
    })?;
    let Json::Object(object) = &json else {
        return Err("body is not a JSON object".into());
    };
    if let Some(key) = object
        .keys()
        .find(|key| !matches!(key.as_str(), "data" | "errors" | "extensions"))
    {
        return Err(format!("unexpected top-level key {key:?}"));
    }
    let has_data = object.contains_key("data");
    if graphql_response_json && (status == 200) != has_data {
        return Err(format!(
            "application/graphql-response+json with status {status} and data present: {has_data}"
        ));
    }
    match object.get("errors") {
        None if has_data => {}
        None => return Err("neither data nor errors".into()),
        Some(Json::Array(errors)) if !errors.is_empty() => {
            for error in errors {
                if !error["message"].is_string() {
                    return Err(format!("an error without a message: {error}"));
                }
                match error["extensions"]["code"].as_str() {
                    // INTERNAL is a bug or an outage: bad input must get a typed error.
                    Some("INTERNAL") => return Err(format!("an internal error: {error}")),
                    Some(code) if !code.is_empty() => {
                        *codes.entry(code.to_owned()).or_default() += 1;
                    }
                    _ => return Err(format!("an error without extensions.code: {error}")),
                }
            }
        }
        Some(other) => return Err(format!("errors is not a non-empty list: {other}")),
    }
    Ok(())
}

/// Global IDs of demo records, for `node(id:)` and ID arguments.
async fn demo_ids(app: &TestApp) -> Vec<String> {
    let reply = app
        .graphql(
            "{ consultations(first: 5) { nodes { id } } lounges(first: 5) { nodes { id } } \
             members(first: 5) { nodes { id } } provinces { id cities { id } } }",
            json!({}),
        )
        .await;
    let mut ids = Vec::new();
    collect_ids(&reply["data"], &mut ids);
    ids
}

fn collect_ids(value: &Json, ids: &mut Vec<String>) {
    match value {
        Json::Object(object) => {
            for (key, value) in object {
                match value {
                    Json::String(id) if key == "id" => ids.push(id.clone()),
                    other => collect_ids(other, ids),
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|item| collect_ids(item, ids)),
        _ => {}
    }
}

#[tokio::test]
async fn generated_operations_get_valid_typed_responses() {
    let seed = seed();
    // Per-client budgets and load shedding off: 1,200 requests in a row from one client would
    // exhaust a budget, and the test is about answers, not admission. The cost limit per
    // request stays, so `QUERY_TOO_COMPLEX` refusals are generated and checked too.
    let options = RouterOptions {
        budgets: BudgetOptions {
            max_query_cost: BudgetOptions::default().max_query_cost,
            ..BudgetOptions::off()
        },
        ..RouterOptions::default()
    };
    let app = TestApp::with_options(Template::Demo, &options).await;
    let model = Model::from_sdl(&graphql::sdl());
    let mut generator = Generator::new(&model, seed);
    generator.ids = demo_ids(&app).await;
    assert!(generator.ids.len() >= 10, "demo ids: {:?}", generator.ids);
    let tokens = [
        None,
        None,
        Some(token_for(Role::ProvinceStaff, "330000", None)),
        Some(token_for(Role::CountyStaff, "330212", None)),
        Some(token_for(Role::Integrator, "330000", None)),
        Some(token_for(Role::Member, "330100", Some(1))),
    ];

    let mut failures = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut codes = std::collections::BTreeMap::<String, usize>::new();
    for index in 0..OPERATIONS {
        let case = case(&mut generator, index, &tokens);
        let router = app.router.clone();
        let request = case.request();
        // A panic in a handler surfaces here as a failed join instead of ending the test.
        let outcome = tokio::spawn(async move {
            let response = router.oneshot(request).await.expect("the router answers");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = response
                .into_body()
                .collect()
                .await
                .expect("a body")
                .to_bytes();
            (status, content_type, body)
        })
        .await;
        let problem = match outcome {
            Err(panic) => Some(format!("panicked: {panic}")),
            Ok((status, content_type, body)) => {
                *statuses.entry(status).or_default() += 1;
                check(&case, status, &content_type, &body, &mut codes)
                    .err()
                    .map(|problem| {
                        format!("{problem}\n    body: {}", String::from_utf8_lossy(&body))
                    })
            }
        };
        if let Some(problem) = problem {
            failures.push(format!("#{index} {}\n    {problem}", case.description));
        }
    }
    eprintln!("fuzz seed {seed}: statuses {statuses:?}, codes {codes:?}");
    assert!(
        failures.is_empty(),
        "fuzz seed {seed} (replay with XIESHANG_FUZZ_SEED={seed}): {} of {OPERATIONS} failed \
         (statuses {statuses:?}, codes {codes:?}):\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The generator must reach past the front door: plenty executed, plenty refused, and each
    // kind of request error seen.
    for code in [
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_REQUEST",
    ] {
        assert!(
            codes.contains_key(code),
            "seed {seed}: no {code} in {codes:?}"
        );
    }
    assert!(
        statuses.get(&200).copied().unwrap_or(0) > OPERATIONS / 4,
        "seed {seed}: {statuses:?}"
    );
    assert!(
        statuses.get(&400).copied().unwrap_or(0) > OPERATIONS / 20,
        "seed {seed}: {statuses:?}"
    );
}

/// Defects the generator found, pinned so they stay fixed whatever the seed.
#[tokio::test]
async fn regressions_found_by_the_generator() {
    let app = TestApp::new(Template::Demo).await;
    let staff = token_for(Role::ProvinceStaff, "330000", None);

    // U+0000 in a search term made PostgreSQL fail the statement: INTERNAL.
    let reply = app
        .graphql_as(
            &staff,
            r#"{ members(filter: { search: "a\u0000" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.json()["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    let reply = app
        .graphql_as(
            &staff,
            "query($s: String) { consultations(filter: { search: $s }) { totalCount } }",
            json!({ "s": "\u{0}" }),
        )
        .await;
    assert_eq!(
        reply.json()["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    // Nested huge pages overflowed the page cost (a panic in debug builds, a wrap in release).
    let reply = app
        .graphql_as(
            &staff,
            "{ consultations(last: 2147483647) { nodes { suggestions(last: 2147483647) { \
             totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.json()["errors"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
}
