//! Which of the answer entry's passages answers the question: the right entry with the wrong
//! passage ("what is PARSOL" → "PARSOL was led by…") is a wrong answer to the person reading.
//!
//! A passage is judged on the question's *focus*, the words the entry's own names and title
//! do not account for ("who led PARSOL": "led"; "what did westminster do about noise":
//! "westminster", "noise"), each weighted by how rare it is among the entry's passages (as
//! IDF weighs words across the corpus: "admissions" is in most of eAdmissions' passages,
//! "toolkit" in one), and on the kind of answer asked for: a definition comes from a
//! project's Aim (or its summary), who led it from "Who ran it", an amount from a passage
//! with a "£". With nothing to go on, the entry's first passage is its answer.

use super::intent::{self, Asks};
use super::question::Analyzed;
use super::scoring::QuestionSlots;
use super::terms::UNKNOWN;

/// What is known of one passage of the answer entry.
pub struct Read<'a> {
    /// The passage's place in its entry, from 0.
    pub number: usize,
    pub section: Option<&'a str>,
    /// Does its text state the fact asked for ([`intent::stated_in`]), worked out when it
    /// became a candidate?
    pub states_fact: bool,
    /// Does it use a word naming the kind of answer asked for ("partner councils" for "who
    /// partnered on it", [`crate::intent::Shape::kind_terms`])? Such words are left out of
    /// the focus, but among passages the section suits alike, one that uses them answers more
    /// directly.
    pub says_kind: bool,
    /// The distinct term ids of its text, sorted.
    pub terms: &'a [u32],
    /// Every word of its text, in order: its term id and its byte range.
    pub words: &'a [(u32, u32, u32)],
}

/// The chosen passage and how well it gives the kind of answer asked for (0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// Its index in the list given to [`choose`].
    pub index: usize,
    pub fit: f32,
}

/// How much each part of the judgement counts. Coverage and frequency are each relative to
/// the entry's best passage, so a word no passage has changes nothing.
const COVERAGE: f32 = 1.0;
const FREQUENCY: f32 = 0.3;
const SECTION: f32 = 0.6;
/// "Who led it?" wants the lead whatever else the question says ("who runs the digital TV
/// service for councils now" is not asking about a passage on services for councils), and
/// "is any council using it?" the councils that took it up.
const WHO_SECTION: f32 = 1.2;
const FACT: f32 = 0.5;
/// A passage using a word of the kind of answer asked for ("partner" for "who partnered").
const KIND: f32 = 0.3;
/// A date, an amount, a count or a share is answered only by a passage that states one: it
/// outweighs the best coverage and frequency together ("when did it start" is not answered by
/// "…children who might start offending").
const FACTUAL_FACT: f32 = 1.5;
/// Among otherwise equal passages the earlier wins: an entry's text opens with its answer.
const ORDER: f32 = 0.002;
/// How much a focus word found only through a synonym counts ("expo" for "workshops").
const SYNONYM: f32 = 0.7;
/// BM25's saturation and length normalisation, for the frequency of focus words.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// How much a word said only in a long message's preamble counts toward choosing the passage,
/// against a word of the clause that asks the question.
const PREAMBLE_FOCUS: f32 = 0.5;

/// The question's term weights with the entry's subject terms (`subject(id)`) set to zero:
/// what a passage of this entry must say beyond naming the entry. Only the words themselves
/// count: "expo" is not the FAQ title's "events", though one is a synonym of the other. A word
/// said only in a long message's preamble weighs [`PREAMBLE_FOCUS`] as much.
pub fn focus_weights(
    analyzed: &Analyzed,
    weights: &[f32],
    subject: impl Fn(u32) -> bool,
) -> Vec<f32> {
    weights
        .iter()
        .zip(&analyzed.ids.terms)
        .zip(&analyzed.terms)
        .map(|((w, id), term)| {
            if *id != UNKNOWN && subject(*id) {
                0.0
            } else if term.preamble {
                w * PREAMBLE_FOCUS
            } else {
                *w
            }
        })
        .collect()
}

