//! The content editors' report at `/admin`: for a chosen period (`?since=7d|30d|90d`),
//! questions per day as an inline SVG chart, the share answered, the top unanswered
//! questions grouped by similar wording, the answers with the most "not helpful" votes and
//! the most asked questions, each list downloadable as CSV from `/admin/export/{list}.csv`.
//!
//! Access needs the admin token from configuration, sent as `Authorization: Bearer TOKEN`
//! (scripts) or as the password of HTTP Basic authentication (so a browser can ask for it);
//! the comparison takes the same time wherever the tokens differ. With no token configured
//! every `/admin` address answers 404, as if it did not exist. The page is CSP-friendly: no
//! scripts at all, no inline styles; its look comes from `/admin/admin.css`.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;

use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery};
use super::html::Esc;
use super::AppState;
use crate::store::report::{date, timestamp, List, QuestionGroup};
use crate::store::{now_unix, Period, Report, StoreStats};

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

/// `?since=30d`.
#[derive(Debug, Deserialize)]
pub struct ReportParams {
    pub since: Option<String>,
}

fn period(params: &ReportParams) -> Result<Period, ApiError> {
    match params.since.as_deref() {
        None | Some("") => Ok(DEFAULT_PERIOD),
        Some(text) => Period::parse(text).map_err(ApiError::BadPeriod),
    }
}

