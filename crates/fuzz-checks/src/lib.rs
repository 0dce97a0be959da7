//! One checked entry point per fuzz target, shared by the cargo-fuzz targets in `fuzz/` (long
//! runs) and the property tests in `tests/` (the short run in CI). Each takes arbitrary bytes,
//! runs the code under test and asserts what that code promises — not only "no panic":
//!
//! - [`query_parser`]: the query parser and the whole search over a small index;
//! - [`html_extract`]: charset detection and extraction of HTML and text pages;
//! - [`jsonl_reader`]: the JSON Lines reader (plain and gzip) and the record builder;
//! - [`doc_number`]: the 文号 / 令号 parser, normaliser and finder.
//!
//! A crash found by fuzzing becomes a file under `fuzz/regressions/<target>/` named after
//! what it exposed; `tests/regressions.rs` replays every one of them.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use gongkai_core::docnumber::{self, DocNumber};
use gongkai_core::Record;
use gongkai_index::{GongkaiIndex, IndexOptions};
use gongkai_ingest::source::{self, InputFile, Kind, Payload};
use gongkai_search::query::{self, QueryError, MAX_ATOMS, MAX_QUERY_CHARS};
use gongkai_search::{FacetField, SearchError, SearchRequest};

/// A fuzz target: takes any bytes, panics on a broken promise.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/` and `fuzz/regressions/` name them.
pub const TARGETS: [(&str, Target); 4] = [
    ("query_parser", query_parser),
    ("html_extract", html_extract),
    ("jsonl_reader", jsonl_reader),
    ("doc_number", doc_number),
];

/// A small index of documents with titles, bodies, 文号 and metadata, built once.
static INDEX: LazyLock<(tempfile::TempDir, GongkaiIndex)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let index =
        GongkaiIndex::open_or_create(dir.path(), &IndexOptions::default()).expect("an index");
    let mut writer = index.writer(1, 15 << 20).expect("a writer");
    let records = [
        ("a", "国务院办公厅关于印发政府网站发展指引的通知", "国办发〔2017〕47号", "各省、自治区、直辖市人民政府：政府网站是信息公开的第一平台。所在单位应当做好“政府信息公开”工作。"),
        ("b", "德昌县2017年政府信息公开工作年度报告", "", "根据《中华人民共和国政府信息公开条例》和德府办发〔2017〕107号文件要求，现将本县工作情况报告如下。"),
        ("c", "基金会管理条例", "中华人民共和国国务院令第400号", "第一条 为了规范基金会的组织和活动，维护基金会、捐赠人和受益人的合法权益，制定本条例。"),
        ("d", "關於加強食品安全監督管理的意見", "", "食品安全關係人民群眾身體健康和生命安全。<script>alert(1)</script> & \"quotes\""),
    ];
    for (id, title, number, body) in records {
        let mut r = Record {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            department: Some("国务院办公厅".into()),
            doc_number: (!number.is_empty()).then(|| number.to_string()),
            category: Some("国务院文件/政府信息公开".into()),
            ..Record::default()
        };
        r.finish(None).expect("a valid record");
        writer.upsert(&r).expect("indexing");
    }
    writer.commit().expect("a commit");
    writer.finish().expect("merges");
    index.reload().expect("a reload");
    (dir, index)
});

/// Bytes as the text a client would send (invalid UTF-8 replaced, as the server's decoder
/// refuses it before parsing anyway).
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// A highlight is HTML whose only tags are `<mark>` and `</mark>`.
fn assert_inert_highlight(fragment: &str) {
    let plain = fragment.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !plain.contains('<') && !plain.contains('>') && !plain.contains('"'),
        "markup in a highlight: {fragment:?}"
    );
}

