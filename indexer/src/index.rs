//! Building an index from a corpus into a fresh directory and swapping it into place, and
//! opening a built index for reading. A build never writes into the directory being served:
//! it writes beside it and renames, so a failed or interrupted build leaves the old index whole.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument};

use crate::analysis;
use crate::corpus::{Corpus, Entry, Kind};
use crate::fnv::Fnv1a;
use crate::schema::{self, Fields, LEVEL_ENTRY, LEVEL_PASSAGE};
use crate::texts::{self, PassageTexts, TEXTS_FILE};
use crate::Error;

/// Bumped whenever the schema, the analyzers or the manifest change meaning, so a server
/// rebuilds an index written by an older version instead of misreading it.
pub const FORMAT_VERSION: u32 = 8;

/// Indexes of up to this many documents are merged into a single segment at build.
const SINGLE_SEGMENT_DOCS: usize = 100_000;

/// The file, inside an index directory, that records what the index was built from.
pub const MANIFEST_FILE: &str = "signpost.json";

/// What an index was built from: the corpus itself (entries and synonyms) and its fingerprint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// [`fingerprint`] of the corpus folder the index was built from.
    pub corpus_fingerprint: String,
    pub built_at_unix: u64,
    pub corpus: Corpus,
}

/// What `build` reports.
#[derive(Debug, Clone, Copy)]
pub struct BuildSummary {
    pub entries: usize,
    pub passages: usize,
    pub elapsed: Duration,
}

impl std::fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "indexed {} entries, {} passages in {:.0?}",
            self.entries, self.passages, self.elapsed
        )
    }
}

/// An opened, read-only index with everything a reader needs.
pub struct OpenIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// The manifest; its passages' `text` is empty, see `texts`.
    pub manifest: Manifest,
    /// Every passage's text, by ordinal.
    pub texts: PassageTexts,
    pub dir: PathBuf,
}

