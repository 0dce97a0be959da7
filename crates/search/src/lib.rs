//! Search: query language → tantivy query, filters, facets, highlights, paging. Synchronous.
//!
//! [`search`] is the one entry point the CLI and (later) the HTTP server share, so that both
//! answer with the same semantics and the same JSON ([`SearchResponse`] is the v1 wire shape).
//! It never panics on user input: a bad query is a [`SearchError::Invalid`] with a message meant
//! for the user.

pub mod aliases;
pub mod build;
pub mod facets;
pub mod highlight;
pub mod query;
pub mod related;
pub mod stats;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Instant;

use gongkai_core::{Date, Record};
use gongkai_index::{document, GongkaiIndex, IndexError};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, EnableScoring, Occur, Query, QueryClone};
use tantivy::{DateTime, DocAddress, DocSet, Order, Searcher, TERMINATED};
use thiserror::Error;

pub use facets::{FacetField, FacetValue};
pub use highlight::Highlights;

/// Largest page size.
pub const MAX_SIZE: usize = 100;
/// Deepest hit reachable by paging (page × size) by default.
pub const MAX_DEPTH: usize = 10_000;
/// Most values one facet returns by default.
pub const MAX_FACET_VALUES: usize = 1000;

/// What one request may cost: set by the service from its configuration (never by a client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest query, in characters.
    pub query_chars: usize,
    /// Most words and phrases in a query.
    pub query_terms: usize,
    /// Deepest hit reachable by paging (page × size).
    pub result_window: usize,
    /// Most values one facet returns.
    pub facet_values: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            query_chars: query::MAX_QUERY_CHARS,
            query_terms: query::MAX_ATOMS,
            result_window: MAX_DEPTH,
            facet_values: MAX_FACET_VALUES,
        }
    }
}
/// Facet values returned per field unless asked otherwise.
pub const DEFAULT_FACET_LIMIT: usize = 50;
/// A strict query finding fewer documents than this is run again relaxed (see
/// [`min_match`]).
///
/// One: only a query that finds nothing is relaxed. A single exact answer is the best answer
/// there is, and padding it with documents that lack some of the words would bury it in noise
/// and make `total` and the facet counts describe documents nobody asked for. The point of
/// relaxing is that a long natural-language question never comes back empty because one of
/// its words is in no document.
pub const RELAX_BELOW: usize = 1;

/// Filters: OR within a field, AND across fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// 发布机构, exact.
    pub department: Vec<String>,
    /// Category paths; a node matches its subtree.
    pub category: Vec<String>,
    /// 文种.
    pub doc_type: Vec<String>,
    /// Region.
    pub region: Vec<String>,
    /// 有效性 label.
    pub validity: Vec<String>,
    /// 机关代字 of the 文号 (`国办发`).
    pub doc_number_issuer: Vec<String>,
    /// Year in the 文号 (`〔2017〕`).
    pub doc_number_year: Vec<i64>,
    /// Serial of the 文号 or 令号 (`47号`).
    pub doc_number_serial: Vec<i64>,
    /// Years (of publish_date, else the record's year).
    pub year: Vec<i64>,
    /// Year range, inclusive.
    pub year_from: Option<i64>,
    /// Year range, inclusive.
    pub year_to: Option<i64>,
    /// publish_date range, inclusive.
    pub date_from: Option<Date>,
    /// publish_date range, inclusive.
    pub date_to: Option<Date>,
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By score.
    #[default]
    Relevance,
    /// Newest first (documents without a date last).
    DateDesc,
    /// Oldest first.
    DateAsc,
}

impl Sort {
    /// Parses `relevance`, `date_desc`, `date_asc`.
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "relevance" => Some(Sort::Relevance),
            "date_desc" => Some(Sort::DateDesc),
            "date_asc" => Some(Sort::DateAsc),
            _ => None,
        }
    }
}

