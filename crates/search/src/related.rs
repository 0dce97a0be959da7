//! Documents related to one document: those it cites that are in the index (by their 文号),
//! those that cite it (their cited 文号 include its own), and textually similar ones
//! (tantivy's more-like-this over the title and body words).

use gongkai_core::{docnumber, Date, Record};
use gongkai_index::{document, GongkaiIndex};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::{DocAddress, Searcher, Term};

use crate::SearchError;

/// Most documents listed per relation.
pub const MAX_RELATED: usize = 20;

/// Body characters read for similarity (the opening carries the subject).
const SIMILAR_BODY_CHARS: usize = 20_000;

/// A related document, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelatedDoc {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its 文号, as published.
    pub doc_number: Option<String>,
    /// 发布日期.
    pub publish_date: Option<Date>,
    /// 发布机构.
    pub department: Option<String>,
}

impl RelatedDoc {
    fn of(record: Record) -> RelatedDoc {
        RelatedDoc {
            id: record.id,
            title: record.title,
            doc_number: record.doc_number,
            publish_date: record.publish_date,
            department: record.department,
        }
    }
}

/// What is related to one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Related {
    /// The document.
    pub id: String,
    /// Documents whose 文号 this one cites, in the order it cites them (those in the index).
    pub cites: Vec<RelatedDoc>,
    /// The 文号 it cites that no document in the index carries.
    pub cites_missing: Vec<String>,
    /// Documents citing this one's 文号, newest first.
    pub cited_by: Vec<RelatedDoc>,
    /// How many documents cite it in all.
    pub cited_by_total: u64,
    /// Textually similar documents, most similar first.
    pub similar: Vec<RelatedDoc>,
}

fn record_at(
    index: &GongkaiIndex,
    searcher: &Searcher,
    address: DocAddress,
) -> Result<Record, SearchError> {
    let doc = searcher.doc(address)?;
    Ok(document::to_record(index.fields(), &doc)?)
}

/// What is related to document `id` (`None`: no such live document), `size` per relation
/// (1..=[`MAX_RELATED`]).
pub fn related(
    index: &GongkaiIndex,
    id: &str,
    size: usize,
) -> Result<Option<Related>, SearchError> {
    if size == 0 || size > MAX_RELATED {
        return Err(SearchError::Invalid(format!(
            "size must be between 1 and {MAX_RELATED}, got {size}"
        )));
    }
    let Some(record) = index.get(id)? else {
        return Ok(None);
    };
    let f = index.fields();
    let searcher = index.searcher();
    let not_self = |r: &Record| r.id != record.id;

    // Cited 文号 that exist, one document each (the newest when several carry it).
    let mut cites = Vec::new();
    let mut cites_missing = Vec::new();
    for number in &record.cited_doc_numbers {
        let normalized = docnumber::normalize(number);
        if normalized.is_empty() {
            continue;
        }
        let query = TermQuery::new(
            Term::from_field_text(f.doc_number, &normalized),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(1).order_by_fast_field::<tantivy::DateTime>(
                gongkai_index::schema::names::PUBLISH_DATE,
                tantivy::Order::Desc,
            ),
        )?;
        match top.first() {
            Some((_, address)) => {
                let found = record_at(index, &searcher, *address)?;
                if not_self(&found) && cites.len() < size {
                    cites.push(RelatedDoc::of(found));
                }
            }
            None => cites_missing.push(number.clone()),
        }
    }

    // Documents citing this one.
    let (mut cited_by, mut cited_by_total) = (Vec::new(), 0);
    if let Some(own) = record.doc_number.as_deref().map(docnumber::normalize) {
        if !own.is_empty() {
            let query = TermQuery::new(
                Term::from_field_text(f.cited, &own),
                IndexRecordOption::Basic,
            );
            let (count, top) = searcher.search(
                &query,
                &(
                    Count,
                    TopDocs::with_limit(size + 1).order_by_fast_field::<tantivy::DateTime>(
                        gongkai_index::schema::names::PUBLISH_DATE,
                        tantivy::Order::Desc,
                    ),
                ),
            )?;
            let cites_itself = top_contains_self(&record, &searcher, index, &query)?;
            cited_by_total = count as u64 - u64::from(cites_itself);
            for (_, address) in top {
                let found = record_at(index, &searcher, address)?;
                if not_self(&found) && cited_by.len() < size {
                    cited_by.push(RelatedDoc::of(found));
                }
            }
        }
    }

    // Similar: the words of the title and the opening of the body, common words left out.
    let body: String = record.body.chars().take(SIMILAR_BODY_CHARS).collect();
    let docs = searcher.num_docs().max(1);
    let like = MoreLikeThisQuery::builder()
        .with_min_doc_frequency(2)
        .with_max_doc_frequency((docs / 5).max(2))
        .with_min_term_frequency(1)
        .with_min_word_length(2)
        .with_max_query_terms(30)
        .with_document_fields(vec![
            (f.title_words, vec![OwnedValue::Str(record.title.clone())]),
            (f.body_words, vec![OwnedValue::Str(body)]),
        ]);
    let without_self: Vec<(Occur, Box<dyn Query>)> = vec![
        (Occur::Must, Box::new(like)),
        (
            Occur::MustNot,
            Box::new(TermQuery::new(
                Term::from_field_text(f.id, &record.id),
                IndexRecordOption::Basic,
            )),
        ),
    ];
    let top = searcher.search(
        &BooleanQuery::new(without_self),
        &TopDocs::with_limit(size).order_by_score(),
    )?;
    let mut similar = Vec::with_capacity(top.len());
    for (_, address) in top {
        similar.push(RelatedDoc::of(record_at(index, &searcher, address)?));
    }

    Ok(Some(Related {
        id: record.id,
        cites,
        cites_missing,
        cited_by,
        cited_by_total,
        similar,
    }))
}

/// Whether the document cites its own 文号 (then it is not counted among those citing it).
fn top_contains_self(
    record: &Record,
    searcher: &Searcher,
    index: &GongkaiIndex,
    query: &TermQuery,
) -> Result<bool, SearchError> {
    let own = BooleanQuery::new(vec![
        (Occur::Must, Box::new(query.clone()) as Box<dyn Query>),
        (
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(index.fields().id, &record.id),
                IndexRecordOption::Basic,
            )),
        ),
    ]);
    Ok(searcher.search(&own, &Count)? > 0)
}
