//! `signpost-server fit`: refits the engine's model (`engine/src/model.json`) on the
//! evaluation sets' dev data and nothing else — `tests/data/dev.jsonl` and
//! `tests/data/reader-dev.jsonl` on the shipped corpus, and the dev halves of the external
//! collections (`tests/data/external/`), each imported as a council would import its FAQ.
//!
//! Two fits, in order: the ranking weights (every question's candidate entries, the right
//! ones marked), then the confidence (every answer given with no threshold, marked right by
//! read@1's rule: right entry and, where the case says, the right passage; any answer to an
//! out-of-scope question is wrong). The confidence is fitted on answers ranked with the new
//! weights, so it measures the model as shipped. The command prints each data set's figures
//! before and after, and the reliability table of the new confidence.

pub mod optimize;

use rustc_hash::FxHashSet as HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::engine::model::{Model, CONFIDENCE_FEATURES, RANK_FEATURES};
use crate::engine::{self, AskRequest, Engine, Settings, Trace};
use crate::eval::quality::Collection;
use crate::eval::{self, Reliability, Tally};
use optimize::{Labelled, RankGroup};

/// The L2 penalties: small, so the data decides, but enough to keep a feature the data says
/// nothing about near zero.
const RANK_L2: f64 = 1e-3;
const CONFIDENCE_L2: f64 = 1e-3;

/// The sign each confidence weight must have, in [`CONFIDENCE_FEATURES`]' order: more of a
/// good thing (lead, coverage, similarity, a fitting passage, a named entry) never makes an
/// answer less likely to be right, nor more of a bad one (unknown or corrected words) more
/// likely. Length is free.
const CONFIDENCE_SIGNS: [f64; CONFIDENCE_FEATURES.len()] = [
    1.0, 1.0, -1.0, 1.0, 1.0, 0.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0,
];

/// One in this many of another collection's queries is asked of a corpus as a question it
/// cannot answer.
const OUTSIDE_EVERY: usize = 3;

/// How much an answer to a question about something else counts in the confidence's fit,
/// against one to a question the corpus answers.
const OUTSIDE_WEIGHT: f64 = 0.3;

/// Where the data sets are, relative to the repository root.
pub const SHIPPED_CASES: [&str; 2] = ["tests/data/dev.jsonl", "tests/data/reader-dev.jsonl"];

/// One data set: an engine's corpus and the questions asked of it.
enum Questions {
    /// Cases of the evaluation format, on the shipped corpus.
    Cases(Vec<eval::Case>),
    /// Queries with the ids of the entries that answer them: an external collection's own,
    /// or (with no ids) another collection's, which this corpus cannot answer.
    Queries(Vec<(String, HashSet<String>)>),
}

struct DataSet {
    name: String,
    /// Fitted on; otherwise only reported.
    fitted: bool,
    /// Its questions are ones the corpus answers (not questions about something else).
    answerable: bool,
    index: IndexSource,
    questions: Questions,
}

enum IndexSource {
    Dir(PathBuf),
    Collection(Box<Collection>),
}

impl DataSet {
    fn engine(&self, settings: Settings) -> anyhow::Result<Engine> {
        Ok(match &self.index {
            IndexSource::Dir(dir) => Engine::new(signpost_indexer::open_index(dir)?, settings),
            IndexSource::Collection(c) => c.engine(settings)?,
        })
    }
}

/// One question asked: its trace, and whether the answer was right.
struct Asked {
    trace: Trace,
    /// The entry ids that answer it; empty when it must be declined.
    relevant: HashSet<String>,
    /// Right by read@1's rule (in scope, right entry, right passage where checked).
    right: bool,
    /// The answer was the right entry (whatever its passage).
    right_entry: bool,
    /// An answer was given (not declined, not an assistant reply).
    answered: bool,
    confidence: f32,
    in_scope: bool,
}

