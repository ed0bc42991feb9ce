//! Fuzzes the answer path: arbitrary bytes become a question (lossily decoded, so invalid
//! UTF-8 turns into replacement characters as it would through the HTTP layer), a `limit`
//! and a conversation context, and `Engine::ask` must answer or refuse without panicking and
//! with highlights inside their passages. The engine runs over the shipped corpus with the
//! length limits lifted, so long inputs are searched rather than refused.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use signpost_engine::{AskRequest, Context, Engine, Limits, Settings};

struct Fixture {
    engine: Engine,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
        let dir = tempfile::tempdir().expect("temporary directory");
        let index = dir.path().join("index");
        signpost_indexer::build_from_dir(&corpus, &index).expect("the shipped corpus builds");
        let open = signpost_indexer::open_index(&index).expect("the index opens");
        let limits = Limits {
            max_chars: 1_000_000,
            max_words: 1_000_000,
            ..Limits::default()
        };
        let settings = Settings {
            limits,
            ..Settings::default()
        };
        Fixture {
            engine: Engine::new(open, settings),
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let engine = &fixture().engine;
    // Byte 0: the limit (low 5 bits, 0 for none); byte 1: which entry, if any, the previous
    // answer was (for follow-up questions). The rest is the question.
    let (head, question) = data.split_at(data.len().min(2));
    let limit = head.first().map(|b| usize::from(b & 0x1f)).filter(|n| *n > 0);
    let context = head.get(1).and_then(|b| {
        let entries = engine.entries();
        let entry = entries.get(usize::from(*b) % (entries.len() + 1))?;
        Some(Context {
            answer_id: Some(entry.id.clone()),
            projects: vec![entry.id.clone()],
        })
    });
    let request = AskRequest {
        q: String::from_utf8_lossy(question).into_owned(),
        limit,
        context,
    };
    if let Ok(response) = engine.ask(&request) {
        for passage in &response.passages {
            let chars = passage.text.chars().count();
            for [from, to] in &passage.highlights {
                assert!(from < to && *to <= chars, "highlight {from}..{to} outside {chars}");
            }
        }
        if let Some(answer) = &response.answer {
            assert!((0.0..=1.0).contains(&answer.confidence));
        }
    }
});
