//! What editors teach Signpost from the admin pages, kept apart from the corpus files and
//! applied over them whenever an index is built: each learned phrasing becomes one more
//! alternate of its entry (a programme entry it should answer, or an assistant entry that
//! declines it). The server keeps the phrasings in its store, so a deployment whose corpus
//! folder is read-only still learns; [`fold`] writes them into the entry files, as
//! `alternates:` items, for review like the rest of the corpus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{self, Corpus};
use crate::Error;

/// The learned phrasings in force, in the order they were taught.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlay {
    pub phrasings: Vec<LearnedPhrasing>,
}

/// One question an editor said an entry answers (or declines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnedPhrasing {
    pub entry_id: String,
    pub phrasing: String,
}

/// What [`Overlay::apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub added: usize,
    /// Phrasings the entry already had (as its title or an alternate).
    pub already_there: usize,
    /// Phrasings of entries the corpus no longer has, by entry id.
    pub orphaned: Vec<String>,
}

/// A phrasing as compared for duplicates: lower case, single spaces, no closing `?`.
fn normal(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_end_matches(['?', '.', '!', ' ']).to_lowercase()
}

/// A phrasing as written into an entry: one line, single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Overlay {
    pub fn is_empty(&self) -> bool {
        self.phrasings.is_empty()
    }

    /// A hash of the phrasings, folded into the index's corpus fingerprint so that an index
    /// is rebuilt when what was learned changes. `None` when nothing was learned, so an
    /// index built from the corpus alone keeps its fingerprint.
    pub fn fingerprint(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for p in &self.phrasings {
            for byte in p
                .entry_id
                .bytes()
                .chain([0])
                .chain(p.phrasing.bytes())
                .chain([0])
            {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Some(format!("{hash:016x}"))
    }

    /// The fingerprint of the corpus files with this overlay applied.
    pub fn corpus_fingerprint(&self, files: &str) -> String {
        match self.fingerprint() {
            Some(learned) => format!("{files}+learned-{learned}"),
            None => files.to_string(),
        }
    }

    /// Adds each phrasing to its entry's alternates, skipping those the entry already has and
    /// those of entries the corpus no longer has (an editor removed the entry since).
    pub fn apply(&self, corpus: &mut Corpus) -> Applied {
        let mut applied = Applied::default();
        let places: BTreeMap<&str, usize> = corpus
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let mut additions: Vec<(usize, String)> = Vec::new();
        for learned in &self.phrasings {
            let Some(&i) = places.get(learned.entry_id.as_str()) else {
                applied.orphaned.push(learned.entry_id.clone());
                continue;
            };
            let entry = &corpus.entries[i];
            let wanted = normal(&learned.phrasing);
            let known = std::iter::once(&entry.title)
                .chain(&entry.alternates)
                .chain(additions.iter().filter(|(e, _)| *e == i).map(|(_, p)| p))
                .any(|p| normal(p) == wanted);
            if known || wanted.is_empty() {
                applied.already_there += 1;
            } else {
                additions.push((i, one_line(&learned.phrasing)));
                applied.added += 1;
            }
        }
        for (i, phrasing) in additions {
            corpus.entries[i].alternates.push(phrasing);
        }
        applied
    }
}

/// What [`fold`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    /// Phrasings written as new `alternates:` items.
    pub written: usize,
    /// Phrasings the entries already had.
    pub already_there: usize,
    /// Entry ids the corpus does not have; nothing was written for them.
    pub orphaned: Vec<String>,
    /// The files changed, relative to the corpus folder.
    pub files: Vec<String>,
}

impl std::fmt::Display for Folded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wrote {} learned phrasings into {} files ({} already there",
            self.written,
            self.files.len(),
            self.already_there
        )?;
        if !self.orphaned.is_empty() {
            write!(f, "; no entry {}", self.orphaned.join(", "))?;
        }
        f.write_str(")")
    }
}

