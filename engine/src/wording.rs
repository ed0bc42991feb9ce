//! How closely a question is worded like one of the ways an entry is asked, small words
//! included: "what are the symptoms of coronavirus" is worded like "What are the symptoms of
//! COVID-19?" (the same words, in the same pairs) far more than like "What is a coronavirus?",
//! although by their content words alone the second looks as close. Matching ignores stop
//! words to find what a question is about; the way it is put together says which question
//! it is.
//!
//! A wording is the set of a text's word stems and pairs of neighbouring stems, hashed; two
//! wordings compare by their Dice coefficient, each stem and pair weighted by how few of the
//! entries' questions use it (its IDF), so that "how long" shared with every question counts
//! for less than "on paper" shared with one.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap as HashMap, FxHasher};
use signpost_indexer::analysis;

/// The bit that marks a pair's hash (a stem's has it clear).
const PAIR: u32 = 1 << 31;
/// How much a pair counts beside a stem.
const PAIR_WEIGHT: f32 = 0.5;

/// A text's stems and stem pairs, hashed, sorted and distinct, each with its weight: 1 until
/// [`WordingIndex::weigh`] gives it how rare it is among the entries' questions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wording {
    hashes: Box<[u32]>,
    weights: Box<[f32]>,
    total: f32,
}

impl Wording {
    /// The wording of a text's folded words, in order (stop words included).
    pub fn of_words(words: &[String]) -> Wording {
        let stems: Vec<String> = words.iter().map(|w| analysis::stem(w)).collect();
        Wording::of_stems(&stems)
    }

    /// The wording of a text's words given as their stems, in order: [`Wording::of_words`]
    /// for a caller that has stemmed them already.
    pub fn of_stems<S: AsRef<str>>(stems: &[S]) -> Wording {
        let hash = |parts: &[&str]| {
            let mut h = FxHasher::default();
            parts.hash(&mut h);
            h.finish() as u32
        };
        let mut hashes: Vec<u32> = stems
            .iter()
            .map(|s| hash(&[s.as_ref()]) & !PAIR)
            .chain(
                stems
                    .windows(2)
                    .map(|p| hash(&[p[0].as_ref(), p[1].as_ref()]) | PAIR),
            )
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        Wording {
            weights: vec![1.0; hashes.len()].into_boxed_slice(),
            total: hashes.len() as f32,
            hashes: hashes.into_boxed_slice(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    fn hashes(&self) -> &[u32] {
        &self.hashes
    }

    /// How this wording compares with the question's, in one pass over both: the weighted
    /// Dice coefficient of the two (0: nothing shared, 1: the same) and the BM25 of the
    /// question's stems and pairs in this wording (each once), with the weights as IDF and
    /// `average` the mean total weight of the entries' wordings.
    pub fn compare(&self, question: &Wording, average: f32) -> Comparison {
        let (a, b) = (&self.hashes, &question.hashes);
        let (mut i, mut j) = (0, 0);
        let (mut mine, mut theirs) = (0.0f32, 0.0f32);
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i], b[j]);
            if x == y {
                mine += self.weights[i];
                theirs += question.weights[j];
            }
            i += usize::from(x <= y);
            j += usize::from(y <= x);
        }
        if a.is_empty() || b.is_empty() {
            return Comparison::default();
        }
        Comparison::of_shared(mine, theirs, self.total, question.total, average)
    }
}

/// How closely one wording matches a question's: see [`Wording::compare`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Comparison {
    pub similarity: f32,
    pub bm25: f32,
}

impl Comparison {
    /// From the weight the two share, as each weighs it (the same, once both are weighed by
    /// one index), their total weights, and the mean total weight of the entries' wordings.
    fn of_shared(mine: f32, theirs: f32, total: f32, question_total: f32, average: f32) -> Self {
        const K1: f32 = 1.2;
        const B: f32 = 0.75;
        let norm = K1 * (1.0 - B + B * total / average.max(f32::EPSILON));
        Comparison {
            similarity: (mine + theirs) / (total + question_total),
            bm25: mine * (K1 + 1.0) / (1.0 + norm),
        }
    }

