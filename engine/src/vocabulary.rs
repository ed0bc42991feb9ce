//! The corpus vocabulary, built once when an index is loaded, and typo correction against it:
//! a word the corpus does not know is replaced by the nearest word it does, within an edit
//! distance that grows with the word's length. Short words are never corrected.
//!
//! Only words that are not English are corrected. A corpus is small, so plenty of real words
//! are missing from it, and each of those sits an edit or two from one it has: "smell" from
//! "small", "last" from "least", "threat" from "thread", "commercial" from a misspelt
//! "commerical" that an imported corpus carries. Such a word stays as typed and counts as
//! unknown, which is what it is. The English words are SCOWL's (Spell Checker Oriented Word
//! Lists, from Debian's `scowl` package; `scripts/english-words.sh` regenerates
//! `engine/data/english-words.txt`), which ranks every word by how common it is, from size 10
//! (the commonest) to 60 (a spell checker's usual dictionary). A plain dictionary would not
//! do: it also holds rare words that are the usual typos of common ones ("planing" for
//! "planning"). So the rule is:
//!
//! - a word that is not in the list (sizes 10-60) is corrected as before;
//! - a common word (sizes 10 and 20, about 11,300 words: "smell", "mask", "last", "wear",
//!   "stay") is never corrected, nor is a name ("peru", "leeds", "sarah": the list gives
//!   names that are not also ordinary words size 20);
//! - a rarer English word (sizes 35-60: "planing") is corrected only to a *common* word, so
//!   "planing" still becomes "planning", while a rare word near a name or a term of the
//!   corpus ("parasol" near PARSOL) stays as typed.
//!
//! The list is looked up only for a word the corpus does not know, so a question whose words
//! the corpus has pays nothing for it.
//!
//! Why this file is over 500 lines: about 200 of them are its tests.

use std::sync::LazyLock;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use signpost_indexer::analysis::{self, is_stop_word, Word};
use signpost_indexer::spelling::SpellingRule;
use signpost_indexer::{Corpus, PassageTexts};

/// Words shorter than this are never corrected: too many real words sit one edit apart.
pub const MIN_CORRECTABLE_CHARS: usize = 4;

/// The SCOWL size at and below which a word is common: never corrected, and the only kind of
/// word a rarer English word is corrected to.
pub const COMMON_SIZE: u8 = 20;

/// The English word list, folded, as `[size]` sections of one word a line.
const ENGLISH_WORDS: &str = include_str!("../data/english-words.txt");

/// Every English word of the list with its SCOWL size (how common it is; smaller is commoner).
/// Parsed once per process, when the first vocabulary is built.
static ENGLISH: LazyLock<HashMap<&'static str, u8>> = LazyLock::new(|| {
    let mut sizes = HashMap::default();
    sizes.reserve(ENGLISH_WORDS.len() / 9);
    let mut size = 0;
    for line in ENGLISH_WORDS.lines() {
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            size = section
                .parse()
                .expect("the embedded word list's sizes are numbers");
        } else if !line.is_empty() && !line.starts_with('#') {
            sizes.entry(line).or_insert(size);
        }
    }
    sizes
});

/// How common the folded word is in English (its SCOWL size, 10 the commonest), or `None`
/// when it is not an English word of the list.
pub fn english_size(folded: &str) -> Option<u8> {
    ENGLISH.get(folded).copied()
}

/// The words of a corpus and how often each occurs.
#[derive(Debug, Default)]
pub struct Vocabulary {
    counts: HashMap<String, u32>,
    stems: HashSet<String>,
    /// Words bucketed by length in chars, for scanning only plausible candidates.
    by_length: Vec<Vec<(String, u32)>>,
    /// The letter profile of each word in `by_length`, in the same places.
    profiles: Vec<Vec<Profile>>,
    /// The corpus's spelling rules: a folded form people type ("wat") and the word it stands
    /// for, or `None` for filler ("lol").
    spellings: HashMap<String, Option<String>>,
    /// The longest typed form in bytes: a longer word is looked up in no rule.
    longest_spelling: usize,
}

