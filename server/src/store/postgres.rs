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

/// How the URL asks for TLS, in libpq's words, and the URL tokio-postgres is given.
///
/// - `sslmode=disable`: plain. `prefer` (the default): TLS when the server offers it, else
///   plain. `require`: TLS only. Like libpq, these two do not check the server's certificate
///   unless the URL names a CA (`sslrootcert=FILE`): a database with a self-signed
///   certificate (as Debian's own cluster has) is still reached, encrypted.
/// - `verify-ca`, `verify-full`: TLS only, the certificate checked (its chain against the
///   system's roots or the `sslrootcert` CA, and its name against the host, for both).
#[derive(Debug, PartialEq, Eq)]
struct TlsSettings {
    url: String,
    root_cert: Option<std::path::PathBuf>,
    verify: bool,
}

fn tls_settings(url: &str) -> TlsSettings {
    let Some((base, query)) = url.split_once('?') else {
        return TlsSettings {
            url: url.to_string(),
            root_cert: None,
            verify: false,
        };
    };
    let mut root_cert = None;
    let mut verify_mode = false;
    let mut kept: Vec<String> = Vec::new();
    for pair in query.split('&') {
        if let Some(file) = pair.strip_prefix("sslrootcert=") {
            root_cert = Some(std::path::PathBuf::from(percent_decoded(file)));
        } else if pair == "sslmode=verify-ca" || pair == "sslmode=verify-full" {
            // tokio-postgres knows `require`; the checking is ours.
            verify_mode = true;
            kept.push("sslmode=require".into());
        } else {
            kept.push(pair.to_string());
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let verify = verify_mode || root_cert.is_some();
    TlsSettings {
        url,
        root_cert,
        verify,
    }
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

/// TLS as `settings` ask: checking the server's certificate against the system's roots and
/// the named CA, or (libpq's `prefer` and `require` without a CA) only encrypting.
fn tls(settings: &TlsSettings) -> Result<MakeRustlsConnect, StoreError> {
    use rustls::pki_types::pem::PemObject;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Config(format!("TLS: {e}")))?;
    if !settings.verify {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth();
        return Ok(MakeRustlsConnect::new(config));
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        // A certificate the system store holds but rustls cannot parse is skipped.
        let _ = roots.add(cert);
    }
    if let Some(file) = &settings.root_cert {
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
    let config = builder.with_root_certificates(roots).with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// libpq's `prefer` and `require`: the connection is encrypted and the handshake's
/// signatures checked, but any certificate is accepted.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl Postgres {
    /// A pool for the database at `url`. Nothing is connected yet: a database that is down
    /// now is tried again with each use.
    pub fn new(url: &str) -> Result<Postgres, StoreError> {
        let display = without_password(url);
        let tls_settings = tls_settings(url);
        let mut config: tokio_postgres::Config = tls_settings
            .url
            .parse()
            .map_err(|e| StoreError::Config(format!("{display}: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("signpost");
        }
        let tls = tls(&tls_settings)?;
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
    fn the_url_says_how_tls_is_checked() {
        let settings = tls_settings("postgres://h/db?sslmode=require&sslrootcert=%2Fetc%2Fca.pem");
        assert_eq!(
            settings,
            TlsSettings {
                url: "postgres://h/db?sslmode=require".into(),
                root_cert: Some("/etc/ca.pem".into()),
                verify: true,
            }
        );
        let settings = tls_settings("postgres://h/db?sslmode=verify-full");
        assert_eq!(
            (settings.url.as_str(), settings.verify),
            ("postgres://h/db?sslmode=require", true)
        );
        for plain in [
            "postgres://h/db",
            "postgres://h/db?sslmode=require",
            "postgres://h/db?sslmode=prefer",
        ] {
            let settings = tls_settings(plain);
            assert_eq!((settings.url.as_str(), settings.verify), (plain, false));
        }
        let missing = Postgres::new("postgres://h/db?sslrootcert=/nonexistent/ca.pem");
        assert!(
            matches!(&missing, Err(StoreError::Config(m)) if m.contains("/nonexistent/ca.pem")),
            "a CA file that cannot be read is refused at start"
        );
    }

    fn encrypted(url: &str) -> bool {
        let postgres = Postgres::new(url).unwrap();
        let conn = postgres.conn().unwrap_or_else(|e| panic!("{url}: {e}"));
        conn.query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
            |r| r.flag(0),
        )
        .unwrap()
    }

    /// Over TLS to the test cluster when it serves TLS: `SIGNPOST_TEST_POSTGRES_TLS` is its
    /// URL with `sslmode=verify-full` and the cluster's own CA (signed for 127.0.0.1) as
    /// `sslrootcert`.
    #[test]
    fn tls_is_used_as_the_url_asks_and_a_certificate_checked_when_it_says_so() {
        let Ok(url) = std::env::var("SIGNPOST_TEST_POSTGRES_TLS") else {
            return;
        };
        assert!(encrypted(&url), "checked against the CA: encrypted");
        let settings = tls_settings(&url);
        let (base, _) = settings.url.split_once('?').unwrap();
        assert!(
            encrypted(&format!("{base}?sslmode=require")),
            "libpq's require: encrypted, unchecked"
        );
        assert!(encrypted(base), "libpq's prefer: encrypted when offered");
        assert!(!encrypted(&format!("{base}?sslmode=disable")));
        // Checked without the CA, the cluster's certificate is not trusted: no connection.
        let postgres = Postgres::new(&format!("{base}?sslmode=verify-full")).unwrap();
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
