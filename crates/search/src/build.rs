//! Parsed query + filters → tantivy query.
//!
//! Words give ranking, n-grams give exactness:
//!
//! - a free-text word is required, and matches when the document contains it as a word
//!   (jieba term, BM25, title boosted) **or** as an exact substring (n-gram phrase) of title,
//!   body or metadata text — so segmentation differences never lose a document;
//! - a quoted string is required as an exact substring of title or body;
//! - `title:` restricts an atom to the title: its words must be title words or title
//!   substrings, `title:"…"` must be an exact substring of the title;
//! - an excluded atom removes documents containing it as a substring of title or body (of the
//!   title for `-title:`);
//! - optional clauses lift documents whose title equals or contains the whole query, and, when
//!   the query is a 文号 or 令号, the document carrying that number (matched through its
//!   normalised keyword even if its text never spells it).
//!
//! [`compile_text`] also prepares the **relaxed** form of the query ([`Relaxed`]), which the
//! search runs when the strict form finds nothing: the words of plain free-text atoms become
//! optional (stop words dropped, at least a number of them required), everything else stays as
//! it was.
//!
//! Filters never score: they are wrapped in constant-score queries of weight zero.

use std::ops::Bound;

use gongkai_analysis::{ngram, normalize, words::Segmenter};
use gongkai_core::DocNumber;
use gongkai_index::{document, Fields};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EmptyScorer, EnableScoring,
    Explanation, Occur, PhraseQuery, Query, QueryClone, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DateTime, DocId, DocSet, Score, Searcher, SegmentReader, Term};

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

/// Function words dropped from a query when it is relaxed (normalised, i.e. simplified and
/// lower case): particles, prepositions, conjunctions, pronouns and question words that jieba
/// segments out of a natural-language question (`北京市对于因疫情影响暂停举办的展会项目有何支持
/// 政策？` → 对于, 因, 的, 有何). They are in nearly every document, so as optional words they
/// would only count toward the minimum match without saying anything about the topic.
/// Punctuation never gets this far: the segmenter drops it. Strict queries keep every word.
#[rustfmt::skip]
pub const STOP_WORDS: &[&str] = &[
    // particles
    "的", "地", "得", "之", "了", "着", "过", "吗", "呢", "吧", "啊", "呀", "么", "嘛",
    // prepositions and conjunctions
    "对", "对于", "关于", "因", "因为", "由于", "为", "为了", "被", "把", "将", "从", "向", "在",
    "于", "以", "与", "和", "及", "以及", "或", "或者", "并", "而", "跟", "同", "给", "按",
    "按照", "根据",
    // pronouns and question words
    "我", "我们", "你", "您", "他", "她", "它", "他们", "其", "该", "此", "这", "那", "这个",
    "那个", "这些", "那些", "哪", "哪些", "哪个", "哪里", "什么", "怎么", "怎样", "怎么样",
    "怎么办", "如何", "为何", "为什么", "何", "有何", "是否", "能否", "可否", "多少", "几", "谁",
    "请问",
    // copulas, auxiliaries and adverbs
    "是", "有", "都", "也", "还", "就", "又", "再", "即", "等", "会", "能", "可", "可以", "要",
    "一个", "一些",
];

/// True for a word [`STOP_WORDS`] lists.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Terms that make up a query, for highlighting: normalised strings.
#[derive(Debug, Default, Clone)]
pub struct Needles {
    /// Normalised words and phrases to mark in title and body.
    pub strings: Vec<String>,
    /// Normalised words and phrases of `title:` atoms, marked in the title only.
    pub title: Vec<String>,
}

impl Needles {
    fn append(&mut self, other: Needles) {
        self.strings.extend(other.strings);
        self.title.extend(other.title);
    }
}

/// Where an atom must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Title, body (and, for words, metadata text).
    Anywhere,
    /// The title only.
    Title,
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

/// The scope's text contains the normalised string.
fn substring(f: &Fields, normalized: &str, scope: Scope) -> Option<Box<dyn Query>> {
    let title = exact(f.title_grams, Some(f.title_chars), normalized);
    let parts: Vec<_> = match scope {
        Scope::Title => vec![title],
        Scope::Anywhere => vec![title, exact(f.body_grams, Some(f.body_chars), normalized)],
    }
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| any_of(parts))
}

