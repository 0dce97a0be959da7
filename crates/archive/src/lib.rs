//! The archive: Gongkai's system of record under `DATA/archive/`. The index is derived from it
//! and can always be rebuilt from it (`gongkai reindex`).
//!
//! ```text
//! DATA/archive/
//!   objects/ab/cdef…   every original (page bytes, JSON record), named by its SHA-256
//!   journal.log        append-only events: versions, withdrawals, reposts (see [`journal`])
//!   LOCK               held by the one process writing (ingest, reindex, the write API)
//!   tmp/               objects being written
//! ```
//!
//! Objects are immutable and content-addressed: storing the same bytes twice stores them once,
//! and an object is renamed into place only when complete, so none is ever torn. The journal
//! gives each document its history: every version with time, actor, source and parser
//! version; withdrawals with who and when; reposts of the same text. [`Archive`] holds the state
//! folded from the journal and catches up with appends by other processes on [`Archive::refresh`].
//!
//! Durability: [`ArchiveWriter::sync`] makes every object and journal line written so far
//! durable (file and directory data), and returns the journal's last sequence number. The index
//! records that number in its commit, so after a crash the index is brought up to date by
//! replaying what it has not seen ([`Archive::touched_since`]).

pub mod journal;
pub mod keys;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use sha2::{Digest, Sha256};
use thiserror::Error;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub use journal::{Event, Op, OriginalRef, SourceKind};

/// Errors of the archive.
#[derive(Debug, Error)]
pub enum ArchiveError {
    /// File system trouble.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Stored data does not check out.
    #[error("the archive is damaged: {0}")]
    Damaged(String),
    /// No such document.
    #[error("no document with id {0:?}")]
    NotFound(String),
    /// No such version.
    #[error("document {id:?} has no version {version}")]
    NoVersion {
        /// Document.
        id: String,
        /// Version asked for.
        version: u32,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ArchiveError {
    let context = context.into();
    move |source| ArchiveError::Io { context, source }
}

/// A SHA-256 digest.
pub type Digest32 = [u8; 32];

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Digest32 {
    Sha256::digest(bytes).into()
}

/// The current time as RFC 3339 UTC, seconds precision.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&Rfc3339).unwrap_or_default()
}

/// Where a document stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Searchable.
    Active,
    /// Withdrawn: when and by whom.
    Withdrawn {
        /// RFC 3339.
        at: String,
        /// Actor.
        by: String,
    },
}

/// Where one event sits in the journal file.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    len: u32,
}

#[derive(Debug, Clone)]
struct DocState {
    versions: Vec<Span>,
    sources: Vec<Span>,
    status: Status,
    content: Digest32,
    fingerprint: Option<Digest32>,
    last_seq: u64,
}

#[derive(Debug, Default)]
struct State {
    docs: HashMap<String, DocState>,
    /// Fingerprint → id, for active documents with derived ids.
    fingerprints: HashMap<Digest32, String>,
    /// Repost id → the document it was merged into.
    aliases: HashMap<String, String>,
    /// Bytes of the journal folded into this state.
    parsed_len: u64,
    last_seq: u64,
    damaged_lines: u64,
}

fn parse_digest(hex_text: &str) -> Option<Digest32> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).ok()?;
    Some(out)
}

