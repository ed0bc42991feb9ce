//! The answer engine: question → best answer, supporting passages, suggested projects,
//! follow-up suggestions and a fallback. The server's handlers and the `eval` command both
//! call [`Engine::ask`], so what is measured is what is served.
//!
//! In brief: the question is read (`question`: terms, typos, synonyms; `intent`: what kind of
//! answer it wants, whether it refers back), then its terms are searched in the entry
//! documents (how each entry is asked for) and the passage documents (what it says). Each
//! candidate entry gets features (`rank`: relevance, coverage, phrasing similarity…) whose
//! weighted sum ranks it; the weights are fitted on the evaluation sets' dev data (`model`).
//! The best entry's passage that answers the question is chosen (`reader`), and the chance
//! that this answer is right is a logistic function of the best entry's features: below the
//! threshold there is no answer, only the fallback. A resident's own council business is
//! declined (`decline`); a follow-up keeps to the project just discussed only when it refers
//! back to it and names no subject of its own.
//!
//! ```
//! use signpost_engine::{AskRequest, Engine, Settings};
//!
//! // An index of the shipped corpus, as the server builds it on first start.
//! let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
//! let dir = tempfile::tempdir()?;
//! signpost_indexer::build_from_dir(&corpus, dir.path())?;
//! let engine = Engine::new(signpost_indexer::open_index(dir.path())?, Settings::default());
//!
//! let asked = |q: &str, context| AskRequest { q: q.into(), limit: None, context };
//! let first = engine.ask(&asked("what is parsol", None))?;
//! let answer = first.answer.expect("a confident answer");
//! assert_eq!((answer.kind.as_str(), answer.id.as_str()), ("project", "parsol"));
//! assert!(answer.confidence > 0.5);
//!
//! // A follow-up that refers back keeps to the project just discussed.
//! let next = engine.ask(&asked("who led it?", Some(first.context)))?;
//! assert!(next.answer.expect("an answer").text.contains("Wandsworth"));
//!
//! // Out of scope: no answer, the fallback instead.
//! let declined = engine.ask(&asked("who is the mayor of london", None))?;
//! assert!(declined.answer.is_none() && declined.fallback.is_some());
//!
//! // As-you-type suggestions.
//! let typed = engine.suggest("parso", None)?;
//! assert!(!typed.suggestions.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod decline;
pub mod highlight;
pub mod intent;
mod json;
pub mod model;
pub mod question;
mod rank;
mod reader;
pub mod redact;
pub mod response;
pub mod retrieve;
pub mod scoring;
pub mod suggest;
pub mod synonyms;
pub mod terms;
pub mod vocabulary;
pub mod wording;

// Fx hashing: the keys are the engine's own numbers and the corpus's terms, inserted at load;
// a question only looks them up, so nobody can aim collisions at these tables.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::sync::OnceLock;

use signpost_indexer::analysis;
use signpost_indexer::corpus::{Entry, Intent, Kind, Passage};
use signpost_indexer::OpenIndex;
use tantivy::columnar::Column;
use tantivy::schema::Field;
use tantivy::BitSet;

pub use question::{Limits, QuestionError};
pub use response::{Answer, AskResponse, Context, Fallback, Helpline, PassageHit, ProjectHit};
pub use suggest::{SuggestError, SuggestResponse, Suggestion};

use decline::Declines;
use intent::Opening;
use model::{ConfidenceFeatures, Model, RankFeatures};
use question::Analyzed;
use rank::Ranked;
use retrieve::{Bm25, Clause, ClauseTerms, Hit};
use suggest::SuggestIndex;
use synonyms::Synonyms;
use terms::{TermStats, UNKNOWN};
use vocabulary::Vocabulary;

/// How many passages, and how many entries, are scored after the first search.
const CANDIDATES: usize = 30;
const ENTRY_CANDIDATES: usize = 12;
/// How many entries whose questions are worded most like the question are scored too.
const WORDING_CANDIDATES: usize = 5;
/// How much a synonym counts compared with the word the person typed.
const SYNONYM_WEIGHT: f32 = 0.7;
/// Up to this many passages, answers are computed on the async runtime's thread.
const QUICK_PASSAGES: usize = 1_000;
/// Up to this many passages, a passage's analysis is kept once it has been a candidate
/// (70 MB at most at this size). Beyond it, kept analyses would grow the server by up to a
/// kilobyte per passage the longer it ran, so each is redone when needed: a few per answer.
const KEPT_ANALYSES_PASSAGES: usize = 100_000;
/// How many of the answer entry's passages are read to choose its answer (an entry of more
/// is read as far as this, and wherever its passages were found).
const READ_PASSAGES: usize = 48;
/// The largest ranking-score lead over the second entry that counts towards confidence (and
/// the lead of an entry with no rival).
const MAX_MARGIN: f32 = 5.0;
/// A question whose words the corpus lacks carry this share of its weight or more is not
/// answered.
const MAX_UNKNOWN_SHARE: f32 = 0.4;

/// Is an answer with this confidence, to a question with this share of unknown words, given
/// under the `min_confidence` threshold? With no threshold at all every ranked answer is
/// (what measures the ranking).
pub fn is_served(min_confidence: f32, confidence: f32, unknown_share: f32) -> bool {
    (min_confidence <= 0.0 || unknown_share < MAX_UNKNOWN_SHARE) && confidence >= min_confidence
}

/// How many suggested projects and follow-up questions an answer carries.
const MAX_PROJECTS: usize = 3;
const MAX_SUGGESTIONS: usize = 3;
/// A project is suggested when it is at least this likely as the best entry (`exp` of its
/// score's difference from the best: ranking scores are fitted as log-odds) and accounts for
/// at least [`PROJECT_COVERAGE`] of the question.
const PROJECT_SHARE: f32 = 0.3;
const PROJECT_COVERAGE: f32 = 0.5;
/// Passages of other entries are listed under an answer when their entry is at least this
/// likely as the answer's and they account for [`PROJECT_COVERAGE`] of the question.
const SUPPORT_SHARE: f32 = 0.3;
/// How much a word the corpus lacks weighs, relative to the rarest word it has.
const UNKNOWN_WEIGHT: f32 = 0.6;
/// Beyond this many terms a question is chatty and its unknown words weigh less.
const CHATTY_TERMS: f32 = 6.0;
/// Assistant replies ("hello", "are you a person?") need the question to be close to one of
/// their phrasings, not just share a word with it.
const MIN_ASSISTANT_SIMILARITY: f32 = 0.5;
/// The assistant entry that asks "which project do you mean?" when a question refers back to
/// nothing (see corpus/assistant/).
const CLARIFY_ENTRY: &str = "which-project";

/// Tunable answer settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Answers less likely than this to be right are withheld: a probability (0..1).
    pub min_confidence: f32,
    pub limits: Limits,
    /// The ranking and confidence weights ([`Model::shipped`] unless refitting).
    pub model: Model,
}

/// The default `--min-confidence`: the chance of being right below which Signpost says it
/// does not know (see README for the precision and coverage it gives on the dev data).
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.5;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            limits: Limits::default(),
            model: Model::shipped(),
        }
    }
}

/// How an answer was reached, for fitting the model: each ranked entry's id and features,
/// best first, and the answer's confidence features (`None` when no entry was ranked or an
/// assistant reply answered).
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub ranked: Vec<(String, RankFeatures)>,
    /// Each ranked entry's best passage, by ordinal (read with [`Engine::passage_text`]).
    pub passages: Vec<usize>,
    pub confidence: Option<ConfidenceFeatures>,
}

/// One question to answer.
#[derive(Debug, Clone, Default)]
pub struct AskRequest {
    pub q: String,
    pub limit: Option<usize>,
    pub context: Option<Context>,
}

/// What kind of way of asking for an entry a phrasing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhrasingKind {
    /// An FAQ's published question, or a project's name with its short name.
    Title,
    Alternate,
    Trigger,
    /// A project's name or short name.
    Name,
    /// Another name of a project: a part of it ("CRM Academy"), an old name, a spelling.
    Alias,
    Keyword,
}

