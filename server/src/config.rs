//! Command-line and environment configuration, parsed raw by clap and validated once into a
//! [`Config`]. Nothing else in the server reads the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::{Limits, Settings};
use crate::store::Period;

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
        /// The evaluation file (one JSON object per line: q, expect, tags).
        file: PathBuf,
    },
    /// Print the analytics report: questions per day, share answered, top unanswered
    /// questions, answers voted "not helpful", most asked questions.
    Report {
        /// The period: the last N days, today included (7d, 30d, 90d…).
        #[arg(long, default_value = "30d")]
        since: Period,
        /// Rows per list.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Print one whole list as CSV instead: questions-per-day, unanswered, not-helpful
        /// or most-asked.
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
    /// The analytics store (SQLite) where redacted questions and feedback are recorded, or
    /// `off` to record nothing [default: $SIGNPOST_DATA/signpost.sqlite3].
    #[arg(long, env = "SIGNPOST_STORE", global = true)]
    pub store: Option<PathBuf>,
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
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub corpus: PathBuf,
    pub data: PathBuf,
    pub index: PathBuf,
    pub settings: Settings,
    /// The analytics store file; `None` when recording is off.
    pub store: Option<PathBuf>,
    pub retention_days: u32,
    /// `None`: `/admin` is off.
    pub admin_token: Option<Secret>,
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
        let index = self
            .index
            .clone()
            .unwrap_or_else(|| self.data.join("index"));
        let limits = Limits {
            max_chars: self.max_question_chars,
            max_words: self.max_question_words,
            default_results: Limits::default().default_results.min(self.max_results),
            max_results: self.max_results,
        };
        let store = match self.store {
            Some(path) if path.as_os_str().eq_ignore_ascii_case("off") => None,
            Some(path) if path.as_os_str().is_empty() => {
                anyhow::bail!("SIGNPOST_STORE / --store is empty: give a file, or `off`")
            }
            Some(path) => Some(path),
            None => Some(self.data.join("signpost.sqlite3")),
        };
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
            },
            store,
            retention_days: self.retention_days,
            admin_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn the_store_defaults_to_the_data_dir_and_can_be_turned_off() {
        let config = options(&["--data", "/tmp/x"]).validate().unwrap();
        assert_eq!(config.store, Some(PathBuf::from("/tmp/x/signpost.sqlite3")));
        assert_eq!(config.retention_days, 90);
        let config = options(&["--store", "/var/lib/s.db"]).validate().unwrap();
        assert_eq!(config.store, Some(PathBuf::from("/var/lib/s.db")));
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
    }
}
