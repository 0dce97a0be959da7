//! Prometheus metrics, served at `GET /metrics` in the text exposition format (OpenMetrics
//! 1.0, which Prometheus scrapes natively).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `gongkai_http_requests_total` | counter | `method`, `route`, `status` |
//! | `gongkai_http_request_duration_seconds` | histogram | `method`, `route` |
//! | `gongkai_http_errors_total` | counter | `route`, `status`, `code` (the JSON error code) |
//! | `gongkai_index_documents` | gauge | — |
//! | `gongkai_index_size_bytes` | gauge | — |
//!
//! Label values come from closed sets, so the number of series is bounded whatever clients
//! send: `route` is the route's template from [`crate::ROUTES`] (`/api/v1/documents/{id}`, never
//! the raw path), one of [`PAGES`] for the web page and its assets, `unmatched` for a path no
//! route knows, or `other` for anything else answered; `method` is one of the common methods
//! or `other`.

use std::fmt::Write as _;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use warp::http::Method;

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Route labels of the public web page and its assets (served outside the API table).
pub const PAGES: [&str; 2] = ["/", "/assets/{file}"];

/// The route label of a request for `path` answered with `status`.
pub fn route_label(path: &str, status: u16) -> &'static str {
    if let Some(template) = crate::api::route_template(path) {
        return template;
    }
    if let Some(page) = PAGES
        .into_iter()
        .find(|page| crate::api::matches_template(page, path))
    {
        return page;
    }
    if status == 404 {
        UNMATCHED
    } else {
        OTHER
    }
}

/// Route label of a path that no route matched.
pub const UNMATCHED: &str = "unmatched";
/// Route label of a path answered outside the API route table (e.g. web pages).
pub const OTHER: &str = "other";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: &'static str,
    route: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    route: &'static str,
    status: u16,
    code: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~4 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

/// The registry and every metric in it. Shared by the whole server.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    errors: Family<ErrorLabels, Counter>,
    documents: Gauge,
    index_bytes: Gauge,
    connections_refused: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("gongkai");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let errors = Family::<ErrorLabels, Counter>::default();
        let documents = Gauge::default();
        let index_bytes = Gauge::default();
        let connections_refused = Counter::default();
        registry.register(
            "connections_refused",
            "Connections closed on arrival because the connection cap was reached",
            connections_refused.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to its response, by method and route template",
            latency.clone(),
        );
        registry.register(
            "http_errors",
            "Error responses (status >= 400), by route template, status and error code",
            errors.clone(),
        );
        registry.register(
            "index_documents",
            "Live documents in the index",
            documents.clone(),
        );
        registry.register(
            "index_size_bytes",
            "Size of the index directory on disk, in bytes",
            index_bytes.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            errors,
            documents,
            index_bytes,
            connections_refused,
        }
    }

    /// Counts a connection closed at the cap.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// Records one answered request. `error_code` is the JSON error code of an error answer.
    pub fn observe(
        &self,
        method: &Method,
        route: &'static str,
        status: u16,
        seconds: f64,
        error_code: Option<&'static str>,
    ) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels { method, route })
            .observe(seconds);
        if status >= 400 {
            self.errors
                .get_or_create(&ErrorLabels {
                    route,
                    status,
                    code: error_code.unwrap_or("none"),
                })
                .inc();
        }
    }

    /// The exposition text, with the index gauges set to `documents` and `index_bytes`.
    pub fn render(&self, documents: u64, index_bytes: u64) -> String {
        self.documents
            .set(i64::try_from(documents).unwrap_or(i64::MAX));
        self.index_bytes
            .set(i64::try_from(index_bytes).unwrap_or(i64::MAX));
        let mut out = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %error, "encoding metrics failed");
            out.clear();
            let _ = writeln!(out, "# EOF");
        }
        out
    }
}

/// A bounded label for the request method.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_labels_are_templates() {
        assert_eq!(
            route_label("/api/v1/documents/abc", 200),
            "/api/v1/documents/{id}"
        );
        assert_eq!(
            route_label("/api/v1/documents/abc", 405),
            "/api/v1/documents/{id}"
        );
        assert_eq!(
            route_label("/api/v1/facets/year", 200),
            "/api/v1/facets/{field}"
        );
        assert_eq!(route_label("/api/v1/search", 200), "/api/v1/search");
        assert_eq!(route_label("/", 200), "/");
        assert_eq!(route_label("/assets/app.js", 304), "/assets/{file}");
        assert_eq!(route_label("/api/v1/documents/", 404), UNMATCHED);
        assert_eq!(route_label("/x/y/z", 404), UNMATCHED);
        assert_eq!(route_label("/x/y/z", 500), OTHER);
    }

    #[test]
    fn counters_histograms_and_gauges_render() {
        let metrics = Metrics::new();
        metrics.observe(&Method::GET, "/api/v1/search", 200, 0.003, None);
        metrics.observe(&Method::GET, "/api/v1/search", 200, 0.004, None);
        metrics.observe(
            &Method::GET,
            "/api/v1/documents/{id}",
            404,
            0.001,
            Some("not_found"),
        );
        metrics.observe(
            &Method::from_bytes(b"BREW").unwrap(),
            UNMATCHED,
            404,
            0.0,
            None,
        );
        let text = metrics.render(12, 3456);
        for line in [
            "# TYPE gongkai_http_requests counter",
            r#"gongkai_http_requests_total{method="GET",route="/api/v1/search",status="200"} 2"#,
            r#"gongkai_http_requests_total{method="other",route="unmatched",status="404"} 1"#,
            "# TYPE gongkai_http_request_duration_seconds histogram",
            r#"gongkai_http_request_duration_seconds_count{method="GET",route="/api/v1/search"} 2"#,
            r#"gongkai_http_errors_total{route="/api/v1/documents/{id}",status="404",code="not_found"} 1"#,
            "gongkai_index_documents 12",
            "gongkai_index_size_bytes 3456",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert!(!text.contains(r#"route="/api/v1/search",status="200",code"#));
    }
}
