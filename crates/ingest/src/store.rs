//! The data directory as one store: the archive (system of record) and the index derived from
//! it, kept in step.
//!
//! Every write goes through a [`WriteSession`], which holds the archive lock and the index
//! writer. A document is first archived (original object, journal line), then indexed; a commit
//! makes the archive durable first ([`ArchiveWriter::sync`]), then commits the index recording
//! the journal sequence number it reflects. After a crash between the two, or when `index/` was
//! deleted, the index is behind the journal, and the next writer (or [`Store::open`]) replays
//! what it missed from the originals. So a document acknowledged as written is in both, and the
//! index can always be rebuilt from the archive alone ([`reindex`]).

use std::fs::File;
use std::path::{Path, PathBuf};

use gongkai_analysis::normalize;
use gongkai_archive::{
    Archive, ArchiveError, ArchiveWriter, OriginalRef, Put, PutOutcome, SourceKind,
};
use gongkai_core::Record;
use gongkai_index::{document, GongkaiIndex, IndexError, IndexOptions, Writer};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use tantivy::TantivyDocument;
use thiserror::Error;

use crate::page;

/// Version of the parsers (JSON records, HTML and text pages), recorded with every archived
/// version. Bump it when a parser change alters what a page yields; `gongkai reindex` then
/// re-reads every original with the new parsers.
pub const PARSER_VERSION: u32 = 2;

/// Errors of the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The archive failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A server is running on this data directory.
    #[error("{0} is in use by a running `gongkai serve`: stop it first")]
    InUse(PathBuf),
    /// The write session failed earlier and was rolled back; start a new one.
    #[error("this write was abandoned after an earlier failure and rolled back")]
    Aborted,
    /// File system trouble.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the cause is a full disk (or an exhausted quota): the API answers 507.
    pub fn is_storage_full(&self) -> bool {
        gongkai_archive::is_storage_full(self)
    }
}

/// Why an original could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The input itself is bad (does not parse, no title, …): reject it, go on with the rest.
    #[error("{0}")]
    Invalid(String),
    /// Storing the original failed (a full disk, an I/O error): the batch cannot go on.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}

/// The archive and the index of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    data: PathBuf,
    archive: Archive,
    index: GongkaiIndex,
}

/// A parsed document ready to be archived and indexed.
#[derive(Debug)]
pub struct Prepared {
    /// The record.
    pub record: Record,
    /// Its tantivy document.
    pub doc: Box<TantivyDocument>,
    /// What the archive is told.
    pub put: Put,
    /// Parser warnings.
    pub warnings: Vec<String>,
}

/// An original as it came in, before parsing.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The bytes, kept verbatim.
    pub bytes: &'a [u8],
    /// How to parse them.
    pub kind: SourceKind,
    /// Names the input: `FILE:LINE` for records, a path for pages; ids derive from it.
    /// `None` when the input has no name (the write API): records then need an `id` or a
    /// `source_url`.
    pub source: Option<&'a str>,
    /// The page's URL, when known.
    pub url: Option<&'a str>,
    /// A charset known from outside (the request's `Content-Type`).
    pub charset: Option<&'a str>,
}

/// Parses an original into a record (total: every failure is a reason).
/// Returns the record, warnings, whether its id was derived, and its `Content-Type`.
pub fn parse_original(
    incoming: &Incoming<'_>,
) -> Result<(Record, Vec<String>, bool, String), String> {
    match incoming.kind {
        SourceKind::Json => {
            let text = std::str::from_utf8(incoming.bytes)
                .map_err(|e| format!("invalid UTF-8 at byte {} of the record", e.valid_up_to()))?;
            let value: serde_json::Value =
                serde_json::from_str(text.trim_end()).map_err(|e| format!("invalid JSON: {e}"))?;
            let derived = value
                .get("id")
                .and_then(|v| v.as_str())
                .is_none_or(|s| s.trim().is_empty());
            let (record, warnings) =
                Record::from_json(value, incoming.source).map_err(|e| e.to_string())?;
            Ok((record, warnings, derived, "application/json".into()))
        }
        SourceKind::Page => {
            let source = incoming.source.or(incoming.url).unwrap_or("page");
            let (record, warnings, content_type) =
                page::parse_page_typed(incoming.bytes, source, incoming.url, incoming.charset)
                    .map_err(|e| e.to_string())?;
            Ok((record, warnings, true, content_type))
        }
    }
}