impl State {
    fn apply(&mut self, event: &Event, span: Span) {
        self.last_seq = self.last_seq.max(event.seq);
        match &event.op {
            Op::Put {
                content,
                fingerprint,
                ..
            } => {
                let content = parse_digest(content).unwrap_or_default();
                let fingerprint = fingerprint.as_deref().and_then(parse_digest);
                let doc = self
                    .docs
                    .entry(event.id.clone())
                    .or_insert_with(|| DocState {
                        versions: Vec::new(),
                        sources: Vec::new(),
                        status: Status::Active,
                        content,
                        fingerprint: None,
                        last_seq: 0,
                    });
                if let Some(old) = doc.fingerprint.take() {
                    if self.fingerprints.get(&old) == Some(&event.id) {
                        self.fingerprints.remove(&old);
                    }
                }
                doc.versions.push(span);
                doc.status = Status::Active;
                doc.content = content;
                doc.fingerprint = fingerprint;
                doc.last_seq = event.seq;
                if let Some(fp) = fingerprint {
                    self.fingerprints
                        .entry(fp)
                        .or_insert_with(|| event.id.clone());
                }
            }
            Op::Withdraw { .. } => {
                if let Some(doc) = self.docs.get_mut(&event.id) {
                    doc.status = Status::Withdrawn {
                        at: event.at.clone(),
                        by: event.actor.clone(),
                    };
                    doc.last_seq = event.seq;
                    if let Some(fp) = doc.fingerprint {
                        if self.fingerprints.get(&fp) == Some(&event.id) {
                            self.fingerprints.remove(&fp);
                        }
                    }
                }
            }
            Op::Source { alias, .. } => {
                if let Some(doc) = self.docs.get_mut(&event.id) {
                    doc.sources.push(span);
                    self.aliases.insert(alias.clone(), event.id.clone());
                }
            }
        }
    }

    fn fold(&mut self, bytes: &[u8]) -> usize {
        let (lines, used) = journal::decode(bytes, self.parsed_len);
        for (offset, len, line) in lines {
            match line {
                journal::Line::Event(event) => self.apply(&event, Span { offset, len }),
                journal::Line::Damaged(why) => {
                    self.damaged_lines += 1;
                    tracing::error!(offset, "archive journal: a damaged line was skipped: {why}");
                }
            }
        }
        self.parsed_len += used as u64;
        used
    }
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    journal: File,
    state: RwLock<State>,
    /// Journal length at the last refresh (a cheap "anything new?" check).
    seen_len: AtomicU64,
}

/// An open archive (cheap to clone; shared by the server's threads).
#[derive(Debug, Clone)]
pub struct Archive {
    inner: Arc<Inner>,
}

/// Counts for `stats` and `/healthz`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ArchiveStats {
    /// Documents ever archived (active + withdrawn).
    pub documents: u64,
    /// Active documents.
    pub active: u64,
    /// Withdrawn documents.
    pub withdrawn: u64,
    /// Versions of all documents.
    pub versions: u64,
    /// Reposts recorded as extra sources.
    pub reposts: u64,
    /// The journal's last sequence number.
    pub last_seq: u64,
    /// Damaged journal lines skipped.
    pub damaged_lines: u64,
}

/// A version as the API shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VersionInfo {
    /// Version number, from 1.
    pub version: u32,
    /// When it was archived (RFC 3339).
    pub at: String,
    /// Who archived it.
    pub actor: String,
    /// Parser version that read it.
    pub parser: u32,
    /// Its original.
    #[serde(flatten)]
    pub original: OriginalRef,
}

/// A repost recorded as another source of a document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceInfo {
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// Who sent it.
    pub actor: String,
    /// The id the repost would have had (it resolves to this document).
    pub alias: String,
    /// Its original.
    #[serde(flatten)]
    pub original: OriginalRef,
}

/// A document's history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Every version, oldest first.
    pub versions: Vec<VersionInfo>,
    /// Reposts merged into it.
    pub sources: Vec<SourceInfo>,
    /// Active or withdrawn.
    pub status: Status,
}

