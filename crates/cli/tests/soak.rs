//! Soak: `gongkai serve` (the real binary, on loopback) under a bounded mixed load — 90%
//! searches of every kind (words, phrases, 文号, filters with facets, deep pages, questions),
//! 10% writes (batches of new and revised documents, withdrawals) — from four clients at once.
//!
//! Pass: no answer ≥ 500 and no failed connection; the open-file count and the RSS stay flat
//! (the last quarter's median against the second quarter's); the index's segment count stays
//! bounded; and afterwards every acknowledged write reads back as acknowledged (the newest
//! revision, or 410 for a withdrawal).
//!
//! Short form (CI): 20 seconds. Long form: `GONGKAI_SOAK_SECS=180 cargo test --release -p
//! gongkai --test soak -- --nocapture` (prints the figures; `GONGKAI_SOAK_SEED=N` replays the
//! request sequence).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::{enc, env_number, get_json, http, key, sample_records, seed_from_env, serve, Rng};

const CLIENTS: u64 = 4;

/// Search requests (paths), one of each class the public and portals send.
fn searches() -> Vec<String> {
    let q = |s: &str| format!("/api/v1/search?q={}", enc(s));
    vec![
        q("条例"),
        q("食品安全 监督管理"),
        q("\"所在单位\""),
        q("\"政府信息公开\""),
        q("国办发〔2017〕47号"),
        q("如何申请政府信息公开？"),
        q("环境保护") + "&year=2019&facets=category,department,year",
        q("") + "&category=" + &enc("地方性法规") + "&facets=category,department",
        q("管理") + "&page=15&size=10",
        q("办法") + "&sort=date_desc",
        q("title:条例 安全"),
        q("zzqqxx"),
    ]
}

/// Open files, resident set (kB) of `pid`.
fn process_figures(pid: u32) -> (usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    (fds, rss)
}

