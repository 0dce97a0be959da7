//! Shared state: the open index, and the limit on concurrent index work.
//!
//! Index work is synchronous (tantivy, zstd, highlighting), so it runs on tokio's blocking
//! pool, never on the executor. A semaphore bounds how many such jobs run at once, and each
//! request has a deadline covering both the wait for a slot and the work: past it the client
//! gets 503 `overloaded`. A job that overruns keeps its slot until it finishes, so the limit
//! holds for the work actually running.

use std::sync::Arc;
use std::time::Duration;

use gongkai_index::GongkaiIndex;
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ServerConfig;

/// What every handler shares. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    index: GongkaiIndex,
    permits: Arc<Semaphore>,
    deadline: Duration,
    max_body_bytes: u64,
    cors_origins: Vec<String>,
    metrics: Metrics,
}

impl AppState {
    /// State serving `index` with the limits of `config`.
    pub fn new(index: GongkaiIndex, config: &ServerConfig) -> AppState {
        let permits = config
            .max_concurrent_searches
            .clamp(1, Semaphore::MAX_PERMITS);
        AppState {
            inner: Arc::new(Inner {
                index,
                permits: Arc::new(Semaphore::new(permits)),
                deadline: config.request_deadline,
                max_body_bytes: config.max_body_bytes,
                cors_origins: config.cors_origins.clone(),
                metrics: Metrics::new(),
            }),
        }
    }

    /// The index.
    pub fn index(&self) -> &GongkaiIndex {
        &self.inner.index
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
                work(&inner.index)
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
