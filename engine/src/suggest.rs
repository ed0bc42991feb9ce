//! As-you-type completions for the lookup page and `/api/v1/suggest`: FAQ questions and their
//! alternate phrasings, project names, short names, aliases and keywords, and the helpline.
//!
//! Everything is derived once when the engine is built: every phrase is split into folded
//! words (the indexer's own folding, so "e-Planning" and "eplanning" meet), the distinct
//! words form one sorted vocabulary, and each phrase keeps its words as vocabulary ids with
//! their character ranges in the phrase. Per keystroke the work is small and bounded: each
//! typed word is matched against the vocabulary once (a binary search for exact and prefix
//! matches; an edit-distance scan of the words sharing its first letter for typos), then
//! every phrase is scored by looking its word ids up in those matches.
//!
//! Matching rules: every typed word must match a different word of the phrase, as a whole
//! word, as a prefix of one ("parso" → PARSOL), or within one edit for words of four or more
//! characters and two for nine or more ("smrt card" → National Smart Card Project). Typed
//! stop words ("the", "of") may go unmatched. The first letter must be right: it keeps typo
//! matches few and plausible. One suggestion per entry, the best-scoring of its phrases.
//!
//! Why this file is over 500 lines: the suggest index, its typo matching and its ranking are
//! one data structure; about 220 lines are tests.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use signpost_indexer::analysis;
use signpost_indexer::corpus::{Entry, Kind};
use utoipa::ToSchema;

use super::response::Helpline;

/// Fewest letters or digits worth completing.
pub const MIN_CHARS: usize = 2;
/// Longest text accepted, in characters: a search box, not an essay.
pub const MAX_CHARS: usize = 100;
/// Most words accepted.
pub const MAX_WORDS: usize = 12;
/// Most suggestions returned, and the default.
pub const MAX_RESULTS: usize = 8;

/// Typed words at least this long may have one typo; at [`TWO_TYPOS_CHARS`], two.
const ONE_TYPO_CHARS: usize = 4;
const TWO_TYPOS_CHARS: usize = 9;

/// Why a text was not completed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuggestError {
    #[error("type something to get suggestions")]
    Empty,
    #[error("type at least {min} letters or digits to get suggestions")]
    TooShort { min: usize },
    #[error("suggestions are for at most {max} characters")]
    TooLong { max: usize },
    #[error("suggestions are for at most {max} words")]
    TooManyWords { max: usize },
    #[error("the text contains control characters")]
    ControlCharacters,
    #[error("limit must be between 1 and {max}")]
    BadLimit { max: usize },
}

/// Which phrase of an entry a suggestion matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Title,
    Alternate,
    Name,
    ShortName,
    Alias,
    Keyword,
    Helpline,
}

impl Source {
    /// How much a match in this kind of phrase counts: names are what people type.
    fn weight(self) -> f32 {
        match self {
            Source::Name | Source::ShortName | Source::Helpline => 0.3,
            Source::Alias => 0.2,
            Source::Title => 0.15,
            Source::Alternate => 0.05,
            Source::Keyword => 0.0,
        }
    }
}

/// The completions for one text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct SuggestResponse {
    pub query: String,
    pub suggestions: Vec<Suggestion>,
}

/// One completion.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Suggestion {
    /// The phrase that matched, as written in the corpus.
    pub text: String,
    /// `[start, end)` character ranges in `text` that the typed words matched, to bold.
    #[schema(value_type = Vec<Vec<u32>>)]
    pub highlights: Vec<[usize; 2]>,
    /// `faq` or `project`.
    pub kind: String,
    /// The entry id: `faq-05` or a project slug.
    pub id: String,
    /// The entry's title: the FAQ question as published, or "SHORT — Full name".
    pub title: String,
    /// Which of the entry's phrases matched.
    pub source: Source,
    /// The entry's page, for projects.
    pub url: Option<String>,
}

/// A word of a phrase (twelve bytes: a national directory has over four million).
#[derive(Debug, Clone, Copy)]
struct KeyWord {
    /// Index into the vocabulary.
    vocab: u32,
    /// Word position in the phrase (a compound shares its first part's).
    position: u16,
    /// Character range of the word as written in the phrase (no phrase is longer than
    /// [`MAX_PHRASE_BYTES`]).
    start: u16,
    chars: u16,
    /// Whether folding kept one character per written character, so a prefix of the folded
    /// word is the same length of the written one.
    same_length: bool,
}