/// The query parser, then the whole search (query building, relaxation, facets, highlights)
/// over [`INDEX`].
pub fn query_parser(data: &[u8]) {
    let q = text(data);
    let parsed = query::parse(&q);
    assert_eq!(parsed, query::parse(&q), "parsing is deterministic");
    let chars = q.chars().count();
    match &parsed {
        Err(error) => {
            assert!(!error.to_string().is_empty());
            match error {
                QueryError::TooLong(limit) => {
                    assert_eq!(*limit, MAX_QUERY_CHARS);
                    assert!(chars > MAX_QUERY_CHARS, "{chars} chars");
                }
                QueryError::UnbalancedQuote(at) => assert!(*at < chars, "quote at {at}"),
                QueryError::TooManyTerms(limit) => assert_eq!(*limit, MAX_ATOMS),
            }
        }
        Ok(p) => {
            assert!(chars <= MAX_QUERY_CHARS);
            let atoms: usize = p.clauses.iter().map(|c| c.any_of.len()).sum();
            assert!(atoms <= MAX_ATOMS, "{atoms} atoms");
            assert!(p.clauses.iter().all(|c| !c.any_of.is_empty()));
        }
    }
    let request = SearchRequest {
        q: q.clone(),
        facets: vec![
            FacetField::Department,
            FacetField::Category,
            FacetField::Year,
        ],
        highlight: true,
        ..SearchRequest::default()
    };
    match gongkai_search::search(&INDEX.1, &request) {
        Ok(response) => {
            assert!(parsed.is_ok(), "a query the parser refuses was searched");
            assert!(response.total >= response.hits.len() as u64);
            assert!(response.hits.len() <= request.size);
            for hit in &response.hits {
                if let Some(h) = &hit.highlights {
                    assert_inert_highlight(&h.title);
                    let title_chars = hit.title.chars().count();
                    for [start, end] in &h.offsets.title {
                        assert!(start < end && *end <= title_chars, "offsets {start}..{end}");
                    }
                    for [start, end] in &h.offsets.body {
                        assert!(start < end, "offsets {start}..{end}");
                    }
                    for fragment in &h.body {
                        assert_inert_highlight(fragment);
                    }
                }
            }
        }
        Err(SearchError::Invalid(message)) => {
            assert!(parsed.is_err(), "searching {q:?} failed: {message}");
            assert!(!message.is_empty());
        }
        Err(other) => panic!("searching {q:?} failed: {other}"),
    }
}

/// No C0 control character but tab and newline, no byte order mark, no NUL.
fn assert_clean(what: &str, value: &str) {
    assert!(
        !value
            .chars()
            .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}'),
        "{what} carries a control character or a BOM: {value:?}"
    );
}

/// Charset detection and extraction of a page (HTML or text).
pub fn html_extract(data: &[u8]) {
    let decoded = gongkai_ingest::charset::decode(data, None);
    assert!(
        !decoded.text.starts_with('\u{feff}'),
        "a BOM left in the text"
    );
    let again = gongkai_ingest::charset::decode(data, None);
    assert_eq!(
        (decoded.text.as_str(), decoded.encoding),
        (again.text.as_str(), again.encoding)
    );
    let first = gongkai_ingest::page::parse_page(data, "fuzz/page.html", None);
    let second = gongkai_ingest::page::parse_page(data, "fuzz/page.html", None);
    match (&first, &second) {
        (Ok((a, wa)), Ok((b, wb))) => {
            assert_eq!(
                serde_json::to_string(a).ok(),
                serde_json::to_string(b).ok(),
                "extraction is deterministic"
            );
            assert_eq!(wa, wb);
            assert!(gongkai_core::record::check_id(&a.id).is_ok(), "{:?}", a.id);
            assert!(
                !(a.title.is_empty() && a.body.is_empty()),
                "a record without title or body"
            );
            assert_eq!(a.title.trim(), a.title, "an untrimmed title");
            assert!(!a.title.contains('\n'), "a title over lines: {:?}", a.title);
            assert_clean("title", &a.title);
            assert_clean("body", &a.body);
            for value in [&a.department, &a.doc_number, &a.index_no]
                .into_iter()
                .flatten()
            {
                assert_clean("metadata", value);
            }
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string());
            assert!(!a.to_string().is_empty());
        }
        _ => panic!("extraction is not deterministic"),
    }
}

