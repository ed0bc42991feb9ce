//! BM25 retrieval read straight from the index's postings, term at a time, into one score per
//! document. It scores exactly as a tantivy `BooleanQuery` of boosted `TermQuery` and
//! `PhraseQuery` clauses would (same IDF, same quantized field norms, same K1 and B, a
//! phrase's IDF the sum of its terms'), without building a query, a weight and a scorer per
//! clause per request: on a small corpus that construction cost several times the search.
//! One exception, at scale: a term matching a large share of a big index only adds to the
//! documents rarer terms found (see [`COMMON_DOCS`]).
//!
//! What stays per request is one term-dictionary lookup per term, field and segment and a
//! walk over the postings. What is done once, when an index is opened, is everything that
//! depends only on the index: document count, each field's average length and its table of
//! BM25 length factors.
//!
//! Why this file is over 500 lines: the BM25 arithmetic and the postings walk are one unit
//! measured together (BENCHMARKS.md); about 250 lines are tests.

use std::cell::RefCell;
use std::collections::BinaryHeap;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use tantivy::fastfield::AliveBitSet;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::InvertedIndexReader;
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Searcher, Term, TERMINATED};

/// A clause matching at least this many documents is *common*: when rarer clauses have found
/// documents, it only adds to their scores (term-at-a-time "continue" pruning); when they
/// found none, every clause is scored in full. An index of fewer documents than this (the
/// shipped corpus, a 10k-passage one) is always scored in full.
const COMMON_DOCS: u64 = 20_000;

/// Up to this many documents, each field's term dictionary is also kept in a hash map, with
/// every term's postings decoded.
const CACHED_TERMS_DOCS: u64 = 20_000;

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// One scored clause: a term, or a phrase of terms at relative positions, in one field. It
/// borrows its terms from the analyzed question: a search makes no copies of them.
#[derive(Debug, Clone, Copy)]
pub struct Clause<'a> {
    pub field: Field,
    pub terms: ClauseTerms<'a>,
    pub boost: f32,
}

/// A clause's terms: one term, or a phrase's `(position, term)` pairs.
#[derive(Debug, Clone, Copy)]
pub enum ClauseTerms<'a> {
    Term(&'a str),
    Phrase(&'a [(usize, String)]),
}

impl<'a> ClauseTerms<'a> {
    fn len(&self) -> usize {
        match self {
            ClauseTerms::Term(_) => 1,
            ClauseTerms::Phrase(terms) => terms.len(),
        }
    }

    /// Each term with its position in the phrase (0 for a lone term).
    fn iter(&self) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let (lone, phrase): (Option<&'a str>, &'a [(usize, String)]) = match *self {
            ClauseTerms::Term(term) => (Some(term), &[]),
            ClauseTerms::Phrase(terms) => (None, terms),
        };
        let lone = lone.map(|term| (0, term));
        lone.into_iter()
            .chain(phrase.iter().map(|(at, term)| (*at, term.as_str())))
    }
}

/// A term's dictionary entry in one segment, and its decoded postings in a small index.
type Located<'a> = (TermInfo, Option<&'a CachedTerm>);

/// What a search scores: its clauses, each clause term's [`Located`] per segment, and each
/// clause's weight.
struct Query<'a> {
    clauses: &'a [Clause<'a>],
    /// Each clause term's [`Located`] in each segment, in one list: clause by clause, term by
    /// term, segment by segment (a search allocates it once, not per clause and term).
    located: &'a [Option<Located<'a>>],
    /// Each clause's [`Scored`], in one list.
    scored: &'a [Scored],
    segments: usize,
}

/// How a search scores one of its clauses.
#[derive(Clone, Copy)]
struct Scored {
    /// Where the clause's terms start in [`Query::located`], counted in terms.
    term_start: usize,
    weight: f32,
    /// Is the clause common (see [`COMMON_DOCS`])?
    common: bool,
}

impl<'a> Query<'a> {
    /// Term `t` of clause `c` in segment `segment`; `None` when the segment lacks it.
    fn located(&self, c: usize, t: usize, segment: usize) -> Option<&Located<'a>> {
        self.located[(self.scored[c].term_start + t) * self.segments + segment].as_ref()
    }
}

/// A matching document and the sum of its clauses' scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub score: f32,
    pub address: DocAddress,
}

/// The index-wide numbers BM25 needs, and each segment's readers of the searched fields,
/// all opened once per opened index (whose reader never reloads: a new index is a new
/// engine).
#[derive(Default)]
pub struct Bm25 {
    total_docs: u64,
    segments: Vec<SegmentFields>,
    /// Clauses matching at least this many documents are common ([`COMMON_DOCS`]).
    common_docs: u64,
}

