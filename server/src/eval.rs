//! The evaluation command: runs every question of a JSONL file through [`Engine::ask`] and
//! scores answer@1, hit@3, project@1, rejection and false rejection (defined in DESIGN.md),
//! overall and per tag, listing the misses.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::engine::{AskRequest, AskResponse, Engine};

/// One line of an evaluation file.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub q: String,
    pub expect: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Reads an evaluation file, reporting a bad line by number.
pub fn read_cases(path: &Path) -> anyhow::Result<Vec<Case>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), i + 1))?;
        cases.push(case);
    }
    Ok(cases)
}

/// Counts for one metric: how many cases it applied to and how many passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub total: usize,
}

impl Tally {
    fn add(&mut self, passed: bool) {
        self.total += 1;
        self.passed += usize::from(passed);
    }

    /// The share that passed; `None` when the metric applied to no case.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.passed as f64 / self.total as f64)
    }
}

/// The five metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scores {
    pub answer_at_1: Tally,
    pub hit_at_3: Tally,
    pub project_at_1: Tally,
    pub rejection: Tally,
    /// Passed = wrongly rejected; lower is better.
    pub false_rejection: Tally,
}

/// A case that failed a metric.
#[derive(Debug, Clone)]
pub struct Miss {
    pub q: String,
    pub expect: Vec<String>,
    pub got: Option<String>,
    pub confidence: f32,
    pub failed: Vec<&'static str>,
}

/// The whole evaluation.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub overall: Scores,
    pub by_tag: BTreeMap<String, Scores>,
    pub misses: Vec<Miss>,
}

/// The key DESIGN.md's evaluation format uses: `faq:<title>` or `project:<slug>`.
fn answer_key(kind: &str, id: &str, title: &str) -> String {
    match kind {
        "faq" => format!("faq:{title}"),
        _ => format!("{kind}:{id}"),
    }
}

fn score_case(case: &Case, response: &AskResponse, scores: &mut Scores) -> Vec<&'static str> {
    let mut failed = Vec::new();
    let expects = |key: &str| case.expect.iter().any(|e| e == key);
    let answer = response
        .answer
        .as_ref()
        .map(|a| answer_key(&a.kind, &a.id, &a.title));
    if case.expect.is_empty() {
        let rejected = response.answer.is_none();
        scores.rejection.add(rejected);
        if !rejected {
            failed.push("rejection");
        }
        return failed;
    }
    let a1 = answer.as_deref().is_some_and(expects);
    scores.answer_at_1.add(a1);
    if !a1 {
        failed.push("answer@1");
    }
    // The answer itself heads the list: an assistant reply has no passages of its own.
    let top3 = answer
        .clone()
        .into_iter()
        .chain(
            response
                .passages
                .iter()
                .map(|p| answer_key(&p.kind, &p.entry_id, &p.title)),
        )
        .take(3)
        .chain(
            response
                .projects
                .iter()
                .take(3)
                .map(|p| format!("project:{}", p.id)),
        );
    let h3 = top3.into_iter().any(|k| expects(&k));
    scores.hit_at_3.add(h3);
    if !h3 {
        failed.push("hit@3");
    }
    if case.expect.iter().any(|e| e.starts_with("project:")) {
        let p1 = response
            .projects
            .first()
            .is_some_and(|p| expects(&format!("project:{}", p.id)));
        scores.project_at_1.add(p1);
        if !p1 {
            failed.push("project@1");
        }
    }
    let falsely_rejected = response.answer.is_none();
    scores.false_rejection.add(falsely_rejected);
    if falsely_rejected {
        failed.push("false rejection");
    }
    failed
}

/// Runs every case through the engine.
pub fn run(engine: &Engine, cases: &[Case]) -> Report {
    let mut report = Report::default();
    for case in cases {
        let request = AskRequest {
            q: case.q.clone(),
            ..AskRequest::default()
        };
        let response = match engine.ask(&request) {
            Ok(r) => r,
            Err(err) => {
                report.misses.push(Miss {
                    q: case.q.clone(),
                    expect: case.expect.clone(),
                    got: Some(format!("error: {err}")),
                    confidence: 0.0,
                    failed: vec!["error"],
                });
                continue;
            }
        };
        let failed = score_case(case, &response, &mut report.overall);
        for tag in &case.tags {
            score_case(
                case,
                &response,
                report.by_tag.entry(tag.clone()).or_default(),
            );
        }
        if !failed.is_empty() {
            report.misses.push(Miss {
                q: case.q.clone(),
                expect: case.expect.clone(),
                got: response
                    .answer
                    .as_ref()
                    .map(|a| answer_key(&a.kind, &a.id, &a.title)),
                confidence: response.answer.as_ref().map_or(0.0, |a| a.confidence),
                failed,
            });
        }
    }
    report
}

fn cell(t: Tally) -> String {
    match t.rate() {
        Some(r) => format!("{r:.3} ({}/{})", t.passed, t.total),
        None => "-".into(),
    }
}

fn row(name: &str, s: &Scores) -> String {
    format!(
        "{name:<14} {:>16} {:>16} {:>16} {:>16} {:>16}\n",
        cell(s.answer_at_1),
        cell(s.hit_at_3),
        cell(s.project_at_1),
        cell(s.rejection),
        cell(s.false_rejection)
    )
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = format!(
            "{:<14} {:>16} {:>16} {:>16} {:>16} {:>16}\n",
            "", "answer@1", "hit@3", "project@1", "rejection", "false rejection"
        );
        out.push_str(&row("overall", &self.overall));
        for (tag, scores) in &self.by_tag {
            out.push_str(&row(&format!("  {tag}"), scores));
        }
        if !self.misses.is_empty() {
            let _ = writeln!(out, "\nmisses ({}):", self.misses.len());
            for m in &self.misses {
                let _ = writeln!(
                    out,
                    "  [{}] {:?}\n      expected {:?}\n      got {} (confidence {:.2})",
                    m.failed.join(", "),
                    m.q,
                    m.expect,
                    m.got.as_deref().unwrap_or("no answer"),
                    m.confidence
                );
            }
        }
        f.write_str(&out)
    }
}
