//! Command-line and environment configuration, parsed raw by clap and validated once into a
//! [`Config`]. Nothing else in the server reads the environment.
//!
//! Why this file is over 500 lines: one field with its flag, variable and help per setting, and
//! their checks, read best as one list; about 185 lines are tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::engine::{Limits, Settings};
use crate::eval;
use crate::http::ratelimit::{IpNet, RateLimit};
use crate::http::HttpSettings;
use crate::serve::ConnectionLimits;
use crate::store::{Location, Period};

#[derive(Debug, Parser)]
#[command(
    name = "signpost-server",
    version,
    about = "Answers questions about the local e-gov National Projects"
)]
pub struct Cli {
    #[command(flatten)]
    pub options: Options,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, the widget and the pages (the default).
    Serve,
    /// Score answer quality on a JSONL evaluation file and list the misses.
    Eval {
        /// The evaluation file: one case per line, a question {q, expect, must, tags} or a
        /// conversation {turns: [{q, expect, must}, …], tags}.
        file: PathBuf,
    },
    /// Show why a question gets the answer it gets: the entries ranked with their features and
    /// scores, and what the confidence is made of.
    Explain {
        /// The question.
        question: String,
        /// How many ranked entries to show.
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// Earlier questions of the conversation, in order: the question is asked as a
        /// follow-up with the context their answers left.
        #[arg(long)]
        after: Vec<String>,
    },
    /// Measure answer quality on external FAQ collections (each imported and indexed in a
    /// scratch folder) beside plain BM25 baselines.
    Quality {
        /// Collection folders, each with faq.jsonl and queries-dev.jsonl.
        #[arg(default_values = eval::quality::DEFAULT_COLLECTIONS)]
        dirs: Vec<PathBuf>,
    },
    /// Refit the ranking and confidence weights on the evaluation sets' dev data and write
    /// them to the engine's model file (see server/src/fit/).
    Fit {
        /// Where to write the model [default: engine/src/model.json].
        #[arg(long, default_value = "engine/src/model.json")]
        out: PathBuf,
        /// Print what the fit finds without writing the model.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the analytics report: questions per day, share answered, declined on purpose
    /// and unanswered, top unanswered and declined questions, answers voted "not helpful"
    /// (and confident ones voted so), most asked questions with their answers, sites.
    Report {
        /// The period: the last N days, today included (7d, 30d, 90d…).
        #[arg(long, default_value = "30d")]
        since: Period,
        /// Only the questions and votes from this site (its id as the widget sends it).
        #[arg(long, value_name = "SITE", value_parser = crate::store::report::parse_site)]
        site: Option<String>,
        /// Rows per list.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Print one whole list as CSV instead: questions-per-day, unanswered, declined,
        /// not-helpful, confident-not-helpful, most-asked or sites.
        #[arg(long, value_name = "LIST")]
        csv: Option<String>,
    },
}

/// A secret from configuration; `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Secret, Self::Err> {
        Ok(Secret(text.to_string()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The shortest admin token accepted: long enough that guessing is hopeless.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

/// Every option, as given: a flag or its environment variable.
#[derive(Debug, Clone, Args)]
pub struct Options {
    /// Address to listen on.
    #[arg(
        long,
        env = "SIGNPOST_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub addr: String,
    /// The corpus folder the index is built from.
    #[arg(long, env = "SIGNPOST_CORPUS", default_value = "corpus", global = true)]
    pub corpus: PathBuf,
    /// The data directory (index, anything stored).
    #[arg(long, env = "SIGNPOST_DATA", default_value = "data", global = true)]
    pub data: PathBuf,
    /// The index directory [default: $SIGNPOST_DATA/index].
    #[arg(long, env = "SIGNPOST_INDEX", global = true)]
    pub index: Option<PathBuf>,
    /// Answers below this confidence (0..1) are withheld and the fallback is shown.
    #[arg(
        long,
        env = "SIGNPOST_MIN_CONFIDENCE",
        default_value_t = Settings::default().min_confidence,
        global = true
    )]
    pub min_confidence: f32,
    /// The longest question accepted, in characters.
    #[arg(
        long,
        env = "SIGNPOST_MAX_QUESTION_CHARS",
        default_value_t = 500,
        global = true
    )]
    pub max_question_chars: usize,
    /// The most words accepted in a question.
    #[arg(
        long,
        env = "SIGNPOST_MAX_QUESTION_WORDS",
        default_value_t = 80,
        global = true
    )]
    pub max_question_words: usize,
    /// The most passages one answer may list (`limit`).
    #[arg(
        long,
        env = "SIGNPOST_MAX_RESULTS",
        default_value_t = 20,
        global = true
    )]
    pub max_results: usize,
    /// How many passages an answer lists when the request gives no `limit`.
    #[arg(
        long,
        env = "SIGNPOST_DEFAULT_RESULTS",
        default_value_t = 5,
        global = true
    )]
    pub default_results: usize,
    /// The largest request body accepted, in bytes.
    #[arg(
        long,
        env = "SIGNPOST_MAX_BODY_BYTES",
        default_value_t = 16 * 1024,
        global = true
    )]
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered with 408, in milliseconds.
    #[arg(
        long,
        env = "SIGNPOST_REQUEST_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub request_timeout_ms: u64,
    /// How long a new connection may take to send a whole request head, in milliseconds;
    /// a client that sends nothing or trickles its headers is disconnected after it.
    #[arg(
        long,
        env = "SIGNPOST_HEADER_READ_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub header_read_timeout_ms: u64,
    /// How long a kept-alive connection may stay idle between requests, in milliseconds (at
    /// most the header-read timeout in effect).
    #[arg(
        long,
        env = "SIGNPOST_KEEP_ALIVE_TIMEOUT_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub keep_alive_timeout_ms: u64,
    /// The most connections open at once [default: the file limit less a reserve for the
    /// index, the store and reindexing]. At the cap new connections wait and idle ones are
    /// closed.
    #[arg(long, env = "SIGNPOST_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,
    /// Requests per minute one client may make to the API, the admin pages and every route
    /// that searches (0 turns rate limiting off).
    #[arg(
        long,
        env = "SIGNPOST_RATE_LIMIT_PER_MINUTE",
        default_value_t = 300,
        global = true
    )]
    pub rate_limit_per_minute: u32,
    /// How many requests a client may make at once before the per-minute rate applies.
    #[arg(
        long,
        env = "SIGNPOST_RATE_LIMIT_BURST",
        default_value_t = 60,
        global = true
    )]
    pub rate_limit_burst: u32,
    /// Proxies whose X-Forwarded-For / Forwarded headers are believed: comma-separated
    /// addresses or CIDR ranges, e.g. `127.0.0.1,10.0.0.0/8`. Empty: believe none.
    #[arg(
        long,
        env = "SIGNPOST_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<String>,
    /// The header the trusted proxies write the client's address into: `x-forwarded-for`
    /// (nginx, HAProxy, Caddy, Traefik, cloud load balancers) or `forwarded` (RFC 7239). Only
    /// this one is read; the other is ignored even when present.
    #[arg(
        long,
        env = "SIGNPOST_FORWARDED_HEADER",
        default_value = "x-forwarded-for",
        global = true
    )]
    pub forwarded_header: String,
    /// How many searches may run at once; more are refused at once with 503 `busy`.
    #[arg(
        long,
        env = "SIGNPOST_MAX_CONCURRENT_SEARCHES",
        default_value_t = 64,
        global = true
    )]
    pub max_concurrent_searches: usize,
    /// Origins allowed to call write endpoints (feedback) from a browser, comma-separated,
    /// e.g. `https://www.example-council.gov.uk`. Empty: any origin.
    #[arg(
        long,
        env = "SIGNPOST_WRITE_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub write_origins: Vec<String>,
    /// The analytics store where redacted questions and feedback are recorded: an SQLite
    /// file, a PostgreSQL URL (`postgres://user:password@host/db`, shared by replicas), or
    /// `off` to record nothing [default: $SIGNPOST_DATA/signpost.sqlite3].
    #[arg(long, env = "SIGNPOST_STORE", hide_env_values = true, global = true)]
    pub store: Option<String>,
    /// Days questions and feedback are kept; older records are deleted automatically.
    #[arg(
        long,
        env = "SIGNPOST_RETENTION_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub retention_days: u32,
    /// The token that opens the /admin report (at least 16 characters); /admin does not
    /// exist without one. Prefer the environment variable: flags show in process lists.
    #[arg(
        long,
        env = "SIGNPOST_ADMIN_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub admin_token: Option<Secret>,
    /// The evaluation sets (JSONL) a fix's preview on /admin/queue checks besides the stored
    /// questions, comma-separated; missing files are skipped.
    #[arg(
        long,
        env = "SIGNPOST_PREVIEW_SETS",
        value_delimiter = ',',
        default_value = "tests/data/dev.jsonl,tests/data/reader-dev.jsonl",
        global = true
    )]
    pub preview_sets: Vec<PathBuf>,
    /// How long shutdown waits for requests in flight before giving up, in seconds.
    #[arg(
        long,
        env = "SIGNPOST_SHUTDOWN_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_timeout_secs: u64,
    /// Seconds a stopping server keeps serving before it closes its port, with `/healthz`
    /// answering 503 and every answer closing its connection, so a load balancer's health
    /// check takes it out and no request meets a closing connection. 0: close at once. Behind
    /// a balancer, set it longer than the balancer needs to mark a server down.
    #[arg(long, env = "SIGNPOST_DRAIN_SECS", default_value_t = 0, global = true)]
    pub drain_secs: u64,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub corpus: PathBuf,
    pub data: PathBuf,
    pub index: PathBuf,
    pub settings: Settings,
    /// The analytics store; `None` when recording is off.
    pub store: Option<Location>,
    pub retention_days: u32,
    /// `None`: `/admin` is off.
    pub admin_token: Option<Secret>,
    /// What a fix's preview checks.
    pub preview_sets: Vec<PathBuf>,
    pub http: HttpSettings,
    /// Timeouts and the cap on open connections.
    pub connections: ConnectionLimits,
    pub shutdown_timeout: Duration,
    /// How long a stopping server keeps serving, telling health checks it is going.
    pub drain: Duration,
}

