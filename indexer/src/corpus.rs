//! The corpus model (FAQ entries, projects, assistant replies, synonyms), loading it from the
//! corpus folder, and validating it. Validation collects every problem with its file and
//! line instead of stopping at the first, so an editor can fix a whole batch in one pass.

use std::collections::hash_map::{Entry as Slot, HashMap};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::frontmatter::{self, Field, Value};
use crate::passages;
use crate::spelling::{self, SpellingRule};
use crate::synonyms::{self, SynonymGroup};

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

    fn folder(self) -> &'static str {
        match self {
            Kind::Faq => "faq",
            Kind::Project => "projects",
            Kind::Assistant => "assistant",
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
        let mut shared: HashSet<Arc<str>> = HashSet::new();
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

pub const SYNONYMS_FILE: &str = "synonyms.txt";
pub const SPELLING_FILE: &str = "spelling.txt";

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
        for path in markdown_files(&dir.join(kind.folder()), &mut problems) {
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

/// Which keys each kind of entry accepts, and which of them are required.
fn allowed_keys(kind: Kind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        Kind::Faq => (&["id", "title", "alternates", "related"], &["id", "title"]),
        Kind::Project => (
            &[
                "id",
                "name",
                "short_name",
                "aliases",
                "lead",
                "partners",
                "strand",
                "summary",
                "keywords",
                "alternates",
                "sources",
                "related",
            ],
            &["id", "name", "short_name", "strand", "summary", "sources"],
        ),
        Kind::Assistant => (
            &[
                "id",
                "intent",
                "triggers",
                "unless",
                "alternates",
                "related",
            ],
            // A reply with neither triggers nor alternates is never given by itself: it
            // waits for the phrasings editors point to it (`out-of-scope`).
            &["id", "intent"],
        ),
    }
}

/// Reads the fields of one file, checking keys, types and required values.
struct FieldReader<'a> {
    path: &'a Path,
    fields: BTreeMap<&'a str, &'a Field>,
    problems: Vec<Problem>,
}

impl<'a> FieldReader<'a> {
    fn problem(&mut self, line: usize, message: String) {
        self.problems.push(Problem {
            path: self.path.to_path_buf(),
            line,
            message,
        });
    }

    fn text(&mut self, key: &str) -> Option<(usize, String)> {
        let field = *self.fields.get(key)?;
        match &field.value {
            Value::Text(t) => Some((field.line, t.clone())),
            Value::List(items) if items.is_empty() => {
                self.problem(field.line, format!("`{key}` is empty"));
                None
            }
            Value::List(_) => {
                self.problem(field.line, format!("`{key}` takes one value, not a list"));
                None
            }
        }
    }

    fn list(&mut self, key: &str) -> Vec<(usize, String)> {
        let Some(field) = self.fields.get(key).copied() else {
            return Vec::new();
        };
        match &field.value {
            Value::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    if item.value.is_empty() {
                        self.problem(item.line, format!("empty item in `{key}`"));
                    } else {
                        out.push((item.line, item.value.clone()));
                    }
                }
                out
            }
            Value::Text(_) => {
                self.problem(
                    field.line,
                    format!("`{key}` is a list: put each item on its own `- ` line"),
                );
                Vec::new()
            }
        }
    }
}

fn values(list: Vec<(usize, String)>) -> Vec<String> {
    list.into_iter().map(|(_, v)| v).collect()
}

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

