//! GraphQL multipart requests (the file-upload spec: `operations`, `map`, then the files), for
//! `importRecords`. Accepted only when the server set an [`UploadLimit`] and the request
//! carries the `X-Xieshang-Upload` header: a plain HTML form cannot set a header, so a page on
//! another site cannot make a signed-in browser post a file (CSRF). The body is limited to the
//! upload limit (plus room for the other parts) while it streams; files go to temporary files,
//! never to memory.

use async_graphql::{UploadValue, http::MultipartOptions};
use axum::{
    extract::Request,
    http::{HeaderValue, StatusCode, header::CONTENT_TYPE},
};
use futures_util::{StreamExt as _, TryStreamExt as _};

use super::{Rejection, params::Params};

/// The header a multipart request must carry.
pub const UPLOAD_HEADER: &str = "x-xieshang-upload";

/// `XIESHANG_UPLOAD_MAX_BYTES`: the largest file an upload may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimit(pub u64);

/// Room for the `operations` and `map` parts and the multipart framing.
const FRAMING: u64 = 256 * 1024;

/// Whether the request is `multipart/form-data`.
pub(super) fn is_multipart(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The request's parameters and its one uploaded file.
pub(super) async fn receive(
    request: Request,
    limit: Option<UploadLimit>,
) -> Result<(Params, Vec<UploadValue>), Rejection> {
    let Some(UploadLimit(max_bytes)) = limit else {
        return Err(Rejection {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "file uploads are not accepted here".into(),
        });
    };
    if !request.headers().contains_key(UPLOAD_HEADER) {
        return Err(Rejection::bad_request(
            "multipart requests must carry the X-Xieshang-Upload header",
        ));
    }
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let allowed = max_bytes.saturating_add(FRAMING);
    let mut seen: u64 = 0;
    let body = request
        .into_body()
        .into_data_stream()
        .map(move |chunk| {
            let chunk = chunk.map_err(std::io::Error::other)?;
            seen = seen.saturating_add(chunk.len() as u64);
            if seen > allowed {
                return Err(std::io::Error::other(TooLarge));
            }
            Ok(chunk)
        })
        .into_async_read();
    let options = MultipartOptions::default()
        .max_file_size(usize::try_from(max_bytes).unwrap_or(usize::MAX))
        .max_num_files(1);
    let mut parsed = async_graphql::http::receive_body(content_type, body, options)
        .await
        .map_err(|error| {
            let too_large = matches!(&error, async_graphql::ParseRequestError::PayloadTooLarge)
                || error.to_string().contains(TOO_LARGE);
            if too_large {
                Rejection {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    message: format!(
                        "the upload is larger than XIESHANG_UPLOAD_MAX_BYTES ({max_bytes} bytes)"
                    ),
                }
            } else {
                Rejection::bad_request(format!("malformed multipart request: {error}"))
            }
        })?;
    let uploads = std::mem::take(&mut parsed.uploads);
    Ok((Params::from_request(parsed)?, uploads))
}

const TOO_LARGE: &str = "the upload exceeds its limit";

#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(TOO_LARGE)
    }
}

impl std::error::Error for TooLarge {}
