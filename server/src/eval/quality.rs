//! The `quality` command: Signpost measured on FAQ collections nobody working on it wrote
//! (`tests/data/external/`, README there), the situation of a council importing its own FAQ.
//! Each collection's `faq.jsonl` is imported into a scratch corpus with the indexer's own
//! importer, indexed, and every query of `queries-dev.jsonl` is asked twice: with no
//! threshold (`min_confidence` 0, to measure the ranking: P@1, hit@3, MRR and how well
//! confidence predicts a right answer) and with the threshold as served (coverage and
//! precision). Beside them, plain BM25 baselines ([`super::baseline`]) computed in the same
//! run. Nothing here, nor anywhere in the engine, is written for these collections.
//!
//! Why this file is over 500 lines: about 180 of them are tests.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::baseline::{Bm25Baseline, FaqEntry, Searched};
use super::{Error, Reliability, Tally};
use crate::engine::{AskRequest, AskResponse, Engine, QuestionError, Settings};

/// The collections `quality` measures when given none, relative to the repository root.
pub const DEFAULT_COLLECTIONS: [&str; 2] = [
    "tests/data/external/stackfaq",
    "tests/data/external/covidfaq",
];

/// How many distinct entries MRR looks at.
const MRR_DEPTH: usize = 10;

/// One line of `queries-dev.jsonl`: a query and the ids of the entries that answer it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Query {
    pub q: String,
    pub relevant: Vec<String>,
}

/// How one query went.
#[derive(Debug, Clone)]
pub struct QueryOutcome {
    pub query: Query,
    pub response: Result<AskResponse, QuestionError>,
    /// An answer was given (not `null`, not an assistant reply).
    pub answered: bool,
    /// The answer's entry is one of `relevant`: P@1, and precision's rule.
    pub right: bool,
    /// The place (from 1) of the first relevant entry among the distinct entries the
    /// response lists, the answer's first and then its passages'.
    pub rank: Option<usize>,
}

impl QueryOutcome {
    /// Judges one response.
    pub fn new(query: Query, response: Result<AskResponse, QuestionError>) -> QueryOutcome {
        // The ids the importer gives these entries: `t001` becomes `faq-t001`.
        let relevant: Vec<String> = query
            .relevant
            .iter()
            .filter_map(|id| signpost_indexer::import::entry_id(id))
            .collect();
        let (answered, right, rank) = match &response {
            Err(_) => (false, false, None),
            Ok(r) => {
                let answer = r.answer.as_ref().filter(|a| a.kind != "assistant");
                let mut listed: Vec<&str> = Vec::new();
                for id in answer
                    .map(|a| a.id.as_str())
                    .into_iter()
                    .chain(r.passages.iter().map(|p| p.entry_id.as_str()))
                {
                    if !listed.contains(&id) {
                        listed.push(id);
                    }
                }
                let rank = listed
                    .iter()
                    .position(|id| relevant.iter().any(|r| r == id))
                    .map(|i| i + 1);
                let right = answer.is_some_and(|a| relevant.contains(&a.id));
                (answer.is_some(), right, rank)
            }
        };
        QueryOutcome {
            query,
            response,
            answered,
            right,
            rank,
        }
    }

    /// The answer's confidence; 0 without one.
    pub fn confidence(&self) -> f32 {
        self.response
            .as_ref()
            .ok()
            .and_then(|r| r.answer.as_ref())
            .map_or(0.0, |a| a.confidence)
    }
}

