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
//!
//! Why this file is over 500 lines: its top is the worked example above, then the engine's
//! types, tuning constants and the ask pipeline in the order it runs; loading, search, ranking,
//! confidence and the response are each in a module of their own.

mod acronym;
mod confidence;
pub mod decline;
pub mod highlight;
pub mod intent;
mod json;
mod load;
pub mod meaning;
pub mod model;
mod more;
mod opener;
pub mod question;
mod rank;
mod reader;
pub mod redact;
mod respond;
pub mod response;
pub mod retrieve;
pub mod scoring;
mod search;
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

pub use load::find_helpline;
pub use question::{Limits, QuestionError};
pub use response::{Answer, AskResponse, Context, Fallback, Helpline, PassageHit, ProjectHit};
pub use suggest::{SuggestError, SuggestResponse, Suggestion};

use decline::Declines;
use intent::Opening;
use model::{ConfidenceFeatures, Model, RankFeatures};
use question::Analyzed;
use rank::Ranked;
use retrieve::{Bm25, Clause, ClauseTerms, Hit};
use scoring::QuestionSlots;
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
// A passage read is marked in a 64-bit set (`Engine::read_whole_entry`).
const _: () = assert!(READ_PASSAGES <= 64);
/// The largest ranking-score lead over the second entry that counts towards confidence (and
/// the lead of an entry with no rival).
const MAX_MARGIN: f32 = 5.0;
/// The ranking-score lead the entry just discussed gets for a question that does not refer
/// back to it.
const CONTEXT_LEAD: f32 = 0.5;
/// How closely a follow-up must be worded like an FAQ entry's own question ([`wording`]'s
/// similarity) to leave the entry just discussed when that entry answers only part of it.
const WORDED_LIKE: f32 = 0.5;
/// A question whose words the corpus lacks say this share of what it says or more, each
/// word weighed by how rarely English uses it, is not answered: "who won the football last
/// night" is about football. Weighed by the corpus's own IDF instead, one everyday word the
/// corpus happens to lack ("my boss wants to know which council did the crm project") made
/// as many questions about the programme unanswerable as it kept questions about something
/// else from an answer (held-out outside queries declined 0.950 that way, 0.960 this way).
const MAX_UNKNOWN_SHARE: f32 = 0.4;

/// Is an answer with this confidence, computed from `features`, given under the
/// `min_confidence` threshold? With no threshold at all every ranked answer is (what measures
/// the ranking).
pub fn is_served(min_confidence: f32, confidence: f32, features: &ConfidenceFeatures) -> bool {
    const UNKNOWN: usize = model::index_of(&model::CONFIDENCE_FEATURES, "unknown_meaning_share");
    (min_confidence <= 0.0 || features[UNKNOWN] < MAX_UNKNOWN_SHARE) && confidence >= min_confidence
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
    /// Each ranked entry's score: the weighted sum of its features, unless a rule raised it
    /// (an acronym asked about spelt out in it, or the entry a conversation is about).
    pub scores: Vec<f32>,
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
    /// For each of `terms`, the phrasings that hold it, by number: one term's after
    /// another's, each term's in order. A question then finds the phrasings it shares a term
    /// with by looking its terms up, instead of testing every phrasing.
    term_phrasings: Box<[u32]>,
    /// Where each term's phrasings end in `term_phrasings`.
    term_phrasing_ends: Box<[u32]>,
    /// Each phrasing's kind and how it opens ("how many…").
    phrasing_kinds: Box<[(PhrasingKind, Option<Opening>)]>,
    /// The wording of each question the entry answers: its title and alternates.
    wordings: Box<[wording::Wording]>,
    /// What those questions mean together (see [`meaning`]).
    meaning: Box<meaning::Meaning>,
    /// Its title asks what something is ("What is a coronavirus?"): its answer defines.
    defines: bool,
}

