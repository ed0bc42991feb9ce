//! Getting a servable index at start-up: open the existing one when it was built from the
//! current corpus by this version, otherwise rebuild it from the corpus and say so.

use std::path::Path;

use signpost_indexer::{index::FORMAT_VERSION, OpenIndex};

/// Opens the index at `index_dir`, rebuilding it from `corpus_dir` first when it is missing,
/// unreadable, of another format, or older than the corpus. Fails only when no usable index
/// can be had.
pub fn ensure_index(corpus_dir: &Path, index_dir: &Path) -> anyhow::Result<OpenIndex> {
    let fingerprint = if corpus_dir.is_dir() {
        Some(signpost_indexer::fingerprint(corpus_dir)?)
    } else {
        None
    };
    let existing = signpost_indexer::open_index(index_dir);
    let reason = match (&existing, &fingerprint) {
        (Ok(open), Some(fp))
            if open.manifest.corpus_fingerprint == *fp
                && open.manifest.format == FORMAT_VERSION =>
        {
            None
        }
        (Ok(_), None) => {
            tracing::warn!(corpus = %corpus_dir.display(), "corpus folder not found; serving the existing index as it is");
            None
        }
        (Ok(_), Some(_)) => Some("the corpus has changed since it was built".to_string()),
        (Err(err), _) => Some(format!("it could not be opened ({err})")),
    };
    let Some(reason) = reason else {
        return existing.map_err(Into::into);
    };
    if fingerprint.is_none() {
        anyhow::bail!(
            "no usable index at {} ({reason}) and no corpus at {} to build one from",
            index_dir.display(),
            corpus_dir.display()
        );
    }
    drop(existing);
    tracing::info!(index = %index_dir.display(), "building the index because {reason}");
    let summary = signpost_indexer::build_from_dir(corpus_dir, index_dir)?;
    tracing::info!(index = %index_dir.display(), "{summary}");
    Ok(signpost_indexer::open_index(index_dir)?)
}
