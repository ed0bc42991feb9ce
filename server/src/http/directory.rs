//! The project directory's search (`/projects?q=`) over words prepared once per index
//! generation: every word of each project's names, facts and passages, folded, sorted and
//! deduplicated. A search is then a prefix lookup per searched word instead of re-analysing
//! every passage of every project on each request (issue 17).

use std::borrow::Cow;

use signpost_indexer::analysis;
use signpost_indexer::corpus::{Entry, Kind};

use crate::engine::Engine;

/// Each project's words, in directory order.
pub struct DirectoryIndex {
    projects: Vec<(String, Vec<String>)>,
}

impl DirectoryIndex {
    pub fn new(engine: &Engine) -> DirectoryIndex {
        let projects = engine
            .entries()
            .iter()
            .filter(|e| e.kind == Kind::Project && e.project.is_some())
            .map(|e| (e.id.clone(), words_of(engine, e)))
            .collect();
        DirectoryIndex { projects }
    }

    /// The ids of the projects in which every word of `q` starts a word.
    pub fn matching(&self, q: &str) -> Vec<String> {
        let wanted = query_words(q);
        self.projects
            .iter()
            .filter(|(_, words)| {
                wanted.iter().all(|want| {
                    let at = words.partition_point(|w| w.as_str() < want.as_str());
                    words.get(at).is_some_and(|w| w.starts_with(want.as_str()))
                })
            })
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// The folded words of a directory search, stop words dropped.
pub fn query_words(q: &str) -> Vec<String> {
    analysis::words(q)
        .into_iter()
        .filter(|w| !w.compound && !analysis::is_stop_word(&w.folded))
        .map(|w| w.folded)
        .collect()
}

/// Every folded word of a project's names, facts and text, sorted, once each.
fn words_of(engine: &Engine, entry: &Entry) -> Vec<String> {
    let Some(p) = entry.project.as_ref() else {
        return Vec::new();
    };
    let texts = [p.name.as_str(), p.short_name.as_str(), p.summary.as_str()]
        .into_iter()
        .chain(p.aliases.iter().map(String::as_str))
        .chain(p.keywords.iter().map(String::as_str))
        .chain(p.lead.as_deref())
        .chain(p.partners.iter().map(String::as_str))
        .map(Cow::Borrowed)
        .chain(engine.passage_texts(entry));
    let mut words: Vec<String> = texts
        .flat_map(|t| analysis::words(&t).into_iter().map(|w| w.folded))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}
