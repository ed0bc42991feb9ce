//! Parses `spelling.txt`: how people write a word when they text ("wat", "u", "4", "pls")
//! and the word they mean, one rule a line (`wat, wot => what`), plus filler that means
//! nothing (`lol => (ignore)`). A rule maps one word to one word, before anything else reads
//! the question; this module only reads and checks the file, the server applies it.

use serde::{Deserialize, Serialize};

use crate::analysis;

/// What marks filler on the right of `=>`.
pub const IGNORE: &str = "(ignore)";

/// One line of the spelling file, with its words folded as a question's are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpellingRule {
    /// The forms people type.
    pub typed: Vec<String>,
    /// The word they mean; `None` for filler, which is ignored like a stop word.
    pub meant: Option<String>,
    pub line: usize,
}

/// A problem on a line of the spelling file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpellingError {
    pub line: usize,
    pub message: String,
}

/// The one folded word `text` is, or why it is not one.
fn one_word(text: &str) -> Result<String, String> {
    let text = text.trim();
    let words = analysis::plain_words(text);
    if words.is_empty() {
        Err(format!("`{text}` has no word in it"))
    } else if words.contains(' ') {
        Err(format!(
            "`{text}` is several words: a rule replaces one word with one word"
        ))
    } else {
        Ok(words)
    }
}

/// Parses the whole file, reporting every bad line.
pub fn parse(text: &str) -> Result<Vec<SpellingRule>, Vec<SpellingError>> {
    let mut rules: Vec<SpellingRule> = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        match parse_line(content, line, &rules) {
            Ok(rule) => rules.push(rule),
            Err(message) => errors.push(SpellingError { line, message }),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

fn parse_line(
    content: &str,
    line: usize,
    earlier: &[SpellingRule],
) -> Result<SpellingRule, String> {
    let Some((typed, meant)) = content.split_once("=>") else {
        return Err("a spelling rule reads `typed, typed => meant`".into());
    };
    if meant.contains("=>") {
        return Err("more than one `=>` on the line".into());
    }
    let meant = match meant.trim() {
        "" => {
            return Err(format!(
                "nothing after `=>`: write the word meant, or `{IGNORE}` for filler"
            ))
        }
        IGNORE => None,
        word => Some(one_word(word)?),
    };
    let mut forms = Vec::new();
    for form in typed.split(',') {
        if form.trim().is_empty() {
            return Err("empty word: check for a doubled or trailing comma".into());
        }
        let form = one_word(form)?;
        if meant.as_ref() == Some(&form) {
            return Err(format!("`{form}` is read as itself"));
        }
        let before = earlier
            .iter()
            .find(|r| r.typed.contains(&form))
            .map(|r| r.line)
            .or_else(|| forms.contains(&form).then_some(line));
        if let Some(before) = before {
            return Err(format!("`{form}` already has a rule on line {before}"));
        }
        forms.push(form);
    }
    Ok(SpellingRule {
        typed: forms,
        meant,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rules_and_filler_folded() {
        let rules =
            parse("# texting\nWat, wot => What\n\nlol => (ignore)  # filler\n4 => for\n").unwrap();
        assert_eq!(
            rules,
            [
                SpellingRule {
                    typed: vec!["wat".into(), "wot".into()],
                    meant: Some("what".into()),
                    line: 2,
                },
                SpellingRule {
                    typed: vec!["lol".into()],
                    meant: None,
                    line: 4,
                },
                SpellingRule {
                    typed: vec!["4".into()],
                    meant: Some("for".into()),
                    line: 5,
                },
            ]
        );
    }

    #[test]
    fn reports_every_bad_line_with_its_reason() {
        let text = "\
u => you
wat
r =>
thx,, ty => thanks
idk => i do not know
u => your
what => what
a => b => c
... => what
";
        let errors = parse(text).unwrap_err();
        let found: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (2, "a spelling rule reads `typed, typed => meant`"),
                (
                    3,
                    "nothing after `=>`: write the word meant, or `(ignore)` for filler"
                ),
                (4, "empty word: check for a doubled or trailing comma"),
                (
                    5,
                    "`i do not know` is several words: a rule replaces one word with one word"
                ),
                (6, "`u` already has a rule on line 1"),
                (7, "`what` is read as itself"),
                (8, "more than one `=>` on the line"),
                (9, "`...` has no word in it"),
            ]
        );
    }
}
