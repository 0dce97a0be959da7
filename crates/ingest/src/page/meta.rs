//! What HTML and text pages have in common once they are lines of text: labelled metadata
//! (`来源：… 时间：…`, `索引号：…`), page chrome (`【打印】【关闭】`, `上一篇`, `版权所有`), and the
//! signature date that ends a document (`德昌县人民政府办公室 2017年2月23日`).
//!
//! This module owns
//! - the label vocabulary: every label a portal uses and the [`Record`] field it fills
//!   ([`classify_label`]), applied by [`apply_label`] so that both parsers fill records alike;
//! - [`scan_metadata_line`], which recognises a line of `label：value` pairs;
//! - the chrome filter ([`clean_line`], [`is_chrome_line`], [`ends_article`]);
//! - [`signature_date`], the 成文日期 of a document that has no label for it;
//! - [`parse_date`] and [`strip_title_suffix`].
//!
//! It never decides *where* on a page metadata may appear; that is the parsers' business (a
//! `时间：` line inside a meeting notice's body is not the publication date).

use std::borrow::Cow;
use std::sync::LazyLock;

use gongkai_core::date::find_dates;
use gongkai_core::docnumber;
use gongkai_core::{Date, Record, Validity};
use regex::Regex;
use serde_json::Value;

/// The record field a metadata label fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// 标题.
    Title,
    /// 来源, 发布机构, 发文机关 ….
    Department,
    /// 发布日期, 发布时间, 时间 ….
    PublishDate,
    /// 成文日期, 发文日期 ….
    WrittenDate,
    /// 文号, 发文字号.
    DocNumber,
    /// 索引号.
    IndexNo,
    /// 主题分类.
    Topic,
    /// 公文种类, 体裁, 文种.
    DocType,
    /// 有效性, 时效性.
    Validity,
    /// Metadata Gongkai has no column for; kept in [`Record::extra`] under the label.
    Extra,
    /// Page furniture written like a label (`点击率：`, `字体：大 中 小`); dropped.
    Chrome,
}

/// Labels as portals write them (without colon or inner spaces) and what they fill.
const LABELS: &[(&str, Field)] = &[
    ("标题", Field::Title),
    ("文件名称", Field::Title),
    ("信息名称", Field::Title),
    ("名称", Field::Title),
    ("来源", Field::Department),
    ("信息来源", Field::Department),
    ("文章来源", Field::Department),
    ("发布机构", Field::Department),
    ("发布单位", Field::Department),
    ("发布部门", Field::Department),
    ("发文机关", Field::Department),
    ("发文单位", Field::Department),
    ("制发机关", Field::Department),
    ("发布时间", Field::PublishDate),
    ("发布日期", Field::PublishDate),
    ("公开日期", Field::PublishDate),
    ("公开时间", Field::PublishDate),
    ("发表时间", Field::PublishDate),
    ("生成日期", Field::PublishDate),
    ("时间", Field::PublishDate),
    ("日期", Field::PublishDate),
    ("成文日期", Field::WrittenDate),
    ("成文时间", Field::WrittenDate),
    ("发文日期", Field::WrittenDate),
    ("印发日期", Field::WrittenDate),
    ("签发日期", Field::WrittenDate),
    ("文号", Field::DocNumber),
    ("发文字号", Field::DocNumber),
    ("发文文号", Field::DocNumber),
    ("文件文号", Field::DocNumber),
    ("文件编号", Field::DocNumber),
    ("索引号", Field::IndexNo),
    ("信息索引号", Field::IndexNo),
    ("主题分类", Field::Topic),
    ("公文种类", Field::DocType),
    ("公文类型", Field::DocType),
    ("文种", Field::DocType),
    ("体裁", Field::DocType),
    ("体裁分类", Field::DocType),
    ("有效性", Field::Validity),
    ("时效性", Field::Validity),
    ("效力状态", Field::Validity),
    ("时效", Field::Validity),
    // Known metadata without a column: recognised even in free-form header lines.
    ("作者", Field::Extra),
    ("主题词", Field::Extra),
    ("关键词", Field::Extra),
    ("公开方式", Field::Extra),
    ("公开范围", Field::Extra),
    ("公开时限", Field::Extra),
    ("公开形式", Field::Extra),
    ("信息类别", Field::Extra),
    ("组配分类", Field::Extra),
    ("服务对象", Field::Extra),
    ("生效日期", Field::Extra),
    ("实施日期", Field::Extra),
    ("施行日期", Field::Extra),
    ("废止日期", Field::Extra),
    ("失效日期", Field::Extra),
    ("统一编号", Field::Extra),
    ("登记号", Field::Extra),
    ("内容概述", Field::Extra),
    ("摘要", Field::Extra),
    ("责任部门", Field::Extra),
    ("公开责任部门", Field::Extra),
    ("所属机构", Field::Extra),
    ("所属主题", Field::Extra),
    ("机构分类", Field::Extra),
    ("信息分类", Field::Extra),
    ("更新时间", Field::Extra),
    ("编辑", Field::Extra),
    ("责任编辑", Field::Extra),
    // Chrome that looks like a label.
    ("点击率", Field::Chrome),
    ("点击数", Field::Chrome),
    ("点击量", Field::Chrome),
    ("点击次数", Field::Chrome),
    ("浏览次数", Field::Chrome),
    ("浏览量", Field::Chrome),
    ("访问量", Field::Chrome),
    ("访问次数", Field::Chrome),
    ("阅读次数", Field::Chrome),
    ("阅读量", Field::Chrome),
    ("阅读数", Field::Chrome),
    ("字体", Field::Chrome),
    ("字号", Field::Chrome),
    ("分享到", Field::Chrome),
    ("分享", Field::Chrome),
    ("打印", Field::Chrome),
    ("关闭", Field::Chrome),
    ("当前位置", Field::Chrome),
    ("您的位置", Field::Chrome),
    ("您现在的位置", Field::Chrome),
    ("您当前的位置", Field::Chrome),
    ("上一篇", Field::Chrome),
    ("下一篇", Field::Chrome),
];

