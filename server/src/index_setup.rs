//! Where index generations live, and getting a servable index at start-up.
//!
//! Layout: the configured index directory (`data/index`) holds the first build, generation 0;
//! every later build — a rebuild at start-up, `POST /admin/reindex`, SIGHUP — goes into a new
//! sibling `data/index.gen-N` with the next N. A build never writes into or renames anything a
//! reader may have open, so the index being served stays whole until the swap, and readers of
//! the old generation finish undisturbed after it. After a swap the previous generation is
//! kept (for requests still using it) and older ones are deleted, `data/index` included once
//! two newer generations exist: at most two copies of the index stay on disk.
//!
//! At start-up the newest generation that opens, passes its checksums and was built from the
//! current corpus is served. When none is, the index is rebuilt from the corpus and the log
//! says why; the server refuses to start only when there is no usable index and no corpus to
//! build one from.

use std::path::{Path, PathBuf};

use signpost_indexer::overlay::Overlay;
use signpost_indexer::{index::FORMAT_VERSION, OpenIndex};

/// The generation an index directory holds: N for `….gen-N`, otherwise 0.
pub fn generation_of(dir: &Path) -> u64 {
    const MARK: &str = ".gen-";
    dir.file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| {
            // The last mark, found by comparing bytes: every response names its generation,
            // and `rsplit_once` built a string searcher for it each time.
            let at = name
                .as_bytes()
                .windows(MARK.len())
                .rposition(|w| w == MARK.as_bytes())?;
            name[at + MARK.len()..].parse().ok()
        })
        .unwrap_or(0)
}

/// The index generations beside one configured index directory.
#[derive(Debug, Clone)]
pub struct IndexLayout {
    base: PathBuf,
}

impl IndexLayout {
    pub fn new(base: impl Into<PathBuf>) -> IndexLayout {
        IndexLayout { base: base.into() }
    }

    /// The configured index directory: generation 0.
    pub fn base(&self) -> &Path {
        &self.base
    }

    fn base_name(&self) -> String {
        self.base
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "index".into())
    }

    fn parent(&self) -> PathBuf {
        match self.base.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The directory of generation `n`.
    pub fn dir(&self, n: u64) -> PathBuf {
        if n == 0 {
            self.base.clone()
        } else {
            self.base
                .with_file_name(format!("{}.gen-{n}", self.base_name()))
        }
    }

    /// The generations present on disk, oldest first.
    pub fn generations(&self) -> std::io::Result<Vec<u64>> {
        let prefix = format!("{}.gen-", self.base_name());
        let mut found = Vec::new();
        if self.base.is_dir() {
            found.push(0);
        }
        let parent = self.parent();
        if parent.is_dir() {
            for item in std::fs::read_dir(&parent)? {
                let item = item?;
                let name = item.file_name();
                let Some(n) = name
                    .to_str()
                    .and_then(|name| name.strip_prefix(&prefix))
                    .and_then(|n| n.parse::<u64>().ok())
                    .filter(|n| *n > 0)
                else {
                    continue;
                };
                if item.path().is_dir() {
                    found.push(n);
                }
            }
        }
        found.sort_unstable();
        Ok(found)
    }

    /// The generation the next build goes into: 0 when there is nothing yet.
    pub fn next_generation(&self) -> std::io::Result<u64> {
        let present = self.generations()?;
        Ok(match present.last() {
            None if !self.base.exists() => 0,
            None => 1,
            Some(n) => n + 1,
        })
    }

    /// Deletes generations other than `keep`. Generation 0, the configured directory, goes
    /// only once two newer generations exist: until then it may be the one a person or
    /// `signpost-indexer build` put there and the only fallback. Failures are logged: a
    /// leftover directory costs disk space, not correctness.
    pub fn prune(&self, keep: &[u64]) {
        let Ok(present) = self.generations() else {
            return;
        };
        let newer_than_first = present.iter().filter(|n| **n > 0).count();
        for n in present {
            if keep.contains(&n) || (n == 0 && newer_than_first < 2) {
                continue;
            }
            let dir = self.dir(n);
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => tracing::info!(generation = n, "removed the old index generation"),
                Err(err) => {
                    tracing::warn!(dir = %dir.display(), "could not remove an old index generation: {err}")
                }
            }
        }
    }

    /// Removes staging directories left by builds that were interrupted (a crash, a kill).
    pub fn remove_leftovers(&self) {
        let prefix = format!(".{}.", self.base_name());
        let Ok(items) = std::fs::read_dir(self.parent()) else {
            return;
        };
        for item in items.flatten() {
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            let leftover = name.starts_with(&prefix)
                && (name.contains(".building-") || name.contains(".old-"));
            if leftover && item.path().is_dir() {
                tracing::info!(dir = name, "removing an interrupted build");
                let _ = std::fs::remove_dir_all(item.path());
            }
        }
    }
}