impl Archive {
    /// Opens (creating when absent) the archive in `dir` (`DATA/archive`) and folds its journal.
    pub fn open(dir: &Path) -> Result<Archive, ArchiveError> {
        for sub in ["objects", "tmp"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(io(format!("creating {}", dir.join(sub).display())))?;
        }
        let path = dir.join("journal.log");
        let journal = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io(format!("opening {}", path.display())))?;
        let archive = Archive {
            inner: Arc::new(Inner {
                root: dir.to_path_buf(),
                journal,
                state: RwLock::new(State::default()),
                seen_len: AtomicU64::new(u64::MAX),
            }),
        };
        archive.refresh()?;
        Ok(archive)
    }

    /// The archive directory.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    fn journal_path(&self) -> PathBuf {
        self.inner.root.join("journal.log")
    }

    fn state(&self) -> RwLockReadGuard<'_, State> {
        self.inner
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn state_mut(&self) -> RwLockWriteGuard<'_, State> {
        self.inner
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Folds journal lines appended since the last look (by this or another process).
    pub fn refresh(&self) -> Result<(), ArchiveError> {
        let len = self
            .inner
            .journal
            .metadata()
            .map_err(io(format!("reading {}", self.journal_path().display())))?
            .len();
        if self.inner.seen_len.load(Ordering::Acquire) == len {
            return Ok(());
        }
        let mut state = self.state_mut();
        if len > state.parsed_len {
            let mut bytes = vec![0u8; (len - state.parsed_len) as usize];
            self.inner
                .journal
                .read_exact_at(&mut bytes, state.parsed_len)
                .map_err(io(format!("reading {}", self.journal_path().display())))?;
            state.fold(&bytes);
        }
        self.inner.seen_len.store(len, Ordering::Release);
        Ok(())
    }

    /// Counts.
    pub fn stats(&self) -> ArchiveStats {
        let state = self.state();
        let mut stats = ArchiveStats {
            documents: state.docs.len() as u64,
            last_seq: state.last_seq,
            damaged_lines: state.damaged_lines,
            ..ArchiveStats::default()
        };
        for doc in state.docs.values() {
            match doc.status {
                Status::Active => stats.active += 1,
                Status::Withdrawn { .. } => stats.withdrawn += 1,
            }
            stats.versions += doc.versions.len() as u64;
            stats.reposts += doc.sources.len() as u64;
        }
        stats
    }

    /// The journal's last sequence number.
    pub fn last_seq(&self) -> u64 {
        self.state().last_seq
    }

    /// The id a repost id was merged into, or the id itself.
    pub fn resolve(&self, id: &str) -> String {
        self.state()
            .aliases
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The status of a document, `None` when the archive does not know it.
    pub fn status(&self, id: &str) -> Option<Status> {
        self.state().docs.get(id).map(|d| d.status.clone())
    }

    fn read_event(&self, span: Span) -> Result<Event, ArchiveError> {
        let mut buf = vec![0u8; span.len as usize];
        self.inner
            .journal
            .read_exact_at(&mut buf, span.offset)
            .map_err(io(format!("reading {}", self.journal_path().display())))?;
        buf.pop();
        match journal::decode_line(&buf) {
            journal::Line::Event(e) => Ok(*e),
            journal::Line::Damaged(why) => Err(ArchiveError::Damaged(format!(
                "journal line at byte {}: {why}",
                span.offset
            ))),
        }
    }

    /// The full history of a document.
    pub fn history(&self, id: &str) -> Result<History, ArchiveError> {
        let (versions, sources, status) = {
            let state = self.state();
            let doc = state
                .docs
                .get(id)
                .ok_or_else(|| ArchiveError::NotFound(id.to_string()))?;
            (
                doc.versions.clone(),
                doc.sources.clone(),
                doc.status.clone(),
            )
        };
        let mut history = History {
            versions: Vec::with_capacity(versions.len()),
            sources: Vec::with_capacity(sources.len()),
            status,
        };
        for span in versions {
            if let Some(info) = version_info(self.read_event(span)?) {
                history.versions.push(info);
            }
        }
        for span in sources {
            let event = self.read_event(span)?;
            if let Op::Source { alias, original } = event.op {
                history.sources.push(SourceInfo {
                    at: event.at,
                    actor: event.actor,
                    alias,
                    original,
                });
            }
        }
        Ok(history)
    }

    /// One version of a document (`None`: the newest).
    pub fn version(&self, id: &str, version: Option<u32>) -> Result<VersionInfo, ArchiveError> {
        let span = {
            let state = self.state();
            let doc = state
                .docs
                .get(id)
                .ok_or_else(|| ArchiveError::NotFound(id.to_string()))?;
            let found = match version {
                None => doc.versions.last(),
                Some(n) => doc.versions.get((n as usize).wrapping_sub(1)),
            };
            *found.ok_or(ArchiveError::NoVersion {
                id: id.to_string(),
                version: version.unwrap_or(0),
            })?
        };
        version_info(self.read_event(span)?).ok_or_else(|| {
            ArchiveError::Damaged(format!(
                "journal line at byte {} is not a version",
                span.offset
            ))
        })
    }

    fn object_path(&self, hex_name: &str) -> Option<PathBuf> {
        if hex_name.len() != 64 || !hex_name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(
            self.inner
                .root
                .join("objects")
                .join(&hex_name[..2])
                .join(&hex_name[2..]),
        )
    }

    /// The bytes of an object, checked against its name.
    pub fn read_object(&self, hex_name: &str) -> Result<Vec<u8>, ArchiveError> {
        let path = self
            .object_path(hex_name)
            .ok_or_else(|| ArchiveError::Damaged(format!("bad object name {hex_name:?}")))?;
        let bytes = std::fs::read(&path).map_err(io(format!("reading {}", path.display())))?;
        if hex::encode(sha256(&bytes)) != hex_name {
            return Err(ArchiveError::Damaged(format!(
                "{} does not match its SHA-256",
                path.display()
            )));
        }
        Ok(bytes)
    }

    /// Stores `bytes` as an object (once: an existing object is left alone) and returns its
    /// name. Callable from any thread without the writer lock: objects are immutable and
    /// appear only complete. Not yet durable: [`ArchiveWriter::sync`] makes it so.
    pub fn store_object(&self, bytes: &[u8]) -> Result<String, ArchiveError> {
        let name = hex::encode(sha256(bytes));
        let Some(path) = self.object_path(&name) else {
            return Err(ArchiveError::Damaged("object name".into()));
        };
        // Present and of the right length: stored already. (A power cut can leave a renamed
        // object empty or short before the batch's sync; such a file is written again.)
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
            return Ok(name);
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io(format!("creating {}", parent.display())))?;
        }
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let tmp = self.inner.root.join("tmp").join(format!(
            "{}.{}.{}",
            &name[..16],
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // A failed write (a full disk) leaves no partial temporary file behind.
        let stored = std::fs::write(&tmp, bytes)
            .map_err(io(format!("writing {}", tmp.display())))
            .and_then(|()| {
                std::fs::rename(&tmp, &path).map_err(io(format!("storing {}", path.display())))
            });
        if stored.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        stored.map(|()| name)
    }

    /// Ids of documents whose state changed after journal sequence `seq`, with their status:
    /// what an index that has seen up to `seq` must redo.
    pub fn touched_since(&self, seq: u64) -> Vec<(String, bool)> {
        let state = self.state();
        let mut out: Vec<(u64, String, bool)> = state
            .docs
            .iter()
            .filter(|(_, d)| d.last_seq > seq)
            .map(|(id, d)| (d.last_seq, id.clone(), d.status == Status::Active))
            .collect();
        out.sort_unstable();
        out.into_iter()
            .map(|(_, id, active)| (id, active))
            .collect()
    }

    /// Takes the writer lock, waiting for another writer to finish.
    pub fn writer(&self) -> Result<ArchiveWriter, ArchiveError> {
        let path = self.inner.root.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(format!("opening {}", path.display())))?;
        lock.lock()
            .map_err(io(format!("locking {}", path.display())))?;
        let mut writer = ArchiveWriter {
            archive: self.clone(),
            _lock: lock,
            settled: 0,
        };
        writer.recover()?;
        writer.settle();
        Ok(writer)
    }

    /// Copies a consistent snapshot into `out` (an empty or absent directory): the journal as
    /// of now and every object it refers to. Runs beside writers; holds the lock only while
    /// the journal is copied. Returns the snapshot's last sequence number.
    pub fn backup_to(&self, out: &Path) -> Result<u64, ArchiveError> {
        std::fs::create_dir_all(out.join("objects"))
            .map_err(io(format!("creating {}", out.display())))?;
        let seq = {
            let writer = self.writer()?;
            self.refresh()?;
            let len = self.state().parsed_len;
            let target = out.join("journal.log");
            let mut file =
                File::create(&target).map_err(io(format!("creating {}", target.display())))?;
            let mut at = 0u64;
            let mut chunk = vec![0u8; 1 << 20];
            while at < len {
                let n = chunk.len().min((len - at) as usize);
                self.inner
                    .journal
                    .read_exact_at(&mut chunk[..n], at)
                    .and_then(|_| file.write_all(&chunk[..n]))
                    .map_err(io(format!("copying the journal to {}", target.display())))?;
                at += n as u64;
            }
            file.sync_all()
                .map_err(io(format!("syncing {}", target.display())))?;
            drop(writer);
            self.last_seq()
        };
        // Objects are immutable and written before the journal lines that name them, so every
        // object the copied journal names exists now; newer ones are copied too, harmlessly.
        let objects = self.inner.root.join("objects");
        for fan in read_dir_sorted(&objects)? {
            let target_dir = out
                .join("objects")
                .join(fan.file_name().unwrap_or_default());
            std::fs::create_dir_all(&target_dir)
                .map_err(io(format!("creating {}", target_dir.display())))?;
            for object in read_dir_sorted(&fan)? {
                let target = target_dir.join(object.file_name().unwrap_or_default());
                if !target.exists() {
                    std::fs::copy(&object, &target)
                        .map_err(io(format!("copying {}", object.display())))?;
                }
            }
        }
        sync_tree(out)?;
        Ok(seq)
    }

    /// Checks every object the journal names against its SHA-256; returns how many were
    /// checked, or the first problem.
    pub fn verify(&self) -> Result<u64, ArchiveError> {
        let spans: Vec<Span> = {
            let state = self.state();
            state
                .docs
                .values()
                .flat_map(|d| d.versions.iter().chain(d.sources.iter()).copied())
                .collect()
        };
        let mut checked = 0;
        for span in spans {
            let event = self.read_event(span)?;
            if let Op::Put { original, .. } | Op::Source { original, .. } = &event.op {
                self.read_object(&original.object)?;
                checked += 1;
            }
        }
        Ok(checked)
    }
}

