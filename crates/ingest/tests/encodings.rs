//! The encoding matrix (`tests/fixtures/encodings/`, see its README): GBK, GB2312 and GB18030
//! pages declared correctly, undeclared and mislabelled (as UTF-8, as ISO-8859-1, GB18030
//! four-byte characters under a GBK or GB2312 label), UTF-8 with and without BOM, UTF-16LE/BE
//! with and without BOM, and text pages. For every case the decoded text must equal the golden
//! UTF-8 (`NAME.utf8`) byte for byte, and the extracted record must equal its source's golden
//! (`sN.golden.json`) field for field.

use std::path::PathBuf;

use gongkai_ingest::charset::{self, DetectedBy};
use serde_json::{json, Value};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encodings")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// name, source, the encoding it must be decoded with, how that was decided, whether a
/// warning about the declaration is expected.
const CASES: [(&str, &str, &str, How, bool); 21] = [
    (
        "gbk_meta_charset.html",
        "s2",
        "gb18030",
        How::Declared,
        false,
    ),
    ("gbk_http_equiv.html", "s2", "gb18030", How::Declared, false),
    ("gbk_undeclared.html", "s2", "gb18030", How::Detected, false),
    (
        "gbk_declared_utf8.html",
        "s2",
        "gb18030",
        How::Detected,
        true,
    ),
    (
        "gbk_declared_latin1.html",
        "s2",
        "gb18030",
        How::Detected,
        true,
    ),
    (
        "gb2312_declared.html",
        "s1",
        "gb18030",
        How::Declared,
        false,
    ),
    (
        "gb2312_declared_gbk_chars.html",
        "s2",
        "gb18030",
        How::Declared,
        false,
    ),
    (
        "gb2312_undeclared.html",
        "s1",
        "gb18030",
        How::Detected,
        false,
    ),
    (
        "gb18030_declared.html",
        "s3",
        "gb18030",
        How::Declared,
        false,
    ),
    (
        "gb18030_undeclared.html",
        "s3",
        "gb18030",
        How::Detected,
        false,
    ),
    (
        "gb18030_declared_gbk.html",
        "s3",
        "gb18030",
        How::Declared,
        false,
    ),
    (
        "gb18030_declared_gb2312.html",
        "s3",
        "gb18030",
        How::Declared,
        false,
    ),
    ("utf8_bom_meta_gbk.html", "s2", "utf-8", How::Bom, false),
    ("utf8_undeclared.html", "s3", "utf-8", How::Detected, false),
    (
        "utf8_declared_gb2312.html",
        "s1",
        "utf-8",
        How::Detected,
        true,
    ),
    ("utf16le_bom.html", "s3", "utf-16le", How::Bom, false),
    ("utf16be_bom.html", "s2", "utf-16be", How::Bom, false),
    (
        "utf16le_no_bom.html",
        "s1",
        "utf-16le",
        How::Detected,
        false,
    ),
    (
        "utf16be_no_bom.html",
        "s3",
        "utf-16be",
        How::Detected,
        false,
    ),
    (
        "text_gbk_undeclared.txt",
        "s2",
        "gb18030",
        How::Detected,
        false,
    ),
    (
        "text_gb18030_undeclared.txt",
        "s3",
        "gb18030",
        How::Detected,
        false,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum How {
    Bom,
    Declared,
    Detected,
}

fn how(detected: DetectedBy) -> How {
    match detected {
        DetectedBy::Bom => How::Bom,
        DetectedBy::Declared(_) => How::Declared,
        DetectedBy::Detected => How::Detected,
    }
}

/// The fields a golden fixes.
fn extracted(name: &str) -> Value {
    let (record, _) = gongkai_ingest::page::parse_page(&read(name), name, None)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    json!({
        "title": record.title,
        "department": record.department,
        "publish_date": record.publish_date.map(|d| d.to_string()),
        "doc_number": record.doc_number,
        "body": record.body,
    })
}

#[test]
fn every_case_decodes_to_its_golden_byte_for_byte() {
    for (name, _, encoding, expected_how, declaration_warning) in CASES {
        let decoded = charset::decode(&read(name), None);
        let golden = read(&format!("{name}.utf8"));
        assert!(
            decoded.text.as_bytes() == golden.as_slice(),
            "{name}: the decoded text differs from {name}.utf8 (decoded as {})",
            decoded.encoding.name()
        );
        assert_eq!(
            decoded.encoding.name().to_ascii_lowercase(),
            encoding,
            "{name}"
        );
        assert_eq!(how(decoded.how), expected_how, "{name}");
        let warned = decoded.warnings.iter().any(|w| w.contains("declared"));
        assert_eq!(
            warned, declaration_warning,
            "{name}: warnings {:?}",
            decoded.warnings
        );
        assert!(
            !decoded
                .warnings
                .iter()
                .any(|w| w.contains("replacement characters after")),
            "{name}: {:?}",
            decoded.warnings
        );
    }
}

#[test]
fn every_case_extracts_its_sources_golden_record() {
    for (name, source, ..) in CASES {
        let golden: Value =
            serde_json::from_slice(&read(&format!("{source}.golden.json"))).unwrap();
        let got = extracted(name);
        if std::env::var_os("GONGKAI_PRINT_EXTRACTION").is_some() {
            println!("{name}: {}", serde_json::to_string_pretty(&got).unwrap());
        }
        assert_eq!(got, golden, "{name} against {source}.golden.json");
    }
}

#[test]
fn four_byte_characters_survive_every_gb_label() {
    for name in [
        "gb18030_declared.html",
        "gb18030_undeclared.html",
        "gb18030_declared_gbk.html",
        "gb18030_declared_gb2312.html",
        "text_gb18030_undeclared.txt",
    ] {
        let body = extracted(name)["body"].as_str().unwrap().to_string();
        for c in [
            '\u{20000}',
            '\u{3BBE}',
            '\u{21336}',
            '\u{2A6A5}',
            '\u{2A700}',
        ] {
            assert!(
                body.contains(c) || extracted(name)["title"].as_str().unwrap().contains(c),
                "{name}: U+{:X} lost",
                c as u32
            );
        }
    }
}
