//! Parser cost against nesting depth and query size: the check that cost stays linear
//! (parse time at depth d+1 over depth d under 1.5 for d from 10 to 40) and that input over the
//! limits is refused in well under a millisecond. Raw user input never reaches tantivy's query
//! parser (exponential in nesting depth until 2026, quickwit-oss/tantivy#2498); ours is a
//! hand-written linear lexer, and parentheses are plain characters in it.
//!
//! `cargo bench -p gongkai-benches --bench parser`. Prints, for each depth, the time of parse
//! alone and of parse + query construction (jieba, bigrams, tantivy query objects) on an empty
//! index (median over 21 interleaved rounds of 101 runs), and the largest ratio between
//! neighbouring depths.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gongkai_benches::median;
use gongkai_index::{GongkaiIndex, IndexOptions};
use gongkai_search::{compile, query, SearchRequest};

fn nested(depth: usize) -> String {
    format!("{}政府信息公开{}", "(".repeat(depth), ")".repeat(depth))
}

fn time_median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    Duration::from_secs_f64(median(&mut samples))
}

fn report(index: &GongkaiIndex) {
    // Depths are timed in interleaved rounds (each round: every depth, 101 runs, median), and
    // each depth's figure is the median over the rounds, so that a burst of noise on this
    // shared machine lands on all depths alike instead of on one neighbour.
    let depths: Vec<usize> = (9..=40).collect();
    let requests: Vec<(String, SearchRequest)> = depths
        .iter()
        .map(|&d| {
            let q = nested(d);
            let request = SearchRequest {
                q: q.clone(),
                ..SearchRequest::default()
            };
            (q, request)
        })
        .collect();
    let rounds = 21;
    let mut parse_rounds = vec![Vec::new(); depths.len()];
    let mut build_rounds = vec![Vec::new(); depths.len()];
    for _ in 0..rounds {
        for (i, (q, request)) in requests.iter().enumerate() {
            parse_rounds[i].push(
                time_median(101, || {
                    std::hint::black_box(query::parse(q).ok());
                })
                .as_secs_f64(),
            );
            build_rounds[i].push(
                time_median(101, || {
                    std::hint::black_box(compile(index, request).ok());
                })
                .as_secs_f64(),
            );
        }
    }
    let parse: Vec<f64> = parse_rounds.iter_mut().map(|r| median(r)).collect();
    let build: Vec<f64> = build_rounds.iter_mut().map(|r| median(r)).collect();
    println!("| depth | parse | parse + build | ratio to depth-1 (parse, build) |");
    println!("|---|---|---|---|");
    let (mut worst_parse, mut worst_build) = (0f64, 0f64);
    for i in 1..depths.len() {
        let (rp, rb) = (parse[i] / parse[i - 1], build[i] / build[i - 1]);
        worst_parse = worst_parse.max(rp);
        worst_build = worst_build.max(rb);
        let depth = depths[i];
        if depth.is_multiple_of(5) || depth == 10 {
            println!(
                "| {depth} | {:.2?} | {:.2?} | {rp:.2}, {rb:.2} |",
                Duration::from_secs_f64(parse[i]),
                Duration::from_secs_f64(build[i])
            );
        }
    }
    println!("largest ratio between neighbouring depths, 10..40: parse {worst_parse:.2}, parse + build {worst_build:.2} (goal < 1.5)");
    for (what, q) in [
        ("20,000 characters", "字".repeat(20_000)),
        ("10,000 nested parentheses", nested(10_000)),
        (
            "1,000 OR'd terms",
            (0..1000)
                .map(|i| format!("词{i}"))
                .collect::<Vec<_>>()
                .join(" OR "),
        ),
    ] {
        let request = SearchRequest {
            q: q.clone(),
            ..SearchRequest::default()
        };
        let refused = time_median(201, || {
            std::hint::black_box(compile(index, &request).is_err());
        });
        assert!(compile(index, &request).is_err(), "{what} must be refused");
        println!("refused: {what} in {refused:.2?} (median of 201)");
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let index =
        GongkaiIndex::open_or_create(dir.path(), &IndexOptions::default()).expect("an empty index");
    report(&index);
    let mut group = c.benchmark_group("parse_nested");
    for depth in [10, 20, 40] {
        let q = nested(depth);
        group.bench_with_input(BenchmarkId::from_parameter(depth), &q, |b, q| {
            b.iter(|| query::parse(q).ok())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