static FILES: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary directory"));

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let path = FILES
        .path()
        .join(format!("{}-{name}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, bytes).expect("writing a scratch file");
    path
}

/// The JSON Lines reader on `data` as a plain file and as the same lines gzip-compressed, and
/// the record builder on every line it yields.
pub fn jsonl_reader(data: &[u8]) {
    // Lines the reader must yield: every line that is not blank.
    let expected: Vec<usize> = data
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, _)| i + 1)
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("compressing in memory");
    let gz = gz.finish().expect("compressing in memory");
    for (name, bytes, gzip) in [("in.jsonl", data, false), ("in.jsonl.gz", &gz[..], true)] {
        let path = scratch(name, bytes);
        let file = InputFile {
            path: path.clone(),
            kind: Kind::JsonLines,
            gzip,
            bytes: bytes.len() as u64,
        };
        let mut lines = Vec::new();
        source::read_file(&file, &mut |item| {
            assert_eq!(item.origin.file, path);
            let line = item.origin.line.expect("JSON Lines items carry their line");
            match &item.payload {
                Payload::JsonLine(bytes) => {
                    assert!(!bytes.iter().all(u8::is_ascii_whitespace), "a blank line");
                    match gongkai_ingest::pipeline::parse_item(&item) {
                        Ok((record, _)) => {
                            assert!(gongkai_core::record::check_id(&record.id).is_ok());
                            assert!(!(record.title.is_empty() && record.body.is_empty()));
                            assert_clean("title", &record.title);
                            assert_clean("body", &record.body);
                        }
                        Err(reason) => assert!(!reason.is_empty(), "line {line}"),
                    }
                }
                Payload::Unreadable(reason) => assert!(!reason.is_empty()),
                Payload::Page(_) => panic!("a page out of a JSON Lines file"),
            }
            lines.push(line);
        });
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            lines, expected,
            "{name}: one item per non-blank line, in order"
        );
    }
}

/// The 文号 / 令号 parser, normaliser and finder.
pub fn doc_number(data: &[u8]) {
    let s = text(data);
    let normalized = docnumber::normalize(&s);
    assert_eq!(
        docnumber::normalize(&normalized),
        normalized,
        "normalize is idempotent"
    );
    let parsed = DocNumber::parse(&s);
    assert_eq!(
        parsed.as_ref().map_or("", |n| n.normalized.as_str()),
        normalized,
        "normalize equals parse().normalized"
    );
    if let Some(n) = parsed.as_ref().filter(|n| n.is_structured()) {
        let again = DocNumber::parse(&n.normalized).expect("a normalised number parses");
        assert_eq!(
            (
                &again.normalized,
                &again.issuer,
                again.year,
                again.serial,
                again.kind
            ),
            (&n.normalized, &n.issuer, n.year, n.serial, n.kind),
            "a number parses the same from its normalised form"
        );
        assert!(n.issuer.as_deref().is_some_and(|i| !i.is_empty()));
    }
    if let Some(q) = DocNumber::parse_query(&s) {
        assert!(q.is_structured());
        assert_eq!(
            DocNumber::parse(&q.normalized).map(|n| n.normalized),
            Some(q.normalized)
        );
    }
    for found in docnumber::find_in_text(&s) {
        assert!(s.contains(&found), "{found:?} is not in the text");
        assert!(
            DocNumber::parse(&found).is_some_and(|n| n.is_structured()),
            "found {found:?}, which does not parse as a number"
        );
    }
}

/// Runs every target on `data` (for seed files that suit several).
pub fn all(data: &[u8]) {
    for (_, target) in TARGETS {
        target(data);
    }
}
