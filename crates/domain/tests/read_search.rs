//! Text search matches literally on both engines, including `%` and `_` in the input.

use domain::{
    page::PageRequest,
    read::lounges::{self, LoungeFilter},
};
use testing::{Template, TestDb};

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

/// A search term beyond `limits::MAX_SEARCH_CHARS` is invalid (BAD_USER_INPUT over GraphQL),
/// on every filter that searches; one at the limit is served.
#[tokio::test]
async fn search_terms_beyond_the_limit_are_invalid() {
    use domain::{
        DomainError,
        limits::MAX_SEARCH_CHARS,
        read::{consultations, members},
    };
    let test = TestDb::new(Template::Demo).await.unwrap();
    let long = "协".repeat(MAX_SEARCH_CHARS + 1);
    let at_limit = "协".repeat(MAX_SEARCH_CHARS);
    let is_search_error = |result: Result<(), DomainError>| matches!(result, Err(DomainError::Invalid { ref field, .. }) if field == "search");
    for (term, refused) in [(long.as_str(), true), (at_limit.as_str(), false)] {
        let lounge = lounges::page(
            &test.db,
            &LoungeFilter {
                search: Some(term.to_owned()),
                ..LoungeFilter::default()
            },
            Default::default(),
            PageRequest::first(10),
        )
        .await
        .map(drop);
        let consultation = consultations::page(
            &test.db,
            &consultations::ConsultationFilter {
                search: Some(term.to_owned()),
                ..Default::default()
            },
            Default::default(),
            PageRequest::first(10),
        )
        .await
        .map(drop);
        let member = members::page(
            &test.db,
            &members::MemberFilter {
                search: Some(term.to_owned()),
                ..Default::default()
            },
            Default::default(),
            PageRequest::first(10),
        )
        .await
        .map(drop);
        for result in [lounge, consultation, member] {
            if refused {
                assert!(is_search_error(result));
            } else {
                assert!(result.is_ok(), "{result:?}");
            }
        }
    }
    // List filters are bounded too.
    let many = LoungeFilter {
        statuses: vec![entity::enums::LoungeStatus::Active; domain::limits::MAX_FILTER_VALUES + 1],
        ..LoungeFilter::default()
    };
    let refused = lounges::page(&test.db, &many, Default::default(), PageRequest::first(10)).await;
    assert!(
        matches!(refused, Err(DomainError::Invalid { ref field, .. }) if field == "statuses"),
        "{refused:?}"
    );
}
