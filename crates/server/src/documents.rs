//! The archive-backed document routes: the staff write API (add, revise, withdraw), versions,
//! and originals.
//!
//! Writes need an API key (`Authorization: Bearer KEY`, scope `write` or `admin`): no or an
//! unknown key is 401 `unauthorized`, a key without the scope 403 `insufficient_scope`. A write
//! is answered only once it is durable (archive synced, index committed, directories synced)
//! and searchable by the next request (the reader is reloaded before the answer).

use gongkai_archive::keys::Scope as KeyScope;
use gongkai_archive::{ArchiveError, PutOutcome, SourceKind, Status, VersionInfo};
use gongkai_core::Record;
use gongkai_ingest::store::{Incoming, Prepared, WriteSession};
use gongkai_ingest::{PrepareError, Store, StoreError};
use serde::Serialize;
use utoipa::ToSchema;
use warp::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, ETAG};
use warp::http::HeaderMap;
use warp::hyper::body::Bytes;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::api::{decode_segment, raw_query, respond, with_state};
use crate::error::{quote, ApiError, Body as ErrorBody};
use crate::params;
use crate::state::AppState;

/// Records accepted in one write request at most.
pub const MAX_BATCH: usize = 10_000;

/// The document id of a path segment, validated (never used as a path anywhere).
pub(crate) fn parse_id(raw_id: &str) -> Result<String, ApiError> {
    let id = decode_segment(raw_id)
        .ok_or_else(|| ApiError::bad_value("id", raw_id, "percent-encoded UTF-8"))?;
    gongkai_core::record::check_id(&id).map_err(|error| {
        ApiError::invalid_parameter(format!("invalid document id {}: {error}", quote(&id)))
    })?;
    Ok(id)
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Archive(ArchiveError::NotFound(id)) => {
                ApiError::not_found(format!("no document with id {}", quote(&id)))
            }
            StoreError::Archive(ArchiveError::NoVersion { id, version }) => {
                ApiError::not_found(format!("document {} has no version {version}", quote(&id)))
            }
            other if other.is_storage_full() => {
                tracing::error!(error = %other, "the disk is full: a write was refused");
                ApiError::insufficient_storage()
            }
            other => {
                tracing::error!(error = %other, "the archive or the index failed");
                ApiError::unavailable()
            }
        }
    }
}

impl From<ArchiveError> for ApiError {
    fn from(error: ArchiveError) -> ApiError {
        StoreError::Archive(error).into()
    }
}

/// Who is calling, from the `Authorization` header.
fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    needed: KeyScope,
) -> Result<String, ApiError> {
    let presented = headers
        .get(warp::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, key) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
        })
        .ok_or_else(|| {
            ApiError::unauthorized("an API key is required: Authorization: Bearer KEY")
        })?;
    let key = state
        .keys()
        .verify(presented)
        .map_err(|error| {
            tracing::error!(error = %error, "reading the API keys failed");
            ApiError::unavailable()
        })?
        .ok_or_else(|| ApiError::unauthorized("the API key is not valid (unknown or revoked)"))?;
    if let Err(wait) = state.limiters().check_key(&key.id) {
        return Err(ApiError::rate_limited(wait));
    }
    if !key.scope.allows(needed) {
        return Err(ApiError::insufficient_scope(format!(
            "the key {} has scope {}; this route needs {needed}",
            quote(&key.name),
            key.scope
        )));
    }
    Ok(format!("key:{}", key.name))
}

/// Whether the request carries a valid key with write scope (for reading withdrawn history).
fn is_staff(state: &AppState, headers: &HeaderMap) -> bool {
    authenticate(state, headers, KeyScope::Write).is_ok()
}

// ---------------------------------------------------------------------------------------------
// POST /api/v1/documents

/// `POST /api/v1/documents`
pub(crate) fn create_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "documents")
        .and(warp::post())
        .and(warp::body::content_length_limit(state.max_write_bytes()))
        .and(warp::header::headers_cloned())
        .and(raw_query())
        .and(warp::body::bytes())
        .and(with_state(state))
        .then(create_handler)
}

