//! Ingest benchmark: the full corpus through the real pipeline (archive included), next to
//! jieba-rs alone.
//!
//! `cargo run --release -p gongkai-benches --bin ingest_bench [-- --runs N]`
//!
//! Each ingest run is a fresh child process writing a fresh index, so peak RSS is the
//! pipeline's own. jieba-rs alone segments the same titles and bodies on one thread, HMM off,
//! in the same run, so the ratio is meaningful on a noisy machine. Prints a Markdown row set.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use gongkai_benches::{corpus_files, corpus_texts, median, peak_rss_bytes};
use gongkai_index::{dir_size, IndexOptions};
use gongkai_ingest::{IngestOptions, Quiet, Store};

#[derive(Debug, Parser)]
struct Args {
    /// Ingest runs (median reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Internal: ingest into this directory and print JSON.
    #[arg(long, hide = true)]
    child: Option<PathBuf>,
}

fn child(dir: PathBuf) -> Result<()> {
    let started = Instant::now();
    let store = Store::open(&dir, &IndexOptions::default())?;
    let summary = gongkai_ingest::ingest(
        &store,
        &corpus_files(),
        &IngestOptions::default(),
        "cli",
        &mut Quiet,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"seconds": seconds, "rss": peak_rss_bytes(), "docs": summary.accepted(),
            "rejected": summary.rejected, "bytes": dir_size(&dir.join("index")),
            "archive_bytes": dir_size(&dir.join("archive"))})
    );
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(dir) = args.child {
        return child(dir);
    }
    let texts = corpus_texts()?;
    // The JSON Lines as the archive receives them (decompressed).
    let mut input_bytes = 0u64;
    for path in corpus_files() {
        let mut decoder = flate2::read::GzDecoder::new(std::fs::File::open(&path)?);
        input_bytes += std::io::copy(&mut decoder, &mut std::io::sink())?;
    }
    let raw_bytes: usize = texts.iter().map(|(t, b)| t.len() + b.len()).sum();
    let jieba = jieba_rs::Jieba::new();
    let mut jieba_times = Vec::new();
    for _ in 0..args.runs {
        let t = Instant::now();
        let mut tokens = 0usize;
        for (title, body) in &texts {
            tokens += jieba.cut(title, false).len() + jieba.cut(body, false).len();
        }
        jieba_times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(tokens);
    }
    let me = std::env::current_exe()?;
    let mut times = Vec::new();
    let mut rss = Vec::new();
    let mut size = 0u64;
    let mut archive_size = 0u64;
    let mut docs = 0u64;
    for _ in 0..args.runs {
        let dir = tempfile::tempdir()?;
        let out = Command::new(&me)
            .arg("--child")
            .arg(dir.path().join("data"))
            .output()
            .context("running the ingest child")?;
        if !out.status.success() {
            bail!(
                "ingest child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        times.push(v["seconds"].as_f64().unwrap_or(f64::NAN));
        rss.push(v["rss"].as_f64().unwrap_or(f64::NAN));
        size = v["bytes"].as_u64().unwrap_or(0);
        archive_size = v["archive_bytes"].as_u64().unwrap_or(0);
        docs = v["docs"].as_u64().unwrap_or(0);
    }
    let jieba_s = median(&mut jieba_times);
    let ingest_s = median(&mut times);
    let mb = raw_bytes as f64 / 1e6;
    println!("| measure | value |\n|---|---|");
    println!("| documents | {docs} |");
    println!("| raw text (title + body) | {mb:.1} MB |");
    println!(
        "| jieba-rs alone, 1 thread, HMM off (median of {}) | {jieba_s:.2} s |",
        args.runs
    );
    println!(
        "| full ingest, wall (median of {}) | {ingest_s:.2} s |",
        args.runs
    );
    println!(
        "| ingest / jieba-alone | {:.2}× (goal ≤ 3×) |",
        ingest_s / jieba_s
    );
    println!(
        "| throughput | {:.0} docs/s, {:.1} MB/s |",
        docs as f64 / ingest_s,
        mb / ingest_s
    );
    println!("| peak RSS (median) | {:.0} MB |", median(&mut rss) / 1e6);
    println!(
        "| index size | {:.1} MB ({:.2}× raw text, goal ≤ 1.5×) |",
        size as f64 / 1e6,
        size as f64 / raw_bytes as f64
    );
    println!(
        "| archive size (originals + journal) | {:.1} MB ({:.2}× the decompressed input, {:.1} MB) |",
        archive_size as f64 / 1e6,
        archive_size as f64 / input_bytes as f64,
        input_bytes as f64 / 1e6
    );
    println!(
        "| all runs, ingest seconds | {} |",
        times
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
