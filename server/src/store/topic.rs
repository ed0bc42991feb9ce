//! Grouping questions by similar wording. A question's *topic key* is its stemmed, non-stop
//! words, de-duplicated and sorted, so "How do I pay council tax online?" and "pay my council
//! tax online" share one key; keys that are still close (a typo, one extra word) are then
//! clustered by similarity.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use signpost_indexer::analysis;

use crate::redact::{EMAIL, INWARD_CODE, NI_NUMBER, NUMBER, PHONE};

/// How alike two keys' word sets must be (Jaccard) to be one group.
const SAME_WORDS: f64 = 0.6;
/// How alike two keys' spellings must be (normalized Levenshtein) to be one group.
const SAME_SPELLING: f64 = 0.85;

/// How many questions' keys a thread remembers, and up to what length: the store's writer
/// keys every ask, and the same questions come again word for word (a suggestion chip sends
/// its text as it is), so most keys are worked out once. At most ~200 KB a thread.
const REMEMBERED_KEYS: usize = 1024;
const REMEMBERED_LENGTH: usize = 160;

thread_local! {
    /// Keys worked out lately, by question. Hashed with std's keyed SipHash: the questions
    /// come from the public, who must not be able to aim collisions at the table.
    static KEYS: RefCell<HashMap<Box<str>, Box<str>>> = RefCell::new(HashMap::new());
}

/// The grouping key of a question: sorted distinct stems of its meaningful words; a question
/// of stop words only ("what is it?") keys on its folded words instead.
pub fn topic_key(question: &str) -> String {
    if question.len() > REMEMBERED_LENGTH {
        return work_out_key(question);
    }
    KEYS.with(|keys| {
        if let Some(key) = keys.borrow().get(question) {
            return key.to_string();
        }
        let key = work_out_key(question);
        let mut keys = keys.borrow_mut();
        if keys.len() >= REMEMBERED_KEYS {
            keys.clear();
        }
        keys.insert(question.into(), key.as_str().into());
        key
    })
}

/// [`topic_key`], worked out.
fn work_out_key(question: &str) -> String {
    // What redaction put in says nothing about the topic: "[phone]" must not split a group.
    // Every placeholder holds a `[` or a `*`: a question with neither (most) has none.
    let question = if question.contains(['[', '*']) {
        let mut question = question.to_string();
        for placeholder in PLACEHOLDERS {
            question = question.replace(placeholder, " ");
        }
        Cow::Owned(question)
    } else {
        Cow::Borrowed(question)
    };
    // Sorted and deduplicated, as a `BTreeSet` would give them, without a node per word.
    let mut stems: Vec<String> = analysis::terms(&question)
        .into_iter()
        .map(|t| t.term)
        .collect();
    if stems.is_empty() {
        stems = analysis::words(&question)
            .into_iter()
            .map(|w| w.folded)
            .collect();
    }
    stems.sort_unstable();
    stems.dedup();
    stems.join(" ")
}

/// What redaction puts in, in the order they are taken out.
const PLACEHOLDERS: [&str; 5] = [EMAIL, PHONE, NI_NUMBER, NUMBER, INWARD_CODE];

/// Are two topic keys the same question in other words?
pub fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let wa: BTreeSet<&str> = a.split(' ').collect();
    let wb: BTreeSet<&str> = b.split(' ').collect();
    let union = wa.union(&wb).count();
    let jaccard = if union == 0 {
        0.0
    } else {
        wa.intersection(&wb).count() as f64 / union as f64
    };
    jaccard >= SAME_WORDS || strsim::normalized_levenshtein(a, b) >= SAME_SPELLING
}

