//! API keys: who may call the write and admin routes of the HTTP API.
//!
//! A client sends `Authorization: Bearer KEY`. Keys are made by `gongkai keys create` and
//! stored in `DATA/keys.json` **only as SHA-256 hashes**: the secret is shown once, when it is
//! created, and never again.
//!
//! ```text
//! {"version":1,"keys":[
//!   {"id":"k_3fa2…","name":"ci","scope":"write","created":"2026-…Z","revoked":null,"hash":"3fa2…"}
//! ]}
//! ```
//!
//! * A secret is `gk_` followed by 64 lowercase hex digits (32 random bytes from the OS).
//! * A key's public [`KeyInfo::id`] is `k_` and the first 12 hex digits of the hash.
//! * [`Scope::Admin`] includes [`Scope::Write`]. Missing or unknown key → 401; a key whose
//!   scope does not [allow](Scope::allows) the route → 403.
//! * [`KeyStore::verify`] compares the presented key's hash with every stored hash in
//!   constant time. It runs on every authenticated request, so the parsed file is cached and
//!   re-read only when its modification time, length or inode change: a `gongkai keys revoke`
//!   in another process takes effect on the server's next request.
//! * Writers ([`KeyStore::create`], [`KeyStore::revoke`]) serialise on an exclusive lock of
//!   `DATA/keys.lock`, read-modify-write under it, and replace the file atomically (temporary
//!   file, fsync, rename, fsync of the directory). On Unix `keys.json` is readable by its
//!   owner only.
//! * A damaged `keys.json` is an error naming the file, never "no keys".

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use thiserror::Error;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The keys file, in the data directory.
pub const KEYS_FILE: &str = "keys.json";
/// The lock file writers hold, in the data directory.
pub const LOCK_FILE: &str = "keys.lock";
/// Every secret starts with this.
pub const SECRET_PREFIX: &str = "gk_";
/// Every key id starts with this.
pub const ID_PREFIX: &str = "k_";
/// Presented keys longer than this (in bytes) are rejected without looking at the store.
pub const MAX_PRESENTED_LEN: usize = 200;
/// The longest key name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// The version of `keys.json` this code reads and writes.
const FORMAT_VERSION: u32 = 1;
/// Hex digits of the hash in a key id.
const ID_HEX_DIGITS: usize = 12;
/// Temporary file a writer builds the next `keys.json` in (under the lock, so one name does).
const TEMP_FILE: &str = "keys.json.tmp";

/// What a key may do. [`Scope::Admin`] includes [`Scope::Write`].
///
/// Written `"write"` / `"admin"` (in JSON, on the command line, by `Display` and `FromStr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The write routes: adding, updating and withdrawing documents.
    Write,
    /// The admin routes, and everything [`Scope::Write`] may.
    Admin,
}

impl Scope {
    /// Every scope, weakest first.
    pub const ALL: [Scope; 2] = [Scope::Write, Scope::Admin];

    /// Whether a key of this scope may call a route that needs `needed`.
    pub fn allows(self, needed: Scope) -> bool {
        match self {
            Scope::Admin => true,
            Scope::Write => needed == Scope::Write,
        }
    }

    /// `"write"` or `"admin"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not `"write"` or `"admin"`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown scope {0:?}: expected \"write\" or \"admin\"")]
pub struct ParseScopeError(String);

impl FromStr for Scope {
    type Err = ParseScopeError;

    fn from_str(s: &str) -> Result<Scope, ParseScopeError> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| ParseScopeError(s.to_string()))
    }
}

/// A key as it may be shown: everything but the secret and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Short public id: `k_` and the first 12 hex digits of the SHA-256 of the secret.
    pub id: String,
    /// Name given at creation (unique among keys not revoked).
    pub name: String,
    /// What the key may do.
    pub scope: Scope,
    /// When it was created (RFC 3339, UTC).
    pub created: String,
    /// When it was revoked (RFC 3339, UTC), if it was.
    pub revoked: Option<String>,
}

impl KeyInfo {
    /// Whether the key has been revoked (and no longer verifies).
    pub fn is_revoked(&self) -> bool {
        self.revoked.is_some()
    }
}

