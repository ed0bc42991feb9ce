//! The numbers ranking is built from, kept apart from the search plumbing so each can be
//! read and tested on its own:
//!
//! - term weights (IDF over passages, from the index's own term dictionaries, loaded once);
//! - *coverage*: the share of the question's weight a passage and its entry account for;
//! - *phrasing similarity*: how closely the question matches one of the ways the entry is
//!   asked (its FAQ title, an alternate phrasing, a project name), weighted Jaccard.

use std::collections::HashMap;

use tantivy::schema::Field;
use tantivy::Searcher;

use super::question::Analyzed;

/// Document frequencies of every indexed term (the largest over the searched fields).
#[derive(Debug, Default)]
pub struct TermStats {
    df: HashMap<String, u32>,
    docs: f32,
}

impl TermStats {
    /// Reads the term dictionaries of `fields` in every segment.
    pub fn load(searcher: &Searcher, fields: &[Field]) -> tantivy::Result<TermStats> {
        let mut per_field: Vec<HashMap<String, u32>> = vec![HashMap::new(); fields.len()];
        for segment in searcher.segment_readers() {
            for (i, field) in fields.iter().enumerate() {
                let inverted = segment.inverted_index(*field)?;
                let mut stream = inverted.terms().stream()?;
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    *per_field[i].entry(term.to_string()).or_insert(0) += stream.value().doc_freq;
                }
            }
        }
        let mut df: HashMap<String, u32> = HashMap::new();
        for field in per_field {
            for (term, count) in field {
                let slot = df.entry(term).or_insert(0);
                *slot = (*slot).max(count);
            }
        }
        Ok(TermStats {
            df,
            docs: searcher.num_docs().max(1) as f32,
        })
    }

    /// BM25-style IDF; a term the index lacks gets the largest weight.
    pub fn idf(&self, term: &str) -> f32 {
        let df = self.df.get(term).copied().unwrap_or(0) as f32;
        (1.0 + (self.docs - df + 0.5) / (df + 0.5)).ln()
    }

    pub fn contains(&self, term: &str) -> bool {
        self.df.contains_key(term)
    }
}

/// Which question terms a set of terms accounts for, directly or through a synonym whose
/// every term is present.
pub fn covered(analyzed: &Analyzed, has: impl Fn(&str) -> bool) -> Vec<bool> {
    let mut covered: Vec<bool> = analyzed
        .terms
        .iter()
        .map(|t| !t.rewritten && has(&t.term))
        .collect();
    for e in &analyzed.expansions {
        if e.phrase.terms.iter().all(|(_, t)| has(t)) {
            for i in &e.covers {
                covered[*i] = true;
            }
        }
    }
    covered
}

/// The weighted share of the question that `covered` marks.
pub fn coverage(weights: &[f32], covered: &[bool]) -> f32 {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    weights
        .iter()
        .zip(covered)
        .filter(|(_, c)| **c)
        .map(|(w, _)| *w)
        .sum::<f32>()
        / total
}

/// Weighted Jaccard similarity between the question and one phrasing (its distinct terms
/// with their weights): matched question weight over the weight of everything either side
/// says. Synonyms count as matches on both sides.
pub fn phrasing_similarity(
    analyzed: &Analyzed,
    weights: &[f32],
    phrasing: &[(String, f32)],
) -> f32 {
    if phrasing.is_empty() || weights.is_empty() {
        return 0.0;
    }
    let has = |term: &str| phrasing.iter().any(|(t, _)| t == term);
    let covered = covered(analyzed, has);
    let matched_question: f32 = weights
        .iter()
        .zip(&covered)
        .filter(|(_, c)| **c)
        .map(|(w, _)| *w)
        .sum();
    if matched_question <= 0.0 {
        return 0.0;
    }
    // Phrasing terms the question (or its synonyms) said.
    let said = |term: &str| {
        analyzed
            .terms
            .iter()
            .any(|t| t.term == term && !t.rewritten)
            || analyzed.expansions.iter().any(|e| {
                e.phrase.terms.iter().any(|(_, t)| t == term)
                    && e.phrase.terms.iter().all(|(_, t)| has(t))
            })
    };
    let unmatched_phrasing: f32 = phrasing
        .iter()
        .filter(|(t, _)| !said(t))
        .map(|(_, w)| *w)
        .sum();
    let question_total: f32 = weights.iter().sum();
    matched_question / (question_total + unmatched_phrasing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::question::QueryTerm;

    fn question(terms: &[&str]) -> Analyzed {
        Analyzed {
            terms: terms
                .iter()
                .map(|t| QueryTerm {
                    term: t.to_string(),
                    known: true,
                    corrected: false,
                    rewritten: false,
                })
                .collect(),
            expansions: Vec::new(),
            corrected: None,
            words: Vec::new(),
            expects: None,
        }
    }

    #[test]
    fn coverage_is_weighted() {
        assert_eq!(coverage(&[1.0, 3.0], &[false, true]), 0.75);
        assert_eq!(coverage(&[], &[]), 0.0);
    }

    #[test]
    fn an_exact_phrasing_scores_one_and_extra_words_dilute_it() {
        let q = question(&["nation", "project"]);
        let weights = [1.0, 1.0];
        let exact = [("nation".to_string(), 1.0), ("project".to_string(), 1.0)];
        assert!((phrasing_similarity(&q, &weights, &exact) - 1.0).abs() < 1e-6);
        let longer = [
            ("nation".to_string(), 1.0),
            ("project".to_string(), 1.0),
            ("smart".to_string(), 2.0),
            ("card".to_string(), 2.0),
        ];
        assert!((phrasing_similarity(&q, &weights, &longer) - 2.0 / 6.0).abs() < 1e-6);
        assert_eq!(
            phrasing_similarity(&q, &weights, &[("other".to_string(), 1.0)]),
            0.0
        );
    }
}