/// Per-entry data computed once at load.
struct EntryInfo {
    /// Term ids of the title, alternates, names, keywords and triggers, sorted.
    terms: Box<[u32]>,
    /// Their [`terms::mask_of`].
    terms_mask: terms::TermMask,
    /// Term ids of the entry's title, names and whole-entry aliases, sorted: what names the
    /// entry, as opposed to what a question asks about it. An alias naming a part of it is
    /// left out: "what did the CRM Academy do" asks about the academy, not CRM as a whole.
    subject: Box<[u32]>,
    /// Each way of asking for the entry, as distinct term ids with their weights, one
    /// phrasing after another (a list per phrasing cost more than the phrasing at scale).
    phrasing_terms: Box<[(u32, f32)]>,
    /// Where each phrasing ends in `phrasing_terms`.
    phrasing_ends: Box<[u32]>,
    /// Each phrasing's [`terms::mask_of`].
    phrasing_masks: Box<[terms::TermMask]>,
    /// Each phrasing's kind and how it opens ("how many…").
    phrasing_kinds: Box<[(PhrasingKind, Option<Opening>)]>,
    /// The wording of each question the entry answers: its title and alternates.
    wordings: Box<[wording::Wording]>,
}

impl EntryInfo {
    /// Each phrasing with its mask and kind.
    fn phrasings(
        &self,
    ) -> impl Iterator<
        Item = (
            &scoring::Phrasing,
            &terms::TermMask,
            &(PhrasingKind, Option<Opening>),
        ),
    > {
        let starts = std::iter::once(0).chain(self.phrasing_ends.iter().copied());
        starts
            .zip(self.phrasing_ends.iter())
            .map(|(from, to)| &self.phrasing_terms[from as usize..*to as usize])
            .zip(self.phrasing_masks.iter())
            .zip(self.phrasing_kinds.iter())
            .map(|((p, m), k)| (p, m, k))
    }

    fn is_subject(&self, id: u32) -> bool {
        self.subject.binary_search(&id).is_ok()
    }
}

/// Where a passage sits in the corpus, found from a hit's `ordinal` fast field.
struct PassageSlot {
    entry: u32,
    passage: u32,
}

/// A passage text's analysis, for re-ranking, project mentions and highlights.
#[derive(Clone)]
struct PassageTerms {
    /// The distinct term ids, sorted.
    distinct: Box<[u32]>,
    /// Their [`terms::mask_of`]: most question terms are ruled out by it unsearched.
    mask: terms::TermMask,
    /// Every term occurrence in text order: its id and its byte range.
    spans: Box<[(u32, u32, u32)]>,
    /// The kinds of fact the text states ([`intent::facts_stated`]).
    facts: u8,
}

/// Where each document of one segment sits in the corpus, read once from its fast fields so
/// a hit is located by indexing an array: its passage ordinal and its entry ordinal
/// ([`NOWHERE`] when it has none; an entry document has no passage ordinal).
struct Locators {
    ordinal: Vec<u32>,
    entry: Vec<u32>,
}

const NOWHERE: u32 = u32::MAX;

impl Locators {
    fn read(reader: &tantivy::SegmentReader) -> Locators {
        let column = |name: &str| {
            let column: Option<Column<u64>> = reader.fast_fields().u64(name).ok();
            (0..reader.max_doc())
                .map(|doc| {
                    column
                        .as_ref()
                        .and_then(|c| c.first(doc))
                        .and_then(|v| u32::try_from(v).ok())
                        .unwrap_or(NOWHERE)
                })
                .collect()
        };
        Locators {
            ordinal: column("ordinal"),
            entry: column("entry_ordinal"),
        }
    }
}

/// A loaded index and everything derived from it once, shared by every request.
pub struct Engine {
    open: OpenIndex,
    settings: Settings,
    /// Entry-document fields with their boosts.
    entry_boosts: [(Field, f32); 4],
    /// Passage-document fields with their boosts.
    passage_boosts: [(Field, f32); 2],
    vocabulary: Vocabulary,
    synonyms: Synonyms,
    stats: TermStats,
    entry_index: HashMap<String, usize>,
    info: Vec<EntryInfo>,
    /// An assistant entry's triggers, as their folded words joined by spaces: a question that
    /// is exactly a trigger ("what can you do?") is answered by it, stop words and all.
    assistant_triggers: HashMap<String, usize>,
    /// Single-word project names and aliases (term ids) → project entry index, for spotting
    /// mentions.
    project_mentions: HashMap<u32, usize>,
    helpline: Option<Helpline>,
    /// As-you-type completions, built once here so a keystroke costs microseconds.
    suggest: SuggestIndex,
    /// Every passage, by the `ordinal` the index gives it.
    passages: Vec<PassageSlot>,
    /// Each entry's first passage ordinal.
    first_passage: Vec<u32>,
    /// Each passage's analysis by ordinal, computed the first time it is a candidate and kept
    /// in an index of up to [`KEPT_ANALYSES_PASSAGES`]: coverage, project mentions and
    /// highlights then cost lookups instead of re-analyzing the text per request. Empty in a
    /// larger index. Boxed: most passages are never a candidate, and an empty place then costs
    /// a pointer instead of the analysis's size.
    analyses: Box<[OnceLock<Box<PassageTerms>>]>,
    bm25: Bm25,
    /// Each segment's columns locating a hit, opened once.
    locators: Vec<Locators>,
    /// Each passage's document, by ordinal (the inverse of `locators`), as its place in the
    /// whole index: its segment's first place ([`Engine::segment_starts`]) plus its id.
    /// [`NOWHERE`] for a passage the index lacks.
    passage_docs: Box<[u32]>,
    /// Where each segment's documents start among the whole index's.
    segment_starts: Box<[u32]>,
    /// A resident's own council business, pointed to their council.
    declines: Declines,
    /// Entries by the wording of their questions, for finding those a question is worded
    /// like though it shares no searched word with them.
    wordings: wording::WordingIndex,
    /// The assistant entry that asks which project a question means ([`CLARIFY_ENTRY`]).
    clarify: Option<usize>,
}

/// A passage considered for the answer.
struct Candidate<'e> {
    entry: usize,
    /// The passage's ordinal: its slot in `Engine::passages`.
    ordinal: usize,
    passage: &'e Passage,
    /// The passage's place in its entry, from 0.
    number: usize,
    text: Cow<'e, str>,
    /// The passage's analysis, done once per answer at most.
    terms: Cow<'e, PassageTerms>,
    bm25: f32,
    coverage: f32,
    /// Does the passage state the kind of fact the question asks for?
    typed: bool,
}

