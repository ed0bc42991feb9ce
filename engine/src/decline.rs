//! A resident's own council business ("my bin", "my school place", "the council house waiting
//! list") is pointed to their council, even when it shares words with a project: "my bus pass
//! has stopped working" is for the council that issued it, not for the smart card project.
//!
//! The phrasings live in the corpus, as the `triggers` of an assistant entry whose intent is
//! `decline`. A trigger matches when all its words (stemmed, small words such as "my"
//! included) occur close together in the question, in any order, so "my housing benefit
//! claim" matches `my claim`. The entry's `unless` words ("project", "programme") keep a
//! question about the programme ("did any national project do benefit claims online?") from
//! being declined; naming a project does not ("my bus pass smartcard has stopped working" is
//! still about one person's card).

use rustc_hash::FxHashMap as HashMap;

use signpost_indexer::analysis;
use signpost_indexer::corpus::{Entry, Intent};

/// How many words apart the first and last word of a trigger may be found.
const WINDOW: usize = 6;

/// A word no rule uses.
const OTHER: u32 = u32::MAX;

/// One decline entry's phrasings, compiled: each word as its number in [`Declines::words`].
struct Rule {
    entry: usize,
    /// Each trigger's stemmed words.
    triggers: Vec<Vec<u32>>,
    /// Stems that keep a question from being declined.
    unless: Vec<u32>,
}

/// Every decline rule of a corpus.
#[derive(Default)]
pub struct Declines {
    rules: Vec<Rule>,
    /// Every stem the rules use, numbered, so a question's words are looked up once.
    words: HashMap<String, u32>,
}

fn stems(text: &str) -> Vec<String> {
    super::question::words_of(text)
        .iter()
        .map(|w| analysis::stem(w))
        .collect()
}

impl Declines {
    pub fn compile(entries: &[Entry]) -> Declines {
        let mut words: HashMap<String, u32> = HashMap::default();
        let mut number = |stem: String| {
            // A corpus has far fewer than u32::MAX distinct trigger words.
            let next = words.len() as u32;
            *words.entry(stem).or_insert(next)
        };
        let rules = entries
            .iter()
            .enumerate()
            .filter_map(|(entry, e)| {
                let assistant = e.assistant.as_ref()?;
                (assistant.intent == Intent::Decline).then(|| Rule {
                    entry,
                    triggers: assistant
                        .triggers
                        .iter()
                        .map(|t| stems(t).into_iter().map(&mut number).collect::<Vec<_>>())
                        .filter(|t| !t.is_empty())
                        .collect(),
                    unless: assistant
                        .unless
                        .iter()
                        .flat_map(|u| stems(u))
                        .map(&mut number)
                        .collect(),
                })
            })
            .collect();
        Declines { rules, words }
    }

    /// The decline entry whose phrasing the question uses, if any. `stems` are the stems of
    /// the question's folded words in order (stop words included), as its analysis keeps them.
    pub fn matching(&self, stems: &[String]) -> Option<usize> {
        if self.rules.is_empty() {
            return None;
        }
        let said = self.said(stems);
        if said.iter().all(|w| *w == OTHER) {
            return None;
        }
        // Which rule words the question has: a trigger missing one is not looked for.
        let present = self.present(&said);
        let has = |word: &u32| present[*word as usize];
        self.rules.iter().find_map(|rule| {
            if rule.unless.iter().any(has) {
                return None;
            }
            rule.triggers
                .iter()
                .any(|trigger| trigger.iter().all(has) && occurs_close(trigger, &said))
                .then_some(rule.entry)
        })
    }

    /// Does the question use one of decline entry `entry`'s `unless` words, which keep it
    /// from being declined however closely it is worded like one of the entry's phrasings
    /// ("what did the deputy prime minister's office pay for" is about the programme)?
    /// `stems` as for [`Declines::matching`].
    pub fn excused(&self, entry: usize, stems: &[String]) -> bool {
        let Some(rule) = self.rules.iter().find(|r| r.entry == entry) else {
            return false;
        };
        let present = self.present(&self.said(stems));
        rule.unless.iter().any(|word| present[*word as usize])
    }

    /// Each of the question's stems as the rules number it ([`OTHER`] for any other word).
    fn said(&self, stems: &[String]) -> Vec<u32> {
        stems
            .iter()
            .map(|stem| self.words.get(stem.as_str()).copied().unwrap_or(OTHER))
            .collect()
    }

