//! THE schema: every field name and every tokenizer name is spelled here and nowhere else.
//!
//! Each searchable text (title, body, and the metadata text of department / 文号 / 索引号 /
//! 主题分类) is indexed three ways, all from the same [normalised](gongkai_analysis::normalize)
//! string:
//!
//! | suffix   | tokenizer          | record option        | used for                              |
//! |----------|--------------------|----------------------|---------------------------------------|
//! | `_words` | jieba words        | freqs                | BM25 ranking                          |
//! | `_grams` | character bigrams  | freqs + positions    | exact substrings, proximity           |
//! | `_chars` | distinct characters| documents only       | one-character queries                 |
//!
//! Positions live on the bigram fields only. They are character positions there, exact for
//! any string, and proximity of two words is a sloppy phrase of their bigrams; indexing word
//! positions too would add about a fifth to the index for no query it alone can answer.
//!
//! Keyword fields hold normalised exact values for filters and facets; the original record is
//! stored once, as JSON, in `doc`.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};

/// Tokenizer name for jieba word tokens.
pub const WORDS_TOKENIZER: &str = "gk_words";
/// Tokenizer name for character bigrams.
pub const BIGRAM_TOKENIZER: &str = "gk_bigram";
/// Tokenizer name for character unigrams.
pub const UNIGRAM_TOKENIZER: &str = "gk_unigram";

/// Bumped whenever the schema, the analysis chain or the dictionaries change what is indexed;
/// an index written with another version is refused and must be rebuilt (delete it, ingest again).
pub const SCHEMA_VERSION: u32 = 4;

/// Handles to every field.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Document id (exact, fast, stored).
    pub id: Field,
    /// The whole [`gongkai_core::Record`] as JSON (stored only).
    pub doc: Field,
    /// Title words.
    pub title_words: Field,
    /// Title bigrams.
    pub title_grams: Field,
    /// Title unigrams.
    pub title_chars: Field,
    /// The whole normalised title as one keyword (exact-title boost).
    pub title_exact: Field,
    /// Body words.
    pub body_words: Field,
    /// Body bigrams.
    pub body_grams: Field,
    /// Body unigrams.
    pub body_chars: Field,
    /// Department, 文号, 索引号 and 主题分类 as text: words.
    pub meta_words: Field,
    /// The same metadata text: bigrams.
    pub meta_grams: Field,
    /// Department, exact (as published, trimmed): filters and facets.
    pub department: Field,
    /// Normalised 文号 / 令号 keyword.
    pub doc_number: Field,
    /// 机关代字 (德府办发) or decree issuer (国务院令).
    pub doc_number_issuer: Field,
    /// Year in the 文号 brackets.
    pub doc_number_year: Field,
    /// Serial number of the 文号.
    pub doc_number_serial: Field,
    /// Normalised 文号 cited in the text (multi-valued).
    pub cited: Field,
    /// 索引号, normalised.
    pub index_no: Field,
    /// 发布日期.
    pub publish_date: Field,
    /// 成文日期.
    pub written_date: Field,
    /// Year filed under.
    pub year: Field,
    /// Category path as a facet (`/地方性法规/山东`); a term on a node matches its subtree.
    pub category: Field,
    /// 文种.
    pub doc_type: Field,
    /// Region.
    pub region: Field,
    /// 有效性 label.
    pub validity: Field,
    /// 主题分类, exact.
    pub topic: Field,
    /// Source URL, exact.
    pub source_url: Field,
}

/// Field names, for code (such as fast-field readers) that addresses fields by name.
pub mod names {
    /// See [`super::Fields::id`].
    pub const ID: &str = "id";
    /// See [`super::Fields::department`].
    pub const DEPARTMENT: &str = "department";
    /// See [`super::Fields::doc_type`].
    pub const DOC_TYPE: &str = "doc_type";
    /// See [`super::Fields::region`].
    pub const REGION: &str = "region";
    /// See [`super::Fields::validity`].
    pub const VALIDITY: &str = "validity";
    /// See [`super::Fields::year`].
    pub const YEAR: &str = "year";
    /// See [`super::Fields::category`].
    pub const CATEGORY: &str = "category";
    /// See [`super::Fields::publish_date`].
    pub const PUBLISH_DATE: &str = "publish_date";
    /// See [`super::Fields::doc_number_issuer`].
    pub const DOC_NUMBER_ISSUER: &str = "doc_number_issuer";
}

fn text(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    )
}

/// Builds the schema and returns it with its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let keyword_fast = STRING | FAST;
    let int = NumericOptions::default().set_indexed().set_fast();
    let date = DateOptions::from(INDEXED | FAST).set_precision(DateTimePrecision::Seconds);
    let fields = Fields {
        id: b.add_text_field(names::ID, STRING | STORED | FAST),
        doc: b.add_text_field("doc", STORED),
        title_words: b.add_text_field("title_words", text(WORDS_TOKENIZER, freqs)),
        title_grams: b.add_text_field("title_grams", text(BIGRAM_TOKENIZER, positions)),
        title_chars: b.add_text_field(
            "title_chars",
            text(UNIGRAM_TOKENIZER, IndexRecordOption::Basic),
        ),
        title_exact: b.add_text_field("title_exact", STRING),
        body_words: b.add_text_field("body_words", text(WORDS_TOKENIZER, freqs)),
        body_grams: b.add_text_field("body_grams", text(BIGRAM_TOKENIZER, positions)),
        body_chars: b.add_text_field(
            "body_chars",
            text(UNIGRAM_TOKENIZER, IndexRecordOption::Basic),
        ),
        meta_words: b.add_text_field("meta_words", text(WORDS_TOKENIZER, freqs)),
        meta_grams: b.add_text_field("meta_grams", text(BIGRAM_TOKENIZER, positions)),
        department: b.add_text_field(names::DEPARTMENT, keyword_fast.clone()),
        doc_number: b.add_text_field("doc_number", STRING),
        doc_number_issuer: b.add_text_field(names::DOC_NUMBER_ISSUER, keyword_fast.clone()),
        doc_number_year: b.add_i64_field("doc_number_year", int.clone()),
        doc_number_serial: b.add_i64_field("doc_number_serial", int.clone()),
        cited: b.add_text_field("cited", STRING),
        index_no: b.add_text_field("index_no", STRING),
        publish_date: b.add_date_field(names::PUBLISH_DATE, date.clone()),
        written_date: b.add_date_field("written_date", date),
        year: b.add_i64_field(names::YEAR, int),
        category: b.add_facet_field(names::CATEGORY, FacetOptions::default()),
        doc_type: b.add_text_field(names::DOC_TYPE, keyword_fast.clone()),
        region: b.add_text_field(names::REGION, keyword_fast.clone()),
        validity: b.add_text_field(names::VALIDITY, keyword_fast.clone()),
        topic: b.add_text_field("topic", keyword_fast),
        source_url: b.add_text_field("source_url", STRING),
    };
    (b.build(), fields)
}

/// Looks the field handles up in a schema read from disk; `None` when a field is missing
/// (an index from another schema version).
pub fn fields_of(schema: &Schema) -> Option<Fields> {
    let (_, expected) = build();
    let reference = build().0;
    for (field, entry) in reference.fields() {
        let found = schema.get_field(entry.name()).ok()?;
        if found != field || schema.get_field_entry(found) != entry {
            return None;
        }
    }
    Some(expected)
}