/// What happened to one input of a write.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ItemResult {
    /// Position in the request: array index, or line number (from 1) for NDJSON.
    index: usize,
    /// `added`, `updated` (a new version), `unchanged` (same content: no new version),
    /// `merged` (a repost of another document's text: recorded as one more source of it), or
    /// `rejected`.
    #[schema(example = "added")]
    status: &'static str,
    /// The document id (absent when rejected before one was known).
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// The document's newest version after this write.
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    /// For `merged`: the document it was merged into.
    #[serde(skip_serializing_if = "Option::is_none")]
    merged_into: Option<String>,
    /// For `rejected`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Parser warnings (values kept in `extra`, doubtful charsets …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// The answer of a write: durable and searchable when it is sent.
#[derive(Debug, Default, Serialize, ToSchema)]
pub(crate) struct WriteResponse {
    /// New documents.
    added: u64,
    /// Documents given a new version.
    updated: u64,
    /// Inputs identical to the newest version.
    unchanged: u64,
    /// Reposts merged into an existing document.
    merged: u64,
    /// Inputs rejected (see `results`).
    rejected: u64,
    /// The archive journal position this write reached.
    journal_seq: u64,
    /// One entry per input, in order.
    results: Vec<ItemResult>,
}

/// Adds or revises documents (staff; needs a `write` key).
///
/// The body is a JSON array of records in the corpus format (or one record), NDJSON
/// (`Content-Type: application/x-ndjson`, one record a line), or one raw HTML or text page
/// (`text/html` or `text/plain`, its URL in the `X-Source-Url` header or the `url` query
/// parameter; a `charset` in the content type is believed unless the bytes disagree). Records
/// need an `id` or a `source_url`. Every input's original bytes are archived; a changed
/// document gets a new version, an unchanged one none; a page whose text another document
/// (found under another URL) already has becomes one more source of it.
///
/// A bad input is reported in `results` and the rest is still written. The answer comes once
/// everything is durable and searchable.
#[utoipa::path(
    post,
    path = "/api/v1/documents",
    operation_id = "write_documents",
    tag = "documents",
    security(("api_key" = [])),
    params(("url" = Option<String>, Query, description = "For a raw page: the URL it was published at")),
    request_body(description = "Records (JSON array or NDJSON) or one page", content(
        (Vec<Record> = "application/json"),
        (String = "application/x-ndjson"),
        (String = "text/html"),
        (String = "text/plain"),
    )),
    responses(
        (status = 200, description = "Written (see `results` for inputs that were rejected)", body = WriteResponse),
        (status = 400, description = "The body cannot be read as records or a page, holds no input, or its single input was rejected (`invalid_document`)", body = ErrorBody),
        (status = 401, description = "No or an unknown API key (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The key lacks the `write` scope (`insufficient_scope`)", body = ErrorBody),
        (status = 411, description = "No content-length (`length_required`)", body = ErrorBody),
        (status = 413, description = "The body is larger than the configured limit (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "Another content type (`unsupported_media_type`)", body = ErrorBody),
        (status = 503, description = "The archive or the index cannot be written now (`unavailable`); nothing was acknowledged", body = ErrorBody),
        (status = 507, description = "The disk is full (`insufficient_storage`): nothing of the request was stored; retry once space is freed", body = ErrorBody),
    ),
)]
pub(crate) async fn create_handler(
    headers: HeaderMap,
    raw: String,
    body: Bytes,
    state: AppState,
) -> Response {
    respond(create(headers, raw, body, state).await)
}

/// One input of a write body.
struct Input {
    index: usize,
    bytes: Vec<u8>,
    kind: SourceKind,
}

