//! `gongkai serve` as the README runs it: the real binary, a fresh data directory (so it first
//! builds the index from `index-data/sample`), real HTTP, and a graceful stop on SIGTERM.
#![allow(clippy::unwrap_used)] // Test helpers outside #[test] functions.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The binary, run from the repository root with no `GONGKAI_*` settings from outside.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    c.current_dir(repo_root());
    for name in [
        "GONGKAI_DATA",
        "GONGKAI_CONFIG",
        "GONGKAI_USER_DICT",
        "GONGKAI_LISTEN",
        "GONGKAI_SAMPLE",
        "GONGKAI_MAX_CONCURRENT_SEARCHES",
        "GONGKAI_REQUEST_DEADLINE_MS",
        "GONGKAI_MAX_BODY_BYTES",
        "GONGKAI_CORS_ORIGINS",
        "GONGKAI_LOG",
        "RUST_LOG",
    ] {
        c.env_remove(name);
    }
    c
}

/// A running server; killed if the test fails before stopping it.
struct Server {
    child: Child,
    address: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Server {
        let mut child = bin()
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (line_tx, line_rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            let _ = err_tx.send(text);
        });
        // Building the index from the sample comes first: allow for a slow, shared machine.
        let deadline = Instant::now() + Duration::from_secs(600);
        let address = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match line_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(address) = line.strip_prefix("listening on http://") {
                        break address.parse().unwrap();
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let stderr = err_rx.recv_timeout(Duration::from_secs(10));
                    panic!("no `listening on` line; stderr: {stderr:?}");
                }
            }
        };
        Server {
            child,
            address,
            stderr: err_rx,
        }
    }

    /// Sends SIGTERM and waits for the exit.
    fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let stderr = self
            .stderr
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default();
        (status, stderr)
    }
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 exchange over a plain socket (`Connection: close`, no chunked bodies: the
/// server answers with content-length).
fn http(address: SocketAddr, method: &str, path: &str) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

fn enc(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[cfg(unix)]
#[test]
fn serve_builds_the_sample_index_answers_http_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[]);
    let address = server.address;
    assert_ne!(address.port(), 0);

    let health = http(address, "GET", "/healthz");
    assert_eq!(health.status, 200, "{}", health.body);
    let documents = health.json()["documents"].as_u64().unwrap();
    assert!(documents > 100, "{documents}");
    assert!(health.head.contains("x-request-id: "), "{}", health.head);

    let search = http(
        address,
        "GET",
        &format!("/api/v1/search?q={}&size=3", enc("政府信息公开")),
    );
    assert_eq!(search.status, 200, "{}", search.body);
    let search = search.json();
    assert!(search["total"].as_u64().unwrap() > 0, "{search}");
    let id = search["hits"][0]["id"].as_str().unwrap().to_string();

    let document = http(address, "GET", &format!("/api/v1/documents/{}", enc(&id)));
    assert_eq!(document.status, 200, "{}", document.body);
    let document = document.json();
    assert_eq!(document["id"], id);
    assert!(!document["body"].as_str().unwrap().is_empty());

    let openapi = http(address, "GET", "/api/v1/openapi.json");
    assert_eq!(openapi.status, 200);
    let openapi = openapi.json();
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    assert!(openapi["paths"]["/api/v1/search"]["get"].is_object());

    let missing = http(address, "GET", "/api/v1/no-such-route");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "not_found");

    let metrics = http(address, "GET", "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .head
        .contains("content-type: application/openmetrics-text"));
    for series in [
        r#"gongkai_http_requests_total{method="GET",route="/api/v1/search",status="200"} 1"#,
        r#"gongkai_http_requests_total{method="GET",route="/api/v1/documents/{id}",status="200"} 1"#,
        r#"gongkai_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        &format!("gongkai_index_documents {documents}"),
    ] {
        assert!(
            metrics.body.lines().any(|l| l == series),
            "{series} missing from\n{}",
            metrics.body
        );
    }

    let (status, stderr) = server.terminate();
    assert_eq!(status.code(), Some(0), "{status:?}; stderr:\n{stderr}");
    // The sample was indexed first, with the ingest summary, and requests were logged.
    assert!(stderr.contains("holds no documents: indexing"), "{stderr}");
    assert!(stderr.contains("ingested "), "{stderr}");
    assert!(stderr.contains("request_id="), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "{stderr}");

    // A second start reuses the index instead of rebuilding it.
    let server = Server::start(data.path(), &[]);
    let health = http(server.address, "GET", "/healthz");
    assert_eq!(health.json()["documents"].as_u64(), Some(documents));
    let (status, stderr) = server.terminate();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("indexing"), "{stderr}");
}

#[test]
fn serve_without_index_or_sample_says_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("--data")
        .arg(data.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--sample"])
        .arg(data.path().join("no-such-sample"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no-such-sample") && stderr.contains("--sample"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn serve_refuses_bad_settings() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("gongkai.toml");
    std::fs::write(&config, "[server]\nlisten = \"127.0.0.1:0\"\nworkers = 3\n").unwrap();
    let out = bin()
        .arg("--data")
        .arg(data.path())
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("workers") && stderr.contains("gongkai.toml"),
        "{stderr}"
    );

    let out = bin()
        .arg("--data")
        .arg(data.path())
        .args(["serve", "--cors-origin", "portal.example"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("portal.example"), "{stderr}");
}
