//! Turning a raw question into what the ranker searches for: validation against the limits,
//! analysis into terms, typo correction (with the corrected wording for `did_you_mean`),
//! joining split compounds ("e government"), and synonym expansion.
//!
//! Before any of that, a question is read the way people write it: markup tags and personal
//! details (an e-mail address, a phone number, a postcode: whatever `redact` recognises) are
//! blanked out, since neither is what the question is about and either would dilute it as
//! unknown words; and texting forms are read as the words they stand for ("wat" → what,
//! "u" → you, "4" → for), filler ("lol") dropped, by the corpus's spelling rules. Blanking
//! keeps every byte offset, so `did_you_mean` still splices into the text as typed.

use std::borrow::Cow;

use signpost_indexer::analysis::{self, Term, Word};

use super::intent::{self, Shape};
use super::synonyms::{Expansion, Synonyms};
use super::terms::{QuestionIds, TermStats, UNKNOWN};
use super::vocabulary::Vocabulary;
use super::wording::WordingIndex;
use crate::redact;

/// Limits on a question, checked before any search work.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_chars: usize,
    pub max_words: usize,
    pub default_results: usize,
    pub max_results: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_chars: 500,
            max_words: 80,
            default_results: 5,
            max_results: 20,
        }
    }
}

/// Why a question was not searched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    #[error("the question is empty")]
    Empty,
    #[error("the question is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the question has more than {max} words")]
    TooManyWords { max: usize },
    #[error("limit must be between 1 and {max}")]
    BadLimit { max: usize },
}

/// Checks a question against the limits; returns it trimmed.
pub fn validate<'q>(q: &'q str, limits: &Limits) -> Result<&'q str, QuestionError> {
    let q = q.trim();
    if q.is_empty() || q.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err(QuestionError::Empty);
    }
    if q.chars().count() > limits.max_chars {
        return Err(QuestionError::TooLong {
            max: limits.max_chars,
        });
    }
    if q.split_whitespace().count() > limits.max_words {
        return Err(QuestionError::TooManyWords {
            max: limits.max_words,
        });
    }
    Ok(q)
}

/// A question term as searched.
#[derive(Debug, Clone)]
pub struct QueryTerm {
    pub term: String,
    /// Does the corpus have this term at all?
    pub known: bool,
    /// Was it produced by correcting a typo?
    pub corrected: bool,
    /// Is it read as a synonym instead ("pays for" → funding), so not matched itself?
    pub rewritten: bool,
    /// Unknown, not English and too short to correct ("fnd", "xq"): a slip whose meaning
    /// cannot be told, so no sign that the question is about something the corpus lacks.
    pub garbled: bool,
    /// Said only in a long message's preamble, before the clause that asks the question
    /// ("…we've spent a fortune on our website, was there ever any national work on…").
    pub preamble: bool,
}

/// A question ready to search.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// Distinct terms of the question after correction, in order.
    pub terms: Vec<QueryTerm>,
    /// Synonym phrases to search too, with the terms they cover.
    pub expansions: Vec<Expansion>,
    /// The question with corrections applied, when any were made.
    pub corrected: Option<String>,
    /// Every folded word, stop words included (for recognising follow-ups).
    pub words: Vec<String>,
    /// Each of `words`' stem, as [`analysis::stem`] gives it: the wording's stems, kept so
    /// the declines and the confidence do not stem the words again.
    pub stems: Vec<String>,
    /// How the question is asked: its opening, the kind of answer it wants, whether it
    /// refers back.
    pub shape: Shape,
    /// The terms and synonym phrases as the index's term ids.
    pub ids: QuestionIds,
    /// How the question is worded, small words included (see `wording`).
    pub wording: super::wording::Wording,
}