/// Errors of the key store.
#[derive(Debug, Error)]
pub enum KeysError {
    /// File system trouble.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// `keys.json` is not a valid keys file. It is never treated as empty: fix it or restore
    /// it from a backup.
    #[error("{}: {why}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        why: String,
    },
    /// No key has this id, and no key that is not revoked has this name.
    #[error("no key named or with id {0:?}")]
    NotFound(String),
    /// The key asked for is revoked already.
    #[error("key {id} ({name:?}) was already revoked at {at}")]
    AlreadyRevoked {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
        /// When it was revoked.
        at: String,
    },
    /// A key that is not revoked has this name already.
    #[error("a key named {0:?} already exists")]
    DuplicateName(String),
    /// The name is not acceptable.
    #[error("invalid key name {name:?}: {why}")]
    InvalidName {
        /// The name given.
        name: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// The operating system gave no random bytes.
    #[error("no random bytes from the operating system: {0}")]
    Random(String),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> KeysError {
    let context = context.into();
    move |source| KeysError::Io { context, source }
}

/// Checks a key name: 1 to 64 characters, no control characters, no leading or trailing
/// white space, and not shaped like a key id (`k_` + 12 hex digits), so that `revoke NAME_OR_ID`
/// is never ambiguous.
pub fn validate_name(name: &str) -> Result<(), KeysError> {
    let invalid = |why| {
        Err(KeysError::InvalidName {
            name: name.to_string(),
            why,
        })
    };
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return invalid("it is longer than 64 characters");
    }
    if name.chars().any(char::is_control) {
        return invalid("it contains control characters");
    }
    if name.trim() != name {
        return invalid("it starts or ends with white space");
    }
    if looks_like_id(name) {
        return invalid("it has the form of a key id (k_ and 12 hex digits)");
    }
    Ok(())
}

fn looks_like_id(s: &str) -> bool {
    s.strip_prefix(ID_PREFIX).is_some_and(|rest| {
        rest.len() == ID_HEX_DIGITS && rest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn id_of(hash: &[u8; 32]) -> String {
    let hex = hex::encode(hash);
    format!("{ID_PREFIX}{}", &hex[..ID_HEX_DIGITS])
}

/// A key in `keys.json`.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    id: String,
    name: String,
    scope: Scope,
    created: String,
    revoked: Option<String>,
    hash: String,
}

/// `keys.json`.
#[derive(Serialize, Deserialize)]
struct StoredFile {
    version: u32,
    keys: Vec<StoredKey>,
}

/// A key in memory.
#[derive(Clone)]
struct Entry {
    info: KeyInfo,
    hash: [u8; 32],
}

/// Identifies one state of `keys.json`: writers replace the file by renaming, so a new state
/// has a new inode (and almost always a new length and modification time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    Absent,
    Present {
        modified: Option<SystemTime>,
        len: u64,
        inode: u64,
    },
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp::Present {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode,
        }
    }
}

/// The keys of one state of the file, or why that state is damaged.
type Loaded = Result<Arc<Vec<Entry>>, String>;

struct Cache {
    stamp: Stamp,
    keys: Loaded,
}

/// The API keys of a data directory (`DATA/keys.json`).
///
/// Cheap to query: [`verify`](KeyStore::verify) re-reads the file only when it changed. Share
/// one store between threads (it is `Sync`); several stores, in one process or many, may use
/// the same directory.
pub struct KeyStore {
    dir: PathBuf,
    path: PathBuf,
    cache: RwLock<Option<Cache>>,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// The store of `data_dir`, whose keys are in `data_dir/keys.json`. Touches nothing: a
    /// missing file (or directory) means no keys, until the first [`create`](KeyStore::create).
    pub fn open(data_dir: &Path) -> KeyStore {
        KeyStore {
            dir: data_dir.to_path_buf(),
            path: data_dir.join(KEYS_FILE),
            cache: RwLock::new(None),
        }
    }