impl Engine {
    /// Derives everything the answer path needs from an opened index.
    pub fn new(open: OpenIndex, settings: Settings) -> Engine {
        let corpus = &open.manifest.corpus;
        let f = open.fields;
        let entry_boosts = [
            (f.title, 1.2),
            (f.alternates, 1.0),
            (f.names, 1.2),
            (f.keywords, 0.8),
        ];
        let passage_boosts = [(f.context, 0.6), (f.body, 1.0)];
        let searched: Vec<Field> = entry_boosts
            .iter()
            .chain(&passage_boosts)
            .map(|(field, _)| *field)
            .collect();
        let searcher = open.reader.searcher();
        let stats = TermStats::load(&searcher, &searched).unwrap_or_default();
        let bm25 = Bm25::load(&searcher, &searched).unwrap_or_default();
        let locators: Vec<Locators> = searcher
            .segment_readers()
            .iter()
            .map(Locators::read)
            .collect();
        let vocabulary = Vocabulary::from_corpus(corpus, &open.texts);
        // Compiled here, at load, rather than by the first question: every question is read
        // with personal details blanked out.
        crate::redact::prepare();
        let synonyms = Synonyms::compile(&corpus.synonyms);
        let entry_index: HashMap<String, usize> = corpus
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let mut info = corpus
            .entries
            .iter()
            .map(|e| entry_info(e, &stats))
            .collect::<Vec<_>>();
        let mut project_mentions = HashMap::default();
        for (i, entry) in corpus.entries.iter().enumerate() {
            for name in entry.names() {
                if let [only] = analysis::terms(name).as_slice() {
                    project_mentions.insert(stats.id(&only.term), i);
                }
            }
        }
        let mut assistant_triggers = HashMap::default();
        for (i, entry) in corpus.entries.iter().enumerate() {
            for trigger in entry.assistant.iter().flat_map(|a| &a.triggers) {
                assistant_triggers.insert(analysis::plain_words(trigger), i);
            }
        }
        let first_passage: Vec<u32> = corpus
            .entries
            .iter()
            .scan(0u32, |next, entry| {
                let first = *next;
                *next += entry.passages.len() as u32;
                Some(first)
            })
            .collect();
        // The texts of an entry's passages, by its index; at start-up the texts file has just
        // been checked, so one that fails to read is left out.
        let texts_of = |e: usize| {
            let first = first_passage[e] as usize;
            (first..first + corpus.entries[e].passages.len())
                .filter_map(|ordinal| open.texts.get(ordinal).ok())
        };
        let faq = || (0..corpus.entries.len()).filter(|e| corpus.entries[*e].kind == Kind::Faq);
        let helpline = find_helpline(faq().flat_map(texts_of));
        let suggest = SuggestIndex::build(&corpus.entries, helpline.as_ref(), |e| {
            helpline
                .as_ref()
                .is_some_and(|h| texts_of(e).any(|text| text.contains(&h.number)))
        });
        let mut passages = Vec::with_capacity(corpus.passage_count());
        passages.extend(corpus.entries.iter().enumerate().flat_map(|(e, entry)| {
            (0..entry.passages.len()).map(move |p| PassageSlot {
                entry: e as u32,
                passage: p as u32,
            })
        }));
        let mut segment_starts = Vec::with_capacity(locators.len());
        let mut passage_docs = vec![NOWHERE; passages.len()];
        let mut start = 0u32;
        for located in &locators {
            segment_starts.push(start);
            for (doc, ordinal) in located.ordinal.iter().enumerate() {
                if let Some(slot) = passage_docs.get_mut(*ordinal as usize) {
                    *slot = start + doc as u32;
                }
            }
            start += located.ordinal.len() as u32;
        }
        let analyses = if passages.len() <= KEPT_ANALYSES_PASSAGES {
            passages.iter().map(|_| OnceLock::new()).collect()
        } else {
            Box::default()
        };
        let declines = Declines::compile(&corpus.entries);
        let mut wordings = wording::WordingIndex::build(info.iter().map(|i| &i.wordings[..]));
        wordings.weigh_entries(info.iter_mut().flat_map(|i| i.wordings.iter_mut()));
        let clarify = entry_index.get(CLARIFY_ENTRY).copied();
        Engine {
            declines,
            wordings,
            clarify,
            passages,
            first_passage,
            analyses,
            bm25,
            locators,
            passage_docs: passage_docs.into_boxed_slice(),
            segment_starts: segment_starts.into_boxed_slice(),
            assistant_triggers,
            open,
            settings,
            entry_boosts,
            passage_boosts,
            vocabulary,
            synonyms,
            stats,
            entry_index,
            info,
            project_mentions,
            helpline,
            suggest,
        }
    }

    /// Is this index small enough that an answer costs less than a hundred microseconds or
    /// so (tokio's budget between two awaits)? Then the server answers on the runtime thread
    /// instead of handing the search to a blocking thread. Measured: about 34 µs at the
    /// shipped corpus's 256 passages (`cargo bench -p signpost-engine --bench answer`).
    pub fn answers_quickly(&self) -> bool {
        self.passages.len() <= QUICK_PASSAGES
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn index(&self) -> &OpenIndex {
        &self.open
    }

    pub fn entries(&self) -> &[Entry] {
        &self.open.manifest.corpus.entries
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entry_index.get(id).map(|i| &self.entries()[*i])
    }

    pub fn helpline(&self) -> Option<&Helpline> {
        self.helpline.as_ref()
    }

    /// The texts of `entry`'s passages, in order. A text the index's texts file fails to give
    /// is logged and read as empty.
    pub fn passage_texts(&self, entry: &Entry) -> impl Iterator<Item = Cow<'_, str>> {
        let ordinals = self
            .entry_index
            .get(&entry.id)
            .map_or(0..0, |e| self.passage_ordinals(*e));
        ordinals.map(|ordinal| self.text_at(ordinal).unwrap_or_default())
    }

    /// The id and text of the passage with this ordinal (as a [`Trace`] gives it).
    pub fn passage_text(&self, ordinal: usize) -> Option<(String, Cow<'_, str>)> {
        let slot = self.passages.get(ordinal)?;
        let entry = self.entries().get(slot.entry as usize)?;
        Some((
            entry.passage_id(slot.passage as usize),
            self.text_at(ordinal)?,
        ))
    }