/// A phrase that can be suggested. Its text and words sit in the index's shared buffers,
/// each phrase's after the one before (a national directory has over a million phrases: a
/// string and a list each cost more than the phrase itself).
#[derive(Debug)]
struct Key {
    /// The entry it opens, by index.
    entry: u32,
    /// Where its text starts in [`SuggestIndex::texts`]; the next phrase's start ends it.
    text_start: u32,
    /// Where its words start in [`SuggestIndex::words`]; the next phrase's start ends them.
    words_start: u32,
    /// Distinct positions in the phrase (compounds count once).
    positions: u16,
    source: Source,
}

/// Phrases longer than this (in bytes) are not suggested: none that long is a completion,
/// and word places within a phrase then fit in 16 bits.
const MAX_PHRASE_BYTES: usize = u16::MAX as usize;

/// How a typed word matched a vocabulary word.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hit {
    grade: Grade,
    /// Characters of the vocabulary word covered by the match.
    matched: u32,
    /// The vocabulary word's length in characters.
    len: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Grade {
    Typo,
    Prefix,
    Exact,
}

impl Hit {
    fn score(self) -> f32 {
        match self.grade {
            Grade::Exact => 1.0,
            // A longer typed prefix is a surer match.
            Grade::Prefix => 0.7 + 0.2 * self.matched as f32 / self.len.max(1) as f32,
            Grade::Typo if self.matched == self.len => 0.55,
            Grade::Typo => 0.45,
        }
    }
}

/// A phrase that matched, with the key words each typed word matched.
struct Scored {
    score: f32,
    key: usize,
    matched: Vec<(usize, Hit)>,
}

/// A typed word, folded.
struct QueryWord {
    folded: String,
    chars: usize,
    optional: bool,
}

/// The completion index, built once per engine.
#[derive(Debug, Default)]
pub struct SuggestIndex {
    /// Distinct folded words, sorted.
    vocab: Vec<Box<str>>,
    /// Each vocabulary word's length in characters.
    vocab_chars: Vec<u32>,
    keys: Vec<Key>,
    /// Every phrase's text, one after another.
    texts: String,
    /// Every phrase's words, one phrase after another.
    words: Vec<KeyWord>,
    /// How many entries the index was built from.
    entries: usize,
}

impl SuggestIndex {
    /// Collects every suggestible phrase of the corpus. The helpline phrase points at the FAQ
    /// entries whose text gives the number: `states_helpline` says which, by index.
    pub fn build(
        entries: &[Entry],
        helpline: Option<&Helpline>,
        states_helpline: impl Fn(usize) -> bool,
    ) -> SuggestIndex {
        let mut phrases: Vec<(u32, Source, String)> = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let target = index as u32;
            let mut add = |source: Source, text: &str| {
                let text = text.trim();
                if !text.is_empty() && text.len() <= MAX_PHRASE_BYTES {
                    phrases.push((target, source, text.to_string()));
                }
            };
            match (entry.kind, &entry.project) {
                (Kind::Faq, _) => {
                    add(Source::Title, &entry.title);
                    for alternate in &entry.alternates {
                        add(Source::Alternate, alternate);
                    }
                }
                (Kind::Project, Some(p)) => {
                    add(Source::Name, &p.name);
                    add(Source::ShortName, &p.short_name);
                    for alias in &p.aliases {
                        add(Source::Alias, alias);
                    }
                    for keyword in &p.keywords {
                        add(Source::Keyword, keyword);
                    }
                    for alternate in &entry.alternates {
                        add(Source::Alternate, alternate);
                    }
                }
                _ => continue,
            }
            if let Some(h) = helpline {
                if entry.kind == Kind::Faq && states_helpline(index) {
                    add(
                        Source::Helpline,
                        &format!("Helpline: {}, {}", h.name, h.number),
                    );
                }
            }
        }

