//! Search-quality benchmark over `../shared/eval/dev.json`, in process.
//!
//! `cargo run --release -p gongkai-benches --bin quality [-- --cases FILE] [--all-misses]`
//!
//! Builds (once) the full-corpus index under `target/bench-data`, scores every case as
//! `shared/eval/score.py` does over HTTP, prints a Markdown table and exits 1 below the floors.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Parser;
use gongkai_benches::{full_index, quality, shared_dir};

#[derive(Debug, Parser)]
struct Args {
    /// Cases file.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// Print every miss, not just the first 20.
    #[arg(long)]
    all_misses: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let path = args
        .cases
        .unwrap_or_else(|| shared_dir().join("eval/dev.json"));
    let index = full_index()?;
    let started = Instant::now();
    let report = quality::evaluate(&index, &path)?;
    for m in report
        .misses
        .iter()
        .take(if args.all_misses { usize::MAX } else { 20 })
    {
        println!("miss: {m}");
    }
    print!("{}", report.table());
    let short = report.short();
    println!(
        "\n{} cases in {:.1}s{}",
        report.cases,
        started.elapsed().as_secs_f64(),
        if short.is_empty() {
            String::new()
        } else {
            format!(" SHORT: {}", short.join(","))
        }
    );
    if !short.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