/// A stable fingerprint ([`crate::fnv`], hex) of every file under the corpus folder: their
/// paths and contents. Modification times are not used: a fresh clone sets them all to now.
pub fn fingerprint(corpus_dir: &Path) -> Result<String, Error> {
    let mut files = Vec::new();
    collect_files(corpus_dir, &mut files).map_err(|source| Error::Io {
        path: corpus_dir.to_path_buf(),
        source,
    })?;
    files.sort();
    let mut hash = Fnv1a::new();
    let mut feed = |bytes: &[u8]| hash.write(bytes);
    feed(&FORMAT_VERSION.to_le_bytes());
    for path in files {
        let relative = path.strip_prefix(corpus_dir).unwrap_or(&path);
        feed(relative.to_string_lossy().as_bytes());
        feed(&[0]);
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        feed(&(bytes.len() as u64).to_le_bytes());
        feed(&bytes);
    }
    Ok(format!("{:016x}", hash.finish()))
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for item in std::fs::read_dir(dir)? {
        let path = item?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Indexes `corpus` into `out`: writes a complete index into a sibling directory, then swaps
/// it into place. `fingerprint` is recorded so readers can tell when the corpus changed.
pub fn build_index(corpus: &Corpus, out: &Path, fingerprint: &str) -> Result<BuildSummary, Error> {
    let started = Instant::now();
    let staging = sibling(out, "building");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    let result =
        write_index(corpus, &staging, fingerprint).and_then(|()| swap_into_place(&staging, out));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result?;
    Ok(BuildSummary {
        entries: corpus.entries.len(),
        passages: corpus.passage_count(),
        elapsed: started.elapsed(),
    })
}

/// A hidden, unique path beside `out` for writing what will replace it.
pub(crate) fn sibling(out: &Path, what: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".into());
    out.with_file_name(format!(".{name}.{what}-{}-{nanos}", std::process::id()))
}

fn write_index(corpus: &Corpus, dir: &Path, fingerprint: &str) -> Result<(), Error> {
    let (schema, fields) = schema::build();
    let index = Index::create_in_dir(dir, schema)?;
    analysis::register(&index);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let mut writer: tantivy::IndexWriter =
        index.writer_with_num_threads(threads, 64 * 1024 * 1024 * threads)?;
    let mut ordinal = 0;
    for (entry_ordinal, entry) in corpus.entries.iter().enumerate() {
        add_entry(&writer, fields, entry, entry_ordinal as u64, &mut ordinal)?;
    }
    writer.commit()?;
    // A small index is merged into one segment: every search then opens one set of postings
    // per term instead of one per indexing thread's segment, for a merge that costs
    // milliseconds. A large one keeps tantivy's merge policy: merging it whole would cost
    // more build time than it saves per search.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 && corpus.passage_count() + corpus.entries.len() <= SINGLE_SEGMENT_DOCS {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    /// [`Manifest`] as written: the same JSON, borrowing the corpus instead of copying it.
    #[derive(Serialize)]
    struct ManifestOut<'a> {
        format: u32,
        corpus_fingerprint: &'a str,
        built_at_unix: u64,
        corpus: &'a Corpus,
    }
    let manifest = ManifestOut {
        format: FORMAT_VERSION,
        corpus_fingerprint: fingerprint,
        built_at_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        corpus,
    };
    texts::write(corpus, &dir.join(TEXTS_FILE))?;
    let path = dir.join(MANIFEST_FILE);
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::create(&path).map_err(io)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    serde_json::to_writer(&mut out, &manifest).map_err(|e| Error::Manifest {
        path: path.clone(),
        message: e.to_string(),
    })?;
    std::io::Write::flush(&mut out).map_err(io)?;
    Ok(())
}

/// Adds an entry document and one document per passage of `entry`; `ordinal` counts passages
/// across the corpus.
fn add_entry(
    writer: &tantivy::IndexWriter,
    fields: Fields,
    entry: &Entry,
    entry_ordinal: u64,
    ordinal: &mut u64,
) -> Result<(), Error> {
    let triggers = entry.assistant.iter().flat_map(|a| &a.triggers);
    let alternates = entry
        .alternates
        .iter()
        .chain(triggers)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    let keywords = entry
        .project
        .as_ref()
        .map(|p| p.keywords.join("\n"))
        .unwrap_or_default();
    // An assistant entry's title is its id, which is not text anyone asks.
    let title = if entry.kind == Kind::Assistant {
        ""
    } else {
        entry.title.as_str()
    };
    writer.add_document(doc!(
        fields.entry_id => entry.id.as_str(),
        fields.kind => entry.kind.as_str(),
        fields.level => LEVEL_ENTRY,
        fields.entry_ordinal => entry_ordinal,
        fields.title => title,
        fields.alternates => alternates,
        fields.names => entry.names().join("\n"),
        fields.keywords => keywords,
    ))?;
    for (number, passage) in entry.passages.iter().enumerate() {
        let context = [passage.section.as_deref(), passage.lead_in.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        writer.add_document(doc!(
            fields.passage_id => entry.passage_id(number),
            fields.entry_id => entry.id.as_str(),
            fields.kind => entry.kind.as_str(),
            fields.level => LEVEL_PASSAGE,
            fields.context => context,
            fields.body => &*passage.text,
            fields.ordinal => *ordinal,
            fields.entry_ordinal => entry_ordinal,
        ))?;
        *ordinal += 1;
    }
    Ok(())
}

/// Moves the finished `staging` directory to `out`, replacing what was there.
pub(crate) fn swap_into_place(staging: &Path, out: &Path) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let retired = sibling(out, "old");
    let had_old = out.exists();
    if had_old {
        std::fs::rename(out, &retired).map_err(io(out))?;
    }
    if let Err(source) = std::fs::rename(staging, out) {
        if had_old {
            let _ = std::fs::rename(&retired, out);
        }
        return Err(Error::Io {
            path: out.to_path_buf(),
            source,
        });
    }
    if had_old {
        // Readers that still have the old files mapped keep them until they let go.
        let _ = std::fs::remove_dir_all(&retired);
    }
    Ok(())
}

/// Opens the index in `dir` for reading, with Signpost's analyzers registered.
pub fn open_index(dir: &Path) -> Result<OpenIndex, Error> {
    open_index_with(dir, texts::IN_MEMORY_BYTES)
}

/// [`open_index`], holding the passage texts in memory only when they take at most
/// `texts_in_memory_bytes`.
pub fn open_index_with(dir: &Path, texts_in_memory_bytes: u64) -> Result<OpenIndex, Error> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest_bytes = std::fs::read(&manifest_path).map_err(|source| Error::Io {
        path: manifest_path.clone(),
        source,
    })?;
    let mut manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|e| Error::Manifest {
            path: manifest_path.clone(),
            message: e.to_string(),
        })?;
    drop(manifest_bytes);
    manifest.corpus.shrink_to_fit();
    if manifest.format != FORMAT_VERSION {
        return Err(Error::Manifest {
            path: manifest_path,
            message: format!(
                "index format {} but this build reads format {FORMAT_VERSION}",
                manifest.format
            ),
        });
    }
    let texts = PassageTexts::open(
        &dir.join(TEXTS_FILE),
        manifest.corpus.passage_count(),
        texts_in_memory_bytes,
    )?;
    let index = Index::open_in_dir(dir)?;
    analysis::register(&index);
    let fields = Fields::from_schema(&index.schema()).ok_or_else(|| Error::Manifest {
        path: dir.to_path_buf(),
        message: "the index schema is not a Signpost schema".into(),
    })?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok(OpenIndex {
        index,
        reader,
        fields,
        manifest,
        texts,
        dir: dir.to_path_buf(),
    })
}

