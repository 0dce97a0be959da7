//! Text normalisation, identical at index and query time.
//!
//! Every string Gongkai indexes or searches goes through [`normalize`] first, in this order:
//!
//! 1. NFKC per character (全角→半角: `（２０１７）` → `(2017)`, `㈠` → `(一)`, U+3000 → space);
//! 2. zero-width characters (U+200B..U+200D, U+2060, U+FEFF) are dropped;
//! 3. the 文号 bracket variants `〔〕［］[]【】()〖〗` all become `[` `]`;
//! 4. letters are lower-cased;
//! 5. traditional characters become simplified (OpenCC's t2s tables via `zhconv`, phrase aware).
//!
//! The result keeps a map from each normalised character back to the byte range of the original
//! text it came from, so that highlights computed on normalised text land on the original.
//!
//! What this module does not do: segmentation (see [`crate::words`] and [`crate::ngram`]) and
//! whitespace collapsing (whitespace is kept as it is so that offsets stay simple).

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// The result of [`normalize_with_map`]: normalised text and, for each of its characters, the
/// byte range in the original text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// `origin[i]` is the original byte range of the `i`th character of `text`. Several
    /// normalised characters may share one original range (`㈠` → `(一)`).
    pub origin: Vec<(u32, u32)>,
}

impl Normalized {
    /// Maps a byte range of the normalised text to the byte range of the original text.
    ///
    /// `start..end` must lie on character boundaries of [`Normalized::text`]; an empty or
    /// out-of-range span maps to an empty range at the nearest original position.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.text[..start.min(self.text.len())].chars().count();
        let count = self.text[start.min(self.text.len())..end.min(self.text.len())]
            .chars()
            .count();
        if count == 0 {
            let at = self
                .origin
                .get(first)
                .map(|r| r.0)
                .or_else(|| self.origin.last().map(|r| r.1))
                .unwrap_or(0) as usize;
            return (at, at);
        }
        let begin = self.origin[first].0 as usize;
        let finish = self.origin[first + count - 1].1 as usize;
        (begin, finish.max(begin))
    }
}

/// Normalises `text` (see the module documentation). Cheap for ASCII and common CJK text.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(c, &mut out);
    }
    to_simplified(out)
}

/// Normalises `text` and keeps the map back to original byte offsets.
pub fn normalize_with_map(text: &str) -> Normalized {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() / 2);
    for (at, c) in text.char_indices() {
        let before = out.len();
        push_folded(c, &mut out);
        let range = (at as u32, (at + c.len_utf8()) as u32);
        for _ in out[before..].chars() {
            origin.push(range);
        }
    }
    let simplified = to_simplified(out.clone());
    if simplified.chars().count() == origin.len() {
        return Normalized {
            text: simplified,
            origin,
        };
    }
    // A phrase rule changed the character count (rare): convert character by character so the
    // map stays exact. The text may differ from `normalize` in such a phrase, never elsewhere.
    let mut text = String::with_capacity(out.len());
    let mut map = Vec::with_capacity(origin.len());
    for (c, range) in out.chars().zip(origin) {
        let mut buf = [0u8; 4];
        let converted = to_simplified(c.encode_utf8(&mut buf).to_string());
        for _ in converted.chars() {
            map.push(range);
        }
        text.push_str(&converted);
    }
    Normalized { text, origin: map }
}

/// Appends the width-folded, bracket-folded, lower-cased form of one character.
#[inline]
fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(match c {
            '(' => '[',
            ')' => ']',
            _ => c.to_ascii_lowercase(),
        });
        return;
    }
    // CJK Unified Ideographs and Extension A are unchanged by NFKC and case folding.
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c) {
        out.push(c);
        return;
    }
    match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
        '〔' | '［' | '【' | '〖' | '（' => out.push('['),
        '〕' | '］' | '】' | '〗' | '）' => out.push(']'),
        _ => {
            for n in std::iter::once(c).nfkc() {
                match n {
                    '(' => out.push('['),
                    ')' => out.push(']'),
                    '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
                    _ if n.is_ascii() => out.push(n.to_ascii_lowercase()),
                    _ if n.is_uppercase() => out.extend(n.to_lowercase()),
                    _ => out.push(n),
                }
            }
        }
    }
}

