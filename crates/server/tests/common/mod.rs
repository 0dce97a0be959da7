//! Helpers shared by the server's integration tests.

use std::path::{Path, PathBuf};

use gongkai_index::IndexOptions;
use gongkai_ingest::Store;

/// The bundled sample (`index-data/sample/corpus-sample.jsonl.gz`), archived and indexed in
/// the data directory `dir`.
pub fn sample_store(dir: &Path) -> Store {
    let store = Store::open(dir, &IndexOptions::default()).unwrap();
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../index-data/sample/corpus-sample.jsonl.gz");
    gongkai_ingest::ingest(
        &store,
        &[sample],
        &gongkai_ingest::IngestOptions::default(),
        "cli",
        &mut gongkai_ingest::Quiet,
    )
    .unwrap();
    assert!(store.index().num_docs() > 100);
    store
}
