//! `xieshang bench`: the statistics benchmark. For four views (every province, the largest
//! province, a city and a county of it) it measures
//!
//! * **(a) the service**: a `POST /graphql` through the production [`router`] in-process
//!   (`tower::ServiceExt::oneshot`), so HTTP and GraphQL parsing, validation, execution and JSON
//!   serialization are all inside the timing, the socket is not; and
//! * **(b) the floor**: [`domain::statistics::compute`] for the same regions and year, i.e. the
//!   very grouped SQL statements the resolver runs, executed directly through the domain layer
//!   with the region ids resolved beforehand (outside the timing),
//!
//! and reports the median and p95 of each, the ratio a/b and the overhead a−b. Before timing,
//! the figures of (a) are checked against those of (b), so both produce the same numbers.
//!
//! A module of the `xieshang` binary (declared in `src/main.rs`), not of the library: the
//! service never runs it, so it stays out of the library's module tree. `tests/bench_smoke.rs`
//! runs it through the real command.

use std::{collections::HashMap, fmt::Write as _, io::Write as _, time::Instant};

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode, header},
};
use domain::{
    Db, Engine,
    regions::Region,
    statistics::{self, Figures, Quotas},
};
use entity::{enums::RegionLevel, region};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tower::ServiceExt;

use xieshang::{
    app::{AppState, RouterOptions, router},
    auth::Secret,
    commands::connect,
    config::DatabaseConfig,
    http::budget::BudgetOptions,
};

/// Untimed runs of each engine and view before the timed ones.
pub const WARM_UPS: usize = 2;

/// What to measure.
#[derive(Clone, Copy, Debug)]
pub struct BenchOptions {
    /// Timed runs per engine (router, floor) and view.
    pub runs: usize,
    /// The statistics year.
    pub year: i32,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            runs: 20,
            year: 2020,
        }
    }
}

/// Latency figures of one series of runs, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latency {
    /// The median.
    pub median_ms: f64,
    /// The 95th percentile (nearest rank).
    pub p95_ms: f64,
    /// The fastest run.
    pub min_ms: f64,
}

impl Latency {
    /// Summarises durations in milliseconds; `None` when there are none.
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let count = sorted.len();
        let first = *sorted.first()?;
        let median = if count % 2 == 1 {
            sorted[count / 2]
        } else {
            (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0
        };
        // Nearest rank: the smallest value with at least 95 % of the samples at or below it.
        let rank = (count * 95).div_ceil(100).max(1);
        Some(Self {
            median_ms: median,
            p95_ms: sorted[rank - 1],
            min_ms: first,
        })
    }
}

/// The measurements of one view.
#[derive(Clone, Debug)]
pub struct ViewReport {
    /// `national`, `province`, `city` or `county`.
    pub view: &'static str,
    /// What the view covers, e.g. `330000 浙江省` or `34 provinces`.
    pub subject: String,
    /// (a) through the production router.
    pub router: Latency,
    /// (b) the same grouped statements through the domain layer.
    pub floor: Latency,
}

impl ViewReport {
    /// Median of (a) over median of (b).
    pub fn ratio(&self) -> f64 {
        if self.floor.median_ms > 0.0 {
            self.router.median_ms / self.floor.median_ms
        } else {
            f64::INFINITY
        }
    }

    /// Median of (a) minus median of (b), in milliseconds.
    pub fn overhead_ms(&self) -> f64 {
        self.router.median_ms - self.floor.median_ms
    }
}

/// Everything one `xieshang bench` measured.
#[derive(Clone, Debug)]
pub struct BenchReport {
    /// The engine of the configured database.
    pub engine: Engine,
    /// The statistics year.
    pub year: i32,
    /// Timed runs per engine and view.
    pub runs: usize,
    /// The four views, in the order national, province, city, county.
    pub views: Vec<ViewReport>,
}

/// The figures the benchmark asks for, as a GraphQL selection.
const TOTALS: &str = "totals { mainConsultationsHeld microConsultationsHeld activeLounges \
    leadMembers teamMembers suggestions { made accepted implemented } }";