/// A search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The query text (empty: every document).
    pub q: String,
    /// Filters.
    pub filters: Filters,
    /// Order.
    pub sort: Sort,
    /// 1-based page.
    pub page: usize,
    /// Hits per page, 1..=[`MAX_SIZE`].
    pub size: usize,
    /// Facets to count.
    pub facets: Vec<FacetField>,
    /// Values per facet.
    pub facet_limit: usize,
    /// Compute highlights.
    pub highlight: bool,
    /// The service's limits (from its configuration; no client parameter sets them).
    pub limits: Limits,
    /// Aliases and synonyms to widen query words with (the service's, reloadable).
    pub aliases: std::sync::Arc<aliases::Aliases>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            filters: Filters::default(),
            sort: Sort::Relevance,
            page: 1,
            size: 10,
            facets: Vec::new(),
            facet_limit: DEFAULT_FACET_LIMIT,
            highlight: true,
            limits: Limits::default(),
            aliases: aliases::Aliases::builtin(),
        }
    }
}

/// One hit.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// 发布机构.
    pub department: Option<String>,
    /// 文号.
    pub doc_number: Option<String>,
    /// 发布日期.
    pub publish_date: Option<Date>,
    /// Year.
    pub year: Option<i32>,
    /// Category path.
    pub category: Option<String>,
    /// 文种.
    pub doc_type: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// 有效性.
    pub validity: Option<&'static str>,
    /// Source URL.
    pub source_url: Option<String>,
    /// Relevance score (0 for filter-only and date-sorted searches).
    pub score: f32,
    /// Highlights, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlights: Option<Highlights>,
}

/// The answer to a [`SearchRequest`]: the v1 JSON shape.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    /// Exact number of matching documents.
    pub total: u64,
    /// Page returned.
    pub page: usize,
    /// Page size.
    pub size: usize,
    /// Milliseconds spent searching.
    pub took_ms: u64,
    /// True when the query as written found nothing and these are the results of its relaxed
    /// form: documents with at least half of its words (stop words left out), ranked by how
    /// many and how rare; quoted strings, `title:` atoms, exclusions and filters still apply.
    /// `total` and the facets count the relaxed results.
    pub relaxed: bool,
    /// The hits of this page.
    pub hits: Vec<Hit>,
    /// Requested facets, values sorted by count.
    pub facets: BTreeMap<String, Vec<FacetValue>>,
}

/// Why a search failed.
#[derive(Debug, Error)]
pub enum SearchError {
    /// The request is invalid; the message is for the user.
    #[error("{0}")]
    Invalid(String),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Tantivy failed.
    #[error("search failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl SearchError {
    fn invalid(message: impl Into<String>) -> SearchError {
        SearchError::Invalid(message.into())
    }
}

/// Validates paging and ranges.
fn validate(request: &SearchRequest) -> Result<(), SearchError> {
    if request.size == 0 || request.size > MAX_SIZE {
        return Err(SearchError::invalid(format!(
            "size must be between 1 and {MAX_SIZE}, got {}",
            request.size
        )));
    }
    if request.page == 0 {
        return Err(SearchError::invalid("page starts at 1"));
    }
    let window = request.limits.result_window;
    if request.page.saturating_mul(request.size) > window {
        return Err(SearchError::invalid(format!(
            "page {} of size {} is beyond the first {window} hits: narrow the search instead",
            request.page, request.size
        )));
    }
    if request.facet_limit == 0 || request.facet_limit > request.limits.facet_values {
        return Err(SearchError::invalid(format!(
            "facet_limit must be between 1 and {}, got {}",
            request.limits.facet_values, request.facet_limit
        )));
    }
    let f = &request.filters;
    if let (Some(a), Some(b)) = (f.year_from, f.year_to) {
        if a > b {
            return Err(SearchError::invalid(format!(
                "year_from {a} is after year_to {b}"
            )));
        }
    }
    if let (Some(a), Some(b)) = (f.date_from, f.date_to) {
        if a > b {
            return Err(SearchError::invalid(format!(
                "date_from {a} is after date_to {b}"
            )));
        }
    }
    Ok(())
}

/// How many of a relaxed query's `words` content words a document must contain at least:
/// half, rounded up (1 of 2, 2 of 3 or 4, 5 of 9).
///
/// Ranking already puts documents with more and rarer words first (see [`build::Relaxed`]);
/// the minimum decides which documents count at all, i.e. `total` and the facets. Half keeps
/// out documents that share only a word or two of a long question (nearly every law has 支持
/// or 政策), while still letting several words be missing. When no document reaches the
/// minimum, the search lowers it to the most words any document has, so a relaxed query comes
/// back empty only when none of its words occurs (under the filters and required atoms).
pub fn min_match(words: usize) -> usize {
    words.div_ceil(2).max(1)
}

