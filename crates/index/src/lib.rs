//! The Gongkai index: schema, tokenizers, opening and writing.
//!
//! This crate is the only one that spells field names ([`schema`]) and registers tokenizers
//! ([`register_tokenizers`], called on every open because tantivy does not persist them). It
//! owns `DATA/index/`: a tantivy index plus `gongkai-index.json`, which records the schema
//! version the index was built with so that a binary with a different analysis chain refuses
//! to read it rather than return wrong results.

pub mod document;
pub mod schema;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gongkai_analysis::ngram::{BigramTokenizer, UnigramTokenizer};
use gongkai_analysis::words::{Segmenter, WordTokenizer};
use gongkai_core::Record;
use serde::{Deserialize, Serialize};
use tantivy::indexer::IndexWriterOptions;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher, Term};
use thiserror::Error;

pub use schema::Fields;

/// Errors of the index layer.
#[derive(Debug, Error)]
pub enum IndexError {
    /// No index at the path.
    #[error("no index at {0}: ingest documents first (`gongkai ingest`), or rebuild it from the archive (`gongkai reindex`)")]
    Missing(PathBuf),
    /// The index was built by a different schema or analysis version.
    #[error("the index at {path} was built with schema version {found}, this binary uses {expected}: rebuild it with `gongkai reindex` (or, for a data directory without an archive, delete {path} and ingest again)")]
    Version {
        /// Index directory.
        path: PathBuf,
        /// Version on disk.
        found: u32,
        /// Version of this binary.
        expected: u32,
    },
    /// Another process holds the writer lock.
    #[error("the index at {0} is being written by another process")]
    Locked(PathBuf),
    /// The stored data is damaged.
    #[error("the index is damaged ({0}): rebuild it with `gongkai reindex` (or delete it and ingest again)")]
    Corrupt(String),
    /// File system trouble.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Anything tantivy reports.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// Options for opening an index.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// An extra jieba dictionary (from configuration), on top of the built-in ones.
    pub user_dict: Option<PathBuf>,
}

/// `gongkai-index.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    schema_version: u32,
}

const MARKER: &str = "gongkai-index.json";

/// An open index with its reader.
#[derive(Clone)]
pub struct GongkaiIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    path: PathBuf,
    segmenter: Segmenter,
}

