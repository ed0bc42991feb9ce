//! The content editors' report, read from the store for a period and, if asked, one site:
//! questions per day; how many were answered, declined on purpose and left unanswered; the
//! top unanswered and the declined questions (grouped by similar wording); the most asked
//! questions with the answer each got and its confidence; the answers with the most "not
//! helpful" votes, and apart from them the confident answers voted so; figures per site.
//! The same [`Report`] feeds the `/admin` page, its CSV exports and `signpost-server report`
//! in the terminal.
//!
//! How a question counts (each in exactly one of the three):
//! - **answered**: an FAQ or project answer was given;
//! - **declined on purpose**: an assistant entry declined it (`your-council`, a resident's
//!   own council business, which Signpost points to the council rather than answering), or
//!   it got an assistant's reply (greetings, thanks, small talk);
//! - **unanswered**: neither: a genuine gap, the list editors work from.
//!
//! Rows recorded before store schema 4 do not say which entry declined or what kind an
//! answer was: their declines count as unanswered and their assistant replies as answered.
//!
//! **Confident but voted not helpful.** A "not helpful" vote is matched to the ask it rates:
//! the latest ask with the same answer id and the same question topic (its stemmed words, so
//! case, punctuation and word order do not matter) in the day up to the vote. The vote is
//! listed when that ask's confidence was at least [`CONFIDENT`]. A vote with no such ask
//! (its ask was not recorded, or a client rated a question it never asked) is left out of
//! this list; it still counts among the "not helpful" votes.

use std::borrow::Cow;
// std's HashMap (SipHash under a random key) on purpose, not Fx: these maps are keyed by what
// the public typed (questions, site ids), which an unkeyed hash would let them make collide.
use std::collections::HashMap;
use std::fmt::Write as _;

use rusqlite::{params, Connection};

use super::topic::cluster;
use super::{clean_site, StoreError, MAX_SITE_CHARS};

const DAY: i64 = 86_400;
/// The most distinct topics clustered for one list; the rest are single, rarely asked
/// wordings that could not reach a top list anyway.
const MAX_TOPICS: usize = 5_000;
/// An answer given with at least this confidence is one the engine did not doubt: "not
/// helpful" votes on it are listed apart, as confident wrong answers.
pub const CONFIDENT: f32 = 0.7;
/// How long before a vote the ask it rates may have been asked.
const VOTE_LOOKBACK: i64 = DAY;
/// The per-site figures list at least this many sites (more when a list asks for more).
const MAX_SITES: usize = 50;

/// A corpus answer (an FAQ question or a project) was given: not a decline, not a reply.
const IS_ANSWERED: &str =
    "(answer_id IS NOT NULL AND declined IS NULL AND answer_kind IS NOT 'assistant')";
/// Declined on purpose, or answered with an assistant's reply (small talk).
const IS_DECLINED: &str = "(declined IS NOT NULL OR answer_kind IS 'assistant')";
/// Small talk: an assistant's reply.
const IS_SMALL_TALK: &str = "(declined IS NULL AND answer_kind IS 'assistant')";
/// A genuine gap: no answer, and not declined on purpose.
const IS_UNANSWERED: &str = "(answer_id IS NULL AND declined IS NULL)";
/// Only the chosen site's rows when `?2` names one.
const SITE_IS: &str = "(?2 IS NULL OR site = ?2)";

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

/// A site to report on, as `/admin?site=` and `report --site` take it: exactly a site id as
/// the store keeps it (letters, digits and `. _ - :`, at most 64 characters, unchanged by
/// the cleaning every recorded site gets). Anything else is refused rather than cleaned, so
/// a filter never quietly means something other than what was typed.
pub fn parse_site(text: &str) -> Result<String, String> {
    if text.chars().count() <= MAX_SITE_CHARS && clean_site(text).as_deref() == Some(text) {
        return Ok(text.to_string());
    }
    // The value is not echoed: it may be anything, and the message reaches a terminal or a
    // JSON error.
    Err(format!(
        "not a site id: letters, digits and . _ - : only, at most {MAX_SITE_CHARS} characters"
    ))
}

/// Questions on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub questions: u64,
    pub answered: u64,
    /// Declined on purpose, small talk included.
    pub declined: u64,
}

/// How many of a list's questions or votes came from one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteCount {
    /// `None`: no site was given (the API called directly, the lookup page).
    pub site: Option<String>,
    pub count: u64,
}

/// What a question got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// An FAQ or project answer.
    Answer,
    /// An assistant's reply (greetings, thanks, small talk).
    Reply,
    /// Declined on purpose by an assistant entry (such as `your-council`).
    Declined,
}

impl Outcome {
    /// Its name in CSV exports.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Answer => "answer",
            Outcome::Reply => "reply",
            Outcome::Declined => "declined",
        }
    }
}

/// The answer, reply or decline a question group got most often.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupAnswer {
    /// The entry's id: the answer's, or the assistant entry that replied or declined.
    pub id: String,
    pub outcome: Outcome,
    /// The entry's title, when the caller knows it (see [`Report::fill_titles`]).
    pub title: Option<String>,
    /// How many of the group's questions got it.
    pub count: u64,
    /// The mean confidence it was given with over those questions (none for a decline).
    pub confidence: Option<f64>,
}

/// Questions grouped by similar wording.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionGroup {
    /// The group's most frequent wording (redacted, as stored).
    pub wording: String,
    pub count: u64,
    /// How many got an FAQ or project answer.
    pub answered: u64,
    /// How many different wordings the group holds.
    pub wordings: u64,
    /// Unix seconds.
    pub last_asked: i64,
    /// The answer, reply or decline the group's questions got most often; `None` when none
    /// got any.
    pub answer: Option<GroupAnswer>,
    /// The sites the group's questions came from, most first.
    pub sites: Vec<SiteCount>,
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

