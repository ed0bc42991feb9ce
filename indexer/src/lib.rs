//! Signpost's indexer: the corpus model and its validation, passage splitting, text
//! analysis, the tantivy schema, building an index and opening one, and importing an FAQ
//! from a JSON Lines or CSV file into the corpus format. Everything that the writer and the
//! readers of an index must agree on lives here and nowhere else.

pub mod analysis;
pub mod corpus;
pub mod fnv;
pub mod frontmatter;
#[cfg(feature = "generate")]
pub mod generate;
pub mod import;
pub mod index;
pub mod overlay;
pub mod passages;
pub mod schema;
pub mod spelling;
pub mod synonyms;
pub mod texts;

use std::path::PathBuf;

pub use corpus::{Corpus, Entry, Kind, Passage, Problems};
pub use index::{
    build_index, fingerprint, open_index, open_index_with, BuildSummary, Manifest, OpenIndex,
};
pub use schema::Fields;
pub use texts::PassageTexts;

/// Everything that can go wrong in the indexer, named by situation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the corpus has problems:\n{0}")]
    Corpus(#[from] Problems),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: bad index manifest: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("search engine: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("the FAQ file has problems:\n{0}")]
    Import(Problems),
    #[error("{path} already holds {files} FAQ entry files: import with --force to replace them")]
    FaqFolderNotEmpty { path: PathBuf, files: usize },
    #[error("{0} failed unexpectedly")]
    Panicked(&'static str),
}

/// Loads and validates the corpus in `corpus_dir`, then builds it into `out`.
pub fn build_from_dir(
    corpus_dir: &std::path::Path,
    out: &std::path::Path,
) -> Result<BuildSummary, Error> {
    build_from_dir_with(corpus_dir, out, &overlay::Overlay::default())
}

/// Loads and validates the corpus in `corpus_dir`, applies what editors taught (`learned`),
/// then builds it into `out`. The index's fingerprint covers both.
pub fn build_from_dir_with(
    corpus_dir: &std::path::Path,
    out: &std::path::Path,
    learned: &overlay::Overlay,
) -> Result<BuildSummary, Error> {
    // Both read every file: hashing them on a second thread while the corpus is parsed
    // saves a second of a million-passage build.
    let (fingerprint, corpus) = std::thread::scope(|scope| {
        let fingerprint = scope.spawn(|| fingerprint(corpus_dir));
        let corpus = corpus::load(corpus_dir);
        (fingerprint.join(), corpus)
    });
    let fingerprint = fingerprint.map_err(|_| Error::Panicked("fingerprinting the corpus"))??;
    let mut corpus = corpus?;
    learned.apply(&mut corpus);
    build_index(&corpus, out, &learned.corpus_fingerprint(&fingerprint))
}
