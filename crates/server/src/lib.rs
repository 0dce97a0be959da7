//! The Gongkai HTTP JSON API (v1), served with warp on tokio.
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/v1/search` | a [`gongkai_search::SearchResponse`], parameters in the query string |
//! | `POST /api/v1/search` | the same, parameters as a JSON object |
//! | `POST /api/v1/documents` | archive and index records or a page (`write` key) |
//! | `GET /api/v1/documents/{id}` | the stored [`gongkai_core::Record`], 410 when withdrawn |
//! | `DELETE /api/v1/documents/{id}` | withdraw (`write` key) |
//! | `GET /api/v1/documents/{id}/versions[/{n}]` | the archived versions, one of them |
//! | `GET /api/v1/documents/{id}/original` | the original bytes, as ingested |
//! | `GET /api/v1/facets/{field}` | `{"field", "values": [{"value", "count"}], "truncated"}` |
//! | `GET /api/v1/admin/archive` | archive and index counts (`admin` key) |
//! | `GET /healthz` | `{"status": "ok", "documents": N}` |
//! | `GET /metrics` | Prometheus metrics ([`metrics`]) |
//! | `GET /api/v1/openapi.json` | the OpenAPI document, generated from the code ([`openapi`]) |
//!
//! [`ROUTES`] lists them; tests check it against the filters and the OpenAPI document.
//! Every error is `{"error": {"code", "message"}}` with a stable snake_case code. Index work
//! runs on the blocking pool behind a concurrency limit and a per-request deadline (503
//! `overloaded` past it). Every response carries `x-request-id` and CORS headers (the
//! configured origins, or any origin when none are configured; GET and POST; no credentials),
//! and every request is logged at `info` and counted in the metrics.

mod api;
mod documents;
mod error;
pub mod limits;
pub mod metrics;
pub mod openapi;
mod params;
mod request;
mod state;
mod ui;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;
use warp::http::header::{HeaderValue, CONTENT_TYPE};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Filter;

pub use api::{route_template, Route, ROUTES};
pub use error::ApiError;
pub use state::AppState;

/// Facet values returned by `GET /api/v1/facets/{field}` at most by default (and the largest
/// `facet_limit` a search may ask for): `limits.facet_values` of [`ServerConfig`].
pub const MAX_FACET_VALUES: usize = gongkai_search::MAX_FACET_VALUES;

/// How the server runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address to listen on (port 0: any free port, reported through `on_bound`).
    pub listen: SocketAddr,
    /// Index jobs (searches, document loads, facet counts) running at once.
    pub max_concurrent_searches: usize,
    /// Longest a request may wait for a slot and run: past it, 503 `overloaded`.
    pub request_deadline: Duration,
    /// Largest accepted search request body (413 `payload_too_large` beyond).
    pub max_body_bytes: u64,
    /// Largest accepted write body (`POST /api/v1/documents`; 413 beyond).
    pub max_write_bytes: u64,
    /// Origins allowed to call the API from a browser (`https://portal.example`); empty: any
    /// origin. Credentials are never allowed.
    pub cors_origins: Vec<String>,
    /// Open connections at most; a connection past the cap is closed at once.
    pub max_connections: usize,
    /// Longest a client may take to send a request's headers (slow clients are cut off).
    pub header_read_timeout: Duration,
    /// Requests per client IP (`None`: unlimited); 429 `rate_limited` past it.
    pub rate_limit_per_ip: Option<limits::Rate>,
    /// Requests per API key on the write and admin routes (`None`: unlimited).
    pub rate_limit_per_key: Option<limits::Rate>,
    /// Proxies whose `X-Forwarded-For` names the client (exact addresses).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Query length and terms, paging depth and facet values a request may ask for.
    pub limits: gongkai_search::Limits,
    /// An aliases file added to the built-in dictionary, re-read on SIGHUP and by
    /// `POST /api/v1/admin/aliases/reload`.
    pub aliases_file: Option<std::path::PathBuf>,
}

impl Default for ServerConfig {
    /// `127.0.0.1:8080`, two jobs per core, 5 s, 1 MiB searches, 64 MiB writes, any origin,
    /// 1,024 connections, 10 s for headers, 50 requests/s per IP (burst 100), 10 writes/s per
    /// key (burst 20), no trusted proxies.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_concurrent_searches: 2 * cores,
            request_deadline: Duration::from_secs(5),
            max_body_bytes: 1 << 20,
            max_write_bytes: 64 << 20,
            cors_origins: Vec::new(),
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            rate_limit_per_ip: Some(limits::Rate {
                per_second: 50,
                burst: 100,
            }),
            rate_limit_per_key: Some(limits::Rate {
                per_second: 10,
                burst: 20,
            }),
            trusted_proxies: Vec::new(),
            limits: gongkai_search::Limits::default(),
            aliases_file: None,
        }
    }
}

