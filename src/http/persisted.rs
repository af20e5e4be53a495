//! Persisted documents, resolved in the HTTP layer before anything else looks at the document.
//!
//! Two ways to name a document instead of sending it:
//!
//! * **Automatic persisted queries** (Apollo's protocol): `extensions.persistedQuery` =
//!   `{ "version": 1, "sha256Hash": "<hex>" }`. A hash we do not know is answered with
//!   `PERSISTED_QUERY_NOT_FOUND`; the client then sends the document with the hash, which
//!   registers it once the hash matches and the document runs without a request error. The store
//!   is bounded (a number of documents and a size per document, oldest evicted first).
//! * **Trusted documents** (`XIESHANG_TRUSTED_DOCUMENTS`, a JSON manifest
//!   `{ "<sha256 hex>": "<document>" }`): named by `documentId` (`"sha256:<hex>"`, the
//!   GraphQL-over-HTTP persisted-documents proposal) or by the APQ hash. With a manifest,
//!   anonymous callers may run only its documents (`PERSISTED_QUERY_NOT_ALLOWED` otherwise) and
//!   may not register documents through APQ; authenticated callers may send any operation.
//!
//! Why not async-graphql's `ApolloPersistedQueries` extension: it swaps the document in inside
//! the executor, after the transport has checked the operation type, so a stored mutation could
//! be run with GET. Resolving here means the GET-mutation check sees the real document.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use async_graphql::ServerError;
use graphql::ErrorCode;
use serde_json::{Map, Value as Json};

use super::introspection::Introspection;
use super::trusted_documents::DOCUMENT_ID_PREFIX;
pub use super::trusted_documents::{TrustedDocuments, sha256_hex};

/// Settings of the persisted-document store.
#[derive(Clone, Debug)]
pub struct PersistedOptions {
    /// `XIESHANG_APQ_MAX_DOCUMENTS`: documents the APQ store keeps (oldest evicted first); 0
    /// turns registration off.
    pub max_documents: usize,
    /// `XIESHANG_APQ_MAX_DOCUMENT_BYTES`: larger documents run but are not stored.
    pub max_document_bytes: usize,
    /// `XIESHANG_TRUSTED_DOCUMENTS`: the manifest, when the server runs with one.
    pub trusted: Option<Arc<TrustedDocuments>>,
}

impl Default for PersistedOptions {
    fn default() -> Self {
        Self {
            max_documents: 1000,
            max_document_bytes: 16 * 1024,
            trusted: None,
        }
    }
}

/// How the router admits documents: the persisted-document store, the introspection switch and
/// how long anonymous GET reads may be cached. One per router, shared by every request.
pub struct DocumentPolicy {
    options: PersistedOptions,
    store: Mutex<Store>,
    /// `XIESHANG_INTROSPECTION`.
    pub introspection: Introspection,
    /// `XIESHANG_PUBLIC_CACHE_MAX_AGE_SECS`: `max-age` of cacheable responses; 0 for none.
    pub public_max_age: u32,
}

/// The APQ documents, with their insertion order for eviction.
#[derive(Default)]
struct Store {
    documents: HashMap<String, Arc<str>>,
    order: VecDeque<String>,
}

/// The document a request resolved to.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// The GraphQL document to run.
    pub(crate) query: String,
    /// The APQ hash to register the document under once it has run without a request error.
    pub(crate) register: Option<String>,
}

/// Why a request names no document we can run.
#[derive(Debug)]
pub(crate) enum Unresolved {
    /// Neither a document nor a name for one: not a well-formed request.
    Missing,
    /// A GraphQL request error with a code (unknown, not allowed, malformed hash).
    Refused(ServerError),
}

impl DocumentPolicy {
    /// A policy with an empty APQ store.
    pub fn new(
        options: PersistedOptions,
        introspection: Introspection,
        public_max_age: u32,
    ) -> Self {
        Self {
            options,
            store: Mutex::new(Store::default()),
            introspection,
            public_max_age,
        }
    }

    /// Whether anonymous callers are held to the trusted documents.
    fn anonymous_restricted(&self, authenticated: bool) -> bool {
        self.options.trusted.is_some() && !authenticated
    }

    /// Whether `query`, sent in full over a transport without persisted documents (a
    /// WebSocket), may run: anonymous callers in trusted mode run only the manifest's documents.
    pub(crate) fn allows_document(&self, query: &str, authenticated: bool) -> bool {
        !self.anonymous_restricted(authenticated) || self.trusted(&sha256_hex(query)).is_some()
    }

