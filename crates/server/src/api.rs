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

use crate::error::{quote, ApiError};
use crate::params::{self, Scope};
use crate::state::AppState;
use crate::{json_response, MAX_FACET_VALUES};

/// Every v1 route, plus `/healthz`.
pub fn api_filter(state: AppState) -> BoxedFilter<(Response,)> {
    healthz_filter(state.clone())
        .boxed()
        .or(search_get_filter(state.clone()))
        .unify()
        .boxed()
        .or(search_post_filter(state.clone()))
        .unify()
        .boxed()
        .or(document_filter(state.clone()))
        .unify()
        .boxed()
        .or(facets_filter(state))
        .unify()
        .boxed()
}

/// Injects the shared state.
fn with_state(state: AppState) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// The raw query string, empty when there is none.
fn raw_query() -> impl Filter<Extract = (String,), Error = Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// `Ok` as 200 JSON, `Err` as its error JSON.
fn respond<T: Serialize>(result: Result<T, ApiError>) -> Response {
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

#[derive(Serialize)]
struct Health {
    status: &'static str,
    documents: u64,
}

async fn healthz_handler(state: AppState) -> Response {
    // Summing segment metadata: no I/O, no need for the blocking pool.
    let documents = state.index().num_docs();
    respond(Ok(Health {
        status: "ok",
        documents,
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

async fn search_get_handler(raw: String, state: AppState) -> Response {
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

async fn search_post_handler(body: Bytes, state: AppState) -> Response {
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
    let request = params::search_request(&pairs, Scope::Search)?;
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

async fn document_handler(raw_id: String, state: AppState) -> Response {
    respond(document(raw_id, state).await)
}

async fn document(raw_id: String, state: AppState) -> Result<gongkai_core::Record, ApiError> {
    let id = decode_segment(&raw_id)
        .ok_or_else(|| ApiError::bad_value("id", &raw_id, "percent-encoded UTF-8"))?;
    if let Err(error) = gongkai_core::record::check_id(&id) {
        return Err(ApiError::invalid_parameter(format!(
            "invalid document id {}: {error}",
            quote(&id)
        )));
    }
    let lookup = id.clone();
    let record = state
        .run_blocking(move |index| Ok(index.get(&lookup)?))
        .await?;
    record.ok_or_else(|| ApiError::not_found(format!("no document with id {}", quote(&id))))
}

/// A path segment, percent-decoded; `None` when that is not UTF-8.
fn decode_segment(raw: &str) -> Option<String> {
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
#[derive(Debug, Serialize)]
struct FacetsResponse {
    field: &'static str,
    values: Vec<FacetValue>,
    truncated: bool,
}

async fn facets_handler(raw_field: String, raw: String, state: AppState) -> Response {
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
    let request = params::search_request(&params::query_pairs(&raw), Scope::Facets)?;
    state
        .run_blocking(move |index| {
            let (query, _) = gongkai_search::compile(index, &request)?;
            let counts = index
                .searcher()
                .search(&query, &FacetCounter::new(field))
                .map_err(SearchError::from)?;
            let (values, truncated) = facets::top(counts, MAX_FACET_VALUES);
            Ok(FacetsResponse {
                field: field.name(),
                values,
                truncated,
            })
        })
        .await
}
