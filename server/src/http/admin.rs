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
use crate::store::report::{
    confidence, date, parse_site, timestamp, GroupAnswer, List, Outcome, QuestionGroup, SiteCount,
    CONFIDENT,
};
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

/// Text escaped for HTML content and attribute values, by the one helper ([`Esc`]).
fn escape(text: &str) -> String {
    Esc(text).to_string()
}

/// A site id percent-encoded for a query string (a stored site id needs none; this keeps
/// the link right whatever it holds).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The report's query string for `period` and `site`, escaped for an HTML attribute.
fn query(period: Period, site: Option<&str>) -> String {
    match site {
        Some(site) => format!("since={period}&amp;site={}", escape(&encode(site))),
        None => format!("since={period}"),
    }
}

fn export_link(out: &mut String, list: List, report: &Report) {
    let _ = write!(
        out,
        "<p class=\"export\"><a href=\"/admin/export/{}.csv?{}\" download>Download as CSV</a></p>",
        list.name(),
        query(report.period, report.site.as_deref())
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

/// The admin pages' navigation, the page at `current` marked: the report, the work queue
/// where editors fix what it shows, and what they have taught.
pub fn admin_nav(out: &mut String, current: &str) {
    out.push_str("<nav aria-label=\"Admin\"><ul>");
    for (href, label) in [
        ("/admin", "Report"),
        ("/admin/queue", "Work queue"),
        ("/admin/learned", "Learned phrasings"),
    ] {
        let mark = if href == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(out, "<li><a href=\"{href}\"{mark}>{label}</a></li>");
    }
    out.push_str("</ul></nav>\n");
}

/// The whole page.
pub fn render_page(report: &Report, retention_days: Option<u32>, warning: Option<&str>) -> String {
    let period = report.period;
    let site = report.site.as_deref();
    let mut out = String::new();
    page_start(&mut out, "Signpost report");
    admin_nav(&mut out, "/admin");
    let _ = write!(
        out,
        "<p class=\"period\">The last {} days: {} to {} (UTC), ",
        period.days,
        date(report.from),
        date(report.to)
    );
    match site {
        Some(s) => {
            let _ = writeln!(
                out,
                "site <strong>{}</strong> (<a href=\"/admin?{}\">show every site</a>).</p>",
                escape(s),
                query(period, None)
            );
        }
        None => out.push_str("every site.</p>\n"),
    }
    out.push_str("<nav aria-label=\"Period\"><ul>");
    for days in PERIODS {
        let current = if days == period.days {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li><a href=\"/admin?{}\"{current}>{days} days</a></li>",
            query(Period { days }, site)
        );
    }
    out.push_str("</ul></nav>\n");
    site_picker(&mut out, report);
    out.push_str("</header>\n<main>\n");
    if let Some(warning) = warning {
        let _ = writeln!(
            out,
            "<p class=\"warning\" role=\"alert\">{}</p>",
            escape(warning)
        );
    }

    let small_talk = if report.small_talk > 0 {
        format!(
            "<span class=\"detail\"> ({} small talk)</span>",
            report.small_talk
        )
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<section aria-labelledby=\"summary\"><h2 id=\"summary\">Summary</h2>\n<dl class=\"figures\">\
         <div><dt>Questions asked</dt><dd>{}</dd></div>\
         <div><dt>Answered</dt><dd>{:.0}%<span class=\"detail\"> ({} of {})</span></dd></div>\
         <div><dt>Declined on purpose</dt><dd>{}{small_talk}</dd></div>\
         <div><dt>Unanswered</dt><dd>{}</dd></div>\
         <div><dt>“Helpful” votes</dt><dd>{}</dd></div>\
         <div><dt>“Not helpful” votes</dt><dd>{}</dd></div></dl></section>\n",
        report.questions,
        report.answered_share() * 100.0,
        report.answered,
        report.questions,
        report.declined_count,
        report.unanswered_count,
        report.helpful_votes,
        report.not_helpful_votes
    );

    out.push_str(
        "<section aria-labelledby=\"per-day\"><h2 id=\"per-day\">Questions per day</h2>\n",
    );
    out.push_str(&chart(report));
    export_link(&mut out, List::QuestionsPerDay, report);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"sites\"><h2 id=\"sites\">Sites</h2>\n\
         <p>Questions and votes by the site the widget was on (the <code>site</code> it was \
         given); “No site” is the API called directly and Signpost’s own pages.</p>\n",
    );
    site_table(&mut out, report);
    export_link(&mut out, List::Sites, report);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"unanswered\"><h2 id=\"unanswered\">Top unanswered questions</h2>\n\
         <p>Questions Signpost had no confident answer for and did not decline on purpose, \
         grouped by similar wording: candidates for new or better content.</p>\n",
    );
    group_table(
        &mut out,
        &report.unanswered,
        Columns::Unanswered,
        "Top unanswered questions",
    );
    export_link(&mut out, List::Unanswered, report);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"declined\"><h2 id=\"declined\">Declined on purpose</h2>\n\
         <p>Questions Signpost declined on purpose (a resident’s own council business, \
         pointed to their council) and small talk it replied to, grouped by similar wording. \
         Not gaps: listed so you can check each got the right reply.</p>\n",
    );
    group_table(
        &mut out,
        &report.declined,
        Columns::Declined,
        "Declined on purpose",
    );
    export_link(&mut out, List::Declined, report);
    out.push_str("</section>\n");

    let _ = write!(
        out,
        "<section aria-labelledby=\"confident-not-helpful\"><h2 id=\"confident-not-helpful\">\
         Confident but voted not helpful</h2>\n<p>Answers given with a confidence of {CONFIDENT} \
         or more that people voted “not helpful”: likely wrong answers Signpost did not doubt. \
         A vote counts here when the latest ask of the same question (same words, in any \
         order or case) with the same answer, in the day before the vote, had that \
         confidence.</p>\n"
    );
    if report.confident_not_helpful.is_empty() {
        out.push_str(
            "<p class=\"empty\">No confident answer was voted “not helpful” in this period.</p>\n",
        );
    } else {
        table_start(&mut out, "Confident but voted not helpful");
        out.push_str(
            "<thead><tr><th scope=\"col\">Answer</th>\
             <th scope=\"col\" class=\"num\">Not helpful</th>\
             <th scope=\"col\" class=\"num\">Mean confidence</th><th scope=\"col\">Asked as</th>\
             <th scope=\"col\">Latest comments</th><th scope=\"col\">Sites</th></tr></thead><tbody>\n",
        );
        for v in &report.confident_not_helpful {
            let title = v.title.as_deref().unwrap_or("(no longer in the corpus)");
            let _ = writeln!(
                out,
                "<tr><td>{}<span class=\"id\">{}</span></td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(title),
                escape(&v.answer_id),
                v.votes,
                confidence(v.confidence),
                list_items(&v.questions),
                list_items(&v.comments),
                site_items(&v.sites),
            );
        }
        out.push_str(TABLE_END);
    }
    export_link(&mut out, List::ConfidentNotHelpful, report);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"not-helpful\"><h2 id=\"not-helpful\">Answers with the most “not helpful” votes</h2>\n",
    );
    if report.not_helpful.is_empty() {
        out.push_str("<p class=\"empty\">No “not helpful” votes in this period.</p>\n");
    } else {
        table_start(&mut out, "Answers with the most “not helpful” votes");
        out.push_str(
            "<thead><tr><th scope=\"col\">Answer</th><th scope=\"col\" class=\"num\">Not helpful</th>\
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
        out.push_str(TABLE_END);
    }
    export_link(&mut out, List::NotHelpful, report);
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"most-asked\"><h2 id=\"most-asked\">Most asked questions</h2>\n\
         <p>With the answer each group got most often and the mean confidence it was given \
         with.</p>\n",
    );
    group_table(
        &mut out,
        &report.most_asked,
        Columns::MostAsked,
        "Most asked questions",
    );
    export_link(&mut out, List::MostAsked, report);
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

