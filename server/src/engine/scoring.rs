//! The numbers ranking is built from, kept apart from the search plumbing so each can be
//! read and tested on its own:
//!
//! - term weights (IDF over passages, from the index's own term dictionaries, loaded once);
//! - *coverage*: the share of the question's weight a passage and its entry account for;
//! - *phrasing similarity*: how closely the question matches one of the ways the entry is
//!   asked (its FAQ title, an alternate phrasing, a project name), weighted Jaccard.

// Fx hashing: the corpus's terms are inserted at load; a question only looks them up.
use rustc_hash::FxHashMap as HashMap;

use tantivy::schema::Field;
use tantivy::Searcher;

use super::question::Analyzed;

/// Every indexed term of the searched fields, numbered, with its document frequency (the
/// largest over those fields). Ranking compares terms by number: a question's terms are
/// looked up once, and an entry's phrasings and a passage's terms are kept as numbers.
#[derive(Debug, Default)]
pub struct TermStats {
    ids: HashMap<String, u32>,
    /// Document frequency by term id.
    df: Vec<u32>,
    /// By term id, which of `fields` have it (bit i for `fields[i]`).
    in_fields: Vec<u8>,
    fields: Vec<Field>,
    docs: f32,
}

/// The id of a term the index does not have: it matches nothing, not even itself.
pub const UNKNOWN: u32 = u32::MAX;

impl TermStats {
    /// Reads the term dictionaries of `fields` in every segment.
    pub fn load(searcher: &Searcher, fields: &[Field]) -> tantivy::Result<TermStats> {
        let mut per_field: Vec<HashMap<String, u32>> = vec![HashMap::default(); fields.len()];
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
        // Ids in the terms' sorted order, so that anything kept sorted by id is in the same
        // order on every start (and sums over it come out the same to the last bit).
        let mut terms: Vec<&String> = per_field.iter().flat_map(|f| f.keys()).collect();
        terms.sort_unstable();
        terms.dedup();
        let ids: HashMap<String, u32> = terms
            .into_iter()
            .enumerate()
            .map(|(id, term)| (term.clone(), id as u32))
            .collect();
        let mut df: Vec<u32> = vec![0; ids.len()];
        let mut in_fields: Vec<u8> = vec![0; ids.len()];
        for (i, field) in per_field.iter().enumerate() {
            for (term, count) in field {
                let id = ids[term] as usize;
                df[id] = df[id].max(*count);
                in_fields[id] |= 1 << i.min(7);
            }
        }
        Ok(TermStats {
            ids,
            df,
            in_fields,
            fields: fields.to_vec(),
            docs: searcher.num_docs().max(1) as f32,
        })
    }

    /// The term's id, or [`UNKNOWN`].
    pub fn id(&self, term: &str) -> u32 {
        self.ids.get(term).copied().unwrap_or(UNKNOWN)
    }

    /// BM25-style IDF; a term the index lacks gets the largest weight.
    pub fn idf(&self, term: &str) -> f32 {
        self.idf_of(self.id(term))
    }

    pub fn idf_of(&self, id: u32) -> f32 {
        let df = self.df.get(id as usize).copied().unwrap_or(0) as f32;
        (1.0 + (self.docs - df + 0.5) / (df + 0.5)).ln()
    }

    /// Can the term with this id occur in `field`? (True for a field it was not loaded for.)
    pub fn in_field(&self, id: u32, field: Field) -> bool {
        match self.fields.iter().position(|f| *f == field) {
            Some(i) if i < 8 => self
                .in_fields
                .get(id as usize)
                .is_some_and(|mask| mask & (1 << i) != 0),
            _ => true,
        }
    }

    pub fn contains(&self, term: &str) -> bool {
        self.ids.contains_key(term)
    }
}

/// A question's terms and synonym phrases as term ids, looked up once per question.
#[derive(Debug, Clone, Default)]
pub struct QuestionIds {
    /// Per question term, its id; [`UNKNOWN`] for a rewritten term, which is never matched.
    pub terms: Vec<u32>,
    /// Per synonym expansion, the ids of its phrase's terms.
    pub expansions: Vec<Vec<u32>>,
}

impl QuestionIds {
    pub fn new(analyzed: &Analyzed, stats: &TermStats) -> QuestionIds {
        QuestionIds {
            terms: analyzed
                .terms
                .iter()
                .map(|t| {
                    if t.rewritten {
                        UNKNOWN
                    } else {
                        stats.id(&t.term)
                    }
                })
                .collect(),
            expansions: analyzed
                .expansions
                .iter()
                .map(|e| e.phrase.terms.iter().map(|(_, t)| stats.id(t)).collect())
                .collect(),
        }
    }

