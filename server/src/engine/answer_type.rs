//! What kind of fact a question asks for — an amount ("how much"), a count ("how many") or a
//! time ("when") — and whether a passage states one. A passage that holds the kind of fact
//! asked for is a better answer than one that only shares the question's words.

/// The kind of fact a question expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerType {
    Amount,
    Count,
    Time,
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Reads the expected answer type from a question's folded words (stop words included).
pub fn expected(words: &[String]) -> Option<AnswerType> {
    let has = |w: &str| words.iter().any(|x| x == w);
    let follows = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    if follows("how", "much") || has("cost") || has("costs") || has("budget") {
        Some(AnswerType::Amount)
    } else if follows("how", "many") || has("number") && (has("what") || has("how")) {
        Some(AnswerType::Count)
    } else if has("when")
        || (has("what") || has("which"))
            && (has("year") || has("date") || has("dates") || has("month"))
    {
        Some(AnswerType::Time)
    } else {
        None
    }
}

/// Does `text` state a fact of the expected type?
pub fn satisfied_by(kind: AnswerType, text: &str) -> bool {
    match kind {
        AnswerType::Amount => text.contains('£') || text.contains('$') || text.contains('€'),
        AnswerType::Count => text.chars().any(|c| c.is_ascii_digit()),
        AnswerType::Time => {
            let lower = text.to_lowercase();
            MONTHS.iter().any(|m| lower.contains(m)) || has_year(text)
        }
    }
}

fn has_year(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(4).enumerate().any(|(i, w)| {
        let digits = w.iter().all(u8::is_ascii_digit);
        let bounded = (i == 0 || !bytes[i - 1].is_ascii_digit())
            && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        digits && bounded && (w.starts_with(b"19") || w.starts_with(b"20"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        q.split_whitespace().map(str::to_lowercase).collect()
    }

    #[test]
    fn reads_the_expected_type() {
        assert_eq!(
            expected(&words("how much money went in")),
            Some(AnswerType::Amount)
        );
        assert_eq!(
            expected(&words("how many projects were there")),
            Some(AnswerType::Count)
        );
        assert_eq!(
            expected(&words("when are the workshops")),
            Some(AnswerType::Time)
        );
        assert_eq!(
            expected(&words("what year did it end")),
            Some(AnswerType::Time)
        );
        assert_eq!(expected(&words("who led it")), None);
    }

    #[test]
    fn recognises_facts_in_text() {
        assert!(satisfied_by(AnswerType::Amount, "funded with £80m"));
        assert!(!satisfied_by(AnswerType::Amount, "funded by the ODPM"));
        assert!(satisfied_by(AnswerType::Time, "in February and March"));
        assert!(satisfied_by(AnswerType::Time, "by 2005."));
        assert!(!satisfied_by(AnswerType::Time, "tel: 0870 777 0011"));
        assert!(satisfied_by(AnswerType::Count, "22 National Projects"));
    }
}