/// One segment's readers.
struct SegmentFields {
    max_doc: DocId,
    alive: Option<AliveBitSet>,
    fields: Vec<FieldReaders>,
}

impl SegmentFields {
    fn readers(&self, field: Field) -> Option<&FieldReaders> {
        self.fields.iter().find(|f| f.field == field)
    }
}

/// One searched field of one segment.
struct FieldReaders {
    field: Field,
    inverted: Arc<InvertedIndexReader>,
    /// The field's whole term dictionary in a hash map, for a small index: a lookup costs
    /// a tenth of walking the dictionary's FST. `None` for a large one.
    terms: Option<HashMap<Box<str>, CachedTerm>>,
    norms: FieldNormReader,
    /// `K1 * (1 - B + B * length / average length)` for each of the 256 quantized lengths.
    length_factors: Arc<[f32; 256]>,
}

/// A term of a small index: where its postings are, and the postings themselves, decoded
/// once. Opening and decoding a term's posting blocks (and positions, for a phrase) cost
/// more than scoring them.
struct CachedTerm {
    info: TermInfo,
    /// The term's IDF in its field over the whole index (its document frequency summed over
    /// every segment, all of which are cached when one is), worked out once at load instead
    /// of a `ln` per clause term per search.
    idf: f32,
    /// Each document with the term: `(doc, frequency, frequency + length factor)`, the
    /// operands of its BM25 term score.
    postings: Box<[CachedPosting]>,
    /// The term's positions in each of those documents, one document after another.
    positions: Box<[u32]>,
    /// Where each document's positions end in `positions`.
    position_ends: Box<[u32]>,
}

type CachedPosting = (DocId, f32, f32);

impl CachedTerm {
    fn read(
        inverted: &InvertedIndexReader,
        info: TermInfo,
        norms: &FieldNormReader,
        length_factors: &[f32; 256],
    ) -> std::io::Result<CachedTerm> {
        let mut postings = Vec::with_capacity(info.doc_freq as usize);
        let mut positions = Vec::new();
        let mut position_ends = Vec::with_capacity(info.doc_freq as usize);
        let mut reader = inverted
            .read_postings_from_terminfo(&info, IndexRecordOption::WithFreqsAndPositions)?;
        let mut doc_positions = Vec::new();
        while reader.doc() != TERMINATED {
            let doc = reader.doc();
            let freq = reader.term_freq() as f32;
            let factor = length_factors[norms.fieldnorm_id(doc) as usize];
            postings.push((doc, freq, freq + factor));
            reader.positions(&mut doc_positions);
            positions.extend_from_slice(&doc_positions);
            position_ends.push(positions.len() as u32);
            reader.advance();
        }
        Ok(CachedTerm {
            info,
            // Set once every segment's dictionary is read (`Bm25::load_caching`).
            idf: 0.0,
            postings: postings.into_boxed_slice(),
            positions: positions.into_boxed_slice(),
            position_ends: position_ends.into_boxed_slice(),
        })
    }
}

impl Bm25 {
    /// Reads the document count and each field's average length from every segment.
    pub fn load(searcher: &Searcher, fields: &[Field]) -> tantivy::Result<Bm25> {
        Bm25::load_caching(searcher, fields, CACHED_TERMS_DOCS)
    }

