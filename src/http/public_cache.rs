//! Which `/graphql` responses shared caches (CDNs) may store, so that public reads sent with GET
//! (typically persisted queries, whose URLs are short and stable) can be served from the edge.
//!
//! A response is cacheable only when it was asked for with GET, without an `Authorization`
//! header, produced no error, and the server has a `max-age` for public reads
//! (`XIESHANG_PUBLIC_CACHE_MAX_AGE_SECS`). Every `/graphql` response says `Vary: Authorization`
//! so that no cache hands an anonymous reply to a signed-in caller or the other way round.
//!
//! A cacheable body must not carry anything about the client that asked: it is served to
//! everyone. [`strip_per_client`] removes the per-client part of `extensions.cost`
//! (`remaining`, `resetAt`; the request's own cost stays).

use async_graphql::Value;

/// Whether the response to a request may be stored by shared caches; `max_age` 0 means never,
/// and neither does a response with a field marked `private` or `no_cache`.
pub fn is_cacheable(
    is_get: bool,
    has_authorization: bool,
    response: &async_graphql::Response,
    max_age: u32,
) -> bool {
    max_age > 0
        && is_get
        && !has_authorization
        && response.errors.is_empty()
        // A field that asks not to be shared (e.g. `publicTopicReceipt`, keyed by a secret).
        && response.cache_control.public
        && response.cache_control.max_age != -1
}

/// The `Cache-Control` value of a cacheable response.
pub fn cache_control(max_age: u32) -> String {
    format!("public, max-age={max_age}")
}

/// Removes what is particular to the client from the response's extensions: the budget left
/// (`extensions.cost.remaining`) and when it refills (`extensions.cost.resetAt`).
pub fn strip_per_client(response: &mut async_graphql::Response) {
    if let Some(Value::Object(cost)) = response.extensions.get_mut("cost") {
        cost.shift_remove("remaining");
        cost.shift_remove("resetAt");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use async_graphql::{Name, indexmap::IndexMap};

    use super::*;

    #[test]
    fn only_anonymous_error_free_gets_are_cacheable() {
        let ok = async_graphql::Response::new(Value::Null);
        assert!(is_cacheable(true, false, &ok, 60));
        assert!(!is_cacheable(false, false, &ok, 60));
        assert!(!is_cacheable(true, true, &ok, 60));
        assert!(!is_cacheable(true, false, &ok, 0));
        let failed =
            async_graphql::Response::from_errors(vec![async_graphql::ServerError::new("x", None)]);
        assert!(!is_cacheable(true, false, &failed, 60));
    }

    #[test]
    fn the_per_client_part_of_the_cost_is_removed() {
        let mut cost = IndexMap::new();
        for field in ["requested", "limit", "remaining", "resetAt"] {
            cost.insert(Name::new(field), Value::from(1));
        }
        let mut response = async_graphql::Response::new(Value::Null);
        response
            .extensions
            .insert("cost".to_owned(), Value::Object(cost));
        strip_per_client(&mut response);
        let Value::Object(cost) = &response.extensions["cost"] else {
            panic!("cost is an object");
        };
        let fields: Vec<&str> = cost.keys().map(Name::as_str).collect();
        assert_eq!(fields, ["requested", "limit"]);
    }
}
