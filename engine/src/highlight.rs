//! Highlight ranges: where a passage's words match the question's terms, as character
//! (Unicode scalar value) offsets into the passage text. The server never returns markup;
//! clients wrap these ranges themselves.

use rustc_hash::FxHashSet as HashSet;

use signpost_indexer::analysis;

/// `[start, end)` character ranges of the words in `text` whose terms are in `terms`,
/// with touching or overlapping ranges merged.
pub fn ranges(text: &str, terms: &HashSet<&str>) -> Vec<[usize; 2]> {
    merge(
        text,
        analysis::terms(text)
            .into_iter()
            .filter(|t| terms.contains(t.term.as_str()))
            .map(|t| (t.word.from, t.word.to)),
    )
}

/// The character ranges of the given byte ranges of matching words in `text`, merged where
/// they touch or overlap (for callers that kept the text's analysis).
pub fn merge(text: &str, matching: impl Iterator<Item = (usize, usize)>) -> Vec<[usize; 2]> {
    // One list throughout: sorted, merged in place, then turned into character ranges in
    // place (the two element types have the same layout, so `collect` reuses it).
    let mut merged: Vec<(usize, usize)> = matching.collect();
    merged.sort_unstable();
    let mut kept = 0;
    for i in 0..merged.len() {
        let (from, to) = merged[i];
        if kept > 0 && from <= merged[kept - 1].1 {
            merged[kept - 1].1 = merged[kept - 1].1.max(to);
        } else {
            merged[kept] = (from, to);
            kept += 1;
        }
    }
    merged.truncate(kept);
    // The ranges are in order: count characters once, from one boundary to the next. In an
    // ASCII text (most passages) a character is a byte, and nothing need be counted.
    let ascii = text.is_ascii();
    let mut counted = (0, 0);
    let mut char_offset = |byte: usize| {
        if ascii {
            return byte;
        }
        let (from_byte, chars) = counted;
        counted = (byte, chars + text[from_byte..byte].chars().count());
        counted.1
    };
    merged
        .into_iter()
        .map(|(from, to)| [char_offset(from), char_offset(to)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text the ranges for `terms` mark, read back by character offsets.
    fn highlighted(text: &str, terms: &[&str]) -> Vec<String> {
        let terms: HashSet<&str> = terms.iter().copied().collect();
        let chars: Vec<char> = text.chars().collect();
        ranges(text, &terms)
            .iter()
            .map(|[a, b]| chars[*a..*b].iter().collect())
            .collect()
    }

    #[test]
    fn marks_matching_words_in_character_offsets() {
        let text = "£80m funded the Pathfinders and planning applications";
        assert_eq!(
            highlighted(text, &["pathfind", "plan"]),
            ["Pathfinders", "planning"]
        );
    }

    #[test]
    fn offsets_count_characters_not_bytes_across_several_ranges() {
        let text = "£80m for the café — and £5m for the next café";
        assert_eq!(highlighted(text, &["cafe"]), ["café", "café"]);
    }

    #[test]
    fn compound_and_part_ranges_merge() {
        let terms: HashSet<&str> = ["egov", "gov"].into_iter().collect();
        assert_eq!(ranges("local e-gov projects", &terms), [[6, 11]]);
    }
}
