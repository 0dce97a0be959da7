//! Character n-grams, for exact substring matching.
//!
//! A quoted query must match **exactly the documents that contain it** as contiguous text, across
//! word boundaries (`"所在单"` finds every text with 所在单位 and nothing else). Word tokens cannot
//! promise that; overlapping character bigrams with their positions can: a string of n ≥ 2
//! characters occurs in a text iff its bigrams occur at consecutive positions, which is a phrase
//! query. Single characters are served by a separate unigram stream (no positions needed).
//!
//! The stream is the normalised text with every run of whitespace counted as one space, so that
//! line breaks and indentation do not change what a quoted string matches, and every character
//! (letters, digits, punctuation) takes part: `"第10条"` and `"2017]107"` are exact too.
//! Positions are character ordinals in that stream; offsets are bytes of the normalised text.

use tantivy_tokenizer_api::{Token, TokenStream, Tokenizer};

/// The characters of a normalised text as the n-gram stream sees them: whitespace runs become
/// one `' '`, leading and trailing whitespace is dropped. Each item is `(byte start, byte end,
/// char)` in `text`.
pub fn stream(text: &str) -> Vec<(usize, usize, char)> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut pending_space: Option<(usize, usize)> = None;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            match &mut pending_space {
                Some((_, end)) => *end = at + c.len_utf8(),
                None => pending_space = Some((at, at + c.len_utf8())),
            }
            continue;
        }
        if let Some((s, e)) = pending_space.take() {
            if !out.is_empty() {
                out.push((s, e, ' '));
            }
        }
        out.push((at, at + c.len_utf8(), c));
    }
    out
}

/// The bigrams of a normalised string with their positions (character ordinals), as a phrase
/// query needs them. A string of fewer than two stream characters has none.
pub fn bigrams(text: &str) -> Vec<(usize, String)> {
    let chars = stream(text);
    chars
        .windows(2)
        .enumerate()
        .map(|(i, w)| (i, [w[0].2, w[1].2].iter().collect()))
        .collect()
}

/// The fewest bigrams that still pin down the whole string: every character is covered by one
/// chosen bigram at its exact offset, so a phrase query on them matches exactly the texts that
/// contain the string, with about half the terms. `abcde` → `ab@0 cd@2 de@3`.
pub fn covering_bigrams(text: &str) -> Vec<(usize, String)> {
    let all = bigrams(text);
    if all.len() <= 2 {
        return all;
    }
    let last = all.len() - 1;
    let mut out: Vec<(usize, String)> = all.iter().step_by(2).cloned().collect();
    if last % 2 == 1 {
        out.push(all[last].clone());
    }
    out
}

/// Tantivy tokenizer emitting overlapping bigrams of the stream, position = ordinal of the
/// first character. Expects normalised text.
///
/// Tokens come grouped by bigram (all occurrences of one bigram, positions ascending, then the
/// next bigram) rather than in text order. Tantivy records positions per term and takes the
/// field's end as the largest position, so the index is the same; but consecutive tokens now
/// hit the same entry of the indexer's term hash table, which is then in cache. On the corpus
/// this makes indexing the bigram field markedly cheaper (see `benches/README.md`).
#[derive(Clone, Debug, Default)]
pub struct BigramTokenizer {
    token: Token,
    grams: Vec<Gram>,
}

/// One bigram occurrence: the two characters packed for sorting, position, byte span.
#[derive(Clone, Copy, Debug)]
struct Gram {
    key: u64,
    position: u32,
    start: u32,
    end: u32,
}

/// Tantivy tokenizer emitting each distinct non-space character of a text once, in order of
/// first occurrence. It feeds a documents-only field that answers "which texts contain this
/// character": term frequencies and positions would cost a posting per character of text
/// (as much as the bigrams) for one-character queries alone.
#[derive(Clone, Debug, Default)]
pub struct UnigramTokenizer {
    token: Token,
    seen: CharSet,
}

/// A set of characters, a bitmap for the Basic Multilingual Plane (where nearly all text is)
/// and a small vector beyond it; cleared in time proportional to what was inserted.
#[derive(Clone, Debug, Default)]
struct CharSet {
    bits: Vec<u64>,
    touched: Vec<u16>,
    astral: Vec<char>,
}

impl CharSet {
    /// Inserts `c`; true when it was not there yet.
    fn insert(&mut self, c: char) -> bool {
        let code = c as u32;
        if code > 0xFFFF {
            if self.astral.contains(&c) {
                return false;
            }
            self.astral.push(c);
            return true;
        }
        if self.bits.is_empty() {
            self.bits = vec![0; 1024];
        }
        let (word, bit) = ((code >> 6) as usize, 1u64 << (code & 63));
        if self.bits[word] & bit != 0 {
            return false;
        }
        if self.bits[word] == 0 {
            self.touched.push(word as u16);
        }
        self.bits[word] |= bit;
        true
    }

    fn clear(&mut self) {
        for &w in &self.touched {
            self.bits[w as usize] = 0;
        }
        self.touched.clear();
        self.astral.clear();
    }
}

/// Token stream of [`BigramTokenizer`].
#[derive(Debug)]
pub struct BigramStream<'a> {
    grams: &'a [Gram],
    next: usize,
    token: &'a mut Token,
}

/// Walks the n-gram stream of a text, yielding bigrams in text order.
struct Bigrams<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    previous: Option<(usize, char)>,
    position: usize,
}

