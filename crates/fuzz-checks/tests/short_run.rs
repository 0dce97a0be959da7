//! The short fuzzing run of CI: each target on arbitrary bytes and on near-valid inputs from
//! generators that know the input's shape (query syntax, portal pages in UTF-8 and GBK, JSON
//! Lines mixing good and broken records, 文号 in every spelling). `GONGKAI_FUZZ_CASES=N`
//! (default 500 per property) runs longer; proptest prints a failing input, shrunk, and
//! records its seed in `short_run.proptest-regressions`.

use gongkai_fuzz_checks::{doc_number, html_extract, jsonl_reader, query_parser};
use proptest::prelude::*;
use proptest::sample::select;

fn config() -> ProptestConfig {
    let cases = std::env::var("GONGKAI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

const CJK: [&str; 24] = [
    "政府",
    "信息",
    "公开",
    "条例",
    "通知",
    "所在",
    "单位",
    "國務院",
    "办公厅",
    "关于",
    "印发",
    "食品",
    "安全",
    "监督",
    "管理",
    "办法",
    "𠀀",
    "㮾",
    "＂",
    "（",
    "）",
    "？",
    "〔",
    "〕",
];
const ASCII: [&str; 20] = [
    "OR", "AND", "NOT", "-", "\"", "(", ")", "title:", "title：", "*", "?", "~2", "[1 TO 5]",
    "/re.*/", ":", "\\", "xinxi", "2017", "47号", "\u{0}",
];

/// Strings made of query-ish pieces with random separators.
fn query_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => select(&CJK[..]).prop_map(str::to_string),
        2 => select(&ASCII[..]).prop_map(str::to_string),
        1 => "\\PC{1,4}",
        1 => Just("(".repeat(45)),
    ];
    proptest::collection::vec((piece, select(&["", " ", "  ", "\t", "　"][..])), 0..40).prop_map(
        |parts| {
            parts
                .into_iter()
                .map(|(p, sep)| format!("{p}{sep}"))
                .collect()
        },
    )
}

const LABELS: [&str; 12] = [
    "来源：",
    "发布时间：",
    "文号：",
    "发文字号：",
    "索引号：",
    "主题分类：",
    "成文日期：",
    "发布机构：",
    "时间:",
    "点击率：",
    "【打印】【关闭】",
    "上一篇：",
];
const VALUES: [&str; 10] = [
    "县人民政府办公室",
    "2018-03-30",
    "2017年6月8日",
    "德府办发〔2017〕107号",
    "00893434-6/2018-00052",
    "综合政务\\政务公开",
    "",
    "<b>粗体</b>",
    "&lt;script&gt;",
    "９９９９年１３月４０日",
];

/// Portal-like pages: a charset declaration (right, wrong or absent), a title, metadata lines
/// and a body, encoded as UTF-8 or GBK.
fn page() -> impl Strategy<Value = Vec<u8>> {
    let meta = select(
        &[
            "",
            "<meta charset=\"utf-8\">",
            "<meta charset=gbk>",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
            "<meta charset=\"bogus-label\">",
        ][..],
    );
    let line = (select(&LABELS[..]), select(&VALUES[..])).prop_map(|(l, v)| format!("{l}{v}"));
    let wrap = select(
        &[
            "<p>",
            "<div>",
            "<td>",
            "<span>",
            "<br>",
            "",
            "<table><tr><th>",
        ][..],
    );
    (
        meta,
        query_text(),
        proptest::collection::vec((wrap, line), 0..8),
        proptest::collection::vec(query_text(), 0..5),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(meta, title, lines, body, html, gbk)| {
            let text = if html {
                let lines: String = lines.iter().map(|(w, l)| format!("{w}{l}\n")).collect();
                let body: String = body.iter().map(|p| format!("<p>{p}</p>")).collect();
                format!(
                    "<html><head>{meta}<title>{title}</title></head><body><h1>{title}</h1>\
                     {lines}<div id=\"zoom\">{body}</div></body></html>"
                )
            } else {
                let lines: String = lines.iter().map(|(_, l)| format!("{l} ")).collect();
                format!("{title}\n{lines}\n{}", body.join("\n"))
            };
            if gbk {
                encoding_rs::GBK.encode(&text).0.into_owned()
            } else {
                text.into_bytes()
            }
        })
}

/// JSON Lines mixing valid records, records with bad fields, broken JSON and blank lines.
fn jsonl() -> impl Strategy<Value = Vec<u8>> {
    let good = (
        "[a-z0-9_-]{1,12}",
        query_text(),
        query_text(),
        select(&["2017-06-08", "2017-02-30", "", "2017", "二〇一七年"][..]),
        any::<bool>(),
    )
        .prop_map(|(id, title, body, date, expired)| {
            serde_json::json!({
                "id": id, "title": title, "body": body, "publish_date": date,
                "expired": expired, "category": "地方性法规/山东", "extra_field": [1, {"x": null}],
            })
            .to_string()
        });
    let line = prop_oneof![
        4 => good,
        1 => Just(String::new()),
        1 => Just("   \t".to_string()),
        1 => Just("{\"title\": 5}".to_string()),
        1 => Just("{\"id\": \"../x\", \"title\": \"路径\"}".to_string()),
        1 => Just("{\"id\": \"a\", \"title\": \"\"}".to_string()),
        1 => "\\PC{0,40}",
        1 => Just("{\"id\": \"trunc\", \"title\": \"断".to_string()),
    ];
    proptest::collection::vec((line, select(&["\n", "\r\n"][..])), 0..12).prop_map(|lines| {
        lines
            .into_iter()
            .flat_map(|(l, end)| format!("{l}{end}").into_bytes())
            .collect()
    })
}

/// 文号 and 令号 in every spelling, with noise around them.
fn doc_numbers() -> impl Strategy<Value = String> {
    let issuer = select(
        &[
            "国办发",
            "德府办发",
            "劳社部发",
            "法释",
            "国务院令",
            "中华人民共和国国务院令",
            "主席令",
            "发改价格",
            "最高人民法院以法发",
            "京政发",
            "",
        ][..],
    );
    let open = select(&["〔", "[", "(", "（", "【", "［", " ", ""][..]);
    let close = select(&["〕", "]", ")", "）", "】", "］", " 年", ""][..]);
    let year = prop_oneof![
        Just("2017".to_string()),
        "[0-9]{1,5}",
        Just("２０１７".to_string())
    ];
    let serial = prop_oneof![
        "[0-9]{1,10}",
        Just("七十三".to_string()),
        Just("０４７".to_string())
    ];
    (
        query_text(),
        issuer,
        open,
        year,
        close,
        select(&["第", ""][..]),
        serial,
        select(&["号", "號", ""][..]),
        query_text(),
    )
        .prop_map(|(before, i, o, y, c, di, s, hao, after)| {
            format!("{before}{i}{o}{y}{c}{di}{s}{hao}{after}")
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        query_parser(&data);
        html_extract(&data);
        jsonl_reader(&data);
        doc_number(&data);
    }

    #[test]
    fn queries(q in query_text()) {
        query_parser(q.as_bytes());
    }

    #[test]
    fn pages(bytes in page()) {
        html_extract(&bytes);
    }

    #[test]
    fn json_lines(bytes in jsonl()) {
        jsonl_reader(&bytes);
    }

    #[test]
    fn document_numbers(text in doc_numbers()) {
        doc_number(text.as_bytes());
        query_parser(text.as_bytes());
    }
}
