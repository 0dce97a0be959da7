//! The HTTP API against the bundled sample: every endpoint and error path through
//! `warp::test`, and one real server on a free port.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use gongkai_core::Record;
use gongkai_index::{GongkaiIndex, IndexOptions};
use gongkai_ingest::Store;
use gongkai_search::{FacetField, Filters, SearchRequest};
use gongkai_server::{routes, AppState, ServerConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The sample, ingested once per test run.
static SAMPLE: LazyLock<Store> = LazyLock::new(|| {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gongkai-server-api-sample");
    let _ = std::fs::remove_dir_all(&dir);
    common::sample_store(&dir)
});

fn state() -> AppState {
    AppState::new(SAMPLE.clone(), &ServerConfig::default())
}

struct Answer {
    status: u16,
    headers: warp::http::HeaderMap,
    json: Value,
}

async fn call(request: warp::test::RequestBuilder, state: AppState) -> Answer {
    let response = request.reply(&routes(state)).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let json = if response.body().is_empty() {
        Value::Null
    } else {
        assert_eq!(
            headers["content-type"], "application/json; charset=utf-8",
            "status {status}"
        );
        serde_json::from_slice(response.body()).unwrap()
    };
    Answer {
        status,
        headers,
        json,
    }
}

async fn get(path: &str) -> Answer {
    call(warp::test::request().method("GET").path(path), state()).await
}

async fn post(path: &str, body: &str) -> Answer {
    call(
        warp::test::request()
            .method("POST")
            .path(path)
            .header("content-type", "application/json")
            .body(body),
        state(),
    )
    .await
}

fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.json);
    assert_eq!(answer.json["error"]["code"], code, "{}", answer.json);
    assert!(answer.json["error"]["message"].is_string());
}

/// The engine's answer as JSON, without the timing.
fn direct(request: &SearchRequest) -> Value {
    let response = gongkai_search::search(SAMPLE.index(), request).unwrap();
    without_took(serde_json::to_value(response).unwrap())
}

fn without_took(mut value: Value) -> Value {
    value.as_object_mut().unwrap().remove("took_ms");
    value
}

fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The two most common years and the most common department of the sample.
fn common_values() -> (i64, i64, String) {
    let response = gongkai_search::search(
        SAMPLE.index(),
        &SearchRequest {
            facets: vec![FacetField::Year, FacetField::Department],
            size: 1,
            ..SearchRequest::default()
        },
    )
    .unwrap();
    let years = &response.facets["year"];
    let department = response.facets["department"][0].value.clone();
    (
        years[0].value.parse().unwrap(),
        years[1].value.parse().unwrap(),
        department,
    )
}

#[tokio::test]
async fn search_get_with_repeated_filters_and_facets() {
    let (y1, y2, department) = common_values();
    let answer = get(&format!(
        "/api/v1/search?q=&year={y1}&year={y2}&department={}&facets=department,year&size=5&ignored=1",
        enc(&department)
    ))
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let expected = direct(&SearchRequest {
        filters: Filters {
            year: vec![y1, y2],
            department: vec![department.clone()],
            ..Filters::default()
        },
        facets: vec![FacetField::Department, FacetField::Year],
        size: 5,
        ..SearchRequest::default()
    });
    assert!(expected["total"].as_u64().unwrap() > 0);
    assert_eq!(without_took(answer.json), expected);

    // OR within a field: both years find at least as much as either.
    let one = get(&format!("/api/v1/search?year={y1}")).await;
    let both = get(&format!("/api/v1/search?year={y1}&year={y2}")).await;
    assert!(both.json["total"].as_u64() > one.json["total"].as_u64());
}

