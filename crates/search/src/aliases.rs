//! Aliases and synonyms applied at query time: short and full names of government bodies
//! (县政府办 ↔ 县人民政府办公室, 发改委 ↔ 发展和改革委员会) and policy synonyms (医保 ↔ 医疗保障).
//! A query word equal to one form of a group also finds every other form, each as an exact
//! phrase; quoted phrases are never expanded. Nothing in the index depends on them, so they
//! change without a reindex: the built-in dictionary (`dict/aliases.txt`) plus an operator's
//! file, reloadable while serving.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use gongkai_analysis::normalize;

use crate::query::{Atom, ParsedQuery};

/// The built-in dictionary.
pub const BUILTIN: &str = include_str!("../dict/aliases.txt");

/// Groups of equivalent forms, looked up by normalised form.
#[derive(Clone, PartialEq, Eq)]
pub struct Aliases {
    /// Each group's forms, as written (normalised copies are the keys of `by_form`).
    groups: Vec<Vec<String>>,
    /// Normalised form → its group.
    by_form: HashMap<String, usize>,
    /// FNV-1a of the dictionaries' text, in hex: changes whenever they do.
    version: String,
}

impl std::fmt::Debug for Aliases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aliases")
            .field("groups", &self.groups.len())
            .field("version", &self.version)
            .finish()
    }
}

static BUILTIN_ALIASES: LazyLock<Arc<Aliases>> = LazyLock::new(|| {
    Arc::new(Aliases::parse(&[("built-in aliases", BUILTIN)]).unwrap_or_else(|_| Aliases::empty()))
});

fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

impl Aliases {
    /// No aliases.
    pub fn empty() -> Aliases {
        Aliases {
            groups: Vec::new(),
            by_form: HashMap::new(),
            version: format!("{:016x}", fnv1a(&[])),
        }
    }

    /// The built-in dictionary (shared).
    pub fn builtin() -> Arc<Aliases> {
        BUILTIN_ALIASES.clone()
    }

    /// The built-in dictionary and, when given, an operator's file on top (a form listed in
    /// both joins the file's group).
    pub fn load(file: Option<&Path>) -> Result<Aliases, String> {
        match file {
            None => Aliases::parse(&[("built-in aliases", BUILTIN)]),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let name = path.display().to_string();
                Aliases::parse(&[("built-in aliases", BUILTIN), (&name, &text)])
            }
        }
    }

    /// Parses dictionaries, each `(name, text)`: one group a line, forms separated by `|`,
    /// `#` comments. A line with fewer than two forms is an error naming the file and line.
    pub fn parse(sources: &[(&str, &str)]) -> Result<Aliases, String> {
        let mut aliases = Aliases::empty();
        for (name, text) in sources {
            for (n, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let forms: Vec<&str> = line
                    .split('|')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .collect();
                if forms.len() < 2 {
                    return Err(format!(
                        "{name}, line {}: a group needs two or more forms separated by `|`",
                        n + 1
                    ));
                }
                aliases.add(&forms);
            }
        }
        let texts: Vec<&str> = sources.iter().map(|(_, t)| *t).collect();
        aliases.version = format!("{:016x}", fnv1a(&texts));
        Ok(aliases)
    }

    fn add(&mut self, forms: &[&str]) {
        // A form already known joins its group (merging groups across files).
        let existing = forms
            .iter()
            .find_map(|f| self.by_form.get(normalize(f).trim()).copied());
        let group = existing.unwrap_or_else(|| {
            self.groups.push(Vec::new());
            self.groups.len() - 1
        });
        for form in forms {
            let key = normalize(form).trim().to_string();
            if key.is_empty() || self.by_form.contains_key(&key) {
                continue;
            }
            self.by_form.insert(key, group);
            self.groups[group].push((*form).to_string());
        }
    }

    /// Groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The dictionaries' version (a hash of their text).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The other forms of `word` (as written in the dictionary), if it is one.
    pub fn others(&self, word: &str) -> Vec<&str> {
        let key = normalize(word).trim().to_string();
        match self.by_form.get(&key) {
            None => Vec::new(),
            Some(&group) => self.groups[group]
                .iter()
                .filter(|form| normalize(form).trim() != key)
                .map(String::as_str)
                .collect(),
        }
    }

    /// `parsed` with every free-text word that is a form of a group widened to an alternative
    /// of all its forms (the others as exact phrases). Quoted phrases, `title:` atoms and
    /// exclusions are left as they are.
    pub fn expand(&self, parsed: &ParsedQuery) -> ParsedQuery {
        let mut out = parsed.clone();
        if self.is_empty() {
            return out;
        }
        for clause in &mut out.clauses {
            if clause.exclude {
                continue;
            }
            let mut extra = Vec::new();
            for atom in &clause.any_of {
                if let Atom::Word(word) = atom {
                    for other in self.others(word) {
                        let phrase = Atom::Phrase(other.to_string());
                        if !clause.any_of.contains(&phrase) && !extra.contains(&phrase) {
                            extra.push(phrase);
                        }
                    }
                }
            }
            clause.any_of.extend(extra);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    #[test]
    fn builtin_dictionary_parses() {
        let a = Aliases::builtin();
        assert!(a.len() > 30, "{}", a.len());
        assert!(a.others("发改委").contains(&"发展和改革委员会"));
        assert!(a.others("县人民政府办公室").contains(&"县政府办"));
        // Traditional and full-width input finds the same group.
        assert!(a.others("縣政府辦").contains(&"县人民政府办公室"));
        assert!(a.others("不是别名").is_empty());
    }

    #[test]
    fn expansion_widens_words_only() {
        let a = Aliases::parse(&[("t", "医保 | 医疗保障\n")]).unwrap();
        let e = a.expand(&parse("医保 报销 \"医保\" -医保 title:医保").unwrap());
        assert_eq!(
            e.clauses[0].any_of,
            [Atom::Word("医保".into()), Atom::Phrase("医疗保障".into())]
        );
        assert_eq!(e.clauses[1].any_of, [Atom::Word("报销".into())]);
        assert_eq!(e.clauses[2].any_of, [Atom::Phrase("医保".into())]);
        assert!(e.clauses[3].exclude && e.clauses[3].any_of.len() == 1);
        assert_eq!(e.clauses[4].any_of.len(), 1);
    }

    #[test]
    fn files_merge_and_errors_name_the_line() {
        let a = Aliases::parse(&[
            ("a", "医保 | 医疗保障"),
            ("b", "# c\n医疗保障 | 医疗保险\n"),
        ])
        .unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a.others("医保"), ["医疗保障", "医疗保险"]);
        let e = Aliases::parse(&[("mine.txt", "ok | fine\n\n只有一个\n")]).unwrap_err();
        assert_eq!(
            e,
            "mine.txt, line 3: a group needs two or more forms separated by `|`"
        );
        assert_ne!(a.version(), Aliases::builtin().version());
    }
}