/// Why the server could not run.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error("{0}")]
    Config(String),
}

/// Every route with error mapping, CORS, request ids and logging: the whole service, as a
/// filter (serve it, or drive it with `warp::test`).
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl warp::Reply,), Error = Infallible> + Clone {
    let cors = warp::cors();
    let cors = if state.cors_origins().is_empty() {
        cors.allow_any_origin()
    } else {
        // `run` refuses invalid origins; here they are skipped (never "any origin").
        let valid: Vec<String> = state
            .cors_origins()
            .iter()
            .filter_map(|origin| match parse_origin(origin) {
                Ok(origin) => Some(origin),
                Err(error) => {
                    tracing::error!(%error, "ignoring a CORS origin");
                    None
                }
            })
            .collect();
        cors.allow_origins(valid.iter().map(String::as_str))
    };
    let cors = cors
        .allow_methods(["GET", "POST"])
        .allow_headers(["content-type", request::REQUEST_ID])
        .expose_headers([request::REQUEST_ID])
        .max_age(Duration::from_secs(3600));
    // The inner recover turns route rejections into JSON inside the CORS wrapper, so errors
    // carry CORS headers; the outer one answers refused preflights.
    let service = limits::per_ip(state.clone())
        .and(api::api_filter(state.clone()).or(ui::ui_filter()).unify())
        .recover(error::recover)
        .unify()
        .with(cors)
        .recover(error::recover);
    request::with_context(state, service)
}

/// `origin` as a CORS origin, `scheme://host[:port]` (a trailing `/` is dropped), or why it
/// is not one.
pub fn parse_origin(origin: &str) -> Result<String, String> {
    let invalid = || {
        format!(
            "invalid CORS origin {}: expected scheme://host[:port], e.g. https://portal.example",
            error::quote(origin)
        )
    };
    if !origin.contains("://") {
        return Err(invalid());
    }
    let uri: warp::http::Uri = origin.parse().map_err(|_| invalid())?;
    let path_ok = matches!(
        uri.path_and_query().map(|p| p.as_str()),
        None | Some("" | "/")
    );
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) if path_ok && !authority.as_str().contains('@') => {
            Ok(format!("{scheme}://{authority}"))
        }
        _ => Err(invalid()),
    }
}

/// Binds `config.listen`, reports the bound address through `on_bound`, then serves until
/// `shutdown` resolves and the connections in flight have finished (at most 30 s more).
///
/// The accept loop is ours rather than warp's, for the limits warp's server lacks: at most
/// `max_connections` open connections (one past the cap is closed at once and counted), a
/// `header_read_timeout` for slow clients, and each connection's peer address in its requests'
/// extensions ([`limits::PeerAddr`]) for the per-IP rate limit.
pub async fn run(
    store: gongkai_ingest::Store,
    config: ServerConfig,
    on_bound: impl FnOnce(SocketAddr) + Send,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    for origin in &config.cors_origins {
        parse_origin(origin).map_err(ServerError::Config)?;
    }
    let bind_error = |source| ServerError::Bind {
        addr: config.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    tracing::info!(address = %bound, documents = store.index().num_docs(), "serving the API");
    on_bound(bound);
    let state = AppState::new(store, &config);
    let service = TowerToHyperService::new(warp::service(routes(state.clone())));
    let connections = std::sync::Arc::new(tokio::sync::Semaphore::new(
        config
            .max_connections
            .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
    ));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let forget = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                state.limiters().forget_idle();
            }
        })
    };
    // SIGHUP re-reads the aliases file (the old dictionary stays when the new one is bad).
    #[cfg(unix)]
    let hangup = {
        let state = state.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut hangups) = signal(SignalKind::hangup()) else {
                tracing::warn!("cannot listen for SIGHUP: reload aliases through the admin route");
                return;
            };
            while hangups.recv().await.is_some() {
                match state.reload_aliases() {
                    Ok(aliases) => tracing::info!(
                        version = aliases.version(),
                        groups = aliases.len(),
                        "aliases reloaded (SIGHUP)"
                    ),
                    Err(error) => tracing::error!("aliases not reloaded: {error}"),
                }
            }
        })
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            state.metrics().connection_refused();
            tracing::warn!(%peer, max = config.max_connections, "connection cap reached: closing a new connection");
            drop(stream);
            continue;
        };
        let service = service.clone();
        let per_request = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(limits::PeerAddr(peer));
                hyper::service::Service::call(&service, request)
            },
        );
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout)
            .serve_connection(TokioIo::new(stream), per_request);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    forget.abort();
    #[cfg(unix)]
    hangup.abort();
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("connections still open 30 s after shutdown began: closing them");
        }
    }
    tracing::info!("server stopped");
    Ok(())
}

