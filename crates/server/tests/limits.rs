//! The serving limits against a real server on a loopback port: rate limits per client IP
//! (with `X-Forwarded-For` believed only from trusted proxies) and per API key, the connection
//! cap, and the header-read timeout.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use gongkai_archive::keys::{KeyStore, Scope};
use gongkai_index::IndexOptions;
use gongkai_ingest::Store;
use gongkai_server::limits::Rate;
use gongkai_server::{routes, AppState, ServerConfig};

/// A server on a free port; stops when the returned sender is dropped.
async fn serve(
    config: ServerConfig,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &IndexOptions::default()).unwrap();
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(gongkai_server::run(
        store,
        ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..config
        },
        move |addr| {
            let _ = bound_tx.send(addr);
        },
        async {
            let _ = stop_rx.await;
        },
    ));
    (bound_rx.await.unwrap(), stop_tx, dir)
}

/// One request on its own connection (blocking, run off the test's executor thread).
async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let path = path.to_string();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, response)
    })
    .await
    .unwrap()
}

fn limited(per_second: u32, burst: u32) -> Option<Rate> {
    Some(Rate { per_second, burst })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_ip_rate_limit_answers_429_with_retry_after() {
    let (addr, _stop, _dir) = serve(ServerConfig {
        rate_limit_per_ip: limited(1, 3),
        ..ServerConfig::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get(addr, "/api/v1/search?q=x", &[]).await);
    }
    assert!(statuses[..3].iter().all(|(s, _)| *s == 200), "{statuses:?}");
    let (status, response) = &statuses[4];
    assert_eq!(*status, 429, "{response}");
    let lower = response.to_ascii_lowercase();
    assert!(lower.contains("retry-after: 1"), "{response}");
    assert!(response.contains(r#""code":"rate_limited""#), "{response}");
    // Operations routes are never limited.
    for _ in 0..5 {
        assert_eq!(get(addr, "/healthz", &[]).await.0, 200);
    }
    // The bucket refills.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(addr, "/api/v1/search?q=x", &[]).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let xff = |ip: &'static str| [("X-Forwarded-For", ip)];
    // Behind a trusted proxy (here: the loopback client), each forwarded client has its bucket.
    let (addr, _stop, _dir) = serve(ServerConfig {
        rate_limit_per_ip: limited(1, 2),
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..ServerConfig::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            get(addr, "/api/v1/search", &xff("203.0.113.1")).await.0,
            200
        );
    }
    assert_eq!(
        get(addr, "/api/v1/search", &xff("203.0.113.1")).await.0,
        429
    );
    assert_eq!(
        get(addr, "/api/v1/search", &xff("203.0.113.2")).await.0,
        200
    );

    // Without trust, the header is ignored: one bucket for the connection's address.
    let (addr, _stop2, _dir2) = serve(ServerConfig {
        rate_limit_per_ip: limited(1, 2),
        ..ServerConfig::default()
    })
    .await;
    assert_eq!(
        get(addr, "/api/v1/search", &xff("203.0.113.1")).await.0,
        200
    );
    assert_eq!(
        get(addr, "/api/v1/search", &xff("203.0.113.2")).await.0,
        200
    );
    assert_eq!(
        get(addr, "/api/v1/search", &xff("203.0.113.3")).await.0,
        429
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_closed_and_slow_headers_cut_off() {
    let (addr, _stop, _dir) = serve(ServerConfig {
        max_connections: 2,
        header_read_timeout: Duration::from_millis(1500),
        ..ServerConfig::default()
    })
    .await;
    let result = tokio::task::spawn_blocking(move || {
        // Two idle connections take the two slots.
        let a = TcpStream::connect(addr).unwrap();
        let b = TcpStream::connect(addr).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        // A third is accepted by the kernel and closed by the server at once.
        let mut c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = c.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
        let mut buf = [0u8; 64];
        let refused = matches!(c.read(&mut buf), Ok(0) | Err(_));
        // A slow client: headers never finished, cut off after the header-read timeout.
        let mut slow = a;
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            .unwrap();
        slow.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let _ = slow.read_to_end(&mut rest);
        let cut_after = started.elapsed();
        drop(b);
        (refused, cut_after)
    })
    .await
    .unwrap();
    assert!(result.0, "the connection past the cap was served");
    assert!(
        result.1 < Duration::from_secs(5),
        "a slow client held its connection for {:?}",
        result.1
    );
    // Slots are given back: a new connection is served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(get(addr, "/healthz", &[]).await.0, 200);
}

#[tokio::test]
async fn per_key_rate_limit_on_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = KeyStore::open(dir.path())
        .create(Some("busy"), Scope::Write)
        .unwrap();
    let store = Store::open(dir.path(), &IndexOptions::default()).unwrap();
    let state = AppState::new(
        store,
        &ServerConfig {
            rate_limit_per_key: limited(1, 1),
            ..ServerConfig::default()
        },
    );
    let post = || {
        let body = r#"{"id":"r1","title":"关于限流的通知","body":"正文"}"#
            .as_bytes()
            .to_vec();
        warp::test::request()
            .method("POST")
            .path("/api/v1/documents")
            .header("content-type", "application/json")
            .header("content-length", body.len().to_string())
            .header("authorization", format!("Bearer {key}"))
            .body(body)
    };
    let first = post().reply(&routes(state.clone())).await;
    assert_eq!(first.status(), 200);
    let second = post().reply(&routes(state.clone())).await;
    assert_eq!(second.status(), 429);
    assert_eq!(second.headers()["retry-after"], "1");
}
