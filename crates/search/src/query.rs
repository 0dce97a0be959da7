//! The user query language, parsed by hand so that cost stays linear and every input is total.
//!
//! ```text
//! query   := item (ws item)*
//! item    := '-'? atom ( ws 'OR' ws '-'? atom )*
//! atom    := 'title' colon '"' chars '"'   exact contiguous string in the title
//!          | 'title' colon word            free text, every word required in the title
//!          | '"' chars '"'                 exact contiguous string (n-gram field)
//!          | word                          anything up to whitespace or a quote
//! colon   := ':' | '：'
//! ```
//!
//! Words are ANDed; `OR` joins neighbouring atoms into one alternative; a leading `-` excludes.
//! Quotes are ASCII `"` or their full-width form `＂`. Only the lower-case ASCII prefix `title`
//! directly followed by a colon (ASCII or full-width) at the start of an atom is a field
//! prefix: `Title:x`, `http://…`, `10:30` and `foo:bar` are plain words, and a bare `title:`
//! with nothing after it is the word `title:`. Raw user input never reaches tantivy's own
//! query parser.

use thiserror::Error;

/// Longest query accepted by default, in characters (`max_query_chars`).
pub const MAX_QUERY_CHARS: usize = 2000;
/// Most atoms in one query by default (`max_query_terms`).
pub const MAX_ATOMS: usize = 64;

/// One searchable unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    /// Free text: analysed into words.
    Word(String),
    /// A quoted string: exact substring.
    Phrase(String),
    /// `title:text`: free text whose words must all be in the title.
    TitleWord(String),
    /// `title:"text"`: exact substring of the title.
    TitlePhrase(String),
}

impl Atom {
    /// True for the `title:` forms.
    pub fn is_title(&self) -> bool {
        matches!(self, Atom::TitleWord(_) | Atom::TitlePhrase(_))
    }
}

/// An alternative of atoms (one atom unless `OR` was used), required or excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Atoms, any of which satisfies the clause.
    pub any_of: Vec<Atom>,
    /// True for `-atom`: documents matching it are excluded.
    pub exclude: bool,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    /// The clauses, in input order.
    pub clauses: Vec<Clause>,
}

impl ParsedQuery {
    /// True when nothing positive is asked for (an empty query, or exclusions only).
    pub fn is_match_all(&self) -> bool {
        self.clauses.iter().all(|c| c.exclude)
    }
}

/// Why a query was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum QueryError {
    /// A `"` without its partner.
    #[error("unbalanced quote: a `\"` opened at character {0} is never closed")]
    UnbalancedQuote(usize),
    /// Too long.
    #[error("query is longer than {0} characters")]
    TooLong(usize),
    /// Too many atoms.
    #[error("query has more than {0} terms")]
    TooManyTerms(usize),
}

#[derive(Debug, PartialEq)]
enum Lexeme {
    Atom(Atom, bool),
    Or,
}

fn is_quote(c: char) -> bool {
    c == '"' || c == '＂'
}

/// The field prefix, without its colon.
const TITLE_PREFIX: [char; 5] = ['t', 'i', 't', 'l', 'e'];

/// Length of a `title:` / `title：` prefix at `at` (0 when there is none).
fn title_prefix(chars: &[char], at: usize) -> usize {
    let end = at + TITLE_PREFIX.len();
    let is_prefix = chars.get(at..end) == Some(&TITLE_PREFIX[..])
        && chars.get(end).is_some_and(|&c| c == ':' || c == '：');
    if is_prefix {
        TITLE_PREFIX.len() + 1
    } else {
        0
    }
}

/// Index of the quote closing the one at `open`.
fn closing_quote(chars: &[char], open: usize) -> Result<usize, QueryError> {
    (open + 1..chars.len())
        .find(|&k| is_quote(chars[k]))
        .ok_or(QueryError::UnbalancedQuote(open))
}

