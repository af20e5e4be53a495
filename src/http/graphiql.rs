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
//!
//! Security headers: the page runs under a Content-Security-Policy ([`CONTENT_SECURITY_POLICY`])
//! that allows scripts from this server only (the page has no inline script: `init.js` starts
//! GraphiQL), may not be framed (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for old
//! browsers), and every response here says `X-Content-Type-Options: nosniff`.

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

/// The page's Content-Security-Policy. Scripts, styles, fonts and images come from this server
/// (fonts and the empty icon as `data:` URLs); `'unsafe-inline'` is allowed for styles only,
/// because GraphiQL injects a `<style>` element and the page has a small one. Queries go to
/// `/graphql` and subscriptions to `/graphql/ws` (`connect-src 'self'` covers same-host `ws:`
/// and `wss:` in CSP level 3). Nothing may frame the page, post a form or change its base URL.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            // Robot links carry a query in the page's URL; it stays on this server.
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
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
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
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

    /// The page forbids inline and foreign scripts and framing, and nothing here is sniffed.
    #[tokio::test]
    async fn the_page_and_its_assets_carry_security_headers() {
        let response = get("/").await;
        let headers = response.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "connect-src 'self'",
            "base-uri 'none'",
        ] {
            assert!(
                directives.contains(&directive),
                "{directive} missing: {csp}"
            );
        }
        let scripts = directives
            .iter()
            .find(|directive| directive.starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe"), "{scripts}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        // The CSP holds because the page has no inline script.
        let html = String::from_utf8(
            to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=\"/graphiql/").count(),
            "every script is an embedded file"
        );
        assert!(!html.contains("onload=") && !html.contains("onclick="));
        for asset in &ASSETS {
            let response = get(&format!("/graphiql/{VERSION}/{}", asset.name)).await;
            assert_eq!(
                response.headers()[header::X_CONTENT_TYPE_OPTIONS],
                "nosniff",
                "{}",
                asset.name
            );
        }
    }

    #[tokio::test]
    async fn unknown_asset_versions_are_not_found() {
        let response = get("/graphiql/0000000000000000/graphiql.min.js").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}
