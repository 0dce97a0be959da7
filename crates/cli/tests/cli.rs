//! End-to-end tests of the `gongkai` binary on the bundled sample of real documents.
#![allow(clippy::unwrap_used)] // Test helpers outside #[test] functions.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    c.env_remove("GONGKAI_DATA")
        .env_remove("GONGKAI_CONFIG")
        .env_remove("GONGKAI_USER_DICT");
    c
}

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../index-data/sample")
}

fn sample_jsonl() -> PathBuf {
    sample_dir().join("corpus-sample.jsonl.gz")
}

/// The sample's records, as JSON.
fn sample_records() -> Vec<Value> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(sample_jsonl()).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run(data: &Path, args: &[&str]) -> Output {
    bin().arg("--data").arg(data).args(args).output().unwrap()
}

fn json(data: &Path, args: &[&str]) -> Value {
    let out = run(data, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn search(data: &Path, query: &str, extra: &[&str]) -> Value {
    let mut args = vec!["search", "--json"];
    args.extend_from_slice(extra);
    args.push("--");
    args.push(query);
    json(data, &args)
}

fn ingested_sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["ingest", sample_dir().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn help_is_useful_alone() {
    let out = bin().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["ingest", "search", "stats", "--data"] {
        assert!(text.contains(word), "{text}");
    }
    for sub in ["ingest", "search", "stats", "show"] {
        let out = bin().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).len() > 200,
            "{sub} --help is too thin"
        );
    }
}

#[test]
fn sample_ingests_and_every_title_and_doc_number_finds_its_document() {
    let data = ingested_sample();
    let records = sample_records();
    let stats = json(data.path(), &["stats", "--json"]);
    // The sample's JSON records plus the seed text page.
    assert_eq!(stats["documents"], records.len() as u64 + 1);
    // Every input field comes back, unknown ones under `extra`.
    let first = &records[0];
    let shown = json(data.path(), &["show", first["id"].as_str().unwrap()]);
    assert_eq!(shown["body"], first["body"]);
    assert_eq!(shown["extra"]["origin_path"], first["origin_path"]);
    assert_eq!(shown["extra"]["level"], first["level"]);
    let out = run(data.path(), &["show", "no-such-id"]);
    assert_eq!(out.status.code(), Some(2));

    let mut checked = 0;
    for r in records.iter().step_by(7) {
        let title = r["title"].as_str().unwrap();
        let hits = search(data.path(), title, &["--size", "3"]);
        let ids: Vec<&str> = hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap())
            .collect();
        // Several versions of a law may share a title: any of them at rank 1 is right.
        let same_title: HashSet<&str> = records
            .iter()
            .filter(|o| o["title"] == r["title"])
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert!(same_title.contains(ids[0]), "title {title:?} gave {ids:?}");
        checked += 1;
    }
    assert!(checked > 20);

    for r in records.iter().filter(|r| r["doc_number"].is_string()) {
        let number = r["doc_number"].as_str().unwrap();
        let short = number.replace("中华人民共和国", "");
        // Full-width digits, as typed on a Chinese keyboard.
        let wide: String = short
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                } else {
                    c
                }
            })
            .collect();
        // People drop 第 from 令号: `国务院令583号`.
        let without_di = short.replacen('第', "", 1);
        for q in [number.to_string(), short.clone(), wide, without_di] {
            let hits = search(data.path(), &q, &["--size", "1"]);
            assert_eq!(hits["hits"][0]["id"], r["id"], "文号 {q:?}");
        }
    }
}

