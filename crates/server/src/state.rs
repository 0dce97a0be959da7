//! Shared state: the data directory's store (archive + index), the API keys, the single-writer
//! lock, and the limit on concurrent index work.
//!
//! Index work is synchronous (tantivy, zstd, highlighting), so it runs on tokio's blocking
//! pool, never on the executor. A semaphore bounds how many such jobs run at once, and each
//! request has a deadline covering both the wait for a slot and the work: past it the client
//! gets 503 `overloaded`. A job that overruns keeps its slot until it finishes, so the limit
//! holds for the work actually running.

use std::sync::Arc;
use std::time::Duration;

use gongkai_archive::keys::KeyStore;
use gongkai_index::GongkaiIndex;
use gongkai_ingest::store::WriteSession;
use gongkai_ingest::Store;
use gongkai_search::aliases::Aliases;
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::limits::Limiters;
use crate::metrics::Metrics;
use crate::ServerConfig;

/// What every handler shares. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    keys: KeyStore,
    /// Writes run one at a time (the archive and the index have one writer each).
    write_lock: std::sync::Mutex<()>,
    permits: Arc<Semaphore>,
    deadline: Duration,
    max_body_bytes: u64,
    max_write_bytes: u64,
    limits: gongkai_search::Limits,
    aliases: std::sync::RwLock<Arc<Aliases>>,
    aliases_file: Option<std::path::PathBuf>,
    cors_origins: Vec<String>,
    metrics: Metrics,
    limiters: Limiters,
}

impl AppState {
    /// State serving `store` with the limits of `config`; API keys are read from the store's
    /// data directory (`keys.json`).
    pub fn new(store: Store, config: &ServerConfig) -> AppState {
        let permits = config
            .max_concurrent_searches
            .clamp(1, Semaphore::MAX_PERMITS);
        AppState {
            inner: Arc::new(Inner {
                keys: KeyStore::open(store.data_dir()),
                store,
                write_lock: std::sync::Mutex::new(()),
                permits: Arc::new(Semaphore::new(permits)),
                deadline: config.request_deadline,
                max_body_bytes: config.max_body_bytes,
                max_write_bytes: config.max_write_bytes,
                limits: config.limits,
                aliases: std::sync::RwLock::new(
                    match Aliases::load(config.aliases_file.as_deref()) {
                        Ok(aliases) => Arc::new(aliases),
                        Err(error) => {
                            tracing::error!(
                                "aliases file not loaded, built-in aliases only: {error}"
                            );
                            Aliases::builtin()
                        }
                    },
                ),
                aliases_file: config.aliases_file.clone(),
                cors_origins: config.cors_origins.clone(),
                metrics: Metrics::new(),
                limiters: Limiters::new(
                    config.rate_limit_per_ip,
                    config.rate_limit_per_key,
                    config.trusted_proxies.clone(),
                ),
            }),
        }
    }

    /// The aliases and synonyms in use.
    pub fn aliases(&self) -> Arc<Aliases> {
        self.inner
            .aliases
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Re-reads the aliases (the built-in dictionary and the configured file) and uses them
    /// from the next request on; on error the old ones stay.
    pub fn reload_aliases(&self) -> Result<Arc<Aliases>, String> {
        let fresh = Arc::new(Aliases::load(self.inner.aliases_file.as_deref())?);
        *self
            .inner
            .aliases
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }

    /// What one request may cost (query length and terms, paging depth, facet values).
    pub fn limits(&self) -> gongkai_search::Limits {
        self.inner.limits
    }

    /// The index.
    pub fn index(&self) -> &GongkaiIndex {
        self.inner.store.index()
    }

    /// The archive and the index.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The API keys.
    pub fn keys(&self) -> &KeyStore {
        &self.inner.keys
    }

    /// The largest accepted body of a write (`POST /api/v1/documents`), in bytes.
    pub fn max_write_bytes(&self) -> u64 {
        self.inner.max_write_bytes
    }

    /// Runs a write on the blocking pool, one write at a time. Writes are not cut off by the
    /// request deadline: an answer means the write is durable (or failed), never "unknown".
    ///
    /// `work` returns the answer and, optionally, the write session it committed: the answer is
    /// sent as soon as `work` returns (the commit is durable and visible), and the session is
    /// finished afterwards (waiting for tantivy's segment merges) while still holding the
    /// write lock, so merges delay the next write, not this answer.
    pub async fn run_write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Store) -> Result<(T, Option<WriteSession>), ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        let (reply, answer) = tokio::sync::oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let _guard = inner
                .write_lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match work(&inner.store) {
                Ok((value, session)) => {
                    let _ = reply.send(Ok(value));
                    if let Some(session) = session {
                        if let Err(error) = session.finish() {
                            tracing::error!(error = %error, "finishing a write session failed");
                        }
                    }
                }
                Err(error) => {
                    let _ = reply.send(Err(error));
                }
            }
        });
        answer.await.map_err(|_| {
            tracing::error!("a write task ended without an answer");
            ApiError::internal()
        })?
    }

    /// The largest accepted request body, in bytes.
    pub fn max_body_bytes(&self) -> u64 {
        self.inner.max_body_bytes
    }

    /// Origins allowed by CORS; empty: any origin.
    pub fn cors_origins(&self) -> &[String] {
        &self.inner.cors_origins
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The rate limiters.
    pub fn limiters(&self) -> &Limiters {
        &self.inner.limiters
    }

    /// The semaphore bounding concurrent index work (tests hold its permits).
    #[cfg(test)]
    pub(crate) fn permits(&self) -> Arc<Semaphore> {
        self.inner.permits.clone()
    }

    /// Runs `work` on the blocking pool once a slot is free, within the request deadline.
    pub async fn run_blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&GongkaiIndex) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        let permits = inner.permits.clone();
        let job = async move {
            let permit = permits.acquire_owned().await.map_err(|_| {
                tracing::error!("the search semaphore is closed");
                ApiError::internal()
            })?;
            let handle = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                work(inner.store.index())
            });
            handle.await.map_err(|error| {
                tracing::error!(error = %error, "index work failed");
                ApiError::internal()
            })?
        };
        match tokio::time::timeout(self.inner.deadline, job).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    deadline_ms = self.inner.deadline.as_millis() as u64,
                    "request deadline passed"
                );
                Err(ApiError::overloaded())
            }
        }
    }
}
