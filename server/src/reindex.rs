//! Rebuilding the index from the corpus while serving (`POST /admin/reindex`, SIGHUP): build
//! into a new generation directory, open and check it, then swap the served engine in one
//! atomic step. Requests already running finish on the engine they started with. A build that
//! fails — an invalid corpus, a full disk — changes nothing: the old index keeps serving and
//! the error is reported.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use signpost_indexer::corpus;

use crate::engine::Engine;
use crate::http::AppState;
use crate::index_setup::{generation_of, open_checked, IndexLayout};

/// What a successful reindex did.
#[derive(Debug, Clone, Serialize)]
pub struct ReindexReport {
    /// The generation now serving.
    pub generation: u64,
    /// The generation that served before.
    pub previous_generation: u64,
    pub entries: usize,
    pub passages: usize,
    #[serde(rename = "elapsed_ms")]
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
}

impl std::fmt::Display for ReindexReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "generation {} is serving ({} entries, {} passages, built in {:.0?}); generation {} retired",
            self.generation, self.entries, self.passages, self.elapsed, self.previous_generation
        )
    }
}

/// Why a reindex did not happen. Corpus problems name files relative to the corpus folder;
/// a failed build says which stage failed and, in `detail` (for the log only, never for a
/// client), the whole error with the server's paths.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReindexError {
    #[error("a reindex is already running")]
    InProgress,
    #[error("{0}")]
    Corpus(String),
    #[error("{stage}: {detail}")]
    Build { stage: &'static str, detail: String },
}

/// Rebuilds the served index from a corpus folder; one build at a time.
pub struct Reindexer {
    corpus: PathBuf,
    layout: IndexLayout,
    running: tokio::sync::Mutex<()>,
}

impl Reindexer {
    pub fn new(corpus: impl Into<PathBuf>, index: impl Into<PathBuf>) -> Reindexer {
        Reindexer {
            corpus: corpus.into(),
            layout: IndexLayout::new(index),
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Rebuilds and swaps. With `wait`, queues behind a build already running (SIGHUP);
    /// without, refuses at once (the endpoint, so a client is never left hanging).
    pub async fn reindex(
        &self,
        state: &AppState,
        wait: bool,
    ) -> Result<ReindexReport, ReindexError> {
        let _running = if wait {
            self.running.lock().await
        } else {
            self.running
                .try_lock()
                .map_err(|_| ReindexError::InProgress)?
        };
        let started = Instant::now();
        let settings = *state.engine().settings();
        let corpus = self.corpus.clone();
        let layout = self.layout.clone();
        let (generation, engine) =
            tokio::task::spawn_blocking(move || build(&corpus, &layout, settings))
                .await
                .map_err(|e| ReindexError::Build {
                    stage: "the build task",
                    detail: e.to_string(),
                })??;
        let entries = engine.entries().len();
        let passages = engine.index().manifest.corpus.passage_count();
        let previous = state.swap_engine(engine);
        let previous_generation = generation_of(&previous.index().dir);
        drop(previous);
        let layout = self.layout.clone();
        // Keep the generation just retired: requests that started on it may still be reading.
        let _ = tokio::task::spawn_blocking(move || {
            layout.prune(&[generation, previous_generation]);
        })
        .await;
        Ok(ReindexReport {
            generation,
            previous_generation,
            entries,
            passages,
            elapsed: started.elapsed(),
        })
    }
}

/// Builds the corpus into the next generation and opens it.
fn build(
    corpus_dir: &Path,
    layout: &IndexLayout,
    settings: crate::engine::Settings,
) -> Result<(u64, Engine), ReindexError> {
    let failed = |stage: &'static str, err: &dyn std::fmt::Display| ReindexError::Build {
        stage,
        detail: format!("{err:#}"),
    };
    if !corpus_dir.is_dir() {
        return Err(ReindexError::Corpus(
            "the corpus folder does not exist".into(),
        ));
    }
    let fingerprint =
        signpost_indexer::fingerprint(corpus_dir).map_err(|e| failed("reading the corpus", &e))?;
    let corpus = corpus::load(corpus_dir).map_err(|problems| {
        let list: Vec<String> = problems
            .0
            .iter()
            .map(|p| {
                let path = p.path.strip_prefix(corpus_dir).unwrap_or(&p.path);
                format!("{}:{}: {}", path.display(), p.line, p.message)
            })
            .collect();
        ReindexError::Corpus(list.join("; "))
    })?;
    let generation = layout
        .next_generation()
        .map_err(|e| failed("listing the index generations", &e))?;
    let dir = layout.dir(generation);
    signpost_indexer::build_index(&corpus, &dir, &fingerprint)
        .map_err(|e| failed("writing the index", &e))?;
    let open = open_checked(&dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        failed("checking the new index", &e)
    })?;
    Ok((generation, Engine::new(open, settings)))
}
