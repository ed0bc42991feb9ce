//! Ranking the candidate entries: each gets the features [`model::RANK_FEATURES`] names, and
//! its score is their weighted sum with the fitted weights. Assistant replies ("hello", "are
//! you a person?") are not ranked with the programme's entries: their words say nothing about
//! the programme, so only how closely the question matches one of their phrasings counts.

use super::model::{self, RankFeatures};
use super::{meaning, scoring, Analyzed, Candidate, Engine, HashMap, Kind, UNKNOWN};

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

    /// How much more than what the entry defines the question asks (0 for most entries).
    pub fn beyond_definition(&self) -> f32 {
        self.features[BEYOND_DEFINITION]
    }

    /// How close in meaning the question is to the entry's questions, as ranked.
    pub fn meaning(&self) -> f32 {
        self.features[MEANING]
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
const MEANING: usize = model::index_of(&model::RANK_FEATURES, "meaning");
/// Word-vector cosines of two questions mostly fall between 0.4 and 0.9: spread out like the
/// other features (about 0 to 1 across candidates), so the fit's L2 penalty treats it alike.
const MEANING_SCALE: f32 = 5.0;
const BEYOND_DEFINITION: usize = model::index_of(&model::RANK_FEATURES, "beyond_definition");

/// The ranked programme entries, best first, and the assistant reply that matches the
/// question most closely with its similarity, if any does.
pub(super) struct Ranking {
    pub entries: Vec<Ranked>,
    pub assistant: Option<(usize, f32)>,
    /// The entry a follow-up kept to (the one the previous answer was about), if it did.
    pub kept_to: Option<usize>,
}

impl Ranking {
    /// Adds `lead` to the score of `entry`, if ranked, and sorts again.
    pub fn favour(&mut self, entry: usize, lead: f32) {
        if let Some(r) = self.entries.iter_mut().find(|r| r.entry == entry) {
            r.score += lead;
            sort(&mut self.entries);
        }
    }
}

/// Best first; equal scores in entry order.
fn sort(entries: &mut [Ranked]) {
    entries.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
}

impl Engine {
    /// Groups candidates by entry, works out each entry's features and scores it.
    /// `meaning` is the question's (see [`meaning::WordVectors::meaning`]).
    pub(super) fn rank(
        &self,
        analyzed: &Analyzed,
        slots: &scoring::QuestionSlots,
        meaning: &meaning::Meaning,
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
        // Each entry's best candidate and their summed relevance, by entry in the order the
        // entries come (a few dozen candidates: a list searched from the end, where the last
        // entry's is, costs less than hashing each).
        let asks_definition = analyzed.shape.asks == Some(super::intent::Asks::Definition);
        let mut best: Vec<(usize, usize, f32)> = Vec::with_capacity(candidates.len());
        // The entries with a passage spelling out the acronym a definition question is about,
        // and those with a name that is all the question asks about ("tell me about Looking
        // Local").
        let mut spelling: Vec<usize> = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            let at = match best.iter().rposition(|(entry, _, _)| *entry == c.entry) {
                Some(at) => at,
                None => {
                    best.push((c.entry, i, 0.0));
                    best.len() - 1
                }
            };
            let slot = &mut best[at];
            if passage_score(c) > passage_score(&candidates[slot.1]) {
                slot.1 = i;
            }
            slot.2 += c.bm25;
            if asks_definition
                && spelt_share(analyzed, weights, c) >= SPELT_SUBJECT
                && !spelling.contains(&c.entry)
            {
                spelling.push(c.entry);
            }
        }
        let top_evidence = best
            .iter()
            .map(|(_, _, sum)| *sum)
            .fold(f32::EPSILON, f32::max);
        let opening = analyzed.shape.opening;
        // A question opening "where", "how", "why"… asks something no definition answers.
        let asks_other = opening.is_some_and(|o| {
            !matches!(
                o,
                super::intent::Opening::What | super::intent::Opening::Which
            )
        });
        // The question's known ids, sorted, with their slots (none for a question too long
        // for slots, which is compared the plain way).
        let said: Vec<(u32, u16)> = match slots.known() {
            Some(known) => known.collect(),
            None => {
                let mut said: Vec<u32> = analyzed.ids.all().collect();
                said.sort_unstable();
                said.dedup();
                said.into_iter().map(|id| (id, u16::MAX)).collect()
            }
        };
        let unknown = slots.unknown();
        let with_slots = slots.known().is_some();
        // Reused from entry to entry: the question ids an entry's phrasings hold (then the
        // unknown id's slot, which a phrasing may hold too), and the phrasings sharing one.
        let mut held: Vec<(u32, u16)> = Vec::new();
        let mut sharing: Vec<u32> = Vec::new();
        let mut assistant: Option<(usize, f32)> = None;
        let mut entries: Vec<Ranked> = Vec::with_capacity(best.len());
        // The entries whose wording is compared with the question's, by place in `entries`.
        let mut worded: Vec<usize> = Vec::with_capacity(best.len());
        for (entry, i, evidence) in best {
            let c = &candidates[i];
            let info = &self.info[entry];
            let mut similarity = 0.0f32;
            let mut same_opening = 0.0f32;
            let mut title = 0.0f32;
            let mut named = false;
            // A phrasing sharing no term with the question is not like it at all.
            info.sharing(&said, &mut held, &mut sharing);
            held.extend(unknown);
            for &number in &sharing {
                let (phrasing, (kind, phrasing_opening)) = info.phrasing(number as usize);
                let s = if with_slots {
                    slots.phrasing_similarity_among(weights, phrasing, &held)
                } else {
                    slots.phrasing_similarity(analyzed, weights, phrasing)
                };
                similarity = similarity.max(s);
                if opening.is_some() && *phrasing_opening == opening {
                    same_opening = same_opening.max(s);
                }
                match kind {
                    super::PhrasingKind::Title => title = s,
                    super::PhrasingKind::Name | super::PhrasingKind::Alias if s > 0.0 => {
                        let whole = phrasing.iter().all(|(id, _)| {
                            *id != UNKNOWN && said.binary_search_by_key(id, |(s, _)| *s).is_ok()
                        });
                        named |= whole;
                        if whole
                            && asks_definition
                            && !spelling.contains(&entry)
                            && name_share(analyzed, weights, phrasing) >= SPELT_SUBJECT
                        {
                            spelling.push(entry);
                        }
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
            let entry_covered = slots.covered_by_held(analyzed, &held);
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
            features[MEANING] = MEANING_SCALE * meaning::similarity(meaning, &info.meaning);
            features[BEYOND_DEFINITION] = if !info.defines || asks_definition {
                0.0
            } else if asks_other {
                1.0
            } else {
                beyond_title(analyzed, weights, info)
            };
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
        lead_with_spelling(&mut entries, &spelling);
        sort(&mut entries);
        Ranking {
            entries,
            assistant,
            kept_to: None,
        }
    }
}

/// The share of a definition question's weight an acronym must have for the question to be
/// about that acronym ("what does ODPM stand for", "what is the ODPM"), not about more.
const SPELT_SUBJECT: f32 = 0.9;

/// How far ahead of every other entry an entry spelling out the acronym asked about is put.
const SPELT_LEAD: f32 = 3.0;

/// The weighted share of the question in acronyms the candidate passage spells out.
fn spelt_share(analyzed: &Analyzed, weights: &[f32], c: &Candidate) -> f32 {
    if c.terms.expands.is_empty() {
        return 0.0;
    }
    // A synonym phrase of the acronym ("electronic service delivery" for ESD) is asked
    // about the acronym as much as its letters are.
    let spelt = scoring::covered(analyzed, |id| c.terms.expands.contains(&id));
    scoring::coverage(weights, &spelt)
}

/// The weighted share of the question in one of an entry's names.
fn name_share(analyzed: &Analyzed, weights: &[f32], name: &[(u32, f32)]) -> f32 {
    let covered = scoring::covered(analyzed, |id| {
        name.binary_search_by_key(&id, |(t, _)| *t).is_ok()
    });
    scoring::coverage(weights, &covered)
}

/// A question asking what an acronym is or stands for is answered where the corpus spells
/// it out ("ODPM (Office of the Deputy Prime Minister)"), not by an entry that only uses it
/// ("Why is the ODPM funding these projects?"): the entries spelling it out are put ahead.
fn lead_with_spelling(entries: &mut [Ranked], spelling: &[usize]) {
    if spelling.is_empty() {
        return;
    }
    let others = entries
        .iter()
        .filter(|r| !spelling.contains(&r.entry))
        .map(|r| r.score)
        .fold(f32::NEG_INFINITY, f32::max);
    for r in entries.iter_mut().filter(|r| spelling.contains(&r.entry)) {
        r.score = r.score.max(others + SPELT_LEAD);
    }
}

/// The weighted share of the question an entry's title leaves out.
fn beyond_title(analyzed: &Analyzed, weights: &[f32], info: &super::EntryInfo) -> f32 {
    let (title, (kind, _)) = info.phrasing(0);
    if *kind != super::PhrasingKind::Title {
        return 0.0;
    }
    let covered = scoring::covered(analyzed, |id| {
        title.binary_search_by_key(&id, |(t, _)| *t).is_ok()
    });
    1.0 - scoring::coverage(weights, &covered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Settings};

    /// An engine over a small FAQ written to a temporary corpus.
    fn faq_engine(entries: &[(&str, &str, &str)]) -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let faq = dir.path().join("corpus/faq");
        std::fs::create_dir_all(&faq).unwrap();
        for (id, title, body) in entries {
            let text = format!("---\nid: {id}\ntitle: {title}\n---\n{body}\n");
            std::fs::write(faq.join(format!("{id}.md")), text).unwrap();
        }
        let index = dir.path().join("index");
        signpost_indexer::build_from_dir(&dir.path().join("corpus"), &index).unwrap();
        let open = signpost_indexer::open_index(&index).unwrap();
        (dir, Engine::new(open, Settings::default()))
    }

    const FAQ: &[(&str, &str, &str)] = &[
        (
            "faq-a1",
            "What is a coronavirus?",
            "Coronaviruses are a large family of viruses found in people and animals.",
        ),
        (
            "faq-a2",
            "What are the symptoms of COVID-19?",
            "Fever, a dry cough and tiredness are the most common.",
        ),
        (
            "faq-a3",
            "Where did COVID-19 come from?",
            "It was first found in Wuhan, in people linked to a market.",
        ),
    ];

    /// The `beyond_definition` feature of the entry titled `title`, for question `q`.
    fn beyond_definition(engine: &Engine, q: &str, title: &str) -> f32 {
        let analyzed = crate::question::analyze(
            q,
            &crate::question::Lexicon {
                vocabulary: &engine.vocabulary,
                synonyms: &engine.synonyms,
                stats: &engine.stats,
                wordings: &engine.wordings,
            },
        );
        let weights = engine.weights(&analyzed);
        let slots = scoring::QuestionSlots::new(&analyzed, &weights);
        let (candidates, relevance) = engine.search(&analyzed, &slots, &weights, None);
        let meaning = crate::meaning::WordVectors::shipped()
            .meaning(analyzed.words.iter().map(String::as_str));
        let ranking = engine.rank(
            &analyzed,
            &slots,
            &meaning,
            &weights,
            &candidates,
            &relevance,
        );
        let ranked = ranking
            .entries
            .iter()
            .find(|r| engine.entries()[r.entry].title == title)
            .unwrap_or_else(|| panic!("{title} is not ranked for {q}"));
        ranked.features[BEYOND_DEFINITION]
    }

    #[test]
    fn a_definition_entry_is_marked_down_only_for_questions_asking_more_than_what_it_is() {
        let (_dir, engine) = faq_engine(FAQ);
        let defines = "What is a coronavirus?";
        assert_eq!(
            beyond_definition(&engine, "what is a coronavirus", defines),
            0.0
        );
        assert_eq!(beyond_definition(&engine, "coronavirus", defines), 0.0);
        // Asking where, how or why is never asking what it is.
        assert_eq!(
            beyond_definition(&engine, "where did the coronavirus start", defines),
            1.0
        );
        // Saying more than the title: the share it leaves out.
        let more = beyond_definition(&engine, "coronavirus symptoms", defines);
        assert!(more > 0.2 && more < 1.0, "{more}");
        // An entry whose title asks more than what one thing is never is.
        let symptoms = "What are the symptoms of COVID-19?";
        assert_eq!(
            beyond_definition(&engine, "coronavirus symptoms", symptoms),
            0.0
        );
    }

    /// The id of the entry ranked first for `q`.
    fn top_ranked(engine: &Engine, q: &str) -> Option<String> {
        let request = crate::AskRequest {
            q: q.to_string(),
            limit: None,
            context: None,
        };
        let (_, trace) = engine.ask_traced(&request).unwrap();
        trace.ranked.into_iter().next().map(|(key, _)| key)
    }

    #[test]
    fn an_acronym_asked_about_is_answered_where_it_is_spelt_out() {
        let (_dir, engine) = faq_engine(&[
            (
                "faq-b1",
                "Why does the NHS publish advice?",
                "The NHS publishes advice so that every surgery can act on the same evidence.",
            ),
            (
                "faq-b2",
                "Who writes the guidance?",
                "The National Health Service (NHS) writes it with local councils.",
            ),
        ]);
        for (q, want) in [
            ("what does NHS stand for", "faq-b2"),
            ("what is the NHS", "faq-b2"),
            // Asking more than what the acronym is: the entry about that.
            ("why does the NHS publish advice", "faq-b1"),
        ] {
            assert_eq!(top_ranked(&engine, q).as_deref(), Some(want), "{q}");
        }
    }

    #[test]
    fn a_question_about_more_than_the_defined_thing_gets_the_entry_about_that() {
        let (_dir, engine) = faq_engine(FAQ);
        for (q, want) in [
            ("coronavirus symptoms", "faq-a2"),
            ("where did the coronavirus come from", "faq-a3"),
            ("what is a coronavirus", "faq-a1"),
        ] {
            assert_eq!(top_ranked(&engine, q).as_deref(), Some(want), "{q}");
        }
    }
}