/// How many times each character occurs in a word, with characters folded into 32 buckets,
/// and which of 64 buckets its characters fall in. Each edit changes the counts by at most two
/// (a transposition by none), and the set by at most two, so half the difference between two
/// profiles is a lower bound on the words' edit distance: cheap tests (the set's first, one
/// XOR) that rule out almost every vocabulary word before the exact distance is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Profile {
    counts: [u8; 32],
    letters: u64,
}

impl Profile {
    fn of(word: &str) -> Profile {
        let mut counts = [0u8; 32];
        let mut letters = 0u64;
        for c in word.chars() {
            let slot = &mut counts[(c as u32 % 32) as usize];
            *slot = slot.saturating_add(1);
            letters |= 1 << (c as u32 % 64);
        }
        Profile { counts, letters }
    }

    /// Is the edit distance between the two profiled words certainly above `allowed`?
    fn exceeds(&self, other: &Profile, allowed: usize) -> bool {
        let set_difference = (self.letters ^ other.letters).count_ones() as usize;
        set_difference.div_ceil(2) > allowed || self.min_distance(other) > allowed
    }

    /// A lower bound on the edit distance between the two profiled words.
    fn min_distance(&self, other: &Profile) -> usize {
        let difference: usize = self
            .counts
            .iter()
            .zip(&other.counts)
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        difference.div_ceil(2)
    }
}

impl Vocabulary {
    /// Collects every non-stop word of every text in the corpus and its passages' `texts`.
    pub fn from_corpus(corpus: &Corpus, texts: &PassageTexts) -> Vocabulary {
        let mut vocabulary = Vocabulary::default();
        for entry in &corpus.entries {
            let project = entry.project.as_ref();
            let texts = std::iter::once(entry.title.as_str())
                .chain(entry.alternates.iter().map(String::as_str))
                .chain(entry.names())
                .chain(
                    project
                        .into_iter()
                        .flat_map(|p| p.keywords.iter().map(String::as_str)),
                )
                .chain(project.into_iter().flat_map(|p| p.lead.as_deref()))
                .chain(
                    project
                        .into_iter()
                        .flat_map(|p| p.partners.iter().map(String::as_str)),
                )
                .chain(entry.passages.iter().filter_map(|p| p.section.as_deref()));
            for text in texts {
                vocabulary.add_text(text);
            }
        }
        if let Err(e) = texts.for_each(|_, text| vocabulary.add_text(text)) {
            tracing::error!("typo correction lacks the words of unreadable passage texts: {e}");
        }
        for group in &corpus.synonyms {
            for term in group.from.iter().chain(&group.to) {
                vocabulary.add_text(term);
            }
        }
        vocabulary.add_spelling(&corpus.spelling);
        vocabulary.finish();
        vocabulary
    }

    /// Takes in spelling rules. Their typed forms are not words of the corpus: "wat" is read
    /// as "what" before anything asks whether the corpus knows it.
    fn add_spelling(&mut self, rules: &[SpellingRule]) {
        for rule in rules {
            for typed in &rule.typed {
                self.longest_spelling = self.longest_spelling.max(typed.len());
                self.spellings.insert(typed.clone(), rule.meant.clone());
            }
        }
    }

    /// Reads texting forms in a question's words as the words they stand for ("wat" → what,
    /// "u" → you) and drops filler ("lol"), by the corpus's spelling rules. A word keeps its
    /// place and offsets; a part of a hyphenated compound keeps its letters ("u-turn").
    pub fn respell(&self, words: &mut Vec<Word>) {
        for word in words.iter_mut().filter(|w| !w.compound) {
            if self.spellings.contains_key(&word.folded) {
                continue;
            }
            if let Some(meant) = self.small_word_typo(&word.folded) {
                word.folded = meant.to_string();
            }
        }
        if self.spellings.is_empty() {
            return;
        }
        let compounds: Vec<(usize, usize)> = words
            .iter()
            .filter(|w| w.compound)
            .map(|w| (w.from, w.to))
            .collect();
        words.retain_mut(|word| {
            if word.compound || word.folded.len() > self.longest_spelling {
                return true;
            }
            let Some(meant) = self.spellings.get(&word.folded) else {
                return true;
            };
            if compounds
                .iter()
                .any(|&(from, to)| from <= word.from && word.to <= to)
            {
                return true;
            }
            match meant {
                Some(meant) => {
                    word.folded.clone_from(meant);
                    true
                }
                None => false,
            }
        });
    }