/// The site picker: a plain GET form (no script), every site seen in the period.
fn site_picker(out: &mut String, report: &Report) {
    let current = report.site.as_deref();
    if report.site_names.is_empty() && current.is_none() {
        return;
    }
    let _ = write!(
        out,
        "<form class=\"site-picker\" method=\"get\" action=\"/admin\">\
         <input type=\"hidden\" name=\"since\" value=\"{}\">\
         <label for=\"site-choice\">Site</label> <select id=\"site-choice\" name=\"site\">\
         <option value=\"\"{}>Every site</option>",
        report.period,
        if current.is_none() { " selected" } else { "" }
    );
    let mut names: Vec<&str> = report.site_names.iter().map(String::as_str).collect();
    if let Some(site) = current.filter(|s| !names.contains(s)) {
        names.insert(0, site);
    }
    for name in names {
        let selected = if Some(name) == current {
            " selected"
        } else {
            ""
        };
        let name = escape(name);
        let _ = write!(out, "<option value=\"{name}\"{selected}>{name}</option>");
    }
    out.push_str("</select> <button type=\"submit\">Show</button></form>\n");
}

/// Figures per site; each site's name opens the report for that site.
fn site_table(out: &mut String, report: &Report) {
    if report.sites.is_empty() {
        out.push_str("<p class=\"empty\">No questions or votes in this period.</p>\n");
        return;
    }
    table_start(out, "Sites");
    out.push_str(
        "<thead><tr><th scope=\"col\">Site</th><th scope=\"col\" class=\"num\">Questions</th>\
         <th scope=\"col\" class=\"num\">Answered</th><th scope=\"col\" class=\"num\">Declined on purpose</th>\
         <th scope=\"col\" class=\"num\">Unanswered</th><th scope=\"col\" class=\"num\">“Helpful” votes</th>\
         <th scope=\"col\" class=\"num\">“Not helpful” votes</th></tr></thead><tbody>\n",
    );
    for s in &report.sites {
        let name = match &s.site {
            Some(site) if report.site.is_none() => format!(
                "<a href=\"/admin?{}\">{}</a>",
                query(report.period, Some(site)),
                escape(site)
            ),
            Some(site) => escape(site),
            None => "No site".to_string(),
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{name}</th><td class=\"num\">{}</td>\
             <td class=\"num\">{:.0}%<span class=\"detail\"> ({})</span></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            s.questions,
            s.answered_share() * 100.0,
            s.answered,
            s.declined,
            s.unanswered,
            s.helpful_votes,
            s.not_helpful_votes,
        );
    }
    out.push_str(TABLE_END);
}

