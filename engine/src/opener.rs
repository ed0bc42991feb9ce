//! Pleasantries a question opens with ("hello, who led parsol?", "hi there, what is
//! digitv?"): the phrasings of the assistant's own replies, which a question that goes on to
//! ask something else is answered without. Matched whole, the greeting alone would have
//! been the answer ("hello who led parsol" got "Hello. I'm Signpost…"), and its words would
//! otherwise dilute the question.

use signpost_indexer::analysis;
use signpost_indexer::corpus::{Entry, Intent};
use unicode_segmentation::UnicodeSegmentation;

/// The reply triggers a question may open with, each as its folded words, longest first so
/// "hi there" is taken whole before "hi".
#[derive(Default)]
pub struct Openers {
    phrases: Vec<Vec<String>>,
    /// The most words an opener has.
    longest: usize,
}

impl Openers {
    pub fn of(entries: &[Entry]) -> Openers {
        Openers::new(
            entries
                .iter()
                .filter_map(|e| e.assistant.as_ref())
                .filter(|a| a.intent == Intent::Reply)
                .flat_map(|a| &a.triggers)
                .map(String::as_str),
        )
    }

    fn new<'a>(triggers: impl IntoIterator<Item = &'a str>) -> Openers {
        let mut phrases: Vec<Vec<String>> = triggers
            .into_iter()
            .map(|t| {
                analysis::plain_words(t)
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .filter(|words| !words.is_empty())
            .collect();
        phrases.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        phrases.dedup();
        let longest = phrases.first().map_or(0, Vec::len);
        Openers { phrases, longest }
    }

    /// The question after any openers it starts with, when more follows them; otherwise
    /// the question as it is. Only its first few words are folded to find out.
    pub fn strip<'q>(&self, mut q: &'q str) -> &'q str {
        loop {
            // Most questions open with no pleasantry: their first word settles it.
            let first = q
                .unicode_words()
                .map(analysis::fold)
                .find(|w| !w.is_empty());
            if !first.is_some_and(|first| self.phrases.iter().any(|p| p[0] == first)) {
                return q;
            }
            let head: Vec<(usize, String)> = q
                .unicode_word_indices()
                .map(|(at, word)| (at, analysis::fold(word)))
                .filter(|(_, word)| !word.is_empty())
                .take(self.longest + 1)
                .collect();
            let opens = |phrase: &Vec<String>| {
                head.len() >= phrase.len() && head.iter().zip(phrase).all(|((_, w), p)| w == p)
            };
            // A pleasantry on its own is answered as one ("hi there" is not "hi" + "there").
            if self
                .phrases
                .iter()
                .any(|p| p.len() == head.len() && opens(p))
            {
                return q;
            }
            match self
                .phrases
                .iter()
                .find(|p| p.len() < head.len() && opens(p))
            {
                Some(phrase) => q = &q[head[phrase.len()].0..],
                None => return q,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openers() -> Openers {
        Openers::new(["hi there", "hello", "thank you", "hi", "are you a person"])
    }

    #[test]
    fn a_question_is_taken_after_the_pleasantries_it_opens_with() {
        let o = openers();
        assert_eq!(o.strip("Hello, who led PARSOL?"), "who led PARSOL?");
        assert_eq!(o.strip("hi there - what is digitv"), "what is digitv");
        assert_eq!(o.strip("hi, thank you! and who paid?"), "and who paid?");
        assert_eq!(o.strip("hello are you a person"), "are you a person");
    }

    #[test]
    fn a_pleasantry_alone_or_a_word_that_only_begins_like_one_is_left_as_it_is() {
        let o = openers();
        assert_eq!(o.strip("hello"), "hello");
        assert_eq!(o.strip("Hi there!"), "Hi there!");
        assert_eq!(o.strip("history of parsol"), "history of parsol");
        assert_eq!(o.strip("hit the target"), "hit the target");
        assert_eq!(o.strip(""), "");
    }
}
