//! Search: query language → tantivy query, filters, facets, highlights, paging. Synchronous.
//!
//! [`search`] is the one entry point the CLI and (later) the HTTP server share, so that both
//! answer with the same semantics and the same JSON ([`SearchResponse`] is the v1 wire shape).
//! It never panics on user input: a bad query is a [`SearchError::Invalid`] with a message meant
//! for the user.

pub mod build;
pub mod facets;
pub mod highlight;
pub mod query;
pub mod stats;

use std::collections::BTreeMap;
use std::time::Instant;

use gongkai_core::{Date, Record};
use gongkai_index::{document, GongkaiIndex, IndexError};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query};
use tantivy::{DateTime, DocAddress, Order, Searcher};
use thiserror::Error;

pub use facets::{FacetField, FacetValue};
pub use highlight::Highlights;

/// Largest page size.
pub const MAX_SIZE: usize = 100;
/// Deepest hit reachable by paging (page × size).
pub const MAX_DEPTH: usize = 10_000;
/// Facet values returned per field unless asked otherwise.
pub const DEFAULT_FACET_LIMIT: usize = 50;

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
    /// 机关代字.
    pub doc_number_issuer: Vec<String>,
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
        }
    }
}

/// One hit.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
pub struct SearchResponse {
    /// Exact number of matching documents.
    pub total: u64,
    /// Page returned.
    pub page: usize,
    /// Page size.
    pub size: usize,
    /// Milliseconds spent searching.
    pub took_ms: u64,
    /// True when the query was loosened to find anything (not yet done: always false).
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
    if request.page.saturating_mul(request.size) > MAX_DEPTH {
        return Err(SearchError::invalid(format!(
            "page {} of size {} is beyond the first {MAX_DEPTH} hits: narrow the search instead",
            request.page, request.size
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

/// The full tantivy query of a request, and what to highlight.
pub fn compile(
    index: &GongkaiIndex,
    request: &SearchRequest,
) -> Result<(Box<dyn Query>, build::Needles), SearchError> {
    let parsed = query::parse(&request.q).map_err(|e| SearchError::invalid(e.to_string()))?;
    let fields = index.fields();
    let (text, needles) = build::text_query(fields, index.segmenter(), &request.q, &parsed);
    let mut clauses = build::filter_clauses(fields, &request.filters);
    let query: Box<dyn Query> = match (text, clauses.is_empty()) {
        (None, true) => Box::new(AllQuery),
        (Some(text), true) => text,
        (text, false) => {
            clauses.push((Occur::Must, text.unwrap_or_else(|| Box::new(AllQuery))));
            Box::new(BooleanQuery::new(clauses))
        }
    };
    Ok((query, needles))
}

/// Runs a search.
pub fn search(
    index: &GongkaiIndex,
    request: &SearchRequest,
) -> Result<SearchResponse, SearchError> {
    let started = Instant::now();
    validate(request)?;
    let (query, needles) = compile(index, request)?;
    let searcher = index.searcher();
    let offset = (request.page - 1) * request.size;
    let top = TopDocs::with_limit(request.size).and_offset(offset);
    let (total, page): (usize, Vec<(f32, DocAddress)>) = match request.sort {
        Sort::Relevance => searcher.search(&query, &(Count, top.order_by_score()))?,
        Sort::DateDesc | Sort::DateAsc => {
            let order = if request.sort == Sort::DateDesc {
                Order::Desc
            } else {
                Order::Asc
            };
            let (total, hits) = searcher.search(
                &query,
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
    };
    let mut facets = BTreeMap::new();
    for field in &request.facets {
        let counts = searcher.search(&query, &facets::FacetCounter::new(*field))?;
        facets.insert(
            field.name().to_string(),
            facets::top(counts, request.facet_limit).0,
        );
    }
    let highlighter = request
        .highlight
        .then(|| highlight::Highlighter::new(&needles.strings));
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
        relaxed: false,
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
