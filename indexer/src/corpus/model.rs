//! The corpus model: entries (FAQ questions, projects, assistant replies) with their passages,
//! and the whole corpus with its synonyms and spelling rules. Plain data, read by the index,
//! the engine and the pages; [`super::load`] makes it from a corpus folder.

use rustc_hash::FxHashSet as HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::spelling::SpellingRule;
use crate::synonyms::SynonymGroup;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Faq,
    Project,
    Assistant,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Faq => "faq",
            Kind::Project => "project",
            Kind::Assistant => "assistant",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "faq" => Some(Kind::Faq),
            "project" => Some(Kind::Project),
            "assistant" => Some(Kind::Assistant),
            _ => None,
        }
    }
}

/// Which of the programme's two strands a project belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strand {
    BuildingBlock,
    PriorityService,
    Unknown,
}

impl Strand {
    pub fn as_str(self) -> &'static str {
        match self {
            Strand::BuildingBlock => "building-block",
            Strand::PriorityService => "priority-service",
            Strand::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Strand::BuildingBlock => "Building block",
            Strand::PriorityService => "Priority service",
            Strand::Unknown => "Not recorded",
        }
    }
}

/// What an assistant entry does when it is the best match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Answer with the entry's text (greetings, thanks, "what can you do?").
    Reply,
    /// The question is for someone else: no answer, the fallback says where to go.
    Decline,
}

/// The project-only facts of a project entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectInfo {
    pub name: String,
    pub short_name: String,
    pub aliases: Vec<String>,
    pub lead: Option<String>,
    pub partners: Vec<String>,
    pub strand: Strand,
    pub summary: String,
    pub keywords: Vec<String>,
    pub sources: Vec<String>,
}

/// The assistant-only facts of an assistant entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistantInfo {
    pub intent: Intent,
    pub triggers: Vec<String>,
    /// A decline entry's words that make a question about the programme after all ("did any
    /// national project…"), so it is not declined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless: Vec<String>,
}

/// A passage of an entry, the unit Signpost quotes. Its id is its entry's
/// [`Entry::passage_id`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    /// Not in an index's manifest: an index keeps its texts in their own file (see
    /// [`crate::texts`]), so a corpus read back from a manifest has them empty.
    #[serde(skip)]
    pub text: Box<str>,
    /// The heading above it. Shared: a corpus has few headings and a great many passages
    /// (see [`Corpus::shrink_to_fit`]).
    pub section: Option<Arc<str>>,
    /// The paragraph introducing the list it is an item of, shared by the list's items.
    pub lead_in: Option<Arc<str>>,
    pub line: u32,
    /// Made from the entry's fields (a project's summary, its lead and partners) rather than
    /// written in its text: answers may quote it, pages that show the text skip it. Derived
    /// passages come after the written ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
}

/// One corpus entry: an FAQ question, a project or an assistant reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub kind: Kind,
    /// FAQ: the question as published. Project: "SHORT — Full name". Assistant: the id.
    pub title: String,
    /// The file line the title comes from (FAQ `title`, project `name`, assistant `id`), for
    /// reporting a duplicate title.
    #[serde(skip)]
    pub title_line: usize,
    pub alternates: Vec<String>,
    pub related: Vec<String>,
    /// The file line of each `related` item, for reporting a dangling one.
    #[serde(skip)]
    pub related_lines: Vec<usize>,
    pub project: Option<ProjectInfo>,
    pub assistant: Option<AssistantInfo>,
    pub passages: Vec<Passage>,
    /// The file it came from, relative to the corpus folder.
    pub path: String,
}

impl Entry {
    /// The public page for the entry, when it has one: `/projects/{slug}` for a project,
    /// `/faq/{id}` for an FAQ question (ids are slugs, so neither needs escaping); an
    /// assistant reply has none.
    pub fn url(&self) -> Option<String> {
        // Joined by hand, as `passage_id` is: `format!` cost several times the copy.
        let prefix = match self.kind {
            Kind::Project => "/projects/",
            Kind::Faq => "/faq/",
            Kind::Assistant => return None,
        };
        let mut url = String::with_capacity(prefix.len() + self.id.len());
        url.push_str(prefix);
        url.push_str(&self.id);
        Some(url)
    }

