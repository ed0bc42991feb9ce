//! Command-line and environment configuration, parsed raw by clap and validated once into a
//! [`Config`]. Nothing else in the server reads the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::{Limits, Settings};

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
}

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
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub corpus: PathBuf,
    pub data: PathBuf,
    pub index: PathBuf,
    pub settings: Settings,
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
        Ok(Config {
            addr,
            corpus: self.corpus,
            data: self.data,
            index,
            settings: Settings {
                min_confidence: self.min_confidence,
                limits,
            },
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
}
