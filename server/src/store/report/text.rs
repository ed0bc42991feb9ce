//! The report as plain text for a terminal (`signpost-server report`), every value shown so
//! a terminal may safely print it.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::period::date;
use super::{confidence, site_list, QuestionGroup, Report, CONFIDENT};

impl Report {
    /// The report as plain text for a terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Signpost report: the last {} days ({} to {}, UTC), {}\n",
            self.period.days,
            date(self.from),
            date(self.to),
            match &self.site {
                Some(site) => format!("site {}", one_line(site)),
                None => "every site".to_string(),
            }
        );
        let _ = writeln!(
            out,
            "Questions asked: {}   answered: {} ({:.0}%)   declined on purpose: {} ({} small talk)   unanswered: {}",
            self.questions,
            self.answered,
            self.answered_share() * 100.0,
            self.declined_count,
            self.small_talk,
            self.unanswered_count,
        );
        let _ = writeln!(
            out,
            "Feedback: {} helpful, {} not helpful\n",
            self.helpful_votes, self.not_helpful_votes
        );
        out.push_str("Questions per day\n");
        let peak = self
            .per_day
            .iter()
            .map(|d| d.questions)
            .max()
            .unwrap_or(0)
            .max(1);
        for d in &self.per_day {
            let bar = "#".repeat(((d.questions * 40).div_ceil(peak)) as usize);
            let _ = writeln!(out, "  {}  {:>6}  {bar}", d.date, d.questions);
        }

        out.push_str("\nSites (questions, answered, declined, unanswered, votes helpful/not)\n");
        if self.sites.is_empty() {
            out.push_str("  (none)\n");
        }
        for s in &self.sites {
            let _ = writeln!(
                out,
                "  {:>6}  {:>3.0}% answered  {} declined  {} unanswered  {}/{} votes  {}",
                s.questions,
                s.answered_share() * 100.0,
                s.declined,
                s.unanswered,
                s.helpful_votes,
                s.not_helpful_votes,
                s.site.as_deref().map_or("(no site)".into(), one_line),
            );
        }

        let group_list = |out: &mut String, title: &str, groups: &[QuestionGroup]| {
            let _ = writeln!(out, "\n{title}");
            if groups.is_empty() {
                out.push_str("  (none)\n");
            }
            for g in groups {
                let similar = match g.wordings {
                    0 | 1 => String::new(),
                    2 => "  (+1 similar wording)".to_string(),
                    n => format!("  (+{} similar wordings)", n - 1),
                };
                let _ = writeln!(out, "  {:>6}  {}{similar}", g.count, one_line(&g.wording));
                if let Some(a) = &g.answer {
                    let title = title_suffix(a.title.as_deref());
                    let confidence = a
                        .confidence
                        .map(|c| format!(", mean confidence {}", confidence(c)))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "          {} {}{title} ({} of {}{confidence})",
                        a.outcome.name(),
                        one_line(&a.id),
                        a.count,
                        g.count
                    );
                }
                if !g.sites.is_empty() && self.site.is_none() {
                    let _ = writeln!(out, "          sites: {}", site_list(&g.sites, 5));
                }
            }
        };
        group_list(
            &mut out,
            "Top unanswered questions (grouped by similar wording)",
            &self.unanswered,
        );
        group_list(
            &mut out,
            "Declined on purpose (the resident's own council business) and small talk",
            &self.declined,
        );
        let _ = writeln!(out, "\nAnswers with the most \"not helpful\" votes");
        if self.not_helpful.is_empty() {
            out.push_str("  (none)\n");
        }
        for v in &self.not_helpful {
            let title = title_suffix(v.title.as_deref());
            let _ = writeln!(
                out,
                "  {:>6} not helpful, {} helpful  {}{title}",
                v.not_helpful,
                v.helpful,
                one_line(&v.answer_id)
            );
            for c in &v.comments {
                let _ = writeln!(out, "          “{}”", one_line(c));
            }
        }
        let _ = writeln!(
            out,
            "\nConfident but voted not helpful (confidence {CONFIDENT} or more)"
        );
        if self.confident_not_helpful.is_empty() {
            out.push_str("  (none)\n");
        }
        for v in &self.confident_not_helpful {
            let title = title_suffix(v.title.as_deref());
            let _ = writeln!(
                out,
                "  {:>6} not helpful, mean confidence {}  {}{title}",
                v.votes,
                confidence(v.confidence),
                one_line(&v.answer_id)
            );
            for q in &v.questions {
                let _ = writeln!(out, "          asked as: {}", one_line(q));
            }
            for c in &v.comments {
                let _ = writeln!(out, "          “{}”", one_line(c));
            }
        }
        group_list(&mut out, "Most asked questions", &self.most_asked);
        out
    }
}

/// Text as a terminal may safely print it: control characters (escape sequences, bells) and
/// the invisible characters that reorder text (bidirectional overrides and isolates) shown as
/// `\u{1b}`-style escapes; line breaks kept when `keep_lines`.
pub fn visible(text: &str, keep_lines: bool) -> Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && !(keep_lines && c == '\n'))
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// " — Title" after an answer id in the terminal report, or nothing when the title is unknown.
fn title_suffix(title: Option<&str>) -> String {
    title
        .map(|t| format!(" — {}", one_line(t)))
        .unwrap_or_default()
}

/// One line of visible text: runs of whitespace (line breaks included) become one space.
fn one_line(text: &str) -> String {
    visible(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        false,
    )
    .into_owned()
}