/// The clause for one analysed word in a scope.
fn word_clause(f: &Fields, word: &str, scope: Scope) -> Box<dyn Query> {
    let mut should = vec![boost(term(f.title_words, word), TITLE_BOOST)];
    let mut grams = vec![(f.title_grams, Some(f.title_chars), TITLE_BOOST * GRAM_BOOST)];
    if scope == Scope::Anywhere {
        should.push(term(f.body_words, word));
        should.push(term(f.meta_words, word));
        grams.push((f.body_grams, Some(f.body_chars), GRAM_BOOST));
        grams.push((f.meta_grams, None, GRAM_BOOST));
    }
    for (grams, chars, weight) in grams {
        if let Some(q) = exact(grams, chars, word) {
            should.push(boost(q, weight));
        }
    }
    any_of(should)
}

/// Normalises a free-text atom and segments it into its base words.
fn analyse(segmenter: &Segmenter, raw: &str) -> (String, Vec<String>) {
    let normalized = normalize(raw);
    let words = segmenter
        .words(&normalized)
        .into_iter()
        .filter(|w| w.is_base)
        .map(|w| w.text.to_string())
        .collect();
    (normalized, words)
}

/// Pushes a needle where the scope says.
fn mark(needles: &mut Needles, scope: Scope, s: &str) {
    match scope {
        Scope::Anywhere => needles.strings.push(s.to_string()),
        Scope::Title => needles.title.push(s.to_string()),
    }
}

