//! The layers every request passes through: the engine pin and generation header, security
//! headers, CORS, per-client rate limiting, the write-origin check and the request timeout.
//! `app()` stacks them; each is a plain function so its rule reads in one place.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::ratelimit::client_ip;
use super::{AppState, GENERATION_HEADER, PINNED};
use crate::index_setup::generation_of;

/// The Content-Security-Policy of Signpost's own pages: everything from this origin, no
/// inline scripts or styles, no plugins, not framed by other sites.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// Endpoints that change something. A browser on another site may call them only from a
/// configured origin (`SIGNPOST_WRITE_ORIGINS`) when a list is given.
pub const WRITE_PATHS: &[&str] = &["/api/v1/feedback"];

/// Endpoints that may take longer than the request timeout and are not cut short by it.
const UNTIMED_PATHS: &[&str] = &["/admin/reindex"];

pub fn is_write(path: &str) -> bool {
    WRITE_PATHS.contains(&path)
}

/// Public read endpoints and the widget's files: callable from any origin.
fn is_public_read(path: &str) -> bool {
    (path.starts_with("/api/") && !is_write(path)) || path.starts_with("/widget")
}

/// Rate-limited paths: the API and the admin endpoints (which also slows token guessing).
/// Pages, the widget, `/healthz` and metrics are not.
fn is_rate_limited(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/admin")
}

/// Pins the current engine for the whole request and names its generation in a header, so
/// a client can tell which index answered even while reindexes happen.
pub async fn pin_generation(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let engine = state.engine.load_full();
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

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: &str = "3600";

/// The `Access-Control-Allow-Origin` a page on `origin` gets for `path`, if any: `*` for the
/// read API and the widget's files (public, no credentials, so caches can share one copy);
/// for write endpoints the origin itself when it is on the configured list, or `*` when there
/// is no list; nothing for anything else.
fn cors_allow(path: &str, origin: &HeaderValue, write_origins: &[String]) -> Option<HeaderValue> {
    let any = HeaderValue::from_static("*");
    if is_write(path) {
        if write_origins.is_empty() {
            Some(any)
        } else {
            origin_allowed(write_origins, origin).then(|| origin.clone())
        }
    } else {
        is_public_read(path).then_some(any)
    }
}

/// CORS, never with credentials. Preflights for allowed paths are answered here (so they
/// neither count against the rate limit nor need routes of their own); a handler that sets
/// its own `Access-Control-Allow-Origin` (the widget's files) keeps it, so the header is
/// never sent twice.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let varies = is_write(path) && !state.http.write_origins.is_empty();
    let allow = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| cors_allow(path, o, &state.http.write_origins));
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if let (true, Some(allow)) = (preflight, &allow) {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE),
        );
        if varies {
            headers.insert(header::VARY, HeaderValue::from_static("origin"));
        }
        return response;
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if varies {
        headers.append(header::VARY, HeaderValue::from_static("origin"));
    }
    if let Some(allow) = allow {
        if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("retry-after, x-signpost-index-generation"),
            );
        }
    }
    response
}

fn origin_allowed(allowed: &[String], origin: &HeaderValue) -> bool {
    allowed.is_empty()
        || allowed
            .iter()
            .any(|o| o.as_bytes().eq_ignore_ascii_case(origin.as_bytes()))
}

/// CORS only stops a browser reading the answer; this stops a write from a browser on an
/// origin that is not on the list from happening at all.
pub async fn write_origins(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_write(request.uri().path()) {
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            if !origin_allowed(&state.http.write_origins, origin) {
                return ApiError::OriginNotAllowed.into_response();
            }
        }
    }
    next.run(request).await
}

/// Per-client rate limiting: 429 `rate_limited` with `Retry-After` beyond the allowance.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(limiter) = &state.limiter {
        if is_rate_limited(request.uri().path()) {
            let peer = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0);
            let client = client_ip(
                peer,
                request.headers(),
                &state.http.trusted_proxies,
                state.http.forwarded_header,
            );
            if let Err(retry_after) = limiter.check(client, Instant::now()) {
                return ApiError::RateLimited { retry_after }.into_response();
            }
        }
    }
    next.run(request).await
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

/// Answers 408 `request_timeout` when a request (reading its body included) takes too long.
pub async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    if UNTIMED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}
