//! Parsed query + filters → tantivy query.
//!
//! Words give ranking, n-grams give exactness:
//!
//! - a free-text word is required, and matches when the document contains it as a word
//!   (jieba term, BM25, title boosted) **or** as an exact substring (n-gram phrase) of title,
//!   body or metadata text — so segmentation differences never lose a document;
//! - a quoted string is required as an exact substring of title or body;
//! - an excluded atom removes documents containing it as a substring of title or body;
//! - optional clauses lift documents whose title equals or contains the whole query, and, when
//!   the query is a 文号 or 令号, the document carrying that number (matched through its
//!   normalised keyword even if its text never spells it).
//!
//! Filters never score: they are wrapped in constant-score queries of weight zero.

use std::ops::Bound;

use gongkai_analysis::{ngram, normalize, words::Segmenter};
use gongkai_core::{docnumber::DocNumberKind, DocNumber};
use gongkai_index::{document, Fields};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DateTime, Term};

use crate::query::{Atom, ParsedQuery};
use crate::Filters;

/// Weight of a title word relative to a body word.
const TITLE_BOOST: f32 = 3.0;
/// Weight of exact-substring evidence relative to word evidence. Lower than words: n-grams
/// are there for recall and exactness, words for ranking.
const GRAM_BOOST: f32 = 0.5;
/// The document whose title is exactly the query.
const EXACT_TITLE_BOOST: f32 = 40.0;
/// Documents whose title contains the whole query.
const TITLE_PHRASE_BOOST: f32 = 8.0;
/// The document that carries the queried 文号 as its own number.
const DOC_NUMBER_BOOST: f32 = 100.0;
/// Documents citing the queried 文号.
const CITED_BOOST: f32 = 2.0;

/// Terms that make up a query, for highlighting: normalised strings.
#[derive(Debug, Default, Clone)]
pub struct Needles {
    /// Normalised words and phrases to mark.
    pub strings: Vec<String>,
}

fn boxed(q: impl Query + 'static) -> Box<dyn Query> {
    Box::new(q)
}

