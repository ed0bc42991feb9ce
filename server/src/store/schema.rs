//! The store's SQLite schema and its migrations, versioned with `PRAGMA user_version`.
//!
//! Each migration runs in its own transaction together with the version bump, so a file is
//! always at exactly one version. A file written by a newer Signpost (a version this build
//! does not know) is refused rather than guessed at.
//!
//! - Version 1: `asks` and `feedback`, each row a redacted question and what came of it.
//! - Version 2: a `topic` column on both (the question's stemmed words, sorted), so similar
//!   wordings group in SQL; existing rows are backfilled.
//! - Version 3: no index on `asks.topic`. Nothing looks a topic up; the index only led
//!   SQLite to scan every row in topic order to group a report's recent window (821 against
//!   307 ms over 413k rows), and with varied questions it more than doubled the cost of
//!   writing a row (5.6 against 2.4 µs, 1,000 distinct topics).
//! - Version 4: what the editors need. `asks.answer_kind` (`faq`, `project`, `assistant`)
//!   and `asks.declined` (the assistant entry that declined on purpose, such as
//!   `your-council`), so declined-on-purpose questions stand apart from genuine gaps;
//!   `feedback.site`; and the editors' own tables: `learned` (phrasings an editor taught,
//!   the overlay applied at index build), `dismissed` (question groups hidden from the work
//!   queue) and `audit` (every admin write: what, when, from which request).

use rusqlite::{params, Connection, Transaction};

use super::topic::topic_key;
use super::StoreError;

/// The schema version this build writes.
pub const VERSION: i64 = 4;

type Migration = fn(&Transaction<'_>) -> rusqlite::Result<()>;

/// Migration `i` takes a file from version `i` to `i + 1`.
const MIGRATIONS: [Migration; VERSION as usize] =
    [v1_tables, v2_topics, v3_no_topic_index, v4_editors];

fn v1_tables(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE asks (
             id INTEGER PRIMARY KEY,
             at INTEGER NOT NULL,            -- unix seconds, UTC
             site TEXT,                      -- the embedding site's id, if it gave one
             question TEXT NOT NULL,         -- after redaction
             answer_id TEXT,                 -- NULL: no answer was given
             confidence REAL,                -- NULL when there is no answer
             passages INTEGER NOT NULL
         );
         CREATE INDEX asks_at ON asks (at);
         CREATE TABLE feedback (
             id INTEGER PRIMARY KEY,
             at INTEGER NOT NULL,
             answer_id TEXT NOT NULL,
             question TEXT NOT NULL,         -- after redaction
             helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
             comment TEXT                    -- after redaction, length-limited
         );
         CREATE INDEX feedback_at ON feedback (at);",
    )
}

fn v2_topics(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE asks ADD COLUMN topic TEXT NOT NULL DEFAULT '';
         ALTER TABLE feedback ADD COLUMN topic TEXT NOT NULL DEFAULT '';
         CREATE INDEX asks_topic ON asks (topic);",
    )?;
    for table in ["asks", "feedback"] {
        let rows: Vec<(i64, String)> = tx
            .prepare(&format!("SELECT id, question FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut update = tx.prepare(&format!("UPDATE {table} SET topic = ?1 WHERE id = ?2"))?;
        for (id, question) in rows {
            update.execute(params![topic_key(&question), id])?;
        }
    }
    Ok(())
}

fn v3_no_topic_index(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch("DROP INDEX IF EXISTS asks_topic;")
}

fn v4_editors(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE asks ADD COLUMN answer_kind TEXT;  -- faq | project | assistant; NULL: none
         ALTER TABLE asks ADD COLUMN declined TEXT;     -- the assistant entry that declined
         ALTER TABLE feedback ADD COLUMN site TEXT;
         CREATE TABLE learned (
             id INTEGER PRIMARY KEY,
             at INTEGER NOT NULL,
             kind TEXT NOT NULL CHECK (kind IN ('phrasing', 'decline')),
             entry_id TEXT NOT NULL,         -- the entry answering (or declining) the phrasing
             phrasing TEXT NOT NULL,         -- redacted, as stored with the question
             topic TEXT NOT NULL,
             editor TEXT NOT NULL,
             undone_at INTEGER,              -- NULL: in force
             undone_by TEXT
         );
         CREATE TABLE dismissed (
             topic TEXT PRIMARY KEY,
             at INTEGER NOT NULL,
             wording TEXT NOT NULL,
             editor TEXT NOT NULL
         );
         CREATE TABLE audit (
             id INTEGER PRIMARY KEY,
             at INTEGER NOT NULL,
             editor TEXT NOT NULL,
             request_id TEXT,
             action TEXT NOT NULL,
             detail TEXT NOT NULL
         );
         CREATE INDEX audit_at ON audit (at);",
    )
}