    /// The error for a document [`DocumentPolicy::allows_document`] refuses.
    pub(crate) fn not_allowed_error() -> ServerError {
        request_error(
            ErrorCode::PersistedQueryNotAllowed,
            "anonymous callers may run only the server's trusted documents: send a documentId \
             (or an APQ hash) from the manifest, or authenticate",
        )
    }

    /// Resolves the document of a request from its `query`, `extensions` and `documentId`.
    pub(crate) fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&Map<String, Json>>,
        document_id: Option<&str>,
        authenticated: bool,
    ) -> Result<Resolved, Unresolved> {
        let apq_hash = apq_hash(extensions).map_err(Unresolved::Refused)?;
        let document_id = document_id
            .map(parse_document_id)
            .transpose()
            .map_err(Unresolved::Refused)?;
        if let (Some(apq), Some(id)) = (&apq_hash, &document_id)
            && apq != id
        {
            return Err(refused(
                ErrorCode::BadUserInput,
                "documentId and extensions.persistedQuery name different documents",
            ));
        }
        let restricted = self.anonymous_restricted(authenticated);
        match (query, document_id, apq_hash) {
            (None, None, None) => Err(Unresolved::Missing),
            (Some(query), None, None) => {
                if restricted && self.trusted(&sha256_hex(&query)).is_none() {
                    return Err(not_allowed());
                }
                Ok(Resolved {
                    query,
                    register: None,
                })
            }
            (None, Some(hash), _) | (None, None, Some(hash)) => {
                let found = match self.trusted(&hash) {
                    Some(document) => Some(document),
                    None if restricted => None,
                    None => self.stored(&hash),
                };
                found
                    .map(|document| Resolved {
                        query: document.to_string(),
                        register: None,
                    })
                    .ok_or_else(|| {
                        refused(ErrorCode::PersistedQueryNotFound, "PersistedQueryNotFound")
                    })
            }
            (Some(query), document_id, apq_hash) => {
                let hash = document_id.or(apq_hash).unwrap_or_default();
                if sha256_hex(&query) != hash {
                    return Err(refused(
                        ErrorCode::BadUserInput,
                        "provided sha does not match query",
                    ));
                }
                let listed = self.trusted(&hash).is_some();
                if restricted && !listed {
                    return Err(not_allowed());
                }
                let register = (!listed
                    && self.options.max_documents > 0
                    && query.len() <= self.options.max_document_bytes)
                    .then_some(hash);
                Ok(Resolved { query, register })
            }
        }
    }

    /// Stores `query` under `hash` (checked by [`DocumentPolicy::resolve`]), evicting the
    /// oldest documents beyond the cap.
    pub(crate) fn register(&self, hash: String, query: &str) {
        if self.options.max_documents == 0 || query.len() > self.options.max_document_bytes {
            return;
        }
        let Ok(mut store) = self.store.lock() else {
            return;
        };
        if store.documents.contains_key(&hash) {
            return;
        }
        while store.documents.len() >= self.options.max_documents {
            let Some(oldest) = store.order.pop_front() else {
                break;
            };
            store.documents.remove(&oldest);
        }
        store.order.push_back(hash.clone());
        store.documents.insert(hash, Arc::from(query));
    }

    /// How many documents the APQ store holds.
    pub fn stored_documents(&self) -> usize {
        self.store
            .lock()
            .map(|store| store.documents.len())
            .unwrap_or(0)
    }

    /// Whether `query` is one of the trusted-documents manifest's documents (false without a
    /// manifest; the hash is only computed with one).
    pub(crate) fn is_trusted_document(&self, query: &str) -> bool {
        self.options.trusted.is_some() && self.trusted(&sha256_hex(query)).is_some()
    }

    fn trusted(&self, hash: &str) -> Option<Arc<str>> {
        self.options.trusted.as_ref()?.get(hash)
    }

    fn stored(&self, hash: &str) -> Option<Arc<str>> {
        self.store.lock().ok()?.documents.get(hash).cloned()
    }
}

impl Default for DocumentPolicy {
    fn default() -> Self {
        Self::new(PersistedOptions::default(), Introspection::On, 0)
    }
}

