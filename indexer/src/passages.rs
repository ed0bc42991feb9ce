//! Splits an entry's body text into passages: the self-contained pieces Signpost quotes.
//!
//! A paragraph is a passage; each bullet is its own passage (the FAQ's council examples each
//! name a council, a project and an outcome); a `## ` line is a section heading carried by the
//! passages under it; a paragraph ending in `:` directly before bullets is their lead-in, kept
//! as context rather than quoted alone; an over-long paragraph is cut at sentence boundaries.
//! A line starting with `\` is plain text whatever follows: the escape [`escape_line`] writes
//! for text that would otherwise read as a heading or a bullet (an imported FAQ's answers).

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;

/// The headings of the project template (corpus/README.md). The engine reads each as what its
/// passages answer: what a project was for, what it produced, who ran it, and so on.
pub const AIM_SECTION: &str = "Aim";
pub const PRODUCTS_SECTION: &str = "What it produced";
pub const OUTCOMES_SECTION: &str = "Councils and outcomes";
pub const WHO_RAN_IT_SECTION: &str = "Who ran it";
/// Notes beyond the template's questions, among them what became of the project later.
pub const LATER_SECTION: &str = "Good to know";
/// The section of the passage a project's `summary` field becomes.
pub const SUMMARY_SECTION: &str = "Summary";

/// Paragraphs longer than this many words are split at sentence boundaries.
pub const MAX_PASSAGE_WORDS: usize = 90;

/// A passage before it gets an id: text, where it came from, and what frames it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPassage {
    /// The passage text, with inner line breaks folded to spaces.
    pub text: String,
    /// The `## ` heading above it, if any.
    pub section: Option<String>,
    /// A lead-in sentence such as "They include:" that introduces a list.
    pub lead_in: Option<String>,
    /// The 1-based line in the file where the passage starts.
    pub line: usize,
}

/// Starts a line that is plain text: it is dropped, and the rest is never a heading or bullet.
pub const ESCAPE: char = '\\';

/// Whether a trimmed line would be read as something other than its own text: a `## `
/// heading, a `- ` or `* ` bullet, or an escaped line.
fn is_markup(line: &str) -> bool {
    line.starts_with("## ")
        || line.starts_with("- ")
        || line.starts_with("* ")
        || line.starts_with(ESCAPE)
}

/// Writes a single line of text (trimmed, without line breaks) so the splitter reads it back
/// as exactly that text: with [`ESCAPE`] before it when it would otherwise be markup.
pub fn escape_line(line: &str) -> Cow<'_, str> {
    if is_markup(line) {
        let mut escaped = String::with_capacity(line.len() + 1);
        escaped.push(ESCAPE);
        escaped.push_str(line);
        Cow::Owned(escaped)
    } else {
        Cow::Borrowed(line)
    }
}

enum Block {
    Heading(String),
    Paragraph(String),
    Bullet(String),
}

/// Splits `body`, which starts at file line `first_line`, into passages.
pub fn split(body: &str, first_line: usize) -> Vec<RawPassage> {
    let blocks = blocks(body, first_line);
    let mut passages = Vec::new();
    let mut section: Option<String> = None;
    let mut lead_in: Option<String> = None;
    for (i, (line, block)) in blocks.iter().enumerate() {
        match block {
            Block::Heading(title) => {
                section = Some(title.clone());
                lead_in = None;
            }
            Block::Paragraph(text) => {
                let next_is_bullet = matches!(blocks.get(i + 1), Some((_, Block::Bullet(_))));
                if next_is_bullet && text.ends_with(':') {
                    lead_in = Some(text.clone());
                    continue;
                }
                lead_in = None;
                for piece in split_long(text) {
                    passages.push(RawPassage {
                        text: piece,
                        section: section.clone(),
                        lead_in: None,
                        line: *line,
                    });
                }
            }
            Block::Bullet(text) => passages.push(RawPassage {
                text: text.clone(),
                section: section.clone(),
                lead_in: lead_in.clone(),
                line: *line,
            }),
        }
    }
    passages
}