fn split_body(headers: &HeaderMap, body: &[u8]) -> Result<(Vec<Input>, Option<String>), ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let charset = content_type.split(';').skip(1).find_map(|p| {
        p.trim()
            .strip_prefix("charset=")
            .map(|c| c.trim_matches('"').to_string())
    });
    let inputs = match mime.as_str() {
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" => body
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
            .map(|(i, line)| Input {
                index: i + 1,
                bytes: line.strip_suffix(b"\r").unwrap_or(line).to_vec(),
                kind: SourceKind::Json,
            })
            .collect(),
        "application/json" => {
            let value: serde_json::Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::invalid_json(format!("the body is not JSON: {e}")))?;
            let items = match value {
                serde_json::Value::Array(items) => items,
                object @ serde_json::Value::Object(_) => vec![object],
                _ => {
                    return Err(ApiError::invalid_json(
                        "expected a JSON array of records or one record object",
                    ))
                }
            };
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| Input {
                    index,
                    // A JSON value serialises without failure; key order is kept.
                    bytes: serde_json::to_vec(&item).unwrap_or_default(),
                    kind: SourceKind::Json,
                })
                .collect()
        }
        "text/html" | "application/xhtml+xml" | "text/plain" => vec![Input {
            index: 0,
            bytes: body.to_vec(),
            kind: SourceKind::Page,
        }],
        _ => {
            return Err(ApiError::unsupported_media_type(format!(
                "content type {} is not accepted: send application/json, application/x-ndjson, text/html or text/plain",
                quote(&mime)
            )))
        }
    };
    Ok((inputs, charset))
}

async fn create(
    headers: HeaderMap,
    raw: String,
    body: Bytes,
    state: AppState,
) -> Result<WriteResponse, ApiError> {
    let actor = authenticate(&state, &headers, KeyScope::Write)?;
    let (inputs, charset) = split_body(&headers, &body)?;
    if inputs.is_empty() {
        return Err(ApiError::invalid_document("the body holds no records"));
    }
    if inputs.len() > MAX_BATCH {
        return Err(ApiError::invalid_document(format!(
            "{} inputs in one request; at most {MAX_BATCH}",
            inputs.len()
        )));
    }
    let is_page = inputs.iter().any(|i| i.kind == SourceKind::Page);
    let url = if is_page {
        let from_query = params::query_pairs(&raw)
            .into_iter()
            .find(|(k, _)| k == "url")
            .map(|(_, v)| v);
        let from_header = headers
            .get("x-source-url")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let url = from_header.or(from_query).filter(|u| !u.trim().is_empty());
        let url = url.ok_or_else(|| {
            ApiError::invalid_parameter(
                "a raw page needs the URL it was published at: the X-Source-Url header or the url query parameter",
            )
        })?;
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2048 {
            return Err(ApiError::bad_value(
                "url",
                &url,
                "an http(s) URL of at most 2048 bytes",
            ));
        }
        Some(url)
    } else {
        None
    };
    let single = inputs.len() == 1;
    let response = state
        .run_write(move |store| write(store, inputs, url, charset, &actor))
        .await?;
    if single && response.rejected == 1 {
        let reason = response
            .results
            .first()
            .and_then(|r| r.error.clone())
            .unwrap_or_default();
        return Err(ApiError::invalid_document(reason));
    }
    Ok(response)
}

/// Indexing threads and their memory for one write request (batches are at most a few MB of
/// text; both cores tokenize).
const WRITE_THREADS: usize = 2;
const WRITE_MEMORY: usize = 96 << 20;

