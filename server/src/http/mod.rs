//! The HTTP application: routes, shared state and the layers around them. `app(state)` is
//! what both `main` and the tests serve.

pub mod admin;
pub mod api;
pub mod ask_query;
pub mod csrf;
pub mod directory;
pub mod editor;
pub mod error;
pub mod extract;
pub mod feedback;
pub mod html;
pub mod layers;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod policy;
pub mod ratelimit;
pub mod reindex;
pub mod search;
pub mod site;
pub mod suggest;
pub mod webmaster;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::engine::Engine;
use crate::index_setup::generation_of;
use crate::live::LiveEngine;
use crate::reindex::Reindexer;
use crate::store::Store;
use admin::AdminToken;
use error::ApiError;
use metrics::Metrics;
use ratelimit::{ForwardedHeader, IpNet, RateLimit, RateLimiter};

/// The largest request body a public endpoint accepts, unless configured otherwise.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// The response header naming the index generation that answered.
pub const GENERATION_HEADER: &str = "x-signpost-index-generation";

/// How long a client refused with `busy` is asked to wait.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Limits and protections of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Per-client rate limit on `/api/` and `/admin/`; `None` turns it off. The server's
    /// command line turns it on by default; the library default (used by tests) is off.
    pub rate_limit: Option<RateLimit>,
    /// Proxies whose forwarded-for headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// The header those proxies write the client's address into; the other is never read.
    pub forwarded_header: ForwardedHeader,
    /// How many searches may run at once before more are refused with 503 `busy`.
    pub max_concurrent_searches: usize,
    /// Origins allowed to call write endpoints from a browser; empty allows any.
    pub write_origins: Vec<String>,
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            body_limit: BODY_LIMIT_BYTES,
            request_timeout: Duration::from_secs(10),
            rate_limit: None,
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::default(),
            max_concurrent_searches: 64,
            write_origins: Vec::new(),
        }
    }
}

tokio::task_local! {
    /// The engine a request started with, keyed by the state it belongs to, so every
    /// `engine()` call within one request sees the same generation even across a swap.
    static PINNED: (usize, Arc<Engine>);
}

/// The evaluation sets a preview checks unless told otherwise (`SIGNPOST_PREVIEW_SETS`), from
/// the working directory.
pub const DEFAULT_PREVIEW_SETS: [&str; 2] = ["tests/data/dev.jsonl", "tests/data/reader-dev.jsonl"];

/// Set once a stopping server drains: `/healthz` answers 503 and every answer closes its
/// connection, while requests are still served. Cheap to clone: every clone is the one flag.
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<std::sync::atomic::AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// State shared by every handler: the engine, swappable as a whole, and the guards around
/// it; the analytics store and admin token when configured; the metrics registry. One `Arc`:
/// axum clones the state into every layer a request passes (about a dozen times), and a clone
/// of each field's own `Arc` cost ~4k instructions a request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What an [`AppState`] shares, read through it.
#[derive(Clone)]
pub struct Shared {
    engine: LiveEngine,
    http: Arc<HttpSettings>,
    searches: Arc<Semaphore>,
    limiter: Option<Arc<RateLimiter>>,
    reindexer: Option<Arc<Reindexer>>,
    store: Option<Store>,
    admin_token: Option<Arc<AdminToken>>,
    metrics: Arc<Metrics>,
    directory: Arc<search::PreparedDirectory>,
    /// The evaluation sets a fix's preview checks (those missing are skipped).
    preview_sets: Arc<Vec<PathBuf>>,
    /// Set when the server is stopping but still serving (`--drain-secs`).
    draining: Draining,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State with the default [`HttpSettings`], nothing recorded, `/admin` off and no
    /// reindexing; see the `with_…` methods.
    pub fn new(engine: Engine) -> AppState {
        AppState(Arc::new(Shared {
            engine: LiveEngine::new(engine),
            http: Arc::new(HttpSettings::default()),
            searches: Arc::new(Semaphore::new(
                HttpSettings::default().max_concurrent_searches,
            )),
            limiter: None,
            reindexer: None,
            store: None,
            admin_token: None,
            metrics: Arc::new(Metrics::default()),
            directory: Arc::default(),
            preview_sets: Arc::new(DEFAULT_PREVIEW_SETS.iter().map(PathBuf::from).collect()),
            draining: Draining::default(),
        }))
    }

