//! Ingest: turning what governments publish into [`gongkai_core::Record`]s, and records into
//! committed index documents.
//!
//! - [`source`]: finding input files and reading them into items with `FILE:LINE` origins;
//! - [`charset`]: decoding pages (BOM, declared charset, detection; GBK/GB18030 included);
//! - [`page`]: HTML and text pages → records (title, body without chrome, labelled metadata);
//! - [`store`]: the data directory's archive and index kept in step (write sessions, replay,
//!   reindex, backup and restore);
//! - [`pipeline`]: the parallel, batch-committing ingest run.

pub mod charset;
pub mod page;
pub mod pipeline;
pub mod source;
pub mod store;

pub use pipeline::{ingest, IngestOptions, IngestSummary, Progress, Quiet, Rejection};
pub use store::{PrepareError, Store, StoreError};
