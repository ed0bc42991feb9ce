//! What editors do from the admin pages, in the store: the phrasings they taught (the overlay
//! every index build applies over the corpus, see `signpost_indexer::overlay`), the question
//! groups they dismissed from the work queue, the audit log of every admin write, and the
//! queries behind the work queue.
//!
//! Every write runs in one transaction together with its audit row, so a change is either
//! recorded and audited or not made at all. Learned phrasings are never deleted: undo marks
//! one undone (who and when), so the page of learned phrasings is a full history.
//!
//! Why this file is over 500 lines: about 130 of them are tests.

// std's maps (SipHash under a random key) on purpose, not Fx: they are keyed by what the
// public typed (questions, site ids), which an unkeyed hash would let them make collide.
use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use signpost_indexer::overlay::{LearnedPhrasing, Overlay};

use super::topic::topic_key;
use super::{open_for_writing, open_read_only, StoreError};
use crate::redact::{redact, truncate_chars};

/// The longest phrasing kept, in characters (the longest question accepted is shorter).
pub const MAX_PHRASING_CHARS: usize = 500;
/// Answers below this confidence are in the work queue as "low confidence".
pub const LOW_CONFIDENCE: f64 = 0.7;
/// The most sites a queue group lists.
const MAX_SITES: usize = 5;
/// How far back the work queue looks, in days.
pub const QUEUE_DAYS: i64 = 90;

/// What a learned phrasing teaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LearnedKind {
    /// The phrasing asks for a programme entry.
    Phrasing,
    /// The phrasing is out of scope: an assistant entry declines it.
    Decline,
}

impl LearnedKind {
    fn as_str(self) -> &'static str {
        match self {
            LearnedKind::Phrasing => "phrasing",
            LearnedKind::Decline => "decline",
        }
    }

    fn parse(text: &str) -> LearnedKind {
        if text == "decline" {
            LearnedKind::Decline
        } else {
            LearnedKind::Phrasing
        }
    }
}

/// One learned phrasing, in force or undone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Learned {
    pub id: i64,
    pub at: i64,
    pub kind: LearnedKind,
    pub entry_id: String,
    pub phrasing: String,
    pub editor: String,
    pub undone_at: Option<i64>,
    pub undone_by: Option<String>,
}

impl Learned {
    /// The phrasing as the overlay holds it.
    pub fn learned(&self) -> LearnedPhrasing {
        LearnedPhrasing {
            entry_id: self.entry_id.clone(),
            phrasing: self.phrasing.clone(),
        }
    }
}

/// Who made an admin write and through which request, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The Basic-authentication user name the editor gave, or `admin`.
    pub editor: String,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
}

/// A phrasing as stored: redacted, one line, at most [`MAX_PHRASING_CHARS`].
pub fn clean_phrasing(text: &str) -> String {
    let redacted = redact(text.trim());
    signpost_indexer::overlay::one_line(truncate_chars(&redacted, MAX_PHRASING_CHARS))
}

fn audit(
    conn: &Connection,
    at: i64,
    actor: &Actor,
    action: &str,
    detail: &serde_json::Value,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (at, editor, request_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            at,
            actor.editor,
            actor.request_id,
            action,
            detail.to_string()
        ],
    )?;
    Ok(())
}

/// Opens the store for an admin write.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let (conn, read_only) = open_for_writing(path, std::time::Duration::from_secs(5))?;
    if read_only {
        return Err(StoreError::ReadOnly);
    }
    Ok(conn)
}

/// Records a learned phrasing and its audit row in one transaction; returns its id.
pub fn learn(
    conn: &mut Connection,
    at: i64,
    kind: LearnedKind,
    entry_id: &str,
    phrasing: &str,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let phrasing = clean_phrasing(phrasing);
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO learned (at, kind, entry_id, phrasing, topic, editor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            at,
            kind.as_str(),
            entry_id,
            phrasing,
            topic_key(&phrasing),
            actor.editor
        ],
    )?;
    let id = tx.last_insert_rowid();
    audit(
        &tx,
        at,
        actor,
        "learn",
        &serde_json::json!({ "id": id, "kind": kind, "entry_id": entry_id, "phrasing": phrasing }),
    )?;
    tx.commit()?;
    Ok(id)
}