    /// The shared state, for a `with_…` method to change (copied first if already shared).
    fn shared_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }

    /// The evaluation sets a fix's preview asks besides the stored questions.
    pub fn with_preview_sets(mut self, sets: Vec<PathBuf>) -> AppState {
        self.shared_mut().preview_sets = Arc::new(sets);
        self
    }

    pub fn preview_sets(&self) -> &[PathBuf] {
        &self.preview_sets
    }

    /// Replaces the HTTP limits and protections.
    pub fn with_http(mut self, http: HttpSettings) -> AppState {
        let shared = self.shared_mut();
        shared.searches = Arc::new(Semaphore::new(http.max_concurrent_searches));
        shared.limiter = http.rate_limit.map(|r| Arc::new(RateLimiter::new(r)));
        shared.http = Arc::new(http);
        self
    }

    /// Lets `POST /admin/reindex` and SIGHUP rebuild the index.
    pub fn with_reindexer(mut self, reindexer: Reindexer) -> AppState {
        self.shared_mut().reindexer = Some(Arc::new(reindexer));
        self
    }

    /// Records every ask and accepts feedback into `store`.
    pub fn with_store(mut self, store: Store) -> AppState {
        self.shared_mut().store = Some(store);
        self
    }

    /// Turns `/admin` on, for requests that present `token`.
    pub fn with_admin_token(mut self, token: &str) -> AppState {
        self.shared_mut().admin_token = Some(Arc::new(AdminToken::new(token)));
        self
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    pub fn admin_token(&self) -> Option<&AdminToken> {
        self.admin_token.as_deref()
    }

    /// Whether the server is stopping but still serving (`--drain-secs`).
    pub fn draining(&self) -> &Draining {
        &self.draining
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn id(&self) -> usize {
        self.engine.id()
    }

    /// The engine serving right now; a request keeps the one it started with.
    pub fn engine(&self) -> Arc<Engine> {
        let id = self.id();
        PINNED
            .try_with(|(owner, engine)| (*owner == id).then(|| engine.clone()))
            .ok()
            .flatten()
            .unwrap_or_else(|| self.engine.current())
    }

    /// The generation of the index serving right now.
    pub fn generation(&self) -> u64 {
        generation_of(&self.engine().index().dir)
    }

    /// Serves `engine` from now on; returns the one it replaces. Requests already running
    /// finish on the engine they started with.
    pub fn swap_engine(&self, engine: Engine) -> Arc<Engine> {
        self.engine.swap(engine)
    }

    /// The handle the served engine is swapped through (what a reindex swaps).
    pub fn live(&self) -> &LiveEngine {
        &self.engine
    }

    pub fn http(&self) -> &HttpSettings {
        &self.http
    }

    pub fn reindexer(&self) -> Option<&Reindexer> {
        self.reindexer.as_deref()
    }

    /// A place among the searches allowed to run at once, or `busy` at once when all are
    /// taken: a flood is refused quickly instead of queueing without bound.
    pub fn search_permit(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.searches
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::Busy {
                retry_after: BUSY_RETRY_AFTER,
            })
    }
}

/// `listener` with TCP_NODELAY set on every accepted connection. An answer is written in
/// more than one piece (headers, then body); with Nagle's algorithm on, the second piece waits
/// for the client's delayed ACK, ~40 ms on Linux, on every request of a kept-alive connection.
pub fn nodelay(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    fn set_nodelay(stream: &mut tokio::net::TcpStream) {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY on an accepted connection: {err}");
        }
    }
    listener.tap_io(set_nodelay as fn(&mut tokio::net::TcpStream))
}