fn write(
    store: &Store,
    inputs: Vec<Input>,
    url: Option<String>,
    charset: Option<String>,
    actor: &str,
) -> Result<(WriteResponse, Option<WriteSession>), ApiError> {
    use rayon::prelude::*;
    let prepared: Vec<(usize, Result<Prepared, PrepareError>)> = inputs
        .par_iter()
        .map(|input| {
            let incoming = Incoming {
                bytes: &input.bytes,
                kind: input.kind,
                source: None,
                url: url.as_deref(),
                charset: charset.as_deref(),
            };
            (input.index, store.prepare(&incoming))
        })
        .collect();
    let mut response = WriteResponse::default();
    let mut session = store.write_session(WRITE_THREADS, WRITE_MEMORY)?;
    for (index, prepared) in prepared {
        let result = match prepared {
            // Storing the original failed: nothing of this request is kept.
            Err(PrepareError::Store(error)) => return Err(error.into()),
            Err(PrepareError::Invalid(reason)) => {
                response.rejected += 1;
                ItemResult {
                    index,
                    status: "rejected",
                    id: None,
                    version: None,
                    merged_into: None,
                    error: Some(reason),
                    warnings: Vec::new(),
                }
            }
            Ok(prepared) => {
                let id = prepared.record.id.clone();
                let warnings = prepared.warnings.clone();
                let outcome = session.put(prepared, actor)?;
                let (status, merged_into) = match &outcome {
                    PutOutcome::Added => {
                        response.added += 1;
                        ("added", None)
                    }
                    PutOutcome::Updated { .. } => {
                        response.updated += 1;
                        ("updated", None)
                    }
                    PutOutcome::Unchanged => {
                        response.unchanged += 1;
                        ("unchanged", None)
                    }
                    PutOutcome::Merged { into } => {
                        response.merged += 1;
                        ("merged", Some(into.clone()))
                    }
                };
                let version = store
                    .archive()
                    .version(merged_into.as_deref().unwrap_or(&id), None)
                    .ok()
                    .map(|v| v.version);
                ItemResult {
                    index,
                    status,
                    id: Some(id),
                    version,
                    merged_into,
                    error: None,
                    warnings,
                }
            }
        };
        response.results.push(result);
    }
    response.journal_seq = session.commit()?;
    Ok((response, Some(session)))
}

// ---------------------------------------------------------------------------------------------
// DELETE /api/v1/documents/{id}

/// `DELETE /api/v1/documents/{id}`
pub(crate) fn withdraw_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "documents" / String)
        .and(warp::delete())
        .and(warp::header::headers_cloned())
        .and(raw_query())
        .and(with_state(state))
        .then(withdraw_handler)
}

/// The answer of a withdrawal.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Withdrawn {
    /// The document.
    id: String,
    /// Always `withdrawn`.
    #[schema(example = "withdrawn")]
    status: &'static str,
    /// When it was withdrawn (RFC 3339; the first withdrawal when repeated).
    withdrawn_at: String,
    /// Who withdrew it (`key:NAME` or `cli`).
    withdrawn_by: String,
}

/// Withdraws a document (staff; needs a `write` key): gone from search and facets at once,
/// kept in the archive with who and when; `GET` on it then answers 410. Repeating it is
/// harmless. `reason` (query parameter) is recorded.
#[utoipa::path(
    delete,
    path = "/api/v1/documents/{id}",
    operation_id = "withdraw_document",
    tag = "documents",
    security(("api_key" = [])),
    params(
        ("id" = String, Path, description = "The document id (percent-encoded)"),
        ("reason" = Option<String>, Query, description = "Why it is withdrawn (kept in the archive)"),
    ),
    responses(
        (status = 200, description = "Withdrawn (now, or before)", body = Withdrawn),
        (status = 400, description = "The id is not valid (`invalid_parameter`)", body = ErrorBody),
        (status = 401, description = "No or an unknown API key (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The key lacks the `write` scope (`insufficient_scope`)", body = ErrorBody),
        (status = 404, description = "No document has this id (`not_found`)", body = ErrorBody),
        (status = 503, description = "The archive or the index cannot be written now (`unavailable`)", body = ErrorBody),
        (status = 507, description = "The disk is full (`insufficient_storage`): nothing was recorded", body = ErrorBody),
    ),
)]
pub(crate) async fn withdraw_handler(
    raw_id: String,
    headers: HeaderMap,
    raw: String,
    state: AppState,
) -> Response {
    respond(withdraw(raw_id, headers, raw, state).await)
}

