//! The PostgreSQL store's connections: a pool on a small runtime of its own, TLS when the URL
//! asks for it, and the change notices replicas send each other (LISTEN/NOTIFY).
//!
//! Every replica of a deployment reads and writes the one database. An admin change made on
//! one replica — a learned phrasing taught or undone, a question group dismissed, a reindex —
//! is announced in the same transaction that records it (`pg_notify`, delivered only if that
//! transaction commits). Each replica listens on its own connection and, on a notice from
//! another replica, rebuilds and swaps its index the way a reindex does. A listener that lost
//! its connection reconnects every second and, once back, treats the gap as a change: a
//! notice sent while it was away is never waited for.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::AsyncMessage;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::db::{Conn, DbError, PgConn};
use super::StoreError;

/// The channel replicas announce changes on.
pub const CHANNEL: &str = "signpost_changes";
/// The most connections one replica holds (the writer, admin pages, reindexing).
const POOL_SIZE: usize = 8;
/// How long connecting, or waiting for a pooled connection, may take before the attempt
/// fails (and a write is counted lost) rather than holding up the writer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a listener waits before connecting again.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);

/// What a change notice from another replica asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Another replica recorded this kind of change (`learn`, `undo`, `dismiss`, `reindex`).
    Announced(String),
    /// The listener was disconnected and is back: notices may have been missed.
    Reconnected,
}

/// The store's own runtime: the pool's connections and the listener run on it, and the
/// store's blocking calls wait on it. Shut down without waiting when the store goes, so a
/// store dropped inside an async context does not panic.
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A PostgreSQL database the store lives in.
pub struct Postgres {
    pool: deadpool_postgres::Pool,
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    /// This process's name in change notices, so a replica ignores its own.
    origin: Arc<str>,
    /// The URL without its password, for logs and errors.
    display: String,
    runtime: tokio::runtime::Handle,
    _runtime: OwnRuntime,
}

