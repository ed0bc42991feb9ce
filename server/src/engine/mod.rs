//! The answer engine: question → best answer, supporting passages, suggested projects,
//! follow-up suggestions and a fallback. The server's handlers and the `eval` command both
//! call [`Engine::ask`], so what is measured is what is served.
//!
//! Ranking, in brief: the question's terms (typo-corrected, synonyms added) are searched in
//! every passage field with per-field boosts (an FAQ title or a project name outweighs body
//! text). The top passages are then scored on three things (see `scoring`): BM25 relevance,
//! *coverage* (the share of the question's information the passage and its entry account
//! for) and *phrasing similarity* (how closely the question matches one of the ways people
//! ask for the entry). The best entry's best passage is the answer; its confidence comes
//! from coverage and similarity, and below the threshold there is no answer.

pub mod answer_type;
pub mod highlight;
mod json;
pub mod question;
pub mod response;
pub mod retrieve;
pub mod scoring;
pub mod suggest;
pub mod synonyms;
pub mod vocabulary;

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

use question::Analyzed;
use retrieve::{Bm25, Clause, ClauseTerms, Hit};
use scoring::{QuestionIds, TermStats, UNKNOWN};
use suggest::SuggestIndex;
use synonyms::Synonyms;
use vocabulary::Vocabulary;

/// How many passages, and how many entries, are scored after the first search.
const CANDIDATES: usize = 40;
const ENTRY_CANDIDATES: usize = 12;
/// An entry matched by name but with no passage among the candidates gets a search of its
/// own only when its name matched at least this share as well as the best-named entry's.
const MISSING_ENTRY_SHARE: f32 = 0.5;
/// How much a synonym counts compared with the word the person typed.
const SYNONYM_WEIGHT: f32 = 0.7;
/// Up to this many passages, answers are computed on the async runtime's thread.
const QUICK_PASSAGES: usize = 1_000;
/// Up to this many passages, a passage's analysis is kept once it has been a candidate
/// (70 MB at most at this size). Beyond it, kept analyses would grow the server by up to a
/// kilobyte per passage the longer it ran, so each is redone when needed: a few per answer.
const KEPT_ANALYSES_PASSAGES: usize = 100_000;
/// How many suggested projects and follow-up questions an answer carries.
const MAX_PROJECTS: usize = 3;
const MAX_SUGGESTIONS: usize = 3;
/// The entry score's mix of relevance, coverage and phrasing similarity.
const RELEVANCE_SHARE: f32 = 0.3;
const COVERAGE_SHARE: f32 = 0.4;
const SIMILARITY_SHARE: f32 = 0.3;
/// How much a word the corpus lacks weighs, relative to the rarest word it has.
const UNKNOWN_WEIGHT: f32 = 0.6;
/// Beyond this many terms a question is chatty and its unknown words weigh less.
const CHATTY_TERMS: f32 = 6.0;
/// Assistant replies ("hello", "are you a person?") need the question to be close to one of
/// their phrasings, not just share a word with it.
const MIN_ASSISTANT_SIMILARITY: f32 = 0.5;
/// How much a passage that states the kind of fact asked for ("how much" → an amount) gains.
const TYPED_BOOST: f32 = 1.3;
const TYPED_BONUS: f32 = 0.1;

/// Tunable answer settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Answers below this confidence are withheld (0..1).
    pub min_confidence: f32,
    pub limits: Limits,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_confidence: 0.55,
            limits: Limits::default(),
        }
    }
}

/// One question to answer.
#[derive(Debug, Clone, Default)]
pub struct AskRequest {
    pub q: String,
    pub limit: Option<usize>,
    pub context: Option<Context>,
}

/// Per-entry data computed once at load.
struct EntryInfo {
    /// Term ids of the title, alternates, names, keywords and triggers, sorted.
    terms: Box<[u32]>,
    /// Their [`scoring::mask_of`].
    terms_mask: scoring::TermMask,
    /// Each way of asking for the entry, as distinct term ids with their weights, one
    /// phrasing after another (a list per phrasing cost more than the phrasing at scale).
    phrasing_terms: Box<[(u32, f32)]>,
    /// Where each phrasing ends in `phrasing_terms`.
    phrasing_ends: Box<[u32]>,
    /// Each phrasing's [`scoring::mask_of`].
    phrasing_masks: Box<[scoring::TermMask]>,
}

