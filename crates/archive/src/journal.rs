//! The journal: one append-only file of events, one line each.
//!
//! A line is `CRC-32 (8 hex digits) <TAB> JSON <LF>`, where the checksum covers the JSON bytes. Readers stop
//! at a last line without its newline (a writer may be appending it right now, or crashed while
//! appending it); the next writer truncates such a torn tail before it appends. A complete line
//! whose checksum or JSON is wrong can only come from damage on disk: it is reported and skipped,
//! and the rest of the journal is still read.

use serde::{Deserialize, Serialize};

/// What kind of original a version was ingested from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// One record in the corpus JSON format (a JSON Lines line, an element of a JSON array).
    Json,
    /// A whole HTML or text page.
    Page,
}

/// The original bytes of one ingested source and how they came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalRef {
    /// SHA-256 of the bytes, lower-case hex: the object's name.
    pub object: String,
    /// Length in bytes.
    pub bytes: u64,
    /// How to parse it again.
    pub kind: SourceKind,
    /// `Content-Type` to serve it with.
    pub content_type: String,
    /// File name to offer on download.
    pub file_name: String,
    /// Where it came from: `FILE:LINE`, a path, `api` …; derived ids are computed from it.
    pub source: String,
    /// The page's URL, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One event of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the journal, from 1, without gaps.
    pub seq: u64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who: `cli`, or `key:NAME` for the write API.
    pub actor: String,
    /// The document.
    pub id: String,
    /// What happened.
    #[serde(flatten)]
    pub op: Op,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// A new version of the document (or its first); makes it active.
    Put {
        /// Version number, from 1.
        version: u32,
        /// SHA-256 (hex) of the parsed record: equal content, equal hash.
        content: String,
        /// SHA-256 (hex) of the normalised title and body, for documents whose id was derived
        /// from their URL or path (reposts of the same text are recognised by it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fingerprint: Option<String>,
        /// Version of the parsers that read the original.
        parser: u32,
        /// The original.
        #[serde(flatten)]
        original: OriginalRef,
    },
    /// The document was withdrawn: gone from search, kept here.
    Withdraw {
        /// Why, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The same text was published again under another id (another URL): recorded as one
    /// more source of this document instead of a second document.
    Source {
        /// The id the repost would have had.
        alias: String,
        /// The repost's original.
        #[serde(flatten)]
        original: OriginalRef,
    },
}

/// Encodes an event as one journal line, newline included.
pub fn encode(event: &Event) -> Vec<u8> {
    // An event has string keys and no floats: serialising cannot fail.
    let json = serde_json::to_vec(event).unwrap_or_default();
    let mut line = format!("{:08x}\t", crc32fast::hash(&json)).into_bytes();
    line.extend_from_slice(&json);
    line.push(b'\n');
    line
}

/// One line read back.
#[derive(Debug)]
pub enum Line {
    /// A good event.
    Event(Box<Event>),
    /// A complete line that does not check out: damage on disk.
    Damaged(String),
}

/// Splits `bytes` (read from `start`, an offset in the file) into complete lines. Returns them
/// with their offsets and lengths, and how many bytes they span (an incomplete tail is left).
pub fn decode(bytes: &[u8], start: u64) -> (Vec<(u64, u32, Line)>, usize) {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(newline) = bytes[at..].iter().position(|&b| b == b'\n') {
        let raw = &bytes[at..at + newline];
        out.push((start + at as u64, (newline + 1) as u32, decode_line(raw)));
        at += newline + 1;
    }
    (out, at)
}

/// Decodes one line without its newline.
pub fn decode_line(raw: &[u8]) -> Line {
    let Some(tab) = raw.iter().position(|&b| b == b'\t') else {
        return Line::Damaged("no checksum".into());
    };
    let (crc, json) = (&raw[..tab], &raw[tab + 1..]);
    let expected = std::str::from_utf8(crc)
        .ok()
        .and_then(|s| u32::from_str_radix(s, 16).ok());
    if expected != Some(crc32fast::hash(json)) {
        return Line::Damaged("checksum mismatch".into());
    }
    match serde_json::from_slice(json) {
        Ok(event) => Line::Event(Box::new(event)),
        Err(e) => Line::Damaged(format!("not an event: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(seq: u64) -> Event {
        Event {
            seq,
            at: "2026-11-28T00:00:00Z".into(),
            actor: "cli".into(),
            id: format!("doc{seq}"),
            op: Op::Put {
                version: 1,
                content: "ab".into(),
                fingerprint: None,
                parser: 1,
                original: OriginalRef {
                    object: "cd".into(),
                    bytes: 3,
                    kind: SourceKind::Json,
                    content_type: "application/json".into(),
                    file_name: "doc.json".into(),
                    source: "a.jsonl:1".into(),
                    url: None,
                },
            },
        }
    }

    #[test]
    fn round_trip_and_torn_tail() {
        let mut bytes = encode(&put(1));
        bytes.extend(encode(&Event {
            seq: 2,
            at: "2026-11-28T00:00:01Z".into(),
            actor: "key:staff".into(),
            id: "doc1".into(),
            op: Op::Withdraw { reason: None },
        }));
        let whole = bytes.len();
        let third = encode(&put(3));
        bytes.extend_from_slice(&third[..third.len() - 5]);
        let (lines, used) = decode(&bytes, 100);
        assert_eq!(used, whole);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].0, 100);
        assert!(matches!(&lines[0].2, Line::Event(e) if **e == put(1)));
        assert!(matches!(&lines[1].2, Line::Event(e) if matches!(e.op, Op::Withdraw { .. })));
    }

    #[test]
    fn damage_is_reported_not_fatal() {
        let mut bytes = encode(&put(1));
        bytes[12] ^= 1;
        bytes.extend(encode(&put(2)));
        bytes.extend(b"garbage\n");
        let (lines, _) = decode(&bytes, 0);
        assert!(matches!(lines[0].2, Line::Damaged(_)));
        assert!(matches!(&lines[1].2, Line::Event(e) if e.seq == 2));
        assert!(matches!(lines[2].2, Line::Damaged(_)));
    }
}
