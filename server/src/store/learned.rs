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
use serde::Serialize;
use signpost_indexer::overlay::{LearnedPhrasing, Overlay};
use std::collections::{HashMap, HashSet};

use super::db::{args, Conn, DbError, Dialect, Row};
use super::topic::topic_key;
use super::{Database, StoreError};
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

/// Writes the audit row of an admin write and announces the write to other replicas; both
/// take effect only with the write's transaction.
fn audit(
    conn: &Conn,
    at: i64,
    actor: &Actor,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO audit (at, editor, request_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        &args![
            at,
            &actor.editor,
            actor.request_id.as_deref(),
            action,
            detail.to_string().as_str()
        ],
    )?;
    conn.announce(action)
}

/// Records a learned phrasing and its audit row in one transaction; returns its id.
pub fn learn(
    conn: &mut Conn,
    at: i64,
    kind: LearnedKind,
    entry_id: &str,
    phrasing: &str,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let phrasing = clean_phrasing(phrasing);
    let topic = topic_key(&phrasing);
    conn.transaction(|tx| {
        let id = tx.query_one(
            "INSERT INTO learned (at, kind, entry_id, phrasing, topic, editor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            &args![at, kind.as_str(), entry_id, &phrasing, &topic, &actor.editor],
            |r| r.int(0),
        )?;
        audit(
            tx,
            at,
            actor,
            "learn",
            &serde_json::json!({ "id": id, "kind": kind, "entry_id": entry_id, "phrasing": phrasing }),
        )?;
        Ok(id)
    })
}