/// Marks a learned phrasing undone; `None` when there is no such phrasing in force.
pub fn undo(
    conn: &mut Connection,
    at: i64,
    id: i64,
    actor: &Actor,
) -> Result<Option<Learned>, StoreError> {
    let tx = conn.transaction()?;
    let changed = tx.execute(
        "UPDATE learned SET undone_at = ?1, undone_by = ?2 WHERE id = ?3 AND undone_at IS NULL",
        params![at, actor.editor, id],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    audit(&tx, at, actor, "undo", &serde_json::json!({ "id": id }))?;
    let learned = one(&tx, id)?;
    tx.commit()?;
    Ok(learned)
}

/// Hides a question group from the work queue (again: dismissing twice keeps the first).
pub fn dismiss(
    conn: &mut Connection,
    at: i64,
    topic: &str,
    wording: &str,
    actor: &Actor,
) -> Result<(), StoreError> {
    let wording = clean_phrasing(wording);
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO dismissed (topic, at, wording, editor) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (topic) DO NOTHING",
        params![topic, at, wording, actor.editor],
    )?;
    audit(
        &tx,
        at,
        actor,
        "dismiss",
        &serde_json::json!({ "topic": topic, "wording": wording }),
    )?;
    tx.commit()?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Learned> {
    Ok(Learned {
        id: r.get(0)?,
        at: r.get(1)?,
        kind: LearnedKind::parse(&r.get::<_, String>(2)?),
        entry_id: r.get(3)?,
        phrasing: r.get(4)?,
        editor: r.get(5)?,
        undone_at: r.get(6)?,
        undone_by: r.get(7)?,
    })
}

const COLUMNS: &str = "id, at, kind, entry_id, phrasing, editor, undone_at, undone_by";

/// The learned phrasing `id`, in force or undone.
pub fn find(conn: &Connection, id: i64) -> Result<Option<Learned>, StoreError> {
    Ok(one(conn, id)?)
}

fn one(conn: &Connection, id: i64) -> rusqlite::Result<Option<Learned>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM learned WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
}