    /// The keys file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates a key of `scope`, named `name` (default `key-` and the 12 hex digits of its
    /// id). Returns it and its secret: the only time the secret is available.
    pub fn create(&self, name: Option<&str>, scope: Scope) -> Result<(KeyInfo, String), KeysError> {
        if let Some(name) = name {
            validate_name(name)?;
        }
        self.modify(|keys| {
            if let Some(name) = name {
                if keys
                    .iter()
                    .any(|k| !k.info.is_revoked() && k.info.name == name)
                {
                    return Err(KeysError::DuplicateName(name.to_string()));
                }
            }
            // 48-bit ids: a clash is all but impossible, but cheap to rule out.
            for _ in 0..16 {
                let secret = new_secret()?;
                let hash = sha256(secret.as_bytes());
                let id = id_of(&hash);
                let name = match name {
                    Some(name) => name.to_string(),
                    None => format!("key-{}", &id[ID_PREFIX.len()..]),
                };
                let clash = keys
                    .iter()
                    .any(|k| k.info.id == id || (!k.info.is_revoked() && k.info.name == name));
                if clash {
                    continue;
                }
                let info = KeyInfo {
                    id,
                    name,
                    scope,
                    created: crate::now_rfc3339(),
                    revoked: None,
                };
                keys.push(Entry {
                    info: info.clone(),
                    hash,
                });
                return Ok((info, secret));
            }
            Err(KeysError::Random(
                "16 new keys in a row clashed with existing ones".into(),
            ))
        })
    }

    /// Every key, revoked ones included, oldest first.
    pub fn list(&self) -> Result<Vec<KeyInfo>, KeysError> {
        Ok(self.current()?.iter().map(|k| k.info.clone()).collect())
    }

    /// Revokes the key with id `name_or_id`, or else the key not yet revoked named so.
    /// Returns it, revoked. Takes effect on the next [`verify`](KeyStore::verify) of every
    /// store on this directory, in any process.
    pub fn revoke(&self, name_or_id: &str) -> Result<KeyInfo, KeysError> {
        self.modify(|keys| {
            let found = keys
                .iter()
                .position(|k| k.info.id == name_or_id)
                .or_else(|| {
                    keys.iter()
                        .position(|k| !k.info.is_revoked() && k.info.name == name_or_id)
                })
                .or_else(|| keys.iter().rposition(|k| k.info.name == name_or_id));
            let Some(key) = found.and_then(|i| keys.get_mut(i)) else {
                return Err(KeysError::NotFound(name_or_id.to_string()));
            };
            if let Some(at) = &key.info.revoked {
                return Err(KeysError::AlreadyRevoked {
                    id: key.info.id.clone(),
                    name: key.info.name.clone(),
                    at: at.clone(),
                });
            }
            key.info.revoked = Some(crate::now_rfc3339());
            Ok(key.info.clone())
        })
    }

    /// The key whose secret is `presented`, if it exists and is not revoked. The presented
    /// string's hash is compared with every stored hash in constant time. Empty strings and
    /// strings over [`MAX_PRESENTED_LEN`] bytes are refused without reading the store.
    ///
    /// The caller decides between 401 (`None`) and 403 (`Some` whose scope does not
    /// [allow](Scope::allows) the route). An error means the store cannot be read.
    pub fn verify(&self, presented: &str) -> Result<Option<KeyInfo>, KeysError> {
        if presented.is_empty() || presented.len() > MAX_PRESENTED_LEN {
            return Ok(None);
        }
        let keys = self.current()?;
        let hash = sha256(presented.as_bytes());
        let mut found = Choice::from(0);
        let mut index = 0u64;
        for (i, key) in keys.iter().enumerate() {
            let same = key.hash.ct_eq(&hash);
            index = u64::conditional_select(&index, &(i as u64), same);
            found |= same;
        }
        if !bool::from(found) {
            return Ok(None);
        }
        Ok(usize::try_from(index)
            .ok()
            .and_then(|i| keys.get(i))
            .filter(|k| !k.info.is_revoked())
            .map(|k| k.info.clone()))
    }

    /// The keys as the file holds them now, from the cache when the file has not changed.
    fn current(&self) -> Result<Arc<Vec<Entry>>, KeysError> {
        let stamp = match std::fs::metadata(&self.path) {
            Ok(meta) => Stamp::of(&meta),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Stamp::Absent,
            Err(e) => return Err(io(format!("reading {}", self.path.display()))(e)),
        };
        {
            let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(cache) = cache.as_ref().filter(|c| c.stamp == stamp) {
                return self.loaded(&cache.keys);
            }
        }
        let (stamp, keys) = self.load()?;
        let result = self.loaded(&keys);
        *self.cache.write().unwrap_or_else(PoisonError::into_inner) = Some(Cache { stamp, keys });
        result
    }

