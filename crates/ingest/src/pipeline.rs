//! The ingest pipeline: files → records → committed index documents.
//!
//! Three stages overlap so both cores stay busy:
//!
//! 1. a reader thread walks the inputs and sends batches of raw items (JSON lines, page bytes);
//! 2. the calling thread parses and normalises each batch in parallel (rayon) into tantivy
//!    documents, then hands them to the writer in input order;
//! 3. tantivy's indexing threads tokenize (jieba, n-grams) and build segments.
//!
//! Every `commit_every` documents the writer commits; only then are those documents counted
//! as ingested. A crash or kill loses at most the uncommitted tail, and because every add
//! first deletes its id, running the same command again completes the job without duplicates.
//! A bad item is reported with its `FILE:LINE` and skipped; it never stops the batch.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use gongkai_core::Record;
use gongkai_index::{document, GongkaiIndex, IndexError};
use rayon::prelude::*;
use serde::Serialize;
use tantivy::TantivyDocument;

use crate::page;
use crate::source::{self, InputFile, Item, Origin, Payload};

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
    /// Documents new to the index.
    pub added: u64,
    /// Documents that replaced one with the same id.
    pub replaced: u64,
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
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

enum Prepared {
    Doc {
        origin: Origin,
        id: String,
        doc: Box<TantivyDocument>,
        warnings: Vec<String>,
    },
    Rejected(Rejection),
}

/// Parses one item into a record. Total: every failure is a reason string.
pub fn parse_item(item: &Item) -> Result<(Record, Vec<String>), String> {
    let source = item.origin.file.display().to_string();
    match &item.payload {
        Payload::Unreadable(reason) => Err(reason.clone()),
        Payload::JsonLine(bytes) => {
            let text = std::str::from_utf8(bytes)
                .map_err(|e| format!("invalid UTF-8 at byte {} of the line", e.valid_up_to()))?;
            let value: serde_json::Value =
                serde_json::from_str(text.trim_end_matches(['\n', '\r']))
                    .map_err(|e| format!("invalid JSON: {e}"))?;
            let line_source = format!("{source}:{}", item.origin.line.unwrap_or(0));
            Record::from_json(value, Some(&line_source)).map_err(|e| e.to_string())
        }
        Payload::Page(bytes) => page::parse_page(bytes, &source, None).map_err(|e| e.to_string()),
    }
}

fn prepare(index: &GongkaiIndex, item: Item) -> Prepared {
    match parse_item(&item) {
        Ok((record, warnings)) => Prepared::Doc {
            id: record.id.clone(),
            doc: Box::new(document::to_document(index.fields(), &record)),
            origin: item.origin,
            warnings,
        },
        Err(reason) => Prepared::Rejected(Rejection {
            origin: item.origin.to_string(),
            reason,
        }),
    }
}

/// Ingests `paths` into `index`.
pub fn ingest(
    index: &GongkaiIndex,
    paths: &[PathBuf],
    options: &IngestOptions,
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

    let mut existing = index.live_ids()?;
    let mut writer = index.writer(options.threads, options.memory_budget)?;
    let (sender, receiver) = crossbeam_channel::bounded::<Vec<Item>>(4);
    let reader = std::thread::Builder::new()
        .name("gongkai-read".into())
        .spawn(move || read_all(files, sender))
        .map_err(|e| IndexError::Io {
            context: "starting the reader thread".into(),
            source: e,
        })?;

    let mut seen: HashSet<String> = HashSet::new();
    let mut uncommitted: u64 = 0;
    let mut committed: u64 = 0;
    for batch in receiver.iter() {
        let bytes: u64 = batch.iter().map(|i| i.bytes).sum();
        let prepared: Vec<Prepared> = batch
            .into_par_iter()
            .map(|item| prepare(index, item))
            .collect();
        for p in prepared {
            match p {
                Prepared::Rejected(r) => {
                    summary.rejected += 1;
                    progress.rejected(&r);
                }
                Prepared::Doc {
                    origin,
                    id,
                    doc,
                    warnings,
                } => {
                    for w in &warnings {
                        progress.warning(&origin.to_string(), w);
                    }
                    summary.warnings += warnings.len() as u64;
                    writer.upsert_document(&id, *doc)?;
                    let was_live = existing.remove(&id);
                    let first_in_run = seen.insert(id);
                    if was_live || !first_in_run {
                        summary.replaced += 1;
                    } else {
                        summary.added += 1;
                    }
                    uncommitted += 1;
                }
            }
        }
        summary.bytes += bytes;
        progress.advance(bytes);
        if uncommitted >= options.commit_every as u64 {
            writer.commit()?;
            summary.commits += 1;
            committed += uncommitted;
            uncommitted = 0;
            progress.committed(committed);
        }
    }
    // The reader thread only sends; it ends when the inputs do.
    let _ = reader.join();
    if uncommitted > 0 || summary.commits == 0 {
        writer.commit()?;
        summary.commits += 1;
        committed += uncommitted;
        progress.committed(committed);
    }
    writer.finish()?;
    index.reload()?;
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