/// One view: its GraphQL query, and the region ids [`statistics::compute`] is called with.
struct View {
    name: &'static str,
    subject: String,
    query: String,
    region_ids: Vec<i64>,
    /// Region codes by id, to match (a)'s figures to (b)'s.
    codes: HashMap<i64, String>,
}

/// `xieshang bench`: measures statistics through the router and directly, prints a table.
pub async fn command(config: &DatabaseConfig, options: BenchOptions) -> anyhow::Result<()> {
    let db = connect(config).await?;
    let report = run(&db, options).await;
    db.close().await;
    std::io::stdout().write_all(render(&report?).as_bytes())?;
    Ok(())
}

/// Runs the benchmark against `db`, which should hold the national data set (any data set
/// works; the views are chosen from the regions present).
pub async fn run(db: &Db, options: BenchOptions) -> anyhow::Result<BenchReport> {
    anyhow::ensure!(options.runs >= 1, "--runs must be at least 1");
    statistics::check_years(options.year, options.year)
        .map_err(|error| anyhow::anyhow!("--year {}: {error}", options.year))?;
    let views = choose_views(db, options.year).await?;
    // The secret only verifies bearer tokens; the benchmark's requests are anonymous
    // (statistics are public), so any key of the minimum length does.
    let state = AppState::new(db.clone(), Secret::new(vec![0x5a_u8; 32]));
    // It measures the service, not the client budgets it would run into after a few runs.
    let app = router(
        state,
        &RouterOptions {
            budgets: BudgetOptions::off(),
            ..RouterOptions::default()
        },
    );
    let mut reports = Vec::with_capacity(views.len());
    for view in &views {
        let body = serde_json::to_vec(&json!({ "query": view.query }))?;
        // Warm-ups, the first of which checks that (a) and (b) agree.
        for warm_up in 0..WARM_UPS {
            let reply = graphql(&app, &body).await?;
            let computed =
                statistics::compute(db, &view.region_ids, options.year, options.year, quotas())
                    .await?;
            if warm_up == 0 {
                check_same_figures(view, &reply, &computed, options.year)?;
            }
        }
        let mut router_ms = Vec::with_capacity(options.runs);
        let mut floor_ms = Vec::with_capacity(options.runs);
        // Alternate (a) and (b) so that drift (caches, other load) hits both alike.
        for _ in 0..options.runs {
            let started = Instant::now();
            let reply = graphql(&app, &body).await?;
            router_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(reply);

            let started = Instant::now();
            let computed =
                statistics::compute(db, &view.region_ids, options.year, options.year, quotas())
                    .await?;
            floor_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(computed);
        }
        reports.push(ViewReport {
            view: view.name,
            subject: view.subject.clone(),
            router: Latency::of(&router_ms).ok_or_else(|| anyhow::anyhow!("no runs"))?,
            floor: Latency::of(&floor_ms).ok_or_else(|| anyhow::anyhow!("no runs"))?,
        });
    }
    Ok(BenchReport {
        engine: db.engine(),
        year: options.year,
        runs: options.runs,
        views: reports,
    })
}

/// The quotas the router's [`AppState::new`] uses.
fn quotas() -> Quotas {
    Quotas::default()
}

/// `POST /graphql` with `body`, read whole; an error unless 200 without GraphQL errors.
async fn graphql(app: &Router, body: &[u8]) -> anyhow::Result<axum::body::Bytes> {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/graphql-response+json")
        .body(Body::from(body.to_vec()))?;
    let response = app.clone().oneshot(request).await?;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "POST /graphql answered {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    Ok(bytes)
}