/// Asks every question of a data set, tracing each answer.
fn ask_all(set: &DataSet, engine: &Engine) -> Vec<Asked> {
    match &set.questions {
        Questions::Cases(cases) => {
            let mut asked = Vec::new();
            for case in cases {
                let mut traces = Vec::new();
                let outcomes = eval::run_case_with(case, |request| {
                    engine.ask_traced(request).map(|(response, trace)| {
                        traces.push(trace);
                        response
                    })
                });
                for (outcome, trace) in outcomes.into_iter().zip(traces) {
                    let relevant: HashSet<String> = outcome
                        .turn
                        .expect
                        .iter()
                        .filter_map(|key| entry_of_key(engine, key))
                        .collect();
                    asked.push(Asked {
                        trace,
                        relevant,
                        right: outcome.read_ok,
                        right_entry: outcome.right_entry,
                        answered: !outcome.declined,
                        confidence: outcome.confidence(),
                        in_scope: outcome.in_scope,
                    });
                }
            }
            asked
        }
        Questions::Queries(queries) => queries
            .iter()
            .filter_map(|(q, relevant)| {
                let request = AskRequest {
                    q: q.clone(),
                    ..AskRequest::default()
                };
                let (response, trace) = engine.ask_traced(&request).ok()?;
                let answer = response.answer.as_ref().filter(|a| a.kind != "assistant");
                let right = answer.is_some_and(|a| relevant.contains(&a.id));
                Some(Asked {
                    trace,
                    relevant: relevant.clone(),
                    right,
                    right_entry: right,
                    answered: answer.is_some(),
                    confidence: answer.map_or(0.0, |a| a.confidence),
                    in_scope: !relevant.is_empty(),
                })
            })
            .collect(),
    }
}

/// The entry id an expected key (`faq:<title>`, `project:<slug>`) names in this engine.
fn entry_of_key(engine: &Engine, key: &str) -> Option<String> {
    let wanted = eval::normalize_key(key);
    engine
        .entries()
        .iter()
        .find(|e| eval::entry_key(e.kind.as_str(), &e.id, &e.title) == wanted)
        .map(|e| e.id.clone())
}

/// The figures of one data set under one model.
struct Figures {
    /// In scope: a right entry is among the ranked candidates at all (the most ranking can
    /// reach).
    recall: Tally,
    /// With no threshold: the answer's entry is right.
    p_at_1: Tally,
    /// With no threshold: right by read@1's rule.
    read_at_1: Tally,
    /// Out of scope: declined, at the threshold.
    rejection: Tally,
    reliability: Reliability,
    /// At the threshold: in-scope questions answered rightly, and answers given that are right.
    read_at_threshold: Tally,
    precision_at_threshold: Tally,
}

fn figures(asked: &[Asked], threshold: f32) -> Figures {
    let mut f = Figures {
        recall: Tally::default(),
        p_at_1: Tally::default(),
        read_at_1: Tally::default(),
        rejection: Tally::default(),
        reliability: Reliability::default(),
        read_at_threshold: Tally::default(),
        precision_at_threshold: Tally::default(),
    };
    for a in asked {
        if a.in_scope {
            f.recall
                .add(a.trace.ranked.iter().any(|(id, _)| a.relevant.contains(id)));
            f.p_at_1.add(a.answered && a.right_entry);
            f.read_at_1.add(a.answered && a.right);
        }
        if a.answered {
            f.reliability.add(a.confidence, a.right);
        }
        // As served: the gate on unknown words, then the threshold.
        let given = a.answered
            && a.trace
                .confidence
                .is_some_and(|z| engine::is_served(threshold, a.confidence, &z));
        if a.in_scope {
            f.read_at_threshold.add(given && a.right);
        } else {
            f.rejection.add(!given);
        }
        if given {
            f.precision_at_threshold.add(a.right);
        }
    }
    f
}

/// What `fit` found, for printing and for `model.json`'s record of it.
pub struct FitReport {
    pub model: Model,
    pub text: String,
    pub record: serde_json::Value,
}

/// Loads the data sets: the shipped corpus (built into a scratch folder) with its evaluation
/// files, and each external collection.
fn data_sets(repo: &Path, corpus: &Path) -> anyhow::Result<(tempfile::TempDir, Vec<DataSet>)> {
    let scratch = tempfile::tempdir()?;
    let index = scratch.path().join("index");
    signpost_indexer::build_from_dir(corpus, &index)?;
    let mut sets = Vec::new();
    for file in SHIPPED_CASES {
        sets.push(DataSet {
            fitted: true,
            answerable: true,
            name: Path::new(file)
                .file_stem()
                .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into()),
            index: IndexSource::Dir(index.clone()),
            questions: Questions::Cases(eval::read_cases(&repo.join(file))?),
        });
    }
    let (mut outside, mut held_out) = (Vec::new(), Vec::new());
    for dir in eval::quality::DEFAULT_COLLECTIONS {
        let collection = Collection::import(&repo.join(dir))?;
        let queries = collection
            .queries
            .iter()
            .map(|q| {
                let relevant = q
                    .relevant
                    .iter()
                    .filter_map(|id| signpost_indexer::import::entry_id(id))
                    .collect();
                (q.q.clone(), relevant)
            })
            .collect();
        let asked_outside = |skip| {
            collection
                .queries
                .iter()
                .skip(skip)
                .step_by(OUTSIDE_EVERY)
                .map(|q| (q.q.clone(), HashSet::default()))
        };
        outside.extend(asked_outside(0));
        held_out.extend(asked_outside(1));
        sets.push(DataSet {
            fitted: true,
            answerable: true,
            name: collection.name.clone(),
            index: IndexSource::Collection(Box::new(collection)),
            questions: Questions::Queries(queries),
        });
    }
    // Questions about something else: every OUTSIDE_EVERY-th query of the external
    // collections, which nothing in the shipped corpus answers, fitted on as answers that are
    // wrong, each weighing OUTSIDE_WEIGHT; and as many others, only reported, to measure how
    // many such questions are declined that the fit has not seen.
    sets.push(DataSet {
        fitted: true,
        answerable: false,
        name: "outside".into(),
        index: IndexSource::Dir(index.clone()),
        questions: Questions::Queries(outside),
    });
    sets.push(DataSet {
        fitted: false,
        answerable: false,
        name: "outside, held out".into(),
        index: IndexSource::Dir(index),
        questions: Questions::Queries(held_out),
    });
    Ok((scratch, sets))
}

