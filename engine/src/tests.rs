//! The engine's own tests over the shipped corpus, and the helpers other modules' tests share.

use super::*;
use signpost_indexer::corpus::parse_entry;
use std::path::Path;

/// The shipped corpus indexed into a temporary directory, which lives as long as the
/// returned guard (the engine's submodules' tests use it too).
pub(super) fn shipped_index() -> (tempfile::TempDir, OpenIndex) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let dir = tempfile::tempdir().unwrap();
    signpost_indexer::build_from_dir(&corpus, dir.path()).unwrap();
    let open = signpost_indexer::open_index(dir.path()).unwrap();
    (dir, open)
}

pub(super) fn shipped_engine() -> (tempfile::TempDir, Engine) {
    let (dir, open) = shipped_index();
    (dir, Engine::new(open, Settings::default()))
}

/// The `q` of every line of an evaluation-format JSONL text.
pub(super) fn questions(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["q"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// A large index's configuration on the shipped corpus: texts read from disk, analyses
/// redone each time.
fn engine_as_if_large() -> (tempfile::TempDir, Engine) {
    let (dir, _) = shipped_index();
    let open = signpost_indexer::open_index_with(dir.path(), 0).unwrap();
    assert!(!open.texts.in_memory());
    let mut engine = Engine::new(open, Settings::default());
    engine.analyses = Box::default();
    (dir, engine)
}

#[test]
fn a_large_index_reads_texts_from_disk_redoes_analyses_and_answers_the_same() {
    let (_a, keeping) = shipped_engine();
    assert!(keeping.index().texts.in_memory());
    let (_b, redoing) = engine_as_if_large();
    let questions = questions(include_str!("../../tests/data/dev.jsonl"));
    assert!(questions.len() > 10);
    for q in &questions {
        let request = AskRequest {
            q: q.clone(),
            limit: None,
            context: None,
        };
        let kept = serde_json::to_string(&keeping.ask(&request).unwrap()).unwrap();
        let redone = serde_json::to_string(&redoing.ask(&request).unwrap()).unwrap();
        assert_eq!(kept, redone, "{q}");
    }
    let kept_slots = |e: &Engine| e.analyses.iter().filter(|a| a.get().is_some()).count();
    assert!(
        kept_slots(&keeping) > 0,
        "the small index keeps what it analysed"
    );
    assert_eq!(kept_slots(&redoing), 0, "nothing is kept past the limit");
    for (a, b) in keeping.entries().iter().zip(redoing.entries()) {
        let kept: Vec<_> = keeping.passage_texts(a).collect();
        let read: Vec<_> = redoing.passage_texts(b).collect();
        assert_eq!(kept, read);
        assert!(kept.iter().all(|t| !t.is_empty()));
    }
    assert_eq!(
        format!("{:?}", keeping.helpline()),
        format!("{:?}", redoing.helpline())
    );
    assert!(keeping.helpline().is_some());
    for prefix in ["help", "parsol", "smart c", "who fun"] {
        let suggest = |e: &Engine| serde_json::to_string(&e.suggest(prefix, None).unwrap());
        assert_eq!(suggest(&keeping).unwrap(), suggest(&redoing).unwrap());
    }
}

#[test]
fn every_passage_is_found_at_its_document() {
    let (_dir, engine) = shipped_engine();
    assert_eq!(engine.passage_docs.len(), engine.passages.len());
    for (ordinal, place) in engine.passage_docs.iter().enumerate() {
        assert_ne!(*place, NOWHERE, "passage {ordinal}");
        let segment = engine.segment_starts.partition_point(|s| s <= place) - 1;
        let doc = place - engine.segment_starts[segment];
        let located = engine.locators[segment].ordinal[doc as usize];
        assert_eq!(located as usize, ordinal);
    }
    let places: u32 = engine.locators.iter().map(|l| l.ordinal.len() as u32).sum();
    let entry = (0..engine.entries().len())
        .find(|e| engine.entries()[*e].passages.len() > 1)
        .unwrap();
    let set = engine.passage_doc_set(std::iter::once(entry));
    let marked: Vec<u32> = (0..places).filter(|p| set.contains(*p)).collect();
    let mut expected: Vec<u32> = engine
        .passage_ordinals(entry)
        .map(|o| engine.passage_docs[o])
        .collect();
    // Indexing threads may write an entry's passages in any order.
    expected.sort_unstable();
    assert_eq!(marked, expected);
}

#[test]
fn helpline_is_read_from_the_faq_text() {
    let entry = parse_entry(
        Kind::Faq,
        Path::new("f.md"),
        "---\nid: faq-05\ntitle: Help?\n---\nThere is already a National Projects Information Phone Line (tel: 0870 777 0011) that helps.\n",
    )
    .unwrap();
    let helpline = find_helpline(entry.passages.iter().map(|p| &p.text)).unwrap();
    assert_eq!(helpline.name, "National Projects Information Phone Line");
    assert_eq!(helpline.number, "0870 777 0011");
    assert_eq!(helpline.href, "tel:+448707770011");
}

#[test]
fn the_phrasings_an_entry_finds_by_term_are_those_sharing_a_term_with_the_question() {
    let (_dir, engine) = shipped_engine();
    let questions = questions(include_str!("../../tests/data/dev.jsonl"));
    let mut compared = 0;
    let (mut held, mut sharing) = (Vec::new(), Vec::new());
    for q in &questions {
        let analyzed = question::analyze(
            q,
            &question::Lexicon {
                vocabulary: &engine.vocabulary,
                synonyms: &engine.synonyms,
                stats: &engine.stats,
                wordings: &engine.wordings,
            },
        );
        let mut ids: Vec<u32> = analyzed.ids.all().collect();
        ids.sort_unstable();
        ids.dedup();
        // Any slots do: they are carried along with the ids.
        let asked: Vec<(u32, u16)> = ids.iter().map(|id| (*id, *id as u16)).collect();
        for info in &engine.info {
            info.sharing(&asked, &mut held, &mut sharing);
            // Every phrasing, tested term by term.
            let expected: Vec<u32> = (0..info.phrasing_kinds.len())
                .filter(|p| {
                    let (phrasing, _) = info.phrasing(*p);
                    phrasing.iter().any(|(id, _)| ids.contains(id))
                })
                .map(|p| p as u32)
                .collect();
            assert_eq!(sharing, expected, "{q}");
            let expected_held: Vec<(u32, u16)> = asked
                .iter()
                .copied()
                .filter(|(id, _)| info.terms.contains(id))
                .collect();
            assert_eq!(held, expected_held, "{q}");
            compared += sharing.len();
        }
    }
    assert!(compared > 100, "the questions share terms with phrasings");
}
