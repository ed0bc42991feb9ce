//! The numbers ranking is built from, kept apart from the search plumbing so each can be
//! read and tested on its own:
//!
//! - term weights come from [`super::terms::TermStats`] (IDF over passages, loaded once);
//! - *coverage*: the share of the question's weight a passage and its entry account for;
//! - *phrasing similarity*: how closely the question matches one of the ways the entry is
//!   asked (its FAQ title, an alternate phrasing, a project name), weighted Jaccard.

use super::question::Analyzed;
use super::terms::{contains_all, has_slot, set_slot, SlotSet, UNKNOWN};

/// Some of a question's terms, by index: bits for any question of up to 128 terms (every
/// candidate passage has one, and a list per passage was a tenth of an answer's work), a list
/// for a longer one.
#[derive(Debug, Clone, PartialEq)]
pub enum TermSet {
    Bits(u128),
    List(Vec<bool>),
}

impl TermSet {
    /// An empty set of a question of `terms` terms.
    pub(crate) fn empty(terms: usize) -> TermSet {
        if terms <= 128 {
            TermSet::Bits(0)
        } else {
            TermSet::List(vec![false; terms])
        }
    }

    fn insert(&mut self, term: usize) {
        match self {
            TermSet::Bits(bits) => *bits |= 1 << term,
            TermSet::List(list) => list[term] = true,
        }
    }

    pub fn contains(&self, term: usize) -> bool {
        match self {
            TermSet::Bits(bits) => term < 128 && bits & (1 << term) != 0,
            TermSet::List(list) => list.get(term).copied().unwrap_or(false),
        }
    }
}

/// Which question terms a set of terms accounts for, directly or through a synonym whose
/// every term is present.
pub fn covered(analyzed: &Analyzed, has: impl Fn(u32) -> bool) -> TermSet {
    let ids = &analyzed.ids;
    let mut covered = TermSet::empty(ids.terms.len());
    for (i, id) in ids.terms.iter().enumerate() {
        if *id != UNKNOWN && has(*id) {
            covered.insert(i);
        }
    }
    for (e, phrase) in analyzed.expansions.iter().zip(&ids.expansions) {
        // A synonym of terms already covered adds nothing: its phrase is not searched.
        if e.covers.iter().all(|i| covered.contains(*i)) {
            continue;
        }
        if phrase.iter().all(|id| *id != UNKNOWN && has(*id)) {
            for i in &e.covers {
                covered.insert(*i);
            }
        }
    }
    covered
}