        // One phrase per entry and folded text: "PARSOL" and the alias "Parsol" are one key,
        // kept as the more telling source.
        phrases.sort_by_cached_key(|(target, source, text)| {
            (*target, analysis::fold(text), phrase_rank(*source))
        });
        phrases.dedup_by_key(|(target, _, text)| (*target, analysis::fold(text)));
        // An alias or keyword inside one of the entry's names ("Smart Card Project" in
        // "National Smart Card Project") adds nothing but a second, lesser way to show it.
        let folded_words = |text: &str| -> Vec<String> {
            analysis::words(text)
                .into_iter()
                .filter(|w| !w.compound)
                .map(|w| w.folded)
                .collect()
        };
        // Grouped by entry, so each alias is checked against its own entry's names only (a
        // scan of every name made building quadratic in the size of the directory).
        let mut names: HashMap<u32, Vec<Vec<String>>> = HashMap::new();
        for (target, _, text) in phrases
            .iter()
            .filter(|(_, source, _)| matches!(source, Source::Name | Source::ShortName))
        {
            names.entry(*target).or_default().push(folded_words(text));
        }
        phrases.retain(|(target, source, text)| {
            if !matches!(source, Source::Alias | Source::Keyword) {
                return true;
            }
            let words = folded_words(text);
            !names.get(target).is_some_and(|own| {
                own.iter().any(|name| {
                    name.len() > words.len()
                        && name.windows(words.len()).any(|w| w == words.as_slice())
                })
            })
        });

        // Each phrase is analysed twice, once for the vocabulary and once for its key, rather
        // than every phrase's analysis being held at once: a national directory has about a
        // million phrases, and that peak stayed in the server's memory after the build.
        let mut distinct: HashSet<String> = HashSet::new();
        for (_, _, text) in &phrases {
            distinct.extend(analysis::words(text).into_iter().map(|w| w.folded));
        }
        let mut vocab: Vec<Box<str>> = distinct.into_iter().map(String::into_boxed_str).collect();
        vocab.sort_unstable();
        let vocab_chars = vocab.iter().map(|w| w.chars().count() as u32).collect();