#[tokio::test]
async fn search_get_text_query_matches_the_engine() {
    let q = "条例";
    let answer = get(&format!(
        "/api/v1/search?q={}&sort=date_desc&page=2&size=3",
        enc(q)
    ))
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let expected = direct(&SearchRequest {
        q: q.into(),
        sort: gongkai_search::Sort::DateDesc,
        page: 2,
        size: 3,
        ..SearchRequest::default()
    });
    assert!(expected["total"].as_u64().unwrap() > 3);
    assert_eq!(without_took(answer.json), expected);

    let plain = get(&format!("/api/v1/search?q={}&highlight=false", enc(q))).await;
    assert!(plain.json["hits"][0].get("highlights").is_none());
}

#[tokio::test]
async fn search_post_equals_get() {
    let (y1, y2, department) = common_values();
    let get_answer = get(&format!(
        "/api/v1/search?q={}&year={y1}&year={y2}&department={}&facets=department,year&sort=date_asc",
        enc("通知"),
        enc(&department)
    ))
    .await;
    assert_eq!(get_answer.status, 200);
    let body = serde_json::json!({
        "q": "通知",
        "year": [y1, y2],
        "department": department,
        "facets": ["department", "year"],
        "sort": "date_asc",
    });
    let post_answer = post("/api/v1/search", &body.to_string()).await;
    assert_eq!(post_answer.status, 200, "{}", post_answer.json);
    assert_eq!(
        without_took(post_answer.json),
        without_took(get_answer.json)
    );

    // Scalars and comma lists work in the body too.
    let body = serde_json::json!({"q": "通知", "year": y1, "facets": "department,year"});
    let answer = post("/api/v1/search", &body.to_string()).await;
    assert_eq!(answer.status, 200);
    assert!(answer.json["facets"]["year"].is_array());
}

