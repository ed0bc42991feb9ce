//! The evaluation command: runs every case of a JSONL file through [`Engine::ask`] and scores
//! what a reader sees, exactly as `../shared/eval/run_reader_eval.py` defines it (its
//! docstring is the definition; docs/DESIGN.md's "Reader format" summarises it).
//!
//! A line is an old-format question `{"q", "expect", "tags"}`, a reader-format question
//! `{"q", "expect", "must", "tags"}`, or a conversation `{"turns": [{"q", "expect", "must"},
//! …], "tags"}` whose turns are each asked with the previous response's `context`. Every turn
//! is scored: **read@1** (the right entry, and its text contains one of `must`, any case),
//! **entry@1** (the right entry: docs/DESIGN.md's answer@1), **coverage** (in-scope turns
//! answered), **precision** (answers given, in or out of scope, that are right by read@1's
//! rule), **rejection** (out-of-scope turns declined). Declined means `answer: null` or an
//! assistant reply. The older metrics stay: **hit@3** (one of `expect` among the first three
//! distinct entries listed — the answer's, then its passages' — or the first three suggested
//! projects), **project@1** and **false rejection** (in-scope turns with no answer at all).
//! A reliability table says how far the answers' confidence can be trusted.
//!
//! [`run_case`] and [`score`] do the work without printing, for tests and for tools such as
//! a calibration fitter; [`Report`] prints it all. [`quality`] measures the engine on external
//! FAQ collections beside plain BM25 baselines ([`baseline`]).
//!
//! Why this file is over 500 lines: the two evaluation formats, their metrics and the printed
//! report belong together; about 520 lines are tests.

pub mod baseline;
pub mod explain;
pub mod quality;
pub mod reliability;

use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::{AskRequest, AskResponse, Engine, QuestionError};
pub use explain::explain;
pub use reliability::Reliability;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    BadLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {source}")]
    Index {
        path: PathBuf,
        source: signpost_indexer::Error,
    },
    #[error("the BM25 baseline: {0}")]
    Baseline(#[from] tantivy::TantivyError),
}

/// One question of a case, with what counts as a right answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Turn {
    pub q: String,
    /// Right answers as `faq:<title, any case>` or `project:<slug>`; empty when the question
    /// must be declined.
    pub expect: Vec<String>,
    /// The answer's text must contain one of these (any case); empty: no check.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub must: Vec<String>,
}

/// One line of an evaluation file: a question, or a conversation of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub turns: Vec<Turn>,
    pub tags: Vec<String>,
}

impl Case {
    /// The tag its in-scope turns are grouped under: the first, as the script does.
    pub fn first_tag(&self) -> &str {
        self.tags.first().map_or("?", String::as_str)
    }
}

/// Every shape a line may take, before it is checked.
#[derive(Deserialize)]
struct Line {
    q: Option<String>,
    expect: Option<Vec<String>>,
    #[serde(default, deserialize_with = "null_as_empty")]
    must: Vec<String>,
    turns: Option<Vec<Turn>>,
    #[serde(default, deserialize_with = "null_as_empty")]
    tags: Vec<String>,
}

/// `null` reads as an empty list, as the script's `t.get("must") or []` does.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

impl Line {
    fn into_case(self) -> Result<Case, String> {
        let turns = match (self.turns, self.q, self.expect) {
            (Some(turns), None, None) if !turns.is_empty() => turns,
            (Some(_), None, None) => return Err("a conversation needs at least one turn".into()),
            (Some(_), _, _) => return Err("a conversation has `turns`, not `q` or `expect`".into()),
            (None, Some(q), Some(expect)) => vec![Turn {
                q,
                expect,
                must: self.must,
            }],
            (None, _, _) => return Err("a line needs `q` and `expect`, or `turns`".into()),
        };
        Ok(Case {
            turns,
            tags: self.tags,
        })
    }
}

/// Reads an evaluation file, reporting a bad line by number.
pub fn read_cases(path: &Path) -> Result<Vec<Case>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_cases(&text).map_err(|(line, message)| Error::BadLine {
        path: path.to_path_buf(),
        line,
        message,
    })
}

/// Parses the lines of an evaluation file; an error names the line (from 1).
pub fn parse_cases(text: &str) -> Result<Vec<Case>, (usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str::<Line>(line)
                .map_err(|e| e.to_string())
                .and_then(Line::into_case)
                .map_err(|message| (i + 1, message))
        })
        .collect()
}

/// The key of an answer or passage, as the script's `key_of` writes it: `faq:<title>` and
/// `project:<slug>` trimmed and lower-cased, anything else (`assistant:<id>`) as it is.
pub fn entry_key(kind: &str, id: &str, title: &str) -> String {
    match kind {
        "faq" => format!("faq:{}", title.trim().to_lowercase()),
        "project" => format!("project:{}", id.trim().to_lowercase()),
        _ => format!("{kind}:{id}"),
    }
}

