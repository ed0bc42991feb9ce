//! Stores for tests: the same test runs against an SQLite file and, when
//! `SIGNPOST_TEST_POSTGRES` names a PostgreSQL database, against a fresh schema of its own
//! there. The test command (`scripts/test.sh`) starts a throwaway cluster and always sets it;
//! a plain `cargo test` without one runs the SQLite half and says so once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use super::db::Conn;
use super::{Database, Location};

/// The variable naming the test database: `postgres://user@127.0.0.1:port/db`.
pub const POSTGRES_VARIABLE: &str = "SIGNPOST_TEST_POSTGRES";

/// One store a test runs against; a PostgreSQL schema is dropped with it.
pub struct TestStore {
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    pub database: Database,
    /// The URL that reaches this store (PostgreSQL), for a server started by the test.
    pub url: Option<String>,
    schema: Option<(Database, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestStore {
    /// A writable connection, the schema migrated.
    pub fn conn(&self) -> Conn {
        self.database
            .for_admin_write()
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// A fresh SQLite file in a folder of its own.
    pub fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("a scratch folder");
        TestStore {
            name: "sqlite",
            database: Database::Sqlite(dir.path().join("signpost.sqlite3")),
            url: None,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// A fresh schema in the test database, or `None` when there is none.
    pub fn postgres() -> Option<TestStore> {
        let Ok(base) = std::env::var(POSTGRES_VARIABLE) else {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                eprintln!("{POSTGRES_VARIABLE} is not set: the store tests run on SQLite only")
            });
            return None;
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let schema = format!(
            "test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = Database::open(&Location::Postgres(base.clone())).expect("the test URL");
        let conn = admin
            .for_admin_write()
            .unwrap_or_else(|e| panic!("{POSTGRES_VARIABLE}={base}: {e}"));
        conn.batch(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .expect("a fresh schema");
        drop(conn);
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        Some(TestStore {
            name: "postgres",
            database: Database::open(&Location::Postgres(url.clone())).expect("the schema's URL"),
            url: Some(url),
            schema: Some((admin, schema)),
            _dir: None,
        })
    }

    /// SQLite, then PostgreSQL when there is a test database.
    pub fn each() -> Vec<TestStore> {
        std::iter::once(TestStore::sqlite())
            .chain(TestStore::postgres())
            .collect()
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((admin, schema)) = self.schema.take() {
            // On a thread of its own: the store's calls block, and a test may end on an
            // async worker.
            let _ = std::thread::spawn(move || {
                if let Ok(conn) = admin.for_admin_write() {
                    let _ = conn.batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            })
            .join();
        }
    }
}
