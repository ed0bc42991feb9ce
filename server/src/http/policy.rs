//! What each route is, declared beside the route in [`app`](super::app) rather than worked
//! out from its path: whether it counts against the client's rate limit, whether it runs
//! searches (and so may take a search place through [`Search`](super::search::Search)),
//! whether the request timeout cuts it short, who may call it from a browser on another site,
//! and whether its errors are the JSON shape or the site's HTML error page. [`declare`] wraps
//! a route in the one layer that enforces its policy.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, MethodRouter};

use super::error::{ApiError, ShownError};
use super::ratelimit::client_ip;
use super::AppState;

/// Who may call a route from a page on another site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cors {
    /// Any origin, no credentials: the read API, so the widget works on council sites.
    Public,
    /// A write endpoint: any origin, or only `SIGNPOST_WRITE_ORIGINS` when that is set; a
    /// browser on another origin is refused before anything is written.
    Write,
    /// Same-origin only: pages, admin.
    SameOrigin,
}

/// How a route's errors are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errors {
    /// `{"error": {"code", "message"}}`.
    Json,
    /// The site's HTML error page, same status and headers.
    Page,
}

/// A route's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub rate_limited: bool,
    pub searches: bool,
    pub timed: bool,
    pub cors: Cors,
    pub errors: Errors,
}

impl Policy {
    /// `/api/v1/ask`, `/api/v1/suggest`.
    pub const SEARCH_API: Policy = Policy {
        rate_limited: true,
        searches: true,
        timed: true,
        cors: Cors::Public,
        errors: Errors::Json,
    };
    /// The rest of the read API.
    pub const API: Policy = Policy {
        searches: false,
        ..Policy::SEARCH_API
    };
    /// `/api/v1/feedback`.
    pub const WRITE_API: Policy = Policy {
        cors: Cors::Write,
        ..Policy::API
    };
    /// `/lookup`, `/projects`: pages that search.
    pub const SEARCH_PAGE: Policy = Policy {
        rate_limited: true,
        searches: true,
        timed: true,
        cors: Cors::SameOrigin,
        errors: Errors::Page,
    };
    /// Pages and their files that do not search: neither limited nor searching.
    pub const PAGE: Policy = Policy {
        rate_limited: false,
        searches: false,
        ..Policy::SEARCH_PAGE
    };
    /// `/admin` and its exports: limited (which also slows token guessing), JSON errors.
    pub const ADMIN: Policy = Policy {
        rate_limited: true,
        searches: false,
        timed: true,
        cors: Cors::SameOrigin,
        errors: Errors::Json,
    };
    /// `POST /admin/reindex`: may take longer than the request timeout.
    pub const ADMIN_LONG: Policy = Policy {
        timed: false,
        ..Policy::ADMIN
    };
    /// `/healthz`, `/metrics`: never limited, never waiting for a search.
    pub const OPEN: Policy = Policy {
        rate_limited: false,
        searches: false,
        timed: true,
        cors: Cors::SameOrigin,
        errors: Errors::Json,
    };
}

/// `route` under `policy`; methods it does not serve answer 405 in the policy's error shape.
pub fn declare(
    state: &AppState,
    policy: Policy,
    route: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    route
        .fallback(|| async { ApiError::MethodNotAllowed })
        .layer(from_fn_with_state((state.clone(), policy), enforce))
}

/// Every address no route serves: 404 `not_found` under `policy`.
pub fn unmatched(state: &AppState, policy: Policy) -> MethodRouter<AppState> {
    any(|| async { ApiError::NotFound }).layer(from_fn_with_state((state.clone(), policy), enforce))
}

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: &str = "3600";

/// The one layer every declared route passes through.
async fn enforce(
    State((state, policy)): State<(AppState, Policy)>,
    mut request: Request,
    next: Next,
) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let write_origins = &state.http().write_origins;
    let allow = origin
        .as_ref()
        .and_then(|o| cors_allow(policy.cors, o, write_origins));
    let varies = policy.cors == Cors::Write && !write_origins.is_empty();
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if let (true, Some(allow)) = (preflight, &allow) {
        // Preflights neither count against the rate limit nor need routes of their own.
        return preflight_answer(allow.clone(), varies);
    }
    let refused = if policy.cors == Cors::Write
        && origin
            .as_ref()
            .is_some_and(|o| !origin_allowed(write_origins, o))
    {
        Some(ApiError::OriginNotAllowed)
    } else if policy.rate_limited {
        rate_limit(&state, &request).err()
    } else {
        None
    };
    let mut response = match refused {
        Some(error) => error.into_response(),
        None => {
            request.extensions_mut().insert(policy);
            if policy.timed {
                let limit = state.http().request_timeout;
                match tokio::time::timeout(limit, next.run(request)).await {
                    Ok(response) => response,
                    Err(_) => ApiError::RequestTimeout.into_response(),
                }
            } else {
                next.run(request).await
            }
        }
    };
    if policy.errors == Errors::Page {
        response = super::site::as_error_page(&state, response);
    }
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

/// Takes a token from the client's allowance, or says how long to wait.
fn rate_limit(state: &AppState, request: &Request) -> Result<(), ApiError> {
    let Some(limiter) = state.limiter.as_deref() else {
        return Ok(());
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let http = state.http();
    let client = client_ip(
        peer,
        request.headers(),
        &http.trusted_proxies,
        http.forwarded_header,
    );
    limiter
        .check(client, Instant::now())
        .map_err(|retry_after| ApiError::RateLimited { retry_after })
}

fn preflight_answer(allow: HeaderValue, varies: bool) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
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
    response
}

/// The `Access-Control-Allow-Origin` a page on `origin` gets: `*` for public routes (no
/// credentials, so caches can share one copy); for writes the origin itself when it is on the
/// configured list, or `*` when there is no list; nothing otherwise.
fn cors_allow(cors: Cors, origin: &HeaderValue, write_origins: &[String]) -> Option<HeaderValue> {
    let any = HeaderValue::from_static("*");
    match cors {
        Cors::Public => Some(any),
        Cors::Write if write_origins.is_empty() => Some(any),
        Cors::Write => origin_allowed(write_origins, origin).then(|| origin.clone()),
        Cors::SameOrigin => None,
    }
}

fn origin_allowed(allowed: &[String], origin: &HeaderValue) -> bool {
    allowed.is_empty()
        || allowed
            .iter()
            .any(|o| o.as_bytes().eq_ignore_ascii_case(origin.as_bytes()))
}

/// Whether `response` is an error answered through [`ApiError`], with what it said.
pub fn shown_error(response: &Response) -> Option<&ShownError> {
    response.extensions().get::<ShownError>()
}
