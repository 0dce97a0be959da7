//! 文号 and 令号: the numbers Chinese state organs give their documents.
//!
//! This module owns [`DocNumber`] (one number split into issuer, year and serial), the keyword
//! form every written variant of a number shares ([`normalize`]) and the finder for numbers
//! cited in free text ([`find_in_text`]). Two patterns are recognised:
//!
//! - **文号** (`DocNumberKind::Wenhao`): 机关代字 + bracketed year + serial + 号, e.g.
//!   `德府办发〔2017〕107号`. Any bracket (`〔〕[]［］【】()（）〖〗`), any width, spaces and a
//!   zero-padded serial (`国办发〔2017〕047号`) give the same keyword `德府办发[2017]107号`.
//! - **令号** (`DocNumberKind::Linghao`): organ + 令 + (第) + serial + 号, e.g.
//!   `中华人民共和国国务院令第449号`, keyword `国务院令第449号`: `中华人民共和国` is dropped
//!   everywhere because people leave it out when they type. A Chinese-numeral serial
//!   (`主席令第七十三号`) becomes Arabic (`主席令第73号`). The keyword always reads `令第N号`
//!   (`国务院令449号` is the same decree); a 文号 keyword never has `第`.
//!
//! Everything else that was given as a number is `DocNumberKind::Other`, keyed by its
//! width-, bracket- and script-folded form. All functions are total and never panic.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::date::chinese_number;

/// Which pattern a document number follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocNumberKind {
    /// 机关代字〔年份〕序号号, e.g. 德府办发〔2017〕107号.
    Wenhao,
    /// …令第N号, e.g. 中华人民共和国国务院令第400号.
    Linghao,
    /// Anything else that was given as a document number.
    Other,
}

/// A parsed document number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocNumber {
    /// As written.
    pub raw: String,
    /// The keyword form every variant of the same number shares.
    pub normalized: String,
    /// 机关代字 (德府办发) or the issuing organ of a 令 (国务院令).
    pub issuer: Option<String>,
    /// Year in the brackets.
    pub year: Option<u32>,
    /// Serial number.
    pub serial: Option<u32>,
    /// Pattern.
    pub kind: DocNumberKind,
}

impl DocNumber {
    /// Parses one document number.
    ///
    /// `raw` is the trimmed input. A 文号 or 令号 gives its parts and the canonical keyword
    /// (see [`normalize`]); prose in front of the number is not part of the issuer
    /// (`最高人民法院以法发〔1993〕15号` → issuer `法发`). The trailing 号 may be left off, as
    /// people do when they type a number. Any other text is [`DocNumberKind::Other`] with its
    /// folded form. `None` when nothing is left after folding (empty or whitespace only).
    ///
    /// ```
    /// use gongkai_core::docnumber::{DocNumber, DocNumberKind};
    /// let n = DocNumber::parse("德府办发〔2017〕107号").unwrap();
    /// assert_eq!(n.kind, DocNumberKind::Wenhao);
    /// assert_eq!(n.normalized, "德府办发[2017]107号");
    /// assert_eq!((n.issuer.as_deref(), n.year, n.serial), (Some("德府办发"), Some(2017), Some(107)));
    ///
    /// let n = DocNumber::parse("中华人民共和国国务院令第449号").unwrap();
    /// assert_eq!(n.kind, DocNumberKind::Linghao);
    /// assert_eq!(n.normalized, "国务院令第449号");
    /// assert_eq!(n.issuer.as_deref(), Some("国务院令"));
    /// ```
    pub fn parse(text: &str) -> Option<DocNumber> {
        let raw = text.trim();
        if raw.is_empty() {
            return None;
        }
        let folded = fold(raw);
        if folded.is_empty() {
            return None;
        }
        let number = match Parts::parse(&folded) {
            Some(parts) => DocNumber {
                raw: raw.to_string(),
                normalized: parts.canonical(),
                issuer: Some(parts.issuer),
                year: parts.year,
                serial: Some(parts.serial),
                kind: parts.kind,
            },
            None => DocNumber {
                raw: raw.to_string(),
                normalized: folded,
                issuer: None,
                year: None,
                serial: None,
                kind: DocNumberKind::Other,
            },
        };
        Some(number)
    }

    /// [`DocNumber::parse`] for what people type into a search box: a 文号 or 令号, also
    /// when typed as its parts without brackets (`国办发 2017 47号`, `国办发2017年第47号`,
    /// `国办发 〔2017〕 47`). `None` for anything that is not one.
    ///
    /// ```
    /// use gongkai_core::docnumber::DocNumber;
    /// let n = DocNumber::parse_query("国办发 2017 47号").unwrap();
    /// assert_eq!(n.normalized, "国办发[2017]47号");
    /// assert_eq!(DocNumber::parse_query("国办发2017年第47号").unwrap().normalized, "国办发[2017]47号");
    /// assert!(DocNumber::parse_query("环境保护 条例").is_none());
    /// ```
    pub fn parse_query(text: &str) -> Option<DocNumber> {
        if let Some(number) = DocNumber::parse(text).filter(DocNumber::is_structured) {
            return Some(number);
        }
        static SPACED: LazyLock<Option<Regex>> = LazyLock::new(|| {
            Regex::new(concat!(
                r"^(?P<issuer>[^\s\[\]0-9]{1,24}?)\s*\[?\s*(?P<year>[0-9]{4})",
                r"(?:\s*\]\s*|\s*年\s*|\s+)+第?\s*(?P<serial>[0-9]{1,9})\s*号?$",
            ))
            .ok()
        });
        let normalized = gongkai_analysis::normalize(text.trim());
        let caps = SPACED.as_ref()?.captures(&normalized)?;
        let rebuilt = format!(
            "{}[{}]{}号",
            caps.name("issuer")?.as_str(),
            caps.name("year")?.as_str(),
            caps.name("serial")?.as_str()
        );
        let mut number = DocNumber::parse(&rebuilt).filter(DocNumber::is_structured)?;
        number.raw = text.trim().to_string();
        Some(number)
    }