/// SHA-256 of the normalised title and body, whitespace removed: equal for the same text
/// published twice with different markup, chrome or URL.
pub fn fingerprint(record: &Record) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for text in [&record.title, &record.body] {
        let normalized = normalize(text);
        for word in normalized.split_whitespace() {
            hasher.update(word.as_bytes());
        }
        hasher.update(b"\n");
    }
    hasher.finalize().into()
}

fn file_name(record: &Record, incoming: &Incoming<'_>, content_type: &str) -> String {
    let from_source = incoming
        .url
        .map(|u| u.split(['?', '#']).next().unwrap_or(u))
        .or(incoming
            .source
            .filter(|_| incoming.kind == SourceKind::Page))
        .and_then(|s| s.rsplit(['/', '\\']).next())
        .filter(|n| n.contains('.') && n.len() <= 120)
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control() && !matches!(c, '"' | ';' | '\\' | '/'))
                .collect::<String>()
        });
    from_source.unwrap_or_else(|| {
        let ext = if content_type.starts_with("application/json") {
            "json"
        } else if content_type.starts_with("text/html") {
            "html"
        } else {
            "txt"
        };
        format!("{}.{ext}", record.id)
    })
}

impl Store {
    /// Opens the data directory (creating `archive/` and `index/` when absent) and replays into
    /// the index whatever the archive holds that the index has not seen.
    pub fn open(data: &Path, options: &IndexOptions) -> Result<Store, StoreError> {
        let store = Store::open_without_catch_up(data, options)?;
        if store.behind()? {
            store.write_session(1, 64 << 20)?.finish()?;
        }
        Ok(store)
    }