async fn withdraw(
    raw_id: String,
    headers: HeaderMap,
    raw: String,
    state: AppState,
) -> Result<Withdrawn, ApiError> {
    let actor = authenticate(&state, &headers, KeyScope::Write)?;
    let id = parse_id(&raw_id)?;
    let reason = params::query_pairs(&raw)
        .into_iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.chars().take(1000).collect::<String>());
    state
        .run_write(move |store| {
            store.archive().refresh()?;
            let id = store.archive().resolve(&id);
            let mut session = store.write_session(1, 32 << 20)?;
            session.withdraw(&id, &actor, reason)?;
            session.commit()?;
            match store.archive().status(&id) {
                Some(Status::Withdrawn { at, by }) => Ok((
                    Withdrawn {
                        id,
                        status: "withdrawn",
                        withdrawn_at: at,
                        withdrawn_by: by,
                    },
                    Some(session),
                )),
                _ => Err(ApiError::unavailable()),
            }
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/documents/{id}/versions[/{n}]

/// `GET /api/v1/documents/{id}/versions`
pub(crate) fn versions_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "documents" / String / "versions")
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .and(with_state(state))
        .then(versions_handler)
}

/// One archived version.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Version {
    /// Version number, from 1.
    version: u32,
    /// When it was archived (RFC 3339).
    at: String,
    /// Who archived it (`cli`, `key:NAME`).
    actor: String,
    /// Version of the parsers that read it.
    parser: u32,
    /// Where it came from (`FILE:LINE`, a path, a URL, `api`).
    source: String,
    /// The URL it was published at, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// SHA-256 of the original bytes.
    sha256: String,
    /// Size of the original.
    bytes: u64,
    /// Its content type.
    content_type: String,
    /// `GET` this for the original bytes.
    original: String,
}

fn version_view(id: &str, v: VersionInfo) -> Version {
    Version {
        original: format!(
            "/api/v1/documents/{}/original?version={}",
            crate::api::encode_segment(id),
            v.version
        ),
        version: v.version,
        at: v.at,
        actor: v.actor,
        parser: v.parser,
        source: v.original.source,
        url: v.original.url,
        sha256: v.original.object,
        bytes: v.original.bytes,
        content_type: v.original.content_type,
    }
}

/// A repost recorded as one more source of a document.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RepostSource {
    /// When it was recorded.
    at: String,
    /// The id it would have had (it resolves to this document).
    alias: String,
    /// Where it was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// SHA-256 of its original bytes.
    sha256: String,
}

/// A document's history.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Versions {
    /// The document.
    id: String,
    /// `active` or `withdrawn`.
    #[schema(example = "active")]
    status: &'static str,
    /// When withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    withdrawn_at: Option<String>,
    /// By whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    withdrawn_by: Option<String>,
    /// Every version, oldest first; search shows the last.
    versions: Vec<Version>,
    /// The same text published under other URLs.
    sources: Vec<RepostSource>,
}

/// Lists a document's versions, oldest first. For a withdrawn document this needs a `write`
/// key (410 without).
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/versions",
    operation_id = "document_versions",
    tag = "documents",
    params(("id" = String, Path, description = "The document id (percent-encoded)")),
    responses(
        (status = 200, description = "The history", body = Versions),
        (status = 400, description = "The id is not valid (`invalid_parameter`)", body = ErrorBody),
        (status = 404, description = "No document has this id (`not_found`)", body = ErrorBody),
        (status = 410, description = "The document was withdrawn (`gone`)", body = ErrorBody),
    ),
)]
pub(crate) async fn versions_handler(
    raw_id: String,
    headers: HeaderMap,
    state: AppState,
) -> Response {
    respond(versions(raw_id, headers, state).await)
}

/// The archived id behind `raw_id` (aliases resolved), refusing withdrawn documents to the
/// public.
fn visible_id(state: &AppState, raw_id: &str, headers: &HeaderMap) -> Result<String, ApiError> {
    let id = parse_id(raw_id)?;
    let (id, archived) = resolve_visible(state.store(), &id, || is_staff(state, headers))?;
    if archived {
        Ok(id)
    } else {
        Err(ApiError::not_found(format!(
            "no document with id {}",
            quote(&id)
        )))
    }
}