        let mut texts = String::new();
        let mut all_words = Vec::new();
        let keys = phrases
            .into_iter()
            .map(|(target, source, text)| {
                let words = analysis::words(&text);
                let char_at = |byte: usize| text[..byte].chars().count();
                let first_word = all_words.len() as u32;
                all_words.extend(words.iter().map(|w| {
                    let start = char_at(w.from);
                    let chars = char_at(w.to) - start;
                    KeyWord {
                        vocab: vocab
                            .binary_search_by(|v| (**v).cmp(w.folded.as_str()))
                            .expect("every word is in the vocabulary")
                            as u32,
                        position: w.position.min(u16::MAX as usize) as u16,
                        // Both fit: the phrase is at most `MAX_PHRASE_BYTES` long.
                        start: start as u16,
                        chars: chars as u16,
                        same_length: !w.compound && w.folded.chars().count() == chars,
                    }
                }));
                let key_words = &all_words[first_word as usize..];
                let positions = key_words.iter().map(|w| w.position + 1).max().unwrap_or(0);
                let text_start = texts.len() as u32;
                texts.push_str(&text);
                Key {
                    entry: target,
                    text_start,
                    words_start: first_word,
                    positions,
                    source,
                }
            })
            .collect();
        texts.shrink_to_fit();
        all_words.shrink_to_fit();
        SuggestIndex {
            vocab,
            vocab_chars,
            keys,
            texts,
            words: all_words,
            entries: entries.len(),
        }
    }

    /// The text of the phrase with index `k`.
    fn text(&self, k: usize) -> &str {
        let end = self
            .keys
            .get(k + 1)
            .map_or(self.texts.len(), |next| next.text_start as usize);
        &self.texts[self.keys[k].text_start as usize..end]
    }

    /// The words of the phrase with index `k`.
    fn words(&self, k: usize) -> &[KeyWord] {
        let end = self
            .keys
            .get(k + 1)
            .map_or(self.words.len(), |next| next.words_start as usize);
        &self.words[self.keys[k].words_start as usize..end]
    }

    /// How many phrases can be suggested.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Completes `q`, best first, at most `limit` (default and maximum [`MAX_RESULTS`]).
    /// `entries` are the ones the index was built from.
    pub fn suggest(
        &self,
        entries: &[Entry],
        q: &str,
        limit: Option<usize>,
    ) -> Result<SuggestResponse, SuggestError> {
        let limit = match limit {
            None => MAX_RESULTS,
            Some(n) if (1..=MAX_RESULTS).contains(&n) => n,
            Some(_) => return Err(SuggestError::BadLimit { max: MAX_RESULTS }),
        };
        let q = validate(q)?;
        let words: Vec<QueryWord> = analysis::words(q)
            .into_iter()
            .filter(|w| !w.compound)
            .map(|w| QueryWord {
                optional: analysis::is_stop_word(&w.folded),
                chars: w.folded.chars().count(),
                folded: w.folded,
            })
            .collect();
        if words.len() > MAX_WORDS {
            return Err(SuggestError::TooManyWords { max: MAX_WORDS });
        }
        let hits: Vec<Vec<Option<Hit>>> = words.iter().map(|w| self.hits(w)).collect();

        // The best phrase of each entry; `scratch` is reused so only improvements allocate.
        let mut best: Vec<Option<Scored>> = (0..self.entries).map(|_| None).collect();
        let mut scratch: Vec<(usize, Hit)> = Vec::with_capacity(words.len());
        for (k, key) in self.keys.iter().enumerate() {
            let Some(score) = score_key(key, self.words(k), &words, &hits, &mut scratch) else {
                continue;
            };
            let slot = &mut best[key.entry as usize];
            if slot.as_ref().is_none_or(|b| score > b.score) {
                *slot = Some(Scored {
                    score,
                    key: k,
                    matched: scratch.clone(),
                });
            }
        }
        let mut ranked: Vec<Scored> = best.into_iter().flatten().collect();
        ranked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| {
                    let len = |k: usize| self.text(k).len();
                    len(a.key).cmp(&len(b.key))
                })
                .then(a.key.cmp(&b.key))
        });
        let suggestions = ranked
            .into_iter()
            .take(limit)
            .map(
                |Scored {
                     key: k, matched, ..
                 }| {
                    let key = &self.keys[k];
                    let entry = &entries[key.entry as usize];
                    Suggestion {
                        text: self.text(k).to_string(),
                        highlights: highlights(self.words(k), &matched),
                        kind: entry.kind.as_str().to_string(),
                        id: entry.id.clone(),
                        title: entry.title.clone(),
                        source: key.source,
                        url: entry.url(),
                    }
                },
            )
            .collect();
        Ok(SuggestResponse {
            query: q.to_string(),
            suggestions,
        })
    }

    /// How one typed word matches each vocabulary word (indexed like the vocabulary).
    fn hits(&self, word: &QueryWord) -> Vec<Option<Hit>> {
        let mut hits = vec![None; self.vocab.len()];
        let typed = word.folded.as_str();
        let n = word.chars;
        let start = self.vocab.partition_point(|v| &**v < typed);
        for (i, v) in self.vocab.iter().enumerate().skip(start) {
            if !v.starts_with(typed) {
                break;
            }
            let len = self.vocab_chars[i];
            let grade = if &**v == typed {
                Grade::Exact
            } else {
                Grade::Prefix
            };
            hits[i] = Some(Hit {
                grade,
                matched: n as u32,
                len,
            });
        }
        let allowed = match n {
            n if n >= TWO_TYPOS_CHARS => 2,
            n if n >= ONE_TYPO_CHARS => 1,
            _ => 0,
        };
        // A word that already starts a real word is being typed, not mistyped: guessing
        // typos for it too would bury "parso" → PARSOL under "personalised".
        let found = hits[start..].first().is_some_and(Option::is_some);
        if allowed == 0 || found {
            return hits;
        }
        // Typos: only words that share the first letter.
        let Some(first) = typed.chars().next() else {
            return hits;
        };
        let mut buf = [0u8; 4];
        let first_str: &str = first.encode_utf8(&mut buf);
        let from = self.vocab.partition_point(|v| &**v < first_str);
        let candidates = self.vocab[from..]
            .iter()
            .zip(&self.vocab_chars[from..])
            .zip(&mut hits[from..]);
        for ((candidate, &len), hit) in candidates {
            if !candidate.starts_with(first) {
                break;
            }
            if hit.is_some() {
                continue;
            }
            if let Some(matched) = prefix_typo(typed, n, candidate, len as usize, allowed) {
                *hit = Some(Hit {
                    grade: Grade::Typo,
                    matched: matched as u32,
                    len,
                });
            }
        }
        hits
    }
}

/// Checks and trims a text to complete.
pub fn validate(q: &str) -> Result<&str, SuggestError> {
    if q.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(SuggestError::ControlCharacters);
    }
    let q = q.trim();
    if q.is_empty() {
        return Err(SuggestError::Empty);
    }
    if q.chars().any(char::is_control) {
        return Err(SuggestError::ControlCharacters);
    }
    if q.chars().count() > MAX_CHARS {
        return Err(SuggestError::TooLong { max: MAX_CHARS });
    }
    if q.chars().filter(|c| c.is_alphanumeric()).count() < MIN_CHARS {
        return Err(SuggestError::TooShort { min: MIN_CHARS });
    }
    Ok(q)
}

