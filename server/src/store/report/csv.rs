//! The report's lists as CSV files (RFC 4180, CRLF line ends), safe to open in a spreadsheet.

use super::period::timestamp;
use super::text::visible;
use super::{confidence, site_list, List, Report};

impl Report {
    /// One list as CSV (RFC 4180, CRLF line ends), safe to open in a spreadsheet.
    pub fn csv(&self, list: List) -> String {
        let mut rows: Vec<Vec<String>> = Vec::new();
        match list {
            List::QuestionsPerDay => {
                rows.push(cells(&["date", "questions", "answered", "declined"]));
                for d in &self.per_day {
                    rows.push(vec![
                        text_cell(&d.date),
                        d.questions.to_string(),
                        d.answered.to_string(),
                        d.declined.to_string(),
                    ]);
                }
            }
            List::Unanswered | List::MostAsked | List::Declined => {
                let groups = match list {
                    List::Unanswered => &self.unanswered,
                    List::Declined => &self.declined,
                    _ => &self.most_asked,
                };
                let with_answer = list != List::Unanswered;
                let mut header = vec![
                    "question",
                    "times_asked",
                    "answered",
                    "similar_wordings",
                    "last_asked_utc",
                    "sites",
                ];
                if with_answer {
                    header.extend([
                        "answer_id",
                        "answer_title",
                        "outcome",
                        "times_given",
                        "mean_confidence",
                    ]);
                }
                rows.push(cells(&header));
                for g in groups {
                    let mut row = vec![
                        text_cell(&g.wording),
                        g.count.to_string(),
                        g.answered.to_string(),
                        g.wordings.to_string(),
                        text_cell(&timestamp(g.last_asked)),
                        text_cell(&site_list(&g.sites, usize::MAX)),
                    ];
                    if with_answer {
                        match &g.answer {
                            Some(a) => row.extend([
                                text_cell(&a.id),
                                text_cell(a.title.as_deref().unwrap_or("")),
                                text_cell(a.outcome.name()),
                                a.count.to_string(),
                                a.confidence.map(confidence).unwrap_or_default(),
                            ]),
                            None => row.extend(std::iter::repeat_n(String::new(), 5)),
                        }
                    }
                    rows.push(row);
                }
            }
            List::NotHelpful => {
                rows.push(cells(&[
                    "answer_id",
                    "title",
                    "not_helpful",
                    "helpful",
                    "questions",
                    "comments",
                ]));
                for v in &self.not_helpful {
                    rows.push(vec![
                        text_cell(&v.answer_id),
                        text_cell(v.title.as_deref().unwrap_or("")),
                        v.not_helpful.to_string(),
                        v.helpful.to_string(),
                        text_cell(&v.questions.join(" | ")),
                        text_cell(&v.comments.join(" | ")),
                    ]);
                }
            }
            List::ConfidentNotHelpful => {
                rows.push(cells(&[
                    "answer_id",
                    "title",
                    "not_helpful_confident",
                    "mean_confidence",
                    "questions",
                    "comments",
                    "sites",
                ]));
                for v in &self.confident_not_helpful {
                    rows.push(vec![
                        text_cell(&v.answer_id),
                        text_cell(v.title.as_deref().unwrap_or("")),
                        v.votes.to_string(),
                        confidence(v.confidence),
                        text_cell(&v.questions.join(" | ")),
                        text_cell(&v.comments.join(" | ")),
                        text_cell(&site_list(&v.sites, usize::MAX)),
                    ]);
                }
            }
            List::Sites => {
                rows.push(cells(&[
                    "site",
                    "questions",
                    "answered",
                    "answered_share",
                    "declined",
                    "unanswered",
                    "helpful",
                    "not_helpful",
                ]));
                for s in &self.sites {
                    rows.push(vec![
                        text_cell(s.site.as_deref().unwrap_or("")),
                        s.questions.to_string(),
                        s.answered.to_string(),
                        format!("{:.3}", s.answered_share()),
                        s.declined.to_string(),
                        s.unanswered.to_string(),
                        s.helpful_votes.to_string(),
                        s.not_helpful_votes.to_string(),
                    ]);
                }
            }
        }
        let mut out = String::new();
        for row in rows {
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn cells(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| text_cell(n)).collect()
}

/// A text cell: neutralized against spreadsheet formula injection, then quoted when it needs
/// to be. A `'` goes in front of a leading `=`, `+`, `-` or `@`, and in front of one that
/// starts a piece after a `;` or a tab: a spreadsheet in a locale that splits on `;` (or one
/// pasting tab-separated text) reads `hi;=cmd…` as two cells, the second a formula. Cells with
/// a `;` are quoted as well, so such a reader keeps them whole. Control characters other than
/// a line break are shown escaped, never raw.
pub fn text_cell(text: &str) -> String {
    let text = visible(text, true);
    let mut guarded = String::with_capacity(text.len() + 2);
    let mut piece_start = true;
    for c in text.chars() {
        if piece_start && matches!(c, '=' | '+' | '-' | '@') {
            guarded.push('\'');
        }
        guarded.push(c);
        piece_start = matches!(c, ';' | '\t') || (piece_start && c == ' ');
    }
    if guarded.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::tests::{ask, stores_with, NOW};
    use crate::store::report::Period;
    use crate::store::FeedbackRecord;

    #[test]
    fn csv_is_escaped_and_formula_safe() {
        assert_eq!(text_cell("plain"), "plain");
        assert_eq!(text_cell("a, b"), "\"a, b\"");
        assert_eq!(text_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text_cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(text_cell("=1+1"), "'=1+1");
        assert_eq!(text_cell("+44"), "'+44");
        assert_eq!(text_cell("-2"), "'-2");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        // Locales that split cells on `;`, and pasted tab-separated text.
        assert_eq!(
            text_cell("hi;=cmd|' /C calc'!A0"),
            "\"hi;'=cmd|' /C calc'!A0\""
        );
        assert_eq!(text_cell("a; @SUM(A1)"), "\"a; '@SUM(A1)\"");
        assert_eq!(text_cell("a;b"), "\"a;b\"");
        assert_eq!(text_cell("x\t=1"), "x\\u{9}=1");
        assert_eq!(text_cell("2003-2005"), "2003-2005");
        // Nothing raw reaches a terminal.
        assert_eq!(text_cell("\u{1b}[2J"), "\\u{1b}[2J");

        let feedback = [FeedbackRecord::new(
            NOW,
            "parsol",
            "=cmd|' /C calc'!A0",
            false,
            Some("@bad, \"quoted\""),
        )];
        for (conn, _store) in stores_with(&[ask(0, "-1 + 1, really?", None)], &feedback) {
            let report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
            let csv = report.csv(List::NotHelpful);
            assert!(
                csv.starts_with("answer_id,title,not_helpful,helpful,questions,comments\r\n"),
                "{csv}"
            );
            assert!(
                csv.contains("parsol,,1,0,'=cmd|' /C calc'!A0,\"'@bad, \"\"quoted\"\"\"\r\n"),
                "{csv}"
            );
            let csv = report.csv(List::Unanswered);
            assert!(
                csv.starts_with(
                    "question,times_asked,answered,similar_wordings,last_asked_utc,sites\r\n"
                ),
                "{csv}"
            );
            assert!(
                csv.contains("\r\n\"'-1 + 1, really?\",1,0,1,2024-03-10 12:00,(no site) (1)\r\n"),
                "{csv}"
            );
            let csv = report.csv(List::QuestionsPerDay);
            assert_eq!(csv.lines().count(), 8);
            assert!(csv.ends_with("2024-03-10,1,0,0\r\n"), "{csv}");
        }
    }
}