/// Refits the model. `repo` is the repository root (for the data sets), `corpus` the shipped
/// corpus folder; `base` gives the other settings.
pub fn fit(repo: &Path, corpus: &Path, base: Settings) -> anyhow::Result<FitReport> {
    let (_scratch, sets) = data_sets(repo, corpus)?;
    let no_threshold = |model: Model| Settings {
        min_confidence: 0.0,
        model,
        ..base
    };
    let run = |model: Model| -> anyhow::Result<Vec<Vec<Asked>>> {
        sets.iter()
            .map(|set| Ok(ask_all(set, &set.engine(no_threshold(model))?)))
            .collect()
    };

    // The ranking: every question's candidates, each data set weighing the same in all.
    let before = run(base.model)?;
    let mut groups = Vec::new();
    for asked in &before {
        let weight = 1.0 / asked.iter().filter(|a| a.in_scope).count().max(1) as f64;
        for a in asked.iter().filter(|a| !a.relevant.is_empty()) {
            let relevant: Vec<bool> = a
                .trace
                .ranked
                .iter()
                .map(|(id, _)| a.relevant.contains(id))
                .collect();
            groups.push(RankGroup {
                features: a
                    .trace
                    .ranked
                    .iter()
                    .map(|(_, f)| f.iter().map(|x| f64::from(*x)).collect())
                    .collect(),
                relevant,
                weight,
            });
        }
    }
    let rank = optimize::fit_ranking(&groups, RANK_FEATURES.len(), RANK_L2);
    let mut model = base.model;
    for (slot, w) in model.rank.iter_mut().zip(&rank) {
        *slot = *w as f32;
    }

    // The confidence: every answer given under the new ranking.
    let ranked = run(model)?;
    let rows: Vec<Labelled> = ranked
        .iter()
        .zip(&sets)
        .filter(|(_, set)| set.fitted)
        .flat_map(|(asked, set)| asked.iter().map(move |a| (a, set)))
        .filter_map(|(a, set)| {
            let features = a.trace.confidence?;
            Some(Labelled {
                features: features.iter().map(|x| f64::from(*x)).collect(),
                right: a.answered && a.right,
                weight: if set.answerable { 1.0 } else { OUTSIDE_WEIGHT },
            })
        })
        .collect();
    let confidence = optimize::fit_logistic_signed(&rows, &CONFIDENCE_SIGNS, CONFIDENCE_L2);
    for (slot, w) in model.confidence.iter_mut().zip(&confidence) {
        *slot = *w as f32;
    }
    model.confidence_bias = confidence[CONFIDENCE_FEATURES.len()] as f32;

    let after = run(model)?;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<12} {:>7} {:>22} {:>22} {:>22} {:>22} {:>24}",
        "data set",
        "recall",
        "P@1 before → after",
        "read@1 before → after",
        "ECE before → after",
        format!("at {:.2}: rejection", base.min_confidence),
        format!("at {:.2}: read@1, precision", base.min_confidence)
    );
    let mut record_sets = serde_json::Map::new();
    let mut pooled = Reliability::default();
    let mut pooled_pairs: Vec<(f32, bool)> = Vec::new();
    for ((set, b), a) in sets.iter().zip(&before).zip(&after) {
        let (fb, fa) = (
            figures(b, base.min_confidence),
            figures(a, base.min_confidence),
        );
        let rate = |t: Tally| t.rate().map_or_else(|| "-".into(), |r| format!("{r:.3}"));
        let ece = |r: &Reliability| r.ece().map_or_else(|| "-".into(), |e| format!("{e:.3}"));
        let _ = writeln!(
            text,
            "{:<12} {:>7} {:>22} {:>22} {:>22} {:>22} {:>24}",
            set.name,
            rate(fa.recall),
            format!("{} → {}", rate(fb.p_at_1), rate(fa.p_at_1)),
            format!("{} → {}", rate(fb.read_at_1), rate(fa.read_at_1)),
            format!("{} → {}", ece(&fb.reliability), ece(&fa.reliability)),
            format!("{} → {}", rate(fb.rejection), rate(fa.rejection)),
            format!(
                "{} → {}, {} → {}",
                rate(fb.read_at_threshold),
                rate(fa.read_at_threshold),
                rate(fb.precision_at_threshold),
                rate(fa.precision_at_threshold)
            ),
        );
        record_sets.insert(
            set.name.clone(),
            serde_json::json!({
                "questions": a.len(),
                "p_at_1": fa.p_at_1.rate(),
                "read_at_1": fa.read_at_1.rate(),
                "ece": fa.reliability.ece(),
                "fitted on": set.fitted,
                "rejection at the threshold": fa.rejection.rate(),
            }),
        );
        for asked in a
            .iter()
            .filter(|x| set.fitted && set.answerable && x.answered)
        {
            pooled.add(asked.confidence, asked.right);
            pooled_pairs.push((asked.confidence, asked.right));
        }
    }
    let _ = writeln!(
        text,
        "\nreliability of every answer with no threshold, pooled over the sets fitted on whose \
         questions the corpus answers:\n{pooled}"
    );
    let before_pairs: Vec<(f32, bool)> = before
        .iter()
        .zip(&sets)
        .filter(|(_, set)| set.fitted && set.answerable)
        .flat_map(|(asked, _)| asked)
        .filter(|a| a.answered)
        .map(|a| (a.confidence, a.right))
        .collect();
    let _ = writeln!(
        text,
        "how well the confidence tells right from wrong, pooled: AUC {:.3} → {:.3}, \
         log loss {:.3} → {:.3}",
        auc(&before_pairs),
        auc(&pooled_pairs),
        log_loss(&before_pairs),
        log_loss(&pooled_pairs)
    );
    let record = serde_json::json!({
        "command": "signpost-server fit",
        "data": {
            "shipped corpus": SHIPPED_CASES,
            "external collections (dev halves)": eval::quality::DEFAULT_COLLECTIONS,
        },
        "ranking questions": groups.len(),
        "confidence answers": rows.len(),
        "pooled ece": pooled.ece(),
        "by data set": record_sets,
    });
    Ok(FitReport {
        model,
        text,
        record,
    })
}