    /// The small word ("where", "find"…) a word that is neither English nor the corpus's is
    /// one typing slip away from — a letter left out, added, swapped or mistyped, the first
    /// letter kept — when exactly one is: "wher" is "where", "whta" is "what". Such a word is
    /// not a subject the corpus lacks.
    fn small_word_typo(&self, folded: &str) -> Option<&'static str> {
        let chars = folded.chars().count();
        if !(3..=8).contains(&chars)
            || is_stop_word(folded)
            || english_size(folded).is_some()
            || self.knows(folded)
            || !folded.chars().all(|c| c.is_ascii_lowercase())
        {
            return None;
        }
        let first = folded.as_bytes()[0];
        let near: Vec<&'static str> = analysis::stop_words()
            .iter()
            .copied()
            .filter(|w| {
                w.len() + 1 >= chars
                    && w.len() <= chars + 1
                    && w.len() >= 3
                    && w.as_bytes()[0] == first
                    && strsim::damerau_levenshtein(folded, w) == 1
            })
            .collect();
        // A letter left out is the commonest slip: "wher" is "where" before it is "when".
        let left_out: Vec<&'static str> =
            near.iter().copied().filter(|w| w.len() > chars).collect();
        match (left_out.as_slice(), near.as_slice()) {
            ([one], _) | ([], [one]) => Some(one),
            _ => None,
        }
    }

    fn add_text(&mut self, text: &str) {
        for word in analysis::words(text) {
            if is_stop_word(&word.folded) {
                continue;
            }
            *self.counts.entry(word.folded).or_insert(0) += 1;
        }
    }

    fn finish(&mut self) {
        // Parsed here, at load, rather than by the first question with an unknown word.
        LazyLock::force(&ENGLISH);
        self.stems = self.counts.keys().map(|w| analysis::stem(w)).collect();
        for (word, count) in &self.counts {
            let len = word.chars().count();
            if self.by_length.len() <= len {
                self.by_length.resize_with(len + 1, Vec::new);
            }
            self.by_length[len].push((word.clone(), *count));
        }
        for bucket in &mut self.by_length {
            bucket.sort_unstable();
        }
        self.profiles = self
            .by_length
            .iter()
            .map(|bucket| bucket.iter().map(|(w, _)| Profile::of(w)).collect())
            .collect();
    }

    /// Does the corpus know this folded word, as written or by its stem?
    pub fn knows(&self, folded: &str) -> bool {
        self.counts.contains_key(folded)
            || analysis::with_stem(folded, |stem| self.stems.contains(stem))
    }

    /// How often the folded word occurs; 0 when unknown.
    pub fn count(&self, folded: &str) -> u32 {
        self.counts.get(folded).copied().unwrap_or(0)
    }

    /// The largest edit distance accepted for a word of `chars` characters.
    pub fn max_distance(chars: usize) -> usize {
        match chars {
            0..MIN_CORRECTABLE_CHARS => 0,
            4..=7 => 1,
            _ => 2,
        }
    }

    /// The nearest known word to an unknown folded word, if one is close enough.
    /// Known words, stop words, numbers, short words and common English words are left alone,
    /// and a rarer English word is corrected only to a common one (see the module's doc).
    pub fn correct(&self, folded: &str) -> Option<&str> {
        let chars = folded.chars().count();
        let max = Self::max_distance(chars);
        if max == 0
            || self.knows(folded)
            || is_stop_word(folded)
            || folded.chars().any(|c| c.is_ascii_digit())
        {
            return None;
        }
        let english = english_size(folded);
        if english.is_some_and(|size| size <= COMMON_SIZE) {
            return None;
        }
        let only_common = english.is_some();
        let mut best: Option<(usize, u32, &str)> = None;
        let profile = Profile::of(folded);
        let first = folded.chars().next();
        let lengths = chars.saturating_sub(max)..=chars + max;
        for len in lengths {
            let (Some(bucket), Some(profiles)) = (self.by_length.get(len), self.profiles.get(len))
            else {
                continue;
            };
            // A different first letter costs one more edit than it takes, so with one edit
            // allowed only words with the same first letter can be near enough: in a sorted
            // bucket they sit together.
            let range = match first.filter(|_| max == 1) {
                Some(letter) => {
                    let mut buffer = [0u8; 4];
                    let prefix: &str = letter.encode_utf8(&mut buffer);
                    let from = bucket.partition_point(|(w, _)| w.as_str() < prefix);
                    let to = from + bucket[from..].partition_point(|(w, _)| w.starts_with(prefix));
                    from..to
                }
                None => 0..bucket.len(),
            };
            for ((word, count), word_profile) in bucket[range.clone()].iter().zip(&profiles[range])
            {
                // Skip words that cannot be near enough (a different first letter costs one
                // more below); the ones left are measured exactly.
                let allowed = if word.chars().next() == first {
                    max
                } else {
                    max - 1
                };
                if profile.exceeds(word_profile, allowed) {
                    continue;
                }
                let distance = strsim::damerau_levenshtein(folded, word);
                if distance == 0 || distance > max {
                    continue;
                }
                // A different first letter is a likelier sign of a different word than a typo.
                let distance = if word.chars().next() != folded.chars().next() {
                    distance + 1
                } else {
                    distance
                };
                if distance > max {
                    continue;
                }
                if only_common && english_size(word).is_none_or(|size| size > COMMON_SIZE) {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((d, c, _)) => distance < d || (distance == d && *count > c),
                };
                if better {
                    best = Some((distance, *count, word));
                }
            }
        }
        best.map(|(_, _, word)| word)
    }
}