    /// Which of the rules' words the question has, by number.
    fn present(&self, said: &[u32]) -> Vec<bool> {
        let mut present = vec![false; self.words.len()];
        for s in said.iter().filter(|s| **s != OTHER) {
            present[*s as usize] = true;
        }
        present
    }
}

/// Do all of `trigger`'s words occur within [`WINDOW`] words of each other in `words`?
fn occurs_close(trigger: &[u32], words: &[u32]) -> bool {
    let Some(first) = trigger.first() else {
        return false;
    };
    // Every place the trigger's first word occurs starts a window around it.
    words.iter().enumerate().any(|(at, word)| {
        if word != first {
            return false;
        }
        let from = at.saturating_sub(WINDOW);
        let to = (at + WINDOW + 1).min(words.len());
        let window = &words[from..to];
        let (mut lo, mut hi) = (usize::MAX, 0);
        for t in trigger {
            match window.iter().position(|w| w == t) {
                Some(p) => {
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
                None => return false,
            }
        }
        hi - lo <= WINDOW
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use signpost_indexer::corpus::{parse_entry, Kind};
    use std::path::Path;

    fn declines(triggers: &[&str], unless: &[&str]) -> Declines {
        let list = |key: &str, items: &[&str]| {
            if items.is_empty() {
                String::new()
            } else {
                format!(
                    "{key}:\n{}",
                    items
                        .iter()
                        .map(|t| format!("  - {t}\n"))
                        .collect::<String>()
                )
            }
        };
        let text = format!(
            "---\nid: your-council\nintent: decline\n{}{}---\nAsk your council.\n",
            list("triggers", triggers),
            list("unless", unless)
        );
        let entry = parse_entry(Kind::Assistant, Path::new("a.md"), &text).unwrap();
        Declines::compile(&[entry])
    }

    // A question's stems, as its analysis keeps them.
    use super::stems as words;

    #[test]
    fn an_unless_word_excuses_a_question_from_its_entry() {
        let d = declines(&["prime minister"], &["deputy"]);
        assert!(d.excused(0, &words("the deputy prime minister's office")));
        assert!(!d.excused(0, &words("who is the prime minister")));
        assert!(!d.excused(1, &words("the deputy prime minister's office")));
    }

    #[test]
    fn a_trigger_matches_its_words_close_together_in_any_order() {
        let d = declines(
            &["my claim", "waiting list", "school appeal"],
            &["project", "programme"],
        );
        let cases = [
            ("when will my housing benefit claim be decided", true),
            ("council house waiting list", true),
            (
                "my daughter didn't get her school place, how do I appeal",
                true,
            ),
            (
                "did any national project do electronic benefit claims",
                false,
            ),
            ("claim housing benefit online", false),
            ("my list is waiting", true),
            ("what is on the waiting list for the programme", false),
        ];
        for (q, declined) in cases {
            assert_eq!(d.matching(&words(q)).is_some(), declined, "{q}");
        }
    }

    #[test]
    fn unless_words_make_it_about_the_programme() {
        let d = declines(&["my bus pass"], &["project"]);
        assert!(d
            .matching(&words("my bus pass smartcard stopped working"))
            .is_some());
        assert!(d
            .matching(&words("did a project put my bus pass on a smartcard"))
            .is_none());
    }

    #[test]
    fn skipping_triggers_with_a_word_missing_declines_what_searching_each_would() {
        let triggers = [
            "my claim",
            "waiting list",
            "school appeal",
            "my bin",
            "bus pass",
        ];
        let d = declines(&triggers, &["project"]);
        let searched = |q: &str| {
            let said = d.said(&words(q));
            let rule = &d.rules[0];
            !said.iter().any(|s| rule.unless.contains(s))
                && rule.triggers.iter().any(|t| occurs_close(t, &said))
        };
        for q in [
            "when will my housing benefit claim be decided",
            "my list is waiting",
            "what is on the waiting list for the project",
            "my bin was not collected and my bus pass failed",
            "pass the bus to my school",
            "appeal",
            "what did the national projects do",
        ] {
            assert_eq!(d.matching(&words(q)).is_some(), searched(q), "{q}");
        }
    }

    #[test]
    fn words_far_apart_do_not_make_a_trigger() {
        let d = declines(&["my bin"], &[]);
        assert!(d
            .matching(&words(
                "my manager asked me to find out what the national projects did about the bin"
            ))
            .is_none());
    }
}