/// Marks a learned phrasing undone; `None` when there is no such phrasing in force.
pub fn undo(
    conn: &mut Conn,
    at: i64,
    id: i64,
    actor: &Actor,
) -> Result<Option<Learned>, StoreError> {
    conn.transaction(|tx| {
        let changed = tx.execute(
            "UPDATE learned SET undone_at = ?1, undone_by = ?2 WHERE id = ?3 AND undone_at IS NULL",
            &args![at, &actor.editor, id],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        audit(tx, at, actor, "undo", &serde_json::json!({ "id": id }))?;
        find(tx, id)
    })
}

/// Hides a question group from the work queue (again: dismissing twice keeps the first).
pub fn dismiss(
    conn: &mut Conn,
    at: i64,
    topic: &str,
    wording: &str,
    actor: &Actor,
) -> Result<(), StoreError> {
    let wording = clean_phrasing(wording);
    conn.transaction(|tx| {
        tx.execute(
            "INSERT INTO dismissed (topic, at, wording, editor) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (topic) DO NOTHING",
            &args![topic, at, &wording, &actor.editor],
        )?;
        audit(
            tx,
            at,
            actor,
            "dismiss",
            &serde_json::json!({ "topic": topic, "wording": wording }),
        )?;
        Ok(())
    })
}

fn row(r: &Row<'_>) -> Result<Learned, DbError> {
    Ok(Learned {
        id: r.int(0)?,
        at: r.int(1)?,
        kind: LearnedKind::parse(r.text(2)?),
        entry_id: r.string(3)?,
        phrasing: r.string(4)?,
        editor: r.string(5)?,
        undone_at: r.opt_int(6)?,
        undone_by: r.opt_string(7)?,
    })
}

const COLUMNS: &str = "id, at, kind, entry_id, phrasing, editor, undone_at, undone_by";

/// The learned phrasing `id`, in force or undone.
pub fn find(conn: &Conn, id: i64) -> Result<Option<Learned>, StoreError> {
    Ok(conn.query_opt(
        &format!("SELECT {COLUMNS} FROM learned WHERE id = ?1"),
        &args![id],
        row,
    )?)
}

/// Every learned phrasing, newest first, undone ones included.
pub fn history(conn: &Conn) -> Result<Vec<Learned>, StoreError> {
    Ok(conn.query_map(
        &format!("SELECT {COLUMNS} FROM learned ORDER BY id DESC"),
        &[],
        row,
    )?)
}

/// The phrasings in force, oldest first, as the overlay an index build applies.
pub fn overlay(conn: &Conn) -> Result<Overlay, StoreError> {
    let phrasings = conn.query_map(
        "SELECT entry_id, phrasing FROM learned WHERE undone_at IS NULL ORDER BY id",
        &[],
        |r| {
            Ok(LearnedPhrasing {
                entry_id: r.string(0)?,
                phrasing: r.string(1)?,
            })
        },
    )?;
    Ok(Overlay { phrasings })
}

/// The overlay in `database`; empty when nothing has been recorded there yet.
pub fn read_overlay(database: &Database) -> Result<Overlay, StoreError> {
    match database.for_reading()? {
        Some(conn) => overlay(&conn),
        None => Ok(Overlay::default()),
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
pub fn audit_log(conn: &Conn, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
    Ok(conn.query_map(
        "SELECT at, editor, request_id, action, detail FROM audit ORDER BY id DESC LIMIT ?1",
        &args![limit as i64],
        |r| {
            Ok(AuditRow {
                at: r.int(0)?,
                editor: r.string(1)?,
                request_id: r.opt_string(2)?,
                action: r.string(3)?,
                detail: r.string(4)?,
            })
        },
    )?)
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
pub fn queue(conn: &Conn, from: i64, limit: usize) -> Result<Vec<QueueItem>, StoreError> {
    let mut skip: HashSet<String> = HashSet::new();
    for sql in [
        "SELECT topic FROM dismissed",
        "SELECT topic FROM learned WHERE undone_at IS NULL",
    ] {
        skip.extend(conn.query_map(sql, &[], |r| r.string(0))?);
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
    // SQLite would read the window through the time index; PostgreSQL plans for itself.
    let not_indexed = match conn.dialect() {
        Dialect::Sqlite => "NOT INDEXED",
        Dialect::Postgres => "",
    };
    let sql = format!(
        "SELECT topic, question, at, answer_id, confidence,
                CASE WHEN declined IS NULL THEN 1 ELSE 0 END, answer_kind, site
         FROM asks {not_indexed} WHERE at >= ?1 AND topic != ''"
    );
    conn.query_each(&sql, &args![from], |r| {
        let topic = r.text(0)?;
        if skip.contains(topic) {
            return Ok(());
        }
        let group = match groups.get_mut(topic) {
            Some(group) => group,
            None => groups.entry(topic.to_string()).or_default(),
        };
        let question = r.text(1)?;
        let count = group.wordings.entry(question.to_string()).or_insert(0);
        *count += 1;
        let at = r.int(2)?;
        let answer = r.opt_string(3)?;
        let confidence = r.opt_real(4)?;
        let not_declined = r.flag(5)?;
        let assistant = r.opt_text(6)? == Some("assistant");
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
        if let Some(site) = r.opt_text(7)? {
            *group.sites.entry(site.to_string()).or_insert(0) += 1;
        }
        Ok(())
    })?;
    // Votes: a group voted "not helpful" is in the queue whatever its confidence.
    let rows = conn.query_map(
        "SELECT topic, question, COUNT(*) FROM feedback
         WHERE at >= ?1 AND helpful = 0 AND topic != '' GROUP BY topic, question",
        &args![from],
        |r| Ok((r.string(0)?, r.string(1)?, r.int(2)? as u64)),
    )?;
    for (topic, question, votes) in rows {
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
pub fn recent_questions(conn: &Conn, limit: usize) -> Result<Vec<String>, StoreError> {
    Ok(conn.query_map(
        "SELECT question FROM asks GROUP BY question ORDER BY MAX(id) DESC LIMIT ?1",
        &args![limit as i64],
        |r| r.string(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::Change;
    use crate::store::testing::TestStore;
    use crate::store::{write, AskRecord, FeedbackRecord};

    fn editor() -> Actor {
        Actor {
            editor: "jo".into(),
            request_id: Some("req-1".into()),
        }
    }

    #[test]
    fn learned_phrasings_are_redacted_audited_and_undone_not_deleted() {
        for test in TestStore::each() {
            let mut conn = test.conn();
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
    }

    fn overlay_of(conn: &Conn) -> Vec<LearnedPhrasing> {
        overlay(conn).unwrap().phrasings
    }

    fn ask(at: i64, site: Option<&str>, q: &str, answer: Option<(&str, f32)>) -> AskRecord {
        AskRecord::new(at, site, q, answer, 0).with_outcome(answer.map(|_| "faq"), None)
    }

    #[test]
    fn the_queue_holds_gaps_weak_answers_and_votes_but_not_declines_or_fixed_groups() {
        for test in TestStore::each() {
            let mut conn = test.conn();
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
    }

    fn queue_len(conn: &Conn) -> usize {
        queue(conn, 0, 10).unwrap().len()
    }

    #[test]
    fn recent_questions_are_distinct_and_newest_first() {
        for test in TestStore::each() {
            let mut conn = test.conn();
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

    /// Announces `probe` through `from` until `heard` gets it: then the listener behind
    /// `heard` is connected (it connects on its own, in its own time), and has nothing else
    /// waiting.
    fn until_listening(from: &Database, heard: &std::sync::mpsc::Receiver<Change>) {
        let started = std::time::Instant::now();
        loop {
            from.announce("probe").unwrap();
            let answer = heard.recv_timeout(std::time::Duration::from_millis(200));
            if answer == Ok(Change::Announced("probe".into())) {
                while heard.try_recv().is_ok() {}
                return;
            }
            assert!(
                started.elapsed().as_secs() < 30,
                "the listener never connected"
            );
        }
    }

    #[test]
    fn an_admin_write_is_announced_to_other_replicas_when_it_commits() {
        let Some(test) = TestStore::postgres() else {
            return;
        };
        let url = test.url.clone().unwrap();
        // Another replica: its own pool on the same database.
        let other = Database::open(&crate::store::Location::Postgres(url)).unwrap();
        let (sender, heard) = std::sync::mpsc::channel();
        other.listen(move |change| {
            let _ = sender.send(change);
        });
        until_listening(&test.database, &heard);
        // A write rolled back is never announced; one that commits is.
        let mut conn = test.conn();
        let failed: Result<(), StoreError> = conn.transaction(|tx| {
            audit(tx, 1, &editor(), "undo", &serde_json::json!({}))?;
            Err(StoreError::ReadOnly)
        });
        assert!(failed.is_err());
        learn(
            &mut conn,
            2,
            LearnedKind::Phrasing,
            "faq-05",
            "who do I ring",
            &editor(),
        )
        .unwrap();
        let wait = std::time::Duration::from_secs(10);
        // Notices arrive in commit order: a rolled-back one would come first.
        assert_eq!(
            heard.recv_timeout(wait),
            Ok(Change::Announced("learn".into()))
        );

        // A replica does not hear its own changes: after its own dismissal, the next notice
        // it gets is the other replica's probe.
        let (sender, own) = std::sync::mpsc::channel();
        test.database.listen(move |change| {
            let _ = sender.send(change);
        });
        until_listening(&other, &own);
        dismiss(&mut conn, 3, "topic", "wording", &editor()).unwrap();
        other.announce("probe").unwrap();
        assert_eq!(
            own.recv_timeout(wait),
            Ok(Change::Announced("probe".into()))
        );
        assert_eq!(
            heard.recv_timeout(wait),
            Ok(Change::Announced("dismiss".into()))
        );
    }
}
