//! Ranking the candidate entries: each gets the features [`model::RANK_FEATURES`] names, and
//! its score is their weighted sum with the fitted weights. Assistant replies ("hello", "are
//! you a person?") are not ranked with the programme's entries: their words say nothing about
//! the programme, so only how closely the question matches one of their phrasings counts.

use super::model::{self, RankFeatures};
use super::{scoring, Analyzed, Candidate, Engine, HashMap, Kind, UNKNOWN};

/// A candidate entry with its features and score.
pub(super) struct Ranked {
    pub entry: usize,
    /// Its best candidate passage, by index into the candidates.
    pub best: usize,
    pub features: RankFeatures,
    pub score: f32,
}

impl Ranked {
    pub fn coverage(&self) -> f32 {
        self.features[COVERAGE]
    }

    pub fn similarity(&self) -> f32 {
        self.features[SIMILARITY]
    }

    pub fn named(&self) -> bool {
        self.features[NAMED] > 0.0
    }

    pub fn wording_similarity(&self) -> f32 {
        self.features[WORDING_SIMILARITY]
    }
}

// Each feature's place in [`model::RANK_FEATURES`], worked out when compiling.
const COVERAGE: usize = model::index_of(&model::RANK_FEATURES, "coverage");
const ENTRY_COVERAGE: usize = model::index_of(&model::RANK_FEATURES, "entry_coverage");
const ENTRY_RELEVANCE: usize = model::index_of(&model::RANK_FEATURES, "entry_relevance");
const EVIDENCE: usize = model::index_of(&model::RANK_FEATURES, "evidence");
const NAMED: usize = model::index_of(&model::RANK_FEATURES, "named");
const PASSAGE_RELEVANCE: usize = model::index_of(&model::RANK_FEATURES, "passage_relevance");
const SAME_OPENING_SIMILARITY: usize =
    model::index_of(&model::RANK_FEATURES, "same_opening_similarity");
const SIMILARITY: usize = model::index_of(&model::RANK_FEATURES, "similarity");
const STATES_FACT: usize = model::index_of(&model::RANK_FEATURES, "states_fact");
const TITLE_SIMILARITY: usize = model::index_of(&model::RANK_FEATURES, "title_similarity");
const WORDING_SIMILARITY: usize = model::index_of(&model::RANK_FEATURES, "wording_similarity");
const WORDING_BM25: usize = model::index_of(&model::RANK_FEATURES, "wording_bm25");

/// The ranked programme entries, best first, and the assistant reply that matches the
/// question most closely with its similarity, if any does.
pub(super) struct Ranking {
    pub entries: Vec<Ranked>,
    pub assistant: Option<(usize, f32)>,
}