#[tokio::test]
async fn search_post_errors() {
    assert_error(
        &post("/api/v1/search", "{\"q\": ").await,
        400,
        "invalid_json",
    );
    assert_error(&post("/api/v1/search", "[]").await, 400, "invalid_json");
    let unknown = post("/api/v1/search", r#"{"q":"a","colour":"red"}"#).await;
    assert_error(&unknown, 400, "invalid_parameter");
    assert!(unknown.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("colour"));
    assert_error(
        &post("/api/v1/search", r#"{"size": 0}"#).await,
        400,
        "invalid_parameter",
    );

    let small = AppState::new(
        SAMPLE.clone(),
        &ServerConfig {
            max_body_bytes: 64,
            ..ServerConfig::default()
        },
    );
    let big = format!(r#"{{"q":"{}"}}"#, "x".repeat(100));
    let answer = call(
        warp::test::request()
            .method("POST")
            .path("/api/v1/search")
            .body(big),
        small,
    )
    .await;
    assert_error(&answer, 413, "payload_too_large");
}

#[tokio::test]
async fn invalid_parameters_are_400_naming_the_value() {
    for (query, code, needle) in [
        ("page=0", "invalid_parameter", "page"),
        ("size=101", "invalid_parameter", "\"101\""),
        ("size=0", "invalid_parameter", "size"),
        ("sort=x", "invalid_parameter", "\"x\""),
        ("year=abc", "invalid_parameter", "\"abc\""),
        ("year_from=20x", "invalid_parameter", "year_from"),
        (
            "date_from=2019-13-01",
            "invalid_parameter",
            "\"2019-13-01\"",
        ),
        (
            "date_to=2019%E5%B9%B41%E6%9C%881%E6%97%A5",
            "invalid_parameter",
            "date_to",
        ),
        (
            "facets=department,colour",
            "invalid_parameter",
            "\"colour\"",
        ),
        ("highlight=perhaps", "invalid_parameter", "highlight"),
        ("page=1001&size=10", "invalid_parameter", "10000"),
        (
            "year_from=2020&year_to=2010",
            "invalid_parameter",
            "year_from",
        ),
        ("q=%22abc", "invalid_query", "quote"),
    ] {
        let answer = get(&format!("/api/v1/search?{query}")).await;
        assert_error(&answer, 400, code);
        let message = answer.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
}

#[tokio::test]
async fn hostile_input_never_500s() {
    for query in [
        "q=%FF%FE",
        "q=%22%22%22",
        "q=-",
        "q=OR+OR+OR",
        "q=((((",
        "q=*:*",
        "q=%00%01",
        "q=%E3%80%94%E3%80%95",
        "department=%00&category=%2F%2F&year=-1",
        "year=99999999999999999999",
        "page=18446744073709551615&size=100",
        "&&&==&",
        "q",
    ] {
        let answer = get(&format!("/api/v1/search?{query}")).await;
        assert!(answer.status < 500, "{query}: {}", answer.json);
        let answer = get(&format!("/api/v1/facets/year?{query}")).await;
        assert!(answer.status < 500, "{query}: {}", answer.json);
    }
    let long = "字".repeat(5000);
    let answer = get(&format!("/api/v1/search?q={}", enc(&long))).await;
    assert!(answer.status < 500, "{}", answer.json);
}

#[tokio::test]
async fn documents() {
    let hit = direct(&SearchRequest::default())["hits"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = get(&format!("/api/v1/documents/{}", enc(&hit))).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let record: Record = serde_json::from_value(answer.json).unwrap();
    assert_eq!(record, SAMPLE.index().get(&hit).unwrap().unwrap());

    assert_error(
        &get("/api/v1/documents/no-such-document").await,
        404,
        "not_found",
    );
    assert_error(
        &get(&format!("/api/v1/documents/{}", enc("没有"))).await,
        404,
        "not_found",
    );
    assert_error(
        &get("/api/v1/documents/a%2Fb").await,
        400,
        "invalid_parameter",
    );
    assert_error(
        &get("/api/v1/documents/a%20b").await,
        400,
        "invalid_parameter",
    );
    assert_error(
        &get("/api/v1/documents/%FF").await,
        400,
        "invalid_parameter",
    );
    let long = "a".repeat(200);
    assert_error(
        &get(&format!("/api/v1/documents/{long}")).await,
        400,
        "invalid_parameter",
    );
}

#[tokio::test]
async fn facets_endpoint_counts_every_value() {
    let (y1, _, _) = common_values();
    for field in FacetField::ALL {
        let answer = get(&format!(
            "/api/v1/facets/{}?q={}&year_from={y1}&page=0",
            field.name(),
            enc("通知")
        ))
        .await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        let expected = direct(&SearchRequest {
            q: "通知".into(),
            filters: Filters {
                year_from: Some(y1),
                ..Filters::default()
            },
            facets: vec![field],
            facet_limit: 1000,
            size: 1,
            ..SearchRequest::default()
        });
        assert_eq!(answer.json["field"], field.name());
        assert_eq!(answer.json["values"], expected["facets"][field.name()]);
        assert_eq!(answer.json["truncated"], false);
    }
    let departments = get("/api/v1/facets/department").await;
    let sum: u64 = departments.json["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    assert!(sum > 0);

    let unknown = get("/api/v1/facets/colour").await;
    assert_error(&unknown, 400, "invalid_parameter");
    assert!(unknown.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("\"colour\""));
    assert_error(
        &get("/api/v1/facets/year?year=abc").await,
        400,
        "invalid_parameter",
    );
}

#[tokio::test]
async fn facets_endpoint_truncates_at_1000() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &IndexOptions::default()).unwrap();
    let index = store.index().clone();
    let mut writer = index.writer(1, 50 << 20).unwrap();
    for i in 0..1001 {
        let mut record = Record {
            id: format!("d{i}"),
            title: format!("通知{i}"),
            body: "正文".into(),
            department: Some(format!("部门{i:04}")),
            ..Record::default()
        };
        record.finish(None).unwrap();
        writer.upsert(&record).unwrap();
    }
    writer.commit().unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();
    let state = AppState::new(store, &ServerConfig::default());
    let answer = call(
        warp::test::request().path("/api/v1/facets/department"),
        state.clone(),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json["values"].as_array().unwrap().len(), 1000);
    assert_eq!(answer.json["truncated"], true);
    let answer = call(
        warp::test::request().path("/api/v1/facets/department?q=%E9%80%9A%E7%9F%A51000"),
        state,
    )
    .await;
    assert_eq!(answer.json["truncated"], false);
}

#[tokio::test]
async fn healthz() {
    let answer = get("/healthz").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json,
        serde_json::json!({
            "status": "ok",
            "documents": SAMPLE.index().num_docs(),
            "aliases_version": gongkai_search::aliases::Aliases::builtin().version(),
            "alias_groups": gongkai_search::aliases::Aliases::builtin().len(),
        })
    );
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    assert_error(&get("/nope").await, 404, "not_found");
    assert_error(&get("/api/v1/search/extra").await, 404, "not_found");
    assert_error(&get("/api/v2/search").await, 404, "not_found");
    for (method, path) in [
        ("DELETE", "/api/v1/search"),
        ("PUT", "/healthz"),
        ("POST", "/api/v1/documents/x"),
        ("POST", "/api/v1/facets/year"),
    ] {
        let answer = call(warp::test::request().method(method).path(path), state()).await;
        assert_error(&answer, 405, "method_not_allowed");
    }
    let answer = call(warp::test::request().method("POST").path("/nope"), state()).await;
    assert_error(&answer, 404, "not_found");
}

#[tokio::test]
async fn cors_headers_on_success_error_and_preflight() {
    for path in ["/healthz", "/nope", "/api/v1/search?page=0"] {
        let answer = call(
            warp::test::request()
                .path(path)
                .header("origin", "https://portal.example"),
            state(),
        )
        .await;
        assert_eq!(
            answer.headers["access-control-allow-origin"], "https://portal.example",
            "{path}"
        );
        assert!(answer
            .headers
            .get("access-control-allow-credentials")
            .is_none());
        assert!(answer.headers.contains_key("x-request-id"), "{path}");
    }
    let preflight = call(
        warp::test::request()
            .method("OPTIONS")
            .path("/api/v1/search")
            .header("origin", "https://portal.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type"),
        state(),
    )
    .await;
    assert_eq!(preflight.status, 200);
    let methods = preflight.headers["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    assert!(preflight.headers.contains_key("x-request-id"));

    let refused = call(
        warp::test::request()
            .method("OPTIONS")
            .path("/api/v1/search")
            .header("origin", "https://portal.example")
            .header("access-control-request-method", "DELETE"),
        state(),
    )
    .await;
    assert_error(&refused, 403, "forbidden");
}

#[tokio::test]
async fn request_ids_are_generated_or_echoed() {
    let a = get("/healthz").await;
    let b = get("/nope").await;
    let (a, b) = (&a.headers["x-request-id"], &b.headers["x-request-id"]);
    assert_ne!(a, b);
    assert!(!a.is_empty());

    let echoed = call(
        warp::test::request()
            .path("/healthz")
            .header("x-request-id", "portal-42.abc"),
        state(),
    )
    .await;
    assert_eq!(echoed.headers["x-request-id"], "portal-42.abc");
    let replaced = call(
        warp::test::request()
            .path("/healthz")
            .header("x-request-id", "bad id <script>"),
        state(),
    )
    .await;
    assert_ne!(replaced.headers["x-request-id"], "bad id <script>");
}

/// One raw HTTP/1.1 exchange.
async fn http_get(address: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.to_string(), body.to_string())
}

#[test]
fn run_serves_on_a_free_port_and_shuts_down() {
    let index = SAMPLE.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..ServerConfig::default()
        };
        let server = tokio::spawn(gongkai_server::run(
            index,
            config,
            move |address| {
                let _ = bound_tx.send(address);
            },
            async move {
                let _ = stop_rx.await;
            },
        ));
        let address = bound_rx.await.unwrap();
        assert_ne!(address.port(), 0);

        let (head, body) = http_get(address, "/healthz").await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head
            .to_ascii_lowercase()
            .contains("content-type: application/json; charset=utf-8"));
        assert!(head.to_ascii_lowercase().contains("x-request-id: "));
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["status"], "ok");

        let (head, body) = http_get(address, "/api/v1/search?q=%E9%80%9A%E7%9F%A5&size=2").await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert!(json["total"].as_u64().unwrap() > 0);

        stop_tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("run returns after shutdown")
            .unwrap()
            .unwrap();
    });
}