/// The archived id behind `id` (a repost's id resolves to its document) and whether the
/// archive knows it; 410 for a withdrawn document unless `staff()` says the caller may see it
/// (asked only then).
pub(crate) fn resolve_visible(
    store: &Store,
    id: &str,
    staff: impl FnOnce() -> bool,
) -> Result<(String, bool), ApiError> {
    let archive = store.archive();
    archive.refresh()?;
    let id = archive.resolve(id);
    match archive.status(&id) {
        Some(Status::Withdrawn { at, .. }) if !staff() => Err(ApiError::gone(format!(
            "document {} was withdrawn on {at}",
            quote(&id)
        ))),
        status => Ok((id, status.is_some())),
    }
}

async fn versions(
    raw_id: String,
    headers: HeaderMap,
    state: AppState,
) -> Result<Versions, ApiError> {
    let id = visible_id(&state, &raw_id, &headers)?;
    let store = state.store().clone();
    state
        .run_blocking(move |_| {
            let history = store.archive().history(&id)?;
            let (status, withdrawn_at, withdrawn_by) = match history.status {
                Status::Active => ("active", None, None),
                Status::Withdrawn { at, by } => ("withdrawn", Some(at), Some(by)),
            };
            Ok(Versions {
                versions: history
                    .versions
                    .into_iter()
                    .map(|v| version_view(&id, v))
                    .collect(),
                sources: history
                    .sources
                    .into_iter()
                    .map(|s| RepostSource {
                        at: s.at,
                        alias: s.alias,
                        url: s.original.url,
                        sha256: s.original.object,
                    })
                    .collect(),
                id,
                status,
                withdrawn_at,
                withdrawn_by,
            })
        })
        .await
}

/// `GET /api/v1/documents/{id}/versions/{n}`
pub(crate) fn version_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "documents" / String / "versions" / String)
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .and(with_state(state))
        .then(version_handler)
}

/// One version: its archive entry and the document as that version's original reads.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VersionDocument {
    /// The archive entry.
    version: Version,
    /// The document as that version says it.
    record: Record,
}

/// One version of a document, with its full text as it was then.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/versions/{n}",
    operation_id = "document_version",
    tag = "documents",
    params(
        ("id" = String, Path, description = "The document id (percent-encoded)"),
        ("n" = u32, Path, description = "Version number, from 1"),
    ),
    responses(
        (status = 200, description = "The version", body = VersionDocument),
        (status = 400, description = "The id or the number is not valid (`invalid_parameter`)", body = ErrorBody),
        (status = 404, description = "No such document or version (`not_found`)", body = ErrorBody),
        (status = 410, description = "The document was withdrawn (`gone`)", body = ErrorBody),
    ),
)]
pub(crate) async fn version_handler(
    raw_id: String,
    raw_n: String,
    headers: HeaderMap,
    state: AppState,
) -> Response {
    respond(version(raw_id, raw_n, headers, state).await)
}

fn parse_version(raw: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| ApiError::bad_value("version", raw, "a version number from 1"))
}

