//! The v1 routes: one `xxx_filter()` per endpoint and a plain async handler behind it.
//!
//! Filters match the path first and the method second, so a known path with another method
//! is a 405 and an unknown path a 404. Handlers never reject: they answer with JSON, success
//! or [`ApiError`]; only warp's own rejections (no route, method, body size) reach
//! [`crate::error::recover`].

use std::convert::Infallible;

use gongkai_search::facets::{self, FacetCounter};
use gongkai_search::{FacetField, FacetValue, SearchError};
use serde::Serialize;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::hyper::body::Bytes;
use warp::reply::Response;
use warp::{Filter, Rejection};

use gongkai_core::Record;
use gongkai_search::SearchResponse;
use utoipa::ToSchema;
use warp::http::header::{HeaderValue, CONTENT_TYPE};

use crate::documents;
use crate::error::{quote, ApiError, Body as ErrorBody};
use crate::params::{self, Paging, QueryAndFilters, Scope, SearchBody};
use crate::state::AppState;
use crate::{json_response, metrics, openapi};

/// A route the server answers: method and path template (`{name}` is one path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template, as in the OpenAPI document.
    pub path: &'static str,
}

const fn route(method: &'static str, path: &'static str) -> Route {
    Route { method, path }
}

/// Every route of the API, in the order [`api_filter`] tries them. The metrics name requests
/// by these templates, and a test checks that this table, the filters and the OpenAPI
/// document agree.
pub const ROUTES: [Route; 15] = [
    route("GET", "/healthz"),
    route("GET", "/metrics"),
    route("GET", "/api/v1/openapi.json"),
    route("GET", "/api/v1/search"),
    route("POST", "/api/v1/search"),
    route("POST", "/api/v1/documents"),
    route("GET", "/api/v1/documents/{id}"),
    route("DELETE", "/api/v1/documents/{id}"),
    route("GET", "/api/v1/documents/{id}/versions"),
    route("GET", "/api/v1/documents/{id}/versions/{n}"),
    route("GET", "/api/v1/documents/{id}/original"),
    route("GET", "/api/v1/documents/{id}/related"),
    route("GET", "/api/v1/facets/{field}"),
    route("GET", "/api/v1/admin/archive"),
    route("POST", "/api/v1/admin/aliases/reload"),
];

/// The template in [`ROUTES`] whose path matches `path` (whatever the method), if any.
pub fn route_template(path: &str) -> Option<&'static str> {
    ROUTES
        .iter()
        .map(|r| r.path)
        .find(|template| matches_template(template, path))
}

/// Whether `path` matches `template`, where `{name}` stands for one non-empty segment.
pub(crate) fn matches_template(template: &str, path: &str) -> bool {
    let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    parts.len() == segments.len()
        && parts.iter().zip(&segments).all(|(part, segment)| {
            if part.starts_with('{') {
                !segment.is_empty()
            } else {
                part == segment
            }
        })
}

/// Every v1 route, plus `/healthz` and `/metrics`.
pub fn api_filter(state: AppState) -> BoxedFilter<(Response,)> {
    healthz_filter(state.clone())
        .boxed()
        .or(metrics_filter(state.clone()))
        .unify()
        .boxed()
        .or(openapi_filter())
        .unify()
        .boxed()
        .or(search_get_filter(state.clone()))
        .unify()
        .boxed()
        .or(search_post_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::create_filter(state.clone()))
        .unify()
        .boxed()
        .or(document_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::withdraw_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::versions_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::version_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::original_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::related_filter(state.clone()))
        .unify()
        .boxed()
        .or(facets_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::admin_archive_filter(state.clone()))
        .unify()
        .boxed()
        .or(documents::reload_aliases_filter(state))
        .unify()
        .boxed()
}

/// Injects the shared state.
pub(crate) fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// The raw query string, empty when there is none.
pub(crate) fn raw_query() -> impl Filter<Extract = (String,), Error = Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// `Ok` as 200 JSON, `Err` as its error JSON.
pub(crate) fn respond<T: Serialize>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(value) => json_response(&value, StatusCode::OK),
        Err(error) => error.into_response(),
    }
}

/// GET /healthz
fn healthz_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("healthz")
        .and(warp::get())
        .and(with_state(state))
        .then(healthz_handler)
}

/// The health answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    status: &'static str,
    /// Live documents in the index.
    documents: u64,
    /// Version of the aliases and synonyms in use (changes when they are reloaded with
    /// different content).
    aliases_version: String,
    /// Alias groups in use.
    alias_groups: usize,
}

