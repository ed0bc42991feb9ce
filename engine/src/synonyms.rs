//! Synonym rules compiled for matching, so "Office of the Deputy Prime Minister" and "ODPM"
//! meet however they are written. A trigger matches when its words (stemmed, stop words
//! included, so "pays for" is not "pays") appear consecutively in the question; an expansion
//! is searched as a phrase of its analyzed terms.

use rustc_hash::FxHashMap as HashMap;

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

/// The stemmed words of a trigger, stop words included.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Trigger {
    words: Vec<String>,
}

impl Trigger {
    fn parse(text: &str) -> Option<Trigger> {
        let words: Vec<String> = analysis::words(text)
            .into_iter()
            .filter(|w| !w.compound)
            .map(|w| analysis::stem(&w.folded))
            .collect();
        (!words.is_empty()).then_some(Trigger { words })
    }
}

#[derive(Debug)]
struct Rule {
    from: Vec<Trigger>,
    to: Vec<Phrase>,
    rewrite: bool,
}

/// All the synonym rules of a corpus.
#[derive(Debug, Default)]
pub struct Synonyms {
    rules: Vec<Rule>,
    /// Every trigger by its first word, as (rule, trigger) indexes: a question is matched by
    /// looking up each of its words, not by trying every trigger at every position.
    by_first_word: HashMap<String, Vec<(usize, usize)>>,
}

/// An expansion found in a question: a phrase to search too, and which question terms it
/// stands for (indexes into the question's terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub phrase: Phrase,
    pub covers: Vec<usize>,
    /// The covered terms mean this phrase and are not searched themselves.
    pub rewrite: bool,
}

impl Synonyms {
    pub fn compile(groups: &[SynonymGroup]) -> Synonyms {
        let rules: Vec<Rule> = groups
            .iter()
            .map(|g| Rule {
                from: g.from.iter().filter_map(|t| Trigger::parse(t)).collect(),
                to: g.to.iter().filter_map(|t| Phrase::parse(t)).collect(),
                rewrite: g.rewrite,
            })
            .collect();
        let mut by_first_word: HashMap<String, Vec<(usize, usize)>> = HashMap::default();
        for (r, rule) in rules.iter().enumerate() {
            for (f, from) in rule.from.iter().enumerate() {
                by_first_word
                    .entry(from.words[0].clone())
                    .or_default()
                    .push((r, f));
            }
        }
        Synonyms {
            rules,
            by_first_word,
        }
    }

    /// Finds every rule whose trigger occurs in the question and returns the phrases to
    /// search as well, in rule order, then trigger order, then question order. `sequence`
    /// is every word of the question as (position, stem), stop words included; `terms` are
    /// its searchable terms. An expansion that says the same as its trigger is skipped.
    pub fn expand(&self, sequence: &[(usize, String)], terms: &[Term]) -> Vec<Expansion> {
        // (rule, trigger, start in `sequence`) of every trigger occurrence.
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for (start, (_, word)) in sequence.iter().enumerate() {
            for &(r, f) in self.by_first_word.get(word).into_iter().flatten() {
                let words = &self.rules[r].from[f].words;
                let rest = &sequence[start..];
                if rest.len() >= words.len()
                    && rest
                        .iter()
                        .map(|(_, w)| w)
                        .take(words.len())
                        .eq(words.iter())
                {
                    found.push((r, f, start));
                }
            }
        }
        found.sort_unstable();
        let mut out: Vec<Expansion> = Vec::new();
        for (r, f, start) in found {
            let rule = &self.rules[r];
            let window = &sequence[start..start + rule.from[f].words.len()];
            let (first, last) = (window[0].0, window[window.len() - 1].0);
            let covers: Vec<usize> = terms
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.word.compound && (first..=last).contains(&t.word.position))
                .map(|(i, _)| i)
                .collect();
            if covers.is_empty() {
                continue;
            }
            let said: Vec<&str> = covers.iter().map(|i| terms[*i].term.as_str()).collect();
            for to in &rule.to {
                let same = to.stems().eq(said.iter().copied());
                if same || out.iter().any(|e| e.phrase == *to && e.covers == covers) {
                    continue;
                }
                out.push(Expansion {
                    phrase: to.clone(),
                    covers: covers.clone(),
                    rewrite: rule.rewrite,
                });
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

    fn sequence(question: &str) -> Vec<(usize, String)> {
        analysis::words(question)
            .into_iter()
            .filter(|w| !w.compound)
            .map(|w| (w.position, analysis::stem(&w.folded)))
            .collect()
    }

    fn expansions(s: &Synonyms, question: &str) -> Vec<Vec<String>> {
        s.expand(&sequence(question), &analysis::terms(question))
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
    fn triggers_with_stop_words_need_them() {
        let s = synonyms("pays for => funding\n");
        assert_eq!(expansions(&s, "who pays for all this"), [["fund"]]);
        assert!(expansions(&s, "how do I pay online").is_empty());
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
        let found = s.expand(
            &sequence("number to phone"),
            &analysis::terms("number to phone"),
        );
        assert_eq!(found[0].covers, [1]);
    }
}