/// The file's schema version.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the file to [`VERSION`]; returns the version it started at.
pub fn migrate(conn: &mut Connection) -> Result<i64, StoreError> {
    let found = version(conn)?;
    if !(0..=VERSION).contains(&found) {
        return Err(StoreError::TooNew {
            found,
            known: VERSION,
        });
    }
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        migration(&tx)?;
        tx.pragma_update(None, "user_version", from as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = from + 1, "store schema migrated");
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-1 file as the first Signpost with a store wrote it, built by hand.
    fn version_1_file(path: &std::path::Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "CREATE TABLE asks (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, site TEXT,
                 question TEXT NOT NULL, answer_id TEXT, confidence REAL, passages INTEGER NOT NULL);
             CREATE INDEX asks_at ON asks (at);
             CREATE TABLE feedback (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,
                 answer_id TEXT NOT NULL, question TEXT NOT NULL,
                 helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)), comment TEXT);
             CREATE INDEX feedback_at ON feedback (at);
             INSERT INTO asks (at, site, question, answer_id, confidence, passages)
                 VALUES (1000, 'leeds', 'How do I pay my council tax online?', NULL, NULL, 0),
                        (1001, NULL, 'Who led PARSOL?', 'parsol', 0.9, 3);
             INSERT INTO feedback (at, answer_id, question, helpful, comment)
                 VALUES (1002, 'parsol', 'Who led PARSOL?', 0, 'too vague');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }

    #[test]
    fn migrates_a_version_1_file_keeping_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        version_1_file(&path);

        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 1);
        assert_eq!(version(&conn).unwrap(), VERSION);

        let topics: Vec<(String, String)> = conn
            .prepare("SELECT question, topic FROM asks ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(topics.len(), 2, "rows survive the migration");
        assert_eq!(
            topics[0].1,
            topic_key("How do I pay my council tax online?")
        );
        assert!(topics[0].1.contains("council") && topics[0].1.contains("tax"));
        assert_eq!(topics[1].1, topic_key("Who led PARSOL?"));
        let feedback_topic: String = conn
            .query_row("SELECT topic FROM feedback", [], |r| r.get(0))
            .unwrap();
        assert_eq!(feedback_topic, topic_key("Who led PARSOL?"));

        // Migrating again is a no-op.
        assert_eq!(migrate(&mut conn).unwrap(), VERSION);
    }

    fn indexes(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn version_3_drops_the_topic_index_and_keeps_the_time_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.sqlite3");
        version_1_file(&path);
        let mut conn = Connection::open(&path).unwrap();
        {
            let tx = conn.transaction().unwrap();
            v2_topics(&tx).unwrap();
            tx.pragma_update(None, "user_version", 2).unwrap();
            tx.commit().unwrap();
        }
        assert!(indexes(&conn).contains(&"asks_topic".to_string()));
        assert_eq!(migrate(&mut conn).unwrap(), 2);
        assert_eq!(
            indexes(&conn),
            [
                "asks_at",
                "audit_at",
                "feedback_at",
                "sqlite_autoindex_dismissed_1"
            ]
        );
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM asks WHERE topic != ''", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(rows, 2, "rows and their topics survive");

        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(
            indexes(&fresh),
            [
                "asks_at",
                "audit_at",
                "feedback_at",
                "sqlite_autoindex_dismissed_1"
            ]
        );
    }

    #[test]
    fn creates_a_new_file_at_the_current_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(version(&conn).unwrap(), VERSION);
        conn.execute(
            "INSERT INTO asks (at, question, passages, topic) VALUES (1, 'q', 0, 'q')",
            [],
        )
        .unwrap();
    }

    #[test]
    fn refuses_a_file_from_a_newer_signpost() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer"), "{err}");
    }
}
