//! Helpers shared by the server's integration tests.

use std::path::{Path, PathBuf};

use gongkai_index::{GongkaiIndex, IndexOptions};

/// The bundled sample (`index-data/sample/corpus-sample.jsonl.gz`), ingested into `dir`.
pub fn sample_index(dir: &Path) -> GongkaiIndex {
    let index = GongkaiIndex::open_or_create(dir, &IndexOptions::default()).unwrap();
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../index-data/sample/corpus-sample.jsonl.gz");
    gongkai_ingest::ingest(
        &index,
        &[sample],
        &gongkai_ingest::IngestOptions::default(),
        &mut gongkai_ingest::Quiet,
    )
    .unwrap();
    index.reload().unwrap();
    assert!(index.num_docs() > 100);
    index
}