    /// True for a 文号 or 令号 (anything but [`DocNumberKind::Other`]).
    pub fn is_structured(&self) -> bool {
        self.kind != DocNumberKind::Other
    }
}

/// The keyword form every variant of a document number shares.
///
/// Width, script, case and brackets are folded by [`gongkai_analysis::normalize`], whitespace
/// and every `中华人民共和国` are removed, and a 文号 or 令号 is rewritten from its parts:
/// `德府办发 〔２０１７〕 107 号`, `德府办发(2017)107号` → `德府办发[2017]107号`;
/// `国办发〔2017〕047号` → `国办发[2017]47号`; `中华人民共和国主席令第七十三号` →
/// `主席令第73号`. Idempotent. Equal to `DocNumber::parse(text).normalized` (empty when that is
/// `None`).
pub fn normalize(text: &str) -> String {
    DocNumber::parse(text)
        .map(|n| n.normalized)
        .unwrap_or_default()
}

/// 文号 and 令号 cited in `text`, as written, in order of first appearance, without repeats
/// (two citations are the same when they [`normalize`] the same).
///
/// A 文号 needs a bracketed year, a serial and 号; its 机关代字 is the run of Chinese characters
/// before the bracket, cut where prose begins (`根据`, `按照`, `印发`, `的`, `和`, `以`, a date,
/// punctuation, `《》` …), so `转发了《方案》(德府办发〔2017〕21号)` gives `德府办发〔2017〕21号`.
/// A 令号 needs an organ name ending like one (`院 部 委 局 署 会 办 行 府 …`) before 令,
/// possibly several joined by `、`; a date before it is not part of it. A bare `(2017)` or
/// `2017年` is never a number.
///
/// ```
/// use gongkai_core::docnumber::find_in_text;
/// let body = "转发了《凉山州全面推进政务公开工作实施方案》(德府办发〔2017〕21号)，\
///             2001年6月15日中华人民共和国国务院令第306号公布";
/// assert_eq!(find_in_text(body), ["德府办发〔2017〕21号", "中华人民共和国国务院令第306号"]);
/// ```
pub fn find_in_text(text: &str) -> Vec<String> {
    if !text.contains('号') && !text.contains('號') {
        return Vec::new();
    }
    let Some(re) = CITATION.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut floor = 0;
    for caps in re.captures_iter(text) {
        let Some(core) = caps.get(0) else { continue };
        let linghao = caps.name("lserial").is_some();
        let year = caps.name("wyear").or_else(|| caps.name("lyear"));
        if year.is_some_and(|y| !plausible_year(y.as_str())) {
            continue;
        }
        let start = if linghao {
            linghao_start(text, floor, core.start())
        } else {
            wenhao_start(text, floor, core.start())
        };
        let Some(start) = start else { continue };
        let raw = &text[start..core.end()];
        let Some(number) = DocNumber::parse(raw).filter(DocNumber::is_structured) else {
            continue;
        };
        floor = core.end();
        if seen.insert(number.normalized) {
            out.push(raw.to_string());
        }
    }
    out
}

/// The parts of a 文号 or 令号, read from folded text.
#[derive(Debug)]
struct Parts {
    kind: DocNumberKind,
    issuer: String,
    year: Option<u32>,
    serial: u32,
}

impl Parts {
    /// Reads a folded ([`fold`]) document number; `None` when it is neither 文号 nor 令号.
    fn parse(folded: &str) -> Option<Parts> {
        static LING: LazyLock<Option<Regex>> = LazyLock::new(|| {
            Regex::new(concat!(
                r"^(?P<pre>.*)令(?:\[(?P<year>[0-9]{4})\])?第?",
                r"(?P<serial>[0-9]{1,9}|[〇零○一二两三四五六七八九十百千]{1,12})号?$",
            ))
            .ok()
        });
        static WEN: LazyLock<Option<Regex>> = LazyLock::new(|| {
            Regex::new(r"^(?P<pre>.*)\[(?P<year>[0-9]{4})\]第?(?P<serial>[0-9]{1,9})号?$").ok()
        });
        let s = strip_edges(folded);
        for (re, kind) in [
            (&LING, DocNumberKind::Linghao),
            (&WEN, DocNumberKind::Wenhao),
        ] {
            let Some(caps) = re.as_ref().and_then(|re| re.captures(s)) else {
                continue;
            };
            let pre = caps.name("pre").map_or("", |m| m.as_str());
            let year = match caps.name("year") {
                Some(y) if plausible_year(y.as_str()) => y.as_str().parse().ok(),
                Some(_) => continue,
                None => None,
            };
            let Some(serial) = caps.name("serial").and_then(|m| serial_value(m.as_str())) else {
                continue;
            };
            let issuer = match kind {
                DocNumberKind::Linghao => {
                    let (run, after_digit) = trailing_run(pre, true);
                    let organ = linghao_organ(run, after_digit);
                    if organ.is_empty() {
                        continue;
                    }
                    format!("{organ}令")
                }
                _ => {
                    let (run, after_digit) = trailing_run(pre, false);
                    let issuer = wenhao_issuer(run, after_digit);
                    if issuer.is_empty() {
                        continue;
                    }
                    issuer.to_string()
                }
            };
            // 机关代字 that end in 令 (`…令〔2019〕第3号`) are 令号 with a year.
            let kind = if kind == DocNumberKind::Wenhao && issuer.ends_with('令') {
                DocNumberKind::Linghao
            } else {
                kind
            };
            return Some(Parts {
                kind,
                issuer,
                year,
                serial,
            });
        }
        None
    }

