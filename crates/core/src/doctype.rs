//! 文种 (document type) derived from a title.
//!
//! This module owns the mapping from a title to the genre gov.cn files it under: the fifteen
//! official 公文 types (决议 决定 命令 公报 公告 通告 意见 通知 通报 报告 请示 批复 议案 函 纪要),
//! the legislative forms (宪法 法 法典 条例 规定 办法 细则 规则 解释 …) and planning texts
//! (规划 方案 纲要 指引 指南). A title names its type at its end — after the last 的 in the
//! `关于…的通知` form — so the outer type wins over one inside the title
//! (`…关于印发政府网站发展指引的通知` is a 通知). Book-title marks `《…》`, trailing
//! brackets such as `（试行）` or `(2019年修订)`, draft markers and a trailing 文号 are ignored.

use gongkai_analysis::is_cjk;

use crate::docnumber::DocNumber;

/// Title endings and the type each names, longest and most specific first.
const ENDINGS: &[(&str, &str)] = &[
    ("实施细则", "细则"),
    ("细则", "细则"),
    ("宪法修正案", "修正案"),
    ("修正案", "修正案"),
    ("宪法", "宪法"),
    ("法典", "法典"),
    ("办法", "办法"),
    ("命令", "命令"),
    ("决议", "决议"),
    ("议案", "议案"),
    ("决定", "决定"),
    ("通知", "通知"),
    ("通告", "通告"),
    ("通报", "通报"),
    ("公告", "公告"),
    ("公报", "公报"),
    ("意见", "意见"),
    ("条例", "条例"),
    ("规定", "规定"),
    ("报告", "报告"),
    ("批复", "批复"),
    ("答复", "答复"),
    ("解释", "解释"),
    ("规则", "规则"),
    ("规程", "规程"),
    ("准则", "准则"),
    ("守则", "守则"),
    ("规范", "规范"),
    ("安排", "安排"),
    ("解答", "解答"),
    ("规划", "规划"),
    ("方案", "方案"),
    ("纲要", "纲要"),
    ("指引", "指引"),
    ("指南", "指南"),
    ("纪要", "纪要"),
    ("请示", "请示"),
    ("标准", "标准"),
    ("章程", "章程"),
    ("函", "函"),
    ("令", "令"),
    ("法", "法"),
];

/// Endings that contain a type word but name none: `…公开征求意见`, `做法`, `司令`.
///
/// Kept short on purpose: 公司法, 预算法 and 法律适用法 are laws, so 司法, 算法 and 用法
/// cannot be listed.
#[rustfmt::skip]
const NOT_A_TYPE: &[&str] = &[
    "征求意见", "做法", "方法", "说法", "看法", "想法", "执法", "立法", "守法", "违法", "合法",
    "非法", "手法", "兵法", "技法", "写法", "司令", "口令", "指令", "信函",
];

/// Markers of a draft or a copy after the type (`…办法征求意见稿`, `…法草案`).
const DRAFT_SUFFIXES: &[&str] = &[
    "征求意见稿",
    "修订草案",
    "草案",
    "送审稿",
    "讨论稿",
    "修订稿",
    "全文",
    "原文",
    "正文",
];

/// The document type a title names, e.g. `…的通知` → `通知`; `None` when it names none.
///
/// ```
/// use gongkai_core::doctype::from_title;
/// assert_eq!(from_title("国务院办公厅关于印发政府网站发展指引的通知"), Some("通知"));
/// assert_eq!(from_title("某某办法（试行）"), Some("办法"));
/// assert_eq!(from_title("商用密碼管理條例"), Some("条例"));
/// assert_eq!(from_title("政务公开"), None);
/// ```
pub fn from_title(title: &str) -> Option<&'static str> {
    let normalized = gongkai_analysis::normalize(title);
    let mut text = without_book_titles(normalized.trim());
    if text.trim().is_empty() {
        // The whole title is one book title: 《中华人民共和国宪法》.
        text = normalized.replace(['《', '》'], "");
    }
    let core = strip_trailing(&text);
    let tail = match core.rfind('的') {
        Some(at) => &core[at + '的'.len_utf8()..],
        None => core,
    };
    type_of_ending(tail)
}

