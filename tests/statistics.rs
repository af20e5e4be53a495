//! Three-tier statistics through the GraphQL endpoint: the demo data's figures, statement
//! counts, totals = own + Σ children, and input errors.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use testing::Template;

const FIGURES: &str = "mainConsultationsHeld microConsultationsHeld \
    consultationsByTopicSource { partyGovernment member public } activeLounges leadMembers \
    teamMembers loungeActivities { planned flexible } \
    suggestions { made accepted implemented acceptanceRate implementationRate } \
    sentimentReports { submitted acknowledged } participatingMembers";

fn statistics_query() -> String {
    format!(
        "query($code: String!, $year: Int!) {{ statistics(regionCode: $code, year: $year) {{ \
         region {{ code }} year totals {{ {FIGURES} }} own {{ {FIGURES} }} \
         children {{ region {{ code }} figures {{ {FIGURES} }} }} \
         quota {{ countyCommittees countyCommitteesMeetingConsultationQuota activeLounges \
         loungesMeetingActivityQuota }} }} }}"
    )
}

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .expect("an error code")
}

/// The additive figures of a `StatisticsFigures` object, by path.
fn additive(figures: &Value) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for key in [
        "mainConsultationsHeld",
        "microConsultationsHeld",
        "activeLounges",
    ] {
        out.push((key.to_owned(), figures[key].as_i64().expect("a count")));
    }
    for (group, keys) in [
        (
            "consultationsByTopicSource",
            &["partyGovernment", "member", "public"][..],
        ),
        ("loungeActivities", &["planned", "flexible"][..]),
        ("suggestions", &["made", "accepted", "implemented"][..]),
        ("sentimentReports", &["submitted", "acknowledged"][..]),
    ] {
        for key in keys {
            out.push((
                format!("{group}.{key}"),
                figures[group][key].as_i64().expect("a count"),
            ));
        }
    }
    out
}

#[tokio::test]
async fn demo_figures_for_zhejiang_2020() {
    let app = TestApp::new(Template::Demo).await;
    app.statements().clear();
    let response = app
        .graphql(&statistics_query(), json!({"code": "330000", "year": 2020}))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let statements = app.statements().statements();
    let stats = &response["data"]["statistics"];
    let totals = &stats["totals"];
    assert_eq!(totals["activeLounges"], 110, "{totals}");
    assert_eq!(totals["leadMembers"], 146, "{totals}");
    assert_eq!(totals["teamMembers"], 587, "{totals}");
    let quota = &stats["quota"];
    assert_eq!(quota["countyCommittees"], 90, "{quota}");
    assert_eq!(
        quota["countyCommitteesMeetingConsultationQuota"], 90,
        "{quota}"
    );
    assert_eq!(quota["activeLounges"], 110, "{quota}");
    assert_eq!(stats["children"].as_array().expect("children").len(), 11);
    // The region, its children, then eight grouped statements.
    assert_eq!(statements.len(), 10, "{statements:#?}");
}

/// Adds up the additive figures of every child.
fn sum_of_children(children: &Value) -> Vec<(String, i64)> {
    let children = children.as_array().expect("children");
    let mut sums: Vec<(String, i64)> = additive(&children[0]["figures"])
        .into_iter()
        .map(|(key, _)| (key, 0))
        .collect();
    for child in children {
        for ((_, sum), (_, value)) in sums.iter_mut().zip(additive(&child["figures"])) {
            *sum += value;
        }
    }
    sums
}

#[tokio::test]
async fn totals_are_own_plus_the_children_on_the_demo_data() {
    let app = TestApp::new(Template::Demo).await;
    for (code, year) in [("330000", 2020), ("330000", 2019), ("330200", 2020)] {
        let response = app
            .graphql(&statistics_query(), json!({"code": code, "year": year}))
            .await;
        assert!(response.get("errors").is_none(), "{response}");
        let stats = &response["data"]["statistics"];
        let totals = additive(&stats["totals"]);
        let own = additive(&stats["own"]);
        let children = sum_of_children(&stats["children"]);
        for ((key, total), ((_, own), (_, children))) in
            totals.iter().zip(own.iter().zip(children.iter()))
        {
            if key.starts_with("loungeActivities.") {
                // A cross-lounge activity with hosts under two children counts once in the
                // totals and once in each of those children.
                assert!(*total <= own + children, "{code} {year} {key}");
            } else {
                assert_eq!(*total, own + children, "{code} {year} {key}");
            }
        }
        assert!(totals.iter().any(|(_, value)| *value > 0), "{code} {year}");
        // Distinct members are no sums, but never more than the parts together.
        for key in ["leadMembers", "teamMembers", "participatingMembers"] {
            let total = stats["totals"][key].as_i64().expect("a count");
            let parts = stats["own"][key].as_i64().expect("a count")
                + stats["children"]
                    .as_array()
                    .expect("children")
                    .iter()
                    .map(|child| child["figures"][key].as_i64().expect("a count"))
                    .sum::<i64>();
            assert!(total <= parts, "{code} {year} {key}");
        }
    }
}