impl Bigrams<'_> {
    /// The next character of the stream: `(byte start, byte end, char)`, whitespace runs as one
    /// space, none at the start or end.
    fn next_char(&mut self) -> Option<(usize, usize, char)> {
        let (at, c) = self.chars.next()?;
        if !c.is_whitespace() {
            return Some((at, at + c.len_utf8(), c));
        }
        let mut end = at + c.len_utf8();
        while let Some(&(next_at, next)) = self.chars.peek() {
            if !next.is_whitespace() {
                break;
            }
            end = next_at + next.len_utf8();
            self.chars.next();
        }
        if self.previous.is_none() {
            // Leading whitespace: skip it.
            return self.next_char();
        }
        // Trailing whitespace ends the stream.
        self.chars.peek()?;
        Some((at, end, ' '))
    }
}

/// Token stream of [`UnigramTokenizer`].
#[derive(Debug)]
pub struct UnigramStream<'a> {
    rest: std::str::CharIndices<'a>,
    position: usize,
    token: &'a mut Token,
    seen: &'a mut CharSet,
}

impl Iterator for Bigrams<'_> {
    type Item = Gram;

    fn next(&mut self) -> Option<Gram> {
        loop {
            let (start, end, c) = self.next_char()?;
            let Some((prev_start, prev)) = self.previous.replace((start, c)) else {
                continue;
            };
            let gram = Gram {
                key: (u64::from(u32::from(prev)) << 32) | u64::from(u32::from(c)),
                position: self.position as u32,
                start: prev_start as u32,
                end: end as u32,
            };
            self.position += 1;
            return Some(gram);
        }
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramStream<'a> {
        self.token.reset();
        self.grams.clear();
        self.grams.extend(Bigrams {
            chars: text.char_indices().peekable(),
            previous: None,
            position: 0,
        });
        // Positions are unique, so this order is total and the result deterministic.
        self.grams.sort_unstable_by_key(|g| (g.key, g.position));
        BigramStream {
            grams: &self.grams,
            next: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for BigramStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(gram) = self.grams.get(self.next) else {
            return false;
        };
        self.next += 1;
        let first = char::from_u32((gram.key >> 32) as u32).unwrap_or(char::REPLACEMENT_CHARACTER);
        let second = char::from_u32(gram.key as u32).unwrap_or(char::REPLACEMENT_CHARACTER);
        self.token.text.clear();
        self.token.text.push(first);
        self.token.text.push(second);
        self.token.offset_from = gram.start as usize;
        self.token.offset_to = gram.end as usize;
        self.token.position = gram.position as usize;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

impl Tokenizer for UnigramTokenizer {
    type TokenStream<'a> = UnigramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> UnigramStream<'a> {
        self.token.reset();
        self.seen.clear();
        UnigramStream {
            rest: text.char_indices(),
            position: 0,
            token: &mut self.token,
            seen: &mut self.seen,
        }
    }
}

impl TokenStream for UnigramStream<'_> {
    fn advance(&mut self) -> bool {
        for (at, c) in self.rest.by_ref() {
            if c.is_whitespace() || !self.seen.insert(c) {
                continue;
            }
            self.token.text.clear();
            self.token.text.push(c);
            self.token.offset_from = at;
            self.token.offset_to = at + c.len_utf8();
            self.token.position = self.position;
            self.position += 1;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect<T: Tokenizer>(mut t: T, text: &str) -> Vec<(usize, String)> {
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = s.next() {
            out.push((tok.position, tok.text.clone()));
        }
        out
    }

    #[test]
    fn bigrams_overlap_and_cross_word_boundaries() {
        let mut got = collect(BigramTokenizer::default(), "所在单位");
        got.sort();
        assert_eq!(
            got,
            vec![(0, "所在".into()), (1, "在单".into()), (2, "单位".into())]
        );
    }

    #[test]
    fn whitespace_runs_count_as_one_space() {
        let mut got = collect(BigramTokenizer::default(), "  报\n\n 告 ");
        got.sort();
        assert_eq!(got, vec![(0, "报 ".into()), (1, " 告".into())]);
        assert_eq!(bigrams("报 告"), got);
    }

    #[test]
    fn occurrences_of_a_bigram_come_together_in_position_order() {
        let got = collect(BigramTokenizer::default(), "条例条例");
        assert_eq!(
            got,
            // 例 (U+4F8B) sorts before 条 (U+6761).
            vec![(1, "例条".into()), (0, "条例".into()), (2, "条例".into())]
        );
    }

    #[test]
    fn covering_bigrams_cover_every_character() {
        assert_eq!(
            covering_bigrams("abcde"),
            vec![(0, "ab".into()), (2, "cd".into()), (3, "de".into())]
        );
        assert_eq!(
            covering_bigrams("abcd"),
            vec![(0, "ab".into()), (2, "cd".into())]
        );
        assert_eq!(covering_bigrams("ab"), vec![(0, "ab".into())]);
        assert!(covering_bigrams("a").is_empty());
    }

    #[test]
    fn unigrams_are_distinct_and_skip_whitespace() {
        let got = collect(UnigramTokenizer::default(), "a 中\n文中a");
        let texts: Vec<_> = got.into_iter().map(|(_, t)| t).collect();
        assert_eq!(texts, vec!["a", "中", "文"]);
    }
}