#[test]
fn json_output_has_the_api_shape_and_highlights_land_on_original_text() {
    let data = ingested_sample();
    let v = search(
        data.path(),
        "\"人民政府\"",
        &["--size", "2", "--facet", "department,year,category"],
    );
    assert!(v["total"].as_u64().unwrap() > 2);
    let hit = &v["hits"][0];
    for key in [
        "id",
        "title",
        "department",
        "doc_number",
        "publish_date",
        "year",
        "category",
        "doc_type",
        "validity",
        "score",
        "highlights",
    ] {
        assert!(hit.get(key).is_some(), "missing {key} in {hit}");
    }
    let fragment = hit["highlights"]["body"][0].as_str().unwrap();
    assert!(fragment.contains("<mark>人民政府</mark>"), "{fragment}");
    for facet in ["department", "year", "category"] {
        let values = v["facets"][facet].as_array().unwrap();
        assert!(!values.is_empty());
        let counts: Vec<u64> = values
            .iter()
            .map(|x| x["count"].as_u64().unwrap())
            .collect();
        assert!(
            counts.windows(2).all(|w| w[0] >= w[1]),
            "{facet} not sorted by count"
        );
    }
}

#[test]
fn quoted_strings_are_exact_and_filters_count_exactly() {
    let data = ingested_sample();
    let records = sample_records();
    let contains = |needle: &str| {
        records
            .iter()
            .filter(|r| {
                let t = format!(
                    "{}\n{}",
                    r["title"].as_str().unwrap(),
                    r["body"].as_str().unwrap()
                );
                t.contains(needle)
            })
            .count() as u64
    };
    // Substrings that cut across word boundaries.
    for needle in ["所在单", "会常务委", "例第二", "级以上"] {
        let v = search(data.path(), &format!("\"{needle}\""), &["--size", "1"]);
        assert_eq!(
            v["total"].as_u64().unwrap(),
            contains(needle),
            "\"{needle}\""
        );
    }
    let year_2019 = records
        .iter()
        .filter(|r| {
            r["publish_date"]
                .as_str()
                .is_some_and(|d| d.starts_with("2019"))
                || (r["publish_date"].is_null() && r["year"] == 2019)
        })
        .count() as u64;
    let v = search(data.path(), "", &["--year", "2019", "--size", "1"]);
    assert_eq!(v["total"].as_u64().unwrap(), year_2019);
    let local = records
        .iter()
        .filter(|r| {
            r["category"]
                .as_str()
                .is_some_and(|c| c.starts_with("地方性法规"))
        })
        .count() as u64;
    let v = search(
        data.path(),
        "",
        &["--category", "地方性法规", "--size", "1"],
    );
    assert_eq!(v["total"].as_u64().unwrap(), local);
    let excluded = search(data.path(), "条例 -\"人民政府\"", &["--size", "100"]);
    for hit in excluded["hits"].as_array().unwrap() {
        let id = hit["id"].as_str().unwrap();
        let r = records.iter().find(|r| r["id"] == id).unwrap();
        assert!(!r["body"].as_str().unwrap().contains("人民政府"));
    }
}

#[test]
fn the_seed_text_page_is_ingested_with_its_metadata() {
    let data = ingested_sample();
    let v = search(
        data.path(),
        "德昌县2017年政府信息公开工作年度报告",
        &["--size", "1"],
    );
    let hit = &v["hits"][0];
    assert_eq!(hit["title"], "德昌县2017年政府信息公开工作年度报告");
    assert_eq!(hit["department"], "德昌县人民政府办公室");
    assert_eq!(hit["publish_date"], "2018-03-30");
    assert_eq!(hit["doc_type"], "报告");
    let shown = json(data.path(), &["show", hit["id"].as_str().unwrap()]);
    assert_eq!(shown["written_date"], "2017-02-23");
    assert!(shown["body"].as_str().unwrap().ends_with("2017年2月23日"));
    let cited = search(data.path(), "德府办发〔2017〕107号", &["--size", "1"]);
    assert_eq!(
        cited["hits"][0]["id"], hit["id"],
        "a cited 文号 finds the citing document"
    );
}

