//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo`, `totalCount`.
//!
//! Cursors are opaque to clients; inside they are row positions in the connection's stable
//! order, so a cursor is only meaningful for the connection (and arguments) that produced it.

use async_graphql::SimpleObject;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::page::{Page, PageRequest};

use crate::{ErrorCode, domain_error};

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
pub fn decode_cursor(argument: &str, cursor: &str) -> async_graphql::Result<u64> {
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
) -> async_graphql::Result<PageRequest> {
    let after = after
        .map(|cursor| decode_cursor("after", &cursor))
        .transpose()?;
    let before = before
        .map(|cursor| decode_cursor("before", &cursor))
        .transpose()?;
    PageRequest::new(first.map(i64::from), after, last.map(i64::from), before)
        .map_err(|error| domain_error(&error))
}

/// Declares `<Name>Connection` and `<Name>Edge` for a node type that is built from a
/// generation index: `(Node, index_fn)`. The edge may carry extra fields through `$edge_extra`.
#[macro_export]
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        pub struct $connection {
            /// The page, as nodes with their row positions.
            pub page: domain::page::Page<$node>,
        }

        #[doc = concat!("One of ", $what, " in a page, with its cursor.")]
        pub struct $edge {
            position: u64,
            node: $node,
        }

        #[doc = concat!("A page of ", $what, ".")]
        #[async_graphql::Object]
        impl $connection {
            /// The items of the page with their cursors.
            async fn edges(&self) -> Vec<$edge> {
                self.page
                    .items
                    .iter()
                    .map(|(position, node)| $edge {
                        position: *position,
                        node: node.clone(),
                    })
                    .collect()
            }

            /// The items of the page, without cursors.
            async fn nodes(&self) -> Vec<$node> {
                self.page
                    .items
                    .iter()
                    .map(|(_, node)| node.clone())
                    .collect()
            }

            /// Information to fetch the next or previous page.
            async fn page_info(&self) -> $crate::connection::PageInfo {
                $crate::connection::PageInfo::of(&self.page)
            }

            /// How many items the whole connection holds, across all pages.
            async fn total_count(&self) -> u64 {
                self.page.total
            }
        }

        #[doc = concat!("One of ", $what, " in a page, with its cursor.")]
        #[async_graphql::Object]
        impl $edge {
            /// Opaque cursor of this item, for `after`/`before`.
            async fn cursor(&self) -> String {
                $crate::connection::encode_cursor(self.position)
            }

            /// The item.
            async fn node(&self) -> $node {
                self.node.clone()
            }
        }
    };
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
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .map(|value| value.to_string());
        assert_eq!(code.as_deref(), Some("\"BAD_USER_INPUT\""));
    }
}
