//! HTML pages from government portals → [`Record`]s.
//!
//! This module owns the HTML side of page parsing: finding the article on a page full of
//! navigation, turning it into text with paragraph breaks, finding the title among `<title>`,
//! headings and `<meta name="ArticleTitle">`, and finding labelled metadata in the places
//! portals put it — a metadata table (the State Council's `索引号 | 主题分类 / 发文机关 | 成文日期
//! / 标题 / 发文字号 | 发布日期` grid), a header line (`来源：… 时间：…`) above the article, or the
//! article's own first lines. What counts as a label, as chrome, or as a signature date is
//! decided in [`super::meta`], shared with the text parser.
//!
//! The tree is walked with explicit stacks, never recursion, so that absurdly deep garbage
//! cannot overflow the stack.

use std::collections::HashMap;
use std::sync::LazyLock;

use gongkai_core::Record;
use scraper::{ElementRef, Html, Node, Selector};

use super::meta::{self, Field};
use super::{finish, PageError};
use crate::charset;

/// Content containers used by Chinese government portals (TRS WCM, 开普云, 拓尔思 …), most
/// specific first. Generic names such as `.content` come last: they are often page wrappers.
const CONTAINER_SELECTORS: &[&str] = &[
    "#UCAP-CONTENT",
    ".pages_content",
    "#zoom",
    "#Zoom",
    ".TRS_Editor",
    ".trs_editor_view",
    ".article-content",
    ".article_content",
    ".articleContent",
    "#mainText",
    ".mainText",
    ".wzcon",
    ".zw",
    "#zw",
    ".zwnr",
    ".detail-content",
    ".detail_content",
    ".content-text",
    ".news_content",
    ".detail",
    "article",
    "#content",
    ".content",
];

/// Elements that can hold a page's heading.
const HEADING_SELECTORS: &str = "h1, h2, h3, .title, #title, .article-title, .article_title, .art_title, \
    .news_title, .con-title, .con_title, .content-title, .detail-title, .pages-title, .tit, .bt, .zwbt, .wzbt, #ArticleTitle";

/// Elements whose text is never page text.
const SKIPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "select", "option", "button", "input", "textarea", "map", "audio", "video", "head",
];

/// Elements that end a line.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "blockquote",
    "pre",
    "form",
    "center",
    "hr",
    "address",
    "figure",
    "figcaption",
    "caption",
    "body",
    "html",
    "title",
];

/// Class or id fragments marking furniture inside an article container.
const CHROME_MARKERS: &[&str] = &[
    "share",
    "bdshare",
    "print",
    "crumb",
    "breadcrumb",
    "prevnext",
    "prev-next",
    "pre_next",
    "fenxiang",
    "erweima",
    "qrcode",
    "related",
    "xgwz",
    "xglj",
];

/// A link-heavier container than this is a menu, not an article.
const MAX_LINK_SHARE: f64 = 0.5;

/// The fallback container holds at least this share of the page's non-link Chinese text.
const FALLBACK_SHARE: f64 = 0.6;

static CONTAINERS: LazyLock<Vec<Selector>> = LazyLock::new(|| {
    CONTAINER_SELECTORS
        .iter()
        .filter_map(|s| Selector::parse(s).ok())
        .collect()
});
static HEADINGS: LazyLock<Option<Selector>> =
    LazyLock::new(|| Selector::parse(HEADING_SELECTORS).ok());
static BODY: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("body").ok());
static TITLE: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("title").ok());
static META: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("meta").ok());
static LINK: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("link").ok());
static TABLE: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("table").ok());
static ROW: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("tr").ok());

/// Parses an HTML page: decodes it ([`charset::decode`]), then see [`parse_html_text`].
pub fn parse_html(
    bytes: &[u8],
    source: &str,
    url: Option<&str>,
) -> Result<(Record, Vec<String>), PageError> {
    let decoded = charset::decode(bytes, None);
    parse_html_text(&decoded.text, source, url, decoded.warnings)
}

