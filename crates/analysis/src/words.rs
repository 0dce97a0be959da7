//! Word tokens from jieba, for ranking.
//!
//! The text given here is already [normalised](crate::normalize). Segmentation is jieba's exact
//! mode with the HMM **off**: new-word discovery makes tokens depend on context and would let
//! the same string segment differently in a document and in a query. Each base word gets the
//! next position (word ordinals, not character offsets), so adjacent words are one position
//! apart and sloppy phrase queries over words measure proximity in words.
//!
//! Search granularity: a base word longer than two characters also emits its 2-, 3-
//! and 4-character substrings that are dictionary words, **at the base word's position** (a
//! position increment of 0, as Lucene analysers do for synonyms). So `农业` finds
//! `中国农业发展银行`, and positions stay consistent between index and query time whatever
//! the granularity. Exact substring matching is not this module's job: see [`crate::ngram`].
//!
//! The dictionary is jieba's default plus Gongkai's government terms (`dict/gov_terms.txt`,
//! compiled in) plus an optional file named in configuration. Changing either dictionary
//! changes index terms: reindex afterwards.

use std::io::BufReader;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;
use tantivy_tokenizer_api::{Token, TokenStream, Tokenizer};

/// Government terms: 机构名, 文种, 政务 terms, place names. One `word [freq [tag]]` a line.
pub const GOV_TERMS: &str = include_str!("../dict/gov_terms.txt");

/// Why a dictionary could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DictError {
    /// The file could not be read.
    #[error("cannot read dictionary {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A line is malformed.
    #[error("dictionary {path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What jieba said.
        message: String,
    },
}

/// The segmenter shared by every tokenizer instance.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").finish_non_exhaustive()
    }
}

/// One word of a text: its normalised form, byte span in the (normalised) text and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word.
    pub text: &'a str,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset past its last byte.
    pub end: usize,
    /// Word ordinal of its base word.
    pub position: usize,
    /// False for a sub-word emitted inside a longer base word.
    pub is_base: bool,
}

impl Segmenter {
    /// jieba's default dictionary plus [`GOV_TERMS`] plus, when given, a user file.
    pub fn new(extra_dict: Option<&Path>) -> Result<Segmenter, DictError> {
        let mut jieba = Jieba::new();
        load(&mut jieba, GOV_TERMS, "dict/gov_terms.txt")?;
        if let Some(path) = extra_dict {
            let file = std::fs::File::open(path).map_err(|source| DictError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let mut text = String::new();
            std::io::Read::read_to_string(&mut BufReader::new(file), &mut text).map_err(
                |source| DictError::Io {
                    path: path.display().to_string(),
                    source,
                },
            )?;
            load(&mut jieba, &text, &path.display().to_string())?;
        }
        Ok(Segmenter {
            jieba: Arc::new(jieba),
        })
    }

    /// The process-wide segmenter with the built-in dictionaries only (loaded once, ~100 ms).
    pub fn builtin() -> Segmenter {
        static BUILTIN: OnceLock<Segmenter> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut jieba = Jieba::new();
                // The built-in file is tested to load; a failure here is a build defect, and
                // jieba's default dictionary alone still segments correctly.
                let _ = load(&mut jieba, GOV_TERMS, "dict/gov_terms.txt");
                Segmenter {
                    jieba: Arc::new(jieba),
                }
            })
            .clone()
    }

    /// Calls `emit` for every word of `text` (normalised), base words and sub-words.
    pub fn for_each_word<'a>(&self, text: &'a str, mut emit: impl FnMut(Word<'a>)) {
        let mut position = 0usize;
        for token in self.jieba.cut(text, false) {
            let word = token.word;
            if !is_wordlike(word) {
                continue;
            }
            emit(Word {
                text: word,
                start: token.byte_start,
                end: token.byte_end,
                position,
                is_base: true,
            });
            let chars = token.end - token.start;
            if chars > 2 {
                let bounds: Vec<usize> = word
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(word.len()))
                    .collect();
                for len in [2usize, 3, 4] {
                    if chars <= len {
                        continue;
                    }
                    for i in 0..=chars - len {
                        let sub = &word[bounds[i]..bounds[i + len]];
                        if self.jieba.has_word(sub) {
                            emit(Word {
                                text: sub,
                                start: token.byte_start + bounds[i],
                                end: token.byte_start + bounds[i + len],
                                position,
                                is_base: false,
                            });
                        }
                    }
                }
            }
            position += 1;
        }
    }

    /// The words of `text` (normalised) as a vector.
    pub fn words<'a>(&self, text: &'a str) -> Vec<Word<'a>> {
        let mut out = Vec::new();
        self.for_each_word(text, |w| out.push(w));
        out
    }
}

