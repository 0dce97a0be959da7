//! The user query language, parsed by hand so that cost stays linear and every input is total.
//!
//! ```text
//! query   := item (ws item)*
//! item    := '-'? atom ( ws 'OR' ws '-'? atom )*
//! atom    := '"' chars '"'      exact contiguous string (n-gram field)
//!          | word               anything up to whitespace or a quote
//! ```
//!
//! Words are ANDed; `OR` joins neighbouring atoms into one alternative; a leading `-` excludes.
//! Quotes are ASCII `"` or their full-width form `＂`. Raw user input never reaches tantivy's
//! own query parser.

use thiserror::Error;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 2000;
/// Most atoms in one query.
pub const MAX_ATOMS: usize = 64;

/// One searchable unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    /// Free text: analysed into words.
    Word(String),
    /// A quoted string: exact substring.
    Phrase(String),
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
    #[error("query is longer than {MAX_QUERY_CHARS} characters")]
    TooLong,
    /// Too many atoms.
    #[error("query has more than {MAX_ATOMS} terms")]
    TooManyTerms,
}

#[derive(Debug, PartialEq)]
enum Lexeme {
    Atom(Atom, bool),
    Or,
}

fn is_quote(c: char) -> bool {
    c == '"' || c == '＂'
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
        if chars.get(j).copied().is_some_and(is_quote) {
            let open = j;
            let Some(close) = (open + 1..chars.len()).find(|&k| is_quote(chars[k])) else {
                return Err(QueryError::UnbalancedQuote(open));
            };
            let phrase: String = chars[open + 1..close].iter().collect();
            out.push(Lexeme::Atom(Atom::Phrase(phrase), exclude));
            i = close + 1;
            continue;
        }
        let start = j;
        while j < chars.len() && !chars[j].is_whitespace() && !is_quote(chars[j]) {
            j += 1;
        }
        let word: String = chars[start..j].iter().collect();
        i = j;
        if word == "OR" && !exclude {
            out.push(Lexeme::Or);
        } else if !word.is_empty() {
            out.push(Lexeme::Atom(Atom::Word(word), exclude));
        }
    }
    Ok(out)
}

/// Parses a query. Total: any string gives a query or a [`QueryError`], in linear time.
pub fn parse(input: &str) -> Result<ParsedQuery, QueryError> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let lexemes = lex(input)?;
    let atoms = lexemes
        .iter()
        .filter(|l| matches!(l, Lexeme::Atom(..)))
        .count();
    if atoms > MAX_ATOMS {
        return Err(QueryError::TooManyTerms);
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
            Err(QueryError::TooLong)
        );
        let many = vec!["a"; MAX_ATOMS + 1].join(" ");
        assert_eq!(parse(&many), Err(QueryError::TooManyTerms));
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
