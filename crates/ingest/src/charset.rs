//! Charset detection and decoding of fetched pages.
//!
//! This module owns the question "which bytes mean which characters" for every page Gongkai
//! ingests. Chinese government portals still serve a great deal of GB2312/GBK content, often
//! mislabelled, so the decision is made in a fixed order and every doubtful step is reported:
//!
//! 1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE) wins outright;
//! 2. a charset the caller was told about (an HTTP `Content-Type` header, a crawl manifest);
//! 3. a `<meta charset>` / `<meta http-equiv="Content-Type">` (or an XML declaration) found in
//!    the first 4 KiB, scanned as ASCII;
//! 4. without a declaration: UTF-16 without BOM recognised by its zero bytes, else
//!    statistical detection with `chardetng` (UTF-8 allowed, no TLD hint).
//!
//! Every GB label (`gb2312`, `gbk`, `gb18030`, `x-gbk` …) decodes as GB18030, the superset, so
//! four-byte sequences such as U+20000 `𠀀` survive pages that claim to be GB2312.
//!
//! Declarations lie. A declared legacy encoding is overridden when the bytes are valid,
//! non-ASCII UTF-8 (a GBK text of any length practically never is), and any declaration is
//! overridden when it produces replacement characters and detection does clearly better; a
//! single-byte Western declaration (ISO-8859-1, windows-1252) over bytes that read cleanly as
//! GB18030 or Big5 is overridden too (every byte is valid windows-1252, so it would give
//! mojibake without a single replacement character). Each case leaves a warning. [`decode`] is total: garbage in gives replacement characters and a
//! warning, never a panic.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, BIG5, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};

/// How many leading bytes are scanned for a `<meta>` charset declaration.
const META_SCAN_LIMIT: usize = 4096;

/// Where a declared charset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declaration {
    /// Given by the caller (an HTTP header, a manifest).
    External,
    /// A `<meta>` tag or XML declaration inside the document.
    Meta,
}

/// Which rule chose the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectedBy {
    /// A byte order mark.
    Bom,
    /// A declaration that was believed.
    Declared(Declaration),
    /// Statistical detection, or an override of a declaration that did not fit the bytes.
    Detected,
}

/// A decoded page.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text, without any byte order mark.
    pub text: String,
    /// The encoding the text was decoded with.
    pub encoding: &'static Encoding,
    /// Which rule chose it.
    pub how: DetectedBy,
    /// Doubts worth reporting next to the input: overridden declarations, replacement characters.
    pub warnings: Vec<String>,
}

/// Decodes `bytes`, a whole page. `declared` is a charset label (or a whole `Content-Type`
/// value such as `text/html; charset=GBK`) known from outside the document, if any.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Decoded {
    let mut warnings = Vec::new();

    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        let (text, _) = encoding.decode_without_bom_handling(body);
        return finish(text.into_owned(), encoding, DetectedBy::Bom, warnings);
    }

    let mut declaration = None;
    if let Some(raw) = declared {
        match label_to_encoding(raw, Declaration::External) {
            Some(encoding) => declaration = Some((encoding, Declaration::External)),
            None => warnings.push(format!(
                "unknown declared charset {:?}; ignored",
                raw.trim()
            )),
        }
    }
    if declaration.is_none() {
        if let Some(label) = sniff_meta_charset(bytes) {
            match label_to_encoding(&label, Declaration::Meta) {
                Some(encoding) => declaration = Some((encoding, Declaration::Meta)),
                None => warnings.push(format!("unknown charset {label:?} in <meta>; ignored")),
            }
        }
    }

    let Some((declared_encoding, source)) = declaration else {
        let encoding = utf16_without_bom(bytes).unwrap_or_else(|| detect(bytes));
        let text = decode_with(encoding, bytes);
        return finish(text, encoding, DetectedBy::Detected, warnings);
    };

    // A single-byte Western declaration (ISO-8859-1, windows-1252 …) over bytes that decode
    // cleanly as a Chinese multi-byte encoding: every byte is valid windows-1252, so the
    // declaration would give mojibake without a single replacement character. A Chinese
    // government page is never really in a Western single-byte encoding.
    if declared_encoding.is_single_byte() && !bytes.is_ascii() {
        let guess = detect(bytes);
        if guess == GB18030 || guess == BIG5 {
            let alternative = decode_with(guess, bytes);
            if count_replacements(&alternative) == 0 {
                warnings.push(format!(
                    "declared charset {} but the content reads as {}; decoded as {}",
                    declared_encoding.name(),
                    guess.name(),
                    guess.name()
                ));
                return finish(alternative, guess, DetectedBy::Detected, warnings);
            }
        }
    }

    // A legacy declaration over bytes that are valid UTF-8 with non-ASCII content: the page
    // was re-encoded (or written in UTF-8 from the start) and the template kept its old <meta>.
    // Decoding it as GBK would not even produce replacement characters, only mojibake.
    if declared_encoding != UTF_8 && is_ascii_compatible(declared_encoding) && !bytes.is_ascii() {
        if let Ok(text) = std::str::from_utf8(bytes) {
            warnings.push(format!(
                "declared charset {} but the content is valid UTF-8; decoded as UTF-8",
                declared_encoding.name()
            ));
            return finish(text.to_string(), UTF_8, DetectedBy::Detected, warnings);
        }
    }

    let text = decode_with(declared_encoding, bytes);
    let bad = count_replacements(&text);
    if bad > 0 {
        let guess = detect(bytes);
        if guess != declared_encoding {
            let alternative = decode_with(guess, bytes);
            let alternative_bad = count_replacements(&alternative);
            // Only switch for a clear improvement: a few broken bytes in an otherwise
            // correctly declared page are better kept than a guess.
            if alternative_bad * 4 < bad {
                warnings.push(format!(
                    "declared charset {} gives {bad} replacement characters; decoded as detected {} instead",
                    declared_encoding.name(),
                    guess.name()
                ));
                return finish(alternative, guess, DetectedBy::Detected, warnings);
            }
        }
    }
    finish(
        text,
        declared_encoding,
        DetectedBy::Declared(source),
        warnings,
    )
}

