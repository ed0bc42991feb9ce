//! Parses `synonyms.txt`: groups of equivalent terms (`a, b, c`) and one-way expansions
//! (`a => b, c`, which read `a` as `b` or `c`). Terms may be several words; how they are matched is the server's business,
//! this module only reads and checks the file.

use serde::{Deserialize, Serialize};

/// One line of the synonyms file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynonymGroup {
    /// Terms that trigger the expansion. For an equivalence group, every term.
    pub from: Vec<String>,
    /// Terms searched for when any `from` term appears. For an equivalence group, every term.
    pub to: Vec<String>,
    /// True for `a => b`: the question's `a` is read as `b`, and `a`'s own words are not
    /// searched ("pays for" means funding, not e-payments).
    #[serde(default)]
    pub rewrite: bool,
    pub line: usize,
}

/// A problem on a line of the synonyms file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymError {
    pub line: usize,
    pub message: String,
}

fn terms(text: &str) -> Vec<String> {
    text.split(',')
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Parses the whole file, reporting every bad line.
pub fn parse(text: &str) -> Result<Vec<SynonymGroup>, Vec<SynonymError>> {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let (from, to) = match content.split_once("=>") {
            Some((from, to)) => (terms(from), terms(to)),
            None => {
                let all = terms(content);
                (all.clone(), all)
            }
        };
        if from.iter().chain(&to).any(String::is_empty) {
            errors.push(SynonymError {
                line,
                message: "empty term: check for a doubled or trailing comma".into(),
            });
            continue;
        }
        if content.contains("=>") {
            if to.iter().any(|t| t.contains("=>")) {
                errors.push(SynonymError {
                    line,
                    message: "more than one `=>` on the line".into(),
                });
                continue;
            }
        } else if from.len() < 2 {
            errors.push(SynonymError {
                line,
                message: "a group needs at least two terms separated by commas".into(),
            });
            continue;
        }
        let rewrite = content.contains("=>");
        groups.push(SynonymGroup {
            from,
            to,
            rewrite,
            line,
        });
    }
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_groups_and_one_way_rules() {
        let groups =
            parse("# c\nODPM, Office of the  Deputy Prime Minister\nring => telephone, phone\n")
                .unwrap();
        assert_eq!(
            groups[0].from,
            ["ODPM", "Office of the Deputy Prime Minister"]
        );
        assert_eq!(groups[0].to, groups[0].from);
        assert_eq!(groups[1].from, ["ring"]);
        assert_eq!(groups[1].to, ["telephone", "phone"]);
        assert!(!groups[0].rewrite && groups[1].rewrite);
        assert_eq!(groups[1].line, 3);
    }

    #[test]
    fn reports_bad_lines() {
        let errors = parse("ok, fine\nlonely\na,,b\na => b => c\n").unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4]);
    }
}