    fn loaded(&self, keys: &Loaded) -> Result<Arc<Vec<Entry>>, KeysError> {
        keys.clone().map_err(|why| KeysError::Damaged {
            path: self.path.clone(),
            why,
        })
    }

    /// Reads and checks the file. The stamp is taken from the open file, so it describes
    /// exactly the bytes read.
    fn load(&self) -> Result<(Stamp, Loaded), KeysError> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Stamp::Absent, Ok(Arc::new(Vec::new()))));
            }
            Err(e) => return Err(io(format!("opening {}", self.path.display()))(e)),
        };
        let context = || format!("reading {}", self.path.display());
        let meta = file.metadata().map_err(io(context()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io(context()))?;
        Ok((Stamp::of(&meta), parse(&bytes).map(Arc::new)))
    }

    /// Read-modify-write under the lock. `change` edits the keys; when it fails nothing is
    /// written.
    fn modify<T>(
        &self,
        change: impl FnOnce(&mut Vec<Entry>) -> Result<T, KeysError>,
    ) -> Result<T, KeysError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(io(format!("creating {}", self.dir.display())))?;
        let lock_path = self.dir.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let lock = options
            .open(&lock_path)
            .map_err(io(format!("opening {}", lock_path.display())))?;
        lock.lock()
            .map_err(io(format!("locking {}", lock_path.display())))?;

        let (_, loaded) = self.load()?;
        let mut keys = self.loaded(&loaded)?.as_ref().clone();
        let out = change(&mut keys)?;
        self.write(&keys)?;
        // Nobody else writes while the lock is held: this stamp is that of what was written.
        let meta = std::fs::metadata(&self.path)
            .map_err(io(format!("reading {}", self.path.display())))?;
        *self.cache.write().unwrap_or_else(PoisonError::into_inner) = Some(Cache {
            stamp: Stamp::of(&meta),
            keys: Ok(Arc::new(keys)),
        });
        drop(lock);
        Ok(out)
    }

    /// Replaces the file atomically and durably.
    fn write(&self, keys: &[Entry]) -> Result<(), KeysError> {
        let stored = StoredFile {
            version: FORMAT_VERSION,
            keys: keys
                .iter()
                .map(|k| StoredKey {
                    id: k.info.id.clone(),
                    name: k.info.name.clone(),
                    scope: k.info.scope,
                    created: k.info.created.clone(),
                    revoked: k.info.revoked.clone(),
                    hash: hex::encode(k.hash),
                })
                .collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&stored).map_err(|e| KeysError::Io {
            context: format!("encoding {}", self.path.display()),
            source: e.into(),
        })?;
        bytes.push(b'\n');

        let temp = self.dir.join(TEMP_FILE);
        let result = (|| {
            let mut options = OpenOptions::new();
            options.create(true).truncate(true).write(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&temp)
                .map_err(io(format!("creating {}", temp.display())))?;
            // A temporary file left by a crash keeps its old mode: set it again.
            #[cfg(unix)]
            file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .map_err(io(format!("setting the permissions of {}", temp.display())))?;
            file.write_all(&bytes)
                .and_then(|()| file.sync_all())
                .map_err(io(format!("writing {}", temp.display())))?;
            std::fs::rename(&temp, &self.path).map_err(io(format!(
                "renaming {} to {}",
                temp.display(),
                self.path.display()
            )))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result?;
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(io(format!("syncing {}", self.dir.display())))
    }
}

/// A new secret: the prefix and 32 random bytes in lowercase hex.
fn new_secret() -> Result<String, KeysError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| KeysError::Random(e.to_string()))?;
    Ok(format!("{SECRET_PREFIX}{}", hex::encode(bytes)))
}