/// A table opens inside a box that scrolls sideways on a narrow screen (rather than the whole
/// page): focusable, so it scrolls by keyboard, and named, so that focus says what it is.
fn table_start(out: &mut String, label: &str) {
    let _ = write!(
        out,
        "<div class=\"table-scroll\" role=\"region\" aria-label=\"{} (table)\" tabindex=\"0\"><table>",
        escape(label)
    );
}

const TABLE_END: &str = "</tbody></table></div>\n";

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

/// The sites a group or vote came from, the three biggest named and the rest counted.
fn site_items(sites: &[SiteCount]) -> String {
    const SHOWN: usize = 3;
    let mut items: Vec<String> = sites
        .iter()
        .take(SHOWN)
        .map(|s| format!("{} ({})", s.site.as_deref().unwrap_or("no site"), s.count))
        .collect();
    if sites.len() > SHOWN {
        items.push(format!("{} more", sites.len() - SHOWN));
    }
    list_items(&items).replacen("<ul>", "<ul class=\"sites\">", 1)
}

/// Which columns a question group table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Columns {
    Unanswered,
    Declined,
    MostAsked,
}

/// The answer, reply or decline a group got most often, and how often.
fn answer_cell(answer: &GroupAnswer, group_count: u64) -> String {
    let title = answer
        .title
        .as_deref()
        .unwrap_or("(no longer in the corpus)");
    let label = match answer.outcome {
        Outcome::Answer => "",
        Outcome::Reply => "Reply: ",
        Outcome::Declined => "Declined: ",
    };
    let id = if answer.title.as_deref() == Some(answer.id.as_str()) {
        String::new()
    } else {
        format!("{} · ", escape(&answer.id))
    };
    format!(
        "{label}{}<span class=\"id\">{id}{} of {}</span>",
        escape(title),
        answer.count,
        group_count
    )
}

