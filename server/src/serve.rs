//! Serving until told to stop, and the signals a running server answers: SIGTERM or Ctrl-C
//! stop accepting connections, let the requests in flight finish (up to a limit) and return;
//! SIGHUP rebuilds the index from the corpus and swaps it in.
//!
//! Connections are kept here, not left to the defaults, so idle or trickling clients cannot
//! use up the process's file descriptors (issue 17):
//! - a connection must deliver a whole request head within the header-read timeout of
//!   opening, and the next one within the keep-alive timeout of its last answer, or it is
//!   closed (hyper's own header-read timeout backs this up for every request after the first);
//! - at most [`connection_cap`] connections are open at once, below the file limit. At the cap
//!   new connections wait in the kernel's backlog, connections idle for a moment are closed to
//!   make room, and the log says so (once a minute);
//! - on shutdown a connection that has not delivered a request is closed at once: only
//!   requests whose handlers run are waited for.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, HttpBody};
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::sync::{watch, Notify, Semaphore};

use crate::http::{app, AppState, Draining};
use crate::throttle::{held_back, LogThrottle};

/// How connections are timed and capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a new connection may take to deliver a whole request head.
    pub header_read_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request (the head included).
    /// Hyper's header-read timeout also runs from the end of each answer, so a keep-alive
    /// timeout longer than the header-read timeout acts as the header-read timeout.
    pub keep_alive_timeout: Duration,
    /// The most connections open at once; `None`: the file limit less [`RESERVED_FILES`].
    pub max_connections: Option<usize>,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            max_connections: None,
        }
    }
}

/// File descriptors kept for everything but connections: the index's files, the store, a
/// reindex writing a new generation, the log. Half the limit when the limit is small.
pub const RESERVED_FILES: u64 = 128;

/// The cap when neither a setting nor the file limit gives one.
const DEFAULT_CAP: usize = 4096;

/// How long a connection must have been idle before it is closed to make room at the cap: a
/// client that has just connected is sending its request, not holding a place.
const SHED_AFTER: Duration = Duration::from_millis(500);

/// Raises the soft limit on open files to the hard limit, as Go's runtime and most servers do
/// at start: the soft default (often 1024) is far below what the machine allows. Returns the
/// soft limit before and after, when they can be read.
pub fn raise_file_limit() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let before = getrlimit(Resource::Nofile);
        let soft = before.current?;
        if let Some(hard) = before.maximum.filter(|hard| *hard > soft) {
            let raised = Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            };
            if let Err(err) = setrlimit(Resource::Nofile, raised) {
                tracing::warn!("cannot raise the open-file limit from {soft} to {hard}: {err}");
            }
        }
        Some((soft, file_limit()?))
    }
    #[cfg(not(unix))]
    None
}

/// The soft limit on open files, when there is one.
pub fn file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    None
}

/// How many connections may be open at once: the configured number, but never more than the
/// file limit less the files the server needs for itself.
pub fn connection_cap(configured: Option<usize>, file_limit: Option<u64>) -> usize {
    let from_files = file_limit.map(|limit| {
        let spare = limit.saturating_sub(RESERVED_FILES.min(limit / 2)).max(1);
        usize::try_from(spare).unwrap_or(usize::MAX)
    });
    match (configured, from_files) {
        (Some(configured), Some(files)) => configured.min(files),
        (Some(configured), None) => configured,
        (None, Some(files)) => files,
        (None, None) => DEFAULT_CAP,
    }
    .clamp(1, u32::MAX as usize)
}

/// What every connection task shares with the accept loop.
struct Shared {
    router: Router,
    /// Whether the server is draining: its answers then close their connections.
    draining: Draining,
    limits: ConnectionLimits,
    /// Rung at the cap: idle connections close to make room.
    pressure: Notify,
}