async fn version(
    raw_id: String,
    raw_n: String,
    headers: HeaderMap,
    state: AppState,
) -> Result<VersionDocument, ApiError> {
    let n = parse_version(&raw_n)?;
    let id = visible_id(&state, &raw_id, &headers)?;
    let store = state.store().clone();
    state
        .run_blocking(move |_| {
            let info = store.archive().version(&id, Some(n))?;
            let record = store.record_of(&id, Some(n))?;
            Ok(VersionDocument {
                version: version_view(&id, info),
                record,
            })
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/documents/{id}/original

/// `GET /api/v1/documents/{id}/original`
pub(crate) fn original_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "documents" / String / "original")
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .and(raw_query())
        .and(with_state(state))
        .then(original_handler)
}

/// The original bytes of a document as it was ingested (newest version, or `version`),
/// byte for byte, with its content type and a download file name.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/original",
    operation_id = "document_original",
    tag = "documents",
    params(
        ("id" = String, Path, description = "The document id (percent-encoded)"),
        ("version" = Option<u32>, Query, description = "Version number (default: the newest)"),
    ),
    responses(
        (status = 200, description = "The original bytes", content(
            (String = "text/html"), (String = "text/plain"), (String = "application/json"))),
        (status = 400, description = "The id or the version is not valid (`invalid_parameter`)", body = ErrorBody),
        (status = 404, description = "No such document or version (`not_found`)", body = ErrorBody),
        (status = 410, description = "The document was withdrawn (`gone`)", body = ErrorBody),
    ),
)]
pub(crate) async fn original_handler(
    raw_id: String,
    headers: HeaderMap,
    raw: String,
    state: AppState,
) -> Response {
    match original(raw_id, headers, raw, state).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn original(
    raw_id: String,
    headers: HeaderMap,
    raw: String,
    state: AppState,
) -> Result<Response, ApiError> {
    let version = match params::query_pairs(&raw)
        .into_iter()
        .find(|(k, v)| k == "version" && !v.is_empty())
    {
        Some((_, v)) => Some(parse_version(&v)?),
        None => None,
    };
    let id = visible_id(&state, &raw_id, &headers)?;
    let store = state.store().clone();
    let (info, bytes) = state
        .run_blocking(move |_| {
            let info = store.archive().version(&id, version)?;
            let bytes = store.archive().read_object(&info.original.object)?;
            Ok((info, bytes))
        })
        .await?;
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&info.original.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(CONTENT_TYPE, content_type);
    headers.insert(
        CONTENT_DISPOSITION,
        content_disposition(&info.original.file_name),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", info.original.object)) {
        headers.insert(ETAG, etag);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Originals are other people's pages: never run them in our origin.
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987).
fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// The archive facts the document endpoint adds to a record.
pub(crate) fn archive_facts(store: &Store, id: &str) -> Option<(u32, Vec<String>)> {
    let history = store.archive().history(id).ok()?;
    let version = history.versions.last().map(|v| v.version)?;
    let sources = history
        .sources
        .into_iter()
        .filter_map(|s| s.original.url)
        .collect();
    Some((version, sources))
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/admin/archive

/// `GET /api/v1/admin/archive`
pub(crate) fn admin_archive_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "admin" / "archive")
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .and(with_state(state))
        .then(admin_archive_handler)
}

/// What the archive holds.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ArchiveCounts {
    /// Documents ever archived.
    documents: u64,
    /// Active documents.
    active: u64,
    /// Withdrawn documents.
    withdrawn: u64,
    /// Versions of all documents.
    versions: u64,
    /// Reposts recorded as extra sources.
    reposts: u64,
    /// The journal's last position.
    journal_seq: u64,
    /// Damaged journal lines skipped when reading (should be 0).
    damaged_lines: u64,
}

/// What the index has applied.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IndexCounts {
    /// Live documents.
    documents: u64,
    /// The journal position its last commit reflects.
    journal_seq: u64,
}

/// The archive and the index, side by side.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ArchiveStatus {
    /// The archive.
    archive: ArchiveCounts,
    /// The index.
    index: IndexCounts,
}

/// Archive and index counts, and the journal position each has reached (operators; needs an
/// `admin` key).
#[utoipa::path(
    get,
    path = "/api/v1/admin/archive",
    operation_id = "admin_archive",
    tag = "operations",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The counts", body = ArchiveStatus),
        (status = 401, description = "No or an unknown API key (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The key lacks the `admin` scope (`insufficient_scope`)", body = ErrorBody),
    ),
)]
pub(crate) async fn admin_archive_handler(headers: HeaderMap, state: AppState) -> Response {
    let result = match authenticate(&state, &headers, KeyScope::Admin) {
        Err(error) => Err(error),
        Ok(_) => {
            let store = state.store().clone();
            state
                .run_blocking(move |index| {
                    store.archive().refresh()?;
                    let a = store.archive().stats();
                    Ok(ArchiveStatus {
                        archive: ArchiveCounts {
                            documents: a.documents,
                            active: a.active,
                            withdrawn: a.withdrawn,
                            versions: a.versions,
                            reposts: a.reposts,
                            journal_seq: a.last_seq,
                            damaged_lines: a.damaged_lines,
                        },
                        index: IndexCounts {
                            documents: index.num_docs(),
                            journal_seq: index.journal_seq()?,
                        },
                    })
                })
                .await
        }
    };
    respond(result)
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/documents/{id}/related

/// `GET /api/v1/documents/{id}/related`
pub(crate) fn related_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "documents" / String / "related")
        .and(warp::get())
        .and(raw_query())
        .and(with_state(state))
        .then(related_handler)
}