    /// [`Bm25::load`], caching the term dictionaries of an index of up to `cached_terms_docs`
    /// documents.
    fn load_caching(
        searcher: &Searcher,
        fields: &[Field],
        cached_terms_docs: u64,
    ) -> tantivy::Result<Bm25> {
        let total_docs: u64 = searcher
            .segment_readers()
            .iter()
            .map(|s| u64::from(s.max_doc()))
            .sum();
        let mut length_factors = Vec::new();
        for &field in fields {
            let mut tokens = 0u64;
            for segment in searcher.segment_readers() {
                tokens += segment.inverted_index(field)?.total_num_tokens();
            }
            let average = tokens as f32 / total_docs.max(1) as f32;
            let mut factors = [0.0f32; 256];
            for (id, factor) in factors.iter_mut().enumerate() {
                let length = FieldNormReader::id_to_fieldnorm(id as u8) as f32;
                *factor = K1 * (1.0 - B + B * length / average);
            }
            length_factors.push(Arc::new(factors));
        }
        let mut segments = Vec::new();
        for segment in searcher.segment_readers() {
            let mut readers = Vec::new();
            for (&field, factors) in fields.iter().zip(&length_factors) {
                let inverted = segment.inverted_index(field)?;
                let norms = segment.get_fieldnorms_reader(field)?;
                let terms = if total_docs <= cached_terms_docs {
                    let mut terms = HashMap::default();
                    let mut stream = inverted.terms().stream()?;
                    while stream.advance() {
                        if let Ok(term) = std::str::from_utf8(stream.key()) {
                            let info = stream.value().clone();
                            let cached = CachedTerm::read(&inverted, info, &norms, factors)?;
                            terms.insert(term.into(), cached);
                        }
                    }
                    Some(terms)
                } else {
                    None
                };
                readers.push(FieldReaders {
                    field,
                    terms,
                    inverted,
                    norms,
                    length_factors: factors.clone(),
                });
            }
            segments.push(SegmentFields {
                max_doc: segment.max_doc(),
                alive: segment.alive_bitset().cloned(),
                fields: readers,
            });
        }
        set_cached_idfs(&mut segments, total_docs);
        Ok(Bm25 {
            total_docs,
            segments,
            common_docs: COMMON_DOCS,
        })
    }

    /// The same, with another threshold for common clauses (for tests on small indexes).
    pub fn with_common_docs(self, common_docs: u64) -> Bm25 {
        Bm25 {
            common_docs,
            ..self
        }
    }