/// An answer given with confidence of at least [`CONFIDENT`] and voted "not helpful".
#[derive(Debug, Clone, PartialEq)]
pub struct ConfidentVotes {
    pub answer_id: String,
    /// The answer's title, when the caller knows it (see [`Report::fill_titles`]).
    pub title: Option<String>,
    /// "Not helpful" votes on confident answers.
    pub votes: u64,
    /// The mean confidence of the answers those votes rated.
    pub confidence: f64,
    /// The questions most often voted so.
    pub questions: Vec<String>,
    /// The latest comments left with those votes.
    pub comments: Vec<String>,
    /// The sites the votes came from, most first.
    pub sites: Vec<SiteCount>,
}

/// One site's figures for the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFigures {
    /// `None`: questions and votes that named no site.
    pub site: Option<String>,
    pub questions: u64,
    pub answered: u64,
    /// Declined on purpose, small talk included.
    pub declined: u64,
    pub unanswered: u64,
    pub helpful_votes: u64,
    pub not_helpful_votes: u64,
}

impl SiteFigures {
    /// The share of this site's questions answered, 0..1 (0 when nothing was asked).
    pub fn answered_share(&self) -> f64 {
        share(self.answered, self.questions)
    }
}

/// Everything the report shows for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    /// First second of the period and the moment the report was made (unix seconds).
    pub from: i64,
    pub to: i64,
    /// The site the report is for; `None`: every site.
    pub site: Option<String>,
    pub questions: u64,
    /// Given an FAQ or project answer.
    pub answered: u64,
    /// Declined on purpose, small talk included.
    pub declined_count: u64,
    /// Of those, small talk (assistant replies).
    pub small_talk: u64,
    /// Genuine gaps.
    pub unanswered_count: u64,
    pub helpful_votes: u64,
    pub not_helpful_votes: u64,
    pub per_day: Vec<DayCount>,
    pub most_asked: Vec<QuestionGroup>,
    pub unanswered: Vec<QuestionGroup>,
    /// Declined on purpose and small talk, grouped by similar wording.
    pub declined: Vec<QuestionGroup>,
    pub not_helpful: Vec<AnswerVotes>,
    pub confident_not_helpful: Vec<ConfidentVotes>,
    /// Figures per site, most questions first; only the chosen site's when there is one.
    pub sites: Vec<SiteFigures>,
    /// Every site with questions or votes in the period (whatever the chosen site), most
    /// questions first: what a site picker offers.
    pub site_names: Vec<String>,
}

/// The lists a report exports as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    QuestionsPerDay,
    Unanswered,
    Declined,
    NotHelpful,
    ConfidentNotHelpful,
    MostAsked,
    Sites,
}

impl List {
    pub const ALL: [List; 7] = [
        List::QuestionsPerDay,
        List::Unanswered,
        List::Declined,
        List::NotHelpful,
        List::ConfidentNotHelpful,
        List::MostAsked,
        List::Sites,
    ];

