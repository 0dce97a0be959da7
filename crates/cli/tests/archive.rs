//! The archive from the command line: versions on re-ingest, withdrawal, `reindex` from the
//! archive alone, `backup` / `restore`, and the guard against rebuilding under a server.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{bin, sample_dir, serve};

fn run(data: &Path, args: &[&str]) -> Output {
    bin().arg("--data").arg(data).args(args).output().unwrap()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = run(data, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn search(data: &Path, query: &str, extra: &[&str]) -> Value {
    let mut args = vec!["search", "--json", "--size", "100"];
    args.extend_from_slice(extra);
    args.push("--");
    args.push(query);
    serde_json::from_str(&ok(data, &args)).unwrap()
}

/// What a query answers, independent of scoring details: the total, the set of all hit ids
/// (every page), and the facets.
fn answer(data: &Path, query: &str, extra: &[&str]) -> (u64, Vec<String>, Value) {
    let first = search(data, query, extra);
    let total = first["total"].as_u64().unwrap();
    let mut ids = Vec::new();
    for page in 1..=total.div_ceil(100).max(1) {
        let page = page.to_string();
        let mut args = extra.to_vec();
        args.extend_from_slice(&["--page", &page]);
        let json = search(data, query, &args);
        ids.extend(
            json["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_str().unwrap().to_string()),
        );
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as u64, total, "{query}");
    (total, ids, first["facets"].clone())
}

const QUERIES: [(&str, &[&str]); 6] = [
    ("", &[]),
    ("条例", &[]),
    ("\"人民政府\"", &[]),
    ("国务院 决定", &[]),
    ("办法", &["--year-from", "2010", "--year-to", "2020"]),
    (
        "国务院",
        &["--category", "行政法规", "--facet", "department,year"],
    ),
];

fn sample_ids() -> Vec<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(sample_dir().join("corpus-sample.jsonl.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    text.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn reindex_from_the_archive_alone_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["ingest", sample_dir().to_str().unwrap()]);
    let ids = sample_ids();
    // A withdrawal and a revision, so that the archive holds more than one version of things.
    assert!(ok(&data, &["withdraw", &ids[3], "--reason", "测试"]).contains("withdrew"));
    let revised = dir.path().join("revised.jsonl");
    std::fs::write(
        &revised,
        format!(
            "{}\n",
            serde_json::json!({"id": ids[5], "title": "修订后的标题：关于测试修订的通知", "body": "修订后的正文。"})
        ),
    )
    .unwrap();
    assert!(ok(&data, &["ingest", revised.to_str().unwrap()]).contains("1 updated"));

    let before: Vec<_> = QUERIES.iter().map(|(q, f)| answer(&data, q, f)).collect();
    assert_eq!(
        before[0].0,
        ids.len() as u64,
        "the seed page, less one withdrawn"
    );
    assert!(!before[0].1.contains(&ids[3]));

    std::fs::remove_dir_all(data.join("index")).unwrap();
    let out = ok(&data, &["reindex"]);
    assert!(
        out.contains(&format!("reindexed {} documents", ids.len())),
        "{out}"
    );
    assert!(out.contains("1 withdrawn"), "{out}");
    let after: Vec<_> = QUERIES.iter().map(|(q, f)| answer(&data, q, f)).collect();
    assert_eq!(before, after);
    let title = search(&data, "修订后的标题", &[]);
    assert_eq!(title["hits"][0]["id"], ids[5].as_str());
    // Withdrawn stays withdrawn; the index can also be rebuilt by any write after deletion.
    std::fs::remove_dir_all(data.join("index")).unwrap();
    ok(&data, &["withdraw", &ids[3]]);
    let again: Vec<_> = QUERIES.iter().map(|(q, f)| answer(&data, q, f)).collect();
    assert_eq!(before, again);
}

#[test]
fn an_index_of_another_schema_version_is_rebuilt_from_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["ingest", sample_dir().to_str().unwrap()]);
    std::fs::write(
        data.join("index/gongkai-index.json"),
        r#"{"schema_version":0}"#,
    )
    .unwrap();
    // Read-only commands say what to do …
    let stats = run(&data, &["stats"]);
    assert_eq!(stats.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&stats.stderr).contains("gongkai reindex"),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    // … and any writer rebuilds it from the archive.
    let ids = sample_ids();
    ok(&data, &["withdraw", &ids[7]]);
    let all = search(&data, "", &[]);
    assert_eq!(
        all["total"].as_u64().unwrap(),
        ids.len() as u64,
        "sample + seed page - 1"
    );
}

#[test]
fn a_damaged_index_is_refused_with_a_pointer_to_reindex() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["ingest", sample_dir().to_str().unwrap()]);
    let before = answer(&data, "条例", &[]);
    // Flip bytes in the middle of the largest segment file.
    let largest = std::fs::read_dir(data.join("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "json" && e != "lock"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&largest).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&largest, bytes).unwrap();
    for args in [&["search", "条例"][..], &["stats"], &["withdraw", "x"]] {
        let out = run(&data, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("checksum") && stderr.contains("gongkai reindex"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    ok(&data, &["reindex"]);
    assert_eq!(answer(&data, "条例", &[]), before);
}

#[test]
fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["ingest", sample_dir().to_str().unwrap()]);
    let ids = sample_ids();
    ok(&data, &["withdraw", &ids[0]]);
    let key = ok(
        &data,
        &[
            "keys",
            "create",
            "--scope",
            "write",
            "--name",
            "backup-test",
        ],
    );
    let key = key.lines().last().unwrap().trim().to_string();

    let out = dir.path().join("backup");
    assert!(ok(&data, &["backup", out.to_str().unwrap()]).contains("backed up"));
    // Not into a non-empty directory.
    let again = run(&data, &["backup", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    let restored = dir.path().join("restored");
    let text = ok(&restored, &["restore", out.to_str().unwrap()]);
    assert!(
        text.contains(&format!("{} documents indexed (1 withdrawn)", ids.len())),
        "{text}"
    );
    for (q, f) in QUERIES {
        assert_eq!(answer(&data, q, f), answer(&restored, q, f), "{q}");
    }
    assert_eq!(
        std::fs::read(data.join("archive/journal.log")).unwrap(),
        std::fs::read(restored.join("archive/journal.log")).unwrap()
    );
    // The keys came along.
    let keys = ok(&restored, &["keys", "list", "--json"]);
    assert!(keys.contains("backup-test"), "{keys}");
    assert!(!keys.contains(&key), "secrets are never stored");
    // Not over an existing archive.
    let over = run(&restored, &["restore", out.to_str().unwrap()]);
    assert_eq!(over.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&over.stderr).contains("already holds an archive"));
    // A damaged original is found on restore.
    let objects = out.join("archive/objects");
    let fan = std::fs::read_dir(&objects)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let object = std::fs::read_dir(&fan)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&object, b"damaged").unwrap();
    let bad = run(
        &dir.path().join("third"),
        &["restore", out.to_str().unwrap()],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("SHA-256"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn reindex_refuses_to_run_under_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut server, _) = serve(&data, "warn", &[]);
    let out = run(&data, &["reindex"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in use by a running `gongkai serve`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A backup is fine while serving.
    let backup = dir.path().join("backup");
    ok(&data, &["backup", backup.to_str().unwrap()]);
    server.kill().unwrap();
    server.wait().unwrap();
    ok(&data, &["reindex"]);
}