/// Segments in the index's last commit.
fn segments(data: &Path) -> usize {
    std::fs::read(data.join("index/meta.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|m| m["segments"].as_array().map(Vec::len))
        .unwrap_or(0)
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    statuses: HashMap<u16, u64>,
    failed_connections: u64,
    search_ms: Vec<f64>,
    write_ms: Vec<f64>,
    /// Last acknowledged state per id: `Some(revision)` or `None` (withdrawn).
    acked: HashMap<String, Option<u32>>,
    server_errors: Vec<String>,
}

const MARK: &str = "浸泡修订R";

#[allow(clippy::too_many_arguments)]
fn client(
    n: u64,
    seed: u64,
    addr: SocketAddr,
    auth: &str,
    searches: &[String],
    records: &[Value],
    stop: &AtomicBool,
) -> Tally {
    let mut rng = Rng(seed ^ (n + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut tally = Tally::default();
    let mut revision: HashMap<String, u32> = HashMap::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let (what, answer) = if rng.below(10) > 0 {
            let path = &searches[rng.below(searches.len() as u64) as usize];
            (path.clone(), http(addr, "GET", path, &[], b""))
        } else if rng.below(5) > 0 {
            // A batch of one to three documents of this client's own pool: new or revised.
            let mut lines = Vec::new();
            let mut sent = Vec::new();
            for _ in 0..=rng.below(3) {
                let id = format!("soak-{n}-{}", rng.below(40));
                let rev = revision.get(&id).copied().unwrap_or(0) + 1;
                revision.insert(id.clone(), rev);
                let mut record = records[rng.below(records.len() as u64) as usize].clone();
                record["id"] = json!(id);
                let body = record["body"].as_str().unwrap_or("").to_string();
                record["body"] = json!(format!("{body}\n{MARK}{rev}"));
                lines.extend(serde_json::to_vec(&record).unwrap());
                lines.push(b'\n');
                sent.push((id, rev));
            }
            let answer = http(
                addr,
                "POST",
                "/api/v1/documents",
                &[
                    ("Authorization", auth),
                    ("Content-Type", "application/x-ndjson"),
                ],
                &lines,
            );
            if let Some((200, _)) = &answer {
                for (id, rev) in sent {
                    tally.acked.insert(id, Some(rev));
                }
            }
            ("POST /api/v1/documents".to_string(), answer)
        } else {
            let id = format!("soak-{n}-{}", rng.below(40));
            let path = format!("/api/v1/documents/{id}");
            let answer = http(addr, "DELETE", &path, &[("Authorization", auth)], b"");
            if let Some((200, _)) = &answer {
                tally.acked.insert(id, None);
            }
            (format!("DELETE {path}"), answer)
        };
        let ms = started.elapsed().as_secs_f64() * 1e3;
        match answer {
            None => tally.failed_connections += 1,
            Some((status, body)) => {
                *tally.statuses.entry(status).or_default() += 1;
                if status >= 500 {
                    tally.server_errors.push(format!(
                        "{status} for {what}: {}",
                        String::from_utf8_lossy(&body)
                    ));
                }
                if what.starts_with("/api") {
                    tally.search_ms.push(ms);
                } else {
                    tally.write_ms.push(ms);
                }
            }
        }
    }
    tally
}

#[test]
fn mixed_load_keeps_files_memory_and_segments_flat() {
    let secs: u64 = env_number("GONGKAI_SOAK_SECS", 20);
    let seed = seed_from_env("GONGKAI_SOAK_SEED");
    println!("soak: {secs} s, {CLIENTS} clients, seed {seed}");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut server, addr) = serve(&data, "warn", &["--rate-limit-per-key", "0"]);
    let pid = server.id();
    let auth = format!("Bearer {}", key(&data, "write"));
    let searches = Arc::new(searches());
    let records = Arc::new(sample_records());
    let stop = Arc::new(AtomicBool::new(false));

    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (auth, searches, records, stop) = (
                auth.clone(),
                searches.clone(),
                records.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || client(n, seed, addr, &auth, &searches, &records, &stop))
        })
        .collect();

    // One sample a second: open files, RSS, segments.
    let mut samples: Vec<(usize, u64, usize)> = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_secs(1));
        let (fds, rss) = process_figures(pid);
        samples.push((fds, rss, segments(&data)));
    }
    stop.store(true, Ordering::Relaxed);
    let tallies: Vec<Tally> = clients.into_iter().map(|c| c.join().unwrap()).collect();

    // What the clients saw.
    let mut statuses: HashMap<u16, u64> = HashMap::new();
    let mut search_ms = Vec::new();
    let mut write_ms = Vec::new();
    let mut failed = 0;
    let mut errors = Vec::new();
    for t in &tallies {
        for (s, c) in &t.statuses {
            *statuses.entry(*s).or_default() += c;
        }
        search_ms.extend(&t.search_ms);
        write_ms.extend(&t.write_ms);
        failed += t.failed_connections;
        errors.extend(t.server_errors.iter().cloned());
    }
    search_ms.sort_by(f64::total_cmp);
    write_ms.sort_by(f64::total_cmp);
    let quarter = (samples.len() / 4).max(1);
    let second: Vec<_> = samples[quarter..(2 * quarter).min(samples.len())].to_vec();
    let last: Vec<_> = samples[samples.len() - quarter..].to_vec();
    let fd_growth = median(last.iter().map(|s| s.0 as u64).collect()) as i64
        - median(second.iter().map(|s| s.0 as u64).collect()) as i64;
    let rss_growth_mb = (median(last.iter().map(|s| s.1).collect()) as i64
        - median(second.iter().map(|s| s.1).collect()) as i64)
        / 1024;
    let max_segments = samples.iter().map(|s| s.2).max().unwrap_or(0);
    let mut status_list: Vec<_> = statuses.iter().collect();
    status_list.sort();
    println!(
        "soak: {} searches (p50 {:.1} ms, p99 {:.1} ms), {} writes (p50 {:.1} ms, p99 {:.1} ms); \
         statuses {status_list:?}; failed connections {failed}",
        search_ms.len(),
        percentile(&search_ms, 0.5),
        percentile(&search_ms, 0.99),
        write_ms.len(),
        percentile(&write_ms, 0.5),
        percentile(&write_ms, 0.99),
    );
    println!(
        "soak: open files {:?}..{:?} (growth {fd_growth}), RSS {} -> {} MB (growth {rss_growth_mb} MB), \
         segments max {max_segments}",
        samples.iter().map(|s| s.0).min(),
        samples.iter().map(|s| s.0).max(),
        samples.first().map_or(0, |s| s.1 / 1024),
        samples.last().map_or(0, |s| s.1 / 1024),
    );

    assert!(errors.is_empty(), "seed {seed}: answers >= 500: {errors:?}");
    assert_eq!(failed, 0, "seed {seed}: failed connections");
    assert!(
        write_ms.len() >= 10 && search_ms.len() >= 100,
        "seed {seed}: too little load to judge"
    );
    assert!(fd_growth <= 16, "seed {seed}: open files grow: {samples:?}");
    assert!(
        rss_growth_mb <= 64,
        "seed {seed}: RSS grows: {rss_growth_mb} MB"
    );
    assert!(max_segments <= 40, "seed {seed}: {max_segments} segments");

    // Every acknowledged write reads back as acknowledged.
    let mut checked = 0;
    for t in &tallies {
        for (id, state) in &t.acked {
            let (status, body) = get_json(addr, &format!("/api/v1/documents/{id}"));
            match state {
                None => assert_eq!(status, 410, "seed {seed}: {id} was withdrawn: {body}"),
                Some(rev) => {
                    assert_eq!(status, 200, "seed {seed}: {id}: {body}");
                    let text = body["body"].as_str().unwrap_or("");
                    assert!(
                        text.ends_with(&format!("{MARK}{rev}")),
                        "seed {seed}: {id} should carry revision {rev}"
                    );
                }
            }
            checked += 1;
        }
    }
    println!("soak: {checked} acknowledged documents read back");
    assert_eq!(get_json(addr, "/healthz").0, 200);
    server.kill().unwrap();
    server.wait().unwrap();
}
