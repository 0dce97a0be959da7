//! The ingest pipeline: files → archived originals → committed index documents.
//!
//! Three stages overlap so both cores stay busy:
//!
//! 1. a reader thread walks the inputs and sends batches of raw items (JSON lines, page bytes);
//! 2. the calling thread parses, archives (original object) and normalises each batch in
//!    parallel (rayon) into tantivy documents, then hands them to the
//!    [write session](crate::store::WriteSession) in input order, which records each version in
//!    the archive journal and indexes what changed;
//! 3. tantivy's indexing threads tokenize (jieba, n-grams) and build segments.
//!
//! Every `commit_every` documents the session commits (archive synced first, then the index);
//! only then are those documents counted as ingested. A crash or kill loses at most the
//! uncommitted tail, and because every id has one archive history and every index add first
//! deletes its id, running the same command again completes the job without duplicates.
//! A bad item is reported with its `FILE:LINE` and skipped; it never stops the batch.

use std::path::PathBuf;
use std::time::Instant;

use gongkai_archive::{PutOutcome, SourceKind};
use gongkai_core::Record;
use gongkai_index::IndexError;
use rayon::prelude::*;
use serde::Serialize;

use crate::source::{self, InputFile, Item, Origin, Payload};
use crate::store::{parse_original, Incoming, PrepareError, Prepared, Store, StoreError};

/// Items per parallel batch.
const BATCH_ITEMS: usize = 256;
/// Raw bytes per parallel batch, whichever comes first.
const BATCH_BYTES: usize = 8 << 20;

/// Settings of one ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Commit after this many documents.
    pub commit_every: usize,
    /// Indexing threads.
    pub threads: usize,
    /// Writer memory budget in bytes, shared by the indexing threads.
    pub memory_budget: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            commit_every: 20_000,
            threads: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
            memory_budget: 512 << 20,
        }
    }
}