fn lex(input: &str) -> Result<Vec<Lexeme>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let mut exclude = false;
        let mut j = i;
        if c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
            exclude = true;
            j += 1;
        }
        // `title:` counts only when something follows it; alone it is read as a plain word.
        let prefix = title_prefix(&chars, j);
        let title = prefix > 0 && chars.get(j + prefix).is_some_and(|&n| !n.is_whitespace());
        if title {
            j += prefix;
        }
        if chars.get(j).copied().is_some_and(is_quote) {
            let close = closing_quote(&chars, j)?;
            let phrase: String = chars[j + 1..close].iter().collect();
            let atom = if title {
                Atom::TitlePhrase(phrase)
            } else {
                Atom::Phrase(phrase)
            };
            out.push(Lexeme::Atom(atom, exclude));
            i = close + 1;
            continue;
        }
        let start = j;
        while j < chars.len() && !chars[j].is_whitespace() && !is_quote(chars[j]) {
            j += 1;
        }
        let word: String = chars[start..j].iter().collect();
        i = j;
        if title {
            out.push(Lexeme::Atom(Atom::TitleWord(word), exclude));
        } else if word == "OR" && !exclude {
            out.push(Lexeme::Or);
        } else if !word.is_empty() {
            out.push(Lexeme::Atom(Atom::Word(word), exclude));
        }
    }
    Ok(out)
}

/// Parses a query within the default limits ([`MAX_QUERY_CHARS`], [`MAX_ATOMS`]).
pub fn parse(input: &str) -> Result<ParsedQuery, QueryError> {
    parse_within(input, MAX_QUERY_CHARS, MAX_ATOMS)
}