fn blocks(body: &str, first_line: usize) -> Vec<(usize, Block)> {
    let mut blocks: Vec<(usize, Block)> = Vec::new();
    let mut paragraph: Option<(usize, String)> = None;
    let flush = |paragraph: &mut Option<(usize, String)>, blocks: &mut Vec<(usize, Block)>| {
        if let Some((line, text)) = paragraph.take() {
            blocks.push((line, Block::Paragraph(text)));
        }
    };
    for (offset, raw) in body.lines().enumerate() {
        let line_no = first_line + offset;
        let line = raw.trim();
        let escaped = line.strip_prefix(ESCAPE).map(str::trim_start);
        if escaped == Some("") {
            // A lone escape stands for no text, and does not end a paragraph.
            continue;
        }
        if line.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if let Some(text) = escaped {
            // Plain text, joined as any other text line is.
            if let Some((_, paragraph)) = paragraph.as_mut() {
                paragraph.push(' ');
                paragraph.push_str(text);
            } else {
                paragraph = Some((line_no, text.to_string()));
            }
        } else if let Some(heading) = line.strip_prefix("## ") {
            flush(&mut paragraph, &mut blocks);
            blocks.push((line_no, Block::Heading(heading.trim().to_string())));
        } else if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            flush(&mut paragraph, &mut blocks);
            blocks.push((line_no, Block::Bullet(item.trim().to_string())));
        } else if let Some((_, text)) = paragraph.as_mut() {
            text.push(' ');
            text.push_str(line);
        } else if let Some((_, Block::Bullet(text))) = blocks
            .last_mut()
            .filter(|_| raw.starts_with(char::is_whitespace))
        {
            // An indented continuation line belongs to the bullet above it.
            text.push(' ');
            text.push_str(line);
        } else {
            paragraph = Some((line_no, line.to_string()));
        }
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

/// Cuts a paragraph longer than [`MAX_PASSAGE_WORDS`] into runs of whole sentences that
/// each stay near the limit.
fn split_long(text: &str) -> Vec<String> {
    if word_count(text) <= MAX_PASSAGE_WORDS {
        return vec![text.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_words = 0;
    for sentence in text.unicode_sentences() {
        let words = word_count(sentence);
        if current_words > 0 && current_words + words > MAX_PASSAGE_WORDS {
            pieces.push(current.trim_end().to_string());
            current.clear();
            current_words = 0;
        }
        current.push_str(sentence);
        current_words += words;
    }
    if !current.trim().is_empty() {
        pieces.push(current.trim_end().to_string());
    }
    pieces
}

fn word_count(text: &str) -> usize {
    text.unicode_words().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_bullets_become_passages_with_lines() {
        let body = "First paragraph\nwraps here.\n\n- one bullet\n- two bullet\n\nLast.\n";
        let passages = split(body, 5);
        let got: Vec<_> = passages.iter().map(|p| (p.line, p.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (5, "First paragraph wraps here."),
                (8, "one bullet"),
                (9, "two bullet"),
                (11, "Last.")
            ]
        );
    }

    #[test]
    fn a_colon_paragraph_before_bullets_is_their_lead_in() {
        let passages = split(
            "They include:\n- Alpha council did a thing.\n- Beta did another.\n",
            1,
        );
        assert_eq!(passages.len(), 2);
        assert!(passages
            .iter()
            .all(|p| p.lead_in.as_deref() == Some("They include:")));
    }

    #[test]
    fn headings_frame_the_passages_below_them() {
        let passages = split("## Aim\nTo help.\n\n## What it produced\n- A toolkit.\n", 1);
        assert_eq!(passages[0].section.as_deref(), Some("Aim"));
        assert_eq!(passages[1].section.as_deref(), Some("What it produced"));
        assert_eq!(passages[1].text, "A toolkit.");
    }

    #[test]
    fn long_paragraphs_split_at_sentence_boundaries() {
        let sentence = "This sentence has exactly ten words in it for testing. ";
        let text = sentence.repeat(25);
        let passages = split(&text, 1);
        assert!(passages.len() >= 3, "{}", passages.len());
        for p in &passages {
            assert!(word_count(&p.text) <= MAX_PASSAGE_WORDS);
            assert!(p.text.ends_with("testing."), "{}", p.text);
        }
    }

    #[test]
    fn an_escaped_line_is_plain_text() {
        // (body, its passages as (line, text))
        let cases: &[(&str, &[(usize, &str)])] = &[
            ("\\- not a bullet\n", &[(1, "- not a bullet")]),
            ("\\## not a heading\n", &[(1, "## not a heading")]),
            ("\\* not a bullet\n", &[(1, "* not a bullet")]),
            ("\\\\ one backslash\n", &[(1, "\\ one backslash")]),
            ("Text\n\\- goes on\n", &[(1, "Text - goes on")]),
            ("\\- starts\nand goes on\n", &[(1, "- starts and goes on")]),
            ("One\n\\\nTwo\n", &[(1, "One Two")]),
            (
                "- a bullet\n\n\\- a paragraph\n",
                &[(1, "a bullet"), (3, "- a paragraph")],
            ),
        ];
        for (body, expected) in cases {
            let passages = split(body, 1);
            let got: Vec<_> = passages.iter().map(|p| (p.line, p.text.as_str())).collect();
            assert_eq!(got, *expected, "{body:?}");
            assert!(passages.iter().all(|p| p.section.is_none()), "{body:?}");
        }
    }

    #[test]
    fn escape_line_makes_any_line_read_back_as_itself() {
        let lines = [
            "- dash",
            "* star",
            "## heading",
            "\\ backslash",
            "\\- escaped already",
            "-dash without space",
            "### three hashes",
            "---",
            "plain",
            "Ends with a colon:",
        ];
        for line in lines {
            let written = escape_line(line);
            let passages = split(&written, 1);
            assert_eq!(passages.len(), 1, "{line:?} as {written:?}");
            assert_eq!(passages[0].text, line, "{line:?} as {written:?}");
            assert!(passages[0].section.is_none() && passages[0].lead_in.is_none());
        }
        assert!(matches!(escape_line("plain"), Cow::Borrowed(_)));
    }
}