/// An expected key as the script's `norm` reads it: the part after the first `:` trimmed and
/// lower-cased.
pub fn normalize_key(key: &str) -> String {
    let (kind, value) = key.split_once(':').unwrap_or((key, ""));
    format!("{kind}:{}", value.trim().to_lowercase())
}

/// How one turn went.
#[derive(Debug, Clone)]
pub struct TurnOutcome {
    pub turn: Turn,
    /// Its place in its case, from 1.
    pub number: usize,
    /// Whether its case is a conversation of more than one turn.
    pub conversation: bool,
    /// Its case's first tag ([`Case::first_tag`]).
    pub tag: String,
    /// The engine's response, or why it refused the question (counted as no answer).
    pub response: Result<AskResponse, QuestionError>,
    /// The answer's key ([`entry_key`]), if there was an answer.
    pub got: Option<String>,
    /// No answer, or an assistant reply.
    pub declined: bool,
    /// `expect` is not empty.
    pub in_scope: bool,
    /// The answer is one of `expect`.
    pub right_entry: bool,
    /// In scope, the right entry, and `must` satisfied: read@1's rule.
    pub read_ok: bool,
    /// In scope and one of `expect` among the first three distinct entries or projects.
    pub hit_at_3: bool,
    /// For a turn expecting a project: whether the first suggested project is one of them.
    pub project_at_1: Option<bool>,
}

impl TurnOutcome {
    /// Judges one turn's response.
    pub fn new(
        turn: Turn,
        number: usize,
        conversation: bool,
        tag: &str,
        response: Result<AskResponse, QuestionError>,
    ) -> TurnOutcome {
        let expect: HashSet<String> = turn.expect.iter().map(|e| normalize_key(e)).collect();
        let answered = response.as_ref().ok().and_then(|r| r.answer.as_ref());
        let got = answered.map(|a| entry_key(&a.kind, &a.id, &a.title));
        let declined = answered.is_none_or(|a| a.kind == "assistant");
        let in_scope = !expect.is_empty();
        let right_entry = got.as_ref().is_some_and(|k| expect.contains(k));
        let text = answered.map_or(String::new(), |a| a.text.to_lowercase());
        let text_ok = turn.must.is_empty()
            || turn
                .must
                .iter()
                .any(|m| text.contains(m.to_lowercase().as_str()));
        let (hit_at_3, project_at_1) = if in_scope {
            old_metrics(response.as_ref().ok(), got.as_deref(), &expect)
        } else {
            (false, None)
        };
        TurnOutcome {
            read_ok: in_scope && right_entry && text_ok,
            turn,
            number,
            conversation,
            tag: tag.to_string(),
            response,
            got,
            declined,
            in_scope,
            right_entry,
            hit_at_3,
            project_at_1,
        }
    }

    /// The answer's confidence; 0 without an answer.
    pub fn confidence(&self) -> f32 {
        self.response
            .as_ref()
            .ok()
            .and_then(|r| r.answer.as_ref())
            .map_or(0.0, |a| a.confidence)
    }

    /// Whether the engine gave no answer at all (`answer: null`, or a refused question).
    pub fn no_answer(&self) -> bool {
        self.got.is_none()
    }

    /// Whether the turn counts against the product, and why.
    pub fn miss(&self) -> Option<&'static str> {
        match (self.in_scope, self.declined) {
            (false, false) => Some("should have been declined"),
            (false, true) => None,
            (true, _) if self.read_ok => None,
            (true, _) if self.no_answer() => Some("no answer"),
            (true, true) => Some("declined (assistant reply)"),
            (true, false) if self.right_entry => Some("wrong passage"),
            (true, false) => Some("wrong entry"),
        }
    }
}

/// hit@3 and project@1 for an in-scope turn; a refused question misses both.
fn old_metrics(
    response: Option<&AskResponse>,
    got: Option<&str>,
    expect: &HashSet<String>,
) -> (bool, Option<bool>) {
    let passages = response
        .into_iter()
        .flat_map(|r| &r.passages)
        .map(|p| entry_key(&p.kind, &p.entry_id, &p.title));
    let mut entries: Vec<String> = Vec::with_capacity(3);
    for key in got.map(str::to_string).into_iter().chain(passages) {
        if entries.len() == 3 {
            break;
        }
        if !entries.contains(&key) {
            entries.push(key);
        }
    }
    let projects = response.map_or(&[][..], |r| &r.projects);
    let project = |id: &str| expect.contains(&entry_key("project", id, ""));
    let hit_at_3 = entries.iter().any(|k| expect.contains(k))
        || projects.iter().take(3).any(|p| project(&p.id));
    let wants_project = expect.iter().any(|e| e.starts_with("project:"));
    let project_at_1 = wants_project.then(|| projects.first().is_some_and(|p| project(&p.id)));
    (hit_at_3, project_at_1)
}