/// Parses decoded HTML. `source` names the input (for ids and messages), `url` is where it was
/// published; `warnings` (from decoding) are passed through.
pub fn parse_html_text(
    html: &str,
    source: &str,
    url: Option<&str>,
    mut warnings: Vec<String>,
) -> Result<(Record, Vec<String>), PageError> {
    let doc = Html::parse_document(html);
    let mut record = Record::default();
    let head = HeadInfo::read(&doc);

    let body_el = BODY
        .as_ref()
        .and_then(|s| doc.select(s).next())
        .unwrap_or_else(|| doc.root_element());
    let stats = TextStats::measure(body_el);
    let container = find_container(&doc, body_el, &stats);

    // Metadata, most reliable first; the first value found for a field wins.
    read_metadata_tables(&doc, &mut record, &mut warnings);
    for line in render(body_el, Some(container)) {
        if meta::is_chrome_line(&line) {
            continue;
        }
        if let Some(pairs) = meta::scan_metadata_line(&line) {
            for (label, value) in pairs {
                meta::apply_label(&mut record, &label, &value, &mut warnings);
            }
        }
    }

    let lines = render(container, None);
    // The article's first lines may repeat the title or carry the header line; collect their
    // metadata before the title is chosen (a `标题：` there counts).
    // A heading (and subtitle) may come before the header line: up to two short lines that do
    // not read as prose are looked past.
    let mut headings_passed = 0;
    for line in &lines {
        if let Some(pairs) = meta::scan_metadata_line(line) {
            for (label, value) in pairs {
                meta::apply_label(&mut record, &label, &value, &mut warnings);
            }
        } else if !is_leading_furniture(line) {
            headings_passed += 1;
            if headings_passed > 2 || line.chars().count() > 100 || ends_like_prose(line) {
                break;
            }
        }
    }

    if record.title.is_empty() {
        record.title = choose_title(&doc, &head, container);
    }
    let title = record.title.clone();
    record.body = assemble_body(&lines, &title, &mut record, &mut warnings);

    if record.publish_date.is_none() {
        record.publish_date = head.pub_date.as_deref().and_then(meta::parse_date);
    }
    if record.department.is_none() {
        record.department = head.content_source.clone();
    }
    if record.written_date.is_none() {
        record.written_date = meta::signature_date(&record.body);
    }
    if record.doc_number.is_none() {
        record.doc_number = meta::leading_doc_number(&record.body);
    }
    record.source_url = url
        .map(str::to_string)
        .or(head.canonical)
        .or(head.url)
        .filter(|u| !u.trim().is_empty());
    finish(record, source, warnings)
}

/// Lines before an article's text proper: blank, chrome, or metadata.
fn is_leading_furniture(line: &str) -> bool {
    line.trim().is_empty() || meta::is_chrome_line(line) || meta::scan_metadata_line(line).is_some()
}

/// Whether a line ends as running text does (a sentence, or the salutation `各乡镇：`).
fn ends_like_prose(line: &str) -> bool {
    line.trim_end()
        .ends_with(['。', '：', ':', '；', '，', '！', '？'])
}

/// The article text: leading title/metadata/chrome lines removed, chrome lines dropped, cut at a
/// "related articles" heading, trailing metadata (`责任编辑：…`) moved to the record.
fn assemble_body(
    lines: &[String],
    title: &str,
    record: &mut Record,
    warnings: &mut Vec<String>,
) -> String {
    let title_key = compact(title);
    let mut start = 0;
    while let Some(line) = lines.get(start) {
        if is_leading_furniture(line) {
            start += 1;
            continue;
        }
        // The heading, possibly broken over several lines (`<h1>…<br>…</h1>`).
        let mut consumed = String::new();
        let mut end = start;
        while let Some(next) = lines.get(end) {
            let key = compact(next);
            if key.is_empty() || !title_key[consumed.len()..].starts_with(&key) {
                break;
            }
            consumed.push_str(&key);
            end += 1;
            if consumed.len() == title_key.len() {
                break;
            }
        }
        if !title_key.is_empty() && consumed == title_key {
            start = end;
            continue;
        }
        break;
    }

    let mut kept: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(start) {
        // A "相关链接" heading in the first lines is more likely a section of the text itself.
        if i > start + 2 && meta::ends_article(line) {
            break;
        }
        if let Some(clean) = meta::clean_line(line) {
            kept.push(clean);
        }
    }
    while let Some(last) = kept.last() {
        let Some(pairs) = meta::scan_metadata_line(last) else {
            break;
        };
        // Only short trailer lines such as `责任编辑：张三`; a signature line has no label.
        for (label, value) in pairs {
            meta::apply_label(record, &label, &value, warnings);
        }
        kept.pop();
    }
    kept.join("\n")
}