/// Everything measured on one collection.
#[derive(Debug, Clone)]
pub struct CollectionRun {
    /// The collection's folder name.
    pub name: String,
    pub entries: usize,
    /// The threshold as served, for `served`.
    pub min_confidence: f32,
    /// Every query with no threshold.
    pub ranking: Vec<QueryOutcome>,
    /// Every query with the threshold as served.
    pub served: Vec<QueryOutcome>,
    /// BM25 P@1 over each entry's question, and over its question and answers.
    pub bm25_question: Tally,
    pub bm25_question_answers: Tally,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| Error::BadLine {
                path: path.to_path_buf(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// Asks every query through one engine. The ranking run asks for the most passages the API
/// allows so that hit@3 and MRR see a long list; the answer itself does not depend on it.
fn ask_all(engine: &Engine, queries: &[Query], limit: Option<usize>) -> Vec<QueryOutcome> {
    queries
        .iter()
        .map(|query| {
            let request = AskRequest {
                q: query.q.clone(),
                limit,
                context: None,
            };
            QueryOutcome::new(query.clone(), engine.ask(&request))
        })
        .collect()
}

/// A collection imported and indexed in a scratch folder, which lives as long as it does.
pub struct Collection {
    /// The collection's folder name.
    pub name: String,
    pub entries: Vec<FaqEntry>,
    pub queries: Vec<Query>,
    index: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Collection {
    /// Imports a collection folder (`faq.jsonl` and `queries-dev.jsonl`) with the indexer's
    /// own importer and builds its index.
    pub fn import(dir: &Path) -> Result<Collection, Error> {
        let faq = dir.join("faq.jsonl");
        let entries: Vec<FaqEntry> = read_jsonl(&faq)?;
        let queries: Vec<Query> = read_jsonl(&dir.join("queries-dev.jsonl"))?;
        let scratch = tempfile::tempdir().map_err(|source| Error::Read {
            path: std::env::temp_dir(),
            source,
        })?;
        let corpus = scratch.path().join("corpus");
        let index = scratch.path().join("index");
        signpost_indexer::import::import_file(&faq, &corpus).map_err(indexer(&faq))?;
        signpost_indexer::build_from_dir(&corpus, &index).map_err(indexer(&corpus))?;
        Ok(Collection {
            name: dir
                .file_name()
                .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into()),
            entries,
            queries,
            index,
            _scratch: scratch,
        })
    }

    /// An engine over the collection's index.
    pub fn engine(&self, settings: Settings) -> Result<Engine, Error> {
        let open = signpost_indexer::open_index(&self.index).map_err(indexer(&self.index))?;
        Ok(Engine::new(open, settings))
    }
}

fn indexer(path: &Path) -> impl FnOnce(signpost_indexer::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Index { path, source }
}

/// Measures one collection (a folder with `faq.jsonl` and `queries-dev.jsonl`); `settings`
/// are the answer settings as served.
pub fn measure(dir: &Path, settings: Settings) -> Result<CollectionRun, Error> {
    let collection = Collection::import(dir)?;
    let queries = &collection.queries;
    let entries = &collection.entries;
    let ranking_settings = Settings {
        min_confidence: 0.0,
        ..settings
    };
    let ranking = ask_all(
        &collection.engine(ranking_settings)?,
        queries,
        Some(settings.limits.max_results),
    );
    let served = ask_all(&collection.engine(settings)?, queries, None);

    let baseline = Bm25Baseline::build(entries)?;
    let mut bm25 = [Tally::default(); 2];
    for query in queries {
        for (tally, searched) in bm25
            .iter_mut()
            .zip([Searched::Question, Searched::QuestionAndAnswers])
        {
            let top = baseline.search(searched, &query.q, 1)?;
            tally.add(top.first().is_some_and(|id| query.relevant.contains(id)));
        }
    }
    Ok(CollectionRun {
        name: collection.name.clone(),
        entries: entries.len(),
        min_confidence: settings.min_confidence,
        ranking,
        served,
        bm25_question: bm25[0],
        bm25_question_answers: bm25[1],
    })
}

/// The figures of one collection.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionScores {
    /// No threshold: the answer is relevant (no answer is a miss).
    pub p_at_1: Tally,
    /// No threshold: a relevant entry among the first three distinct entries listed.
    pub hit_at_3: Tally,
    /// No threshold: the mean of 1/rank of the first relevant entry within the first
    /// [`MRR_DEPTH`] distinct entries listed (0 beyond); `None` without queries.
    pub mrr: Option<f64>,
    /// With the threshold: queries answered.
    pub coverage: Tally,
    /// With the threshold: answers that were right.
    pub precision: Tally,
    /// No threshold: the answers' confidence against being right.
    pub reliability: Reliability,
}

impl CollectionRun {
    pub fn scores(&self) -> CollectionScores {
        let mut s = CollectionScores {
            p_at_1: Tally::default(),
            hit_at_3: Tally::default(),
            mrr: None,
            coverage: Tally::default(),
            precision: Tally::default(),
            reliability: Reliability::default(),
        };
        let mut reciprocal = 0.0;
        for o in &self.ranking {
            s.p_at_1.add(o.right);
            s.hit_at_3.add(o.rank.is_some_and(|r| r <= 3));
            reciprocal += o
                .rank
                .filter(|&r| r <= MRR_DEPTH)
                .map_or(0.0, |r| 1.0 / r as f64);
            if o.answered {
                s.reliability.add(o.confidence(), o.right);
            }
        }
        s.mrr = (!self.ranking.is_empty()).then(|| reciprocal / self.ranking.len() as f64);
        for o in &self.served {
            s.coverage.add(o.answered);
            if o.answered {
                s.precision.add(o.right);
            }
        }
        s
    }
}

/// Every collection measured.
#[derive(Debug, Clone)]
pub struct QualityReport {
    pub runs: Vec<CollectionRun>,
}

/// Measures each collection in turn.
pub fn run(dirs: &[PathBuf], settings: Settings) -> Result<QualityReport, Error> {
    let runs = dirs
        .iter()
        .map(|dir| measure(dir, settings))
        .collect::<Result<_, _>>()?;
    Ok(QualityReport { runs })
}

fn rate(t: Tally) -> String {
    t.rate().map_or_else(|| "-".into(), |r| format!("{r:.3}"))
}

fn number(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |x| format!("{x:.3}"))
}

/// One row of the table: the collection's columns, then each group's, groups split by `|`.
fn row(f: &mut fmt::Formatter<'_>, cells: [&str; 11]) -> fmt::Result {
    let [name, entries, queries, p1, h3, mrr, ece, coverage, precision, q, qa] = cells;
    writeln!(
        f,
        "{name:<10} {entries:>7} {queries:>7} | {p1:>5} {h3:>6} {mrr:>6} {ece:>6} | {coverage:>8} {precision:>9} | {q:>8} {qa:>11}"
    )
}

impl fmt::Display for QualityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let threshold = self
            .runs
            .first()
            .map_or_else(String::new, |r| format!("at {}", r.min_confidence));
        writeln!(
            f,
            "{:<26} | {:<26} | {threshold:<18} | BM25 (en_stem) P@1",
            "", "Signpost, no threshold"
        )?;
        row(
            f,
            [
                "collection",
                "entries",
                "queries",
                "P@1",
                "hit@3",
                "MRR",
                "ECE",
                "coverage",
                "precision",
                "question",
                "q + answers",
            ],
        )?;
        for run in &self.runs {
            let s = run.scores();
            row(
                f,
                [
                    &run.name,
                    &run.entries.to_string(),
                    &run.ranking.len().to_string(),
                    &rate(s.p_at_1),
                    &rate(s.hit_at_3),
                    &number(s.mrr),
                    &number(s.reliability.ece()),
                    &rate(s.coverage),
                    &rate(s.precision),
                    &rate(run.bm25_question),
                    &rate(run.bm25_question_answers),
                ],
            )?;
        }
        for run in &self.runs {
            writeln!(
                f,
                "\n{}: reliability of the answers with no threshold (right = a relevant entry):",
                run.name
            )?;
            write!(f, "{}", run.scores().reliability)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Answer, Context, PassageHit};

