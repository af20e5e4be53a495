//! The trusted-documents manifest (`XIESHANG_TRUSTED_DOCUMENTS`): a JSON object from the SHA-256
//! of each document (lower-case hex, as graphql-codegen's persisted-documents preset and Relay's
//! `persistConfig` with `SHA256` write it) to the document. Every key is checked when the file is
//! loaded, so a manifest made with another hash algorithm stops start-up instead of refusing
//! every request later.

use std::{collections::HashMap, path::Path, sync::Arc};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// The prefix of a `documentId` that names a SHA-256 hash.
pub(crate) const DOCUMENT_ID_PREFIX: &str = "sha256:";

/// A trusted-documents manifest, checked when loaded: every key is the SHA-256 of its document.
#[derive(Debug, Default)]
pub struct TrustedDocuments {
    documents: HashMap<String, Arc<str>>,
}

impl TrustedDocuments {
    /// Reads and checks the manifest at `path`. The message names the entry at fault, never a
    /// whole document.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        Self::from_json(&text)
    }

    /// Parses and checks a manifest: a JSON object from lower-case SHA-256 hex to document.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let json: Json = serde_json::from_str(text)
            .map_err(|error| format!("the manifest is not valid JSON: {error}"))?;
        let Json::Object(entries) = json else {
            return Err(
                "the manifest must be a JSON object { \"<sha256 hex>\": \"<document>\" }".into(),
            );
        };
        let mut documents = HashMap::with_capacity(entries.len());
        for (key, document) in entries {
            let Json::String(document) = document else {
                return Err(format!("the entry {key:?} is not a string"));
            };
            let hash = key.strip_prefix(DOCUMENT_ID_PREFIX).unwrap_or(&key);
            if sha256_hex(&document) != hash.to_ascii_lowercase() {
                return Err(format!(
                    "the key {key:?} is not the SHA-256 of its document (use the sha256 \
                     algorithm when generating the manifest)"
                ));
            }
            documents.insert(hash.to_ascii_lowercase(), Arc::from(document));
        }
        Ok(Self { documents })
    }

    /// How many documents the manifest lists.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// True for an empty manifest.
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The document listed under `hash` (lower-case hex).
    pub(crate) fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.documents.get(hash).cloned()
    }
}

/// The lower-case hex SHA-256 of `document`, as Apollo clients and the manifest tools compute it.
pub fn sha256_hex(document: &str) -> String {
    Sha256::digest(document.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use serde_json::json;

    use super::*;

    const DOCUMENT: &str = "{ provinces { code } }";

    #[test]
    fn known_hash_of_the_empty_document_matches() {
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn manifests_with_a_wrong_key_are_refused() {
        let good = json!({ sha256_hex(DOCUMENT): DOCUMENT }).to_string();
        assert_eq!(TrustedDocuments::from_json(&good).unwrap().len(), 1);
        let bad = json!({ sha256_hex("{ x }"): DOCUMENT }).to_string();
        assert!(TrustedDocuments::from_json(&bad).is_err());
        assert!(TrustedDocuments::from_json("[]").is_err());
        assert!(TrustedDocuments::from_json("{\"a\": 1}").is_err());
    }
}
