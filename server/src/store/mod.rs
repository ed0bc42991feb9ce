//! The analytics store: every question asked and every piece of feedback, redacted, kept for
//! the retention period — in one SQLite file (WAL mode) under the data directory, or, for
//! replicas that share it, in a PostgreSQL database ([`database`], [`postgres`]).
//!
//! Answering must never wait for or fail because of the store. Handlers hand records to
//! [`Store::record_ask`] / [`Store::record_feedback`], which only *try* to put them on a
//! bounded channel: when it is full the record is dropped and counted. One dedicated writer
//! thread owns the read-write connection, writes in batches, deletes expired rows on start
//! and every hour, and counts and logs (throttled) every failure — a missing directory, a
//! locked, full or read-only file, a database server that is down — then tries again with the
//! next batch. Reports open their own connection, which runs beside the writer.
//!
//! Nothing that identifies a person is ever recorded: no IP address, user agent, cookie or
//! session. Questions, comments and site ids are redacted ([`crate::redact`]) when a record is
//! made, so the writer, the log and the file only ever see the redacted text; nothing stored
//! keeps a control character (an escape sequence in a question cannot reach a terminal that
//! prints the report).
//!
//! Why this file is over 500 lines: the records, their redaction and the queue to the writer
//! are one contract; about 255 lines are tests.

pub mod database;
pub mod db;
pub mod learned;
pub mod postgres;
pub mod report;
pub mod schema;
#[doc(hidden)]
pub mod testing;
pub mod topic;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

use crate::redact::{redact, truncate_chars};
pub use database::{Database, Location};
use db::{args, Column, Conn, DbError};
pub use report::{Period, Report};

/// The longest feedback comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;
/// The longest site id kept, in characters.
pub const MAX_SITE_CHARS: usize = 64;
/// The longest answer id kept, in characters.
pub const MAX_ANSWER_ID_CHARS: usize = 100;

/// What can go wrong opening or reading the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] DbError),
    /// The store's settings cannot be used (a PostgreSQL URL that does not parse).
    #[error("the store's settings: {0}")]
    Config(String),
    #[error("the store was written by a newer Signpost (schema version {found}; this build knows up to {known})")]
    TooNew { found: i64, known: i64 },
    #[error("cannot create the store's folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("there is no store at {0} yet: nothing has been recorded")]
    Missing(PathBuf),
    #[error("the store file is read-only")]
    ReadOnly,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Database(DbError::Sqlite(e))
    }
}

/// How the store is set up.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The SQLite file or PostgreSQL database.
    pub database: Database,
    /// Rows older than this many days are deleted.
    pub retention_days: u32,
    /// How many records may wait for the writer before new ones are dropped.
    pub queue: usize,
    /// How long the writer waits for a lock held by someone else before giving up a batch.
    pub busy_timeout: Duration,
    /// How often expired rows are deleted (also once at start).
    pub purge_every: Duration,
}