/// The weighted share of the question that `covered` marks.
pub fn coverage(weights: &[f32], covered: &TermSet) -> f32 {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    // The covered weights in term order either way, so the sum is the same to the bit; the
    // bits are walked set bit by set bit (most of a question's terms are not covered).
    let matched: f32 = match covered {
        TermSet::Bits(bits) => bits_in_order(*bits).filter_map(|i| weights.get(i)).sum(),
        TermSet::List(list) => weights
            .iter()
            .zip(list)
            .filter(|(_, covered)| **covered)
            .map(|(w, _)| *w)
            .sum(),
    };
    matched / total
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
        .enumerate()
        .filter(|(i, _)| covered.contains(*i))
        .map(|(_, w)| *w)
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

/// The most distinct ids, and question terms, a [`QuestionSlots`] handles with bitsets; a
/// question over either (possible only near the length limit) is compared term by term.
const MAX_SLOTS: usize = 256;
const MAX_SLOT_TERMS: usize = 128;

/// A question's ids numbered in sorted order (its *slots*), worked out once per question:
/// which ids a phrasing shares with the question is then one bitset, and
/// [`QuestionSlots::phrasing_similarity`] costs a lookup per phrasing term instead of
/// repeated searches of the phrasing.
pub struct QuestionSlots {
    /// Every distinct id of the question's terms and synonym phrases, [`UNKNOWN`] included
    /// (a phrasing may hold it too), sorted, each with its slot (its place in this list);
    /// `None` past [`MAX_SLOTS`] or [`MAX_SLOT_TERMS`].
    ids: Option<Vec<(u32, u16)>>,
    /// Per slot, the question terms (bit `i` for term `i`) whose id it is: a phrasing
    /// holding the slot's id covers them.
    slot_terms: Vec<u128>,
    /// The slots of the question's own known terms.
    said_terms: SlotSet,
    /// Per synonym phrase, its slots, and the question terms it covers when every one of its
    /// ids is known (none otherwise).
    expansions: Vec<(SlotSet, u128)>,
    /// The sum of the question terms' weights (those given to [`QuestionSlots::new`], which
    /// each comparison is given again), summed once: part of every phrasing's denominator.
    weight_total: f32,
}

impl QuestionSlots {
    pub fn new(analyzed: &Analyzed, weights: &[f32]) -> QuestionSlots {
        let weight_total: f32 = weights.iter().sum();
        let ids = &analyzed.ids;
        let mut all: Vec<u32> = ids
            .terms
            .iter()
            .chain(ids.expansions.iter().flatten())
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        if all.len() > MAX_SLOTS || ids.terms.len() > MAX_SLOT_TERMS {
            return QuestionSlots {
                ids: None,
                slot_terms: Vec::new(),
                said_terms: SlotSet::default(),
                expansions: Vec::new(),
                weight_total,
            };
        }
        let slot = |id: &u32| all.binary_search(id).expect("every id has a slot");
        let mut slot_terms = vec![0u128; all.len()];
        let mut said_terms = SlotSet::default();
        for (i, id) in ids.terms.iter().enumerate() {
            if *id != UNKNOWN {
                let s = slot(id);
                slot_terms[s] |= 1 << i;
                set_slot(&mut said_terms, s);
            }
        }
        let expansions = ids
            .expansions
            .iter()
            .zip(&analyzed.expansions)
            .map(|(phrase, expansion)| {
                let mut set = SlotSet::default();
                for id in phrase {
                    set_slot(&mut set, slot(id));
                }
                let mut covers = 0u128;
                if phrase.iter().all(|id| *id != UNKNOWN) {
                    for i in &expansion.covers {
                        covers |= 1 << i;
                    }
                }
                (set, covers)
            })
            .collect();
        QuestionSlots {
            ids: Some(
                all.iter()
                    .enumerate()
                    .map(|(s, id)| (*id, s as u16))
                    .collect(),
            ),
            slot_terms,
            said_terms,
            expansions,
            weight_total,
        }
    }

    /// The question's known ids (all but [`UNKNOWN`]), sorted, each with its slot; `None`
    /// when the question is too long for slots.
    pub fn known(&self) -> Option<impl Iterator<Item = (u32, u16)> + '_> {
        let ids = self.ids.as_ref()?;
        Some(ids.iter().copied().filter(|(id, _)| *id != UNKNOWN))
    }

    /// [`covered`], the same set, with each known id of the question tested once (a synonym
    /// phrase's ids are not tested again for the phrase) and the terms each accounts for read
    /// from its slot. A question too long for slots is covered the plain way.
    pub fn covered(&self, analyzed: &Analyzed, has: impl Fn(u32) -> bool) -> TermSet {
        self.covered_and_held(analyzed, has).0
    }

    /// [`QuestionSlots::covered`], and of the terms covered those whose own id is held
    /// (rather than accounted for through a synonym phrase only).
    pub fn covered_and_held(
        &self,
        analyzed: &Analyzed,
        has: impl Fn(u32) -> bool,
    ) -> (TermSet, TermSet) {
        let Some(ids) = &self.ids else {
            let ids = &analyzed.ids.terms;
            let mut held = TermSet::empty(ids.len());
            for (i, id) in ids.iter().enumerate() {
                if *id != UNKNOWN && has(*id) {
                    held.insert(i);
                }
            }
            return (covered(analyzed, has), held);
        };
        let mut present = SlotSet::default();
        let mut direct: u128 = 0;
        // Sorted: the unknown id, which nothing holds, comes last.
        for &(id, slot) in ids.iter().take_while(|(id, _)| *id != UNKNOWN) {
            if has(id) {
                set_slot(&mut present, slot as usize);
                direct |= self.slot_terms[slot as usize];
            }
        }
        (
            TermSet::Bits(self.with_expansions(direct, &present)),
            TermSet::Bits(direct),
        )
    }

    /// [`covered`] by a set of terms holding exactly these question ids (with their slots, as
    /// [`QuestionSlots::known`] gives them; the unknown id among them is ignored).
    pub fn covered_by_held(&self, analyzed: &Analyzed, held: &[(u32, u16)]) -> TermSet {
        if self.ids.is_none() {
            return covered(analyzed, |id| held.iter().any(|(h, _)| *h == id));
        }
        let mut present = SlotSet::default();
        let mut direct: u128 = 0;
        for &(_, slot) in held.iter().filter(|(id, _)| *id != UNKNOWN) {
            set_slot(&mut present, slot as usize);
            direct |= self.slot_terms[slot as usize];
        }
        TermSet::Bits(self.with_expansions(direct, &present))
    }

    /// The question terms `direct` marks, and those of every synonym phrase whose ids are all
    /// `present`.
    fn with_expansions(&self, mut covered: u128, present: &SlotSet) -> u128 {
        for (set, covers) in &self.expansions {
            if contains_all(present, set) {
                covered |= covers;
            }
        }
        covered
    }

    /// The slot of [`UNKNOWN`], when the question has a word the corpus does not know.
    pub fn unknown(&self) -> Option<(u32, u16)> {
        self.ids
            .as_ref()?
            .last()
            .copied()
            .filter(|(id, _)| *id == UNKNOWN)
    }

    /// [`phrasing_similarity`], the same to the last bit: the sums are taken in the same
    /// order.
    pub fn phrasing_similarity(
        &self,
        analyzed: &Analyzed,
        weights: &[f32],
        phrasing: &Phrasing,
    ) -> f32 {
        match &self.ids {
            Some(ids) => self.phrasing_similarity_among(weights, phrasing, ids),
            None => phrasing_similarity(analyzed, weights, phrasing),
        }
    }

    /// [`QuestionSlots::phrasing_similarity`] when the phrasing can share no id with the
    /// question but those of `ids` (sorted, with their slots, as [`QuestionSlots::known`] and
    /// [`QuestionSlots::unknown`] give them): ranking passes the few ids a phrasing's entry
    /// holds, so the walk below stops after them instead of going through every id of the
    /// question. Only for a question with slots.
    pub fn phrasing_similarity_among(
        &self,
        weights: &[f32],
        phrasing: &Phrasing,
        ids: &[(u32, u16)],
    ) -> f32 {
        if phrasing.is_empty() || weights.is_empty() {
            return 0.0;
        }
        // Each phrasing term's slot, found in one walk of the two sorted lists (a phrasing is
        // sorted by id) and kept for the second pass below.
        let mut on_stack = [NO_SLOT; 32];
        let mut on_heap = Vec::new();
        let slots: &mut [u16] = if phrasing.len() <= on_stack.len() {
            &mut on_stack[..phrasing.len()]
        } else {
            on_heap.resize(phrasing.len(), NO_SLOT);
            &mut on_heap
        };
        // Known question terms the phrasing has, found with their slots; then those a
        // synonym phrase accounts for.
        let mut present = SlotSet::default();
        let mut covered: u128 = 0;
        let mut shared = false;
        let mut next = 0;
        for ((id, _), slot) in phrasing.iter().zip(slots.iter_mut()) {
            while next < ids.len() && ids[next].0 < *id {
                next += 1;
            }
            // Past the last id the question may share, the rest of the phrasing shares none.
            let Some(&(found, s)) = ids.get(next) else {
                break;
            };
            if found == *id {
                *slot = s;
                set_slot(&mut present, s as usize);
                covered |= self.slot_terms[s as usize];
                shared = true;
            }
        }
        // A phrasing sharing no id with the question covers nothing of it.
        if !shared {
            return 0.0;
        }
        let mut said = self.said_terms;
        for (set, covers) in &self.expansions {
            if !contains_all(&present, set) {
                continue;
            }
            for (word, s) in said.iter_mut().zip(set) {
                *word |= s;
            }
            covered |= covers;
        }
        // The covered terms' weights in term order, as the plain version sums them.
        let matched_question: f32 = bits_in_order(covered).filter_map(|i| weights.get(i)).sum();
        if matched_question <= 0.0 {
            return 0.0;
        }
        let unmatched_phrasing: f32 = phrasing
            .iter()
            .zip(slots.iter())
            .filter(|((id, _), s)| {
                *id == UNKNOWN || **s == NO_SLOT || !has_slot(&said, **s as usize)
            })
            .map(|((_, w), _)| *w)
            .sum();
        let question_total = self.weight_total;
        matched_question / (question_total + unmatched_phrasing)
    }
}