impl std::fmt::Debug for GongkaiIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GongkaiIndex")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Registers Gongkai's tokenizers on an index under the names the schema uses.
pub fn register_tokenizers(index: &Index, segmenter: &Segmenter) {
    let manager = index.tokenizers();
    manager.register(
        schema::WORDS_TOKENIZER,
        WordTokenizer::new(segmenter.clone()),
    );
    manager.register(schema::BIGRAM_TOKENIZER, BigramTokenizer::default());
    manager.register(schema::UNIGRAM_TOKENIZER, UnigramTokenizer::default());
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> IndexError {
    let context = context.into();
    move |source| IndexError::Io { context, source }
}

fn segmenter_for(options: &IndexOptions) -> Result<Segmenter, IndexError> {
    match &options.user_dict {
        None => Ok(Segmenter::builtin()),
        Some(path) => Segmenter::new(Some(path)).map_err(|e| IndexError::Io {
            context: "loading the user dictionary".into(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        }),
    }
}

/// Decompressed doc-store blocks cached per segment (16 KB blocks: at most 16 MB a segment).
pub const DOC_STORE_CACHE_BLOCKS: usize = 1000;

impl GongkaiIndex {
    /// Opens the index at `path` (the `DATA/index` directory), creating it when absent.
    pub fn open_or_create(path: &Path, options: &IndexOptions) -> Result<GongkaiIndex, IndexError> {
        std::fs::create_dir_all(path).map_err(io(format!("creating {}", path.display())))?;
        if path.join("meta.json").exists() {
            return Self::open(path, options);
        }
        let (schema, _) = schema::build();
        let settings = IndexSettings {
            docstore_compression: Compressor::Zstd(ZstdCompressor {
                compression_level: Some(3),
            }),
            // A block is the unit of decompression when a hit is loaded. Records average
            // 17 KB, so 16 KB blocks hold about one record: loading a hit decompresses little
            // more than the hit. Full corpus, against 64 KB blocks: store 21.5 vs 19.6 MB,
            // 712 vs 679 requests/s at 8 connections (`scripts/bench_http.sh`).
            docstore_blocksize: 16 * 1024,
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema)
            .settings(settings)
            .create_in_dir(path)?;
        let marker = serde_json::to_vec(&Marker {
            schema_version: schema::SCHEMA_VERSION,
        })
        .unwrap_or_default();
        std::fs::write(path.join(MARKER), marker).map_err(io("writing the index marker"))?;
        drop(index);
        Self::open(path, options)
    }

    /// Opens an existing index; [`IndexError::Missing`] when there is none.
    pub fn open(path: &Path, options: &IndexOptions) -> Result<GongkaiIndex, IndexError> {
        if !path.join("meta.json").exists() {
            return Err(IndexError::Missing(path.to_path_buf()));
        }
        let found = std::fs::read(path.join(MARKER))
            .ok()
            .and_then(|b| serde_json::from_slice::<Marker>(&b).ok())
            .map(|m| m.schema_version)
            .unwrap_or(0);
        if found != schema::SCHEMA_VERSION {
            return Err(IndexError::Version {
                path: path.to_path_buf(),
                found,
                expected: schema::SCHEMA_VERSION,
            });
        }
        let index = Index::open_in_dir(path).map_err(|e| IndexError::Corrupt(e.to_string()))?;
        // Every file of the committed segments is checked against its footer checksum before
        // anything is read from it: a damaged index is refused, never searched. (Reading the
        // files once costs ~0.1 s for the full corpus, and they are in the page cache after.)
        let damaged = index
            .validate_checksum()
            .map_err(|e| IndexError::Corrupt(e.to_string()))?;
        if !damaged.is_empty() {
            let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
            names.sort();
            return Err(IndexError::Corrupt(format!(
                "{} file(s) fail their checksum: {}",
                names.len(),
                names.join(", ")
            )));
        }
        let fields = schema::fields_of(&index.schema()).ok_or(IndexError::Version {
            path: path.to_path_buf(),
            found,
            expected: schema::SCHEMA_VERSION,
        })?;
        let segmenter = segmenter_for(options)?;
        register_tokenizers(&index, &segmenter);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            // Decompressed doc-store blocks kept per segment: at most 16 MB a segment, enough
            // for every record of the bundled corpus; tantivy's default is 100.
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        Ok(GongkaiIndex {
            index,
            reader,
            fields,
            path: path.to_path_buf(),
            segmenter,
        })
    }

    /// The field handles.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The segmenter the index was opened with (the same one queries must use).
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// The tantivy index.
    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// Where the index lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A searcher on the latest commit this reader has seen.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Makes the reader see the latest commit now.
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload()?;
        Ok(())
    }

    /// Opens the single writer. `threads` indexing threads share `memory_budget` bytes.
    pub fn writer(&self, threads: usize, memory_budget: usize) -> Result<Writer, IndexError> {
        let threads = threads.clamp(1, 8);
        let per_thread = (memory_budget / threads).clamp(20 << 20, 2000 << 20);
        let options = IndexWriterOptions::builder()
            .num_worker_threads(threads)
            .memory_budget_per_thread(per_thread)
            .build();
        let inner = self
            .index
            .writer_with_options(options)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => IndexError::Locked(self.path.clone()),
                other => IndexError::Tantivy(other),
            })?;
        Ok(Writer {
            inner,
            fields: self.fields,
            path: self.path.clone(),
        })
    }

    /// The archive journal sequence number the last commit on disk has applied (0 when none):
    /// everything after it must be replayed from the archive.
    pub fn journal_seq(&self) -> Result<u64, IndexError> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<CommitPayload>(p).ok())
            .map_or(0, |p| p.journal_seq))
    }

    /// Number of live documents in the latest commit seen.
    pub fn num_docs(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// The ids of every live document.
    pub fn live_ids(&self) -> Result<HashSet<String>, IndexError> {
        let searcher = self.searcher();
        let mut ids = HashSet::with_capacity(searcher.num_docs() as usize);
        let mut buffer = String::new();
        for segment in searcher.segment_readers() {
            let Some(column) = segment.fast_fields().str(schema::names::ID)? else {
                continue;
            };
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                for ord in column.term_ords(doc) {
                    buffer.clear();
                    column
                        .ord_to_str(ord, &mut buffer)
                        .map_err(io("reading the id column"))?;
                    ids.insert(buffer.clone());
                }
            }
        }
        Ok(ids)
    }

    /// The stored record of a live document, by id.
    pub fn get(&self, id: &str) -> Result<Option<Record>, IndexError> {
        let searcher = self.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
        )?;
        match top.first() {
            None => Ok(None),
            Some((_, address)) => {
                let doc = searcher.doc(*address)?;
                document::to_record(&self.fields, &doc).map(Some)
            }
        }
    }

    /// Size of the index directory in bytes.
    pub fn size_on_disk(&self) -> u64 {
        dir_size(&self.path)
    }
}