    /// The list's name in export URLs and file names.
    pub fn name(self) -> &'static str {
        match self {
            List::QuestionsPerDay => "questions-per-day",
            List::Unanswered => "unanswered",
            List::Declined => "declined",
            List::NotHelpful => "not-helpful",
            List::ConfidentNotHelpful => "confident-not-helpful",
            List::MostAsked => "most-asked",
            List::Sites => "sites",
        }
    }

    pub fn from_name(name: &str) -> Option<List> {
        List::ALL.into_iter().find(|l| l.name() == name)
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl Report {
    /// Reads the report for `period` ending at `now` over every site, with at most `top`
    /// rows per list.
    pub fn load(
        conn: &Connection,
        period: Period,
        now: i64,
        top: usize,
    ) -> Result<Report, StoreError> {
        Report::load_site(conn, period, None, now, top)
    }

    /// Reads the report for `period` ending at `now`, for one `site` (every site when
    /// `None`), with at most `top` rows per list.
    pub fn load_site(
        conn: &Connection,
        period: Period,
        site: Option<&str>,
        now: i64,
        top: usize,
    ) -> Result<Report, StoreError> {
        let from = period.start(now);
        let at = period_filter(conn, from)?;
        let (questions, answered, declined, small_talk, unanswered): (i64, i64, i64, i64, i64) =
            conn.query_row(
                &format!(
                    "SELECT COUNT(*), COALESCE(SUM({IS_ANSWERED}), 0),
                            COALESCE(SUM({IS_DECLINED}), 0), COALESCE(SUM({IS_SMALL_TALK}), 0),
                            COALESCE(SUM({IS_UNANSWERED}), 0)
                     FROM asks WHERE {at} AND {SITE_IS}"
                ),
                params![from, site],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
        let (helpful, not_helpful): (Option<i64>, Option<i64>) = conn.query_row(
            &format!(
                "SELECT SUM(helpful = 1), SUM(helpful = 0) FROM feedback
                 WHERE at >= ?1 AND {SITE_IS}"
            ),
            params![from, site],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;

        let mut per_day: Vec<DayCount> = (0..period.days)
            .map(|d| DayCount {
                date: date(from + i64::from(d) * DAY),
                questions: 0,
                answered: 0,
                declined: 0,
            })
            .collect();
        let mut statement = conn.prepare(&format!(
            "SELECT (at - ?1) / 86400 AS day, COUNT(*), SUM({IS_ANSWERED}), SUM({IS_DECLINED})
             FROM asks WHERE {at} AND {SITE_IS} GROUP BY day"
        ))?;
        let rows = statement.query_map(params![from, site], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (day, count, answered, declined) = row?;
            if let Some(slot) = usize::try_from(day).ok().and_then(|d| per_day.get_mut(d)) {
                slot.questions = count as u64;
                slot.answered = answered as u64;
                slot.declined = declined as u64;
            }
        }

        let all_sites = sites(conn, from, at)?;
        let site_rows = top.max(MAX_SITES);
        let site_names = all_sites
            .iter()
            .filter_map(|s| s.site.clone())
            .take(site_rows)
            .collect();
        let sites = match site {
            Some(site) => all_sites
                .into_iter()
                .filter(|s| s.site.as_deref() == Some(site))
                .collect(),
            None => all_sites.into_iter().take(site_rows).collect(),
        };

        Ok(Report {
            period,
            from,
            to: now,
            site: site.map(str::to_string),
            questions: questions as u64,
            answered: answered as u64,
            declined_count: declined as u64,
            small_talk: small_talk as u64,
            unanswered_count: unanswered as u64,
            helpful_votes: helpful.unwrap_or(0) as u64,
            not_helpful_votes: not_helpful.unwrap_or(0) as u64,
            per_day,
            most_asked: groups(conn, from, at, site, Which::All, top)?,
            unanswered: groups(conn, from, at, site, Which::Unanswered, top)?,
            declined: groups(conn, from, at, site, Which::Declined, top)?,
            not_helpful: votes(conn, from, site, top)?,
            confident_not_helpful: confident_not_helpful(conn, from, site, top)?,
            sites,
            site_names,
        })
    }

    /// The share of questions answered, 0..1 (0 when nothing was asked).
    pub fn answered_share(&self) -> f64 {
        share(self.answered, self.questions)
    }

    /// Fills in the titles of the answers the lists name from `title_of(answer_id)`.
    pub fn fill_titles(&mut self, title_of: impl Fn(&str) -> Option<String>) {
        for v in &mut self.not_helpful {
            v.title = title_of(&v.answer_id);
        }
        for v in &mut self.confident_not_helpful {
            v.title = title_of(&v.answer_id);
        }
        let groups = self
            .most_asked
            .iter_mut()
            .chain(&mut self.unanswered)
            .chain(&mut self.declined);
        for answer in groups.filter_map(|g| g.answer.as_mut()) {
            answer.title = title_of(&answer.id);
        }
    }

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

/// A confidence as the report shows it: two decimals.
pub fn confidence(value: f64) -> String {
    format!("{value:.2}")
}

/// Sites as one line: `leeds (3) | york (1) | (no site) (2)`, at most `max` of them and a
/// count of the rest.
pub fn site_list(sites: &[SiteCount], max: usize) -> String {
    let mut parts: Vec<String> = sites
        .iter()
        .take(max)
        .map(|s| format!("{} ({})", s.site.as_deref().unwrap_or("(no site)"), s.count))
        .collect();
    if sites.len() > max {
        parts.push(format!("+{} more", sites.len() - max));
    }
    parts.join(" | ")
}

/// What `signpost-server report` prints: the report for `period` (and `site`, if given) from
/// the store file at `store` as text, or one whole `list` as CSV. Answer titles come from
/// the index at `index` when one can be opened; the report works without it.
pub fn terminal(
    store: &std::path::Path,
    index: Option<&std::path::Path>,
    period: Period,
    site: Option<&str>,
    top: usize,
    list: Option<List>,
) -> Result<String, StoreError> {
    let conn = super::open_read_only(store)?;
    let rows = if list.is_some() { usize::MAX } else { top };
    let mut report = Report::load_site(&conn, period, site, super::now_unix(), rows)?;
    if let Some(open) = index.and_then(|i| signpost_indexer::open_index(i).ok()) {
        let entries = &open.manifest.corpus.entries;
        report.fill_titles(|id| entries.iter().find(|e| e.id == id).map(|e| e.title.clone()));
    }
    Ok(match list {
        Some(list) => report.csv(list),
        None => report.text(),
    })
}

/// Which questions a group list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    All,
    Unanswered,
    Declined,
}

/// The period's rows through the time index: right when they are a small share of the table.
const WINDOW_BY_INDEX: &str = "at >= ?1";
/// The period's rows in table order (`+at` keeps SQLite off the index): right when they are
/// most of it, as over the whole retention period, where the index costs a random read per
/// row (90 days of a 400k-row store: 1.13 s through the index, 0.30 s in order; even 7 days
/// of it, 8% of the rows, read faster in order).
const WINDOW_IN_ORDER: &str = "+at >= ?1";

/// How the asks of the period since `from` are best read. The store never runs `ANALYZE`, so
/// SQLite would take the index whatever the share; two index-only counts decide instead.
fn period_filter(conn: &Connection, from: i64) -> Result<&'static str, StoreError> {
    let (inside, all): (i64, i64) = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM asks WHERE at >= ?1), (SELECT COUNT(*) FROM asks)",
        [from],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(if inside * 20 < all {
        WINDOW_BY_INDEX
    } else {
        WINDOW_IN_ORDER
    })
}

/// Each wording asked since `?1` (from site `?2`, when given) with its topic, what it got
/// (the answer, reply or decline, and whether it was a decline), the answer's kind and the
/// site; how often, how often answered, when last, and its confidences' sum and count.
fn groups_sql(which: Which, at: &str) -> String {
    let filter = match which {
        Which::All => String::new(),
        Which::Unanswered => format!("AND {IS_UNANSWERED}"),
        Which::Declined => format!("AND {IS_DECLINED}"),
    };
    format!(
        "SELECT topic, question, COALESCE(declined, answer_id) AS outcome,
                declined IS NOT NULL AS was_declined, answer_kind, site,
                COUNT(*), SUM({IS_ANSWERED}), MAX(at), TOTAL(confidence), COUNT(confidence)
         FROM asks WHERE {at} AND {SITE_IS} {filter}
         GROUP BY topic, question, outcome, was_declined, answer_kind, site"
    )
}

/// How often something was given, when last, and with what confidence.
#[derive(Debug, Default)]
struct Tally {
    count: u64,
    last: i64,
    confidence_sum: f64,
    confidence_n: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.count += other.count;
        self.last = self.last.max(other.last);
        self.confidence_sum += other.confidence_sum;
        self.confidence_n += other.confidence_n;
    }
}

/// One topic's questions: how they were worded, what they got and where they came from.
#[derive(Debug, Default)]
struct Topic {
    count: u64,
    answered: u64,
    /// Wording → (times asked, last asked).
    wordings: HashMap<String, (u64, i64)>,
    outcomes: HashMap<(String, Outcome), Tally>,
    sites: HashMap<Option<String>, u64>,
}