/// Blanks out markup tags (`<script>`, `</b>`, `<img src=x>`): a tag's name is never what a
/// question is about, and matching it would answer markup with whatever mentions "script".
/// Offsets are kept, so corrections still splice into the original text.
pub fn without_tags(q: &str) -> std::borrow::Cow<'_, str> {
    if !q.contains('<') {
        return std::borrow::Cow::Borrowed(q);
    }
    let mut out = String::with_capacity(q.len());
    let mut rest = q;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let starts_tag =
            after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>').filter(|_| starts_tag) {
            Some(close) => {
                out.extend(std::iter::repeat_n(' ', close + 2));
                rest = &after[close + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// `q` with markup tags and personal details blanked out, offsets kept: the text a question's
/// words are read from.
fn cleaned(q: &str) -> Cow<'_, str> {
    match without_tags(q) {
        Cow::Borrowed(q) => redact::blank(q),
        Cow::Owned(q) => Cow::Owned(redact::blank(&q).into_owned()),
    }
}

/// Analyzes a validated question.
/// What a question is read against: the corpus's words (for typos), its synonyms, its term
/// ids and the wordings of its entries' questions.
pub struct Lexicon<'a> {
    pub vocabulary: &'a Vocabulary,
    pub synonyms: &'a Synonyms,
    pub stats: &'a TermStats,
    pub wordings: &'a WordingIndex,
}

/// Reads a question into everything the search and ranking need, resolved against the
/// corpus: its terms (corrected), synonym phrases, shape, term ids and weighed wording.
pub fn analyze(q: &str, lexicon: &Lexicon) -> Analyzed {
    let mut analyzed = read(q, lexicon.vocabulary, lexicon.synonyms);
    // "short" in "what is X short for" frames the question; it is not what it is about.
    for term in &mut analyzed.terms {
        if analyzed.shape.framing_terms.contains(&term.term) {
            term.rewritten = true;
        }
    }
    analyzed.ids = question_ids(&analyzed, lexicon.stats);
    lexicon.wordings.weigh(&mut analyzed.wording);
    analyzed
}

/// The question's terms and synonym phrases as the index's term ids.
fn question_ids(analyzed: &Analyzed, stats: &TermStats) -> QuestionIds {
    QuestionIds {
        terms: analyzed
            .terms
            .iter()
            .map(|t| {
                if t.rewritten {
                    UNKNOWN
                } else {
                    stats.id(&t.term)
                }
            })
            .collect(),
        expansions: analyzed
            .expansions
            .iter()
            .map(|e| e.phrase.terms.iter().map(|(_, t)| stats.id(t)).collect())
            .collect(),
    }
}

