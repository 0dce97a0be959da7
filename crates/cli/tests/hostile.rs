//! Query-of-death suite against the real binary on loopback: well over 1,000 hostile requests
//! (deep nesting, huge queries, 1,000 OR'd terms, regex / wildcard / fuzzy / range syntax,
//! control characters, lone surrogates, invalid UTF-8 and raw GBK bytes, absurd paging, unknown
//! parameters, huge facet lists, hostile JSON bodies). Passes when no answer is ≥ 500, every
//! refusal is a 4xx with the JSON error body, p99 latency is under 200 ms, the server's RSS grows
//! by less than 100 MB, and it is healthy afterwards. The one exception to the JSON body: a
//! request line that is not valid HTTP (raw non-ASCII or control bytes in the target, a target
//! over 64 KB) is refused by hyper before any route, with a bare 400 or 414.
//!
//! `GONGKAI_HOSTILE_SEED=N` replays the random part; `GONGKAI_HOSTILE_EXTRA=N` adds N more
//! random requests (long form).
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

mod common;
use common::{enc, env_number, serve, Rng};

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// A raw request: the request line's target as bytes (not checked, not encoded), a method, a
/// body. Returns status, body and latency.
fn send(
    addr: SocketAddr,
    method: &str,
    target: &[u8],
    body: &[u8],
    content_type: &str,
) -> (u16, Vec<u8>, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = Vec::new();
    request.extend_from_slice(method.as_bytes());
    request.push(b' ');
    request.extend_from_slice(target);
    request.extend_from_slice(
        format!(
            " HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(body);
    let _ = stream.write_all(&request);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let elapsed = started.elapsed();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.get(split + 4..).unwrap_or_default().to_vec();
    (status, body, elapsed)
}

/// The fixed part: every class of hostile input at least once.
fn fixed_cases() -> Vec<(String, Vec<u8>, Vec<u8>, &'static str)> {
    let get = |target: String| {
        (
            "GET".to_string(),
            target.into_bytes(),
            Vec::new(),
            "text/plain",
        )
    };
    let mut cases = Vec::new();
    for depth in [10, 11, 20, 40, 100, 1000, 5000, 10_000] {
        let q = format!("{}政府{}", "(".repeat(depth), ")".repeat(depth));
        cases.push(get(format!("/api/v1/search?q={}", enc(&q))));
        cases.push(get(format!("/api/v1/search?q={}", enc(&"(".repeat(depth)))));
        cases.push(get(format!(
            "/api/v1/facets/year?q={}",
            enc(&"-(".repeat(depth))
        )));
    }
    for len in [1999, 2000, 2001, 20_000] {
        for unit in ["字", "a", "\"", "-", " ", "〔"] {
            cases.push(get(format!("/api/v1/search?q={}", enc(&unit.repeat(len)))));
        }
    }
    let or_terms: Vec<String> = (0..1000).map(|i| format!("词{i}")).collect();
    cases.push(get(format!(
        "/api/v1/search?q={}",
        enc(&or_terms.join(" OR "))
    )));
    cases.push(get(format!(
        "/api/v1/search?q={}",
        enc(&or_terms[..64].join(" OR "))
    )));
    cases.push(get(format!(
        "/api/v1/search?q={}",
        enc(&or_terms[..65].join(" "))
    )));
    for syntax in [
        "/政.*府/",
        "政*",
        "政?府",
        "政府~2",
        "政府^10",
        "[a TO z]",
        "{1 TO 5}",
        "year:[2000 TO 2020]",
        "*:*",
        "*",
        "?",
        "title:",
        "title:\"",
        "title:(",
        "\"unclosed",
        "\"\"",
        "\"",
        "\\",
        "\\\"",
        "a AND b",
        "NOT a",
        "a && b",
        "a || b",
        "!a",
        "+a -b",
        "--a",
        "- -",
        "OR",
        "OR OR OR",
        "AND",
        "title:title:title:",
        "_id:1",
        "$where",
        "'; DROP TABLE docs; --",
        "${jndi:ldap://x}",
        "<script>alert(1)</script>",
        "\"><svg onload=alert(1)>",
        "&#x3C;script&#x3E;",
        "%00",
        "{{7*7}}",
        "../../etc/passwd",
        "国办发〔2017〕",
        "〔〕[]【】()",
        "第号",
        "令第号",
    ] {
        cases.push(get(format!("/api/v1/search?q={}", enc(syntax))));
        cases.push(get(format!("/api/v1/facets/department?q={}", enc(syntax))));
    }
    // Control characters, lone surrogates (as CESU bytes), invalid UTF-8, GBK bytes.
    for raw in [
        "%00",
        "%01%02%03",
        "%07",
        "%08",
        "%0A%0D",
        "%1B%5B31m",
        "%7F",
        "%C0%80",
        "%ED%A0%80",
        "%ED%BF%BF",
        "%ED%A0%80%ED%B0%80",
        "%FF%FE",
        "%FE%FF",
        "%F8%88%80%80%80",
        "%E4%B8",
        "%D5%FE%B8%AE",
        "%B9%FA%CE%F1%D4%BA",
        "%81%30%81%30",
        "%EF%BF%BF",
        "%F4%90%80%80",
        "%25",
        "%%",
        "%G0",
        "%",
        "%E2%80%AE%E2%80%AD",
        "%EF%BB%BF",
    ] {
        cases.push(get(format!("/api/v1/search?q={raw}")));
        cases.push(get(format!(
            "/api/v1/search?department={raw}&q=%E6%9D%A1%E4%BE%8B"
        )));
        cases.push(get(format!("/api/v1/documents/{raw}")));
        cases.push(get(format!("/api/v1/documents/{raw}/original")));
    }
    // Raw, unencoded bytes in the request target: GBK, control, high bytes.
    for raw in [
        &b"\xd5\xfe\xb8\xae"[..],
        b"\xff\xfe",
        b"\x01",
        b"\xed\xa0\x80",
    ] {
        let mut target = b"/api/v1/search?q=".to_vec();
        target.extend_from_slice(raw);
        cases.push(("GET".to_string(), target, Vec::new(), "text/plain"));
    }
    for paging in [
        "page=-1",
        "page=0",
        "page=1000000000",
        "page=18446744073709551616",
        "page=1e3",
        "page=abc",
        "page=1&page=2",
        "size=0",
        "size=-5",
        "size=101",
        "size=99999999999999999999",
        "size=1.5",
        "size=",
        "page=",
        "page=1001&size=10",
        "page=100&size=100",
        "page=101&size=100",
        "sort=random",
        "sort=",
        "sort=date_desc&sort=date_asc",
        "highlight=maybe",
        "facet_limit=0",
        "facet_limit=1000001",
        "year=abc",
        "year=-1",
        "year=99999",
        "year_from=2020&year_to=2010",
        "date_from=2020-13-01",
        "date_from=2020-02-30",
        "date_to=0000-00-00",
        "date_from=9999-12-31",
        "validity=%E6%97%A0",
        "category=%2F%2F%2F",
        "category=..%2F..",
        "unknown=1",
        "q[]=1",
        "q=1&q=2",
        "facets=nope",
        "facets=",
        "facets=%2C%2C%2C",
    ] {
        cases.push(get(format!("/api/v1/search?{paging}")));
    }
    let many_facets = vec!["department"; 1000].join(",");
    cases.push(get(format!("/api/v1/search?facets={many_facets}")));
    let all_facets = "department,category,year,doc_type,region,validity";
    cases.push(get(format!(
        "/api/v1/search?facets={all_facets}&facet_limit=1000"
    )));
    let many_filters: String = (0..500).map(|i| format!("&department=d{i}")).collect();
    cases.push(get(format!("/api/v1/search?q=a{many_filters}")));
    // Hostile JSON bodies.
    let post = |body: Vec<u8>| {
        (
            "POST".to_string(),
            b"/api/v1/search".to_vec(),
            body,
            "application/json",
        )
    };
    for body in [
        "[".repeat(10_000),
        format!("{}1{}", "[".repeat(100), "]".repeat(100)),
        "{\"q\": ".repeat(1000),
        r#"{"q": 1e999999}"#.to_string(),
        r#"{"size": 18446744073709551616}"#.to_string(),
        r#"{"q": "\ud800"}"#.to_string(),
        r#"{"q": "a", "q": "b"}"#.to_string(),
        r#"{"year": [1, 2, "x", null, {}]}"#.to_string(),
        r#"{"facets": ["department", 7]}"#.to_string(),
        "null".to_string(),
        "\"string\"".to_string(),
        String::new(),
        "{".to_string(),
    ] {
        cases.push(post(body.into_bytes()));
    }
    cases.push(post(vec![0xff, 0xfe, 0x00]));
    // Write routes without keys, other methods, odd paths.
    cases.push((
        "POST".to_string(),
        b"/api/v1/documents".to_vec(),
        b"[{}]".to_vec(),
        "application/json",
    ));
    cases.push((
        "DELETE".to_string(),
        b"/api/v1/documents/x".to_vec(),
        Vec::new(),
        "text/plain",
    ));
    cases.push((
        "PUT".to_string(),
        b"/api/v1/search".to_vec(),
        Vec::new(),
        "text/plain",
    ));
    cases.push(get("/api/v1/admin/archive".to_string()));
    cases.push(get(format!("/api/v1/{}", "a/".repeat(2000))));
    cases.push(get("//api//v1//search".to_string()));
    cases
}

/// Random combinations of the same ingredients.
fn random_cases(rng: &mut Rng, n: usize) -> Vec<(String, Vec<u8>, Vec<u8>, &'static str)> {
    let atoms = [
        "政府",
        "信息公开",
        "\"所在单\"",
        "-条例",
        "OR",
        "(",
        ")",
        "title:",
        "title:通知",
        "\"",
        "*",
        "~",
        "^",
        "[",
        "]",
        "{",
        "}",
        "\\",
        ":",
        "国办发〔2017〕47号",
        "國務院",
        "xxgk",
        "\u{0}",
        "\u{1b}",
        "\u{202e}",
        "\u{feff}",
        "\u{ffff}",
        "\u{10ffff}",
        "𠀀",
        "—",
        "　",
        "AND",
        "NOT",
        "&&",
        "||",
        "!",
        "+",
        "-",
        "--",
        "OR OR",
        "\"\"",
        "title:\"所在",
    ];
    let params = [
        "",
        "&page=2",
        "&size=100",
        "&page=-1",
        "&size=0",
        "&sort=date_desc",
        "&facets=year",
        "&facets=department,category",
        "&highlight=false",
        "&year=2017",
        "&year=x",
        "&department=%E5%9B%BD%E5%8A%A1%E9%99%A2",
        "&category=%E8%A1%8C%E6%94%BF%E6%B3%95%E8%A7%84",
        "&date_from=2010-01-01",
        "&facet_limit=5",
        "&zzz=1",
    ];
    let routes = [
        "/api/v1/search",
        "/api/v1/facets/year",
        "/api/v1/facets/department",
        "/api/v1/facets/bogus",
    ];
    (0..n)
        .map(|_| {
            let words: Vec<&str> = (0..1 + rng.below(12) as usize)
                .map(|_| rng.pick(&atoms))
                .collect();
            let sep = if rng.below(2) == 0 { " " } else { "" };
            let q = words.join(sep);
            let target = format!(
                "{}?q={}{}{}",
                rng.pick(&routes),
                enc(&q),
                rng.pick(&params),
                rng.pick(&params)
            );
            (
                "GET".to_string(),
                target.into_bytes(),
                Vec::new(),
                "text/plain",
            )
        })
        .collect()
}

#[test]
fn a_thousand_hostile_requests_never_hurt_the_server() {
    let seed: u64 = env_number("GONGKAI_HOSTILE_SEED", 0x5eed_1234_abcd_0001);
    let extra: usize = env_number("GONGKAI_HOSTILE_EXTRA", 0);
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr) = serve(&dir.path().join("data"), "error", &[]);
    let pid = server.id();
    // Warm up (first searches load the index), then measure RSS.
    for _ in 0..20 {
        send(
            addr,
            "GET",
            b"/api/v1/search?q=%E6%9D%A1%E4%BE%8B&facets=year",
            b"",
            "text/plain",
        );
    }
    let rss_before = rss_kb(pid);
    let mut rng = Rng(seed | 1);
    let mut cases = fixed_cases();
    let fixed = cases.len();
    cases.extend(random_cases(
        &mut rng,
        1000usize.saturating_sub(fixed) + 200 + extra,
    ));
    eprintln!(
        "hostile: {} requests ({fixed} fixed, seed {seed} for the rest)",
        cases.len()
    );
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    let mut refused = 0;
    let mut bare = 0;
    for (method, target, body, content_type) in &cases {
        let (status, response, elapsed) = send(addr, method, target, body, content_type);
        latencies.push(elapsed);
        let shown = String::from_utf8_lossy(&target[..target.len().min(120)]).to_string();
        if status == 0 || status >= 500 {
            failures.push(format!("{status} for {method} {shown}"));
            continue;
        }
        // A request line that is not HTTP (raw bytes outside ASCII, a target over the 64 KB a
        // URI may have) is refused by hyper itself, before any route: a bare 400 or 414.
        let protocol_level =
            target.iter().any(|b| *b >= 0x80 || *b < 0x20) || target.len() > 65_534;
        if protocol_level && (400..500).contains(&status) {
            bare += 1;
            continue;
        }
        if status >= 400 {
            refused += 1;
            let json: serde_json::Value = serde_json::from_slice(&response).unwrap_or_default();
            if !json["error"]["code"].is_string() {
                failures.push(format!(
                    "{status} without the JSON error body for {method} {shown}: {:?}",
                    String::from_utf8_lossy(&response[..response.len().min(200)])
                ));
            }
        }
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    let max = *latencies.last().unwrap();
    let (health, _, _) = send(addr, "GET", b"/healthz", b"", "text/plain");
    let rss_after = rss_kb(pid);
    eprintln!(
        "hostile: {} requests, {refused} refused with a JSON 4xx, {bare} refused by the HTTP layer, {} failures, p99 {p99:?}, max {max:?}, RSS {} -> {} MB",
        cases.len(),
        failures.len(),
        rss_before / 1024,
        rss_after / 1024
    );
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases.len() >= 1000);
    assert_eq!(health, 200);
    assert!(p99 < Duration::from_millis(200), "p99 {p99:?}");
    assert!(
        rss_after < rss_before + 100 * 1024,
        "RSS grew from {rss_before} kB to {rss_after} kB"
    );
}