/// Which duplicate phrase to keep: the lower the better.
fn phrase_rank(source: Source) -> u8 {
    match source {
        Source::ShortName => 0,
        Source::Name => 1,
        Source::Title => 2,
        Source::Helpline => 3,
        Source::Alias => 4,
        Source::Alternate => 5,
        Source::Keyword => 6,
    }
}

/// How many characters of `candidate` (`candidate_chars` long) the `typed` word (`typed_chars`
/// long) matches as a prefix within `allowed` edits (optimal string alignment: a swapped
/// pair of letters is one edit), preferring the closest, then the length nearest the typed
/// one; `None` when no prefix is close enough.
fn prefix_typo(
    typed: &str,
    typed_chars: usize,
    candidate: &str,
    candidate_chars: usize,
    allowed: usize,
) -> Option<usize> {
    let shortest = typed_chars.saturating_sub(allowed).max(1);
    let longest = (typed_chars + allowed).min(candidate_chars);
    if shortest > longest {
        return None;
    }
    (shortest..=longest)
        .filter_map(|len| {
            let end = candidate
                .char_indices()
                .nth(len)
                .map_or(candidate.len(), |(byte, _)| byte);
            let d = strsim::osa_distance(typed, &candidate[..end]);
            (d <= allowed).then_some((d, len.abs_diff(typed_chars), len))
        })
        .min()
        .map(|(_, _, len)| len)
}

/// Scores one phrase for the typed words, leaving the matched key words in `matched`:
/// `None` when a required word does not match.
fn score_key(
    key: &Key,
    key_words: &[KeyWord],
    words: &[QueryWord],
    hits: &[Vec<Option<Hit>>],
    matched: &mut Vec<(usize, Hit)>,
) -> Option<f32> {
    let mut used = [false; 64];
    matched.clear();
    let mut score = 0.0;
    let mut previous_position: Option<u16> = None;
    let mut in_order_bonus = 0.0;
    let mut starts_at_first = false;
    for (qi, word) in words.iter().enumerate() {
        let mut best: Option<(usize, Hit)> = None;
        for (wi, kw) in key_words.iter().enumerate().take(used.len()) {
            if used[wi] {
                continue;
            }
            let Some(hit) = hits[qi][kw.vocab as usize] else {
                continue;
            };
            let better = match best {
                None => true,
                Some((bi, b)) => {
                    hit.score() > b.score()
                        || (hit.score() == b.score()
                            && follows(previous_position, kw.position)
                            && !follows(previous_position, key_words[bi].position))
                }
            };
            if better {
                best = Some((wi, hit));
            }
        }
        match best {
            Some((wi, hit)) => {
                used[wi] = true;
                // A compound covers its parts: "e-planning" used whole leaves no "e" over.
                let kw = key_words[wi];
                score += hit.score();
                if qi == 0 && kw.position == 0 {
                    starts_at_first = true;
                }
                if follows(previous_position, kw.position) {
                    in_order_bonus += 0.2;
                }
                previous_position = Some(kw.position);
                matched.push((wi, hit));
            }
            None if word.optional => score -= 0.1,
            None => return None,
        }
    }
    if matched.is_empty() {
        return None;
    }
    let complete = u16::try_from(matched.len()).is_ok_and(|m| m >= key.positions)
        && matched.iter().all(|(_, h)| h.grade == Grade::Exact);
    score += in_order_bonus
        + if starts_at_first { 0.1 } else { 0.0 }
        + if complete { 0.5 } else { 0.0 }
        + key.source.weight()
        - 0.01 * key.positions as f32;
    Some(score)
}

/// Is `next` the position right after `previous`?
fn follows(previous: Option<u16>, next: u16) -> bool {
    previous.is_some_and(|p| next == p + 1)
}