/// The query that answers a request, as run.
#[derive(Debug)]
pub struct Compiled {
    /// The query, filters included.
    pub query: Box<dyn Query>,
    /// What to highlight.
    pub needles: build::Needles,
    /// True when this is the relaxed form of the query (see [`SearchResponse::relaxed`]).
    pub relaxed: bool,
}

/// A request compiled: its strict query and, when it can be loosened, its relaxed form.
struct Prepared {
    strict: Box<dyn Query>,
    needles: build::Needles,
    relaxed: Option<build::Relaxed>,
    filters: Vec<(Occur, Box<dyn Query>)>,
}

fn prepare(index: &GongkaiIndex, request: &SearchRequest) -> Result<Prepared, SearchError> {
    let parsed = query::parse_within(
        &request.q,
        request.limits.query_chars,
        request.limits.query_terms,
    )
    .map_err(|e| SearchError::invalid(e.to_string()))?;
    let parsed = request.aliases.expand(&parsed);
    let fields = index.fields();
    let text = build::compile_text(fields, index.segmenter(), &request.q, &parsed);
    let filters = build::filter_clauses(fields, &request.filters);
    Ok(Prepared {
        strict: with_filters(text.strict, &filters),
        needles: text.needles,
        relaxed: text.relaxed,
        filters,
    })
}

/// The text query (`None`: every document) under the filters.
fn with_filters(
    text: Option<Box<dyn Query>>,
    filters: &[(Occur, Box<dyn Query>)],
) -> Box<dyn Query> {
    match (text, filters.is_empty()) {
        (None, true) => Box::new(AllQuery),
        (Some(text), true) => text,
        (text, false) => {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = filters
                .iter()
                .map(|(occur, q)| (*occur, q.box_clone()))
                .collect();
            clauses.push((Occur::Must, text.unwrap_or_else(|| Box::new(AllQuery))));
            Box::new(BooleanQuery::new(clauses))
        }
    }
}

/// True when `query` matches at least `n` live documents. Stops at the `n`th.
fn finds_at_least(searcher: &Searcher, query: &dyn Query, n: usize) -> Result<bool, SearchError> {
    if n == 0 {
        return Ok(true);
    }
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut found = 0;
    for reader in searcher.segment_readers() {
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                found += 1;
                if found >= n {
                    return Ok(true);
                }
            }
            doc = scorer.advance();
        }
    }
    Ok(false)
}

/// The relaxed query of a request, requiring [`min_match`] words or, when no document has
/// that many, as many as the best document has; `None` when the query cannot be relaxed or
/// no document has any of its words.
fn relax(searcher: &Searcher, prepared: &Prepared) -> Result<Option<Compiled>, SearchError> {
    let Some(relaxed) = &prepared.relaxed else {
        return Ok(None);
    };
    let idf = relaxed.idf(searcher)?;
    let at = |k: usize| with_filters(Some(relaxed.query(&idf, k)), &prepared.filters);
    let target = min_match(relaxed.word_count());
    let mut chosen = None;
    let query = at(target);
    if finds_at_least(searcher, query.as_ref(), 1)? {
        chosen = Some(query);
    } else {
        // Having k words is monotone in k: binary search for the largest k below the target
        // that some document reaches (`found` has documents, `missing` none; `chosen` is the
        // query at `found`).
        let (mut found, mut missing) = (0, target);
        while missing - found > 1 {
            let mid = (found + missing) / 2;
            let query = at(mid);
            if finds_at_least(searcher, query.as_ref(), 1)? {
                found = mid;
                chosen = Some(query);
            } else {
                missing = mid;
            }
        }
    }
    Ok(chosen.map(|query| Compiled {
        query,
        needles: relaxed.needles.clone(),
        relaxed: true,
    }))
}

/// The query that answers a request: the strict query, or its relaxed form when the strict
/// one finds fewer than [`RELAX_BELOW`] documents and the relaxed one finds some. This is
/// the query [`search`] runs, so facets counted with it agree with the search's.
pub fn plan(index: &GongkaiIndex, request: &SearchRequest) -> Result<Compiled, SearchError> {
    let searcher = index.searcher();
    let prepared = prepare(index, request)?;
    if prepared.relaxed.is_some()
        && !finds_at_least(&searcher, prepared.strict.as_ref(), RELAX_BELOW)?
    {
        if let Some(compiled) = relax(&searcher, &prepared)? {
            return Ok(compiled);
        }
    }
    Ok(Compiled {
        query: prepared.strict,
        needles: prepared.needles,
        relaxed: false,
    })
}