    fn open_without_catch_up(data: &Path, options: &IndexOptions) -> Result<Store, StoreError> {
        let archive = Archive::open(&data.join("archive"))?;
        let path = data.join("index");
        let index = match GongkaiIndex::open_or_create(&path, options) {
            // An index built by another version of the analysis is derived data: when the
            // archive holds the documents, it is dropped and rebuilt from them (the catch-up
            // replays everything into the new, empty index).
            Err(IndexError::Version {
                found, expected, ..
            }) if archive.stats().documents > 0 => {
                let _writer = archive.writer()?;
                tracing::warn!(
                    found,
                    expected,
                    "the index was built by another schema version: rebuilding it from the archive"
                );
                std::fs::remove_dir_all(&path)
                    .map_err(io(format!("removing {}", path.display())))?;
                GongkaiIndex::open_or_create(&path, options)?
            }
            other => other?,
        };
        Ok(Store {
            data: data.to_path_buf(),
            archive,
            index,
        })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The archive.
    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// The index.
    pub fn index(&self) -> &GongkaiIndex {
        &self.index
    }

    /// Whether the archive holds events the index's last commit has not applied.
    pub fn behind(&self) -> Result<bool, StoreError> {
        self.archive.refresh()?;
        Ok(self.archive.last_seq() > self.index.journal_seq()?)
    }

    /// Archives and prepares one original for indexing (the parallel part of a write).
    pub fn prepare(&self, incoming: &Incoming<'_>) -> Result<Prepared, PrepareError> {
        let (record, warnings, derived, content_type) =
            parse_original(incoming).map_err(PrepareError::Invalid)?;
        let object = self
            .archive
            .store_object(incoming.bytes)
            .map_err(StoreError::from)?;
        let content: [u8; 32] =
            Sha256::digest(serde_json::to_vec(&record).unwrap_or_default()).into();
        let put = Put {
            id: record.id.clone(),
            derived_id: derived,
            content,
            fingerprint: derived.then(|| fingerprint(&record)),
            parser: PARSER_VERSION,
            original: OriginalRef {
                object,
                bytes: incoming.bytes.len() as u64,
                kind: incoming.kind,
                file_name: file_name(&record, incoming, &content_type),
                content_type,
                source: incoming
                    .source
                    .or(incoming.url)
                    .unwrap_or("api")
                    .to_string(),
                url: incoming.url.map(str::to_string),
            },
        };
        let doc = Box::new(document::to_document(self.index.fields(), &record));
        Ok(Prepared {
            record,
            doc,
            put,
            warnings,
        })
    }

    /// The record of a document's version as its original reads now (`None`: the newest).
    pub fn record_of(&self, id: &str, version: Option<u32>) -> Result<Record, StoreError> {
        let info = self.archive.version(id, version)?;
        let bytes = self.archive.read_object(&info.original.object)?;
        reparse(id, &bytes, &info.original).map_err(|reason| {
            StoreError::Archive(ArchiveError::Damaged(format!(
                "version {} of {id:?} does not parse any more: {reason}",
                info.version
            )))
        })
    }

    /// Takes the archive lock and the index writer, after bringing the index up to date.
    pub fn write_session(
        &self,
        threads: usize,
        memory_budget: usize,
    ) -> Result<WriteSession, StoreError> {
        let archive = self.archive.writer()?;
        let index = self.index.writer(threads, memory_budget)?;
        let mut session = WriteSession {
            store: self.clone(),
            archive,
            index,
            dirty: false,
            broken: false,
        };
        let seen = self.index.journal_seq()?;
        if self.archive.last_seq() > seen {
            let redone = session.replay(seen)?;
            tracing::info!(
                documents = redone,
                from_seq = seen,
                to_seq = self.archive.last_seq(),
                "index brought up to date from the archive"
            );
            session.commit()?;
        }
        Ok(session)
    }

    /// Holds a shared lock on `DATA/SERVE.lock` while serving, so that `reindex` and `restore`
    /// (which replace `index/` under a running server) refuse to run.
    pub fn serving_lock(&self) -> Result<File, StoreError> {
        let (file, path) = open_serve_lock(&self.data)?;
        file.lock_shared()
            .map_err(io(format!("locking {}", path.display())))?;
        Ok(file)
    }
}

/// Re-reads an archived original as the record it is (the id is the archived one).
pub fn reparse(id: &str, bytes: &[u8], original: &OriginalRef) -> Result<Record, String> {
    let incoming = Incoming {
        bytes,
        kind: original.kind,
        source: Some(&original.source),
        url: original.url.as_deref(),
        charset: original.content_type.split("charset=").nth(1),
    };
    let (mut record, _, _, _) = parse_original(&incoming)?;
    record.id = id.to_string();
    Ok(record)
}

/// The archive lock and the index writer of one write: ingest, an API request, a replay.
///
/// All or nothing per commit: when anything fails (a full disk, an I/O error), what was
/// written since the last commit is rolled back — the journal cut back, the index writer's
/// pending documents discarded — and the session refuses further work. Searches keep seeing
/// the last commit; a new session starts clean.
#[derive(Debug)]
pub struct WriteSession {
    store: Store,
    archive: ArchiveWriter,
    index: Writer,
    dirty: bool,
    broken: bool,
}

impl WriteSession {
    fn usable(&self) -> Result<(), StoreError> {
        if self.broken {
            return Err(StoreError::Aborted);
        }
        Ok(())
    }

    /// Rolls back to the last commit and marks the session unusable; returns `error`.
    fn fail(&mut self, error: StoreError) -> StoreError {
        self.broken = true;
        if let Err(rollback) = self.archive.rollback() {
            tracing::error!(error = %rollback, "rolling back a failed write failed");
        }
        error
    }

    /// Archives a prepared document and indexes it when it changed anything.
    pub fn put(&mut self, prepared: Prepared, actor: &str) -> Result<PutOutcome, StoreError> {
        self.usable()?;
        let outcome = match self.archive.put(prepared.put, actor) {
            Ok(outcome) => outcome,
            Err(error) => return Err(self.fail(error.into())),
        };
        if outcome.needs_indexing() {
            if let Err(error) = self
                .index
                .upsert_document(&prepared.record.id, *prepared.doc)
            {
                return Err(self.fail(error.into()));
            }
        }
        self.dirty = true;
        Ok(outcome)
    }

