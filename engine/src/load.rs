//! Building an [`Engine`] from an opened index: term statistics, each entry's phrasings and
//! wordings, the passage locators, typo and synonym tables, the suggest index; and reading a
//! passage's text and analysis when the answer path needs it.

use super::*;

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
        // Compiled here, at load, rather than by the first question: every question is read
        // with personal details blanked out.
        crate::redact::prepare();
        let synonyms = Synonyms::compile(&corpus.synonyms);
        let entry_index: HashMap<String, usize> = corpus
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let mut info = corpus
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
        let longest_trigger = assistant_triggers
            .keys()
            .map(String::len)
            .max()
            .unwrap_or(0);
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
        let declines = Declines::compile(&corpus.entries);
        let mut wordings = wording::WordingIndex::build(info.iter().map(|i| &i.wordings[..]));
        wordings.weigh_entries(info.iter_mut().flat_map(|i| i.wordings.iter_mut()));
        let clarify = entry_index.get(CLARIFY_ENTRY).copied();
        Engine {
            declines,
            wordings,
            clarify,
            passages,
            first_passage,
            analyses,
            bm25,
            locators,
            passage_docs: passage_docs.into_boxed_slice(),
            segment_starts: segment_starts.into_boxed_slice(),
            assistant_triggers,
            openers: opener::Openers::of(&corpus.entries),
            longest_trigger,
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

    /// The text of the passage with this ordinal, or `None` (logged) if it cannot be read.
    pub(super) fn text_at(&self, ordinal: usize) -> Option<Cow<'_, str>> {
        self.open
            .texts
            .get(ordinal)
            .map_err(|e| tracing::error!(ordinal, "cannot read a passage's text: {e}"))
            .ok()
    }

    /// The analysis of the passage with this ordinal: kept from its first use in an index of
    /// up to [`KEPT_ANALYSES_PASSAGES`], done afresh each time in a larger one. The text is
    /// read only to analyse it (a kept analysis needs none); `None` when it cannot be read.
    pub(super) fn analyzed_passage(&self, ordinal: usize) -> Option<Cow<'_, Box<PassageTerms>>> {
        match self.analyses.get(ordinal) {
            Some(kept) => {
                if let Some(terms) = kept.get() {
                    return Some(Cow::Borrowed(terms));
                }
                let text = self.text_at(ordinal)?;
                Some(Cow::Borrowed(
                    kept.get_or_init(|| Box::new(self.analyze_passage(&text))),
                ))
            }
            None => Some(Cow::Owned(Box::new(
                self.analyze_passage(&self.text_at(ordinal)?),
            ))),
        }
    }

    pub(super) fn analyze_passage(&self, text: &str) -> PassageTerms {
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
            mask: terms::mask_of(distinct.iter().copied()),
            distinct: distinct.into_boxed_slice(),
            spans,
            facts: intent::facts_stated(text),
            expands: acronym::expanded(text)
                .into_iter()
                .filter_map(|a| analysis::terms(a).first().map(|t| self.stats.id(&t.term)))
                .filter(|id| *id != UNKNOWN)
                .collect(),
        }
    }
}

