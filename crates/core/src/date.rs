//! Dates as government documents write them.
//!
//! This module owns [`Date`], the calendar date every record carries (publication and writing
//! dates), and the lenient readers for the ways Chinese government pages write one: ISO
//! (`2018-03-30`, `2018-03-30T14:54:00`), slashes and dots (`2018/3/30`, `2018.03.30`), eight
//! bare digits (`20180330`), `2018年3月30日` with half- or full-width digits, and the
//! Chinese-numeral form of signatures (`二〇一七年二月二十三日`, with `〇`, `○` or `零` as zero).
//! [`Date::parse`] reads a whole field; [`find_dates`] finds every date inside free text, e.g.
//! the signature date at the end of a report. Both are total: any input gives a value or `None`,
//! never a panic. Dates that do not exist (`2017-02-30`) and years outside `1000..=2999` are
//! rejected.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date (no time of day), serialised as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Date, example = "2018-03-30"))]
pub struct Date(time::Date);

/// The smallest year [`Date::parse`] and [`find_dates`] accept.
pub const MIN_YEAR: i32 = 1000;
/// The largest year [`Date::parse`] and [`find_dates`] accept.
pub const MAX_YEAR: i32 = 2999;

impl Date {
    /// A date from its parts, `None` when it does not exist.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date)
    }

    /// Parses a date written the way government pages write it.
    ///
    /// Accepted, with surrounding whitespace and an optional trailing time of day
    /// (`14:54`, `14:54:00`, `T14:54:00Z`, `14时54分`):
    ///
    /// - `2018-03-30`, `2018/3/30`, `2018.03.30` (the two separators must agree);
    /// - `20180330` (exactly eight digits);
    /// - `2018年3月30日`, `2018年03月30日` (the `日` may be left off), also with full-width digits;
    /// - `二〇一七年二月二十三日`, `二○一七年十二月三十一日`, `二零一七年…`.
    ///
    /// The date must be the whole string apart from that time. Dates that do not exist and years
    /// outside `1000..=2999` give `None`.
    pub fn parse(text: &str) -> Option<Date> {
        static WHOLE: LazyLock<Option<Regex>> = LazyLock::new(|| {
            let pattern = format!(r"^(?:{DATE_FORMS})(?:(?:\s*[Tt]\s*|\s*){TIME})?$");
            Regex::new(&pattern).ok()
        });
        let folded = fold_ascii(text.trim());
        let caps = WHOLE.as_ref()?.captures(&folded)?;
        date_from_captures(&caps)
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.0.year()
    }

    /// The month, `1..=12`.
    pub fn month(&self) -> u8 {
        self.0.month() as u8
    }

    /// The day of the month, `1..=31`.
    pub fn day(&self) -> u8 {
        self.0.day()
    }

    /// Seconds since 1970-01-01T00:00:00Z at midnight UTC of this date.
    pub fn unix_seconds(&self) -> i64 {
        self.0.midnight().assume_utc().unix_timestamp()
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month() as u8,
            self.0.day()
        )
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    /// [`Date::parse`], with an error message naming the input.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s).ok_or_else(|| format!("not a date: {s:?}"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date: {s:?}")))
    }
}

/// Characters used as digits in Chinese-numeral years: `〇` (U+3007), `○` (U+25CB), `零`, and
/// the Latin `O` that typed signatures sometimes use.
const CN_YEAR_DIGITS: &str = "〇○零OoＯｏ一二三四五六七八九";
/// Characters of Chinese-numeral months and days.
const CN_SMALL_NUMBER: &str = "〇零一二两三四五六七八九十廿卅";

/// The date forms shared by [`Date::parse`] (after [`fold_ascii`]). Capture groups: `y1 s1 m1 d1
/// s2` (separated), `y2 m2 d2` (eight digits), `y3 m3 d3` (年月日), `y4 m4 d4` (Chinese numerals).
const DATE_FORMS: &str = concat!(
    r"(?P<y1>\d{4})(?P<s1>[-/.])(?P<m1>\d{1,2})(?P<s2>[-/.])(?P<d1>\d{1,2})",
    r"|(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})",
    r"|(?P<y3>\d{4})\s*年\s*(?P<m3>\d{1,2})\s*月\s*(?P<d3>\d{1,2})(?:\s*[日号])?",
    r"|(?P<y4>[〇○零OoＯｏ一二三四五六七八九]{4})\s*年\s*(?P<m4>[一二三四五六七八九十]{1,3})\s*月",
    r"\s*(?P<d4>[〇零一二两三四五六七八九十廿卅]{1,4})(?:\s*日)?",
);