/// Text with all whitespace removed, for comparing titles with lines.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// What `<head>` says: `<title>`, TRS-style `<meta name=…>` tags and the canonical URL.
#[derive(Debug, Default)]
struct HeadInfo {
    title: Option<String>,
    article_title: Option<String>,
    pub_date: Option<String>,
    content_source: Option<String>,
    canonical: Option<String>,
    url: Option<String>,
}

impl HeadInfo {
    fn read(doc: &Html) -> HeadInfo {
        let mut info = HeadInfo {
            title: TITLE
                .as_ref()
                .and_then(|s| doc.select(s).next())
                .map(|t| {
                    meta::collapse_spaces(&t.text().collect::<String>())
                        .trim()
                        .to_string()
                })
                .filter(|t| !t.is_empty()),
            ..HeadInfo::default()
        };
        if let Some(sel) = META.as_ref() {
            for el in doc.select(sel) {
                let (Some(name), Some(content)) = (el.attr("name"), el.attr("content")) else {
                    continue;
                };
                let content = meta::collapse_spaces(content).trim().to_string();
                if content.is_empty() {
                    continue;
                }
                let slot = match name.to_ascii_lowercase().as_str() {
                    "articletitle" => &mut info.article_title,
                    "pubdate" | "firstpublishedtime" => &mut info.pub_date,
                    "contentsource" => &mut info.content_source,
                    "url" => &mut info.url,
                    _ => continue,
                };
                slot.get_or_insert(content);
            }
        }
        if let Some(sel) = LINK.as_ref() {
            info.canonical = doc
                .select(sel)
                .filter(|l| {
                    l.attr("rel")
                        .is_some_and(|r| r.eq_ignore_ascii_case("canonical"))
                })
                .find_map(|l| l.attr("href"))
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty());
        }
        info
    }
}

/// The title, when no `标题` label gave one: `<meta name="ArticleTitle">`, else the heading
/// that `<title>` contains (portals build `<title>` as heading + site name), else `<title>`
/// without its suffix, else the article's first heading.
fn choose_title(doc: &Html, head: &HeadInfo, container: ElementRef<'_>) -> String {
    if let Some(t) = &head.article_title {
        return t.clone();
    }
    let page_title = head
        .title
        .as_deref()
        .map(meta::strip_title_suffix)
        .unwrap_or_default();
    let full_title_key = compact(head.title.as_deref().unwrap_or_default());

    let mut headings: Vec<(bool, String)> = Vec::new();
    if let Some(sel) = HEADINGS.as_ref() {
        for el in doc.select(sel) {
            let text = meta::collapse_spaces(&el.text().collect::<String>())
                .trim()
                .to_string();
            let n = text.chars().count();
            if !(4..=200).contains(&n) || meta::is_chrome_line(&text) {
                continue;
            }
            let inside = el
                .ancestors()
                .any(|a| ElementRef::wrap(a) == Some(container));
            headings.push((inside, text));
        }
    }
    // Headings inside the article first: the page's own <h1> is often the site logo.
    headings.sort_by_key(|(inside, _)| !inside);

    let best_match = headings
        .iter()
        .filter(|(_, h)| !full_title_key.is_empty() && full_title_key.contains(&compact(h)))
        .max_by_key(|(_, h)| h.chars().count());
    if let Some((_, h)) = best_match {
        return h.clone();
    }
    let title_is_site_name = page_title.chars().count() < 6;
    if !page_title.is_empty() && !title_is_site_name {
        return page_title;
    }
    headings
        .into_iter()
        .map(|(_, h)| h)
        .next()
        .unwrap_or(page_title)
}