/// The whole application. Each route declares its policy where it is defined
/// ([`policy::declare`]): rate limit, searching, timeout, CORS and error shape.
pub fn app(state: AppState) -> Router {
    use policy::{declare, Policy};
    let http = state.http.clone();
    let on = |policy: Policy, route| declare(&state, policy, route);
    Router::new()
        .route(
            "/api/v1/ask",
            on(Policy::SEARCH_API, get(api::ask_get).post(api::ask_post)),
        )
        .route(
            "/api/v1/suggest",
            on(Policy::SEARCH_API, get(suggest::suggest)),
        )
        .route("/api/v1/projects", on(Policy::API, get(api::projects)))
        .route(
            "/api/v1/projects/{slug}",
            on(Policy::API, get(api::project)),
        )
        .route("/api/v1/faq", on(Policy::API, get(api::faq)))
        .route(
            "/api/v1/openapi.json",
            on(Policy::API, get(openapi::openapi_json)),
        )
        // The widget sends votes from council sites, like its questions: from any origin,
        // or only from SIGNPOST_WRITE_ORIGINS when that is set.
        .route(
            feedback::FEEDBACK_PATH,
            on(Policy::WRITE_API, post(feedback::feedback)),
        )
        .route(
            "/lookup",
            on(Policy::SEARCH_PAGE, get(site::lookup::lookup)),
        )
        .route(
            "/projects",
            on(Policy::SEARCH_PAGE, get(site::directory::directory)),
        )
        .route(
            "/projects/{slug}",
            on(Policy::PAGE, get(site::project::project)),
        )
        .route("/faq/{id}", on(Policy::PAGE, get(site::faq::faq_page)))
        .route("/widget", on(Policy::PAGE, get(webmaster::widget_page)))
        .route(
            "/widget-page.js",
            on(Policy::PAGE, get(webmaster::widget_page_js)),
        )
        .route("/favicon.svg", on(Policy::PAGE, get(webmaster::favicon)))
        .route("/favicon.ico", on(Policy::PAGE, get(webmaster::favicon)))
        .route("/lookup.js", on(Policy::PAGE, get(site::lookup_js)))
        .route("/lookup.css", on(Policy::PAGE, get(site::lookup_css)))
        .route("/healthz", on(Policy::OPEN, get(api::healthz)))
        .route("/metrics", on(Policy::OPEN, get(metrics::metrics)))
        .route("/admin", on(Policy::ADMIN, get(admin::page)))
        .route("/admin/admin.css", on(Policy::ADMIN, get(admin::css)))
        .route(
            "/admin/export/{file}",
            on(Policy::ADMIN, get(admin::export)),
        )
        .route(
            "/admin/reindex",
            on(Policy::ADMIN_LONG, post(reindex::reindex)),
        )
        .route(
            "/admin/form-token",
            on(Policy::ADMIN, get(csrf::form_token)),
        )
        .route("/admin/queue", on(Policy::ADMIN, get(editor::queue_page)))
        .route(
            "/admin/preview",
            on(Policy::ADMIN_LONG, post(editor::preview_fix)),
        )
        .route(
            "/admin/fixes",
            on(Policy::ADMIN_LONG, post(editor::apply_fix)),
        )
        .route("/admin/dismiss", on(Policy::ADMIN, post(editor::dismiss)))
        .route(
            "/admin/learned",
            on(Policy::ADMIN, get(editor::learned_page)),
        )
        .route(
            "/admin/learned.json",
            on(Policy::ADMIN, get(editor::learned_json)),
        )
        .route(
            "/admin/learned/{id}/undo",
            on(Policy::ADMIN_LONG, post(editor::undo)),
        )
        .route(
            "/admin/learned/{id}/preview",
            on(Policy::ADMIN_LONG, post(editor::undo_preview)),
        )
        // The widget's files and the demo page set their own CORS and caching.
        .merge(pages::routes())
        .fallback_service(policy::unmatched(&state, Policy::API).with_state(state.clone()))
        // Innermost first: body limits, then security headers, metrics (so refusals are
        // counted too), then the engine pin and generation header around everything.
        .layer(DefaultBodyLimit::max(http.body_limit))
        .layer(from_fn_with_state(state.clone(), layers::announced_length))
        .layer(axum::middleware::from_fn(layers::security_headers))
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(from_fn_with_state(state.clone(), layers::pin_generation))
        .with_state(state)
}
