//! Chinese text analysis for Gongkai.
//!
//! Owns everything between raw text and index terms: [`normalize`] (width, script, bracket and
//! case folding with a map back to original offsets), the jieba word tokenizer ([`words`]) and
//! the CJK n-gram tokenizers ([`ngram`]) that give quoted strings exact substring semantics.
//! It knows nothing of fields or schemas: the index crate decides which tokenizer feeds which
//! field, under names it owns.

pub mod ngram;
pub mod normalize;
pub mod words;

pub use normalize::{is_cjk, normalize, normalize_with_map, Normalized};