/// Chinese-character counts per element, for choosing the article container.
struct TextStats<'a> {
    nodes: Vec<ElementStats<'a>>,
}

#[derive(Debug)]
struct ElementStats<'a> {
    el: ElementRef<'a>,
    depth: usize,
    /// CJK characters in the element's text.
    cjk: usize,
    /// Of which inside links.
    link_cjk: usize,
}

impl<'a> TextStats<'a> {
    fn measure(root: ElementRef<'a>) -> TextStats<'a> {
        let mut nodes: Vec<ElementStats<'a>> = Vec::new();
        let mut parents: Vec<Option<usize>> = Vec::new();
        let mut stack = vec![(root, None::<usize>, 0usize, false)];
        while let Some((el, parent, depth, in_link)) = stack.pop() {
            if is_skipped(el) {
                continue;
            }
            let idx = nodes.len();
            let in_link = in_link || el.value().name() == "a";
            let mut own = 0;
            for child in el.children() {
                match child.value() {
                    Node::Text(t) => own += count_cjk(t),
                    Node::Element(_) => {
                        if let Some(c) = ElementRef::wrap(child) {
                            stack.push((c, Some(idx), depth + 1, in_link));
                        }
                    }
                    _ => {}
                }
            }
            nodes.push(ElementStats {
                el,
                depth,
                cjk: own,
                link_cjk: if in_link { own } else { 0 },
            });
            parents.push(parent);
        }
        // Every descendant has a larger index than its ancestors: sum bottom-up.
        for i in (0..nodes.len()).rev() {
            if let Some(p) = parents.get(i).copied().flatten() {
                let (cjk, link) = (nodes[i].cjk, nodes[i].link_cjk);
                if let Some(parent) = nodes.get_mut(p) {
                    parent.cjk += cjk;
                    parent.link_cjk += link;
                }
            }
        }
        TextStats { nodes }
    }
}

fn count_cjk(text: &str) -> usize {
    text.chars()
        .filter(|&c| gongkai_analysis::is_cjk(c))
        .count()
}

/// The element holding the article: the best-filled known container, else the deepest block
/// holding most of the page's non-link Chinese text, else `<body>`.
fn find_container<'a>(
    doc: &'a Html,
    body: ElementRef<'a>,
    stats: &TextStats<'a>,
) -> ElementRef<'a> {
    let index: HashMap<_, usize> = stats
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.el.id(), i))
        .collect();
    let text_of = |el: &ElementRef<'a>| index.get(&el.id()).and_then(|&i| stats.nodes.get(i));
    for selector in CONTAINERS.iter() {
        let best = doc
            .select(selector)
            .filter_map(|el| text_of(&el).map(|s| (el, s)))
            .filter(|(_, s)| s.cjk >= 10 && (s.link_cjk as f64) <= MAX_LINK_SHARE * s.cjk as f64)
            .max_by_key(|(_, s)| s.cjk - s.link_cjk);
        if let Some((el, _)) = best {
            return el;
        }
    }
    let total = stats.nodes.first().map_or(0, |n| n.cjk - n.link_cjk);
    if total == 0 {
        return body;
    }
    stats
        .nodes
        .iter()
        .filter(|n| {
            matches!(
                n.el.value().name(),
                "div" | "td" | "article" | "section" | "main" | "center"
            )
        })
        .filter(|n| (n.cjk - n.link_cjk) as f64 >= FALLBACK_SHARE * total as f64)
        .max_by_key(|n| n.depth)
        .map_or(body, |n| n.el)
}

