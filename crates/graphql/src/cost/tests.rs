//! Prices of the pages frontends build, of the requests the model must refuse, and of the
//! same selection through an interface and through its concrete type.

use async_graphql::Variables;

use super::*;

fn price(query: &str) -> u64 {
    price_with(query, serde_json::json!({}))
}

fn price_with(query: &str, variables: serde_json::Value) -> u64 {
    let document = async_graphql::parser::parse_query(query).expect("a query that parses");
    CostModel::get().price(&document, None, &Variables::from_json(variables))
}

/// The headline query of `tests/read_api.rs`.
const HEADLINE: &str = r#"{
  province(code: "330000") { name cities { name counties { name
    lounges(first: 20) { totalCount nodes { name members(first: 10) { totalCount nodes { name } } } }
    consultations(first: 10) { nodes { title suggestions(first: 10) { nodes { content } } } }
  } } }
}"#;

const LOUNGE_PAGE: &str = r#"{
  lounges(first: 40) { nodes { name region { name }
    members(first: 10) { nodes { name } }
    activities(last: 5) { nodes { title startsAt } } } }
}"#;

const CONSULTATION_PAGE: &str = r#"{
  consultations(first: 100) { nodes { title lounge { name } region { code name }
    suggestions(first: 10) { nodes { content proposer { name member { name } } } } } }
}"#;

#[test]
fn the_schema_parses_into_the_type_table() {
    let model = CostModel::get();
    assert!(model.types.is_composite("Region"));
    assert!(
        model
            .types
            .field("Province", "cities")
            .is_some_and(|ty| ty.list)
    );
}

#[test]
fn the_pages_frontends_build_fit_one_request() {
    for (name, query, expected) in [
        ("headline", HEADLINE, 161_302),
        ("lounges", LOUNGE_PAGE, 761),
        ("consultations", CONSULTATION_PAGE, 3_401),
    ] {
        let cost = price(query);
        assert_eq!(cost, expected, "{name}");
        assert!(cost <= MAX_QUERY_COST, "{name} costs {cost}");
    }
}