/// Parses and validates one entry file's text. `path` is used only in problems.
pub fn parse_entry(kind: Kind, path: &Path, text: &str) -> Result<Entry, Vec<Problem>> {
    let doc = frontmatter::parse(text).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| Problem {
                path: path.to_path_buf(),
                line: e.line,
                message: e.message,
            })
            .collect::<Vec<_>>()
    })?;
    let (allowed, required) = allowed_keys(kind);
    let mut reader = FieldReader {
        path,
        fields: BTreeMap::new(),
        problems: Vec::new(),
    };
    for field in &doc.fields {
        if allowed.contains(&field.key.as_str()) {
            reader.fields.insert(field.key.as_str(), field);
        } else {
            reader.problem(
                field.line,
                format!(
                    "unknown field `{}` for a {} entry (allowed: {})",
                    field.key,
                    kind.as_str(),
                    allowed.join(", ")
                ),
            );
        }
    }
    for key in required {
        if !reader.fields.contains_key(key) {
            reader.problem(1, format!("missing required field `{key}`"));
        }
    }

    let id = reader.text("id");
    if let Some((line, id)) = &id {
        if !is_slug(id) {
            reader.problem(
                *line,
                format!("bad id `{id}`: expected lower-case letters, digits and single hyphens, such as `faq-07`, `faq-t001` or `parsol`"),
            );
        }
    }
    let alternates = values(reader.list("alternates"));
    let (related_lines, related): (Vec<usize>, Vec<String>) =
        reader.list("related").into_iter().unzip();
    let (title_line, title, project, assistant) = match kind {
        Kind::Faq => {
            let (line, title) = reader.text("title").unwrap_or_default();
            (line, title, None, None)
        }
        Kind::Project => {
            let (name_line, name) = reader.text("name").unwrap_or_default();
            let short_name = reader
                .text("short_name")
                .map(|(_, t)| t)
                .unwrap_or_default();
            let strand = match reader.text("strand") {
                Some((_, s)) if s == "building-block" => Strand::BuildingBlock,
                Some((_, s)) if s == "priority-service" => Strand::PriorityService,
                Some((_, s)) if s == "unknown" => Strand::Unknown,
                Some((line, s)) => {
                    reader.problem(
                        line,
                        format!(
                            "bad strand `{s}`: use building-block, priority-service or unknown"
                        ),
                    );
                    Strand::Unknown
                }
                None => Strand::Unknown,
            };
            let sources = reader.list("sources");
            for (line, url) in &sources {
                let ok = (url.starts_with("http://") || url.starts_with("https://"))
                    && !url.contains(char::is_whitespace);
                if !ok {
                    reader.problem(*line, format!("source `{url}` is not an http(s) address"));
                }
            }
            if reader.fields.contains_key("sources") && sources.is_empty() {
                let line = reader.fields["sources"].line;
                reader.problem(line, "`sources` needs at least one address".into());
            }
            let title = if short_name.is_empty() || short_name == name {
                name.clone()
            } else {
                format!("{short_name} — {name}")
            };
            let info = ProjectInfo {
                name,
                short_name,
                aliases: values(reader.list("aliases")),
                lead: reader.text("lead").map(|(_, t)| t),
                partners: values(reader.list("partners")),
                strand,
                summary: reader.text("summary").map(|(_, t)| t).unwrap_or_default(),
                keywords: values(reader.list("keywords")),
                sources: values(sources),
            };
            (name_line, title, Some(info), None)
        }
        Kind::Assistant => {
            let intent = match reader.text("intent") {
                Some((_, s)) if s == "reply" => Intent::Reply,
                Some((_, s)) if s == "decline" => Intent::Decline,
                Some((line, s)) => {
                    reader.problem(line, format!("bad intent `{s}`: use reply or decline"));
                    Intent::Reply
                }
                None => Intent::Reply,
            };
            let triggers = values(reader.list("triggers"));
            if reader.fields.contains_key("triggers") && triggers.is_empty() {
                let line = reader.fields["triggers"].line;
                reader.problem(line, "`triggers` needs at least one phrase".into());
            }
            let (line, title) = id.clone().unwrap_or_default();
            let unless = values(reader.list("unless"));
            (
                line,
                title,
                None,
                Some(AssistantInfo {
                    intent,
                    triggers,
                    unless,
                }),
            )
        }
    };

    let id = id.map(|(_, id)| id).unwrap_or_default();
    let raw = passages::split(doc.body, doc.body_line);
    for passage in raw.iter().filter(|p| p.text.contains('\0')) {
        reader.problem(
            passage.line,
            "the text contains a NUL character, which a corpus may not".into(),
        );
    }
    if raw.is_empty() {
        reader.problem(
            doc.body_line,
            "the entry has no text after the front matter".into(),
        );
    }
    let mut passages: Vec<Passage> = raw
        .into_iter()
        .map(|p| Passage {
            text: p.text.into_boxed_str(),
            section: p.section.map(Arc::from),
            lead_in: p.lead_in.map(Arc::from),
            line: p.line as u32,
            derived: false,
        })
        .collect();
    if let Some(info) = &project {
        let line = |key: &str| reader.fields.get(key).map_or(1, |f| f.line) as u32;
        let lines = (line("summary"), line("lead").min(line("partners")));
        passages.extend(derived_passages(info, &passages, lines));
    }
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    Ok(Entry {
        id,
        kind,
        title,
        title_line,
        alternates,
        related,
        related_lines,
        project,
        assistant,
        passages,
        path: path.to_string_lossy().into_owned(),
    })
}