    /// Every document matching at least one clause, with its score, in no particular order.
    /// A clause in a field that was not loaded matches nothing.
    pub fn search(&self, clauses: &[Clause<'_>]) -> tantivy::Result<Vec<Hit>> {
        // Each clause term's dictionary entry in each segment, the clause's weight, and
        // whether it is common: matching at most as many documents as its rarest term.
        let segments = self.segments.len();
        let term_count: usize = clauses.iter().map(|c| c.terms.len()).sum();
        let mut located: Vec<Option<Located>> = Vec::with_capacity(term_count * segments);
        // One list for the clauses' places, weights and commonness: three were allocated, and
        // two more for the rarer and the common clauses' numbers.
        let mut scored: Vec<Scored> = Vec::with_capacity(clauses.len());
        let mut term_start = 0;
        for clause in clauses {
            let mut idf = 0.0;
            let mut rarest = u64::MAX;
            for (_, text) in clause.terms.iter() {
                // Made only for a segment whose dictionary was not cached at load.
                let mut term: Option<Term> = None;
                let mut doc_freq = 0u64;
                // Known when a cached segment has the term.
                let mut cached_idf: Option<f32> = None;
                for segment in &self.segments {
                    let info = match segment.readers(clause.field) {
                        Some(FieldReaders {
                            terms: Some(terms), ..
                        }) => terms.get(text).map(|t| {
                            cached_idf = Some(t.idf);
                            (t.info.clone(), Some(t))
                        }),
                        Some(r) => {
                            let term = term
                                .get_or_insert_with(|| Term::from_field_text(clause.field, text));
                            r.inverted.get_term_info(term)?.map(|info| (info, None))
                        }
                        None => None,
                    };
                    doc_freq += info.as_ref().map_or(0, |(i, _)| u64::from(i.doc_freq));
                    located.push(info);
                }
                idf += cached_idf.unwrap_or_else(|| idf_of(self.total_docs, doc_freq));
                rarest = rarest.min(doc_freq);
            }
            scored.push(Scored {
                term_start,
                weight: idf * (1.0 + K1) * clause.boost,
                common: rarest >= self.common_docs,
            });
            term_start += clause.terms.len();
        }
        let any_common = scored.iter().any(|c| c.common);
        let query = Query {
            clauses,
            located: &located,
            scored: &scored,
            segments,
        };
        let mut hits = Vec::new();
        // The rarer clauses first, in every segment. With no common clause that is the whole
        // search; otherwise what they found is kept for the common clauses to add to.
        let mut rarer_found: Vec<Vec<(DocId, f32)>> = Vec::new();
        for segment_ord in 0..self.segments.len() {
            SCORES.with(|scores| -> tantivy::Result<()> {
                let mut scores = scores.borrow_mut();
                scores.reset(self.segments[segment_ord].max_doc as usize);
                self.score(&query, segment_ord, false, None, &mut scores)?;
                if !any_common {
                    self.drain_hits(segment_ord, &mut scores, &mut hits);
                } else {
                    rarer_found.push(scores.drain().collect());
                }
                Ok(())
            })?;
        }
        if !any_common {
            return Ok(hits);
        }
        // Once the rarer clauses have found documents anywhere in the index, a common clause
        // only adds to those: walking a posting list of a large share of the index to score
        // documents that match nothing rarer is most of a slow question's time. Whether they
        // found any is decided over the whole index, not per segment, so the answer does not
        // depend on how the build happened to split the documents.
        let prune = rarer_found.iter().any(|found| !found.is_empty());
        for (segment_ord, found) in rarer_found.into_iter().enumerate() {
            SCORES.with(|scores| -> tantivy::Result<()> {
                let mut scores = scores.borrow_mut();
                scores.reset(self.segments[segment_ord].max_doc as usize);
                let mut docs = Vec::with_capacity(found.len());
                for (doc, score) in found {
                    scores.add(doc, score);
                    docs.push(doc);
                }
                docs.sort_unstable();
                let only = prune.then_some(docs.as_slice());
                self.score(&query, segment_ord, true, only, &mut scores)?;
                self.drain_hits(segment_ord, &mut scores, &mut hits);
                Ok(())
            })?;
        }
        Ok(hits)
    }

    /// Moves a segment's scored documents, deleted ones left out, from `scores` to `hits`.
    fn drain_hits(&self, segment_ord: usize, scores: &mut Accumulator, hits: &mut Vec<Hit>) {
        let hit = |(doc, score)| Hit {
            score,
            address: DocAddress::new(segment_ord as u32, doc),
        };
        match self.segments[segment_ord].alive.as_ref() {
            // Without a filter the length is known: no capacity check per hit.
            None => hits.extend(scores.drain().map(hit)),
            Some(alive) => {
                hits.reserve(scores.touched());
                hits.extend(
                    scores
                        .drain()
                        .filter(|(doc, _)| alive.is_alive(*doc))
                        .map(hit),
                );
            }
        }
    }

    /// Adds the scores of the `common` clauses of `query` (or of the rarer ones) in one
    /// segment to `scores` (reset for that segment by the caller): to every matching document,
    /// or with `only` (sorted, and already in `scores`) to those documents alone.
    fn score(
        &self,
        query: &Query,
        segment_ord: usize,
        common: bool,
        only: Option<&[DocId]>,
        scores: &mut Accumulator,
    ) -> tantivy::Result<()> {
        let segment = &self.segments[segment_ord];
        // Reused from phrase to phrase (allocated at the first): the phrase's terms located,
        // their offsets, their cursors, and the positions phrase matching works on.
        let mut located: Vec<&Located> = Vec::new();
        let mut offsets: Vec<u32> = Vec::new();
        let mut cursors: Vec<CachedCursor> = Vec::new();
        let mut positions = PhrasePositions::default();
        for c in (0..query.clauses.len()).filter(|c| query.scored[*c].common == common) {
            let clause = &query.clauses[c];
            let weight = query.scored[c].weight;
            let Some(field) = segment.readers(clause.field) else {
                continue;
            };
            let mut add_scored = |doc: DocId, freq: f32, freq_and_factor: f32| {
                if only.is_some() && !scores.has(doc) {
                    return;
                }
                scores.add(doc, weight * freq / freq_and_factor);
            };
            let mut add = |doc: DocId, freq: u32| {
                let factor = field.length_factors[field.norms.fieldnorm_id(doc) as usize];
                let freq = freq as f32;
                add_scored(doc, freq, freq + factor);
            };
            if clause.terms.len() == 1 {
                let Some((info, cached)) = query.located(c, 0, segment_ord) else {
                    continue;
                };
                if let Some(cached) = cached {
                    // Decoded when the index was opened.
                    for &(doc, freq, freq_and_factor) in cached.postings.iter() {
                        add_scored(doc, freq, freq_and_factor);
                    }
                } else if let Some(docs) = only {
                    // Jump through the posting list to the documents already found.
                    let mut postings = field
                        .inverted
                        .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                    for &doc in docs {
                        let at = if postings.doc() < doc {
                            postings.seek(doc)
                        } else {
                            postings.doc()
                        };
                        if at == TERMINATED {
                            break;
                        }
                        if at == doc {
                            add(doc, postings.term_freq());
                        }
                    }
                } else {
                    // Whole decoded blocks of documents and frequencies at a time.
                    let mut blocks = field
                        .inverted
                        .read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                    while !blocks.docs().is_empty() {
                        for (doc, freq) in blocks.docs().iter().zip(blocks.freqs()) {
                            add(*doc, *freq);
                        }
                        blocks.advance();
                    }
                }
            } else {
                // A phrase: every term must be in the segment.
                located.clear();
                for t in 0..clause.terms.len() {
                    located.extend(query.located(c, t, segment_ord));
                }
                if located.len() < clause.terms.len() {
                    continue;
                }
                offsets.clear();
                offsets.extend(clause.terms.iter().map(|(at, _)| at as u32));
                cursors.clear();
                cursors.extend(
                    located
                        .iter()
                        .map_while(|(_, cached)| cached.map(CachedCursor::new)),
                );
                if cursors.len() == located.len() {
                    phrase_matches(&mut cursors, &offsets, &mut positions, &mut add);
                    continue;
                }
                let mut postings = located
                    .iter()
                    .map(|(info, _)| {
                        field
                            .inverted
                            .read_postings_from_terminfo(
                                info,
                                IndexRecordOption::WithFreqsAndPositions,
                            )
                            .map(IndexedDocs)
                    })
                    .collect::<std::io::Result<Vec<_>>>()?;
                phrase_matches(&mut postings, &offsets, &mut positions, &mut add);
            }
        }
        Ok(())
    }
}

/// BM25's IDF of a term in `doc_freq` of an index's `total_docs` documents, as tantivy's.
fn idf_of(total_docs: u64, doc_freq: u64) -> f32 {
    let doc_freq = doc_freq.min(total_docs);
    let x = ((total_docs - doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln()
}

/// Gives every cached term its [`CachedTerm::idf`]: of its document frequency in its field
/// summed over the segments, as a search sums it.
fn set_cached_idfs(segments: &mut [SegmentFields], total_docs: u64) {
    for s in 0..segments.len() {
        for f in 0..segments[s].fields.len() {
            let field = segments[s].fields[f].field;
            let Some(terms) = segments[s].fields[f].terms.as_ref() else {
                continue;
            };
            let idfs: Vec<f32> = terms
                .keys()
                .map(|text| {
                    let doc_freq = segments
                        .iter()
                        .filter_map(|segment| segment.readers(field)?.terms.as_ref()?.get(text))
                        .map(|t| u64::from(t.info.doc_freq))
                        .sum();
                    idf_of(total_docs, doc_freq)
                })
                .collect();
            if let Some(terms) = segments[s].fields[f].terms.as_mut() {
                // A map not changed in between iterates in the same order.
                for (term, idf) in terms.values_mut().zip(idfs) {
                    term.idf = idf;
                }
            }
        }
    }
}

/// What phrase matching needs of a term's postings: its documents in order and its
/// positions in the current one.
trait PositionedDocs {
    fn doc(&self) -> DocId;
    fn advance(&mut self) -> DocId;
    fn seek(&mut self, target: DocId) -> DocId;
    /// The current document's positions, sorted, into `output` (cleared first).
    fn positions(&mut self, output: &mut Vec<u32>);
}

/// A term's postings read from the index.
struct IndexedDocs(SegmentPostings);

impl PositionedDocs for IndexedDocs {
    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.0.seek(target)
    }

    fn positions(&mut self, output: &mut Vec<u32>) {
        self.0.positions(output);
    }
}

/// A walk over a [`CachedTerm`]'s postings.
struct CachedCursor<'a> {
    term: &'a CachedTerm,
    at: usize,
}

impl<'a> CachedCursor<'a> {
    fn new(term: &'a CachedTerm) -> CachedCursor<'a> {
        CachedCursor { term, at: 0 }
    }
}

impl PositionedDocs for CachedCursor<'_> {
    fn doc(&self) -> DocId {
        self.term.postings.get(self.at).map_or(TERMINATED, |p| p.0)
    }

    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.term.postings.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = &self.term.postings[self.at..];
        self.at += rest.partition_point(|p| p.0 < target);
        self.doc()
    }