#[test]
fn run_reports_bind_errors() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = ServerConfig {
            listen: taken.local_addr().unwrap(),
            ..ServerConfig::default()
        };
        let result = gongkai_server::run(SAMPLE.clone(), config, |_| {}, async {}).await;
        assert!(matches!(
            result,
            Err(gongkai_server::ServerError::Bind { .. })
        ));
    });
}

/// Any document id of the sample.
fn some_id() -> String {
    let response = gongkai_search::search(
        SAMPLE.index(),
        &SearchRequest {
            size: 1,
            ..SearchRequest::default()
        },
    )
    .unwrap();
    response.hits[0].id.clone()
}

#[tokio::test]
async fn openapi_lists_exactly_the_routes_and_each_answers() {
    let answer = get("/api/v1/openapi.json").await;
    assert_eq!(answer.status, 200);
    let doc = answer.json;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let methods = ["get", "post", "put", "delete", "patch", "head", "options"];
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if !methods.contains(&method.as_str()) {
                continue;
            }
            documented.insert((method.to_uppercase(), path.clone()));
            // Every error answer is the error shape; every route documents 405 and 500.
            let responses = operation["responses"].as_object().unwrap();
            for status in ["200", "405", "500"] {
                assert!(responses.contains_key(status), "{method} {path}: {status}");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().unwrap();
                    let (_, media) = content.iter().next().unwrap();
                    assert_eq!(
                        media["schema"]["$ref"], "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    let table: std::collections::BTreeSet<(String, String)> = gongkai_server::ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, table);

    // Each documented route is answered (neither "no such route" nor another method's).
    let id = some_id();
    for route in gongkai_server::ROUTES {
        let path = route
            .path
            .replace("{id}", &enc(&id))
            .replace("{field}", "year")
            .replace("{n}", "1");
        let mut request = warp::test::request().method(route.method).path(&path);
        if route.method == "POST" {
            request = request
                .header("content-type", "application/json")
                .body("{}");
        }
        let response = request.reply(&routes(state())).await;
        // Write and admin routes answer 401 without a key (tests/documents.rs uses keys).
        let needs_key = route.method == "DELETE"
            || (route.method == "POST" && route.path == "/api/v1/documents")
            || route.path.starts_with("/api/v1/admin/");
        if needs_key {
            assert_eq!(response.status(), 401, "{} {path}", route.method);
        } else {
            assert!(
                response.status().is_success(),
                "{} {path}: {}",
                route.method,
                response.status()
            );
        }
        assert_eq!(gongkai_server::route_template(&path), Some(route.path));
    }

    // The schemas are the real types, custom serialisations included.
    let schemas = &doc["components"]["schemas"];
    for name in [
        "SearchResponse",
        "Hit",
        "FacetValue",
        "Highlights",
        "Record",
        "Validity",
        "Error",
        "FacetField",
    ] {
        assert!(schemas.get(name).is_some(), "{name}");
    }
    assert_eq!(schemas["Date"]["type"], "string");
    assert_eq!(schemas["Date"]["format"], "date");
    let validity = schemas["Validity"].to_string();
    assert!(
        validity.contains("有效") && validity.contains("已修改"),
        "{validity}"
    );
    let search = &doc["paths"]["/api/v1/search"]["get"]["parameters"];
    let names: Vec<&str> = search
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 20, "{names:?}");
    assert!(doc["paths"]["/api/v1/search"]["post"]["requestBody"].is_object());
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let state = state();
    let id = some_id();
    let raw_id_path = format!("/api/v1/documents/{}", enc(&id));
    for path in [
        raw_id_path.as_str(),
        "/api/v1/documents/no-such-document-xyz",
        "/no/such/route",
        "/healthz",
    ] {
        warp::test::request()
            .path(path)
            .reply(&routes(state.clone()))
            .await;
    }
    let scrape = || async {
        let response = warp::test::request()
            .path("/metrics")
            .reply(&routes(state.clone()))
            .await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"));
        String::from_utf8(response.body().to_vec()).unwrap()
    };
    let text = scrape().await;
    let value = |text: &str, series: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    };
    let documents = r#"gongkai_http_requests_total{method="GET",route="/api/v1/documents/{id}","#;
    assert_eq!(
        value(&text, &format!("{documents}status=\"200\"}}")),
        Some(1.0)
    );
    assert_eq!(
        value(&text, &format!("{documents}status=\"404\"}}")),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            r#"gongkai_http_errors_total{route="/api/v1/documents/{id}",status="404",code="not_found"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            r#"gongkai_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            r#"gongkai_http_request_duration_seconds_count{method="GET",route="/healthz"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "gongkai_index_documents"),
        Some(SAMPLE.index().num_docs() as f64)
    );
    assert!(value(&text, "gongkai_index_size_bytes").unwrap() > 0.0);
    // Bounded cardinality: raw paths never become labels.
    assert!(
        !text.contains(&id) && !text.contains("no-such-document") && !text.contains("/no/such")
    );
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (_, number) = line.rsplit_once(' ').unwrap();
        assert!(number.parse::<f64>().is_ok(), "{line}");
    }
    assert!(text.ends_with("# EOF\n"));

    // Counters move: the first scrape is counted by the second.
    let text = scrape().await;
    assert_eq!(
        value(
            &text,
            r#"gongkai_http_requests_total{method="GET",route="/metrics",status="200"}"#
        ),
        Some(1.0)
    );
}