/// Clusters `items` (each with a key and a weight), heaviest first: each item joins the
/// first cluster whose leader is similar, or leads a new one. Returns the clusters as lists
/// of indices into `items`, heaviest cluster first.
pub fn cluster<T>(
    items: &[T],
    key: impl Fn(&T) -> &str,
    weight: impl Fn(&T) -> u64,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| weight(&items[b]).cmp(&weight(&items[a])).then(a.cmp(&b)));
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    for i in order {
        let k = key(&items[i]);
        match clusters.iter_mut().find(|c| similar(key(&items[c[0]]), k)) {
            Some(c) => c.push(i),
            None => clusters.push(vec![i]),
        }
    }
    let total = |c: &Vec<usize>| c.iter().map(|&i| weight(&items[i])).sum::<u64>();
    clusters.sort_by_key(|c| std::cmp::Reverse(total(c)));
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewordings_share_a_key() {
        let same = [
            "How do I pay council tax online?",
            "pay my council tax online",
            "Can I pay Council Tax on-line please",
            "online council tax payment",
        ];
        let keys: Vec<String> = same.iter().map(|q| topic_key(q)).collect();
        assert_eq!(keys[0], keys[1]);
        assert!(keys.iter().all(|k| similar(k, &keys[0])), "{keys:?}");
    }

    #[test]
    fn different_questions_stay_apart() {
        let a = topic_key("How do I pay council tax online?");
        let b = topic_key("Who led the PARSOL project?");
        let c = topic_key("When are the bins collected?");
        assert!(!similar(&a, &b));
        assert!(!similar(&a, &c));
        assert!(!similar(&b, &c));
    }

    #[test]
    fn a_typo_still_groups() {
        assert!(similar(
            &topic_key("council tax online"),
            &topic_key("counsil tax online")
        ));
    }

    #[test]
    fn redaction_placeholders_do_not_split_groups() {
        let redacted = crate::redact::redact("bins in SW1A 1AA? call 07700 900123 or a@b.com");
        assert_eq!(topic_key(&redacted), topic_key("bins in SW1A? call or"));
    }

    /// The key as it was worked out before the fast paths: every placeholder replaced, the
    /// words gathered in a `BTreeSet`.
    fn plain_topic_key(question: &str) -> String {
        let mut question = question.to_string();
        for placeholder in PLACEHOLDERS {
            question = question.replace(placeholder, " ");
        }
        let stems: BTreeSet<String> = analysis::terms(&question)
            .into_iter()
            .map(|t| t.term)
            .collect();
        if !stems.is_empty() {
            return stems.into_iter().collect::<Vec<_>>().join(" ");
        }
        let words: BTreeSet<String> = analysis::words(&question)
            .into_iter()
            .map(|w| w.folded)
            .collect();
        words.into_iter().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_key_is_the_plain_one() {
        let mut questions: Vec<String> = [
            "How do I pay council tax online?",
            "pay pay PAY council council",
            "What is it?",
            "what is it it is",
            "",
            "bins in SW1A *** call [phone] or [email], my [ni number] is [number]",
            "***",
            "[email]",
            "a [b] c * d",
            "Café crème, naïve façade",
        ]
        .iter()
        .map(|q| q.to_string())
        .collect();
        for path in ["dev.jsonl", "extra.jsonl", "reader-dev.jsonl"] {
            let text = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../tests/data")
                    .join(path),
            )
            .expect("the evaluation sets are in the repository");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let case: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
                let turns = case.get("turns").and_then(|t| t.as_array()).cloned();
                for turn in turns.unwrap_or_else(|| vec![case.clone()]) {
                    let q = turn["q"].as_str().expect("a question").to_string();
                    questions.push(crate::redact::redact(&q));
                    questions.push(q);
                }
            }
        }
        // Twice: worked out, then remembered.
        for q in questions.iter().chain(&questions) {
            assert_eq!(topic_key(q), plain_topic_key(q), "{q:?}");
        }
        let long = "council tax ".repeat(REMEMBERED_LENGTH);
        assert_eq!(topic_key(&long), plain_topic_key(&long));
    }

    #[test]
    fn stop_word_questions_get_a_key() {
        assert_eq!(topic_key("What is it?"), "is it what");
        assert_eq!(topic_key(""), "");
    }

    #[test]
    fn clusters_heaviest_first() {
        let items = [
            ("led parsol", 1u64),
            ("council pay tax", 5),
            ("council onlin pay tax", 3),
        ];
        let clusters = cluster(&items, |i| i.0, |i| i.1);
        assert_eq!(clusters, vec![vec![1, 2], vec![0]]);
    }
}