/// Liveness and the document count. Does no index work, so it answers even when every search
/// slot is busy.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "operations",
    responses((status = 200, description = "The server is up", body = Health)),
)]
pub(crate) async fn healthz_handler(state: AppState) -> Response {
    // Summing segment metadata: no I/O, no need for the blocking pool.
    let documents = state.index().num_docs();
    let aliases = state.aliases();
    respond(Ok(Health {
        status: "ok",
        documents,
        aliases_version: aliases.version().to_string(),
        alias_groups: aliases.len(),
    }))
}

/// GET /api/v1/search
fn search_get_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "search")
        .and(warp::get())
        .and(raw_query())
        .and(with_state(state))
        .then(search_get_handler)
}

/// Searches: ranked hits with highlights, exact facet counts.
///
/// Parameters are in the query string; filters repeat (`year=2017&year=2018`: OR within a
/// field, AND across fields); every other parameter is given at most once; an empty value
/// counts as absent; unknown parameters are ignored.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    operation_id = "search",
    tag = "search",
    params(QueryAndFilters, Paging),
    responses(
        (status = 200, description = "One page of hits", body = SearchResponse),
        (status = 400, description = "A parameter is invalid (`invalid_parameter`) or the query does not parse (`invalid_query`)", body = ErrorBody),
        (status = 503, description = "No search slot within the request deadline, or the deadline passed (`overloaded`)", body = ErrorBody),
    ),
)]
pub(crate) async fn search_get_handler(raw: String, state: AppState) -> Response {
    respond(search(params::query_pairs(&raw), state).await)
}

/// POST /api/v1/search
fn search_post_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "search")
        .and(warp::post())
        .and(warp::body::content_length_limit(state.max_body_bytes()))
        .and(warp::body::bytes())
        .and(with_state(state))
        .then(search_post_handler)
}

/// Searches, with the parameters as a JSON object: the same semantics and answer as `GET`.
#[utoipa::path(
    post,
    path = "/api/v1/search",
    operation_id = "search_post",
    tag = "search",
    request_body(content = SearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "One page of hits", body = SearchResponse),
        (status = 400, description = "The body is not a JSON object (`invalid_json`), has an unknown field or a bad value (`invalid_parameter`), or the query does not parse (`invalid_query`)", body = ErrorBody),
        (status = 411, description = "No content-length (`length_required`)", body = ErrorBody),
        (status = 413, description = "The body is larger than the configured limit (`payload_too_large`)", body = ErrorBody),
        (status = 503, description = "No search slot within the request deadline, or the deadline passed (`overloaded`)", body = ErrorBody),
    ),
)]
pub(crate) async fn search_post_handler(body: Bytes, state: AppState) -> Response {
    let result = match params::body_pairs(&body) {
        Ok(pairs) => search(pairs, state).await,
        Err(error) => Err(error),
    };
    respond(result)
}

async fn search(
    pairs: Vec<(String, String)>,
    state: AppState,
) -> Result<gongkai_search::SearchResponse, ApiError> {
    let mut request = params::search_request_within(&pairs, Scope::Search, state.limits())?;
    request.aliases = state.aliases();
    state
        .run_blocking(move |index| Ok(gongkai_search::search(index, &request)?))
        .await
}

/// GET /api/v1/documents/{id}
fn document_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "documents" / String)
        .and(warp::get())
        .and(with_state(state))
        .then(document_handler)
}

/// A document as served: the stored record plus what the archive knows of it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DocumentView {
    /// The record: every metadata field (unknown input fields in `extra`) and the full text.
    #[serde(flatten)]
    record: Record,
    /// Its newest archived version (see `/versions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    /// Other URLs the same text was published at.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also_published_at: Vec<String>,
}

/// One document as stored: every metadata field (unknown input fields in `extra`), the full
/// text, its newest version number and the other URLs it was published at. The id of a
/// repost merged into another document answers with that document.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}",
    operation_id = "get_document",
    tag = "documents",
    params(("id" = String, Path, description = "The document id, as in search hits (percent-encoded)")),
    responses(
        (status = 200, description = "The document", body = DocumentView),
        (status = 400, description = "The id is not valid (`invalid_parameter`)", body = ErrorBody),
        (status = 404, description = "No document has this id (`not_found`)", body = ErrorBody),
        (status = 410, description = "The document was withdrawn (`gone`)", body = ErrorBody),
        (status = 503, description = "No slot within the request deadline (`overloaded`)", body = ErrorBody),
    ),
)]
pub(crate) async fn document_handler(raw_id: String, state: AppState) -> Response {
    respond(document(raw_id, state).await)
}

