//! End-to-end tests of [`search`] over a small index: `title:` atoms and relaxed matching.

use gongkai_core::Record;
use gongkai_index::{GongkaiIndex, IndexOptions};
use tantivy::collector::Count;

use super::*;
use crate::aliases::Aliases;
use std::sync::Arc;

/// The example question of the issue. No document below has 暂停 and 展会 together, so the
/// strict query finds nothing.
const QUESTION: &str = "北京市对于因疫情影响暂停举办的展会项目有何支持政策？";

fn record(id: &str, title: &str, body: &str, department: &str) -> Record {
    let mut r = Record {
        id: id.into(),
        title: title.into(),
        body: body.into(),
        department: (!department.is_empty()).then(|| department.to_string()),
        ..Record::default()
    };
    r.finish(None).unwrap();
    r
}

fn corpus() -> Vec<Record> {
    vec![
        // 8 of the question's 9 content words (no 暂停).
        record(
            "expo",
            "北京市关于支持受疫情影响展会项目的若干措施",
            "对受疫情影响延期举办的展会项目，给予场租补贴等支持政策。",
            "北京市商务局",
        ),
        // 6 of 9 (no 展会, 项目, 政策).
        record(
            "lockdown",
            "北京市疫情防控工作方案",
            "受疫情影响，暂停举办大型活动，支持企业复工复产。",
            "北京市卫生健康委员会",
        ),
        // 4 of 9, all of them common: below the minimum of 5.
        record(
            "jobs",
            "关于进一步做好稳就业工作的通知",
            "加大支持政策力度，减轻经济下行影响，实施一批就业项目。",
            "人力资源社会保障部",
        ),
        // 3 of 9.
        record(
            "shanghai",
            "上海市会展业扶持办法",
            "对展会项目给予支持。",
            "上海市商务委员会",
        ),
        // Title tests.
        record(
            "notice",
            "关于做好政府信息公开工作的通知",
            "各单位要按照要求报送材料。",
            "国务院办公厅",
        ),
        record(
            "body-only",
            "政务工作要点",
            "推进政府信息公开，做好废止文件清理，通知各单位所在单位负责人。",
            "国务院办公厅",
        ),
        record(
            "repeal",
            "关于废止部分信息公开规定的决定",
            "现决定废止下列规定。",
            "国务院办公厅",
        ),
        record(
            "unit",
            "所在单位证明开具公告",
            "由职工所在单位开具。",
            "人力资源社会保障部",
        ),
        record(
            "scattered",
            "单位所在地变更公告",
            "单位所在地发生变更的，应当公告。",
            "人力资源社会保障部",
        ),
    ]
}

struct Fixture {
    _dir: tempfile::TempDir,
    index: GongkaiIndex,
}

fn fixture() -> Fixture {
    fixture_of(corpus())
}

fn fixture_of(records: Vec<Record>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let index = GongkaiIndex::open_or_create(dir.path(), &IndexOptions::default()).unwrap();
    let mut writer = index.writer(1, 50 << 20).unwrap();
    for r in records {
        writer.upsert(&r).unwrap();
    }
    writer.commit().unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();
    Fixture { _dir: dir, index }
}

fn request(q: &str) -> SearchRequest {
    SearchRequest {
        q: q.into(),
        size: 20,
        ..SearchRequest::default()
    }
}

fn ids(response: &SearchResponse) -> Vec<&str> {
    response.hits.iter().map(|h| h.id.as_str()).collect()
}

fn run(f: &Fixture, request: &SearchRequest) -> SearchResponse {
    search(&f.index, request).unwrap()
}

fn ids_of(f: &Fixture, q: &str) -> Vec<String> {
    let mut out: Vec<String> = run(f, &request(q)).hits.into_iter().map(|h| h.id).collect();
    out.sort();
    out
}

