//! Opaque global IDs (Relay): base64url of `<TypeName>:<database id>`. Clients must treat them
//! as opaque strings; the encoding lets `node(id:)` route to the right type.

use async_graphql::ID;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{ErrorCode, Result};

/// The global ID of the record `id` of GraphQL type `type_name`.
pub fn encode(type_name: &str, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

#[allow(dead_code)] // `node(id:)` of the read API decodes IDs.
/// The type name and database id inside a global ID; a malformed ID is `BAD_USER_INPUT`.
pub fn decode(id: &ID) -> Result<(String, i64)> {
    let malformed = || ErrorCode::BadUserInput.error(format!("{:?} is not a valid ID", id.0));
    let bytes = URL_SAFE_NO_PAD
        .decode(id.0.as_bytes())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (type_name, number) = text.split_once(':').ok_or_else(malformed)?;
    let number = number.parse::<i64>().map_err(|_| malformed())?;
    Ok((type_name.to_owned(), number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = encode("County", 42);
        assert_eq!(decode(&id).ok(), Some(("County".to_owned(), 42)));
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode(&ID("not base64!".into())).is_err());
        assert!(decode(&ID(URL_SAFE_NO_PAD.encode("County"))).is_err());
        assert!(decode(&ID(URL_SAFE_NO_PAD.encode("County:x"))).is_err());
    }
}
