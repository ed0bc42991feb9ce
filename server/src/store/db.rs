//! One connection to either database the store can live in — an SQLite file or PostgreSQL —
//! behind one small API, so the schema, the writes, the report and the editors' queries are
//! written once.
//!
//! SQL is written with SQLite's numbered parameters (`?1`, `?2`); for PostgreSQL they become
//! `$1`, `$2`. Everything else in it must mean the same in both dialects: `CASE WHEN` rather
//! than summing a comparison, `IS [NOT] DISTINCT FROM` rather than SQLite's `IS`, and casts
//! where PostgreSQL would otherwise widen a type. [`Dialect`] tells the few places that differ.
//!
//! The PostgreSQL driver is async (tokio-postgres, pooled by deadpool); its calls here block
//! on the store's own runtime. They are made only where blocking is allowed — the writer
//! thread, `spawn_blocking`, command-line tools and tests — never on an async worker.

use tokio_postgres::types::{IsNull, ToSql, Type};

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection could be had: the server is down, refuses us, or the pool timed out.
    #[error("PostgreSQL: no connection: {0}")]
    Unavailable(String),
    #[error("column {column}: {message}")]
    Type { column: usize, message: String },
}

/// A parameter of a statement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(v)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// The parameters of a statement: `args![from, site]`.
#[macro_export]
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        [$($crate::store::db::Value::from($value)),*]
    };
}
pub use args;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(v),
            Value::Real(v) => ValueRef::Real(v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
        }))
    }
}

/// PostgreSQL types its parameters from the statement; a value is written as the type asked
/// for, as SQLite would store it.
impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                _ => v.to_string().as_str().to_sql(ty, out),
            },
            Value::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                _ => v.to_string().as_str().to_sql(ty, out),
            },
            Value::Text(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::BOOL
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
        )
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A column's type, for [`Conn::insert_rows`]: `INTEGER`/`BIGINT`, `REAL`/`DOUBLE PRECISION`,
/// `TEXT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Int,
    Real,
    Text,
}

impl Column {
    fn postgres(self) -> Type {
        match self {
            Column::Int => Type::INT8,
            Column::Real => Type::FLOAT8,
            Column::Text => Type::TEXT,
        }
    }
}

/// `?1`, `?2` … as PostgreSQL's `$1`, `$2` …, outside quoted text.
pub fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '?' => {
                out.push('$');
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    out
}

/// One row of a result, read in place.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

impl Row<'_> {
    fn type_error(column: usize, message: impl Into<String>) -> DbError {
        DbError::Type {
            column,
            message: message.into(),
        }
    }

    /// An integer, or `None` for NULL. Booleans read as 0 and 1, as SQLite stores them.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Postgres(r) => {
                let ty = r.columns().get(i).map(|c| c.type_().clone());
                Ok(match ty {
                    Some(Type::INT8) => r.try_get::<_, Option<i64>>(i)?,
                    Some(Type::INT4) => r.try_get::<_, Option<i32>>(i)?.map(i64::from),
                    Some(Type::INT2) => r.try_get::<_, Option<i16>>(i)?.map(i64::from),
                    Some(Type::BOOL) => r.try_get::<_, Option<bool>>(i)?.map(i64::from),
                    other => return Err(Self::type_error(i, format!("{other:?} is no integer"))),
                })
            }
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        self.opt_int(i)?
            .ok_or_else(|| Self::type_error(i, "NULL where an integer was expected"))
    }

    pub fn flag(&self, i: usize) -> Result<bool, DbError> {
        Ok(self.int(i)? != 0)
    }

    /// A number, or `None` for NULL; integers read as numbers.
    pub fn opt_real(&self, i: usize) -> Result<Option<f64>, DbError> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Postgres(r) => {
                let ty = r.columns().get(i).map(|c| c.type_().clone());
                Ok(match ty {
                    Some(Type::FLOAT8) => r.try_get::<_, Option<f64>>(i)?,
                    Some(Type::FLOAT4) => r.try_get::<_, Option<f32>>(i)?.map(f64::from),
                    _ => self.opt_int(i)?.map(|v| v as f64),
                })
            }
        }
    }

    pub fn real(&self, i: usize) -> Result<f64, DbError> {
        self.opt_real(i)?
            .ok_or_else(|| Self::type_error(i, "NULL where a number was expected"))
    }

    /// Text borrowed from the row, or `None` for NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<&str>, DbError> {
        match self {
            Row::Sqlite(r) => match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                value => Ok(Some(value.as_str().map_err(rusqlite::Error::from)?)),
            },
            Row::Postgres(r) => Ok(r.try_get::<_, Option<&str>>(i)?),
        }
    }

    pub fn text(&self, i: usize) -> Result<&str, DbError> {
        self.opt_text(i)?
            .ok_or_else(|| Self::type_error(i, "NULL where text was expected"))
    }

    pub fn string(&self, i: usize) -> Result<String, DbError> {
        self.text(i).map(str::to_string)
    }

    pub fn opt_string(&self, i: usize) -> Result<Option<String>, DbError> {
        Ok(self.opt_text(i)?.map(str::to_string))
    }
}

