//! Ingest: turning what governments publish into [`gongkai_core::Record`]s, and records into
//! committed index documents.

pub mod charset;
pub mod page;