    /// The larger of each measure.
    fn max(self, other: Comparison) -> Comparison {
        Comparison {
            similarity: self.similarity.max(other.similarity),
            bm25: self.bm25.max(other.bm25),
        }
    }
}

/// Which entries' questions have each stem and stem pair, to find the entries a question is
/// worded like even when it shares no searched word with them ("how many are affected?" and
/// "How many cases are there?" share only small words).
#[derive(Debug, Default)]
pub struct WordingIndex {
    postings: HashMap<u32, Box<[u32]>>,
    /// Every stem's and pair's wordings (numbered entry after entry), as a range of `wordings`:
    /// what [`WordingIndex::compare_entries`] reads when that is cheaper than comparing each
    /// wording.
    wording_postings: HashMap<u32, (u32, u32)>,
    wordings: Box<[u32]>,
    /// Where each entry's wordings start in that numbering, and where the last ends.
    first_wording: Box<[u32]>,
    /// Each wording's total weight, once weighed.
    totals: Box<[f32]>,
    /// How many stems and pairs each entry's wordings hold in all: the cost of comparing them.
    entry_sizes: Box<[u32]>,
    /// Each stem's and pair's weight: its inverse document frequency over the entries.
    weights: HashMap<u32, f32>,
    /// The weight of one the entries' questions never use.
    unseen: f32,
    /// The mean total weight of the entries' wordings, once weighed.
    average: f32,
}

/// Sums by place (a wording's or an entry's number) for the few places a question touches:
/// adding is one add, and clearing resets only the places touched, so one list serves
/// question after question.
#[derive(Default)]
struct Tally<T> {
    sums: Vec<T>,
    /// The places with a sum, each once, in the order first touched.
    touched: Vec<u32>,
}

impl<T: Copy + Default + PartialEq + std::ops::AddAssign> Tally<T> {
    /// Makes room for places `0..places`, before adding to any of them.
    fn fit(&mut self, places: usize) {
        if self.sums.len() < places {
            self.sums.resize(places, T::default());
        }
    }

    fn add(&mut self, at: u32, value: T) {
        let i = at as usize;
        if self.sums[i] == T::default() {
            self.touched.push(at);
        }
        self.sums[i] += value;
    }

    /// The sum at `at` (zero where nothing was added).
    fn get(&self, at: u32) -> T {
        self.sums.get(at as usize).copied().unwrap_or_default()
    }

    fn clear(&mut self) {
        for at in self.touched.drain(..) {
            self.sums[at as usize] = T::default();
        }
    }
}

thread_local! {
    /// Per wording, the weight it shares with the question being compared.
    static SHARED: std::cell::RefCell<Tally<f32>> = Default::default();
    /// Per entry, how many of the question's stems and pairs its questions have.
    static COUNTS: std::cell::RefCell<Tally<u32>> = Default::default();
}

/// A stem or pair in more entries' questions than this ("what", "how do") picks out nothing
/// and is not followed.
const MAX_POSTINGS: usize = 64;

