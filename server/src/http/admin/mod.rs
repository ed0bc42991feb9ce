//! The content editors' report at `/admin`: for a chosen period (`?since=7d|30d|90d`) and
//! optionally one site (`?site=leeds`, picked with a plain GET form), questions per day as
//! an inline SVG chart; how many were answered, declined on purpose and left unanswered;
//! figures per site; the top unanswered questions and, apart from them, the ones declined
//! on purpose (grouped by similar wording); the confident answers voted "not helpful" and
//! the answers with the most such votes; the most asked questions with the answer each got
//! and its mean confidence. Each list downloads as CSV from `/admin/export/{list}.csv`.
//!
//! Access needs the admin token from configuration, sent as `Authorization: Bearer TOKEN`
//! (scripts) or as the password of HTTP Basic authentication (so a browser can ask for it);
//! the comparison takes the same time wherever the tokens differ. With no token configured
//! every `/admin` address answers 404, as if it did not exist. The page is CSP-friendly: no
//! scripts at all, no inline styles; its look comes from `/admin/admin.css`.

mod chart;
mod page;

use std::sync::atomic::Ordering;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;

use maud::{html, Markup};

use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery};
use super::html::{document, Head};
use super::AppState;
use crate::store::report::{date, parse_site, List};
use crate::store::{now_unix, Period, Report, StoreStats};
pub use page::render_page;

/// Rows per list on the page; exports carry every row up to [`EXPORT_ROWS`].
const PAGE_ROWS: usize = 10;
const EXPORT_ROWS: usize = 10_000;
/// The periods the page offers.
const PERIODS: [u32; 3] = [7, 30, 90];
const DEFAULT_PERIOD: Period = Period { days: 30 };

pub const ADMIN_CSS: &str = include_str!("admin.css");

/// The configured admin token. Its `Debug` never shows it.
pub struct AdminToken(Vec<u8>);

impl AdminToken {
    pub fn new(token: &str) -> AdminToken {
        AdminToken(token.as_bytes().to_vec())
    }

    pub fn matches(&self, presented: &[u8]) -> bool {
        constant_time_eq(&self.0, presented)
    }

    /// The token itself: the key of the admin forms' tokens ([`super::csrf`]).
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(…)")
    }
}

/// Compares two byte strings in time that depends only on their lengths, never on where
/// they first differ, so the token cannot be guessed byte by byte from response times.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= u64::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

/// The token a request presents: a Bearer token, or the password of Basic authentication.
fn presented_token(headers: &HeaderMap) -> Option<Vec<u8>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.trim().split_once(' ')?;
    let credentials = credentials.trim();
    let token = if scheme.eq_ignore_ascii_case("bearer") {
        credentials.as_bytes().to_vec()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials)
            .ok()?;
        let colon = decoded.iter().position(|&b| b == b':')?;
        decoded[colon + 1..].to_vec()
    } else {
        return None;
    };
    (!token.is_empty()).then_some(token)
}

/// Proof that the request carries the admin token. Rejects with 404 when admin is off,
/// 401 without credentials, 403 with the wrong ones.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, ApiError> {
        let token = state.admin_token().ok_or(ApiError::NotFound)?;
        let presented = presented_token(&parts.headers).ok_or(ApiError::Unauthorized)?;
        if token.matches(&presented) {
            Ok(Admin)
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// `?since=30d&site=leeds`.
#[derive(Debug, Deserialize)]
pub struct ReportParams {
    pub since: Option<String>,
    pub site: Option<String>,
}

fn period(params: &ReportParams) -> Result<Period, ApiError> {
    match params.since.as_deref() {
        None | Some("") => Ok(DEFAULT_PERIOD),
        Some(text) => Period::parse(text).map_err(ApiError::BadPeriod),
    }
}

/// The site to report on: none (every site) when absent or empty; a value that is not a
/// site id as stored is refused (400 `bad_query_string`), never cleaned into another one.
fn site(params: &ReportParams) -> Result<Option<String>, ApiError> {
    match params.site.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => parse_site(text)
            .map(Some)
            .map_err(|e| ApiError::BadQueryString(format!("`site`: {e}"))),
    }
}

async fn load(
    state: &AppState,
    period: Period,
    site: Option<String>,
    top: usize,
) -> Result<Report, ApiError> {
    let store = state.store().cloned().ok_or_else(|| {
        ApiError::StoreUnavailable("the store is off (SIGNPOST_STORE=off)".into())
    })?;
    let engine = state.engine();
    tokio::task::spawn_blocking(move || {
        let mut report = store
            .report_for_site(period, site.as_deref(), now_unix(), top)
            .map_err(|e| ApiError::StoreUnavailable(format!("{e:#}")))?;
        report.fill_titles(|id| engine.entry(id).map(|e| e.title.clone()));
        Ok(report)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("report task failed: {e}")))?
}

const PRIVATE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (
        header::HeaderName::from_static("x-robots-tag"),
        "noindex, nofollow",
    ),
];

/// `GET /admin`.
pub async fn page(
    _admin: Admin,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    let period = period(&params)?;
    let site = site(&params)?;
    let report = load(&state, period, site, PAGE_ROWS).await?;
    let retention = state.store().map(|s| s.config().retention_days);
    let warning = state.store().and_then(|s| store_warning(s.stats()));
    Ok((
        PRIVATE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        render_page(&report, retention, warning.as_deref()),
    )
        .into_response())
}