/// The question's words, terms (typos corrected), synonym phrases and shape, before they are
/// resolved to the index's ids.
fn read(q: &str, vocabulary: &Vocabulary, synonyms: &Synonyms) -> Analyzed {
    let cleaned = cleaned(q);
    let mut words = analysis::words(&cleaned);
    vocabulary.respell(&mut words);
    // The words as written, without the joined compounds: listed once for all that reads them.
    let plain: Vec<&Word> = words.iter().filter(|w| !w.compound).collect();
    let mut corrected_text = String::with_capacity(q.len());
    let mut last = 0;
    let mut any_correction = false;
    let mut terms: Vec<Term> = Vec::new();
    let mut flags: Vec<(bool, bool)> = Vec::new();
    for word in &words {
        if analysis::is_stop_word(&word.folded) {
            continue;
        }
        if word.compound {
            // A joined compound only helps when the corpus knows it.
            if vocabulary.knows(&word.folded) {
                terms.push(Term {
                    term: analysis::stem(&word.folded),
                    word: word.clone(),
                });
                flags.push((true, false));
            }
            continue;
        }
        // Known words are left alone: asked once here, not again inside `correct`.
        let known = vocabulary.knows(&word.folded);
        let fix = if known {
            None
        } else {
            vocabulary.correct(&word.folded)
        };
        let (folded, known, corrected) = match fix {
            Some(fix) => {
                corrected_text.push_str(&q[last..word.from]);
                corrected_text.push_str(fix);
                last = word.to;
                any_correction = true;
                (fix.to_string(), true, true)
            }
            None => (word.folded.clone(), known, false),
        };
        terms.push(Term {
            term: analysis::stem(&folded),
            // Field by field: `..word.clone()` copied the folded text only to drop it.
            word: Word {
                folded,
                from: word.from,
                to: word.to,
                position: word.position,
                compound: word.compound,
            },
        });
        flags.push((known, corrected));
    }
    add_joined_pairs(&plain, vocabulary, &mut terms, &mut flags);
    corrected_text.push_str(&q[last..]);

    // Every word with corrections applied, stop words included, for matching synonym triggers.
    let sequence: Vec<(usize, String)> = plain
        .iter()
        .map(|w| {
            let corrected = terms
                .iter()
                .find(|t| !t.word.compound && t.word.position == w.position);
            (
                w.position,
                corrected.map_or_else(|| analysis::stem(&w.folded), |t| t.term.clone()),
            )
        })
        .collect();
    let expansions = synonyms.expand(&sequence, &terms);
    // The wording's stems are the words' own, as typed: `sequence`'s, but for a corrected
    // word, whose stem there is its correction's.
    // Taken out of `sequence`, which is read no more.
    let stems: Vec<String> = plain
        .iter()
        .zip(sequence)
        .map(|(w, (_, stem))| {
            let corrected = terms.iter().zip(&flags).any(|(t, (_, corrected))| {
                *corrected && !t.word.compound && t.word.position == w.position
            });
            if corrected {
                analysis::stem(&w.folded)
            } else {
                stem
            }
        })
        .collect();
    let wording = super::wording::Wording::of_stems(&stems);
    let clauses = clause_starts(&cleaned, &plain);
    // Deduplicate terms, keeping expansions' indexes valid by mapping them.
    let asking_from = asking_clause_start(&plain, &clauses);
    let contact_asked = contact_requests(&plain);
    let mut distinct: Vec<QueryTerm> = Vec::new();
    let mut remap = Vec::with_capacity(terms.len());
    // Moved into the distinct terms: nothing reads `terms` after this.
    for (term, (known, corrected)) in terms.into_iter().zip(&flags) {
        let preamble = term.word.from < asking_from || contact_asked.contains(&term.word.from);
        match distinct.iter().position(|d| d.term == term.term) {
            Some(i) => {
                distinct[i].preamble &= preamble;
                remap.push(i);
            }
            None => {
                remap.push(distinct.len());
                let folded = &term.word.folded;
                distinct.push(QueryTerm {
                    term: term.term,
                    known: *known,
                    corrected: *corrected,
                    rewritten: false,
                    garbled: !*known
                        && folded.chars().count() < super::vocabulary::MIN_CORRECTABLE_CHARS
                        && super::vocabulary::english_size(folded).is_none(),
                    preamble,
                });
            }
        }
    }
    let expansions: Vec<Expansion> = expansions
        .into_iter()
        .map(|mut e| {
            e.covers = e.covers.iter().map(|i| remap[*i]).collect();
            e.covers.dedup();
            e
        })
        .collect();
    for e in expansions.iter().filter(|e| e.rewrite) {
        for i in &e.covers {
            distinct[*i].rewritten = true;
        }
    }
    let words: Vec<String> = words
        .into_iter()
        .filter(|w| !w.compound)
        .map(|w| w.folded)
        .collect();
    Analyzed {
        terms: distinct,
        expansions,
        corrected: any_correction.then_some(corrected_text),
        shape: intent::read(&words, &clauses),
        ids: QuestionIds::default(),
        wording,
        words,
        stems,
    }
}

/// A text's folded words in order, stop words included, without joined compounds: what
/// [`intent::read`] reads.
pub fn words_of(text: &str) -> Vec<String> {
    analysis::words(text)
        .into_iter()
        .filter(|w| !w.compound)
        .map(|w| w.folded)
        .collect()
}

/// How [`intent::read`] reads a text on its own (a title, an alternate, a test's question).
pub fn shape_of(text: &str) -> intent::Shape {
    let words: Vec<Word> = analysis::words(text)
        .into_iter()
        .filter(|w| !w.compound)
        .collect();
    let plain: Vec<&Word> = words.iter().collect();
    let clauses = clause_starts(text, &plain);
    let folded: Vec<String> = words.into_iter().map(|w| w.folded).collect();
    intent::read(&folded, &clauses)
}