    /// The keyword: `德府办发[2017]107号`, `国务院令第449号`, `某部令[2019]第3号`.
    fn canonical(&self) -> String {
        let mut out = self.issuer.clone();
        if let Some(year) = self.year {
            out.push_str(&format!("[{year}]"));
        }
        // One spelling per number: 令号 always read `令第N号` (`国务院令449号` is the same
        // decree), 文号 never carry 第 (`国发〔2017〕第47号` is `国发[2017]47号`).
        if self.kind == DocNumberKind::Linghao {
            out.push('第');
        }
        out.push_str(&self.serial.to_string());
        out.push('号');
        out
    }
}

/// [`gongkai_analysis::normalize`], whitespace removed, every `中华人民共和国` removed (also
/// one that only appears after another was removed), repeated until stable.
fn fold(text: &str) -> String {
    let mut current = text.to_string();
    for _ in 0..4 {
        let mut next: String = gongkai_analysis::normalize(&current)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        while next.contains(PRC) {
            next = next.replace(PRC, "");
        }
        if next == current {
            break;
        }
        current = next;
    }
    current
}

const PRC: &str = "中华人民共和国";

/// Punctuation that may surround a number as it is pasted (`、卫生部令第1号`).
const EDGE_PUNCTUATION: &str = "、,，.。;；:：\"'“”‘’《》<>〈〉!?·-—";

/// Drops punctuation around a number (`、卫生部令第1号`, `(国发[2017]1号)` → inner).
fn strip_edges(s: &str) -> &str {
    let edge = |c: char| EDGE_PUNCTUATION.contains(c);
    let mut s = s.trim_matches(edge);
    // Brackets around the whole number.
    while let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        if !balanced(inner) {
            break;
        }
        s = inner.trim_matches(edge);
    }
    s
}

/// Every `]` closes an earlier `[` and all are closed.
fn balanced(s: &str) -> bool {
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '[' => depth += 1,
            ']' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => {}
        }
    }
    depth == 0
}

/// The issuer characters at the end of `pre` (folded text): Chinese characters, ASCII letters
/// and digits for a 文号 (plus a one-character bracket such as `法[研]发`), Chinese characters
/// and `、` for a 令号. Also whether a digit comes right before them (a date's `…15日`).
fn trailing_run(pre: &str, linghao: bool) -> (&str, bool) {
    let chars: Vec<(usize, char)> = pre.char_indices().collect();
    let mut start = pre.len();
    let mut i = chars.len();
    while i > 0 {
        let (at, c) = chars[i - 1];
        let ok = if linghao {
            gongkai_analysis::is_cjk(c) || c == '、'
        } else {
            gongkai_analysis::is_cjk(c) || c.is_ascii_alphanumeric()
        };
        if ok {
            start = at;
            i -= 1;
            continue;
        }
        // `[研]` inside a 机关代字, with issuer characters on both sides.
        if !linghao && c == ']' && start < pre.len() && i >= 4 {
            let (open_at, open) = chars[i - 3];
            let (_, inner) = chars[i - 2];
            let (_, before) = chars[i - 4];
            if open == '[' && gongkai_analysis::is_cjk(inner) && gongkai_analysis::is_cjk(before) {
                start = open_at;
                i -= 3;
                continue;
            }
        }
        break;
    }
    let after_digit = pre[..start].chars().next_back().is_some_and(is_digit);
    (&pre[start..], after_digit)
}

/// Words after which a 机关代字 or an organ name starts: the number is not part of them.
/// Single characters that occur inside 代字 or organ names (日 in 日政发 and 日照市, 据 in 数据局)
/// are left out or handled in context by [`prose_cut`].
const BOUNDARIES: &[&str] = &[
    "根据", "根據", "按照", "依照", "依据", "依據", "参照", "参见", "详见", "对照", "遵照", "执行",
    "印发", "印發", "转发", "轉發", "下发", "发布", "發布", "公布", "颁布", "废止", "修订", "修正",
    "修改", "施行", "实施", "落实", "贯彻", "关于", "關於", "通过", "批准", "文件", "要求", "通知",
    "规定", "简称", "以下", "作出", "做出", "出台", "制定", "下达", "报送", "提出", "会同", "联合",
    "收到", "同意", "即", "见", "的", "及", "与", "與", "是", "在", "以", "号", "為", "为", "了",
    "于", "於", "等", "或", "并", "按", "依", "由", "将", "从", "至", "此", "第",
];