impl EntryInfo {
    /// Each phrasing with its mask.
    fn phrasings(&self) -> impl Iterator<Item = (&scoring::Phrasing, &scoring::TermMask)> {
        let starts = std::iter::once(0).chain(self.phrasing_ends.iter().copied());
        starts
            .zip(self.phrasing_ends.iter())
            .map(|(from, to)| &self.phrasing_terms[from as usize..*to as usize])
            .zip(self.phrasing_masks.iter())
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
    /// Their [`scoring::mask_of`]: most question terms are ruled out by it unsearched.
    mask: scoring::TermMask,
    /// Every term occurrence in text order: its id and its byte range.
    spans: Box<[(u32, u32, u32)]>,
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

/// A candidate entry: its best passage and its scores.
struct Ranked {
    entry: usize,
    best: usize,
    coverage: f32,
    similarity: f32,
    score: f32,
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
        let synonyms = Synonyms::compile(&corpus.synonyms);
        let entry_index = corpus
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let info = corpus
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
        Engine {
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
    /// shipped corpus's 256 passages (`cargo bench -p signpost-server --bench answer`).
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
            mask: scoring::mask_of(distinct.iter().copied()),
            distinct: distinct.into_boxed_slice(),
            spans,
        }
    }

    /// Completes a partly typed question or name: at most `limit` (default and maximum
    /// [`suggest::MAX_RESULTS`]) suggestions, best first.
    pub fn suggest(&self, q: &str, limit: Option<usize>) -> Result<SuggestResponse, SuggestError> {
        self.suggest.suggest(self.entries(), q, limit)
    }

    /// Answers one question.
    pub fn ask(&self, request: &AskRequest) -> Result<AskResponse, QuestionError> {
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
            return Ok(self.assistant_reply(q, entry));
        }
        let mut analyzed = question::analyze(q, &self.vocabulary, &self.synonyms);
        analyzed.ids = QuestionIds::new(&analyzed, &self.stats);
        let weights = self.weights(&analyzed);
        let focus = self.follow_up_focus(&analyzed, request.context.as_ref());
        let (candidates, entry_relevance) = self.search(&analyzed, &weights, focus);
        let ranked = self.rank(&analyzed, &weights, &candidates, &entry_relevance);
        if tracing::enabled!(tracing::Level::TRACE) {
            // Questions come from the public: only their redacted form reaches a log.
            let q = crate::redact::redact(q);
            for r in ranked.iter().take(6) {
                let c = &candidates[r.best];
                tracing::trace!(q, score = r.score, coverage = r.coverage, similarity = r.similarity, passage = %self.entries()[c.entry].passage_id(c.number), "candidate");
            }
        }
        Ok(self.respond(q, &analyzed, &candidates, &ranked, limit))
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
            .map(|t| self.stats.idf(&t.term) * if t.known { 1.0 } else { unknown_scale })
            .collect()
    }