/// The type named at the end of `text`, which has no trailing decoration left.
fn type_of_ending(text: &str) -> Option<&'static str> {
    if NOT_A_TYPE.iter().any(|w| text.ends_with(w)) {
        return None;
    }
    ENDINGS
        .iter()
        .find(|(ending, _)| text.ends_with(ending))
        .map(|&(_, kind)| kind)
}

/// `text` without `《…》` (nested marks and an unclosed `《` are handled; a stray `》` is dropped).
fn without_book_titles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '《' => depth += 1,
            '》' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `text` without trailing punctuation, bracketed remarks (`[试行]`, `[2019年修订]`), draft
/// markers and a trailing 文号, repeatedly.
fn strip_trailing(text: &str) -> &str {
    let mut s = text;
    for _ in 0..16 {
        let before = s.len();
        s = s.trim_end_matches(|c: char| !(is_cjk(c) || c.is_alphanumeric() || c == ']'));
        if s.ends_with(']') {
            if let Some(open) = matching_open(s) {
                if !s[..open].trim().is_empty() {
                    s = &s[..open];
                }
            }
        }
        for suffix in DRAFT_SUFFIXES {
            if let Some(rest) = s.strip_suffix(suffix) {
                if !rest.trim().is_empty() {
                    s = rest;
                    break;
                }
            }
        }
        // A 文号 after the title, separated by a space: `…的通知 国发[2017]1号`.
        if let Some((head, last)) = s.rsplit_once(char::is_whitespace) {
            if !head.trim().is_empty() && DocNumber::parse(last).is_some_and(|n| n.is_structured())
            {
                s = head;
            }
        }
        if s.len() == before {
            break;
        }
    }
    s
}