/// Boundaries for a 文号 only: 精神 ends prose before a 代字 but is part of an organ name
/// (国家精神文明建设指导委员会).
const WENHAO_BOUNDARIES: &[&str] = &["精神"];

/// Where prose before a number ends, once: the byte offset after the last boundary in `run`.
///
/// Besides [`BOUNDARIES`]: 经, 自 and 对 unless they begin 经济/经贸/经信/经营, 自治/自然,
/// 对外; 我, 本 and 该 with an organ character after them (我院, 本市); and 和 — always before a
/// 代字, but before an organ name only at the start or right after another organ
/// (国务院和…), since 和 is inside names such as 国家发展和改革委员会.
fn prose_cut_once(run: &str, linghao: bool) -> usize {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut cut = 0;
    for (k, &(at, c)) in chars.iter().enumerate() {
        let rest = &run[at..];
        let next = chars.get(k + 1).map(|&(_, n)| n);
        let prev = k.checked_sub(1).and_then(|j| chars.get(j)).map(|&(_, p)| p);
        let next_in = |set: &str| next.is_some_and(|n| set.contains(n));
        let mut len = BOUNDARIES
            .iter()
            .chain(if linghao {
                [].iter()
            } else {
                WENHAO_BOUNDARIES.iter()
            })
            .filter(|w| rest.starts_with(**w))
            .map(|w| w.len())
            .max()
            .unwrap_or(0);
        let one = c.len_utf8();
        let contextual = match c {
            '经' if !next_in("济贸信营") => one,
            '自' if !next_in("治然") => one,
            '对' if !next_in("外") => one,
            '我' | '本' | '该' => match next {
                Some(n) if "院部委局省市县区厅办会署行府所".contains(n) => {
                    one + n.len_utf8()
                }
                _ => one,
            },
            '和' if !linghao || prev.is_none_or(|p| ORGAN_ENDINGS.contains(&p)) => one,
            _ => 0,
        };
        len = len.max(contextual);
        if len > 0 {
            cut = cut.max(at + len);
        }
    }
    cut
}

/// `run` after the prose in front of a number, cut until nothing more is cut.
fn prose_cut(run: &str, linghao: bool) -> &str {
    let mut s = run;
    loop {
        let cut = prose_cut_once(s, linghao);
        if cut == 0 {
            return s;
        }
        s = &s[cut..];
    }
}

/// Organ names that precede a 机关代字 (`市人民政府京政发〔1985〕167号`).
const ORGAN_NAMES: &[&str] = &[
    "办公厅",
    "办公室",
    "人民政府",
    "委员会",
    "人民法院",
    "人民检察院",
    "常委会",
    "政府",
];

/// Characters an organ name ends with, for 令号 (国务院令, 公安部令, 主席令 …).
const ORGAN_ENDINGS: &[char] = &[
    '院', '部', '委', '局', '署', '会', '办', '行', '府', '厅', '席', '关', '室', '军', '处', '社',
    '司', '所', '心', '团', '长', '政', '监', '总', '构', '组',
];

/// The longest a 机关代字 found in text may be, in characters.
const MAX_WENHAO_ISSUER: usize = 10;

