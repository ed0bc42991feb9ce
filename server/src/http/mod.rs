//! The HTTP application: routes, shared state and the layers around them. `app(state)` is
//! what both `main` and the tests serve.

pub mod admin;
pub mod api;
pub mod error;
pub mod extract;
pub mod feedback;
pub mod html;
pub mod lookup;
pub mod metrics;
pub mod pages;
pub mod suggest;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{Any, CorsLayer};

use crate::engine::Engine;
use crate::store::Store;
use admin::AdminToken;
use error::ApiError;
use metrics::Metrics;

/// The largest request body a public endpoint accepts.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// State shared by every handler: the engine, swappable as a whole; the analytics store and
/// admin token when configured; the metrics registry.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<ArcSwap<Engine>>,
    store: Option<Store>,
    admin_token: Option<Arc<AdminToken>>,
    metrics: Arc<Metrics>,
}

impl AppState {
    /// State with nothing recorded and `/admin` off; see [`AppState::with_store`] and
    /// [`AppState::with_admin_token`].
    pub fn new(engine: Engine) -> AppState {
        AppState {
            engine: Arc::new(ArcSwap::from_pointee(engine)),
            store: None,
            admin_token: None,
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Records every ask and accepts feedback into `store`.
    pub fn with_store(mut self, store: Store) -> AppState {
        self.store = Some(store);
        self
    }

    /// Turns `/admin` on, for requests that present `token`.
    pub fn with_admin_token(mut self, token: &str) -> AppState {
        self.admin_token = Some(Arc::new(AdminToken::new(token)));
        self
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    pub fn admin_token(&self) -> Option<&AdminToken> {
        self.admin_token.as_deref()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The engine serving right now; a request keeps the one it started with.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }
}

/// The widget asks from council sites, so the answer endpoint may be called from any origin,
/// without credentials. `Retry-After` is exposed so the widget can say how long to wait.
fn ask_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(24 * 60 * 60))
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

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/v1/ask",
            get(api::ask_get)
                .post(api::ask_post)
                // Without an OPTIONS handler the router's 405 fallback would answer the
                // preflight before the CORS layer sees it.
                .options(|| async { StatusCode::NO_CONTENT })
                .layer(ask_cors()),
        )
        .route("/api/v1/projects", get(api::projects))
        .route("/api/v1/projects/{slug}", get(api::project))
        .route("/api/v1/faq", get(api::faq))
        .route("/api/v1/suggest", get(suggest::suggest))
        .route("/lookup", get(lookup::lookup))
        .route("/lookup.js", get(lookup::lookup_js))
        .route("/lookup.css", get(lookup::lookup_css))
        .route("/projects", get(lookup::directory))
        .route("/projects/{slug}", get(lookup::project))
        .route("/healthz", get(api::healthz))
        .merge(pages::routes())
        .route(
            feedback::FEEDBACK_PATH,
            // The widget sends votes from council sites, like its questions.
            post(feedback::feedback)
                .options(|| async { StatusCode::NO_CONTENT })
                .layer(ask_cors()),
        )
        .route("/admin", get(admin::page))
        .route("/admin/admin.css", get(admin::css))
        .route("/admin/export/{file}", get(admin::export))
        .route("/metrics", get(metrics::metrics))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}