/// Documents related to a document: those it cites that are in the index (by 文号), the 文号
/// it cites that no document carries, those citing it (newest first, with their total), and
/// textually similar ones. `size` (1–20, default 5) documents per relation.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/related",
    operation_id = "related_documents",
    tag = "documents",
    params(
        ("id" = String, Path, description = "The document id (percent-encoded)"),
        ("size" = Option<u32>, Query, description = "Documents per relation, 1–20 (default 5)", minimum = 1, maximum = 20),
    ),
    responses(
        (status = 200, description = "The related documents", body = gongkai_search::related::Related),
        (status = 400, description = "The id or `size` is not valid (`invalid_parameter`)", body = ErrorBody),
        (status = 404, description = "No document has this id (`not_found`)", body = ErrorBody),
        (status = 410, description = "The document was withdrawn (`gone`)", body = ErrorBody),
    ),
)]
pub(crate) async fn related_handler(raw_id: String, raw: String, state: AppState) -> Response {
    respond(related(raw_id, raw, state).await)
}

async fn related(
    raw_id: String,
    raw: String,
    state: AppState,
) -> Result<gongkai_search::related::Related, ApiError> {
    let id = parse_id(&raw_id)?;
    let (id, _) = resolve_visible(state.store(), &id, || false)?;
    let size = match params::query_pairs(&raw)
        .into_iter()
        .find(|(k, _)| k == "size")
    {
        None => 5,
        Some((_, value)) => value
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=gongkai_search::related::MAX_RELATED).contains(n))
            .ok_or_else(|| ApiError::bad_value("size", &value, "an integer from 1 to 20"))?,
    };
    let answer = state
        .run_blocking(move |index| {
            Ok(gongkai_search::related::related(index, &id, size)?
                .ok_or_else(|| ApiError::not_found(format!("no document with id {}", quote(&id)))))
        })
        .await?;
    answer
}

// ---------------------------------------------------------------------------------------------
// POST /api/v1/admin/aliases/reload

/// `POST /api/v1/admin/aliases/reload`
pub(crate) fn reload_aliases_filter(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("api" / "v1" / "admin" / "aliases" / "reload")
        .and(warp::post())
        .and(warp::header::headers_cloned())
        .and(with_state(state))
        .then(reload_aliases_handler)
}

/// The aliases now in use.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AliasesLoaded {
    /// Their version (a hash of the dictionaries' text).
    version: String,
    /// Groups of equivalent forms.
    groups: usize,
}

/// Re-reads the aliases and synonyms (the built-in dictionary and the configured `aliases`
/// file) and uses them from the next request on, without a restart or a reindex (operators;
/// needs an `admin` key; SIGHUP does the same). A file that does not parse is refused with the
/// line at fault, and the aliases in use stay.
#[utoipa::path(
    post,
    path = "/api/v1/admin/aliases/reload",
    operation_id = "reload_aliases",
    tag = "operations",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The aliases now in use", body = AliasesLoaded),
        (status = 400, description = "The file does not parse (`invalid_aliases`); the old aliases stay", body = ErrorBody),
        (status = 401, description = "No or an unknown API key (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The key lacks the `admin` scope (`insufficient_scope`)", body = ErrorBody),
    ),
)]
pub(crate) async fn reload_aliases_handler(headers: HeaderMap, state: AppState) -> Response {
    let result = authenticate(&state, &headers, KeyScope::Admin).and_then(|actor| {
        let aliases = state.reload_aliases().map_err(ApiError::invalid_aliases)?;
        tracing::info!(
            actor,
            version = aliases.version(),
            groups = aliases.len(),
            "aliases reloaded"
        );
        Ok(AliasesLoaded {
            version: aliases.version().to_string(),
            groups: aliases.len(),
        })
    });
    respond(result)
}