/// Writes the overlay's phrasings into the corpus files as `alternates:` items of their
/// entries. Every changed file is checked by loading the whole corpus with the changes
/// (in a scratch copy) before any file is replaced, and each is replaced in one rename, so a
/// failure leaves the corpus as it was.
pub fn fold(overlay: &Overlay, corpus_dir: &Path) -> Result<Folded, Error> {
    let corpus = corpus::load(corpus_dir)?;
    let mut folded = Folded::default();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut written: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for learned in &overlay.phrasings {
        let Some(entry) = corpus.entry(&learned.entry_id) else {
            folded.orphaned.push(learned.entry_id.clone());
            continue;
        };
        let wanted = normal(&learned.phrasing);
        let added = written.entry(entry.id.clone()).or_default();
        let known = std::iter::once(&entry.title)
            .chain(&entry.alternates)
            .chain(added.iter())
            .any(|p| normal(p) == wanted);
        if known || wanted.is_empty() {
            folded.already_there += 1;
            continue;
        }
        // An entry's path is the corpus folder joined with the file's place in it.
        let full = PathBuf::from(&entry.path);
        let relative = full
            .strip_prefix(corpus_dir)
            .unwrap_or(&full)
            .to_string_lossy()
            .into_owned();
        let text = match texts.get(&relative) {
            Some(text) => text.clone(),
            None => std::fs::read_to_string(&full).map_err(|source| Error::Io {
                path: full.clone(),
                source,
            })?,
        };
        let phrasing = one_line(&learned.phrasing);
        texts.insert(relative, with_alternate(&text, &phrasing));
        added.push(phrasing);
        folded.written += 1;
    }
    if texts.is_empty() {
        return Ok(folded);
    }
    check_in_scratch_copy(corpus_dir, &texts, &written)?;
    for (relative, text) in &texts {
        let path = corpus_dir.join(relative);
        let temporary = path.with_extension("md.folding");
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, &path).map_err(io)?;
        folded.files.push(relative.clone());
    }
    Ok(folded)
}

