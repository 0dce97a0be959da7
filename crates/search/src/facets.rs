//! Exact facet counts over the whole result set, from fast fields.
//!
//! Keyword facets count term ordinals per segment in a dense vector (no hashing, no strings in
//! the loop) and resolve ordinals to strings once per segment. The year facet counts the i64
//! column. The category facet counts every node of each document's path, so a parent's count
//! is the size of its subtree.

use std::collections::HashMap;

use gongkai_index::schema::names;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// A field that can be faceted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FacetField {
    /// 发布机构.
    Department,
    /// Category tree.
    Category,
    /// Year.
    Year,
    /// 文种.
    DocType,
    /// Region.
    Region,
    /// 有效性.
    Validity,
}

impl FacetField {
    /// Every facet field.
    pub const ALL: [FacetField; 6] = [
        FacetField::Department,
        FacetField::Category,
        FacetField::Year,
        FacetField::DocType,
        FacetField::Region,
        FacetField::Validity,
    ];

    /// The name used in requests and responses.
    pub fn name(self) -> &'static str {
        match self {
            FacetField::Department => "department",
            FacetField::Category => "category",
            FacetField::Year => "year",
            FacetField::DocType => "doc_type",
            FacetField::Region => "region",
            FacetField::Validity => "validity",
        }
    }

    /// Parses a facet name.
    pub fn parse(name: &str) -> Option<FacetField> {
        FacetField::ALL
            .into_iter()
            .find(|f| f.name() == name.trim())
    }

    fn column(self) -> &'static str {
        match self {
            FacetField::Department => names::DEPARTMENT,
            FacetField::Category => names::CATEGORY,
            FacetField::Year => names::YEAR,
            FacetField::DocType => names::DOC_TYPE,
            FacetField::Region => names::REGION,
            FacetField::Validity => names::VALIDITY,
        }
    }
}

/// One value of a facet with its document count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    /// The value (`国务院`, `2017`, `地方性法规/山东`).
    pub value: String,
    /// Matching documents with that value.
    pub count: u64,
}

/// Counts the values of one facet field over every matching document.
#[derive(Debug)]
pub struct FacetCounter {
    field: FacetField,
}

impl FacetCounter {
    /// A counter for `field`.
    pub fn new(field: FacetField) -> FacetCounter {
        FacetCounter { field }
    }
}

/// Per-segment state of [`FacetCounter`].
pub enum SegmentCounter {
    /// A keyword column: counts per term ordinal.
    Str(StrColumn, Vec<u64>),
    /// The category facet column: counts per facet ordinal.
    Category(tantivy::fastfield::FacetReader, Vec<u64>),
    /// The year column.
    Int(Column<i64>, HashMap<i64, u64>),
    /// The segment has no values for the field.
    Nothing,
}

impl std::fmt::Debug for SegmentCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SegmentCounter")
    }
}

impl Collector for FacetCounter {
    type Fruit = HashMap<String, u64>;
    type Child = SegmentCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentCounter> {
        let fast = segment.fast_fields();
        Ok(match self.field {
            FacetField::Year => match fast.i64(self.field.column()) {
                Ok(column) => SegmentCounter::Int(column, HashMap::new()),
                Err(_) => SegmentCounter::Nothing,
            },
            FacetField::Category => {
                let reader = segment.facet_reader(self.field.column())?;
                let n = reader.num_facets();
                SegmentCounter::Category(reader, vec![0; n])
            }
            _ => match fast.str(self.field.column())? {
                Some(column) => {
                    let n = column.num_terms();
                    SegmentCounter::Str(column, vec![0; n])
                }
                None => SegmentCounter::Nothing,
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<HashMap<String, u64>>,
    ) -> tantivy::Result<HashMap<String, u64>> {
        let mut total = HashMap::new();
        for fruit in fruits {
            for (k, v) in fruit {
                *total.entry(k).or_insert(0) += v;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = HashMap<String, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        match self {
            SegmentCounter::Str(column, counts) => {
                for ord in column.term_ords(doc) {
                    if let Some(c) = counts.get_mut(ord as usize) {
                        *c += 1;
                    }
                }
            }
            SegmentCounter::Category(reader, counts) => {
                for ord in reader.facet_ords(doc) {
                    if let Some(c) = counts.get_mut(ord as usize) {
                        *c += 1;
                    }
                }
            }
            SegmentCounter::Int(column, counts) => {
                for v in column.values_for_doc(doc) {
                    *counts.entry(v).or_insert(0) += 1;
                }
            }
            SegmentCounter::Nothing => {}
        }
    }

    fn harvest(self) -> HashMap<String, u64> {
        let mut out = HashMap::new();
        match self {
            SegmentCounter::Str(column, counts) => {
                let mut buffer = String::new();
                for (ord, count) in counts.into_iter().enumerate().filter(|(_, c)| *c > 0) {
                    buffer.clear();
                    if column.ord_to_str(ord as u64, &mut buffer).unwrap_or(false) {
                        *out.entry(buffer.clone()).or_insert(0) += count;
                    }
                }
            }
            SegmentCounter::Category(reader, counts) => {
                let mut facet = Facet::root();
                for (ord, count) in counts.into_iter().enumerate().filter(|(_, c)| *c > 0) {
                    if reader.facet_from_ord(ord as u64, &mut facet).is_err() {
                        continue;
                    }
                    // Count the document under every node of its path.
                    let parts: Vec<&str> = facet.to_path();
                    for depth in 1..=parts.len() {
                        *out.entry(parts[..depth].join("/")).or_insert(0) += count;
                    }
                }
            }
            SegmentCounter::Int(_, counts) => {
                for (value, count) in counts {
                    *out.entry(value.to_string()).or_insert(0) += count;
                }
            }
            SegmentCounter::Nothing => {}
        }
        out
    }
}

/// Sorts counts (count descending, then value) and keeps the first `limit`.
pub fn top(counts: HashMap<String, u64>, limit: usize) -> (Vec<FacetValue>, bool) {
    let mut values: Vec<FacetValue> = counts
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let truncated = values.len() > limit;
    values.truncate(limit);
    (values, truncated)
}
