//! Terms as numbers: every indexed term of the searched fields gets an id with its document
//! frequency ([`TermStats`]), a question's terms are looked up once ([`QuestionIds`]), and
//! sets of ids are summarised in 256-bit masks ([`TermMask`]) that rule most comparisons out
//! unsearched. Question analysis and scoring both build on it; it depends on neither.

// Fx hashing: the corpus's terms are inserted at load; a question only looks them up.
use rustc_hash::FxHashMap as HashMap;

use tantivy::schema::Field;
use tantivy::Searcher;

/// Every indexed term of the searched fields, numbered, with its document frequency (the
/// largest over those fields). Ranking compares terms by number: a question's terms are
/// looked up once, and an entry's phrasings and a passage's terms are kept as numbers.
#[derive(Debug)]
pub struct TermStats {
    ids: HashMap<String, u32>,
    /// BM25-style IDF by term id, worked out at load rather than a `ln` per lookup.
    idf: Vec<f32>,
    /// The IDF of a term the index lacks (document frequency 0).
    unknown_idf: f32,
    /// By term id, which of `fields` have it (bit i for `fields[i]`).
    in_fields: Vec<u8>,
    fields: Vec<Field>,
}

/// The id of a term the index does not have: it matches nothing, not even itself.
pub const UNKNOWN: u32 = u32::MAX;

/// No terms: every term is unknown, with the IDF of a term in an index of no documents.
impl Default for TermStats {
    fn default() -> TermStats {
        TermStats {
            ids: HashMap::default(),
            idf: Vec::new(),
            unknown_idf: idf(0.0, 0.0),
            in_fields: Vec::new(),
            fields: Vec::new(),
        }
    }
}

/// BM25-style IDF of a term in `df` of `docs` documents.
fn idf(docs: f32, df: f32) -> f32 {
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}

impl TermStats {
    /// Reads the term dictionaries of `fields` in every segment.
    pub fn load(searcher: &Searcher, fields: &[Field]) -> tantivy::Result<TermStats> {
        let mut per_field: Vec<HashMap<String, u32>> = vec![HashMap::default(); fields.len()];
        for segment in searcher.segment_readers() {
            for (i, field) in fields.iter().enumerate() {
                let inverted = segment.inverted_index(*field)?;
                let mut stream = inverted.terms().stream()?;
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    *per_field[i].entry(term.to_string()).or_insert(0) += stream.value().doc_freq;
                }
            }
        }
        // Ids in the terms' sorted order, so that anything kept sorted by id is in the same
        // order on every start (and sums over it come out the same to the last bit).
        let mut terms: Vec<&String> = per_field.iter().flat_map(|f| f.keys()).collect();
        terms.sort_unstable();
        terms.dedup();
        let ids: HashMap<String, u32> = terms
            .into_iter()
            .enumerate()
            .map(|(id, term)| (term.clone(), id as u32))
            .collect();
        let mut df: Vec<u32> = vec![0; ids.len()];
        let mut in_fields: Vec<u8> = vec![0; ids.len()];
        for (i, field) in per_field.iter().enumerate() {
            for (term, count) in field {
                let id = ids[term] as usize;
                df[id] = df[id].max(*count);
                in_fields[id] |= 1 << i.min(7);
            }
        }
        let docs = searcher.num_docs().max(1) as f32;
        Ok(TermStats {
            ids,
            idf: df.iter().map(|d| idf(docs, *d as f32)).collect(),
            unknown_idf: idf(docs, 0.0),
            in_fields,
            fields: fields.to_vec(),
        })
    }

    /// The term's id, or [`UNKNOWN`].
    pub fn id(&self, term: &str) -> u32 {
        self.ids.get(term).copied().unwrap_or(UNKNOWN)
    }

    /// BM25-style IDF; a term the index lacks gets the largest weight.
    pub fn idf(&self, term: &str) -> f32 {
        self.idf_of(self.id(term))
    }

    pub fn idf_of(&self, id: u32) -> f32 {
        self.idf
            .get(id as usize)
            .copied()
            .unwrap_or(self.unknown_idf)
    }

    /// Can the term with this id occur in `field`? (True for a field it was not loaded for.)
    pub fn in_field(&self, id: u32, field: Field) -> bool {
        match self.fields.iter().position(|f| *f == field) {
            Some(i) if i < 8 => self
                .in_fields
                .get(id as usize)
                .is_some_and(|mask| mask & (1 << i) != 0),
            _ => true,
        }
    }

    pub fn contains(&self, term: &str) -> bool {
        self.ids.contains_key(term)
    }
}

/// A question's terms and synonym phrases as term ids, looked up once per question.
#[derive(Debug, Clone, Default)]
pub struct QuestionIds {
    /// Per question term, its id; [`UNKNOWN`] for a rewritten term, which is never matched.
    pub terms: Vec<u32>,
    /// Per synonym expansion, the ids of its phrase's terms.
    pub expansions: Vec<Vec<u32>>,
}

impl QuestionIds {
    /// Every id the question searches for, its own terms and its synonyms'.
    pub fn all(&self) -> impl Iterator<Item = u32> + '_ {
        self.terms
            .iter()
            .chain(self.expansions.iter().flatten())
            .copied()
            .filter(|id| *id != UNKNOWN)
    }
}

/// A 256-bit summary of a set of term ids (bit `id % 256` for each): an id whose bit is not
/// set is not in the set, which rules most searches of it out unsearched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TermMask(SlotSet);

impl TermMask {
    /// Might the set hold `id`? `false` is certain; `true` needs a search to confirm.
    pub fn may_hold(&self, id: u32) -> bool {
        id != UNKNOWN && has_slot(&self.0, (id % 256) as usize)
    }
}

pub fn mask_of(ids: impl Iterator<Item = u32>) -> TermMask {
    let mut mask = TermMask::default();
    for id in ids.filter(|id| *id != UNKNOWN) {
        set_slot(&mut mask.0, (id % 256) as usize);
    }
    mask
}

/// 256 bits: slots of a [`QuestionSlots`], or a [`TermMask`].
pub(crate) type SlotSet = [u64; 4];

pub(crate) fn set_slot(set: &mut SlotSet, slot: usize) {
    set[slot / 64] |= 1 << (slot % 64);
}

pub(crate) fn has_slot(set: &SlotSet, slot: usize) -> bool {
    set[slot / 64] & (1 << (slot % 64)) != 0
}

pub(crate) fn contains_all(set: &SlotSet, subset: &SlotSet) -> bool {
    set.iter().zip(subset).all(|(s, sub)| s & sub == *sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mask_rules_out_ids_whose_bit_is_unset_and_never_holds_unknown() {
        let a = mask_of([3, 700, 1_000_000].into_iter());
        // Ids 256 apart share a bit: a mask only rules out, never in.
        assert!(a.may_hold(700) && a.may_hold(3 + 256) && !a.may_hold(4));
        assert!(!mask_of([UNKNOWN].into_iter()).may_hold(UNKNOWN));
    }
}
