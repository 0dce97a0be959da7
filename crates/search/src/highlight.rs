//! Highlights on the original text.
//!
//! Matching runs on the normalised text (so a simplified query marks a traditional title, and
//! `〔2017〕` marks `[2017]`), and the normalisation map carries each match back to the original
//! bytes. Overlapping candidates resolve to the longest match starting first. Output is HTML-
//! escaped original text whose only tags are the `<mark>` we add, and fragments are cut from the
//! original without inserting anything, so no spaces appear inside Chinese.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use gongkai_analysis::normalize_with_map;
use serde::Serialize;

/// Characters of context on each side of a body fragment's first match.
const FRAGMENT_CHARS: usize = 60;
/// Most body fragments per hit.
const MAX_FRAGMENTS: usize = 3;
/// Most match offsets reported per field.
const MAX_OFFSETS: usize = 100;
/// Bytes normalised at a time when scanning for matches.
const CHUNK_BYTES: usize = 2 * 1024;
/// Bytes of a body scanned for matches at most (Lucene's highlighters have the same kind of
/// limit): a match only past it leaves the hit with the opening of its body as its fragment.
/// Normalising whole long laws for every hit was most of a search's cost.
const MAX_SCAN_BYTES: usize = 64 * 1024;

/// Highlights of one hit.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Highlights {
    /// The title, escaped, matches in `<mark>`.
    pub title: String,
    /// Up to three body fragments around the first matches (or the opening of the body when
    /// nothing matched in its first 64 KB).
    pub body: Vec<String>,
    /// Match spans as character offsets `[start, end)` into the original title and body, for
    /// clients that render themselves: every match in the title, and the body's matches up to
    /// the end of its last fragment and a little beyond (at most 100 per field).
    pub offsets: Offsets,
}

/// Character offsets of matches.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offsets {
    /// In the title.
    pub title: Vec<[usize; 2]>,
    /// In the body.
    pub body: Vec<[usize; 2]>,
}

/// Finds the query's words and phrases in texts.
#[derive(Debug)]
pub struct Highlighter {
    /// For bodies.
    matcher: Option<AhoCorasick>,
    /// For titles: also the `title:` atoms' strings.
    title_matcher: Option<AhoCorasick>,
}

/// The non-blank needles of several lists.
fn patterns<'a>(sets: &[&'a [String]]) -> Vec<&'a str> {
    sets.iter()
        .flat_map(|set| set.iter())
        .map(|s| s.as_str())
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// Sorted, deduplicated, single characters only when `singles` (nothing longer was asked).
fn cleaned(mut list: Vec<&str>, singles: bool) -> Vec<&str> {
    if !singles {
        list.retain(|p| p.chars().count() > 1);
    }
    list.sort_unstable();
    list.dedup();
    list
}

fn matcher(patterns: Vec<&str>) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .ok()
}

impl Highlighter {
    /// A highlighter for these normalised needles. Single characters are marked only when the
    /// query was a single character: otherwise they are noise (令, 第, 号).
    pub fn new(needles: &[String]) -> Highlighter {
        Highlighter::with_title_only(needles, &[])
    }

    /// A highlighter for `needles` in titles and bodies and `title_only` (the strings of
    /// `title:` atoms) in titles only.
    pub fn with_title_only(needles: &[String], title_only: &[String]) -> Highlighter {
        let all = patterns(&[needles, title_only]);
        let singles = all.iter().all(|p| p.chars().count() <= 1);
        let body = matcher(cleaned(patterns(&[needles]), singles));
        let title = if title_only.is_empty() {
            body.clone()
        } else {
            matcher(cleaned(all, singles))
        };
        Highlighter {
            matcher: body,
            title_matcher: title,
        }
    }

    /// Byte ranges of matches in `original`, in order, non-overlapping, at most [`MAX_OFFSETS`].
    ///
    /// The text is normalised a few kilobytes at a time, cut at line breaks (normalisation never
    /// joins characters across one). With `scan` = [`Scan::Fragments`], scanning stops once the
    /// fragments are settled (see [`fragments_settled`]) or after [`MAX_SCAN_BYTES`]: a long
    /// law costs a chunk or two, not the whole body.
    fn matches(matcher: Option<&AhoCorasick>, original: &str, scan: Scan) -> Vec<(usize, usize)> {
        let Some(matcher) = matcher else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut chunk_start = 0;
        while chunk_start < original.len() && out.len() < MAX_OFFSETS {
            if scan == Scan::Fragments
                && (chunk_start >= MAX_SCAN_BYTES || fragments_settled(original, &out, chunk_start))
            {
                break;
            }
            let chunk_end = chunk_end(original, chunk_start);
            let chunk = &original[chunk_start..chunk_end];
            let normalized = normalize_with_map(chunk);
            // Walk matches in order, counting characters incrementally (not from the start).
            let (mut chars_before, mut counted_to) = (0usize, 0usize);
            for m in matcher.find_iter(&normalized.text) {
                chars_before += normalized.text[counted_to..m.start()].chars().count();
                counted_to = m.start();
                let len = normalized.text[m.start()..m.end()].chars().count();
                let (Some(first), Some(last)) = (
                    normalized.origin.get(chars_before),
                    normalized.origin.get(chars_before + len.max(1) - 1),
                ) else {
                    continue;
                };
                if first.0 < last.1 {
                    out.push((
                        chunk_start + first.0 as usize,
                        chunk_start + last.1 as usize,
                    ));
                }
                if out.len() >= MAX_OFFSETS {
                    break;
                }
            }
            chunk_start = chunk_end;
        }
        out
    }