#[test]
fn bad_inputs_are_reported_and_the_rest_is_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("batch.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    f.write_all(b"{\"id\":\"ok1\",\"title\":\"\xe7\xac\xac\xe4\xb8\x80\",\"body\":\"\xe6\xad\xa3\xe6\x96\x87\"}\n").unwrap();
    f.write_all(b"{not json}\n").unwrap();
    f.write_all(b"{\"id\":\"bad-utf8\",\"title\":\"\xff\xfe\"}\n")
        .unwrap();
    f.write_all(b"{\"id\":\"empty\",\"title\":\"\",\"body\":\"  \"}\n")
        .unwrap();
    f.write_all(b"{\"id\":\"ok2\",\"title\":\"\xe7\xac\xac\xe4\xba\x8c\",\"publish_date\":\"2019-02-30\"}\n").unwrap();
    drop(f);
    let data = dir.path().join("data");
    let missing = dir.path().join("missing.jsonl");
    let out = bin()
        .arg("--data")
        .arg(&data)
        .args(["ingest"])
        .arg(&input)
        .arg(&missing)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let file = input.display().to_string();
    assert!(
        stderr.contains(&format!("{file}:2: invalid JSON")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{file}:3: invalid UTF-8")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{file}:4: no title and no body")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{file}:5: warning: field `publish_date`")),
        "{stderr}"
    );
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(
        stdout.contains("2 added") && stdout.contains("rejected 4"),
        "{stdout}"
    );
    let stats = json(&data, &["stats", "--json"]);
    assert_eq!(stats["documents"], 2);

    // The same input again records nothing new and never duplicates.
    let out = bin()
        .arg("--data")
        .arg(&data)
        .args(["ingest"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 added, 0 updated, 2 unchanged"));
    assert_eq!(json(&data, &["stats", "--json"])["documents"], 2);
}

#[test]
fn user_errors_are_clear() {
    let data = ingested_sample();
    for (args, needle) in [
        (vec!["search", "\"unbalanced"], "unbalanced quote"),
        (
            vec!["search", "--size", "0", "x"],
            "size must be between 1 and 100",
        ),
        (vec!["search", "--sort", "sideways", "x"], "unknown order"),
        (vec!["search", "--facet", "colour", "x"], "unknown field"),
        (
            vec!["search", "--date-from", "2019-13-01", "x"],
            "not a date",
        ),
    ] {
        let out = run(data.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let empty = tempfile::tempdir().unwrap();
    let out = run(empty.path(), &["search", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ingest documents first"));
}

/// Kills a real ingest at different moments; after each kill the index opens, holds every
/// document a "committed" line reported, and re-running completes the job without duplicates.
#[test]
fn killed_ingest_loses_nothing_committed_and_resumes_without_duplicates() {
    let records = sample_records();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (round, kill_after_commits) in [1usize, 3, 6].into_iter().enumerate() {
        let mut child = bin()
            .arg("--data")
            .arg(&data)
            .args(["ingest", "--commit-every", "16", "--threads", "2"])
            .arg(sample_jsonl())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut committed = 0u64;
        let mut commits_seen = 0;
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if let Some(n) = line
                .strip_prefix("ingest: committed ")
                .and_then(|r| r.split_whitespace().next())
            {
                committed = n.parse().unwrap();
                commits_seen += 1;
                if commits_seen == kill_after_commits {
                    child.kill().unwrap();
                    break;
                }
            }
        }
        let status = child.wait().unwrap();
        let stats = json(&data, &["stats", "--json"]);
        let documents = stats["documents"].as_u64().unwrap();
        if !status.success() {
            // Killed: everything reported committed in this round is there.
            assert!(
                documents >= committed.min(records.len() as u64),
                "round {round}: {documents} < {committed}"
            );
        }
    }
    let out = run(&data, &["ingest", sample_jsonl().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = json(&data, &["stats", "--json"]);
    assert_eq!(
        stats["documents"].as_u64().unwrap(),
        records.len() as u64,
        "no duplicates, nothing lost"
    );
    let all = search(&data, "", &["--size", "100", "--page", "1"]);
    assert_eq!(all["total"].as_u64().unwrap(), records.len() as u64);
}