pub(super) fn entry_info(entry: &Entry, stats: &TermStats) -> EntryInfo {
    let terms_of = |text: &str| -> Vec<String> {
        let mut terms: Vec<String> = analysis::terms(text).into_iter().map(|t| t.term).collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    };
    let title = (entry.kind != Kind::Assistant).then_some(entry.title.as_str());
    // A decline's triggers are matched by `decline` alone, small words and `unless` words
    // and all: as phrasings, "my benefits" would be "benefits", and would decline
    // "e-benifits".
    let triggers = entry
        .assistant
        .iter()
        .filter(|a| a.intent == Intent::Reply)
        .flat_map(|a| a.triggers.iter().map(String::as_str));
    let keywords = entry
        .project
        .iter()
        .flat_map(|p| p.keywords.iter().map(String::as_str));
    let phrasing_texts: Vec<(PhrasingKind, &str)> = title
        .into_iter()
        .map(|t| (PhrasingKind::Title, t))
        .chain(
            entry
                .alternates
                .iter()
                .map(|t| (PhrasingKind::Alternate, t.as_str())),
        )
        .chain(triggers.map(|t| (PhrasingKind::Trigger, t)))
        .chain(entry.project.iter().flat_map(|p| {
            [p.name.as_str(), p.short_name.as_str()]
                .into_iter()
                .map(|t| (PhrasingKind::Name, t))
                .chain(p.aliases.iter().map(|t| (PhrasingKind::Alias, t.as_str())))
        }))
        .chain(keywords.map(|t| (PhrasingKind::Keyword, t)))
        .collect();
    // Distinct terms by text (each unknown one keeps its own weight), sorted by id.
    type Phrasing = ((PhrasingKind, Option<Opening>), Vec<(u32, f32)>);
    let phrasings: Vec<Phrasing> = phrasing_texts
        .iter()
        .map(|(kind, text)| {
            let mut phrasing: Vec<(u32, f32)> = terms_of(text)
                .into_iter()
                .map(|t| (stats.id(&t), stats.idf(&t)))
                .collect();
            phrasing.sort_by_key(|(id, _)| *id);
            let opening = matches!(kind, PhrasingKind::Title | PhrasingKind::Alternate)
                .then(|| question::shape_of(text).opening)
                .flatten();
            ((*kind, opening), phrasing)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let ids_of = |keep: &dyn Fn(PhrasingKind) -> bool| {
        let mut ids: Vec<u32> = phrasings
            .iter()
            .filter(|((kind, _), _)| keep(*kind))
            .flat_map(|(_, p)| p.iter().map(|(id, _)| *id))
            .filter(|id| *id != UNKNOWN)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let terms = ids_of(&|_| true);
    // An alias that adds words to one of the entry's names names a part of it ("CRM
    // Academy"); one that shares no word with them names the whole ("digital TV project").
    let name_ids = ids_of(&|kind| matches!(kind, PhrasingKind::Title | PhrasingKind::Name));
    let mut subject = name_ids.clone();
    for ((kind, _), phrasing) in &phrasings {
        let names_a_part = phrasing.iter().any(|(id, _)| name_ids.contains(id));
        if *kind == PhrasingKind::Alias && !names_a_part {
            subject.extend(
                phrasing
                    .iter()
                    .map(|(id, _)| *id)
                    .filter(|id| *id != UNKNOWN),
            );
        }
    }
    // "the FAME project": what a project is, not something to find in one of its passages
    // ("one of 23 National Projects").
    if entry.project.is_some() {
        subject.extend(
            ["project", "national"]
                .iter()
                .map(|w| stats.id(&analysis::stem(w)))
                .filter(|id| *id != UNKNOWN),
        );
    }
    subject.sort_unstable();
    subject.dedup();
    let mut by_term: Vec<Vec<u32>> = vec![Vec::new(); terms.len()];
    for (number, (_, phrasing)) in phrasings.iter().enumerate() {
        for (id, _) in phrasing {
            if let Ok(t) = terms.binary_search(id) {
                by_term[t].push(number as u32);
            }
        }
    }
    let term_phrasing_ends = by_term
        .iter()
        .scan(0u32, |end, p| {
            *end += p.len() as u32;
            Some(*end)
        })
        .collect();
    let phrasing_ends = phrasings
        .iter()
        .scan(0u32, |end, (_, p)| {
            *end += p.len() as u32;
            Some(*end)
        })
        .collect();
    let questions: Vec<Vec<String>> = phrasing_texts
        .iter()
        .filter(|(kind, _)| matches!(kind, PhrasingKind::Title | PhrasingKind::Alternate))
        .map(|(_, text)| question::words_of(text))
        .collect();
    let meaning = meaning::WordVectors::shipped()
        .meaning_of_all(questions.iter().map(|w| w.iter().map(String::as_str)));
    let wordings = questions
        .iter()
        .map(|words| wording::Wording::of_words(words))
        .filter(|w| !w.is_empty())
        .collect();
    // The title, when there is one, is the first of the entry's questions.
    let defines = title.is_some()
        && questions
            .first()
            .is_some_and(|w| intent::asks_only_what_is(w));
    EntryInfo {
        defines,
        meaning: Box::new(meaning),
        wordings,
        terms_mask: terms::mask_of(terms.iter().copied()),
        terms: terms.into_boxed_slice(),
        subject: subject.into_boxed_slice(),
        phrasing_kinds: phrasings.iter().map(|(k, _)| *k).collect(),
        phrasing_terms: phrasings.into_iter().flat_map(|(_, p)| p).collect(),
        phrasing_ends,
        term_phrasings: by_term.into_iter().flatten().collect(),
        term_phrasing_ends,
    }
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