/// Adds the replacement-character warning and builds the result.
fn finish(
    text: String,
    encoding: &'static Encoding,
    how: DetectedBy,
    mut warnings: Vec<String>,
) -> Decoded {
    let bad = count_replacements(&text);
    if bad > 0 {
        let total = text.chars().count().max(1);
        // More than 10, or more than 0.1 % of the text: a real decoding problem, not one stray
        // character the author typed.
        if bad > 10 || bad * 1000 > total {
            warnings.push(format!(
                "{bad} replacement characters after decoding as {}",
                encoding.name()
            ));
        }
    }
    Decoded {
        text,
        encoding,
        how,
        warnings,
    }
}

/// Decodes without BOM sniffing (BOMs were handled before) and without panicking.
fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

fn count_replacements(text: &str) -> usize {
    text.chars()
        .filter(|&c| c == char::REPLACEMENT_CHARACTER)
        .count()
}

/// UTF-16 is the only family a `<meta>` scan or an ASCII heuristic cannot apply to.
fn is_ascii_compatible(encoding: &'static Encoding) -> bool {
    encoding != UTF_16LE && encoding != UTF_16BE
}

/// UTF-16 without a byte order mark, recognised by its zero bytes: HTML markup is mostly
/// ASCII, which UTF-16LE writes as `xx 00` and UTF-16BE as `00 xx`, while ASCII-compatible
/// encodings have no zero bytes at all in text.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let pairs: Vec<&[u8]> = bytes.chunks_exact(2).take(2048).collect();
    if pairs.len() < 16 {
        return None;
    }
    let zero_high = pairs.iter().filter(|p| p[1] == 0 && p[0] != 0).count();
    let zero_low = pairs.iter().filter(|p| p[0] == 0 && p[1] != 0).count();
    let n = pairs.len();
    if zero_high * 4 >= n && zero_low * 50 < n {
        Some(UTF_16LE)
    } else if zero_low * 4 >= n && zero_high * 50 < n {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Statistical detection over the whole input; GB encodings widened to GB18030.
fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    widen(detector.guess(None, Utf8Detection::Allow))
}

/// GB2312 and GBK are subsets of GB18030; decoding with the superset loses nothing.
fn widen(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == GBK {
        GB18030
    } else {
        encoding
    }
}

/// Resolves a label (or a `type/subtype; charset=label` value) to an encoding.
fn label_to_encoding(raw: &str, source: Declaration) -> Option<&'static Encoding> {
    let label = match find_ascii_ci(raw.as_bytes(), b"charset") {
        Some(at) => charset_value(raw.as_bytes(), at + b"charset".len())?,
        None => raw.trim().to_string(),
    };
    let encoding = widen(Encoding::for_label(label.as_bytes())?);
    if source == Declaration::Meta {
        // The HTML standard: a <meta> claiming UTF-16 was necessarily read as ASCII, so it
        // cannot be right; and x-user-defined means windows-1252.
        if encoding == UTF_16LE || encoding == UTF_16BE {
            return Some(UTF_8);
        }
        if encoding == encoding_rs::X_USER_DEFINED {
            return Some(encoding_rs::WINDOWS_1252);
        }
    }
    Some(encoding)
}