/// Longest label a metadata table cell may hold (in characters, spaces removed).
pub const MAX_LABEL_CHARS: usize = 10;

/// Longest line treated as a metadata line, in characters.
const MAX_METADATA_LINE_CHARS: usize = 300;

/// Lines longer than this are prose, never chrome.
const MAX_CHROME_LINE_CHARS: usize = 120;

/// `label` without spaces (`索　引　号` → `索引号`) and a trailing colon.
pub fn label_key(label: &str) -> String {
    let mut key: String = label.chars().filter(|c| !c.is_whitespace()).collect();
    while key.ends_with(':') || key.ends_with('：') {
        key.pop();
    }
    key
}

/// The field a label fills, `None` when it is not a label Gongkai knows.
pub fn classify_label(label: &str) -> Option<Field> {
    let key = label_key(label);
    LABELS.iter().find(|(l, _)| *l == key).map(|&(_, f)| f)
}

/// Fills the record field `label` names with `value`.
///
/// The first value wins: a second, different value for a field already set goes to
/// [`Record::extra`] under the label, as does a value that cannot be used (a 发布日期 that is
/// not a date, an unknown 有效性) and any unknown label — nothing labelled is dropped, except
/// chrome. Returns `false` for chrome and blank values.
pub fn apply_label(
    record: &mut Record,
    label: &str,
    value: &str,
    warnings: &mut Vec<String>,
) -> bool {
    let key = label_key(label);
    let value = clean_value(value);
    if key.is_empty() || value.is_empty() {
        return false;
    }
    let field = classify_label(&key).unwrap_or(Field::Extra);
    let set_text =
        |slot: &mut Option<String>, record_extra: &mut serde_json::Map<String, Value>| match slot {
            None => *slot = Some(value.clone()),
            Some(existing) if *existing == value => {}
            Some(_) => push_extra(record_extra, &key, &value),
        };
    match field {
        Field::Chrome => return false,
        Field::Title => {
            if record.title.is_empty() {
                record.title = value.clone();
            } else if record.title != value {
                push_extra(&mut record.extra, &key, &value);
            }
        }
        Field::Department => set_text(&mut record.department, &mut record.extra),
        Field::DocNumber => set_text(&mut record.doc_number, &mut record.extra),
        Field::IndexNo => set_text(&mut record.index_no, &mut record.extra),
        Field::Topic => set_text(&mut record.topic, &mut record.extra),
        Field::DocType => set_text(&mut record.doc_type, &mut record.extra),
        Field::PublishDate | Field::WrittenDate => {
            let slot = if field == Field::PublishDate {
                &mut record.publish_date
            } else {
                &mut record.written_date
            };
            match parse_date(&value) {
                Some(date) if slot.is_none() => *slot = Some(date),
                Some(date) if *slot == Some(date) => {}
                Some(_) => push_extra(&mut record.extra, &key, &value),
                None => {
                    warnings.push(format!(
                        "{key}: {value:?} is not a date; kept as extra `{key}`"
                    ));
                    push_extra(&mut record.extra, &key, &value);
                }
            }
        }
        Field::Validity => match Validity::parse(&value) {
            Some(v) if record.validity.is_none() => record.validity = Some(v),
            Some(v) if record.validity == Some(v) => {}
            _ => push_extra(&mut record.extra, &key, &value),
        },
        Field::Extra => push_extra(&mut record.extra, &key, &value),
    }
    true
}

