//! `signpost-indexer`: checks the corpus, and builds the index the server reads.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use signpost_indexer::{corpus, Error};

#[derive(Parser)]
#[command(
    name = "signpost-indexer",
    version,
    about = "Checks the Signpost corpus and builds its search index"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the corpus and list every problem with its file and line.
    Check {
        /// The corpus folder.
        #[arg(long, env = "SIGNPOST_CORPUS", default_value = "corpus")]
        corpus: PathBuf,
    },
    /// Validate the corpus and build the index, swapping it into place when complete.
    Build {
        /// The corpus folder.
        #[arg(long, env = "SIGNPOST_CORPUS", default_value = "corpus")]
        corpus: PathBuf,
        /// Where the index goes.
        #[arg(long, env = "SIGNPOST_INDEX", default_value = "data/index")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Check { corpus } => {
            let loaded = corpus::load(&corpus)?;
            let count = |k| loaded.of_kind(k).count();
            println!(
                "{}: ok — {} FAQ entries, {} projects, {} assistant replies, {} passages, {} synonym groups",
                corpus.display(),
                count(corpus::Kind::Faq),
                count(corpus::Kind::Project),
                count(corpus::Kind::Assistant),
                loaded.passage_count(),
                loaded.synonyms.len()
            );
            Ok(())
        }
        Command::Build { corpus, out } => {
            let summary = signpost_indexer::build_from_dir(&corpus, &out)?;
            println!("{}: {summary}", out.display());
            Ok(())
        }
    }
}