/// Byte offset of the `[` that matches the `]` ending `s`.
fn matching_open(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in s.char_indices().rev() {
        match c {
            ']' => depth += 1,
            '[' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_examples() {
        for (title, kind) in [
            ("国务院办公厅关于印发政府网站发展指引的通知", Some("通知")),
            ("德昌县2017年政府信息公开工作年度报告", Some("报告")),
            (
                "最高人民法院关于审理仲裁司法审查案件若干问题的规定",
                Some("规定"),
            ),
            (
                "上海市促进浦东新区运用区块链赋能电子单证应用若干规定",
                Some("规定"),
            ),
            ("商用密码管理条例", Some("条例")),
            ("某某办法（试行）", Some("办法")),
            ("中华人民共和国宪法", Some("宪法")),
            ("中华人民共和国民法典", Some("法典")),
            ("2019年中华人民共和国国务院政府工作报告", Some("报告")),
            (
                "第十四届全国人民代表大会第三次会议关于2024年国务院政府工作报告的决议",
                Some("决议"),
            ),
            (
                "最高人民法院关于适用《中华人民共和国民法典》时间效力的若干规定",
                Some("规定"),
            ),
            ("某某实施细则", Some("细则")),
            ("最高人民法院关于某某问题的批复", Some("批复")),
            ("最高人民法院关于适用某某法的解释", Some("解释")),
            ("关于审理某某案件适用法律若干问题的解释", Some("解释")),
            ("中华人民共和国保守国家秘密法", Some("法")),
            ("商用密碼管理條例", Some("条例")),
            ("政务公开", None),
            ("", None),
        ] {
            assert_eq!(from_title(title), kind, "{title}");
        }
    }

    #[test]
    fn every_type() {
        for (title, kind) in [
            ("国务院关于某某的通知", "通知"),
            ("某某局关于禁止某某的通告", "通告"),
            ("某某部公告", "公告"),
            ("国务院关于加快某某的意见", "意见"),
            ("国务院关于加快某某的指导意见", "意见"),
            ("某某管理办法", "办法"),
            ("某某管理暂行办法", "办法"),
            ("某某条例", "条例"),
            ("某某暂行规定", "规定"),
            ("全国人大常委会关于修改某某法的决定", "决定"),
            ("某某会议关于某某的决议", "决议"),
            ("某某工作报告", "报告"),
            ("国务院关于同意某某的批复", "批复"),
            ("某某解释", "解释"),
            ("某某仲裁规则", "规则"),
            ("某某实施细则", "细则"),
            ("某某细则", "细则"),
            ("某某发展规划", "规划"),
            ("某某实施方案", "方案"),
            ("某某发展纲要", "纲要"),
            ("政府网站发展指引", "指引"),
            ("某某办事指南", "指南"),
            ("某某嘉奖命令", "命令"),
            ("中华人民共和国主席令（第七十三号）", "令"),
            ("国家市场监督管理总局令", "令"),
            ("国务院办公厅关于某某的函", "函"),
            ("国务院关于某某的复函", "函"),
            ("某某会议纪要", "纪要"),
            ("某某统计公报", "公报"),
            ("关于提请审议某某的议案", "议案"),
            ("关于某某的请示", "请示"),
            ("关于某某建议的答复", "答复"),
            ("某某国家标准", "标准"),
            ("某某协会章程", "章程"),
            ("某某情况的通报", "通报"),
            ("中华人民共和国宪法修正案", "修正案"),
            ("某某安全操作规程", "规程"),
            ("某某会计准则", "准则"),
            ("中华人民共和国刑法", "法"),
            ("中华人民共和国公司法", "法"),
            ("中华人民共和国预算法", "法"),
            ("中华人民共和国涉外民事关系法律适用法", "法"),
            ("中华人民共和国立法法", "法"),
            ("北京市人民代表大会常务委员会组成人员守则", "守则"),
            ("交通警察道路执勤执法工作规范", "规范"),
            ("医疗机构制剂配制质量管理规范（试行）", "规范"),
            (
                "最高人民法院关于内地与香港特别行政区相互执行仲裁裁决的安排",
                "安排",
            ),
            ("最高人民法院关于审理名誉权案件若干问题的解答", "解答"),
        ] {
            assert_eq!(from_title(title), Some(kind), "{title}");
        }
    }

    #[test]
    fn outer_type_wins() {
        assert_eq!(from_title("国务院关于印发某某规划的通知"), Some("通知"));
        assert_eq!(from_title("国务院关于修改《某某条例》的决定"), Some("决定"));
        assert_eq!(from_title("关于《某某办法》的解释"), Some("解释"));
        assert_eq!(
            from_title("某某省人民政府关于实施《某某法》办法"),
            Some("办法")
        );
    }

    #[test]
    fn trailing_decoration_is_ignored() {
        for (title, kind) in [
            ("某某办法（试行）", "办法"),
            ("某某办法(试行)", "办法"),
            ("某某条例（2019年修订）", "条例"),
            ("某某条例(2019年修订)", "条例"),
            ("某某法（草案）", "法"),
            ("某某法（修正）", "法"),
            ("某某办法（征求意见稿）", "办法"),
            ("某某办法征求意见稿", "办法"),
            ("某某法草案", "法"),
            ("某某规定（试行）（2020年修正）", "规定"),
            ("某某规定[试行]", "规定"),
            ("某某规定【试行】", "规定"),
            ("某某规定（一）", "规定"),
            ("关于某某的通知。", "通知"),
            ("关于某某的通知 ", "通知"),
            ("“关于某某的通知”", "通知"),
            ("国务院关于某某的通知 国发〔2017〕1号", "通知"),
            ("国务院关于某某的通知（国发〔2017〕1号）", "通知"),
            ("《中华人民共和国宪法》", "宪法"),
            ("《某某条例》", "条例"),
            ("某某条例全文", "条例"),
        ] {
            assert_eq!(from_title(title), Some(kind), "{title}");
        }
    }

    #[test]
    fn traditional_and_full_width() {
        assert_eq!(from_title("商用密碼管理條例"), Some("条例"));
        assert_eq!(from_title("國務院關於某某的通知"), Some("通知"));
        assert_eq!(from_title("某某辦法（試行）"), Some("办法"));
        assert_eq!(from_title("某某辦法［試行］"), Some("办法"));
    }

    #[test]
    fn no_type() {
        for title in [
            "",
            "   ",
            "（试行）",
            "《》",
            "政府信息公开",
            "关于《某某条例》",
            "《某某条例》解读",
            "关于某某办法公开征求意见",
            "推广某某经验做法",
            "一种新的方法",
            "依法行政",
            "严格执法",
            "Annual report",
            "]]]][[[",
            "[[[",
        ] {
            assert_eq!(from_title(title), None, "{title}");
        }
    }
}
