//! Documents carrying markup and entity tricks (`tests/fixtures/xss/`) through the API: the
//! highlights are HTML whose only tags are `<mark>`, every other `<`, `>`, `&`, `"` and `'`
//! escaped; JSON answers are `application/json` with `nosniff`; the page and archived originals
//! carry their security headers. The answers are kept as snapshots (`tests/snapshots/`), so
//! any change in what reaches a client shows up in review. The same documents go through the
//! page in Chromium in `browser.rs`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use gongkai_index::IndexOptions;
use gongkai_ingest::Store;
use gongkai_server::{routes, AppState, ServerConfig};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss")
}

fn store(dir: &std::path::Path) -> Store {
    let store = Store::open(dir, &IndexOptions::default()).unwrap();
    let summary = gongkai_ingest::ingest(
        &store,
        &[fixtures()],
        &gongkai_ingest::IngestOptions::default(),
        "cli",
        &mut gongkai_ingest::Quiet,
    )
    .unwrap();
    assert_eq!((summary.added, summary.rejected), (4, 0), "{summary:?}");
    store
}

async fn get(state: &AppState, path: &str) -> (u16, warp::http::HeaderMap, Vec<u8>) {
    let response = warp::test::request()
        .path(path)
        .reply(&routes(state.clone()))
        .await;
    (
        response.status().as_u16(),
        response.headers().clone(),
        response.body().to_vec(),
    )
}

/// A highlight fragment is inert HTML: apart from `<mark>` and `</mark>` it has no tag, and
/// every `&` starts one of the five entities the highlighter writes.
fn assert_inert(fragment: &str) {
    let plain = fragment.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !plain.contains('<') && !plain.contains('>') && !plain.contains('"'),
        "markup in a highlight: {fragment}"
    );
    assert!(
        !plain.contains('\''),
        "a raw quote in a highlight: {fragment}"
    );
    for (at, _) in plain.match_indices('&') {
        let rest = &plain[at..];
        assert!(
            ["&lt;", "&gt;", "&amp;", "&quot;", "&#39;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "a bare & in a highlight: {fragment}"
        );
    }
    // Marks are balanced and never nested.
    let mut open = false;
    for tag in fragment
        .match_indices("mark>")
        .map(|(i, _)| &fragment[i - 1..i])
    {
        match tag {
            "<" => {
                assert!(!open, "nested <mark>: {fragment}");
                open = true;
            }
            "/" => {
                assert!(open, "unopened </mark>: {fragment}");
                open = false;
            }
            _ => panic!("odd mark tag in {fragment}"),
        }
    }
    assert!(!open, "unclosed <mark>: {fragment}");
}

fn assert_json_nosniff(headers: &warp::http::HeaderMap, what: &str) {
    assert_eq!(
        headers["content-type"], "application/json; charset=utf-8",
        "{what}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
}

#[tokio::test]
async fn markup_in_documents_never_reaches_a_client_as_markup() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(store(dir.path()), &ServerConfig::default());

    let (status, headers, body) = get(
        &state,
        "/api/v1/search?q=%E8%B7%A8%E7%AB%99%E8%84%9A%E6%9C%AC&facets=category,department",
    )
    .await;
    assert_eq!(status, 200);
    assert_json_nosniff(&headers, "search");
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["total"], 4, "{answer}");
    let mut hits: Vec<Value> = answer["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let highlights = &h["highlights"];
            if let Some(title) = highlights["title"].as_str() {
                assert_inert(title);
            }
            for fragment in highlights["body"].as_array().unwrap() {
                assert_inert(fragment.as_str().unwrap());
            }
            json!({
                "id": h["id"], "title": h["title"], "department": h["department"],
                "doc_number": h["doc_number"], "category": h["category"],
                "source_url": h["source_url"], "highlights": highlights,
            })
        })
        .collect();
    // The HTML page's id derives from its path, which differs between checkouts: the
    // snapshot names it PAGE_ID and orders hits by title.
    let page_id = hits
        .iter()
        .find(|h| h["title"].as_str().unwrap().contains("跨站脚本网页"))
        .map(|h| h["id"].as_str().unwrap().to_string())
        .unwrap();
    hits.sort_by(|a, b| a["title"].as_str().cmp(&b["title"].as_str()));
    insta::assert_snapshot!(
        "search_hits",
        serde_json::to_string_pretty(&json!({"hits": hits, "facets": answer["facets"]}))
            .unwrap()
            .replace(&page_id, "PAGE_ID")
    );

    // The document as data: JSON with nosniff; its text is the text, markup included.
    let (status, headers, body) = get(&state, "/api/v1/documents/xss-script").await;
    assert_eq!(status, 200);
    assert_json_nosniff(&headers, "document");
    let doc: Value = serde_json::from_slice(&body).unwrap();
    insta::assert_snapshot!(
        "document_xss_script",
        serde_json::to_string_pretty(&json!({
            "title": doc["title"], "body": doc["body"], "department": doc["department"],
            "doc_number": doc["doc_number"], "category": doc["category"],
            "source_url": doc["source_url"],
        }))
        .unwrap()
    );

    // The HTML page's extracted record: its <script>, <style> and attributes are gone, its
    // entity-encoded tags are text.
    let (status, _, body) = get(
        &state,
        "/api/v1/search?q=%E8%B7%A8%E7%AB%99%E8%84%9A%E6%9C%AC%E7%BD%91%E9%A1%B5",
    )
    .await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    let page_id = answer["hits"][0]["id"].as_str().unwrap().to_string();
    let (status, _, body) = get(&state, &format!("/api/v1/documents/{page_id}")).await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_slice(&body).unwrap();
    insta::assert_snapshot!(
        "document_html_page",
        serde_json::to_string_pretty(&json!({
            "title": page["title"], "body": page["body"], "department": page["department"],
        }))
        .unwrap()
    );
    let body_text = page["body"].as_str().unwrap();
    assert!(!body_text.contains("window.__xss=21") && !body_text.contains("__xss=27"));

    // The archived original is served byte for byte, but sandboxed: no script of it runs.
    let (status, headers, original) =
        get(&state, &format!("/api/v1/documents/{page_id}/original")).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&original).contains("<script>window.__xss=21</script>"));
    let sandbox = headers["content-security-policy"].to_str().unwrap();
    assert!(sandbox.starts_with("sandbox;"), "{sandbox}");
    assert_eq!(headers["x-content-type-options"], "nosniff");

    // Errors echo nothing as markup either: JSON, nosniff.
    let (status, headers, body) = get(&state, "/api/v1/documents/%3Cscript%3E").await;
    assert!(status == 400 || status == 404, "{status}");
    assert_json_nosniff(&headers, "error");
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert!(error["error"]["code"].is_string());

    // The page: strict CSP (no inline script), nosniff, no framing.
    let (status, headers, _) = get(&state, "/").await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}