/// Is `location` a PostgreSQL URL?
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// `url` with its password, if any, replaced by `***`.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// `url` without its `sslrootcert=FILE` parameter, and that file. libpq's name for "trust this
/// CA (PEM) for the server's certificate"; tokio-postgres does not know it, so it is taken out
/// before the URL is parsed.
fn take_root_cert(url: &str) -> (String, Option<std::path::PathBuf>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut root_cert = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.strip_prefix("sslrootcert=") {
            Some(file) => {
                root_cert = Some(std::path::PathBuf::from(percent_decoded(file)));
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, root_cert)
}

/// `%2F` and the like as the bytes they stand for.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok();
        match (bytes[i], hex().and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// TLS with the system's trusted roots, and the CA in `root_cert` when the URL names one;
/// used when the URL's `sslmode` asks for it (`prefer`, the default, tries TLS and falls back
/// to plain; `require` insists). The server's certificate is always verified.
fn tls(root_cert: Option<&std::path::Path>) -> Result<MakeRustlsConnect, StoreError> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        // A certificate the system store holds but rustls cannot parse is skipped.
        let _ = roots.add(cert);
    }
    if let Some(file) = root_cert {
        let unreadable = |e: &dyn std::fmt::Display| {
            StoreError::Config(format!("sslrootcert {}: {e}", file.display()))
        };
        let certs =
            rustls::pki_types::CertificateDer::pem_file_iter(file).map_err(|e| unreadable(&e))?;
        for cert in certs {
            roots
                .add(cert.map_err(|e| unreadable(&e))?)
                .map_err(|e| unreadable(&e))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl Postgres {
    /// A pool for the database at `url`. Nothing is connected yet: a database that is down
    /// now is tried again with each use.
    pub fn new(url: &str) -> Result<Postgres, StoreError> {
        let display = without_password(url);
        let (url, root_cert) = take_root_cert(url);
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Config(format!("{display}: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("signpost");
        }
        let tls = tls(root_cert.as_deref())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("signpost-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Config(format!("cannot start the store's runtime: {e}")))?;
        let manager = deadpool_postgres::Manager::from_config(
            config.clone(),
            tls.clone(),
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _entered = runtime.enter();
            deadpool_postgres::Pool::builder(manager)
                .max_size(POOL_SIZE)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(CONNECT_TIMEOUT))
                .create_timeout(Some(CONNECT_TIMEOUT))
                .recycle_timeout(Some(CONNECT_TIMEOUT))
                .build()
                .map_err(|e| StoreError::Config(format!("{display}: {e}")))?
        };
        let origin = format!("{}-{:x}", std::process::id(), rand_u64());
        Ok(Postgres {
            pool,
            config,
            tls,
            origin: origin.into(),
            display,
            runtime: runtime.handle().clone(),
            _runtime: OwnRuntime(Some(runtime)),
        })
    }

    /// The URL without its password.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// A connection from the pool. Blocks; never call it on an async worker.
    pub fn conn(&self) -> Result<Conn, DbError> {
        let client = self
            .runtime
            .block_on(self.pool.get())
            .map_err(|e| DbError::Unavailable(with_causes(&e)))?;
        Ok(Conn::Postgres(PgConn {
            client,
            runtime: self.runtime.clone(),
            origin: Arc::clone(&self.origin),
        }))
    }

    /// Listens for other replicas' change notices and calls `on_change` for each (on the
    /// store's runtime: keep it short, e.g. send on a channel). Runs until the store goes.
    pub fn listen(&self, on_change: impl Fn(Change) + Send + Sync + 'static) {
        let config = self.config.clone();
        let tls = self.tls.clone();
        let origin = Arc::clone(&self.origin);
        let database = self.display.clone();
        self.runtime.spawn(async move {
            let mut connected_before = false;
            let mut logged_down = false;
            loop {
                match listen_once(&config, tls.clone(), &origin, &on_change, connected_before)
                    .await
                {
                    Ok(()) => {
                        connected_before = true;
                        logged_down = false;
                        tracing::warn!(database = %database, "lost the change-notice connection; reconnecting");
                    }
                    Err(e) => {
                        if !logged_down {
                            tracing::warn!(database = %database, "cannot listen for other replicas' changes: {e}; retrying every second");
                            logged_down = true;
                        }
                    }
                }
                tokio::time::sleep(RECONNECT_EVERY).await;
            }
        });
    }
}

/// One connection's worth of listening: connects, listens, reports notices until the
/// connection ends. `Ok` once it was listening; `Err` when it never got that far.
async fn listen_once(
    config: &tokio_postgres::Config,
    tls: MakeRustlsConnect,
    origin: &str,
    on_change: &(impl Fn(Change) + Send + Sync),
    reconnected: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tls).await?;
    let (sender, mut notices) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(notice))) => {
                    if sender.send(notice.payload().to_string()).is_err() {
                        break;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    // Notices reach every session of the database; only those from replicas using the same
    // schema (the same deployment) are ours.
    let schema: String = client
        .query_one("SELECT current_schema()", &[])
        .await?
        .get(0);
    tracing::info!("listening for other replicas' changes");
    if reconnected {
        on_change(Change::Reconnected);
    }
    while let Some(payload) = notices.recv().await {
        let mut parts = payload.splitn(3, ' ');
        if let (Some(their_schema), Some(from), Some(kind)) =
            (parts.next(), parts.next(), parts.next())
        {
            if their_schema == schema && from != origin {
                on_change(Change::Announced(kind.to_string()));
            }
        }
    }
    drop(client);
    Ok(())
}

impl PgConn {
    /// Announces a change to the other replicas, when the current transaction commits:
    /// `schema origin kind`.
    pub(super) fn announce(&self, kind: &str) -> Result<(), DbError> {
        let payload = format!("{} {kind}", self.origin);
        self.runtime.block_on(async {
            self.client
                .execute(
                    "SELECT pg_notify($1, current_schema() || ' ' || $2)",
                    &[&CHANNEL, &payload],
                )
                .await
        })?;
        Ok(())
    }
}

/// An error and each error that caused it: "error performing TLS handshake: invalid peer
/// certificate: UnknownIssuer" says what to fix where the first alone does not.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = e.source();
    }
    text
}

/// A random number from std's randomly keyed hasher: enough to tell processes apart.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_log() {
        assert_eq!(
            without_password("postgres://app:s3cret@db.example:5432/signpost?sslmode=require"),
            "postgres://app:***@db.example:5432/signpost?sslmode=require"
        );
        assert_eq!(
            without_password("postgres://app@db.example/signpost"),
            "postgres://app@db.example/signpost"
        );
        assert_eq!(
            without_password("postgresql://db.example/signpost"),
            "postgresql://db.example/signpost"
        );
        assert!(is_url("postgresql://x/y") && is_url("postgres://x") && !is_url("data/s.db"));
    }

    #[test]
    fn a_root_certificate_is_taken_out_of_the_url() {
        assert_eq!(
            take_root_cert("postgres://h/db?sslmode=require&sslrootcert=%2Fetc%2Fca.pem"),
            (
                "postgres://h/db?sslmode=require".into(),
                Some("/etc/ca.pem".into())
            )
        );
        assert_eq!(
            take_root_cert("postgres://h/db?sslrootcert=ca.pem"),
            ("postgres://h/db".into(), Some("ca.pem".into()))
        );
        assert_eq!(
            take_root_cert("postgres://h/db"),
            ("postgres://h/db".into(), None)
        );
        let missing = Postgres::new("postgres://h/db?sslrootcert=/nonexistent/ca.pem");
        assert!(
            matches!(&missing, Err(StoreError::Config(m)) if m.contains("/nonexistent/ca.pem")),
            "a CA file that cannot be read is refused at start"
        );
    }

    /// Over TLS to the test cluster when it serves TLS (`SIGNPOST_TEST_POSTGRES_TLS`, a URL
    /// with `sslmode=require` and the cluster's own CA as `sslrootcert`).
    #[test]
    fn tls_is_used_when_the_url_asks_and_the_certificate_is_verified() {
        let Ok(url) = std::env::var("SIGNPOST_TEST_POSTGRES_TLS") else {
            return;
        };
        let postgres = Postgres::new(&url).unwrap();
        let conn = postgres.conn().unwrap();
        let ssl = conn
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
                |r| r.flag(0),
            )
            .unwrap();
        assert!(ssl, "the connection is encrypted");
        // Without the CA, the cluster's certificate is not trusted: no connection.
        let (untrusted, _) = take_root_cert(&url);
        let postgres = Postgres::new(&untrusted).unwrap();
        let err = postgres
            .conn()
            .err()
            .expect("an untrusted certificate is refused");
        assert!(
            err.to_string().to_lowercase().contains("certificate"),
            "{err}"
        );
    }
}