impl StoreConfig {
    /// The defaults for a store file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig::in_database(Database::Sqlite(path.into()))
    }

    /// The defaults for a store in `database`.
    pub fn in_database(database: Database) -> StoreConfig {
        StoreConfig {
            database,
            retention_days: 90,
            queue: 16_384,
            busy_timeout: Duration::from_secs(2),
            purge_every: Duration::from_secs(3600),
        }
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// One question answered (or not). Made only through [`AskRecord::new`], which redacts.
#[derive(Debug, Clone, PartialEq)]
pub struct AskRecord {
    pub(crate) at: i64,
    pub(crate) site: Option<String>,
    pub(crate) question: String,
    pub(crate) answer_id: Option<String>,
    pub(crate) confidence: Option<f64>,
    pub(crate) passages: u32,
    /// `faq`, `project` or `assistant`; `None` when there was no answer.
    pub(crate) answer_kind: Option<String>,
    /// The assistant entry that declined the question on purpose (`your-council`).
    pub(crate) declined: Option<String>,
}

impl AskRecord {
    /// A record of one ask at `at` (unix seconds); `answer` is the answer's id and
    /// confidence, `None` when there was no answer.
    pub fn new(
        at: i64,
        site: Option<&str>,
        question: &str,
        answer: Option<(&str, f32)>,
        passages: usize,
    ) -> AskRecord {
        AskRecord {
            at,
            site: site.and_then(clean_site),
            question: redact(question),
            answer_id: answer.map(|(id, _)| clean_id(id)),
            confidence: answer.map(|(_, c)| f64::from(c)),
            passages: passages.min(u32::MAX as usize) as u32,
            answer_kind: None,
            declined: None,
        }
    }

    /// What kind of entry answered, and which assistant entry declined on purpose, if one
    /// did: the report keeps deliberate declines apart from questions nobody could answer.
    pub fn with_outcome(mut self, answer_kind: Option<&str>, declined: Option<&str>) -> AskRecord {
        self.answer_kind = answer_kind.map(clean_id);
        self.declined = declined.map(clean_id);
        self
    }

    /// The question as it will be stored.
    pub fn question(&self) -> &str {
        &self.question
    }
}

/// One "was this helpful?" vote. Made only through [`FeedbackRecord::new`], which redacts.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackRecord {
    pub(crate) at: i64,
    pub(crate) answer_id: String,
    pub(crate) question: String,
    pub(crate) helpful: bool,
    pub(crate) comment: Option<String>,
    /// The site the vote came from, cleaned as an ask's site is.
    pub(crate) site: Option<String>,
}

impl FeedbackRecord {
    pub fn new(
        at: i64,
        answer_id: &str,
        question: &str,
        helpful: bool,
        comment: Option<&str>,
    ) -> FeedbackRecord {
        // Redaction also drops control characters: line breaks become spaces.
        let comment = comment
            .map(|c| {
                redact(truncate_chars(c.trim(), MAX_COMMENT_CHARS))
                    .trim()
                    .to_string()
            })
            .filter(|c| !c.is_empty());
        FeedbackRecord {
            at,
            answer_id: clean_id(answer_id),
            question: redact(question.trim()),
            helpful,
            comment,
            site: None,
        }
    }

    /// The site the vote came from (the widget sends the one it sends with its asks),
    /// redacted and cleaned as an ask's site is: the report filters both by it.
    pub fn with_site(mut self, site: Option<&str>) -> FeedbackRecord {
        self.site = site.and_then(clean_site);
        self
    }

    pub fn question(&self) -> &str {
        &self.question
    }

    pub fn site(&self) -> Option<&str> {
        self.site.as_deref()
    }

    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }
}

/// An answer id as stored: no control characters, at most 100 characters.
fn clean_id(id: &str) -> String {
    let clean: String = id.chars().filter(|c| !c.is_control()).collect();
    truncate_chars(&clean, MAX_ANSWER_ID_CHARS).to_string()
}

/// A site id as stored: redacted, then only letters, digits and `. _ - :`, at most 64.
pub(crate) fn clean_site(site: &str) -> Option<String> {
    let redacted = redact(site.trim());
    let clean: String = redacted
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
        .take(MAX_SITE_CHARS)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

/// Counters the writer and the handlers keep; `/metrics` reports them.
#[derive(Debug, Default)]
pub struct StoreStats {
    pub asks_written: AtomicU64,
    pub feedback_written: AtomicU64,
    /// Records dropped because the writer's queue was full.
    pub dropped: AtomicU64,
    /// Failed attempts to open or migrate the file.
    pub open_errors: AtomicU64,
    /// Records that could not be written.
    pub write_errors: AtomicU64,
    /// Failed retention runs.
    pub purge_errors: AtomicU64,
    /// Rows deleted by retention.
    pub purged: AtomicU64,
}

impl StoreStats {
    /// Every failure: open, write and retention errors, and dropped records.
    pub fn errors(&self) -> u64 {
        self.open_errors.load(Ordering::Relaxed)
            + self.write_errors.load(Ordering::Relaxed)
            + self.purge_errors.load(Ordering::Relaxed)
    }
}

/// What travels to the writer thread.
pub(crate) enum Message {
    Ask(AskRecord),
    Feedback(FeedbackRecord),
    /// Answered once everything sent before it has been written (or has failed).
    Flush(mpsc::Sender<()>),
}

/// The handle handlers hold; cheap to clone. The writer thread ends when the last clone is
/// dropped, after writing what is queued.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    sender: SyncSender<Message>,
    stats: Arc<StoreStats>,
    config: StoreConfig,
}