/// The indexes of the words (plain, in order) that open a clause after the first: a word after
/// a comma, a semicolon, a colon, a question or exclamation mark, a full stop or a dash set
/// apart by spaces ("parsol - who led it"), not one inside a word ("e-gov", "e.g").
pub fn clause_starts(text: &str, words: &[&Word]) -> Vec<usize> {
    words
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| {
            let gap = text.get(pair[0].to..pair[1].from).unwrap_or("");
            gap.contains([',', ';', ':', '?', '!', '\u{2013}', '\u{2014}'])
                || (gap.contains(['-', '.']) && gap.ends_with(char::is_whitespace))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// "e government" and "e gov" are written apart but indexed joined: when two neighbouring
/// words joined make a word the corpus knows, search for the joined word too.
/// `plain` are the question's words without joined compounds.
fn add_joined_pairs(
    plain: &[&Word],
    vocabulary: &Vocabulary,
    terms: &mut Vec<Term>,
    flags: &mut Vec<(bool, bool)>,
) {
    // Joined in one reused buffer: `format!` cost several times the copy.
    let mut joined = String::new();
    for pair in plain.windows(2) {
        joined.clear();
        joined.push_str(&pair[0].folded);
        joined.push_str(&pair[1].folded);
        if vocabulary.count(&joined) > 0 {
            terms.push(Term {
                term: analysis::stem(&joined),
                word: Word {
                    folded: joined.clone(),
                    from: pair[0].from,
                    to: pair[1].to,
                    position: pair[0].position,
                    compound: true,
                },
            });
            flags.push((true, false));
        }
    }
}

/// Where a message asks to be contacted ("ring me on …", "email me back"): the verb's byte
/// offset. Like a preamble, it says who is asking, not what about ("ring" is not the phone
/// line's word here).
fn contact_requests(words: &[&Word]) -> Vec<usize> {
    const CONTACT: &[&str] = &[
        "ring", "call", "phone", "email", "text", "contact", "message",
    ];
    words
        .windows(2)
        .filter(|pair| {
            CONTACT.contains(&pair[0].folded.as_str())
                && matches!(pair[1].folded.as_str(), "me" | "us" | "back")
        })
        .map(|pair| pair[0].from)
        .collect()
}

/// A message shorter than this many words has no preamble: it is all question.
const PREAMBLE_MIN_WORDS: usize = 15;

/// Words that open a clause asking something.
const ASKING_OPENERS: &[&str] = &[
    "are", "can", "could", "did", "do", "does", "had", "has", "have", "how", "is", "may", "should",
    "was", "were", "what", "when", "where", "which", "who", "why", "will", "would",
];

/// Where the clause that asks the question starts, as a byte offset into the text `words`
/// come from: in a long message, the first clause (see [`clause_starts`]) that opens with a
/// question word, as respelt ("wot did…"), when the words before it are at least a third of
/// the message; 0 otherwise, when all of it counts as the question.
fn asking_clause_start(words: &[&Word], clauses: &[usize]) -> usize {
    if words.len() < PREAMBLE_MIN_WORDS {
        return 0;
    }
    clauses
        .iter()
        .copied()
        .find(|&i| {
            ASKING_OPENERS.contains(&words[i].folded.as_str())
                && i * 3 >= words.len()
                && words.len() - i >= 3
        })
        .map_or(0, |i| words[i].from)
}

/// A question of the given terms, each known and as typed, with the given ids: for tests of
/// what builds on an analysed question.
#[cfg(test)]
pub(crate) fn of_terms(terms: &[&str], ids: QuestionIds) -> Analyzed {
    Analyzed {
        terms: terms
            .iter()
            .map(|t| QueryTerm {
                term: t.to_string(),
                known: true,
                corrected: false,
                rewritten: false,
                garbled: false,
                preamble: false,
            })
            .collect(),
        expansions: Vec::new(),
        corrected: None,
        words: Vec::new(),
        stems: Vec::new(),
        shape: Default::default(),
        wording: Default::default(),
        ids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`asking_clause_start`] of a text read on its own.
    fn asking_start(q: &str) -> usize {
        let words = analysis::words(q);
        let plain: Vec<&Word> = words.iter().filter(|w| !w.compound).collect();
        asking_clause_start(&plain, &clause_starts(q, &plain))
    }

    #[test]
    fn a_long_message_asks_from_its_first_clause_opening_with_a_question_word() {
        let q = "Sorry to bother you, I'm a councillor and we spent a fortune on our website, \
                 was there ever any national work on getting residents online and what did it find?";
        let start = asking_start(q);
        assert!(
            q[start..].trim_start().starts_with("was there ever"),
            "{}",
            &q[start..]
        );
        // Short questions are all question, however they are punctuated.
        assert_eq!(
            asking_start("website costs, was there any national work?"),
            0
        );
        // A question word too early leaves no preamble to speak of.
        assert_eq!(
            asking_start(
                "Hi, what did the national projects do for councils that wanted their residents \
                 to use online services more often than they do today?"
            ),
            0
        );
        // No clause opens with a question word: nothing is preamble.
        assert_eq!(
            asking_start(
                "I need the name of the project that helped councils market their online \
                 services to residents, the one led by Norwich please"
            ),
            0
        );
    }

    /// Is the question's term for `word` marked as said only in its preamble?
    fn is_preamble(a: &Analyzed, word: &str) -> bool {
        a.terms
            .iter()
            .find(|t| t.term == analysis::stem(word))
            .unwrap_or_else(|| panic!("no {word} in {:?}", a.terms))
            .preamble
    }

    #[test]
    fn words_said_only_before_the_asking_clause_are_marked_preamble() {
        let vocabulary = Vocabulary::for_tests(
            "councillor spent fortune website national work residents online find",
            include_str!("../../corpus/spelling.txt"),
        );
        let a = read(
            "Sorry to bother you, I'm a councillor and we spent a fortune on our website \
             online, was there ever any national work on getting residents online and what \
             did it find?",
            &vocabulary,
            &Synonyms::default(),
        );
        let preamble = |term: &str| is_preamble(&a, term);
        assert!(preamble("councillor") && preamble("fortune") && preamble("website"));
        // Said in the asking clause too, or only there.
        assert!(!preamble("online") && !preamble("national") && !preamble("find"));
    }

    #[test]
    fn a_request_to_be_contacted_counts_as_preamble_and_a_respelt_question_word_opens_a_clause() {
        let vocabulary = Vocabulary::for_tests(
            "academy ring phone line salford hull",
            include_str!("../../corpus/spelling.txt"),
        );
        let a = read(
            "hi im sarah from hull cc, wot did the crm academy actualy do?? ring me on 01632 960123",
            &vocabulary,
            &Synonyms::default(),
        );
        let preamble = |term: &str| is_preamble(&a, term);
        assert!(preamble("hull") && preamble("sarah") && preamble("ring"));
        assert!(!preamble("academy") && !preamble("crm"));
        let b = read(
            "is there a phone line to ring",
            &vocabulary,
            &Synonyms::default(),
        );
        assert!(b.terms.iter().all(|t| !t.preamble), "{:?}", b.terms);
    }

    #[test]
    fn the_wording_is_that_of_the_words_as_typed() {
        let vocabulary = Vocabulary::for_tests(
            "why was ryogens criticised parsol national projects number electronic benefit \
             claims revenues team planning applications internet thanks turn sure led \
             egovernment government",
            include_str!("../../corpus/spelling.txt"),
        );
        for q in [
            "what is parsol",
            "planing aplications on the internet",
            "natinal projcts numbr pls",
            "who led the e government national projects?",
            "wat is e-government, r u sure",
            "y woz ryogens critisised lol",
            "the the the",
            "",
        ] {
            let a = read(q, &vocabulary, &Synonyms::default());
            assert_eq!(
                a.wording,
                super::super::wording::Wording::of_words(&a.words),
                "{q:?}"
            );
        }
    }

    #[test]
    fn markup_tags_are_blanked_keeping_offsets() {
        assert_eq!(
            without_tags("<script>alert(1)</script>"),
            "        alert(1)         "
        );
        assert_eq!(without_tags("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            without_tags("x <img src=x onerror=y> z").len(),
            "x <img src=x onerror=y> z".len()
        );
    }

    /// What the ranker is given of a question: each term with whether the corpus knows it and
    /// whether it was corrected, every word, the kind of answer expected and the corrected
    /// wording.
    type Seen = (
        Vec<(String, bool, bool)>,
        Vec<String>,
        super::intent::Shape,
        Option<String>,
    );

    fn seen(q: &str) -> Seen {
        let vocabulary = Vocabulary::for_tests(
            "why was ryogens criticised parsol national projects number electronic benefit \
             claims revenues team planning applications internet thanks turn sure led",
            include_str!("../../corpus/spelling.txt"),
        );
        let a = read(q, &vocabulary, &Synonyms::default());
        let terms = a
            .terms
            .iter()
            .map(|t| (t.term.clone(), t.known, t.corrected))
            .collect();
        (terms, a.words, a.shape, a.corrected)
    }

    #[test]
    fn texting_forms_read_as_the_words_they_stand_for() {
        let cases = [
            ("wat is parsol", "what is parsol"),
            ("wot is parsol", "what is parsol"),
            ("y woz ryogens criticised lol", "why was ryogens criticised"),
            (
                "r u sure its 4 national projects",
                "are you sure its for national projects",
            ),
            ("how 2 get the number pls", "how to get the number please"),
            ("number plz", "number please"),
            ("thx", "thanks"),
            ("ty", "thanks"),
            ("ur number", "your number"),
        ];
        for (texted, plain) in cases {
            let (texted_seen, plain_seen) = (seen(texted), seen(plain));
            assert_eq!(texted_seen.0, plain_seen.0, "{texted:?}: terms");
            assert_eq!(texted_seen.1, plain_seen.1, "{texted:?}: words");
            assert_eq!(texted_seen.2, plain_seen.2, "{texted:?}: expected answer");
            // Understood, not mistyped: nothing to offer as a correction.
            assert_eq!(texted_seen.3, None, "{texted:?}");
        }
        // The question words the forms stand for say what kind of answer is wanted.
        assert_eq!(seen("y woz ryogens criticised").1[0], "why");
        // Part of a hyphenated compound keeps its letters: "u-turn" is no "you turn".
        assert!(seen("a u-turn").1.contains(&"u".to_string()));
    }

    #[test]
    fn personal_details_in_a_question_are_not_matched() {
        let cases = [
            (
                "this is sarah.jones@example.org from the revenues team - did any national \
                 project do electronic benefit claims?",
                "this is from the revenues team - did any national project do electronic \
                 benefit claims?",
            ),
            (
                "ring me on 01632 960555 pls or give me the national projects number",
                "ring me on pls or give me the national projects number",
            ),
            (
                "+44 7700 900123 national projects number",
                "national projects number",
            ),
            (
                "planning applications near SW1A 1AA",
                "planning applications near",
            ),
            (
                "my NI is QQ 12 34 56 C: benefit claims",
                "my NI is: benefit claims",
            ),
        ];
        for (with, without) in cases {
            assert_eq!(seen(with), seen(without), "{with:?}");
        }
        // Blanked, not cut out: a correction still splices into the text as typed.
        assert_eq!(
            seen("jo@example.org planing aplications").3.as_deref(),
            Some("jo@example.org planning applications")
        );
    }

    #[test]
    fn validation_table() {
        let limits = Limits {
            max_chars: 10,
            max_words: 3,
            ..Limits::default()
        };
        assert_eq!(validate("  hi  ", &limits), Ok("hi"));
        assert_eq!(validate(" \t\n ", &limits), Err(QuestionError::Empty));
        assert_eq!(validate("\u{0}\u{1}", &limits), Err(QuestionError::Empty));
        assert_eq!(
            validate("abcdefghijk", &limits),
            Err(QuestionError::TooLong { max: 10 })
        );
        assert_eq!(validate("é".repeat(10).as_str(), &limits), Ok("éééééééééé"));
        assert_eq!(
            validate("a b c d", &limits),
            Err(QuestionError::TooManyWords { max: 3 })
        );
    }
}