/// Question groups since `from`, heaviest first.
fn groups(
    conn: &Connection,
    from: i64,
    at: &str,
    site: Option<&str>,
    which: Which,
    top: usize,
) -> Result<Vec<QuestionGroup>, StoreError> {
    let mut statement = conn.prepare(&groups_sql(which, at))?;
    let mut topics: HashMap<String, Topic> = HashMap::new();
    let mut rows = statement.query(params![from, site])?;
    while let Some(r) = rows.next()? {
        let topic = topics.entry(r.get(0)?).or_default();
        let question: String = r.get(1)?;
        let outcome: Option<String> = r.get(2)?;
        let was_declined: bool = r.get(3)?;
        let kind: Option<String> = r.get(4)?;
        let site: Option<String> = r.get(5)?;
        let tally = Tally {
            count: r.get::<_, i64>(6)? as u64,
            last: r.get(8)?,
            confidence_sum: r.get(9)?,
            confidence_n: r.get::<_, i64>(10)? as u64,
        };
        topic.count += tally.count;
        topic.answered += r.get::<_, i64>(7)? as u64;
        let wording = topic.wordings.entry(question).or_default();
        wording.0 += tally.count;
        wording.1 = wording.1.max(tally.last);
        *topic.sites.entry(site).or_default() += tally.count;
        if let Some(id) = outcome {
            let outcome = if was_declined {
                Outcome::Declined
            } else if kind.as_deref() == Some("assistant") {
                Outcome::Reply
            } else {
                Outcome::Answer
            };
            topic.outcomes.entry((id, outcome)).or_default().add(&tally);
        }
    }
    let mut topics: Vec<(String, Topic)> = topics.into_iter().collect();
    topics.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
    topics.truncate(MAX_TOPICS);

    let clusters = cluster(&topics, |t| t.0.as_str(), |t| t.1.count);
    let mut out = Vec::new();
    for members in clusters.into_iter().take(top) {
        let members: Vec<&Topic> = members.iter().map(|&i| &topics[i].1).collect();
        let wordings = members.iter().flat_map(|t| &t.wordings);
        let (best, _) = wordings
            .clone()
            .max_by(|(a_text, a), (b_text, b)| {
                a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b_text.cmp(a_text))
            })
            .expect("a cluster has at least one wording");
        let mut outcomes: HashMap<&(String, Outcome), Tally> = HashMap::new();
        let mut sites: HashMap<&Option<String>, u64> = HashMap::new();
        for t in &members {
            for (key, tally) in &t.outcomes {
                outcomes.entry(key).or_default().add(tally);
            }
            for (site, n) in &t.sites {
                *sites.entry(site).or_default() += n;
            }
        }
        let answer = outcomes
            .into_iter()
            .max_by(|(a_key, a), (b_key, b)| {
                a.count
                    .cmp(&b.count)
                    .then(a.last.cmp(&b.last))
                    .then(b_key.0.cmp(&a_key.0))
            })
            .map(|((id, outcome), tally)| GroupAnswer {
                id: id.clone(),
                outcome: *outcome,
                title: None,
                count: tally.count,
                confidence: (tally.confidence_n > 0)
                    .then(|| tally.confidence_sum / tally.confidence_n as f64),
            });
        out.push(QuestionGroup {
            wording: best.clone(),
            count: members.iter().map(|t| t.count).sum(),
            answered: members.iter().map(|t| t.answered).sum(),
            wordings: members.iter().map(|t| t.wordings.len() as u64).sum(),
            last_asked: wordings.map(|(_, w)| w.1).max().unwrap_or(0),
            answer,
            sites: site_counts(sites.into_iter().map(|(s, n)| (s.clone(), n))),
        });
    }
    Ok(out)
}

/// Site counts, most first; no site last.
fn site_counts(counts: impl IntoIterator<Item = (Option<String>, u64)>) -> Vec<SiteCount> {
    let mut out: Vec<SiteCount> = counts
        .into_iter()
        .map(|(site, count)| SiteCount { site, count })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.site.is_none().cmp(&b.site.is_none()))
            .then(a.site.cmp(&b.site))
    });
    out
}

