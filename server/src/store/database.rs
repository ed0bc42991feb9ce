//! Where the store lives — an SQLite file (one server) or a PostgreSQL database (replicas
//! sharing it) — and the connections each part of the server takes to it: the writer's, an
//! admin write's, and a read's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::db::Conn;
use super::postgres::{self, Change, Postgres};
use super::{open_for_writing, open_read_only, schema, StoreError};

/// Where the store is, as configured: `--store FILE` or `--store postgres://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// A PostgreSQL URL (`postgres://user:password@host:port/database?sslmode=…`).
    Postgres(String),
}

impl Location {
    /// A PostgreSQL URL is one; anything else is a file.
    pub fn parse(text: &str) -> Location {
        if postgres::is_url(text) {
            Location::Postgres(text.to_string())
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    /// For logs: the file, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(url) => postgres::without_password(url),
        }
    }
}

/// Shown without a password, whoever prints it.
impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(path) => write!(f, "File({path:?})"),
            Location::Postgres(_) => write!(f, "Postgres({:?})", self.display()),
        }
    }
}

/// The store's database, opened. Cheap to clone: every clone shares one pool.
#[derive(Clone)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(Arc<SharedDatabase>),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({})", self.display())
    }
}

/// A PostgreSQL database and whether this process has brought its schema up to date.
pub struct SharedDatabase {
    postgres: Postgres,
    migrated: AtomicBool,
}

impl Database {
    /// Opens the store at `location`. Connects to nothing yet: a PostgreSQL server that is
    /// down now is tried again with each use. Fails only on a URL that cannot be read.
    pub fn open(location: &Location) -> Result<Database, StoreError> {
        Ok(match location {
            Location::File(path) => Database::Sqlite(path.clone()),
            Location::Postgres(url) => Database::Postgres(Arc::new(SharedDatabase {
                postgres: Postgres::new(url)?,
                migrated: AtomicBool::new(false),
            })),
        })
    }

    /// The SQLite file, when the store is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(path) => Some(path),
            Database::Postgres(_) => None,
        }
    }

    /// For logs: the file, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(shared) => shared.postgres.display().to_string(),
        }
    }

    /// A PostgreSQL connection, the schema migrated by this process once.
    fn postgres_conn(shared: &SharedDatabase) -> Result<Conn, StoreError> {
        let mut conn = shared.postgres.conn()?;
        if !shared.migrated.load(Ordering::Acquire) {
            schema::migrate(&mut conn)?;
            shared.migrated.store(true, Ordering::Release);
        }
        Ok(conn)
    }

    /// The writer's connection and whether it is read-only (an SQLite file marked so).
    pub fn for_writer(&self, busy: Duration) -> Result<(Conn, bool), StoreError> {
        match self {
            Database::Sqlite(path) => open_for_writing(path, busy),
            Database::Postgres(shared) => Ok((Self::postgres_conn(shared)?, false)),
        }
    }

    /// A connection for an admin write; refused when the store is read-only.
    pub fn for_admin_write(&self) -> Result<Conn, StoreError> {
        let (conn, read_only) = self.for_writer(Duration::from_secs(5))?;
        if read_only {
            return Err(StoreError::ReadOnly);
        }
        Ok(conn)
    }

    /// A connection for reading; `None` when nothing has been recorded yet (no file).
    pub fn for_reading(&self) -> Result<Option<Conn>, StoreError> {
        match self {
            Database::Sqlite(path) => match open_read_only(path) {
                Ok(conn) => Ok(Some(conn)),
                Err(StoreError::Missing(_)) => Ok(None),
                Err(e) => Err(e),
            },
            Database::Postgres(shared) => Self::postgres_conn(shared).map(Some),
        }
    }

    /// Tells the other replicas that `kind` of change was made (nothing to tell with SQLite).
    pub fn announce(&self, kind: &str) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(_) => Ok(()),
            Database::Postgres(shared) => Ok(shared.postgres.conn()?.announce(kind)?),
        }
    }

    /// Calls `on_change` for each change another replica announces (never with SQLite).
    pub fn listen(&self, on_change: impl Fn(Change) + Send + Sync + 'static) {
        if let Database::Postgres(shared) = self {
            shared.postgres.listen(on_change);
        }
    }
}