    fn positions(&mut self, output: &mut Vec<u32>) {
        output.clear();
        let ends = &self.term.position_ends;
        let Some(&end) = ends.get(self.at) else {
            return;
        };
        let start = if self.at == 0 { 0 } else { ends[self.at - 1] };
        output.extend_from_slice(&self.term.positions[start as usize..end as usize]);
    }
}

/// The positions phrase matching works on, kept from phrase to phrase: where the phrase may
/// start in the current document, and one of its terms' positions there.
#[derive(Default)]
struct PhrasePositions {
    starts: Vec<u32>,
    term: Vec<u32>,
}

/// Calls `found(doc, count)` for every document where the terms of `postings` occur at
/// their `offsets` relative to one another, `count` times.
fn phrase_matches(
    postings: &mut [impl PositionedDocs],
    offsets: &[u32],
    buffers: &mut PhrasePositions,
    found: &mut impl FnMut(DocId, u32),
) {
    let (first, rest) = postings.split_first_mut().expect("a phrase has terms");
    let PhrasePositions {
        starts,
        term: positions,
    } = buffers;
    let mut doc = first.doc();
    'docs: while doc != TERMINATED {
        // Leapfrog: every term must be on the same document.
        for other in rest.iter_mut() {
            let at = if other.doc() < doc {
                other.seek(doc)
            } else {
                other.doc()
            };
            if at > doc {
                doc = first.seek(at);
                continue 'docs;
            }
        }
        // Phrase starts: each term's positions moved back by its offset, intersected.
        starts.clear();
        first.positions(starts);
        starts.retain(|p| *p >= offsets[0]);
        starts.iter_mut().for_each(|p| *p -= offsets[0]);
        for (other, offset) in rest.iter_mut().zip(&offsets[1..]) {
            positions.clear();
            other.positions(positions);
            starts.retain(|s| positions.binary_search(&(s + offset)).is_ok());
        }
        if !starts.is_empty() {
            found(doc, starts.len() as u32);
        }
        doc = first.advance();
    }
}