impl Config {
    /// The configuration that command-line `args` (the program's name first) and the
    /// environment give, checked: what the server would run with.
    pub fn from_args<I, T>(args: I) -> anyhow::Result<Config>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::try_parse_from(args)?.options.validate()
    }
}

impl Options {
    /// Checks every option and fills in derived defaults.
    pub fn validate(self) -> anyhow::Result<Config> {
        let addr: SocketAddr = self.addr.parse().map_err(|e| {
            anyhow::anyhow!(
                "SIGNPOST_ADDR / --addr `{}` is not an address such as 127.0.0.1:8080: {e}",
                self.addr
            )
        })?;
        if !(0.0..=1.0).contains(&self.min_confidence) {
            anyhow::bail!(
                "--min-confidence must be between 0 and 1, got {}",
                self.min_confidence
            );
        }
        if self.max_question_chars == 0 || self.max_question_words == 0 || self.max_results == 0 {
            anyhow::bail!("question and result limits must be at least 1");
        }
        if !(1..=self.max_results).contains(&self.default_results) {
            anyhow::bail!(
                "--default-results must be between 1 and --max-results ({}), got {}",
                self.max_results,
                self.default_results
            );
        }
        if self.max_body_bytes < 256 {
            anyhow::bail!(
                "--max-body-bytes must be at least 256, got {}",
                self.max_body_bytes
            );
        }
        if self.request_timeout_ms == 0 {
            anyhow::bail!("--request-timeout-ms must be at least 1");
        }
        if self.header_read_timeout_ms == 0 || self.keep_alive_timeout_ms == 0 {
            anyhow::bail!(
                "--header-read-timeout-ms and --keep-alive-timeout-ms must be at least 1"
            );
        }
        if self.max_connections == Some(0) {
            anyhow::bail!("--max-connections must be at least 1");
        }
        let forwarded_header = self.forwarded_header.parse().map_err(|e| {
            anyhow::anyhow!(
                "SIGNPOST_FORWARDED_HEADER / --forwarded-header `{}`: {e}",
                self.forwarded_header
            )
        })?;
        if self.max_concurrent_searches == 0 {
            anyhow::bail!("--max-concurrent-searches must be at least 1");
        }
        let rate_limit = match (self.rate_limit_per_minute, self.rate_limit_burst) {
            (0, _) => None,
            (_, 0) => anyhow::bail!(
                "--rate-limit-burst must be at least 1 (turn limiting off with --rate-limit-per-minute 0)"
            ),
            (per_minute, burst) => Some(RateLimit { per_minute, burst }),
        };
        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>().map_err(|e| {
                    anyhow::anyhow!("SIGNPOST_TRUSTED_PROXIES / --trusted-proxies `{s}`: {e}")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let write_origins = self
            .write_origins
            .iter()
            .map(|s| s.trim().trim_end_matches('/'))
            .filter(|s| !s.is_empty())
            .map(|s| {
                is_origin(s).then(|| s.to_string()).ok_or_else(|| {
                    anyhow::anyhow!(
                        "SIGNPOST_WRITE_ORIGINS / --write-origins `{s}` is not an origin such as https://www.example.gov.uk"
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let index = self
            .index
            .clone()
            .unwrap_or_else(|| self.data.join("index"));
        let limits = Limits {
            max_chars: self.max_question_chars,
            max_words: self.max_question_words,
            default_results: self.default_results,
            max_results: self.max_results,
        };
        let store = match self.store {
            Some(store) if store.eq_ignore_ascii_case("off") => None,
            Some(store) if store.is_empty() => {
                anyhow::bail!(
                    "SIGNPOST_STORE / --store is empty: give a file, a postgres:// URL, or `off`"
                )
            }
            Some(store) => Some(Location::parse(&store)),
            None => Some(Location::File(self.data.join("signpost.sqlite3"))),
        };
        if let Some(Location::Postgres(url)) = &store {
            if let Err(e) = url.parse::<tokio_postgres::Config>() {
                anyhow::bail!(
                    "SIGNPOST_STORE / --store is not a PostgreSQL URL this build can use ({}): {e}",
                    crate::store::postgres::without_password(url)
                );
            }
        }
        if !(1..=3650).contains(&self.retention_days) {
            anyhow::bail!(
                "SIGNPOST_RETENTION_DAYS / --retention-days must be between 1 and 3650, got {}",
                self.retention_days
            );
        }
        let admin_token = match self.admin_token {
            Some(t) if t.expose().trim().is_empty() => None,
            Some(t) => {
                let chars = t.expose().chars().count();
                if chars < MIN_ADMIN_TOKEN_CHARS {
                    anyhow::bail!(
                        "SIGNPOST_ADMIN_TOKEN / --admin-token must be at least {MIN_ADMIN_TOKEN_CHARS} characters (it has {chars})"
                    );
                }
                if t.expose()
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
                {
                    anyhow::bail!("SIGNPOST_ADMIN_TOKEN / --admin-token must not contain spaces or control characters");
                }
                Some(t)
            }
            None => None,
        };
        Ok(Config {
            addr,
            corpus: self.corpus,
            data: self.data,
            index,
            settings: Settings {
                min_confidence: self.min_confidence,
                limits,
                ..Settings::default()
            },
            store,
            retention_days: self.retention_days,
            admin_token,
            preview_sets: self.preview_sets,
            http: HttpSettings {
                body_limit: self.max_body_bytes,
                request_timeout: Duration::from_millis(self.request_timeout_ms),
                rate_limit,
                trusted_proxies,
                forwarded_header,
                max_concurrent_searches: self.max_concurrent_searches,
                write_origins,
            },
            connections: ConnectionLimits {
                header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
                keep_alive_timeout: Duration::from_millis(self.keep_alive_timeout_ms),
                max_connections: self.max_connections,
            },
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
            drain: Duration::from_secs(self.drain_secs),
        })
    }
}

/// Is `s` a web origin as browsers send it: scheme, host and optional port, nothing else?
fn is_origin(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ratelimit::ForwardedHeader;

    fn options(args: &[&str]) -> Options {
        let mut all = vec!["signpost-server"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().options
    }

    #[test]
    fn defaults_derive_the_index_from_the_data_dir() {
        let config = options(&["--data", "/tmp/x"]).validate().unwrap();
        assert_eq!(config.index, PathBuf::from("/tmp/x/index"));
        assert_eq!(config.addr.port(), 8080);
    }

    #[test]
    fn rejects_bad_values_with_a_message() {
        let err = options(&["--addr", "localhost"]).validate().unwrap_err();
        assert!(err.to_string().contains("not an address"), "{err}");
        let err = options(&["--min-confidence", "2"]).validate().unwrap_err();
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
        let table: &[(&[&str], &str)] = &[
            (&["--default-results", "30"], "--default-results"),
            (&["--max-body-bytes", "10"], "--max-body-bytes"),
            (&["--request-timeout-ms", "0"], "--request-timeout-ms"),
            (
                &["--max-concurrent-searches", "0"],
                "--max-concurrent-searches",
            ),
            (&["--rate-limit-burst", "0"], "--rate-limit-burst"),
            (
                &["--trusted-proxies", "10.0.0.1,proxy.local"],
                "proxy.local",
            ),
            (&["--trusted-proxies", "10.0.0.0/33"], "10.0.0.0/33"),
            (&["--write-origins", "example.gov.uk"], "not an origin"),
            (
                &["--write-origins", "https://a.gov.uk/path"],
                "not an origin",
            ),
            (&["--admin-token", "short"], "at least 16"),
        ];
        for (args, expected) in table {
            let err = options(args).validate().unwrap_err();
            assert!(err.to_string().contains(expected), "{args:?}: {err}");
        }
    }

    #[test]
    fn limits_and_protections_are_configurable() {
        let config = options(&[
            "--max-question-chars",
            "100",
            "--max-question-words",
            "7",
            "--max-results",
            "9",
            "--default-results",
            "2",
            "--max-body-bytes",
            "4096",
            "--request-timeout-ms",
            "250",
            "--rate-limit-per-minute",
            "30",
            "--rate-limit-burst",
            "5",
            "--trusted-proxies",
            "127.0.0.1, 10.0.0.0/8",
            "--max-concurrent-searches",
            "3",
            "--write-origins",
            "https://council.example/",
            "--forwarded-header",
            "forwarded",
            "--header-read-timeout-ms",
            "1500",
            "--keep-alive-timeout-ms",
            "2500",
            "--max-connections",
            "40",
        ])
        .validate()
        .unwrap();
        let limits = config.settings.limits;
        assert_eq!(
            (
                limits.max_chars,
                limits.max_words,
                limits.max_results,
                limits.default_results
            ),
            (100, 7, 9, 2)
        );
        let http = &config.http;
        assert_eq!(http.body_limit, 4096);
        assert_eq!(http.request_timeout, Duration::from_millis(250));
        assert_eq!(
            http.rate_limit,
            Some(RateLimit {
                per_minute: 30,
                burst: 5
            })
        );
        assert_eq!(http.trusted_proxies.len(), 2);
        assert_eq!(http.max_concurrent_searches, 3);
        assert_eq!(http.write_origins, ["https://council.example"]);
        assert_eq!(http.forwarded_header, ForwardedHeader::Forwarded);
        assert_eq!(
            config.connections,
            ConnectionLimits {
                header_read_timeout: Duration::from_millis(1500),
                keep_alive_timeout: Duration::from_millis(2500),
                max_connections: Some(40),
            }
        );
        assert!(options(&["--forwarded-header", "via"]).validate().is_err());
        assert!(options(&["--max-connections", "0"]).validate().is_err());
        assert!(config.admin_token.is_none());
        let off = options(&["--rate-limit-per-minute", "0"])
            .validate()
            .unwrap();
        assert_eq!(off.http.rate_limit, None);
    }

    #[test]
    fn the_store_defaults_to_the_data_dir_and_can_be_turned_off() {
        let config = options(&["--data", "/tmp/x"]).validate().unwrap();
        assert_eq!(
            config.store,
            Some(Location::File("/tmp/x/signpost.sqlite3".into()))
        );
        assert_eq!(config.retention_days, 90);
        let config = options(&["--store", "/var/lib/s.db"]).validate().unwrap();
        assert_eq!(config.store, Some(Location::File("/var/lib/s.db".into())));
        let url = "postgres://signpost:pw@db.internal:5432/signpost?sslmode=require";
        let config = options(&["--store", url]).validate().unwrap();
        assert_eq!(config.store, Some(Location::Postgres(url.into())));
        assert!(!format!("{config:?}").contains("pw@"), "{config:?}");
        let err = options(&["--store", "postgres://x/y?sslmode=sometimes"])
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("PostgreSQL URL"), "{err}");
        let config = options(&["--store", "off"]).validate().unwrap();
        assert_eq!(config.store, None);
        let err = options(&["--retention-days", "0"]).validate().unwrap_err();
        assert!(err.to_string().contains("retention"), "{err}");
    }

    #[test]
    fn admin_tokens_must_be_long_and_never_show_in_debug() {
        assert!(options(&[]).validate().unwrap().admin_token.is_none());
        let err = options(&["--admin-token", "short"]).validate().unwrap_err();
        assert!(err.to_string().contains("at least 16"), "{err}");
        let err = options(&["--admin-token", "has a space in it, long enough"])
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("spaces"), "{err}");
        let config = options(&["--admin-token", "0123456789abcdef-token"])
            .validate()
            .unwrap();
        assert_eq!(
            config.admin_token.as_ref().unwrap().expose(),
            "0123456789abcdef-token"
        );
        assert!(!format!("{config:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn the_report_subcommand_parses_its_period() {
        let cli = Cli::try_parse_from(["signpost-server", "report", "--since", "7d"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Report {
                since: Period { days: 7 },
                ..
            })
        ));
        assert!(Cli::try_parse_from(["signpost-server", "report", "--since", "7w"]).is_err());
        let cli =
            Cli::try_parse_from(["signpost-server", "report", "--site", "leeds.gov.uk"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Report { site: Some(ref s), .. }) if s == "leeds.gov.uk"
        ));
        for bad in ["<script>", "leeds council", ""] {
            assert!(
                Cli::try_parse_from(["signpost-server", "report", "--site", bad]).is_err(),
                "{bad}"
            );
        }
    }
}