/// An input that was not ingested, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// `FILE` or `FILE:LINE`.
    pub origin: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.reason)
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IngestSummary {
    /// Files read.
    pub files: usize,
    /// Documents new to the archive.
    pub added: u64,
    /// Documents whose content changed: a new version replaced the indexed one.
    pub updated: u64,
    /// Documents already archived with the same content: nothing recorded.
    pub unchanged: u64,
    /// Reposts of an archived document's text under another URL or path: recorded as one more
    /// source of that document.
    pub merged: u64,
    /// Inputs rejected.
    pub rejected: u64,
    /// Warnings reported.
    pub warnings: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// Commits made.
    pub commits: u64,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl IngestSummary {
    /// Inputs that were ingested (whatever the outcome).
    pub fn accepted(&self) -> u64 {
        self.added + self.updated + self.unchanged + self.merged
    }

    /// Counts one outcome.
    pub fn count(&mut self, outcome: &PutOutcome) {
        match outcome {
            PutOutcome::Added => self.added += 1,
            PutOutcome::Updated { .. } => self.updated += 1,
            PutOutcome::Unchanged => self.unchanged += 1,
            PutOutcome::Merged { .. } => self.merged += 1,
        }
    }
}

/// Receives progress; the CLI shows it as a bar or as periodic lines.
pub trait Progress: Send {
    /// Total input bytes, known once the inputs are listed.
    fn start(&mut self, _total_bytes: u64, _files: usize) {}
    /// `bytes` more input bytes were processed.
    fn advance(&mut self, _bytes: u64) {}
    /// A commit made `documents` documents durable (running total).
    fn committed(&mut self, _documents: u64) {}
    /// An input was rejected.
    fn rejected(&mut self, _rejection: &Rejection) {}
    /// A warning about an input that was still ingested.
    fn warning(&mut self, _origin: &str, _message: &str) {}
}

/// A progress sink that ignores everything.
#[derive(Debug, Default)]
pub struct Quiet;
impl Progress for Quiet {}

/// Errors that stop a run (bad inputs never do).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The archive or the index failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// The original of an item, as the store takes it.
pub fn incoming<'a>(item: &'a Item, source: &'a str) -> Result<Incoming<'a>, String> {
    match &item.payload {
        Payload::Unreadable(reason) => Err(reason.clone()),
        Payload::JsonLine(bytes) => Ok(Incoming {
            bytes: trim_newline(bytes),
            kind: SourceKind::Json,
            source: Some(source),
            url: None,
            charset: None,
        }),
        Payload::Page(bytes) => Ok(Incoming {
            bytes,
            kind: SourceKind::Page,
            source: Some(source),
            url: None,
            charset: None,
        }),
    }
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &bytes[..end]
}

/// Parses one item into a record without archiving it. Total: every failure is a reason.
pub fn parse_item(item: &Item) -> Result<(Record, Vec<String>), String> {
    let source = item.origin.to_string();
    let (record, warnings, _, _) = parse_original(&incoming(item, &source)?)?;
    Ok((record, warnings))
}

/// `Ok(Err(_))`: the item is bad and rejected; `Err(_)`: storing it failed (the batch stops).
fn prepare(store: &Store, item: &Item) -> Result<Result<Prepared, Rejection>, StoreError> {
    let source = item.origin.to_string();
    let prepared = match incoming(item, &source) {
        Err(reason) => Err(reason),
        Ok(incoming) => match store.prepare(&incoming) {
            Ok(prepared) => Ok(prepared),
            Err(PrepareError::Invalid(reason)) => Err(reason),
            Err(PrepareError::Store(error)) => return Err(error),
        },
    };
    Ok(prepared.map_err(|reason| Rejection {
        origin: source,
        reason,
    }))
}

/// Ingests `paths` into the store: every original archived, every new or changed document
/// indexed, committed in batches. `actor` is recorded with each version (`cli`).
pub fn ingest(
    store: &Store,
    paths: &[PathBuf],
    options: &IngestOptions,
    actor: &str,
    progress: &mut dyn Progress,
) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    let (files, missing) = source::expand(paths);
    let mut summary = IngestSummary {
        files: files.len(),
        ..IngestSummary::default()
    };
    progress.start(files.iter().map(|f| f.bytes).sum(), files.len());
    for (path, reason) in missing {
        let r = Rejection {
            origin: path.display().to_string(),
            reason,
        };
        progress.rejected(&r);
        summary.rejected += 1;
    }

    let mut session = store.write_session(options.threads, options.memory_budget)?;
    let (sender, receiver) = crossbeam_channel::bounded::<Vec<Item>>(4);
    let reader = std::thread::Builder::new()
        .name("gongkai-read".into())
        .spawn(move || read_all(files, sender))
        .map_err(|e| IndexError::Io {
            context: "starting the reader thread".into(),
            source: e,
        })?;

    let mut uncommitted: u64 = 0;
    let mut committed: u64 = 0;
    for batch in receiver.iter() {
        let bytes: u64 = batch.iter().map(|i| i.bytes).sum();
        let prepared: Vec<(Origin, Result<Prepared, Rejection>)> = batch
            .into_par_iter()
            .map(|item| {
                let prepared = prepare(store, &item)?;
                Ok((item.origin, prepared))
            })
            .collect::<Result<_, StoreError>>()?;
        for (origin, p) in prepared {
            match p {
                Err(r) => {
                    summary.rejected += 1;
                    progress.rejected(&r);
                }
                Ok(prepared) => {
                    for w in &prepared.warnings {
                        progress.warning(&origin.to_string(), w);
                    }
                    summary.warnings += prepared.warnings.len() as u64;
                    let outcome = session.put(prepared, actor)?;
                    summary.count(&outcome);
                    uncommitted += 1;
                }
            }
        }
        summary.bytes += bytes;
        progress.advance(bytes);
        if uncommitted >= options.commit_every as u64 {
            session.commit()?;
            summary.commits += 1;
            committed += uncommitted;
            uncommitted = 0;
            progress.committed(committed);
        }
    }
    // The reader thread only sends; it ends when the inputs do.
    let _ = reader.join();
    if uncommitted > 0 || summary.commits == 0 {
        session.commit()?;
        summary.commits += 1;
        committed += uncommitted;
        progress.committed(committed);
    }
    session.finish()?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Reads every file, sending batches bounded in items and bytes.
fn read_all(files: Vec<InputFile>, sender: crossbeam_channel::Sender<Vec<Item>>) {
    let mut batch: Vec<Item> = Vec::with_capacity(BATCH_ITEMS);
    let mut batch_bytes = 0usize;
    let mut stopped = false;
    for file in &files {
        if stopped {
            break;
        }
        source::read_file(file, &mut |item| {
            if stopped {
                return;
            }
            batch_bytes += match &item.payload {
                Payload::JsonLine(b) | Payload::Page(b) => b.len(),
                Payload::Unreadable(_) => 0,
            };
            batch.push(item);
            if batch.len() >= BATCH_ITEMS || batch_bytes >= BATCH_BYTES {
                batch_bytes = 0;
                if sender.send(std::mem::take(&mut batch)).is_err() {
                    stopped = true;
                }
            }
        });
    }
    if !batch.is_empty() {
        let _ = sender.send(batch);
    }
}