impl Store {
    /// Starts the writer thread. Never fails: if the file cannot be opened now, the writer
    /// logs and counts it and tries again with every batch.
    pub fn start(config: StoreConfig) -> Store {
        let (sender, receiver) = mpsc::sync_channel(config.queue.max(1));
        let stats = Arc::new(StoreStats::default());
        let spawned = std::thread::Builder::new()
            .name("signpost-store".into())
            .spawn({
                let config = config.clone();
                let stats = Arc::clone(&stats);
                move || writer::run(receiver, config, stats)
            });
        if let Err(e) = spawned {
            // The receiver went with the failed spawn; every record will count as dropped.
            tracing::error!("cannot start the store's writer thread: {e}");
            stats.open_errors.fetch_add(1, Ordering::Relaxed);
        }
        Store {
            inner: Arc::new(Inner {
                sender,
                stats,
                config,
            }),
        }
    }

    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// The database the store writes to.
    pub fn database(&self) -> &Database {
        &self.inner.config.database
    }

    pub fn stats(&self) -> &StoreStats {
        &self.inner.stats
    }

    /// Queues an ask for writing; never blocks. Returns false when it was dropped.
    pub fn record_ask(&self, record: AskRecord) -> bool {
        self.offer(Message::Ask(record))
    }

    /// Queues a feedback vote for writing; never blocks. Returns false when it was dropped.
    pub fn record_feedback(&self, record: FeedbackRecord) -> bool {
        self.offer(Message::Feedback(record))
    }

    fn offer(&self, message: Message) -> bool {
        match self.inner.sender.try_send(message) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.inner.stats.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Waits (blocking, up to `timeout`) until everything queued so far has been handled by
    /// the writer. For shutdown and tests; handlers never call it.
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (done, wait) = mpsc::channel();
        let mut message = Message::Flush(done);
        loop {
            match self.inner.sender.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                    message = m;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return false,
            }
        }
        wait.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }

    /// The report for `period` ending at `now`, read through its own read-only connection.
    /// Before the writer has created the file there is simply nothing to report yet.
    pub fn report(&self, period: Period, now: i64, top: usize) -> Result<Report, StoreError> {
        self.report_for_site(period, None, now, top)
    }

    /// The report for `period` ending at `now` for one `site` (every site when `None`).
    pub fn report_for_site(
        &self,
        period: Period,
        site: Option<&str>,
        now: i64,
        top: usize,
    ) -> Result<Report, StoreError> {
        let conn = match self.database().for_reading()? {
            Some(conn) => conn,
            None => {
                let mut empty = Conn::Sqlite(Connection::open_in_memory()?);
                schema::migrate(&mut empty)?;
                empty
            }
        };
        Report::load_site(&conn, period, site, now, top)
    }
}

/// Is the file marked read-only (no write permission)? Honoured even by root, who could
/// write it anyway: an operator who marks the store read-only means it.
fn marked_read_only(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly())
}