    /// When the question refers back ("who led it?") to a project from the previous turn and
    /// names no project itself, the search is confined to that project.
    fn follow_up_focus(&self, analyzed: &Analyzed, context: Option<&Context>) -> Option<usize> {
        const REFERRING: &[&str] = &[
            "it", "its", "that", "this", "they", "them", "their", "those", "project", "scheme",
        ];
        let context = context?;
        let refers_back = analyzed
            .words
            .iter()
            .any(|w| REFERRING.contains(&w.as_str()));
        let names_a_project = analyzed
            .terms
            .iter()
            .any(|t| self.project_mentions.contains_key(&self.stats.id(&t.term)));
        if !refers_back || names_a_project {
            return None;
        }
        let project = |id: &String| {
            self.entry_index
                .get(id)
                .copied()
                .filter(|i| self.entries()[*i].kind == Kind::Project)
        };
        context
            .answer_id
            .as_ref()
            .and_then(project)
            .or_else(|| context.projects.iter().find_map(project))
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
        // An entry clearly asked for by name whose passages did not make the cut still gets its
        // best one (its first when none matches). Weakly named programme entries are left out:
        // they could not rank first anyway. Assistant entries (one short passage, matched only
        // by their phrasings) always come along: a decline must be able to win.
        let strongest = relevance.values().copied().fold(0.0, f32::max);
        let mut missing: HashMap<usize, Option<(f32, usize)>> =
            HashMap::with_capacity_and_hasher(relevance.len(), Default::default());
        missing.extend(
            relevance
                .iter()
                .filter(|(e, r)| {
                    **r >= MISSING_ENTRY_SHARE * strongest
                        || self.entries()[**e].kind == Kind::Assistant
                })
                .map(|(e, _)| (*e, None))
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
            let named = top_passage * relevance[&entry] / strongest.max(f32::EPSILON);
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
            .expects
            .is_some_and(|kind| answer_type::satisfied_by(kind, &text));
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

    /// Groups candidates by entry and scores each entry; best first.
    fn rank(
        &self,
        analyzed: &Analyzed,
        weights: &[f32],
        candidates: &[Candidate],
        entry_relevance: &HashMap<usize, f32>,
    ) -> Vec<Ranked> {
        let top_bm25 = candidates
            .iter()
            .map(|c| c.bm25)
            .fold(f32::EPSILON, f32::max);
        let top_entry = entry_relevance
            .values()
            .copied()
            .fold(f32::EPSILON, f32::max);
        let passage_score = |c: &Candidate| {
            (c.bm25 / top_bm25) * (0.25 + c.coverage) * if c.typed { TYPED_BOOST } else { 1.0 }
        };
        let mut best: HashMap<usize, usize> =
            HashMap::with_capacity_and_hasher(candidates.len(), Default::default());
        for (i, c) in candidates.iter().enumerate() {
            let slot = best.entry(c.entry).or_insert(i);
            if passage_score(c) > passage_score(&candidates[*slot]) {
                *slot = i;
            }
        }
        let question_mask = analyzed.ids.mask();
        let slots = scoring::QuestionSlots::new(analyzed);
        let mut ranked: Vec<Ranked> = best
            .into_iter()
            .map(|(entry, i)| {
                let c = &candidates[i];
                let info = &self.info[entry];
                let similarity = info
                    .phrasings()
                    .filter(|(_, mask)| mask.intersects(&question_mask))
                    .map(|(p, _)| slots.phrasing_similarity(analyzed, weights, p))
                    .fold(0.0, f32::max);
                let asked_for = entry_relevance.get(&entry).map_or(0.0, |r| r / top_entry);
                // An assistant reply's words say nothing about the question and its many
                // phrasings share one field: only how closely one phrasing matches counts (it
                // must be close, below), so its relevance is taken as full.
                let relevance = if self.entries()[entry].kind == Kind::Assistant {
                    1.0
                } else {
                    0.5 * (c.bm25 / top_bm25) + 0.5 * asked_for
                };
                let typed = if c.typed { TYPED_BONUS } else { 0.0 };
                let score = RELEVANCE_SHARE * relevance
                    + COVERAGE_SHARE * c.coverage
                    + SIMILARITY_SHARE * similarity
                    + typed;
                Ranked {
                    entry,
                    best: i,
                    coverage: c.coverage,
                    similarity,
                    score,
                }
            })
            .filter(|r| {
                self.entries()[r.entry].kind != Kind::Assistant
                    || r.similarity >= MIN_ASSISTANT_SIMILARITY
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        ranked
    }

    fn respond(
        &self,
        q: &str,
        analyzed: &Analyzed,
        candidates: &[Candidate],
        ranked: &[Ranked],
        limit: usize,
    ) -> AskResponse {
        let entries = self.entries();
        let top = ranked.first();
        let confidence = top.map_or(0.0, |r| r.coverage * (0.8 + 0.2 * r.similarity));
        let top_entry = top.map(|r| &entries[r.entry]);
        let intent = top_entry
            .and_then(|e| e.assistant.as_ref())
            .map(|a| a.intent);
        let confident = confidence >= self.settings.min_confidence;

        let answer = match (top, top_entry, intent) {
            (Some(r), Some(entry), None | Some(Intent::Reply)) if confident => {
                let c = &candidates[r.best];
                Some(Answer {
                    id: entry.id.clone(),
                    kind: entry.kind.as_str().to_string(),
                    title: entry.title.clone(),
                    text: c.text.to_string(),
                    passage_id: Some(entry.passage_id(c.number)),
                    url: entry.url(),
                    confidence: round(confidence),
                })
            }
            _ => None,
        };
        let assistant_reply = answer
            .as_ref()
            .is_some_and(|a| a.kind == Kind::Assistant.as_str());
        let declined = confident && intent == Some(Intent::Decline);

        // Passages and projects come from the programme's entries, never from assistant replies:
        // each entry's passages in order of the entry's rank, then of their own relevance.
        let mut entry_rank: HashMap<usize, (usize, f32)> =
            HashMap::with_capacity_and_hasher(ranked.len(), Default::default());
        entry_rank.extend(
            ranked
                .iter()
                .enumerate()
                .filter(|(_, r)| entries[r.entry].kind != Kind::Assistant && r.coverage > 0.0)
                .map(|(i, r)| (r.entry, (i, r.score))),
        );
        let mut programme: Vec<(f32, &Candidate)> = candidates
            .iter()
            .filter_map(|c| {
                let (_, entry_score) = entry_rank.get(&c.entry)?;
                (c.coverage > 0.0).then(|| (0.6 * entry_score + 0.4 * c.coverage, c))
            })
            .collect();
        programme.sort_by(|a, b| b.0.total_cmp(&a.0));
        let passages = if assistant_reply || declined {
            Vec::new()
        } else {
            self.passage_hits(analyzed, &programme, limit)
        };
        let projects = if assistant_reply || declined {
            Vec::new()
        } else {
            self.suggest_projects(&programme)
        };
        let mut ranked_entries: Vec<(usize, usize)> =
            entry_rank.iter().map(|(e, (i, _))| (*i, *e)).collect();
        ranked_entries.sort_unstable();
        let suggestions = if declined {
            Vec::new()
        } else {
            self.suggestions(answer.as_ref(), ranked_entries.into_iter().map(|(_, e)| e))
        };
        let declined_text = if declined {
            top.map(|r| candidates[r.best].text.as_ref())
        } else {
            None
        };
        let fallback = answer.is_none().then(|| self.fallback(declined_text));
        let context = Context {
            answer_id: answer.as_ref().map(|a| a.id.clone()),
            projects: projects.iter().map(|p| p.id.clone()).collect(),
        };
        AskResponse {
            query: q.to_string(),
            answer,
            passages,
            projects,
            suggestions,
            did_you_mean: analyzed.corrected.clone(),
            fallback,
            context,
            feedback_url: None,
        }
    }

    /// The answer to a question that is exactly one of an assistant entry's triggers.
    fn assistant_reply(&self, q: &str, entry: usize) -> AskResponse {
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
        let suggestions = if answer.is_some() {
            self.suggestions(answer.as_ref(), std::iter::empty())
        } else {
            Vec::new()
        };
        AskResponse {
            query: q.to_string(),
            context: Context {
                answer_id: answer.as_ref().map(|a| a.id.clone()),
                projects: Vec::new(),
            },
            answer,
            passages: Vec::new(),
            projects: Vec::new(),
            suggestions,
            did_you_mean: None,
            fallback,
            feedback_url: None,
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
                    score: round(*score),
                }
            })
            .collect()
    }

    /// Projects ranked by their own passages, or by being named in a highly ranked passage
    /// (the FAQ's "Macclesfield … PARSOL" example suggests PARSOL).
    fn suggest_projects(&self, programme: &[(f32, &Candidate)]) -> Vec<ProjectHit> {
        let entries = self.entries();
        let mut scores: HashMap<usize, f32> =
            HashMap::with_capacity_and_hasher(programme.len(), Default::default());
        for (score, c) in programme {
            let mut bump = |entry: usize, score: f32| {
                let slot = scores.entry(entry).or_insert(0.0);
                *slot = slot.max(score);
            };
            if entries[c.entry].kind == Kind::Project {
                bump(c.entry, *score);
            }
            for id in c.terms.distinct.iter() {
                if let Some(&project) = self.project_mentions.get(id) {
                    bump(project, score * 0.9);
                }
            }
        }
        let mut ranked: Vec<(usize, f32)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let top = ranked.first().map_or(1.0, |r| r.1.max(f32::EPSILON));
        ranked
            .into_iter()
            .filter(|(_, s)| *s / top >= 0.5)
            .take(MAX_PROJECTS)
            .filter_map(|(i, score)| {
                let entry = &entries[i];
                let p = entry.project.as_ref()?;
                Some(ProjectHit {
                    id: entry.id.clone(),
                    name: p.name.clone(),
                    short_name: p.short_name.clone(),
                    summary: p.summary.clone(),
                    lead: p.lead.clone(),
                    url: entry.url().unwrap_or_default(),
                    score: round(score / top),
                })
            })
            .collect()
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
    let phrasing_texts: Vec<&str> = title
        .into_iter()
        .chain(entry.alternates.iter().map(String::as_str))
        .chain(triggers)
        .chain(entry.names())
        .chain(keywords)
        .collect();
    // Distinct terms by text (each unknown one keeps its own weight), sorted by id.
    let phrasings: Vec<Vec<(u32, f32)>> = phrasing_texts
        .iter()
        .map(|text| {
            let mut phrasing: Vec<(u32, f32)> = terms_of(text)
                .into_iter()
                .map(|t| (stats.id(&t), stats.idf(&t)))
                .collect();
            phrasing.sort_by_key(|(id, _)| *id);
            phrasing
        })
        .filter(|p| !p.is_empty())
        .collect();
    let mut terms: Vec<u32> = phrasings
        .iter()
        .flatten()
        .map(|(id, _)| *id)
        .filter(|id| *id != UNKNOWN)
        .collect();
    terms.sort_unstable();
    terms.dedup();
    let phrasing_masks = phrasings
        .iter()
        .map(|p| scoring::mask_of(p.iter().map(|(id, _)| *id)))
        .collect();
    let phrasing_ends = phrasings
        .iter()
        .scan(0u32, |end, p| {
            *end += p.len() as u32;
            Some(*end)
        })
        .collect();
    EntryInfo {
        terms_mask: scoring::mask_of(terms.iter().copied()),
        terms: terms.into_boxed_slice(),
        phrasing_terms: phrasings.into_iter().flatten().collect(),
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
        let questions = questions(include_str!("../../../tests/data/dev.jsonl"));
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
