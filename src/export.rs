//! `GET /export/statistics.csv` and `GET /export/statistics.xlsx`: the statistics of one region
//! in one year (`?region=330000&year=2020`) as a spreadsheet, one row per child region (its
//! subtree), one for the region's own committee (本级) and a totals row (合计), which alone also
//! fills the quota columns (县级政协数, 达到协商指标的县级政协, 达到活动指标的客厅).
//!
//! The figures are those of `statistics(regionCode:, year:)` (the same [`statistics::compute`]
//! and quotas). Public like that query: anonymous requests are answered, a present
//! `Authorization` header that does not authenticate is 401 `UNAUTHENTICATED`. Bad parameters
//! are 400 with a plain-text message.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{
    Extension,
    extract::{ConnectInfo, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    DomainError,
    regions::{self, Region},
    statistics::{self, Figures, RegionStatistics},
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::{
    app::{AppState, PublicSubmissions},
    auth,
    client::client_address,
    http::budget::{Admission, Budgets, ClientKey},
};

/// What the export spends: the caller's cost budget, as `/graphql` charges it.
struct Metering {
    budgets: Arc<Budgets>,
    public: Arc<PublicSubmissions>,
    peer: Option<std::net::IpAddr>,
}

impl Metering {
    fn new(
        budgets: Arc<Budgets>,
        public: Arc<PublicSubmissions>,
        peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    ) -> Self {
        Self {
            budgets,
            public,
            peer: peer.map(|Extension(ConnectInfo(address))| address.ip()),
        }
    }

    /// Prices the export as the `statistics` field it equals and charges the caller's budget,
    /// with an execution slot; refusals are 429 or 503 with `Retry-After`, as on `/graphql`.
    async fn admit(
        &self,
        actor: &domain::Actor,
        headers: &axum::http::HeaderMap,
        region: &Region,
        year: i32,
    ) -> Result<Admission, Response> {
        let client = client_address(self.peer, headers, &self.public.trusted_proxies);
        let key = ClientKey::of(Some(actor), client);
        let document = format!(
            "{{ statistics(regionCode: {:?}, year: {year}) {{ __typename }} }}",
            region.code
        );
        let mut request = async_graphql::Request::new(document);
        self.budgets
            .admit(&key, &mut request)
            .await
            .map_err(|refusal| {
                refusal.into_response(|response| {
                    let body = serde_json::to_string(&response).unwrap_or_default();
                    (
                        StatusCode::BAD_REQUEST,
                        [(header::CONTENT_TYPE, "application/json")],
                        body,
                    )
                        .into_response()
                })
            })
    }
}

/// The column headers, in order.
pub const HEADERS: [&str; 24] = [
    "地区代码",
    "地区",
    "范围(合计/本级/下级)",
    "协商-重点(MAIN)已举行",
    "协商-微协商已举行",
    "党政点题",
    "委员荐题",
    "社会征题",
    "活跃委员会客厅",
    "牵头委员",
    "团队成员",
    "计划活动",
    "灵活活动",
    "建议数",
    "采纳数",
    "落实数",
    "采纳率",
    "落实率",
    "社情民意报送",
    "社情民意批示",
    "参与委员",
    "县级政协数",
    "达到协商指标的县级政协",
    "达到活动指标的客厅",
];

/// One cell of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// A ratio in 0..=1, written with four decimals in CSV and as a percentage in XLSX.
    Rate(f64),
    Empty,
}

/// The rows of the export, header excluded: children in code order, then 本级, then 合计.
pub fn rows(region: &Region, stats: &RegionStatistics) -> Vec<Vec<Cell>> {
    let mut out: Vec<Vec<Cell>> = stats
        .children
        .iter()
        .map(|(child, figures)| row(child, "下级", figures, None))
        .collect();
    out.push(row(region, "本级", &stats.own, None));
    out.push(row(region, "合计", &stats.totals, Some(&stats.quota)));
    out
}

