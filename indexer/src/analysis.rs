//! Text analysis shared by indexing and searching: Unicode word splitting, folding (case,
//! accents, compatibility forms, apostrophes), hyphenated compounds, English stop words and
//! stemming. The index stores only the analyzer's *name*, so the one registration function
//! here is called by both the writer and every reader.
//!
//! Why this file is over 500 lines: the irregular-form table is about 100 of them and the tests
//! 160; the rest is the one analysis chain the index and the questions share.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashSet;
use tantivy::tokenizer::{Token as TantivyToken, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// The name the English analyzer is registered under in every Signpost index.
pub const ANALYZER: &str = "signpost_en";

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Words that carry no meaning for matching. Question words are here too: what a question
/// is *about* is in its other words, and "how"/"what" would otherwise tie every FAQ title.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "actually",
    "after",
    "again",
    "all",
    "already",
    "also",
    "altogether",
    "am",
    "an",
    "and",
    "any",
    "anybody",
    "anyhow",
    "anyone",
    "anything",
    "anyway",
    "anywhere",
    "are",
    "arent",
    "as",
    "at",
    "basically",
    "be",
    "been",
    "being",
    "bit",
    "both",
    "but",
    "by",
    "can",
    "cant",
    "cheers",
    "could",
    "couldnt",
    "define",
    "definition",
    "detail",
    "details",
    "did",
    "didnt",
    "do",
    "does",
    "doesnt",
    "doing",
    "dont",
    "each",
    "else",
    "even",
    "ever",
    "every",
    "exactly",
    "explain",
    "few",
    "for",
    "from",
    "genuinely",
    "get",
    "gets",
    "getting",
    "go",
    "goes",
    "going",
    "gone",
    "got",
    "had",
    "hadnt",
    "has",
    "hasnt",
    "have",
    "havent",
    "having",
    "he",
    "her",
    "here",
    "heres",
    "him",
    "his",
    "honestly",
    "how",
    "hows",
    "i",
    "id",
    "idea",
    "if",
    "im",
    "in",
    "info",
    "information",
    "into",
    "is",
    "isnt",
    "it",
    "its",
    "ive",
    "just",
    "kind",
    "know",
    "let",
    "like",
    "literally",
    "lot",
    "lots",
    "many",
    "maybe",
    "me",
    "mean",
    "meaning",
    "means",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "need",
    "needs",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "perhaps",
    "please",
    "precisely",
    "quite",
    "r",
    "really",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "shouldnt",
    "simply",
    "so",
    "some",
    "somebody",
    "somehow",
    "someone",
    "something",
    "somewhere",
    "sort",
    "stand",
    "stands",
    "still",
    "such",
    "tell",
    "than",
    "thank",
    "thanks",
    "that",
    "thats",
    "the",
    "their",
    "theirs",
    "them",
    "then",
    "there",
    "theres",
    "these",
    "they",
    "theyre",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "thought",
    "through",
    "to",
    "told",
    "too",
    "truly",
    "u",
    "up",
    "us",
    "very",
    "want",
    "wanted",
    "wants",
    "was",
    "wasnt",
    "we",
    "went",
    "were",
    "werent",
    "weve",
    "what",
    "whats",
    "when",
    "whens",
    "where",
    "wheres",
    "which",
    "while",
    "who",
    "whom",
    "whos",
    "whose",
    "why",
    "whys",
    "will",
    "with",
    "wondering",
    "wont",
    "would",
    "wouldnt",
    "yes",
    "you",
    "your",
    "youre",
    "yours",
];

/// [`STOP_WORDS`] in a hash set: indexing asks about every word of the corpus, and a binary
/// search's string comparisons were a tenth of a large build's main thread.
static STOP_WORD_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());

/// Every stop word, for a typo corrector that reads "wher" as "where".
pub fn stop_words() -> &'static [&'static str] {
    STOP_WORDS
}

/// Is the folded word a stop word?
pub fn is_stop_word(folded: &str) -> bool {
    // No stop word is longer than this: most content words skip the lookup.
    const LONGEST: usize = 16;
    let mut chars = folded.chars();
    let single = chars.next().is_some_and(|c| !c.is_ascii_digit()) && chars.next().is_none();
    single || (folded.len() <= LONGEST && STOP_WORD_SET.contains(folded))
}

/// A word as written, folded, with its byte range in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lower-cased, accent-free, apostrophe-free form: what typo correction compares.
    pub folded: String,
    pub from: usize,
    pub to: usize,
    /// The position of the word in the text; a compound shares its first part's position.
    pub position: usize,
    /// True for the joined form of a hyphenated compound ("e-government" → "egovernment").
    pub compound: bool,
}