fn group_table(out: &mut String, groups: &[QuestionGroup], columns: Columns, label: &str) {
    if groups.is_empty() {
        out.push_str("<p class=\"empty\">No questions in this period.</p>\n");
        return;
    }
    table_start(out, label);
    out.push_str("<thead><tr><th scope=\"col\">Question</th><th scope=\"col\" class=\"num\">Times asked</th>");
    match columns {
        Columns::Unanswered => {}
        Columns::Declined => out.push_str("<th scope=\"col\">Declined or replied by</th>"),
        Columns::MostAsked => out.push_str(
            "<th scope=\"col\" class=\"num\">Answered</th><th scope=\"col\">Answer given most</th>\
             <th scope=\"col\" class=\"num\">Mean confidence</th>",
        ),
    }
    out.push_str("<th scope=\"col\" class=\"num\">Wordings</th><th scope=\"col\">Sites</th><th scope=\"col\">Last asked (UTC)</th></tr></thead><tbody>\n");
    for g in groups {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td>",
            escape(&g.wording),
            g.count
        );
        let answer = g
            .answer
            .as_ref()
            .map_or("No answer".to_string(), |a| answer_cell(a, g.count));
        match columns {
            Columns::Unanswered => {}
            Columns::Declined => {
                let _ = write!(out, "<td>{answer}</td>");
            }
            Columns::MostAsked => {
                let mean = g
                    .answer
                    .as_ref()
                    .and_then(|a| a.confidence)
                    .map_or("none".to_string(), confidence);
                let _ = write!(
                    out,
                    "<td class=\"num\">{}</td><td>{answer}</td><td class=\"num\">{mean}</td>",
                    g.answered
                );
            }
        }
        let _ = writeln!(
            out,
            "<td class=\"num\">{}</td><td>{}</td><td class=\"when\">{}</td></tr>",
            g.wordings,
            site_items(&g.sites),
            timestamp(g.last_asked)
        );
    }
    out.push_str(TABLE_END);
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
    use crate::store::report::{AnswerVotes, ConfidentVotes, DayCount, SiteFigures};

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

    /// A report with hostile text in every field a person or client can fill.
    fn hostile_report(site: Option<&str>) -> Report {
        let group = |wording: &str, answer: Option<GroupAnswer>| QuestionGroup {
            wording: wording.into(),
            count: 2,
            answered: 0,
            wordings: 1,
            last_asked: 0,
            answer,
            sites: vec![
                SiteCount {
                    site: Some("<b>leeds</b>".into()),
                    count: 1,
                },
                SiteCount {
                    site: None,
                    count: 1,
                },
            ],
        };
        Report {
            period: Period { days: 2 },
            from: 0,
            to: 86_400,
            site: site.map(str::to_string),
            questions: 6,
            answered: 2,
            declined_count: 2,
            small_talk: 1,
            unanswered_count: 2,
            helpful_votes: 0,
            not_helpful_votes: 1,
            per_day: vec![
                DayCount {
                    date: "1970-01-01".into(),
                    questions: 1,
                    answered: 0,
                    declined: 0,
                },
                DayCount {
                    date: "1970-01-02".into(),
                    questions: 5,
                    answered: 2,
                    declined: 2,
                },
            ],
            most_asked: vec![group(
                "most <i>asked</i>",
                Some(GroupAnswer {
                    id: "faq-01".into(),
                    outcome: Outcome::Answer,
                    title: Some("Is there a <helpline>?".into()),
                    count: 2,
                    confidence: Some(0.8123),
                }),
            )],
            unanswered: vec![group("<script>alert('x')</script> & \"more\"", None)],
            declined: vec![group(
                "when is my <bin> collection",
                Some(GroupAnswer {
                    id: "your-council".into(),
                    outcome: Outcome::Declined,
                    title: Some("your-council".into()),
                    count: 2,
                    confidence: None,
                }),
            )],
            not_helpful: vec![AnswerVotes {
                answer_id: "faq-01".into(),
                title: Some("Is there a <helpline>?".into()),
                not_helpful: 1,
                helpful: 0,
                questions: vec!["q".into()],
                comments: vec!["<img src=x onerror=alert(1)>".into()],
            }],
            confident_not_helpful: vec![ConfidentVotes {
                answer_id: "faq-<01>".into(),
                title: None,
                votes: 1,
                confidence: 0.9,
                questions: vec!["<iframe>".into()],
                comments: vec!["<svg onload=alert(1)>".into()],
                sites: vec![],
            }],
            sites: vec![
                SiteFigures {
                    site: Some("<u>york</u>".into()),
                    questions: 4,
                    answered: 1,
                    declined: 2,
                    unanswered: 1,
                    helpful_votes: 0,
                    not_helpful_votes: 1,
                },
                SiteFigures {
                    site: None,
                    questions: 2,
                    answered: 1,
                    declined: 0,
                    unanswered: 1,
                    helpful_votes: 0,
                    not_helpful_votes: 0,
                },
            ],
            site_names: vec!["<u>york</u>".into(), "leeds".into()],
        }
    }

    #[test]
    fn the_page_escapes_everything_and_has_no_inline_script_or_style() {
        let html = render_page(&hostile_report(None), Some(90), Some("<lost>"));
        for tag in [
            "<script", "<img", "<iframe", "<b>", "<u>", "<i>", "<bin>", "<01>",
        ] {
            assert!(!html.contains(tag), "{tag} unescaped in {html}");
        }
        assert_eq!(html.matches("<svg").count(), 1, "only the chart's");
        assert!(!html.contains("style="), "no inline styles (CSP)");
        assert!(!html.contains("<style"), "no inline styles (CSP)");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
        assert!(html.contains("Is there a &lt;helpline&gt;?"));
        assert!(html.contains("<svg"));
        assert!(html.contains("1970-01-02: 5 questions, 2 answered"));
        assert!(html.contains("href=\"/admin/export/unanswered.csv?since=2d\""));
        assert!(html.contains("deleted after 90 days"));
        assert!(html.contains("33%"), "share answered");
        assert!(html.contains("role=\"alert\">&lt;lost&gt;</p>"));
    }

    #[test]
    fn the_page_has_the_new_lists_as_accessible_tables() {
        let html = render_page(&hostile_report(None), None, None);
        // Summary: answered, declined on purpose, unanswered.
        assert!(
            html.contains(
                "<dt>Declined on purpose</dt><dd>2<span class=\"detail\"> (1 small talk)"
            ),
            "{html}"
        );
        assert!(html.contains("<dt>Unanswered</dt><dd>2</dd>"), "{html}");
        for heading in [
            "<h2 id=\"sites\">Sites</h2>",
            "<h2 id=\"declined\">Declined on purpose</h2>",
            "<h2 id=\"confident-not-helpful\">\n",
        ] {
            assert!(
                html.contains(heading.trim_end_matches('\n')),
                "{heading} in {html}"
            );
        }
        // Every table's columns have scope; sites are row headers.
        let tables = html.matches("<table>").count();
        assert_eq!(tables, 6, "{html}");
        assert_eq!(html.matches("<th>").count(), 0, "every th has a scope");
        assert!(html.contains("<th scope=\"row\"><a href=\"/admin?since=2d&amp;site=%3Cu%3Eyork%3C%2Fu%3E\">&lt;u&gt;york&lt;/u&gt;</a></th>"), "{html}");
        assert!(html.contains("<th scope=\"row\">No site</th>"), "{html}");
        // The answer and its confidence next to a most asked question; the decline.
        assert!(
            html.contains("<th scope=\"col\" class=\"num\">Mean confidence</th>"),
            "{html}"
        );
        assert!(html.contains("Is there a &lt;helpline&gt;?<span class=\"id\">faq-01 · 2 of 2</span></td><td class=\"num\">0.81</td>"), "{html}");
        assert!(
            html.contains("Declined: your-council<span class=\"id\">2 of 2</span>"),
            "{html}"
        );
        assert!(html.contains("<li>&lt;b&gt;leeds&lt;/b&gt; (1)</li><li>no site (1)</li>"));
        // Confident but voted not helpful.
        assert!(html.contains("(no longer in the corpus)<span class=\"id\">faq-&lt;01&gt;</span></td><td class=\"num\">1</td><td class=\"num\">0.90</td>"), "{html}");
        // The site picker: a GET form, no script.
        assert!(html.contains("<form class=\"site-picker\" method=\"get\" action=\"/admin\">"));
        assert!(html.contains("<label for=\"site-choice\">Site</label>"));
        assert!(html.contains("<option value=\"\" selected>Every site</option><option value=\"&lt;u&gt;york&lt;/u&gt;\">&lt;u&gt;york&lt;/u&gt;</option><option value=\"leeds\">leeds</option>"), "{html}");
        for list in List::ALL {
            assert!(
                html.contains(&format!(
                    "href=\"/admin/export/{}.csv?since=2d\"",
                    list.name()
                )),
                "{} export linked",
                list.name()
            );
        }
    }

    #[test]
    fn a_site_filter_carries_through_every_link() {
        let html = render_page(&hostile_report(Some("leeds")), None, None);
        assert!(
            html.contains(
                "site <strong>leeds</strong> (<a href=\"/admin?since=2d\">show every site</a>)"
            ),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/admin?since=7d&amp;site=leeds\">7 days</a>"),
            "{html}"
        );
        assert!(html.contains("href=\"/admin/export/sites.csv?since=2d&amp;site=leeds\""));
        assert!(
            html.contains("<option value=\"leeds\" selected>leeds</option>"),
            "{html}"
        );
        assert!(
            html.contains("<option value=\"\">Every site</option>"),
            "{html}"
        );
        // A chosen site nobody asked from in this period is still offered, selected.
        let mut report = hostile_report(Some("quiet-site"));
        report.site_names.clear();
        let html = render_page(&report, None, None);
        assert!(
            html.contains("<option value=\"quiet-site\" selected>quiet-site</option>"),
            "{html}"
        );
        assert_eq!(encode("a b/&<"), "a%20b%2F%26%3C");
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
