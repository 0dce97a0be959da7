//! Invariants of the analysis chain, on arbitrary text and on text shaped like the corpus.

use gongkai_analysis::ngram::{self, BigramTokenizer, UnigramTokenizer};
use gongkai_analysis::words::{Segmenter, WordTokenizer};
use gongkai_analysis::{normalize, normalize_with_map};
use proptest::prelude::*;
use tantivy_tokenizer_api::{Token, TokenStream, Tokenizer};

fn tokens<T: Tokenizer>(mut tokenizer: T, text: &str) -> Vec<Token> {
    let mut stream = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.clone());
    }
    out
}

/// Characters that exercise the interesting paths: CJK, traditional, full width, brackets,
/// whitespace, zero-width, astral ideographs, Latin and digits.
fn text_strategy() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "中",
        "国",
        "农业",
        "发展",
        "银行",
        "所在单位",
        "條例",
        "國務院",
        "〔",
        "〕",
        "【",
        "】",
        "（",
        "）",
        "２０１７",
        "ＡＢＣ",
        "abc",
        "107号",
        " ",
        "\n",
        "\u{3000}",
        "\u{200B}",
        "𠀀",
        "㈠",
        "，",
        "。",
        "政府信息公开",
        "é",
        "İ",
        "ﬁ",
        "\u{0301}",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

/// Offsets on character boundaries inside the text and spelling the token; positions never go
/// backwards — in text order for words, and within each term for bigrams (which come grouped
/// by term, as tantivy records positions per term).
fn check_stream(text: &str, toks: &[Token], grouped_by_term: bool) {
    let mut last_position: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::new();
    let mut last_overall = 0;
    for t in toks {
        assert!(
            t.offset_from <= t.offset_to && t.offset_to <= text.len(),
            "{t:?} in {text:?}"
        );
        assert!(
            text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to),
            "{t:?}"
        );
        assert!(!t.text.is_empty());
        let last = last_position.entry(t.text.as_str()).or_insert(0);
        assert!(
            t.position >= *last,
            "position went backwards within {:?}: {t:?}",
            t.text
        );
        *last = t.position;
        if !grouped_by_term {
            assert!(t.position >= last_overall, "position went backwards: {t:?}");
            last_overall = t.position;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn offsets_on_char_boundaries_and_positions_monotone(raw in text_strategy()) {
        let text = normalize(&raw);
        check_stream(&text, &tokens(WordTokenizer::new(Segmenter::builtin()), &text), false);
        check_stream(&text, &tokens(BigramTokenizer::default(), &text), true);
        check_stream(&text, &tokens(UnigramTokenizer::default(), &text), false);
    }

    #[test]
    fn arbitrary_unicode_never_breaks_the_chain(raw in "\\PC{0,60}") {
        let text = normalize(&raw);
        check_stream(&text, &tokens(WordTokenizer::new(Segmenter::builtin()), &text), false);
        check_stream(&text, &tokens(BigramTokenizer::default(), &text), true);
        let mapped = normalize_with_map(&raw);
        prop_assert_eq!(mapped.text.chars().count(), mapped.origin.len());
        for &(a, b) in &mapped.origin {
            prop_assert!(raw.is_char_boundary(a as usize) && raw.is_char_boundary(b as usize));
        }
    }

    #[test]
    fn index_time_and_query_time_agree(raw in text_strategy()) {
        // The index sees normalize(text) through the tokenizers; a query is normalised and
        // analysed by the same functions. Same text, same tokens.
        let at_index = tokens(WordTokenizer::new(Segmenter::builtin()), &normalize(&raw));
        let at_query: Vec<(String, usize)> = Segmenter::builtin()
            .words(&normalize(&raw))
            .into_iter()
            .map(|w| (w.text.to_string(), w.position))
            .collect();
        let at_index: Vec<(String, usize)> = at_index.into_iter().map(|t| (t.text, t.position)).collect();
        prop_assert_eq!(at_index, at_query);
        // The tokenizer groups occurrences by bigram; in position order it is the stream.
        let mut grams: Vec<(usize, String)> = tokens(BigramTokenizer::default(), &normalize(&raw))
            .into_iter().map(|t| (t.position, t.text)).collect();
        grams.sort();
        prop_assert_eq!(grams, ngram::bigrams(&normalize(&raw)));
        prop_assert_eq!(normalize(&normalize(&raw)), normalize(&raw));
    }

    #[test]
    fn a_substring_has_its_bigrams_at_consecutive_positions(raw in text_strategy(), cut in 0usize..20, len in 2usize..8) {
        let text = normalize(&raw);
        let chars: Vec<char> = text.chars().collect();
        prop_assume!(chars.len() >= cut + len);
        let needle: String = chars[cut..cut + len].iter().collect();
        prop_assume!(!needle.starts_with(char::is_whitespace) && !needle.ends_with(char::is_whitespace));
        let hay = ngram::bigrams(&text);
        let want = ngram::covering_bigrams(&needle);
        prop_assume!(!want.is_empty());
        let found = (0..hay.len()).any(|p| want.iter().all(|(off, g)| hay.get(p + off).is_some_and(|(_, h)| h == g)));
        prop_assert!(found, "{needle:?} not found in {text:?}");
    }
}