impl WordingIndex {
    /// Indexes each entry's wordings (by entry index).
    pub fn build<'a>(entries: impl Iterator<Item = &'a [Wording]>) -> WordingIndex {
        let mut postings: HashMap<u32, Vec<u32>> = HashMap::default();
        let mut by_wording: HashMap<u32, Vec<u32>> = HashMap::default();
        let mut first_wording = vec![0u32];
        let mut entry_sizes = Vec::new();
        let mut numbered = 0u32;
        for (entry, wordings) in entries.enumerate() {
            for hash in wordings.iter().flat_map(|w| w.hashes()) {
                let list = postings.entry(*hash).or_default();
                if list.last() != Some(&(entry as u32)) {
                    list.push(entry as u32);
                }
            }
            for wording in wordings {
                for hash in wording.hashes() {
                    by_wording.entry(*hash).or_default().push(numbered);
                }
                numbered += 1;
            }
            first_wording.push(numbered);
            entry_sizes.push(wordings.iter().map(|w| w.hashes.len() as u32).sum());
        }
        let mut wordings = Vec::with_capacity(by_wording.values().map(Vec::len).sum());
        let wording_postings = by_wording
            .into_iter()
            .map(|(hash, list)| {
                let start = wordings.len() as u32;
                wordings.extend(list);
                (hash, (start, wordings.len() as u32))
            })
            .collect();
        let entries = postings
            .values()
            .flat_map(|l| l.last())
            .max()
            .map_or(0, |e| e + 1);
        let idf = |df: usize| (1.0 + (entries as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln();
        WordingIndex {
            weights: postings.iter().map(|(h, l)| (*h, idf(l.len()))).collect(),
            unseen: idf(0),
            average: 1.0,
            wording_postings,
            wordings: wordings.into_boxed_slice(),
            totals: vec![0.0; numbered as usize].into_boxed_slice(),
            first_wording: first_wording.into_boxed_slice(),
            entry_sizes: entry_sizes.into_boxed_slice(),
            postings: postings
                .into_iter()
                .filter(|(_, list)| list.len() <= MAX_POSTINGS)
                .map(|(hash, list)| (hash, list.into_boxed_slice()))
                .collect(),
        }
    }

    /// Weighs the entries' own wordings (those it was built from) and keeps their mean total
    /// weight, the length BM25 normalises by.
    pub fn weigh_entries<'a>(&mut self, wordings: impl Iterator<Item = &'a mut Wording>) {
        let (mut total, mut count) = (0.0f32, 0usize);
        let mut totals = Vec::with_capacity(self.totals.len());
        for wording in wordings {
            self.weigh(wording);
            total += wording.total;
            totals.push(wording.total);
            count += 1;
        }
        debug_assert_eq!(
            totals.len(),
            self.totals.len(),
            "the wordings it was built from"
        );
        self.totals = totals.into_boxed_slice();
        self.average = total / count.max(1) as f32;
    }

    /// The mean total weight of the entries' wordings.
    pub fn average(&self) -> f32 {
        self.average
    }

    /// Gives each of the wording's stems and pairs its weight.
    pub fn weigh(&self, wording: &mut Wording) {
        for (hash, weight) in wording.hashes.iter().zip(wording.weights.iter_mut()) {
            *weight = self.weights.get(hash).copied().unwrap_or(self.unseen)
                * if hash & PAIR != 0 { PAIR_WEIGHT } else { 1.0 };
        }
        wording.total = wording.weights.iter().sum();
    }

    /// For each of `entries`, how close its closest wordings (by each measure) come to the
    /// question's: the same figures as [`Wording::compare`] on each of the entry's weighed
    /// wordings (`wordings_of`, those the index was built from), bit for bit. When the
    /// question's stems and pairs are in fewer wordings than the entries hold, they are read
    /// from the postings, adding each shared weight into its wording in the same order as
    /// the comparison would.
    pub fn compare_entries<'a>(
        &self,
        question: &Wording,
        entries: &[usize],
        wordings_of: impl Fn(usize) -> &'a [Wording],
    ) -> Vec<Comparison> {
        self.compare_entries_by(question, entries, wordings_of, None)
    }

    /// [`WordingIndex::compare_entries`], reading the postings or not as `from_postings`
    /// says, or as is cheaper when it says nothing.
    fn compare_entries_by<'a>(
        &self,
        question: &Wording,
        entries: &[usize],
        wordings_of: impl Fn(usize) -> &'a [Wording],
        from_postings: Option<bool>,
    ) -> Vec<Comparison> {
        let postings: Vec<&[u32]> = question
            .hashes
            .iter()
            .map(|hash| {
                self.wording_postings
                    .get(hash)
                    .map_or(&[][..], |&(a, b)| &self.wordings[a as usize..b as usize])
            })
            .collect();
        let read: usize = postings.iter().map(|l| l.len()).sum();
        let compared: usize = entries
            .iter()
            .map(|e| self.entry_sizes.get(*e).map_or(0, |n| *n as usize))
            .sum();
        let fits = entries.iter().all(|e| *e + 1 < self.first_wording.len());
        let from_postings = from_postings.unwrap_or(read < compared);
        if !from_postings || !fits || question.is_empty() {
            return entries
                .iter()
                .map(|e| {
                    wordings_of(*e)
                        .iter()
                        .map(|w| w.compare(question, self.average))
                        .fold(Comparison::default(), Comparison::max)
                })
                .collect();
        }
        SHARED.with(|shared| {
            let mut shared = shared.borrow_mut();
            shared.fit(self.totals.len());
            for (list, weight) in postings.iter().zip(question.weights.iter()) {
                for wording in list.iter() {
                    shared.add(*wording, *weight);
                }
            }
            let result = entries
                .iter()
                .map(|e| {
                    let (a, b) = (self.first_wording[*e], self.first_wording[*e + 1]);
                    // A wording sharing nothing compares as zero on both measures, which
                    // the maximum ignores (every measure is at least zero): only those
                    // sharing something are worked out.
                    (a..b)
                        .filter(|w| shared.get(*w) != 0.0)
                        .map(|w| {
                            let weight = shared.get(w);
                            Comparison::of_shared(
                                weight,
                                weight,
                                self.totals[w as usize],
                                question.total,
                                self.average,
                            )
                        })
                        .fold(Comparison::default(), Comparison::max)
                })
                .collect();
            shared.clear();
            result
        })
    }

    /// Up to `k` entries sharing the most stems and pairs with the question (at least two),
    /// most first.
    pub fn closest(&self, question: &Wording, k: usize) -> Vec<usize> {
        // Counted in a list by entry rather than a hash map: a count is then one add.
        let mut ranked: Vec<(u32, u32)> = COUNTS.with(|counts| {
            let mut counts = counts.borrow_mut();
            counts.fit(self.entry_sizes.len());
            for hash in question.hashes() {
                for entry in self.postings.get(hash).into_iter().flat_map(|l| l.iter()) {
                    counts.add(*entry, 1);
                }
            }
            let ranked = counts
                .touched
                .iter()
                .map(|e| (*e, counts.get(*e)))
                .filter(|(_, n)| *n >= 2)
                .collect();
            counts.clear();
            ranked
        });
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(k)
            .map(|(e, _)| e as usize)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Wording {
        /// The weighted Dice coefficient of the two wordings: 0 (nothing shared) to 1 (the
        /// same); the engine takes it from [`Wording::compare`] with BM25 in the same walk.
        fn similarity(&self, other: &Wording) -> f32 {
            self.compare(other, 1.0).similarity
        }
    }

    fn wording(text: &str) -> Wording {
        Wording::of_words(&crate::question::words_of(text))
    }

    #[test]
    fn a_question_is_closest_to_the_one_worded_like_it() {
        let q = wording("what are the symptoms of coronavirus");
        let symptoms = wording("What are the symptoms of COVID-19?");
        let coronavirus = wording("What is a coronavirus?");
        assert!(q.similarity(&symptoms) > 2.0 * q.similarity(&coronavirus));
        assert_eq!(q.similarity(&q), 1.0);
        assert_eq!(q.similarity(&Wording::default()), 0.0);
    }

    #[test]
    fn the_index_finds_entries_worded_alike_without_a_shared_search_word() {
        let entries = [
            vec![wording("How many cases are there?")],
            vec![wording("Where did it come from?")],
            vec![wording("What is a coronavirus?")],
        ];
        let index = WordingIndex::build(entries.iter().map(Vec::as_slice));
        assert_eq!(index.closest(&wording("how many are affected"), 2), [0]);
        assert_eq!(
            index.closest(&wording("where did the virus come from"), 1),
            [1]
        );
        assert!(index.closest(&wording("parking permits"), 3).is_empty());
    }

    #[test]
    fn once_weighed_a_rare_shared_word_counts_for_more_than_a_common_one() {
        let mut entries = [
            vec![wording("How long does the virus live on paper?")],
            vec![wording("How long do I isolate?")],
            vec![wording("How long is the incubation?")],
            vec![wording("How long will schools close?")],
        ];
        let index = WordingIndex::build(entries.iter().map(Vec::as_slice));
        let ratio =
            |q: &Wording, e: &[Vec<Wording>]| q.similarity(&e[0][0]) / q.similarity(&e[1][0]);
        let mut q = wording("how long on paper");
        let unweighed = ratio(&q, &entries);
        for wording in entries.iter_mut().flatten().chain([&mut q]) {
            index.weigh(wording);
        }
        // "how long" is in every question; "paper" in one: it is what the question is about.
        let weighed = ratio(&q, &entries);
        assert!(weighed > 3.0 * unweighed, "{weighed} vs {unweighed}");
        assert!((q.similarity(&q) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn bm25_rewards_the_rare_shared_words_of_a_short_question() {
        let mut entries = [
            vec![wording("How does COVID-19 spread?")],
            vec![wording("What is a coronavirus?")],
            vec![wording(
                "Can COVID-19 be spread through food, packages or surfaces at home?",
            )],
            vec![wording("How do I protect myself?")],
        ];
        let mut index = WordingIndex::build(entries.iter().map(Vec::as_slice));
        index.weigh_entries(entries.iter_mut().flatten());
        let mut q = wording("how does coronavirus spread");
        index.weigh(&mut q);
        let mean = entries.iter().flatten().map(|w| w.total).sum::<f32>() / 4.0;
        assert!((index.average() - mean).abs() < 1e-4);
        let score = |e: usize| entries[e][0].compare(&q, index.average()).bm25;
        // "how does … spread" shares a pair and two words with the first; the second only
        // "coronavirus"; the long third says "spread" too, but among many other words.
        assert!(score(0) > score(1), "{} vs {}", score(0), score(1));
        assert!(score(0) > score(2));
        assert!(score(3) < score(0));
        assert_eq!(
            entries[0][0]
                .compare(&wording("parking permits"), index.average())
                .bm25,
            0.0
        );
    }

    #[test]
    fn comparing_entries_from_the_postings_gives_the_figures_of_comparing_each_wording() {
        let mut entries: Vec<Vec<Wording>> = [
            &["How does COVID-19 spread?", "is it spread by air"][..],
            &["What is a coronavirus?"],
            &[
                "Can COVID-19 be spread through food?",
                "food and the virus",
                "is food safe",
            ],
            &["How do I protect myself?", "protecting my family"],
        ]
        .iter()
        .map(|texts| texts.iter().map(|t| wording(t)).collect())
        .collect();
        let mut index = WordingIndex::build(entries.iter().map(Vec::as_slice));
        index.weigh_entries(entries.iter_mut().flatten());
        let each = |q: &Wording, e: usize| {
            entries[e]
                .iter()
                .map(|w| w.compare(q, index.average()))
                .fold(Comparison::default(), Comparison::max)
        };
        for text in [
            "how does the virus spread",
            "is food safe",
            "parking",
            "spread",
        ] {
            let mut q = wording(text);
            index.weigh(&mut q);
            for asked in [vec![2], vec![0, 1, 2, 3], vec![3, 0, 0, 1, 2, 3, 2, 1]] {
                let want: Vec<Comparison> = asked.iter().map(|e| each(&q, *e)).collect();
                for from_postings in [Some(true), Some(false), None] {
                    let got =
                        index.compare_entries_by(&q, &asked, |e| &entries[e][..], from_postings);
                    assert_eq!(got, want, "{text:?} over {asked:?}, {from_postings:?}");
                }
            }
        }
        let mut q = wording("how does covid spread through food");
        index.weigh(&mut q);
        let all = index.compare_entries(&q, &[0, 1, 2, 3], |e| &entries[e][..]);
        assert!(all[2].similarity > all[1].similarity && all[0].bm25 > all[3].bm25);
    }

    #[test]
    fn word_forms_and_case_do_not_matter_but_order_does() {
        let a = wording("How do I delete my Facebook account?");
        let b = wording("how do i deleting my facebook accounts");
        assert_eq!(a.similarity(&b), 1.0);
        let shuffled = wording("my account facebook delete I do how");
        assert!(a.similarity(&shuffled) < 0.6);
    }
}
