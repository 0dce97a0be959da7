//! Search-quality benchmark over `../shared/eval/dev.json`, in process.
//!
//! `cargo run --release -p gongkai-benches --bin quality [-- --cases FILE]`
//!
//! Scores exactly as `shared/eval/score.py` does over HTTP (rank-1 for 文号 and titles, top-3
//! for traditional titles, recall and precision of quoted strings, exact totals for filters,
//! exact top counts for facets), against the full-corpus index, and exits 1 below the floors.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Parser;
use gongkai_benches::{full_index, shared_dir};
use gongkai_search::{search, FacetField, SearchRequest};
use serde_json::Value;

#[derive(Debug, Parser)]
struct Args {
    /// Cases file.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// Print every miss, not just the first 20.
    #[arg(long)]
    all_misses: bool,
}

const FLOORS: [(&str, f64); 7] = [
    ("docnum", 0.98),
    ("title", 0.98),
    ("title_traditional", 0.95),
    ("phrase_recall", 0.995),
    ("phrase_precision", 0.995),
    ("filter", 1.0),
    ("facet", 1.0),
];

fn request(params: &Value) -> SearchRequest {
    let mut r = SearchRequest { highlight: false, ..SearchRequest::default() };
    let s = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    let i = |v: &Value| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    if let Some(obj) = params.as_object() {
        for (k, v) in obj {
            match k.as_str() {
                "q" => r.q = s(v),
                "department" => r.filters.department.push(s(v)),
                "category" => r.filters.category.push(s(v)),
                "year" => r.filters.year.extend(i(v)),
                "year_from" => r.filters.year_from = i(v),
                "year_to" => r.filters.year_to = i(v),
                "facets" => r.facets = s(v).split(',').filter_map(FacetField::parse).collect(),
                _ => {}
            }
        }
    }
    r
}

fn main() -> Result<()> {
    let args = Args::parse();
    let path = args.cases.unwrap_or_else(|| shared_dir().join("eval/dev.json"));
    let cases: Value = serde_json::from_slice(&std::fs::read(&path)?)?;
    let index = full_index()?;
    let mut score: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    let mut add = |k: &str, v: f64| {
        let e = score.entry(k.to_string()).or_insert((0.0, 0));
        e.0 += v;
        e.1 += 1;
    };
    let mut misses = Vec::new();
    let started = Instant::now();
    for case in cases["cases"].as_array().into_iter().flatten() {
        let kind = case["kind"].as_str().unwrap_or_default();
        let relevant: HashSet<&str> = case["relevant"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        match kind {
            "docnum" | "title" | "title_traditional" => {
                let k = case["k"].as_u64().unwrap_or(1) as usize;
                let r = SearchRequest { q: case["q"].as_str().unwrap_or_default().into(), size: k, highlight: false, ..SearchRequest::default() };
                let ok = match search(&index, &r) {
                    Ok(resp) => resp.hits.iter().take(k).any(|h| relevant.contains(h.id.as_str())),
                    Err(e) => {
                        misses.push(format!("{kind} {:?}: error {e}", r.q));
                        false
                    }
                };
                if !ok {
                    misses.push(format!("{kind} {:?}", r.q));
                }
                add(kind, f64::from(u8::from(ok)));
            }
            "phrase" => {
                let mut got = HashSet::new();
                let mut page = 1;
                loop {
                    let r = SearchRequest { q: case["q"].as_str().unwrap_or_default().into(), size: 100, page, highlight: false, ..SearchRequest::default() };
                    let Ok(resp) = search(&index, &r) else { break };
                    let n = resp.hits.len();
                    got.extend(resp.hits.into_iter().map(|h| h.id));
                    if n == 0 || got.len() as u64 >= resp.total || got.len() >= 3000 {
                        break;
                    }
                    page += 1;
                }
                let hit = relevant.iter().filter(|id| got.contains(**id)).count() as f64;
                let recall = hit / relevant.len().max(1) as f64;
                let precision = if got.is_empty() { 0.0 } else { hit / got.len() as f64 };
                if recall < 1.0 || precision < 1.0 {
                    misses.push(format!("phrase {} recall {recall:.3} precision {precision:.3} ({} found, {} true)", case["q"], got.len(), relevant.len()));
                }
                add("phrase_recall", recall);
                add("phrase_precision", precision);
            }
            "filter" => {
                let mut r = request(&case["params"]);
                r.size = 1;
                let total = search(&index, &r).map(|x| x.total).unwrap_or(u64::MAX);
                let ok = Some(total) == case["total"].as_u64();
                if !ok {
                    misses.push(format!("filter {} got {total} want {}", case["params"], case["total"]));
                }
                add(kind, f64::from(u8::from(ok)));
            }
            "facet" => {
                let mut r = request(&case["params"]);
                r.size = 1;
                let field = case["field"].as_str().unwrap_or_default();
                let ok = match search(&index, &r) {
                    Ok(resp) => {
                        let have: BTreeMap<&str, u64> = resp.facets.get(field).into_iter().flatten().map(|v| (v.value.as_str(), v.count)).collect();
                        case["counts"].as_object().into_iter().flatten().all(|(v, c)| have.get(v.as_str()).copied() == c.as_u64())
                    }
                    Err(_) => false,
                };
                if !ok {
                    misses.push(format!("facet {}", case["params"]));
                }
                add(kind, f64::from(u8::from(ok)));
            }
            _ => {}
        }
    }
    for m in misses.iter().take(if args.all_misses { usize::MAX } else { 20 }) {
        println!("miss: {m}");
    }
    let mut short = Vec::new();
    println!("| kind | score | floor | cases |\n|---|---|---|---|");
    for (k, (sum, n)) in &score {
        let value = sum / f64::from(*n);
        let floor = FLOORS.iter().find(|(f, _)| f == k).map_or(0.0, |(_, v)| *v);
        if value < floor {
            short.push(k.clone());
        }
        println!("| {k} | {value:.4} | {floor} | {n} |");
    }
    println!("\n{} cases in {:.1}s{}", cases["cases"].as_array().map_or(0, Vec::len), started.elapsed().as_secs_f64(),
        if short.is_empty() { String::new() } else { format!(" SHORT: {}", short.join(",")) });
    if !short.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
