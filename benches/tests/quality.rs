//! The search-quality cases of `shared/eval/dev.json` as a test: every exact kind must score
//! 1.0 (score.py's floors are lower; the goal is exactness). Needs `../shared` (CI has it);
//! without it the test says so and does nothing.

use gongkai_benches::{full_index, quality, shared_dir};

#[test]
fn dev_cases_score_perfectly() {
    let cases = shared_dir().join("eval/dev.json");
    if !cases.exists() || !shared_dir().join("corpus").exists() {
        eprintln!("skipped: {} not found", cases.display());
        return;
    }
    let index = full_index().expect("full-corpus index");
    let report = quality::evaluate(&index, &cases).expect("evaluation");
    println!("{}", report.table());
    assert!(
        report.short().is_empty(),
        "below the floors: {:?}\n{:#?}",
        report.short(),
        report.misses
    );
    for kind in [
        "docnum",
        "title",
        "title_traditional",
        "phrase_recall",
        "phrase_precision",
        "filter",
        "facet",
    ] {
        assert_eq!(
            report.score(kind),
            Some(1.0),
            "{kind}: {:#?}",
            report.misses
        );
    }
}
