//! Rebuilding the index from the corpus while serving (`POST /admin/reindex`, SIGHUP): build
//! into a new generation directory, open and check it, then swap the served engine in one
//! atomic step. Requests already running finish on the engine they started with. A build that
//! fails — an invalid corpus, a full disk — changes nothing: the old index keeps serving and
//! the error is reported.
//!
//! Every build applies the phrasings editors taught (the overlay kept in the store) over the
//! corpus. An editor's change is built *before* it is recorded ([`Reindexer::apply`]): the
//! store is written only once the new index is ready, then the index is swapped in, all under
//! the one build lock, so two editors' changes are applied one after the other and neither
//! is lost, and a change that cannot be built is never half-applied.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use signpost_indexer::corpus;
use signpost_indexer::overlay::{LearnedPhrasing, Overlay};

use crate::engine::Engine;
use crate::index_setup::{generation_of, open_checked, IndexLayout};
use crate::live::LiveEngine;
use crate::store::Database;

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

/// A change to what was learned, built into the index before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlayChange {
    None,
    Add(LearnedPhrasing),
    Remove(LearnedPhrasing),
}

impl OverlayChange {
    /// The overlay with this change made.
    pub fn applied_to(&self, mut overlay: Overlay) -> Overlay {
        match self {
            OverlayChange::None => {}
            OverlayChange::Add(learned) => overlay.phrasings.push(learned.clone()),
            OverlayChange::Remove(learned) => {
                if let Some(at) = overlay.phrasings.iter().position(|p| p == learned) {
                    overlay.phrasings.remove(at);
                }
            }
        }
        overlay
    }
}

/// Rebuilds the served index from a corpus folder; one build at a time.
pub struct Reindexer {
    corpus: PathBuf,
    layout: IndexLayout,
    /// The store holding the learned phrasings, when there is one.
    store: Option<Database>,
    running: tokio::sync::Mutex<()>,
}

impl Reindexer {
    pub fn new(corpus: impl Into<PathBuf>, index: impl Into<PathBuf>) -> Reindexer {
        Reindexer {
            corpus: corpus.into(),
            layout: IndexLayout::new(index),
            store: None,
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Applies the learned phrasings in `store` to every build.
    pub fn with_store(mut self, store: Database) -> Reindexer {
        self.store = Some(store);
        self
    }

    /// The store holding the learned phrasings, when there is one.
    pub fn store(&self) -> Option<&Database> {
        self.store.as_ref()
    }

    pub fn corpus(&self) -> &Path {
        &self.corpus
    }

    /// The learned phrasings in force.
    pub fn overlay(&self) -> Result<Overlay, ReindexError> {
        read_overlay(self.store.as_ref())
    }

    /// Rebuilds and swaps. With `wait`, queues behind a build already running (SIGHUP);
    /// without, refuses at once (the endpoint, so a client is never left hanging).
    pub async fn reindex(
        &self,
        live: &LiveEngine,
        wait: bool,
    ) -> Result<ReindexReport, ReindexError> {
        let (report, ()) = self
            .apply(live, wait, OverlayChange::None, || Ok(()))
            .await?;
        Ok(report)
    }

    /// Builds the index with `change` made to the learned phrasings, then runs `record`
    /// (which writes the change to the store) and swaps the new index in. Nothing is
    /// recorded when the build fails, and nothing is swapped when recording fails.
    pub async fn apply<T: Send + 'static>(
        &self,
        live: &LiveEngine,
        wait: bool,
        change: OverlayChange,
        record: impl FnOnce() -> Result<T, String> + Send + 'static,
    ) -> Result<(ReindexReport, T), ReindexError> {
        let _running = if wait {
            self.running.lock().await
        } else {
            self.running
                .try_lock()
                .map_err(|_| ReindexError::InProgress)?
        };
        let started = Instant::now();
        let settings = *live.current().settings();
        let corpus = self.corpus.clone();
        let layout = self.layout.clone();
        let store = self.store.clone();
        let (generation, engine, recorded) = tokio::task::spawn_blocking(move || {
            let overlay = change.applied_to(read_overlay(store.as_ref())?);
            let (generation, engine) = build(&corpus, &layout, settings, &overlay)?;
            match record() {
                Ok(recorded) => Ok((generation, engine, recorded)),
                Err(detail) => {
                    drop(engine);
                    let _ = std::fs::remove_dir_all(layout.dir(generation));
                    Err(ReindexError::Build {
                        stage: "recording the change",
                        detail,
                    })
                }
            }
        })
        .await
        .map_err(|e| ReindexError::Build {
            stage: "the build task",
            detail: e.to_string(),
        })??;
        let entries = engine.entries().len();
        let passages = engine.index().manifest.corpus.passage_count();
        let previous = live.swap(engine);
        let previous_generation = generation_of(&previous.index().dir);
        drop(previous);
        let layout = self.layout.clone();
        // Keep the generation just retired: requests that started on it may still be reading.
        let _ = tokio::task::spawn_blocking(move || {
            layout.prune(&[generation, previous_generation]);
        })
        .await;
        let report = ReindexReport {
            generation,
            previous_generation,
            entries,
            passages,
            elapsed: started.elapsed(),
        };
        Ok((report, recorded))
    }
}

/// The learned phrasings in `store` (none without a store).
fn read_overlay(store: Option<&Database>) -> Result<Overlay, ReindexError> {
    match store {
        None => Ok(Overlay::default()),
        Some(store) => {
            crate::store::learned::read_overlay(store).map_err(|e| ReindexError::Build {
                stage: "reading the learned phrasings",
                detail: format!("{e:#}"),
            })
        }
    }
}

/// An engine built from the corpus with `overlay` into a scratch folder, for a preview: it
/// never serves. The folder goes when the returned guard is dropped (after the engine).
pub fn build_scratch(
    corpus_dir: &Path,
    overlay: &Overlay,
    settings: crate::engine::Settings,
) -> Result<(Engine, tempfile::TempDir), ReindexError> {
    let failed = |stage: &'static str, err: &dyn std::fmt::Display| ReindexError::Build {
        stage,
        detail: format!("{err:#}"),
    };
    let scratch = tempfile::tempdir().map_err(|e| failed("making a scratch folder", &e))?;
    let dir = scratch.path().join("index");
    signpost_indexer::build_from_dir_with(corpus_dir, &dir, overlay).map_err(|e| match e {
        signpost_indexer::Error::Corpus(problems) => ReindexError::Corpus(problems.to_string()),
        other => failed("writing the index", &other),
    })?;
    let open = open_checked(&dir).map_err(|e| failed("checking the new index", &e))?;
    Ok((Engine::new(open, settings), scratch))
}

/// Builds the corpus into the next generation and opens it.
fn build(
    corpus_dir: &Path,
    layout: &IndexLayout,
    settings: crate::engine::Settings,
    overlay: &Overlay,
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
    let mut corpus = corpus::load(corpus_dir).map_err(|problems| {
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
    overlay.apply(&mut corpus);
    signpost_indexer::build_index(&corpus, &dir, &overlay.corpus_fingerprint(&fingerprint))
        .map_err(|e| failed("writing the index", &e))?;
    let open = open_checked(&dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        failed("checking the new index", &e)
    })?;
    Ok((generation, Engine::new(open, settings)))
}