#[tokio::test]
async fn cors_allowlist_refuses_other_origins() {
    let config = ServerConfig {
        cors_origins: vec!["https://portal.example".into()],
        ..ServerConfig::default()
    };
    let state = AppState::new(SAMPLE.clone(), &config);
    let with_origin =
        |path: &str, origin: &str| warp::test::request().path(path).header("origin", origin);
    for path in ["/healthz", "/nope"] {
        let allowed = call(with_origin(path, "https://portal.example"), state.clone()).await;
        assert_eq!(
            allowed.headers["access-control-allow-origin"], "https://portal.example",
            "{path}"
        );
    }
    let refused = call(
        with_origin("/healthz", "https://evil.example"),
        state.clone(),
    )
    .await;
    assert_error(&refused, 403, "forbidden");
    assert!(refused.headers.get("access-control-allow-origin").is_none());
    assert!(refused.headers.contains_key("x-request-id"));
    let preflight = call(
        warp::test::request()
            .method("OPTIONS")
            .path("/api/v1/search")
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "GET"),
        state.clone(),
    )
    .await;
    assert_error(&preflight, 403, "forbidden");
    // Requests without an Origin (not from a browser) are unaffected.
    let plain = call(warp::test::request().path("/healthz"), state).await;
    assert_eq!(plain.status, 200);
}

