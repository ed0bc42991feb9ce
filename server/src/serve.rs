//! Serving until told to stop, and the signals a running server answers: SIGTERM or Ctrl-C
//! stop accepting connections, let the requests in flight finish (up to a limit) and return;
//! SIGHUP rebuilds the index from the corpus and swaps it in.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::http::{app, AppState};

/// Serves `state` on `listener` until `shutdown` completes, then stops accepting and waits
/// for the requests in flight, at most `grace`. Each connection's socket address reaches
/// the handlers, so rate limiting sees the real peer.
pub async fn serve_until<F>(
    listener: TcpListener,
    state: AppState,
    shutdown: F,
    grace: Duration,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let signal = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    let server = axum::serve(
        crate::http::nodelay(listener),
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal)
    .into_future();
    let deadline = async move {
        let _ = stopped.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!("requests were still running {grace:?} after the signal to stop; stopping without them");
            Ok(())
        }
    }
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: no new connections; finishing the requests in flight");
}

/// Rebuilds the index on every SIGHUP; a failure is logged and the old index keeps serving.
#[cfg(unix)]
pub async fn reindex_on_sighup(state: AppState) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(err) => {
            tracing::warn!("cannot listen for SIGHUP: {err}");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        let Some(reindexer) = state.reindexer() else {
            tracing::warn!("SIGHUP: no corpus to rebuild from");
            continue;
        };
        tracing::info!("SIGHUP: rebuilding the index from the corpus");
        match reindexer.reindex(&state, true).await {
            Ok(report) => tracing::info!("reindex: {report}"),
            Err(err) => tracing::error!(
                generation = state.generation(),
                "reindex failed; the previous index is still serving: {err}"
            ),
        }
    }
}