impl EntryInfo {
    /// Phrasing `number`, with its kind and opening.
    fn phrasing(&self, number: usize) -> (&scoring::Phrasing, &(PhrasingKind, Option<Opening>)) {
        let from = number.checked_sub(1).map_or(0, |p| self.phrasing_ends[p]);
        let to = self.phrasing_ends[number];
        (
            &self.phrasing_terms[from as usize..to as usize],
            &self.phrasing_kinds[number],
        )
    }

    /// Of the question's ids (`asked`: sorted, distinct, known, each with its slot), those
    /// the entry's phrasings hold, into `held`; and the phrasings holding any of them, each
    /// once and in order, into `sharing`. A phrasing left out shares no term with the
    /// question.
    fn sharing(&self, asked: &[(u32, u16)], held: &mut Vec<(u32, u16)>, sharing: &mut Vec<u32>) {
        held.clear();
        sharing.clear();
        // Most entries have at most 128 phrasings: they are marked in bits, which read back
        // in order and once each, instead of sorting a list with repeats.
        let few = self.phrasing_ends.len() <= 128;
        let mut marked: u128 = 0;
        for &(id, slot) in asked {
            if !self.terms_mask.may_hold(id) {
                continue;
            }
            if let Ok(t) = self.terms.binary_search(&id) {
                held.push((id, slot));
                let from = t.checked_sub(1).map_or(0, |t| self.term_phrasing_ends[t]);
                let to = self.term_phrasing_ends[t];
                let holding = &self.term_phrasings[from as usize..to as usize];
                if few {
                    for number in holding {
                        marked |= 1 << number;
                    }
                } else {
                    sharing.extend_from_slice(holding);
                }
            }
        }
        if few {
            while marked != 0 {
                sharing.push(marked.trailing_zeros());
                marked &= marked - 1;
            }
        } else {
            sharing.sort_unstable();
            sharing.dedup();
        }
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
    /// The term ids of the acronyms the text spells out ([`acronym::expanded`]).
    expands: Box<[u32]>,
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
    /// The assistant's reply phrasings a question may open with ("hello, who led …").
    openers: opener::Openers,
    /// The longest of `assistant_triggers`' keys, in bytes: a question whose folded words
    /// are surely longer is no trigger, and is not folded to find out.
    longest_trigger: usize,
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

/// A question as its answer is worked out: its analysis, its terms' weights and its ids'
/// slots.
#[derive(Clone, Copy)]
struct Question<'q> {
    analyzed: &'q Analyzed,
    weights: &'q [f32],
    slots: &'q QuestionSlots,
}

/// A passage considered for the answer.
struct Candidate<'e> {
    entry: usize,
    /// The passage's ordinal: its slot in `Engine::passages`.
    ordinal: usize,
    passage: &'e Passage,
    /// The passage's place in its entry, from 0.
    number: usize,
    /// The passage's analysis, done once per answer at most. Boxed, so that moving a
    /// candidate (returned, pushed, sorted) copies a pointer instead of the analysis's 88 bytes.
    terms: Cow<'e, Box<PassageTerms>>,
    bm25: f32,
    /// The weighted share of the question the passage and its entry account for (0 for a
    /// passage added after ranking only so the answer's passage can be chosen).
    coverage: f32,
    /// Does the passage state the kind of fact the question asks for (for a definition: does
    /// it spell out an acronym the question names)?
    typed: bool,
}