#[test]
fn the_question_segments_as_expected() {
    let words: Vec<String> = gongkai_analysis::words::Segmenter::builtin()
        .words(&gongkai_analysis::normalize(QUESTION))
        .into_iter()
        .filter(|w| w.is_base)
        .map(|w| w.text.to_string())
        .collect();
    let content: Vec<&str> = words
        .iter()
        .map(|w| w.as_str())
        .filter(|w| !build::is_stop_word(w))
        .collect();
    assert_eq!(
        content,
        [
            "北京市",
            "疫情",
            "影响",
            "暂停",
            "举办",
            "展会",
            "项目",
            "支持",
            "政策"
        ],
        "{words:?}"
    );
}

#[test]
fn title_restricts_to_the_title() {
    let f = fixture();
    assert_eq!(ids_of(&f, "信息公开"), ["body-only", "notice", "repeal"]);
    assert_eq!(ids_of(&f, "title:信息公开"), ["notice", "repeal"]);
    assert_eq!(ids_of(&f, "title：信息公开"), ["notice", "repeal"]);
    // Several words: all in the title.
    assert_eq!(ids_of(&f, "title:政府信息公开通知"), ["notice"]);
    assert!(ids_of(&f, "title:所在单位负责人").is_empty());
    let r = run(&f, &request("title:信息公开"));
    assert!(!r.relaxed);
    assert_eq!(r.total, 2);
}