/// Adds `value` under `key`; a key seen before with another value becomes an array.
fn push_extra(extra: &mut serde_json::Map<String, Value>, key: &str, value: &str) {
    match extra.get_mut(key) {
        None => {
            extra.insert(key.to_string(), Value::String(value.to_string()));
        }
        Some(Value::String(existing)) if existing == value => {}
        Some(Value::Array(items)) => {
            if !items.iter().any(|v| v.as_str() == Some(value)) {
                items.push(Value::String(value.to_string()));
            }
        }
        Some(other) => {
            let first = other.take();
            *other = Value::Array(vec![first, Value::String(value.to_string())]);
        }
    }
}

/// A value as found after a label: chrome tokens and separators removed, spaces collapsed.
fn clean_value(value: &str) -> String {
    let stripped = strip_inline_chrome(value);
    let collapsed = collapse_spaces(&stripped);
    collapsed
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '|' | '｜' | ':' | '：'))
        .to_string()
}

/// The pattern of one known label, inner spaces allowed (`索 引 号`).
fn label_pattern(label: &str) -> String {
    label
        .chars()
        .map(|c| regex::escape(&c.to_string()))
        .collect::<Vec<_>>()
        .join(r"\s*")
}

fn known_labels_alternation() -> String {
    let mut labels: Vec<&str> = LABELS.iter().map(|(l, _)| *l).collect();
    // Longest first, so that `发布时间` is not read as `时间` and `信息来源` not as `来源`.
    labels.sort_by_key(|l| std::cmp::Reverse(l.chars().count()));
    labels
        .iter()
        .map(|l| label_pattern(l))
        .collect::<Vec<_>>()
        .join("|")
}

/// A known label at the start of a line.
static LEADING_LABEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\s*(?P<label>{})\s*[:：]",
        known_labels_alternation()
    ))
    .ok()
});

/// Any label inside a metadata line: a known one, or two to eight Han characters followed by a
/// colon, at the start or after a space or `|`.
///
/// Known labels may follow any non-Han character: DedeCMS-style templates glue them to the
/// previous value (`<small>时间:</small>2018-02-06 09:30<small>来源:</small>…`).
static ANY_LABEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[^\p{{Han}}])(?P<label>{})\s*[:：]|(?:^|[\s|｜])(?P<other>\p{{Han}}{{2,8}})\s*[:：]",
        known_labels_alternation()
    ))
    .ok()
});

