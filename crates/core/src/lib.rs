//! Gongkai's domain model, free of storage, index and HTTP concerns.
//!
//! This crate owns what a disclosure document *is*: the [`Record`] every parser produces and
//! every later stage consumes, and the small languages found inside documents — 文号 and 令号
//! ([`docnumber`]), Chinese and ISO dates ([`date`]), document types (文种, [`doctype`]) and
//! category paths ([`category`]). It performs no I/O and knows nothing of tantivy or warp.

pub mod category;
pub mod date;
pub mod docnumber;
pub mod doctype;
pub mod record;

pub use date::Date;
pub use docnumber::DocNumber;
pub use record::{Record, RecordError, Validity};
