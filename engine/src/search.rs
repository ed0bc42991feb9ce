//! Finding the candidates: the question's clauses searched in the entry and passage
//! documents, each hit turned into a candidate passage with its coverage, entries asked for by
//! their phrasings or worded like the question added, and a whole entry read when its passage
//! is to be chosen.

use super::*;

impl Engine {
    /// Clauses matching the question's terms and synonyms in `fields`, each with its boost.
    pub(super) fn clauses<'a>(
        &self,
        analyzed: &'a Analyzed,
        fields: &[(Field, f32)],
    ) -> Vec<Clause<'a>> {
        // A field that lacks one of a clause's terms cannot match it: no clause is made.
        let in_field = |ids: &[u32], field| ids.iter().all(|id| self.stats.in_field(*id, field));
        // At most a clause per term or synonym phrase in each field: grown from nothing, the
        // list was copied four times.
        let mut clauses =
            Vec::with_capacity((analyzed.terms.len() + analyzed.expansions.len()) * fields.len());
        for (t, id) in analyzed.terms.iter().zip(&analyzed.ids.terms) {
            if !t.known || t.rewritten {
                continue;
            }
            for &(field, boost) in fields {
                if in_field(&[*id], field) {
                    clauses.push(Clause {
                        field,
                        terms: ClauseTerms::Term(&t.term),
                        boost,
                    });
                }
            }
        }
        for (e, ids) in analyzed.expansions.iter().zip(&analyzed.ids.expansions) {
            for &(field, boost) in fields {
                if in_field(ids, field) {
                    clauses.push(Clause {
                        field,
                        terms: ClauseTerms::Phrase(&e.phrase.terms),
                        boost: boost * SYNONYM_WEIGHT,
                    });
                }
            }
        }
        clauses
    }

    /// Searches entry documents (how an entry is asked for) and passage documents (what it
    /// says) separately. Returns the passage candidates, including the best passage of every
    /// well-matched entry, and each matched entry's relevance. A follow-up confined to one
    /// entry (`focus`) considers that entry's passages only, all of them.
    pub(super) fn search(
        &self,
        analyzed: &Analyzed,
        slots: &QuestionSlots,
        weights: &[f32],
        focus: Option<usize>,
    ) -> (Vec<Candidate<'_>>, HashMap<usize, f32>) {
        let entry_clauses = self.clauses(analyzed, &self.entry_boosts);
        let passage_clauses = self.clauses(analyzed, &self.passage_boosts);
        let searchable = analyzed.terms.iter().any(|t| t.known && !t.rewritten)
            || !analyzed.expansions.is_empty();
        if !searchable && focus.is_none() {
            return (Vec::new(), HashMap::default());
        }
        let locators = &self.locators;
        let column = |hit: &Hit, pick: fn(&Locators) -> &[u32]| {
            let segment = locators.get(hit.address.segment_ord as usize)?;
            let value = *pick(segment).get(hit.address.doc_id as usize)?;
            (value != NOWHERE).then_some(value as usize)
        };
        let entry_of = |hit: &Hit| column(hit, |l| &l.entry);
        let ordinal_of = |hit: &Hit| column(hit, |l| &l.ordinal);
        let in_focus = |hit: &Hit| focus.is_none_or(|f| entry_of(hit) == Some(f));

        let entry_hits = self.bm25.search(&entry_clauses).unwrap_or_default();
        // Maps here are sized up front: grown from nothing, each rehashed three or four times.
        let mut relevance: HashMap<usize, f32> =
            HashMap::with_capacity_and_hasher(ENTRY_CANDIDATES, Default::default());
        relevance.extend(
            retrieve::top(
                entry_hits.iter().filter(|h| in_focus(h)),
                ENTRY_CANDIDATES,
                |h| entry_of(h).unwrap_or(usize::MAX) as u64,
            )
            .iter()
            .filter_map(|hit| Some((entry_of(hit)?, hit.score)))
            .filter(|(entry, _)| *entry < self.entries().len()),
        );
        let passage_hits = self.bm25.search(&passage_clauses).unwrap_or_default();

        if let Some(entry) = focus {
            // The follow-up's project is the one asked for, named or not.
            relevance.entry(entry).or_insert(1.0);
            let scores: HashMap<usize, f32> = passage_hits
                .iter()
                .filter(|h| in_focus(h))
                .filter_map(|h| Some((ordinal_of(h)?, h.score)))
                .collect();
            let mut candidates: Vec<Candidate> = self
                .passage_ordinals(entry)
                .filter_map(|ordinal| {
                    let score = scores.get(&ordinal).copied().unwrap_or(0.0);
                    self.candidate(analyzed, slots, weights, score, ordinal)
                })
                .collect();
            candidates.sort_by(|a, b| b.bm25.total_cmp(&a.bm25).then(a.ordinal.cmp(&b.ordinal)));
            candidates.truncate(CANDIDATES);
            return (candidates, relevance);
        }

        let by_ordinal = |h: &Hit| ordinal_of(h).unwrap_or(usize::MAX) as u64;
        // Room for the missing entries' passages too: a collected list grew four times.
        let mut candidates: Vec<Candidate> =
            Vec::with_capacity(CANDIDATES + ENTRY_CANDIDATES + WORDING_CANDIDATES);
        candidates.extend(
            retrieve::top(passage_hits.iter(), CANDIDATES, by_ordinal)
                .iter()
                .filter_map(|hit| {
                    self.candidate(analyzed, slots, weights, hit.score, ordinal_of(hit)?)
                }),
        );
        // An entry asked for by its phrasings whose passages did not make the cut still gets
        // its best one (its first when none matches): an FAQ whose question matches but whose
        // answer uses other words ("Will warm weather stop the outbreak?" for "coronavirus and
        // heat") must be able to win.
        // So does an entry whose question is worded like this one, though it shares no
        // searched word ("how many are affected?", "How many cases are there?").
        let strongest = relevance.values().copied().fold(0.0, f32::max);
        let worded_like = self.wordings.closest(&analyzed.wording, WORDING_CANDIDATES);
        // The missing entries, each once and in order, with their best passage so far: a
        // dozen or so, searched by halving.
        let mut missing: Vec<(usize, Option<(f32, usize)>)> =
            Vec::with_capacity(relevance.len() + worded_like.len());
        missing.extend(
            relevance
                .keys()
                .copied()
                .chain(
                    worded_like
                        .iter()
                        .copied()
                        .filter(|e| *e < self.entries().len()),
                )
                .filter(|e| !candidates.iter().any(|c| c.entry == *e))
                .map(|e| (e, None)),
        );
        missing.sort_unstable_by_key(|(e, _)| *e);
        missing.dedup_by_key(|(e, _)| *e);
        if !missing.is_empty() {
            // Only the missing entries' passages are looked up: a bit test per hit instead of
            // finding every hit's entry (at 1M, a question of common words has 600k hits).
            let wanted = self.passage_doc_set(missing.iter().map(|(e, _)| *e));
            let place = |hit: &Hit| {
                let start = self.segment_starts.get(hit.address.segment_ord as usize)?;
                Some(start + hit.address.doc_id)
            };
            for hit in passage_hits
                .iter()
                .filter(|h| place(h).is_some_and(|p| wanted.contains(p)))
            {
                let Some(best) = entry_of(hit)
                    .and_then(|e| missing.binary_search_by_key(&e, |(m, _)| *m).ok())
                    .map(|at| &mut missing[at].1)
                else {
                    continue;
                };
                let Some(ordinal) = ordinal_of(hit) else {
                    continue;
                };
                if best.is_none_or(|(score, at)| {
                    (hit.score, std::cmp::Reverse(ordinal)) > (score, std::cmp::Reverse(at))
                }) {
                    *best = Some((hit.score, ordinal));
                }
            }
        }
        // Such a passage stands in for an entry asked for by name: it counts as relevant as
        // the name matched, on the scale of the best passage's relevance.
        let top_passage = candidates.iter().map(|c| c.bm25).fold(0.0, f32::max);
        for (entry, best) in missing {
            let named = top_passage * relevance.get(&entry).copied().unwrap_or(0.0)
                / strongest.max(f32::EPSILON);
            let best = best.or_else(|| Some((0.0, self.passage_ordinals(entry).next()?)));
            if let Some(candidate) = best.and_then(|(score, ordinal)| {
                self.candidate(analyzed, slots, weights, score.max(named), ordinal)
            }) {
                candidates.push(candidate);
            }
        }
        (candidates, relevance)
    }

    /// The places in the index ([`Engine::passage_docs`]) of these entries' passages.
    pub(super) fn passage_doc_set(&self, entries: impl Iterator<Item = usize>) -> BitSet {
        let places: usize = self.locators.iter().map(|l| l.ordinal.len()).sum();
        let mut set = BitSet::with_max_value(places as u32);
        for entry in entries {
            for ordinal in self.passage_ordinals(entry) {
                if let Some(&place) = self.passage_docs.get(ordinal).filter(|p| **p != NOWHERE) {
                    set.insert(place);
                }
            }
        }
        set
    }

    /// The ordinals of an entry's passages, in order.
    pub(super) fn passage_ordinals(&self, entry: usize) -> std::ops::Range<usize> {
        let first = self.first_passage[entry] as usize;
        first..first + self.entries()[entry].passages.len()
    }

    pub(super) fn candidate(
        &self,
        analyzed: &Analyzed,
        slots: &QuestionSlots,
        weights: &[f32],
        bm25: f32,
        ordinal: usize,
    ) -> Option<Candidate<'_>> {
        let mut candidate = self.uncovered_candidate(analyzed, bm25, ordinal)?;
        let terms = &candidate.terms;
        let info = &self.info[candidate.entry];
        let covered = slots.covered(analyzed, |id| {
            (terms.mask.may_hold(id) && terms.distinct.binary_search(&id).is_ok())
                || (info.terms_mask.may_hold(id) && info.terms.binary_search(&id).is_ok())
        });
        candidate.coverage = scoring::coverage(weights, &covered);
        Some(candidate)
    }

    /// A candidate whose coverage is left at 0: for a passage read only so the answer's
    /// passage can be chosen among all its entry's, which nothing after ranking needs the
    /// coverage of.
    fn uncovered_candidate(
        &self,
        analyzed: &Analyzed,
        bm25: f32,
        ordinal: usize,
    ) -> Option<Candidate<'_>> {
        let slot = self.passages.get(ordinal)?;
        let entry = slot.entry as usize;
        let passage = self.entries()[entry].passages.get(slot.passage as usize)?;
        // The text itself is read only for the few passages an answer shows.
        let terms = self.analyzed_passage(ordinal)?;
        // A definition is a fact a passage states when it spells out an acronym the
        // question names: "what does ODPM stand for" wants "ODPM (Office of the…)".
        let typed = analyzed.shape.asks.is_some_and(|asks| {
            terms.facts & intent::fact_bit(asks) != 0
                || (asks == intent::Asks::Definition
                    && terms
                        .expands
                        .iter()
                        .any(|id| analyzed.ids.terms.contains(id)))
        });
        Some(Candidate {
            entry,
            ordinal,
            passage,
            number: slot.passage as usize,
            terms,
            bm25,
            coverage: 0.0,
            typed,
        })
    }

    /// Adds the passages of `entry` that are not candidates yet (its first [`READ_PASSAGES`]),
    /// so the one that answers can be chosen among all of them. They come after ranking, and
    /// with no relevance (so are listed only when chosen): their coverage is not worked out.
    pub(super) fn read_whole_entry<'e>(
        &'e self,
        analyzed: &Analyzed,
        candidates: &mut Vec<Candidate<'e>>,
        entry: usize,
    ) {
        // The entry's passages are consecutive ordinals: those already candidates are marked
        // by their place among the first READ_PASSAGES.
        let first = self.passage_ordinals(entry).start;
        let mut have: u64 = 0;
        for c in candidates.iter().filter(|c| c.entry == entry) {
            if let Some(place) = c.ordinal.checked_sub(first).filter(|p| *p < READ_PASSAGES) {
                have |= 1 << place;
            }
        }
        for (place, ordinal) in self.passage_ordinals(entry).take(READ_PASSAGES).enumerate() {
            if have & (1 << place) == 0 {
                candidates.extend(self.uncovered_candidate(analyzed, 0.0, ordinal));
            }
        }
    }
}