/// The places of the set bits of `bits`, lowest first.
fn bits_in_order(mut bits: u128) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            i
        })
    })
}

/// A phrasing term with no slot: the question does not have it.
const NO_SLOT: u16 = u16::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synonyms::{Expansion, Phrase};
    use crate::terms::QuestionIds;

    fn question(terms: &[&str]) -> Analyzed {
        crate::question::of_terms(terms, QuestionIds::default())
    }

    #[test]
    fn coverage_is_weighted() {
        assert_eq!(coverage(&[1.0, 3.0], &TermSet::Bits(0b10)), 0.75);
        assert_eq!(coverage(&[], &TermSet::Bits(0)), 0.0);
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
    fn an_unknown_term_matches_nothing_not_even_itself() {
        let mut q = question(&["zzyzx", "project"]);
        q.ids = QuestionIds {
            terms: vec![UNKNOWN, 2],
            expansions: Vec::new(),
        };
        assert_eq!(covered(&q, |_| true), TermSet::Bits(0b10));
    }

    #[test]
    fn a_question_of_more_than_128_terms_is_covered_term_by_term() {
        let mut q = question(&["a"; 130]);
        q.ids = QuestionIds {
            terms: (0..130).collect(),
            expansions: Vec::new(),
        };
        let odd = covered(&q, |id| id % 2 == 1);
        assert!(matches!(odd, TermSet::List(_)));
        assert!((0..130).all(|i| odd.contains(i) == (i % 2 == 1)));
        assert!(!odd.contains(130));
        let weights = vec![1.0; 130];
        assert_eq!(coverage(&weights, &odd), 0.5);
    }

    /// A small deterministic generator, so the comparison below covers many shapes without
    /// a dependency.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }

        fn id(&mut self) -> u32 {
            // A small alphabet so questions, phrases and phrasings share ids; sometimes unknown.
            if self.below(10) == 0 {
                UNKNOWN
            } else {
                self.below(12) as u32
            }
        }
    }

    #[test]
    fn the_slot_similarity_equals_the_plain_one_to_the_bit() {
        let mut rng = Lcg(7);
        let mut compared = 0;
        for _ in 0..20_000 {
            let n_terms = 1 + rng.below(5) as usize;
            let mut q = question(&vec!["t"; n_terms]);
            let terms: Vec<u32> = (0..n_terms).map(|_| rng.id()).collect();
            let expansions: Vec<Vec<u32>> = (0..rng.below(3))
                .map(|_| (0..1 + rng.below(3)).map(|_| rng.id()).collect())
                .collect();
            q.expansions = expansions
                .iter()
                .map(|_| Expansion {
                    phrase: Phrase { terms: Vec::new() },
                    covers: vec![rng.below(n_terms as u64) as usize],
                    rewrite: false,
                })
                .collect();
            q.ids = QuestionIds { terms, expansions };
            let weights: Vec<f32> = (0..n_terms)
                .map(|_| 0.1 + rng.below(30) as f32 / 7.0)
                .collect();
            let mut phrasing: Vec<(u32, f32)> = (0..rng.below(6))
                .map(|_| (rng.id(), 0.2 + rng.below(20) as f32 / 3.0))
                .collect();
            phrasing.sort_by_key(|(id, _)| *id);
            phrasing.dedup_by_key(|(id, _)| *id);
            let slots = QuestionSlots::new(&q, &weights);
            assert!(slots.ids.is_some());
            let plain = phrasing_similarity(&q, &weights, &phrasing);
            let fast = slots.phrasing_similarity(&q, &weights, &phrasing);
            assert_eq!(plain.to_bits(), fast.to_bits(), "{:?} {phrasing:?}", q.ids);
            // Given only the ids the phrasing holds, as ranking gives an entry's.
            let held: Vec<(u32, u16)> = slots
                .known()
                .unwrap()
                .filter(|(id, _)| phrasing.iter().any(|(p, _)| p == id))
                .chain(slots.unknown())
                .collect();
            let among = slots.phrasing_similarity_among(&weights, &phrasing, &held);
            assert_eq!(plain.to_bits(), among.to_bits(), "{:?} {phrasing:?}", q.ids);
            // Coverage by the phrasing's terms, tested id by id or given as held ids.
            let has = |id: u32| phrasing.iter().any(|(p, _)| *p == id);
            let want = covered(&q, has);
            assert_eq!(slots.covered(&q, has), want, "{:?} {phrasing:?}", q.ids);
            let (_, held_terms) = slots.covered_and_held(&q, has);
            for (i, id) in q.ids.terms.iter().enumerate() {
                assert_eq!(held_terms.contains(i), *id != UNKNOWN && has(*id));
            }
            assert_eq!(slots.covered_by_held(&q, &held), want, "{:?}", q.ids);
            compared += usize::from(plain > 0.0);
        }
        assert!(
            compared > 1_000,
            "most cases should share something: {compared}"
        );
    }

    #[test]
    fn a_question_with_too_many_ids_for_the_bitsets_is_compared_term_by_term() {
        let mut q = question(&vec!["t"; 300]);
        q.ids = QuestionIds {
            terms: (0..300).collect(),
            expansions: Vec::new(),
        };
        let weights = vec![1.0; 300];
        let slots = QuestionSlots::new(&q, &weights);
        assert!(slots.ids.is_none());
        let phrasing = [(5, 1.0), (299, 1.0)];
        assert_eq!(
            slots.phrasing_similarity(&q, &weights, &phrasing),
            phrasing_similarity(&q, &weights, &phrasing)
        );
        assert!(slots.phrasing_similarity(&q, &weights, &phrasing) > 0.0);
    }
}