/// Asks every turn of a case with `ask`, each after the first with the previous response's
/// `context` (none after a refused question, as the script sends none after a failed
/// request).
pub fn run_case_with(
    case: &Case,
    mut ask: impl FnMut(&AskRequest) -> Result<AskResponse, QuestionError>,
) -> Vec<TurnOutcome> {
    let mut context = None;
    let conversation = case.turns.len() > 1;
    case.turns
        .iter()
        .enumerate()
        .map(|(i, turn)| {
            let request = AskRequest {
                q: turn.q.clone(),
                limit: None,
                context: context.take(),
            };
            let response = ask(&request);
            context = response.as_ref().ok().map(|r| r.context.clone());
            TurnOutcome::new(
                turn.clone(),
                i + 1,
                conversation,
                case.first_tag(),
                response,
            )
        })
        .collect()
}

/// Asks every turn of a case through the engine.
pub fn run_case(engine: &Engine, case: &Case) -> Vec<TurnOutcome> {
    run_case_with(case, |request| engine.ask(request))
}

/// Counts for one metric: how many turns it applied to and how many passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub total: usize,
}

impl Tally {
    pub fn add(&mut self, passed: bool) {
        self.total += 1;
        self.passed += usize::from(passed);
    }

    /// The share that passed; `None` when the metric applied to no turn.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.passed as f64 / self.total as f64)
    }
}

/// read@1 and entry@1 of the in-scope turns of one tag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TagScores {
    pub read_at_1: Tally,
    pub entry_at_1: Tally,
}

/// Every metric over a set of turns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    pub read_at_1: Tally,
    /// docs/DESIGN.md's answer@1.
    pub entry_at_1: Tally,
    pub coverage: Tally,
    /// Over answers given (not declined): passed = right by read@1's rule.
    pub precision: Tally,
    pub rejection: Tally,
    pub hit_at_3: Tally,
    pub project_at_1: Tally,
    /// Passed = an in-scope turn with no answer at all; lower is better. An assistant reply
    /// is not counted here (it is not covered either).
    pub false_rejection: Tally,
    /// Questions the engine refused (empty, too long): scored as no answer.
    pub errors: usize,
    /// In-scope turns by their case's first tag.
    pub by_tag: BTreeMap<String, TagScores>,
    /// The answers given, by confidence: right = read@1's rule (so an answer to an
    /// out-of-scope turn is wrong).
    pub reliability: Reliability,
}

/// Scores a set of turns.
///
/// One departure from the script's code, not its definitions: for a turn expecting an
/// assistant reply (`assistant:greeting`, only in our own extra.jsonl), the script adds the
/// right reply to precision's numerator but not its denominator, since an assistant reply is
/// not an answer given. Here precision counts answers given only, as its definition says;
/// the two agree on every file that expects no assistant reply (reader-dev.jsonl does not).
pub fn score<'a>(outcomes: impl IntoIterator<Item = &'a TurnOutcome>) -> Scores {
    let mut s = Scores::default();
    for o in outcomes {
        s.errors += usize::from(o.response.is_err());
        if !o.declined {
            s.precision.add(o.read_ok);
            s.reliability.add(o.confidence(), o.read_ok);
        }
        if !o.in_scope {
            s.rejection.add(o.declined);
            continue;
        }
        s.read_at_1.add(o.read_ok);
        s.entry_at_1.add(o.right_entry);
        s.coverage.add(!o.declined);
        s.hit_at_3.add(o.hit_at_3);
        if let Some(p) = o.project_at_1 {
            s.project_at_1.add(p);
        }
        s.false_rejection.add(o.no_answer());
        let tag = s.by_tag.entry(o.tag.clone()).or_default();
        tag.read_at_1.add(o.read_ok);
        tag.entry_at_1.add(o.right_entry);
    }
    s
}

/// The whole evaluation: every turn's outcome and their scores.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcomes: Vec<TurnOutcome>,
    pub scores: Scores,
}

/// Runs every case through the engine.
pub fn run(engine: &Engine, cases: &[Case]) -> Report {
    let outcomes: Vec<TurnOutcome> = cases.iter().flat_map(|c| run_case(engine, c)).collect();
    Report {
        scores: score(&outcomes),
        outcomes,
    }
}