fn row(
    region: &Region,
    scope: &str,
    f: &Figures,
    quota: Option<&statistics::QuotaCompliance>,
) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Text(region.code.clone()),
        Cell::Text(region.name.clone()),
        Cell::Text(scope.to_owned()),
    ];
    let counts = |values: &[i64]| values.iter().map(|&v| Cell::Count(v)).collect::<Vec<_>>();
    cells.extend(counts(&[
        f.main_consultations_held,
        f.micro_consultations_held,
        f.topic_party_government,
        f.topic_member,
        f.topic_public,
        f.active_lounges,
        f.lead_members,
        f.team_members,
        f.planned_activities,
        f.flexible_activities,
        f.suggestions_made,
        f.suggestions_accepted,
        f.suggestions_implemented,
    ]));
    cells.push(Cell::Rate(f.acceptance_rate()));
    cells.push(Cell::Rate(f.implementation_rate()));
    cells.extend(counts(&[
        f.reports_submitted,
        f.reports_acknowledged,
        f.participating_members,
    ]));
    match quota {
        Some(q) => cells.extend(counts(&[
            q.county_committees,
            q.county_committees_meeting_consultation_quota,
            q.lounges_meeting_activity_quota,
        ])),
        None => cells.extend([Cell::Empty, Cell::Empty, Cell::Empty]),
    }
    cells
}

/// The CSV: UTF-8 with a byte-order mark (so that Excel reads it as UTF-8), CRLF line ends,
/// fields quoted per RFC 4180 when they hold a comma, quote or line break, and text cells
/// neutralised against formula injection ([`neutralise`]).
pub fn csv(rows: &[Vec<Cell>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Text(text) => neutralise(text).into_owned(),
                    Cell::Count(value) => value.to_string(),
                    Cell::Rate(value) => format!("{value:.4}"),
                    Cell::Empty => String::new(),
                })
                .collect()
        })
        .collect();
    write_csv(&HEADERS, &rows)
}

/// A CSV of text cells under `headers`, every cell neutralised against formula injection
/// ([`neutralise`]); the audit-log export writes through it.
pub(crate) fn text_csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| neutralise(cell).into_owned())
                .collect()
        })
        .collect();
    write_csv(headers, &rows)
}

