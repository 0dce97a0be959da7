//! Search-quality scoring over `shared/eval/dev.json`, exactly as `shared/eval/score.py`
//! scores the HTTP API: rank 1 for 文号 and titles, top 3 for traditional titles, recall and
//! precision of quoted strings, exact totals for filters and exact top counts for facets.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::Result;
use gongkai_index::GongkaiIndex;
use gongkai_search::{search, FacetField, SearchRequest};
use serde_json::Value;

/// Floors of the first release (`score.py`'s); the goal is 1.0 on every kind.
pub const FLOORS: [(&str, f64); 7] = [
    ("docnum", 0.98),
    ("title", 0.98),
    ("title_traditional", 0.95),
    ("phrase_recall", 0.995),
    ("phrase_precision", 0.995),
    ("filter", 1.0),
    ("facet", 1.0),
];

/// The search request of a case's `params`.
pub fn request(params: &Value) -> SearchRequest {
    let mut r = SearchRequest {
        highlight: false,
        ..SearchRequest::default()
    };
    let s = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let i = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
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

/// Scores per kind (`sum`, `cases`) and a line per miss.
#[derive(Debug, Default)]
pub struct Report {
    /// Kind → (sum of scores, number of cases).
    pub scores: BTreeMap<String, (f64, u32)>,
    /// One line per case that was not perfect.
    pub misses: Vec<String>,
    /// Cases run.
    pub cases: usize,
}

impl Report {
    /// Mean score of a kind.
    pub fn score(&self, kind: &str) -> Option<f64> {
        self.scores.get(kind).map(|(s, n)| s / f64::from(*n))
    }

    /// Kinds below their floor.
    pub fn short(&self) -> Vec<String> {
        FLOORS
            .iter()
            .filter(|(k, floor)| self.score(k).is_none_or(|v| v < *floor))
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// A Markdown table of the scores.
    pub fn table(&self) -> String {
        let mut out = String::from("| kind | score | floor | cases |\n|---|---|---|---|\n");
        for (k, (sum, n)) in &self.scores {
            let floor = FLOORS.iter().find(|(f, _)| f == k).map_or(0.0, |(_, v)| *v);
            out.push_str(&format!(
                "| {k} | {:.4} | {floor} | {n} |\n",
                sum / f64::from(*n)
            ));
        }
        out
    }
}

/// Runs every case of `cases_path` against `index`.
pub fn evaluate(index: &GongkaiIndex, cases_path: &Path) -> Result<Report> {
    let cases: Value = serde_json::from_slice(&std::fs::read(cases_path)?)?;
    let mut report = Report::default();
    let mut score: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    let mut add = |k: &str, v: f64| {
        let e = score.entry(k.to_string()).or_insert((0.0, 0));
        e.0 += v;
        e.1 += 1;
    };
    let mut misses = Vec::new();
    for case in cases["cases"].as_array().into_iter().flatten() {
        let kind = case["kind"].as_str().unwrap_or_default();
        let relevant: HashSet<&str> = case["relevant"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match kind {
            "docnum" | "title" | "title_traditional" => {
                let k = case["k"].as_u64().unwrap_or(1) as usize;
                let r = SearchRequest {
                    q: case["q"].as_str().unwrap_or_default().into(),
                    size: k,
                    highlight: false,
                    ..SearchRequest::default()
                };
                let ok = match search(index, &r) {
                    Ok(resp) => resp
                        .hits
                        .iter()
                        .take(k)
                        .any(|h| relevant.contains(h.id.as_str())),
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
                    let r = SearchRequest {
                        q: case["q"].as_str().unwrap_or_default().into(),
                        size: 100,
                        page,
                        highlight: false,
                        ..SearchRequest::default()
                    };
                    let Ok(resp) = search(index, &r) else { break };
                    let n = resp.hits.len();
                    got.extend(resp.hits.into_iter().map(|h| h.id));
                    if n == 0 || got.len() as u64 >= resp.total || got.len() >= 3000 {
                        break;
                    }
                    page += 1;
                }
                let hit = relevant.iter().filter(|id| got.contains(**id)).count() as f64;
                let recall = hit / relevant.len().max(1) as f64;
                let precision = if got.is_empty() {
                    0.0
                } else {
                    hit / got.len() as f64
                };
                if recall < 1.0 || precision < 1.0 {
                    misses.push(format!(
                        "phrase {} recall {recall:.3} precision {precision:.3} ({} found, {} true)",
                        case["q"],
                        got.len(),
                        relevant.len()
                    ));
                }
                add("phrase_recall", recall);
                add("phrase_precision", precision);
            }
            "filter" => {
                let mut r = request(&case["params"]);
                r.size = 1;
                let total = search(index, &r).map(|x| x.total).unwrap_or(u64::MAX);
                let ok = Some(total) == case["total"].as_u64();
                if !ok {
                    misses.push(format!(
                        "filter {} got {total} want {}",
                        case["params"], case["total"]
                    ));
                }
                add(kind, f64::from(u8::from(ok)));
            }
            "facet" => {
                let mut r = request(&case["params"]);
                r.size = 1;
                let field = case["field"].as_str().unwrap_or_default();
                let ok = match search(index, &r) {
                    Ok(resp) => {
                        let have: BTreeMap<&str, u64> = resp
                            .facets
                            .get(field)
                            .into_iter()
                            .flatten()
                            .map(|v| (v.value.as_str(), v.count))
                            .collect();
                        case["counts"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .all(|(v, c)| have.get(v.as_str()).copied() == c.as_u64())
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
    report.scores = score;
    report.misses = misses;
    report.cases = cases["cases"].as_array().map_or(0, Vec::len);
    Ok(report)
}
