//! A regression guard on answer quality: the dev sets' scores must not fall below floors set
//! from measured figures (see README). This is a floor, not the target.

use signpost_e2e::{repo_root, shipped_corpus};
use signpost_server::engine::{Engine, Settings};
use signpost_server::eval::{self, quality, Report, Tally};

/// The engine on the shipped corpus, with the index in `dir`.
fn shipped_engine(dir: &tempfile::TempDir) -> Engine {
    signpost_indexer::build_from_dir(&shipped_corpus(), &dir.path().join("index")).unwrap();
    Engine::new(
        signpost_indexer::open_index(&dir.path().join("index")).unwrap(),
        Settings::default(),
    )
}

fn evaluate(file: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let engine = shipped_engine(&dir);
    let cases = eval::read_cases(&repo_root().join("tests/data").join(file)).unwrap();
    eval::run(&engine, &cases)
}

/// A metric's name, where to find it, and its floor.
type Floor = (&'static str, fn(&eval::Scores) -> Tally, f64);

/// Fails when a metric is below its floor, or false rejection above its ceiling.
fn check(file: &str, floors: &[Floor], ceiling: f64) {
    let report = evaluate(file);
    let s = &report.scores;
    let rate = |t: Tally| t.rate().unwrap_or(0.0);
    for (name, metric, floor) in floors {
        let got = rate(metric(s));
        assert!(
            got >= *floor,
            "{file}: {name} fell to {got:.3} (floor {floor}):\n{report}"
        );
    }
    assert!(
        rate(s.false_rejection) <= ceiling,
        "{file}: false rejection rose above {ceiling}:\n{report}"
    );
}

#[test]
fn dev_set_scores_stay_above_their_floors() {
    // Measured: answer@1 0.958, hit@3 0.958, project@1 1.000, rejection 1.000, false
    // rejection 0.021.
    check(
        "dev.jsonl",
        &[
            ("answer@1", |s| s.entry_at_1, 0.94),
            ("hit@3", |s| s.hit_at_3, 0.90),
            ("project@1", |s| s.project_at_1, 0.95),
            ("rejection", |s| s.rejection, 0.90),
        ],
        0.05,
    );
}

#[test]
fn our_own_questions_stay_above_their_floors() {
    // Questions written here (typos, acronyms, rambling, small talk, more out-of-scope).
    // Measured: answer@1 0.822, hit@3 0.889, project@1 0.957, rejection 0.800, false
    // rejection 0.111 (this set is not in the confidence fit; the refit with the ranking's
    // own probability withholds one more of its short questions, "egovernment").
    check(
        "extra.jsonl",
        &[
            ("answer@1", |s| s.entry_at_1, 0.75),
            ("hit@3", |s| s.hit_at_3, 0.85),
            ("project@1", |s| s.project_at_1, 0.90),
            ("rejection", |s| s.rejection, 0.80),
        ],
        0.15,
    );
}

#[test]
fn reader_dev_scores_stay_above_their_floors() {
    // What a reader sees, conversations included (a copy of ../shared/eval/reader-dev.jsonl).
    // Measured before the answer-quality work: read@1 0.407, precision 0.585, rejection 0.750,
    // false rejection 0.373; after it: 0.729, 0.935, 1.000 and 0.220; with the confidence
    // refitted on the ranking's own probability: 0.780, 0.939, 1.000 and 0.169; with BM25 of
    // the question's wording against each entry's questions: 0.864, 0.962, 1.000 and 0.102;
    // with a long message's preamble counting half in choosing the passage: 0.915, 1.000,
    // 1.000 and 0.085.
    check(
        "reader-dev.jsonl",
        &[
            ("read@1", |s| s.read_at_1, 0.88),
            ("precision", |s| s.precision, 0.95),
            ("rejection", |s| s.rejection, 0.95),
        ],
        0.20,
    );
}

#[test]
fn blind_probe_scores_stay_above_their_floors() {
    // Written by helpers who neither ran the engine nor read its code (probes/README.md).
    // blind-1 and blind-2, measured on the engine they were written against (36cbe4d): read@1
    // 0.614 and 0.541, precision 0.642 and 0.635, rejection 0.615 and 0.692; after the fixes
    // their misses pointed to: 0.771 and 0.568, 0.818 and 0.712, 0.923 and 0.923, false
    // rejection 0.071 and 0.216. blind-3, written after those fixes and measured before any
    // change for it: 0.672, 0.709, 0.636; after the few it then led to: 0.724, 0.778, 0.818,
    // false rejection 0.103.
    let sets: [(&str, [f64; 3], f64); 3] = [
        ("probes/blind-1.jsonl", [0.74, 0.78, 0.84], 0.12),
        ("probes/blind-2.jsonl", [0.53, 0.66, 0.84], 0.26),
        ("probes/blind-3.jsonl", [0.69, 0.74, 0.72], 0.16),
    ];
    for (file, [read, precision, rejection], ceiling) in sets {
        check(
            file,
            &[
                ("read@1", |s| s.read_at_1, read),
                ("precision", |s| s.precision, precision),
                ("rejection", |s| s.rejection, rejection),
            ],
            ceiling,
        );
    }
}

#[test]
fn external_collections_stay_above_their_floors_and_baselines_near_the_published_ones() {
    // FAQ collections nobody here wrote (tests/data/external/README.md), imported as a
    // council would import its own. Measured before the answer-quality work: P@1 0.737 and
    // 0.416 with no threshold; after it 0.766 and 0.547, and at the default threshold
    // coverage 0.814 at precision 0.865, and 0.443 at 0.791; with BM25 of the question's wording
    // against each entry's questions, P@1 0.750 and 0.655, at the threshold 0.822 at 0.851 and
    // 0.584 at 0.769. The published plain-BM25 P@1 (question; question + answers)
    // are 0.567, 0.620 and 0.663, 0.457; ours stem English and measured 0.646, 0.661 and
    // 0.657, 0.414. With word vectors and definition entries kept to definitions: 0.772 and
    // 0.750; at the threshold 0.851 at 0.844 and 0.682 at 0.867.
    let dirs: Vec<_> = quality::DEFAULT_COLLECTIONS
        .iter()
        .map(|dir| repo_root().join(dir))
        .collect();
    let report = quality::run(&dirs, Settings::default()).unwrap();
    let expected = [
        ("stackfaq", 619, 0.73, [0.567, 0.620]),
        ("covidfaq", 519, 0.72, [0.663, 0.457]),
    ];
    assert_eq!(report.runs.len(), expected.len());
    for (run, (name, queries, floor, published)) in report.runs.iter().zip(expected) {
        assert_eq!((run.name.as_str(), run.ranking.len()), (name, queries));
        let scores = run.scores();
        let p1 = scores.p_at_1.rate().unwrap();
        assert!(p1 >= floor, "{name}: P@1 fell to {p1:.3}:\n{report}");
        // The confidence is a probability: on answers given with no threshold, the share
        // right in each band is near the band's mean confidence.
        let ece = scores.reliability.ece().unwrap();
        assert!(ece <= 0.08, "{name}: ECE rose to {ece:.3}:\n{report}");
        // At the default threshold what is answered is mostly right.
        let precision = scores.precision.rate().unwrap();
        assert!(
            precision >= 0.75,
            "{name}: precision fell to {precision:.3}:\n{report}"
        );
        for (bm25, published) in [run.bm25_question, run.bm25_question_answers]
            .into_iter()
            .zip(published)
        {
            let bm25 = bm25.rate().unwrap();
            assert!(
                (bm25 - published).abs() < 0.1,
                "{name}: BM25 P@1 {bm25:.3} is far from the published {published}:\n{report}"
            );
        }
    }
}

#[test]
fn explain_shows_the_ranking_and_what_the_confidence_is_made_of() {
    let dir = tempfile::tempdir().unwrap();
    let engine = shipped_engine(&dir);
    let text = eval::explain(&engine, &[], "what is parsol", 3).unwrap();
    assert!(text.contains("answer: project parsol"), "{text}");
    assert!(text.contains("  parsol: score"), "{text}");
    for feature in signpost_server::engine::model::CONFIDENCE_FEATURES {
        assert!(text.contains(feature), "{feature} missing: {text}");
    }
    let declined = eval::explain(&engine, &[], "who won the football last night", 3).unwrap();
    assert!(declined.contains("answer: none"), "{declined}");
}

#[test]
fn the_fit_command_refits_a_calibrated_model_that_declines_questions_about_something_else() {
    // `signpost-server fit` as shipped: every data set, the model it writes, and the figures
    // it records. Measured: pooled ECE 0.027; P@1 dev 0.979, reader-dev 0.915, StackFAQ
    // 0.772, CovidFAQ 0.751; external queries asked of the shipped corpus that the fit has
    // not seen, declined 0.955 (0.873 by a model fitted without any such questions).
    let report =
        signpost_server::fit::fit(&repo_root(), &shipped_corpus(), Settings::default()).unwrap();
    let written = serde_json::to_string(&report.model.to_file(report.record.clone())).unwrap();
    let model = signpost_server::engine::model::Model::from_json(&written).unwrap();
    assert!(
        model
            .rank
            .iter()
            .chain(&model.confidence)
            .all(|w| w.is_finite()),
        "{written}"
    );
    let figure = |set: &str, name: &str| {
        report.record["by data set"][set][name]
            .as_f64()
            .unwrap_or_else(|| panic!("{set} {name} missing:\n{}", report.text))
    };
    let pooled_ece = report.record["pooled ece"].as_f64().unwrap();
    assert!(
        pooled_ece <= 0.05,
        "pooled ECE {pooled_ece}:\n{}",
        report.text
    );
    for (set, floor) in [
        ("dev", 0.94),
        ("reader-dev", 0.90),
        ("stackfaq", 0.74),
        ("covidfaq", 0.72),
    ] {
        assert!(figure(set, "p_at_1") >= floor, "{set}:\n{}", report.text);
    }
    assert!(
        figure("outside, held out", "rejection at the threshold") >= 0.9,
        "{}",
        report.text
    );
    assert_eq!(report.record["by data set"]["outside"]["fitted on"], true);
    assert_eq!(
        report.record["by data set"]["outside, held out"]["fitted on"],
        false
    );
}