/// The CSV both exports share: a byte-order mark (so that Excel reads UTF-8), CRLF line ends
/// and RFC 4180 quoting. Cells arrive ready: neutralised where they are text.
fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = headers.iter().map(|h| quote(h)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let fields: Vec<String> = row.iter().map(|cell| quote(cell)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Characters that make a spreadsheet read a CSV cell as a formula (or a DDE call).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell that a spreadsheet will not run: one that begins with a formula trigger gets a
/// leading `'` (OWASP's advice for CSV injection), which spreadsheets show as text. Region names
/// are staff-entered today, but names are free text and the export is public.
fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_TRIGGERS) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// The workbook: one sheet, a bold header row, counts as numbers, rates as percentages. Text
/// is always written as a string cell (`write_string`), never as a formula, whatever it begins
/// with.
pub fn xlsx(rows: &[Vec<Cell>], sheet_name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.00%");
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    for (col, header) in (0u16..).zip(HEADERS) {
        sheet.write_string_with_format(0, col, header, &bold)?;
    }
    for (r, row) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Text(text) => sheet.write_string(r, col, text)?,
                Cell::Count(value) => sheet.write_number(r, col, *value as f64)?,
                Cell::Rate(value) => sheet.write_number_with_format(r, col, *value, &percent)?,
                Cell::Empty => continue,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

/// `GET /export/statistics.csv`.
pub(crate) async fn statistics_csv(
    State(state): State<AppState>,
    Extension(budgets): Extension<Arc<Budgets>>,
    Extension(public): Extension<Arc<PublicSubmissions>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let metering = Metering::new(budgets, public, peer);
    match load(&state, &metering, &headers, &params).await {
        Ok((region, stats)) => {
            let body = csv(&rows(&region, &stats));
            let name = format!("statistics-{}-{}.csv", region.code, stats.year);
            attachment("text/csv; charset=utf-8", &name, body.into_bytes())
        }
        Err(response) => response,
    }
}

/// `GET /export/statistics.xlsx`.
pub(crate) async fn statistics_xlsx(
    State(state): State<AppState>,
    Extension(budgets): Extension<Arc<Budgets>>,
    Extension(public): Extension<Arc<PublicSubmissions>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let metering = Metering::new(budgets, public, peer);
    let (region, stats) = match load(&state, &metering, &headers, &params).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let sheet_name = format!("{}-{}", region.code, stats.year);
    match xlsx(&rows(&region, &stats), &sheet_name) {
        Ok(bytes) => attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("statistics-{}-{}.xlsx", region.code, stats.year),
            bytes,
        ),
        Err(error) => {
            tracing::error!(%error, "statistics export: workbook");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

pub(crate) fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// Authenticates (anonymous allowed), checks the parameters, charges the caller's budget and
/// computes the statistics.
async fn load(
    state: &AppState,
    metering: &Metering,
    headers: &axum::http::HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(Region, RegionStatistics), Response> {
    let actor = auth::actor(state.db(), state.verifier(), headers).await;
    let actor = match actor {
        Ok(actor) => actor,
        Err(error) => return Err(refused_actor(error)),
    };
    let code = params
        .get("region")
        .ok_or_else(|| bad_request("missing `region` (a region code, e.g. 330000)"))?;
    let year: i32 = params
        .get("year")
        .ok_or_else(|| bad_request("missing `year` (e.g. 2020)"))?
        .trim()
        .parse()
        .map_err(|_| bad_request("`year` is not a year (e.g. 2020)"))?;
    if let Err(error) = statistics::check_years(year, year) {
        return Err(bad_request(&format!("`year`: {}", message(&error))));
    }
    let region = match regions::by_code(state.db(), code).await {
        Ok(Some(region)) => region,
        Ok(None) => return Err(bad_request(&format!("unknown region {code:?}"))),
        Err(error @ DomainError::Invalid { .. }) => {
            return Err(bad_request(&format!("`region`: {}", message(&error))));
        }
        Err(error) => return Err(internal(&error.to_string())),
    };
    let _admission = metering.admit(&actor, headers, &region, year).await?;
    let mut computed = statistics::compute(state.db(), &[region.id], year, year, state.quotas())
        .await
        .map_err(|error| internal(&error.to_string()))?;
    let stats = computed
        .remove(&region.id)
        .and_then(|series| series.into_iter().next())
        .ok_or_else(|| internal("no statistics computed"))?;
    record_export(state, metering, headers, &actor, &region, year).await?;
    Ok((region, stats))
}

/// An authenticated caller's export leaves an audit row (`exportStatistics`). Anonymous
/// exports are not recorded: the figures are public, and recording them would let anyone
/// flood the log.
async fn record_export(
    state: &AppState,
    metering: &Metering,
    headers: &axum::http::HeaderMap,
    actor: &domain::Actor,
    region: &Region,
    year: i32,
) -> Result<(), Response> {
    if actor.principal().is_none() {
        return Ok(());
    }
    let client = client_address(metering.peer, headers, &metering.public.trusted_proxies);
    let scope = domain::audit::Scope::new(
        "exportStatistics",
        domain::audit::ActorInfo::of(actor),
        crate::app::request_info(headers, client),
        serde_json::json!({ "regionCode": region.code, "year": year }),
        Vec::new(),
    );
    domain::audit::finish(state.db(), &scope, None)
        .await
        .map_err(|error| internal(&error.to_string()))
}

/// The answer to a request whose token does not authenticate: 401 with the GraphQL error.
pub(crate) fn refused_actor(error: async_graphql::ServerError) -> Response {
    let code = error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
        .map(|code| code.to_string());
    if code.as_deref() != Some("\"UNAUTHENTICATED\"") {
        return internal(&error.message);
    }
    let body = serde_json::json!({ "errors": [error] }).to_string();
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::WWW_AUTHENTICATE, "Bearer"),
        ],
        body,
    )
        .into_response()
}

fn message(error: &DomainError) -> String {
    match error {
        DomainError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

fn internal(detail: &str) -> Response {
    tracing::error!(detail, "statistics export failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::RegionLevel;

    fn region(id: i64, code: &str, name: &str) -> Region {
        Region {
            id,
            code: code.into(),
            name: name.into(),
            level: RegionLevel::City,
            parent_id: None,
        }
    }

    #[test]
    fn rows_and_csv() {
        let figures = |n: i64| Figures {
            active_lounges: n,
            suggestions_made: 4,
            suggestions_accepted: 3,
            ..Figures::default()
        };
        let stats = RegionStatistics {
            region_id: 1,
            year: 2020,
            totals: figures(3),
            own: figures(1),
            children: vec![(region(2, "330100", "杭州市, \"省会\""), figures(2))],
            quota: statistics::QuotaCompliance {
                county_committees: 5,
                county_committees_meeting_consultation_quota: 4,
                active_lounges: 3,
                lounges_meeting_activity_quota: 2,
            },
        };
        let rows = rows(&region(1, "330000", "浙江省"), &stats);
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|row| row.len() == HEADERS.len()));
        assert_eq!(rows[2][2], Cell::Text("合计".into()));
        assert_eq!(rows[2][8], Cell::Count(3));
        assert_eq!(rows[2][16], Cell::Rate(0.75));
        assert_eq!(
            rows[2][21..],
            [Cell::Count(5), Cell::Count(4), Cell::Count(2)]
        );
        assert_eq!(rows[1][21], Cell::Empty);
        let text = csv(&rows);
        assert!(text.starts_with("\u{feff}地区代码,地区,范围(合计/本级/下级),"));
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(
            lines[1].starts_with("330100,\"杭州市, \"\"省会\"\"\",下级,0,0,0,0,0,2,"),
            "{}",
            lines[1]
        );
        assert!(
            lines[3].ends_with(",0.7500,0.0000,0,0,0,5,4,2"),
            "{}",
            lines[3]
        );
        assert!(lines[2].ends_with(",0,0,0,,,"), "{}", lines[2]);
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_neutralised() {
        let dangerous = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+2",
            "-2+3",
            "@SUM(A1)",
            "\tcmd",
            "\r=1",
        ];
        let rows: Vec<Vec<Cell>> = dangerous
            .iter()
            .map(|text| vec![Cell::Text((*text).to_owned()), Cell::Count(-1)])
            .collect();
        let text = csv(&rows);
        let lines: Vec<&str> = text.split("\r\n").skip(1).collect();
        for (line, original) in lines.iter().zip(dangerous) {
            let field = line.trim_start_matches('"');
            assert!(field.starts_with('\''), "{original:?} became {line:?}");
            // Numbers are figures, not text: a negative count stays a number.
            assert!(line.ends_with(",-1"), "{line:?}");
        }
        assert_eq!(neutralise("杭州市"), "杭州市");
        assert_eq!(neutralise("a=b"), "a=b");
    }

    #[test]
    fn xlsx_text_is_never_a_formula() {
        use std::io::Read;

        let rows = vec![vec![
            Cell::Text("=1+2".into()),
            Cell::Text("@SUM(A1:A2)".into()),
            Cell::Count(3),
        ]];
        let bytes = xlsx(&rows, "t").expect("a workbook");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
        let mut read = |name: &str| {
            let mut text = String::new();
            archive
                .by_name(name)
                .expect("the part exists")
                .read_to_string(&mut text)
                .expect("readable");
            text
        };
        let sheet = read("xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{sheet}");
        let strings = read("xl/sharedStrings.xml");
        assert!(
            strings.contains("=1+2") && strings.contains("@SUM(A1:A2)"),
            "{strings}"
        );
    }
}