/// Every learned phrasing, newest first, undone ones included.
pub fn history(conn: &Connection) -> Result<Vec<Learned>, StoreError> {
    let mut statement = conn.prepare(&format!("SELECT {COLUMNS} FROM learned ORDER BY id DESC"))?;
    let rows = statement.query_map([], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The phrasings in force, oldest first, as the overlay an index build applies.
pub fn overlay(conn: &Connection) -> Result<Overlay, StoreError> {
    let mut statement =
        conn.prepare("SELECT entry_id, phrasing FROM learned WHERE undone_at IS NULL ORDER BY id")?;
    let rows = statement.query_map([], |r| {
        Ok(LearnedPhrasing {
            entry_id: r.get(0)?,
            phrasing: r.get(1)?,
        })
    })?;
    Ok(Overlay {
        phrasings: rows.collect::<Result<_, _>>()?,
    })
}

/// The overlay in the store at `path`; empty when nothing has been recorded there yet.
pub fn read_overlay(path: &Path) -> Result<Overlay, StoreError> {
    match open_read_only(path) {
        Ok(conn) => overlay(&conn),
        Err(StoreError::Missing(_)) => Ok(Overlay::default()),
        Err(e) => Err(e),
    }
}

/// One admin write, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub at: i64,
    pub editor: String,
    /// Which request made it (`POST /admin/fixes`, and a proxy's request id).
    pub request_id: Option<String>,
    /// `learn`, `undo` or `dismiss`.
    pub action: String,
    /// What was done, as JSON.
    pub detail: String,
}

/// The latest audit rows, newest first.
pub fn audit_log(conn: &Connection, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT at, editor, request_id, action, detail FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = statement.query_map([limit as i64], |r| {
        Ok(AuditRow {
            at: r.get(0)?,
            editor: r.get(1)?,
            request_id: r.get(2)?,
            action: r.get(3)?,
            detail: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Why a question group is in the work queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// No answer, and not declined on purpose.
    Unanswered,
    /// Voted "not helpful".
    NotHelpful,
    /// Answered below [`LOW_CONFIDENCE`].
    LowConfidence,
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Reason::Unanswered => "Unanswered",
            Reason::NotHelpful => "Voted not helpful",
            Reason::LowConfidence => "Low confidence",
        }
    }
}

/// One group of the work queue: questions sharing a topic key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueItem {
    pub topic: String,
    /// The group's most asked wording, redacted as stored.
    pub wording: String,
    pub reason: Reason,
    pub asked: u64,
    pub not_helpful_votes: u64,
    /// The sites it was asked from, most first.
    pub sites: Vec<String>,
    /// The answer it got last, with its confidence; `None`: no answer.
    pub answer: Option<(String, f64)>,
    pub last_asked: i64,
}

/// The work queue since `from`: unanswered groups, groups voted "not helpful" and groups
/// answered with low confidence, most asked first, without dismissed groups and without
/// groups an editor has already taught a phrasing for. One read of the period's asks and one
/// of its votes, whatever the queue's length.
pub fn queue(conn: &Connection, from: i64, limit: usize) -> Result<Vec<QueueItem>, StoreError> {
    let mut skip: HashSet<String> = HashSet::new();
    for sql in [
        "SELECT topic FROM dismissed",
        "SELECT topic FROM learned WHERE undone_at IS NULL",
    ] {
        let mut statement = conn.prepare(sql)?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
        for topic in rows {
            skip.insert(topic?);
        }
    }
    /// One topic's figures, gathered over its wordings.
    #[derive(Default)]
    struct Group {
        /// Each wording and how often it was asked.
        wordings: HashMap<String, u64>,
        /// A voted wording, for a group never asked in the period.
        voted_wording: Option<String>,
        sites: HashMap<String, u64>,
        asked: u64,
        unanswered: u64,
        low: u64,
        votes: u64,
        last_asked: i64,
        /// The latest ask's answer, and when it was.
        latest: Option<(i64, Option<(String, f64)>)>,
    }
    let mut groups: HashMap<String, Group> = HashMap::new();
    // One pass over the period's asks, grouped here rather than by SQL: the queue's window is
    // the whole retention period, where reading the table in order beats both the time index
    // (a random read per row) and sorting 400k rows into groups.
    let mut statement = conn.prepare(
        "SELECT topic, question, at, answer_id, confidence, declined IS NULL, answer_kind, site
         FROM asks NOT INDEXED WHERE at >= ?1 AND topic != ''",
    )?;
    let mut rows = statement.query([from])?;
    while let Some(r) = rows.next()? {
        let topic = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        if skip.contains(topic) {
            continue;
        }
        let group = match groups.get_mut(topic) {
            Some(group) => group,
            None => groups.entry(topic.to_string()).or_default(),
        };
        let question = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        let count = group.wordings.entry(question.to_string()).or_insert(0);
        *count += 1;
        let at: i64 = r.get(2)?;
        let answer: Option<String> = r.get(3)?;
        let confidence: Option<f64> = r.get(4)?;
        let not_declined: bool = r.get(5)?;
        let assistant = r.get_ref(6)?.as_str().ok() == Some("assistant");
        group.asked += 1;
        match (&answer, confidence) {
            (None, _) if not_declined => group.unanswered += 1,
            (Some(_), Some(c)) if c < LOW_CONFIDENCE && !assistant => group.low += 1,
            _ => {}
        }
        if group.latest.as_ref().is_none_or(|(last, _)| at >= *last) {
            group.latest = Some((at, answer.zip(confidence)));
        }
        group.last_asked = group.last_asked.max(at);
        if let Ok(site) = r.get_ref(7)?.as_str() {
            *group.sites.entry(site.to_string()).or_insert(0) += 1;
        }
    }
    // Votes: a group voted "not helpful" is in the queue whatever its confidence.
    let mut statement = conn.prepare(
        "SELECT topic, question, COUNT(*) FROM feedback
         WHERE at >= ?1 AND helpful = 0 AND topic != '' GROUP BY topic, question",
    )?;
    let rows = statement.query_map([from], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)? as u64,
        ))
    })?;
    for row in rows {
        let (topic, question, votes) = row?;
        if skip.contains(&topic) {
            continue;
        }
        let group = groups.entry(topic).or_default();
        group.voted_wording.get_or_insert(question);
        group.votes += votes;
    }
    let mut items: Vec<QueueItem> = groups
        .into_iter()
        .filter_map(|(topic, g)| {
            // Answered with confidence and never voted down: nothing to do.
            let reason = if g.unanswered > 0 {
                Reason::Unanswered
            } else if g.votes > 0 {
                Reason::NotHelpful
            } else if g.low > 0 {
                Reason::LowConfidence
            } else {
                return None;
            };
            // The most asked wording (the first in order on a tie).
            let wording = g
                .wordings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(w, _)| w.clone())
                .or(g.voted_wording)
                .unwrap_or_default();
            let mut sites: Vec<(String, u64)> = g.sites.into_iter().collect();
            sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Some(QueueItem {
                topic,
                wording,
                reason,
                asked: g.asked,
                not_helpful_votes: g.votes,
                sites: sites.into_iter().take(MAX_SITES).map(|(s, _)| s).collect(),
                answer: g.latest.and_then(|(_, answer)| answer),
                last_asked: g.last_asked,
            })
        })
        .collect();
    items.sort_by(|a, b| {
        (b.asked + b.not_helpful_votes)
            .cmp(&(a.asked + a.not_helpful_votes))
            .then(b.last_asked.cmp(&a.last_asked))
            .then(a.topic.cmp(&b.topic))
    });
    items.truncate(limit);
    Ok(items)
}

