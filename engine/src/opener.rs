//! Pleasantries a question opens with ("hello, who led parsol?", "hi there, what is
//! digitv?"): the phrasings of the assistant's own replies, which a question that goes on to
//! ask something else is answered without. Matched whole, the greeting alone would have
//! been the answer ("hello who led parsol" got "Hello. I'm Signpost…"), and its words would
//! otherwise dilute the question.

use signpost_indexer::analysis;
use signpost_indexer::corpus::{Entry, Intent};
use unicode_segmentation::UnicodeSegmentation;

/// The reply triggers a question may open with, as folded words joined by spaces, longest
/// first so "hi there" is taken whole before "hi".
#[derive(Default)]
pub struct Openers(Vec<String>);

impl Openers {
    pub fn of(entries: &[Entry]) -> Openers {
        let mut openers: Vec<String> = entries
            .iter()
            .filter_map(|e| e.assistant.as_ref())
            .filter(|a| a.intent == Intent::Reply)
            .flat_map(|a| &a.triggers)
            .map(|t| analysis::plain_words(t))
            .filter(|t| !t.is_empty())
            .collect();
        openers.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        openers.dedup();
        Openers(openers)
    }

    /// The question after any openers it starts with, when more follows them; otherwise
    /// the question as it is.
    pub fn strip<'q>(&self, mut q: &'q str) -> &'q str {
        loop {
            let plain = analysis::plain_words(q);
            // A pleasantry on its own is answered as one ("hi there" is not "hi" + "there").
            if self.0.contains(&plain) {
                return q;
            }
            let opener = self.0.iter().find(|o| {
                plain.len() > o.len()
                    && plain.starts_with(o.as_str())
                    && plain.as_bytes()[o.len()] == b' '
            });
            let Some(opener) = opener else {
                return q;
            };
            let words = opener.split(' ').count();
            match q.unicode_word_indices().nth(words) {
                Some((at, _)) => q = &q[at..],
                None => return q,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openers() -> Openers {
        Openers(
            ["hi there", "hello", "thank you", "hi", "are you a person"]
                .map(String::from)
                .to_vec(),
        )
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