/// The best `k` hits, best first; equal scores in the order of `key` (a document's place in
/// the corpus, say, which unlike its address does not depend on how indexing threads split
/// the work).
pub fn top<'a>(
    hits: impl Iterator<Item = &'a Hit>,
    k: usize,
    key: impl Fn(&Hit) -> u64,
) -> Vec<Hit> {
    // A max-heap of the best so far by rank (smaller is better): its top is the one to drop
    // next.
    let mut best: BinaryHeap<Ranked> = BinaryHeap::with_capacity(k + 1);
    for hit in hits {
        if best.len() == k && best.peek().is_none_or(|worst| hit.score < worst.hit.score) {
            continue;
        }
        let candidate = Ranked {
            rank: rank(hit.score, key(hit)),
            hit: *hit,
        };
        if best.len() < k {
            best.push(candidate);
        } else if let Some(mut worst) = best.peek_mut().filter(|worst| candidate < **worst) {
            // Replaced in place: one sift down instead of a pop's and a push's.
            *worst = candidate;
        }
    }
    best.into_sorted_vec().into_iter().map(|r| r.hit).collect()
}

/// A hit's place in the order "higher score (by `f32::total_cmp`), then lower key" as one
/// number, smaller first: one comparison instead of a float's and a key's.
fn rank(score: f32, key: u64) -> u128 {
    // `total_cmp`'s order as unsigned integers: negative numbers' bits flipped, positive
    // numbers' sign bit set.
    let bits = score.to_bits();
    let ascending = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    };
    (u128::from(!ascending) << 64) | u128::from(key)
}

/// A hit with its [`rank`].
struct Ranked {
    rank: u128,
    hit: Hit,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> std::cmp::Ordering {
        self.rank.cmp(&other.rank)
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.rank == other.rank
    }
}

impl Eq for Ranked {}

thread_local! {
    /// Score accumulators, kept per thread so a request allocates nothing for them.
    static SCORES: RefCell<Accumulator> = RefCell::new(Accumulator::default());
}

/// One score per document of a segment, and which documents have one.
#[derive(Default)]
struct Accumulator {
    scores: Vec<f32>,
    /// The touched documents in the order first touched: the first `count` places of a list
    /// one longer than the segment, so adding writes a place whether or not the document is
    /// new and counts it only if it is, instead of branching (half the documents of a second
    /// long posting list are new, half not: a branch the processor could not predict).
    touched: Vec<DocId>,
    count: usize,
}

impl Accumulator {
    fn reset(&mut self, max_doc: usize) {
        for &doc in &self.touched[..self.count] {
            self.scores[doc as usize] = 0.0;
        }
        self.count = 0;
        if self.scores.len() < max_doc {
            self.scores.resize(max_doc, 0.0);
        }
        if self.touched.len() < max_doc + 1 {
            self.touched.resize(max_doc + 1, 0);
        }
    }

    fn has(&self, doc: DocId) -> bool {
        self.scores[doc as usize] != 0.0
    }

    fn touched(&self) -> usize {
        self.count
    }

