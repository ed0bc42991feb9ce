//! What a fix would change, worked out before it is made: every question Signpost knows —
//! the evaluation sets' questions (with the answers they should get), the phrasings editors
//! taught (likewise), and the last distinct questions people asked (no answer known to be
//! right) — asked of the engine serving now and of one built with the fix, and each whose
//! answer differs listed from what to what. A question that was answered right and would be
//! answered wrongly is *broken*: the admin pages show it in red and ask for a second
//! confirmation.

// std's HashSet (SipHash under a random key) on purpose, not Fx: it holds questions the
// public asked, which an unkeyed hash would let them make collide.
use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::engine::{AskRequest, AskResponse, Engine};
use crate::eval::{self, Case};

/// Where a previewed question comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The question the fix is for.
    ThisFix,
    /// The learned phrasing an undo takes away.
    ThisUndo,
    /// An evaluation set (its file name).
    EvalSet(String),
    /// A phrasing an editor taught.
    Learned,
    /// Asked by someone, recently.
    Asked,
}

impl Source {
    pub fn label(&self) -> String {
        match self {
            Source::ThisFix => "this fix".into(),
            Source::ThisUndo => "this undo".into(),
            Source::EvalSet(name) => format!("evaluation set {name}"),
            Source::Learned => "learned phrasing".into(),
            Source::Asked => "asked recently".into(),
        }
    }
}

/// What the right answer to a question is, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    /// An evaluation case's turn, judged by the evaluation's own rules.
    Case(usize),
    /// This entry answers it, or (for an assistant decline entry) declines it.
    Entry(String),
}

/// One question a preview asks.
#[derive(Debug, Clone)]
pub struct Question {
    pub text: String,
    pub source: Source,
    expected: Option<Expected>,
}

impl Question {
    /// The fix's own question, which `entry_id` should answer (or decline) once it is made.
    pub fn this_fix(text: &str, entry_id: &str) -> Question {
        Question {
            text: text.to_string(),
            source: Source::ThisFix,
            expected: Some(Expected::Entry(entry_id.to_string())),
        }
    }

    /// A learned phrasing an undo takes away: no answer is known right once it is gone.
    pub fn undone(text: &str) -> Question {
        Question {
            text: text.to_string(),
            source: Source::ThisUndo,
            expected: None,
        }
    }

    /// A phrasing an editor taught `entry_id`.
    pub fn learned(text: &str, entry_id: &str) -> Question {
        Question {
            text: text.to_string(),
            source: Source::Learned,
            expected: Some(Expected::Entry(entry_id.to_string())),
        }
    }

    /// A question someone asked.
    pub fn asked(text: &str) -> Question {
        Question {
            text: text.to_string(),
            source: Source::Asked,
            expected: None,
        }
    }
}

/// The evaluation cases of one set, each a single question (a conversation's later turns
/// depend on its earlier answers and are left out).
pub fn eval_questions(set: &str, cases: &[Case], start: usize) -> (Vec<Question>, Vec<Case>) {
    let singles: Vec<Case> = cases
        .iter()
        .filter(|c| c.turns.len() == 1)
        .cloned()
        .collect();
    let questions = singles
        .iter()
        .enumerate()
        .map(|(i, c)| Question {
            text: c.turns[0].q.clone(),
            source: Source::EvalSet(set.to_string()),
            expected: Some(Expected::Case(start + i)),
        })
        .collect();
    (questions, singles)
}

/// An answer as a preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The answering entry's id, or the declining assistant entry's; `None`: no answer.
    pub entry_id: Option<String>,
    pub title: Option<String>,
    pub confidence: Option<f32>,
    /// An assistant entry declined it on purpose.
    pub declined: bool,
}

impl Outcome {
    fn of(response: &AskResponse) -> Outcome {
        match (&response.answer, &response.declined) {
            (Some(a), _) => Outcome {
                entry_id: Some(a.id.clone()),
                title: Some(a.title.clone()),
                confidence: Some(a.confidence),
                declined: false,
            },
            (None, Some(declined)) => Outcome {
                entry_id: Some(declined.clone()),
                title: None,
                confidence: None,
                declined: true,
            },
            (None, None) => Outcome {
                entry_id: None,
                title: None,
                confidence: None,
                declined: false,
            },
        }
    }

    /// How the admin pages say it.
    pub fn describe(&self) -> String {
        match (&self.entry_id, self.declined) {
            (None, _) => "no answer".into(),
            (Some(id), true) => format!("declined ({id})"),
            (Some(id), false) => {
                let title = self.title.as_deref().unwrap_or(id);
                match self.confidence {
                    Some(c) => format!("{title} [{id}], confidence {c:.2}"),
                    None => format!("{title} [{id}]"),
                }
            }
        }
    }
}

/// What a fix does to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Answered right before, wrongly after.
    Broken,
    /// Answered wrongly before, right after.
    Fixed,
    /// A different answer, neither known right nor wrong.
    Changed,
}

/// One question whose answer a fix changes.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub question: String,
    pub source: Source,
    pub before: Outcome,
    pub after: Outcome,
    pub verdict: Verdict,
}

