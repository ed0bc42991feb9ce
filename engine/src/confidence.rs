//! The features the chance that an answer is right is computed from (see `model`).

use super::*;

impl Engine {
    /// The share of the question's weight in words the corpus does not have.
    pub(super) fn unknown_share(&self, analyzed: &Analyzed, weights: &[f32]) -> f32 {
        let mut total = f32::EPSILON;
        let mut unknown = 0.0;
        for (t, w) in analyzed.terms.iter().zip(weights) {
            if t.garbled {
                continue;
            }
            total += w;
            if !t.known && !t.rewritten {
                unknown += w;
            }
        }
        unknown / total
    }

    /// The share of what the question says, each searched word weighed by how rarely English
    /// uses it, in words the corpus does not have: "how long does the coronavirus live" is
    /// mostly "coronavirus", however many of its other words the corpus has.
    pub(super) fn unknown_meaning_share(&self, analyzed: &Analyzed) -> f32 {
        let vectors = meaning::WordVectors::shipped();
        let mut total = f32::EPSILON;
        let mut unknown = 0.0;
        for (word, stem) in analyzed.words.iter().zip(&analyzed.stems) {
            // Stop words are not searched, so never a term.
            if analysis::is_stop_word(word) {
                continue;
            }
            let term = analyzed.terms.iter().find(|t| t.term == *stem);
            let Some(t) = term else {
                continue;
            };
            if t.garbled || t.rewritten {
                continue;
            }
            let w = vectors.english_weight(word);
            total += w;
            if !t.known {
                unknown += w;
            }
        }
        unknown / total
    }

    /// What the chance that `top` (ranked first, ahead of `second`) with its chosen passage's
    /// `fit` is the right answer is computed from.
    pub(super) fn confidence_features(
        &self,
        analyzed: &Analyzed,
        unknown_share: f32,
        ranked: &[Ranked],
        fit: f32,
    ) -> ConfidenceFeatures {
        use model::{index_of, CONFIDENCE_FEATURES as NAMES};
        const MARGIN: usize = index_of(&NAMES, "margin");
        const COVERAGE: usize = index_of(&NAMES, "coverage");
        const UNKNOWN_SHARE: usize = index_of(&NAMES, "unknown_share");
        const SIMILARITY: usize = index_of(&NAMES, "similarity");
        const ANSWER_FIT: usize = index_of(&NAMES, "answer_fit");
        const LENGTH: usize = index_of(&NAMES, "length");
        const NAMED: usize = index_of(&NAMES, "named");
        const CORRECTED_SHARE: usize = index_of(&NAMES, "corrected_share");
        const RANK_PROBABILITY: usize = index_of(&NAMES, "rank_probability");
        const UNCOVERED: usize = index_of(&NAMES, "uncovered");
        const WORDING: usize = index_of(&NAMES, "wording");
        const MEANING: usize = index_of(&NAMES, "meaning");
        const BEYOND_DEFINITION: usize = index_of(&NAMES, "beyond_definition");
        const UNKNOWN_MEANING_SHARE: usize = index_of(&NAMES, "unknown_meaning_share");
        let (top, second) = (&ranked[0], ranked.get(1));
        // A phrase read as its meaning ("pays for" as funding) is searched as one term.
        let searched = analyzed.terms.iter().filter(|t| !t.rewritten).count()
            + analyzed.expansions.iter().filter(|e| e.rewrite).count();
        let corrected = analyzed.terms.iter().filter(|t| t.corrected).count();
        let mut z = [0.0f32; NAMES.len()];
        z[MARGIN] = second.map_or(MAX_MARGIN, |s| (top.score - s.score).min(MAX_MARGIN));
        z[COVERAGE] = top.coverage();
        z[UNKNOWN_SHARE] = unknown_share;
        z[SIMILARITY] = top.similarity();
        z[ANSWER_FIT] = fit;
        z[LENGTH] = (1.0 + searched as f32).ln();
        z[NAMED] = f32::from(u8::from(top.named()));
        z[CORRECTED_SHARE] = corrected as f32 / searched.max(1) as f32;
        z[UNCOVERED] = searched as f32 * (1.0 - top.coverage()).max(0.0);
        z[WORDING] = top.wording_similarity();
        z[MEANING] = top.meaning();
        z[BEYOND_DEFINITION] = top.beyond_definition();
        z[UNKNOWN_MEANING_SHARE] = self.unknown_meaning_share(analyzed);
        // The ranking's own chance for the top entry among those ranked: its scores are
        // fitted as a softmax over each question's candidates.
        z[RANK_PROBABILITY] = 1.0
            / ranked
                .iter()
                .map(|r| (r.score - top.score).exp())
                .sum::<f32>();
        z
    }
}