/// A rate to `places` as Python's `f"{x:.3f}"` prints it, `nan` when nothing was measured.
fn fixed(t: Tally, places: usize) -> String {
    t.rate()
        .map_or_else(|| "nan".to_string(), |r| format!("{r:.places$}"))
}

/// A rate with its counts, `-` when nothing was measured.
fn cell(t: Tally) -> String {
    match t.rate() {
        Some(r) => format!("{r:.3} ({}/{})", t.passed, t.total),
        None => "-".into(),
    }
}

impl Scores {
    /// The script's last line, character for character.
    pub fn summary_line(&self) -> String {
        format!(
            "read@1 {} entry@1 {} coverage {} precision {} rejection {} errors {} (turns in={} out={})",
            fixed(self.read_at_1, 3),
            fixed(self.entry_at_1, 3),
            fixed(self.coverage, 3),
            fixed(self.precision, 3),
            fixed(self.rejection, 3),
            self.errors,
            self.read_at_1.total,
            self.rejection.total
        )
    }
}

impl fmt::Display for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "in-scope turns by first tag: read@1, entry@1")?;
        for (tag, t) in &self.by_tag {
            writeln!(
                f,
                "  {tag:14} read@1 {}/{} = {}   entry@1 {}/{} = {}",
                t.read_at_1.passed,
                t.read_at_1.total,
                fixed(t.read_at_1, 2),
                t.entry_at_1.passed,
                t.entry_at_1.total,
                fixed(t.entry_at_1, 2)
            )?;
        }
        writeln!(f, "{}", self.summary_line())?;
        writeln!(
            f,
            "answer@1 (= entry@1) {}  hit@3 {}  project@1 {}  false rejection {}",
            cell(self.entry_at_1),
            cell(self.hit_at_3),
            cell(self.project_at_1),
            cell(self.false_rejection)
        )?;
        writeln!(
            f,
            "\nreliability of the {} answers given (right by read@1's rule; an answer out of scope is wrong):",
            self.reliability.answers()
        )?;
        write!(f, "{}", self.reliability)
    }
}

