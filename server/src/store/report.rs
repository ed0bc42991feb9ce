//! The content editors' report, read from the store for a period: questions per day, the
//! share answered, the most asked and the top unanswered questions (grouped by similar
//! wording), the answers with the most "not helpful" votes. The same [`Report`] feeds the
//! `/admin` page, its CSV exports and `signpost-server report` in the terminal.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use rusqlite::{params, Connection};

use super::topic::cluster;
use super::StoreError;

const DAY: i64 = 86_400;
/// The most distinct topics clustered for one list; the rest are single, rarely asked
/// wordings that could not reach a top list anyway.
const MAX_TOPICS: usize = 5_000;

/// A report period: the last N days, today (UTC) included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub days: u32,
}

impl Period {
    /// The longest period a report covers.
    pub const MAX_DAYS: u32 = 3_660;

    /// Parses `7d`, `30d`, `90d` (any number of days up to ten years; a bare number is days).
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim();
        let number = t.strip_suffix(['d', 'D']).unwrap_or(t);
        match number.parse::<u32>() {
            Ok(days) if (1..=Period::MAX_DAYS).contains(&days) => Ok(Period { days }),
            _ => Err(format!(
                "`{}` is not a period such as 7d, 30d or 90d (1 to {} days)",
                crate::redact::truncate_chars(t, 20),
                Period::MAX_DAYS
            )),
        }
    }

    /// The first second of the period: midnight UTC, `days - 1` days before `now`'s day.
    pub fn start(self, now: i64) -> i64 {
        now.div_euclid(DAY) * DAY - i64::from(self.days - 1) * DAY
    }
}

impl std::str::FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Period, String> {
        Period::parse(text)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}d", self.days)
    }
}

/// Questions on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub questions: u64,
    pub answered: u64,
}

/// Questions grouped by similar wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionGroup {
    /// The group's most frequent wording (redacted, as stored).
    pub wording: String,
    pub count: u64,
    pub answered: u64,
    /// How many different wordings the group holds.
    pub wordings: u64,
    /// Unix seconds.
    pub last_asked: i64,
}

/// An answer people voted on, with its "not helpful" votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerVotes {
    pub answer_id: String,
    /// The answer's title, when the caller knows it (see [`Report::fill_titles`]).
    pub title: Option<String>,
    pub not_helpful: u64,
    pub helpful: u64,
    /// The questions most often voted "not helpful" on this answer.
    pub questions: Vec<String>,
    /// The latest comments left with a "not helpful" vote.
    pub comments: Vec<String>,
}

/// Everything the report shows for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    /// First second of the period and the moment the report was made (unix seconds).
    pub from: i64,
    pub to: i64,
    pub questions: u64,
    pub answered: u64,
    pub helpful_votes: u64,
    pub not_helpful_votes: u64,
    pub per_day: Vec<DayCount>,
    pub most_asked: Vec<QuestionGroup>,
    pub unanswered: Vec<QuestionGroup>,
    pub not_helpful: Vec<AnswerVotes>,
}

/// The lists a report exports as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    QuestionsPerDay,
    Unanswered,
    NotHelpful,
    MostAsked,
}

impl List {
    pub const ALL: [List; 4] = [
        List::QuestionsPerDay,
        List::Unanswered,
        List::NotHelpful,
        List::MostAsked,
    ];

    /// The list's name in export URLs and file names.
    pub fn name(self) -> &'static str {
        match self {
            List::QuestionsPerDay => "questions-per-day",
            List::Unanswered => "unanswered",
            List::NotHelpful => "not-helpful",
            List::MostAsked => "most-asked",
        }
    }

    pub fn from_name(name: &str) -> Option<List> {
        List::ALL.into_iter().find(|l| l.name() == name)
    }
}