fn boost(q: Box<dyn Query>, by: f32) -> Box<dyn Query> {
    if (by - 1.0).abs() < f32::EPSILON {
        q
    } else {
        boxed(BoostQuery::new(q, by))
    }
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    boxed(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Exact substring match of a normalised string on a bigram field (or, for one character, on
/// the unigram field when there is one). `None` for an empty string.
pub fn exact(grams: Field, chars: Option<Field>, normalized: &str) -> Option<Box<dyn Query>> {
    let bigrams = ngram::covering_bigrams(normalized);
    match bigrams.len() {
        0 => {
            let c = normalized.trim();
            if c.chars().count() == 1 {
                chars.map(|f| term(f, c))
            } else {
                None
            }
        }
        1 => Some(term(grams, &bigrams[0].1)),
        _ => {
            let terms = bigrams
                .into_iter()
                .map(|(offset, gram)| (offset, Term::from_field_text(grams, &gram)))
                .collect();
            Some(boxed(PhraseQuery::new_with_offset(terms)))
        }
    }
}

fn any_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => boxed(EmptyQuery),
        1 => queries
            .into_iter()
            .next()
            .unwrap_or_else(|| boxed(EmptyQuery)),
        _ => boxed(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
    }
}

/// Title or body contains the normalised string.
fn substring_anywhere(f: &Fields, normalized: &str) -> Option<Box<dyn Query>> {
    let parts: Vec<_> = [
        exact(f.title_grams, Some(f.title_chars), normalized),
        exact(f.body_grams, Some(f.body_chars), normalized),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| any_of(parts))
}

/// The clause for one analysed word.
fn word_clause(f: &Fields, word: &str) -> Box<dyn Query> {
    let mut should = vec![
        boost(term(f.title_words, word), TITLE_BOOST),
        term(f.body_words, word),
        term(f.meta_words, word),
    ];
    for (grams, chars, weight) in [
        (f.title_grams, Some(f.title_chars), TITLE_BOOST * GRAM_BOOST),
        (f.body_grams, Some(f.body_chars), GRAM_BOOST),
        (f.meta_grams, None, GRAM_BOOST),
    ] {
        if let Some(q) = exact(grams, chars, word) {
            should.push(boost(q, weight));
        }
    }
    any_of(should)
}

/// The clause for one free-text atom: all its words required. `None` when it has no words
/// and no characters to match (pure punctuation or whitespace is dropped).
fn text_atom(
    f: &Fields,
    segmenter: &Segmenter,
    raw: &str,
    needles: &mut Needles,
) -> Option<Box<dyn Query>> {
    let normalized = normalize(raw);
    let words: Vec<String> = segmenter
        .words(&normalized)
        .into_iter()
        .filter(|w| w.is_base)
        .map(|w| w.text.to_string())
        .collect();
    if words.is_empty() {
        let trimmed = normalized.trim();
        if trimmed.is_empty() {
            return None;
        }
        // Punctuation-only text such as `〔〕`: exact substring.
        needles.strings.push(trimmed.to_string());
        return substring_anywhere(f, trimmed);
    }
    let mut must = Vec::with_capacity(words.len());
    for w in &words {
        needles.strings.push(w.clone());
        must.push((Occur::Must, word_clause(f, w)));
    }
    if words.len() > 1 {
        // The atom as written, contiguous, ranks above its words scattered, and is highlighted
        // as one match (`国办发[2017]47号`, not 国办发 … 2017 … 47).
        needles.strings.push(normalized.trim().to_string());
        if let Some(q) = substring_anywhere(f, normalized.trim()) {
            must.push((Occur::Should, q));
        }
    }
    Some(if must.len() == 1 {
        must.into_iter()
            .next()
            .map(|(_, q)| q)
            .unwrap_or_else(|| boxed(EmptyQuery))
    } else {
        boxed(BooleanQuery::new(must))
    })
}

fn atom_query(
    f: &Fields,
    segmenter: &Segmenter,
    atom: &Atom,
    needles: &mut Needles,
    for_exclusion: bool,
) -> Option<Box<dyn Query>> {
    match atom {
        Atom::Phrase(p) => {
            let n = normalize(p);
            let n = n.trim();
            if !for_exclusion && !n.is_empty() {
                needles.strings.push(n.to_string());
            }
            substring_anywhere(f, n)
        }
        Atom::Word(w) if for_exclusion => substring_anywhere(f, normalize(w).trim()),
        Atom::Word(w) => text_atom(f, segmenter, w, needles),
    }
}

/// The scoring part of a query: `None` for match-all.
pub fn text_query(
    f: &Fields,
    segmenter: &Segmenter,
    raw: &str,
    parsed: &ParsedQuery,
) -> (Option<Box<dyn Query>>, Needles) {
    let mut needles = Needles::default();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut positive = 0;
    for clause in &parsed.clauses {
        let parts: Vec<Box<dyn Query>> = clause
            .any_of
            .iter()
            .filter_map(|a| atom_query(f, segmenter, a, &mut needles, clause.exclude))
            .collect();
        if parts.is_empty() {
            continue;
        }
        let q = any_of(parts);
        if clause.exclude {
            clauses.push((Occur::MustNot, q));
        } else {
            positive += 1;
            clauses.push((Occur::Must, q));
        }
    }
    if positive == 0 {
        if clauses.is_empty() {
            return (None, needles);
        }
        clauses.push((Occur::Must, boxed(AllQuery)));
        return (Some(boxed(BooleanQuery::new(clauses))), needles);
    }

    // Whole-query evidence, only when the query is plain text (no operators).
    let plain = parsed.clauses.len() == 1
        || parsed
            .clauses
            .iter()
            .all(|c| !c.exclude && c.any_of.len() == 1 && matches!(c.any_of[0], Atom::Word(_)));
    let whole = normalize(raw);
    let whole = whole.trim();
    if plain && !whole.is_empty() {
        clauses.push((
            Occur::Should,
            boost(
                term(f.title_exact, &document::exact_title(whole)),
                EXACT_TITLE_BOOST,
            ),
        ));
        if let Some(q) = exact(
            f.title_grams,
            None,
            &whole.split_whitespace().collect::<String>(),
        ) {
            clauses.push((Occur::Should, boost(q, TITLE_PHRASE_BOOST)));
        }
    }
    let text = boxed(BooleanQuery::new(clauses));

    // A query that is a 文号 or 令号 finds the document carrying it even when the text does not
    // contain every word of it (with or without 中华人民共和国, any bracket or width).
    if plain {
        if let Some(number) = DocNumber::parse(raw).filter(|n| n.kind != DocNumberKind::Other) {
            let by_number = vec![
                (Occur::Should, text),
                (
                    Occur::Should,
                    boost(term(f.doc_number, &number.normalized), DOC_NUMBER_BOOST),
                ),
                (
                    Occur::Should,
                    boost(term(f.cited, &number.normalized), CITED_BOOST),
                ),
            ];
            return (Some(boxed(BooleanQuery::new(by_number))), needles);
        }
    }
    (Some(text), needles)
}

fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, boxed(ConstScoreQuery::new(q, 0.0)))
}