/// Parses a query of at most `max_chars` characters and `max_atoms` atoms. Total: any string
/// gives a query or a [`QueryError`], in linear time.
pub fn parse_within(
    input: &str,
    max_chars: usize,
    max_atoms: usize,
) -> Result<ParsedQuery, QueryError> {
    if input.chars().count() > max_chars {
        return Err(QueryError::TooLong(max_chars));
    }
    let lexemes = lex(input)?;
    let atoms = lexemes
        .iter()
        .filter(|l| matches!(l, Lexeme::Atom(..)))
        .count();
    if atoms > max_atoms {
        return Err(QueryError::TooManyTerms(max_atoms));
    }
    let mut clauses: Vec<Clause> = Vec::new();
    let mut join_next = false;
    for lexeme in lexemes {
        match lexeme {
            // `OR` joins only between two atoms; at the start or end it is ignored.
            Lexeme::Or => join_next = !clauses.is_empty(),
            Lexeme::Atom(atom, exclude) => {
                let previous = clauses.last_mut();
                match previous {
                    Some(prev) if join_next && !prev.exclude && !exclude => prev.any_of.push(atom),
                    _ => clauses.push(Clause {
                        any_of: vec![atom],
                        exclude,
                    }),
                }
                join_next = false;
            }
        }
    }
    Ok(ParsedQuery { clauses })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(s: &str) -> Atom {
        Atom::Word(s.into())
    }
    fn phrase(s: &str) -> Atom {
        Atom::Phrase(s.into())
    }
    fn must(a: Vec<Atom>) -> Clause {
        Clause {
            any_of: a,
            exclude: false,
        }
    }

    #[test]
    fn words_phrases_exclusions_and_or() {
        let q = parse(r#"信息公开 "所在单" -废止 年报 OR 年度报告 -"试行""#).unwrap();
        assert_eq!(
            q.clauses,
            vec![
                must(vec![word("信息公开")]),
                must(vec![phrase("所在单")]),
                Clause {
                    any_of: vec![word("废止")],
                    exclude: true
                },
                must(vec![word("年报"), word("年度报告")]),
                Clause {
                    any_of: vec![phrase("试行")],
                    exclude: true
                },
            ]
        );
    }

    #[test]
    fn full_width_quotes_and_adjacent_text() {
        let q = parse("＂所在单＂位").unwrap();
        assert_eq!(
            q.clauses,
            vec![must(vec![phrase("所在单")]), must(vec![word("位")])]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(parse(r#"a "b"#), Err(QueryError::UnbalancedQuote(2)));
        assert_eq!(
            parse(&"字".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryError::TooLong(MAX_QUERY_CHARS))
        );
        let many = vec!["a"; MAX_ATOMS + 1].join(" ");
        assert_eq!(parse(&many), Err(QueryError::TooManyTerms(MAX_ATOMS)));
    }

    #[test]
    fn title_prefix() {
        let q = parse(r#"title:信息公开 title："所在单位" -title:废止 title:通知 OR title:公告"#)
            .unwrap();
        assert_eq!(
            q.clauses,
            vec![
                must(vec![Atom::TitleWord("信息公开".into())]),
                must(vec![Atom::TitlePhrase("所在单位".into())]),
                Clause {
                    any_of: vec![Atom::TitleWord("废止".into())],
                    exclude: true
                },
                must(vec![
                    Atom::TitleWord("通知".into()),
                    Atom::TitleWord("公告".into())
                ]),
            ]
        );
        // Full-width colon, and text glued after a quoted title phrase.
        assert_eq!(
            parse(r#"title：条例 -title:"试行"办法"#).unwrap().clauses,
            vec![
                must(vec![Atom::TitleWord("条例".into())]),
                Clause {
                    any_of: vec![Atom::TitlePhrase("试行".into())],
                    exclude: true
                },
                must(vec![word("办法")]),
            ]
        );
    }

    #[test]
    fn colons_that_are_not_prefixes() {
        for text in [
            "title:",
            "title：",
            "Title:通知",
            "TITLE:通知",
            "http://www.gov.cn/a",
            "10:30",
            "foo:bar",
            "subtitle:x",
            "titles:x",
        ] {
            assert_eq!(
                parse(text).unwrap().clauses,
                vec![must(vec![word(text)])],
                "{text}"
            );
        }
        assert_eq!(
            parse("title: 通知").unwrap().clauses,
            vec![must(vec![word("title:")]), must(vec![word("通知")])]
        );
        assert_eq!(
            parse("-title:").unwrap().clauses,
            vec![Clause {
                any_of: vec![word("title:")],
                exclude: true
            }]
        );
        // The prefix is only read once: the rest is literal.
        assert_eq!(
            parse("title:title:x").unwrap().clauses,
            vec![must(vec![Atom::TitleWord("title:x".into())])]
        );
        assert_eq!(parse(r#"title:"a"#), Err(QueryError::UnbalancedQuote(6)));
    }

    proptest::proptest! {
        #[test]
        fn parse_is_total(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("title:".to_string()),
                    proptest::strategy::Just("title：".to_string()),
                    proptest::strategy::Just("-".to_string()),
                    proptest::strategy::Just("\"".to_string()),
                    proptest::strategy::Just("＂".to_string()),
                    proptest::strategy::Just(" OR ".to_string()),
                    proptest::strategy::Just(" ".to_string()),
                    "\\PC{0,4}",
                ],
                0..24,
            )
        ) {
            let text: String = pieces.concat();
            if let Ok(q) = parse(&text) {
                for clause in &q.clauses {
                    proptest::prop_assert!(!clause.any_of.is_empty());
                }
            }
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,64}") {
            let _ = parse(&text);
        }
    }

    #[test]
    fn edge_cases() {
        assert!(parse("").unwrap().is_match_all());
        assert!(parse("   ").unwrap().is_match_all());
        assert!(parse("-a").unwrap().is_match_all());
        assert_eq!(
            parse("OR a OR").unwrap().clauses,
            vec![must(vec![word("a")])]
        );
        assert_eq!(parse("a - b").unwrap().clauses.len(), 3);
        assert_eq!(
            parse(r#""""#).unwrap().clauses,
            vec![must(vec![phrase("")])]
        );
    }
}
