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
//!
//! The parts: `query` reads the store into the plain [`Report`] (`votes` the lists of votes);
//! `csv` and `text` render it for spreadsheets and the terminal (the `/admin` page renders
//! it as HTML in `http/admin.rs`); `period` is the calendar.

mod csv;
mod period;
mod query;
mod text;
mod votes;

#[cfg(test)]
mod tests;

use super::{clean_site, StoreError, MAX_SITE_CHARS};

pub use self::csv::text_cell;
pub use period::{date, timestamp, Period};
pub use text::visible;

/// An answer given with at least this confidence is one the engine did not doubt: "not
/// helpful" votes on it are listed apart, as confident wrong answers.
pub const CONFIDENT: f32 = 0.7;

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
/// the store as text, or one whole `list` as CSV. Answer titles come from the index at `index`
/// when one can be opened; the report works without it.
pub fn terminal(
    store: &super::Database,
    index: Option<&std::path::Path>,
    period: Period,
    site: Option<&str>,
    top: usize,
    list: Option<List>,
) -> Result<String, StoreError> {
    // Nothing recorded yet (no SQLite file) is an error here: there is nothing to report.
    let conn = store
        .for_reading()?
        .ok_or_else(|| StoreError::Missing(store.display().into()))?;
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