    /// Withdraws a document: archived as withdrawn, removed from the index. `Ok(false)` when
    /// it already was withdrawn.
    pub fn withdraw(
        &mut self,
        id: &str,
        actor: &str,
        reason: Option<String>,
    ) -> Result<bool, StoreError> {
        self.usable()?;
        let changed = match self.archive.withdraw(id, actor, reason) {
            Ok(changed) => changed,
            Err(error @ ArchiveError::NotFound(_)) => return Err(error.into()),
            Err(error) => return Err(self.fail(error.into())),
        };
        if changed {
            self.index.delete(id);
            self.dirty = true;
        }
        Ok(changed)
    }

    /// Makes everything so far durable (archive first, then the index commit that records the
    /// journal position) and visible to this process's searches. Returns the journal position.
    pub fn commit(&mut self) -> Result<u64, StoreError> {
        self.usable()?;
        let seq = match self.archive.sync() {
            Ok(seq) => seq,
            Err(error) => return Err(self.fail(error.into())),
        };
        if let Err(error) = self.index.commit_at(seq) {
            // Only the final directory sync may have failed after the commit landed: then the
            // journal must stay as the index now records it.
            if self.store.index.journal_seq().ok() == Some(seq) {
                self.archive.settle();
                self.broken = true;
                return Err(error.into());
            }
            return Err(self.fail(error.into()));
        }
        self.archive.settle();
        self.dirty = false;
        self.store.index.reload()?;
        Ok(seq)
    }

    /// Commits what is pending and releases the locks. A session that failed is only
    /// released (its rollback happened when it failed).
    pub fn finish(mut self) -> Result<(), StoreError> {
        if self.broken {
            return Ok(());
        }
        if self.dirty || self.store.archive.last_seq() > self.store.index.journal_seq()? {
            self.commit()?;
        }
        self.index.finish()?;
        Ok(())
    }

    /// Re-indexes every document whose archive state changed after journal position `seen`,
    /// from its newest original; withdrawn ones are removed. Returns how many were redone.
    fn replay(&mut self, seen: u64) -> Result<u64, StoreError> {
        let touched = self.store.archive.touched_since(seen);
        let summary = redo(&self.store, &touched, &mut self.index)?;
        self.dirty = true;
        Ok(summary.documents + summary.withdrawn)
    }
}

/// Re-indexes `ids` from their newest originals (re-read in parallel, 512 at a time), deleting
/// the withdrawn ones; an original that cannot be read is logged and counted, never fatal.
fn redo(
    store: &Store,
    ids: &[(String, bool)],
    index: &mut Writer,
) -> Result<ReindexSummary, StoreError> {
    let fields = *store.index.fields();
    let mut summary = ReindexSummary::default();
    for chunk in ids.chunks(512) {
        let docs: Vec<(&str, Option<Result<TantivyDocument, String>>)> = chunk
            .par_iter()
            .map(|(id, active)| {
                let doc = active.then(|| {
                    store
                        .record_of(id, None)
                        .map(|r| document::to_document(&fields, &r))
                        .map_err(|e| e.to_string())
                });
                (id.as_str(), doc)
            })
            .collect();
        for (id, doc) in docs {
            match doc {
                None => {
                    index.delete(id);
                    summary.withdrawn += 1;
                }
                Some(Ok(doc)) => {
                    index.upsert_document(id, doc)?;
                    summary.documents += 1;
                }
                Some(Err(reason)) => {
                    tracing::error!(id, "cannot re-index from the archive: {reason}");
                    summary.failed += 1;
                }
            }
        }
    }
    Ok(summary)
}

/// What [`reindex`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ReindexSummary {
    /// Documents indexed.
    pub documents: u64,
    /// Withdrawn documents left out.
    pub withdrawn: u64,
    /// Documents whose original could not be read or parsed (reported in the log).
    pub failed: u64,
    /// Journal position the new index reflects.
    pub journal_seq: u64,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Rebuilds `DATA/index/` from `DATA/archive/` alone: a fresh index is built beside the old
/// one and swapped in when complete, so a failure leaves the old index in place.
pub fn reindex(
    data: &Path,
    options: &IndexOptions,
    threads: usize,
    memory_budget: usize,
) -> Result<ReindexSummary, StoreError> {
    let started = std::time::Instant::now();
    let serve_lock = exclusive_serve_lock(data)?;
    let archive = Archive::open(&data.join("archive"))?;
    let writer = archive.writer()?;
    let fresh = data.join("index.new");
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh).map_err(io(format!("removing {}", fresh.display())))?;
    }
    let index = GongkaiIndex::open_or_create(&fresh, options)?;
    let store = Store {
        data: data.to_path_buf(),
        archive: archive.clone(),
        index,
    };
    let mut index_writer = store.index.writer(threads, memory_budget)?;
    let mut summary = redo(&store, &archive.touched_since(0), &mut index_writer)?;
    summary.journal_seq = archive.last_seq();
    index_writer.commit_at(summary.journal_seq)?;
    index_writer.finish()?;
    drop(store);
    let live = data.join("index");
    let old = data.join("index.old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(format!("removing {}", old.display())))?;
    }
    if live.exists() {
        std::fs::rename(&live, &old).map_err(io(format!("moving {} aside", live.display())))?;
    }
    std::fs::rename(&fresh, &live).map_err(io(format!("moving {} into place", fresh.display())))?;
    gongkai_archive::sync_dir(data)?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(format!("removing {}", old.display())))?;
    }
    drop(writer);
    drop(serve_lock);
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Takes `DATA/SERVE.lock` exclusively; fails when a server holds it.
pub fn exclusive_serve_lock(data: &Path) -> Result<File, StoreError> {
    std::fs::create_dir_all(data).map_err(io(format!("creating {}", data.display())))?;
    let (file, path) = open_serve_lock(data)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse(data.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(io(format!("locking {}", path.display()))(e)),
    }
}