/// Loads a copy of the corpus with the changed files and checks every folded phrasing is
/// read back as an alternate of its entry.
fn check_in_scratch_copy(
    corpus_dir: &Path,
    texts: &BTreeMap<String, String>,
    written: &BTreeMap<String, Vec<String>>,
) -> Result<(), Error> {
    let scratch = tempfile::tempdir().map_err(|source| Error::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    copy_dir(corpus_dir, scratch.path())?;
    for (relative, text) in texts {
        let path = scratch.path().join(relative);
        std::fs::write(&path, text).map_err(|source| Error::Io { path, source })?;
    }
    let corpus = corpus::load(scratch.path())?;
    for (id, phrasings) in written {
        let entry = corpus.entry(id);
        for phrasing in phrasings {
            if !entry.is_some_and(|e| e.alternates.contains(phrasing)) {
                return Err(Error::Io {
                    path: PathBuf::from(id),
                    source: std::io::Error::other(format!(
                        "the folded phrasing {phrasing:?} did not read back as an alternate"
                    )),
                });
            }
        }
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    for item in std::fs::read_dir(from).map_err(io(from))? {
        let item = item.map_err(io(from))?;
        let target = to.join(item.file_name());
        if item.file_type().map_err(io(&item.path()))?.is_dir() {
            copy_dir(&item.path(), &target)?;
        } else {
            std::fs::copy(item.path(), &target).map_err(io(&item.path()))?;
        }
    }
    Ok(())
}

/// The entry file's text with `phrasing` as the last item of its `alternates:` list, the
/// list added at the end of the front matter when the entry has none.
fn with_alternate(text: &str, phrasing: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let item = format!("  - {phrasing}\n");
    // The front matter is between the first line (`---`) and the next `---` line.
    let close = lines
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| l.trim_end() == "---")
        .map_or(lines.len(), |(i, _)| i);
    let key = (1..close).find(|&i| lines[i].trim_end() == "alternates:");
    let at = match key {
        Some(key) => {
            // After the list's last item; comments and blank lines inside it stay where they are.
            let mut end = key + 1;
            let mut i = key + 1;
            while i < close {
                let line = lines[i].trim_start();
                if line.starts_with("- ") || line.trim_end() == "-" {
                    end = i + 1;
                } else if !(line.starts_with('#') || line.trim().is_empty()) {
                    break;
                }
                i += 1;
            }
            end
        }
        None => close,
    };
    let mut out = String::with_capacity(text.len() + item.len() + 16);
    for line in &lines[..at] {
        out.push_str(line);
    }
    if key.is_none() {
        out.push_str("alternates:\n");
    }
    out.push_str(&item);
    for line in &lines[at..] {
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learned(entry_id: &str, phrasing: &str) -> LearnedPhrasing {
        LearnedPhrasing {
            entry_id: entry_id.into(),
            phrasing: phrasing.into(),
        }
    }

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let faq = dir.path().join("faq");
        let assistant = dir.path().join("assistant");
        std::fs::create_dir_all(&faq).unwrap();
        std::fs::create_dir_all(&assistant).unwrap();
        std::fs::write(
            faq.join("faq-01.md"),
            "---\nid: faq-01\ntitle: Who paid for the programme?\nalternates:\n  - who funded it\n  # a comment in the list\n  - where did the money come from\nrelated:\n  - faq-02\n---\nThe ODPM paid.\n",
        )
        .unwrap();
        std::fs::write(
            faq.join("faq-02.md"),
            "---\nid: faq-02\ntitle: When did it run?\n---\nFrom 2003 to 2005.\n",
        )
        .unwrap();
        std::fs::write(
            assistant.join("your-council.md"),
            "---\nid: your-council\nintent: decline\ntriggers:\n  - my bin\n---\nAsk your council.\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn apply_adds_new_phrasings_once_and_names_entries_gone() {
        let dir = fixture();
        let mut corpus = corpus::load(dir.path()).unwrap();
        let overlay = Overlay {
            phrasings: vec![
                learned("faq-02", "how long did the programme last"),
                learned("faq-02", "How long did the  programme last?"),
                learned("faq-01", "Who funded it?"),
                learned("your-council", "can I get a new wheelie bin"),
                learned("faq-99", "gone"),
            ],
        };
        let applied = overlay.apply(&mut corpus);
        assert_eq!(applied.added, 2);
        assert_eq!(applied.already_there, 2);
        assert_eq!(applied.orphaned, ["faq-99"]);
        assert_eq!(
            corpus.entry("faq-02").unwrap().alternates,
            ["how long did the programme last"]
        );
        assert_eq!(
            corpus.entry("your-council").unwrap().alternates,
            ["can I get a new wheelie bin"]
        );
    }

    #[test]
    fn the_fingerprint_changes_with_what_was_learned_and_not_without_it() {
        let none = Overlay::default();
        assert_eq!(none.corpus_fingerprint("abc"), "abc");
        let one = Overlay {
            phrasings: vec![learned("faq-01", "x")],
        };
        let other = Overlay {
            phrasings: vec![learned("faq-01", "y")],
        };
        assert_ne!(one.corpus_fingerprint("abc"), "abc");
        assert_ne!(
            one.corpus_fingerprint("abc"),
            other.corpus_fingerprint("abc")
        );
    }

    #[test]
    fn fold_writes_alternates_that_read_back_and_keeps_the_rest_of_the_file() {
        let dir = fixture();
        let overlay = Overlay {
            phrasings: vec![
                learned("faq-01", "who footed the bill"),
                learned("faq-02", "how long did it last"),
                learned("faq-02", "how long did it last?"),
                learned("your-council", "can I get a new wheelie bin"),
                learned("faq-01", "who funded it"),
                learned("faq-77", "nowhere"),
            ],
        };
        let folded = fold(&overlay, dir.path()).unwrap();
        assert_eq!(folded.written, 3);
        assert_eq!(folded.already_there, 2);
        assert_eq!(folded.orphaned, ["faq-77"]);
        assert_eq!(folded.files.len(), 3);
        let corpus = corpus::load(dir.path()).unwrap();
        assert_eq!(
            corpus.entry("faq-01").unwrap().alternates,
            [
                "who funded it",
                "where did the money come from",
                "who footed the bill"
            ]
        );
        assert_eq!(corpus.entry("faq-01").unwrap().related, ["faq-02"]);
        assert_eq!(
            corpus.entry("faq-02").unwrap().alternates,
            ["how long did it last"]
        );
        assert_eq!(
            corpus.entry("your-council").unwrap().alternates,
            ["can I get a new wheelie bin"]
        );
        let text = std::fs::read_to_string(dir.path().join("faq/faq-01.md")).unwrap();
        assert!(text.contains("  # a comment in the list\n"), "{text}");
        assert!(text.ends_with("---\nThe ODPM paid.\n"), "{text}");
        // Folding again changes nothing.
        let again = fold(&overlay, dir.path()).unwrap();
        assert_eq!(again.written, 0);
        assert!(again.files.is_empty());
    }
}
