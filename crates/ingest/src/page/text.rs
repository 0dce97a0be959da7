//! Plain-text pages → [`Record`]s.
//!
//! This module owns the layout of text saved from portals (copy-paste or text dumps of a page):
//!
//! ```text
//! 德昌县2017年政府信息公开工作年度报告 |
//! |
//! 来源:德昌县人民政府办公室 时间:2018-03-30 14:54 点击率:【打印】【关闭】 |
//! 本报告根据…… 德昌县人民政府办公室 2017年2月23日 |
//! 下一篇:
//! ```
//!
//! The first line is the title (unless a `标题：` label says otherwise); the header lines after
//! it are labelled metadata and chrome; then the body runs to the end, less chrome lines and
//! trailing `|` cell separators. Labels, chrome and the signature date are [`super::meta`]'s.

use gongkai_core::Record;

use super::meta;
use super::{finish, PageError};
use crate::charset;

/// Parses a text page: decodes it ([`charset::decode`]; GBK text is common), then see
/// [`parse_text_str`].
pub fn parse_text(bytes: &[u8], source: &str) -> Result<(Record, Vec<String>), PageError> {
    let decoded = charset::decode(bytes, None);
    parse_text_str(&decoded.text, source, None, decoded.warnings)
}

/// Parses decoded text. `source` names the input, `url` is where it was published; `warnings`
/// (from decoding) are passed through.
pub fn parse_text_str(
    text: &str,
    source: &str,
    url: Option<&str>,
    mut warnings: Vec<String>,
) -> Result<(Record, Vec<String>), PageError> {
    let mut record = Record::default();
    // Portal text dumps end table cells with ` |`; it is never part of the text.
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '|' | '｜')))
        .collect();

    let mut i = 0;
    let mut first_line_title = None;
    while let Some(line) = lines.get(i) {
        let t = line.trim();
        if t.is_empty() || meta::is_chrome_line(t) {
            i += 1;
            continue;
        }
        if meta::scan_metadata_line(t).is_none() {
            first_line_title = Some(meta::strip_title_suffix(t));
            i += 1;
        }
        break;
    }

    // Header: metadata and chrome lines up to the first line of text.
    while let Some(line) = lines.get(i) {
        let t = line.trim();
        if t.is_empty() || meta::is_chrome_line(t) {
            i += 1;
            continue;
        }
        let Some(pairs) = meta::scan_metadata_line(t) else {
            break;
        };
        for (label, value) in pairs {
            meta::apply_label(&mut record, &label, &value, &mut warnings);
        }
        i += 1;
    }
    if record.title.is_empty() {
        record.title = first_line_title.unwrap_or_default();
    }

    let mut kept: Vec<String> = Vec::new();
    for line in lines.iter().skip(i) {
        if !kept.is_empty() && meta::ends_article(line) {
            break;
        }
        if let Some(clean) = meta::clean_line(line) {
            kept.push(clean);
        }
    }
    // Trailing label lines (`责任编辑：…`) are metadata too.
    while let Some(last) = kept.last() {
        let Some(pairs) = meta::scan_metadata_line(last) else {
            break;
        };
        for (label, value) in pairs {
            meta::apply_label(&mut record, &label, &value, &mut warnings);
        }
        kept.pop();
    }
    record.body = kept.join("\n");
    if record.written_date.is_none() {
        record.written_date = meta::signature_date(&record.body);
    }
    if record.doc_number.is_none() {
        record.doc_number = meta::leading_doc_number(&record.body);
    }
    record.source_url = url.map(str::to_string);
    finish(record, source, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_core::Date;

    #[test]
    fn title_header_body() {
        let text = "关于开展安全检查的通知 |\n|\n发布时间：2019-05-06 文号：德安办〔2019〕3号 |\n各乡镇：\n现将有关事项通知如下。\n德昌县安全生产委员会办公室\n2019年5月5日\n上一篇：无\n";
        let (r, w) = parse_text_str(text, "a.txt", None, Vec::new()).unwrap();
        assert_eq!(r.title, "关于开展安全检查的通知");
        assert_eq!(r.doc_number.as_deref(), Some("德安办〔2019〕3号"));
        assert_eq!(r.publish_date, Date::from_ymd(2019, 5, 6));
        assert_eq!(r.written_date, Date::from_ymd(2019, 5, 5));
        assert_eq!(
            r.body,
            "各乡镇：\n现将有关事项通知如下。\n德昌县安全生产委员会办公室\n2019年5月5日"
        );
        assert!(w.is_empty());
    }

    #[test]
    fn a_title_label_wins_and_empty_input_is_an_error() {
        let (r, _) = parse_text_str("标题：关于X的批复\n正文", "b.txt", None, Vec::new()).unwrap();
        assert_eq!(r.title, "关于X的批复");
        assert_eq!(r.body, "正文");
        assert!(matches!(
            parse_text_str(" \n|\n", "c.txt", None, Vec::new()),
            Err(PageError::NoContent)
        ));
    }
}