/// The character ranges to bold: the typed part of each matched word, merged.
fn highlights(key_words: &[KeyWord], matched: &[(usize, Hit)]) -> Vec<[usize; 2]> {
    let mut ranges: Vec<[usize; 2]> = matched
        .iter()
        .map(|(wi, hit)| {
            let kw = key_words[*wi];
            let chars = if kw.same_length {
                (hit.matched as usize).min(kw.chars as usize)
            } else {
                kw.chars as usize
            };
            [kw.start as usize, kw.start as usize + chars]
        })
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<[usize; 2]> = Vec::with_capacity(ranges.len());
    for [from, to] in ranges {
        match merged.last_mut() {
            Some(last) if from <= last[1] => last[1] = last[1].max(to),
            _ => merged.push([from, to]),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use signpost_indexer::corpus::parse_entry;
    use std::path::Path;

    fn entry(kind: Kind, text: &str) -> Entry {
        parse_entry(kind, Path::new("x.md"), text).unwrap()
    }

    /// A suggest index with the entries it was built from.
    struct Fixture {
        entries: Vec<Entry>,
        index: SuggestIndex,
    }

    impl Fixture {
        fn suggest(&self, q: &str, limit: Option<usize>) -> Result<SuggestResponse, SuggestError> {
            self.index.suggest(&self.entries, q, limit)
        }
    }

    fn index() -> Fixture {
        let entries = vec![
            entry(
                Kind::Faq,
                "---\nid: faq-01\ntitle: What are the National Projects?\n---\nThey are projects.\n",
            ),
            entry(
                Kind::Faq,
                "---\nid: faq-05\ntitle: Where do I start?\nalternates:\n  - Who can I ring?\n---\nPhone the Example Phone Line (tel: 0870 777 0011) today.\n",
            ),
            entry(
                Kind::Project,
                "---\nid: parsol\nname: Planning and Regulatory Services Online\nshort_name: PARSOL\naliases:\n  - Parsol\n  - e-planning\nstrand: unknown\nsummary: Planning online.\nkeywords:\n  - building control\nsources:\n  - https://example.org\n---\nText.\n",
            ),
            entry(
                Kind::Project,
                "---\nid: smartcards\nname: National Smart Card Project\nshort_name: Smartcards\nstrand: unknown\nsummary: Cards.\nsources:\n  - https://example.org\n---\nText.\n",
            ),
        ];
        let texts = |e: &Entry| {
            e.passages
                .iter()
                .map(|p| p.text.clone())
                .collect::<Vec<_>>()
        };
        let faq_texts = entries
            .iter()
            .filter(|e| e.kind == Kind::Faq)
            .flat_map(texts);
        let helpline = super::super::find_helpline(faq_texts).unwrap();
        let index = SuggestIndex::build(&entries, Some(&helpline), |i| {
            texts(&entries[i])
                .iter()
                .any(|t| t.contains(&helpline.number))
        });
        Fixture { entries, index }
    }

    fn first(q: &str) -> Suggestion {
        index().suggest(q, None).unwrap().suggestions.remove(0)
    }

    fn bold(s: &Suggestion) -> Vec<String> {
        let chars: Vec<char> = s.text.chars().collect();
        s.highlights
            .iter()
            .map(|[a, b]| chars[*a..*b].iter().collect())
            .collect()
    }

    #[test]
    fn completes_word_prefixes_and_marks_the_typed_part() {
        let s = first("parso");
        assert_eq!((s.id.as_str(), s.text.as_str()), ("parsol", "PARSOL"));
        assert_eq!(bold(&s), ["PARSO"]);
        assert_eq!(s.url.as_deref(), Some("/projects/parsol"));
        let s = first("regulatory serv");
        assert_eq!(s.id, "parsol");
        assert_eq!(bold(&s), ["Regulatory", "Serv"]);
    }

    #[test]
    fn tolerates_a_typo_in_longer_words_only() {
        let s = first("smrt card");
        assert_eq!(s.text, "National Smart Card Project");
        assert_eq!(bold(&s), ["Smart", "Card"]);
        // Three letters are too few to guess from.
        let none = index().suggest("smr", None).unwrap();
        assert!(none.suggestions.is_empty(), "{none:?}");
        // The first letter must be right.
        assert!(index()
            .suggest("xmart", None)
            .unwrap()
            .suggestions
            .is_empty());
    }

    #[test]
    fn the_helpline_phrase_leads_to_the_faq_that_gives_the_number() {
        let s = first("helpl");
        assert_eq!(s.id, "faq-05");
        assert_eq!(s.title, "Where do I start?");
        assert_eq!(s.source, Source::Helpline);
        assert_eq!(s.text, "Helpline: Example Phone Line, 0870 777 0011");
        assert_eq!(bold(&s), ["Helpl"]);
        assert_eq!(first("0870").id, "faq-05");
    }

    #[test]
    fn one_suggestion_per_entry_and_alternates_count() {
        let found = index().suggest("pla", None).unwrap().suggestions;
        assert_eq!(found.iter().filter(|s| s.id == "parsol").count(), 1);
        let s = first("who can i ring");
        assert_eq!((s.id.as_str(), s.source), ("faq-05", Source::Alternate));
    }

    #[test]
    fn stop_words_may_go_unmatched_but_other_words_may_not() {
        assert_eq!(first("the smart card").id, "smartcards");
        assert!(index()
            .suggest("smart planning", None)
            .unwrap()
            .suggestions
            .is_empty());
    }

    #[test]
    fn hyphenated_compounds_match_joined_or_apart() {
        assert_eq!(first("eplann").id, "parsol");
        assert_eq!(first("e-plan").id, "parsol");
    }

    #[test]
    fn validation_table() {
        let ix = index();
        let cases: &[(&str, Option<usize>, SuggestError)] = &[
            ("", None, SuggestError::Empty),
            ("   ", None, SuggestError::Empty),
            ("p", None, SuggestError::TooShort { min: 2 }),
            ("!!", None, SuggestError::TooShort { min: 2 }),
            ("a\u{0}b", None, SuggestError::ControlCharacters),
            ("ab\u{1b}[31m", None, SuggestError::ControlCharacters),
            ("pa", Some(0), SuggestError::BadLimit { max: 8 }),
            ("pa", Some(9), SuggestError::BadLimit { max: 8 }),
        ];
        for (q, limit, expected) in cases {
            assert_eq!(ix.suggest(q, *limit).unwrap_err(), *expected, "{q:?}");
        }
        let long = "a".repeat(MAX_CHARS + 1);
        assert_eq!(
            ix.suggest(&long, None).unwrap_err(),
            SuggestError::TooLong { max: MAX_CHARS }
        );
        let many = "ab ".repeat(MAX_WORDS + 1);
        assert_eq!(
            ix.suggest(&many, None).unwrap_err(),
            SuggestError::TooManyWords { max: MAX_WORDS }
        );
    }

    #[test]
    fn limit_caps_the_list() {
        let ix = index();
        let all = ix.suggest("pr", None).unwrap().suggestions;
        assert!(all.len() >= 2, "{all:?}");
        assert_eq!(ix.suggest("pr", Some(1)).unwrap().suggestions.len(), 1);
    }

    #[test]
    fn hostile_text_is_just_text() {
        let ix = index();
        for q in [
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "🙂🙂🙂 pa",
            "\u{202e}evil",
            "%00",
        ] {
            let _ = ix.suggest(q, None);
        }
        assert!(ix.suggest("<script>", None).unwrap().suggestions.is_empty());
    }

    #[test]
    fn prefix_typo_finds_the_shortest_close_prefix() {
        let p = |typed: &str, candidate: &str, allowed| {
            let count = |s: &str| s.chars().count();
            prefix_typo(typed, count(typed), candidate, count(candidate), allowed)
        };
        assert_eq!(p("smrt", "smart", 1), Some(5));
        assert_eq!(p("parsl", "parsol", 1), Some(5));
        assert_eq!(p("plnning", "planning", 1), Some(8));
        assert_eq!(p("palnning", "planning", 1), Some(8));
        assert_eq!(p("zzzz", "smart", 1), None);
        // Slices on character boundaries, not bytes.
        assert_eq!(p("naïvé", "naïve", 1), Some(5));
    }

    #[test]
    fn phrases_stay_small_and_an_overlong_one_is_left_out() {
        // Over four million words and a million phrases at a million passages.
        assert_eq!(std::mem::size_of::<KeyWord>(), 12);
        assert_eq!(std::mem::size_of::<Key>(), 16);
        let long = format!("Zebra crossing {}", "zebra ".repeat(MAX_PHRASE_BYTES / 6));
        let entries = vec![entry(
            Kind::Faq,
            &format!("---\nid: faq-09\ntitle: Zebra rules?\nalternates:\n  - {long}\n---\nText.\n"),
        )];
        let index = SuggestIndex::build(&entries, None, |_| false);
        assert_eq!(index.len(), 1, "only the title is a phrase");
        let found = index.suggest(&entries, "zebra", None).unwrap().suggestions;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "Zebra rules?");
        assert_eq!(found[0].highlights, vec![[0, 5]]);
    }
}