impl Engine {
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
        let q = self.openers.strip(q);
        if analysis::plain_words_len_at_least(q) <= self.longest_trigger {
            if let Some(&entry) = self.assistant_triggers.get(&analysis::plain_words(q)) {
                return Ok(self.assistant_response(q, entry));
            }
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
        if let Some(entry) = self.declines.matching(&analyzed.stems) {
            return Ok(self.assistant_response(q, entry));
        }
        let weights = self.weights(&analyzed);
        let context_entry = self.context_entry(request.context.as_ref());
        let has_subject = self.has_subject(&analyzed);
        // "Tell me more" goes on through the entry just discussed.
        if let (true, Some(entry)) = (analyzed.shape.asks_more, context_entry) {
            let shown = request
                .context
                .as_ref()
                .and_then(|c| c.passage_id.as_deref());
            return Ok(self.more_of(q, entry, shown));
        }
        // A question that refers back, or asks for a kind of answer and names nothing of its
        // own ("who were the partners", "what happened next"), keeps to the entry just
        // discussed; with nothing to refer to, Signpost asks which project is meant.
        let asks_only =
            !has_subject && (analyzed.shape.asks.is_some() || !analyzed.shape.cue_terms.is_empty());
        let focus = match (analyzed.shape.refers_back, context_entry) {
            (true, Some(entry)) => Some(entry),
            (false, Some(entry)) if asks_only => Some(entry),
            // "what happened?" and "tell me more" as a first question are about something
            // unsaid, as "who led it?" is.
            (_, None)
                if analyzed.shape.asks_more
                    || (!has_subject
                        && (analyzed.shape.refers_back
                            || analyzed.shape.asks == Some(intent::Asks::Outcome))) =>
            {
                if let Some(clarify) = self.clarify {
                    return Ok(self.assistant_response(q, clarify));
                }
                None
            }
            _ => None,
        };
        // The question's ids numbered once, for coverage and phrasing similarity.
        let slots = scoring::QuestionSlots::new(&analyzed, &weights);
        let (mut candidates, entry_relevance) = self.search(&analyzed, &slots, &weights, focus);
        // Worked out once: ranking runs twice for a follow-up that leaves its entry.
        let meaning =
            meaning::WordVectors::shipped().meaning(analyzed.words.iter().map(String::as_str));
        let mut ranking = self.rank(
            &analyzed,
            &slots,
            &meaning,
            &weights,
            &candidates,
            &entry_relevance,
        );
        ranking.kept_to = focus;
        // Any other question asked in a conversation is more likely about the entry just
        // discussed than it would be on its own: that entry's score gets a small lead, which
        // settles a near tie ("when was the first online claim" after e-Benefits) and leaves
        // a clear change of subject alone.
        if let (None, Some(entry)) = (focus, context_entry) {
            ranking.favour(entry, CONTEXT_LEAD);
        }
        // A follow-up that says more than it refers to ("where was it piloted?") keeps to
        // that entry, which then answers or declines, unless the question names another
        // entry ("what about crm?", though the entry just discussed mentions CRM), or the
        // entry accounts for only part of it and the question either reads like an FAQ
        // entry's own ("who paid for all this") or only continues the conversation, pointing
        // at nothing ("and how many councils take part across the whole programme?").
        if let (Some(entry), true) = (focus, has_subject) {
            let accounted = ranking
                .entries
                .first()
                .is_some_and(|top| top.coverage() >= 0.999);
            let (c, r) = self.search(&analyzed, &slots, &weights, None);
            let afresh = self.rank(&analyzed, &slots, &meaning, &weights, &c, &r);
            let another = afresh.entries.first().filter(|top| top.entry != entry);
            let names_another = another.is_some_and(|top| top.named());
            let fits_another = another.is_some_and(|top| {
                !analyzed.shape.points_back
                    || (self.entries()[top.entry].kind == Kind::Faq
                        && top.wording_similarity() >= WORDED_LIKE)
            });
            if names_another || (!accounted && fits_another) {
                (candidates, ranking) = (c, afresh);
            }
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
        let (response, confidence) = self.respond(
            q,
            Question {
                analyzed: &analyzed,
                weights: &weights,
                slots: &slots,
            },
            candidates,
            &ranking,
            limit,
        );
        if let Some(trace) = trace {
            trace.ranked = ranking
                .entries
                .iter()
                .map(|r| (self.entries()[r.entry].id.clone(), r.features))
                .collect();
            trace.scores = ranking.entries.iter().map(|r| r.score).collect();
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
}

#[cfg(test)]
mod tests;