    fn add(&mut self, doc: DocId, score: f32) {
        let slot = &mut self.scores[doc as usize];
        let new = usize::from(*slot == 0.0);
        *slot += score;
        // In bounds: at most one place per document, and one spare.
        self.touched[self.count] = doc;
        self.count += new;
    }

    /// Every touched document and its score; leaves the accumulator clean.
    fn drain(&mut self) -> impl Iterator<Item = (DocId, f32)> + '_ {
        let scores = &mut self.scores;
        let count = std::mem::take(&mut self.count);
        self.touched[..count].iter().map(move |&doc| {
            let score = std::mem::take(&mut scores[doc as usize]);
            (doc, score)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::shipped_index;
    use super::*;
    use signpost_indexer::analysis;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};

    /// The search term of a one-word `text`, kept for the rest of the test run (clauses borrow
    /// their terms).
    fn stem_of(text: &str) -> &'static str {
        analysis::terms(text)[0].term.clone().leak()
    }

    /// The same clauses as a tantivy query, for comparison.
    fn as_query(clauses: &[Clause<'_>]) -> BooleanQuery {
        let clauses: Vec<(Occur, Box<dyn Query>)> = clauses
            .iter()
            .map(|c| {
                let query: Box<dyn Query> = match c.terms {
                    ClauseTerms::Term(only) => Box::new(TermQuery::new(
                        Term::from_field_text(c.field, only),
                        IndexRecordOption::WithFreqs,
                    )),
                    ClauseTerms::Phrase(terms) => Box::new(PhraseQuery::new_with_offset(
                        terms
                            .iter()
                            .map(|(at, t)| (*at, Term::from_field_text(c.field, t)))
                            .collect(),
                    )),
                };
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(query, c.boost)) as Box<dyn Query>,
                )
            })
            .collect();
        BooleanQuery::new(clauses)
    }

    #[test]
    fn scores_every_document_as_tantivy_does() {
        let (_dir, open) = shipped_index();
        let searcher = open.reader.searcher();
        let f = open.fields;
        let fields = f.searchable();
        let cached = Bm25::load(&searcher, &fields).unwrap();
        let read = Bm25::load_caching(&searcher, &fields, 0).unwrap();
        assert!(cached.segments[0].fields[0].terms.is_some());
        assert!(read.segments[0].fields[0].terms.is_none());
        let term = |field, text: &str, boost| Clause {
            field,
            terms: ClauseTerms::Term(stem_of(text)),
            boost,
        };
        let phrase = |field, text: &str, boost| Clause {
            field,
            terms: ClauseTerms::Phrase(
                analysis::terms(text)
                    .into_iter()
                    .map(|t| (t.word.position, t.term))
                    .collect::<Vec<_>>()
                    .leak(),
            ),
            boost,
        };
        let cases = vec![
            vec![
                term(f.body, "funding", 1.0),
                term(f.context, "funding", 0.6),
            ],
            vec![
                term(f.body, "councils", 1.0),
                term(f.body, "project", 1.0),
                phrase(f.body, "local authorities", 0.7),
                phrase(f.context, "local authorities", 0.42),
            ],
            vec![
                term(f.title, "helpline", 1.2),
                term(f.alternates, "phone", 1.0),
                term(f.names, "parsol", 1.2),
                term(f.keywords, "planning", 0.8),
                phrase(f.alternates, "national projects", 0.7),
            ],
        ];
        for clauses in cases {
            let expected = searcher
                .search(
                    &as_query(&clauses),
                    &TopDocs::with_limit(1000).order_by_score(),
                )
                .unwrap();
            assert!(expected.len() > 3, "the case matches documents");
            // Postings decoded at load and postings read per search score the same.
            let ours = top(cached.search(&clauses).unwrap().iter(), 1000, by_address);
            let read = top(read.search(&clauses).unwrap().iter(), 1000, by_address);
            assert_eq!(ours, read, "{clauses:?}");
            assert_eq!(ours.len(), expected.len(), "{clauses:?}");
            for (hit, (score, address)) in ours.iter().zip(&expected) {
                assert_eq!(hit.address, *address, "{clauses:?}");
                assert!((hit.score - score).abs() < 1e-4, "{} vs {score}", hit.score);
            }
        }
    }

    fn by_address(hit: &Hit) -> u64 {
        u64::from(hit.address.doc_id)
    }

    #[test]
    fn a_common_clause_only_adds_to_documents_rarer_clauses_found() {
        let (_dir, open) = shipped_index();
        let searcher = open.reader.searcher();
        let f = open.fields;
        let term = |text: &str| Clause {
            field: f.body,
            terms: ClauseTerms::Term(stem_of(text)),
            boost: 1.0,
        };
        // "council" is in many passages, "parsol" in a few.
        let clauses = [term("council"), term("parsol")];
        let full = Bm25::load(&searcher, &f.searchable()).unwrap();
        let everything = full.search(&clauses).unwrap();
        let common = full.search(&clauses[..1]).unwrap().len() as u64;
        let rare: Vec<DocAddress> = full
            .search(&clauses[1..])
            .unwrap()
            .iter()
            .map(|h| h.address)
            .collect();
        assert!(common > rare.len() as u64 && !rare.is_empty());
        let pruned = full.with_common_docs(common).search(&clauses).unwrap();
        // Only the documents the rare clause found, each with its full score.
        assert_eq!(pruned.len(), rare.len());
        for hit in &pruned {
            assert!(rare.contains(&hit.address));
            let whole = everything
                .iter()
                .find(|h| h.address == hit.address)
                .unwrap();
            assert!((whole.score - hit.score).abs() < 1e-5);
        }
        // With nothing rarer to go on, common clauses are all scored in full: a document
        // matching only the second is not lost to the first.
        let both_common = [term("council"), term("project")];
        let full = Bm25::load(&searcher, &f.searchable()).unwrap();
        let second = full.search(&both_common[1..]).unwrap().len() as u64;
        let union = full.search(&both_common).unwrap();
        assert!(
            union.len() as u64 > common.max(second),
            "the case tests something"
        );
        let alone = Bm25::load(&searcher, &f.searchable())
            .unwrap()
            .with_common_docs(common.min(second))
            .search(&both_common)
            .unwrap();
        assert_eq!(alone.len(), union.len());
    }

    #[test]
    fn pruning_does_not_depend_on_how_documents_are_split_into_segments() {
        use tantivy::schema::{Schema, TEXT};
        use tantivy::{doc, Index};
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        // The rare word is in the first segment only; the second has the common word alone.
        for segment in [["rare common", "common"], ["common", "common"]] {
            for text in segment {
                writer.add_document(doc!(body => text)).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let term = |text: &'static str| Clause {
            field: body,
            terms: ClauseTerms::Term(text),
            boost: 1.0,
        };
        let clauses = [term("common"), term("rare")];
        // "common" (4 documents) is common from 2, "rare" (1) is not.
        let bm25 = Bm25::load(&searcher, &[body]).unwrap().with_common_docs(2);
        let addresses = |clauses: &[Clause<'_>]| -> Vec<DocAddress> {
            let hits = bm25.search(clauses).unwrap();
            hits.iter().map(|h| h.address).collect()
        };
        let rare = addresses(&clauses[1..]);
        assert_eq!(rare.len(), 1);
        // The segments' order is the index's, not the order they were written in.
        assert_eq!(addresses(&clauses), rare, "only what the rare word found");
    }

    #[test]
    fn rank_orders_as_total_cmp_then_key() {
        let scores = [
            f32::NEG_INFINITY,
            -3.5,
            -0.0,
            0.0,
            f32::MIN_POSITIVE,
            0.5,
            1.0,
            1.0 + f32::EPSILON,
            7.25e9,
            f32::INFINITY,
            f32::NAN,
        ];
        for a in scores {
            for b in scores {
                for (ka, kb) in [(0, 0), (1, 2), (2, 1), (u64::MAX, 0)] {
                    let expected = b.total_cmp(&a).then(ka.cmp(&kb));
                    assert_eq!(
                        rank(a, ka).cmp(&rank(b, kb)),
                        expected,
                        "{a} {ka} / {b} {kb}"
                    );
                }
            }
        }
    }

    #[test]
    fn top_keeps_the_best_in_order() {
        let hit = |score, doc| Hit {
            score,
            address: DocAddress::new(0, doc),
        };
        let hits = [
            hit(1.0, 5),
            hit(3.0, 1),
            hit(2.0, 9),
            hit(3.0, 0),
            hit(0.5, 2),
        ];
        assert_eq!(
            top(hits.iter(), 3, by_address),
            vec![hit(3.0, 0), hit(3.0, 1), hit(2.0, 9)]
        );
        assert_eq!(
            top(hits.iter(), 2, |h| u64::from(100 - h.address.doc_id)),
            vec![hit(3.0, 1), hit(3.0, 0)]
        );
        assert_eq!(top(hits.iter(), 10, by_address).len(), 5);
        assert!(top(hits.iter(), 0, by_address).is_empty());
    }
}
