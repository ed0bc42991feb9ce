//! The layers every request passes through, whatever its route: the engine pin and generation
//! header, security headers and the announced body length. What differs by route (rate limit,
//! CORS, the write-origin check, the request timeout, the error shape) is the route's declared
//! policy ([`super::policy`]). `app()` stacks them; each is a plain function so its rule reads
//! in one place.

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{AppState, GENERATION_HEADER, PINNED};
use crate::index_setup::generation_of;

/// The Content-Security-Policy of Signpost's own pages: everything from this origin, no
/// inline scripts or styles, no plugins, not framed by other sites.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// Pins the current engine for the whole request and names its generation in a header, so
/// a client can tell which index answered even while reindexes happen.
pub async fn pin_generation(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let engine = state.engine.current();
    let generation = generation_of(&engine.index().dir);
    let mut response = PINNED.scope((state.id(), engine), next.run(request)).await;
    response.headers_mut().insert(
        HeaderName::from_static(GENERATION_HEADER),
        HeaderValue::from(generation),
    );
    response
}

/// `nosniff` and `Referrer-Policy` everywhere; the page CSP on HTML; the widget's files
/// marked loadable from other origins.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let widget = request.uri().path().starts_with("/widget");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if html {
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(PAGE_CSP));
    }
    if widget {
        headers.insert(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        );
    }
    response
}

/// Refuses a body announced (`Content-Length`) as larger than the limit before reading any
/// of it; `DefaultBodyLimit` still stops bodies that lie or are chunked once they pass it.
pub async fn announced_length(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > state.http.body_limit as u64) {
        return ApiError::PayloadTooLarge.into_response();
    }
    next.run(request).await
}