/// Opens (creating) `DATA/SERVE.lock`.
fn open_serve_lock(data: &Path) -> Result<(File, PathBuf), StoreError> {
    let path = data.join("SERVE.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(format!("opening {}", path.display())))?;
    Ok((file, path))
}

/// Restores a backup made by [`backup`] into `data` (which must hold no archive yet), checks
/// every object, and builds the index from it.
pub fn restore(
    backup_dir: &Path,
    data: &Path,
    options: &IndexOptions,
    threads: usize,
    memory_budget: usize,
) -> Result<ReindexSummary, StoreError> {
    let target = data.join("archive");
    if target.join("journal.log").exists() {
        return Err(io(format!("restoring into {}", data.display()))(
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "it already holds an archive: restore into an empty data directory",
            ),
        ));
    }
    let source = Archive::open(&backup_dir.join("archive"))?;
    let lock = exclusive_serve_lock(data)?;
    source.backup_to(&target)?;
    let keys = backup_dir.join("keys.json");
    if keys.exists() {
        copy_synced(&keys, &data.join("keys.json"))?;
    }
    gongkai_archive::sync_dir(data)?;
    Archive::open(&target)?.verify()?;
    drop(lock);
    reindex(data, options, threads, memory_budget)
}

/// Copies a consistent backup of `data` into `out`: the archive (journal as of now and its
/// objects) and the API keys. The index is not copied: it is derived, and [`restore`] rebuilds
/// it. Runs beside a server and writers.
pub fn backup(data: &Path, out: &Path) -> Result<u64, StoreError> {
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(io(format!("reading {}", out.display())))?
            .next()
            .is_some()
    {
        return Err(io(format!("backing up into {}", out.display()))(
            std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it is not empty"),
        ));
    }
    let archive = Archive::open(&data.join("archive"))?;
    let seq = archive.backup_to(&out.join("archive"))?;
    // keys.json is only ever replaced by rename, so a plain copy is consistent.
    let keys = data.join("keys.json");
    if keys.exists() {
        copy_synced(&keys, &out.join("keys.json"))?;
    }
    gongkai_archive::sync_dir(out)?;
    Ok(seq)
}

fn copy_synced(from: &Path, to: &Path) -> Result<(), StoreError> {
    std::fs::copy(from, to)
        .and_then(|_| File::open(to)?.sync_all())
        .map_err(io(format!(
            "copying {} to {}",
            from.display(),
            to.display()
        )))
}