impl Report {
    /// Reads the report for `period` ending at `now`, with at most `top` rows per list.
    pub fn load(
        conn: &Connection,
        period: Period,
        now: i64,
        top: usize,
    ) -> Result<Report, StoreError> {
        let from = period.start(now);
        let (questions, answered): (i64, Option<i64>) = conn.query_row(
            "SELECT COUNT(*), SUM(answer_id IS NOT NULL) FROM asks WHERE at >= ?1",
            [from],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (helpful, not_helpful): (Option<i64>, Option<i64>) = conn.query_row(
            "SELECT SUM(helpful = 1), SUM(helpful = 0) FROM feedback WHERE at >= ?1",
            [from],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;

        let mut per_day: Vec<DayCount> = (0..period.days)
            .map(|d| DayCount {
                date: date(from + i64::from(d) * DAY),
                questions: 0,
                answered: 0,
            })
            .collect();
        let mut statement = conn.prepare(
            "SELECT (at - ?1) / 86400 AS day, COUNT(*), SUM(answer_id IS NOT NULL)
             FROM asks WHERE at >= ?1 GROUP BY day",
        )?;
        let rows = statement.query_map([from], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (day, count, answered) = row?;
            if let Some(slot) = usize::try_from(day).ok().and_then(|d| per_day.get_mut(d)) {
                slot.questions = count as u64;
                slot.answered = answered as u64;
            }
        }

        Ok(Report {
            period,
            from,
            to: now,
            questions: questions as u64,
            answered: answered.unwrap_or(0) as u64,
            helpful_votes: helpful.unwrap_or(0) as u64,
            not_helpful_votes: not_helpful.unwrap_or(0) as u64,
            per_day,
            most_asked: groups(conn, from, false, top)?,
            unanswered: groups(conn, from, true, top)?,
            not_helpful: votes(conn, from, top)?,
        })
    }

    /// The share of questions answered, 0..1 (0 when nothing was asked).
    pub fn answered_share(&self) -> f64 {
        if self.questions == 0 {
            0.0
        } else {
            self.answered as f64 / self.questions as f64
        }
    }

    /// Fills in the titles of voted answers from `title_of(answer_id)`.
    pub fn fill_titles(&mut self, title_of: impl Fn(&str) -> Option<String>) {
        for v in &mut self.not_helpful {
            v.title = title_of(&v.answer_id);
        }
    }

    /// One list as CSV (RFC 4180, CRLF line ends), safe to open in a spreadsheet.
    pub fn csv(&self, list: List) -> String {
        let mut rows: Vec<Vec<String>> = Vec::new();
        match list {
            List::QuestionsPerDay => {
                rows.push(cells(&["date", "questions", "answered"]));
                for d in &self.per_day {
                    rows.push(vec![
                        text_cell(&d.date),
                        d.questions.to_string(),
                        d.answered.to_string(),
                    ]);
                }
            }
            List::Unanswered | List::MostAsked => {
                let groups = if list == List::Unanswered {
                    &self.unanswered
                } else {
                    &self.most_asked
                };
                rows.push(cells(&[
                    "question",
                    "times_asked",
                    "answered",
                    "similar_wordings",
                    "last_asked_utc",
                ]));
                for g in groups {
                    rows.push(vec![
                        text_cell(&g.wording),
                        g.count.to_string(),
                        g.answered.to_string(),
                        g.wordings.to_string(),
                        text_cell(&timestamp(g.last_asked)),
                    ]);
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
        }
        let mut out = String::new();
        for row in rows {
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// The report as plain text for a terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Signpost report: the last {} days ({} to {}, UTC)\n",
            self.period.days,
            date(self.from),
            date(self.to)
        );
        let _ = writeln!(
            out,
            "Questions asked: {}   answered: {} ({:.0}%)   feedback: {} helpful, {} not helpful\n",
            self.questions,
            self.answered,
            self.answered_share() * 100.0,
            self.helpful_votes,
            self.not_helpful_votes
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
            }
        };
        group_list(
            &mut out,
            "Top unanswered questions (grouped by similar wording)",
            &self.unanswered,
        );
        let _ = writeln!(out, "\nAnswers with the most \"not helpful\" votes");
        if self.not_helpful.is_empty() {
            out.push_str("  (none)\n");
        }
        for v in &self.not_helpful {
            let title = v
                .title
                .as_deref()
                .map(|t| format!(" — {}", one_line(t)))
                .unwrap_or_default();
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
        group_list(&mut out, "Most asked questions", &self.most_asked);
        out
    }
}

/// What `signpost-server report` prints: the report for `period` from the store file at
/// `store` as text, or one whole `list` as CSV. Answer titles come from the index at `index`
/// when one can be opened; the report works without it.
pub fn terminal(
    store: &std::path::Path,
    index: Option<&std::path::Path>,
    period: Period,
    top: usize,
    list: Option<List>,
) -> Result<String, StoreError> {
    let conn = super::open_read_only(store)?;
    let rows = if list.is_some() { usize::MAX } else { top };
    let mut report = Report::load(&conn, period, super::now_unix(), rows)?;
    if let Some(open) = index.and_then(|i| signpost_indexer::open_index(i).ok()) {
        let entries = &open.manifest.corpus.entries;
        report.fill_titles(|id| entries.iter().find(|e| e.id == id).map(|e| e.title.clone()));
    }
    Ok(match list {
        Some(list) => report.csv(list),
        None => report.text(),
    })
}

/// Each wording asked since `?1` with its topic, how often it was asked and answered, and
/// when last.
fn groups_sql(unanswered_only: bool) -> String {
    let filter = if unanswered_only {
        "AND answer_id IS NULL"
    } else {
        ""
    };
    format!(
        "SELECT topic, question, COUNT(*) AS n, SUM(answer_id IS NOT NULL), MAX(at)
         FROM asks WHERE at >= ?1 {filter}
         GROUP BY topic, question"
    )
}

/// Question groups since `from`, heaviest first.
fn groups(
    conn: &Connection,
    from: i64,
    unanswered_only: bool,
    top: usize,
) -> Result<Vec<QuestionGroup>, StoreError> {
    let mut statement = conn.prepare(&groups_sql(unanswered_only))?;
    struct Wording {
        text: String,
        count: u64,
        answered: u64,
        last: i64,
    }
    let mut topics: HashMap<String, Vec<Wording>> = HashMap::new();
    let rows = statement.query_map([from], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Wording {
                text: r.get(1)?,
                count: r.get::<_, i64>(2)? as u64,
                answered: r.get::<_, i64>(3)? as u64,
                last: r.get(4)?,
            },
        ))
    })?;
    for row in rows {
        let (topic, wording) = row?;
        topics.entry(topic).or_default().push(wording);
    }
    let mut topics: Vec<(String, Vec<Wording>, u64)> = topics
        .into_iter()
        .map(|(t, w)| {
            let n = w.iter().map(|w| w.count).sum();
            (t, w, n)
        })
        .collect();
    topics.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    topics.truncate(MAX_TOPICS);

    let clusters = cluster(&topics, |t| t.0.as_str(), |t| t.2);
    let mut out = Vec::new();
    for members in clusters.into_iter().take(top) {
        let wordings: Vec<&Wording> = members.iter().flat_map(|&i| &topics[i].1).collect();
        let best = wordings
            .iter()
            .max_by(|a, b| {
                a.count
                    .cmp(&b.count)
                    .then(a.last.cmp(&b.last))
                    .then(b.text.cmp(&a.text))
            })
            .expect("a cluster has at least one wording");
        out.push(QuestionGroup {
            wording: best.text.clone(),
            count: wordings.iter().map(|w| w.count).sum(),
            answered: wordings.iter().map(|w| w.answered).sum(),
            wordings: wordings.len() as u64,
            last_asked: wordings.iter().map(|w| w.last).max().unwrap_or(0),
        });
    }
    Ok(out)
}

/// Answers by "not helpful" votes since `from`.
fn votes(conn: &Connection, from: i64, top: usize) -> Result<Vec<AnswerVotes>, StoreError> {
    let limit = i64::try_from(top).unwrap_or(i64::MAX);
    let mut statement = conn.prepare(
        "SELECT answer_id, SUM(helpful = 0) AS nh, SUM(helpful = 1) AS h
         FROM feedback WHERE at >= ?1
         GROUP BY answer_id HAVING nh > 0
         ORDER BY nh DESC, h ASC, answer_id LIMIT ?2",
    )?;
    let rows: Vec<(String, i64, i64)> = statement
        .query_map(params![from, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut questions = conn.prepare(
        "SELECT question FROM feedback WHERE at >= ?1 AND answer_id = ?2 AND helpful = 0
         GROUP BY question ORDER BY COUNT(*) DESC, MAX(at) DESC LIMIT 3",
    )?;
    let mut comments = conn.prepare(
        "SELECT comment FROM feedback
         WHERE at >= ?1 AND answer_id = ?2 AND helpful = 0 AND comment IS NOT NULL
         ORDER BY at DESC, id DESC LIMIT 3",
    )?;
    let mut out = Vec::new();
    for (answer_id, nh, h) in rows {
        let qs = questions
            .query_map(params![from, answer_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let cs = comments
            .query_map(params![from, answer_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        out.push(AnswerVotes {
            answer_id,
            title: None,
            not_helpful: nh as u64,
            helpful: h as u64,
            questions: qs,
            comments: cs,
        });
    }
    Ok(out)
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

/// One line of visible text: runs of whitespace (line breaks included) become one space.
fn one_line(text: &str) -> String {
    visible(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        false,
    )
    .into_owned()
}

/// `YYYY-MM-DD` (UTC) of a unix time.
pub fn date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM` (UTC) of a unix time.
pub fn timestamp(unix: i64) -> String {
    let secs = unix.rem_euclid(DAY);
    format!("{} {:02}:{:02}", date(unix), secs / 3600, secs % 3600 / 60)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{schema, write, AskRecord, FeedbackRecord};

    /// 2024-03-10 12:00 UTC.
    const NOW: i64 = 1_710_072_000;

    fn store_with(asks: &[AskRecord], feedback: &[FeedbackRecord]) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        write(&mut conn, asks, feedback).unwrap();
        conn
    }

    fn ask(days_ago: i64, q: &str, answer: Option<&str>) -> AskRecord {
        AskRecord::new(NOW - days_ago * DAY, None, q, answer.map(|a| (a, 0.8)), 2)
    }

    #[test]
    fn question_groups_read_only_the_window_by_time() {
        let asks: Vec<AskRecord> = (0..200)
            .map(|i| ask(i % 100, &format!("question {}", i % 7), None))
            .collect();
        // No ANALYZE, as in service: with an index on the topic, SQLite chose to scan every
        // row in topic order.
        let conn = store_with(&asks, &[]);
        for unanswered_only in [false, true] {
            let plan: Vec<String> = conn
                .prepare(&format!(
                    "EXPLAIN QUERY PLAN {}",
                    groups_sql(unanswered_only)
                ))
                .unwrap()
                .query_map([NOW - DAY], |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().any(|step| step.contains("USING INDEX asks_at")),
                "{plan:?}"
            );
        }
    }

    #[test]
    fn periods_parse_and_reject() {
        assert_eq!(Period::parse("7d"), Ok(Period { days: 7 }));
        assert_eq!(Period::parse("30"), Ok(Period { days: 30 }));
        assert_eq!(Period::parse(" 90D "), Ok(Period { days: 90 }));
        for bad in ["0d", "-1d", "d", "7w", "abc", "99999d", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(date(Period { days: 1 }.start(NOW)), "2024-03-10");
        assert_eq!(date(Period { days: 7 }.start(NOW)), "2024-03-04");
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(NOW), "2024-03-10");
        assert_eq!(timestamp(NOW + 5 * 60), "2024-03-10 12:05");
        assert_eq!(date(-1), "1969-12-31");
    }

    #[test]
    fn the_report_counts_groups_and_ranks() {
        let asks = [
            ask(0, "How do I pay council tax online?", None),
            ask(0, "pay my council tax online", None),
            ask(1, "How do I pay council tax online?", None),
            ask(1, "Who led PARSOL?", Some("parsol")),
            ask(2, "when are bins collected", None),
            ask(40, "too old for a 30 day report", None),
        ];
        let feedback = [
            FeedbackRecord::new(
                NOW,
                "parsol",
                "Who led PARSOL?",
                false,
                Some("=HYPERLINK(\"x\")"),
            ),
            FeedbackRecord::new(NOW, "parsol", "Who led PARSOL?", false, None),
            FeedbackRecord::new(NOW, "parsol", "Who led PARSOL?", true, None),
            FeedbackRecord::new(NOW, "faq-01", "helpline?", false, None),
            FeedbackRecord::new(NOW, "faq-02", "x", true, None),
        ];
        let conn = store_with(&asks, &feedback);
        let report = Report::load(&conn, Period { days: 30 }, NOW, 10).unwrap();

        assert_eq!(report.questions, 5);
        assert_eq!(report.answered, 1);
        assert!((report.answered_share() - 0.2).abs() < 1e-9);
        assert_eq!((report.helpful_votes, report.not_helpful_votes), (2, 3));
        assert_eq!(report.per_day.len(), 30);
        let last3: Vec<u64> = report.per_day[27..].iter().map(|d| d.questions).collect();
        assert_eq!(last3, [1, 2, 2]);
        assert_eq!(report.per_day[29].date, "2024-03-10");

        assert_eq!(report.unanswered.len(), 2);
        let tax = &report.unanswered[0];
        assert_eq!(tax.wording, "How do I pay council tax online?");
        assert_eq!((tax.count, tax.wordings), (3, 2));
        assert_eq!(report.unanswered[1].wording, "when are bins collected");

        assert_eq!(report.most_asked[0].count, 3);
        assert_eq!(report.most_asked.len(), 3);

        let ids: Vec<&str> = report
            .not_helpful
            .iter()
            .map(|v| v.answer_id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["parsol", "faq-01"],
            "faq-02 had no 'not helpful' vote"
        );
        assert_eq!(
            (
                report.not_helpful[0].not_helpful,
                report.not_helpful[0].helpful
            ),
            (2, 1)
        );
        assert_eq!(report.not_helpful[0].questions, ["Who led PARSOL?"]);

        let top1 = Report::load(&conn, Period { days: 30 }, NOW, 1).unwrap();
        assert_eq!(top1.unanswered.len(), 1);
        let week = Report::load(&conn, Period { days: 1 }, NOW, 10).unwrap();
        assert_eq!(week.questions, 2);
    }

    #[test]
    fn the_report_prints_no_escape_sequence_raw() {
        // Rows written before control characters were stripped when stored.
        let conn = store_with(&[], &[]);
        conn.execute(
            "INSERT INTO asks (at, site, question, answer_id, confidence, passages, topic)
             VALUES (?1, NULL, ?2, NULL, NULL, 0, 'x')",
            rusqlite::params![NOW, "clear \u{1b}[2J \u{1b}]0;title\u{7} \u{202E}evil"],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO feedback (at, answer_id, question, helpful, comment, topic)
             VALUES (?1, ?2, 'q', 0, ?3, 'q')",
            rusqlite::params![NOW, "faq\u{1b}[31m", "bad\u{1b}[2J\nline"],
        )
        .unwrap();
        let mut report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        report.fill_titles(|_| Some("title \u{1b}]0;x\u{7}".into()));
        let mut printed = report.text();
        for list in List::ALL {
            printed.push_str(&report.csv(list));
        }
        let raw: Vec<char> = printed
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\r'))
            .collect();
        assert!(raw.is_empty(), "{raw:?} in\n{printed}");
        assert!(!printed.contains('\u{202E}'), "{printed}");
        assert!(printed.contains("\\u{1b}[2J"), "{printed}");
    }

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
        let conn = store_with(&[ask(0, "-1 + 1, really?", None)], &feedback);
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
            csv.contains("\r\n\"'-1 + 1, really?\",1,0,1,2024-03-10 12:00\r\n"),
            "{csv}"
        );
        let csv = report.csv(List::QuestionsPerDay);
        assert_eq!(csv.lines().count(), 8);
        assert!(csv.ends_with("2024-03-10,1,0\r\n"), "{csv}");
    }

    #[test]
    fn an_empty_store_reports_zeroes() {
        let conn = store_with(&[], &[]);
        let report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        assert_eq!(report.questions, 0);
        assert_eq!(report.answered_share(), 0.0);
        assert!(report.unanswered.is_empty() && report.not_helpful.is_empty());
        let text = report.text();
        assert!(text.contains("Questions asked: 0"), "{text}");
        assert!(text.contains("(none)"), "{text}");
    }

    #[test]
    fn list_names_round_trip() {
        for list in List::ALL {
            assert_eq!(List::from_name(list.name()), Some(list));
        }
        assert_eq!(List::from_name("secrets"), None);
    }
}
