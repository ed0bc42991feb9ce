//! `signpost-indexer`: checks the corpus, builds the index the server reads, imports an FAQ
//! from a JSON Lines or CSV file into the corpus, and folds the phrasings editors taught the
//! server into the corpus files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use signpost_indexer::{corpus, generate, import, overlay, Error};

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
    /// Write the phrasings editors taught the server (its "Learned phrasings" page, downloaded
    /// from /admin/learned.json) into the corpus files as `alternates:` items, for review like
    /// the rest of the corpus. Phrasings an entry already has are skipped; nothing is written
    /// unless the corpus with all of them loads cleanly.
    Fold {
        /// The learned phrasings: {"phrasings": [{"entry_id", "phrasing"}, ...]}.
        learned: PathBuf,
        /// The corpus folder.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
    },
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
    /// Turn an FAQ in a JSON Lines or CSV file into corpus entries, OUT/faq/<id>.md, one a
    /// question.
    ///
    /// JSON Lines (.jsonl or .json): one {"id", "question", "answers": [...]} object a line, the
    /// id optional. CSV (.csv): a header row naming a `question` column, an `answer` (or
    /// `answers`) column and optionally an `id` column. Every bad row is listed with its line,
    /// and nothing is written unless the whole file is good.
    Import {
        /// The FAQ file.
        file: PathBuf,
        /// The corpus folder to write `faq/` into.
        #[arg(long)]
        out: PathBuf,
        /// Replace the FAQ entries already in OUT/faq/ (the whole folder).
        #[arg(long)]
        force: bool,
    },
    /// Write a synthetic corpus of exactly N passages, and questions for it, for benchmarks.
    ///
    /// The words come from the source corpus, the rest from a seeded PRNG: the same source,
    /// size and seed give the same files. Writes OUT/corpus/ and OUT/questions.jsonl.
    Generate {
        /// How many passages the corpus has.
        #[arg(long)]
        passages: usize,
        /// The PRNG seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write [default: target/generated/pN-sS].
        #[arg(long)]
        out: Option<PathBuf>,
        /// The corpus whose words and synonyms the generated one is made from.
        #[arg(long, default_value = "corpus")]
        from: PathBuf,
        /// How many questions to write.
        #[arg(long, default_value_t = 1000)]
        questions: usize,
    },
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
                "{}: ok — {} FAQ entries, {} projects, {} assistant replies, {} passages, {} synonym groups, {} spelling rules",
                corpus.display(),
                count(corpus::Kind::Faq),
                count(corpus::Kind::Project),
                count(corpus::Kind::Assistant),
                loaded.passage_count(),
                loaded.synonyms.len(),
                loaded.spelling.len()
            );
            Ok(())
        }
        Command::Fold { learned, corpus } => {
            let io = |source| Error::Io {
                path: learned.clone(),
                source,
            };
            let text = std::fs::read_to_string(&learned).map_err(io)?;
            let overlay: overlay::Overlay = serde_json::from_str(&text)
                .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
            let folded = overlay::fold(&overlay, &corpus)?;
            println!("{}: {folded}", corpus.display());
            for file in &folded.files {
                println!("  {file}");
            }
            Ok(())
        }
        Command::Build { corpus, out } => {
            let summary = signpost_indexer::build_from_dir(&corpus, &out)?;
            println!("{}: {summary}", out.display());
            Ok(())
        }
        Command::Import { file, out, force } => {
            let summary = import::import_file_with(&file, &out, import::ImportOptions { force })?;
            println!("{}: {summary}", file.display());
            // The rest of the corpus may name an FAQ id the import replaced, or use one of its
            // ids: say so now rather than at the next build.
            corpus::load(&out)?;
            Ok(())
        }
        Command::Generate {
            passages,
            seed,
            out,
            from,
            questions,
        } => {
            let out = out
                .unwrap_or_else(|| PathBuf::from(format!("target/generated/p{passages}-s{seed}")));
            let options = generate::Options {
                passages,
                seed,
                questions,
            };
            let started = std::time::Instant::now();
            let summary = generate::generate_from_dir(&from, &options, &out)?;
            println!("{summary} in {:.1?}", started.elapsed());
            Ok(())
        }
    }
}