/// An optional time of day after a date (already folded to ASCII digits).
const TIME: &str = concat!(
    r"(?:\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:\s*(?:[Zz]|[+-]\d{2}:?\d{2}))?",
    r"|\d{1,2}\s*[时點点](?:\s*\d{1,2}\s*分(?:\s*\d{1,2}\s*秒)?)?)",
);

/// Full-width digits and date punctuation folded to ASCII, one character for one character.
fn fold_ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' | '—' | '–' => '-',
            '／' => '/',
            '．' => '.',
            '：' => ':',
            'Ｔ' => 'T',
            'Ｚ' => 'Z',
            '＋' => '+',
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// The date named by whichever alternative of [`DATE_FORMS`] matched.
fn date_from_captures(caps: &regex::Captures<'_>) -> Option<Date> {
    let text = |name: &str| caps.name(name).map(|m| m.as_str());
    if let Some(y) = text("y1") {
        if text("s1") != text("s2") {
            return None;
        }
        return checked_date(arabic(y)?, arabic(text("m1")?)?, arabic(text("d1")?)?);
    }
    for (y, m, d) in [("y2", "m2", "d2"), ("y3", "m3", "d3")] {
        if let Some(year) = text(y) {
            return checked_date(arabic(year)?, arabic(text(m)?)?, arabic(text(d)?)?);
        }
    }
    let year = chinese_year(text("y4")?)?;
    checked_date(
        year,
        chinese_number(text("m4")?)?,
        chinese_number(text("d4")?)?,
    )
}

/// [`checked_date`] of parts that may be missing.
fn ymd(year: Option<u32>, month: Option<u32>, day: Option<u32>) -> Option<Date> {
    checked_date(year?, month?, day?)
}

/// A date within [`MIN_YEAR`]`..=`[`MAX_YEAR`] that exists.
fn checked_date(year: u32, month: u32, day: u32) -> Option<Date> {
    let year = i32::try_from(year).ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    Date::from_ymd(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
}

/// The value of a run of ASCII or full-width digits; `None` when empty or too long.
fn arabic(digits: &str) -> Option<u32> {
    let mut value: u32 = 0;
    let mut any = false;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            '０'..='９' => c as u32 - '０' as u32,
            _ => return None,
        };
        value = value.checked_mul(10)?.checked_add(d)?;
        any = true;
    }
    any.then_some(value)
}

/// The value of one Chinese digit (`〇○零` and Latin `O` as zero).
fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '○' | '零' | 'O' | 'o' | 'Ｏ' | 'ｏ' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// A year written digit by digit in Chinese numerals (`二〇一七`).
fn chinese_year(text: &str) -> Option<u32> {
    let mut value: u32 = 0;
    let mut count = 0;
    for c in text.chars() {
        value = value.checked_mul(10)?.checked_add(chinese_digit(c)?)?;
        count += 1;
    }
    (count == 4).then_some(value)
}