/// Picks the four views: every province; the province with the most county-level regions;
/// its city with the most counties; that city's county with the most suggestions made in
/// `year` (ties: the lower code).
async fn choose_views(db: &Db, year: i32) -> anyhow::Result<Vec<View>> {
    let regions = region::Entity::find().all(db.reader()).await?;
    let by_id: HashMap<i64, &Region> = regions.iter().map(|row| (row.id, row)).collect();
    let mut provinces: Vec<&Region> = regions
        .iter()
        .filter(|row| row.level == RegionLevel::Province)
        .collect();
    provinces.sort_by(|a, b| a.code.cmp(&b.code));
    anyhow::ensure!(
        !provinces.is_empty(),
        "the database holds no regions; seed it first, e.g. `xieshang seed --divisions china \
         --scale national --fraction 0.25 --reset`"
    );
    // County-level regions under each province and under each city.
    let mut counties_under: HashMap<i64, usize> = HashMap::new();
    for county in regions
        .iter()
        .filter(|row| row.level == RegionLevel::County)
    {
        let mut ancestor = county.parent_id;
        while let Some(id) = ancestor {
            *counties_under.entry(id).or_default() += 1;
            ancestor = by_id.get(&id).and_then(|row| row.parent_id);
        }
    }
    let most_counties = |candidates: &mut dyn Iterator<Item = &Region>| -> Option<Region> {
        candidates
            .max_by(|a, b| {
                let count = |row: &Region| counties_under.get(&row.id).copied().unwrap_or(0);
                count(a).cmp(&count(b)).then_with(|| b.code.cmp(&a.code))
            })
            .cloned()
    };
    let province = most_counties(&mut provinces.iter().copied())
        .ok_or_else(|| anyhow::anyhow!("no province"))?;
    let city = most_counties(
        &mut regions
            .iter()
            .filter(|row| row.parent_id == Some(province.id) && row.level == RegionLevel::City),
    )
    .ok_or_else(|| anyhow::anyhow!("province {} has no city", province.code))?;
    let city_statistics = statistics::compute(db, &[city.id], year, year, quotas()).await?;
    let county = city_statistics
        .get(&city.id)
        .and_then(|series| series.first())
        .and_then(|stats| {
            stats
                .children
                .iter()
                .filter(|(child, _)| child.level == RegionLevel::County)
                .max_by(|(a, fa), (b, fb)| {
                    fa.suggestions_made
                        .cmp(&fb.suggestions_made)
                        .then_with(|| b.code.cmp(&a.code))
                })
                .map(|(child, _)| child.clone())
        })
        .ok_or_else(|| anyhow::anyhow!("city {} has no county", city.code))?;

    let codes: HashMap<i64, String> = regions
        .iter()
        .map(|row| (row.id, row.code.clone()))
        .collect();
    let mut views = vec![View {
        name: "national",
        subject: format!("{} provinces", provinces.len()),
        query: format!("{{ provinces {{ code name statistics(year: {year}) {{ {TOTALS} }} }} }}"),
        region_ids: provinces.iter().map(|row| row.id).collect(),
        codes: codes.clone(),
    }];
    for (name, row) in [
        ("province", &province),
        ("city", &city),
        ("county", &county),
    ] {
        views.push(View {
            name,
            subject: format!("{} {}", row.code, row.name),
            query: format!(
                "{{ statistics(regionCode: \"{}\", year: {year}) {{ region {{ code name }} \
                 {TOTALS} }} }}",
                row.code
            ),
            region_ids: vec![row.id],
            codes: codes.clone(),
        });
    }
    Ok(views)
}

/// The figures the query asks for, in the order of [`TOTALS`].
fn selected(figures: &Figures) -> [i64; 8] {
    [
        figures.main_consultations_held,
        figures.micro_consultations_held,
        figures.active_lounges,
        figures.lead_members,
        figures.team_members,
        figures.suggestions_made,
        figures.suggestions_accepted,
        figures.suggestions_implemented,
    ]
}

fn selected_json(totals: &Value) -> Option<[i64; 8]> {
    let int = |value: &Value| value.as_i64();
    Some([
        int(&totals["mainConsultationsHeld"])?,
        int(&totals["microConsultationsHeld"])?,
        int(&totals["activeLounges"])?,
        int(&totals["leadMembers"])?,
        int(&totals["teamMembers"])?,
        int(&totals["suggestions"]["made"])?,
        int(&totals["suggestions"]["accepted"])?,
        int(&totals["suggestions"]["implemented"])?,
    ])
}