async fn document(raw_id: String, state: AppState) -> Result<DocumentView, ApiError> {
    let id = documents::parse_id(&raw_id)?;
    let store = state.store().clone();
    state
        .run_blocking(move |index| {
            // Documents the archive does not know (written to the index directly) are still
            // looked up in the index.
            let (id, _) = documents::resolve_visible(&store, &id, || false)?;
            let record = index.get(&id)?.ok_or_else(|| {
                ApiError::not_found(format!("no document with id {}", quote(&id)))
            })?;
            let (version, also_published_at) = documents::archive_facts(&store, &id)
                .map_or((None, Vec::new()), |(v, s)| (Some(v), s));
            Ok(DocumentView {
                record,
                version,
                also_published_at,
            })
        })
        .await
}

/// `id` percent-encoded as one path segment.
pub(crate) fn encode_segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A path segment, percent-decoded; `None` when that is not UTF-8.
pub(crate) fn decode_segment(raw: &str) -> Option<String> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// GET /api/v1/facets/{field}
fn facets_filter(state: AppState) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "facets" / String)
        .and(warp::get())
        .and(raw_query())
        .and(with_state(state))
        .then(facets_handler)
}

/// The answer of the facets endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FacetsResponse {
    /// The field counted.
    #[schema(value_type = FacetField)]
    field: &'static str,
    /// Its values over the matching documents, by count (largest first).
    values: Vec<FacetValue>,
    /// True when there were more than 1000 values and only the first 1000 are listed.
    truncated: bool,
}

/// Every value of one facet field with exact counts, over the documents matching `q` and
/// the filters (all documents without them).
#[utoipa::path(
    get,
    path = "/api/v1/facets/{field}",
    operation_id = "facet_values",
    tag = "search",
    params(("field" = FacetField, Path, description = "The field to count"), QueryAndFilters),
    responses(
        (status = 200, description = "The values and their counts", body = FacetsResponse),
        (status = 400, description = "Unknown field or a bad filter (`invalid_parameter`), or the query does not parse (`invalid_query`)", body = ErrorBody),
        (status = 503, description = "No slot within the request deadline (`overloaded`)", body = ErrorBody),
    ),
)]
pub(crate) async fn facets_handler(raw_field: String, raw: String, state: AppState) -> Response {
    respond(facet_values(raw_field, raw, state).await)
}

async fn facet_values(
    raw_field: String,
    raw: String,
    state: AppState,
) -> Result<FacetsResponse, ApiError> {
    let name = decode_segment(&raw_field).unwrap_or_else(|| raw_field.clone());
    let field = FacetField::parse(&name).ok_or_else(|| {
        ApiError::bad_value(
            "field",
            &name,
            "department, category, year, doc_type, region or validity",
        )
    })?;
    let limits = state.limits();
    let mut request =
        params::search_request_within(&params::query_pairs(&raw), Scope::Facets, limits)?;
    request.aliases = state.aliases();
    state
        .run_blocking(move |index| {
            let (query, _) = gongkai_search::compile(index, &request)?;
            let counts = index
                .searcher()
                .search(&query, &FacetCounter::new(field))
                .map_err(SearchError::from)?;
            let (values, truncated) = facets::top(counts, limits.facet_values);
            Ok(FacetsResponse {
                field: field.name(),
                values,
                truncated,
            })
        })
        .await
}

/// GET /metrics
fn metrics_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("metrics")
        .and(warp::get())
        .and(with_state(state))
        .then(metrics_handler)
}

/// Prometheus metrics in the text exposition format (OpenMetrics 1.0): requests by route
/// template and status, latency histograms, errors by code, index documents and size.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    responses((
        status = 200,
        description = "The metrics",
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8",
        body = String,
    )),
)]
pub(crate) async fn metrics_handler(state: AppState) -> Response {
    let index = state.index().clone();
    // Summing the index directory's file sizes is file-system work: keep it off the executor
    // (but outside the search slots, so metrics stay available under load).
    let sizes = tokio::task::spawn_blocking(move || (index.num_docs(), index.size_on_disk()));
    let (documents, bytes) = match sizes.await {
        Ok(sizes) => sizes,
        Err(error) => {
            tracing::error!(error = %error, "measuring the index failed");
            return ApiError::internal().into_response();
        }
    };
    let mut response = Response::new(state.metrics().render(documents, bytes).into());
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(metrics::CONTENT_TYPE),
    );
    response
}

/// GET /api/v1/openapi.json
fn openapi_filter() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "openapi.json")
        .and(warp::get())
        .then(openapi_handler)
}

/// This document: the OpenAPI 3.1 description of every route, generated from the code.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)),
)]
pub(crate) async fn openapi_handler() -> Response {
    let mut response = Response::new(openapi::json().into());
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