/// The clause for one free-text atom (normalised, and its words): all its words required in
/// the scope. `None` when it has no words and no characters to match (pure punctuation or
/// whitespace is dropped).
fn text_atom(
    f: &Fields,
    normalized: &str,
    words: &[String],
    scope: Scope,
    needles: &mut Needles,
) -> Option<Box<dyn Query>> {
    if words.is_empty() {
        let trimmed = normalized.trim();
        if trimmed.is_empty() {
            return None;
        }
        // Punctuation-only text such as `〔〕`: exact substring.
        mark(needles, scope, trimmed);
        return substring(f, trimmed, scope);
    }
    let mut must = Vec::with_capacity(words.len());
    for w in words {
        mark(needles, scope, w);
        must.push((Occur::Must, word_clause(f, w, scope)));
    }
    if words.len() > 1 {
        // The atom as written, contiguous, ranks above its words scattered, and is highlighted
        // as one match (`国办发[2017]47号`, not 国办发 … 2017 … 47).
        mark(needles, scope, normalized.trim());
        if let Some(q) = substring(f, normalized.trim(), scope) {
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
    let (text, scope) = match atom {
        Atom::Word(t) | Atom::Phrase(t) => (t, Scope::Anywhere),
        Atom::TitleWord(t) | Atom::TitlePhrase(t) => (t, Scope::Title),
    };
    match atom {
        Atom::Phrase(_) | Atom::TitlePhrase(_) => {
            let n = normalize(text);
            let n = n.trim();
            if !for_exclusion && !n.is_empty() {
                mark(needles, scope, n);
            }
            substring(f, n, scope)
        }
        Atom::Word(_) | Atom::TitleWord(_) if for_exclusion => {
            substring(f, normalize(text).trim(), scope)
        }
        Atom::Word(_) | Atom::TitleWord(_) => {
            let (normalized, words) = analyse(segmenter, text);
            text_atom(f, &normalized, &words, scope, needles)
        }
    }
}

/// An excluded clause, wrapped so that probing it never moves a scorer backwards.
///
/// Tantivy (0.27) probes an exclusion with `seek_danger(d)` for the included side's first
/// document `d`, which may lie before the exclusion scorer's own first match, and its phrase
/// scorer asserts (debug builds) that the target is not behind it: a lone `-title:"…"` phrase
/// would panic. The wrapper answers with the default `seek_danger`, which seeks only forward.
#[derive(Debug)]
struct Excluded(Box<dyn Query>);

impl Clone for Excluded {
    fn clone(&self) -> Self {
        Excluded(self.0.box_clone())
    }
}

impl Query for Excluded {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ExcludedWeight(Box<dyn Weight>);

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.0.scorer(reader, boost)?;
        if inner.is::<EmptyScorer>() {
            // Kept recognisable: tantivy drops empty exclusions.
            return Ok(inner);
        }
        Ok(Box::new(ExcludedScorer(inner)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ExcludedScorer(Box<dyn Scorer>);

impl DocSet for ExcludedScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.0.seek(target)
    }

    // `seek_danger` is the trait's default: it seeks only when the target is ahead.

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ExcludedScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

/// Share of a word's BM25 (as a jieba word, title boosted) added to its rarity in relaxed
/// ranking: enough to order documents that cover the same words, too little to let one word
/// repeated in a title outrank a document covering more of the question.
const RELAXED_BM25_SHARE: f32 = 0.2;

/// The relaxed form of a query: the words of its plain free-text atoms become optional, at
/// least [`Relaxed::query`]'s `min_match` of them required; everything else (quoted strings,
/// `title:` atoms, `OR` groups, exclusions) is kept as in the strict query.
///
/// Ranking is coordination weighted by rarity: each word a document has (as a word or as a
/// substring, exactly as in strict mode) scores its inverse document frequency, so documents
/// covering more and rarer words of the question come first, plus a fifth of its BM25 as a
/// word, which orders documents covering the same words (title, frequency, length).
#[derive(Debug)]
pub struct Relaxed {
    fields: Fields,
    /// Clauses kept from the strict query (required, excluded) and optional boosts.
    kept: Vec<(Occur, Box<dyn Query>)>,
    /// The distinct content words, in query order.
    pub terms: Vec<String>,
    /// What to highlight: the individual words, and the kept atoms' strings.
    pub needles: Needles,
}

impl Relaxed {
    /// The number of optional words.
    pub fn word_count(&self) -> usize {
        self.terms.len()
    }

    /// Each word's BM25 inverse document frequency in `searcher`'s index, its document
    /// frequency being the most documents having it as a title, body or metadata word.
    pub fn idf(&self, searcher: &Searcher) -> tantivy::Result<Vec<f32>> {
        let f = &self.fields;
        let n = searcher.num_docs() as f32;
        self.terms
            .iter()
            .map(|w| {
                let mut df = 0u64;
                for field in [f.title_words, f.body_words, f.meta_words] {
                    df = df.max(searcher.doc_freq(&Term::from_field_text(field, w))?);
                }
                let df = (df as f32).min(n);
                Ok((1.0 + (n - df + 0.5) / (df + 0.5)).ln())
            })
            .collect()
    }

    /// The relaxed query requiring at least `min_match` (clamped to 1..=word count) of the
    /// words, each scored by its `idf` (from [`Relaxed::idf`], one per word).
    pub fn query(&self, idf: &[f32], min_match: usize) -> Box<dyn Query> {
        let f = &self.fields;
        let words: Vec<(Occur, Box<dyn Query>)> = self
            .terms
            .iter()
            .zip(idf.iter().copied().chain(std::iter::repeat(1.0)))
            .map(|(w, idf)| {
                let clause = BooleanQuery::new(vec![
                    (
                        Occur::Must,
                        boxed(ConstScoreQuery::new(
                            word_clause(f, w, Scope::Anywhere),
                            idf,
                        )),
                    ),
                    (
                        Occur::Should,
                        boost(term(f.title_words, w), TITLE_BOOST * RELAXED_BM25_SHARE),
                    ),
                    (
                        Occur::Should,
                        boost(term(f.body_words, w), RELAXED_BM25_SHARE),
                    ),
                ]);
                (Occur::Should, boxed(clause))
            })
            .collect();
        let min_match = min_match.clamp(1, words.len().max(1));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .kept
            .iter()
            .map(|(occur, q)| (*occur, q.box_clone()))
            .collect();
        clauses.push((
            Occur::Must,
            boxed(BooleanQuery::with_minimum_required_clauses(
                words, min_match,
            )),
        ));
        boxed(BooleanQuery::new(clauses))
    }
}

/// The text part of a request, compiled.
#[derive(Debug)]
pub struct TextQuery {
    /// The strict query: `None` for match-all.
    pub strict: Option<Box<dyn Query>>,
    /// What to highlight for the strict query.
    pub needles: Needles,
    /// The relaxed form, when the query has words to loosen: at least two analysed words in
    /// its plain free-text atoms, at least one of them not a stop word, and the query not a
    /// 文号 (an identifier found by its parts would be a wrong answer, not a loose one).
    pub relaxed: Option<Relaxed>,
}

/// The scoring part of a query: `None` for match-all. The strict query of [`compile_text`].
pub fn text_query(
    f: &Fields,
    segmenter: &Segmenter,
    raw: &str,
    parsed: &ParsedQuery,
) -> (Option<Box<dyn Query>>, Needles) {
    let compiled = compile_text(f, segmenter, raw, parsed);
    (compiled.strict, compiled.needles)
}

/// The strict query of the text and, when it has words to loosen, its relaxed form.
pub fn compile_text(
    f: &Fields,
    segmenter: &Segmenter,
    raw: &str,
    parsed: &ParsedQuery,
) -> TextQuery {
    let mut needles = Needles::default();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut positive = 0;
    // The relaxed form: kept clauses, the loosened atoms' words (all of them, and the distinct
    // content words), and its needles.
    let mut kept: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut loosened = 0usize;
    let mut content: Vec<String> = Vec::new();
    let mut relaxed_needles = Needles::default();
    for clause in &parsed.clauses {
        // A plain free-text atom alone in its clause: strict requires all its words, the
        // relaxed form only counts them.
        if let (false, [Atom::Word(text)]) = (clause.exclude, clause.any_of.as_slice()) {
            let (normalized, words) = analyse(segmenter, text);
            if !words.is_empty() {
                if let Some(q) = text_atom(f, &normalized, &words, Scope::Anywhere, &mut needles) {
                    positive += 1;
                    clauses.push((Occur::Must, q));
                }
                loosened += words.len();
                let several = words.len() > 1;
                for w in words {
                    if !is_stop_word(&w) && !content.contains(&w) {
                        content.push(w);
                    }
                }
                if several {
                    // Still lifts the atom found as written (when another atom is missing).
                    if let Some(q) = substring(f, normalized.trim(), Scope::Anywhere) {
                        kept.push((Occur::Should, q));
                    }
                }
                continue;
            }
        }
        let mut own = Needles::default();
        let parts: Vec<Box<dyn Query>> = clause
            .any_of
            .iter()
            .filter_map(|a| atom_query(f, segmenter, a, &mut own, clause.exclude))
            .collect();
        relaxed_needles.append(own.clone());
        needles.append(own);
        if parts.is_empty() {
            continue;
        }
        let (occur, q) = if clause.exclude {
            (Occur::MustNot, boxed(Excluded(any_of(parts))))
        } else {
            positive += 1;
            (Occur::Must, any_of(parts))
        };
        kept.push((occur, q.box_clone()));
        clauses.push((occur, q));
    }
    if positive == 0 {
        if clauses.is_empty() {
            return TextQuery {
                strict: None,
                needles,
                relaxed: None,
            };
        }
        clauses.push((Occur::Must, boxed(AllQuery)));
        return TextQuery {
            strict: Some(boxed(BooleanQuery::new(clauses))),
            needles,
            relaxed: None,
        };
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
        let mut evidence = vec![boost(
            term(f.title_exact, &document::exact_title(whole)),
            EXACT_TITLE_BOOST,
        )];
        if let Some(q) = exact(
            f.title_grams,
            None,
            &whole.split_whitespace().collect::<String>(),
        ) {
            evidence.push(boost(q, TITLE_PHRASE_BOOST));
        }
        for q in evidence {
            kept.push((Occur::Should, q.box_clone()));
            clauses.push((Occur::Should, q));
        }
    }
    let text = boxed(BooleanQuery::new(clauses));

    // A query that is a 文号 or 令号 finds the document carrying it even when the text does not
    // contain every word of it (with or without 中华人民共和国, any bracket or width).
    if plain {
        if let Some(number) = DocNumber::parse_query(raw) {
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
            return TextQuery {
                strict: Some(boxed(BooleanQuery::new(by_number))),
                needles,
                relaxed: None,
            };
        }
    }
    let relaxed = (loosened > 1 && !content.is_empty()).then(|| {
        relaxed_needles.strings.extend(content.iter().cloned());
        Relaxed {
            fields: *f,
            kept,
            terms: content,
            needles: relaxed_needles,
        }
    });
    TextQuery {
        strict: Some(text),
        needles,
        relaxed,
    }
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
    for (field, values) in [
        (f.year, &filters.year),
        (f.doc_number_year, &filters.doc_number_year),
        (f.doc_number_serial, &filters.doc_number_serial),
    ] {
        if !values.is_empty() {
            let any = values
                .iter()
                .map(|v| {
                    boxed(TermQuery::new(
                        Term::from_field_i64(field, *v),
                        IndexRecordOption::Basic,
                    ))
                })
                .collect();
            out.push(filter(any_of(any)));
        }
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