/// The version a `Put` event records (`None` for other events).
fn version_info(event: Event) -> Option<VersionInfo> {
    match event.op {
        Op::Put {
            version,
            parser,
            original,
            ..
        } => Some(VersionInfo {
            version,
            at: event.at,
            actor: event.actor,
            parser,
            original,
        }),
        _ => None,
    }
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, ArchiveError> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(format!("listing {}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    out.sort();
    Ok(out)
}

/// fsyncs every file and directory below `dir` (after a copy).
fn sync_tree(dir: &Path) -> Result<(), ArchiveError> {
    for entry in read_dir_sorted(dir)? {
        if entry.is_dir() {
            sync_tree(&entry)?;
        } else {
            File::open(&entry)
                .and_then(|f| f.sync_all())
                .map_err(io(format!("syncing {}", entry.display())))?;
        }
    }
    sync_dir(dir)
}

/// fsyncs a directory, so that names created in it survive a crash.
pub fn sync_dir(dir: &Path) -> Result<(), ArchiveError> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("syncing {}", dir.display())))
}

/// What [`ArchiveWriter::put`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// A new document, version 1.
    Added,
    /// A new version of a known document (or a withdrawn one republished).
    Updated {
        /// The new version number.
        version: u32,
    },
    /// Same content as the newest version: nothing recorded.
    Unchanged,
    /// A repost of an active document's text under another (derived) id: recorded as a
    /// source of that document.
    Merged {
        /// The document it was merged into.
        into: String,
    },
}

