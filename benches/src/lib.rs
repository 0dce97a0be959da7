//! Shared helpers of Gongkai's benchmarks: where the corpus is, building a full-corpus index
//! once, and reading process statistics.

pub mod quality;

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gongkai_index::{GongkaiIndex, IndexOptions};
use gongkai_ingest::{IngestOptions, Quiet, Store};

/// `../shared` next to the repository, or `GONGKAI_SHARED`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("GONGKAI_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// The corpus files.
pub fn corpus_files() -> Vec<PathBuf> {
    ["lawrefbook_laws.jsonl.gz", "gov_work_reports.jsonl.gz"]
        .iter()
        .map(|f| shared_dir().join("corpus").join(f))
        .collect()
}

/// Titles and bodies of the corpus, in file order.
pub fn corpus_texts() -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for path in corpus_files() {
        let mut text = String::new();
        flate2::read::GzDecoder::new(
            std::fs::File::open(&path).with_context(|| format!("{}", path.display()))?,
        )
        .read_to_string(&mut text)?;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line)?;
            out.push((
                v["title"].as_str().unwrap_or_default().to_string(),
                v["body"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    Ok(out)
}

/// A full-corpus data directory (archive + index) under `target/bench-data`, built on first
/// use (reused afterwards while its document count is right).
pub fn full_store() -> Result<Store> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    if dir.join("index").exists() {
        if let Ok(store) = Store::open(&dir, &IndexOptions::default()) {
            if store.index().num_docs() == 3543 {
                return Ok(store);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir, &IndexOptions::default())?;
    gongkai_ingest::ingest(
        &store,
        &corpus_files(),
        &IngestOptions::default(),
        "cli",
        &mut Quiet,
    )?;
    Ok(store)
}

/// The index of [`full_store`].
pub fn full_index() -> Result<GongkaiIndex> {
    Ok(full_store()?.index().clone())
}

/// Peak resident set size of this process so far, in bytes.
pub fn peak_rss_bytes() -> u64 {
    // From /proc: no unsafe getrusage call needed.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb * 1024)
}

/// Median of a sample (sorts it).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    if values.is_empty() {
        return f64::NAN;
    }
    values[values.len() / 2]
}

/// The `q`-quantile of a sample (sorts it).
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    if values.is_empty() {
        return f64::NAN;
    }
    let at = ((values.len() as f64 - 1.0) * q).round() as usize;
    values[at.min(values.len() - 1)]
}