/// Picks the passage of one entry that answers the question. `passages` is not empty.
pub fn choose(
    analyzed: &Analyzed,
    slots: &QuestionSlots,
    focus: &[f32],
    asks: Option<Asks>,
    passages: &[Read],
) -> Choice {
    // Each passage's matches, one passage's after another.
    let terms = analyzed.ids.terms.len().min(focus.len());
    let mut matched: Vec<f32> = Vec::with_capacity(passages.len() * terms);
    for p in passages {
        focus_matches(analyzed, slots, focus, p.terms, &mut matched);
    }
    let matches: Vec<&[f32]> = (0..passages.len())
        .map(|p| &matched[p * terms..(p + 1) * terms])
        .collect();
    let n = passages.len() as f32;
    let focus: Vec<f32> = focus
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let having = matches.iter().filter(|m| m[i] > 0.0).count() as f32;
            w * (1.0 + (n - having + 0.5) / (having + 0.5)).ln()
        })
        .collect();
    let average_length =
        (passages.iter().map(|p| p.words.len()).sum::<usize>() as f32 / n).max(1.0);
    let coverage: Vec<f32> = matches
        .iter()
        .map(|m| m.iter().zip(&focus).map(|(m, w)| m * w).sum())
        .collect();
    let frequency: Vec<f32> = passages
        .iter()
        .map(|p| focus_frequency(analyzed, &focus, p, average_length))
        .collect();
    let best = |values: &[f32]| values.iter().copied().fold(0.0, f32::max);
    let (best_coverage, best_frequency) = (best(&coverage), best(&frequency));
    let relative = |v: f32, best: f32| if best > 0.0 { v / best } else { 0.0 };
    let sectioned = passages.iter().any(|p| p.section.is_some());
    let opens_section = |p: &Read| {
        !passages
            .iter()
            .any(|o| o.section == p.section && o.number < p.number)
    };
    let section_weight = match asks {
        Some(Asks::Lead | Asks::Partners | Asks::Place) => WHO_SECTION,
        _ => SECTION,
    };
    let fact_weight = if asks.is_some_and(intent::is_factual) {
        FACTUAL_FACT
    } else {
        FACT
    };
    let mut chosen: Option<(f32, usize, (f32, f32))> = None;
    for (index, p) in passages.iter().enumerate() {
        let fit = fit(asks, sectioned, p, opens_section(p));
        let score = COVERAGE * relative(coverage[index], best_coverage)
            + FREQUENCY * relative(frequency[index], best_frequency)
            + section_weight * fit.0
            + fact_weight * fit.1
            + KIND * f32::from(u8::from(p.says_kind))
            - ORDER * p.number.min(100) as f32;
        if chosen.is_none_or(|(best, _, _)| score > best) {
            chosen = Some((score, index, fit));
        }
    }
    let (_, index, (section_fit, fact)) = chosen.expect("passages is not empty");
    let fit = match asks {
        None => 1.0,
        Some(a) if intent::is_factual(a) => fact,
        Some(_) if !sectioned => 1.0,
        Some(_) => section_fit,
    };
    Choice { index, fit }
}

/// How fully a passage's terms match each focus term, added to `matches`: 1 for the word the
/// question used, [`SYNONYM`] for a synonym of it only, 0 otherwise (and 0 for a term outside
/// the focus).
fn focus_matches(
    analyzed: &Analyzed,
    slots: &QuestionSlots,
    focus: &[f32],
    terms: &[u32],
    matches: &mut Vec<f32>,
) {
    let n = analyzed.ids.terms.len().min(focus.len());
    // A question that only names the entry has no focus: nothing of it need be searched.
    if focus.iter().all(|w| *w <= 0.0) {
        matches.resize(matches.len() + n, 0.0);
        return;
    }
    let (any, held) = slots.covered_and_held(analyzed, |id| terms.binary_search(&id).is_ok());
    matches.extend(focus[..n].iter().enumerate().map(|(i, w)| {
        if *w <= 0.0 || !any.contains(i) {
            0.0
        } else if held.contains(i) {
            1.0
        } else {
            SYNONYM
        }
    }));
}

/// BM25 of the focus words the passage itself uses, weighted by `focus`: a passage that
/// keeps returning to what was asked ("workshops… workshops… workshop sessions") is about it.
fn focus_frequency(analyzed: &Analyzed, focus: &[f32], passage: &Read, average: f32) -> f32 {
    let words = passage.words;
    let length_factor = K1 * (1.0 - B + B * words.len() as f32 / average);
    analyzed
        .ids
        .terms
        .iter()
        .zip(focus)
        .filter(|(id, w)| **id != UNKNOWN && **w > 0.0)
        .map(|(id, w)| {
            // A word the passage lacks is not counted through its whole text.
            let tf = if passage.terms.binary_search(id).is_ok() {
                words.iter().filter(|(x, _, _)| x == id).count() as f32
            } else {
                0.0
            };
            w * tf * (K1 + 1.0) / (tf + length_factor)
        })
        .sum()
}

