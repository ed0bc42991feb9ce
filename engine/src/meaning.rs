//! What a text means beyond its exact words: GloVe word vectors (`engine/data/word-vectors.bin`,
//! made by `scripts/word-vectors.sh` from a registry package) averaged into one vector per
//! text, so "remove my account" comes close to "delete my account" although no word matches.
//!
//! A text's vector is the weighted mean of its words' vectors, each word weighing
//! `a / (a + p)` where `p` is how often the word is written (estimated from its rank among
//! GloVe's words by Zipf's law): "the" and "how" count almost nothing, "infected" almost
//! fully (Arora, Liang and Ma's smooth inverse frequency, without the common component
//! removed). Words the list lacks add nothing: it keeps GloVe's 50,000 most common words, the
//! everyday words people paraphrase with, and leaves names, jargon, typos and numbers to the
//! lexical features, which match them exactly. (Of the sizes tried, 20,000 to 100,000, 50,000
//! gave the fit's lowest pooled log loss; at 100,000 a collection's own rare subject word,
//! "coronavirus", dominated every question's meaning and the feature helped nothing.)

use std::sync::OnceLock;

/// Numbers per vector.
pub const DIMENSIONS: usize = 100;

/// A text's meaning: unit length, or all zeros for a text with no known word.
pub type Meaning = [f32; DIMENSIONS];

/// How much a common word still counts (smooth inverse frequency's `a`).
const SMOOTHING: f32 = 1e-3;

/// The share of all written words the word of rank `r` makes up is about
/// `1 / ((r + 1) × ZIPF_NORM)`: the harmonic number of GloVe's 400,000 words.
const ZIPF_NORM: f32 = 13.48;

const SHIPPED: &[u8] = include_bytes!("../data/word-vectors.bin");

/// The shipped word list and vectors, read in place from the binary's own bytes.
pub struct WordVectors {
    bytes: &'static [u8],
    /// Each word's place in the list: a binary search of 50,000 words cost about a thousand
    /// instructions a word, a sixth of the feature's cost per answer.
    places: rustc_hash::FxHashMap<&'static [u8], u32>,
    ranks_at: usize,
    scales_at: usize,
    codes_at: usize,
}

impl WordVectors {
    /// The vectors built into the engine, checked once.
    pub fn shipped() -> &'static WordVectors {
        static VECTORS: OnceLock<WordVectors> = OnceLock::new();
        VECTORS.get_or_init(|| {
            WordVectors::parse(SHIPPED).expect("engine/data/word-vectors.bin is well formed")
        })
    }

    fn parse(bytes: &'static [u8]) -> Option<WordVectors> {
        if bytes.get(..4)? != b"SPWV" || u32_at(bytes, 4)? != 1 {
            return None;
        }
        let count = u32_at(bytes, 8)? as usize;
        if u32_at(bytes, 12)? as usize != DIMENSIONS {
            return None;
        }
        let offsets_at = 16;
        let text_at = offsets_at + 4 * (count + 1);
        let text_len = u32_at(bytes, offsets_at + 4 * count)? as usize;
        let ranks_at = text_at + text_len;
        let scales_at = ranks_at + 4 * count;
        let codes_at = scales_at + 4 * count;
        if bytes.len() != codes_at + count * DIMENSIONS {
            return None;
        }
        let mut places = rustc_hash::FxHashMap::default();
        places.reserve(count);
        for i in 0..count {
            let from = u32_at(bytes, offsets_at + 4 * i)? as usize;
            let to = u32_at(bytes, offsets_at + 4 * (i + 1))? as usize;
            places.insert(bytes.get(text_at + from..text_at + to)?, i as u32);
        }
        Some(WordVectors {
            bytes,
            places,
            ranks_at,
            scales_at,
            codes_at,
        })
    }

    fn u32(&self, at: usize) -> u32 {
        u32_at(self.bytes, at).expect("checked when parsed")
    }

    /// The word's place in the list, if it has a vector.
    fn find(&self, word: &str) -> Option<usize> {
        self.places.get(word.as_bytes()).map(|i| *i as usize)
    }

    /// How much a folded word says, from how rarely English uses it: almost nothing for
    /// "the", fully for a word too rare to be among the vectors' words.
    pub fn english_weight(&self, word: &str) -> f32 {
        self.find(word).map_or(1.0, |i| self.weight(i))
    }

    /// How much word `i` counts in a text's mean.
    fn weight(&self, i: usize) -> f32 {
        let rank = self.u32(self.ranks_at + 4 * i) as f32;
        let share = 1.0 / ((rank + 1.0) * ZIPF_NORM);
        SMOOTHING / (SMOOTHING + share)
    }

    /// Adds `weight` × word `i`'s vector to `sum`.
    fn add(&self, i: usize, weight: f32, sum: &mut Meaning) {
        let scale = f32::from_le_bytes(
            self.bytes[self.scales_at + 4 * i..self.scales_at + 4 * i + 4]
                .try_into()
                .expect("four bytes"),
        ) * weight;
        let codes = &self.bytes[self.codes_at + i * DIMENSIONS..][..DIMENSIONS];
        for (s, c) in sum.iter_mut().zip(codes) {
            *s += f32::from(*c as i8) * scale;
        }
    }

    /// The meaning of a text given as its folded words, unit length; zeros when no word is
    /// known.
    pub fn meaning<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> Meaning {
        let mut sum = [0.0; DIMENSIONS];
        for w in words {
            if let Some(i) = self.find(w) {
                self.add(i, self.weight(i), &mut sum);
            }
        }
        normalised(sum)
    }

    /// The meaning of several texts together (the ways an entry is asked): the mean of their
    /// unit meanings, so a long alternate weighs no more than a short title.
    pub fn meaning_of_all<'a, T>(&self, texts: impl IntoIterator<Item = T>) -> Meaning
    where
        T: IntoIterator<Item = &'a str>,
    {
        let mut sum = [0.0; DIMENSIONS];
        for text in texts {
            for (s, m) in sum.iter_mut().zip(self.meaning(text)) {
                *s += m;
            }
        }
        normalised(sum)
    }
}