impl OpenIndex {
    /// Reads a stored passage document's text field.
    pub fn stored_text(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
        use tantivy::schema::document::Value;
        doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::parse_entry;

    fn tiny_corpus() -> Corpus {
        let faq = parse_entry(
            Kind::Faq,
            Path::new("faq/a.md"),
            "---\nid: faq-01\ntitle: Is there a helpline?\n---\nRing the phone line.\n",
        )
        .unwrap();
        Corpus {
            entries: vec![faq],
            synonyms: Vec::new(),
            spelling: Vec::new(),
        }
    }

    #[test]
    fn builds_opens_and_finds_a_passage() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        let summary = build_index(&tiny_corpus(), &out, "abc").unwrap();
        assert_eq!((summary.entries, summary.passages), (1, 1));
        let open = open_index(&out).unwrap();
        assert_eq!(open.manifest.corpus_fingerprint, "abc");
        let searcher = open.reader.searcher();
        assert_eq!(
            searcher.num_docs(),
            2,
            "one entry document and one passage document"
        );
        let term = tantivy::Term::from_field_text(open.fields.body, &analysis::stem("phone"));
        let query = tantivy::query::TermQuery::new(term, IndexRecordOption::Basic);
        assert_eq!(
            searcher.search(&query, &tantivy::collector::Count).unwrap(),
            1
        );
    }

    #[test]
    fn rebuilding_replaces_the_index_and_leaves_no_staging_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        build_index(&tiny_corpus(), &out, "one").unwrap();
        build_index(&tiny_corpus(), &out, "two").unwrap();
        assert_eq!(open_index(&out).unwrap().manifest.corpus_fingerprint, "two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, ["index"]);
    }

    #[test]
    fn opening_a_missing_index_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            open_index(&dir.path().join("nope")),
            Err(Error::Io { .. })
        ));
    }

    #[test]
    fn fingerprint_changes_with_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "one").unwrap();
        let first = fingerprint(dir.path()).unwrap();
        assert_eq!(first, fingerprint(dir.path()).unwrap());
        std::fs::write(dir.path().join("a.md"), "two").unwrap();
        assert_ne!(first, fingerprint(dir.path()).unwrap());
    }

    use tantivy::schema::IndexRecordOption;
}