    /// A response answering `answer` as `kind` with `confidence` (no answer when empty), listing
    /// passages of these entries.
    fn response(kind: &str, answer: &str, confidence: f32, passages: &[&str]) -> AskResponse {
        AskResponse {
            query: String::new(),
            answer: (!answer.is_empty()).then(|| Answer {
                id: answer.into(),
                kind: kind.into(),
                title: String::new(),
                text: String::new(),
                passage_id: None,
                url: None,
                confidence,
            }),
            passages: passages
                .iter()
                .map(|entry| PassageHit {
                    id: format!("{entry}#p1"),
                    entry_id: entry.to_string(),
                    kind: "faq".into(),
                    title: String::new(),
                    text: String::new(),
                    section: None,
                    highlights: Vec::new(),
                    url: None,
                    score: 1.0,
                })
                .collect(),
            projects: Vec::new(),
            suggestions: Vec::new(),
            did_you_mean: None,
            fallback: None,
            context: Context::default(),
            feedback_url: None,
            declined: None,
        }
    }

    fn query(relevant: &[&str]) -> Query {
        Query {
            q: "q".into(),
            relevant: relevant.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn a_query_is_right_when_the_answers_entry_is_relevant() {
        let ok = |kind, answer, passages| Ok(response(kind, answer, 0.5, passages));
        // (relevant ids as the collection writes them, response, answered, right, rank)
        for (relevant, response, answered, right, rank) in [
            (
                vec!["t001"],
                ok("faq", "faq-t001", &[]),
                true,
                true,
                Some(1),
            ),
            // Ids are compared as the importer writes them.
            (
                vec!["T 001"],
                ok("faq", "faq-t-001", &[]),
                true,
                true,
                Some(1),
            ),
            // The second relevant id, third distinct entry: a passage of the answer's entry
            // does not count twice.
            (
                vec!["c01", "c07"],
                ok("faq", "faq-c02", &["faq-c02", "faq-c03", "faq-c07"]),
                true,
                false,
                Some(3),
            ),
            (
                vec!["c01"],
                ok("faq", "faq-c02", &["faq-c03"]),
                true,
                false,
                None,
            ),
            // No answer: a miss, though the passages may list the entry.
            (
                vec!["c01"],
                ok("faq", "", &["faq-c01"]),
                false,
                false,
                Some(1),
            ),
            // An assistant reply is no answer, and not listed.
            (
                vec!["c01"],
                ok("assistant", "greeting", &["faq-c01"]),
                false,
                false,
                Some(1),
            ),
            (vec!["c01"], Err(QuestionError::Empty), false, false, None),
        ] {
            let o = QueryOutcome::new(query(&relevant), response);
            assert_eq!(
                (o.answered, o.right, o.rank),
                (answered, right, rank),
                "{relevant:?} {:?}",
                o.response
            );
        }
    }

    #[test]
    fn scores_split_the_ranking_run_from_the_served_one() {
        let outcome = |answer: &str, confidence, passages: &[&str]| {
            QueryOutcome::new(
                query(&["t1"]),
                Ok(response("faq", answer, confidence, passages)),
            )
        };
        let ranking = vec![
            outcome("faq-t1", 0.9, &[]),
            outcome("faq-t2", 0.8, &["faq-t2", "faq-t1"]),
            outcome("faq-t2", 0.3, &["faq-t3", "faq-t4", "faq-t1"]),
            // Listed 12th: beyond MRR's depth.
            outcome(
                "faq-a",
                0.36,
                &["b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "faq-t1"],
            ),
            outcome("", 0.0, &[]),
        ];
        let served = vec![
            outcome("faq-t1", 0.9, &[]),
            outcome("faq-t2", 0.8, &[]),
            outcome("", 0.0, &[]),
            outcome("", 0.0, &[]),
            outcome("", 0.0, &[]),
        ];
        let run = CollectionRun {
            name: "test".into(),
            entries: 4,
            min_confidence: 0.55,
            ranking,
            served,
            bm25_question: Tally::default(),
            bm25_question_answers: Tally::default(),
        };
        let s = run.scores();
        let t = |passed, total| Tally { passed, total };
        assert_eq!(s.p_at_1, t(1, 5));
        assert_eq!(
            s.hit_at_3,
            t(2, 5),
            "ranks 1 and 2 are within three; 4 is not"
        );
        assert!((s.mrr.unwrap() - (1.0 + 0.5 + 0.25) / 5.0).abs() < 1e-12);
        assert_eq!(s.coverage, t(2, 5));
        assert_eq!(s.precision, t(1, 2));
        // Four answers with no threshold: right at 0.9, wrong at 0.8 and twice in 0.3-0.4.
        let r = &s.reliability;
        assert_eq!((r.answers(), r.right()), (4, 1));
        assert_eq!((r.bands[3].answers, r.bands[3].right), (2, 0));
        let ece = (0.1 + 0.8 + 2.0 * 0.33) / 4.0;
        assert!((r.ece().unwrap() - ece).abs() < 1e-9, "{:?}", r.ece());
        let report = QualityReport { runs: vec![run] }.to_string();
        assert!(
            report.contains(
                "test             4       5 | 0.200  0.400  0.350  0.390 |    0.400     0.500 |        -           -"
            ),
            "{report}"
        );
        assert!(report.contains("| at 0.55"), "{report}");
        assert!(report.contains("test: reliability"), "{report}");
    }
}