/// Reads a line of `label：value` pairs (`来源:德昌县人民政府办公室 时间:2018-03-30 14:54 点击率:`).
///
/// A line is metadata when it starts with a known, non-chrome label and is short; then every
/// `label：value` on it is returned, chrome labels included (so that [`apply_label`] can drop
/// them while the caller still knows the line was metadata). `None` for any other line.
pub fn scan_metadata_line(line: &str) -> Option<Vec<(String, String)>> {
    // Buttons such as `【字体：大 中 小】` look like labels themselves.
    let stripped = strip_inline_chrome(line);
    let line = stripped.trim();
    if line.is_empty() || line.chars().count() > MAX_METADATA_LINE_CHARS {
        return None;
    }
    // `2017-06-08 17:00 来源：中国政府网`: a bare date before the first label is the
    // publication time (gov.cn's `pages-date` line).
    let mut pairs = Vec::new();
    let mut line = line;
    if let Some(date) = LEADING_DATE.as_ref().and_then(|re| re.find(line)) {
        pairs.push(("发布时间".to_string(), date.as_str().trim().to_string()));
        line = line[date.end()..].trim_start();
    }
    let leading = LEADING_LABEL.as_ref()?.captures(line)?;
    if classify_label(leading.name("label")?.as_str()) == Some(Field::Chrome) {
        return None;
    }
    let any = ANY_LABEL.as_ref()?;
    let mut found: Vec<(String, usize, usize)> = Vec::new();
    for caps in any.captures_iter(line) {
        let (Some(all), Some(label)) = (
            caps.get(0),
            caps.name("label").or_else(|| caps.name("other")),
        ) else {
            continue;
        };
        found.push((label.as_str().to_string(), label.start(), all.end()));
    }
    for (i, (label, _, value_start)) in found.iter().enumerate() {
        let value_end = found.get(i + 1).map_or(line.len(), |next| next.1);
        let value = line.get(*value_start..value_end).unwrap_or_default();
        pairs.push((label_key(label), clean_value(value)));
    }
    Some(pairs)
}

/// A date (and time) opening a line.
static LEADING_DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s|$)").ok()
});

/// Bracketed buttons and counters that can sit anywhere on a line.
static INLINE_CHROME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let buttons = r"打印(?:本页|此页|文章)?|关闭(?:本页|窗口|此页)?|收藏|加入收藏|返回顶部|返回|顶部|我要纠错|纠错|保存(?:本页)?|分享|放大|缩小|默认|视力保护色|(?:字体|字号)?\s*[:：]?\s*大\s*中\s*小";
    Regex::new(&format!(
        concat!(
            r"[【\[［]\s*(?:{b})\s*[】\]］]",
            r"|(?:字体|字号)\s*[:：]\s*[【\[［]?\s*大\s*[】\]］]?\s*[【\[［]?\s*中\s*[】\]］]?\s*[【\[［]?\s*小\s*[】\]］]?",
            r"|(?:点击率|点击数|点击量|点击次数|浏览次数|浏览量|访问量|访问次数|阅读次数|阅读量|阅读数)\s*[:：]\s*\d*\s*次?",
            r"|分享到\s*[:：]?"
        ),
        b = buttons
    ))
    .ok()
});

/// Lines that are nothing but page furniture (checked on lines of at most
/// [`MAX_CHROME_LINE_CHARS`] characters, after inline chrome is gone).
static CHROME_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:当前位置|您当前的位置|您现在的位置|您的位置|现在位置|所在位置|当前所在位置|位置)\s*[:：]",
        r"|^首页\s*[>›»/＞→]",
        r"|^(?:上一篇|下一篇|上一条|下一条|上篇|下篇)(?:\s|[:：]|$)",
        r"|^分享到|扫一扫|手机扫描|用手机打开",
        r"|版权所有|ICP\s*备|ICP\s*证|公网安备|网站标识码|(?i:copyright)|©",
        r"|^(?:主办单位|主办|承办单位|承办|技术支持|维护单位)\s*[:：].{0,80}(?:承办|技术支持|维护|地址|电话|邮编|备案|网站)",
        r"|^(?:网站地图|联系我们|网站声明|设为首页|加入收藏|返回顶部|打印本页|关闭窗口|无障碍|无障碍浏览|长者模式|English|繁体|简体|繁體|登录|注册|搜索|首页)(?:\s*[|｜]\s*(?:网站地图|联系我们|网站声明|设为首页|加入收藏|无障碍|English|繁体|简体|繁體|登录|注册|首页))*$",
        r"|^(?:打印|关闭|收藏)$",
        r"|^[|｜\s]*$",
    ))
    .ok()
});

