//! GraphiQL at `GET /`, loaded entirely from this server.
//!
//! Government intranets have no CDN and may not reach the internet at all, so
//! the page and everything it loads (React, ReactDOM, the GraphiQL bundle and
//! its CSS, whose fonts are inlined) are embedded in the binary by `build.rs`
//! from the npm packages pinned in `assets/graphiql/package-lock.json`.
//!
//! Asset URLs carry a hash of the assets (`/graphiql/<version>/…`), so they are
//! cached for a year while the page itself is revalidated on every load and
//! picks up new assets after a deploy.

use axum::{
    Router,
    body::Body,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

/// Hash of the embedded assets, computed by `build.rs`.
const VERSION: &str = env!("GRAPHIQL_ASSETS_VERSION");

/// The page, with asset URLs already carrying [`VERSION`].
const INDEX_HTML: &str = include_str!(concat!(env!("OUT_DIR"), "/graphiql/index.html"));

/// A file the page loads.
struct Asset {
    /// Served at `/graphiql/<VERSION>/<name>`; `build.rs` copies it under this name.
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/", $name)),
        }
    };
}

static ASSETS: [Asset; 5] = [
    asset!("react.production.min.js", "text/javascript; charset=utf-8"),
    asset!(
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.css", "text/css; charset=utf-8"),
    asset!("init.js", "text/javascript; charset=utf-8"),
];

/// The GraphiQL page at `/` and its assets under `/graphiql/`. The page talks to
/// `/graphql` (HTTP) and `/graphql/ws` (WebSocket subscriptions), which the
/// caller mounts.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let router = Router::new().route("/", get(index));
    ASSETS.iter().fold(router, |router, asset| {
        router.route(
            &format!("/graphiql/{VERSION}/{}", asset.name),
            get(move || async move { serve_asset(asset) }),
        )
    })
}

async fn index() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            // Revalidate every time: the page names the current asset version.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        INDEX_HTML,
    )
        .into_response()
}

fn serve_asset(asset: &'static Asset) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            // The URL changes whenever the bytes do.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        Body::from(asset.body),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use axum::{
        body::to_bytes,
        http::{Request, StatusCode},
    };
    use tower::ServiceExt;

    use super::*;

    async fn get(path: &str) -> Response {
        routes::<()>()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn asset_text(name: &str) -> &'static str {
        let asset = ASSETS.iter().find(|asset| asset.name == name).unwrap();
        std::str::from_utf8(asset.body).unwrap()
    }

    /// Every `src="…"` and `href="…"` value in the page.
    fn referenced_urls(html: &str) -> Vec<&str> {
        ["src=\"", "href=\""]
            .iter()
            .flat_map(|attribute| html.split(attribute).skip(1))
            .filter_map(|rest| rest.split('"').next())
            .collect()
    }

    #[tokio::test]
    async fn page_loads_nothing_from_elsewhere() {
        let response = get("/").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let html = String::from_utf8(
            to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        for text in [html.as_str(), asset_text("init.js")] {
            assert!(!text.contains("http://"), "{text}");
            assert!(!text.contains("https://"), "{text}");
            assert!(!text.contains("//unpkg") && !text.contains("fonts.g"));
        }
        assert!(html.contains("/graphiql/"));
        assert!(!html.contains("{{VERSION}}"));

        let urls = referenced_urls(&html);
        // The inline icon, the stylesheet and four scripts.
        assert_eq!(urls.len(), 6, "{urls:?}");
        for url in urls {
            if url == "data:," {
                continue;
            }
            assert!(
                url.starts_with("/graphiql/") && !url.starts_with("//"),
                "{url}"
            );
            let response = get(url).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
        }
    }

    #[tokio::test]
    async fn assets_are_served_non_empty_and_long_cached() {
        for asset in &ASSETS {
            let response = get(&format!("/graphiql/{VERSION}/{}", asset.name)).await;
            assert_eq!(response.status(), StatusCode::OK, "{}", asset.name);
            assert_eq!(response.headers()[header::CONTENT_TYPE], asset.content_type);
            assert_eq!(
                response.headers()[header::CACHE_CONTROL],
                "public, max-age=31536000, immutable"
            );
            let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            assert!(body.len() > 100, "{} is {} bytes", asset.name, body.len());
        }
    }

    #[test]
    fn stylesheet_imports_nothing_remote() {
        let css = asset_text("graphiql.min.css");
        assert!(!css.contains("@import"));
        for url in css.split("url(").skip(1) {
            let url = url.trim_start_matches(['"', '\'']);
            assert!(url.starts_with("data:"), "{}", &url[..url.len().min(60)]);
        }
    }

    #[tokio::test]
    async fn unknown_asset_versions_are_not_found() {
        let response = get("/graphiql/0000000000000000/graphiql.min.js").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}
