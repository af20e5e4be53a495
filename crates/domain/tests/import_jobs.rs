//! Import jobs are kept for their retention only (their reports quote cells), on both engines.

use std::time::Duration;

use domain::{
    Role,
    import_jobs::{self, NewJob},
};
use entity::import_job;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use testing::{Template, TestDb, staff};

#[tokio::test]
async fn jobs_older_than_the_retention_are_deleted_whatever_their_status() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let county = staff(&test.db, Role::CountyStaff, "330212")
        .await
        .expect("county staff");
    let mut ids = Vec::new();
    for (age_days, finished) in [(10, true), (8, false), (6, true), (0, false)] {
        let job = import_jobs::create(
            &test.db,
            &county,
            NewJob {
                kind: "members".into(),
                file_name: format!("{age_days}.xlsx"),
                region_code: Some("330212".into()),
                dry_run: false,
            },
        )
        .await
        .expect("a job");
        let mut aged = import_job::ActiveModel::from(job.clone());
        aged.created_at = Set(job.created_at - chrono::Duration::days(age_days));
        if finished {
            aged.status = Set("SUCCEEDED".into());
        } else {
            aged.status = Set("RUNNING".into());
        }
        aged.update(test.db.writer()).await.expect("aged");
        ids.push(job.id);
    }
    let week = Duration::from_secs(7 * 86_400);
    assert_eq!(import_jobs::prune(&test.db, week).await.expect("pruned"), 2);
    let mut left: Vec<i64> = import_job::Entity::find()
        .all(test.db.reader())
        .await
        .expect("jobs")
        .into_iter()
        .map(|job| job.id)
        .collect();
    left.sort_unstable();
    assert_eq!(left, ids[2..].to_vec());
    assert_eq!(import_jobs::prune(&test.db, week).await.expect("pruned"), 0);
}

#[tokio::test]
async fn a_starter_who_is_no_longer_staff_cannot_read_the_job() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let county = staff(&test.db, Role::CountyStaff, "330212")
        .await
        .expect("county staff");
    let job = import_jobs::create(
        &test.db,
        &county,
        NewJob {
            kind: "members".into(),
            file_name: "m.xlsx".into(),
            region_code: Some("330212".into()),
            dry_run: false,
        },
    )
    .await
    .expect("a job");
    let seen = import_jobs::by_ids(&test.db, &county, &[job.id])
        .await
        .expect("read");
    assert!(seen.contains_key(&job.id), "the starter reads the job");

    // The same subject in the same committee, now a member: the report (which quotes cells)
    // is no longer theirs to read.
    let domain::Actor::Authenticated(principal) = &county else {
        panic!("staff are authenticated");
    };
    let demoted = domain::Actor::Authenticated(domain::Principal {
        role: Role::Member,
        ..principal.clone()
    });
    let hidden = import_jobs::by_ids(&test.db, &demoted, &[job.id])
        .await
        .expect("read");
    assert!(hidden.is_empty());
}