    /// Highlights a title and a body.
    pub fn highlight(&self, title: &str, body: &str) -> Highlights {
        let title_matches = Highlighter::matches(self.title_matcher.as_ref(), title, Scan::All);
        let body_matches = Highlighter::matches(self.matcher.as_ref(), body, Scan::Fragments);
        Highlights {
            title: mark(title, &title_matches),
            body: fragments(body, &body_matches),
            offsets: Offsets {
                title: char_offsets(title, &title_matches),
                body: char_offsets(body, &body_matches),
            },
        }
    }
}

/// How far [`Highlighter::matches`] scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// The whole text (titles).
    All,
    /// Until the body fragments are settled.
    Fragments,
}

/// True when matches found in `text[..scanned]` already settle every fragment: there are
/// [`MAX_FRAGMENTS`] fragment-starting matches and the last fragment's window (which may only
/// grow to take in a straddling match) ends well before `scanned`.
fn fragments_settled(text: &str, matches: &[(usize, usize)], scanned: usize) -> bool {
    let mut starts = 0;
    let mut covered_until = 0;
    for &(a, _) in matches {
        if a < covered_until {
            continue;
        }
        starts += 1;
        let start = back_chars(text, a, FRAGMENT_CHARS).max(covered_until);
        covered_until = nth_char_boundary(text, start, FRAGMENT_CHARS * 2);
        if starts == MAX_FRAGMENTS {
            // A match straddling the window's end extends it: leave room for the longest
            // needle a query can have.
            return covered_until + 4 * 1024 <= scanned;
        }
    }
    false
}

/// Where a normalisation chunk starting at `start` ends: the first line break after
/// [`CHUNK_BYTES`], or the end of the text.
fn chunk_end(text: &str, start: usize) -> usize {
    let target = start + CHUNK_BYTES;
    if target >= text.len() {
        return text.len();
    }
    // A byte search: `\n` never occurs inside a multi-byte character, and `target` itself may
    // not be a character boundary.
    text.as_bytes()[target..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| target + i + 1)
}

fn char_offsets(text: &str, matches: &[(usize, usize)]) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let mut chars_before = 0;
    let mut last = 0;
    for &(a, b) in matches.iter().take(MAX_OFFSETS) {
        chars_before += text[last..a].chars().count();
        let len = text[a..b].chars().count();
        out.push([chars_before, chars_before + len]);
        chars_before += len;
        last = b;
    }
    out
}

/// Escapes `text[range]` into `out`, wrapping the matches that fall inside it.
fn mark_range(text: &str, start: usize, end: usize, matches: &[(usize, usize)], out: &mut String) {
    let mut at = start;
    for &(a, b) in matches {
        if b <= start || a >= end {
            continue;
        }
        let (a, b) = (a.max(start), b.min(end));
        escape_into(&text[at..a], out);
        out.push_str("<mark>");
        escape_into(&text[a..b], out);
        out.push_str("</mark>");
        at = b;
    }
    escape_into(&text[at..end], out);
}

fn mark(text: &str, matches: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    mark_range(text, 0, text.len(), matches, &mut out);
    out
}

/// Fragments around matches: each starts [`FRAGMENT_CHARS`] characters before a match not yet
/// shown and runs twice that long; line breaks inside become spaces only where the original had
/// whitespace (nothing is inserted between characters).
fn fragments(body: &str, matches: &[(usize, usize)]) -> Vec<String> {
    let mut out = Vec::new();
    if matches.is_empty() {
        let end = nth_char_boundary(body, 0, FRAGMENT_CHARS * 2);
        let mut s = String::new();
        escape_into(body[..end].trim(), &mut s);
        if !s.is_empty() {
            out.push(collapse_ws(&s));
        }
        return out;
    }
    let mut covered_until = 0;
    for &(a, _) in matches {
        if out.len() >= MAX_FRAGMENTS {
            break;
        }
        if a < covered_until {
            continue;
        }
        // Never repeat text an earlier fragment showed.
        let start = back_chars(body, a, FRAGMENT_CHARS).max(covered_until);
        let mut end = nth_char_boundary(body, start, FRAGMENT_CHARS * 2);
        // Never cut a match in two: extend to the end of one that straddles the boundary.
        if let Some(&(_, b)) = matches.iter().find(|&&(a, b)| a < end && b > end) {
            end = b;
        }
        let mut s = String::new();
        if start > 0 {
            s.push('…');
        }
        mark_range(body, start, end, matches, &mut s);
        if end < body.len() {
            s.push('…');
        }
        out.push(collapse_ws(s.trim()));
        covered_until = end;
    }
    out
}