#[cfg(test)]
impl Vocabulary {
    /// A vocabulary of `text`'s words with the rules of a spelling file's `spelling` text.
    pub(crate) fn for_tests(text: &str, spelling: &str) -> Vocabulary {
        let mut v = Vocabulary::default();
        v.add_text(text);
        v.add_spelling(&signpost_indexer::spelling::parse(spelling).expect("valid rules"));
        v.finish();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(words: &[&str]) -> Vocabulary {
        let mut v = Vocabulary::default();
        v.add_text(&words.join(" "));
        v.finish();
        v
    }

    #[test]
    fn corrects_by_length_scaled_distance() {
        let v = vocabulary(&[
            "national",
            "funding",
            "planning",
            "applications",
            "projects",
            "smart",
        ]);
        let cases = [
            ("natinal", Some("national")),
            ("fundng", Some("funding")),
            ("planing", Some("planning")),
            ("aplications", Some("applications")),
            ("smrt", Some("smart")),
            ("project", None),   // known by its stem
            ("asdfghjkl", None), // nothing near
            ("the", None),       // stop word
            ("fnd", None),       // too short to correct
            ("2005", None),      // numbers are never corrected
        ];
        for (word, expected) in cases {
            assert_eq!(v.correct(word), expected, "{word}");
        }
    }

    #[test]
    fn the_profile_bound_never_exceeds_the_edit_distance() {
        let words = [
            "planning",
            "planing",
            "plannign",
            "national",
            "natinal",
            "lanning",
            "smartcard",
            "smart",
            "cards",
            "parsol",
            "pasrol",
            "e-gov",
            "egov",
            "café",
            "cafe",
            "",
        ];
        for a in words {
            for b in words {
                let (pa, pb) = (Profile::of(a), Profile::of(b));
                let distance = strsim::damerau_levenshtein(a, b);
                let bound = pa.min_distance(&pb);
                assert!(bound <= distance, "{a} {b}: {bound}");
                assert!(!pa.exceeds(&pb, distance), "{a} {b}: never above the truth");
            }
        }
    }

    /// The corpus words the English-word cases are near: "commerical" is a misspelling an
    /// imported corpus really carries; "parsol" a project's name.
    fn vocabulary_with_near_misses() -> Vocabulary {
        vocabulary(&[
            "small",
            "per",
            "leaks",
            "mark",
            "least",
            "thread",
            "commerical",
            "weak",
            "star",
            "planning",
            "applications",
            "national",
            "funding",
            "government",
            "standards",
            "smart",
            "parsol",
        ])
    }

    #[test]
    fn english_words_stay_as_typed_and_typos_are_still_corrected() {
        let v = vocabulary_with_near_misses();
        let cases = [
            // Common English words the corpus lacks: never "corrected".
            ("smell", None),
            ("mask", None),
            ("last", None),
            ("threat", None),
            ("commercial", None),
            ("wear", None),
            ("stay", None),
            // A rarer English word near a corpus word that is not a common one stays too.
            ("parasol", None),
            // Names are asked about, not mistyped: "what is the capital of peru".
            ("peru", None),
            ("leeds", None),
            // Not English: corrected as before.
            ("aplications", Some("applications")),
            ("natinal", Some("national")),
            ("fundng", Some("funding")),
            ("goverment", Some("government")),
            ("standrds", Some("standards")),
            ("smrt", Some("smart")),
            // A rare English word one edit from a much commoner corpus word is a typo of it.
            ("planing", Some("planning")),
        ];
        let mut failures = Vec::new();
        for (word, expected) in cases {
            let got = v.correct(word);
            if got != expected {
                failures.push(format!("{word}: got {got:?}, want {expected:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn the_english_list_ranks_words_by_how_common_they_are() {
        let cases = [
            ("smell", Some(20)),
            ("last", Some(10)),
            ("commercial", Some(10)),
            ("planing", Some(35)),
            ("organisation", Some(10)), // British spellings
            ("organization", Some(10)), // and American ones
            ("commerical", None),
            ("goverment", None),
            ("parsol", None),
        ];
        for (word, size) in cases {
            assert_eq!(english_size(word), size, "{word}");
        }
    }

    #[test]
    fn the_english_list_is_folded_as_questions_are() {
        let mut size = 0;
        let mut words = 0;
        for line in ENGLISH_WORDS.lines().filter(|l| !l.starts_with('#')) {
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let next: u8 = section.parse().unwrap();
                assert!(next > size, "sections run from the commonest size up");
                size = next;
                continue;
            }
            assert!(size > 0, "{line}: every word is under a size");
            assert_eq!(
                analysis::fold(line),
                line,
                "a question's word would never match it"
            );
            words += 1;
        }
        assert_eq!(ENGLISH.len(), words, "no word is listed twice");
    }

    #[test]
    fn texting_forms_are_respelt_and_filler_dropped() {
        let v = Vocabulary::for_tests("parsol", "wat, wot => what\nu => you\nlol => (ignore)\n");
        let cases = [
            ("wat is parsol", vec!["what", "is", "parsol"]),
            ("WOT is parsol lol", vec!["what", "is", "parsol"]),
            ("u-turn u", vec!["u", "uturn", "turn", "you"]),
            ("what about watford", vec!["what", "about", "watford"]),
            // A slip in a small word is read as the word meant when only one is near.
            ("wher is parsol", vec!["where", "is", "parsol"]),
            ("whta is parsol", vec!["what", "is", "parsol"]),
        ];
        for (q, expected) in cases {
            let mut words = analysis::words(q);
            v.respell(&mut words);
            let got: Vec<&str> = words.iter().map(|w| w.folded.as_str()).collect();
            assert_eq!(got, expected, "{q}");
        }
        // A respelt word keeps its offsets into the question.
        let mut words = analysis::words("so wat");
        v.respell(&mut words);
        assert_eq!((words[1].from, words[1].to), (3, 6));
    }

    #[test]
    fn prefers_the_more_frequent_of_equally_near_words() {
        let v = vocabulary(&["cards", "cards", "carts"]);
        assert_eq!(v.correct("carda"), Some("cards"));
    }
}