/// The value of a Chinese numeral: `七十三` → 73, `十二` → 12, `一百零五` → 105, `二十三` and
/// `廿三` → 23, `三〇` → 30. A run of digits without units (`二〇一七`) is read digit by digit.
/// `None` for anything malformed (`十十`, `三三十`, units out of order) or above `u32::MAX`.
pub(crate) fn chinese_number(text: &str) -> Option<u32> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() || chars.len() > 24 {
        return None;
    }
    let is_unit = |c: char| {
        matches!(
            c,
            '十' | '拾' | '百' | '佰' | '千' | '仟' | '万' | '廿' | '卅'
        )
    };
    if !chars.iter().any(|&c| is_unit(c)) {
        let mut value: u32 = 0;
        for &c in &chars {
            value = value.checked_mul(10)?.checked_add(chinese_digit(c)?)?;
        }
        return Some(value);
    }
    // Sections below 万, then an optional 万 multiplying everything before it.
    let mut total: u32 = 0; // completed 万 part
    let mut section: u32 = 0; // below 万
    let mut pending: Option<u32> = None; // a digit waiting for its unit
    let mut last_unit: u32 = u32::MAX; // units must decrease within a section
    for &c in &chars {
        if let Some(d) = chinese_digit(c) {
            if d == 0 {
                if pending.is_some() {
                    return None;
                }
                continue;
            }
            if pending.is_some() {
                return None;
            }
            pending = Some(d);
            continue;
        }
        let (unit, implied) = match c {
            '十' | '拾' => (10, None),
            '廿' => (10, Some(2)),
            '卅' => (10, Some(3)),
            '百' | '佰' => (100, None),
            '千' | '仟' => (1000, None),
            '万' => {
                let part = section.checked_add(pending.take().unwrap_or(0))?;
                if part == 0 || total != 0 {
                    return None;
                }
                total = part.checked_mul(10_000)?;
                section = 0;
                last_unit = u32::MAX;
                continue;
            }
            _ => return None,
        };
        if unit >= last_unit {
            return None;
        }
        let digit = match (implied, pending.take()) {
            (Some(_), Some(_)) => return None,
            (Some(d), None) => d,
            (None, Some(d)) => d,
            // A bare 十 means 一十 (十二 = 12), but not after 零 in 一百零十 style junk.
            // A bare 十 means 一十: 十二 = 12, 一百十 = 110.
            (None, None) if unit == 10 => 1,
            (None, None) => return None,
        };
        section = section.checked_add(digit.checked_mul(unit)?)?;
        last_unit = unit;
    }
    let last = pending.unwrap_or(0);
    total.checked_add(section)?.checked_add(last)
}

/// The patterns [`find_dates`] looks for, on the original text. Capture groups: `ay am ad`
/// (Arabic 年月日), `cy cm cd` (Chinese numerals), `iy is im is2 id` (ISO-like).
static FIND: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let digit = "[0-9０-９]";
    let sp = r"[ \t\u{3000}]{0,2}";
    let pattern = format!(
        concat!(
            "(?P<ay>{d}{{4}}){sp}年{sp}(?P<am>{d}{{1,2}}){sp}月{sp}(?P<ad>{d}{{1,2}}){sp}日",
            "|(?P<cy>[{cyd}]{{4}}){sp}年{sp}(?P<cm>[一二三四五六七八九十]{{1,3}}){sp}月{sp}",
            "(?P<cd>[{cn}]{{1,4}}){sp}日",
            "|(?P<iy>{d}{{4}})(?P<is>[-/.－／．])(?P<im>{d}{{1,2}})(?P<is2>[-/.－／．])",
            "(?P<id>{d}{{1,2}})",
        ),
        d = digit,
        sp = sp,
        cyd = CN_YEAR_DIGITS,
        cn = CN_SMALL_NUMBER,
    );
    Regex::new(&pattern).ok()
});