/// A PostgreSQL connection from the pool, and the runtime its calls block on.
pub struct PgConn {
    pub(super) client: deadpool_postgres::Object,
    pub(super) runtime: tokio::runtime::Handle,
    /// This process's name in change notices ([`super::postgres`]).
    pub(super) origin: std::sync::Arc<str>,
}

impl PgConn {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    async fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement, DbError> {
        Ok(self.client.prepare_cached(&postgres_sql(sql)).await?)
    }
}

fn pg_params<'a>(params: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// An open connection to the store's database.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(PgConn),
}

impl Conn {
    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite connection underneath, for what only SQLite has (its query plans).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres(_) => None,
        }
    }

    /// Tells the other replicas sharing this database that `kind` of change was made, once
    /// the current transaction commits. Nothing to tell with SQLite: one server, one file.
    pub fn announce(&self, kind: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(_) => Ok(()),
            Conn::Postgres(c) => c.announce(kind),
        }
    }

    /// Runs statements without parameters, separated by `;`.
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => Ok(c.block_on(c.client.batch_execute(sql))?),
        }
    }

    /// Runs one statement; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                Ok(statement.execute(rusqlite::params_from_iter(params))? as u64)
            }
            Conn::Postgres(c) => c.block_on(async {
                let statement = c.statement(sql).await?;
                Ok(c.client.execute(&statement, &pg_params(params)).await?)
            }),
        }
    }

    /// Runs one statement once for each set of parameters (PostgreSQL: pipelined, one round
    /// trip for all).
    pub fn execute_each(&self, sql: &str, rows: &[Vec<Value<'_>>]) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                for params in rows {
                    statement.execute(rusqlite::params_from_iter(params))?;
                }
                Ok(())
            }
            Conn::Postgres(c) => c.block_on(async {
                let statement = c.statement(sql).await?;
                let params: Vec<Vec<&(dyn ToSql + Sync)>> =
                    rows.iter().map(|p| pg_params(p)).collect();
                let runs = params.iter().map(|p| c.client.execute(&statement, p));
                futures_util::future::try_join_all(runs).await?;
                Ok(())
            }),
        }
    }

    /// Inserts `rows` into `table`, each a value for each of `columns` in order: on SQLite
    /// one prepared `INSERT` a row, on PostgreSQL one binary `COPY` for them all (a batch of
    /// a thousand asks costs the database a fraction of a thousand statements, and this
    /// process a fraction of encoding them).
    pub fn insert_rows(
        &self,
        table: &str,
        columns: &[(&str, Column)],
        rows: &[Vec<Value<'_>>],
    ) -> Result<(), DbError> {
        if rows.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let names = names.join(", ");
        match self {
            Conn::Sqlite(_) => {
                let places: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({names}) VALUES ({})",
                    places.join(", ")
                );
                self.execute_each(&sql, rows)
            }
            Conn::Postgres(c) => c.block_on(async {
                let copy = format!("COPY {table} ({names}) FROM STDIN BINARY");
                let sink = c.client.copy_in::<_, bytes::Bytes>(&copy).await?;
                let types: Vec<Type> = columns.iter().map(|(_, ty)| ty.postgres()).collect();
                let writer = tokio_postgres::binary_copy::BinaryCopyInWriter::new(sink, &types);
                let mut writer = std::pin::pin!(writer);
                for row in rows {
                    writer.as_mut().write(&pg_params(row)).await?;
                }
                writer.finish().await?;
                Ok(())
            }),
        }
    }

    /// Calls `each` on every row the query returns, in order.
    pub fn query_each(
        &self,
        sql: &str,
        params: &[Value<'_>],
        mut each: impl FnMut(&Row<'_>) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(params))?;
                while let Some(r) = rows.next()? {
                    each(&Row::Sqlite(r))?;
                }
                Ok(())
            }
            Conn::Postgres(c) => {
                let rows = c.block_on(async {
                    let statement = c.statement(sql).await?;
                    Ok::<_, DbError>(c.client.query(&statement, &pg_params(params)).await?)
                })?;
                for r in &rows {
                    each(&Row::Postgres(r))?;
                }
                Ok(())
            }
        }
    }

    /// Every row the query returns, read by `read`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        mut read: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        let mut out = Vec::new();
        self.query_each(sql, params, |r| {
            out.push(read(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row the query returns, if any, read by `read`.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        read: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        let mut read = Some(read);
        let mut out = None;
        self.query_each(sql, params, |r| {
            if let Some(read) = read.take() {
                out = Some(read(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The one row the query must return, read by `read`.
    pub fn query_one<T>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        read: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.query_opt(sql, params, read)?
            .ok_or_else(|| DbError::Type {
                column: 0,
                message: "the query returned no row".into(),
            })
    }

    /// Runs `work` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    pub fn transaction<T, E: From<DbError>>(
        &mut self,
        work: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        self.batch("BEGIN")?;
        match work(self) {
            Ok(value) => {
                if let Err(e) = self.batch("COMMIT") {
                    let _ = self.batch("ROLLBACK");
                    return Err(e.into());
                }
                Ok(value)
            }
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// `SUM(CASE WHEN condition THEN 1 ELSE 0 END)`: counting rows that meet a condition, the
/// same in both dialects (PostgreSQL cannot sum a boolean).
pub fn count_if(condition: &str) -> String {
    format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_dollars_outside_quotes() {
        assert_eq!(
            postgres_sql("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12"
        );
    }

    #[test]
    fn a_failed_transaction_leaves_nothing_behind() {
        let mut conn = Conn::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        conn.batch("CREATE TABLE t (x INTEGER)").unwrap();
        let failed: Result<(), DbError> = conn.transaction(|tx| {
            tx.execute("INSERT INTO t (x) VALUES (?1)", &args![1_i64])?;
            tx.execute("INSERT INTO nowhere (x) VALUES (1)", &[])?;
            Ok(())
        });
        assert!(failed.is_err());
        let n = conn
            .query_one("SELECT COUNT(*) FROM t", &[], |r| r.int(0))
            .unwrap();
        assert_eq!(n, 0);
        conn.transaction(|tx| {
            tx.execute_each(
                "INSERT INTO t (x) VALUES (?1)",
                &[args![1_i64].to_vec(), args![None::<i64>].to_vec()],
            )
        })
        .unwrap();
        let rows = conn
            .query_map("SELECT x FROM t ORDER BY x", &[], |r| r.opt_int(0))
            .unwrap();
        assert_eq!(rows, vec![None, Some(1)]);
    }
}