/// Loads `word [freq [tag]]` lines; blank lines and lines starting with `#` are comments.
fn load(jieba: &mut Jieba, text: &str, name: &str) -> Result<(), DictError> {
    let entries: String = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .flat_map(|l| [l, "\n"])
        .collect();
    let mut reader = BufReader::new(entries.as_bytes());
    jieba.load_dict(&mut reader).map_err(|e| DictError::Format {
        path: name.to_string(),
        message: e.to_string(),
    })
}

/// A token is a word when it has a letter, digit or ideograph: whitespace and punctuation
/// carry no meaning for ranking (exact matching of punctuation is the n-gram field's job).
fn is_wordlike(word: &str) -> bool {
    word.chars().any(|c| {
        c.is_ascii_alphanumeric() || crate::is_cjk(c) || (!c.is_ascii() && c.is_alphanumeric())
    })
}

/// The tantivy tokenizer over [`Segmenter`]. Expects normalised text.
#[derive(Clone, Debug)]
pub struct WordTokenizer {
    segmenter: Segmenter,
    /// Reused between texts: their `String`s keep their allocations.
    tokens: Vec<Token>,
}

impl WordTokenizer {
    /// A tokenizer using `segmenter`.
    pub fn new(segmenter: Segmenter) -> WordTokenizer {
        WordTokenizer {
            segmenter,
            tokens: Vec::new(),
        }
    }
}

/// The token stream of [`WordTokenizer`].
#[derive(Debug)]
pub struct WordTokenStream<'a> {
    tokens: &'a mut [Token],
    index: usize,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        let tokens = &mut self.tokens;
        let mut len = 0;
        self.segmenter.for_each_word(text, |w| {
            if len == tokens.len() {
                tokens.push(Token::default());
            }
            let t = &mut tokens[len];
            t.offset_from = w.start;
            t.offset_to = w.end;
            t.position = w.position;
            t.position_length = 1;
            t.text.clear();
            t.text.push_str(w.text);
            len += 1;
        });
        WordTokenStream {
            tokens: &mut self.tokens[..len],
            index: 0,
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    fn base_words(text: &str) -> Vec<String> {
        let n = normalize(text);
        Segmenter::builtin()
            .words(&n)
            .into_iter()
            .filter(|w| w.is_base)
            .map(|w| w.text.to_string())
            .collect()
    }

    #[test]
    fn sub_words_share_the_base_position() {
        let s = Segmenter::builtin();
        let words = s.words("中国农业发展银行");
        assert!(words.iter().any(|w| w.text == "农业"), "{words:?}");
        let bank = words.iter().filter(|w| w.is_base).count();
        assert!(bank >= 1);
        for w in &words {
            assert!(w.position < bank);
        }
    }

    #[test]
    fn skips_punctuation_and_space() {
        assert_eq!(base_words("信息，公开。 "), vec!["信息", "公开"]);
    }

    #[test]
    fn government_terms_are_words() {
        assert!(base_words("推进政务公开工作").contains(&"政务公开".to_string()));
        assert!(Segmenter::new(None).is_ok());
    }

    #[test]
    fn extra_dictionary_is_loaded_and_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("gongkai-dict-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.txt");
        std::fs::write(&good, "德府办发 1000 n\n").unwrap();
        let s = Segmenter::new(Some(&good)).unwrap();
        assert!(s
            .words("德府办发")
            .iter()
            .any(|w| w.text == "德府办发" && w.is_base));
        let bad = dir.join("bad.txt");
        std::fs::write(&bad, "词 notanumber\n").unwrap();
        let err = Segmenter::new(Some(&bad)).unwrap_err().to_string();
        assert!(err.contains("bad.txt"), "{err}");
        let missing = Segmenter::new(Some(&dir.join("missing.txt")))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("missing.txt"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
