//! In-process benchmarks of the answer path exactly as the HTTP handlers run it: a question
//! through `Engine::ask` to the JSON bytes of the answer, rotating through real questions, and
//! as-you-type suggestions (`Engine::suggest`) for every prefix of those questions.
//!
//! Corpora: the shipped one (questions from tests/data/dev.jsonl), and generated ones
//! (`signpost-indexer generate`, questions from its questions file) of 10,000 passages by
//! default; set `SIGNPOST_BENCH_PASSAGES=10000,100000,1000000` for the scaling curve.
//! Generated corpora and their indexes are kept under target/bench/criterion/ and reused, so
//! only the first run pays for generating and indexing them.
//!
//! Run: `cargo bench -p signpost-engine --bench answer` (see BENCHMARKS.md).

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use signpost_engine::{AskRequest, Engine, Settings};
use signpost_indexer::generate;

/// The server binary's allocator, so the benchmark measures what is served.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the engine crate sits in the workspace")
        .to_path_buf()
}

fn scratch() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"));
    target.join("bench").join("criterion")
}

/// The `q` of every line of an evaluation-format JSONL file.
fn questions(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("questions file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["q"].as_str().expect("a q").to_string()
        })
        .collect()
}

/// The engine over `index`, built from `corpus` first unless an index of this build's format
/// is there already (generated corpora are kept between runs).
fn engine(corpus: &Path, index: &Path) -> Engine {
    let open = match signpost_indexer::open_index(index) {
        Ok(open) => open,
        Err(_) => {
            let _ = std::fs::remove_dir_all(index);
            signpost_indexer::build_from_dir(corpus, index).expect("the corpus builds");
            signpost_indexer::open_index(index).expect("the index opens")
        }
    };
    Engine::new(open, Settings::default())
}

/// A generated corpus of `passages` passages with its index, made on first use.
fn generated(passages: usize) -> (Engine, Vec<String>) {
    let dir = scratch().join(format!("p{passages}-s1"));
    let questions_file = dir.join(generate::QUESTIONS_FILE);
    if !questions_file.exists() {
        eprintln!(
            "generating a corpus of {passages} passages in {}",
            dir.display()
        );
        let options = generate::Options {
            passages,
            seed: 1,
            questions: 1000,
        };
        generate::generate_from_dir(&repo().join("corpus"), &options, &dir)
            .expect("the generator runs");
    }
    let engine = engine(&dir.join(generate::CORPUS_DIR), &dir.join("index"));
    (engine, questions(&questions_file))
}

fn sizes() -> Vec<usize> {
    std::env::var("SIGNPOST_BENCH_PASSAGES")
        .unwrap_or_else(|_| "10000".into())
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect()
}

/// One question per iteration, the next in the rotation, to answer JSON bytes.
fn bench_ask(c: &mut Criterion, name: &str, engine: &Engine, questions: &[String]) {
    let mut group = c.benchmark_group("ask");
    group.throughput(Throughput::Elements(1));
    let mut next = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            let request = AskRequest {
                q: questions[next % questions.len()].clone(),
                ..AskRequest::default()
            };
            next += 1;
            // Invalid questions are part of real traffic too; both arms are served.
            let bytes = match engine.ask(&request) {
                Ok(response) => Ok(response.to_json()),
                Err(err) => serde_json::to_vec(&err.to_string()),
            };
            std::hint::black_box(bytes.expect("serializable"))
        })
    });
    group.finish();
}

/// As-you-type: every prefix of every question, one keystroke per iteration, to JSON bytes.
fn bench_suggest(c: &mut Criterion, name: &str, engine: &Engine, questions: &[String]) {
    let prefixes: Vec<&str> = questions
        .iter()
        .flat_map(|q| {
            q.char_indices()
                .map(|(i, _)| &q[..i])
                .chain(std::iter::once(q.as_str()))
                .filter(|p| p.chars().count() >= 2)
        })
        .collect();
    let mut group = c.benchmark_group("suggest");
    group.throughput(Throughput::Elements(1));
    let mut next = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            let prefix = prefixes[next % prefixes.len()];
            next += 1;
            let bytes = match engine.suggest(prefix, None) {
                Ok(response) => serde_json::to_vec(&response),
                Err(err) => serde_json::to_vec(&err.to_string()),
            };
            std::hint::black_box(bytes.expect("serializable"))
        })
    });
    group.finish();
}

fn answer(c: &mut Criterion) {
    let shipped_dir = tempfile::tempdir().expect("a temporary directory");
    let shipped = engine(&repo().join("corpus"), &shipped_dir.path().join("index"));
    let dev = questions(&repo().join("tests/data/dev.jsonl"));
    bench_ask(c, "shipped", &shipped, &dev);
    bench_suggest(c, "shipped", &shipped, &dev);
    drop(shipped);
    for passages in sizes() {
        let (engine, questions) = generated(passages);
        bench_ask(c, &format!("generated-{passages}"), &engine, &questions);
        bench_suggest(c, &format!("generated-{passages}"), &engine, &questions);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    targets = answer
}
criterion_main!(benches);