#[test]
fn minus_title_excludes_by_title_only() {
    let f = fixture();
    // `body-only` has 废止 in its body: not excluded.
    assert_eq!(ids_of(&f, "信息公开 -title:废止"), ["body-only", "notice"]);
    assert_eq!(ids_of(&f, "信息公开 -废止"), ["notice"]);
    assert_eq!(
        ids_of(&f, r#"信息公开 -title:"废止部分""#),
        ["body-only", "notice"]
    );
}

#[test]
fn quoted_title_phrase_is_an_exact_title_substring() {
    let f = fixture();
    // `scattered` has 单位 and 所在 in its title but not 所在单位; `body-only` has it in its
    // body only.
    assert_eq!(ids_of(&f, r#"title:"所在单位""#), ["unit"]);
    assert_eq!(ids_of(&f, r#"title："所在单""#), ["unit"]);
    assert_eq!(ids_of(&f, r#""所在单位""#), ["body-only", "unit"]);
    assert_eq!(ids_of(&f, r#"所在单位 -title:"所在单位""#), ["body-only"]);
    assert_eq!(
        ids_of(&f, r#""单位" -title:"所在单位""#),
        ["body-only", "notice", "scattered"]
    );
}

#[test]
fn title_alternatives() {
    let f = fixture();
    assert_eq!(
        ids_of(&f, "title:通知 OR title:公告"),
        ["jobs", "notice", "scattered", "unit"]
    );
    assert_eq!(
        ids_of(&f, "title:决定 OR title:方案"),
        ["lockdown", "repeal"]
    );
}

#[test]
fn title_words_are_marked_in_the_title_only() {
    let f = fixture();
    let r = run(&f, &request("title:通知 报送"));
    assert_eq!(ids(&r), ["notice"]);
    let h = r.hits[0].highlights.as_ref().unwrap();
    assert!(h.title.contains("<mark>通知</mark>"), "{}", h.title);
    assert!(h.body.iter().any(|b| b.contains("<mark>报送</mark>")));
    assert!(h.body.iter().all(|b| !b.contains("<mark>通知</mark>")));
}

#[test]
fn bare_title_colon_is_a_word() {
    let f = fixture();
    // Nothing contains `title:`; the query is not an error.
    let r = run(&f, &request("title:"));
    assert_eq!(r.total, 0);
    assert!(!r.relaxed);
    assert!(run(&f, &request("10:30 http://a.b/c")).hits.is_empty());
}

#[test]
fn the_question_is_relaxed() {
    let f = fixture();
    let r = run(&f, &request(QUESTION));
    assert!(r.relaxed);
    // `expo` (8 words) above `lockdown` (6); `jobs` (4) and `shanghai` (3) are below the
    // minimum of 5.
    assert_eq!(ids(&r), ["expo", "lockdown"]);
    assert_eq!(r.total, 2);
    let h = r.hits[0].highlights.as_ref().unwrap();
    for word in ["北京市", "疫情", "影响", "展会", "项目"] {
        assert!(
            h.title.contains(&format!("<mark>{word}</mark>")),
            "{word}: {}",
            h.title
        );
    }
    assert!(!h.title.contains("<mark>关于</mark>"), "{}", h.title);
}

#[test]
fn relaxed_facets_and_compile_agree_with_the_hits() {
    let f = fixture();
    let mut req = request(QUESTION);
    req.facets = vec![FacetField::Department];
    let r = run(&f, &req);
    assert!(r.relaxed);
    let counts: Vec<(String, u64)> = r.facets["department"]
        .iter()
        .map(|v| (v.value.clone(), v.count))
        .collect();
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert_eq!(counts.iter().map(|c| c.1).sum::<u64>(), r.total);
    let (query, _) = compile(&f.index, &req).unwrap();
    let total = f.index.searcher().search(&query, &Count).unwrap();
    assert_eq!(total as u64, r.total);
    assert!(plan(&f.index, &req).unwrap().relaxed);
    assert!(!plan(&f.index, &request("疫情 展会")).unwrap().relaxed);
}

#[test]
fn not_relaxed_when_strict_finds_something() {
    let f = fixture();
    let r = run(&f, &request("疫情 展会"));
    assert!(!r.relaxed);
    assert_eq!(ids(&r), ["expo"]);
    let r = run(&f, &request("北京市 疫情 影响 举办"));
    assert!(!r.relaxed);
    assert_eq!(r.total, 2);
}

#[test]
fn filters_apply_in_relaxed_mode() {
    let f = fixture();
    let mut req = request(QUESTION);
    req.filters.department = vec!["北京市卫生健康委员会".into()];
    let r = run(&f, &req);
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["lockdown"]);
    req.filters.department = vec!["上海市商务委员会".into()];
    // `shanghai` has 3 of 9 words: under the filter the minimum drops to the best document.
    let r = run(&f, &req);
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["shanghai"]);
    req.filters.department = vec!["没有这个机构".into()];
    let r = run(&f, &req);
    assert!(!r.relaxed);
    assert_eq!(r.total, 0);
}

#[test]
fn exclusions_and_required_atoms_apply_in_relaxed_mode() {
    let f = fixture();
    let r = run(&f, &request(&format!("{QUESTION} -展会")));
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["lockdown"]);
    let r = run(&f, &request(&format!("{QUESTION} -title:防控")));
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["expo"]);
    // A quoted string stays required.
    let r = run(&f, &request(&format!("{QUESTION} \"复工复产\"")));
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["lockdown"]);
    let r = run(&f, &request(&format!("{QUESTION} title:措施")));
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["expo"]);
    // A required atom nothing has: still nothing, and not reported as relaxed.
    let r = run(&f, &request(&format!("{QUESTION} \"不存在的短语\"")));
    assert!(!r.relaxed);
    assert_eq!(r.total, 0);
}

#[test]
fn minimum_drops_to_the_best_document() {
    let f = fixture();
    // Six words, minimum 3; the best document has two (展会, 补贴).
    let r = run(&f, &request("展会 补贴 火箭 卫星 潜艇 飞船"));
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["expo"]);
    // A stop word dropped is a relaxation too.
    let r = run(&f, &request("展会吗"));
    assert!(r.relaxed);
    assert_eq!(r.total, 2);
    // Nothing has any of the words.
    let r = run(&f, &request("火箭 卫星"));
    assert!(!r.relaxed);
    assert_eq!(r.total, 0);
}

#[test]
fn stop_words_and_punctuation_only() {
    let f = fixture();
    for q in [
        "的 了 吗",
        "有何 是否",
        "？？",
        "吗 呢",
        "的",
        "？ 吗 -的",
        "title:吗 的",
    ] {
        let r = run(&f, &request(q));
        assert!(!r.relaxed, "{q}");
    }
}

#[test]
fn relaxed_date_sort_and_paging() {
    let f = fixture();
    let mut req = request(QUESTION);
    req.sort = Sort::DateDesc;
    let r = run(&f, &req);
    assert!(r.relaxed);
    assert_eq!(r.total, 2);
    req.sort = Sort::Relevance;
    req.size = 1;
    req.page = 2;
    let r = run(&f, &req);
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["lockdown"]);
}

#[test]
fn min_match_is_half_rounded_up() {
    assert_eq!([0, 1, 2, 3, 4, 5, 9].map(min_match), [1, 1, 1, 2, 2, 3, 5]);
}

#[test]
fn document_numbers_are_never_relaxed() {
    let f = fixture();
    // 国办发, 2017, 99, 号: parts of an identifier that no document carries.
    let r = run(&f, &request("国办发〔2017〕99号"));
    assert!(!r.relaxed);
    assert_eq!(r.total, 0);
}

#[test]
fn or_groups_stay_required_in_relaxed_mode() {
    let f = fixture();
    let r = run(&f, &request(&format!("{QUESTION} 措施 OR 方案")));
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["expo", "lockdown"]);
    let r = run(&f, &request(&format!("{QUESTION} 措施 OR 办法")));
    assert!(r.relaxed);
    assert_eq!(ids(&r), ["expo"]);
}

fn numbered(id: &str, title: &str, number: &str) -> Record {
    let mut r = Record {
        id: id.into(),
        title: title.into(),
        body: "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：现予印发，请认真贯彻执行。"
            .into(),
        doc_number: Some(number.into()),
        ..Record::default()
    };
    r.finish(None).unwrap();
    r
}

fn numbered_corpus() -> Vec<Record> {
    vec![
        numbered(
            "a",
            "国务院办公厅关于印发政府网站发展指引的通知",
            "国办发〔2017〕47号",
        ),
        numbered(
            "b",
            "国务院办公厅关于推进政务新媒体健康有序发展的意见",
            "国办发〔2018〕123号",
        ),
        numbered(
            "c",
            "国务院关于印发新一代人工智能发展规划的通知",
            "国发〔2017〕35号",
        ),
        numbered(
            "d",
            "国务院办公厅关于调整部分议事协调机构的通知",
            "国办发〔2018〕47号",
        ),
        numbered("e", "基金会管理条例", "中华人民共和国国务院令第400号"),
    ]
}

#[test]
fn a_document_number_typed_as_its_parts_finds_the_document() {
    let f = fixture_of(numbered_corpus());
    for q in [
        "国办发〔2017〕47号",
        "国办发 2017 47号",
        "国办发 2017 47",
        "国办发2017年第47号",
        "国办发（２０１７）４７号",
    ] {
        let r = run(&f, &request(q));
        assert_eq!(ids(&r).first(), Some(&"a"), "{q}: {:?}", ids(&r));
    }
    let r = run(&f, &request("国务院令 第400号"));
    assert_eq!(ids(&r).first(), Some(&"e"), "{:?}", ids(&r));
}

#[test]
fn document_number_part_filters() {
    let f = fixture_of(numbered_corpus());
    let with = |issuer: &[&str], year: &[i64], serial: &[i64]| {
        let mut r = request("");
        r.filters.doc_number_issuer = issuer.iter().map(|s| s.to_string()).collect();
        r.filters.doc_number_year = year.to_vec();
        r.filters.doc_number_serial = serial.to_vec();
        let mut out: Vec<String> = run(&f, &r).hits.into_iter().map(|h| h.id).collect();
        out.sort();
        out
    };
    assert_eq!(with(&["国办发"], &[], &[]), ["a", "b", "d"]);
    assert_eq!(with(&["国办发"], &[2018], &[]), ["b", "d"]);
    assert_eq!(with(&[], &[], &[47]), ["a", "d"]);
    assert_eq!(with(&["国办发"], &[2017], &[47]), ["a"]);
    assert_eq!(with(&[], &[2017, 2018], &[47, 35]), ["a", "c", "d"]);
    assert_eq!(with(&["国务院令"], &[], &[400]), ["e"]);
    assert!(with(&["国发"], &[2018], &[]).is_empty());
}

#[test]
fn related_documents_by_citation_and_text() {
    let dated = |id: &str, title: &str, body: &str, number: Option<&str>, date: &str| {
        let mut r = Record {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            doc_number: number.map(str::to_string),
            publish_date: gongkai_core::Date::parse(date),
            ..Record::default()
        };
        r.finish(None).unwrap();
        r
    };
    let guide = "政府网站是各级政府在互联网上履行职能、面向社会提供服务的官方网站，是政府信息公开的第一平台。";
    let f = fixture_of(vec![
        dated("a", "国务院办公厅关于印发政府网站发展指引的通知", guide, Some("国办发〔2017〕47号"), "2017-06-08"),
        dated(
            "cite1",
            "某省关于贯彻政府网站发展指引的通知",
            "根据《国务院办公厅关于印发政府网站发展指引的通知》（国办发〔2017〕47号）要求，政府网站是政府信息公开的第一平台。",
            None,
            "2018-01-10",
        ),
        dated(
            "cite2",
            "某市政府网站集约化工作方案",
            "依据国办发〔2017〕47号和国发〔2099〕1号，推进政府网站集约化，面向社会提供服务。",
            None,
            "2019-03-01",
        ),
        dated("other", "食品安全监督管理办法", "食品生产经营者应当依法从事生产经营活动。", None, "2019-05-01"),
    ]);
    let r = crate::related::related(&f.index, "cite2", 5)
        .unwrap()
        .unwrap();
    assert_eq!(
        r.cites.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["a"]
    );
    assert_eq!(r.cites_missing, ["国发〔2099〕1号"]);
    assert!(r.cited_by.is_empty() && r.cited_by_total == 0);

    let r = crate::related::related(&f.index, "a", 5).unwrap().unwrap();
    assert_eq!(
        r.cited_by.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["cite2", "cite1"],
        "newest first"
    );
    assert_eq!(r.cited_by_total, 2);
    assert!(r.cites.is_empty());
    let similar: Vec<&str> = r.similar.iter().map(|d| d.id.as_str()).collect();
    assert!(
        !similar.contains(&"a") && !similar.contains(&"other"),
        "{similar:?}"
    );
    assert!(similar.contains(&"cite1"), "{similar:?}");

    let r = crate::related::related(&f.index, "a", 1).unwrap().unwrap();
    assert_eq!((r.cited_by.len(), r.cited_by_total), (1, 2));
    assert!(crate::related::related(&f.index, "nope", 5)
        .unwrap()
        .is_none());
    assert!(crate::related::related(&f.index, "a", 0).is_err());
    assert!(crate::related::related(&f.index, "a", 21).is_err());
}

#[test]
fn aliases_widen_words_at_query_time() {
    let f = fixture_of(vec![
        record(
            "full",
            "关于调整办公时间的通知",
            "经研究，县人民政府办公室自下月起调整办公时间。",
            "",
        ),
        record(
            "short",
            "县政府办工作安排",
            "县政府办本周工作安排如下。",
            "",
        ),
        record("other", "关于医疗保障的通知", "做好医疗保障工作。", ""),
    ]);
    let ids = |q: &str, aliases: Arc<Aliases>| {
        let mut r = request(q);
        r.aliases = aliases;
        let mut out: Vec<String> = run(&f, &r).hits.into_iter().map(|h| h.id).collect();
        out.sort();
        out
    };
    let builtin = Aliases::builtin();
    assert_eq!(ids("县政府办", builtin.clone()), ["full", "short"]);
    assert_eq!(ids("县人民政府办公室", builtin.clone()), ["full", "short"]);
    assert_eq!(ids("医保", builtin.clone()), ["other"]);
    // Quoted, a phrase means exactly itself.
    assert_eq!(ids("\"县政府办\"", builtin.clone()), ["short"]);
    // Without aliases the short form finds only itself.
    assert_eq!(ids("县政府办", Arc::new(Aliases::empty())), ["short"]);
    // An operator's group, no reindex.
    let mine = Arc::new(Aliases::parse(&[("mine", "作息 | 办公时间")]).unwrap());
    assert_eq!(ids("作息", mine), ["full"]);
}
