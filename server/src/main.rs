//! `signpost-server`: parses configuration, gets the index ready, then serves or evaluates.

use std::process::ExitCode;

use clap::Parser;
use signpost_server::config::{Cli, Command};
use signpost_server::engine::Engine;
use signpost_server::{app, eval, index_setup, AppState};
use tracing_subscriber::EnvFilter;

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
    let open = index_setup::ensure_index(&config.corpus, &config.index)?;
    let engine = Engine::new(open, config.settings);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Eval { file } => {
            let cases = eval::read_cases(&file)?;
            let report = eval::run(&engine, &cases);
            print!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(serve(config.addr, engine))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(addr: std::net::SocketAddr, engine: Engine) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        "Signpost is serving on http://{local}/ (demo page), API at http://{local}/api/v1/ask?q=…"
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    };
    axum::serve(listener, app(AppState::new(engine)))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