/// How a passage fits the kind of answer asked for: its section's fit, and whether it states
/// the fact asked for.
fn fit(asks: Option<Asks>, sectioned: bool, p: &Read, opens_section: bool) -> (f32, f32) {
    let Some(asks) = asks else {
        return (0.0, 0.0);
    };
    let fact = if p.states_fact { 1.0 } else { 0.0 };
    let section = if !sectioned {
        0.0
    } else if asks == Asks::Definition && p.states_fact {
        // It spells out the acronym asked about: a definition wherever it stands.
        1.0
    } else {
        intent::section_fit(asks, p.section, opens_section)
    };
    (section, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::QuestionIds;

    /// A question of the given term ids, each weighing 1.
    fn question(ids: &[u32]) -> Analyzed {
        let terms: Vec<String> = ids.iter().map(u32::to_string).collect();
        let terms: Vec<&str> = terms.iter().map(String::as_str).collect();
        let ids = QuestionIds {
            terms: ids.to_vec(),
            expansions: Vec::new(),
        };
        crate::question::of_terms(&terms, ids)
    }

    struct Owned {
        section: Option<&'static str>,
        states_fact: bool,
        words: Vec<(u32, u32, u32)>,
        terms: Vec<u32>,
    }

    fn passage(section: Option<&'static str>, text: &'static str, words: &[u32]) -> Owned {
        // As the engine marks a candidate: only an amount is asked of these passages.
        let states_fact = intent::stated_in(Asks::Amount, text);
        let mut terms = words.to_vec();
        terms.sort_unstable();
        terms.dedup();
        Owned {
            section,
            states_fact,
            words: words.iter().map(|id| (*id, 0, 0)).collect(),
            terms,
        }
    }

    fn pick(analyzed: &Analyzed, subject: &[u32], asks: Option<Asks>, owned: &[Owned]) -> usize {
        let reads: Vec<Read> = owned
            .iter()
            .enumerate()
            .map(|(number, o)| Read {
                number,
                section: o.section,
                states_fact: o.states_fact,
                says_kind: false,
                terms: &o.terms,
                words: &o.words,
            })
            .collect();
        let weights = vec![1.0; analyzed.terms.len()];
        let focus = focus_weights(analyzed, &weights, |id| subject.contains(&id));
        let slots = QuestionSlots::new(analyzed, &weights);
        choose(analyzed, &slots, &focus, asks, &reads).index
    }

    #[test]
    fn a_definition_comes_from_the_aim_and_who_led_it_from_who_ran_it() {
        // 1 = the project's name, 2 = "led".
        let project = [
            passage(Some("Who ran it"), "PARSOL was led by Wandsworth.", &[1, 2]),
            passage(
                Some("Aim"),
                "PARSOL set out to put planning online.",
                &[1, 5],
            ),
            passage(Some("Aim"), "PARSOL covered four services.", &[1, 6]),
        ];
        assert_eq!(
            pick(&question(&[1]), &[1], Some(Asks::Definition), &project),
            1
        );
        assert_eq!(
            pick(&question(&[1, 2]), &[1], Some(Asks::Lead), &project),
            0
        );
        // With nothing asked and nothing to go on, the first passage answers.
        assert_eq!(pick(&question(&[1]), &[1], None, &project), 0);
    }

    #[test]
    fn a_focus_word_few_passages_have_outweighs_one_most_have() {
        // 3 = "admissions" (in every passage), 4 = "toolkit" (in one).
        let project = [
            passage(None, "route map for admissions", &[3, 7]),
            passage(None, "admissions standards", &[3, 8]),
            passage(None, "the admissions toolkit", &[3, 4]),
        ];
        assert_eq!(pick(&question(&[3, 4]), &[], None, &project), 2);
    }

    #[test]
    fn the_passage_that_keeps_returning_to_the_focus_wins_a_tie() {
        let faq = [
            passage(None, "workshops ran in november", &[9, 10]),
            passage(
                None,
                "the workshops… workshops… workshop sessions",
                &[9, 9, 9, 11],
            ),
        ];
        assert_eq!(pick(&question(&[9]), &[], None, &faq), 1);
    }

    #[test]
    fn an_amount_comes_from_a_passage_that_states_one() {
        let project = [
            passage(Some("Aim"), "It helped councils.", &[12]),
            passage(Some("Good to know"), "It received £2.5m.", &[12]),
        ];
        assert_eq!(pick(&question(&[12]), &[], Some(Asks::Amount), &project), 1);
    }
}