/// Opens the store for writing: creates the folder and file, sets WAL mode and migrates.
/// A file marked read-only is opened read-only, so every write then fails (and is counted).
/// Returns the connection and whether it is read-only.
pub fn open_for_writing(path: &Path, busy: Duration) -> Result<(Conn, bool), StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    if marked_read_only(path) {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(busy)?;
        let conn = Conn::Sqlite(conn);
        if schema::version(&conn)? != schema::VERSION {
            return Err(StoreError::ReadOnly);
        }
        return Ok((conn, true));
    }
    let conn = Connection::open(path)?;
    conn.busy_timeout(busy)?;
    // WAL: readers (reports) never block the writer and the writer never blocks readers.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "the store could not switch to WAL mode");
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let mut conn = Conn::Sqlite(conn);
    schema::migrate(&mut conn)?;
    Ok((conn, false))
}

/// Opens an existing store read-only, for reports.
pub fn open_read_only(path: &Path) -> Result<Conn, StoreError> {
    if !path.exists() {
        return Err(StoreError::Missing(path.to_path_buf()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let conn = Conn::Sqlite(conn);
    let version = schema::version(&conn)?;
    if version > schema::VERSION {
        return Err(StoreError::TooNew {
            found: version,
            known: schema::VERSION,
        });
    }
    if version < schema::VERSION {
        // Not yet migrated by a server: nothing this build can read reliably.
        return Err(StoreError::Missing(path.to_path_buf()));
    }
    Ok(conn)
}

/// Deletes rows older than `retention_days` before `now`; returns how many went.
pub fn purge(conn: &Conn, retention_days: u32, now: i64) -> Result<u64, DbError> {
    let cutoff = now - i64::from(retention_days) * 86_400;
    let asks = conn.execute("DELETE FROM asks WHERE at < ?1", &args![cutoff])?;
    let feedback = conn.execute("DELETE FROM feedback WHERE at < ?1", &args![cutoff])?;
    Ok(asks + feedback)
}

/// Writes records in one transaction.
pub(crate) fn write(
    conn: &mut Conn,
    asks: &[AskRecord],
    feedback: &[FeedbackRecord],
) -> Result<(), DbError> {
    let ask_topics: Vec<String> = asks.iter().map(|a| topic::topic_key(&a.question)).collect();
    let ask_rows: Vec<_> = asks
        .iter()
        .zip(&ask_topics)
        .map(|(a, topic)| {
            args![
                a.at,
                a.site.as_deref(),
                &a.question,
                a.answer_id.as_deref(),
                a.confidence,
                a.passages,
                topic,
                a.answer_kind.as_deref(),
                a.declined.as_deref(),
            ]
            .to_vec()
        })
        .collect();
    let vote_topics: Vec<String> = feedback
        .iter()
        .map(|f| topic::topic_key(&f.question))
        .collect();
    let vote_rows: Vec<_> = feedback
        .iter()
        .zip(&vote_topics)
        .map(|(f, topic)| {
            args![
                f.at,
                &f.answer_id,
                &f.question,
                f.helpful,
                f.comment.as_deref(),
                topic,
                f.site.as_deref(),
            ]
            .to_vec()
        })
        .collect();
    use Column::{Int, Real, Text};
    conn.transaction(|tx| {
        tx.insert_rows(
            "asks",
            &[
                ("at", Int),
                ("site", Text),
                ("question", Text),
                ("answer_id", Text),
                ("confidence", Real),
                ("passages", Int),
                ("topic", Text),
                ("answer_kind", Text),
                ("declined", Text),
            ],
            &ask_rows,
        )?;
        tx.insert_rows(
            "feedback",
            &[
                ("at", Int),
                ("answer_id", Text),
                ("question", Text),
                ("helpful", Int),
                ("comment", Text),
                ("topic", Text),
                ("site", Text),
            ],
            &vote_rows,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use testing::TestStore;

    fn count(conn: &Conn, table: &str) -> i64 {
        conn.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[], |r| r.int(0))
            .unwrap()
    }

    #[test]
    fn every_record_keeps_only_the_redacted_text() {
        // The engine's property test holds `redact` to hiding every long number and address;
        // this holds each stored field to being exactly what `redact` leaves.
        for text in [
            "call 07700 900123 or 0207 946 0958",
            "jane.doe@example.com (at) work",
            "ref ０７７００９００１２３ please",
            "my NI is QQ 12 34 56 C and card 4111 1111 1111 1111",
            "who led parsol",
        ] {
            assert_eq!(
                AskRecord::new(0, None, text, None, 0).question(),
                redact(text)
            );
            let feedback = FeedbackRecord::new(0, "faq-01", text, false, Some(text));
            assert_eq!(feedback.question(), redact(text));
            assert_eq!(feedback.comment(), Some(redact(text).as_str()));
        }
    }

    #[test]
    fn records_are_redacted_when_made() {
        let ask = AskRecord::new(
            1,
            Some("jane@example.com"),
            "I'm at SW1A 1AA, call 07700 900123",
            None,
            0,
        );
        assert_eq!(ask.question(), "I'm at SW1A ***, call [phone]");
        assert_eq!(ask.site.as_deref(), Some("email"));
        let long = "x".repeat(MAX_COMMENT_CHARS + 50);
        let fb = FeedbackRecord::new(1, "faq-01", "q", false, Some(&long));
        assert_eq!(fb.comment().unwrap().chars().count(), MAX_COMMENT_CHARS);
        let fb = FeedbackRecord::new(1, "faq-01", "q", false, Some("mail me: a.b@c.org\u{7}"));
        assert_eq!(fb.comment(), Some("mail me: [email]"));
        assert_eq!(
            FeedbackRecord::new(1, "x", "q", true, Some("  ")).comment(),
            None
        );
        // A vote's site is cleaned exactly as an ask's is, so the report can match them.
        let vote = |site| FeedbackRecord::new(1, "x", "q", true, None).with_site(site);
        assert_eq!(vote(None).site(), None);
        assert_eq!(vote(Some(" leeds ")).site(), Some("leeds"));
        assert_eq!(vote(Some("jane@example.com")).site(), Some("email"));
        assert_eq!(vote(Some("<script>")).site(), Some("script"));
        assert_eq!(vote(Some("  \u{1b} ")).site(), None);
        for site in [
            "leeds",
            " leeds ",
            "jane@example.com",
            "<b>x</b>",
            &"s".repeat(100),
        ] {
            let ask = AskRecord::new(1, Some(site), "q", None, 0);
            assert_eq!(vote(Some(site)).site(), ask.site.as_deref(), "{site}");
        }
    }

    #[test]
    fn no_control_character_is_ever_stored() {
        let ask = AskRecord::new(
            1,
            Some("leeds\u{1b}[2J"),
            "clear \u{1b}[2J the \u{1b}]0;title\u{7} screen\u{0}",
            Some(("faq\u{1b}-01", 0.5)),
            0,
        );
        let fb = FeedbackRecord::new(
            1,
            "faq\u{1b}[31m",
            "q\u{1b}[2J",
            false,
            Some("one\ntwo\u{1b}[2J\u{202E}"),
        );
        let stored = [
            ask.question(),
            ask.site.as_deref().unwrap_or(""),
            ask.answer_id.as_deref().unwrap_or(""),
            fb.question(),
            fb.comment().unwrap_or(""),
            &fb.answer_id,
        ];
        for text in stored {
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert!(!text.contains('\u{202E}'), "{text:?}");
        }
        assert_eq!(ask.question(), "clear [2J the ]0;title screen");
        assert_eq!(fb.comment(), Some("one two[2J"));
    }

    #[test]
    fn the_writer_stores_asks_and_feedback() {
        for test in TestStore::each() {
            let store = Store::start(StoreConfig::in_database(test.database.clone()));
            let now = now_unix();
            assert!(store.record_ask(AskRecord::new(
                now,
                Some("leeds"),
                "Who led PARSOL?",
                Some(("parsol", 0.9)),
                3
            )));
            assert!(store.record_ask(AskRecord::new(now, None, "bins on 0161 496 0000", None, 0)));
            assert!(store.record_feedback(
                FeedbackRecord::new(now, "parsol", "Who led PARSOL?", false, Some("vague"))
                    .with_site(Some("leeds"))
            ));
            assert!(store.flush(Duration::from_secs(10)), "{}", test.name);

            let conn = test.database.for_reading().unwrap().unwrap();
            assert_eq!(count(&conn, "asks"), 2, "{}", test.name);
            assert_eq!(count(&conn, "feedback"), 1, "{}", test.name);
            let stored = conn
                .query_one(
                    "SELECT question FROM asks WHERE answer_id IS NULL",
                    &[],
                    |r| r.string(0),
                )
                .unwrap();
            assert_eq!(stored, "bins on [phone]", "{}", test.name);
            let (confidence, passages) = conn
                .query_one(
                    "SELECT confidence, passages FROM asks WHERE answer_id = 'parsol'",
                    &[],
                    |r| Ok((r.real(0)?, r.int(1)?)),
                )
                .unwrap();
            assert!(
                (confidence - 0.9).abs() < 1e-6 && passages == 3,
                "{}",
                test.name
            );
            let site = conn
                .query_one("SELECT site FROM feedback", &[], |r| r.opt_string(0))
                .unwrap();
            assert_eq!(site.as_deref(), Some("leeds"), "{}", test.name);
            assert_eq!(store.stats().asks_written.load(Ordering::Relaxed), 2);
            assert_eq!(store.stats().feedback_written.load(Ordering::Relaxed), 1);
            assert_eq!(store.stats().errors(), 0, "{}", test.name);
        }
    }

    #[test]
    fn an_sqlite_store_is_in_wal_mode_in_a_folder_made_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/signpost.sqlite3");
        let store = Store::start(StoreConfig::new(&path));
        assert!(store.record_ask(AskRecord::new(now_unix(), None, "q", None, 0)));
        assert!(store.flush(Duration::from_secs(10)));
        let conn = open_read_only(&path).unwrap();
        let mode: String = conn
            .sqlite()
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(count(&conn, "asks"), 1);
    }

    #[test]
    fn retention_deletes_only_expired_rows() {
        for test in TestStore::each() {
            retention_deletes_only_expired_rows_in(&mut test.conn());
        }
    }

    fn retention_deletes_only_expired_rows_in(conn: &mut Conn) {
        let now = 100 * 86_400;
        let day = 86_400;
        let asks = [
            AskRecord::new(now - 91 * day, None, "old", None, 0),
            AskRecord::new(now - 90 * day - 1, None, "just expired", None, 0),
            AskRecord::new(now - 90 * day, None, "exactly 90 days", None, 0),
            AskRecord::new(now - day, None, "recent", None, 0),
        ];
        let feedback = [
            FeedbackRecord::new(now - 200 * day, "a", "old", true, None),
            FeedbackRecord::new(now, "a", "new", true, None),
        ];
        write(conn, &asks, &feedback).unwrap();
        assert_eq!(purge(conn, 90, now).unwrap(), 3);
        let kept = conn
            .query_map("SELECT question FROM asks ORDER BY at", &[], |r| {
                r.string(0)
            })
            .unwrap();
        assert_eq!(kept, ["exactly 90 days", "recent"]);
        assert_eq!(count(conn, "feedback"), 1);
        // A shorter retention period deletes more.
        assert_eq!(purge(conn, 1, now).unwrap(), 1);
    }

    #[test]
    fn the_writer_purges_expired_rows_on_start() {
        for test in TestStore::each() {
            {
                let mut conn = test.conn();
                let old = AskRecord::new(now_unix() - 10 * 86_400, None, "old", None, 0);
                let new = AskRecord::new(now_unix(), None, "new", None, 0);
                write(&mut conn, &[old, new], &[]).unwrap();
            }
            let mut config = StoreConfig::in_database(test.database.clone());
            config.retention_days = 7;
            let store = Store::start(config);
            assert!(store.flush(Duration::from_secs(10)));
            assert_eq!(count(&test.conn(), "asks"), 1, "{}", test.name);
            assert_eq!(
                store.stats().purged.load(Ordering::Relaxed),
                1,
                "{}",
                test.name
            );
        }
    }

    #[test]
    fn a_database_server_that_is_down_loses_records_counted_and_never_blocks() {
        // Nothing listens on port 1.
        let database =
            Database::open(&Location::Postgres("postgres://x@127.0.0.1:1/none".into())).unwrap();
        let mut config = StoreConfig::in_database(database);
        config.queue = 4;
        let store = Store::start(config);
        let mut accepted = 0;
        for i in 0..100 {
            if store.record_ask(AskRecord::new(i, None, "q", None, 0)) {
                accepted += 1;
            }
        }
        let dropped = store.stats().dropped.load(Ordering::Relaxed);
        assert_eq!(accepted + dropped, 100);
        assert!(store.flush(Duration::from_secs(30)));
        assert!(store.stats().open_errors.load(Ordering::Relaxed) >= 1);
        assert_eq!(store.stats().write_errors.load(Ordering::Relaxed), accepted);
        assert_eq!(store.stats().asks_written.load(Ordering::Relaxed), 0);
        let report = store.report(Period { days: 7 }, now_unix(), 10);
        assert!(
            report.is_err(),
            "a report from a database that is down fails"
        );
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        let dir = tempfile::tempdir().unwrap();
        // The store's folder is a file: the writer can never open it.
        std::fs::write(dir.path().join("not-a-folder"), "").unwrap();
        let mut config = StoreConfig::new(dir.path().join("not-a-folder/signpost.sqlite3"));
        config.queue = 2;
        let store = Store::start(config);
        let mut accepted = 0;
        for i in 0..1000 {
            if store.record_ask(AskRecord::new(i, None, "q", None, 0)) {
                accepted += 1;
            }
        }
        let dropped = store.stats().dropped.load(Ordering::Relaxed);
        assert_eq!(accepted + dropped, 1000);
        assert!(dropped > 0, "a queue of 2 cannot take 1000 records at once");
        assert!(store.flush(Duration::from_secs(10)));
        assert!(store.stats().open_errors.load(Ordering::Relaxed) >= 1);
        assert_eq!(store.stats().write_errors.load(Ordering::Relaxed), accepted);
    }

    #[test]
    fn a_read_only_file_is_never_written_even_by_root() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signpost.sqlite3");
        drop(open_for_writing(&path, Duration::from_secs(1)).unwrap());
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms).unwrap();

        let store = Store::start(StoreConfig::new(&path));
        assert!(store.record_ask(AskRecord::new(now_unix(), None, "q", None, 0)));
        assert!(store.flush(Duration::from_secs(10)));
        assert_eq!(store.stats().write_errors.load(Ordering::Relaxed), 1);
        assert_eq!(store.stats().asks_written.load(Ordering::Relaxed), 0);
        let conn = open_read_only(&path).unwrap();
        assert_eq!(count(&conn, "asks"), 0);
    }

    #[test]
    fn a_locked_file_fails_the_batch_and_the_next_one_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signpost.sqlite3");
        drop(open_for_writing(&path, Duration::from_secs(1)).unwrap());
        let mut config = StoreConfig::new(&path);
        config.busy_timeout = Duration::from_millis(50);
        let store = Store::start(config);
        assert!(store.flush(Duration::from_secs(10)));

        let locker = Connection::open(&path).unwrap();
        locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        assert!(store.record_ask(AskRecord::new(now_unix(), None, "while locked", None, 0)));
        assert!(store.flush(Duration::from_secs(10)));
        assert_eq!(store.stats().write_errors.load(Ordering::Relaxed), 1);
        locker.execute_batch("COMMIT").unwrap();

        assert!(store.record_ask(AskRecord::new(now_unix(), None, "after", None, 0)));
        assert!(store.flush(Duration::from_secs(10)));
        assert_eq!(store.stats().asks_written.load(Ordering::Relaxed), 1);
    }
}
