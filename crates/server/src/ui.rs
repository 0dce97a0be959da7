//! The public search page: `GET /` and its two assets, embedded in the binary.
//!
//! The page is plain HTML, CSS and JavaScript (no build step, no CDN, no external fonts) that
//! calls the v1 JSON API from the browser; its whole state lives in the URL (`/?q=…&page=2`,
//! `/?doc=ID`). Every answer carries a strict Content-Security-Policy (only this origin's
//! scripts, styles and connections; no inline script), `nosniff` and an `ETag`.
//!
//! `index.html` names its assets with a version (`/assets/app.js?v=HASH`): an asset asked for
//! with the current version may be cached for a year, the page and unversioned assets are
//! revalidated on every use (`no-cache`, answered 304 when the `ETag` still matches).
//!
//! Unknown paths (`/assets/nope.js`, `/favicon.ico`) are not answered here: they fall through
//! to the JSON 404 of [`crate::error::recover`], as for the API.

use std::sync::LazyLock;

use warp::http::header::{
    HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

/// The policy of every UI answer: this origin only, no inline script or style, no framing.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Cache policy of the page and of assets asked for without the current version.
const REVALIDATE: &str = "no-cache";

/// Cache policy of an asset asked for with its current version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

/// One embedded file.
#[derive(Debug)]
struct Asset {
    body: String,
    content_type: &'static str,
    /// Hex digest of `body`: the `v` of versioned URLs and, quoted, the `ETag`.
    version: String,
    etag: HeaderValue,
}

impl Asset {
    fn new(body: String, content_type: &'static str) -> Asset {
        let version = format!("{:016x}", fnv1a(body.as_bytes()));
        let etag = HeaderValue::from_str(&format!("\"{version}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        Asset {
            body,
            content_type,
            version,
            etag,
        }
    }
}

/// The assets under `/assets/`, by file name.
#[derive(Debug)]
struct Assets {
    index: Asset,
    files: Vec<(&'static str, Asset)>,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let js = Asset::new(APP_JS.to_string(), "text/javascript; charset=utf-8");
    let css = Asset::new(APP_CSS.to_string(), "text/css; charset=utf-8");
    let index = INDEX_HTML
        .replace("{{app.js}}", &format!("/assets/app.js?v={}", js.version))
        .replace("{{app.css}}", &format!("/assets/app.css?v={}", css.version));
    Assets {
        index: Asset::new(index, "text/html; charset=utf-8"),
        files: vec![("app.js", js), ("app.css", css)],
    }
});

/// FNV-1a, 64 bits: a stable digest for ETags (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `GET /` and `GET /assets/{name}`.
pub(crate) fn ui_filter() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let index = warp::path::end()
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .map(|headers: HeaderMap| serve(&ASSETS.index, REVALIDATE, &headers));
    let asset = warp::path!("assets" / String)
        .and(warp::get())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .and_then(
            |name: String, query: String, headers: HeaderMap| async move {
                let Some((_, asset)) = ASSETS.files.iter().find(|(file, _)| *file == name) else {
                    return Err(warp::reject::not_found());
                };
                let current = form_urlencoded::parse(query.as_bytes())
                    .any(|(k, v)| k == "v" && v == asset.version.as_str());
                let cache = if current { IMMUTABLE } else { REVALIDATE };
                Ok(serve(asset, cache, &headers))
            },
        );
    index.or(asset).unify()
}

/// `asset` with its headers, or 304 when the client's `If-None-Match` names its `ETag`.
fn serve(asset: &Asset, cache: &'static str, request: &HeaderMap) -> Response {
    let fresh = request
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag.as_bytes() == asset.etag.as_bytes());
    let mut response = if fresh {
        let mut response = Response::new(Default::default());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        Response::new(asset.body.clone().into())
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(ETAG, asset.etag.clone());
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{routes, AppState, ServerConfig};
    use gongkai_index::IndexOptions;
    use serde_json::Value;

    fn state(dir: &std::path::Path) -> AppState {
        let store = gongkai_ingest::Store::open(dir, &IndexOptions::default()).unwrap();
        AppState::new(store, &ServerConfig::default())
    }

    async fn get(
        path: &str,
        headers: &[(&str, &str)],
    ) -> warp::http::Response<warp::hyper::body::Bytes> {
        let dir = tempfile::tempdir().unwrap();
        let mut request = warp::test::request().method("GET").path(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.reply(&routes(state(dir.path()))).await
    }

    fn header<'a>(
        response: &'a warp::http::Response<warp::hyper::body::Bytes>,
        name: &str,
    ) -> &'a str {
        response.headers()[name].to_str().unwrap()
    }

    #[tokio::test]
    async fn the_page_is_html_with_a_strict_csp() {
        let response = get("/?q=%E9%80%9A%E7%9F%A5&page=2", &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
        let csp = header(&response, "content-security-policy");
        assert!(csp.starts_with("default-src 'self'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(header(&response, "cache-control"), REVALIDATE);
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert!(response.headers().contains_key("x-request-id"));
        let html = std::str::from_utf8(response.body()).unwrap();
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains(r#"<html lang="zh-CN">"#));
        assert!(html.contains(r#"name="viewport""#));
        // The assets by their current versions; no inline script, nothing from elsewhere.
        let js = format!(r#"src="/assets/app.js?v={}""#, ASSETS.files[0].1.version);
        let css = format!(r#"href="/assets/app.css?v={}""#, ASSETS.files[1].1.version);
        assert!(html.contains(&js) && html.contains(&css), "{html}");
        assert_eq!(html.matches("<script").count(), 1);
        assert!(!html.contains("{{") && !html.contains("http:") && !html.contains("https:"));
        assert!(!html.contains(" style=") && !html.contains("<style"));
    }

    #[tokio::test]
    async fn assets_have_their_types_and_cache_headers() {
        for (path, content_type) in [
            ("/assets/app.js", "text/javascript; charset=utf-8"),
            ("/assets/app.css", "text/css; charset=utf-8"),
        ] {
            let response = get(path, &[]).await;
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(header(&response, "content-type"), content_type);
            assert_eq!(header(&response, "cache-control"), REVALIDATE);
            let etag = header(&response, "etag").to_string();
            assert!(etag.starts_with('"') && etag.len() == 18, "{etag}");
            assert!(!response.body().is_empty());

            // Revalidation: 304 without a body while the ETag matches.
            let response = get(path, &[("if-none-match", &etag)]).await;
            assert_eq!(response.status(), 304, "{path}");
            assert!(response.body().is_empty());
            assert_eq!(header(&response, "etag"), etag);
            let response = get(path, &[("if-none-match", "\"other\"")]).await;
            assert_eq!(response.status(), 200);

            // The versioned URL the page uses is cacheable for good; a stale version is not.
            let version = etag.trim_matches('"');
            let response = get(&format!("{path}?v={version}"), &[]).await;
            assert_eq!(header(&response, "cache-control"), IMMUTABLE);
            let response = get(&format!("{path}?v=0"), &[]).await;
            assert_eq!(header(&response, "cache-control"), REVALIDATE);
        }
        let page = get("/", &[]).await;
        let etag = header(&page, "etag").to_string();
        assert_eq!(get("/", &[("if-none-match", &etag)]).await.status(), 304);
    }

    #[tokio::test]
    async fn unknown_assets_and_paths_are_json_404() {
        for path in [
            "/assets/nope.js",
            "/assets/",
            "/assets/app.js/x",
            "/favicon.ico",
            "/x",
        ] {
            let response = get(path, &[]).await;
            assert_eq!(response.status(), 404, "{path}");
            assert_eq!(
                header(&response, "content-type"),
                "application/json; charset=utf-8"
            );
            let json: Value = serde_json::from_slice(response.body()).unwrap();
            assert_eq!(json["error"]["code"], "not_found", "{path}");
        }
    }

    #[tokio::test]
    async fn other_methods_on_the_page_are_405_and_the_api_still_answers_json() {
        let dir = tempfile::tempdir().unwrap();
        let response = warp::test::request()
            .method("POST")
            .path("/")
            .reply(&routes(state(dir.path())))
            .await;
        assert_eq!(response.status(), 405);

        for (path, status) in [
            ("/healthz", 200),
            ("/api/v1/search?q=%E9%80%9A%E7%9F%A5", 200),
            ("/api/v1/facets/category", 200),
            ("/api/v1/documents/nope", 404),
            ("/api/v1/search?page=0", 400),
            ("/api/v1/nope", 404),
        ] {
            let response = get(path, &[]).await;
            assert_eq!(response.status(), status, "{path}");
            assert_eq!(
                header(&response, "content-type"),
                "application/json; charset=utf-8",
                "{path}"
            );
            assert!(!response.headers().contains_key("content-security-policy"));
            let json: Value = serde_json::from_slice(response.body()).unwrap();
            assert!(json.is_object(), "{path}");
        }
    }

    #[test]
    fn digests_are_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(ASSETS.files[0].1.version, ASSETS.files[1].1.version);
    }
}
