//! The benchmark's database (fresh and demo-seeded every run, like `xieshang serve --demo` on an
//! empty database), its acting user, and the writes that produce events.

use std::{collections::HashMap, sync::Arc, time::Instant};

use anyhow::Context as _;
use domain::{
    Actor, Db, Role,
    db::{DbOptions, sqlite_url},
    events,
    write::consultations::{self, Propose},
};
use entity::enums::{ConsultationKind, TopicSource};
use sea_orm::{ConnectionTrait, Database};
use seed::{DivisionSet, NoProgress};

/// The PostgreSQL database the benchmark owns: dropped and created again on every run.
pub const BENCH_DATABASE: &str = "xieshang_bench_events";

/// The committee the benchmark's consultations are proposed to (西湖区, inside every
/// subscriber's and target's scope).
pub const REGION: &str = "330106";

/// The region of the acting staff, the targets and the subscribers: the whole province.
pub const PROVINCE: &str = "330000";

/// A connected, seeded database.
pub struct BenchDb {
    /// The handle.
    pub db: Db,
    /// Where it lives, for the report (no credentials).
    pub description: String,
    /// Keeps the SQLite file's directory until the end.
    _dir: Option<tempfile::TempDir>,
}

/// A fresh database: PostgreSQL when `DATABASE_URL` is set, else a temporary SQLite file.
pub async fn prepare() -> anyhow::Result<BenchDb> {
    let url = std::env::var("DATABASE_URL").unwrap_or_default();
    prepare_with(&url, BENCH_DATABASE, DbOptions::default()).await
}

/// A fresh database: on the PostgreSQL server of `url` (the database `name`, dropped and created
/// again), or a temporary SQLite file when `url` is empty; pools sized by `options`.
pub async fn prepare_with(url: &str, name: &str, options: DbOptions) -> anyhow::Result<BenchDb> {
    let bench = match url.trim() {
        "" => sqlite(options).await?,
        url => postgres(url, name, options).await?,
    };
    let db = &bench.db;
    db.migrate().await?;
    seed::ensure_empty(db).await?;
    seed::load_divisions(db, DivisionSet::Zhejiang, &mut NoProgress).await?;
    seed::load_demo(db, &mut NoProgress).await?;
    Ok(bench)
}

async fn sqlite(options: DbOptions) -> anyhow::Result<BenchDb> {
    let dir = tempfile::tempdir().context("a temporary directory for the SQLite file")?;
    let path = dir.path().join("bench.db");
    let db = Db::connect(&sqlite_url(&path), options).await?;
    Ok(BenchDb {
        db,
        description: format!("SQLite file {}", path.display()),
        _dir: Some(dir),
    })
}

async fn postgres(server: &str, name: &str, options: DbOptions) -> anyhow::Result<BenchDb> {
    anyhow::ensure!(
        server.starts_with("postgres://") || server.starts_with("postgresql://"),
        "DATABASE_URL must be a postgres:// URL (unset it for SQLite)"
    );
    // The database named in the URL only hosts the CREATE DATABASE; nothing in it is touched.
    let admin = match database_name(server) {
        Some(named) if !named.is_empty() && named != name => server.to_owned(),
        _ => with_database(server, "postgres")?,
    };
    let connection = Database::connect(&admin)
        .await
        .context("DATABASE_URL: cannot connect")?;
    connection
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    connection
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    connection.close().await?;
    let db = Db::connect(&with_database(server, name)?, options).await?;
    Ok(BenchDb {
        db,
        description: format!(
            "PostgreSQL database {name} at {}",
            host_of(server).unwrap_or("?")
        ),
        _dir: None,
    })
}

/// `scheme://authority` and the rest of a URL.
fn split(url: &str) -> anyhow::Result<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://").context("DATABASE_URL is not a URL")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    Ok((scheme, &rest[..end], &rest[end..]))
}