/// The first `n` characters of a text, with `…` when cut.
fn clip(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.scores)?;
        let misses: Vec<(&TurnOutcome, &str)> = self
            .outcomes
            .iter()
            .filter_map(|o| Some((o, o.miss()?)))
            .collect();
        if misses.is_empty() {
            return Ok(());
        }
        writeln!(f, "\nmisses ({}):", misses.len())?;
        for (o, why) in misses {
            let mut line = format!("  [{why}] {:?}", o.turn.q);
            if o.conversation {
                let _ = write!(line, " (turn {})", o.number);
            }
            writeln!(f, "{line}")?;
            let mut expected = format!("{:?}", o.turn.expect);
            if !o.turn.must.is_empty() {
                let _ = write!(expected, " with one of {:?}", o.turn.must);
            }
            writeln!(f, "      expected {expected}")?;
            match &o.response {
                Err(err) => writeln!(f, "      got an error: {err}")?,
                Ok(r) => match &r.answer {
                    None => writeln!(f, "      got no answer")?,
                    Some(a) => writeln!(
                        f,
                        "      got {} (confidence {:.2}): {:?}",
                        o.got.as_deref().unwrap_or_default(),
                        a.confidence,
                        clip(&a.text, 90)
                    )?,
                },
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Answer, Context, PassageHit, ProjectHit};
    use serde_json::{json, Value};

    fn answer(kind: &str, id: &str, title: &str, text: &str, confidence: f32) -> Answer {
        Answer {
            id: id.into(),
            kind: kind.into(),
            title: title.into(),
            text: text.into(),
            passage_id: Some(format!("{id}#p1")),
            url: None,
            confidence,
        }
    }

    /// A response with passages `(kind, entry id, title)` and suggested projects, its
    /// context made as the engine makes it.
    fn response(
        answer: Option<Answer>,
        passages: &[(&str, &str, &str)],
        projects: &[&str],
    ) -> AskResponse {
        AskResponse {
            query: String::new(),
            context: Context {
                answer_id: answer.as_ref().map(|a| a.id.clone()),
                passage_id: None,
                projects: projects.iter().map(|p| p.to_string()).collect(),
            },
            answer,
            passages: passages
                .iter()
                .enumerate()
                .map(|(i, (kind, entry, title))| PassageHit {
                    id: format!("{entry}#p{i}"),
                    entry_id: entry.to_string(),
                    kind: kind.to_string(),
                    title: title.to_string(),
                    text: String::new(),
                    section: None,
                    highlights: Vec::new(),
                    url: None,
                    score: 1.0,
                })
                .collect(),
            projects: projects
                .iter()
                .map(|p| ProjectHit {
                    id: p.to_string(),
                    name: p.to_string(),
                    short_name: p.to_string(),
                    summary: String::new(),
                    lead: None,
                    url: format!("/projects/{p}"),
                    score: 1.0,
                })
                .collect(),
            suggestions: Vec::new(),
            did_you_mean: None,
            fallback: None,
            feedback_url: None,
            declined: None,
        }
    }

    /// Every line shape, and one turn per situation a metric must tell apart.
    const CASES: &str = r#"
{"q": "what is parsol", "expect": ["project:parsol"], "must": ["planning"], "tags": ["what-is"]}
{"q": "what does FAME stand for", "expect": ["project:fame"], "must": ["Framework for Multi-Agency"], "tags": ["what-is", "acronym"]}
{"q": "what are the national projects", "expect": ["faq:  What are the NATIONAL Projects? "], "tags": ["exact"]}
{"q": "who pays", "expect": ["faq:Who funds it?"], "tags": ["paraphrase"]}
{"q": "which project covered everything", "expect": ["project:nomad"], "tags": ["paraphrase"]}
{"q": "mobile working", "expect": ["project:nomad"], "must": null, "tags": ["paraphrase"]}
{"q": "what band is my council tax", "expect": [], "tags": ["out-of-scope"]}
{"q": "weather tomorrow", "expect": [], "tags": ["out-of-scope"]}

{"q": "recipe for scones", "expect": []}
{"q": "can a person tell me about parsol", "expect": ["project:parsol"], "tags": ["what-is"]}
{"turns": [{"q": "tell me about the smartcard project", "expect": ["project:smartcards"], "must": ["one card"]}, {"q": "who ran it?", "expect": ["project:smartcards"], "must": ["Bracknell"]}], "tags": ["conversation", "follow-up"]}
{"q": "   ", "expect": ["project:parsol"], "tags": ["broken"]}
"#;

    /// The engine stand-in: a response per question; "who ran it?" is answered rightly only
    /// with the smartcard answer's context.
    fn fake(request: &AskRequest) -> Result<AskResponse, QuestionError> {
        let faq = |id: &str, title: &str, text: &str, confidence| {
            Some(answer("faq", id, title, text, confidence))
        };
        let project = |id: &str, text: &str, confidence| {
            Some(answer("project", id, &id.to_uppercase(), text, confidence))
        };
        let assistant = |id: &str| {
            Some(answer(
                "assistant",
                id,
                "Assistant",
                "Ask your council.",
                1.0,
            ))
        };
        let national = "What are the National Projects?";
        let funding = "Why is the ODPM funding these projects?";
        Ok(match request.q.as_str() {
            "what is parsol" => response(
                project("parsol", "PARSOL put Planning online.", 0.83),
                &[("project", "parsol", "PARSOL"), ("faq", "faq-01", national)],
                &["parsol"],
            ),
            "what does FAME stand for" => response(
                project("fame", "FAME was led by Newcastle.", 0.62),
                &[("project", "fame", "FAME")],
                &["fame"],
            ),
            "what are the national projects" => response(
                faq("faq-01", national, "The 22 projects…", 0.91),
                &[("faq", "faq-01", national)],
                &[],
            ),
            // The expected entry is the second distinct one, but fourth in the list.
            "who pays" => response(
                faq("faq-05", funding, "The ODPM…", 0.58),
                &[
                    ("faq", "faq-05", funding),
                    ("faq", "faq-05", funding),
                    ("faq", "faq-09", "Who funds it?"),
                ],
                &[],
            ),
            // The expected entry is the fourth distinct one and the fourth project.
            "which project covered everything" => response(
                faq("faq-0a", "A", "a", 0.6),
                &[
                    ("faq", "faq-0a", "A"),
                    ("faq", "faq-0b", "B"),
                    ("faq", "faq-0c", "C"),
                    ("project", "nomad", "NOMAD"),
                ],
                &["laws", "crm", "parsol", "nomad"],
            ),
            "mobile working" => response(None, &[("project", "nomad", "NOMAD")], &["nomad"]),
            "what band is my council tax" => response(assistant("your-council"), &[], &[]),
            "weather tomorrow" => response(faq("faq-03", "C", "Sunny.", 0.71), &[], &[]),
            "recipe for scones" => response(None, &[], &[]),
            "can a person tell me about parsol" => response(assistant("human"), &[], &[]),
            "tell me about the smartcard project" => response(
                project("smartcards", "One card for many services.", 0.77),
                &[("project", "smartcards", "Smart cards")],
                &["smartcards"],
            ),
            "who ran it?" => match request
                .context
                .as_ref()
                .and_then(|c| c.answer_id.as_deref())
            {
                Some("smartcards") => response(
                    project("smartcards", "Bracknell Forest led it.", 0.66),
                    &[("project", "smartcards", "Smart cards")],
                    &["smartcards"],
                ),
                _ => response(faq("faq-02", "Who ran it?", "The ODPM.", 0.4), &[], &[]),
            },
            q if q.trim().is_empty() => return Err(QuestionError::Empty),
            q => panic!("no response for {q:?}"),
        })
    }

    fn outcomes() -> Vec<TurnOutcome> {
        parse_cases(CASES)
            .unwrap()
            .iter()
            .flat_map(|c| run_case_with(c, fake))
            .collect()
    }

    #[test]
    fn every_line_shape_reads_and_bad_lines_are_named() {
        let cases = parse_cases(CASES).unwrap();
        assert_eq!(cases.len(), 12);
        assert_eq!(cases[0].turns[0].must, ["planning"]);
        assert!(cases[2].turns[0].must.is_empty(), "old format: no must");
        assert!(cases[5].turns[0].must.is_empty(), "must: null");
        assert_eq!(cases[8].first_tag(), "?");
        assert_eq!(cases[10].turns.len(), 2);
        assert_eq!(cases[10].tags, ["conversation", "follow-up"]);
        for (text, line, message) in [
            ("{}\n", 1, "a line needs `q` and `expect`, or `turns`"),
            (
                "\n{\"q\": \"x\"}",
                2,
                "a line needs `q` and `expect`, or `turns`",
            ),
            (
                "{\"turns\": []}",
                1,
                "a conversation needs at least one turn",
            ),
            (
                "{\"turns\": [{\"q\": \"a\", \"expect\": []}], \"q\": \"b\"}",
                1,
                "a conversation has `turns`, not `q` or `expect`",
            ),
            ("{\"turns\": [{\"q\": \"a\"}]}", 1, "missing field `expect`"),
            ("not json", 1, "expected ident"),
        ] {
            let (got_line, got) = parse_cases(text).unwrap_err();
            assert_eq!(got_line, line, "{text:?}");
            assert!(got.contains(message), "{text:?}: {got}");
        }
    }

    #[test]
    fn keys_compare_as_the_script_compares_them() {
        for (kind, id, title, key) in [
            (
                "faq",
                "faq-01",
                "  What are the National Projects? ",
                "faq:what are the national projects?",
            ),
            ("project", " PARSOL", "PARSOL — Planning", "project:parsol"),
            ("assistant", "Greeting", "Hello", "assistant:Greeting"),
        ] {
            assert_eq!(entry_key(kind, id, title), key);
        }
        for (written, key) in [
            (
                "faq: What ARE the National Projects?",
                "faq:what are the national projects?",
            ),
            ("project:PARSOL ", "project:parsol"),
            ("assistant:greeting", "assistant:greeting"),
            ("nonsense", "nonsense:"),
        ] {
            assert_eq!(normalize_key(written), key);
        }
    }

    #[test]
    fn each_turn_is_judged_by_the_readers_rules() {
        let outcomes = outcomes();
        // Flags, `-` for false: Declined, In scope, right Entry, Read ok, Hit@3; then
        // project@1 (`-` not counted, `y`, `n`) and the miss.
        #[rustfmt::skip]
        let want = [
            ("what is parsol",                      1, "-IERH", 'y', None),
            ("what does FAME stand for",            1, "-IE-H", 'y', Some("wrong passage")),
            ("what are the national projects",      1, "-IERH", '-', None),
            ("who pays",                            1, "-I--H", '-', Some("wrong entry")),
            ("which project covered everything",    1, "-I---", 'n', Some("wrong entry")),
            ("mobile working",                      1, "DI--H", 'y', Some("no answer")),
            ("what band is my council tax",         1, "D----", '-', None),
            ("weather tomorrow",                    1, "-----", '-', Some("should have been declined")),
            ("recipe for scones",                   1, "D----", '-', None),
            ("can a person tell me about parsol",   1, "DI---", 'n', Some("declined (assistant reply)")),
            ("tell me about the smartcard project", 1, "-IERH", 'y', None),
            ("who ran it?",                         2, "-IERH", 'y', None),
            ("   ",                                 1, "DI---", 'n', Some("no answer")),
        ];
        assert_eq!(outcomes.len(), want.len());
        for (o, (q, number, flags, project, miss)) in outcomes.iter().zip(want) {
            let flag = |on: bool, letter: char| if on { letter } else { '-' };
            let got_flags: String = [
                flag(o.declined, 'D'),
                flag(o.in_scope, 'I'),
                flag(o.right_entry, 'E'),
                flag(o.read_ok, 'R'),
                flag(o.hit_at_3, 'H'),
            ]
            .into_iter()
            .collect();
            let got_project = match o.project_at_1 {
                None => '-',
                Some(true) => 'y',
                Some(false) => 'n',
            };
            assert_eq!(
                (
                    o.turn.q.as_str(),
                    o.number,
                    got_flags.as_str(),
                    got_project,
                    o.miss()
                ),
                (q, number, flags, project, miss)
            );
        }
    }

    #[test]
    fn the_follow_up_is_asked_with_the_previous_answers_context() {
        let alone = parse_cases(
            r#"{"q": "who ran it?", "expect": ["project:smartcards"], "must": ["Bracknell"]}"#,
        )
        .unwrap();
        let o = &run_case_with(&alone[0], fake)[0];
        assert_eq!(o.miss(), Some("wrong entry"), "without the context");
        let outcomes = outcomes();
        assert!(outcomes[11].read_ok, "with the context");
    }

    #[test]
    fn scores_pin_every_metric() {
        let s = score(&outcomes());
        let t = |passed, total| Tally { passed, total };
        for (name, got, want) in [
            ("read@1", s.read_at_1, t(4, 10)),
            ("entry@1", s.entry_at_1, t(5, 10)),
            ("coverage", s.coverage, t(7, 10)),
            ("precision", s.precision, t(4, 8)),
            ("rejection", s.rejection, t(2, 3)),
            ("hit@3", s.hit_at_3, t(7, 10)),
            ("project@1", s.project_at_1, t(5, 8)),
            ("false rejection", s.false_rejection, t(2, 10)),
        ] {
            assert_eq!(got, want, "{name}");
        }
        assert_eq!(s.errors, 1);
        let tags: Vec<(&str, Tally, Tally)> = s
            .by_tag
            .iter()
            .map(|(tag, x)| (tag.as_str(), x.read_at_1, x.entry_at_1))
            .collect();
        assert_eq!(
            tags,
            [
                ("broken", t(0, 1), t(0, 1)),
                ("conversation", t(2, 2), t(2, 2)),
                ("exact", t(1, 1), t(1, 1)),
                ("paraphrase", t(0, 3), t(0, 3)),
                ("what-is", t(1, 3), t(2, 3)),
            ]
        );
        // The reliability table holds the answers given and says which were right.
        let r = &s.reliability;
        assert_eq!(
            (r.answers(), r.right()),
            (s.precision.total, s.precision.passed)
        );
        let bands: Vec<(usize, usize)> = r.bands.iter().map(|b| (b.answers, b.right)).collect();
        assert_eq!(
            bands,
            [
                (0, 0),
                (0, 0),
                (0, 0),
                (0, 0),
                (0, 0),
                (1, 0),
                (3, 1),
                (2, 1),
                (1, 1),
                (1, 1)
            ]
        );
        // (0.58 + 3·|0.6267 − 1/3| + 2·|0.74 − 1/2| + 0.17 + 0.09) / 8
        assert!((r.ece().unwrap() - 0.275).abs() < 1e-6, "{:?}", r.ece());
        assert_eq!(
            s.summary_line(),
            "read@1 0.400 entry@1 0.500 coverage 0.700 precision 0.500 rejection 0.667 errors 1 (turns in=10 out=3)"
        );
    }

    /// The script's counters by name, and (read, in-scope turns) by first tag.
    type ScriptCounts = (
        BTreeMap<&'static str, usize>,
        BTreeMap<String, (usize, usize)>,
    );

    /// run_reader_eval.py's loop, line for line, over JSON as the script sees it: the case
    /// lines as written and each response as the server serializes it.
    fn script_summary(
        lines: &str,
        ask: impl Fn(&AskRequest) -> Result<AskResponse, QuestionError>,
    ) -> ScriptCounts {
        let key_of = |ans: &Value| {
            let s = |v: &Value| v.as_str().unwrap_or("").to_string();
            match ans["kind"].as_str() {
                Some("faq") => format!("faq:{}", s(&ans["title"]).trim().to_lowercase()),
                Some("project") => format!("project:{}", s(&ans["id"]).trim().to_lowercase()),
                kind => format!("{}:{}", kind.unwrap_or("?"), s(&ans["id"])),
            }
        };
        let norm = |e: &str| {
            let (k, v) = e.split_once(':').unwrap_or((e, ""));
            format!("{k}:{}", v.trim().to_lowercase())
        };
        let mut c: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut by_tag: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for line in lines.lines().filter(|l| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).unwrap();
            let turns = match case["turns"].as_array() {
                Some(turns) if !turns.is_empty() => turns.clone(),
                _ => vec![case.clone()],
            };
            let tag = case["tags"]
                .as_array()
                .and_then(|t| t.first())
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let mut context = Value::Null;
            for t in &turns {
                let request = AskRequest {
                    q: t["q"].as_str().unwrap().to_string(),
                    limit: None,
                    context: serde_json::from_value(context.clone()).ok(),
                };
                let r = match ask(&request) {
                    Ok(r) => serde_json::to_value(&r).unwrap(),
                    Err(_) => {
                        *c.entry("errors").or_default() += 1;
                        json!({"answer": null, "context": null})
                    }
                };
                context = r["context"].clone();
                let ans = &r["answer"];
                let exp: HashSet<String> = t["expect"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| norm(e.as_str().unwrap()))
                    .collect();
                let got = (!ans.is_null()).then(|| key_of(ans));
                let text = ans["text"].as_str().unwrap_or("").to_lowercase();
                let must: Vec<String> = t["must"]
                    .as_array()
                    .map(|m| {
                        m.iter()
                            .map(|m| m.as_str().unwrap().to_lowercase())
                            .collect()
                    })
                    .unwrap_or_default();
                let text_ok = must.is_empty() || must.iter().any(|m| text.contains(m.as_str()));
                let declined = ans.is_null() || ans["kind"] == "assistant";
                if !ans.is_null() && !declined {
                    *c.entry("answered").or_default() += 1;
                }
                if exp.is_empty() {
                    *c.entry("out").or_default() += 1;
                    if declined {
                        *c.entry("declined").or_default() += 1;
                    }
                    continue;
                }
                *c.entry("in").or_default() += 1;
                by_tag.entry(tag.clone()).or_default().1 += 1;
                let right_entry = got.as_ref().is_some_and(|g| exp.contains(g));
                *c.entry("entry").or_default() += usize::from(right_entry);
                *c.entry("covered").or_default() += usize::from(!declined);
                if right_entry && text_ok {
                    *c.entry("read").or_default() += 1;
                    *c.entry("answered_right").or_default() += 1;
                    by_tag.entry(tag.clone()).or_default().0 += 1;
                }
            }
        }
        (c, by_tag)
    }

    #[test]
    fn scores_agree_with_a_line_by_line_reimplementation_of_the_script() {
        let (c, by_tag) = script_summary(CASES, fake);
        let s = score(&outcomes());
        let n = |k: &str| c.get(k).copied().unwrap_or(0);
        let t = |passed, total| Tally { passed, total };
        assert_eq!(s.read_at_1, t(n("read"), n("in")));
        assert_eq!(s.entry_at_1, t(n("entry"), n("in")));
        assert_eq!(s.coverage, t(n("covered"), n("in")));
        assert_eq!(s.precision, t(n("answered_right"), n("answered")));
        assert_eq!(s.rejection, t(n("declined"), n("out")));
        assert_eq!(s.errors, n("errors"));
        let ours: BTreeMap<String, (usize, usize)> = s
            .by_tag
            .iter()
            .map(|(tag, x)| (tag.clone(), (x.read_at_1.passed, x.read_at_1.total)))
            .collect();
        assert_eq!(ours, by_tag);
    }

    #[test]
    fn the_report_prints_the_summary_the_reliability_table_and_each_miss() {
        let outcomes = outcomes();
        let report = Report {
            scores: score(&outcomes),
            outcomes,
        };
        let text = report.to_string();
        for needle in [
            "  what-is        read@1 1/3 = 0.33   entry@1 2/3 = 0.67",
            "read@1 0.400 entry@1 0.500 coverage 0.700",
            "answer@1 (= entry@1) 0.500 (5/10)  hit@3 0.700 (7/10)  project@1 0.625 (5/8)  false rejection 0.200 (2/10)",
            "reliability of the 8 answers given",
            "ECE 0.275",
            "misses (7):",
            "[wrong passage] \"what does FAME stand for\"\n      expected [\"project:fame\"] with one of [\"Framework for Multi-Agency\"]\n      got project:fame (confidence 0.62): \"FAME was led by Newcastle.\"",
            "[should have been declined] \"weather tomorrow\"",
            "[no answer] \"   \"\n      expected [\"project:parsol\"]\n      got an error: the question is empty",
        ] {
            assert!(text.contains(needle), "{needle:?} is missing from:\n{text}");
        }
        assert!(
            !text.contains("(turn "),
            "only a conversation's misses are numbered"
        );
        // A conversation whose first answer leaves nothing to follow up on.
        let cases = parse_cases(
            r#"{"turns": [{"q": "recipe for scones", "expect": []}, {"q": "who ran it?", "expect": ["project:smartcards"]}]}"#,
        )
        .unwrap();
        let outcomes = run_case_with(&cases[0], fake);
        let report = Report {
            scores: score(&outcomes),
            outcomes,
        };
        let text = report.to_string();
        assert!(
            text.contains("[wrong entry] \"who ran it?\" (turn 2)\n"),
            "{text}"
        );
    }
}
