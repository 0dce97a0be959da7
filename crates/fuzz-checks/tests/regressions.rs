//! Every input that ever crashed a fuzz target (`fuzz/regressions/<target>/`, each named after
//! what it exposed) and every seed (`fuzz/seeds/<target>/`, the page and encoding fixtures of
//! the ingest tests) goes through its target again. A failure names the file.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn replay(target: &str, run: fn(&[u8]), dirs: &[PathBuf]) -> usize {
    let mut count = 0;
    for dir in dirs {
        for path in files(dir) {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if std::panic::catch_unwind(|| run(&bytes)).is_err() {
                panic!("{target} fails on {}", path.display());
            }
            count += 1;
        }
    }
    count
}

#[test]
fn every_regression_and_seed_passes_its_target() {
    let root = repo();
    let mut seen = 0;
    for (target, run) in gongkai_fuzz_checks::TARGETS {
        let mut dirs = vec![
            root.join("fuzz/regressions").join(target),
            root.join("fuzz/seeds").join(target),
        ];
        if target == "html_extract" {
            dirs.push(root.join("crates/ingest/tests/fixtures/pages"));
            dirs.push(root.join("crates/ingest/tests/fixtures/encodings"));
        }
        seen += replay(target, run, &dirs);
    }
    assert!(
        seen >= 40,
        "only {seen} seed and regression files were found"
    );
}
