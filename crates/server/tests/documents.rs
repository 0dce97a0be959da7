//! The archive-backed routes through `warp::test`: the write API with keys, versions,
//! originals, reposts, withdrawal, and ids that try to become paths.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use gongkai_archive::keys::{KeyStore, Scope};
use gongkai_index::IndexOptions;
use gongkai_ingest::Store;
use gongkai_server::{routes, AppState, ServerConfig};
use serde_json::{json, Value};

struct Answer {
    status: u16,
    headers: warp::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

async fn call(request: warp::test::RequestBuilder, state: &AppState) -> Answer {
    let response = request.reply(&routes(state.clone())).await;
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.body().to_vec(),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    write_key: String,
    admin_key: String,
}

fn fixture() -> Fixture {
    fixture_with(ServerConfig::default())
}

fn fixture_with(config: ServerConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::open(dir.path());
    let (_, write_key) = keys.create(Some("staff"), Scope::Write).unwrap();
    let (_, admin_key) = keys.create(Some("root"), Scope::Admin).unwrap();
    let store = Store::open(dir.path(), &IndexOptions::default()).unwrap();
    Fixture {
        state: AppState::new(store, &config),
        _dir: dir,
        write_key,
        admin_key,
    }
}

fn post(
    key: Option<&str>,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> warp::test::RequestBuilder {
    let body = body.into();
    let mut request = warp::test::request()
        .method("POST")
        .path("/api/v1/documents")
        .header("content-type", content_type)
        .header("content-length", body.len().to_string())
        .body(body);
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    request
}

fn get(path: &str) -> warp::test::RequestBuilder {
    warp::test::request().path(path)
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn total(state: &AppState, q: &str) -> u64 {
    let answer = call(
        get(&format!("/api/v1/search?q={}&highlight=false", enc(q))),
        state,
    )
    .await;
    assert_eq!(answer.status, 200);
    answer.json()["total"].as_u64().unwrap()
}

fn record(id: &str, title: &str, body: &str) -> Value {
    json!({"id": id, "title": title, "body": body, "department": "县人民政府办公室",
           "publish_date": "2026-03-01", "source_url": format!("https://gov.example/{id}.html")})
}

#[tokio::test]
async fn writes_need_a_valid_key_with_scope() {
    let f = fixture();
    let body = serde_json::to_vec(&json!([record("k1", "关于冬季供暖的通知", "供暖")])).unwrap();
    let none = call(post(None, "application/json", body.clone()), &f.state).await;
    assert_eq!((none.status, none.code().as_str()), (401, "unauthorized"));
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    let wrong = call(
        post(Some("gk_nope"), "application/json", body.clone()),
        &f.state,
    )
    .await;
    assert_eq!(wrong.status, 401);
    let basic = call(
        post(None, "application/json", body.clone()).header("authorization", "Basic abc"),
        &f.state,
    )
    .await;
    assert_eq!(basic.status, 401);
    // The admin route refuses a write key, accepts an admin key.
    let refused = call(
        get("/api/v1/admin/archive").header("authorization", format!("Bearer {}", f.write_key)),
        &f.state,
    )
    .await;
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (403, "insufficient_scope")
    );
    let admin = call(
        get("/api/v1/admin/archive").header("authorization", format!("Bearer {}", f.admin_key)),
        &f.state,
    )
    .await;
    assert_eq!(admin.status, 200, "{:?}", admin.json());
    assert_eq!(admin.json()["archive"]["documents"], 0);
    // An admin key can write too.
    let ok = call(post(Some(&f.admin_key), "application/json", body), &f.state).await;
    assert_eq!(ok.status, 200, "{:?}", ok.json());
    // A revoked key stops working at once.
    KeyStore::open(f.state.store().data_dir())
        .revoke("staff")
        .unwrap();
    let revoked = call(
        post(Some(&f.write_key), "application/json", b"[]".to_vec()),
        &f.state,
    )
    .await;
    assert_eq!(revoked.status, 401);
    // Search stays public.
    assert_eq!(total(&f.state, "供暖").await, 1);
}

#[tokio::test]
async fn batch_write_is_searchable_at_once_and_reports_bad_items() {
    let f = fixture();
    let key = Some(f.write_key.as_str());
    let batch = json!([
        record("a1", "关于做好冬季供暖工作的通知", "各乡镇要保障困难群众温暖过冬。"),
        {"title": 5},
        record("a2", "关于开展春季植树活动的通知", "植树造林，绿化家园。"),
        {"body": "没有编号也没有网址"},
    ]);
    let answer = call(
        post(key, "application/json", serde_json::to_vec(&batch).unwrap()),
        &f.state,
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    let json = answer.json();
    assert_eq!(
        (json["added"].as_u64(), json["rejected"].as_u64()),
        (Some(2), Some(2))
    );
    let results = json["results"].as_array().unwrap();
    assert_eq!(results[0]["status"], "added");
    assert_eq!(results[0]["version"], 1);
    assert_eq!(results[1]["status"], "rejected");
    assert!(
        results[1]["error"].as_str().unwrap().contains("title"),
        "{}",
        results[1]
    );
    assert!(
        results[3]["error"].as_str().unwrap().contains("id"),
        "{}",
        results[3]
    );
    assert!(json["journal_seq"].as_u64().unwrap() >= 2);
    // Read-your-writes: the next request finds them.
    assert_eq!(total(&f.state, "温暖过冬").await, 1);
    assert_eq!(total(&f.state, "\"绿化家园\"").await, 1);

    // NDJSON, with a blank line and a broken line.
    let ndjson = format!(
        "{}\n\n{{not json\n{}\n",
        record(
            "a3",
            "关于调整最低工资标准的通知",
            "最低工资标准调整为每月二千元。"
        ),
        record(
            "a1",
            "关于做好冬季供暖工作的通知",
            "各乡镇要保障困难群众温暖过冬。"
        )
    );
    let answer = call(post(key, "application/x-ndjson", ndjson), &f.state).await;
    assert_eq!(answer.status, 200);
    let json = answer.json();
    let statuses: Vec<(u64, &str)> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        vec![(1, "added"), (3, "rejected"), (4, "unchanged")]
    );
    assert_eq!(total(&f.state, "最低工资").await, 1);

    // A single bad record is a 400 naming why; an empty body, a bad type, a non-JSON body too.
    let one = call(
        post(key, "application/json", br#"{"title": ""}"#.to_vec()),
        &f.state,
    )
    .await;
    assert_eq!((one.status, one.code().as_str()), (400, "invalid_document"));
    let empty = call(post(key, "application/json", b"[]".to_vec()), &f.state).await;
    assert_eq!(
        (empty.status, empty.code().as_str()),
        (400, "invalid_document")
    );
    let xml = call(post(key, "application/xml", b"<a/>".to_vec()), &f.state).await;
    assert_eq!(
        (xml.status, xml.code().as_str()),
        (415, "unsupported_media_type")
    );
    let garbage = call(post(key, "application/json", b"{oops".to_vec()), &f.state).await;
    assert_eq!(
        (garbage.status, garbage.code().as_str()),
        (400, "invalid_json")
    );
}

#[tokio::test]
async fn revisions_keep_versions_and_originals_byte_for_byte() {
    let f = fixture();
    let key = Some(f.write_key.as_str());
    let v1 = serde_json::to_vec(&record(
        "r1",
        "关于公布行政许可事项的通知",
        "第一版正文：事项共十项。",
    ))
    .unwrap();
    assert_eq!(
        call(post(key, "application/json", v1.clone()), &f.state)
            .await
            .status,
        200
    );
    let v2 = serde_json::to_vec(&record(
        "r1",
        "关于公布行政许可事项的通知",
        "第二版正文：事项共十二项。",
    ))
    .unwrap();
    let answer = call(post(key, "application/json", v2.clone()), &f.state).await;
    assert_eq!(answer.json()["results"][0]["status"], "updated");
    assert_eq!(answer.json()["results"][0]["version"], 2);
    // Search sees the newest version only.
    assert_eq!(total(&f.state, "\"十二项\"").await, 1);
    assert_eq!(total(&f.state, "\"共十项\"").await, 0);

    let doc = call(get("/api/v1/documents/r1"), &f.state).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.json()["version"], 2);
    let versions = call(get("/api/v1/documents/r1/versions"), &f.state)
        .await
        .json();
    assert_eq!(versions["status"], "active");
    let list = versions["versions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["actor"], "key:staff");
    assert_eq!(list[0]["content_type"], "application/json");
    let old = call(get("/api/v1/documents/r1/versions/1"), &f.state).await;
    assert_eq!(old.status, 200);
    assert_eq!(old.json()["record"]["body"], "第一版正文：事项共十项。");
    assert_eq!(old.json()["version"]["version"], 1);
    for (path, status) in [
        ("/api/v1/documents/r1/versions/3", 404),
        ("/api/v1/documents/r1/versions/0", 400),
        ("/api/v1/documents/r1/versions/x", 400),
        ("/api/v1/documents/nope/versions", 404),
    ] {
        assert_eq!(call(get(path), &f.state).await.status, status, "{path}");
    }
    let original = call(get("/api/v1/documents/r1/original?version=1"), &f.state).await;
    assert_eq!(original.status, 200);
    assert_eq!(original.body, v1);
    assert_eq!(original.headers["content-type"], "application/json");
    assert!(original.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"r1.json\""));
    let newest = call(get("/api/v1/documents/r1/original"), &f.state).await;
    assert_eq!(newest.body, v2);
}

fn fixture_page(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ingest/tests/fixtures/pages")
            .join(name),
    )
    .unwrap()
}

#[tokio::test]
async fn raw_pages_keep_their_bytes_and_reposts_merge() {
    let f = fixture();
    let key = Some(f.write_key.as_str());
    let page = fixture_page("county_notice_gbk.html");
    let url = "https://www.county.example.gov.cn/xxgk/tzgg/202301/t20230105_1.html";
    let no_url = call(post(key, "text/html", page.clone()), &f.state).await;
    assert_eq!(
        (no_url.status, no_url.code().as_str()),
        (400, "invalid_parameter")
    );
    let answer = call(
        post(key, "text/html", page.clone()).header("x-source-url", url),
        &f.state,
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    let id = answer.json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(answer.json()["results"][0]["status"], "added");

    let original = call(get(&format!("/api/v1/documents/{id}/original")), &f.state).await;
    assert_eq!(original.status, 200);
    assert_eq!(original.body, page, "the original comes back byte for byte");
    // Declared gb2312; decoded (and served) as its superset GB18030.
    assert_eq!(
        original.headers["content-type"],
        "text/html; charset=gb18030"
    );
    assert!(original.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("t20230105_1.html"));
    assert!(original.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(original.headers["x-content-type-options"], "nosniff");

    // The same page reposted by another portal: one document with two sources.
    let repost_url = "https://www.city.example.gov.cn/zwgk/xxgk/20230106/99.html";
    let answer = call(
        post(None, "text/html", page.clone())
            .header("authorization", format!("Bearer {}", f.write_key))
            .path(&format!("/api/v1/documents?url={}", enc(repost_url))),
        &f.state,
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    let result = &answer.json()["results"][0];
    assert_eq!(result["status"], "merged");
    assert_eq!(result["merged_into"], id.as_str());
    let alias = result["id"].as_str().unwrap().to_string();
    assert_ne!(alias, id);
    let doc = call(get(&format!("/api/v1/documents/{alias}")), &f.state).await;
    assert_eq!(
        doc.json()["id"],
        id.as_str(),
        "a repost's id answers with the document"
    );
    assert_eq!(doc.json()["also_published_at"][0], repost_url);
    let versions = call(get(&format!("/api/v1/documents/{id}/versions")), &f.state).await;
    assert_eq!(versions.json()["sources"][0]["url"], repost_url);
    let title = doc.json()["title"].as_str().unwrap().to_string();
    assert_eq!(total(&f.state, &format!("\"{title}\"")).await, 1);
}

#[tokio::test]
async fn withdrawal_hides_from_search_and_answers_gone() {
    let f = fixture();
    let key = Some(f.write_key.as_str());
    let batch = json!([
        record("w1", "关于废止部分规范性文件的决定", "废止文件目录见附件。"),
        record("w2", "关于保留部分规范性文件的决定", "保留文件目录见附件。"),
    ]);
    call(
        post(key, "application/json", serde_json::to_vec(&batch).unwrap()),
        &f.state,
    )
    .await;
    assert_eq!(total(&f.state, "文件目录").await, 2);
    let delete = |id: &str, key: Option<&str>| {
        let mut r = warp::test::request()
            .method("DELETE")
            .path(&format!("/api/v1/documents/{id}?reason={}", enc("误发")));
        if let Some(key) = key {
            r = r.header("authorization", format!("Bearer {key}"));
        }
        r
    };
    assert_eq!(call(delete("w1", None), &f.state).await.status, 401);
    let answer = call(delete("w1", key), &f.state).await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    assert_eq!(answer.json()["status"], "withdrawn");
    assert_eq!(answer.json()["withdrawn_by"], "key:staff");
    // Repeating it is harmless and keeps the first who and when.
    let again = call(delete("w1", key), &f.state).await;
    assert_eq!(again.json()["withdrawn_at"], answer.json()["withdrawn_at"]);
    assert_eq!(call(delete("missing", key), &f.state).await.status, 404);

    assert_eq!(total(&f.state, "文件目录").await, 1);
    let facets = call(get("/api/v1/facets/department"), &f.state)
        .await
        .json();
    assert_eq!(facets["values"][0]["count"], 1);
    let gone = call(get("/api/v1/documents/w1"), &f.state).await;
    assert_eq!((gone.status, gone.code().as_str()), (410, "gone"));
    assert_eq!(
        call(get("/api/v1/documents/w1/versions"), &f.state)
            .await
            .status,
        410
    );
    assert_eq!(
        call(get("/api/v1/documents/w1/original"), &f.state)
            .await
            .status,
        410
    );
    // Staff still see the history.
    let history = call(
        get("/api/v1/documents/w1/versions")
            .header("authorization", format!("Bearer {}", f.write_key)),
        &f.state,
    )
    .await;
    assert_eq!(history.status, 200);
    assert_eq!(history.json()["status"], "withdrawn");
    assert_eq!(history.json()["withdrawn_by"], "key:staff");
}

#[tokio::test]
async fn ids_never_become_paths() {
    let f = fixture();
    for (path, status) in [
        ("/api/v1/documents/..", 400),
        ("/api/v1/documents/../original", 400),
        ("/api/v1/documents/%2E%2E/original", 400),
        ("/api/v1/documents/no-such-doc/original", 404),
        ("/api/v1/documents/..%2F..%2Fetc%2Fpasswd/original", 400),
        ("/api/v1/documents/a%00b/original", 400),
        ("/api/v1/documents/%2Fetc%2Fpasswd/versions", 400),
        ("/api/v1/documents/a%5Cb", 400),
        ("/api/v1/documents/%FF/original", 400),
    ] {
        let answer = call(get(path), &f.state).await;
        assert_eq!(answer.status, status, "{path}: {:?}", answer.json());
        assert!(answer.json()["error"]["code"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn oversized_writes_are_refused() {
    let f = fixture_with(ServerConfig {
        max_write_bytes: 1000,
        ..ServerConfig::default()
    });
    let big = serde_json::to_vec(&record("big", "大", &"字".repeat(1000))).unwrap();
    let answer = call(post(Some(&f.write_key), "application/json", big), &f.state).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (413, "payload_too_large")
    );
}

#[tokio::test]
async fn aliases_apply_at_query_time_and_reload_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aliases.txt");
    std::fs::write(&file, "作息 | 办公时间\n").unwrap();
    let f = fixture_with(ServerConfig {
        aliases_file: Some(file.clone()),
        ..ServerConfig::default()
    });
    let body = serde_json::to_vec(&json!([record(
        "hours",
        "关于调整冬季办公时间的通知",
        "自十一月起调整办公时间。"
    )]))
    .unwrap();
    let put = call(post(Some(&f.write_key), "application/json", body), &f.state).await;
    assert_eq!(put.status, 200, "{}", put.json());
    let health = |state: AppState| async move {
        let answer = call(get("/healthz"), &state).await;
        assert_eq!(answer.status, 200);
        answer.json()
    };
    let first = health(f.state.clone()).await;
    let version = first["aliases_version"].as_str().unwrap().to_string();
    assert!(first["alias_groups"].as_u64().unwrap() > 30);
    assert_eq!(total(&f.state, "作息").await, 1);
    assert_eq!(
        total(&f.state, "\"作息\"").await,
        0,
        "a quoted phrase is only itself"
    );

    // The file changes: nothing until it is reloaded, by an admin only.
    std::fs::write(&file, "作息 | 上班时间\n").unwrap();
    assert_eq!(total(&f.state, "作息").await, 1);
    let reload = |key: Option<String>| {
        let mut request = warp::test::request()
            .method("POST")
            .path("/api/v1/admin/aliases/reload");
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        request
    };
    assert_eq!(call(reload(None), &f.state).await.status, 401);
    let writer = call(reload(Some(f.write_key.clone())), &f.state).await;
    assert_eq!(
        (writer.status, writer.code().as_str()),
        (403, "insufficient_scope")
    );
    let done = call(reload(Some(f.admin_key.clone())), &f.state).await;
    assert_eq!(done.status, 200, "{}", done.json());
    let reloaded = done.json()["version"].as_str().unwrap().to_string();
    assert_ne!(reloaded, version);
    assert_eq!(total(&f.state, "作息").await, 0);
    assert_eq!(
        health(f.state.clone()).await["aliases_version"],
        reloaded.as_str()
    );

    // A file that does not parse is refused with its line; the aliases in use stay.
    std::fs::write(&file, "作息 | 上班时间\n只有一个\n").unwrap();
    let bad = call(reload(Some(f.admin_key.clone())), &f.state).await;
    assert_eq!((bad.status, bad.code().as_str()), (400, "invalid_aliases"));
    assert!(bad.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 2"));
    assert_eq!(
        health(f.state.clone()).await["aliases_version"],
        reloaded.as_str()
    );
}