    /// [`mask_of`] every id the question searches for.
    pub fn mask(&self) -> TermMask {
        mask_of(self.all())
    }

    /// Every id the question searches for, its own terms and its synonyms'.
    pub fn all(&self) -> impl Iterator<Item = u32> + '_ {
        self.terms
            .iter()
            .chain(self.expansions.iter().flatten())
            .copied()
            .filter(|id| *id != UNKNOWN)
    }
}

/// A 256-bit summary of a set of term ids (bit `id % 256` for each): two sets whose masks
/// share no bit share no term, which rules most phrasings out with four ANDs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TermMask([u64; 4]);

impl TermMask {
    pub fn intersects(&self, other: &TermMask) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
}

pub fn mask_of(ids: impl Iterator<Item = u32>) -> TermMask {
    let mut mask = TermMask::default();
    for id in ids.filter(|id| *id != UNKNOWN) {
        let bit = id % 256;
        mask.0[(bit / 64) as usize] |= 1 << (bit % 64);
    }
    mask
}

/// Which question terms a set of terms accounts for, directly or through a synonym whose
/// every term is present.
pub fn covered(analyzed: &Analyzed, has: impl Fn(u32) -> bool) -> Vec<bool> {
    let ids = &analyzed.ids;
    let mut covered: Vec<bool> = ids
        .terms
        .iter()
        .map(|id| *id != UNKNOWN && has(*id))
        .collect();
    for (e, phrase) in analyzed.expansions.iter().zip(&ids.expansions) {
        if phrase.iter().all(|id| *id != UNKNOWN && has(*id)) {
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

/// One way of asking for an entry: its distinct term ids, sorted, with their weights.
pub type Phrasing = [(u32, f32)];

/// Weighted Jaccard similarity between the question and one phrasing: matched question
/// weight over the weight of everything either side says. Synonyms count as matches on both
/// sides.
pub fn phrasing_similarity(analyzed: &Analyzed, weights: &[f32], phrasing: &Phrasing) -> f32 {
    let ids = &analyzed.ids;
    if phrasing.is_empty() || weights.is_empty() {
        return 0.0;
    }
    let has = |id: u32| phrasing.binary_search_by_key(&id, |(t, _)| *t).is_ok();
    // Most phrasings share nothing with the question: no need to work out more.
    if !ids.all().any(has) {
        return 0.0;
    }
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
    let said = |id: u32| {
        id != UNKNOWN
            && (ids.terms.contains(&id)
                || ids
                    .expansions
                    .iter()
                    .any(|phrase| phrase.contains(&id) && phrase.iter().all(|t| has(*t))))
    };
    let unmatched_phrasing: f32 = phrasing
        .iter()
        .filter(|(id, _)| !said(*id))
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
            ids: QuestionIds::default(),
        }
    }

    #[test]
    fn coverage_is_weighted() {
        assert_eq!(coverage(&[1.0, 3.0], &[false, true]), 0.75);
        assert_eq!(coverage(&[], &[]), 0.0);
    }

    #[test]
    fn an_exact_phrasing_scores_one_and_extra_words_dilute_it() {
        let mut q = question(&["nation", "project"]);
        q.ids = QuestionIds {
            terms: vec![1, 2],
            expansions: Vec::new(),
        };
        let weights = [1.0, 1.0];
        let exact = [(1, 1.0), (2, 1.0)];
        assert!((phrasing_similarity(&q, &weights, &exact) - 1.0).abs() < 1e-6);
        let longer = [(1, 1.0), (2, 1.0), (3, 2.0), (UNKNOWN, 2.0)];
        assert!((phrasing_similarity(&q, &weights, &longer) - 2.0 / 6.0).abs() < 1e-6);
        assert_eq!(phrasing_similarity(&q, &weights, &[(7, 1.0)]), 0.0);
    }

    #[test]
    fn masks_of_sets_sharing_a_term_intersect_and_others_mostly_do_not() {
        let a = mask_of([3, 700, 1_000_000].into_iter());
        assert!(a.intersects(&mask_of([700].into_iter())));
        assert!(!a.intersects(&mask_of([4, 5, 6].into_iter())));
        // Ids 256 apart share a bit: a mask only rules out, never in.
        assert!(a.intersects(&mask_of([3 + 256].into_iter())));
        assert!(!mask_of([UNKNOWN].into_iter()).intersects(&mask_of([UNKNOWN].into_iter())));
    }

    #[test]
    fn an_unknown_term_matches_nothing_not_even_itself() {
        let mut q = question(&["zzyzx", "project"]);
        q.ids = QuestionIds {
            terms: vec![UNKNOWN, 2],
            expansions: Vec::new(),
        };
        assert_eq!(covered(&q, |_| true), vec![false, true]);
    }
}