#[tokio::test]
async fn a_generation_of_regions_costs_the_same_statements_as_one_region() {
    let app = TestApp::new(Template::Demo).await;
    let figures = "statistics(year: 2020) { totals { activeLounges leadMembers } \
                   children { region { code } figures { activeLounges } } quota { countyCommittees } }";
    app.statements().clear();
    let one = app
        .graphql(
            &format!("{{ region(code: \"330212\") {{ ... on County {{ {figures} }} }} }}"),
            json!({}),
        )
        .await;
    assert!(one.get("errors").is_none(), "{one}");
    let one_count = app.statements().len();
    // The region, then the children and eight grouped statements.
    assert_eq!(one_count, 1 + 9, "{:#?}", app.statements().statements());

    app.statements().clear();
    let eleven = app
        .graphql(
            &format!("{{ province(code: \"330000\") {{ cities {{ {figures} }} }} }}"),
            json!({}),
        )
        .await;
    assert!(eleven.get("errors").is_none(), "{eleven}");
    let cities = eleven["data"]["province"]["cities"]
        .as_array()
        .expect("cities");
    assert_eq!(cities.len(), 11);
    // The province, its cities, then the same nine statements for all eleven cities.
    assert_eq!(
        app.statements().len(),
        2 + 9,
        "{:#?}",
        app.statements().statements()
    );
    let lounges: i64 = cities
        .iter()
        .map(|city| {
            city["statistics"]["totals"]["activeLounges"]
                .as_i64()
                .expect("a count")
        })
        .sum();
    let province = app
        .graphql(&statistics_query(), json!({"code": "330000", "year": 2020}))
        .await;
    let province_lounges = province["data"]["statistics"]["totals"]["activeLounges"]
        .as_i64()
        .expect("a count")
        - province["data"]["statistics"]["own"]["activeLounges"]
            .as_i64()
            .expect("a count");
    assert_eq!(lounges, province_lounges);

    // provinces { statistics { children { region { statistics } } } }: two levels, nine
    // statements each, however many provinces and cities.
    app.statements().clear();
    let nested = app
        .graphql(
            "{ provinces { statistics(year: 2020) { totals { activeLounges } children { region { \
             statistics(year: 2020) { totals { activeLounges } } } } } } }",
            json!({}),
        )
        .await;
    assert!(nested.get("errors").is_none(), "{nested}");
    assert_eq!(
        app.statements().len(),
        1 + 9 + 9,
        "{:#?}",
        app.statements().statements()
    );
}

#[tokio::test]
async fn a_series_costs_the_same_statements_as_one_year() {
    let app = TestApp::new(Template::Demo).await;
    app.statements().clear();
    let response = app
        .graphql(
            "{ statisticsSeries(regionCode: \"330000\", fromYear: 2018, toYear: 2020) { year \
             totals { activeLounges mainConsultationsHeld } quota { countyCommittees \
             countyCommitteesMeetingConsultationQuota } } }",
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(app.statements().len(), 1 + 9);
    let series = response["data"]["statisticsSeries"]
        .as_array()
        .expect("a series");
    let years: Vec<i64> = series
        .iter()
        .map(|stats| stats["year"].as_i64().expect("a year"))
        .collect();
    assert_eq!(years, [2018, 2019, 2020]);
    assert_eq!(series[2]["totals"]["activeLounges"], 110);
    // 6+X for 2019–2020 in the demo data.
    for stats in &series[1..] {
        assert_eq!(
            stats["quota"]["countyCommitteesMeetingConsultationQuota"],
            stats["quota"]["countyCommittees"]
        );
    }
    let single = app
        .graphql(&statistics_query(), json!({"code": "330000", "year": 2019}))
        .await;
    assert_eq!(
        single["data"]["statistics"]["totals"]["mainConsultationsHeld"],
        series[1]["totals"]["mainConsultationsHeld"]
    );
}

#[tokio::test]
async fn bad_years_and_regions_are_bad_user_input() {
    let app = TestApp::new(Template::Demo).await;
    let query = "query($code: String!, $year: Int!) { statistics(regionCode: $code, year: $year) { year } }";
    for (code_, year) in [
        ("330000", 1800),
        ("330000", 10_000),
        ("999999", 2020),
        ("not a code", 2020),
    ] {
        let response = app
            .graphql(query, json!({"code": code_, "year": year}))
            .await;
        assert_eq!(
            code(&response),
            "BAD_USER_INPUT",
            "{code_} {year}: {response}"
        );
    }
    let backwards = app
        .graphql(
            "{ statisticsSeries(regionCode: \"330000\", fromYear: 2020, toYear: 2019) { year } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&backwards), "BAD_USER_INPUT", "{backwards}");
    let too_long = app
        .graphql(
            "{ statisticsSeries(regionCode: \"330000\", fromYear: 1950, toYear: 2020) { year } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&too_long), "BAD_USER_INPUT", "{too_long}");
    let nested = app
        .graphql(
            "{ province(code: \"330000\") { statistics(year: 20200) { year } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&nested), "BAD_USER_INPUT", "{nested}");
}