async fn load(state: &AppState, period: Period, top: usize) -> Result<Report, ApiError> {
    let store = state.store().cloned().ok_or_else(|| {
        ApiError::StoreUnavailable("the store is off (SIGNPOST_STORE=off)".into())
    })?;
    let engine = state.engine();
    tokio::task::spawn_blocking(move || {
        let mut report = store
            .report(period, now_unix(), top)
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
    let report = load(&state, period, PAGE_ROWS).await?;
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
    let report = load(&state, period, EXPORT_ROWS).await?;
    let disposition = format!(
        "attachment; filename=\"signpost-{}-{}-{}.csv\"",
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

/// Text escaped for HTML content and attribute values, by the one helper ([`Esc`]).
fn escape(text: &str) -> String {
    Esc(text).to_string()
}

fn export_link(out: &mut String, list: List, period: Period) {
    let _ = write!(
        out,
        "<p class=\"export\"><a href=\"/admin/export/{}.csv?since={period}\" download>Download as CSV</a></p>",
        list.name()
    );
}

/// The start of every admin page, up to and including its `<h1>` inside `<header>`: the
/// admin pages share one frame and one stylesheet, with no scripts and no inline styles.
pub fn page_start(out: &mut String, title: &str) {
    let title = escape(title);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/admin/admin.css\">\n\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n\
         </head>\n<body>\n<header>\n<h1>{title}</h1>\n"
    );
}

/// The whole page.
pub fn render_page(report: &Report, retention_days: Option<u32>, warning: Option<&str>) -> String {
    let period = report.period;
    let mut out = String::new();
    page_start(&mut out, "Signpost report");
    let _ = write!(
        out,
        "<p class=\"period\">The last {} days: {} to {} (UTC).</p>\n<nav aria-label=\"Period\"><ul>",
        period.days,
        date(report.from),
        date(report.to)
    );
    for days in PERIODS {
        if days == period.days {
            let _ = write!(
                out,
                "<li><a href=\"/admin?since={days}d\" aria-current=\"page\">{days} days</a></li>"
            );
        } else {
            let _ = write!(
                out,
                "<li><a href=\"/admin?since={days}d\">{days} days</a></li>"
            );
        }
    }
    out.push_str("</ul></nav>\n</header>\n<main>\n");
    if let Some(warning) = warning {
        let _ = writeln!(
            out,
            "<p class=\"warning\" role=\"alert\">{}</p>",
            escape(warning)
        );
    }

    let _ = write!(
        out,
        "<section aria-labelledby=\"summary\"><h2 id=\"summary\">Summary</h2>\n<dl class=\"figures\">\
         <div><dt>Questions asked</dt><dd>{}</dd></div>\
         <div><dt>Answered</dt><dd>{:.0}%<span class=\"detail\"> ({} of {})</span></dd></div>\
         <div><dt>“Helpful” votes</dt><dd>{}</dd></div>\
         <div><dt>“Not helpful” votes</dt><dd>{}</dd></div></dl></section>\n",
        report.questions,
        report.answered_share() * 100.0,
        report.answered,
        report.questions,
        report.helpful_votes,
        report.not_helpful_votes
    );

    out.push_str(
        "<section aria-labelledby=\"per-day\"><h2 id=\"per-day\">Questions per day</h2>\n",
    );
    out.push_str(&chart(report));
    export_link(&mut out, List::QuestionsPerDay, period);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"unanswered\"><h2 id=\"unanswered\">Top unanswered questions</h2>\n\
         <p>Questions Signpost had no confident answer for, grouped by similar wording: \
         candidates for new or better content.</p>\n",
    );
    group_table(&mut out, &report.unanswered, false);
    export_link(&mut out, List::Unanswered, period);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"not-helpful\"><h2 id=\"not-helpful\">Answers with the most “not helpful” votes</h2>\n",
    );
    if report.not_helpful.is_empty() {
        out.push_str("<p class=\"empty\">No “not helpful” votes in this period.</p>\n");
    } else {
        out.push_str(
            "<table><thead><tr><th scope=\"col\">Answer</th><th scope=\"col\" class=\"num\">Not helpful</th>\
             <th scope=\"col\" class=\"num\">Helpful</th><th scope=\"col\">Asked as</th>\
             <th scope=\"col\">Latest comments</th></tr></thead><tbody>\n",
        );
        for v in &report.not_helpful {
            let title = v.title.as_deref().unwrap_or("(no longer in the corpus)");
            let _ = writeln!(
                out,
                "<tr><td>{}<span class=\"id\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(title),
                escape(&v.answer_id),
                v.not_helpful,
                v.helpful,
                list_items(&v.questions),
                list_items(&v.comments),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    export_link(&mut out, List::NotHelpful, period);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"most-asked\"><h2 id=\"most-asked\">Most asked questions</h2>\n",
    );
    group_table(&mut out, &report.most_asked, true);
    export_link(&mut out, List::MostAsked, period);
    out.push_str("</section>\n</main>\n<footer><p>");
    out.push_str(
        "Questions and comments are stored after e-mail addresses, phone numbers, postcodes, \
         National Insurance numbers and long numbers are removed. No IP address, browser \
         detail, cookie or session is ever stored.",
    );
    if let Some(days) = retention_days {
        let _ = write!(out, " Records are deleted after {days} days.");
    }
    out.push_str("</p></footer>\n</body>\n</html>\n");
    out
}

fn list_items(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul>");
    for item in items {
        let _ = write!(out, "<li>{}</li>", escape(item));
    }
    out.push_str("</ul>");
    out
}

fn group_table(out: &mut String, groups: &[QuestionGroup], with_answered: bool) {
    if groups.is_empty() {
        out.push_str("<p class=\"empty\">No questions in this period.</p>\n");
        return;
    }
    out.push_str("<table><thead><tr><th scope=\"col\">Question</th><th scope=\"col\" class=\"num\">Times asked</th>");
    if with_answered {
        out.push_str("<th scope=\"col\" class=\"num\">Answered</th>");
    }
    out.push_str("<th scope=\"col\" class=\"num\">Wordings</th><th scope=\"col\">Last asked (UTC)</th></tr></thead><tbody>\n");
    for g in groups {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td>",
            escape(&g.wording),
            g.count
        );
        if with_answered {
            let _ = write!(out, "<td class=\"num\">{}</td>", g.answered);
        }
        let _ = writeln!(
            out,
            "<td class=\"num\">{}</td><td>{}</td></tr>",
            g.wordings,
            timestamp(g.last_asked)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// Questions per day as an SVG bar chart: the grey bar is every question, the blue part the
/// answered ones. Each bar has a `<title>` (a tooltip, and what screen readers read).
fn chart(report: &Report) -> String {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 220.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 24.0;
    const TOP: f64 = 12.0;
    let days = report.per_day.len().max(1) as f64;
    let peak = report
        .per_day
        .iter()
        .map(|d| d.questions)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / days;
    let bar = (slot * 0.8).max(1.0);
    let y_of = |n: f64| TOP + plot_h - n / peak * plot_h;

    let mut out = String::new();
    let _ = write!(
        out,
        "<figure class=\"chart\"><svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" role=\"img\" \
         aria-labelledby=\"chart-title\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"chart-title\">Questions per day, {} to {}: {} questions, {} answered</title>",
        date(report.from),
        date(report.to),
        report.questions,
        report.answered
    );
    // Axis and the peak's gridline.
    let base = TOP + plot_h;
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\
         <line class=\"grid\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{}\" y2=\"{TOP}\"/>\
         <text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        WIDTH - 8.0,
        WIDTH - 8.0,
        LEFT - 6.0,
        TOP + 4.0,
        peak as u64,
        LEFT - 6.0,
        base + 4.0,
    );
    for (i, d) in report.per_day.iter().enumerate() {
        let x = LEFT + i as f64 * slot + (slot - bar) / 2.0;
        let y_all = y_of(d.questions as f64);
        let y_ans = y_of(d.answered as f64);
        let _ = write!(
            out,
            "<g><title>{}: {} questions, {} answered</title>\
             <rect class=\"asked\" x=\"{x:.1}\" y=\"{y_all:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"/>\
             <rect class=\"answered\" x=\"{x:.1}\" y=\"{y_ans:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"/></g>",
            d.date,
            d.questions,
            d.answered,
            base - y_all,
            base - y_ans
        );
    }
    if let (Some(first), Some(last)) = (report.per_day.first(), report.per_day.last()) {
        let _ = write!(
            out,
            "<text class=\"label\" x=\"{LEFT}\" y=\"{}\">{}</text>\
             <text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            HEIGHT - 6.0,
            first.date,
            WIDTH - 8.0,
            HEIGHT - 6.0,
            last.date
        );
    }
    out.push_str(
        "</svg><figcaption><span class=\"key key-asked\"></span> asked \
         <span class=\"key key-answered\"></span> answered</figcaption></figure>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::{AnswerVotes, DayCount};

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
    fn the_page_escapes_everything_and_has_no_inline_script_or_style() {
        let report = Report {
            period: Period { days: 2 },
            from: 0,
            to: 86_400,
            questions: 3,
            answered: 1,
            helpful_votes: 0,
            not_helpful_votes: 1,
            per_day: vec![
                DayCount {
                    date: "1970-01-01".into(),
                    questions: 1,
                    answered: 0,
                },
                DayCount {
                    date: "1970-01-02".into(),
                    questions: 2,
                    answered: 1,
                },
            ],
            most_asked: vec![],
            unanswered: vec![QuestionGroup {
                wording: "<script>alert('x')</script> & \"more\"".into(),
                count: 2,
                answered: 0,
                wordings: 1,
                last_asked: 0,
            }],
            not_helpful: vec![AnswerVotes {
                answer_id: "faq-01".into(),
                title: Some("Is there a <helpline>?".into()),
                not_helpful: 1,
                helpful: 0,
                questions: vec!["q".into()],
                comments: vec!["<img src=x onerror=alert(1)>".into()],
            }],
        };
        let html = render_page(&report, Some(90), Some("<lost>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("style="), "no inline styles (CSP)");
        assert!(!html.contains("<style"), "no inline styles (CSP)");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
        assert!(html.contains("Is there a &lt;helpline&gt;?"));
        assert!(html.contains("<svg"));
        assert!(html.contains("1970-01-02: 2 questions, 1 answered"));
        assert!(html.contains("href=\"/admin/export/unanswered.csv?since=2d\""));
        assert!(html.contains("deleted after 90 days"));
        assert!(html.contains("33%"), "share answered");
        assert!(html.contains("role=\"alert\">&lt;lost&gt;</p>"));
    }
}
