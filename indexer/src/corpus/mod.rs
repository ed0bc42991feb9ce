//! The corpus: its model (FAQ entries, projects, assistant replies, synonyms and spelling
//! rules), loading it from the corpus folder, parsing each entry file, and validating it.
//! Validation collects every problem with its file and line instead of stopping at the first,
//! so an editor can fix a whole batch in one pass.
//!
//! - `model`: the entries, their passages and the whole corpus, as plain data;
//! - `load`: reading a corpus folder ([`load`]);
//! - `parse`: one entry file's front matter and text ([`parse_entry`]), its fields read by
//!   `fields`;
//! - `check`: ids, FAQ titles and the checks across entries.

mod check;
mod fields;
mod load;
mod model;
mod parse;

use std::fmt;
use std::path::PathBuf;

pub use check::{is_slug, title_key, MAX_ID_LEN};
pub use load::{load, SPELLING_FILE, SYNONYMS_FILE};
pub use model::{AssistantInfo, Corpus, Entry, Intent, Kind, Passage, ProjectInfo, Strand};
pub use parse::parse_entry;

/// A mistake in the corpus, at a file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Every problem found in a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}