/// `GET /admin/export/{list}.csv`.
pub async fn export(
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    let list = file
        .strip_suffix(".csv")
        .and_then(List::from_name)
        .ok_or_else(|| ApiError::UnknownExport(file.chars().take(64).collect()))?;
    let period = period(&params)?;
    let site = site(&params)?;
    let report = load(&state, period, site, EXPORT_ROWS).await?;
    // A site id holds only letters, digits and `. _ - :`: safe in a quoted file name.
    let for_site = report
        .site
        .as_deref()
        .map(|s| format!("-{}", s.replace(':', "_")))
        .unwrap_or_default();
    let disposition = format!(
        "attachment; filename=\"signpost-{}{for_site}-{}-{}.csv\"",
        list.name(),
        period,
        date(report.to)
    );
    Ok((
        PRIVATE,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        report.csv(list),
    )
        .into_response())
}

/// `GET /admin/admin.css`: public when admin is on (it holds nothing secret), 404 when off.
pub async fn css(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.admin_token().ok_or(ApiError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        ADMIN_CSS,
    )
        .into_response())
}

/// A warning for the page when records have been lost since the server started: the report
/// is then incomplete, and the operator should look at the log.
fn store_warning(stats: &StoreStats) -> Option<String> {
    let failed = stats.write_errors.load(Ordering::Relaxed);
    let dropped = stats.dropped.load(Ordering::Relaxed);
    let open = stats.open_errors.load(Ordering::Relaxed);
    if failed + dropped + open == 0 {
        return None;
    }
    Some(format!(
        "Since the server started, {failed} records could not be written and {dropped} were \
         dropped because the store was busy ({open} failed attempts to open it): this report \
         may be incomplete. The server log says why."
    ))
}

/// An admin page: the one document frame with the admin stylesheet, no scripts and no
/// indexing; a header with the title, the admin navigation (`current` marked) and whatever
/// the page adds to it; then `<main>` and an optional footer.
pub struct AdminPage<'a> {
    pub title: &'a str,
    /// The admin address this page is, for `aria-current`; "" for none of them.
    pub current: &'a str,
    /// What follows the navigation in the header.
    pub header: Markup,
    pub main: Markup,
    pub footer: Option<Markup>,
}

impl AdminPage<'_> {
    pub fn render(&self) -> String {
        let head = Head {
            title: self.title,
            stylesheet: "/admin/admin.css",
            scripts: &[],
            noindex: true,
        };
        let body = html! {
            header {
                h1 { (self.title) }
                (admin_nav(self.current))
                (self.header)
            }
            main { (self.main) }
            @if let Some(footer) = &self.footer {
                footer { (footer) }
            }
        };
        document(&head, body).into_string()
    }
}

/// A table's column headers, each `scope="col"`, figures (`true`) aligned as numbers.
pub(crate) fn column_heads(columns: &[(&str, bool)]) -> Markup {
    html! {
        thead {
            tr {
                @for (name, figure) in columns {
                    th scope="col" class=[figure.then_some("num")] { (name) }
                }
            }
        }
    }
}

/// The admin pages' navigation, the page at `current` marked: the report, the work queue
/// where editors fix what it shows, and what they have taught.
fn admin_nav(current: &str) -> Markup {
    html! {
        nav aria-label="Admin" {
            ul {
                @for (href, label) in [
                    ("/admin", "Report"),
                    ("/admin/queue", "Work queue"),
                    ("/admin/learned", "Learned phrasings"),
                ] {
                    li { a href=(href) aria-current=[(href == current).then_some("page")] { (label) } }
                }
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq(
            b"correct horse battery",
            b"correct horse battery"
        ));
        assert!(!constant_time_eq(
            b"correct horse battery",
            b"correct horse batterx"
        ));
        assert!(!constant_time_eq(
            b"correct horse battery",
            b"correct horse"
        ));
        assert!(!constant_time_eq(b"correct", b"correct horse"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn reads_bearer_and_basic_credentials() {
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, value.parse().unwrap());
            presented_token(&h)
        };
        assert_eq!(with("Bearer s3cret-token"), Some(b"s3cret-token".to_vec()));
        assert_eq!(with("bearer   s3cret "), Some(b"s3cret".to_vec()));
        // "editor:s3cret:with:colons"
        let basic = base64::engine::general_purpose::STANDARD.encode("editor:s3cret:with:colons");
        assert_eq!(
            with(&format!("Basic {basic}")),
            Some(b"s3cret:with:colons".to_vec())
        );
        assert_eq!(with("Basic not-base64!"), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(with("Token abc"), None);
        assert_eq!(presented_token(&HeaderMap::new()), None);
    }

    #[test]
    fn a_site_param_must_be_a_site_id() {
        let params = |site: &str| ReportParams {
            since: None,
            site: Some(site.into()),
        };
        assert_eq!(site(&params("")).unwrap(), None);
        assert_eq!(
            site(&params("leeds.gov.uk")).unwrap().as_deref(),
            Some("leeds.gov.uk")
        );
        for bad in [
            "<script>",
            "leeds council",
            " leeds",
            "a@b.com",
            &"x".repeat(65),
            "\u{0}",
        ] {
            let err = site(&params(bad)).unwrap_err();
            assert!(matches!(err, ApiError::BadQueryString(_)), "{bad}: {err:?}");
        }
    }
}