/// Opens the index in `dir` and checks it is whole: its files pass their checksums and it
/// holds at least a document for every passage its manifest lists.
pub fn open_checked(dir: &Path) -> anyhow::Result<OpenIndex> {
    check_files(dir)?;
    let open = signpost_indexer::open_index(dir)?;
    // Every passage is a document (the format may add others): fewer means segments are lost.
    let docs = open.reader.searcher().num_docs();
    let passages = open.manifest.corpus.passage_count() as u64;
    if docs < passages {
        anyhow::bail!("it holds {docs} documents but its manifest lists {passages} passages");
    }
    Ok(open)
}

/// Checks every file of the index in `dir` against its checksum. It reads them through an
/// index opened only for this and dropped after: the files are memory-mapped, and pages read
/// through the serving index's own maps would stay in the server's resident memory (every
/// stored document, 156 MiB at a million passages, which answering never reads).
fn check_files(dir: &Path) -> anyhow::Result<()> {
    let index = tantivy::Index::open_in_dir(dir)?;
    let damaged = index.validate_checksum()?;
    if !damaged.is_empty() {
        let mut names: Vec<String> = damaged
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        names.sort();
        anyhow::bail!("damaged files: {}", names.join(", "));
    }
    Ok(())
}

/// Opens the newest good generation of the index at `index_dir`, rebuilding it from
/// `corpus_dir` into a new generation first when none was built from the current corpus by
/// this version. Fails only when no usable index can be had.
pub fn ensure_index(corpus_dir: &Path, index_dir: &Path) -> anyhow::Result<OpenIndex> {
    ensure_index_with(corpus_dir, index_dir, &Overlay::default())
}