impl PutOutcome {
    /// Whether the index must (re)index the document.
    pub fn needs_indexing(&self) -> bool {
        matches!(self, PutOutcome::Added | PutOutcome::Updated { .. })
    }
}

/// A document version to record.
#[derive(Debug, Clone)]
pub struct Put {
    /// Document id.
    pub id: String,
    /// Whether the id was derived from the URL or path (then reposts are merged by text).
    pub derived_id: bool,
    /// SHA-256 of the parsed record.
    pub content: Digest32,
    /// SHA-256 of the normalised title and body (derived ids only).
    pub fingerprint: Option<Digest32>,
    /// Parser version.
    pub parser: u32,
    /// The original, already stored with [`Archive::store_object`].
    pub original: OriginalRef,
}

/// Whether `error` (or anything in its chain of causes) is a full disk or an exhausted quota.
pub fn is_storage_full(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(io.raw_os_error(), Some(28 | 122))
                || io.kind() == std::io::ErrorKind::StorageFull
            {
                return true;
            }
        }
        // Some layers (tantivy's killed index writer) keep only the cause's text.
        let text = e.to_string();
        if text.contains("No space left on device") || text.contains("Disk quota exceeded") {
            return true;
        }
        next = e.source();
    }
    false
}

/// The one writer (holds `archive/LOCK`). Events appended after the last
/// [`settle`](ArchiveWriter::settle) are rolled back when the writer is dropped: a write
/// that fails before it is acknowledged leaves nothing behind.
#[derive(Debug)]
pub struct ArchiveWriter {
    archive: Archive,
    _lock: File,
    /// Journal length at the last settle.
    settled: u64,
}

