//! Safe admin writes. A browser remembers Basic credentials and sends them with any request
//! to the site, including one a page on another site makes it send; so every state-changing
//! admin request needs, besides the admin token ([`super::admin::Admin`]):
//!
//! - **the same origin**: a `Sec-Fetch-Site` other than `same-origin` or `none`, or an
//!   `Origin` whose host is not the request's own `Host`, is refused (a client that sends
//!   neither, such as a script, is not a browser and passes);
//! - **a form token the server issued**: the time it was issued and an HMAC-SHA256 of that
//!   time under the admin token, so any replica with the same token can check it, it cannot be
//!   made without the token, and it expires after [`TOKEN_LIFETIME_SECS`]. The admin pages put
//!   one in every form; scripts get one from `GET /admin/form-token`.
//!
//! [`AdminWrite`] is the extractor that checks all three; a handler that takes it cannot be
//! reached without them.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::admin::{constant_time_eq, Admin};
use super::error::ApiError;
use super::AppState;
use crate::store::learned::Actor;
use crate::store::now_unix;

/// How long a form token is good for, in seconds: a long editing session, not forever.
pub const TOKEN_LIFETIME_SECS: i64 = 2 * 60 * 60;
/// The form field (and header, for scripts) carrying the token.
pub const FIELD: &str = "form_token";
pub const HEADER: &str = "x-signpost-form-token";

fn mac(key: &[u8], issued: i64) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(b"signpost admin form token\0");
    mac.update(&issued.to_be_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A new token, issued at `now`.
pub fn issue(key: &[u8], now: i64) -> String {
    let mut bytes = now.to_be_bytes().to_vec();
    bytes.extend(mac(key, now));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `token` was issued under `key` no longer than the lifetime before `now` (and not
/// in the future, beyond a minute's clock difference between replicas).
pub fn verify(key: &[u8], token: &str, now: i64) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()) else {
        return false;
    };
    if bytes.len() != 8 + 32 {
        return false;
    }
    let issued = i64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
    let fresh = issued <= now + 60 && now - issued <= TOKEN_LIFETIME_SECS;
    constant_time_eq(&mac(key, issued), &bytes[8..]) && fresh
}

/// Whether the request says a page on another site sent it.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match text(header::ORIGIN.as_str()) {
        None => false,
        Some(origin) => {
            let host = text(header::HOST.as_str()).unwrap_or_default();
            // `scheme://host[:port]`; behind a proxy the scheme may differ, the host may not.
            let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
            origin == "null" || !origin_host.eq_ignore_ascii_case(host)
        }
    }
}

/// Who made a request, for the audit log: the Basic user name when there is one.
pub fn actor(parts: &Parts) -> Actor {
    let editor = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|d| {
            let text = String::from_utf8(d).ok()?;
            let (user, _) = text.split_once(':')?;
            let user: String = user.chars().filter(|c| !c.is_control()).take(64).collect();
            (!user.trim().is_empty()).then(|| user.trim().to_string())
        })
        .unwrap_or_else(|| "admin".to_string());
    let forwarded_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|id| {
            id.chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect::<String>()
        });
    let request = format!("{} {}", parts.method, parts.uri.path());
    Actor {
        editor,
        request_id: Some(match forwarded_id {
            Some(id) => format!("{request} ({id})"),
            None => request,
        }),
    }
}

/// Proof that a request may change something: the admin token, the same origin, and (checked
/// by the handler once the form is read, see [`check_form_token`]) a form token.
pub struct AdminWrite {
    pub actor: Actor,
    /// The token from the `x-signpost-form-token` header, if the client sent it there.
    header_token: Option<String>,
}

impl FromRequestParts<AppState> for AdminWrite {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<AdminWrite, ApiError> {
        Admin::from_request_parts(parts, state).await?;
        if cross_site(&parts.headers) {
            return Err(ApiError::CrossSiteWrite);
        }
        Ok(AdminWrite {
            actor: actor(parts),
            header_token: parts
                .headers
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        })
    }
}

impl AdminWrite {
    /// Checks the form token, from the form's field or else the header.
    pub fn check_form_token(&self, state: &AppState, field: Option<&str>) -> Result<(), ApiError> {
        let key = state.admin_token().ok_or(ApiError::NotFound)?;
        let token = field.or(self.header_token.as_deref()).unwrap_or_default();
        if verify(key.bytes(), token, now_unix()) {
            Ok(())
        } else {
            Err(ApiError::BadFormToken)
        }
    }
}

/// A token for the forms of a page the admin token opened.
pub fn for_page(state: &AppState) -> String {
    state
        .admin_token()
        .map(|key| issue(key.bytes(), now_unix()))
        .unwrap_or_default()
}

/// `GET /admin/form-token`: a token for scripts, `{"form_token": "…"}`.
pub async fn form_token(_admin: Admin, State(state): State<AppState>) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ FIELD: for_page(&state) })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_token_verifies_under_its_key_until_it_expires() {
        let key = b"an admin token of some length";
        let token = issue(key, 1_000_000);
        assert!(verify(key, &token, 1_000_000));
        assert!(verify(key, &token, 1_000_000 + TOKEN_LIFETIME_SECS));
        assert!(!verify(key, &token, 1_000_000 + TOKEN_LIFETIME_SECS + 1));
        assert!(!verify(key, &token, 1_000_000 - 61), "issued in the future");
        assert!(!verify(b"another admin token here", &token, 1_000_000));
        assert!(!verify(key, "", 1_000_000));
        assert!(!verify(key, "not base64 at all!", 1_000_000));
        // A token with its time changed no longer matches its MAC.
        let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&token)
            .unwrap();
        bytes[7] ^= 1;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        assert!(!verify(key, &forged, 1_000_000));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_another_sites_request_is_cross_site() {
        assert!(!cross_site(&headers(&[])), "a script sends neither header");
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        let host = ("host", "signpost.example.gov.uk");
        assert!(!cross_site(&headers(&[
            host,
            ("origin", "https://signpost.example.gov.uk")
        ])));
        assert!(cross_site(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(cross_site(&headers(&[host, ("origin", "null")])));
        // Sec-Fetch-Site, when sent, is what counts.
        assert!(cross_site(&headers(&[
            host,
            ("origin", "https://signpost.example.gov.uk"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