    /// The text of the passage with this ordinal, or `None` (logged) if it cannot be read.
    fn text_at(&self, ordinal: usize) -> Option<Cow<'_, str>> {
        self.open
            .texts
            .get(ordinal)
            .map_err(|e| tracing::error!(ordinal, "cannot read a passage's text: {e}"))
            .ok()
    }

    /// The analysis of the passage with this ordinal and `text`: kept from its first use in
    /// an index of up to [`KEPT_ANALYSES_PASSAGES`], done afresh each time in a larger one.
    fn analyzed_passage(&self, ordinal: usize, text: &str) -> Cow<'_, PassageTerms> {
        match self.analyses.get(ordinal) {
            Some(kept) => Cow::Borrowed(kept.get_or_init(|| Box::new(self.analyze_passage(text)))),
            None => Cow::Owned(self.analyze_passage(text)),
        }
    }

    fn analyze_passage(&self, text: &str) -> PassageTerms {
        let terms = analysis::terms(text);
        let spans: Box<[(u32, u32, u32)]> = terms
            .iter()
            .map(|t| (self.stats.id(&t.term), t.word.from as u32, t.word.to as u32))
            .collect();
        let mut distinct: Vec<u32> = spans
            .iter()
            .map(|(id, _, _)| *id)
            .filter(|id| *id != UNKNOWN)
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        PassageTerms {
            mask: terms::mask_of(distinct.iter().copied()),
            distinct: distinct.into_boxed_slice(),
            spans,
            facts: intent::facts_stated(text),
        }
    }

    /// Completes a partly typed question or name: at most `limit` (default and maximum
    /// [`suggest::MAX_RESULTS`]) suggestions, best first.
    pub fn suggest(&self, q: &str, limit: Option<usize>) -> Result<SuggestResponse, SuggestError> {
        self.suggest.suggest(self.entries(), q, limit)
    }

    /// Answers one question.
    pub fn ask(&self, request: &AskRequest) -> Result<AskResponse, QuestionError> {
        self.answer(request, None)
    }

    /// Answers one question and says how: every ranked entry's features and the answer's
    /// confidence features, for fitting the model (`signpost-server fit`).
    pub fn ask_traced(&self, request: &AskRequest) -> Result<(AskResponse, Trace), QuestionError> {
        let mut trace = Trace::default();
        let response = self.answer(request, Some(&mut trace))?;
        Ok((response, trace))
    }

    fn answer(
        &self,
        request: &AskRequest,
        trace: Option<&mut Trace>,
    ) -> Result<AskResponse, QuestionError> {
        let limits = &self.settings.limits;
        let q = question::validate(&request.q, limits)?;
        let limit = match request.limit {
            None => limits.default_results,
            Some(n) if (1..=limits.max_results).contains(&n) => n,
            Some(_) => {
                return Err(QuestionError::BadLimit {
                    max: limits.max_results,
                })
            }
        };
        if let Some(&entry) = self.assistant_triggers.get(&analysis::plain_words(q)) {
            return Ok(self.assistant_response(q, entry));
        }
        let analyzed = question::analyze(
            q,
            &question::Lexicon {
                vocabulary: &self.vocabulary,
                synonyms: &self.synonyms,
                stats: &self.stats,
                wordings: &self.wordings,
            },
        );
        if let Some(entry) = self.declines.matching(&analyzed.words) {
            return Ok(self.assistant_response(q, entry));
        }
        let weights = self.weights(&analyzed);
        let context_entry = self.context_entry(request.context.as_ref());
        let has_subject = self.has_subject(&analyzed);
        // A question that refers back and names nothing of its own keeps to the entry just
        // discussed; with nothing to refer to, Signpost asks which project is meant.
        let focus = match (analyzed.shape.refers_back, context_entry) {
            (true, Some(entry)) => Some(entry),
            (true, None) if !has_subject => {
                if let Some(clarify) = self.clarify {
                    return Ok(self.assistant_response(q, clarify));
                }
                None
            }
            _ => None,
        };
        let (mut candidates, entry_relevance) = self.search(&analyzed, &weights, focus);
        let mut ranking = self.rank(&analyzed, &weights, &candidates, &entry_relevance);
        // A follow-up that says more than it refers to ("where did they trial e-petitions?")
        // keeps to that entry only when the entry accounts for all of it; otherwise the
        // question starts afresh ("and are there any events?").
        let leaves_focus = focus.is_some()
            && has_subject
            && ranking
                .entries
                .first()
                .is_none_or(|top| top.coverage() < 0.999);
        if leaves_focus {
            (candidates, _) = {
                let (c, r) = self.search(&analyzed, &weights, None);
                ranking = self.rank(&analyzed, &weights, &c, &r);
                (c, r)
            };
        }
        if tracing::enabled!(tracing::Level::TRACE) {
            // Questions come from the public: only their redacted form reaches a log.
            let q = crate::redact::redact(q);
            for r in ranking.entries.iter().take(6) {
                let c = &candidates[r.best];
                tracing::trace!(q, score = r.score, features = ?r.features, passage = %self.entries()[c.entry].passage_id(c.number), "candidate");
            }
        }
        let best_passages: Vec<usize> = match &trace {
            Some(_) => ranking
                .entries
                .iter()
                .map(|r| candidates[r.best].ordinal)
                .collect(),
            None => Vec::new(),
        };
        let (response, confidence) =
            self.respond(q, &analyzed, &weights, candidates, &ranking, limit);
        if let Some(trace) = trace {
            trace.ranked = ranking
                .entries
                .iter()
                .map(|r| (self.entries()[r.entry].id.clone(), r.features))
                .collect();
            trace.passages = best_passages;
            trace.confidence = confidence;
        }
        Ok(response)
    }

    /// Each question term's weight: its IDF. A word the corpus has never seen is the best sign
    /// of a question about something else, but in a long, chatty question each unknown word
    /// says less, so their weight is shared out over the question's length.
    fn weights(&self, analyzed: &Analyzed) -> Vec<f32> {
        let n = analyzed.terms.len().max(1) as f32;
        let unknown_scale = UNKNOWN_WEIGHT * (CHATTY_TERMS / n).min(1.0);
        analyzed
            .terms
            .iter()
            .map(|t| {
                if t.rewritten {
                    0.0
                } else {
                    self.stats.idf(&t.term) * if t.known { 1.0 } else { unknown_scale }
                }
            })
            .collect()
    }

    /// The programme entry the previous answer was about: its answer, else its first project.
    fn context_entry(&self, context: Option<&Context>) -> Option<usize> {
        let context = context?;
        let programme = |id: &String| {
            self.entry_index
                .get(id)
                .copied()
                .filter(|i| self.entries()[*i].kind != Kind::Assistant)
        };
        let project =
            |id: &String| programme(id).filter(|i| self.entries()[*i].kind == Kind::Project);
        context
            .answer_id
            .as_ref()
            .and_then(programme)
            .or_else(|| context.projects.iter().find_map(project))
    }

    /// Does the question name something of its own, beyond the kind of answer it wants and
    /// its pointers back ("who led it?" names nothing; "who led PARSOL?" does)?
    fn has_subject(&self, analyzed: &Analyzed) -> bool {
        // A word read as a synonym's meaning ("pays for" as funding) names what that means.
        analyzed.expansions.iter().any(|e| e.rewrite)
            || analyzed
                .terms
                .iter()
                .any(|t| !t.rewritten && !analyzed.shape.cue_terms.contains(&t.term))
    }

    /// Clauses matching the question's terms and synonyms in `fields`, each with its boost.
    fn clauses<'a>(&self, analyzed: &'a Analyzed, fields: &[(Field, f32)]) -> Vec<Clause<'a>> {
        // A field that lacks one of a clause's terms cannot match it: no clause is made.
        let in_field = |ids: &[u32], field| ids.iter().all(|id| self.stats.in_field(*id, field));
        let mut clauses = Vec::new();
        for (t, id) in analyzed.terms.iter().zip(&analyzed.ids.terms) {
            if !t.known || t.rewritten {
                continue;
            }
            for &(field, boost) in fields {
                if in_field(&[*id], field) {
                    clauses.push(Clause {
                        field,
                        terms: ClauseTerms::Term(&t.term),
                        boost,
                    });
                }
            }
        }
        for (e, ids) in analyzed.expansions.iter().zip(&analyzed.ids.expansions) {
            for &(field, boost) in fields {
                if in_field(ids, field) {
                    clauses.push(Clause {
                        field,
                        terms: ClauseTerms::Phrase(&e.phrase.terms),
                        boost: boost * SYNONYM_WEIGHT,
                    });
                }
            }
        }
        clauses
    }

    /// Searches entry documents (how an entry is asked for) and passage documents (what it
    /// says) separately. Returns the passage candidates, including the best passage of every
    /// well-matched entry, and each matched entry's relevance. A follow-up confined to one
    /// entry (`focus`) considers that entry's passages only, all of them.
    fn search(
        &self,
        analyzed: &Analyzed,
        weights: &[f32],
        focus: Option<usize>,
    ) -> (Vec<Candidate<'_>>, HashMap<usize, f32>) {
        let entry_clauses = self.clauses(analyzed, &self.entry_boosts);
        let passage_clauses = self.clauses(analyzed, &self.passage_boosts);
        let searchable = analyzed.terms.iter().any(|t| t.known && !t.rewritten)
            || !analyzed.expansions.is_empty();
        if !searchable && focus.is_none() {
            return (Vec::new(), HashMap::default());
        }
        let locators = &self.locators;
        let column = |hit: &Hit, pick: fn(&Locators) -> &[u32]| {
            let segment = locators.get(hit.address.segment_ord as usize)?;
            let value = *pick(segment).get(hit.address.doc_id as usize)?;
            (value != NOWHERE).then_some(value as usize)
        };
        let entry_of = |hit: &Hit| column(hit, |l| &l.entry);
        let ordinal_of = |hit: &Hit| column(hit, |l| &l.ordinal);
        let in_focus = |hit: &Hit| focus.is_none_or(|f| entry_of(hit) == Some(f));

        let entry_hits = self.bm25.search(&entry_clauses).unwrap_or_default();
        // Maps here are sized up front: grown from nothing, each rehashed three or four times.
        let mut relevance: HashMap<usize, f32> =
            HashMap::with_capacity_and_hasher(ENTRY_CANDIDATES, Default::default());
        relevance.extend(
            retrieve::top(
                entry_hits.iter().filter(|h| in_focus(h)),
                ENTRY_CANDIDATES,
                |h| entry_of(h).unwrap_or(usize::MAX) as u64,
            )
            .iter()
            .filter_map(|hit| Some((entry_of(hit)?, hit.score)))
            .filter(|(entry, _)| *entry < self.entries().len()),
        );
        let passage_hits = self.bm25.search(&passage_clauses).unwrap_or_default();

        if let Some(entry) = focus {
            // The follow-up's project is the one asked for, named or not.
            relevance.entry(entry).or_insert(1.0);
            let scores: HashMap<usize, f32> = passage_hits
                .iter()
                .filter(|h| in_focus(h))
                .filter_map(|h| Some((ordinal_of(h)?, h.score)))
                .collect();
            let mut candidates: Vec<Candidate> = self
                .passage_ordinals(entry)
                .filter_map(|ordinal| {
                    let score = scores.get(&ordinal).copied().unwrap_or(0.0);
                    self.candidate(analyzed, weights, score, ordinal)
                })
                .collect();
            candidates.sort_by(|a, b| b.bm25.total_cmp(&a.bm25).then(a.ordinal.cmp(&b.ordinal)));
            candidates.truncate(CANDIDATES);
            return (candidates, relevance);
        }

        let by_ordinal = |h: &Hit| ordinal_of(h).unwrap_or(usize::MAX) as u64;
        let mut candidates: Vec<Candidate> =
            retrieve::top(passage_hits.iter(), CANDIDATES, by_ordinal)
                .iter()
                .filter_map(|hit| self.candidate(analyzed, weights, hit.score, ordinal_of(hit)?))
                .collect();
        // An entry asked for by its phrasings whose passages did not make the cut still gets
        // its best one (its first when none matches): an FAQ whose question matches but whose
        // answer uses other words ("Will warm weather stop the outbreak?" for "coronavirus and
        // heat") must be able to win.
        // So does an entry whose question is worded like this one, though it shares no
        // searched word ("how many are affected?", "How many cases are there?").
        let strongest = relevance.values().copied().fold(0.0, f32::max);
        let worded_like = self.wordings.closest(&analyzed.wording, WORDING_CANDIDATES);
        let mut missing: HashMap<usize, Option<(f32, usize)>> =
            HashMap::with_capacity_and_hasher(relevance.len(), Default::default());
        missing.extend(
            relevance
                .keys()
                .copied()
                .chain(
                    worded_like
                        .iter()
                        .copied()
                        .filter(|e| *e < self.entries().len()),
                )
                .map(|e| (e, None))
                .filter(|(e, _)| !candidates.iter().any(|c| c.entry == *e)),
        );
        if !missing.is_empty() {
            // Only the missing entries' passages are looked up: a bit test per hit instead of
            // finding every hit's entry (at 1M, a question of common words has 600k hits).
            let wanted = self.passage_doc_set(missing.keys().copied());
            let place = |hit: &Hit| {
                let start = self.segment_starts.get(hit.address.segment_ord as usize)?;
                Some(start + hit.address.doc_id)
            };
            for hit in passage_hits
                .iter()
                .filter(|h| place(h).is_some_and(|p| wanted.contains(p)))
            {
                let Some(best) = entry_of(hit).and_then(|e| missing.get_mut(&e)) else {
                    continue;
                };
                let Some(ordinal) = ordinal_of(hit) else {
                    continue;
                };
                if best.is_none_or(|(score, at)| {
                    (hit.score, std::cmp::Reverse(ordinal)) > (score, std::cmp::Reverse(at))
                }) {
                    *best = Some((hit.score, ordinal));
                }
            }
        }
        let mut missing: Vec<(usize, Option<(f32, usize)>)> = missing.into_iter().collect();
        missing.sort_unstable_by_key(|(e, _)| *e);
        // Such a passage stands in for an entry asked for by name: it counts as relevant as
        // the name matched, on the scale of the best passage's relevance.
        let top_passage = candidates.iter().map(|c| c.bm25).fold(0.0, f32::max);
        for (entry, best) in missing {
            let named = top_passage * relevance.get(&entry).copied().unwrap_or(0.0)
                / strongest.max(f32::EPSILON);
            let best = best.or_else(|| Some((0.0, self.passage_ordinals(entry).next()?)));
            if let Some(candidate) = best.and_then(|(score, ordinal)| {
                self.candidate(analyzed, weights, score.max(named), ordinal)
            }) {
                candidates.push(candidate);
            }
        }
        (candidates, relevance)
    }

    /// The places in the index ([`Engine::passage_docs`]) of these entries' passages.
    fn passage_doc_set(&self, entries: impl Iterator<Item = usize>) -> BitSet {
        let places: usize = self.locators.iter().map(|l| l.ordinal.len()).sum();
        let mut set = BitSet::with_max_value(places as u32);
        for entry in entries {
            for ordinal in self.passage_ordinals(entry) {
                if let Some(&place) = self.passage_docs.get(ordinal).filter(|p| **p != NOWHERE) {
                    set.insert(place);
                }
            }
        }
        set
    }

    /// The ordinals of an entry's passages, in order.
    fn passage_ordinals(&self, entry: usize) -> std::ops::Range<usize> {
        let first = self.first_passage[entry] as usize;
        first..first + self.entries()[entry].passages.len()
    }

    fn candidate(
        &self,
        analyzed: &Analyzed,
        weights: &[f32],
        bm25: f32,
        ordinal: usize,
    ) -> Option<Candidate<'_>> {
        let slot = self.passages.get(ordinal)?;
        let entry = slot.entry as usize;
        let passage = self.entries()[entry].passages.get(slot.passage as usize)?;
        let text = self.text_at(ordinal)?;
        let terms = self.analyzed_passage(ordinal, &text);
        let info = &self.info[entry];
        let covered = scoring::covered(analyzed, |id| {
            (terms.mask.may_hold(id) && terms.distinct.binary_search(&id).is_ok())
                || (info.terms_mask.may_hold(id) && info.terms.binary_search(&id).is_ok())
        });
        let coverage = scoring::coverage(weights, &covered);
        let typed = analyzed
            .shape
            .asks
            .is_some_and(|asks| terms.facts & intent::fact_bit(asks) != 0);
        Some(Candidate {
            entry,
            ordinal,
            passage,
            number: slot.passage as usize,
            text,
            terms,
            bm25,
            coverage,
            typed,
        })
    }

    /// Adds the passages of `entry` that are not candidates yet (its first [`READ_PASSAGES`]),
    /// so the one that answers can be chosen among all of them.
    fn read_whole_entry<'e>(
        &'e self,
        analyzed: &Analyzed,
        weights: &[f32],
        candidates: &mut Vec<Candidate<'e>>,
        entry: usize,
    ) {
        let have: HashSet<usize> = candidates
            .iter()
            .filter(|c| c.entry == entry)
            .map(|c| c.ordinal)
            .collect();
        for ordinal in self.passage_ordinals(entry).take(READ_PASSAGES) {
            if !have.contains(&ordinal) {
                candidates.extend(self.candidate(analyzed, weights, 0.0, ordinal));
            }
        }
    }

    /// The share of the question's weight in words the corpus does not have.
    fn unknown_share(&self, analyzed: &Analyzed, weights: &[f32]) -> f32 {
        let mut total = f32::EPSILON;
        let mut unknown = 0.0;
        for (t, w) in analyzed.terms.iter().zip(weights) {
            if t.garbled {
                continue;
            }
            total += w;
            if !t.known && !t.rewritten {
                unknown += w;
            }
        }
        unknown / total
    }

    /// What the chance that `top` (ranked first, ahead of `second`) with its chosen passage's
    /// `fit` is the right answer is computed from.
    fn confidence_features(
        &self,
        analyzed: &Analyzed,
        unknown_share: f32,
        ranked: &[Ranked],
        fit: f32,
    ) -> ConfidenceFeatures {
        use model::{index_of, CONFIDENCE_FEATURES as NAMES};
        const MARGIN: usize = index_of(&NAMES, "margin");
        const COVERAGE: usize = index_of(&NAMES, "coverage");
        const UNKNOWN_SHARE: usize = index_of(&NAMES, "unknown_share");
        const SIMILARITY: usize = index_of(&NAMES, "similarity");
        const ANSWER_FIT: usize = index_of(&NAMES, "answer_fit");
        const LENGTH: usize = index_of(&NAMES, "length");
        const NAMED: usize = index_of(&NAMES, "named");
        const CORRECTED_SHARE: usize = index_of(&NAMES, "corrected_share");
        const RANK_PROBABILITY: usize = index_of(&NAMES, "rank_probability");
        const UNCOVERED: usize = index_of(&NAMES, "uncovered");
        const WORDING: usize = index_of(&NAMES, "wording");
        let (top, second) = (&ranked[0], ranked.get(1));
        // A phrase read as its meaning ("pays for" as funding) is searched as one term.
        let searched = analyzed.terms.iter().filter(|t| !t.rewritten).count()
            + analyzed.expansions.iter().filter(|e| e.rewrite).count();
        let corrected = analyzed.terms.iter().filter(|t| t.corrected).count();
        let mut z = [0.0f32; NAMES.len()];
        z[MARGIN] = second.map_or(MAX_MARGIN, |s| (top.score - s.score).min(MAX_MARGIN));
        z[COVERAGE] = top.coverage();
        z[UNKNOWN_SHARE] = unknown_share;
        z[SIMILARITY] = top.similarity();
        z[ANSWER_FIT] = fit;
        z[LENGTH] = (1.0 + searched as f32).ln();
        z[NAMED] = f32::from(u8::from(top.named()));
        z[CORRECTED_SHARE] = corrected as f32 / searched.max(1) as f32;
        z[UNCOVERED] = searched as f32 * (1.0 - top.coverage()).max(0.0);
        z[WORDING] = top.wording_similarity();
        // The ranking's own chance for the top entry among those ranked: its scores are
        // fitted as a softmax over each question's candidates.
        z[RANK_PROBABILITY] = 1.0
            / ranked
                .iter()
                .map(|r| (r.score - top.score).exp())
                .sum::<f32>();
        z
    }

    fn respond<'e>(
        &'e self,
        q: &str,
        analyzed: &Analyzed,
        weights: &[f32],
        mut candidates: Vec<Candidate<'e>>,
        ranking: &rank::Ranking,
        limit: usize,
    ) -> (AskResponse, Option<ConfidenceFeatures>) {
        let entries = self.entries();
        let ranked = &ranking.entries;
        let top = ranked.first();
        // An assistant reply wins when its phrasing is close and no entry of the programme
        // is asked for more closely.
        if let Some((entry, similarity)) = ranking.assistant {
            let beaten = top.is_some_and(|t| t.similarity() > similarity);
            if similarity >= MIN_ASSISTANT_SIMILARITY && !beaten {
                return (self.assistant_response(q, entry), None);
            }
        }
        let unknown_share = self.unknown_share(analyzed, weights);
        let chosen = top.map(|top| {
            self.read_whole_entry(analyzed, weights, &mut candidates, top.entry);
            let info = &self.info[top.entry];
            // Words that ask for a kind of answer the sections give ("led", "produce") are
            // left to the sections: "who ran it?" is not about a passage that says "run".
            let cues: Vec<u32> = match analyzed.shape.asks {
                Some(asks) if !intent::is_factual(asks) => analyzed
                    .shape
                    .cue_terms
                    .iter()
                    .map(|t| self.stats.id(t))
                    .collect(),
                _ => Vec::new(),
            };
            let focus = reader::focus_weights(analyzed, weights, |id| {
                info.is_subject(id) || cues.contains(&id)
            });
            let own: Vec<usize> = (0..candidates.len())
                .filter(|i| candidates[*i].entry == top.entry)
                .collect();
            let reads: Vec<reader::Read> = own
                .iter()
                .map(|i| {
                    let c = &candidates[*i];
                    reader::Read {
                        number: c.number,
                        section: c.passage.section.as_deref(),
                        states_fact: c.typed,
                        terms: &c.terms.distinct,
                        words: &c.terms.spans,
                    }
                })
                .collect();
            let choice = reader::choose(analyzed, &focus, analyzed.shape.asks, &reads);
            let features = self.confidence_features(analyzed, unknown_share, ranked, choice.fit);
            (own[choice.index], features)
        });
        let features = chosen.map(|(_, z)| z);
        let chosen = chosen.map(|(i, z)| (i, self.settings.model.confidence(&z)));
        // The confidence is fitted on questions the corpus could answer; one that is mostly
        // words the corpus has never seen ("who won the football last night") is about
        // something else, however well one word of it matched.
        // With no threshold at all, every ranked answer is given (what measures the ranking).
        let confident =
            chosen.filter(|(_, p)| is_served(self.settings.min_confidence, *p, unknown_share));
        let answer = confident.zip(top).map(|((chosen, confidence), top)| {
            let entry = &entries[top.entry];
            let c = &candidates[chosen];
            Answer {
                id: entry.id.clone(),
                kind: entry.kind.as_str().to_string(),
                title: entry.title.clone(),
                text: c.text.to_string(),
                passage_id: Some(entry.passage_id(c.number)),
                url: entry.url(),
                confidence: round(confidence),
            }
        });

        // Passages that support the answer: the answer's own first, then those of entries
        // nearly as likely, each accounting for much of the question. Without an answer, the
        // closest passages are offered as they rank.
        let top_score = top.map_or(0.0, |t| t.score);
        let likely = |r: &Ranked| (r.score - top_score).exp();
        let entry_rank: HashMap<usize, (usize, f32)> = ranked
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                *i == 0
                    || answer.is_none()
                    || (likely(r) >= SUPPORT_SHARE && r.coverage() >= PROJECT_COVERAGE)
            })
            .map(|(i, r)| (r.entry, (i, likely(r))))
            .collect();
        let chosen_ordinal = confident.map(|(i, _)| candidates[i].ordinal);
        let mut programme: Vec<(f32, &Candidate)> = candidates
            .iter()
            .filter_map(|c| {
                let (_, likelihood) = entry_rank.get(&c.entry)?;
                let first = Some(c.ordinal) == chosen_ordinal;
                (first || c.coverage > 0.0 && c.bm25 > 0.0).then(|| {
                    (
                        if first {
                            2.0
                        } else {
                            0.6 * likelihood + 0.4 * c.coverage
                        },
                        c,
                    )
                })
            })
            .collect();
        programme.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.ordinal.cmp(&b.1.ordinal)));
        let passages = self.passage_hits(analyzed, &programme, limit);
        let projects = self.suggest_projects(ranked, confident.map(|(i, _)| &candidates[i]));
        // Follow-up questions may lead further afield than the passages listed: the answer's
        // related entries, then every entry ranked that accounts for some of the question.
        let next = ranked
            .iter()
            .filter(|r| r.coverage() > 0.0)
            .map(|r| r.entry);
        let suggestions = self.suggestions(answer.as_ref(), next);
        let fallback = answer.is_none().then(|| self.fallback(None));
        let context = Context {
            answer_id: answer.as_ref().map(|a| a.id.clone()),
            projects: projects.iter().map(|p| p.id.clone()).collect(),
        };
        let response = AskResponse {
            query: q.to_string(),
            answer,
            passages,
            projects,
            suggestions,
            did_you_mean: analyzed.corrected.clone(),
            fallback,
            context,
            feedback_url: None,
            declined: None,
        };
        (response, features)
    }

    /// The reply of an assistant entry: its text for a reply ("hello"), or no answer and its
    /// text as the fallback's message for a decline (a resident's own council business). A
    /// reply's related projects come with it ("which project do you mean?" offers some).
    fn assistant_response(&self, q: &str, entry: usize) -> AskResponse {
        let e = &self.entries()[entry];
        let first = e.passages.first();
        let first_text = self.passage_texts(e).next();
        let intent = e.assistant.as_ref().map(|a| a.intent);
        let answer = (intent == Some(Intent::Reply)).then(|| Answer {
            id: e.id.clone(),
            kind: e.kind.as_str().to_string(),
            title: e.title.clone(),
            text: first_text.as_deref().unwrap_or_default().to_string(),
            passage_id: first.map(|_| e.passage_id(0)),
            url: None,
            confidence: 1.0,
        });
        let fallback = answer
            .is_none()
            .then(|| self.fallback(first_text.as_deref()));
        let (suggestions, projects) = if answer.is_some() {
            let projects: Vec<ProjectHit> = e
                .related
                .iter()
                .filter_map(|id| self.entry_index.get(id))
                .filter_map(|i| self.project_hit(*i, 1.0))
                .take(MAX_PROJECTS)
                .collect();
            (
                self.suggestions(answer.as_ref(), std::iter::empty()),
                projects,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        AskResponse {
            query: q.to_string(),
            context: Context {
                answer_id: answer.as_ref().map(|a| a.id.clone()),
                projects: Vec::new(),
            },
            answer,
            passages: Vec::new(),
            projects,
            suggestions,
            did_you_mean: None,
            fallback,
            feedback_url: None,
            declined: (intent == Some(Intent::Decline)).then(|| e.id.clone()),
        }
    }

    fn passage_hits(
        &self,
        analyzed: &Analyzed,
        programme: &[(f32, &Candidate)],
        limit: usize,
    ) -> Vec<PassageHit> {
        let entries = self.entries();
        let highlight_terms: Vec<u32> = analyzed.ids.all().collect();
        programme
            .iter()
            .take(limit)
            .map(|(score, c)| {
                let entry = &entries[c.entry];
                PassageHit {
                    id: entry.passage_id(c.number),
                    entry_id: entry.id.clone(),
                    kind: entry.kind.as_str().to_string(),
                    title: entry.title.clone(),
                    highlights: passage_highlights(&c.terms, &c.text, &highlight_terms),
                    text: c.text.to_string(),
                    section: c.passage.section.as_deref().map(str::to_string),
                    url: entry.url(),
                    score: round(score.min(1.0)),
                }
            })
            .collect()
    }

    /// Projects worth a look: those ranked nearly as likely as the best entry that account for
    /// much of the question, and those the answer's passage names (the FAQ's "Macclesfield …
    /// PARSOL" example suggests PARSOL).
    fn suggest_projects(&self, ranked: &[Ranked], answer: Option<&Candidate>) -> Vec<ProjectHit> {
        let top_score = ranked.first().map_or(0.0, |t| t.score);
        let mut chosen: Vec<(usize, f32)> = Vec::with_capacity(MAX_PROJECTS);
        let mut add = |entry: usize, likelihood: f32| {
            if !chosen.iter().any(|(e, _)| *e == entry) {
                chosen.push((entry, likelihood));
            }
        };
        for r in ranked {
            let likelihood = (r.score - top_score).exp();
            if likelihood < PROJECT_SHARE {
                break;
            }
            if self.entries()[r.entry].kind == Kind::Project && r.coverage() >= PROJECT_COVERAGE {
                add(r.entry, likelihood);
            }
        }
        if let Some(c) = answer {
            for id in c.terms.distinct.iter() {
                if let Some(&project) = self.project_mentions.get(id) {
                    add(project, 1.0);
                }
            }
        }
        chosen
            .into_iter()
            .filter_map(|(entry, likelihood)| self.project_hit(entry, likelihood))
            .take(MAX_PROJECTS)
            .collect()
    }

    fn project_hit(&self, entry: usize, score: f32) -> Option<ProjectHit> {
        let entry = &self.entries()[entry];
        let p = entry.project.as_ref()?;
        Some(ProjectHit {
            id: entry.id.clone(),
            name: p.name.clone(),
            short_name: p.short_name.clone(),
            summary: p.summary.clone(),
            lead: p.lead.clone(),
            url: entry.url().unwrap_or_default(),
            score: round(score),
        })
    }

    /// Follow-up questions: the answer's related entries, then the next best entries.
    fn suggestions(
        &self,
        answer: Option<&Answer>,
        ranked: impl Iterator<Item = usize>,
    ) -> Vec<String> {
        let entries = self.entries();
        let answer_entry = answer.and_then(|a| self.entry_index.get(&a.id).copied());
        let related = answer_entry.into_iter().flat_map(|i| {
            entries[i]
                .related
                .iter()
                .filter_map(|id| self.entry_index.get(id).copied())
        });
        let mut seen = HashSet::default();
        related
            .chain(ranked)
            .filter(|i| Some(*i) != answer_entry && seen.insert(*i))
            .filter_map(|i| question_for(&entries[i]))
            .take(MAX_SUGGESTIONS)
            .collect()
    }

    fn fallback(&self, declined_message: Option<&str>) -> Fallback {
        let message = declined_message.map(str::to_string).unwrap_or_else(|| {
            self.entry("no-answer")
                .and_then(|e| self.passage_texts(e).next())
                .map(Cow::into_owned)
                .unwrap_or_else(|| "Sorry, I don't have an answer to that.".to_string())
        });
        Fallback {
            message,
            helpline: self.helpline.clone(),
            directory_url: "/projects".to_string(),
        }
    }
}

/// The question a suggestion chip asks for an entry.
fn question_for(entry: &Entry) -> Option<String> {
    match entry.kind {
        Kind::Faq => Some(entry.title.clone()),
        Kind::Project => entry
            .project
            .as_ref()
            .map(|p| format!("What did {} do?", p.short_name)),
        Kind::Assistant => None,
    }
}

fn entry_info(entry: &Entry, stats: &TermStats) -> EntryInfo {
    let terms_of = |text: &str| -> Vec<String> {
        let mut terms: Vec<String> = analysis::terms(text).into_iter().map(|t| t.term).collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    };
    let title = (entry.kind != Kind::Assistant).then_some(entry.title.as_str());
    let triggers = entry
        .assistant
        .iter()
        .flat_map(|a| a.triggers.iter().map(String::as_str));
    let keywords = entry
        .project
        .iter()
        .flat_map(|p| p.keywords.iter().map(String::as_str));
    let phrasing_texts: Vec<(PhrasingKind, &str)> = title
        .into_iter()
        .map(|t| (PhrasingKind::Title, t))
        .chain(
            entry
                .alternates
                .iter()
                .map(|t| (PhrasingKind::Alternate, t.as_str())),
        )
        .chain(triggers.map(|t| (PhrasingKind::Trigger, t)))
        .chain(entry.project.iter().flat_map(|p| {
            [p.name.as_str(), p.short_name.as_str()]
                .into_iter()
                .map(|t| (PhrasingKind::Name, t))
                .chain(p.aliases.iter().map(|t| (PhrasingKind::Alias, t.as_str())))
        }))
        .chain(keywords.map(|t| (PhrasingKind::Keyword, t)))
        .collect();
    // Distinct terms by text (each unknown one keeps its own weight), sorted by id.
    type Phrasing = ((PhrasingKind, Option<Opening>), Vec<(u32, f32)>);
    let phrasings: Vec<Phrasing> = phrasing_texts
        .iter()
        .map(|(kind, text)| {
            let mut phrasing: Vec<(u32, f32)> = terms_of(text)
                .into_iter()
                .map(|t| (stats.id(&t), stats.idf(&t)))
                .collect();
            phrasing.sort_by_key(|(id, _)| *id);
            let opening = matches!(kind, PhrasingKind::Title | PhrasingKind::Alternate)
                .then(|| intent::read(&question::words_of(text)).opening)
                .flatten();
            ((*kind, opening), phrasing)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let ids_of = |keep: &dyn Fn(PhrasingKind) -> bool| {
        let mut ids: Vec<u32> = phrasings
            .iter()
            .filter(|((kind, _), _)| keep(*kind))
            .flat_map(|(_, p)| p.iter().map(|(id, _)| *id))
            .filter(|id| *id != UNKNOWN)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let terms = ids_of(&|_| true);
    // An alias that adds words to one of the entry's names names a part of it ("CRM
    // Academy"); one that shares no word with them names the whole ("digital TV project").
    let name_ids = ids_of(&|kind| matches!(kind, PhrasingKind::Title | PhrasingKind::Name));
    let mut subject = name_ids.clone();
    for ((kind, _), phrasing) in &phrasings {
        let names_a_part = phrasing.iter().any(|(id, _)| name_ids.contains(id));
        if *kind == PhrasingKind::Alias && !names_a_part {
            subject.extend(
                phrasing
                    .iter()
                    .map(|(id, _)| *id)
                    .filter(|id| *id != UNKNOWN),
            );
        }
    }
    subject.sort_unstable();
    subject.dedup();
    let phrasing_masks = phrasings
        .iter()
        .map(|(_, p)| terms::mask_of(p.iter().map(|(id, _)| *id)))
        .collect();
    let phrasing_ends = phrasings
        .iter()
        .scan(0u32, |end, (_, p)| {
            *end += p.len() as u32;
            Some(*end)
        })
        .collect();
    let wordings = phrasing_texts
        .iter()
        .filter(|(kind, _)| matches!(kind, PhrasingKind::Title | PhrasingKind::Alternate))
        .map(|(_, text)| wording::Wording::of_words(&question::words_of(text)))
        .filter(|w| !w.is_empty())
        .collect();
    EntryInfo {
        wordings,
        terms_mask: terms::mask_of(terms.iter().copied()),
        terms: terms.into_boxed_slice(),
        subject: subject.into_boxed_slice(),
        phrasing_kinds: phrasings.iter().map(|(k, _)| *k).collect(),
        phrasing_terms: phrasings.into_iter().flat_map(|(_, p)| p).collect(),
        phrasing_ends,
        phrasing_masks,
    }
}

/// [`highlight::ranges`] of a passage's `text`, from its analysis.
fn passage_highlights(analyzed: &PassageTerms, text: &str, terms: &[u32]) -> Vec<[usize; 2]> {
    let matching = analyzed
        .spans
        .iter()
        .filter(|(id, _, _)| terms.contains(id))
        .map(|(_, from, to)| (*from as usize, *to as usize));
    highlight::merge(text, matching)
}

/// Finds the helpline in the FAQ's own words, given its passages' texts: a passage with
/// "Name (tel: NUMBER)".
pub fn find_helpline(faq_texts: impl IntoIterator<Item = impl AsRef<str>>) -> Option<Helpline> {
    for text in faq_texts {
        let text = text.as_ref();
        let Some(at) = text.find("(tel:") else {
            continue;
        };
        let after = &text[at + "(tel:".len()..];
        let number = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ' ')
            .collect::<String>()
            .trim()
            .to_string();
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 10 {
            continue;
        }
        let before = text[..at].trim_end();
        let name_words: Vec<&str> = before
            .split_whitespace()
            .rev()
            .take_while(|w| w.starts_with(char::is_uppercase))
            .collect();
        let name = name_words.into_iter().rev().collect::<Vec<_>>().join(" ");
        let international = digits
            .strip_prefix('0')
            .map_or(digits.clone(), |rest| format!("+44{rest}"));
        return Some(Helpline {
            name,
            number,
            href: format!("tel:{international}"),
        });
    }
    None
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use signpost_indexer::corpus::parse_entry;
    use std::path::Path;

    /// The shipped corpus indexed into a temporary directory, which lives as long as the
    /// returned guard (the engine's submodules' tests use it too).
    pub(super) fn shipped_index() -> (tempfile::TempDir, OpenIndex) {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
        let dir = tempfile::tempdir().unwrap();
        signpost_indexer::build_from_dir(&corpus, dir.path()).unwrap();
        let open = signpost_indexer::open_index(dir.path()).unwrap();
        (dir, open)
    }

    pub(super) fn shipped_engine() -> (tempfile::TempDir, Engine) {
        let (dir, open) = shipped_index();
        (dir, Engine::new(open, Settings::default()))
    }

    /// The `q` of every line of an evaluation-format JSONL text.
    pub(super) fn questions(jsonl: &str) -> Vec<String> {
        jsonl
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["q"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    /// A large index's configuration on the shipped corpus: texts read from disk, analyses
    /// redone each time.
    fn engine_as_if_large() -> (tempfile::TempDir, Engine) {
        let (dir, _) = shipped_index();
        let open = signpost_indexer::open_index_with(dir.path(), 0).unwrap();
        assert!(!open.texts.in_memory());
        let mut engine = Engine::new(open, Settings::default());
        engine.analyses = Box::default();
        (dir, engine)
    }

    #[test]
    fn a_large_index_reads_texts_from_disk_redoes_analyses_and_answers_the_same() {
        let (_a, keeping) = shipped_engine();
        assert!(keeping.index().texts.in_memory());
        let (_b, redoing) = engine_as_if_large();
        let questions = questions(include_str!("../../tests/data/dev.jsonl"));
        assert!(questions.len() > 10);
        for q in &questions {
            let request = AskRequest {
                q: q.clone(),
                limit: None,
                context: None,
            };
            let kept = serde_json::to_string(&keeping.ask(&request).unwrap()).unwrap();
            let redone = serde_json::to_string(&redoing.ask(&request).unwrap()).unwrap();
            assert_eq!(kept, redone, "{q}");
        }
        let kept_slots = |e: &Engine| e.analyses.iter().filter(|a| a.get().is_some()).count();
        assert!(
            kept_slots(&keeping) > 0,
            "the small index keeps what it analysed"
        );
        assert_eq!(kept_slots(&redoing), 0, "nothing is kept past the limit");
        for (a, b) in keeping.entries().iter().zip(redoing.entries()) {
            let kept: Vec<_> = keeping.passage_texts(a).collect();
            let read: Vec<_> = redoing.passage_texts(b).collect();
            assert_eq!(kept, read);
            assert!(kept.iter().all(|t| !t.is_empty()));
        }
        assert_eq!(
            format!("{:?}", keeping.helpline()),
            format!("{:?}", redoing.helpline())
        );
        assert!(keeping.helpline().is_some());
        for prefix in ["help", "parsol", "smart c", "who fun"] {
            let suggest = |e: &Engine| serde_json::to_string(&e.suggest(prefix, None).unwrap());
            assert_eq!(suggest(&keeping).unwrap(), suggest(&redoing).unwrap());
        }
    }

    #[test]
    fn every_passage_is_found_at_its_document() {
        let (_dir, engine) = shipped_engine();
        assert_eq!(engine.passage_docs.len(), engine.passages.len());
        for (ordinal, place) in engine.passage_docs.iter().enumerate() {
            assert_ne!(*place, NOWHERE, "passage {ordinal}");
            let segment = engine.segment_starts.partition_point(|s| s <= place) - 1;
            let doc = place - engine.segment_starts[segment];
            let located = engine.locators[segment].ordinal[doc as usize];
            assert_eq!(located as usize, ordinal);
        }
        let places: u32 = engine.locators.iter().map(|l| l.ordinal.len() as u32).sum();
        let entry = (0..engine.entries().len())
            .find(|e| engine.entries()[*e].passages.len() > 1)
            .unwrap();
        let set = engine.passage_doc_set(std::iter::once(entry));
        let marked: Vec<u32> = (0..places).filter(|p| set.contains(*p)).collect();
        let mut expected: Vec<u32> = engine
            .passage_ordinals(entry)
            .map(|o| engine.passage_docs[o])
            .collect();
        // Indexing threads may write an entry's passages in any order.
        expected.sort_unstable();
        assert_eq!(marked, expected);
    }

    #[test]
    fn helpline_is_read_from_the_faq_text() {
        let entry = parse_entry(
            Kind::Faq,
            Path::new("f.md"),
            "---\nid: faq-05\ntitle: Help?\n---\nThere is already a National Projects Information Phone Line (tel: 0870 777 0011) that helps.\n",
        )
        .unwrap();
        let helpline = find_helpline(entry.passages.iter().map(|p| &p.text)).unwrap();
        assert_eq!(helpline.name, "National Projects Information Phone Line");
        assert_eq!(helpline.number, "0870 777 0011");
        assert_eq!(helpline.href, "tel:+448707770011");
    }
}
