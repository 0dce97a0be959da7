//! In-process query latency on the full corpus (criterion): word, phrase, 文号, filtered and
//! faceted queries, with highlights as the API computes them.
//!
//! `cargo bench -p gongkai-benches --bench query`. Builds `target/bench-data` on first run.
//! Besides criterion's estimates it prints median and p99 over 300 timed runs of each class.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use gongkai_benches::{full_index, median, quantile};
use gongkai_search::{search, FacetField, Filters, SearchRequest};

fn cases() -> Vec<(&'static str, SearchRequest)> {
    let q = |s: &str| SearchRequest {
        q: s.into(),
        ..SearchRequest::default()
    };
    vec![
        ("word", q("行政复议")),
        (
            "word_no_highlight",
            SearchRequest {
                q: "行政复议".into(),
                highlight: false,
                ..SearchRequest::default()
            },
        ),
        ("two_words", q("农产品 质量安全")),
        ("phrase", q("\"所在单\"")),
        ("phrase_common", q("\"人民政府\"")),
        ("docnum", q("国务院令第449号")),
        ("title", q("中华人民共和国保守国家秘密法实施条例")),
        (
            "filtered",
            SearchRequest {
                q: "条例".into(),
                filters: Filters {
                    category: vec!["地方性法规".into()],
                    year_from: Some(2010),
                    year_to: Some(2020),
                    ..Filters::default()
                },
                ..SearchRequest::default()
            },
        ),
        (
            "faceted",
            SearchRequest {
                q: "\"文物保护\"".into(),
                facets: vec![
                    FacetField::Department,
                    FacetField::Year,
                    FacetField::Category,
                ],
                ..SearchRequest::default()
            },
        ),
        (
            "match_all_facets",
            SearchRequest {
                facets: FacetField::ALL.to_vec(),
                ..SearchRequest::default()
            },
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let index = full_index().expect("full-corpus index (needs ../shared/corpus)");
    let mut group = c.benchmark_group("query");
    for (name, request) in cases() {
        // Assert the benchmark measures a real answer.
        let response = search(&index, &request).expect("search");
        assert!(response.total > 0, "{name} found nothing");
        let mut samples: Vec<f64> = (0..300)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(search(&index, &request).expect("search"));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let p50 = median(&mut samples);
        let p99 = quantile(&mut samples, 0.99);
        println!(
            "latency {name:>18}: median {p50:.3} ms, p99 {p99:.3} ms, total {} hits",
            response.total
        );
        group.bench_function(name, |b| {
            b.iter(|| search(&index, &request).expect("search"))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