impl Drop for ArchiveWriter {
    fn drop(&mut self) {
        if let Err(error) = self.rollback() {
            tracing::error!(error = %error, "archive journal: rolling back a failed write failed");
        }
    }
}

impl ArchiveWriter {
    /// The archive.
    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// Catches up with the journal and cuts a torn tail left by a crashed writer.
    fn recover(&self) -> Result<(), ArchiveError> {
        self.archive.refresh()?;
        let parsed = self.archive.state().parsed_len;
        let file = &self.archive.inner.journal;
        let len = file
            .metadata()
            .map_err(io("reading the journal length"))?
            .len();
        if len > parsed {
            tracing::warn!(
                bytes = len - parsed,
                "archive journal: cutting an incomplete last line left by an interrupted write"
            );
            file.set_len(parsed)
                .and_then(|_| file.sync_all())
                .map_err(io(format!(
                    "truncating {}",
                    self.archive.journal_path().display()
                )))?;
            self.archive.inner.seen_len.store(parsed, Ordering::Release);
        }
        Ok(())
    }

    fn append(&self, id: &str, actor: &str, op: Op) -> Result<u64, ArchiveError> {
        let mut state = self.archive.state_mut();
        let event = Event {
            seq: state.last_seq + 1,
            at: now_rfc3339(),
            actor: actor.to_string(),
            id: id.to_string(),
            op,
        };
        let line = journal::encode(&event);
        let span = Span {
            offset: state.parsed_len,
            len: line.len() as u32,
        };
        if let Err(error) = (&self.archive.inner.journal).write_all(&line) {
            // A line cut short (a full disk) is cut off again at once, or the next append
            // would be glued to it and both read as one damaged line.
            if let Err(cut) = self.archive.inner.journal.set_len(state.parsed_len) {
                tracing::error!(error = %cut, "archive journal: cutting a failed append failed");
            }
            return Err(ArchiveError::Io {
                context: format!("appending to {}", self.archive.journal_path().display()),
                source: error,
            });
        }
        state.parsed_len += line.len() as u64;
        self.archive
            .inner
            .seen_len
            .store(state.parsed_len, Ordering::Release);
        state.apply(&event, span);
        Ok(event.seq)
    }

    /// Records a version unless it changes nothing; merges a repost of an active document's
    /// text under a new derived id into that document.
    pub fn put(&self, put: Put, actor: &str) -> Result<PutOutcome, ArchiveError> {
        let (known, merge_into) = {
            let state = self.archive.state();
            match state.docs.get(&put.id) {
                Some(doc) => {
                    if doc.content == put.content {
                        return Ok(PutOutcome::Unchanged);
                    }
                    (Some(doc.versions.len() as u32), None)
                }
                None => {
                    let into = match (put.derived_id, put.fingerprint) {
                        (true, Some(fp)) => state.fingerprints.get(&fp).cloned(),
                        _ => None,
                    };
                    let into = into.or_else(|| state.aliases.get(&put.id).cloned());
                    (None, into)
                }
            }
        };
        if let Some(into) = merge_into {
            let already = self
                .archive
                .history(&into)?
                .sources
                .iter()
                .any(|s| s.alias == put.id && s.original.object == put.original.object);
            if !already {
                self.append(
                    &into,
                    actor,
                    Op::Source {
                        alias: put.id,
                        original: put.original,
                    },
                )?;
            }
            return Ok(PutOutcome::Merged { into });
        }
        let version = known.unwrap_or(0) + 1;
        self.append(
            &put.id,
            actor,
            Op::Put {
                version,
                content: hex::encode(put.content),
                fingerprint: put.fingerprint.map(hex::encode),
                parser: put.parser,
                original: put.original,
            },
        )?;
        Ok(if version == 1 {
            PutOutcome::Added
        } else {
            PutOutcome::Updated { version }
        })
    }

