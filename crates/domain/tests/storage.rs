//! Storage under concurrency: writers queue rather than fail, readers are not blocked by a
//! writer (WAL), and a lock that outlasts the busy timeout is `Busy`, never an internal error.

use std::time::Duration;

use domain::{Db, DomainError, Engine, db::DbOptions};
use entity::{enums::RegionLevel, region};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use testing::{Template, TestDb};

async fn insert_region(db: &impl sea_orm::ConnectionTrait, n: usize) -> Result<(), DomainError> {
    region::ActiveModel {
        code: Set(format!("99{n:04}")),
        name: Set(format!("测试区 {n}")),
        level: Set(RegionLevel::Province),
        parent_id: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_commit() {
    let test = TestDb::new(Template::Migrated).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..32 {
        let db = test.db.clone();
        tasks.push(tokio::spawn(async move {
            let transaction = db.begin_write().await?;
            insert_region(&transaction, n).await?;
            // Hold the transaction a little so that the writers really overlap.
            tokio::time::sleep(Duration::from_millis(5)).await;
            transaction.commit().await?;
            Ok::<_, DomainError>(())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let count = region::Entity::find()
        .count(test.db.reader())
        .await
        .unwrap();
    assert_eq!(count, 32);
}

#[tokio::test]
async fn readers_are_not_blocked_by_an_open_write() {
    let test = TestDb::new(Template::Migrated).await.unwrap();
    let transaction = test.db.begin_write().await.unwrap();
    insert_region(&transaction, 1).await.unwrap();
    // The read pool answers at once and sees only committed rows.
    let before = tokio::time::timeout(
        Duration::from_secs(2),
        region::Entity::find().count(test.db.reader()),
    )
    .await
    .expect("a reader is not blocked by the writer")
    .unwrap();
    assert_eq!(before, 0);
    transaction.commit().await.unwrap();
    let after = region::Entity::find()
        .count(test.db.reader())
        .await
        .unwrap();
    assert_eq!(after, 1);
}

#[tokio::test]
async fn a_lock_held_by_another_process_is_busy_not_internal() {
    let test = TestDb::new(Template::Migrated).await.unwrap();
    if test.db.engine() != Engine::Sqlite {
        return; // PostgreSQL has no database-wide write lock.
    }
    // A second handle on the same file stands for a second process.
    let options = DbOptions {
        busy_timeout: Duration::from_millis(200),
        ..DbOptions::default()
    };
    let other = Db::connect(&test.url, options).await.unwrap();
    let holder = other.begin_write().await.unwrap();
    let impatient = Db::connect(&test.url, options).await.unwrap();
    let result = impatient.begin_write().await;
    assert!(
        matches!(result, Err(DomainError::Busy)),
        "expected Busy, got {result:?}"
    );
    holder.rollback().await.unwrap();
    // Once the lock is gone, the same handle writes normally.
    let transaction = impatient.begin_write().await.unwrap();
    insert_region(&transaction, 2).await.unwrap();
    transaction.commit().await.unwrap();
}

#[tokio::test]
async fn the_read_pool_cannot_write_on_sqlite() {
    let test = TestDb::new(Template::Migrated).await.unwrap();
    if test.db.engine() != Engine::Sqlite {
        return; // One pool serves both roles on PostgreSQL.
    }
    assert!(insert_region(test.db.reader(), 3).await.is_err());
}