/// Serves `state` on `listener` until `shutdown` completes, then stops accepting and waits
/// for the requests in flight, at most `grace`. Each connection's socket address reaches
/// the handlers, so rate limiting sees the real peer.
pub async fn serve_until<L, F>(
    mut listener: L,
    state: AppState,
    shutdown: F,
    grace: Duration,
    limits: ConnectionLimits,
) -> std::io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
    F: Future<Output = ()> + Send + 'static,
{
    let cap = connection_cap(limits.max_connections, file_limit());
    tracing::info!(
        "accepting up to {cap} connections at once (open-file limit {}); headers within {:?}, idle connections closed after {:?}",
        file_limit().map_or_else(|| "unknown".to_string(), |l| l.to_string()),
        limits.header_read_timeout,
        limits.keep_alive_timeout
    );
    let shared = Arc::new(Shared {
        draining: state.draining().clone(),
        router: app(state),
        limits,
        pressure: Notify::new(),
    });
    let places = Arc::new(Semaphore::new(cap));
    let log = LogThrottle::default();
    let (stopping, stop) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let place = match places.clone().try_acquire_owned() {
            Ok(place) => place,
            Err(_) => {
                if let Some(n) = log.allow_now("connection cap") {
                    tracing::warn!(
                        "{cap} connections are open, the most allowed (SIGNPOST_MAX_CONNECTIONS, below the open-file limit): new connections wait; idle ones are being closed to make room{}",
                        held_back(n)
                    );
                }
                let waited = async {
                    loop {
                        shared.pressure.notify_waiters();
                        tokio::select! {
                            place = places.clone().acquire_owned() => break place,
                            () = tokio::time::sleep(SHED_AFTER) => {}
                        }
                    }
                };
                tokio::select! {
                    place = waited => place.expect("the semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let shared = shared.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            connection(TokioIo::new(io), peer, &shared, stop).await;
            drop(place);
        });
    }
    // Stop accepting: new connections are refused from here on.
    drop(listener);
    tracing::info!("shutting down: no new connections; finishing the requests in flight");
    let _ = stopping.send(true);
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    match tokio::time::timeout(grace, places.acquire_many(all)).await {
        Ok(_) => {}
        Err(_) => tracing::warn!(
            "requests were still running {grace:?} after the signal to stop; stopping without them"
        ),
    }
    Ok(())
}

/// Serves one connection until it closes, times out, is shed at the cap or the server stops.
async fn connection<I>(io: I, peer: SocketAddr, shared: &Shared, mut stop: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let service = {
        let router = shared.router.clone();
        let draining = shared.draining.clone();
        let activity = activity.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let guard = Busy::start(activity.clone());
            let router = router.clone();
            let draining = draining.clone();
            async move {
                let mut response = tower::ServiceExt::oneshot(router, request).await?;
                if draining.is_on() {
                    // The client's next request goes to a new connection, which a balancer
                    // sends to a server that is staying.
                    response.headers_mut().insert(
                        axum::http::header::CONNECTION,
                        axum::http::HeaderValue::from_static("close"),
                    );
                }
                // The connection counts as busy until the answer's body is sent.
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(Tracked {
                        body,
                        _guard: guard,
                    })
                }))
            }
        })
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(shared.limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(io, service);
    let mut conn = pin!(conn);
    let mut closing = false;
    loop {
        let deadline = activity.idle_deadline(&shared.limits);
        let idle_timeout = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stop.changed(), if !closing => {
                if activity.never_asked() {
                    // Nothing was asked: nothing to finish.
                    return;
                }
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            () = shared.pressure.notified(), if !closing => {
                if activity.idle_for() >= Some(SHED_AFTER) {
                    if activity.never_asked() {
                        return;
                    }
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            () = idle_timeout, if !closing => {
                if activity.idle_deadline(&shared.limits).is_some_and(|at| at <= Instant::now()) {
                    if activity.never_asked() {
                        return;
                    }
                    // Hyper closes a connection waiting for a request at once and lets one
                    // that is answering finish first.
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// What a connection is doing: how many requests it has started, how many are running, and
/// when it last opened or finished one (milliseconds after `opened`).
struct Activity {
    opened: Instant,
    started: AtomicU64,
    running: AtomicUsize,
    since: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            started: AtomicU64::new(0),
            running: AtomicUsize::new(0),
            since: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn never_asked(&self) -> bool {
        self.started.load(Ordering::Acquire) == 0
    }

    /// How long the connection has been idle, or `None` while a request runs.
    fn idle_for(&self) -> Option<Duration> {
        if self.running.load(Ordering::Acquire) > 0 {
            return None;
        }
        let since = self.since.load(Ordering::Acquire);
        Some(Duration::from_millis(self.now().saturating_sub(since)))
    }

    /// When the connection is to be closed for idling, or `None` while a request runs: the
    /// header-read timeout after opening, the keep-alive timeout after an answer.
    fn idle_deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        let idle = self.idle_for()?;
        let allowed = if self.never_asked() {
            limits.header_read_timeout
        } else {
            limits.keep_alive_timeout
        };
        Some(Instant::now() + allowed.saturating_sub(idle))
    }
}

/// Marks a connection busy from a request's arrival until its answer has been sent.
struct Busy(Arc<Activity>);

impl Busy {
    fn start(activity: Arc<Activity>) -> Busy {
        activity.started.fetch_add(1, Ordering::AcqRel);
        activity.running.fetch_add(1, Ordering::AcqRel);
        Busy(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.since.store(self.0.now(), Ordering::Release);
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An answer's body that keeps its connection marked busy until it has been sent.
struct Tracked {
    body: Body,
    _guard: Busy,
}

impl HttpBody for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
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
    tracing::info!("told to stop");
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
        match reindexer.reindex(state.live(), true).await {
            Ok(report) => tracing::info!("reindex: {report}"),
            Err(err) => tracing::error!(
                generation = state.generation(),
                "reindex failed; the previous index is still serving: {err}"
            ),
        }
    }
}