#[test]
fn ten_headlines_and_300_province_statistics_do_not() {
    let body = &HEADLINE.trim()[1..HEADLINE.trim().len() - 1];
    let ten: String = (0..10).map(|n| format!("p{n}: {body}\n")).collect();
    assert!(price(&format!("{{ {ten} }}")) > MAX_QUERY_COST);

    let statistics: String = (0..300)
        .map(|n| {
            format!(
                "s{n}: statistics(regionCode: \"330000\", year: {}) {{ totals {{ consultations }} }}\n",
                1949 + n
            )
        })
        .collect();
    let cost = price(&format!("{{ {statistics} }}"));
    assert!(cost > MAX_QUERY_COST, "300 statistics cost {cost}");
    // One province's statistics for one year: its scan (15,000), 10 per region-year for
    // itself and its 21 cities, and its row.
    assert_eq!(
        price(r#"{ statistics(regionCode: "330000", year: 2024) { year } }"#),
        15_221
    );
    assert_eq!(
        price(r#"{ statistics(regionCode: "330212", year: 2024) { year } }"#),
        1_011
    );
}

#[test]
fn statistics_of_sibling_regions_pay_their_scan_once() {
    // The loader runs the same statements for one city as for all of them.
    let one = price(r#"{ region(code: "330200") { statistics(year: 2020) { year } } }"#);
    let all =
        price(r#"{ province(code: "330000") { cities { statistics(year: 2020) { year } } } }"#);
    assert_eq!(one, 1 + 3_000 + 10 * 21 + 1);
    assert_eq!(all, 1 + 3_000 + 21 * (1 + 10 * 21 + 1));
    // The national view of tests/statistics.rs: two levels, each scanned once.
    let national = price(
        "{ provinces { statistics(year: 2020) { totals { activeLounges } children { region { \
         statistics(year: 2020) { totals { activeLounges } } } } } } }",
    );
    assert!(national <= MAX_QUERY_COST, "{national}");
    // Each alias is a statement set of its own.
    let two = price(
        r#"{ a: statistics(regionCode: "330000", year: 2020) { year }
             b: statistics(regionCode: "330000", year: 2021) { year } }"#,
    );
    assert_eq!(two, 2 * 15_221);
}

#[test]
fn a_selection_costs_the_same_through_an_interface() {
    let selection = r#"{ name lounges(first: 100) { nodes { name members(first: 10) { nodes { name } } } }
        statistics(year: 2024) { children { region { name } } } }"#;
    let concrete = price(&format!("{{ province(code: \"330000\") {selection} }}"));
    let interface = price(&format!("{{ region(code: \"330000\") {selection} }}"));
    let fragment = price(&format!(
        "{{ node(id: \"x\") {{ ... on Province {selection} }} }}"
    ));
    assert_eq!(concrete, interface);
    assert_eq!(concrete, fragment);
    // The connection is multiplied through the interface too (async-graphql's complexity is not).
    assert!(interface > 100 * 10, "{interface}");
    // Fields that exist on the concrete type only are priced the same through a fragment.
    let cities = "{ cities { counties { lounges(first: 50) { totalCount } } } }";
    assert_eq!(
        price(&format!("{{ province(code: \"330000\") {cities} }}")),
        price(&format!(
            "{{ region(code: \"330000\") {{ ... on Province {cities} }} }}"
        ))
    );
}

#[test]
fn variables_and_lists_are_priced_by_their_values() {
    let query = "query($n: Int) { lounges(first: $n) { nodes { name } } }";
    assert_eq!(price_with(query, serde_json::json!({ "n": 100 })), 101);
    assert_eq!(price_with(query, serde_json::json!({})), 21);
    let with_default = "query($n: Int = 50) { lounges(first: $n) { nodes { name } } }";
    assert_eq!(price_with(with_default, serde_json::json!({})), 51);
    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    assert_eq!(
        price_with(nodes, serde_json::json!({ "ids": ["a", "b", "c"] })),
        3
    );
    assert_eq!(price("{ provinces { cities { name } } }"), 34 * (1 + 21));
}

#[test]
fn nested_huge_pages_saturate_and_never_wrap() {
    let huge = r#"{ lounges(first: 1073741824) { nodes { members(first: 1073741824) { nodes {
        consultations(first: 1073741824) { nodes { suggestions(first: 1073741824) { nodes {
        consultation { lounge { members(first: 1073741824) { totalCount }
        } } } } } } } } } } }"#;
    assert_eq!(price(huge), COST_CEILING);
    let mut aliased = String::from("{");
    for n in 0..200 {
        aliased.push_str(&format!(" a{n}: lounges(first: 2147483647) {{ nodes {{ members(first: 2147483647) {{ totalCount }} }} }}"));
    }
    aliased.push('}');
    assert_eq!(price(&aliased), COST_CEILING);
}

#[test]
fn fragment_cycles_and_fragment_bombs_end() {
    let cycle = "{ lounges { nodes { ...A } } } fragment A on Lounge { region { name } ...A }";
    assert!(price(cycle) > 0);
    // Each fragment spreads the next twice: 2^30 expansions.
    let mut bomb = String::from("{ lounges { nodes { ...F0 } } }");
    for n in 0..30 {
        bomb.push_str(&format!(
            " fragment F{n} on Lounge {{ a: region {{ name }} ...F{next} ...F{next} }}",
            next = n + 1
        ));
    }
    bomb.push_str(" fragment F30 on Lounge { name }");
    assert_eq!(price(&bomb), COST_CEILING);
}

#[test]
fn scalars_are_free_and_introspection_is_bounded() {
    assert_eq!(price("{ __typename viewer { authenticated } }"), 1);
    let introspection = price(
        "{ __schema { types { name fields { name args { name type { name ofType { name } } } type { name ofType { name ofType { name } } } } } } }",
    );
    assert!(
        introspection > 100 && introspection < 100_000,
        "{introspection}"
    );
}

#[test]
fn too_complex_carries_its_code_and_figures() {
    let error = too_complex(300_000, 200_000);
    let extensions = error.extensions.expect("extensions");
    assert_eq!(
        extensions.get("code"),
        Some(&async_graphql::Value::from("QUERY_TOO_COMPLEX"))
    );
    assert!(error.message.contains("too complex"));
}
