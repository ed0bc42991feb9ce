//! The HTTP application: routes, shared state and the layers around them. `app(state)` is
//! what both `main` and the tests serve.

pub mod api;
pub mod error;
pub mod extract;
pub mod html;
pub mod lookup;
pub mod pages;
pub mod suggest;

use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;

use crate::engine::Engine;
use error::ApiError;

/// The largest request body a public endpoint accepts.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// State shared by every handler: the engine, swappable as a whole.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<ArcSwap<Engine>>,
}

impl AppState {
    pub fn new(engine: Engine) -> AppState {
        AppState {
            engine: Arc::new(ArcSwap::from_pointee(engine)),
        }
    }

    /// The engine serving right now; a request keeps the one it started with.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/ask", get(api::ask_get).post(api::ask_post))
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
        .route("/widget.js", get(pages::widget_js))
        .route("/", get(pages::demo))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}
