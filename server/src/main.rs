//! `signpost-server`: parses configuration, gets the index ready, then serves, evaluates or
//! prints the analytics report; or measures answer quality on external FAQ collections.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use signpost_server::config::{Cli, Command, Config};
use signpost_server::engine::Engine;
use signpost_server::store::report::{self, List};
use signpost_server::store::{Database, Period};
use signpost_server::{eval, index_setup, serve, AppState};
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.options.validate()?;
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::Report {
            since,
            site,
            top,
            csv,
        } => return report_command(&config, since, site.as_deref(), top, csv.as_deref()),
        // The collections are indexed on their own: the corpus's index is not needed.
        Command::Quality { dirs } => {
            print!("{}", eval::quality::run(&dirs, config.settings)?);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Fit { out, dry_run } => {
            let report =
                signpost_server::fit::fit(Path::new("."), &config.corpus, config.settings)?;
            print!("{}", report.text);
            if !dry_run {
                let file = report.model.to_file(report.record);
                std::fs::write(&out, serde_json::to_string_pretty(&file)? + "\n")
                    .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
                println!("wrote {}: rebuild to use it", out.display());
            }
            return Ok(ExitCode::SUCCESS);
        }
        Command::Eval { .. } | Command::Explain { .. } | Command::Serve => {}
    }
    // What editors taught is applied over the corpus; a store that cannot be read is logged
    // and the corpus served as it is rather than not at all.
    let database = config.store.as_ref().map(Database::open).transpose()?;
    let learned = match &database {
        Some(database) => signpost_server::store::learned::read_overlay(database).unwrap_or_else(|e| {
            tracing::error!("cannot read the learned phrasings from the store, serving the corpus without them: {e:#}");
            Default::default()
        }),
        None => Default::default(),
    };
    let open = index_setup::ensure_index_with(&config.corpus, &config.index, &learned)?;
    let engine = Engine::new(open, config.settings);
    match command {
        Command::Eval { file } => {
            let cases = eval::read_cases(&file)?;
            let report = eval::run(&engine, &cases);
            print!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain {
            question,
            top,
            after,
        } => {
            print!("{}", eval::explain(&engine, &after, &question, top)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(serve(&config, engine, database))?;
            // Searches still running on blocking threads get a moment to finish.
            runtime.shutdown_timeout(Duration::from_secs(5));
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { .. } | Command::Quality { .. } | Command::Fit { .. } => {
            unreachable!("handled above")
        }
    }
}

/// `signpost-server report`: reads the store read-only (for one site with `--site`); answer
/// titles come from the index when there is one.
fn report_command(
    config: &Config,
    since: Period,
    site: Option<&str>,
    top: usize,
    csv: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let Some(location) = &config.store else {
        anyhow::bail!("the store is off (SIGNPOST_STORE=off): there is nothing to report");
    };
    let database = Database::open(location)?;
    let list = match csv {
        None => None,
        Some(name) => Some(List::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = List::ALL.iter().map(|l| l.name()).collect();
            anyhow::anyhow!("--csv `{name}` is not one of {}", names.join(", "))
        })?),
    };
    print!(
        "{}",
        report::terminal(&database, Some(&config.index), since, site, top, list)?
    );
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: &Config, engine: Engine, database: Option<Database>) -> anyhow::Result<()> {
    if let Some((before, after)) = serve::raise_file_limit() {
        if after > before {
            tracing::info!("open-file limit raised from {before} to {after} (the hard limit)");
        }
    }
    let addr = config.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    let state = AppState::from_config(config, engine, database);
    signpost_server::replicas::follow(&state);
    match &config.admin_token {
        Some(_) => tracing::info!("the report is at http://{local}/admin and POST /admin/reindex rebuilds the index (admin token required)"),
        None => tracing::info!(
            "/admin is off: set SIGNPOST_ADMIN_TOKEN to turn the report and reindexing on"
        ),
    }
    tracing::info!(
        generation = state.generation(),
        "Signpost is serving on http://{local}/ (demo page), API at http://{local}/api/v1/ask?q=…"
    );
    #[cfg(unix)]
    tokio::spawn(serve::reindex_on_sighup(state.clone()));
    let store = state.store().cloned();
    let drain = config.drain;
    let draining = state.draining().clone();
    let shutdown = async move {
        serve::shutdown_signal().await;
        if !drain.is_zero() {
            tracing::info!(
                "draining for {drain:?}: /healthz answers 503, answers close their connections"
            );
            draining.start();
            tokio::time::sleep(drain).await;
        }
    };
    serve::serve_until(
        signpost_server::http::nodelay(listener),
        state,
        shutdown,
        config.shutdown_timeout,
        config.connections,
    )
    .await?;
    if let Some(store) = store {
        // Write what is still queued before the process ends.
        tokio::task::spawn_blocking(move || store.flush(Duration::from_secs(5))).await?;
    }
    Ok(())
}