/// The database a URL names, if any.
fn database_name(url: &str) -> Option<&str> {
    let (_, _, path) = split(url).ok()?;
    let path = path.split('?').next().unwrap_or_default();
    Some(path.trim_start_matches('/'))
}

/// The same server and parameters, another database.
fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let (scheme, authority, rest) = split(url)?;
    let query = rest.split_once('?').map(|(_, query)| query);
    Ok(match query {
        Some(query) => format!("{scheme}://{authority}/{database}?{query}"),
        None => format!("{scheme}://{authority}/{database}"),
    })
}

/// `host:port` of a URL, without the user name or password.
fn host_of(url: &str) -> Option<&str> {
    let (_, authority, _) = split(url).ok()?;
    Some(authority.rsplit('@').next().unwrap_or(authority))
}

/// Province staff (330000): may propose anywhere in Zhejiang and manage targets there.
pub async fn province_staff(db: &Db) -> anyhow::Result<Actor> {
    let principal =
        domain::auth::principal(db, "bench", Role::ProvinceStaff, PROVINCE, None).await?;
    Ok(Actor::Authenticated(principal))
}

/// Proposes consultation number `index` (one outbox event, CONSULTATION_CREATED) and returns
/// its id with the clock read right after its transaction committed.
pub async fn propose(db: &Db, actor: &Actor, index: usize) -> anyhow::Result<(i64, Instant)> {
    let created = consultations::propose(
        db,
        actor,
        Propose {
            region_code: REGION.to_owned(),
            title: format!("基准测试议题 {index}"),
            topic: "社区养老服务如何覆盖到每一个老人".to_owned(),
            topic_source: TopicSource::PartyGovernment,
            kind: ConsultationKind::Main,
            organizer_kind: None,
            organizer_name: None,
        },
    )
    .await?;
    Ok((created.id, Instant::now()))
}

/// Proposes `count` consultations from `writers` concurrent tasks, as fast as they go; returns
/// (consultation id, commit clock) of each, in no particular order.
pub async fn burst(
    db: &Db,
    actor: &Actor,
    count: usize,
    writers: usize,
) -> anyhow::Result<Vec<(i64, Instant)>> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers {
        let (db, actor, next) = (db.clone(), actor.clone(), Arc::clone(&next));
        tasks.spawn(async move {
            let mut committed = Vec::new();
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if index >= count {
                    return anyhow::Ok(committed);
                }
                committed.push(propose(&db, &actor, index).await?);
            }
        });
    }
    let mut committed = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        committed.extend(done??);
    }
    Ok(committed)
}

/// Proposes `count` consultations one after another at `rate` per second (a tick every
/// 1/rate s; a late commit delays the next tick rather than bunching them up).
pub async fn steady(
    db: &Db,
    actor: &Actor,
    rate: f64,
    count: usize,
) -> anyhow::Result<Vec<(i64, Instant)>> {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut committed = Vec::with_capacity(count);
    for index in 0..count {
        ticker.tick().await;
        committed.push(propose(db, actor, index).await?);
    }
    Ok(committed)
}

/// The commit clock of each event after `after`, by sequence: the outbox says which sequence
/// each consultation's event got.
pub async fn commit_clock_by_sequence(
    db: &Db,
    after: i64,
    commits: &[(i64, Instant)],
) -> anyhow::Result<HashMap<i64, Instant>> {
    let by_consultation: HashMap<i64, Instant> = commits.iter().copied().collect();
    let mut clock = HashMap::with_capacity(commits.len());
    let mut position = after;
    loop {
        let page = events::read_after(db, position, 1_000).await?;
        let Some(last) = page.last() else {
            break;
        };
        position = last.sequence;
        for event in &page {
            if event.entity_type == "Consultation"
                && let Some(at) = by_consultation.get(&event.entity_id)
            {
                clock.insert(event.sequence, *at);
            }
        }
    }
    anyhow::ensure!(
        clock.len() == commits.len(),
        "{} consultations proposed but {} of their events found in the outbox",
        commits.len(),
        clock.len()
    );
    Ok(clock)
}