/// [`ensure_index`] with the phrasings editors taught applied over the corpus: an index
/// built from the same corpus with other learned phrasings is rebuilt.
pub fn ensure_index_with(
    corpus_dir: &Path,
    index_dir: &Path,
    learned: &Overlay,
) -> anyhow::Result<OpenIndex> {
    let layout = IndexLayout::new(index_dir);
    layout.remove_leftovers();
    let fingerprint = if corpus_dir.is_dir() {
        Some(learned.corpus_fingerprint(&signpost_indexer::fingerprint(corpus_dir)?))
    } else {
        None
    };
    let mut reasons = Vec::new();
    for n in layout.generations()?.into_iter().rev() {
        let dir = layout.dir(n);
        match open_checked(&dir) {
            Ok(open) if open.manifest.format != FORMAT_VERSION => {
                reasons.push(format!("generation {n} has another format"));
            }
            Ok(open) => match &fingerprint {
                Some(fp) if open.manifest.corpus_fingerprint != *fp => {
                    reasons.push(format!(
                        "generation {n} was built before the corpus last changed"
                    ));
                }
                Some(_) => {
                    tracing::info!(index = %dir.display(), generation = n, "serving the index");
                    layout.prune(&[n]);
                    return Ok(open);
                }
                None => {
                    tracing::warn!(corpus = %corpus_dir.display(), generation = n, "corpus folder not found; serving the existing index as it is");
                    return Ok(open);
                }
            },
            Err(err) => {
                tracing::warn!(index = %dir.display(), generation = n, "the index cannot be used: {err:#}");
                reasons.push(format!("generation {n} could not be opened ({err:#})"));
            }
        }
    }
    if reasons.is_empty() {
        reasons.push("there is none yet".into());
    }
    let reason = reasons.join("; ");
    if fingerprint.is_none() {
        anyhow::bail!(
            "no usable index at {} ({reason}) and no corpus at {} to build one from",
            index_dir.display(),
            corpus_dir.display()
        );
    }
    let n = layout.next_generation()?;
    let dir = layout.dir(n);
    tracing::info!(index = %dir.display(), generation = n, "building the index because {reason}");
    let summary = signpost_indexer::build_from_dir_with(corpus_dir, &dir, learned)?;
    tracing::info!(index = %dir.display(), generation = n, "{summary}");
    let open = open_checked(&dir)?;
    layout.prune(&[n]);
    Ok(open)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_corpus() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/corpus")
    }

    #[test]
    fn generations_are_named_beside_the_base() {
        let layout = IndexLayout::new("/srv/data/index");
        assert_eq!(layout.dir(0), PathBuf::from("/srv/data/index"));
        assert_eq!(layout.dir(7), PathBuf::from("/srv/data/index.gen-7"));
        for n in [0, 1, 7, 12_345] {
            assert_eq!(generation_of(&layout.dir(n)), n);
        }
        assert_eq!(generation_of(Path::new("/tmp/x/index.gen-zz")), 0);
        assert_eq!(generation_of(Path::new("/tmp/x/a.gen-1.gen-12")), 12);
        assert_eq!(generation_of(Path::new("/tmp/x/index.gen-")), 0);
        assert_eq!(generation_of(Path::new("/tmp/x.gen-3/index")), 0);
    }

    #[test]
    fn first_build_is_the_base_then_new_generations_and_pruning() {
        let data = tempfile::tempdir().unwrap();
        let base = data.path().join("index");
        let layout = IndexLayout::new(&base);
        assert_eq!(layout.generations().unwrap(), Vec::<u64>::new());
        assert_eq!(layout.next_generation().unwrap(), 0);
        let open = ensure_index(&fixture_corpus(), &base).unwrap();
        assert_eq!(generation_of(&open.dir), 0);
        for n in 1..=3 {
            std::fs::create_dir(layout.dir(n)).unwrap();
        }
        std::fs::write(data.path().join("index.gen-9"), "a file, not a generation").unwrap();
        assert_eq!(layout.generations().unwrap(), [0, 1, 2, 3]);
        assert_eq!(layout.next_generation().unwrap(), 4);
        layout.prune(&[3, 2]);
        // The first build goes too once two newer ones exist.
        assert_eq!(layout.generations().unwrap(), [2, 3]);
        assert!(!base.exists());
        assert_eq!(layout.next_generation().unwrap(), 4);
    }

    #[test]
    fn the_first_build_stays_while_it_is_one_of_the_two_newest() {
        let data = tempfile::tempdir().unwrap();
        let base = data.path().join("index");
        let layout = IndexLayout::new(&base);
        ensure_index(&fixture_corpus(), &base).unwrap();
        std::fs::create_dir(layout.dir(1)).unwrap();
        layout.prune(&[1]);
        assert_eq!(layout.generations().unwrap(), [0, 1]);
        std::fs::create_dir(layout.dir(2)).unwrap();
        layout.prune(&[2, 1]);
        assert_eq!(layout.generations().unwrap(), [1, 2]);
    }

    #[test]
    fn start_up_serves_the_newest_generation_built_from_this_corpus() {
        let data = tempfile::tempdir().unwrap();
        let base = data.path().join("index");
        let layout = IndexLayout::new(&base);
        ensure_index(&fixture_corpus(), &base).unwrap();
        signpost_indexer::build_from_dir(&fixture_corpus(), &layout.dir(4)).unwrap();
        let open = ensure_index(&fixture_corpus(), &base).unwrap();
        assert_eq!(generation_of(&open.dir), 4);
        drop(open);
        // A staging directory from an interrupted build is swept away.
        let staging = data.path().join(".index.gen-5.building-1-2");
        std::fs::create_dir(&staging).unwrap();
        ensure_index(&fixture_corpus(), &base).unwrap();
        assert!(!staging.exists());
    }

    #[test]
    fn a_damaged_newest_generation_is_skipped() {
        let data = tempfile::tempdir().unwrap();
        let base = data.path().join("index");
        let layout = IndexLayout::new(&base);
        ensure_index(&fixture_corpus(), &base).unwrap();
        signpost_indexer::build_from_dir(&fixture_corpus(), &layout.dir(1)).unwrap();
        std::fs::write(layout.dir(1).join("meta.json"), "{ not json").unwrap();
        let open = ensure_index(&fixture_corpus(), &base).unwrap();
        assert_eq!(generation_of(&open.dir), 0);
    }
}