/// Filter clauses: OR within a field, AND across fields.
pub fn filter_clauses(f: &Fields, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out = Vec::new();
    let keyword = |field: Field, values: &[String]| -> Option<Box<dyn Query>> {
        (!values.is_empty()).then(|| any_of(values.iter().map(|v| term(field, v.trim())).collect()))
    };
    for (field, values) in [
        (f.department, &filters.department),
        (f.doc_type, &filters.doc_type),
        (f.region, &filters.region),
        (f.validity, &filters.validity),
        (f.doc_number_issuer, &filters.doc_number_issuer),
    ] {
        if let Some(q) = keyword(field, values) {
            out.push(filter(q));
        }
    }
    if !filters.category.is_empty() {
        let facets = filters
            .category
            .iter()
            .map(|c| {
                boxed(TermQuery::new(
                    Term::from_facet(f.category, &document::category_facet(c)),
                    IndexRecordOption::Basic,
                ))
            })
            .collect();
        out.push(filter(any_of(facets)));
    }
    if !filters.year.is_empty() {
        let years = filters
            .year
            .iter()
            .map(|y| {
                boxed(TermQuery::new(
                    Term::from_field_i64(f.year, *y),
                    IndexRecordOption::Basic,
                ))
            })
            .collect();
        out.push(filter(any_of(years)));
    }
    if filters.year_from.is_some() || filters.year_to.is_some() {
        let lower = filters.year_from.map_or(Bound::Unbounded, |y| {
            Bound::Included(Term::from_field_i64(f.year, y))
        });
        let upper = filters.year_to.map_or(Bound::Unbounded, |y| {
            Bound::Included(Term::from_field_i64(f.year, y))
        });
        out.push(filter(boxed(RangeQuery::new(lower, upper))));
    }
    if filters.date_from.is_some() || filters.date_to.is_some() {
        let at = |d: &gongkai_core::Date| {
            Term::from_field_date(
                f.publish_date,
                DateTime::from_timestamp_secs(d.unix_seconds()),
            )
        };
        let lower = filters
            .date_from
            .as_ref()
            .map_or(Bound::Unbounded, |d| Bound::Included(at(d)));
        let upper = filters
            .date_to
            .as_ref()
            .map_or(Bound::Unbounded, |d| Bound::Included(at(d)));
        out.push(filter(boxed(RangeQuery::new(lower, upper))));
    }
    out
}