/// Everything a fix changes.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// How many distinct questions were asked of both engines.
    pub checked: usize,
    /// Broken first, then fixed, then changed.
    pub changes: Vec<Change>,
    /// The evaluation sets asked (file names); the caller fills it in.
    pub sets: Vec<String>,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl Preview {
    pub fn broken(&self) -> usize {
        self.count(Verdict::Broken)
    }

    pub fn fixed(&self) -> usize {
        self.count(Verdict::Fixed)
    }

    fn count(&self, verdict: Verdict) -> usize {
        self.changes.iter().filter(|c| c.verdict == verdict).count()
    }
}

/// Asks every question of `current` and `candidate` and lists the answers that differ.
/// `cases` are the evaluation cases [`eval_questions`] numbered; a question asked twice
/// (in a set and by someone) is asked once, under its first source.
pub fn preview(
    current: &Engine,
    candidate: &Engine,
    questions: &[Question],
    cases: &[Case],
) -> Preview {
    let started = Instant::now();
    let mut seen: HashSet<String> = HashSet::new();
    let mut checked = 0;
    let mut changes = Vec::new();
    for question in questions {
        let key = question.text.trim().to_lowercase();
        if key.is_empty() || !seen.insert(key) {
            continue;
        }
        checked += 1;
        let ask = |engine: &Engine| {
            engine.ask(&AskRequest {
                q: question.text.clone(),
                limit: None,
                context: None,
            })
        };
        let (before, after) = (ask(current), ask(candidate));
        let outcome = |r: &Result<AskResponse, _>| {
            r.as_ref().map_or(
                Outcome {
                    entry_id: None,
                    title: None,
                    confidence: None,
                    declined: false,
                },
                Outcome::of,
            )
        };
        let (was, now) = (outcome(&before), outcome(&after));
        let right = |response: Result<AskResponse, crate::engine::QuestionError>,
                     outcome: &Outcome| {
            match &question.expected {
                None => None,
                Some(Expected::Entry(id)) => Some(outcome.entry_id.as_deref() == Some(id)),
                Some(Expected::Case(i)) => cases.get(*i).map(|case| {
                    let turn = case.turns[0].clone();
                    eval::TurnOutcome::new(turn, 1, false, case.first_tag(), response)
                        .miss()
                        .is_none()
                }),
            }
        };
        if was.entry_id == now.entry_id && was.declined == now.declined {
            continue;
        }
        let (right_before, right_after) = (right(before, &was), right(after, &now));
        let verdict = match (right_before, right_after) {
            (Some(true), Some(false)) => Verdict::Broken,
            (Some(false), Some(true)) => Verdict::Fixed,
            _ => Verdict::Changed,
        };
        changes.push(Change {
            question: question.text.clone(),
            source: question.source.clone(),
            before: was,
            after: now,
            verdict,
        });
    }
    changes.sort_by_key(|c| c.verdict);
    Preview {
        checked,
        changes,
        sets: Vec::new(),
        elapsed: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use signpost_indexer::overlay::{LearnedPhrasing, Overlay};

    use super::*;
    use crate::engine::Settings;
    use crate::reindex::build_scratch;

    fn corpus() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus"))
    }

    fn engine(overlay: &Overlay) -> (Engine, tempfile::TempDir) {
        build_scratch(corpus(), overlay, Settings::default()).unwrap()
    }

    fn taught(entry_id: &str, phrasing: &str) -> Overlay {
        Overlay {
            phrasings: vec![LearnedPhrasing {
                entry_id: entry_id.into(),
                phrasing: phrasing.into(),
            }],
        }
    }

    #[test]
    fn a_fix_shows_the_question_it_fixes_and_what_else_it_changes() {
        let q = "can a parish council join in with the shared toolkits";
        let (current, _a) = engine(&Overlay::default());
        let (candidate, _b) = engine(&taught("faq-05", q));
        let questions = [
            Question::this_fix(q, "faq-05"),
            Question::asked("who led parsol"),
            Question::learned("who led parsol", "parsol"),
        ];
        let preview = preview(&current, &candidate, &questions, &[]);
        assert_eq!(preview.checked, 2, "the same question is asked once");
        let fix = &preview.changes[0];
        assert_eq!(fix.source, Source::ThisFix);
        assert_eq!(fix.verdict, Verdict::Fixed);
        assert_eq!(fix.after.entry_id.as_deref(), Some("faq-05"));
        assert_ne!(fix.before.entry_id.as_deref(), Some("faq-05"));
        assert_eq!(preview.changes.len(), 1, "{:?}", preview.changes);
    }

    #[test]
    fn a_fix_that_takes_a_right_answer_away_is_broken() {
        // Teaching "who led parsol" as a decline breaks an evaluation question answered right.
        let (current, _a) = engine(&Overlay::default());
        let (candidate, _b) = engine(&taught("your-council", "who led parsol"));
        let cases = eval::parse_cases(
            r#"{"q": "who led parsol", "expect": ["project:parsol"]}
{"q": "hello", "expect": []}"#,
        )
        .unwrap();
        let (questions, singles) = eval_questions("dev.jsonl", &cases, 0);
        let preview = preview(&current, &candidate, &questions, &singles);
        assert_eq!(preview.checked, 2);
        assert_eq!(preview.broken(), 1, "{:?}", preview.changes);
        let broken = &preview.changes[0];
        assert_eq!(broken.source, Source::EvalSet("dev.jsonl".into()));
        assert_eq!(broken.before.entry_id.as_deref(), Some("parsol"));
        assert!(broken.after.declined);
        assert_eq!(broken.after.describe(), "declined (your-council)");
    }
}