/// `value` as a JSON response with `status`.
pub(crate) fn json_response<T: Serialize>(value: &T, status: StatusCode) -> Response {
    let (status, body) = match serde_json::to_vec(value) {
        Ok(body) => (status, body),
        Err(error) => {
            tracing::error!(error = %error, "serialising a response failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                br#"{"error":{"code":"internal","message":"internal error"}}"#.to_vec(),
            )
        }
    };
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use gongkai_core::Record;
    use gongkai_index::IndexOptions;
    use serde_json::Value;

    fn tiny_index(dir: &std::path::Path) -> gongkai_ingest::Store {
        let store = gongkai_ingest::Store::open(dir, &IndexOptions::default()).unwrap();
        let index = store.index().clone();
        let mut writer = index.writer(1, 50 << 20).unwrap();
        let mut record = Record {
            id: "a".into(),
            title: "关于印发某办法的通知".into(),
            body: "正文".into(),
            ..Record::default()
        };
        record.finish(None).unwrap();
        writer.upsert(&record).unwrap();
        writer.commit().unwrap();
        writer.finish().unwrap();
        index.reload().unwrap();
        store
    }

    async fn status_and_code(state: AppState, path: &str) -> (u16, Value) {
        let response = warp::test::request().path(path).reply(&routes(state)).await;
        let json: Value = serde_json::from_slice(response.body()).unwrap();
        (response.status().as_u16(), json)
    }

    #[tokio::test]
    async fn no_free_slot_within_the_deadline_is_503() {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            max_concurrent_searches: 1,
            request_deadline: Duration::from_millis(20),
            ..ServerConfig::default()
        };
        let state = AppState::new(tiny_index(dir.path()), &config);
        let (status, _) = status_and_code(state.clone(), "/api/v1/search?q=通知").await;
        assert_eq!(status, 200);

        let held = state.permits().try_acquire_owned().unwrap();
        for path in [
            "/api/v1/search?q=%E9%80%9A%E7%9F%A5",
            "/api/v1/documents/a",
            "/api/v1/facets/year",
        ] {
            let (status, json) = status_and_code(state.clone(), path).await;
            assert_eq!(status, 503, "{path}");
            assert_eq!(json["error"]["code"], "overloaded");
        }
        // Health checks do no index work and stay available.
        let (status, _) = status_and_code(state.clone(), "/healthz").await;
        assert_eq!(status, 200);
        drop(held);
        let (status, _) = status_and_code(state, "/api/v1/documents/a").await;
        assert_eq!(status, 200);
    }

    #[tokio::test]
    async fn work_past_the_deadline_is_503_and_keeps_its_slot() {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            max_concurrent_searches: 1,
            request_deadline: Duration::from_millis(20),
            ..ServerConfig::default()
        };
        let state = AppState::new(tiny_index(dir.path()), &config);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let result = state
            .run_blocking(move |_| {
                let _ = wait.recv_timeout(Duration::from_secs(10));
                Ok(())
            })
            .await;
        assert_eq!(result.unwrap_err().code, "overloaded");
        // The overrunning job still holds the only slot.
        assert_eq!(state.permits().available_permits(), 0);
        release.send(()).unwrap();
        let slot = tokio::time::timeout(Duration::from_secs(10), state.permits().acquire_owned())
            .await
            .unwrap();
        assert!(slot.is_ok());
    }

    #[test]
    fn origins() {
        assert_eq!(
            parse_origin("https://portal.example").unwrap(),
            "https://portal.example"
        );
        assert_eq!(
            parse_origin("http://localhost:3000/").unwrap(),
            "http://localhost:3000"
        );
        for bad in [
            "portal.example",
            "https://",
            "https://a/b",
            "https://a?x",
            "*",
            "https://u@a",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_config() {
        let config = ServerConfig::default();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert!(config.max_concurrent_searches >= 2);
        assert_eq!(config.request_deadline, Duration::from_secs(5));
        assert_eq!(config.max_body_bytes, 1 << 20);
    }
}
