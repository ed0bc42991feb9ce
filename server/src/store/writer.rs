//! The store's writer thread: the one owner of the read-write connection. It takes records
//! off the queue in batches, writes each batch in one transaction, deletes expired rows on
//! start and every `purge_every`, and answers flushes. Every failure is counted; each cause
//! is logged at most once a minute ([`LogThrottle`]) so a broken disk cannot flood the log. After a failure the connection is
//! dropped and reopened with the next batch, so a store that was missing, locked or
//! read-only starts working again by itself once the cause is gone.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::throttle::{held_back, LogThrottle};

use super::db::Conn;
use super::{
    marked_read_only, now_unix, purge, write, AskRecord, FeedbackRecord, Message, StoreConfig,
    StoreStats,
};

/// The most records written in one transaction.
const MAX_BATCH: usize = 2048;
/// How long the writer lets records gather after the first of a batch arrives. Each commit
/// writes the touched pages to the WAL: at 20 ms the store took 9% of a core under load,
/// at 100 ms 6%. The queue ([`super::StoreConfig::queue`]) holds a window's records up to
/// about 160,000 asks a second.
const BATCH_WINDOW: Duration = Duration::from_millis(100);
/// The open connection and whether it was opened read-only.
struct Db {
    conn: Conn,
    read_only: bool,
}

pub(super) fn run(receiver: Receiver<Message>, config: StoreConfig, stats: Arc<StoreStats>) {
    let mut writer = Writer {
        config,
        stats,
        db: None,
        log: LogThrottle::default(),
    };
    let mut next_purge = Instant::now();
    loop {
        let wait = next_purge.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(wait) {
            Ok(first) => {
                // Let a batch gather: under load this turns a transaction and a wake-up per
                // record into one per window, and senders never wait either way.
                if !matches!(first, Message::Flush(_)) {
                    std::thread::sleep(BATCH_WINDOW);
                }
                // Everything queued by now is written, in transactions of up to MAX_BATCH.
                let mut batch = vec![first];
                loop {
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    let full = batch.len() == MAX_BATCH;
                    writer.handle(std::mem::take(&mut batch), &mut next_purge);
                    if !full {
                        break;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if Instant::now() >= next_purge {
            writer.purge();
            next_purge = Instant::now() + writer.config.purge_every;
        }
    }
    tracing::debug!("store writer finished");
}

struct Writer {
    config: StoreConfig,
    stats: Arc<StoreStats>,
    db: Option<Db>,
    /// Every line the writer logs about a failure goes through this, one per cause a minute:
    /// a read-only or broken store fails every batch, about ten times a second under traffic.
    log: LogThrottle,
}

impl Writer {
    fn handle(&mut self, batch: Vec<Message>, next_purge: &mut Instant) {
        let mut asks: Vec<AskRecord> = Vec::new();
        let mut feedback: Vec<FeedbackRecord> = Vec::new();
        let mut flushes: Vec<Sender<()>> = Vec::new();
        for message in batch {
            match message {
                Message::Ask(a) => asks.push(a),
                Message::Feedback(f) => feedback.push(f),
                Message::Flush(done) => flushes.push(done),
            }
        }
        if !asks.is_empty() || !feedback.is_empty() {
            self.write(&asks, &feedback);
        }
        if !flushes.is_empty() && Instant::now() >= *next_purge {
            // A flush also sees the start-up purge done.
            self.purge();
            *next_purge = Instant::now() + self.config.purge_every;
        }
        for done in flushes {
            let _ = done.send(());
        }
    }

    /// The connection, (re)opened when there is none or an SQLite file changed under it:
    /// deleted, or marked read-only (or writable again).
    fn connection(&mut self) -> Option<&mut Conn> {
        let database = &self.config.database;
        let stale = match (&self.db, database.file()) {
            (None, _) => true,
            (Some(db), Some(path)) => !path.exists() || db.read_only != marked_read_only(path),
            (Some(_), None) => false,
        };
        if stale {
            self.db = None;
            let shown = database.display();
            match database.for_writer(self.config.busy_timeout) {
                Ok((conn, read_only)) => {
                    if read_only {
                        if let Some(n) = self.log.allow_now("read-only") {
                            tracing::warn!(path = %shown, "the store file is marked read-only: nothing will be recorded until it is writable{}", held_back(n));
                        }
                    } else if let Some(n) = self.log.allow_now("opened") {
                        tracing::info!(store = %shown, retention_days = self.config.retention_days, "recording redacted questions and feedback{}", held_back(n));
                    }
                    self.db = Some(Db { conn, read_only });
                }
                Err(e) => {
                    self.stats.open_errors.fetch_add(1, Ordering::Relaxed);
                    if let Some(n) = self.log.allow_now("cannot open") {
                        tracing::warn!("store: cannot open {shown}: {e}{}", held_back(n));
                    }
                    return None;
                }
            }
        }
        self.db.as_mut().map(|db| &mut db.conn)
    }

    fn write(&mut self, asks: &[AskRecord], feedback: &[FeedbackRecord]) {
        let lost = (asks.len() + feedback.len()) as u64;
        let Some(conn) = self.connection() else {
            self.stats.write_errors.fetch_add(lost, Ordering::Relaxed);
            return;
        };
        match write(conn, asks, feedback) {
            Ok(()) => {
                self.stats
                    .asks_written
                    .fetch_add(asks.len() as u64, Ordering::Relaxed);
                self.stats
                    .feedback_written
                    .fetch_add(feedback.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                self.stats.write_errors.fetch_add(lost, Ordering::Relaxed);
                let read_only = self.db.as_ref().is_some_and(|db| db.read_only);
                // A read-only store fails every write: its one line (above) says why.
                if !read_only {
                    if let Some(n) = self.log.allow_now("not written") {
                        tracing::warn!("store: {lost} records not written: {e}{}", held_back(n));
                    }
                }
                self.db = None;
            }
        }
    }

    fn purge(&mut self) {
        let days = self.config.retention_days;
        let Some(conn) = self.connection() else {
            self.stats.purge_errors.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match purge(conn, days, now_unix()) {
            Ok(0) => {}
            Ok(n) => {
                self.stats.purged.fetch_add(n, Ordering::Relaxed);
                tracing::info!("store: deleted {n} records older than {days} days");
            }
            Err(e) => {
                if self.db.as_ref().is_some_and(|db| db.read_only) {
                    // A read-only store keeps what it has; that is the operator's choice.
                    return;
                }
                self.stats.purge_errors.fetch_add(1, Ordering::Relaxed);
                if let Some(n) = self.log.allow_now("retention") {
                    tracing::warn!("store: retention failed: {e}{}", held_back(n));
                }
                self.db = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Log output gathered in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_read_only_store_under_traffic_logs_one_line_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signpost.sqlite3");
        drop(super::super::open_for_writing(&path, Duration::from_secs(1)).unwrap());
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms).unwrap();

        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish();
        let stats = Arc::new(StoreStats::default());
        let mut writer = Writer {
            config: StoreConfig::new(&path),
            stats: stats.clone(),
            db: None,
            log: LogThrottle::default(),
        };
        tracing::subscriber::with_default(subscriber, || {
            // Batches every 100 ms under traffic; the throttle reads the clock, so the test
            // just sends many.
            for i in 0..50 {
                let ask = AskRecord::new(now_unix(), None, &format!("q{i}"), None, 0);
                writer.write(&[ask], &[]);
            }
        });
        assert_eq!(stats.write_errors.load(Ordering::Relaxed), 50);
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(log.contains("read-only"), "{log}");
    }
}
