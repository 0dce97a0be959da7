//! Page fixtures (see `tests/fixtures/pages/README.md`) → records: metadata, chrome-free bodies,
//! and decoding of every encoding portals serve.

use std::path::PathBuf;

use gongkai_core::{Date, Record, Validity};
use gongkai_ingest::charset::{self, Declaration, DetectedBy};
use gongkai_ingest::page::{parse_html, parse_page, parse_text, PageError};
use proptest::prelude::*;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pages")
        .join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn date(text: &str) -> Option<Date> {
    Some(Date::parse(text).unwrap_or_else(|| panic!("bad test date {text}")))
}

/// What a fixture must parse to. `None` fields are not checked, except where noted.
#[derive(Default)]
struct Expected<'a> {
    title: &'a str,
    department: Option<&'a str>,
    publish_date: Option<&'a str>,
    written_date: Option<&'a str>,
    /// Checked always: `None` means the page has no 文号 label.
    doc_number: Option<&'a str>,
    index_no: Option<&'a str>,
    topic: Option<&'a str>,
    doc_type: Option<&'a str>,
    validity: Option<Validity>,
    source_url: Option<&'a str>,
    body_starts: &'a str,
    body_ends: &'a str,
    /// Checked always.
    cited: &'a [&'a str],
    extra: &'a [(&'a str, &'a str)],
}

/// Strings that are page furniture on every fixture and in no fixture's text.
const CHROME: &[&str] = &[
    "打印",
    "关闭",
    "上一篇",
    "下一篇",
    "点击率",
    "浏览次数",
    "版权所有",
    "ICP",
    "当前位置",
    "您当前的位置",
    "您现在的位置",
    "分享到",
    "网站地图",
    "字体",
    "网站标识码",
    "责任编辑",
    "相关链接",
];

fn check(name: &str, expected: &Expected<'_>) -> (Record, Vec<String>) {
    let bytes = fixture(name);
    let (record, warnings) =
        parse_page(&bytes, name, None).unwrap_or_else(|e| panic!("{name}: {e}"));
    let r = &record;
    assert_eq!(r.title, expected.title, "{name}: title");
    if let Some(d) = expected.department {
        assert_eq!(r.department.as_deref(), Some(d), "{name}: department");
    }
    if let Some(d) = expected.publish_date {
        assert_eq!(r.publish_date, date(d), "{name}: publish_date");
        assert_eq!(r.year, date(d).map(|d| d.year()), "{name}: year");
    }
    if let Some(d) = expected.written_date {
        assert_eq!(r.written_date, date(d), "{name}: written_date");
    }
    assert_eq!(
        r.doc_number.as_deref(),
        expected.doc_number,
        "{name}: doc_number"
    );
    if let Some(i) = expected.index_no {
        assert_eq!(r.index_no.as_deref(), Some(i), "{name}: index_no");
    }
    if let Some(t) = expected.topic {
        assert_eq!(r.topic.as_deref(), Some(t), "{name}: topic");
    }
    if let Some(t) = expected.doc_type {
        assert_eq!(r.doc_type.as_deref(), Some(t), "{name}: doc_type");
    }
    if let Some(v) = expected.validity {
        assert_eq!(r.validity, Some(v), "{name}: validity");
    }
    if let Some(u) = expected.source_url {
        assert_eq!(r.source_url.as_deref(), Some(u), "{name}: source_url");
    }
    assert!(
        r.body.starts_with(expected.body_starts),
        "{name}: body starts {:?}",
        head(&r.body)
    );
    assert!(
        r.body.ends_with(expected.body_ends),
        "{name}: body ends {:?}",
        tail(&r.body)
    );
    for chrome in CHROME {
        assert!(
            !r.body.contains(chrome),
            "{name}: body contains chrome {chrome:?}:\n{}",
            r.body
        );
    }
    assert!(
        !r.body.contains('\u{FFFD}'),
        "{name}: replacement characters in body"
    );
    assert!(
        !r.body.contains(" |") && !r.body.contains("\n\n"),
        "{name}: separators in body"
    );
    assert_eq!(r.cited_doc_numbers, expected.cited, "{name}: cited 文号");
    for (key, value) in expected.extra {
        assert_eq!(
            r.extra.get(*key).and_then(|v| v.as_str()),
            Some(*value),
            "{name}: extra {key}"
        );
    }
    assert_eq!(r.id.len(), 16, "{name}: derived id");
    (record, warnings)
}

fn head(s: &str) -> String {
    s.chars().take(40).collect()
}

fn tail(s: &str) -> String {
    let n = s.chars().count();
    s.chars().skip(n.saturating_sub(40)).collect()
}

