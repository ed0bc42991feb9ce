//! A regression guard on answer quality: the dev set's scores must not fall below floors set
//! from measured figures (see README). This is a floor, not the target.

use signpost_e2e::{repo_root, shipped_corpus};
use signpost_server::engine::{Engine, Settings};
use signpost_server::eval;

#[test]
fn dev_set_scores_stay_above_their_floors() {
    let dir = tempfile::tempdir().unwrap();
    signpost_indexer::build_from_dir(&shipped_corpus(), &dir.path().join("index")).unwrap();
    let engine = Engine::new(signpost_indexer::open_index(&dir.path().join("index")).unwrap(), Settings::default());
    let cases = eval::read_cases(&repo_root().join("tests/data/dev.jsonl")).unwrap();
    let report = eval::run(&engine, &cases);
    let s = report.overall;
    let rate = |t: eval::Tally| t.rate().unwrap_or(0.0);
    let floors = [
        ("answer@1", rate(s.answer_at_1), 0.65),
        ("hit@3", rate(s.hit_at_3), 0.70),
        ("project@1", rate(s.project_at_1), 0.90),
        ("rejection", rate(s.rejection), 0.90),
    ];
    for (name, got, floor) in floors {
        assert!(got >= floor, "{name} fell to {got:.3} (floor {floor}):\n{report}");
    }
    assert!(rate(s.false_rejection) <= 0.10, "false rejection rose:\n{report}");
}
