//! Which acronyms a text writes out in full: "ODPM (Office of the Deputy Prime Minister)" or
//! "Local Authority Websites (LAWs)". Such a passage answers "what does ODPM stand for" and
//! "what is the ODPM" better than one that only uses the acronym, whatever entry it is in.

/// The most words before a bracketed acronym that may spell it out.
const MAX_EXPANSION_WORDS: usize = 10;

/// The acronyms `text` spells out, as written ("ODPM", "LAWs"), each once, in text order.
pub fn expanded(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let mut rest = text;
    let mut at = 0;
    while let Some(open) = rest.find('(') {
        let open = at + open;
        let Some(close) = text[open..].find(')').map(|c| open + c) else {
            break;
        };
        let inside = text[open + 1..close].trim();
        let before = &text[..open];
        let acronym = if is_acronym(inside) {
            // "Local Authority Websites (LAWs)": the words before spell it.
            let words: Vec<&str> = words(before).rev().take(MAX_EXPANSION_WORDS).collect();
            spells(inside, words.iter().rev().copied()).then_some(inside)
        } else {
            // "LAWs (Local Authority Websites)": the word before is spelt by the inside.
            words(before)
                .next_back()
                .filter(|w| is_acronym(w) && spells(w, words(inside)))
        };
        if let Some(a) = acronym.filter(|a| !found.contains(a)) {
            found.push(a);
        }
        at = close + 1;
        rest = &text[at..];
    }
    found
}

/// A word of two to eight letters (a digit or a "+" allowed), at least two of them capitals:
/// "ODPM", "NePP", "LAWs", "DfES"; not "Aim" or "I".
fn is_acronym(word: &str) -> bool {
    let letters = word.chars().filter(char::is_ascii_alphabetic).count();
    let capitals = word.chars().filter(char::is_ascii_uppercase).count();
    (2..=8).contains(&letters)
        && capitals >= 2
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
}

/// The words of a text, split at spaces and hyphens ("e-Procurement" gives "e" and
/// "Procurement"), without punctuation around them.
fn words(text: &str) -> impl DoubleEndedIterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
}

/// Do the capitals of `acronym` spell, in order, the initials of `expansion`'s words, the
/// first capital the first word's? Small words may be skipped ("Office of the Deputy Prime
/// Minister" spells ODPM), but not the first, so "text message (SMS)" does not spell SMS.
fn spells<'a>(acronym: &str, expansion: impl Iterator<Item = &'a str>) -> bool {
    let capitals: Vec<char> = acronym
        .chars()
        .filter(char::is_ascii_uppercase)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let initials: Vec<char> = expansion
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // Words before the bracket that spell nothing (the sentence's own opening) are skipped:
    // try every start whose initial is the acronym's first capital.
    (0..initials.len()).any(|start| {
        initials[start] == capitals[0] && {
            let mut wanted = capitals.iter().peekable();
            for c in &initials[start..] {
                if wanted.peek() == Some(&c) {
                    wanted.next();
                }
            }
            wanted.peek().is_none()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acronym_spelt_out_before_or_after_its_brackets_is_found() {
        let text = "Initiated by the ODPM (Office of the Deputy Prime Minister), the \
                    National e-Procurement Project (NePP) and LAWs (Local Authority Websites) \
                    worked with the Department for Education and Skills (DfES).";
        assert_eq!(expanded(text), ["ODPM", "NePP", "LAWs", "DfES"]);
    }

    #[test]
    fn brackets_that_spell_nothing_are_not_expansions() {
        for text in [
            "sending people updates by text message (SMS)",
            "the project (which ran until 2005) was led by Tameside",
            "CRM (see the toolkit) helped councils",
            "the Aim (as agreed)",
            "an unclosed ( bracket ODPM",
        ] {
            assert_eq!(expanded(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn each_acronym_is_found_once() {
        let text = "ESD (Electronic Service Delivery) targets; ESD (Electronic Service Delivery)";
        assert_eq!(expanded(text), ["ESD"]);
    }
}