/// Parses and checks `keys.json`; the error says what is wrong and where.
fn parse(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let file: StoredFile =
        serde_json::from_slice(bytes).map_err(|e| format!("not a valid keys file: {e}"))?;
    if file.version != FORMAT_VERSION {
        return Err(format!(
            "unsupported version {} (this gongkai reads version {FORMAT_VERSION})",
            file.version
        ));
    }
    let mut out: Vec<Entry> = Vec::with_capacity(file.keys.len());
    for (i, key) in file.keys.into_iter().enumerate() {
        let at = format!("keys[{i}] (id {:?})", key.id);
        let mut hash = [0u8; 32];
        if key.hash.len() != 64
            || !key
                .hash
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            || hex::decode_to_slice(&key.hash, &mut hash).is_err()
        {
            return Err(format!(
                "{at}: field \"hash\" is invalid: expected 64 lowercase hex digits"
            ));
        }
        if key.id != id_of(&hash) {
            return Err(format!(
                "{at}: field \"id\" is invalid: expected {:?}, from the hash",
                id_of(&hash)
            ));
        }
        if let Err(e) = validate_name(&key.name) {
            return Err(format!("{at}: field \"name\" is invalid: {e}"));
        }
        if let Err(e) = OffsetDateTime::parse(&key.created, &Rfc3339) {
            return Err(format!(
                "{at}: field \"created\" is invalid: not an RFC 3339 time: {e}"
            ));
        }
        if let Some(revoked) = &key.revoked {
            if let Err(e) = OffsetDateTime::parse(revoked, &Rfc3339) {
                return Err(format!(
                    "{at}: field \"revoked\" is invalid: not an RFC 3339 time: {e}"
                ));
            }
        }
        if out.iter().any(|k| k.info.id == key.id) {
            return Err(format!("{at}: a key with this id appears twice"));
        }
        if key.revoked.is_none()
            && out
                .iter()
                .any(|k| !k.info.is_revoked() && k.info.name == key.name)
        {
            return Err(format!(
                "{at}: a key named {:?} that is not revoked appears twice",
                key.name
            ));
        }
        out.push(Entry {
            info: KeyInfo {
                id: key.id,
                name: key.name,
                scope: key.scope,
                created: key.created,
                revoked: key.revoked,
            },
            hash,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn store() -> (tempfile::TempDir, KeyStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(&dir.path().join("data"));
        (dir, store)
    }

    #[test]
    fn create_then_verify_with_scope() {
        let (_dir, store) = store();
        let (writer, writer_secret) = store.create(Some("ci"), Scope::Write).unwrap();
        let (admin, admin_secret) = store.create(None, Scope::Admin).unwrap();

        assert!(writer_secret.starts_with(SECRET_PREFIX));
        assert_eq!(writer_secret.len(), SECRET_PREFIX.len() + 64);
        assert!(writer_secret[3..]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        assert_eq!(writer.id, id_of(&sha256(writer_secret.as_bytes())));
        assert_eq!(writer.name, "ci");
        assert_eq!(admin.name, format!("key-{}", &admin.id[2..]));
        assert!(OffsetDateTime::parse(&writer.created, &Rfc3339).is_ok());
        assert!(writer.created.ends_with('Z'));

        let got = store.verify(&writer_secret).unwrap().unwrap();
        assert_eq!(got, writer);
        assert!(got.scope.allows(Scope::Write));
        assert!(!got.scope.allows(Scope::Admin));
        let got = store.verify(&admin_secret).unwrap().unwrap();
        assert_eq!(got, admin);
        assert!(got.scope.allows(Scope::Admin));

        // A fresh store (a restarted server) reads the same keys from the file.
        let again = KeyStore::open(store.path().parent().unwrap());
        assert_eq!(again.verify(&admin_secret).unwrap(), Some(admin));
    }

    #[test]
    fn wrong_secret_is_not_verified() {
        let (_dir, store) = store();
        let (_, secret) = store.create(Some("ci"), Scope::Admin).unwrap();
        let mut wrong = secret.clone().into_bytes();
        let last = wrong.len() - 1;
        wrong[last] = if wrong[last] == b'0' { b'1' } else { b'0' };
        let wrong = String::from_utf8(wrong).unwrap();
        assert_eq!(store.verify(&wrong).unwrap(), None);
        assert_eq!(store.verify(&secret[..secret.len() - 1]).unwrap(), None);
        assert_eq!(store.verify(&format!("{secret} ")).unwrap(), None);
        assert_eq!(store.verify("").unwrap(), None);
        assert_eq!(store.verify(&"x".repeat(201)).unwrap(), None);
        // The stored hash itself is not a key.
        let hash = hex::encode(sha256(secret.as_bytes()));
        assert_eq!(store.verify(&hash).unwrap(), None);
    }

    #[test]
    fn verify_without_keys_file_is_none() {
        let (_dir, store) = store();
        assert_eq!(store.verify("gk_anything").unwrap(), None);
        assert_eq!(store.list().unwrap(), vec![]);
        assert!(
            !store.path().parent().unwrap().exists(),
            "reading creates nothing"
        );
    }

    #[test]
    fn revoked_key_is_not_verified() {
        let (_dir, store) = store();
        let (_, keep) = store.create(Some("keep"), Scope::Write).unwrap();
        let (key, secret) = store.create(Some("gone"), Scope::Admin).unwrap();
        assert!(store.verify(&secret).unwrap().is_some());
        let revoked = store.revoke("gone").unwrap();
        assert_eq!(revoked.id, key.id);
        assert!(revoked.is_revoked());
        assert!(OffsetDateTime::parse(revoked.revoked.as_deref().unwrap(), &Rfc3339).is_ok());
        assert_eq!(store.verify(&secret).unwrap(), None);
        assert!(store.verify(&keep).unwrap().is_some());
    }

    #[test]
    fn revoke_by_name_and_by_id() {
        let (_dir, store) = store();
        let (a, _) = store.create(Some("a"), Scope::Write).unwrap();
        let (b, _) = store.create(Some("b"), Scope::Write).unwrap();
        assert_eq!(store.revoke("a").unwrap().id, a.id);
        assert_eq!(store.revoke(&b.id).unwrap().name, "b");
        assert!(store.list().unwrap().iter().all(KeyInfo::is_revoked));

        // Again: an error that says when.
        let err = store.revoke(&a.id).unwrap_err();
        assert!(matches!(err, KeysError::AlreadyRevoked { .. }), "{err}");
        let err = store.revoke("b").unwrap_err();
        assert!(matches!(err, KeysError::AlreadyRevoked { .. }), "{err}");
        assert!(err.to_string().contains("already revoked"), "{err}");
    }

    #[test]
    fn revoke_unknown_is_an_error() {
        let (_dir, store) = store();
        let err = store.revoke("nobody").unwrap_err();
        assert!(matches!(err, KeysError::NotFound(_)));
        assert_eq!(err.to_string(), "no key named or with id \"nobody\"");
        store.create(Some("somebody"), Scope::Write).unwrap();
        let before = std::fs::read(store.path()).unwrap();
        assert!(matches!(
            store.revoke("k_000000000000"),
            Err(KeysError::NotFound(_))
        ));
        assert_eq!(
            std::fs::read(store.path()).unwrap(),
            before,
            "nothing written"
        );
    }

    #[test]
    fn duplicate_name_is_an_error_until_revoked() {
        let (_dir, store) = store();
        let (first, _) = store.create(Some("ci"), Scope::Write).unwrap();
        let err = store.create(Some("ci"), Scope::Admin).unwrap_err();
        assert!(matches!(err, KeysError::DuplicateName(_)));
        assert_eq!(err.to_string(), "a key named \"ci\" already exists");
        assert_eq!(store.list().unwrap().len(), 1);

        // A revoked key's name may be reused; revoking by name then picks the live one.
        store.revoke("ci").unwrap();
        let (second, secret) = store.create(Some("ci"), Scope::Admin).unwrap();
        assert_ne!(first.id, second.id);
        assert_eq!(store.revoke("ci").unwrap().id, second.id);
        assert_eq!(store.verify(&secret).unwrap(), None);
    }

    #[test]
    fn invalid_names_are_rejected() {
        let (_dir, store) = store();
        let long = "名".repeat(65);
        for name in [
            "",
            " ci",
            "ci ",
            "a\nb",
            "tab\there",
            "\u{7f}",
            &long,
            "k_0123456789ab",
        ] {
            let err = store.create(Some(name), Scope::Write).unwrap_err();
            assert!(
                matches!(err, KeysError::InvalidName { .. }),
                "{name:?}: {err}"
            );
        }
        assert!(!store.path().exists(), "nothing written");
        // 64 characters (192 bytes) is fine, and so are spaces inside.
        store.create(Some(&"名".repeat(64)), Scope::Write).unwrap();
        store.create(Some("国务院 办公厅"), Scope::Write).unwrap();
        store.create(Some("k_notanid"), Scope::Write).unwrap();
    }

    #[test]
    fn list_in_creation_order_with_revoked() {
        let (_dir, store) = store();
        let names = ["one", "two", "three", "four"];
        let mut created = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let scope = if i % 2 == 0 {
                Scope::Write
            } else {
                Scope::Admin
            };
            created.push(store.create(Some(name), scope).unwrap().0);
        }
        let revoked = store.revoke("two").unwrap();
        created[1] = revoked;
        assert_eq!(store.list().unwrap(), created);
        let listed: Vec<String> = store.list().unwrap().into_iter().map(|k| k.name).collect();
        assert_eq!(listed, names);
    }

    #[test]
    fn file_holds_hashes_never_secrets() {
        let (_dir, store) = store();
        let (a, secret_a) = store.create(Some("a"), Scope::Write).unwrap();
        let (_, secret_b) = store.create(Some("b"), Scope::Admin).unwrap();
        store.revoke("b").unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        for secret in [&secret_a, &secret_b] {
            assert!(!text.contains(secret.as_str()));
            assert!(!text.contains(&secret[SECRET_PREFIX.len()..]));
        }
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["version"], 1);
        let first = &json["keys"][0];
        assert_eq!(first["id"], a.id.as_str());
        assert_eq!(first["scope"], "write");
        assert_eq!(first["revoked"], serde_json::Value::Null);
        assert_eq!(
            first["hash"],
            hex::encode(sha256(secret_a.as_bytes())).as_str()
        );
        assert_eq!(json["keys"][1]["scope"], "admin");
        assert!(json["keys"][1]["revoked"].is_string());

        let dir = store.path().parent().unwrap();
        assert!(!dir.join(TEMP_FILE).exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn debug_shows_no_hashes() {
        let (_dir, store) = store();
        let (_, secret) = store.create(Some("a"), Scope::Write).unwrap();
        store.verify(&secret).unwrap();
        let debug = format!("{store:?}");
        let hash = hex::encode(sha256(secret.as_bytes()));
        assert!(!debug.contains(&hash[..12]), "{debug}");
        assert!(!debug.contains(&secret[3..15]), "{debug}");
        assert!(debug.contains("keys.json"), "{debug}");
    }

    #[test]
    fn revoke_through_another_store_is_seen_by_verify() {
        let (dir, server) = store();
        let cli = KeyStore::open(&dir.path().join("data"));
        assert_eq!(server.verify("gk_nothing_yet").unwrap(), None);
        let (key, secret) = cli.create(Some("ci"), Scope::Write).unwrap();
        // The server sees a key made by another process on its next verify…
        assert_eq!(server.verify(&secret).unwrap(), Some(key.clone()));
        assert_eq!(server.verify(&secret).unwrap(), Some(key.clone()));
        // …and a revocation too.
        cli.revoke(&key.id).unwrap();
        assert_eq!(server.verify(&secret).unwrap(), None);
        // The other way round.
        let (key, secret) = server.create(Some("ops"), Scope::Admin).unwrap();
        assert_eq!(cli.verify(&secret).unwrap(), Some(key));
        server.revoke("ops").unwrap();
        assert_eq!(cli.verify(&secret).unwrap(), None);
        assert_eq!(cli.list().unwrap(), server.list().unwrap());
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let data = data.clone();
                std::thread::spawn(move || {
                    // One store per thread: each takes the file lock like a separate process.
                    let store = KeyStore::open(&data);
                    (0..5)
                        .map(|i| {
                            store
                                .create(Some(&format!("t{t}-{i}")), Scope::Write)
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let made: Vec<(KeyInfo, String)> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let store = KeyStore::open(&data);
        assert_eq!(store.list().unwrap().len(), 40);
        for (info, secret) in &made {
            assert_eq!(store.verify(secret).unwrap().as_ref(), Some(info));
        }
    }

    #[test]
    fn damaged_file_is_an_error_naming_it() {
        let (_dir, store) = store();
        let (key, secret) = store.create(Some("ci"), Scope::Write).unwrap();
        let good = std::fs::read_to_string(store.path()).unwrap();
        let hash = hex::encode(sha256(secret.as_bytes()));
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "not a valid keys file"),
            ("garbage".into(), "line 1"),
            (good[..good.len() / 2].to_string(), "not a valid keys file"),
            ("[]".into(), "not a valid keys file"),
            (
                good.replace("\"version\": 1", "\"version\": 2"),
                "unsupported version 2",
            ),
            (good.replace("\"write\"", "\"root\""), "unknown variant"),
            (good.replace(&hash, &hash[..63]), "field \"hash\""),
            (good.replace(&hash, &hash.to_uppercase()), "field \"hash\""),
            (good.replace(&key.id, "k_000000000000"), "field \"id\""),
            (good.replace("\"ci\"", "\"\""), "field \"name\""),
            (good.replace(&key.created, "yesterday"), "field \"created\""),
            (
                good.replace("\"revoked\": null", "\"revoked\": \"soon\""),
                "field \"revoked\"",
            ),
        ];
        for (text, why) in cases {
            std::fs::write(store.path(), &text).unwrap();
            for result in [
                store.verify(&secret).map(|_| ()),
                store.list().map(|_| ()),
                store.revoke("ci").map(|_| ()),
                store.create(Some("other"), Scope::Write).map(|_| ()),
            ] {
                let err = result.unwrap_err();
                assert!(matches!(err, KeysError::Damaged { .. }), "{text:?}: {err}");
                let message = err.to_string();
                assert!(message.contains("keys.json: "), "{message}");
                assert!(message.contains(why), "{text:?}: {message}");
            }
            assert_eq!(
                std::fs::read_to_string(store.path()).unwrap(),
                text,
                "left alone"
            );
        }
        // Repaired: works again.
        std::fs::write(store.path(), &good).unwrap();
        assert_eq!(store.verify(&secret).unwrap(), Some(key));
    }

    #[test]
    fn duplicate_entries_are_damage() {
        let (_dir, store) = store();
        store.create(Some("ci"), Scope::Write).unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let key = json["keys"][0].clone();
        json["keys"].as_array_mut().unwrap().push(key);
        std::fs::write(store.path(), serde_json::to_string(&json).unwrap()).unwrap();
        let err = store.list().unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }

    #[test]
    fn scope_allows_matrix() {
        assert!(Scope::Write.allows(Scope::Write));
        assert!(!Scope::Write.allows(Scope::Admin));
        assert!(Scope::Admin.allows(Scope::Write));
        assert!(Scope::Admin.allows(Scope::Admin));
    }

    #[test]
    fn scope_text_forms() {
        for scope in Scope::ALL {
            assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{scope}\""));
            assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);
        }
        assert_eq!(Scope::Write.to_string(), "write");
        assert_eq!(Scope::Admin.to_string(), "admin");
        let err = "Admin".parse::<Scope>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown scope \"Admin\": expected \"write\" or \"admin\""
        );
        assert!("".parse::<Scope>().is_err());
    }

    #[test]
    fn key_info_serde_round_trip() {
        let info = KeyInfo {
            id: "k_0123456789ab".into(),
            name: "ci".into(),
            scope: Scope::Admin,
            created: "2026-01-02T03:04:05Z".into(),
            revoked: None,
        };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["scope"], "admin");
        assert!(json.get("hash").is_none());
        assert_eq!(serde_json::from_value::<KeyInfo>(json).unwrap(), info);
    }

    #[test]
    fn verify_never_panics() {
        let (_dir, store) = store();
        let (key, secret) = store.create(Some("p"), Scope::Write).unwrap();
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(2000));
        let strategy = (
            any::<String>(),
            "gk_[0-9a-f]{0,70}",
            proptest::collection::vec(any::<u8>(), 0..300),
        );
        runner
            .run(&strategy, |(presented, near, bytes)| {
                prop_assert_eq!(store.verify(&presented).unwrap(), None);
                prop_assert_eq!(store.verify(&near).unwrap(), None);
                let lossy = String::from_utf8_lossy(&bytes);
                prop_assert_eq!(store.verify(&lossy).unwrap(), None);
                Ok(())
            })
            .unwrap();
        assert_eq!(store.verify(&secret).unwrap(), Some(key));
    }
}