/// The last `limit` distinct questions asked (redacted, as stored), newest first: what a
/// preview checks a fix against besides the evaluation sets.
pub fn recent_questions(conn: &Connection, limit: usize) -> Result<Vec<String>, StoreError> {
    let mut statement =
        conn.prepare("SELECT question FROM asks GROUP BY question ORDER BY MAX(id) DESC LIMIT ?1")?;
    let rows = statement.query_map([limit as i64], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{schema, write, AskRecord, FeedbackRecord};

    fn store() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        conn
    }

    fn editor() -> Actor {
        Actor {
            editor: "jo".into(),
            request_id: Some("req-1".into()),
        }
    }

    #[test]
    fn learned_phrasings_are_redacted_audited_and_undone_not_deleted() {
        let mut conn = store();
        let id = learn(
            &mut conn,
            10,
            LearnedKind::Phrasing,
            "faq-05",
            "  who do I ring,\n jane@example.com asks ",
            &editor(),
        )
        .unwrap();
        let overlay = overlay(&conn).unwrap();
        assert_eq!(overlay.phrasings.len(), 1);
        assert_eq!(overlay.phrasings[0].phrasing, "who do I ring, [email] asks");
        assert_eq!(overlay.phrasings[0].entry_id, "faq-05");

        let undone = undo(&mut conn, 20, id, &editor()).unwrap().unwrap();
        assert_eq!(undone.undone_at, Some(20));
        assert_eq!(undone.undone_by.as_deref(), Some("jo"));
        assert!(overlay_of(&conn).is_empty(), "undone: no longer applied");
        assert!(undo(&mut conn, 30, id, &editor()).unwrap().is_none());
        assert_eq!(history(&conn).unwrap().len(), 1, "kept for the record");
        let log = audit_log(&conn, 10).unwrap();
        let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["undo", "learn"]);
        assert_eq!(log[1].request_id.as_deref(), Some("req-1"));
        assert!(log[1].detail.contains("[email]"), "{}", log[1].detail);
    }

    fn overlay_of(conn: &Connection) -> Vec<LearnedPhrasing> {
        overlay(conn).unwrap().phrasings
    }

    fn ask(at: i64, site: Option<&str>, q: &str, answer: Option<(&str, f32)>) -> AskRecord {
        AskRecord::new(at, site, q, answer, 0).with_outcome(answer.map(|_| "faq"), None)
    }

    #[test]
    fn the_queue_holds_gaps_weak_answers_and_votes_but_not_declines_or_fixed_groups() {
        let mut conn = store();
        let asks = [
            ask(100, Some("leeds"), "where is the money", None),
            ask(101, Some("york"), "where is the money?", None),
            ask(102, Some("leeds"), "where is the money", None),
            ask(103, None, "who led parsol", Some(("parsol", 0.95))),
            ask(104, None, "what was fame about", Some(("fame", 0.55))),
            ask(105, None, "who ran crm", Some(("crm", 0.9))),
            AskRecord::new(106, None, "when is my bin collected", None, 0)
                .with_outcome(None, Some("your-council")),
            ask(107, None, "can I get a grant", None),
        ];
        let votes = [FeedbackRecord::new(108, "crm", "who ran crm", false, None)];
        write(&mut conn, &asks, &votes).unwrap();
        dismiss(
            &mut conn,
            109,
            &topic_key("can I get a grant"),
            "can I get a grant",
            &editor(),
        )
        .unwrap();

        let queue = queue(&conn, 0, 10).unwrap();
        let found: Vec<(&str, Reason, u64)> = queue
            .iter()
            .map(|i| (i.wording.as_str(), i.reason, i.asked))
            .collect();
        assert_eq!(
            found,
            [
                ("where is the money", Reason::Unanswered, 3),
                ("who ran crm", Reason::NotHelpful, 1),
                ("what was fame about", Reason::LowConfidence, 1),
            ]
        );
        assert_eq!(queue[0].sites, ["leeds", "york"]);
        assert_eq!(queue[0].answer, None);
        assert_eq!(queue[1].not_helpful_votes, 1);
        assert_eq!(queue[2].answer, Some(("fame".to_string(), 0.55f32 as f64)));

        // Teaching a phrasing for a group takes it out of the queue; undoing puts it back.
        let id = learn(
            &mut conn,
            110,
            LearnedKind::Phrasing,
            "faq-03",
            "where is the money",
            &editor(),
        )
        .unwrap();
        assert_eq!(queue_len(&conn), 2);
        undo(&mut conn, 111, id, &editor()).unwrap();
        assert_eq!(queue_len(&conn), 3);
    }

    fn queue_len(conn: &Connection) -> usize {
        queue(conn, 0, 10).unwrap().len()
    }

    #[test]
    fn recent_questions_are_distinct_and_newest_first() {
        let mut conn = store();
        let asks = [
            ask(1, None, "a", None),
            ask(2, None, "b", None),
            ask(3, None, "a", None),
            ask(4, None, "c", None),
        ];
        write(&mut conn, &asks, &[]).unwrap();
        assert_eq!(recent_questions(&conn, 2).unwrap(), ["c", "a"]);
        assert_eq!(recent_questions(&conn, 10).unwrap(), ["c", "a", "b"]);
    }
}