#[tokio::test]
async fn documents_committed_after_start_become_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let add = |index: &GongkaiIndex, id: &str, title: &str| {
        let mut writer = index.writer(1, 50 << 20).unwrap();
        let mut record = Record {
            id: id.into(),
            title: title.into(),
            body: "正文".into(),
            ..Record::default()
        };
        record.finish(None).unwrap();
        writer.upsert(&record).unwrap();
        writer.commit().unwrap();
        writer.finish().unwrap();
    };
    let store = Store::open(dir.path(), &IndexOptions::default()).unwrap();
    let served = store.index().clone();
    add(&served, "first", "关于开展春季植树活动的通知");
    served.reload().unwrap();
    let state = AppState::new(store, &ServerConfig::default());
    let total = |state: AppState| async move {
        let answer = call(
            warp::test::request().path(&format!("/api/v1/search?q={}", enc("候鸟保护"))),
            state,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        answer.json["total"].as_u64().unwrap()
    };
    assert_eq!(total(state.clone()).await, 0);

    // Another handle on the same directory, as `gongkai ingest` in another process would be.
    let writer_side =
        GongkaiIndex::open(&dir.path().join("index"), &IndexOptions::default()).unwrap();
    add(&writer_side, "second", "关于加强候鸟保护工作的通知");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while total(state.clone()).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the commit never became visible"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(total(state.clone()).await, 1);
    let health = call(warp::test::request().path("/healthz"), state).await;
    assert_eq!(health.json["documents"], 2);
}

