//! The corpus's rules beyond one file's fields: what an id may be, when two FAQ titles are the
//! same question, and the checks that need the whole corpus (unique ids and FAQ titles,
//! `related` naming an entry).

use std::collections::hash_map::{Entry as Slot, HashMap};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use super::{Corpus, Entry, Kind, Problem};

/// The longest entry id [`is_slug`] accepts.
pub const MAX_ID_LEN: usize = 64;

/// Is `id` a valid slug: lower-case ASCII letters and digits, single inner hyphens.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// What two FAQ titles are compared by: lower-case, with every run of whitespace one space, so
/// "Is there a helpline?" and "is there a  HELPLINE?" are the same question.
pub fn title_key(title: &str) -> String {
    let mut key = String::with_capacity(title.len());
    for word in title.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

/// Checks that need the whole corpus: unique ids and titles, and `related` pointing somewhere.
pub(super) fn check_across_entries(corpus: &Corpus, problems: &mut Vec<Problem>) {
    let mut seen: BTreeMap<&str, &Entry> = BTreeMap::new();
    for entry in &corpus.entries {
        if let Some(first) = seen.get(entry.id.as_str()) {
            problems.push(Problem {
                path: PathBuf::from(&entry.path),
                line: 2,
                message: format!("duplicate id `{}`: also used by {}", entry.id, first.path),
            });
        } else {
            seen.insert(&entry.id, entry);
        }
    }
    // FAQ titles are questions a resident picks from a list: two the same is one too many.
    let mut titles: HashMap<String, &Entry> = HashMap::new();
    for entry in corpus.of_kind(Kind::Faq) {
        match titles.entry(title_key(&entry.title)) {
            Slot::Occupied(first) => problems.push(Problem {
                path: PathBuf::from(&entry.path),
                line: entry.title_line,
                message: format!(
                    "duplicate FAQ title \"{}\": also the title of {}",
                    entry.title,
                    first.get().path
                ),
            }),
            Slot::Vacant(slot) => {
                slot.insert(entry);
            }
        }
    }
    let ids: HashSet<&str> = corpus.entries.iter().map(|e| e.id.as_str()).collect();
    for entry in &corpus.entries {
        for (i, related) in entry.related.iter().enumerate() {
            if !ids.contains(related.as_str()) {
                problems.push(Problem {
                    path: PathBuf::from(&entry.path),
                    line: entry.related_lines.get(i).copied().unwrap_or(1),
                    message: format!("`related` names `{related}`, which is not an entry id"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::load;

    #[test]
    fn slugs() {
        for good in [
            "parsol", "e-pay", "km2", "faq-05", "faq-100", "faq-t001", "0-a",
        ] {
            assert!(is_slug(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "é", "faq_05", "FAQ-05"] {
            assert!(!is_slug(bad), "{bad}");
        }
        assert!(is_slug(&"a".repeat(MAX_ID_LEN)));
        assert!(!is_slug(&"a".repeat(MAX_ID_LEN + 1)));
    }

    #[test]
    fn title_keys_ignore_case_and_spacing() {
        for (a, b, same) in [
            ("Is there a helpline?", "is there a  HELPLINE?", true),
            (" Is\tthere\na helpline? ", "Is there a helpline?", true),
            ("ÉCOLE?", "école?", true),
            ("Is there a helpline?", "Is there a help line?", false),
            ("Is there a helpline?", "Is there a helpline", false),
        ] {
            assert_eq!(title_key(a) == title_key(b), same, "{a:?} {b:?}");
        }
    }

    /// Writes `files` (path under the corpus, text) into a fresh corpus folder.
    fn corpus_of(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn duplicate_faq_titles_name_both_files_at_the_title_line() {
        let dir = corpus_of(&[
            ("faq/a.md", "---\nid: faq-a\ntitle: Is there a helpline?\n---\nYes.\n"),
            (
                "faq/b.md",
                "---\nid: faq-b\n# the same question, differently typed\ntitle: is there a  HELPLINE?\n---\nStill yes.\n",
            ),
            ("faq/c.md", "---\nid: faq-c\ntitle: Is there a help line?\n---\nA different one.\n"),
            // A project may share an FAQ's title: only FAQ titles are listed together.
            (
                "projects/p.md",
                "---\nid: p\nname: Is there a helpline?\nshort_name: Is there a helpline?\nstrand: unknown\nsummary: S.\nsources:\n  - https://example.org/\n---\nText.\n",
            ),
        ]);
        let problems = load(dir.path()).unwrap_err();
        assert_eq!(problems.0.len(), 1, "{problems}");
        let problem = &problems.0[0];
        assert_eq!(problem.path, dir.path().join("faq/b.md"));
        assert_eq!(problem.line, 4);
        let a = dir.path().join("faq/a.md");
        assert_eq!(
            problem.message,
            format!(
                "duplicate FAQ title \"is there a  HELPLINE?\": also the title of {}",
                a.display()
            )
        );
    }

    #[test]
    fn load_finds_duplicates_across_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("faq")).unwrap();
        for name in ["a.md", "b.md"] {
            std::fs::write(
                dir.path().join("faq").join(name),
                "---\nid: faq-01\ntitle: Q?\n---\nText\n",
            )
            .unwrap();
        }
        let problems = load(dir.path()).unwrap_err();
        assert!(
            problems
                .0
                .iter()
                .any(|p| p.message.contains("duplicate id `faq-01`")),
            "{problems}"
        );
    }
}