/// The passages a project's fields make (see [`Passage::derived`]): its summary, which answers
/// "what was it?" in one sentence, and, when its text has no "Who ran it" section, a sentence
/// naming its lead and partners. `lines` are the summary's and the lead's field lines.
fn derived_passages(info: &ProjectInfo, written: &[Passage], lines: (u32, u32)) -> Vec<Passage> {
    let derived = |text: String, section: &str, line: u32| Passage {
        text: text.into_boxed_str(),
        section: Some(Arc::from(section)),
        lead_in: None,
        line,
        derived: true,
    };
    let mut out = Vec::new();
    if !info.summary.is_empty() {
        out.push(derived(
            info.summary.clone(),
            passages::SUMMARY_SECTION,
            lines.0,
        ));
    }
    let says_who_ran_it = written
        .iter()
        .any(|p| p.section.as_deref() == Some(passages::WHO_RAN_IT_SECTION));
    let partners = list_in_words(&info.partners);
    let who = match (&info.lead, partners) {
        _ if says_who_ran_it => None,
        (Some(lead), Some(partners)) => Some(format!(
            "{} was led by {lead}, working with {partners}.",
            info.short_name
        )),
        (Some(lead), None) => Some(format!("{} was led by {lead}.", info.short_name)),
        (None, Some(partners)) => Some(format!("{}'s partners were {partners}.", info.short_name)),
        (None, None) => None,
    };
    out.extend(who.map(|text| derived(text, passages::WHO_RAN_IT_SECTION, lines.1)));
    out
}

/// "A", "A and B", "A, B and C".
fn list_in_words(items: &[String]) -> Option<String> {
    match items {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

/// Checks that need the whole corpus: unique ids and titles, and `related` pointing somewhere.
fn check_across_entries(corpus: &Corpus, problems: &mut Vec<Problem>) {
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

    fn parse(kind: Kind, text: &str) -> Result<Entry, Vec<Problem>> {
        parse_entry(kind, Path::new("x.md"), text)
    }

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

    const PROJECT: &str = "---\nid: parsol\nname: Planning Online\nshort_name: PARSOL\nstrand: priority-service\nsummary: Planning.\nsources:\n  - https://example.org/a\n---\n## Aim\nTo help.\n";

    #[test]
    fn a_nul_in_a_passage_is_reported_at_its_line() {
        let problems = parse(
            Kind::Faq,
            "---\nid: faq-01\ntitle: Q?\n---\nFine.\n\nNot \0 fine.\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 7);
        assert!(
            problems[0].message.contains("NUL"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn parses_a_project_with_title_and_passage_ids() {
        let entry = parse(Kind::Project, PROJECT).unwrap();
        assert_eq!(entry.title, "PARSOL — Planning Online");
        assert_eq!(entry.passage_id(0), "parsol#p1");
        assert_eq!(entry.passage_id(9), "parsol#p10");
        assert_eq!(entry.passage_id(1233), "parsol#p1234");
        assert_eq!(entry.passages[0].line, 11);
        assert_eq!(entry.url().as_deref(), Some("/projects/parsol"));
    }

    #[test]
    fn reports_problems_with_lines() {
        let cases: &[(Kind, &str, usize, &str)] = &[
            (
                Kind::Faq,
                "---\nid: faq-01\n---\nText\n",
                1,
                "missing required field `title`",
            ),
            (
                Kind::Faq,
                "---\nid: faq-01\ntitle: Q?\ntitel: x\n---\nText\n",
                4,
                "unknown field `titel`",
            ),
            (
                Kind::Faq,
                "---\nid: faq-01\ntitle: Q?\n---\n\n",
                5,
                "no text",
            ),
            (
                Kind::Faq,
                "---\nid: FAQ1\ntitle: Q?\n---\nText\n",
                2,
                "bad id",
            ),
            (
                Kind::Project,
                &PROJECT.replace("id: parsol", "id: Par Sol"),
                2,
                "bad id",
            ),
            (
                Kind::Project,
                &PROJECT.replace("priority-service", "priority"),
                5,
                "bad strand",
            ),
            (
                Kind::Project,
                &PROJECT.replace("https://example.org/a", "example.org"),
                8,
                "not an http(s) address",
            ),
            (
                Kind::Project,
                &PROJECT.replace("summary: Planning.\n", ""),
                1,
                "`summary`",
            ),
            (
                Kind::Assistant,
                "---\nid: hi\nintent: chat\ntriggers:\n  - hello\n---\nHi.\n",
                3,
                "bad intent",
            ),
        ];
        for (kind, text, line, needle) in cases {
            let problems = parse(*kind, text).unwrap_err();
            let found = problems.iter().find(|p| p.message.contains(needle));
            let found = found.unwrap_or_else(|| panic!("{needle:?} not in {problems:?}"));
            assert_eq!(found.line, *line, "{needle}");
        }
    }

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
    fn faq_ids_are_any_slug() {
        for (id, ok) in [
            ("faq-05", true),
            ("faq-100", true),
            ("faq-t001", true),
            ("faq-0001", true),
            ("faq-T001", false),
            ("faq--1", false),
            ("faq-1-", false),
        ] {
            let text = format!("---\nid: {id}\ntitle: Q?\n---\nText.\n");
            let parsed = parse(Kind::Faq, &text);
            assert_eq!(parsed.is_ok(), ok, "{id}: {parsed:?}");
            if let Ok(entry) = parsed {
                assert_eq!(entry.id, id);
                assert_eq!(entry.url(), Some(format!("/faq/{id}")), "its own page");
            }
        }
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
