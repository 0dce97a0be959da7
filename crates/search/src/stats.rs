//! What an index holds: document count, size, and a summary of each metadata field.

use std::collections::BTreeMap;

use gongkai_index::{schema::names, GongkaiIndex};
use serde::Serialize;
use tantivy::collector::Count;
use tantivy::query::{AllQuery, ExistsQuery};

use crate::facets::{self, FacetCounter, FacetField, FacetValue};
use crate::SearchError;

/// Values shown per field.
const TOP_VALUES: usize = 10;

/// Summary of one metadata field.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldSummary {
    /// Documents with a value.
    pub documents_with_value: u64,
    /// Distinct values.
    pub distinct: usize,
    /// Most frequent values.
    pub top: Vec<FacetValue>,
}

/// The `gongkai stats` answer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    /// Live documents.
    pub documents: u64,
    /// Documents marked deleted but not yet merged away.
    pub deleted_pending_merge: u64,
    /// Index segments.
    pub segments: usize,
    /// Bytes on disk.
    pub index_bytes: u64,
    /// Documents with a publish date.
    pub with_publish_date: u64,
    /// Earliest and latest year.
    pub year_range: Option<(i64, i64)>,
    /// Per-field summaries.
    pub fields: BTreeMap<String, FieldSummary>,
    /// Bytes on disk by part: `store` (the stored records) and `FIELD.PART` for each field's
    /// term dictionary, postings, positions, fast column and norms.
    pub space: BTreeMap<String, u64>,
}

/// Bytes per index part, summed over segments.
fn space(searcher: &tantivy::Searcher) -> Result<BTreeMap<String, u64>, SearchError> {
    let usage = searcher
        .space_usage()
        .map_err(|e| SearchError::Invalid(format!("cannot measure the index: {e}")))?;
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for segment in usage.segments() {
        *out.entry("store".into()).or_insert(0) += segment.store().total().get_bytes();
        for (part, per_field) in [
            ("terms", segment.termdict()),
            ("postings", segment.postings()),
            ("positions", segment.positions()),
            ("fast", segment.fast_fields()),
            ("norms", segment.fieldnorms()),
        ] {
            for field in per_field.fields() {
                let bytes = field.total().get_bytes();
                if bytes > 0 {
                    *out.entry(format!("{}.{part}", field.field_name()))
                        .or_insert(0) += bytes;
                }
            }
        }
    }
    Ok(out)
}

/// Computes the statistics of an index.
pub fn stats(index: &GongkaiIndex) -> Result<Stats, SearchError> {
    let searcher = index.searcher();
    let documents = searcher.num_docs();
    let max_docs: u64 = searcher
        .segment_readers()
        .iter()
        .map(|s| u64::from(s.max_doc()))
        .sum();
    let mut fields = BTreeMap::new();
    let mut year_range = None;
    for field in FacetField::ALL {
        let counts = searcher.search(&AllQuery, &FacetCounter::new(field))?;
        if field == FacetField::Year {
            let years: Vec<i64> = counts.keys().filter_map(|k| k.parse().ok()).collect();
            if let (Some(min), Some(max)) = (years.iter().min(), years.iter().max()) {
                year_range = Some((*min, *max));
            }
        }
        let documents_with_value = if field == FacetField::Category {
            // Parents count their subtree: sum the top-level nodes only.
            counts
                .iter()
                .filter(|(k, _)| !k.contains('/'))
                .map(|(_, v)| v)
                .sum()
        } else {
            let column = match field {
                FacetField::Department => names::DEPARTMENT,
                FacetField::Year => names::YEAR,
                FacetField::DocType => names::DOC_TYPE,
                FacetField::Region => names::REGION,
                FacetField::Validity => names::VALIDITY,
                FacetField::Category => names::CATEGORY,
            };
            searcher.search(&ExistsQuery::new(column.to_string(), false), &Count)? as u64
        };
        let distinct = counts.len();
        let (top, _) = facets::top(counts, TOP_VALUES);
        fields.insert(
            field.name().to_string(),
            FieldSummary {
                documents_with_value,
                distinct,
                top,
            },
        );
    }
    let with_publish_date = searcher.search(
        &ExistsQuery::new(names::PUBLISH_DATE.to_string(), false),
        &Count,
    )? as u64;
    Ok(Stats {
        documents,
        deleted_pending_merge: max_docs.saturating_sub(documents),
        segments: searcher.segment_readers().len(),
        index_bytes: index.size_on_disk(),
        with_publish_date,
        year_range,
        fields,
        space: space(&searcher)?,
    })
}