    /// The id of the entry's passage at `index` (from 0): `entry-id#pN`, N counting from 1.
    /// Derived rather than stored: at a million passages the stored ids took 44 MB.
    pub fn passage_id(&self, index: usize) -> String {
        // Written by hand: an answer makes a dozen, and `format!` cost more than the rest.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = index + 1;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut id = String::with_capacity(self.id.len() + 2 + digits.len() - at);
        id.push_str(&self.id);
        id.push_str("#p");
        id.extend(digits[at..].iter().map(|d| char::from(*d)));
        id
    }

    /// The passages written in the entry's text, without those made from its fields.
    pub fn written_passages(&self) -> &[Passage] {
        let written = self.passages.partition_point(|p| !p.derived);
        &self.passages[..written]
    }

    /// All the names people use for the entry: for a project its name, short name and
    /// aliases; for others nothing.
    pub fn names(&self) -> Vec<&str> {
        match &self.project {
            Some(p) => std::iter::once(p.name.as_str())
                .chain(std::iter::once(p.short_name.as_str()))
                .chain(p.aliases.iter().map(String::as_str))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// The whole corpus, in a stable order (FAQ, projects, assistant; each by id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corpus {
    pub entries: Vec<Entry>,
    pub synonyms: Vec<SynonymGroup>,
    /// How people write words and the words they mean (`spelling.txt`); an index built before
    /// the file existed has none.
    #[serde(default)]
    pub spelling: Vec<SpellingRule>,
}

impl Corpus {
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.kind == kind)
    }

    pub fn passage_count(&self) -> usize {
        self.entries.iter().map(|e| e.passages.len()).sum()
    }

    /// Gives back the spare capacity of every list, and makes passages with the same heading
    /// or lead-in share one copy of it. A list read from JSON grows by doubling, as its length
    /// is not known ahead, and at a million passages that spare room was about 60 MB of a
    /// server's memory; the headings' copies were 17 MB.
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
        self.synonyms.shrink_to_fit();
        self.spelling.shrink_to_fit();
        let mut shared: HashSet<Arc<str>> = HashSet::default();
        let mut share = |text: &mut Option<Arc<str>>| {
            if let Some(own) = text {
                match shared.get(own) {
                    Some(one) => *own = Arc::clone(one),
                    None => {
                        shared.insert(Arc::clone(own));
                    }
                }
            }
        };
        for passage in self.entries.iter_mut().flat_map(|e| &mut e.passages) {
            share(&mut passage.section);
            share(&mut passage.lead_in);
        }
        for entry in &mut self.entries {
            entry.alternates.shrink_to_fit();
            entry.related.shrink_to_fit();
            entry.passages.shrink_to_fit();
            if let Some(project) = &mut entry.project {
                for list in [
                    &mut project.aliases,
                    &mut project.partners,
                    &mut project.keywords,
                    &mut project.sources,
                ] {
                    list.shrink_to_fit();
                }
            }
            if let Some(assistant) = &mut entry.assistant {
                assistant.triggers.shrink_to_fit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::load;
    use std::path::Path;

    #[test]
    fn a_corpus_read_from_json_gives_back_its_spare_capacity() {
        let corpus = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")).unwrap();
        let json = serde_json::to_string(&corpus).unwrap();
        let mut read: Corpus = serde_json::from_str(&json).unwrap();
        let spare = |c: &Corpus| {
            c.entries.capacity() - c.entries.len()
                + c.entries
                    .iter()
                    .map(|e| e.passages.capacity() - e.passages.len())
                    .sum::<usize>()
        };
        assert!(spare(&read) > 0, "lists read from JSON grow by doubling");
        read.shrink_to_fit();
        assert_eq!(spare(&read), 0);
        assert_eq!(serde_json::to_string(&read).unwrap(), json);
        // Every passage under a heading shares the one copy of it.
        let sections: Vec<&Arc<str>> = read
            .entries
            .iter()
            .flat_map(|e| &e.passages)
            .filter_map(|p| p.section.as_ref())
            .filter(|s| &***s == "What it produced")
            .collect();
        assert!(sections.len() > 10);
        assert!(sections.iter().all(|s| Arc::ptr_eq(s, sections[0])));
    }
}
