//! Text search matches literally on both engines, including `%` and `_` in the input.

use domain::{
    page::PageRequest,
    read::lounges::{self, LoungeFilter},
    testing::{Template, TestDb},
};

async fn names(test: &TestDb, search: &str) -> Vec<String> {
    let filter = LoungeFilter {
        search: Some(search.to_owned()),
        ..LoungeFilter::default()
    };
    let page = lounges::page(
        &test.db,
        &filter,
        Default::default(),
        PageRequest::first(100),
    )
    .await
    .expect("a page of lounges");
    page.items
        .into_iter()
        .map(|(_, lounge)| lounge.name)
        .collect()
}

#[tokio::test]
async fn search_finds_a_named_lounge_and_escapes_wildcards() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let found = names(&test, "知识产权司法保护").await;
    assert_eq!(
        found,
        vec!["知识产权司法保护政协委员会客厅".to_owned()],
        "{:#?}",
        test.log.statements()
    );
    assert!(names(&test, "%").await.is_empty());
    assert!(names(&test, "_").await.is_empty());
    assert_eq!(names(&test, "委员会客厅").await.len(), 100);
}