/// The full tantivy query of a request, and what to highlight: [`plan`]'s query (relaxed
/// when the strict one finds nothing).
pub fn compile(
    index: &GongkaiIndex,
    request: &SearchRequest,
) -> Result<(Box<dyn Query>, build::Needles), SearchError> {
    let compiled = plan(index, request)?;
    Ok((compiled.query, compiled.needles))
}

/// Total and one page of hits of a query.
fn run(
    searcher: &Searcher,
    query: &dyn Query,
    request: &SearchRequest,
) -> Result<(usize, Vec<(f32, DocAddress)>), SearchError> {
    let offset = (request.page - 1) * request.size;
    let top = TopDocs::with_limit(request.size).and_offset(offset);
    Ok(match request.sort {
        Sort::Relevance => searcher.search(query, &(Count, top.order_by_score()))?,
        Sort::DateDesc | Sort::DateAsc => {
            let order = if request.sort == Sort::DateDesc {
                Order::Desc
            } else {
                Order::Asc
            };
            let (total, hits) = searcher.search(
                query,
                &(
                    Count,
                    top.order_by_fast_field::<DateTime>(
                        gongkai_index::schema::names::PUBLISH_DATE,
                        order,
                    ),
                ),
            )?;
            (total, hits.into_iter().map(|(_, a)| (0.0, a)).collect())
        }
    })
}

/// Runs a search.
pub fn search(
    index: &GongkaiIndex,
    request: &SearchRequest,
) -> Result<SearchResponse, SearchError> {
    let started = Instant::now();
    validate(request)?;
    let prepared = prepare(index, request)?;
    let searcher = index.searcher();
    let (mut total, mut page) = run(&searcher, prepared.strict.as_ref(), request)?;
    let mut relaxed = None;
    if total < RELAX_BELOW {
        if let Some(compiled) = relax(&searcher, &prepared)? {
            (total, page) = run(&searcher, compiled.query.as_ref(), request)?;
            relaxed = Some(compiled);
        }
    }
    let compiled = relaxed.unwrap_or(Compiled {
        query: prepared.strict,
        needles: prepared.needles,
        relaxed: false,
    });
    let mut facets = BTreeMap::new();
    for field in &request.facets {
        let counts =
            searcher.search(compiled.query.as_ref(), &facets::FacetCounter::new(*field))?;
        facets.insert(
            field.name().to_string(),
            facets::top(counts, request.facet_limit).0,
        );
    }
    let highlighter = request.highlight.then(|| {
        highlight::Highlighter::with_title_only(&compiled.needles.strings, &compiled.needles.title)
    });
    let hits = page
        .into_iter()
        .map(|(score, address)| {
            let record = load(index, &searcher, address)?;
            Ok(to_hit(record, score, highlighter.as_ref()))
        })
        .collect::<Result<Vec<_>, SearchError>>()?;
    Ok(SearchResponse {
        total: total as u64,
        page: request.page,
        size: request.size,
        took_ms: started.elapsed().as_millis() as u64,
        relaxed: compiled.relaxed,
        hits,
        facets,
    })
}

fn load(
    index: &GongkaiIndex,
    searcher: &Searcher,
    address: DocAddress,
) -> Result<Record, SearchError> {
    let doc = searcher.doc(address)?;
    Ok(document::to_record(index.fields(), &doc)?)
}

fn to_hit(record: Record, score: f32, highlighter: Option<&highlight::Highlighter>) -> Hit {
    let highlights = highlighter.map(|h| h.highlight(&record.title, &record.body));
    Hit {
        id: record.id,
        title: record.title,
        department: record.department,
        doc_number: record.doc_number,
        publish_date: record.publish_date,
        year: record.year,
        category: record.category,
        doc_type: record.doc_type,
        region: record.region,
        validity: record.validity.map(|v| v.label()),
        source_url: record.source_url,
        score,
        highlights,
    }
}
