//! Per-request bookkeeping around every route: the `x-request-id` header (echoed when the
//! client sent a valid one, generated otherwise), `X-Content-Type-Options: nosniff`, one log
//! line per request with method, path, status, latency and request id; and the request
//! metrics (by route template, see [`crate::metrics`]).

use std::collections::hash_map::RandomState;
use std::convert::Infallible;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::Instant;

use warp::http::header::HeaderValue;
use warp::http::{HeaderMap, Method};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Reply};

use crate::error::ErrorCode;
use crate::metrics;
use crate::state::AppState;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest client-supplied request id we echo.
const MAX_REQUEST_ID_LEN: usize = 128;

/// What is known of a request before routing.
#[derive(Debug)]
pub struct RequestContext {
    method: Method,
    path: String,
    id: HeaderValue,
    started: Instant,
}

/// Wraps `inner` so that every response carries `x-request-id`, is logged and counted in
/// `state`'s metrics.
pub fn with_context<F, R>(
    state: AppState,
    inner: F,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone
where
    F: Filter<Extract = (R,), Error = Infallible> + Clone + Send + Sync + 'static,
    R: Reply,
{
    context()
        .and(inner)
        .map(move |context: RequestContext, reply: R| {
            finish(&state, context, reply.into_response())
        })
}

fn context() -> impl Filter<Extract = (RequestContext,), Error = Infallible> + Clone {
    warp::method()
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .map(|method: Method, path: FullPath, headers: HeaderMap| {
            let id = headers
                .get(REQUEST_ID)
                .filter(|v| valid_request_id(v.as_bytes()))
                .cloned()
                .unwrap_or_else(new_request_id);
            RequestContext {
                method,
                path: path.as_str().to_string(),
                id,
                started: Instant::now(),
            }
        })
}

fn finish(state: &AppState, context: RequestContext, mut response: Response) -> Response {
    let elapsed = context.started.elapsed().as_secs_f64();
    let latency_ms = elapsed * 1000.0;
    let status = response.status().as_u16();
    let route = metrics::route_label(&context.path, status);
    let code = response.extensions().get::<ErrorCode>().map(|c| c.0);
    state
        .metrics()
        .observe(&context.method, route, status, elapsed, code);
    tracing::info!(
        method = %context.method,
        path = %context.path,
        route,
        status,
        latency_ms = format_args!("{latency_ms:.1}"),
        request_id = context.id.to_str().unwrap_or("-"),
        "request"
    );
    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, context.id);
    // No answer is ever to be sniffed into another type (a JSON body as HTML, say).
    headers.insert(
        warp::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// 1–128 characters of `A-Z a-z 0-9 - _ . :`.
fn valid_request_id(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A fresh id: 32 hex digits, unique within the process (a counter) and unpredictable
/// across processes (hashed with per-process random keys).
fn new_request_id() -> HeaderValue {
    static KEYS: LazyLock<(RandomState, RandomState)> =
        LazyLock::new(|| (RandomState::new(), RandomState::new()));
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = format!("{:016x}{:016x}", KEYS.0.hash_one(n), KEYS.1.hash_one(n));
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        assert!(valid_request_id(b"abc-123_x.y:z"));
        assert!(!valid_request_id(b""));
        assert!(!valid_request_id(b"a b"));
        assert!(!valid_request_id("é".as_bytes()));
        assert!(!valid_request_id(&[b'a'; 129]));
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(valid_request_id(a.as_bytes()));
    }
}