/// Headings after which a page lists other articles, not this one's text.
static ARTICLE_END: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?:相关链接|相关文章|相关阅读|相关新闻|相关信息|相关文件|相关稿件|相关推荐|热点新闻|推荐阅读|延伸阅读)\s*[:：]?\s*$").ok()
});

/// `line` without bracketed buttons (`【打印】`, `[关闭]`, `【字体：大 中 小】`) and counters
/// (`点击率：123次`, `浏览次数：`).
pub fn strip_inline_chrome(line: &str) -> Cow<'_, str> {
    match INLINE_CHROME.as_ref() {
        Some(re) => re.replace_all(line, ""),
        None => Cow::Borrowed(line),
    }
}

/// Whether `line` is page furniture as a whole: breadcrumbs, 上一篇/下一篇, share bars, footers.
pub fn is_chrome_line(line: &str) -> bool {
    let original = line.trim();
    if original.is_empty() {
        return false;
    }
    let stripped = strip_inline_chrome(original);
    let t = stripped.trim();
    if t.is_empty() {
        return true;
    }
    if t.chars().count() > MAX_CHROME_LINE_CHARS {
        return false;
    }
    CHROME_LINE.as_ref().is_some_and(|re| re.is_match(t))
}

/// Whether `line` heads the list of related articles that follows an article.
pub fn ends_article(line: &str) -> bool {
    ARTICLE_END
        .as_ref()
        .is_some_and(|re| re.is_match(line.trim()))
}

/// A body line as kept: inline chrome removed, runs of spaces collapsed, trimmed (full-width
/// indentation included). `None` when nothing, or only chrome, is left.
pub fn clean_line(line: &str) -> Option<String> {
    if is_chrome_line(line) {
        return None;
    }
    let stripped = strip_inline_chrome(line);
    let collapsed = collapse_spaces(&stripped);
    let trimmed = collapsed.trim_matches(|c: char| c.is_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Collapses runs of ASCII whitespace and no-break spaces into one space; U+3000 is kept, it is
/// part of how Chinese text is laid out.
pub fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() || c == '\u{a0}' {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// A date as found in a label value: whatever [`Date::parse`] accepts (`2017年05月15日`,
/// `2018-03-30 14:54`, `二〇一七年二月二十三日` …), else a date opening the value
/// (`2019-07-12（星期五）`).
pub fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim();
    Date::parse(t).or_else(|| {
        find_dates(t)
            .into_iter()
            .next()
            .filter(|&(start, _, _)| start == 0)
            .map(|(_, _, date)| date)
    })
}

/// The document's own 文号 when it stands alone on the first line of the text, as official
/// documents print it above the salutation (`国办发〔2017〕47号`). For pages without a 文号 label.
pub fn leading_doc_number(body: &str) -> Option<String> {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    let found = docnumber::find_in_text(first);
    match found.as_slice() {
        [only] if only.trim() == first => Some(only.clone()),
        _ => None,
    }
}

/// Lines a document may end with after its signature: `（此件公开发布）`, `（联系人：…）`.
static AFTER_SIGNATURE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[（(][^（）()]{0,60}[）)]$").ok());

/// How many trailing lines are searched for the signature.
const SIGNATURE_LINES: usize = 3;

/// The date under a document's signature: the last of its final lines that ends in a date
/// standing alone (`德昌县人民政府办公室 2017年2月23日`, or a line `2017年2月23日`).
///
/// Dates inside prose are glued to the text before them (`截至2017年12月31日。`) and are not
/// taken. Parenthesised notes after the signature (`（此件公开发布）`) are skipped.
pub fn signature_date(body: &str) -> Option<Date> {
    let lines = body
        .lines()
        .rev()
        .map(|l| l.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '|' | '｜')))
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            !AFTER_SIGNATURE
                .as_ref()
                .is_some_and(|after| after.is_match(l.trim()))
        })
        .take(SIGNATURE_LINES);
    for line in lines {
        let Some((start, end, date)) = find_dates(line).pop() else {
            continue;
        };
        let stands_alone = line[..start]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        if end == line.len() && stands_alone {
            return Some(date);
        }
    }
    None
}

/// Separators portals put between a title and the site or column name.
const TITLE_SEPARATORS: &[&str] = &["_", " - ", " -", "- ", "－", " — ", "—", "|", "｜", " :: "];