/// Finds a charset declared in the first [`META_SCAN_LIMIT`] bytes: `<meta charset=…>`,
/// `<meta http-equiv="Content-Type" content="…; charset=…">` or `<?xml … encoding="…"?>`.
/// The scan treats the bytes as ASCII, as browsers' prescan does.
fn sniff_meta_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(META_SCAN_LIMIT)];
    if head.starts_with(b"<?xml") {
        let end = find(head, b"?>").unwrap_or(head.len());
        let decl = &head[..end];
        if let Some(at) = find_ascii_ci(decl, b"encoding") {
            if let Some(label) = charset_value(decl, at + b"encoding".len()) {
                return Some(label);
            }
        }
    }
    let mut from = 0;
    while let Some(offset) = find_ascii_ci(&head[from..], b"<meta") {
        let start = from + offset + b"<meta".len();
        let end = head[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(head.len(), |p| start + p);
        let tag = &head[start..end];
        if let Some(at) = find_ascii_ci(tag, b"charset") {
            if let Some(label) = charset_value(tag, at + b"charset".len()) {
                return Some(label);
            }
        }
        from = end;
    }
    None
}

/// Reads `\s*=\s*["']?label` starting at `at`.
fn charset_value(bytes: &[u8], at: usize) -> Option<String> {
    let rest = bytes.get(at..)?;
    let mut i = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while rest
        .get(i)
        .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
    {
        i += 1;
    }
    let label: String = rest[i.min(rest.len())..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        .map(|&b| char::from(b))
        .collect();
    (!label.is_empty()).then_some(label)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins_over_declarations() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("<meta charset=gbk>政府".as_bytes());
        let d = decode(&bytes, Some("gb2312"));
        assert_eq!(d.how, DetectedBy::Bom);
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.text, "<meta charset=gbk>政府");

        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "信息公开".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let d = decode(&utf16, None);
        assert_eq!((d.text.as_str(), d.encoding), ("信息公开", UTF_16LE));
    }

    #[test]
    fn gb_labels_decode_as_gb18030() {
        let (bytes, _, _) = GB18030.encode("<meta charset=\"gb2312\"><p>𠀀字，德昌县人民政府</p>");
        let d = decode(&bytes, None);
        assert_eq!(d.how, DetectedBy::Declared(Declaration::Meta));
        assert_eq!(d.encoding, GB18030);
        assert!(d.text.contains("𠀀字"), "{}", d.text);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    }

    #[test]
    fn content_type_values_and_http_equiv_are_understood() {
        let (bytes, _, _) = GBK.encode("国务院办公厅关于印发政府网站发展指引的通知");
        let d = decode(&bytes, Some("text/html; charset=GBK"));
        assert_eq!(d.how, DetectedBy::Declared(Declaration::External));
        assert_eq!(d.text, "国务院办公厅关于印发政府网站发展指引的通知");

        let html = b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=gb2312'>";
        assert_eq!(sniff_meta_charset(html).as_deref(), Some("gb2312"));
        assert_eq!(
            sniff_meta_charset(b"<?xml version=\"1.0\" encoding=\"GBK\"?>").as_deref(),
            Some("GBK")
        );
        assert_eq!(sniff_meta_charset(b"<meta name=charset>"), None);
    }

    #[test]
    fn mislabelled_utf8_is_decoded_as_utf8_with_a_warning() {
        let d = decode("<meta charset=gb2312><p>政府信息公开</p>".as_bytes(), None);
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.how, DetectedBy::Detected);
        assert!(d.text.contains("政府信息公开"));
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    }

    #[test]
    fn gbk_declared_as_utf8_is_detected() {
        let text = "德昌县人民政府办公室关于进一步做好政府信息公开工作的通知。各乡镇人民政府，县级各部门：";
        let (bytes, _, _) = GBK.encode(text);
        let d = decode(&bytes, Some("utf-8"));
        assert_eq!(d.encoding, GB18030);
        assert_eq!(d.text, text);
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("declared charset UTF-8")),
            "{:?}",
            d.warnings
        );
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let bytes: Vec<u8> = (0..400u32).map(|i| (i * 37 % 256) as u8).collect();
        let d = decode(&bytes, Some("utf-8"));
        assert!(!d.text.is_empty());
        let _ = decode(&[], None);
        let _ = decode(b"<meta charset=", Some("nonsense"));
        let _ = decode(&[0xFF, 0xFE, 0x00], None);
    }
}
