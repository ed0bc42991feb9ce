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
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method, StatusCode};
use axum::routing::get;
use axum::Router;
use tower_http::cors::{Any, CorsLayer};

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
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}