/// Total size of the regular files below `path`.
pub fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// What each commit records beside the documents.
#[derive(Debug, Serialize, Deserialize)]
struct CommitPayload {
    journal_seq: u64,
}

/// The index writer: adds or replaces records, commits.
pub struct Writer {
    inner: IndexWriter,
    fields: Fields,
    path: PathBuf,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    /// Adds `record`, replacing any live document with the same id (never two copies).
    pub fn upsert(&mut self, record: &Record) -> Result<(), IndexError> {
        let doc = document::to_document(&self.fields, record);
        self.upsert_document(&record.id, doc)
    }

    /// Adds a prepared document (see [`document::to_document`]), replacing its id.
    pub fn upsert_document(
        &mut self,
        id: &str,
        doc: tantivy::TantivyDocument,
    ) -> Result<(), IndexError> {
        self.inner
            .delete_term(Term::from_field_text(self.fields.id, id));
        self.inner.add_document(doc)?;
        Ok(())
    }

    /// Removes the document with this id, if any (visible after commit).
    pub fn delete(&mut self, id: &str) {
        self.inner
            .delete_term(Term::from_field_text(self.fields.id, id));
    }

    /// Makes everything added so far durable and visible to new readers.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.inner.commit()?;
        self.sync_dir()
    }

    /// Commits, recording that the index now reflects the archive journal up to `journal_seq`.
    /// Durable when this returns: tantivy syncs the segment files and renames `meta.json` into
    /// place; the directory is synced here so that the rename itself survives a power cut.
    pub fn commit_at(&mut self, journal_seq: u64) -> Result<(), IndexError> {
        let payload = serde_json::to_string(&CommitPayload { journal_seq }).unwrap_or_default();
        let mut prepared = self.inner.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.sync_dir()
    }

    fn sync_dir(&self) -> Result<(), IndexError> {
        std::fs::File::open(&self.path)
            .and_then(|f| f.sync_all())
            .map_err(io(format!("syncing {}", self.path.display())))
    }

    /// Waits for background merges and releases the lock.
    pub fn finish(self) -> Result<(), IndexError> {
        self.inner.wait_merging_threads()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, title: &str, body: &str) -> Record {
        let mut r = Record {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            ..Record::default()
        };
        r.finish(None).unwrap();
        r
    }

    #[test]
    fn create_write_reopen_replace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let index = GongkaiIndex::open_or_create(&path, &IndexOptions::default()).unwrap();
        let mut writer = index.writer(1, 50 << 20).unwrap();
        writer
            .upsert(&record("a", "关于印发某办法的通知", "正文一"))
            .unwrap();
        writer
            .upsert(&record("b", "商用密码管理条例", "正文二"))
            .unwrap();
        writer.commit().unwrap();
        writer
            .upsert(&record("a", "关于印发某办法的通知（修订）", "正文三"))
            .unwrap();
        writer.commit().unwrap();
        writer.finish().unwrap();
        let index = GongkaiIndex::open(&path, &IndexOptions::default()).unwrap();
        assert_eq!(index.num_docs(), 2);
        assert_eq!(
            index.live_ids().unwrap(),
            HashSet::from(["a".to_string(), "b".to_string()])
        );
        assert_eq!(index.get("a").unwrap().unwrap().body, "正文三");
        assert!(index.get("zzz").unwrap().is_none());
    }

    #[test]
    fn refuses_other_versions_and_missing_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        assert!(matches!(
            GongkaiIndex::open(&path, &IndexOptions::default()),
            Err(IndexError::Missing(_))
        ));
        GongkaiIndex::open_or_create(&path, &IndexOptions::default()).unwrap();
        std::fs::write(path.join(MARKER), r#"{"schema_version":0}"#).unwrap();
        let err = GongkaiIndex::open(&path, &IndexOptions::default()).unwrap_err();
        assert!(matches!(err, IndexError::Version { found: 0, .. }), "{err}");
    }

    #[test]
    fn second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let index = GongkaiIndex::open_or_create(dir.path(), &IndexOptions::default()).unwrap();
        let _w = index.writer(1, 50 << 20).unwrap();
        assert!(matches!(
            index.writer(1, 50 << 20),
            Err(IndexError::Locked(_))
        ));
    }
}