/// Whether an element's text is never shown: scripts, forms, hidden blocks.
fn is_skipped(el: ElementRef<'_>) -> bool {
    let e = el.value();
    if SKIPPED_TAGS.contains(&e.name()) || e.attr("hidden").is_some() {
        return true;
    }
    e.attr("style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Whether an element inside the article is furniture by its class or id (share bars, print
/// buttons, breadcrumbs, related links).
fn is_marked_chrome(el: ElementRef<'_>) -> bool {
    let e = el.value();
    if matches!(e.name(), "nav" | "footer") {
        return true;
    }
    let names = e
        .id()
        .into_iter()
        .chain(e.classes())
        .map(str::to_ascii_lowercase);
    names
        .into_iter()
        .any(|n| CHROME_MARKERS.iter().any(|m| n.contains(m)))
}

enum Step<'a> {
    Open(ElementRef<'a>),
    Close(&'a str),
    Text(&'a str),
}

/// The text of `root` as lines: block elements and `<br>` break lines, table cells are
/// separated by a space, whitespace inside text is collapsed later by the line cleaner.
/// `exclude` (the article, when rendering the rest of the page) is left out.
fn render<'a>(root: ElementRef<'a>, exclude: Option<ElementRef<'a>>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut stack = vec![Step::Open(root)];
    let inside_article = exclude.is_none();
    let break_line = |current: &mut String, lines: &mut Vec<String>| {
        let line = meta::collapse_spaces(current);
        let line = line.trim();
        if !line.is_empty() {
            lines.push(line.to_string());
        }
        current.clear();
    };
    while let Some(step) = stack.pop() {
        match step {
            Step::Text(t) => {
                current.extend(
                    t.chars()
                        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
                );
            }
            Step::Open(el) => {
                let name = el.value().name();
                if Some(el) == exclude {
                    break_line(&mut current, &mut lines);
                    continue;
                }
                if is_skipped(el) || (inside_article && el != root && is_marked_chrome(el)) {
                    continue;
                }
                if BLOCK_TAGS.contains(&name) {
                    break_line(&mut current, &mut lines);
                } else if matches!(name, "td" | "th") {
                    current.push(' ');
                }
                if name == "br" || name == "hr" {
                    continue;
                }
                stack.push(Step::Close(name));
                let children: Vec<_> = el.children().collect();
                for child in children.into_iter().rev() {
                    match child.value() {
                        Node::Text(t) => stack.push(Step::Text(t)),
                        Node::Element(_) => {
                            if let Some(c) = ElementRef::wrap(child) {
                                stack.push(Step::Open(c));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Step::Close(name) => {
                if BLOCK_TAGS.contains(&name) {
                    break_line(&mut current, &mut lines);
                } else if matches!(name, "td" | "th") {
                    current.push(' ');
                }
            }
        }
    }
    break_line(&mut current, &mut lines);
    lines
}

/// Label/value pairs from metadata tables: tables where a label cell (`索引号：`, `<b>发文机关：</b>`)
/// is followed by its value cell. A table counts when at least two of its labels are known
/// record fields; then its unknown labels are kept too (→ [`Record::extra`]). A statistics table
/// in an annual report, whose cells also end in colons now and then, does not qualify.
fn read_metadata_tables(doc: &Html, record: &mut Record, warnings: &mut Vec<String>) {
    let (Some(tables), Some(rows)) = (TABLE.as_ref(), ROW.as_ref()) else {
        return;
    };
    for table in doc.select(tables) {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for row in table.select(rows) {
            let nearest_table = row
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().name() == "table");
            if nearest_table != Some(table) {
                continue;
            }
            let cells: Vec<String> = row
                .child_elements()
                .filter(|c| matches!(c.value().name(), "td" | "th"))
                .map(|c| {
                    meta::collapse_spaces(&c.text().collect::<String>())
                        .trim()
                        .to_string()
                })
                .collect();
            let mut i = 0;
            while i < cells.len() {
                let cell = &cells[i];
                if is_label_cell(cell) {
                    if let Some(value) = cells.get(i + 1).filter(|v| !is_label_cell(v)) {
                        pairs.push((meta::label_key(cell), value.clone()));
                        i += 2;
                        continue;
                    }
                } else if let Some(inline) = meta::scan_metadata_line(cell) {
                    pairs.extend(inline);
                }
                i += 1;
            }
        }
        let known = pairs
            .iter()
            .filter(|(l, _)| {
                !matches!(
                    meta::classify_label(l),
                    None | Some(Field::Extra) | Some(Field::Chrome)
                )
            })
            .count();
        if known >= 2 {
            for (label, value) in pairs {
                meta::apply_label(record, &label, &value, warnings);
            }
        }
    }
}

/// `索引号：`, `发文机关:`, or a known label without colon (`<th>索引号</th>`).
fn is_label_cell(text: &str) -> bool {
    let key = meta::label_key(text);
    if key.is_empty() || key.chars().count() > meta::MAX_LABEL_CHARS {
        return false;
    }
    let has_colon = text.trim_end().ends_with(':') || text.trim_end().ends_with('：');
    let all_han = key.chars().all(gongkai_analysis::is_cjk);
    (has_colon && all_han) || matches!(meta::classify_label(&key), Some(f) if f != Field::Chrome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse() {
        assert_eq!(CONTAINERS.len(), CONTAINER_SELECTORS.len());
        for s in [&*HEADINGS, &*BODY, &*TITLE, &*META, &*LINK, &*TABLE, &*ROW] {
            assert!(s.is_some());
        }
    }

    #[test]
    fn metadata_table_pairs() {
        let html = r#"<html><head><title>关于X的通知_中国政府网</title></head><body>
            <table><tr><td><b>索&nbsp;引&nbsp;号：</b></td><td>000014349/2017-00081</td>
            <td><b>主题分类：</b></td><td>政府工作\其他</td></tr>
            <tr><td><b>有效性：</b></td><td>有效</td><td><b>公开方式：</b></td><td>主动公开</td></tr></table>
            <div id="UCAP-CONTENT"><p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>
            <p>现将有关事项通知如下。</p></div></body></html>"#;
        let (r, w) = parse_html_text(html, "t.html", None, Vec::new()).unwrap();
        assert_eq!(r.title, "关于X的通知");
        assert_eq!(r.index_no.as_deref(), Some("000014349/2017-00081"));
        assert_eq!(r.topic.as_deref(), Some("政府工作\\其他"));
        assert_eq!(r.extra["公开方式"], "主动公开");
        assert_eq!(r.validity, Some(gongkai_core::Validity::Valid));
        assert_eq!(
            r.body,
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n现将有关事项通知如下。"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn density_fallback_and_header_line() {
        let html = r#"<html><body><ul><li><a href="/">首页</a></li><li><a href="/a">政务公开</a></li></ul>
            <div class="x"><h2>关于做好春耕生产工作的通知</h2>
            <div class="y">发布时间：2019-03-01 来源：县农业局 浏览次数：33</div>
            <div class="z"><p>各乡镇：</p><p>为切实做好春耕生产工作，现就有关事项通知如下。</p>
            <p>县农业局</p><p>2019年2月28日</p></div></div>
            <div class="foot">版权所有：某某县人民政府 蜀ICP备00000000号</div></body></html>"#;
        let (r, _) = parse_html_text(html, "t.html", None, Vec::new()).unwrap();
        assert_eq!(r.title, "关于做好春耕生产工作的通知");
        assert_eq!(r.department.as_deref(), Some("县农业局"));
        assert_eq!(
            r.publish_date.map(|d| d.to_string()).as_deref(),
            Some("2019-03-01")
        );
        assert_eq!(
            r.written_date.map(|d| d.to_string()).as_deref(),
            Some("2019-02-28")
        );
        assert!(r.body.starts_with("各乡镇："), "{}", r.body);
        assert!(
            !r.body.contains("浏览") && !r.body.contains("版权"),
            "{}",
            r.body
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = "<div>".repeat(20_000) + "深" + &"</div>".repeat(20_000);
        let _ = parse_html_text(&html, "deep.html", None, Vec::new());
    }
}