/// Traditional → simplified with OpenCC's tables; ASCII-only text is returned as is.
fn to_simplified(text: String) -> String {
    if text.is_ascii() {
        return text;
    }
    static CONVERTER: OnceLock<&'static zhconv::ZhConverter> = OnceLock::new();
    let converter =
        CONVERTER.get_or_init(|| zhconv::get_builtin_converter(zhconv::Variant::ZhHans));
    let converted = converter.convert(&text);
    if converted.chars().any(|c| supplement(c).is_some()) {
        converted
            .chars()
            .map(|c| supplement(c).unwrap_or(c))
            .collect()
    } else {
        converted
    }
}

/// Characters OpenCC's own t2s converts (first candidate of `TSCharacters.txt`) that the
/// tables compiled into `zhconv` leave alone, because the character is also used in simplified
/// text. Without these, `關於` became `关於` and never matched the simplified `关于` that every
/// title spells. Generated by comparing the two tables over the basic CJK block.
fn supplement(c: char) -> Option<char> {
    Some(match c {
        '於' => '于',
        '剋' => '克',
        '夥' => '伙',
        '徵' => '征',
        '昇' => '升',
        '氾' => '泛',
        '甦' => '苏',
        '甯' => '宁',
        '礆' => '硷',
        '祕' => '秘',
        '脩' => '修',
        '蒐' => '搜',
        '薹' => '苔',
        '逕' => '迳',
        '釐' => '厘',
        '陞' => '升',
        '麽' => '么',
        _ => return None,
    })
}

/// True for characters that count as CJK ideographs for n-gram purposes.
#[inline]
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{20000}'..='\u{2FA1F}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{3007}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_brackets_case_and_script() {
        assert_eq!(normalize("德府办发〔2017〕107号"), "德府办发[2017]107号");
        assert_eq!(
            normalize("德府办发［２０１７］107号"),
            "德府办发[2017]107号"
        );
        assert_eq!(normalize("德府办发【2017】107号"), "德府办发[2017]107号");
        assert_eq!(normalize("德府办发(2017)107号"), "德府办发[2017]107号");
        assert_eq!(normalize("德府办发（2017）107号"), "德府办发[2017]107号");
        assert_eq!(normalize("ＡＢＣ Def"), "abc def");
        assert_eq!(normalize("商用密碼管理條例"), "商用密码管理条例");
        assert_eq!(normalize("政府工作报\u{200B}告"), "政府工作报告");
        assert_eq!(normalize("中華人民共和國"), "中华人民共和国");
        assert_eq!(
            normalize("最高人民法院關於審理案件的解釋"),
            "最高人民法院关于审理案件的解释"
        );
    }

    #[test]
    fn keeps_simplified_text_that_looks_traditional() {
        // 著作权 must not become 着作权; 乾隆 keeps its 乾.
        assert_eq!(normalize("著作权法"), "著作权法");
        assert_eq!(normalize("乾隆年间"), "乾隆年间");
    }

    #[test]
    fn map_points_back_to_original_bytes() {
        let original = "《條例》（２０１７）㈠ABC";
        let n = normalize_with_map(original);
        assert_eq!(n.text, "《条例》[2017][一]abc");
        assert_eq!(n.text.chars().count(), n.origin.len());
        let start = n.text.find("条例").unwrap();
        let (a, b) = n.original_range(start, start + "条例".len());
        assert_eq!(&original[a..b], "條例");
        let start = n.text.find("2017").unwrap();
        let (a, b) = n.original_range(start, start + 4);
        assert_eq!(&original[a..b], "２０１７");
        let start = n.text.find("一").unwrap();
        let (a, b) = n.original_range(start, start + "一".len());
        assert_eq!(&original[a..b], "㈠");
    }

    #[test]
    fn map_and_plain_agree() {
        for s in [
            "",
            "a",
            "中国农业发展银行",
            "１９８４年",
            "行爲規範　全角空格",
        ] {
            assert_eq!(normalize_with_map(s).text, normalize(s));
        }
    }
}