/// Characters that end a number in a date (`十五日`, `15日`).
fn is_numeral(c: char) -> bool {
    is_digit(c) || "〇○零一二两三四五六七八九十廿卅".contains(c)
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The part of `run` after the last date (`二〇〇一年六月十五日`, `…15日` when a digit comes
/// right before the run). 日 not after a numeral stays (日照市, 日政发).
fn after_date(run: &str, after_digit: bool) -> &str {
    let mut cut = 0;
    let mut prev: Option<char> = None;
    for (at, c) in run.char_indices() {
        if matches!(c, '年' | '月' | '日') {
            let dated = match prev {
                Some(p) => is_numeral(p),
                None => after_digit,
            };
            if dated {
                cut = at + c.len_utf8();
            }
        }
        prev = Some(c);
    }
    &run[cut..]
}

/// The 机关代字 at the end of an issuer run.
fn wenhao_issuer(run: &str, after_digit: bool) -> &str {
    let mut issuer = prose_cut(after_date(run, after_digit), false);
    // An organ name before the 代字, when at least two characters are left.
    let mut cut = 0;
    for name in ORGAN_NAMES {
        if let Some(at) = issuer.rfind(name) {
            let end = at + name.len();
            if issuer[end..].chars().count() >= 2 {
                cut = cut.max(end);
            }
        }
    }
    issuer = &issuer[cut..];
    if issuer.chars().count() > MAX_WENHAO_ISSUER {
        // Prose or an organ name glued to the 代字: cut after the last organ ending that
        // leaves at least two characters, else keep the last characters.
        let chars: Vec<(usize, char)> = issuer.char_indices().collect();
        let n = chars.len();
        let cut = (1..n.saturating_sub(1))
            .rev()
            .find(|&i| ORGAN_ENDINGS.contains(&chars[i - 1].1) && n - i <= MAX_WENHAO_ISSUER)
            .unwrap_or(n - MAX_WENHAO_ISSUER);
        issuer = chars.get(cut).map_or("", |&(at, _)| &issuer[at..]);
    }
    issuer
}

/// The organ (or organs joined by `、`) at the end of a run before 令.
fn linghao_organ(run: &str, after_digit: bool) -> &str {
    let mut organ = prose_cut(after_date(run, after_digit), true);
    // Prose glued before 中华人民共和国… (only in raw text; folded text has none left).
    if let Some(at) = organ.find(PRC) {
        if at > 0 && !organ[..at].ends_with('、') {
            organ = &organ[at..];
        }
    }
    organ = organ.trim_start_matches('、');
    // 原国家质量技术监督局令: 原 means "former", not part of the name.
    if let Some(rest) = organ.strip_prefix('原') {
        if !rest.starts_with('子') && rest.chars().count() >= 2 {
            organ = rest;
        }
    }
    organ.trim_end_matches('、')
}

/// Byte offset where the 机关代字 before the bracket at `bracket` begins, not before `floor`.
fn wenhao_start(text: &str, floor: usize, bracket: usize) -> Option<usize> {
    let before = skip_spaces_back(text, floor, bracket);
    let run_start = run_start_back(text, floor, before, false, 40);
    let run = &text[run_start..before];
    let issuer = wenhao_issuer(run, digit_before(text, run_start));
    if issuer.is_empty() {
        return None;
    }
    Some(before - issuer.len())
}

/// Byte offset where the organ before 令 at `ling` begins, not before `floor`.
fn linghao_start(text: &str, floor: usize, ling: usize) -> Option<usize> {
    let run_start = run_start_back(text, floor, ling, true, 60);
    let organ = linghao_organ(&text[run_start..ling], digit_before(text, run_start));
    let last = organ.chars().next_back()?;
    if organ.chars().count() < 2 || !ORGAN_ENDINGS.contains(&last) {
        return None;
    }
    Some(ling - organ.len())
}

/// A digit right before byte offset `at`.
fn digit_before(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_some_and(is_digit)
}

/// `end` moved back over at most two spaces, not before `floor`.
fn skip_spaces_back(text: &str, floor: usize, end: usize) -> usize {
    let mut at = end;
    for (i, c) in text[floor..end].char_indices().rev().take(2) {
        if matches!(c, ' ' | '\t' | '\u{3000}' | '\u{a0}') {
            at = floor + i;
        } else {
            break;
        }
    }
    at
}

/// Start of the run of issuer characters ending at `end` (at most `max` characters, not before
/// `floor`). Raw text: Chinese characters (and `、` for a 令号; a one-character bracket such as
/// `法（研）发` for a 文号).
fn run_start_back(text: &str, floor: usize, end: usize, linghao: bool, max: usize) -> usize {
    let window = &text[floor..end];
    let chars: Vec<(usize, char)> = window.char_indices().rev().take(max + 3).collect();
    let mut start = end;
    let mut i = 0;
    let mut count = 0;
    while i < chars.len() && count < max {
        let (at, c) = chars[i];
        if gongkai_analysis::is_cjk(c) || (linghao && c == '、') {
            start = floor + at;
            i += 1;
            count += 1;
            continue;
        }
        if !linghao && is_close(c) && start < end && i + 3 <= chars.len() {
            let (_, inner) = chars[i + 1];
            let (open_at, open) = chars[i + 2];
            let before = chars.get(i + 3).map(|&(_, c)| c);
            if gongkai_analysis::is_cjk(inner)
                && is_open(open)
                && before.is_some_and(gongkai_analysis::is_cjk)
            {
                start = floor + open_at;
                i += 3;
                count += 3;
                continue;
            }
        }
        break;
    }
    start
}

fn is_open(c: char) -> bool {
    matches!(c, '〔' | '[' | '［' | '【' | '(' | '（' | '〖')
}

fn is_close(c: char) -> bool {
    matches!(c, '〕' | ']' | '］' | '】' | ')' | '）' | '〗')
}

/// A bracketed year of a document number: 1900..=2099, half- or full-width digits.
fn plausible_year(digits: &str) -> bool {
    let mut value = 0u32;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            '０'..='９' => c as u32 - '０' as u32,
            _ => return false,
        };
        value = value * 10 + d;
        if value > 9999 {
            return false;
        }
    }
    (1900..=2099).contains(&value)
}

/// A serial in Arabic (leading zeros allowed) or Chinese numerals.
fn serial_value(text: &str) -> Option<u32> {
    if text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok();
    }
    chinese_number(text)
}

