//! Reading a corpus folder: every entry file of each kind (see [`super::parse_entry`]), the
//! synonyms and spelling rules, then the checks across entries. Every problem is collected,
//! each at its file and line.

use std::path::{Path, PathBuf};

use super::check::check_across_entries;
use super::parse::parse_entry;
use super::{Corpus, Kind, Problem, Problems};
use crate::spelling;
use crate::synonyms;

pub const SYNONYMS_FILE: &str = "synonyms.txt";
pub const SPELLING_FILE: &str = "spelling.txt";

/// The folder under the corpus that holds the entry files of `kind`.
fn folder(kind: Kind) -> &'static str {
    match kind {
        Kind::Faq => "faq",
        Kind::Project => "projects",
        Kind::Assistant => "assistant",
    }
}

/// Reads and validates the corpus in `dir`. Returns every problem found when any is.
pub fn load(dir: &Path) -> Result<Corpus, Problems> {
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    if !dir.is_dir() {
        return Err(Problems(vec![Problem {
            path: dir.to_path_buf(),
            line: 0,
            message: "the corpus folder does not exist".into(),
        }]));
    }
    for kind in [Kind::Faq, Kind::Project, Kind::Assistant] {
        for path in markdown_files(&dir.join(folder(kind)), &mut problems) {
            let shown = path.clone();
            match std::fs::read_to_string(&path) {
                Ok(text) => match parse_entry(kind, &shown, &text) {
                    Ok(entry) => entries.push(entry),
                    Err(mut found) => problems.append(&mut found),
                },
                Err(err) => problems.push(Problem {
                    path: shown,
                    line: 0,
                    message: format!("cannot read the file: {err}"),
                }),
            }
        }
    }
    let synonyms = read_rules(&dir.join(SYNONYMS_FILE), &mut problems, |text| {
        synonyms::parse(text)
            .map_err(|errors| errors.into_iter().map(|e| (e.line, e.message)).collect())
    });
    let spelling = read_rules(&dir.join(SPELLING_FILE), &mut problems, |text| {
        spelling::parse(text)
            .map_err(|errors| errors.into_iter().map(|e| (e.line, e.message)).collect())
    });
    let corpus = Corpus {
        entries,
        synonyms,
        spelling,
    };
    check_across_entries(&corpus, &mut problems);
    if corpus.entries.iter().all(|e| e.kind == Kind::Assistant) && problems.is_empty() {
        problems.push(Problem {
            path: dir.to_path_buf(),
            line: 0,
            message: "the corpus has no FAQ or project entries".into(),
        });
    }
    if problems.is_empty() {
        Ok(corpus)
    } else {
        Err(Problems(problems))
    }
}

/// Reads an optional rules file (synonyms, spelling) with `parse`, recording its problems
/// by line; a missing file has no rules.
fn read_rules<T>(
    path: &Path,
    problems: &mut Vec<Problem>,
    parse: impl FnOnce(&str) -> Result<Vec<T>, Vec<(usize, String)>>,
) -> Vec<T> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(err) => {
            problems.push(Problem {
                path: path.to_path_buf(),
                line: 0,
                message: format!("cannot read the file: {err}"),
            });
            return Vec::new();
        }
    };
    parse(&text).unwrap_or_else(|errors| {
        problems.extend(errors.into_iter().map(|(line, message)| Problem {
            path: path.to_path_buf(),
            line,
            message,
        }));
        Vec::new()
    })
}

fn markdown_files(dir: &Path, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for item in read.flatten() {
        let path = item.path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        } else if path.is_file()
            && !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            problems.push(Problem {
                path,
                line: 0,
                message: "not a `.md` file; entries must end in `.md`".into(),
            });
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_rules_are_loaded_and_their_problems_reported_by_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("faq")).unwrap();
        std::fs::write(
            dir.path().join("faq/a.md"),
            "---\nid: faq-01\ntitle: Q?\n---\nText\n",
        )
        .unwrap();
        let spelling = dir.path().join(SPELLING_FILE);
        std::fs::write(&spelling, "wat, wot => what\nlol => (ignore)\n").unwrap();
        let corpus = load(dir.path()).unwrap();
        assert_eq!(corpus.spelling.len(), 2);
        assert_eq!(corpus.spelling[1].meant, None);
        std::fs::write(&spelling, "# texting\nwat => what\nu\n").unwrap();
        let problems = load(dir.path()).unwrap_err().to_string();
        assert!(
            problems.ends_with("spelling.txt:3: a spelling rule reads `typed, typed => meant`"),
            "{problems}"
        );
    }

    #[test]
    fn load_rejects_a_missing_folder() {
        let problems = load(Path::new("/definitely/not/here")).unwrap_err();
        assert!(problems.to_string().contains("does not exist"));
    }
}