/// The hash in `extensions.persistedQuery`, if the request carries one.
fn apq_hash(extensions: Option<&Map<String, Json>>) -> Result<Option<String>, ServerError> {
    let Some(persisted) = extensions.and_then(|extensions| extensions.get("persistedQuery")) else {
        return Ok(None);
    };
    let malformed = || {
        request_error(
            ErrorCode::BadUserInput,
            "extensions.persistedQuery must be { \"version\": 1, \"sha256Hash\": \"<64 hex digits>\" }",
        )
    };
    let Json::Object(persisted) = persisted else {
        return Err(malformed());
    };
    if persisted.get("version").and_then(Json::as_i64) != Some(1) {
        return Err(request_error(
            ErrorCode::BadUserInput,
            "only version 1 of extensions.persistedQuery is supported",
        ));
    }
    match persisted.get("sha256Hash") {
        Some(Json::String(hash)) if is_sha256_hex(hash) => Ok(Some(hash.to_ascii_lowercase())),
        _ => Err(malformed()),
    }
}

/// The hash in a `documentId` of the form `sha256:<hex>`.
fn parse_document_id(document_id: &str) -> Result<String, ServerError> {
    match document_id.strip_prefix(DOCUMENT_ID_PREFIX) {
        Some(hash) if is_sha256_hex(hash) => Ok(hash.to_ascii_lowercase()),
        _ => Err(request_error(
            ErrorCode::BadUserInput,
            "documentId must be \"sha256:<64 hex digits>\"",
        )),
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn not_allowed() -> Unresolved {
    Unresolved::Refused(DocumentPolicy::not_allowed_error())
}

fn refused(code: ErrorCode, message: &str) -> Unresolved {
    Unresolved::Refused(request_error(code, message))
}

/// A request error (no path, no location) with `code`.
pub(crate) fn request_error(code: ErrorCode, message: &str) -> ServerError {
    code.error(message).into_request_error()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use serde_json::json;

    use super::*;

    const DOCUMENT: &str = "{ provinces { code } }";

    fn extensions(hash: &str) -> Map<String, Json> {
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
            .as_object()
            .unwrap()
            .clone()
    }

    fn code(unresolved: Unresolved) -> String {
        match unresolved {
            Unresolved::Refused(error) => {
                error.extensions.unwrap().get("code").unwrap().to_string()
            }
            Unresolved::Missing => "missing".into(),
        }
    }

    #[test]
    fn the_store_is_bounded_and_evicts_the_oldest() {
        let policy = DocumentPolicy::new(
            PersistedOptions {
                max_documents: 2,
                ..PersistedOptions::default()
            },
            Introspection::On,
            0,
        );
        for index in 0..5 {
            let document = format!("{{ a{index}: __typename }}");
            policy.register(sha256_hex(&document), &document);
        }
        assert_eq!(policy.stored_documents(), 2);
        let oldest = sha256_hex("{ a0: __typename }");
        let error = policy
            .resolve(None, Some(&extensions(&oldest)), None, false)
            .unwrap_err();
        assert_eq!(code(error), "\"PERSISTED_QUERY_NOT_FOUND\"");
        let newest = sha256_hex("{ a4: __typename }");
        let resolved = policy
            .resolve(None, Some(&extensions(&newest)), None, false)
            .unwrap();
        assert_eq!(resolved.query, "{ a4: __typename }");
    }

    #[test]
    fn oversized_documents_run_but_are_not_registered() {
        let policy = DocumentPolicy::new(
            PersistedOptions {
                max_document_bytes: 8,
                ..PersistedOptions::default()
            },
            Introspection::On,
            0,
        );
        let hash = sha256_hex(DOCUMENT);
        let resolved = policy
            .resolve(Some(DOCUMENT.into()), Some(&extensions(&hash)), None, false)
            .unwrap();
        assert_eq!(resolved.register, None);
    }

    #[test]
    fn malformed_hashes_and_ids_are_bad_user_input() {
        let policy = DocumentPolicy::default();
        let error = policy
            .resolve(None, Some(&extensions("xyz")), None, false)
            .unwrap_err();
        assert_eq!(code(error), "\"BAD_USER_INPUT\"");
        let error = policy
            .resolve(None, None, Some("md5:00"), false)
            .unwrap_err();
        assert_eq!(code(error), "\"BAD_USER_INPUT\"");
        assert!(matches!(
            policy.resolve(None, None, None, false),
            Err(Unresolved::Missing)
        ));
    }
}