/// The core of a citation: a bracketed year + serial + 号 (文号), or 令 + optional bracketed
/// year + (第) serial + 号 (令号). The issuer before it is found by walking back in code.
static CITATION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let sp = r"[ \t\u{3000}\u{a0}]{0,2}";
    let open = "[〔\\[［【(（〖]";
    let close = "[〕\\]］】)）〗]";
    let digit = "[0-9０-９]";
    let pattern = format!(
        concat!(
            "{open}{sp}(?P<wyear>{d}{{4}}){sp}{close}{sp}(?:第{sp})?{d}{{1,6}}{sp}[号號]",
            "|令{sp}(?:{open}{sp}(?P<lyear>{d}{{4}}){sp}{close}{sp})?(?:第{sp})?",
            "(?P<lserial>{d}{{1,6}}|[〇零○一二两三四五六七八九十百千]{{1,8}}){sp}[号號]",
        ),
        open = open,
        close = close,
        sp = sp,
        d = digit,
    );
    Regex::new(&pattern).ok()
});

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        s: &str,
    ) -> (
        DocNumberKind,
        Option<String>,
        Option<u32>,
        Option<u32>,
        String,
    ) {
        let n = DocNumber::parse(s).unwrap();
        (n.kind, n.issuer, n.year, n.serial, n.normalized)
    }

    #[test]
    fn wenhao_variants_normalize_identically() {
        for s in [
            "德府办发[2017]107号",
            "德府办发〔2017〕107号",
            "德府办发(2017)107号",
            "德府办发（2017）107号",
            "德府办发【2017】107号",
            "德府办发〖2017〗107号",
            "德府办发［２０１７］１０７号",
            "德府办发 〔2017〕 107 号",
            "  德府办发〔2017〕107号\n",
            "德府办发〔2017〕0107号",
            "德府辦發〔2017〕107號",
            "德府办发〔2017〕107",
            "（德府办发〔2017〕107号）",
            "德府办发\u{200B}〔2017〕107号",
        ] {
            assert_eq!(normalize(s), "德府办发[2017]107号", "{s:?}");
            let (kind, issuer, year, serial, _) = parts(s);
            assert_eq!(kind, DocNumberKind::Wenhao, "{s:?}");
            assert_eq!(issuer.as_deref(), Some("德府办发"));
            assert_eq!(year, Some(2017));
            assert_eq!(serial, Some(107));
        }
    }

    #[test]
    fn wenhao_parts() {
        for (s, issuer, year, serial, normalized) in [
            (
                "国办发〔2017〕047号",
                "国办发",
                2017,
                47,
                "国办发[2017]47号",
            ),
            (
                "发改价格〔2008〕1828号",
                "发改价格",
                2008,
                1828,
                "发改价格[2008]1828号",
            ),
            ("国发〔2017〕1号", "国发", 2017, 1, "国发[2017]1号"),
            ("川府函[2019]12号", "川府函", 2019, 12, "川府函[2019]12号"),
            (
                "京政办发〔2020〕3号",
                "京政办发",
                2020,
                3,
                "京政办发[2020]3号",
            ),
            ("法〔2019〕254号", "法", 2019, 254, "法[2019]254号"),
            ("法释〔2021〕11号", "法释", 2021, 11, "法释[2021]11号"),
            (
                "劳社部发[2008]3号",
                "劳社部发",
                2008,
                3,
                "劳社部发[2008]3号",
            ),
            ("人薪发［1995］32号", "人薪发", 1995, 32, "人薪发[1995]32号"),
            (
                "高检发释字〔2012〕2号",
                "高检发释字",
                2012,
                2,
                "高检发释字[2012]2号",
            ),
            (
                "法（研）发〔1987〕32号",
                "法[研]发",
                1987,
                32,
                "法[研]发[1987]32号",
            ),
            ("国发〔2017〕第47号", "国发", 2017, 47, "国发[2017]47号"),
            ("粤府办〔2018〕0号", "粤府办", 2018, 0, "粤府办[2018]0号"),
            ("GB发〔2018〕3号", "gb发", 2018, 3, "gb发[2018]3号"),
            // Prose in front is not part of the 机关代字.
            (
                "最高人民法院以法发〔1993〕15号",
                "法发",
                1993,
                15,
                "法发[1993]15号",
            ),
            (
                "市人民政府京政发〔1985〕167号",
                "京政发",
                1985,
                167,
                "京政发[1985]167号",
            ),
            (
                "2017年12月1日国发〔2017〕1号",
                "国发",
                2017,
                1,
                "国发[2017]1号",
            ),
        ] {
            let (kind, i, y, n, norm) = parts(s);
            assert_eq!(kind, DocNumberKind::Wenhao, "{s}");
            assert_eq!(i.as_deref(), Some(issuer), "{s}");
            assert_eq!(y, Some(year), "{s}");
            assert_eq!(n, Some(serial), "{s}");
            assert_eq!(norm, normalized, "{s}");
        }
    }

    #[test]
    fn linghao_parts() {
        for (s, issuer, year, serial, normalized) in [
            (
                "中华人民共和国国务院令第449号",
                "国务院令",
                None,
                449,
                "国务院令第449号",
            ),
            ("国务院令第449号", "国务院令", None, 449, "国务院令第449号"),
            (
                "国务院令 第 449 号",
                "国务院令",
                None,
                449,
                "国务院令第449号",
            ),
            ("国务院令449号", "国务院令", None, 449, "国务院令第449号"),
            ("国务院令第449", "国务院令", None, 449, "国务院令第449号"),
            (
                "中华人民共和国国务院、中华人民共和国中央军事委员会令第178号",
                "国务院、中央军事委员会令",
                None,
                178,
                "国务院、中央军事委员会令第178号",
            ),
            (
                "国务院、中央军事委员会令第178号",
                "国务院、中央军事委员会令",
                None,
                178,
                "国务院、中央军事委员会令第178号",
            ),
            (
                "民政部、总后勤部令第1号",
                "民政部、总后勤部令",
                None,
                1,
                "民政部、总后勤部令第1号",
            ),
            (
                "国家工商行政管理总局令第73号",
                "国家工商行政管理总局令",
                None,
                73,
                "国家工商行政管理总局令第73号",
            ),
            (
                "中华人民共和国主席令第七十三号",
                "主席令",
                None,
                73,
                "主席令第73号",
            ),
            ("主席令第三号", "主席令", None, 3, "主席令第3号"),
            (
                "中中华人民共和国主席令第三号",
                "中主席令",
                None,
                3,
                "中主席令第3号",
            ),
            (
                "公安部令第１４９号",
                "公安部令",
                None,
                149,
                "公安部令第149号",
            ),
            ("、卫生部令第1号", "卫生部令", None, 1, "卫生部令第1号"),
            (
                "某某部令〔2019〕第3号",
                "某某部令",
                Some(2019),
                3,
                "某某部令[2019]第3号",
            ),
            (
                "某某部令(2019)3号",
                "某某部令",
                Some(2019),
                3,
                "某某部令[2019]第3号",
            ),
            ("國務院令第449號", "国务院令", None, 449, "国务院令第449号"),
            (
                "监察部、人事部、中国人民银行、海关总署、国家外汇管理局令第7号",
                "监察部、人事部、中国人民银行、海关总署、国家外汇管理局令",
                None,
                7,
                "监察部、人事部、中国人民银行、海关总署、国家外汇管理局令第7号",
            ),
            (
                "国家发展和改革委员会令第1号",
                "国家发展和改革委员会令",
                None,
                1,
                "国家发展和改革委员会令第1号",
            ),
        ] {
            let (kind, i, y, n, norm) = parts(s);
            assert_eq!(kind, DocNumberKind::Linghao, "{s}");
            assert_eq!(i.as_deref(), Some(issuer), "{s}");
            assert_eq!(y, year, "{s}");
            assert_eq!(n, Some(serial), "{s}");
            assert_eq!(norm, normalized, "{s}");
        }
    }

    #[test]
    fn other_and_empty() {
        assert_eq!(DocNumber::parse(""), None);
        assert_eq!(DocNumber::parse("  \n\t　"), None);
        assert_eq!(DocNumber::parse("\u{200B}"), None);
        assert_eq!(DocNumber::parse("中华人民共和国"), None);
        for (s, normalized) in [
            ("京ICP备05070218号", "京icp备05070218号"),
            ("(2017)", "[2017]"),
            ("〔2017〕107号", "[2017]107号"),
            ("2017年", "2017年"),
            ("国务院令", "国务院令"),
            ("德府办发〔1776〕107号", "德府办发[1776]107号"),
            ("第3号", "第3号"),
            ("令第3号", "令第3号"),
            ("Ｘ Ｙ", "xy"),
        ] {
            let n = DocNumber::parse(s).unwrap();
            assert_eq!(n.kind, DocNumberKind::Other, "{s}");
            assert_eq!(n.normalized, normalized, "{s}");
            assert_eq!((n.issuer.as_deref(), n.year, n.serial), (None, None, None));
            assert_eq!(n.raw, s.trim());
            assert!(!n.is_structured());
        }
    }

    #[test]
    fn raw_is_trimmed_input() {
        let n = DocNumber::parse("  德府办发〔2017〕107号 ").unwrap();
        assert_eq!(n.raw, "德府办发〔2017〕107号");
    }

    #[test]
    fn normalize_is_idempotent_on_examples() {
        for s in [
            "中华人民共和国主席令第七十三号",
            "最高人民法院以法发〔1993〕15号",
            "中华人民中华人民共和国共和国",
            "（德府办发〔2017〕107号）",
            "某某部令〔2019〕第3号",
            "法（研）发〔1987〕32号",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s}");
        }
    }

    #[test]
    fn serde_shape() {
        let n = DocNumber::parse("国发〔2017〕1号").unwrap();
        let json = serde_json::to_value(&n).unwrap();
        assert_eq!(json["kind"], "wenhao");
        assert_eq!(json["normalized"], "国发[2017]1号");
        let back: DocNumber = serde_json::from_value(json).unwrap();
        assert_eq!(back, n);
    }

    #[test]
    fn finds_the_seed_page_citations() {
        let body = "为进一步推进我县政务公开工作，根据《四川省人民政府办公厅关于全面推进政务公开工作的\
                    实施意见》(德府办发〔2017〕107号)要求，县政府办公室转发了《凉山州全面推进政务公开\
                    工作实施方案》(德府办发〔2017〕21号)，并按照《国家发展改革委关于印发〈政府制定价格\
                    行为规则〉的通知》(发改价格〔2008〕1828号)规定执行。再次重申(德府办发〔2017〕107号)。";
        assert_eq!(
            find_in_text(body),
            [
                "德府办发〔2017〕107号",
                "德府办发〔2017〕21号",
                "发改价格〔2008〕1828号"
            ]
        );
    }

    #[test]
    fn issuer_does_not_swallow_prose() {
        for (text, want) in [
            (
                "转发了《凉山州全面推进政务公开工作实施方案》(德府办发〔2017〕21号)",
                "德府办发〔2017〕21号",
            ),
            ("根据德府办发〔2017〕21号文件", "德府办发〔2017〕21号"),
            ("按照国办发(1985)49号文件规定", "国办发(1985)49号"),
            (
                "凡需新辟军民合用机场，按国办发(1985)49号文件规定",
                "国办发(1985)49号",
            ),
            ("现印发川府函[2019]12号的意见", "川府函[2019]12号"),
            (
                "1993年8月7日 最高人民法院以法发〔1993〕15号通知印发",
                "法发〔1993〕15号",
            ),
            (
                "11月30日市人民政府京政发〔1985〕167号文件发布",
                "京政发〔1985〕167号",
            ),
            (
                "自本规定公布之日起，我院法〔1998〕86号通知印发",
                "法〔1998〕86号",
            ),
            (
                "（以下简称京缓堵办函〔2017〕27号文）",
                "京缓堵办函〔2017〕27号",
            ),
            (
                "《规定》（法（研）发〔1987〕32号）同时废止",
                "法（研）发〔1987〕32号",
            ),
            ("《解释》（法释〔2015〕16号）同时废止", "法释〔2015〕16号"),
            (
                "原温江区国土局作出温国土资发（2018）366号《决定书》",
                "温国土资发（2018）366号",
            ),
            (
                "国家发展改革委发改价格〔2008〕1828号",
                "发改价格〔2008〕1828号",
            ),
            ("国务院办公厅国办发〔2017〕47号", "国办发〔2017〕47号"),
            ("和国发〔2017〕47号", "国发〔2017〕47号"),
            ("根據德府辦發〔2017〕107號文件", "德府辦發〔2017〕107號"),
            (
                "德府办发 〔２０１７〕 １０７ 号",
                "德府办发 〔２０１７〕 １０７ 号",
            ),
        ] {
            assert_eq!(find_in_text(text), [want], "{text}");
        }
    }

    #[test]
    fn finds_linghao_without_the_date_before() {
        for (text, want) in [
            (
                "2001年6月15日中华人民共和国国务院令第306号公布",
                "中华人民共和国国务院令第306号",
            ),
            (
                "2001年6月15日 中华人民共和国国务院令第306号公布",
                "中华人民共和国国务院令第306号",
            ),
            ("二〇〇一年六月十五日国务院令第306号公布", "国务院令第306号"),
            (
                "1998年3月12日原国家质量技术监督局令第51号公布的《办法》",
                "国家质量技术监督局令第51号",
            ),
            ("2012年12月13日 公安部令第127号修订发布", "公安部令第127号"),
            (
                "《国务院关于职工工作时间的规定》（国务院令第174号）第三条",
                "国务院令第174号",
            ),
            (
                "1993年中华人民共和国国务院、中华人民共和国中央军事委员会令第128号发布",
                "中华人民共和国国务院、中华人民共和国中央军事委员会令第128号",
            ),
            (
                "根据国务院、中央军事委员会令第178号",
                "国务院、中央军事委员会令第178号",
            ),
            (
                "1989年中华人民共和国主席令第七十三号公布",
                "中华人民共和国主席令第七十三号",
            ),
            (
                "经国家发展和改革委员会令第1号发布",
                "国家发展和改革委员会令第1号",
            ),
            ("某某部令〔2019〕第3号", "某某部令〔2019〕第3号"),
        ] {
            assert_eq!(find_in_text(text), [want], "{text}");
        }
    }

    #[test]
    fn finds_nothing_in_plain_prose() {
        for text in [
            "",
            "没有编号的普通文字。",
            "2017年全县共发布信息107条(2017)，共3号文件。",
            "（2017）107号",
            "〔2017〕107号",
            "的〔2017〕107号",
            "根据(2017)3号",
            "执行命令第3号",
            "今年3号台风",
            "（2017）川01民终3号判决",
            "德府办发〔1776〕107号",
            "德府办发〔2017〕107",
            "京ICP备05070218号",
        ] {
            assert!(
                find_in_text(text).is_empty(),
                "{text}: {:?}",
                find_in_text(text)
            );
        }
    }

    #[test]
    fn deduplicates_by_normalized_form_keeping_first_spelling() {
        let text = "德府办发〔2017〕107号；德府办发(2017)107号；德府办发［２０１７］１０７号；\
                    国务院令第449号；中华人民共和国国务院令第449号；国办发〔2017〕47号、国办发〔2017〕047号";
        assert_eq!(
            find_in_text(text),
            [
                "德府办发〔2017〕107号",
                "国务院令第449号",
                "国办发〔2017〕47号"
            ]
        );
    }

    #[test]
    fn adjacent_citations_do_not_overlap() {
        let text = "德府办发〔2017〕107号德府办发〔2017〕21号和国务院令第1号公安部令第2号";
        assert_eq!(
            find_in_text(text),
            [
                "德府办发〔2017〕107号",
                "德府办发〔2017〕21号",
                "国务院令第1号",
                "公安部令第2号"
            ]
        );
    }

    #[test]
    fn found_citations_parse_to_their_normalized_form() {
        let text = "（国发〔2017〕1号）、中华人民共和国国务院令第306号、法释〔2021〕11号";
        for raw in find_in_text(text) {
            let n = DocNumber::parse(&raw).unwrap();
            assert!(n.is_structured(), "{raw}");
            assert_eq!(n.normalized, normalize(&raw));
        }
    }
}