/// Answers by "not helpful" votes since `from` (from `site`, when given).
fn votes(
    conn: &Connection,
    from: i64,
    site: Option<&str>,
    top: usize,
) -> Result<Vec<AnswerVotes>, StoreError> {
    let limit = i64::try_from(top).unwrap_or(i64::MAX);
    let mut statement = conn.prepare(&format!(
        "SELECT answer_id, SUM(helpful = 0) AS nh, SUM(helpful = 1) AS h
         FROM feedback WHERE at >= ?1 AND {SITE_IS}
         GROUP BY answer_id HAVING nh > 0
         ORDER BY nh DESC, h ASC, answer_id LIMIT ?3"
    ))?;
    let rows: Vec<(String, i64, i64)> = statement
        .query_map(params![from, site, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut questions = conn.prepare(&format!(
        "SELECT question FROM feedback
         WHERE at >= ?1 AND {SITE_IS} AND answer_id = ?3 AND helpful = 0
         GROUP BY question ORDER BY COUNT(*) DESC, MAX(at) DESC LIMIT 3"
    ))?;
    let mut comments = conn.prepare(&format!(
        "SELECT comment FROM feedback
         WHERE at >= ?1 AND {SITE_IS} AND answer_id = ?3 AND helpful = 0
           AND comment IS NOT NULL
         ORDER BY at DESC, id DESC LIMIT 3"
    ))?;
    let mut out = Vec::new();
    for (answer_id, nh, h) in rows {
        let qs = questions
            .query_map(params![from, site, answer_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let cs = comments
            .query_map(params![from, site, answer_id], |r| r.get(0))?
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

/// "Not helpful" votes since `from` (from `site`, when given) on answers given with
/// confidence of at least [`CONFIDENT`], by answer, most votes first. Each vote rates the
/// latest ask with its answer id and question topic in the [`VOTE_LOOKBACK`] up to it.
///
/// The asks are read once, in time order, keeping only those whose answer and topic some
/// vote names: the cost is one pass over the period's asks however many votes there are.
fn confident_not_helpful(
    conn: &Connection,
    from: i64,
    site: Option<&str>,
    top: usize,
) -> Result<Vec<ConfidentVotes>, StoreError> {
    struct Vote {
        at: i64,
        answer_id: String,
        topic: String,
        question: String,
        comment: Option<String>,
        site: Option<String>,
    }
    let votes: Vec<Vote> = conn
        .prepare(&format!(
            "SELECT at, answer_id, topic, question, comment, site FROM feedback
             WHERE at >= ?1 AND {SITE_IS} AND helpful = 0 ORDER BY at, id"
        ))?
        .query_map(params![from, site], |r| {
            Ok(Vote {
                at: r.get(0)?,
                answer_id: r.get(1)?,
                topic: r.get(2)?,
                question: r.get(3)?,
                comment: r.get(4)?,
                site: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    if votes.is_empty() {
        return Ok(Vec::new());
    }
    // Answer id → topic → the asks given it: (when, confidence), in time order.
    let mut given: HashMap<String, HashMap<String, Vec<(i64, f64)>>> = HashMap::new();
    for v in &votes {
        given
            .entry(v.answer_id.clone())
            .or_default()
            .entry(v.topic.clone())
            .or_default();
    }
    let mut statement = conn.prepare(
        "SELECT at, answer_id, topic, confidence FROM asks
         WHERE at >= ?1 AND answer_id IS NOT NULL AND confidence IS NOT NULL
         ORDER BY at, id",
    )?;
    let mut rows = statement.query([from - VOTE_LOOKBACK])?;
    while let Some(r) = rows.next()? {
        // Borrowed, not copied: most asks match no vote.
        let Some(topics) = r.get_ref(1)?.as_str().ok().and_then(|a| given.get_mut(a)) else {
            continue;
        };
        if let Some(asks) = r.get_ref(2)?.as_str().ok().and_then(|t| topics.get_mut(t)) {
            asks.push((r.get(0)?, r.get(3)?));
        }
    }

    #[derive(Default)]
    struct Acc {
        votes: u64,
        confidence_sum: f64,
        /// Question → (votes, last vote).
        questions: HashMap<String, (u64, i64)>,
        /// Oldest first.
        comments: Vec<String>,
        sites: HashMap<Option<String>, u64>,
    }
    let mut by_answer: HashMap<String, Acc> = HashMap::new();
    for v in votes {
        let asks = &given[&v.answer_id][&v.topic];
        let before = asks.partition_point(|&(at, _)| at <= v.at);
        let Some(&(at, confidence)) = before.checked_sub(1).map(|i| &asks[i]) else {
            continue;
        };
        // Compared as the engine gave it (f32): 0.7 stored as f64 reads 0.69999998…
        let confident = confidence as f32 >= CONFIDENT;
        if at < v.at - VOTE_LOOKBACK || !confident {
            continue;
        }
        let acc = by_answer.entry(v.answer_id).or_default();
        acc.votes += 1;
        acc.confidence_sum += confidence;
        let q = acc.questions.entry(v.question).or_default();
        q.0 += 1;
        q.1 = q.1.max(v.at);
        acc.comments.extend(v.comment);
        *acc.sites.entry(v.site).or_default() += 1;
    }
    let mut out: Vec<ConfidentVotes> = by_answer
        .into_iter()
        .map(|(answer_id, acc)| {
            let mut questions: Vec<(String, (u64, i64))> = acc.questions.into_iter().collect();
            questions.sort_by(|a, b| {
                b.1 .0
                    .cmp(&a.1 .0)
                    .then(b.1 .1.cmp(&a.1 .1))
                    .then(a.0.cmp(&b.0))
            });
            ConfidentVotes {
                answer_id,
                title: None,
                votes: acc.votes,
                confidence: acc.confidence_sum / acc.votes as f64,
                questions: questions.into_iter().take(3).map(|(q, _)| q).collect(),
                comments: acc.comments.into_iter().rev().take(3).collect(),
                sites: site_counts(acc.sites),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.votes
            .cmp(&a.votes)
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.answer_id.cmp(&b.answer_id))
    });
    out.truncate(top);
    Ok(out)
}

/// Every site's figures since `from`, most questions (then votes) first, no site last.
fn sites(conn: &Connection, from: i64, at: &str) -> Result<Vec<SiteFigures>, StoreError> {
    let mut by_site: HashMap<Option<String>, SiteFigures> = HashMap::new();
    let figures = |site: Option<String>| SiteFigures {
        site,
        questions: 0,
        answered: 0,
        declined: 0,
        unanswered: 0,
        helpful_votes: 0,
        not_helpful_votes: 0,
    };
    let mut statement = conn.prepare(&format!(
        "SELECT site, COUNT(*), SUM({IS_ANSWERED}), SUM({IS_DECLINED}), SUM({IS_UNANSWERED})
         FROM asks WHERE {at} GROUP BY site"
    ))?;
    let mut rows = statement.query([from])?;
    while let Some(r) = rows.next()? {
        let site: Option<String> = r.get(0)?;
        let s = by_site.entry(site.clone()).or_insert_with(|| figures(site));
        s.questions = r.get::<_, i64>(1)? as u64;
        s.answered = r.get::<_, i64>(2)? as u64;
        s.declined = r.get::<_, i64>(3)? as u64;
        s.unanswered = r.get::<_, i64>(4)? as u64;
    }
    let mut statement = conn.prepare(
        "SELECT site, SUM(helpful = 1), SUM(helpful = 0) FROM feedback
         WHERE at >= ?1 GROUP BY site",
    )?;
    let mut rows = statement.query([from])?;
    while let Some(r) = rows.next()? {
        let site: Option<String> = r.get(0)?;
        let s = by_site.entry(site.clone()).or_insert_with(|| figures(site));
        s.helpful_votes = r.get::<_, i64>(1)? as u64;
        s.not_helpful_votes = r.get::<_, i64>(2)? as u64;
    }
    let mut out: Vec<SiteFigures> = by_site.into_values().collect();
    out.sort_by(|a, b| {
        b.questions
            .cmp(&a.questions)
            .then(
                (b.helpful_votes + b.not_helpful_votes)
                    .cmp(&(a.helpful_votes + a.not_helpful_votes)),
            )
            .then(a.site.is_none().cmp(&b.site.is_none()))
            .then(a.site.cmp(&b.site))
    });
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
/// " — Title" after an answer id in the terminal report, or nothing when the title is unknown.
fn title_suffix(title: Option<&str>) -> String {
    title
        .map(|t| format!(" — {}", one_line(t)))
        .unwrap_or_default()
}

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
    use crate::store::{schema, write, AskRecord, FeedbackRecord, MAX_SITE_CHARS};

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
    fn a_period_of_most_rows_is_read_in_order_and_a_small_one_through_the_index() {
        let asks: Vec<AskRecord> = (0..200)
            .map(|i| ask(i % 100, &format!("question {}", i % 7), None))
            .collect();
        let conn = store_with(&asks, &[]);
        assert_eq!(period_filter(&conn, NOW - DAY).unwrap(), WINDOW_BY_INDEX);
        assert_eq!(
            period_filter(&conn, NOW - 90 * DAY).unwrap(),
            WINDOW_IN_ORDER
        );
        let plan: Vec<String> = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                groups_sql(Which::All, WINDOW_IN_ORDER)
            ))
            .unwrap()
            .query_map(params![NOW - 90 * DAY, None::<String>], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|step| step == "SCAN asks"), "{plan:?}");
        // Either way the same groups come back.
        let by = |at: &str| {
            let mut groups = groups(&conn, NOW - 90 * DAY, at, None, Which::All, 10).unwrap();
            groups.sort_by(|a, b| a.wording.cmp(&b.wording));
            groups
        };
        assert_eq!(by(WINDOW_BY_INDEX), by(WINDOW_IN_ORDER));
    }

    #[test]
    fn question_groups_read_only_the_window_by_time() {
        let asks: Vec<AskRecord> = (0..200)
            .map(|i| ask(i % 100, &format!("question {}", i % 7), None))
            .collect();
        // No ANALYZE, as in service: with an index on the topic, SQLite chose to scan every
        // row in topic order.
        let conn = store_with(&asks, &[]);
        let plan = |sql: &str| -> Vec<String> {
            conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params![NOW - DAY, Some("leeds")], |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        for which in [Which::All, Which::Unanswered, Which::Declined] {
            let steps = plan(&groups_sql(which, WINDOW_BY_INDEX));
            assert!(
                steps
                    .iter()
                    .any(|step| step.contains("USING INDEX asks_at")),
                "{which:?}: {steps:?}"
            );
        }
        // The confident-not-helpful pass reads the asks in time order through the index.
        let steps = plan(
            "SELECT at, answer_id, topic, confidence FROM asks
             WHERE at >= ?1 AND answer_id IS NOT NULL AND confidence IS NOT NULL AND ?2 = ?2
             ORDER BY at, id",
        );
        assert!(
            steps
                .iter()
                .any(|step| step.contains("USING INDEX asks_at"))
                && !steps.iter().any(|step| step.contains("TEMP B-TREE")),
            "{steps:?}"
        );
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

    /// An ask `minutes_ago` minutes before NOW from `site`, answered by `answer` (id, kind,
    /// confidence) or declined by `declined`.
    fn asked(
        minutes_ago: i64,
        site: Option<&str>,
        q: &str,
        answer: Option<(&str, &str, f32)>,
        declined: Option<&str>,
    ) -> AskRecord {
        AskRecord::new(
            NOW - minutes_ago * 60,
            site,
            q,
            answer.map(|(id, _, c)| (id, c)),
            1,
        )
        .with_outcome(answer.map(|(_, kind, _)| kind), declined)
    }

    fn vote(
        minutes_ago: i64,
        site: Option<&str>,
        id: &str,
        q: &str,
        helpful: bool,
    ) -> FeedbackRecord {
        FeedbackRecord::new(NOW - minutes_ago * 60, id, q, helpful, None).with_site(site)
    }

    #[test]
    fn declined_on_purpose_and_small_talk_stand_apart_from_gaps() {
        let asks = [
            asked(
                1,
                None,
                "when is my bin collection",
                None,
                Some("your-council"),
            ),
            asked(
                2,
                None,
                "When is my bin collection?",
                None,
                Some("your-council"),
            ),
            asked(3, None, "hello", Some(("greeting", "assistant", 1.0)), None),
            asked(4, None, "what is the weather tomorrow", None, None),
            asked(
                5,
                None,
                "is there a helpline",
                Some(("faq-01", "faq", 0.9)),
                None,
            ),
            // Recorded before schema 4: no kind, no decline; an answer all the same.
            asked(6, None, "who led parsol", None, None),
            AskRecord::new(
                NOW - 7 * 60,
                None,
                "who ran parsol",
                Some(("parsol", 0.8)),
                1,
            ),
        ];
        let conn = store_with(&asks, &[]);
        let report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        assert_eq!(report.questions, 7);
        assert_eq!(
            (
                report.answered,
                report.declined_count,
                report.small_talk,
                report.unanswered_count
            ),
            (2, 3, 1, 2)
        );
        let today = report.per_day.last().unwrap();
        assert_eq!((today.questions, today.answered, today.declined), (7, 2, 3));

        let wordings = |groups: &[QuestionGroup]| -> Vec<String> {
            groups.iter().map(|g| g.wording.clone()).collect()
        };
        let mut gaps = wordings(&report.unanswered);
        gaps.sort();
        assert_eq!(
            gaps,
            ["what is the weather tomorrow", "who led parsol"],
            "only genuine gaps"
        );
        assert_eq!(report.declined.len(), 2, "{:?}", report.declined);
        let bins = &report.declined[0];
        assert_eq!(bins.count, 2, "two wordings of one question: {bins:?}");
        let decline = bins.answer.as_ref().unwrap();
        assert_eq!(
            (
                decline.id.as_str(),
                decline.outcome,
                decline.count,
                decline.confidence
            ),
            ("your-council", Outcome::Declined, 2, None)
        );
        let hello = &report.declined[1];
        assert_eq!(hello.wording, "hello");
        let reply = hello.answer.as_ref().unwrap();
        assert_eq!(
            (reply.id.as_str(), reply.outcome),
            ("greeting", Outcome::Reply)
        );
        assert_eq!(hello.answered, 0, "a reply is not an answer");

        // The most asked list names what each group got.
        let most = &report.most_asked[0];
        assert_eq!(most.answer.as_ref().unwrap().id, "your-council");
        let helpline = report
            .most_asked
            .iter()
            .find(|g| g.wording == "is there a helpline")
            .unwrap();
        let answer = helpline.answer.as_ref().unwrap();
        assert_eq!(
            (answer.id.as_str(), answer.outcome),
            ("faq-01", Outcome::Answer)
        );
        assert!((answer.confidence.unwrap() - 0.9).abs() < 1e-6);

        let csv = report.csv(List::Declined);
        assert!(
            csv.starts_with("question,times_asked,answered,similar_wordings,last_asked_utc,sites,answer_id,answer_title,outcome,times_given,mean_confidence\r\n"),
            "{csv}"
        );
        assert!(
            csv.contains(",(no site) (2),your-council,,declined,2,\r\n"),
            "{csv}"
        );
        assert!(csv.contains(",greeting,,reply,1,1.00\r\n"), "{csv}");
        let text = report.text();
        assert!(
            text.contains(
                "answered: 2 (29%)   declined on purpose: 3 (1 small talk)   unanswered: 2"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_most_asked_group_shows_its_most_frequent_answer_and_mean_confidence() {
        let asks = [
            asked(
                1,
                None,
                "how do I report a pothole",
                Some(("faq-01", "faq", 0.8)),
                None,
            ),
            asked(
                2,
                None,
                "how do I report a pothole",
                Some(("faq-01", "faq", 0.6)),
                None,
            ),
            asked(
                3,
                None,
                "report a pothole how",
                Some(("faq-02", "faq", 0.95)),
                None,
            ),
            asked(4, None, "how do I report a pothole", None, None),
        ];
        let conn = store_with(&asks, &[]);
        let mut report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        report.fill_titles(|id| Some(format!("Title of {id}")));
        assert_eq!(report.most_asked.len(), 1, "{:?}", report.most_asked);
        let group = &report.most_asked[0];
        assert_eq!((group.count, group.answered, group.wordings), (4, 3, 2));
        let answer = group.answer.as_ref().unwrap();
        assert_eq!(answer.id, "faq-01");
        assert_eq!(answer.title.as_deref(), Some("Title of faq-01"));
        assert_eq!(answer.count, 2);
        assert!(
            (answer.confidence.unwrap() - 0.7).abs() < 1e-6,
            "the mean: {answer:?}"
        );
        let csv = report.csv(List::MostAsked);
        assert!(
            csv.contains(",faq-01,Title of faq-01,answer,2,0.70\r\n"),
            "{csv}"
        );
    }

    #[test]
    fn a_site_filters_every_list_and_sites_are_counted() {
        let asks = [
            asked(
                1,
                Some("leeds"),
                "is there a helpline",
                Some(("faq-01", "faq", 0.9)),
                None,
            ),
            asked(2, Some("leeds"), "what is the weather", None, None),
            asked(
                3,
                Some("leeds"),
                "when is my bin collection",
                None,
                Some("your-council"),
            ),
            asked(4, Some("york"), "what is the weather", None, None),
            asked(5, Some("york"), "what is the weather", None, None),
            asked(
                6,
                None,
                "is there a helpline",
                Some(("faq-01", "faq", 0.9)),
                None,
            ),
        ];
        let feedback = [
            vote(1, Some("leeds"), "faq-01", "is there a helpline", false),
            vote(2, Some("york"), "faq-01", "is there a helpline", true),
            vote(3, None, "faq-01", "is there a helpline", true),
        ];
        let conn = store_with(&asks, &feedback);
        let all = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        assert_eq!(all.site, None);
        assert_eq!(all.questions, 6);
        assert_eq!(all.site_names, ["leeds", "york"]);
        let figures = |site: Option<&str>, asked: [u64; 4], votes: [u64; 2]| SiteFigures {
            site: site.map(str::to_string),
            questions: asked[0],
            answered: asked[1],
            declined: asked[2],
            unanswered: asked[3],
            helpful_votes: votes[0],
            not_helpful_votes: votes[1],
        };
        assert_eq!(
            all.sites,
            [
                figures(Some("leeds"), [3, 1, 1, 1], [0, 1]),
                figures(Some("york"), [2, 0, 0, 2], [1, 0]),
                figures(None, [1, 1, 0, 0], [1, 0]),
            ]
        );
        let weather = &all.unanswered[0];
        assert_eq!(weather.count, 3);
        assert_eq!(
            weather.sites,
            [
                SiteCount {
                    site: Some("york".into()),
                    count: 2
                },
                SiteCount {
                    site: Some("leeds".into()),
                    count: 1
                },
            ]
        );

        let leeds = Report::load_site(&conn, Period { days: 7 }, Some("leeds"), NOW, 10).unwrap();
        assert_eq!(leeds.site.as_deref(), Some("leeds"));
        assert_eq!(
            (
                leeds.questions,
                leeds.answered,
                leeds.declined_count,
                leeds.unanswered_count
            ),
            (3, 1, 1, 1)
        );
        assert_eq!((leeds.helpful_votes, leeds.not_helpful_votes), (0, 1));
        assert_eq!(leeds.unanswered[0].count, 1, "york's asks are not counted");
        assert_eq!(leeds.declined.len(), 1);
        assert_eq!(leeds.not_helpful.len(), 1);
        assert_eq!(leeds.sites.len(), 1, "only the chosen site's figures");
        assert_eq!(
            leeds.site_names,
            ["leeds", "york"],
            "the picker offers every site"
        );
        let csv = leeds.csv(List::Sites);
        assert_eq!(
            csv,
            "site,questions,answered,answered_share,declined,unanswered,helpful,not_helpful\r\n\
             leeds,3,1,0.333,1,1,0,1\r\n"
        );
        let csv = leeds.csv(List::Unanswered);
        assert!(csv.contains(",leeds (1)\r\n"), "{csv}");
        assert!(leeds.text().contains("site leeds"), "{}", leeds.text());

        let nobody = Report::load_site(&conn, Period { days: 7 }, Some("bath"), NOW, 10).unwrap();
        assert_eq!(nobody.questions, 0);
        assert!(nobody.sites.is_empty() && nobody.most_asked.is_empty());
        // Old votes without a site are counted under no site, never under a filter.
        assert_eq!(
            Report::load_site(&conn, Period { days: 7 }, Some("york"), NOW, 10)
                .unwrap()
                .helpful_votes,
            1
        );
    }

    #[test]
    fn confident_answers_voted_not_helpful_are_matched_to_the_ask_they_rate() {
        let asks = [
            // Confident, voted not helpful twice: matched by topic (case, punctuation).
            asked(
                10,
                Some("leeds"),
                "Is there a helpline?",
                Some(("faq-01", "faq", 0.9)),
                None,
            ),
            asked(
                9,
                None,
                "is there a helpline",
                Some(("faq-01", "faq", 0.8)),
                None,
            ),
            // At the threshold exactly (given as f32, as the engine does).
            asked(
                10,
                None,
                "who led parsol",
                Some(("parsol", "project", 0.7)),
                None,
            ),
            // Not confident.
            asked(
                10,
                None,
                "what does planit do",
                Some(("planit", "project", 0.5)),
                None,
            ),
            // Confident once, but the latest ask before the vote was not.
            asked(
                30,
                None,
                "when are bins collected",
                Some(("bins", "project", 0.95)),
                None,
            ),
            asked(
                20,
                None,
                "when are bins collected",
                Some(("bins", "project", 0.4)),
                None,
            ),
            // Confident, but more than a day before its vote.
            asked(
                2 * 24 * 60,
                None,
                "old question",
                Some(("faq-02", "faq", 0.99)),
                None,
            ),
        ];
        let feedback = [
            vote(5, Some("leeds"), "faq-01", "IS THERE A HELPLINE", false),
            vote(4, None, "faq-01", "is there a helpline?", false),
            vote(3, None, "faq-01", "is there a helpline", true),
            vote(5, None, "parsol", "Who led PARSOL?", false),
            vote(5, None, "planit", "what does planit do", false),
            vote(5, None, "bins", "when are bins collected", false),
            vote(5, None, "faq-02", "old question", false),
            // No ask at all for this question, or not with this answer.
            vote(5, None, "faq-01", "a question never asked", false),
            vote(5, None, "faq-02", "who led parsol", false),
            // A vote before its ask rates an earlier one (there is none).
            vote(15, None, "planit", "is there a helpline", false),
        ];
        let conn = store_with(&asks, &feedback);
        let mut report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        report.fill_titles(|id| (id == "faq-01").then(|| "Is there a helpline?".into()));
        let found: Vec<(&str, u64)> = report
            .confident_not_helpful
            .iter()
            .map(|v| (v.answer_id.as_str(), v.votes))
            .collect();
        assert_eq!(found, [("faq-01", 2), ("parsol", 1)]);
        // Both votes rate the latest ask before them (0.8), not the earlier one (0.9).
        let helpline = &report.confident_not_helpful[0];
        assert!((helpline.confidence - 0.8).abs() < 1e-6, "{helpline:?}");
        assert_eq!(helpline.title.as_deref(), Some("Is there a helpline?"));
        assert_eq!(helpline.questions.len(), 2, "{helpline:?}");
        assert_eq!(
            helpline.sites,
            [
                SiteCount {
                    site: Some("leeds".into()),
                    count: 1
                },
                SiteCount {
                    site: None,
                    count: 1
                }
            ]
        );
        // Every "not helpful" vote still counts in the other list.
        assert_eq!(report.not_helpful_votes, 9);

        let csv = report.csv(List::ConfidentNotHelpful);
        assert!(
            csv.starts_with("answer_id,title,not_helpful_confident,mean_confidence,questions,comments,sites\r\n"),
            "{csv}"
        );
        assert!(
            csv.contains("\r\nfaq-01,Is there a helpline?,2,0.80,"),
            "{csv}"
        );
        assert!(
            csv.contains("\r\nparsol,,1,0.70,Who led PARSOL?,,(no site) (1)\r\n"),
            "{csv}"
        );
        let text = report.text();
        assert!(
            text.contains("Confident but voted not helpful (confidence 0.7 or more)"),
            "{text}"
        );

        // A site filter reads that site's votes only.
        let leeds = Report::load_site(&conn, Period { days: 7 }, Some("leeds"), NOW, 10).unwrap();
        assert_eq!(leeds.confident_not_helpful.len(), 1);
        assert_eq!(leeds.confident_not_helpful[0].votes, 1);
    }

    #[test]
    fn site_filters_parse_as_stored_site_ids_only() {
        for good in ["leeds", "leeds.gov.uk", "site_1", "a:b-c"] {
            assert_eq!(parse_site(good).as_deref(), Ok(good));
        }
        let long = "x".repeat(MAX_SITE_CHARS + 1);
        for bad in [
            "",
            " leeds",
            "leeds council",
            "<script>",
            "jane@example.com",
            "\u{1b}[2J",
            &long,
        ] {
            let err = parse_site(bad).unwrap_err();
            assert!(!err.contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn list_names_round_trip() {
        for list in List::ALL {
            assert_eq!(List::from_name(list.name()), Some(list));
        }
        assert_eq!(List::from_name("secrets"), None);
    }
}
