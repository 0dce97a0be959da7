//! Ingest: turning what governments publish into [`gongkai_core::Record`]s, and records into
//! committed index documents.
//!
//! - [`source`]: finding input files and reading them into items with `FILE:LINE` origins;
//! - [`charset`]: decoding pages (BOM, declared charset, detection; GBK/GB18030 included);
//! - [`page`]: HTML and text pages → records (title, body without chrome, labelled metadata);
//! - [`pipeline`]: the parallel, batch-committing ingest run.

pub mod charset;
pub mod page;
pub mod pipeline;
pub mod source;

pub use pipeline::{ingest, IngestOptions, IngestSummary, Progress, Quiet, Rejection};