/// Decoding `name` must give exactly the UTF-8 source it was generated from.
fn check_decoding(name: &str, golden: &str) -> charset::Decoded {
    let decoded = charset::decode(&fixture(name), None);
    let expected = String::from_utf8(fixture(golden)).unwrap_or_else(|e| panic!("{golden}: {e}"));
    assert!(
        decoded.text == expected,
        "{name}: decoded text differs from {golden}"
    );
    decoded
}

#[test]
fn seed_text_page_from_dechang() {
    let (r, warnings) = check(
        "seed_dechang_2017_report.txt",
        &Expected {
            title: "德昌县2017年政府信息公开工作年度报告",
            department: Some("德昌县人民政府办公室"),
            publish_date: Some("2018-03-30"),
            written_date: Some("2017-02-23"),
            doc_type: Some("报告"),
            body_starts: "本报告根据",
            body_ends: "德昌县人民政府办公室 2017年2月23日",
            cited: &[
                "德府办发〔2017〕107号",
                "德府办发〔2017〕21号",
                "发改价格〔2008〕1828号",
            ],
            ..Expected::default()
        },
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(r.extra.is_empty(), "{:?}", r.extra);
    // The same through the text parser directly.
    let (direct, _) = parse_text(
        &fixture("seed_dechang_2017_report.txt"),
        "seed_dechang_2017_report.txt",
    )
    .unwrap();
    assert_eq!(direct, r);
}

#[test]
fn state_council_policy_page() {
    let (r, warnings) = check(
        "gov_cn_guobanfa_2017_47.html",
        &Expected {
            title: "国务院办公厅关于印发政府网站发展指引的通知",
            department: Some("国务院办公厅"),
            publish_date: Some("2017-06-08"),
            written_date: Some("2017-05-15"),
            doc_number: Some("国办发〔2017〕47号"),
            index_no: Some("000014349/2017-00081"),
            topic: Some("政府工作\\其他"),
            doc_type: Some("通知"),
            source_url: Some("http://www.gov.cn/zhengce/content/2017-06/08/content_5200760.htm"),
            body_starts: "国办发〔2017〕47号\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n《政府网站发展指引》已经国务院同意",
            body_ends: "负责推进、指导、协调、监督全国政府网站建设和发展。",
            cited: &["国发〔2016〕55号", "国办发〔2014〕57号"],
            ..Expected::default()
        },
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        r.body
            .contains("\n国务院办公厅\n2017年5月15日\n（此件公开发布）\n政府网站发展指引\n"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("统计") && !r.body.contains("_hmt"),
        "script text leaked"
    );
    // 责任编辑 under the article is metadata, not text; the site's own ContentSource is not
    // the issuing organ when the table names one.
    assert_eq!(
        r.extra.get("责任编辑").and_then(|v| v.as_str()),
        Some("王洋")
    );
    assert_eq!(
        r.extra.get("来源").and_then(|v| v.as_str()),
        Some("中国政府网")
    );
}

#[test]
fn county_notice_in_gbk_with_chrome() {
    let decoded = check_decoding("county_notice_gbk.html", "county_notice_gbk.src.html");
    assert_eq!(decoded.encoding, encoding_rs::GB18030);
    assert_eq!(decoded.how, DetectedBy::Declared(Declaration::Meta));
    let (_, warnings) = check(
        "county_notice_gbk.html",
        &Expected {
            title: "德昌县人民政府办公室关于做好2018年春节期间安全生产工作的通知",
            department: Some("德昌县人民政府办公室"),
            publish_date: Some("2018-02-06"),
            written_date: Some("2018-02-05"),
            doc_number: Some("德府办发〔2018〕8号"),
            doc_type: Some("通知"),
            body_starts: "各乡镇人民政府，县级各部门：\n春节将至",
            body_ends: "德昌县人民政府办公室\n2018年2月5日",
            cited: &["凉府办发〔2018〕3号"],
            ..Expected::default()
        },
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn gb18030_page_without_declaration_keeps_four_byte_characters() {
    let decoded = check_decoding("land_notice_gb18030.html", "land_notice_gb18030.src.html");
    assert_eq!(decoded.encoding, encoding_rs::GB18030);
    assert_eq!(decoded.how, DetectedBy::Detected);
    let (r, warnings) = check(
        "land_notice_gb18030.html",
        &Expected {
            title: "株洲市荷塘区人民政府征收土地预公告",
            department: Some("荷塘区自然资源局"),
            publish_date: Some("2019-07-12"),
            written_date: Some("2019-07-10"),
            // No 文号 label: the number standing alone above the text is the document's own.
            doc_number: Some("荷政征预〔2019〕12号"),
            doc_type: Some("公告"),
            validity: Some(Validity::Valid),
            body_starts: "荷政征预〔2019〕12号\n根据《中华人民共和国土地管理法》",
            body_ends: "特此公告。\n株洲市荷塘区人民政府\n2019年7月10日",
            cited: &[],
            extra: &[("公开方式", "主动公开")],
            ..Expected::default()
        },
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(r.body.contains("王𠀀") && r.body.contains("㮾下村") && r.body.contains("张𡌶林"));
}

#[test]
fn mislabelled_utf8_page() {
    let bytes = fixture("mislabelled_utf8.html");
    let decoded = charset::decode(&bytes, None);
    assert_eq!(decoded.encoding, encoding_rs::UTF_8);
    assert_eq!(decoded.how, DetectedBy::Detected);
    assert_eq!(
        Some(decoded.text.as_str()),
        std::str::from_utf8(&bytes).ok()
    );
    let (_, warnings) = check(
        "mislabelled_utf8.html",
        &Expected {
            title: "关于公布2020年度行政许可事项清单的公告",
            department: Some("市市场监督管理局"),
            publish_date: Some("2020-03-18"),
            written_date: Some("2020-03-17"),
            doc_type: Some("公告"),
            body_starts: "根据《国务院关于取消和下放一批行政许可事项的决定》",
            body_ends: "某某市市场监督管理局\n2020年3月17日",
            cited: &["国发〔2020〕13号"],
            ..Expected::default()
        },
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("gb18030") || warnings[0].contains("GB18030"),
        "{warnings:?}"
    );
}

#[test]
fn utf8_with_bom_beats_its_meta() {
    let decoded = check_decoding("utf8_bom.html", "utf8_bom.src.html");
    assert_eq!(
        (decoded.encoding, decoded.how),
        (encoding_rs::UTF_8, DetectedBy::Bom)
    );
    let (_, warnings) = check(
        "utf8_bom.html",
        &Expected {
            title: "凉山州人民政府办公室关于印发凉山州2018年政务公开工作要点的通知",
            department: Some("凉山州人民政府办公室"),
            publish_date: Some("2018-06-01"),
            written_date: Some("2018-05-28"),
            doc_number: Some("凉府办发〔2018〕25号"),
            index_no: Some("00893434-6/2018-00052"),
            doc_type: Some("通知"),
            body_starts: "各县市人民政府，州级各部门：",
            body_ends: "凉山州人民政府办公室\n2018年5月28日",
            cited: &["国办发〔2018〕23号"],
            ..Expected::default()
        },
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn utf16le_with_bom() {
    let decoded = check_decoding("utf16le_bom.html", "utf16le_bom.src.html");
    assert_eq!(
        (decoded.encoding, decoded.how),
        (encoding_rs::UTF_16LE, DetectedBy::Bom)
    );
    check(
        "utf16le_bom.html",
        &Expected {
            title: "关于2019年部门预算公开的说明",
            department: Some("县财政局"),
            publish_date: Some("2019-02-20"),
            body_starts: "根据《中华人民共和国预算法》",
            body_ends: "支出总计1234.56万元。",
            cited: &["财预〔2016〕143号"],
            ..Expected::default()
        },
    );
}

#[test]
fn parse_html_and_errors() {
    let bytes = fixture("gov_cn_guobanfa_2017_47.html");
    let (r, _) = parse_html(&bytes, "x.html", Some("https://example.gov.cn/a.htm")).unwrap();
    assert_eq!(
        r.source_url.as_deref(),
        Some("https://example.gov.cn/a.htm")
    );
    assert_eq!(
        parse_html(b"<html><script>x()</script></html>", "e.html", None),
        Err(PageError::NoContent)
    );
    assert_eq!(parse_text(b"\n \n", "e.txt"), Err(PageError::NoContent));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decode_and_parse_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = charset::decode(&bytes, None);
        let _ = charset::decode(&bytes, Some("gb2312"));
        let _ = parse_page(&bytes, "fuzz", None);
        let _ = parse_text(&bytes, "fuzz");
    }

    #[test]
    fn html_like_garbage_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("<p>".to_string()), Just("</p>".to_string()), Just("<td>".to_string()), Just("<tr>".to_string()),
                Just("<table>".to_string()), Just("<div id=\"zoom\">".to_string()), Just("</div>".to_string()),
                Just("来源：".to_string()), Just("时间:".to_string()), Just("索引号：".to_string()), Just("【打印】".to_string()),
                Just("2017年2月23日".to_string()), Just("<title>".to_string()), Just("_".to_string()), Just(" ".to_string()),
                "[\\u{0}-\\u{10FFFF}]{0,8}",
            ],
            0..64,
        )
    ) {
        let text = parts.concat();
        let _ = parse_page(text.as_bytes(), "fuzz.html", None);
        let _ = gongkai_ingest::page::parse_html(text.as_bytes(), "fuzz.html", None);
    }
}
