//! `shared/eval/score.py`, the evaluation's own client, against the real HTTP service on the
//! full corpus: the same cases as `quality.rs`, but through query-string parsing, JSON and
//! paging as a portal would meet them. Every exact kind must score 1.0. Needs `../shared`
//! and `python3` (CI has both); without `../shared` the test says so and does nothing.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use gongkai_benches::{full_store, shared_dir};
use gongkai_server::ServerConfig;

#[test]
fn score_py_over_http_scores_perfectly() {
    let cases = shared_dir().join("eval/dev.json");
    let script = shared_dir().join("eval/score.py");
    if !cases.exists() || !script.exists() || !shared_dir().join("corpus").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have ../shared: {} not found",
            cases.display()
        );
        eprintln!("skipped: {} not found", cases.display());
        return;
    }
    let store = full_store().expect("full-corpus data directory");
    let config = ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        // score.py sends thousands of requests from one address.
        rate_limit_per_ip: None,
        ..ServerConfig::default()
    };
    let (bound_tx, bound_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(gongkai_server::run(
            store,
            config,
            move |addr| bound_tx.send(addr).unwrap(),
            async move {
                let _ = stop_rx.await;
            },
        ))
    });
    let addr = bound_rx.recv_timeout(Duration::from_secs(60)).unwrap();

    let output = Command::new("python3")
        .arg(&script)
        .arg(format!("http://{addr}"))
        .arg(&cases)
        .output()
        .expect("python3 runs score.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    stop_tx.send(()).unwrap();
    server.join().unwrap().unwrap();

    assert!(output.status.success(), "score.py failed:\n{stdout}");
    // Lines look like `docnum               1.0000  (floor 0.98)  n=227`.
    let scores: BTreeMap<&str, f64> = stdout
        .lines()
        .filter(|l| l.contains("(floor"))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?, parts.next()?.parse().ok()?))
        })
        .collect();
    for kind in [
        "docnum",
        "title",
        "title_traditional",
        "phrase_recall",
        "phrase_precision",
        "filter",
        "facet",
    ] {
        assert_eq!(scores.get(kind), Some(&1.0), "{kind}:\n{stdout}");
    }
}
