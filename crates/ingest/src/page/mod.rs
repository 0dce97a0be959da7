//! Pages as portals publish them → [`Record`]s.
//!
//! This module owns turning one fetched or saved page (HTML, or plain text copied from a
//! portal) into a finished record and its warnings:
//!
//! - [`parse_page`] decodes the bytes ([`crate::charset`]) and sniffs HTML versus text;
//! - [`html`]: the article container, title and metadata tables of HTML pages;
//! - [`text`]: the title / header lines / body layout of text pages;
//! - [`meta`]: what both share — the label vocabulary, the chrome filter, signature dates.
//!
//! Every function here is total: garbage gives [`PageError`] or warnings, never a panic.

pub mod html;
pub mod meta;
pub mod text;

use gongkai_core::{Record, RecordError};
use thiserror::Error;

use crate::charset;

pub use html::{parse_html, parse_html_text};
pub use text::{parse_text, parse_text_str};

/// Why a page could not become a record.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PageError {
    /// Neither a title nor any body text was found.
    #[error("no title and no body")]
    NoContent,
    /// The record built from the page is unusable (no id can be derived, say).
    #[error(transparent)]
    Record(RecordError),
}

/// How much decoded text is looked at to tell HTML from text, in bytes.
const SNIFF_LEN: usize = 1024;

/// Markup that makes a page HTML when it appears near the start.
const HTML_MARKERS: &[&str] = &[
    "<!doctype",
    "<html",
    "<head",
    "<body",
    "<meta",
    "<title",
    "<div",
    "<table",
    "<p>",
    "<p ",
    "<br",
    "<script",
];

/// Parses a page of either kind. `source` names the input (a path; ids derive from it when
/// there is no URL), `url` is where the page was published.
pub fn parse_page(
    bytes: &[u8],
    source: &str,
    url: Option<&str>,
) -> Result<(Record, Vec<String>), PageError> {
    parse_page_typed(bytes, source, url, None).map(|(record, warnings, _)| (record, warnings))
}

/// [`parse_page`] with a charset known from outside (an HTTP `Content-Type`), also returning
/// the `Content-Type` the page should be served with: `text/html` or `text/plain` with the
/// charset it was decoded with.
pub fn parse_page_typed(
    bytes: &[u8],
    source: &str,
    url: Option<&str>,
    declared: Option<&str>,
) -> Result<(Record, Vec<String>, String), PageError> {
    let decoded = charset::decode(bytes, declared);
    let charset = decoded.encoding.name().to_ascii_lowercase();
    if looks_like_html(&decoded.text) {
        let (record, warnings) =
            html::parse_html_text(&decoded.text, source, url, decoded.warnings)?;
        Ok((record, warnings, format!("text/html; charset={charset}")))
    } else {
        let (record, warnings) =
            text::parse_text_str(&decoded.text, source, url, decoded.warnings)?;
        Ok((record, warnings, format!("text/plain; charset={charset}")))
    }
}

/// Whether decoded text is HTML: a tag from [`HTML_MARKERS`] in the first [`SNIFF_LEN`] bytes.
pub fn looks_like_html(text: &str) -> bool {
    let mut end = text.len().min(SNIFF_LEN);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text[..end].to_ascii_lowercase();
    HTML_MARKERS.iter().any(|m| head.contains(m))
}

/// Finishes a parsed record (derived fields, id) and maps its errors.
fn finish(
    mut record: Record,
    source: &str,
    warnings: Vec<String>,
) -> Result<(Record, Vec<String>), PageError> {
    match record.finish(Some(source)) {
        Ok(()) => Ok((record, warnings)),
        Err(RecordError::Empty) => Err(PageError::NoContent),
        Err(e) => Err(PageError::Record(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_html() {
        assert!(looks_like_html("\n<!DOCTYPE html><html>"));
        assert!(looks_like_html("<DIV class=x>正文</DIV>"));
        assert!(!looks_like_html(
            "德昌县2017年政府信息公开工作年度报告 |\n|\n"
        ));
        assert!(!looks_like_html(&"政".repeat(400)));
    }

    #[test]
    fn dispatches_and_rejects_empty_pages() {
        assert_eq!(
            parse_page(b"<html><body></body></html>", "e.html", None),
            Err(PageError::NoContent)
        );
        assert_eq!(parse_page(b"", "e.txt", None), Err(PageError::NoContent));
        let (r, _) = parse_page(
            "<p>正文</p>".as_bytes(),
            "p.html",
            Some("http://x.gov.cn/1.html"),
        )
        .unwrap();
        assert_eq!(r.source_url.as_deref(), Some("http://x.gov.cn/1.html"));
    }
}