/// A `<title>` without the site suffix: `…的通知_国务院部门文件_中国政府网` → `…的通知`,
/// `… - 德昌县人民政府` → `…`.
///
/// A trailing segment is removed when the separator is `_` (titles themselves practically never
/// contain one) or when the segment is short and looks like a site or column name.
pub fn strip_title_suffix(title: &str) -> String {
    let mut t = collapse_spaces(title).trim().to_string();
    loop {
        let mut cut = None;
        for sep in TITLE_SEPARATORS {
            let Some(at) = t.rfind(sep) else { continue };
            let head = t[..at].trim();
            let tail = t[at + sep.len()..].trim();
            if head.chars().count() < 4 {
                continue;
            }
            let removable = *sep == "_" || tail.is_empty() || looks_like_site_name(tail);
            if removable && cut.is_none_or(|(best, _): (usize, usize)| at > best) {
                cut = Some((at, head.len()));
            }
        }
        match cut {
            Some((_, head_len)) => {
                t.truncate(head_len);
                t = t.trim().to_string();
            }
            None => return t,
        }
    }
}

fn looks_like_site_name(segment: &str) -> bool {
    const SITE_SUFFIXES: &[&str] = &[
        "政府",
        "网",
        "网站",
        "门户",
        "门户网站",
        "政府网",
        "人民政府",
        "政务网",
        "信息网",
        "公开",
        "信息公开",
        "专栏",
        "文件",
        "政策",
        "委员会",
        "办公厅",
        "办公室",
        "局",
        "厅",
        "部",
    ];
    let s = segment.trim();
    let n = s.chars().count();
    (1..=24).contains(&n)
        && (SITE_SUFFIXES.iter().any(|suffix| s.ends_with(suffix)) || s.contains(".gov.cn"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_patterns_compile() {
        assert!(LEADING_LABEL.is_some());
        assert!(ANY_LABEL.is_some());
        assert!(LEADING_DATE.is_some());
        assert!(INLINE_CHROME.is_some());
        assert!(CHROME_LINE.is_some());
        assert!(ARTICLE_END.is_some());
        assert!(AFTER_SIGNATURE.is_some());
    }

    #[test]
    fn header_lines_split_into_pairs() {
        let pairs = scan_metadata_line(
            "来源:德昌县人民政府办公室 时间:2018-03-30 14:54 点击率:【打印】【关闭】 |",
        )
        .unwrap();
        assert_eq!(
            pairs,
            vec![
                ("来源".to_string(), "德昌县人民政府办公室".to_string()),
                ("时间".to_string(), "2018-03-30 14:54".to_string()),
            ]
        );
        let pairs =
            scan_metadata_line("索　引　号： 000014349/2017-00081 主题分类： 政府工作\\其他")
                .unwrap();
        assert_eq!(
            pairs[0],
            ("索引号".to_string(), "000014349/2017-00081".to_string())
        );
        assert_eq!(
            pairs[1],
            ("主题分类".to_string(), "政府工作\\其他".to_string())
        );
        assert!(scan_metadata_line("本报告根据《条例》编制。时间：全年").is_none());
        assert!(scan_metadata_line("点击率：12").is_none());
        assert!(scan_metadata_line("2017年5月15日").is_none());
        let pairs =
            scan_metadata_line("2017-06-08 17:00  来源：中国政府网 【字体：大 中 小】").unwrap();
        assert_eq!(
            pairs[0],
            ("发布时间".to_string(), "2017-06-08 17:00".to_string())
        );
        assert_eq!(pairs[1].0, "来源");
        let pairs = scan_metadata_line(
            "时间:2018-02-06 09:30来源:德昌县人民政府办公室 文号:德府办发〔2018〕8号",
        )
        .unwrap();
        assert_eq!(pairs[0].1, "2018-02-06 09:30");
        assert_eq!(
            pairs[1],
            ("来源".to_string(), "德昌县人民政府办公室".to_string())
        );
        assert_eq!(
            pairs[2],
            ("文号".to_string(), "德府办发〔2018〕8号".to_string())
        );
    }

    #[test]
    fn labels_fill_fields_and_extra() {
        let mut r = Record::default();
        let mut w = Vec::new();
        assert!(apply_label(&mut r, "发布日期：", "2017年06月08日", &mut w));
        assert!(apply_label(&mut r, "有效性", "有效", &mut w));
        assert!(apply_label(&mut r, "公开方式", "主动公开", &mut w));
        assert!(apply_label(&mut r, "统计口径", "全县", &mut w));
        assert!(apply_label(&mut r, "时间", "2018-01-01", &mut w));
        assert!(!apply_label(&mut r, "点击率", "【打印】", &mut w));
        assert!(apply_label(&mut r, "发布时间", "不详", &mut w));
        assert_eq!(r.publish_date, Date::from_ymd(2017, 6, 8));
        assert_eq!(r.validity, Some(Validity::Valid));
        assert_eq!(r.extra["公开方式"], "主动公开");
        assert_eq!(r.extra["统计口径"], "全县");
        assert_eq!(r.extra["时间"], "2018-01-01");
        assert_eq!(r.extra["发布时间"], "不详");
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn chrome_lines() {
        for line in [
            "当前位置：首页 > 政务公开 > 通知公告",
            "首页 > 信息公开",
            "【打印】【关闭】",
            "【字体：大 中 小】 【打印本页】 【关闭窗口】",
            "上一篇：关于做好春节期间安全生产工作的通知",
            "下一篇:",
            "分享到：",
            "版权所有：德昌县人民政府 蜀ICP备05003323号",
            "网站标识码：5134240001 川公网安备 51342402000101号",
            "主办单位：德昌县人民政府办公室 地址：德昌县德州镇",
            "网站地图 | 联系我们",
            "浏览次数：1024",
            "扫一扫在手机打开当前页",
        ] {
            assert!(is_chrome_line(line), "{line}");
        }
        for line in [
            "一、概述",
            "本报告根据《条例》编制。",
            "主办单位：县文化广电局",
        ] {
            assert!(!is_chrome_line(line), "{line}");
        }
        assert_eq!(
            clean_line("  第一条　为了规范 【打印】  管理 ").as_deref(),
            Some("第一条　为了规范 管理")
        );
        assert!(ends_article("相关链接："));
    }

    #[test]
    fn signature_dates() {
        let d = |y, m, d| Date::from_ymd(y, m, d);
        assert_eq!(
            signature_date("正文。 德昌县人民政府办公室 2017年2月23日 |"),
            d(2017, 2, 23)
        );
        assert_eq!(
            signature_date("正文。\n德昌县人民政府\n二〇一七年二月二十三日\n（此件公开发布）"),
            d(2017, 2, 23)
        );
        assert_eq!(
            signature_date("正文。\n国务院办公厅\n2017年5月15日\n"),
            d(2017, 5, 15)
        );
        assert_eq!(signature_date("统计期限至2017年12月31日"), None);
        assert_eq!(signature_date(""), None);
        assert_eq!(
            leading_doc_number("\n国办发〔2017〕47号\n各省："),
            Some("国办发〔2017〕47号".to_string())
        );
        assert_eq!(leading_doc_number("根据（国办发〔2017〕47号）要求"), None);
    }

    #[test]
    fn dates_in_values() {
        assert_eq!(parse_date("2017年05月15日"), Date::from_ymd(2017, 5, 15));
        assert_eq!(parse_date("2018-03-30 14:54"), Date::from_ymd(2018, 3, 30));
        assert_eq!(
            parse_date("二〇一七年十二月三十一日"),
            Date::from_ymd(2017, 12, 31)
        );
        assert_eq!(parse_date("2017年13月01日"), None);
    }

    #[test]
    fn title_suffixes() {
        assert_eq!(
            strip_title_suffix(
                "国务院办公厅关于印发政府网站发展指引的通知_国务院部门文件_中国政府网"
            ),
            "国务院办公厅关于印发政府网站发展指引的通知"
        );
        assert_eq!(
            strip_title_suffix("关于做好2018年春耕工作的通知 - 德昌县人民政府"),
            "关于做好2018年春耕工作的通知"
        );
        assert_eq!(strip_title_suffix("关于A—B的意见"), "关于A—B的意见");
    }
}