/// Runs of whitespace (line breaks, indentation) shown as one space.
fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_ws = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

fn nth_char_boundary(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

fn back_chars(text: &str, from: usize, n: usize) -> usize {
    text[..from]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(needles: &[&str]) -> Highlighter {
        Highlighter::new(&needles.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn marks_on_original_text_through_normalisation() {
        let r = h(&["条例", "2017"]).highlight("商用密碼管理條例（２０１７）", "");
        assert_eq!(
            r.title,
            "商用密碼管理<mark>條例</mark>（<mark>２０１７</mark>）"
        );
        assert_eq!(r.offsets.title, vec![[6, 8], [9, 13]]);
    }

    #[test]
    fn longest_match_wins_and_nothing_is_injected() {
        let r = h(&["农业", "中国农业发展银行"]).highlight("设立中国农业发展银行", "");
        assert_eq!(r.title, "设立<mark>中国农业发展银行</mark>");
    }

    #[test]
    fn escapes_everything_but_our_marks() {
        let r = h(&["公开"]).highlight(
            "<script>公开</script>",
            "<img src=x onerror=alert(1)>公开\"'&",
        );
        assert_eq!(r.title, "&lt;script&gt;<mark>公开</mark>&lt;/script&gt;");
        assert!(r.body[0]
            .starts_with("&lt;img src=x onerror=alert(1)&gt;<mark>公开</mark>&quot;&#39;&amp;"));
    }

    #[test]
    fn fragments_around_matches() {
        let body = format!("{}政务公开{}", "甲".repeat(200), "乙".repeat(200));
        let r = h(&["政务公开"]).highlight("t", &body);
        assert_eq!(r.body.len(), 1);
        assert!(r.body[0].contains("<mark>政务公开</mark>"));
        assert!(r.body[0].starts_with('…') && r.body[0].ends_with('…'));
        // A match straddling the fragment's end is kept whole, and not shown twice.
        let body = format!("政务公开{}政务公开{}", "甲".repeat(114), "乙".repeat(200));
        let r = h(&["政务公开"]).highlight("t", &body);
        assert_eq!(r.body.len(), 1, "{:?}", r.body);
        assert_eq!(
            r.body[0].matches("<mark>政务公开</mark>").count(),
            2,
            "{}",
            r.body[0]
        );
        let none = h(&["不存在"]).highlight("t", "第一条\n\n  为了规范");
        assert_eq!(none.body, vec!["第一条 为了规范".to_string()]);
    }

    #[test]
    fn matches_across_chunks_map_to_the_right_bytes() {
        let line = format!("{}條例{}\n", "甲".repeat(1500), "乙".repeat(1500));
        let body = line.repeat(8);
        let highlighter = h(&["条例"]);
        let all = Highlighter::matches(highlighter.matcher.as_ref(), &body, Scan::All);
        let offsets = char_offsets(&body, &all);
        assert_eq!(offsets.len(), 8);
        let chars: Vec<char> = body.chars().collect();
        for (i, [a, b]) in offsets.iter().enumerate() {
            assert_eq!(
                chars[*a..*b].iter().collect::<String>(),
                "條例",
                "match {i}"
            );
        }
        let many = "条例。".repeat(500);
        assert_eq!(
            highlighter.highlight("t", &many).offsets.body.len(),
            MAX_OFFSETS
        );
    }

    #[test]
    fn body_scanning_stops_once_the_fragments_are_settled() {
        let line = format!("{}條例{}\n", "甲".repeat(1500), "乙".repeat(1500));
        let body = line.repeat(8);
        let highlighter = h(&["条例"]);
        let r = highlighter.highlight("t", &body);
        assert_eq!(r.body.len(), MAX_FRAGMENTS);
        assert!(
            (MAX_FRAGMENTS..8).contains(&r.offsets.body.len()),
            "{:?}",
            r.offsets.body
        );
        // The fragments are exactly those of a full scan.
        let all = Highlighter::matches(highlighter.matcher.as_ref(), &body, Scan::All);
        assert_eq!(r.body, fragments(&body, &all));

        // A match only past the scanning limit leaves the opening of the body.
        let far = format!("{}\n条例", "甲乙丙\n".repeat(MAX_SCAN_BYTES / 5));
        let r = highlighter.highlight("t", &far);
        assert!(r.offsets.body.is_empty());
        assert_eq!(r.body.len(), 1);
        assert!(r.body[0].starts_with("甲乙丙"), "{:?}", r.body);
        // Within the limit it is found, however many chunks away.
        let near = format!("{}\n条例", "甲乙丙\n".repeat(MAX_SCAN_BYTES / 20));
        assert_eq!(highlighter.highlight("t", &near).offsets.body.len(), 1);
    }

    #[test]
    fn single_characters_only_when_alone() {
        assert_eq!(
            h(&["令", "国务院"]).highlight("国务院令", "").title,
            "<mark>国务院</mark>令"
        );
        assert_eq!(h(&["税"]).highlight("税法", "").title, "<mark>税</mark>法");
    }
}
