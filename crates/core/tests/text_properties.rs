//! Property tests for the small languages of `gongkai-core`: 文号/令号, dates and 文种 never
//! panic on any input, and their documented invariants hold.

use gongkai_core::date::{find_dates, Date};
use gongkai_core::docnumber::{self, DocNumber, DocNumberKind};
use gongkai_core::doctype;
use proptest::prelude::*;

/// Strings built from the characters these parsers care about, so that the interesting paths
/// are reached far more often than with uniform Unicode.
fn domain_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "德府办发",
        "国办发",
        "发改价格",
        "法",
        "令",
        "第",
        "号",
        "號",
        "国务院",
        "中华人民共和国",
        "中华人民",
        "共和国",
        "、",
        "部",
        "局",
        "委员会",
        "根据",
        "按照",
        "的",
        "和",
        "以",
        "〔",
        "〕",
        "[",
        "]",
        "［",
        "］",
        "【",
        "】",
        "(",
        ")",
        "（",
        "）",
        "〖",
        "〗",
        "《",
        "》",
        "2017",
        "２０１７",
        "107",
        "０",
        "1",
        "9",
        "七十三",
        "十",
        "〇",
        "○",
        "零",
        "二",
        "年",
        "月",
        "日",
        " ",
        "　",
        "\u{200B}",
        "-",
        "/",
        ".",
        ":",
        "T",
        "，",
        "。",
        "原",
        "办公厅",
        "通知",
        "办法",
        "条例",
        "规定",
        "试行",
        "a",
        "Z",
        "é",
        "😀",
        "\n",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![domain_text(), any::<String>(), "\\PC{0,40}"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn docnumber_functions_are_total(s in any_text()) {
        let _ = DocNumber::parse(&s);
        let _ = docnumber::normalize(&s);
        let _ = docnumber::find_in_text(&s);
    }

    #[test]
    fn normalize_is_idempotent(s in any_text()) {
        let once = docnumber::normalize(&s);
        prop_assert_eq!(docnumber::normalize(&once), once.clone());
    }

    #[test]
    fn parse_agrees_with_normalize(s in any_text()) {
        match DocNumber::parse(&s) {
            None => prop_assert!(docnumber::normalize(&s).is_empty()),
            Some(n) => {
                prop_assert_eq!(&n.normalized, &docnumber::normalize(&s));
                prop_assert_eq!(n.raw.as_str(), s.trim());
                prop_assert!(!n.normalized.is_empty());
                match n.kind {
                    DocNumberKind::Other => {
                        prop_assert!(n.issuer.is_none() && n.year.is_none() && n.serial.is_none());
                    }
                    DocNumberKind::Wenhao => {
                        prop_assert!(n.issuer.is_some() && n.year.is_some() && n.serial.is_some());
                    }
                    DocNumberKind::Linghao => {
                        prop_assert!(n.issuer.as_deref().is_some_and(|i| i.ends_with('令')));
                        prop_assert!(n.serial.is_some());
                    }
                }
                // The keyword of a structured number is itself that number.
                if n.kind != DocNumberKind::Other {
                    let again = DocNumber::parse(&n.normalized).unwrap();
                    prop_assert_eq!(again.kind, n.kind);
                    prop_assert_eq!(again.issuer, n.issuer);
                    prop_assert_eq!(again.year, n.year);
                    prop_assert_eq!(again.serial, n.serial);
                }
            }
        }
    }

    #[test]
    fn found_citations_are_substrings_and_parse(s in any_text()) {
        let found = docnumber::find_in_text(&s);
        let mut keys = std::collections::HashSet::new();
        for raw in &found {
            prop_assert!(s.contains(raw.as_str()), "{raw:?} not in {s:?}");
            let n = DocNumber::parse(raw).unwrap();
            prop_assert_ne!(n.kind, DocNumberKind::Other);
            prop_assert_eq!(&n.normalized, &docnumber::normalize(raw));
            prop_assert!(keys.insert(n.normalized), "duplicate {raw:?}");
        }
    }

    #[test]
    fn citations_embedded_in_prose_are_found(
        prefix in domain_text(),
        issuer in "[德国川京府办发函改价格]{1,6}",
        year in 1950u32..2050,
        serial in 1u32..100_000,
        bracket in 0usize..7,
        suffix in domain_text(),
    ) {
        let (open, close) = [("〔", "〕"), ("[", "]"), ("［", "］"), ("【", "】"), ("(", ")"), ("（", "）"), ("〖", "〗")][bracket];
        let citation = format!("{issuer}{open}{year}{close}{serial}号");
        let text = format!("{prefix}。{citation}，{suffix}");
        let found = docnumber::find_in_text(&text);
        let want = format!("{issuer}[{year}]{serial}号");
        prop_assert!(
            found.iter().any(|raw| docnumber::normalize(raw) == want),
            "{want} not among {found:?} in {text:?}"
        );
    }

    #[test]
    fn date_functions_are_total(s in any_text()) {
        let _ = Date::parse(&s);
        for (a, b, _) in find_dates(&s) {
            prop_assert!(a < b && b <= s.len());
            prop_assert!(s.is_char_boundary(a) && s.is_char_boundary(b));
        }
    }

    #[test]
    fn found_dates_are_in_order_and_parse(s in any_text()) {
        let found = find_dates(&s);
        for pair in found.windows(2) {
            prop_assert!(pair[0].1 <= pair[1].0);
        }
        for (a, b, date) in found {
            prop_assert_eq!(Date::parse(&s[a..b]), Some(date));
        }
    }

    #[test]
    fn dates_round_trip_through_every_form(y in 1000i32..=2999, m in 1u8..=12, d in 1u8..=31) {
        let Some(date) = Date::from_ymd(y, m, d) else { return Ok(()) };
        let forms = [
            date.to_string(),
            format!("{y}/{m}/{d}"),
            format!("{y}.{m:02}.{d:02}"),
            format!("{y}{m:02}{d:02}"),
            format!("{y}年{m}月{d}日"),
            format!("{y}年{m:02}月{d:02}日 12:30"),
            format!("{}T08:00:00", date),
        ];
        for form in forms {
            prop_assert_eq!(Date::parse(&form), Some(date), "{}", form);
            if form.len() == 8 {
                continue; // eight bare digits are a date only as a whole field
            }
            let text = format!("落款 {form} 。");
            let found = find_dates(&text);
            prop_assert!(found.iter().any(|&(_, _, found)| found == date), "{} in {:?}", form, found);
        }
        let json = serde_json::to_string(&date).unwrap();
        prop_assert_eq!(serde_json::from_str::<Date>(&json).unwrap(), date);
    }

    #[test]
    fn chinese_numeral_dates_round_trip(y in 1000i32..=2999, m in 1u8..=12, d in 1u8..=31, zero in 0usize..3) {
        let Some(date) = Date::from_ymd(y, m, d) else { return Ok(()) };
        let zeros = ["〇", "○", "零"];
        let digit = |n: u32| ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"][n as usize];
        let year: String = y
            .to_string()
            .chars()
            .map(|c| match c.to_digit(10).unwrap_or(0) {
                0 => zeros[zero],
                n => digit(n),
            })
            .collect();
        let small = |n: u32| match (n / 10, n % 10) {
            (0, u) => digit(u).to_string(),
            (1, u) => format!("十{}", digit(u)),
            (t, u) => format!("{}十{}", digit(t), digit(u)),
        };
        let text = format!("{year}年{}月{}日", small(u32::from(m)), small(u32::from(d)));
        prop_assert_eq!(Date::parse(&text), Some(date), "{}", text);
        let found = find_dates(&format!("某某人民政府 {text}"));
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].2, date);
    }

    #[test]
    fn doctype_is_total(s in any_text()) {
        let _ = doctype::from_title(&s);
    }

    #[test]
    fn doctype_ignores_trailing_remarks(
        body in "[某市县关于加强管理工作]{1,10}",
        kind in prop::sample::select(vec!["通知", "办法", "条例", "规定", "意见", "报告", "决定"]),
        remark in prop::sample::select(vec!["", "（试行）", "(2019年修订)", "（草案）", "[暂行]", "。"]),
    ) {
        let title = format!("{body}{kind}{remark}");
        prop_assert_eq!(doctype::from_title(&title), Some(kind));
    }
}
