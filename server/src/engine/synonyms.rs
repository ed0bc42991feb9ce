//! Synonym rules compiled for matching: each side of a rule becomes a sequence of analyzed
//! terms, so "Office of the Deputy Prime Minister" and "ODPM" meet however they are written.
//! A multi-word expansion is searched as a phrase; a multi-word trigger must appear as
//! consecutive words of the question.

use signpost_indexer::analysis::{self, Term};
use signpost_indexer::synonyms::SynonymGroup;

/// An analyzed phrase: terms with their positions relative to the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub terms: Vec<(usize, String)>,
}

impl Phrase {
    fn parse(text: &str) -> Option<Phrase> {
        let analyzed = analysis::terms(text);
        let first = analyzed.iter().map(|t| t.word.position).min()?;
        // Skip compound forms: a phrase matches its parts.
        let terms = analyzed
            .into_iter()
            .filter(|t| !t.word.compound)
            .map(|t| (t.word.position - first, t.term))
            .collect();
        Some(Phrase { terms })
    }

    fn stems(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|(_, t)| t.as_str())
    }
}

#[derive(Debug)]
struct Rule {
    from: Vec<Phrase>,
    to: Vec<Phrase>,
}

/// All the synonym rules of a corpus.
#[derive(Debug, Default)]
pub struct Synonyms {
    rules: Vec<Rule>,
}

/// An expansion found in a question: a phrase to search too, and which question terms it
/// stands for (indexes into the question's terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub phrase: Phrase,
    pub covers: Vec<usize>,
}

impl Synonyms {
    pub fn compile(groups: &[SynonymGroup]) -> Synonyms {
        let rules = groups
            .iter()
            .map(|g| Rule {
                from: g.from.iter().filter_map(|t| Phrase::parse(t)).collect(),
                to: g.to.iter().filter_map(|t| Phrase::parse(t)).collect(),
            })
            .collect();
        Synonyms { rules }
    }

    /// Finds every rule whose trigger occurs in `terms` (consecutive, ignoring stop words) and
    /// returns the phrases to search as well. Phrases already in the question are skipped.
    pub fn expand(&self, terms: &[Term]) -> Vec<Expansion> {
        let plain: Vec<(usize, &str)> = terms
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.word.compound)
            .map(|(i, t)| (i, t.term.as_str()))
            .collect();
        let mut out: Vec<Expansion> = Vec::new();
        for rule in &self.rules {
            for from in &rule.from {
                let len = from.terms.len();
                if len == 0 || len > plain.len() {
                    continue;
                }
                for start in 0..=plain.len() - len {
                    let window = &plain[start..start + len];
                    if !window.iter().map(|(_, t)| *t).eq(from.stems()) {
                        continue;
                    }
                    let covers: Vec<usize> = window.iter().map(|(i, _)| *i).collect();
                    for to in &rule.to {
                        if to == from || out.iter().any(|e| e.phrase == *to && e.covers == covers) {
                            continue;
                        }
                        out.push(Expansion {
                            phrase: to.clone(),
                            covers: covers.clone(),
                        });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synonyms(text: &str) -> Synonyms {
        Synonyms::compile(&signpost_indexer::synonyms::parse(text).unwrap())
    }

    fn expansions(s: &Synonyms, question: &str) -> Vec<Vec<String>> {
        s.expand(&analysis::terms(question))
            .into_iter()
            .map(|e| e.phrase.terms.into_iter().map(|(_, t)| t).collect())
            .collect()
    }

    #[test]
    fn acronym_expands_to_a_phrase_and_back() {
        let s = synonyms("ODPM, Office of the Deputy Prime Minister\n");
        assert_eq!(
            expansions(&s, "why does the ODPM pay"),
            [["offic", "deputi", "prime", "minist"]]
        );
        assert_eq!(
            expansions(&s, "the office of the deputy prime minister"),
            [["odpm"]]
        );
        // Only the whole trigger counts: a stray "prime" does not.
        assert!(expansions(&s, "prime minister").is_empty());
    }

    #[test]
    fn phrase_positions_keep_stop_word_gaps() {
        let phrase = Phrase::parse("Office of the Deputy Prime Minister").unwrap();
        assert_eq!(phrase.terms[1], (3, "deputi".to_string()));
    }

    #[test]
    fn one_way_rules_do_not_reverse() {
        let s = synonyms("ring => telephone\n");
        assert_eq!(expansions(&s, "can I ring"), [["telephon"]]);
        assert!(expansions(&s, "telephone").is_empty());
    }

    #[test]
    fn expansions_record_the_terms_they_cover() {
        let s = synonyms("phone, telephone\n");
        let found = s.expand(&analysis::terms("number to phone"));
        assert_eq!(found[0].covers, [1]);
    }
}