/// The chance that a right answer, picked at random, has a higher confidence than a wrong one
/// (ties count half): 0.5 is a confidence that tells nothing, 1 one that always tells.
fn auc(pairs: &[(f32, bool)]) -> f64 {
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut wrong_below, mut sum, mut i) = (0.0f64, 0.0f64, 0);
    while i < sorted.len() {
        let j = i + sorted[i..]
            .iter()
            .take_while(|p| p.0 == sorted[i].0)
            .count();
        let right = sorted[i..j].iter().filter(|p| p.1).count() as f64;
        let wrong = (j - i) as f64 - right;
        sum += right * (wrong_below + wrong / 2.0);
        wrong_below += wrong;
        i = j;
    }
    let right_total = pairs.iter().filter(|p| p.1).count() as f64;
    sum / (right_total * wrong_below).max(1.0)
}

/// The mean negative log-likelihood of the outcomes under the confidence.
fn log_loss(pairs: &[(f32, bool)]) -> f64 {
    let total: f64 = pairs
        .iter()
        .map(|(p, right)| {
            let p = f64::from(*p).clamp(1e-6, 1.0 - 1e-6);
            -if *right { p.ln() } else { (1.0 - p).ln() }
        })
        .sum();
    total / pairs.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_is_one_when_every_right_answer_is_surer_and_half_when_none_is() {
        assert_eq!(auc(&[(0.9, true), (0.8, true), (0.2, false)]), 1.0);
        assert_eq!(auc(&[(0.5, true), (0.5, false)]), 0.5);
        assert_eq!(auc(&[(0.1, true), (0.9, false)]), 0.0);
        assert!(log_loss(&[(0.9, true)]) < log_loss(&[(0.6, true)]));
    }
}