/// Cosine similarity of two meanings (both unit length, or zero).
pub fn similarity(a: &Meaning, b: &Meaning) -> f32 {
    // The products first, all at once (the compiler multiplies several per instruction),
    // then summed one after another as a plain dot product sums them: the same bits.
    let products: Meaning = std::array::from_fn(|i| a[i] * b[i]);
    products.iter().sum()
}

fn normalised(mut v: Meaning) -> Meaning {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut v {
            *x /= norm;
        }
    }
    v
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meaning(text: &str) -> Meaning {
        WordVectors::shipped().meaning(text.split_whitespace())
    }

    #[test]
    fn the_shipped_vectors_parse_and_find_common_words_but_not_made_up_ones() {
        let v = WordVectors::shipped();
        assert!(v.places.len() > 10_000);
        assert!(v.find("council").is_some());
        assert!(v.find("delete").is_some());
        assert!(v.find("zzqxv").is_none());
        assert!(v.find("").is_none());
    }

    #[test]
    fn common_words_weigh_little_and_rare_ones_nearly_fully() {
        let v = WordVectors::shipped();
        let the = v.weight(v.find("the").unwrap());
        let infected = v.weight(v.find("infected").unwrap());
        assert!(the < 0.05, "{the}");
        assert!(infected > 0.8, "{infected}");
    }

    #[test]
    fn similarity_is_the_plain_dot_product_to_the_bit() {
        let texts = [
            "how can i remove my account",
            "delete my account",
            "the",
            "zzqxv",
        ];
        for a in texts {
            for b in texts {
                let (a, b) = (meaning(a), meaning(b));
                let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
                assert_eq!(similarity(&a, &b).to_bits(), plain.to_bits());
            }
        }
    }

    #[test]
    fn a_paraphrase_is_closer_than_an_unrelated_question() {
        let asked = meaning("how can i remove my account");
        let same = meaning("how do i delete my account");
        let other = meaning("what is the weather like in spring");
        let (near, far) = (similarity(&asked, &same), similarity(&asked, &other));
        assert!(near > far + 0.1, "{near} vs {far}");
        let asked = meaning("how many people are infected");
        let near = similarity(&asked, &meaning("how many cases are there"));
        let far = similarity(&asked, &meaning("how long do people have to isolate"));
        assert!(near > far, "{near} vs {far}");
    }

    #[test]
    fn a_text_with_no_known_word_means_nothing() {
        let nothing = meaning("zzqxv qqxzz");
        assert!(nothing.iter().all(|x| *x == 0.0));
        assert_eq!(similarity(&nothing, &meaning("council tax")), 0.0);
        let m = meaning("council tax");
        assert!((similarity(&m, &m) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn a_malformed_file_is_refused() {
        assert!(WordVectors::parse(b"SPWV").is_none());
        assert!(WordVectors::parse(&SHIPPED[..SHIPPED.len() - 1]).is_none());
    }
}