    /// Marks a document withdrawn. `Ok(false)` when it already was.
    pub fn withdraw(
        &self,
        id: &str,
        actor: &str,
        reason: Option<String>,
    ) -> Result<bool, ArchiveError> {
        match self.archive.status(id) {
            None => Err(ArchiveError::NotFound(id.to_string())),
            Some(Status::Withdrawn { .. }) => Ok(false),
            Some(Status::Active) => {
                self.append(id, actor, Op::Withdraw { reason })?;
                Ok(true)
            }
        }
    }

    /// [`sync`](ArchiveWriter::sync) and [`settle`](ArchiveWriter::settle): for writers
    /// without an index to commit in step.
    pub fn commit(&mut self) -> Result<u64, ArchiveError> {
        let seq = self.sync()?;
        self.settle();
        Ok(seq)
    }

    /// Declares everything appended so far acknowledged (its index commit landed): a later
    /// [`rollback`](ArchiveWriter::rollback) or drop keeps it.
    pub fn settle(&mut self) {
        self.settled = self.archive.state().parsed_len;
    }

    /// Undoes every event appended since the last settle (a write that failed before it was
    /// acknowledged: a full disk, an I/O error). The journal is cut back and the state folded
    /// again from it.
    pub fn rollback(&mut self) -> Result<(), ArchiveError> {
        let mark = self.settled;
        let journal = &self.archive.inner.journal;
        let path = self.archive.journal_path();
        let mut state = self.archive.state_mut();
        let len = journal
            .metadata()
            .map_err(io(format!("reading {}", path.display())))?
            .len();
        if len == mark && state.parsed_len == mark {
            return Ok(());
        }
        journal
            .set_len(mark)
            .and_then(|()| journal.sync_data())
            .map_err(io(format!("cutting {} back", path.display())))?;
        let mut bytes = vec![0u8; mark as usize];
        journal
            .read_exact_at(&mut bytes, 0)
            .map_err(io(format!("reading {}", path.display())))?;
        let mut fresh = State::default();
        fresh.fold(&bytes);
        tracing::warn!(
            bytes = len.saturating_sub(mark),
            events = state.last_seq.saturating_sub(fresh.last_seq),
            "archive journal: an unacknowledged write was rolled back"
        );
        *state = fresh;
        self.archive.inner.seen_len.store(mark, Ordering::Release);
        Ok(())
    }

    /// Makes every object stored and every line appended so far durable, including the
    /// directory entries of new objects; returns the journal's last sequence number.
    pub fn sync(&self) -> Result<u64, ArchiveError> {
        let journal = &self.archive.inner.journal;
        // One syncfs flushes every new object file and directory entry on the file system at
        // once (thousands of objects per batch; an fsync each costs ~0.4 ms on this disk).
        #[cfg(target_os = "linux")]
        rustix::fs::syncfs(journal).map_err(|e| ArchiveError::Io {
            context: format!(
                "syncing the file system of {}",
                self.archive.root().display()
            ),
            source: e.into(),
        })?;
        journal.sync_data().map_err(io(format!(
            "syncing {}",
            self.archive.journal_path().display()
        )))?;
        #[cfg(not(target_os = "linux"))]
        sync_tree(&self.archive.root().join("objects"))?;
        Ok(self.archive.last_seq())
    }
}

#[cfg(test)]
mod tests;