#[tokio::test]
async fn configured_limits_apply_to_queries_paging_and_facets() {
    let tight = || {
        AppState::new(
            SAMPLE.clone(),
            &ServerConfig {
                limits: gongkai_search::Limits {
                    query_chars: 10,
                    query_terms: 3,
                    result_window: 50,
                    facet_values: 5,
                },
                ..ServerConfig::default()
            },
        )
    };
    let get_tight = |path: String| async move {
        call(warp::test::request().method("GET").path(&path), tight()).await
    };
    let long = get_tight(format!("/api/v1/search?q={}", enc(&"条".repeat(11)))).await;
    assert_error(&long, 400, "invalid_query");
    assert!(long.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("10 characters"));
    let many = get_tight(format!("/api/v1/search?q={}", enc("条 办 规 决"))).await;
    assert_error(&many, 400, "invalid_query");
    assert!(many.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("3 terms"));
    assert_eq!(
        get_tight(format!("/api/v1/search?q={}", enc("条例 办法")))
            .await
            .status,
        200
    );
    let deep = get_tight("/api/v1/search?page=6&size=10".into()).await;
    assert_error(&deep, 400, "invalid_parameter");
    assert!(deep.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("first 50 hits"));
    assert_eq!(
        get_tight("/api/v1/search?page=5&size=10".into())
            .await
            .status,
        200
    );
    let wide = get_tight("/api/v1/search?facets=department&facet_limit=6".into()).await;
    assert_error(&wide, 400, "invalid_parameter");
    assert!(wide.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1 to 5"));
    let facets = get_tight("/api/v1/facets/department".into()).await;
    assert_eq!(facets.status, 200, "{}", facets.json);
    assert_eq!(facets.json["values"].as_array().unwrap().len(), 5);
    assert_eq!(facets.json["truncated"], true);
    // The defaults are wider: the same requests pass.
    assert_eq!(
        get(&format!("/api/v1/search?q={}", enc(&"条".repeat(11))))
            .await
            .status,
        200
    );
    assert_eq!(get("/api/v1/search?page=6&size=10").await.status, 200);
}

#[tokio::test]
async fn related_documents_route() {
    let any = get("/api/v1/search?size=1").await;
    let id = any.json["hits"][0]["id"].as_str().unwrap().to_string();
    let answer = get(&format!("/api/v1/documents/{id}/related?size=3")).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["id"], id.as_str());
    for relation in ["cites", "cited_by", "similar"] {
        let list = answer.json[relation].as_array().unwrap();
        assert!(list.len() <= 3, "{relation}");
        assert!(list
            .iter()
            .all(|d| d["id"] != id.as_str() && d["title"].is_string()));
    }
    assert!(answer.json["cited_by_total"].is_u64());
    assert!(!answer.json["similar"].as_array().unwrap().is_empty());
    assert_error(
        &get("/api/v1/documents/nope/related").await,
        404,
        "not_found",
    );
    assert_error(
        &get(&format!("/api/v1/documents/{id}/related?size=0")).await,
        400,
        "invalid_parameter",
    );
    assert_error(
        &get(&format!("/api/v1/documents/{id}/related?size=21")).await,
        400,
        "invalid_parameter",
    );
}
