//! Record → tantivy document, and back.
//!
//! The text fields receive normalised text (normalisation runs once per text here, in the
//! caller's thread); the tokenizers then split that text in tantivy's indexing threads. The
//! record itself is stored once as JSON so nothing is lost and highlights can be computed on
//! the original text.

use gongkai_analysis::normalize;
use gongkai_core::{category, docnumber, DocNumber, Record};
use tantivy::schema::{Facet, Value};
use tantivy::{DateTime, TantivyDocument};

use crate::schema::Fields;
use crate::IndexError;

/// Builds the tantivy document of a record. The record must have been
/// [finished](Record::finish).
pub fn to_document(fields: &Fields, record: &Record) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(fields.id, &record.id);
    // Serialising a Record cannot fail: it has string keys and no non-finite floats.
    // Stored as text, not bytes: tantivy reads a stored string in one copy but a stored byte
    // array one byte at a time (7% of a loaded server's CPU when it was bytes).
    let json = serde_json::to_string(record).unwrap_or_default();
    doc.add_text(fields.doc, &json);

    let title = normalize(&record.title);
    doc.add_text(fields.title_words, &title);
    doc.add_text(fields.title_grams, &title);
    doc.add_text(fields.title_chars, &title);
    doc.add_text(fields.title_exact, exact_title(&title));
    let body = normalize(&record.body);
    doc.add_text(fields.body_words, &body);
    doc.add_text(fields.body_grams, &body);
    doc.add_text(fields.body_chars, &body);

    let mut meta = String::new();
    for part in [
        record.department.as_deref(),
        record.doc_number.as_deref(),
        record.index_no.as_deref(),
        record.topic.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        // A newline between parts keeps bigrams from spanning two values.
        meta.push_str(&normalize(part));
        meta.push('\n');
    }
    if !meta.is_empty() {
        doc.add_text(fields.meta_words, &meta);
        doc.add_text(fields.meta_grams, &meta);
    }

    if let Some(department) = &record.department {
        doc.add_text(fields.department, department);
    }
    if let Some(number) = record.doc_number.as_deref().and_then(DocNumber::parse) {
        doc.add_text(fields.doc_number, &number.normalized);
        if let Some(issuer) = &number.issuer {
            doc.add_text(fields.doc_number_issuer, issuer);
        }
        if let Some(year) = number.year {
            doc.add_i64(fields.doc_number_year, i64::from(year));
        }
        if let Some(serial) = number.serial {
            doc.add_i64(fields.doc_number_serial, i64::from(serial));
        }
    }
    for cited in &record.cited_doc_numbers {
        doc.add_text(fields.cited, docnumber::normalize(cited));
    }
    if let Some(index_no) = &record.index_no {
        doc.add_text(fields.index_no, normalize(index_no).trim());
    }
    if let Some(date) = record.publish_date {
        doc.add_date(
            fields.publish_date,
            DateTime::from_timestamp_secs(date.unix_seconds()),
        );
    }
    if let Some(date) = record.written_date {
        doc.add_date(
            fields.written_date,
            DateTime::from_timestamp_secs(date.unix_seconds()),
        );
    }
    if let Some(year) = record.year {
        doc.add_i64(fields.year, i64::from(year));
    }
    if let Some(path) = &record.category {
        doc.add_facet(fields.category, category_facet(path));
    }
    for (field, value) in [
        (fields.doc_type, record.doc_type.as_deref()),
        (fields.region, record.region.as_deref()),
        (fields.validity, record.validity.map(|v| v.label())),
        (fields.topic, record.topic.as_deref()),
        (fields.source_url, record.source_url.as_deref()),
    ] {
        if let Some(value) = value {
            doc.add_text(field, value);
        }
    }
    doc
}

/// The keyword form of a title for exact-title matching: normalised, whitespace removed.
pub fn exact_title(normalized_title: &str) -> String {
    normalized_title.split_whitespace().collect()
}

/// The facet of a category path (`地方性法规/山东` → `/地方性法规/山东`).
pub fn category_facet(path: &str) -> Facet {
    Facet::from_path(category::segments(path))
}

/// Reads the stored record of a document.
pub fn to_record(fields: &Fields, doc: &TantivyDocument) -> Result<Record, IndexError> {
    let json = doc
        .get_first(fields.doc)
        .and_then(|v| v.as_str())
        .ok_or_else(|| IndexError::Corrupt("a document has no stored record".into()))?;
    serde_json::from_str(json)
        .map_err(|e| IndexError::Corrupt(format!("a stored record does not parse: {e}")))
}
