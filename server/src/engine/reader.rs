//! Which of the answer entry's passages answers the question: the right entry with the wrong
//! passage ("what is PARSOL" → "PARSOL was led by…") is a wrong answer to the person reading.
//!
//! A passage is judged on the question's *focus*, the terms the entry's own names and title
//! do not account for ("who led PARSOL": "led"; "what did westminster do about noise":
//! "westminster", "noise"), and on the kind of answer asked for: a definition comes from a
//! project's Aim (or its summary), who led it from "Who ran it", an amount from a passage
//! with a "£". With nothing to go on, the entry's first passage is its answer.

use super::intent::{self, Asks};
use super::question::Analyzed;
use super::scoring::{self, TermSet};

/// What is known of one passage of the answer entry.
pub struct Read<'a> {
    /// The passage's place in its entry, from 0.
    pub number: usize,
    pub section: Option<&'a str>,
    pub text: &'a str,
    pub bm25: f32,
    /// The distinct term ids of its text, sorted.
    pub terms: &'a [u32],
}

/// The chosen passage and how well it gives the kind of answer asked for (0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// Its index in the list given to [`choose`].
    pub index: usize,
    pub fit: f32,
}

/// How much each part of the judgement counts.
const FOCUS: f32 = 1.0;
const RELEVANCE: f32 = 0.3;
const SECTION: f32 = 0.6;
const FACT: f32 = 0.5;
/// How much a focus word found only through a synonym counts.
const SYNONYM: f32 = 0.7;
/// Among otherwise equal passages the earlier wins: an entry's text opens with its answer.
const ORDER: f32 = 0.002;

/// The question's term weights with the entry's subject terms (`subject(id)`) set to zero:
/// what a passage of this entry must say beyond naming the entry.
pub fn focus_weights(
    analyzed: &Analyzed,
    weights: &[f32],
    subject: impl Fn(u32) -> bool,
) -> Vec<f32> {
    let named = scoring::covered(analyzed, subject);
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| if named.contains(i) { 0.0 } else { *w })
        .collect()
}

/// Picks the passage of one entry that answers the question. `passages` is not empty.
pub fn choose(analyzed: &Analyzed, focus: &[f32], asks: Option<Asks>, passages: &[Read]) -> Choice {
    let focus_total: f32 = focus.iter().sum();
    // With nothing asked beyond the entry's name, how often a passage repeats the name says
    // nothing about whether it answers.
    let relevance = if focus_total > 0.0 { RELEVANCE } else { 0.0 };
    let top_bm25 = passages.iter().map(|p| p.bm25).fold(f32::EPSILON, f32::max);
    let sectioned = passages.iter().any(|p| p.section.is_some());
    let opens_section = |p: &Read| {
        !passages
            .iter()
            .any(|o| o.section == p.section && o.number < p.number)
    };
    let judged = passages.iter().enumerate().map(|(index, p)| {
        let focus_share = if focus_total > 0.0 {
            focus_coverage(analyzed, focus, p.terms) / focus_total
        } else {
            0.0
        };
        let fit = fit(asks, sectioned, p, opens_section(p));
        let score =
            FOCUS * focus_share + relevance * (p.bm25 / top_bm25) + SECTION * fit.0 + FACT * fit.1
                - ORDER * p.number.min(100) as f32;
        (score, index, fit)
    });
    let (_, index, (section_fit, fact)) = judged
        .fold(
            None,
            |best: Option<(f32, usize, (f32, f32))>, item| match best {
                Some(b) if b.0 >= item.0 => Some(b),
                _ => Some(item),
            },
        )
        .expect("passages is not empty");
    let fit = match asks {
        None => 1.0,
        Some(a) if intent::is_factual(a) => fact,
        Some(_) if !sectioned => 1.0,
        Some(_) => section_fit,
    };
    Choice { index, fit }
}

/// The focus weight a passage's terms account for: a word the question used counts fully, a
/// synonym of it ("expo" for "workshops") counts [`SYNONYM`].
fn focus_coverage(analyzed: &Analyzed, focus: &[f32], terms: &[u32]) -> f32 {
    let has = |id: u32| terms.binary_search(&id).is_ok();
    let any: TermSet = scoring::covered(analyzed, has);
    analyzed
        .ids
        .terms
        .iter()
        .zip(focus)
        .enumerate()
        .map(|(i, (id, w))| {
            if *id != scoring::UNKNOWN && has(*id) {
                *w
            } else if any.contains(i) {
                SYNONYM * w
            } else {
                0.0
            }
        })
        .sum()
}

/// How a passage fits the kind of answer asked for: its section's fit, and whether it states
/// the fact asked for.
fn fit(asks: Option<Asks>, sectioned: bool, p: &Read, opens_section: bool) -> (f32, f32) {
    let Some(asks) = asks else {
        return (0.0, 0.0);
    };
    let section = if sectioned {
        intent::section_fit(asks, p.section, opens_section)
    } else {
        0.0
    };
    let fact = if intent::is_factual(asks) && intent::stated_in(asks, p.text) {
        1.0
    } else {
        0.0
    };
    (section, fact)
}
