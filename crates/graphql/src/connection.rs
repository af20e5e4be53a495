//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo`, `totalCount`.
//!
//! Cursors are opaque to clients; inside they are row positions in the connection's stable
//! order, so a cursor is only meaningful for the connection (and arguments) that produced it.

use std::borrow::Cow;

use async_graphql::{Description, Object, OutputType, SimpleObject, TypeName};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::page::{Page, PageRequest};

use crate::error::{ErrorCode, Result};

/// Information about the page a connection returned.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// Whether more items follow this page (use `endCursor` as `after`).
    pub has_next_page: bool,
    /// Whether items precede this page (use `startCursor` as `before`).
    pub has_previous_page: bool,
    /// Cursor of the first item of the page; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of the page; null when the page is empty.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The page information of `page`.
    pub fn of<T>(page: &Page<T>) -> Self {
        Self {
            has_next_page: page.has_next,
            has_previous_page: page.has_previous,
            start_cursor: page
                .items
                .first()
                .map(|(position, _)| encode_cursor(*position)),
            end_cursor: page
                .items
                .last()
                .map(|(position, _)| encode_cursor(*position)),
        }
    }
}

/// The opaque cursor of the item at `position`.
pub fn encode_cursor(position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{position}"))
}

/// The position inside a cursor; anything malformed, zero or beyond `i64::MAX` (positions are
/// SQL integers) is `BAD_USER_INPUT`.
pub fn decode_cursor(argument: &str, cursor: &str) -> Result<u64> {
    let malformed =
        || ErrorCode::BadUserInput.error(format!("{argument}: {cursor:?} is not a valid cursor"));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    text.strip_prefix("cursor:")
        .and_then(|position| position.parse::<u64>().ok())
        .filter(|position| *position > 0 && i64::try_from(*position).is_ok())
        .ok_or_else(malformed)
}

/// Validates the four Relay arguments into a [`PageRequest`].
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest> {
    let after = after
        .map(|cursor| decode_cursor("after", &cursor))
        .transpose()?;
    let before = before
        .map(|cursor| decode_cursor("before", &cursor))
        .transpose()?;
    Ok(PageRequest::new(
        first.map(i64::from),
        after,
        last.map(i64::from),
        before,
    )?)
}

/// A node type that has a connection: the GraphQL names and descriptions of its
/// `<Name>Connection` and `<Name>Edge` types.
pub trait ConnectionNode: OutputType + Clone + 'static {
    /// The connection type's name, e.g. `ConsultationConnection`.
    const CONNECTION_NAME: &'static str;
    /// The connection type's description, e.g. "A page of consultations.".
    const CONNECTION_DESCRIPTION: &'static str;
    /// The edge type's name, e.g. `ConsultationEdge`.
    const EDGE_NAME: &'static str;
    /// The edge type's description, e.g. "One of consultations in a page, with its cursor.".
    const EDGE_DESCRIPTION: &'static str;
}

/// A page of nodes: `edges`, `nodes`, `pageInfo`, `totalCount`.
pub struct Connection<N> {
    page: Page<N>,
}

impl<N> Connection<N> {
    /// The connection over `page`.
    pub fn new(page: Page<N>) -> Self {
        Self { page }
    }
}

impl<N: ConnectionNode> TypeName for Connection<N> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(N::CONNECTION_NAME)
    }
}

impl<N: ConnectionNode> Description for Connection<N> {
    fn description() -> &'static str {
        N::CONNECTION_DESCRIPTION
    }
}

/// A page of nodes (named and described by [`ConnectionNode`]).
#[Object(name_type, use_type_description)]
impl<N: ConnectionNode> Connection<N> {
    /// The items of the page with their cursors.
    async fn edges(&self) -> Vec<Edge<N>> {
        self.page
            .items
            .iter()
            .map(|(position, node)| Edge {
                position: *position,
                node: node.clone(),
            })
            .collect()
    }

    /// The items of the page, without cursors.
    async fn nodes(&self) -> Vec<N> {
        self.page
            .items
            .iter()
            .map(|(_, node)| node.clone())
            .collect()
    }

    /// Information to fetch the next or previous page.
    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }

    /// How many items the whole connection holds, across all pages.
    async fn total_count(&self) -> u64 {
        self.page.total
    }
}

/// One node of a page, with its cursor.
pub struct Edge<N> {
    position: u64,
    node: N,
}

impl<N: ConnectionNode> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(N::EDGE_NAME)
    }
}

impl<N: ConnectionNode> Description for Edge<N> {
    fn description() -> &'static str {
        N::EDGE_DESCRIPTION
    }
}

/// One node of a page with its cursor (named and described by [`ConnectionNode`]).
#[Object(name_type, use_type_description)]
impl<N: ConnectionNode> Edge<N> {
    /// Opaque cursor of this item, for `after`/`before`.
    async fn cursor(&self) -> String {
        encode_cursor(self.position)
    }

    /// The item.
    async fn node(&self) -> &N {
        &self.node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor("after", &encode_cursor(7)).ok(), Some(7));
        assert!(decode_cursor("after", "nonsense!").is_err());
        assert!(decode_cursor("after", &URL_SAFE_NO_PAD.encode("cursor:x")).is_err());
        assert!(decode_cursor("after", &encode_cursor(0)).is_err());
        let largest = i64::MAX as u64;
        assert_eq!(
            decode_cursor("after", &encode_cursor(largest)).ok(),
            Some(largest)
        );
        assert!(decode_cursor("after", &encode_cursor(largest + 1)).is_err());
        assert!(decode_cursor("after", &encode_cursor(u64::MAX)).is_err());
        let huge = URL_SAFE_NO_PAD.encode("cursor:99999999999999999999999");
        assert!(decode_cursor("before", &huge).is_err());
    }

    #[test]
    fn page_size_limits_are_bad_user_input() {
        let error = page_request(Some(101), None, None, None).expect_err("too large");
        assert_eq!(error.code(), ErrorCode::BadUserInput);
    }
}