/// Every date written inside `text`, as `(start, end, date)` byte spans in order of appearance.
///
/// Finds `2017年2月23日` (half- or full-width digits), `二〇一七年二月二十三日` and ISO-like
/// `2017-02-23` (also with `/` or `.`, both separators the same). A date glued to more digits
/// (`12017年…`, `2017-02-231`) and dates that do not exist are skipped.
///
/// ```
/// use gongkai_core::date::{find_dates, Date};
/// let text = "德昌县人民政府办公室 2017年2月23日";
/// let found = find_dates(text);
/// assert_eq!(found.len(), 1);
/// assert_eq!(&text[found[0].0..found[0].1], "2017年2月23日");
/// assert_eq!(Some(found[0].2), Date::from_ymd(2017, 2, 23));
/// ```
pub fn find_dates(text: &str) -> Vec<(usize, usize, Date)> {
    let Some(re) = FIND.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for caps in re.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let before = text[..whole.start()].chars().next_back();
        let after = text[whole.end()..].chars().next();
        let is_digit =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
        let name = |n: &str| caps.name(n).map(|m| m.as_str());
        let date = if let Some(y) = name("ay") {
            if is_digit(before) {
                continue;
            }
            ymd(
                arabic(y),
                name("am").and_then(arabic),
                name("ad").and_then(arabic),
            )
        } else if let Some(y) = name("cy") {
            if before.is_some_and(|c| CN_YEAR_DIGITS.contains(c)) {
                continue;
            }
            ymd(
                chinese_year(y),
                name("cm").and_then(chinese_number),
                name("cd").and_then(chinese_number),
            )
        } else {
            let separator = name("is").map(fold_ascii);
            let same_separator = separator == name("is2").map(fold_ascii);
            let more_dots = separator.as_deref() == Some(".") && after == Some('.');
            if !same_separator || more_dots || is_digit(before) || is_digit(after) {
                continue;
            }
            ymd(
                name("iy").and_then(arabic),
                name("im").and_then(arabic),
                name("id").and_then(arabic),
            )
        };
        if let Some(date) = date {
            out.push((whole.start(), whole.end(), date));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Option<Date> {
        Date::from_ymd(y, m, day)
    }

    #[test]
    fn from_ymd_rejects_impossible_dates() {
        assert!(d(2017, 2, 28).is_some());
        assert!(d(2017, 2, 29).is_none());
        assert!(d(2016, 2, 29).is_some());
        assert!(d(2017, 13, 1).is_none());
        assert!(d(2017, 0, 1).is_none());
        assert!(d(2017, 1, 0).is_none());
    }

    #[test]
    fn parses_iso_and_separated_forms() {
        let want = d(2018, 3, 30);
        for s in [
            "2018-03-30",
            "2018-3-30",
            "  2018-03-30\n",
            "2018-03-30 14:54",
            "2018-03-30 14:54:00",
            "2018-03-30T14:54:00",
            "2018-03-30T14:54:00Z",
            "2018-03-30T14:54:00+08:00",
            "2018-03-30T14:54:00.123",
            "2018/3/30",
            "2018/03/30 09:00",
            "2018.03.30",
            "2018.3.30",
            "20180330",
            "２０１８－０３－３０",
        ] {
            assert_eq!(Date::parse(s), want, "{s:?}");
        }
    }

    #[test]
    fn parses_chinese_forms() {
        let want = d(2018, 3, 30);
        for s in [
            "2018年3月30日",
            "2018年03月30日",
            "2018年03月30日 14:54",
            "2018年3月30日14:54",
            "2018年3月30日 14时54分",
            "2018 年 3 月 30 日",
            "2018年3月30",
            "２０１８年３月３０日",
            "２０１８年０３月３０日　１４：５４",
            "二〇一八年三月三十日",
            "二○一八年三月三十日",
            "二零一八年三月三十日",
            "二Ｏ一八年三月三十日",
            "二〇一八年三月卅日",
        ] {
            assert_eq!(Date::parse(s), want, "{s:?}");
        }
        assert_eq!(Date::parse("二〇一七年二月二十三日"), d(2017, 2, 23));
        assert_eq!(Date::parse("二○一七年十二月三十一日"), d(2017, 12, 31));
        assert_eq!(Date::parse("一九九八年十月一日"), d(1998, 10, 1));
        assert_eq!(Date::parse("二〇二〇年一月十日"), d(2020, 1, 10));
        assert_eq!(Date::parse("二〇二〇年十一月廿日"), d(2020, 11, 20));
    }

    #[test]
    fn rejects_invalid_or_partial_dates() {
        for s in [
            "",
            "   ",
            "2017-02-30",
            "2017-13-01",
            "2017-00-10",
            "2017-1-0",
            "2017年2月30日",
            "2017年13月1日",
            "二〇一七年二月三十日",
            "二〇一七年十三月一日",
            "0999-01-01",
            "3000-01-01",
            "2018-03",
            "2018",
            "201803301",
            "2018033",
            "2018-03/30",
            "2018-03-30 and more",
            "发布于2018-03-30",
            "2018-03-30 14",
            "2018-03-30 25:61:99:00",
            "2018年3月",
            "二〇一七年二月",
            "二〇一七年十十月一日",
            "2018‐03‐30x",
            "abc",
            "日月年",
        ] {
            assert_eq!(Date::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn year_range_is_inclusive() {
        assert_eq!(Date::parse("1000-01-01"), d(1000, 1, 1));
        assert_eq!(Date::parse("2999-12-31"), d(2999, 12, 31));
    }

    #[test]
    fn display_and_serde_round_trip() {
        let date = Date::parse("2017年2月3日").unwrap();
        assert_eq!(date.to_string(), "2017-02-03");
        assert_eq!(date.year(), 2017);
        assert_eq!(date.month(), 2);
        assert_eq!(date.day(), 3);
        let json = serde_json::to_string(&date).unwrap();
        assert_eq!(json, "\"2017-02-03\"");
        assert_eq!(serde_json::from_str::<Date>(&json).unwrap(), date);
        assert_eq!(
            serde_json::from_str::<Date>("\"2017年2月3日\"").unwrap(),
            date
        );
        assert!(serde_json::from_str::<Date>("\"2017-02-30\"").is_err());
        assert!(serde_json::from_str::<Date>("20170203").is_err());
        assert_eq!("2017/2/3".parse::<Date>(), Ok(date));
        assert!("x".parse::<Date>().is_err());
    }

    #[test]
    fn unix_seconds_at_midnight_utc() {
        assert_eq!(Date::parse("1970-01-01").unwrap().unix_seconds(), 0);
        assert_eq!(Date::parse("1970-01-02").unwrap().unix_seconds(), 86_400);
        assert_eq!(
            Date::parse("2017-02-23").unwrap().unix_seconds(),
            1_487_808_000
        );
        assert!(Date::parse("1969-12-31").unwrap().unix_seconds() < 0);
    }

    #[test]
    fn ordering_follows_the_calendar() {
        assert!(Date::parse("2017-02-23") < Date::parse("2017-12-01"));
        assert!(Date::parse("2016-12-31") < Date::parse("2017-01-01"));
    }

    #[test]
    fn chinese_numbers() {
        for (s, n) in [
            ("一", 1),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("二十三", 23),
            ("廿三", 23),
            ("卅一", 31),
            ("三十一", 31),
            ("七十三", 73),
            ("一百", 100),
            ("一百零五", 105),
            ("一百一十", 110),
            ("一百十", 110),
            ("三百四十五", 345),
            ("一千零一", 1001),
            ("两千", 2000),
            ("二〇一七", 2017),
            ("〇", 0),
            ("一万二千", 12_000),
        ] {
            assert_eq!(chinese_number(s), Some(n), "{s}");
        }
        for s in [
            "",
            "十十",
            "三三十",
            "十百",
            "百",
            "廿十",
            "二廿",
            "x",
            "一二三四五六七八九〇一二三四五六七八九〇一二三四五六",
        ] {
            assert_eq!(chinese_number(s), None, "{s}");
        }
    }

    #[test]
    fn finds_signature_dates() {
        let text = "特此报告。\n\n德昌县人民政府办公室\n2017年2月23日";
        let found = find_dates(text);
        assert_eq!(found.len(), 1);
        let (a, b, date) = found[0];
        assert_eq!(&text[a..b], "2017年2月23日");
        assert_eq!(Some(date), d(2017, 2, 23));

        let text = "国务院\n二〇一七年二月二十三日";
        let found = find_dates(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].0..found[0].1], "二〇一七年二月二十三日");
        assert_eq!(Some(found[0].2), d(2017, 2, 23));
    }

    #[test]
    fn finds_all_forms_in_order() {
        let text = "2001年6月15日公布，二○一七年十二月三十一日修订，２０１８年３月３０日施行，\
                    更新于2019-05-06 10:00，见 2019/5/7、2019.05.08。";
        let found: Vec<(String, Date)> = find_dates(text)
            .into_iter()
            .map(|(a, b, date)| (text[a..b].to_string(), date))
            .collect();
        let want = [
            ("2001年6月15日", d(2001, 6, 15)),
            ("二○一七年十二月三十一日", d(2017, 12, 31)),
            ("２０１８年３月３０日", d(2018, 3, 30)),
            ("2019-05-06", d(2019, 5, 6)),
            ("2019/5/7", d(2019, 5, 7)),
            ("2019.05.08", d(2019, 5, 8)),
        ];
        assert_eq!(found.len(), want.len(), "{found:?}");
        for ((got, date), (raw, want)) in found.iter().zip(want) {
            assert_eq!(got, raw);
            assert_eq!(Some(*date), want);
        }
    }

    #[test]
    fn find_skips_non_dates() {
        for text in [
            "",
            "2017年",
            "2017年2月",
            "12017年2月3日",
            "2017年2月30日",
            "2017-02-30",
            "2017-02-231",
            "12017-02-23",
            "2017-02/23",
            "1.2.3.4",
            "版本 2017.02.23.1",
            "第2017年",
            "共计20170223元",
        ] {
            assert!(
                find_dates(text).is_empty(),
                "{text:?}: {:?}",
                find_dates(text)
            );
        }
    }

    #[test]
    fn find_reports_byte_spans_of_the_original() {
        let text = "于　２０１８ 年 ３ 月 ３０ 日发布";
        let found = find_dates(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].0..found[0].1], "２０１８ 年 ３ 月 ３０ 日");
    }
}