/// A searchable term: a stemmed, non-stop word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub term: String,
    pub word: Word,
}

/// Folds a word: compatibility decomposition, no accents, lower case, no apostrophes.
pub fn fold(word: &str) -> String {
    // Sized for the word up front: collected from a filter, the string grew from nothing, a
    // reallocation or two per word.
    let mut folded = String::with_capacity(word.len());
    fold_into(word, &mut folded);
    folded
}

/// [`fold`], appended to `out`.
pub fn fold_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        // ASCII is its own compatibility decomposition and has no combining marks: the
        // general path below gives the same result, only slower (most words take this one).
        out.extend(
            word.bytes()
                .filter(|b| !matches!(b, b'\'' | b'`'))
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return;
    }
    out.extend(
        word.nfkd()
            .filter(|c| {
                !is_combining_mark(*c)
                    && !matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`')
            })
            .flat_map(char::to_lowercase),
    );
}

/// The folded words of `text` (as [`words`] gives them, without the joined compounds) joined
/// by single spaces, written into one string.
pub fn plain_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for raw in text.unicode_words() {
        let before = out.len();
        if before > 0 {
            out.push(' ');
        }
        let start = out.len();
        fold_into(raw, &mut out);
        if out.len() == start {
            // Folded to nothing (an apostrophe alone, say): no word, and no space for it.
            out.truncate(before);
        }
    }
    out
}

/// A lower bound of `plain_words(text).len()`, from one pass over the bytes: for ASCII text,
/// its letters and digits (each is part of a word, and folding keeps it, one byte for one)
/// and a space between each two of its whitespace-separated pieces that have any (no word
/// spans whitespace); 0 for any other text. What a caller comparing with a few known strings
/// of words can rule them out by without folding the text.
pub fn plain_words_len_at_least(text: &str) -> usize {
    if !text.is_ascii() {
        return 0;
    }
    let (mut letters, mut pieces) = (0, 0);
    // Does the piece being read have a letter or digit yet?
    let mut counted = false;
    for b in text.bytes() {
        if b.is_ascii_whitespace() {
            counted = false;
        } else if b.is_ascii_alphanumeric() {
            letters += 1;
            if !counted {
                pieces += 1;
                counted = true;
            }
        }
    }
    letters + pieces.max(1) - 1
}

/// Irregular forms the stemmer cannot bring home: "led" must meet "lead", "paid" "pay".
const IRREGULAR: &[(&str, &str)] = &[
    ("ate", "eat"),
    ("became", "become"),
    ("began", "begin"),
    ("begun", "begin"),
    ("bought", "buy"),
    ("brought", "bring"),
    ("built", "build"),
    ("came", "come"),
    ("caught", "catch"),
    ("chose", "choose"),
    ("chosen", "choose"),
    ("drawn", "draw"),
    ("drew", "draw"),
    ("driven", "drive"),
    ("drove", "drive"),
    ("fell", "fall"),
    ("felt", "feel"),
    ("fought", "fight"),
    ("found", "find"),
    ("gave", "give"),
    ("given", "give"),
    ("grew", "grow"),
    ("grown", "grow"),
    ("heard", "hear"),
    ("held", "hold"),
    ("kept", "keep"),
    ("led", "lead"),
    ("left", "leave"),
    ("lost", "lose"),
    ("made", "make"),
    ("met", "meet"),
    ("paid", "pay"),
    ("ran", "run"),
    ("risen", "rise"),
    ("rose", "rise"),
    ("sent", "send"),
    ("shown", "show"),
    ("sold", "sell"),
    ("spent", "spend"),
    ("spoke", "speak"),
    ("spoken", "speak"),
    ("stood", "stand"),
    ("taken", "take"),
    ("taught", "teach"),
    ("took", "take"),
    ("understood", "understand"),
    ("woke", "wake"),
    ("won", "win"),
    ("wore", "wear"),
    ("worn", "wear"),
    ("written", "write"),
    ("wrote", "write"),
];

/// How many stems each thread remembers before starting afresh.
const STEM_CACHE_LIMIT: usize = 1 << 16;

/// std's HashMap (SipHash under a random key) on purpose, not Fx: the memo keeps the words of
/// questions the public typed, which an unkeyed hash would let them make collide. A lookup
/// per word read costs little either way.
type StemMemo = std::collections::HashMap<String, String>;

thread_local! {
    /// Stemming is the costliest step of analysis, and word frequencies are Zipfian: a small
    /// per-thread memo of folded word → stem serves most words (indexing and re-analysis of
    /// passages at query time alike) without locks.
    static STEMS: std::cell::RefCell<StemMemo> = std::cell::RefCell::new(StemMemo::default());
}

/// Stems a folded word, mapping irregular forms to their base first.
pub fn stem(folded: &str) -> String {
    with_stem(folded, str::to_string)
}

/// Calls `f` with the stem of a folded word, as [`stem`] gives it, without copying the stem
/// out of the cache: for lookups that need the stem only for a moment. Stems are memoised
/// per thread (Zipf: a few thousand words are most of any text).
pub fn with_stem<R>(folded: &str, f: impl FnOnce(&str) -> R) -> R {
    STEMS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(stem) = cache.get(folded) {
            return f(stem);
        }
        let stem = stem_uncached(folded);
        if cache.len() >= STEM_CACHE_LIMIT {
            cache.clear();
        }
        let result = f(&stem);
        cache.insert(folded.to_string(), stem);
        result
    })
}

fn stem_uncached(folded: &str) -> String {
    let base = IRREGULAR
        .binary_search_by(|(form, _)| form.cmp(&folded))
        .map_or(folded, |i| IRREGULAR[i].1);
    STEMMER.stem(base).into_owned()
}

const HYPHENS: &[char] = &['-', '\u{2010}', '\u{2011}'];

/// Splits `text` into folded words, adding the joined form of every hyphenated compound.
pub fn words(text: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut position = 0;
    // The previous plain word, for joining "e-government".
    let mut previous: Option<usize> = None;
    for (from, raw) in text.unicode_word_indices() {
        let folded = fold(raw);
        if folded.is_empty() {
            continue;
        }
        let to = from + raw.len();
        let joined_to_previous = previous.is_some_and(|p| {
            let gap = &text[out[p].to..from];
            gap.chars().count() == 1 && gap.starts_with(HYPHENS)
        });
        if joined_to_previous {
            let p = previous.expect("checked above");
            let joined = format!("{}{}", out[p].folded, folded);
            let first_position = out[p].position;
            let first_from = out[p].from;
            out.push(Word {
                folded: joined,
                from: first_from,
                to,
                position: first_position,
                compound: true,
            });
        }
        out.push(Word {
            folded,
            from,
            to,
            position,
            compound: false,
        });
        previous = Some(out.len() - 1);
        position += 1;
    }
    out
}

/// Analyzes `text` into searchable terms, in order.
pub fn terms(text: &str) -> Vec<Term> {
    words(text)
        .into_iter()
        .filter(|w| !is_stop_word(&w.folded))
        .map(|word| Term {
            term: stem(&word.folded),
            word,
        })
        .collect()
}

/// The tantivy tokenizer that runs [`terms`].
///
/// Consecutive documents often repeat a field's text (every passage under one heading has
/// the same `context`), and tantivy keeps one tokenizer per field: remembering the last text
/// analyzed turns those repeats into a comparison.
#[derive(Clone, Default)]
pub struct SignpostTokenizer {
    tokens: Vec<TantivyToken>,
    last_text: String,
}

/// The token stream over a text analyzed in one go.
pub struct SignpostTokenStream<'a> {
    tokens: &'a mut [TantivyToken],
    index: Option<usize>,
}

impl Tokenizer for SignpostTokenizer {
    type TokenStream<'a> = SignpostTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        if self.last_text != text || self.tokens.is_empty() {
            self.tokens.clear();
            self.tokens
                .extend(terms(text).into_iter().map(|t| TantivyToken {
                    offset_from: t.word.from,
                    offset_to: t.word.to,
                    position: t.word.position,
                    text: t.term,
                    position_length: 1,
                }));
            self.last_text.clear();
            self.last_text.push_str(text);
        }
        SignpostTokenStream {
            tokens: &mut self.tokens,
            index: None,
        }
    }
}

impl TokenStream for SignpostTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let next = self.index.map_or(0, |i| i + 1);
        self.index = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &TantivyToken {
        &self.tokens[self.index.unwrap_or(0)]
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        &mut self.tokens[self.index.unwrap_or(0)]
    }
}

/// Registers Signpost's analyzers on an index. Call on every index, written or read.
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(
        ANALYZER,
        tantivy::tokenizer::TextAnalyzer::from(SignpostTokenizer::default()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term_texts(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|t| t.term).collect()
    }

    /// Texts with every kind of word boundary: punctuation, compounds, apostrophes, numbers,
    /// full-width letters, ligatures, control characters and a script without spaces.
    const AWKWARD_TEXTS: &[&str] = &[
        "",
        "   ",
        "Hello!",
        "What's the e-gov  project, then?",
        "' ` ’ — alone",
        "Café déjà-vu ﬁnance: ＰＡＲＳＯＬ (UK)",
        "rock'n'roll 2005-06 smart-card",
        "3.5% of £1,000 on 12/03/2004 at 10:30am, o'clock",
        "what can you do?",
        "WHAT CAN YOU DO",
        "a_b c.d e'f g`h i--j k...l 1,2 3.4 x@y.com http://e.g/x?y=1",
        " ,, a - b\t\nc\u{b}d\u{c}e ' f ",
        "日本語のテキスト and words",
    ];

    #[test]
    fn plain_words_are_the_words_without_compounds_joined_by_spaces() {
        for text in AWKWARD_TEXTS {
            let expected = words(text)
                .into_iter()
                .filter(|w| !w.compound)
                .map(|w| w.folded)
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(plain_words(text), expected, "{text:?}");
        }
    }

    #[test]
    fn plain_words_are_never_shorter_than_their_lower_bound() {
        for text in AWKWARD_TEXTS {
            let bound = plain_words_len_at_least(text);
            assert!(plain_words(text).len() >= bound, "{text:?}");
            if text.is_ascii() {
                assert!(bound > 0 || !text.bytes().any(|b| b.is_ascii_alphanumeric()));
            }
        }
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn irregular_forms_meet_their_base() {
        let mut sorted = IRREGULAR.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, IRREGULAR, "kept sorted for binary search");
        assert_eq!(stem("led"), stem("lead"));
        for word in ["led", "councils", "running", "councils"] {
            assert_eq!(with_stem(word, str::to_string), stem(word));
        }
        assert_eq!(stem("paid"), stem("pays"));
        assert_eq!(stem("spent"), stem("spending"));
    }

    #[test]
    fn folds_case_accents_quotes_and_compatibility_forms() {
        assert_eq!(fold("Café"), "cafe");
        assert_eq!(fold("Council’s"), "councils");
        assert_eq!(fold("ＰＡＲＳＯＬ"), "parsol");
        assert_eq!(fold("ﬁle"), "file");
    }

    #[test]
    fn stems_and_drops_stop_words() {
        assert_eq!(
            term_texts("What are the Projects funding?"),
            ["project", "fund"]
        );
        assert_eq!(
            term_texts("councils' applications"),
            term_texts("council application")
        );
    }

    #[test]
    fn hyphenated_compounds_meet_their_joined_spelling() {
        let hyphen = term_texts("e-government");
        let joined = term_texts("egovernment");
        assert!(hyphen.contains(&joined[0]), "{hyphen:?} vs {joined:?}");
        assert!(hyphen.contains(&"govern".to_string()), "{hyphen:?}");
        let compound = words("local e-gov")
            .into_iter()
            .find(|w| w.compound)
            .unwrap();
        assert_eq!(
            (
                compound.folded.as_str(),
                compound.from,
                compound.to,
                compound.position
            ),
            ("egov", 6, 11, 1)
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Ring the  Helpline, please";
        for t in terms(text) {
            assert_eq!(fold(&text[t.word.from..t.word.to]), t.word.folded);
        }
    }

    #[test]
    fn the_ascii_fast_path_folds_like_the_general_one() {
        let general = |word: &str| -> String {
            word.nfkd()
                .filter(|c| {
                    !is_combining_mark(*c)
                        && !matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`')
                })
                .flat_map(char::to_lowercase)
                .collect()
        };
        for word in ["PARSOL", "council's", "e`gov", "Don't", "abc123", "x", ""] {
            assert_eq!(fold(word), general(word), "{word}");
        }
    }

    #[test]
    fn remembered_stems_are_the_stemmer_s() {
        for _ in 0..2 {
            for word in [
                "planning",
                "applications",
                "councils",
                "national",
                "led",
                "paid",
            ] {
                assert_eq!(stem(word), stem_uncached(word));
            }
        }
    }

    #[test]
    fn a_reused_tokenizer_analyzes_each_new_text_afresh() {
        let mut tokenizer = SignpostTokenizer::default();
        let mut texts = |text: &str| {
            let mut stream = tokenizer.token_stream(text);
            let mut seen = Vec::new();
            while stream.advance() {
                seen.push(stream.token().text.clone());
            }
            seen
        };
        assert_eq!(texts("planning online"), ["plan", "onlin"]);
        assert_eq!(texts("planning online"), ["plan", "onlin"]);
        assert_eq!(texts("the smart cards"), ["smart", "card"]);
        assert!(texts("").is_empty());
        assert_eq!(texts("smart"), ["smart"]);
    }

    #[test]
    fn tantivy_stream_yields_every_term() {
        let mut tokenizer = SignpostTokenizer::default();
        let mut stream = tokenizer.token_stream("Planning applications online");
        let mut seen = Vec::new();
        while stream.advance() {
            seen.push(stream.token().text.clone());
        }
        assert_eq!(seen, ["plan", "applic", "onlin"]);
    }
}