impl Engine {
    /// Groups candidates by entry, works out each entry's features and scores it.
    pub(super) fn rank(
        &self,
        analyzed: &Analyzed,
        weights: &[f32],
        candidates: &[Candidate],
        entry_relevance: &HashMap<usize, f32>,
    ) -> Ranking {
        let top_bm25 = candidates
            .iter()
            .map(|c| c.bm25)
            .fold(f32::EPSILON, f32::max);
        let top_entry = entry_relevance
            .values()
            .copied()
            .fold(f32::EPSILON, f32::max);
        // An entry's best passage, for its features: relevant, covering, stating the fact.
        let passage_score = |c: &Candidate| {
            (c.bm25 / top_bm25) * (0.25 + c.coverage) * if c.typed { 1.3 } else { 1.0 }
        };
        let mut best: HashMap<usize, (usize, f32)> =
            HashMap::with_capacity_and_hasher(candidates.len(), Default::default());
        for (i, c) in candidates.iter().enumerate() {
            let slot = best.entry(c.entry).or_insert((i, 0.0));
            if passage_score(c) > passage_score(&candidates[slot.0]) {
                slot.0 = i;
            }
            slot.1 += c.bm25;
        }
        let top_evidence = best
            .values()
            .map(|(_, sum)| *sum)
            .fold(f32::EPSILON, f32::max);
        let slots = scoring::QuestionSlots::new(analyzed);
        let opening = analyzed.shape.opening;
        let mut said: Vec<u32> = analyzed.ids.all().collect();
        said.sort_unstable();
        said.dedup();
        // Reused from entry to entry: the question ids an entry's phrasings hold, and the
        // phrasings sharing one.
        let mut held: Vec<u32> = Vec::new();
        let mut sharing: Vec<u32> = Vec::new();
        let mut assistant: Option<(usize, f32)> = None;
        let mut entries: Vec<Ranked> = Vec::with_capacity(best.len());
        // The entries whose wording is compared with the question's, by place in `entries`.
        let mut worded: Vec<usize> = Vec::with_capacity(best.len());
        for (entry, (i, evidence)) in best {
            let c = &candidates[i];
            let info = &self.info[entry];
            let mut similarity = 0.0f32;
            let mut same_opening = 0.0f32;
            let mut title = 0.0f32;
            let mut named = false;
            // A phrasing sharing no term with the question is not like it at all.
            info.sharing(&said, &mut held, &mut sharing);
            for &number in &sharing {
                let (phrasing, (kind, phrasing_opening)) = info.phrasing(number as usize);
                let s = slots.phrasing_similarity(analyzed, weights, phrasing);
                similarity = similarity.max(s);
                if opening.is_some() && *phrasing_opening == opening {
                    same_opening = same_opening.max(s);
                }
                match kind {
                    super::PhrasingKind::Title => title = s,
                    super::PhrasingKind::Name | super::PhrasingKind::Alias if s > 0.0 => {
                        named |= phrasing
                            .iter()
                            .all(|(id, _)| *id != UNKNOWN && said.binary_search(id).is_ok());
                    }
                    _ => {}
                }
            }
            if self.entries()[entry].kind == Kind::Assistant {
                if assistant.is_none_or(|(e, s)| {
                    (similarity, std::cmp::Reverse(entry)) > (s, std::cmp::Reverse(e))
                }) {
                    assistant = Some((entry, similarity));
                }
                continue;
            }
            // The question ids the entry holds are those its phrasings hold.
            let entry_covered = scoring::covered(analyzed, |id| held.contains(&id));
            let mut features: RankFeatures = [0.0; model::RANK_FEATURES.len()];
            features[ENTRY_RELEVANCE] = entry_relevance.get(&entry).map_or(0.0, |r| r / top_entry);
            features[PASSAGE_RELEVANCE] = c.bm25 / top_bm25;
            features[COVERAGE] = c.coverage;
            features[ENTRY_COVERAGE] = scoring::coverage(weights, &entry_covered);
            features[SIMILARITY] = similarity;
            features[SAME_OPENING_SIMILARITY] = same_opening;
            features[TITLE_SIMILARITY] = title;
            features[EVIDENCE] = evidence / top_evidence;
            features[STATES_FACT] = f32::from(u8::from(c.typed));
            features[NAMED] = f32::from(u8::from(named));
            // Wording shared in small words only ("what is …") says nothing of the subject.
            let shares_content = c.coverage > 0.0
                || features[ENTRY_COVERAGE] > 0.0
                || c.bm25 > 0.0
                || features[ENTRY_RELEVANCE] > 0.0;
            if shares_content {
                worded.push(entries.len());
            }
            entries.push(Ranked {
                entry,
                best: i,
                score: 0.0,
                features,
            });
        }
        let compared: Vec<usize> = worded.iter().map(|i| entries[*i].entry).collect();
        let comparisons = self
            .wordings
            .compare_entries(&analyzed.wording, &compared, |e| &self.info[e].wordings[..]);
        for (i, c) in worded.into_iter().zip(comparisons) {
            entries[i].features[WORDING_SIMILARITY] = c.similarity;
            entries[i].features[WORDING_BM25] = c.bm25;
        }
        // BM25 is on no fixed scale: each entry's is taken over the best entry's.
        let top_bm25 = entries
            .iter()
            .map(|r| r.features[WORDING_BM25])
            .fold(f32::EPSILON, f32::max);
        for r in &mut entries {
            r.features[WORDING_BM25] /= top_bm25;
            r.score = self.settings.model.score(&r.features);
        }
        entries.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        Ranking { entries, assistant }
    }
}