/// Checks that the router's reply carries exactly the figures `compute` returned.
fn check_same_figures(
    view: &View,
    reply: &[u8],
    computed: &HashMap<i64, Vec<statistics::RegionStatistics>>,
    year: i32,
) -> anyhow::Result<()> {
    let reply: Value = serde_json::from_slice(reply)?;
    anyhow::ensure!(
        reply.get("errors").is_none(),
        "{} view: GraphQL errors: {}",
        view.name,
        reply["errors"]
    );
    // (code, totals) pairs as the router answered them.
    let answered: Vec<(String, &Value)> = if view.name == "national" {
        reply["data"]["provinces"]
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("national view: no provinces in {reply}"))?
            .iter()
            .map(|province| {
                (
                    province["code"].as_str().unwrap_or_default().to_owned(),
                    &province["statistics"]["totals"],
                )
            })
            .collect()
    } else {
        let stats = &reply["data"]["statistics"];
        vec![(
            stats["region"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            &stats["totals"],
        )]
    };
    anyhow::ensure!(
        answered.len() == view.region_ids.len(),
        "{} view: the router answered {} regions, compute {}",
        view.name,
        answered.len(),
        view.region_ids.len()
    );
    for (id, (code, totals)) in view.region_ids.iter().zip(&answered) {
        let expected_code = view.codes.get(id).map(String::as_str).unwrap_or_default();
        anyhow::ensure!(
            code == expected_code,
            "{} view: region {code} answered where {expected_code} was expected",
            view.name
        );
        let stats = computed
            .get(id)
            .and_then(|series| series.iter().find(|stats| stats.year == year))
            .ok_or_else(|| anyhow::anyhow!("compute returned nothing for region {code}"))?;
        let from_router = selected_json(totals)
            .ok_or_else(|| anyhow::anyhow!("{} view: incomplete figures {totals}", view.name))?;
        anyhow::ensure!(
            from_router == selected(&stats.totals),
            "{} view, region {code}: the router answered {from_router:?}, compute {:?}",
            view.name,
            selected(&stats.totals)
        );
    }
    Ok(())
}

/// The report as a text table, one row per view.
pub fn render(report: &BenchReport) -> String {
    let engine = match report.engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "statistics benchmark: engine {engine}, year {}, {} timed runs per path and view after \
         {WARM_UPS} warm-ups",
        report.year, report.runs
    );
    let _ = writeln!(
        out,
        "(a) POST /graphql through the production router in-process; (b) floor: \
         domain::statistics::compute (the same grouped SQL statements); times in ms"
    );
    let _ = writeln!(
        out,
        "{:<8} {:<9} {:<22} {:>10} {:>10} {:>10} {:>10} {:>8} {:>10}",
        "engine", "view", "subject", "a median", "a p95", "b median", "b p95", "a/b", "a-b ms"
    );
    for view in &report.views {
        let _ = writeln!(
            out,
            "{:<8} {:<9} {:<22} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>8.3} {:>10.2}",
            engine,
            view.view,
            view.subject,
            view.router.median_ms,
            view.router.p95_ms,
            view.floor.median_ms,
            view.floor.p95_ms,
            view.ratio(),
            view.overhead_ms()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Latency;

    #[test]
    fn latency_summary() {
        let samples: Vec<f64> = (1..=20).map(f64::from).collect();
        let latency = Latency::of(&samples).expect("samples");
        assert_eq!(latency.median_ms, 10.5);
        assert_eq!(latency.p95_ms, 19.0);
        assert_eq!(latency.min_ms, 1.0);
        let one = Latency::of(&[3.0]).expect("one sample");
        assert_eq!((one.median_ms, one.p95_ms), (3.0, 3.0));
        assert!(Latency::of(&[]).is_none());
    }
}
