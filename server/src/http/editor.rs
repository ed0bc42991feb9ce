//! The editors' loop, behind the admin token: the work queue (`/admin/queue`) of questions
//! Signpost got wrong or could not answer, each with the engine's three best candidate entries;
//! one-click fixes ("this means …", "out of scope", "dismiss"), each previewed first
//! (`POST /admin/preview`: every question whose answer would change, from what to what) and
//! applied live without a restart (`POST /admin/fixes`: built, recorded, swapped in); and the
//! learned phrasings (`/admin/learned`) with who taught each and when, undo (previewed the
//! same way, `POST /admin/learned/{id}/preview`), and a JSON export for `signpost-indexer fold`.
//!
//! Pages are plain HTML forms under the admin pages' strict CSP: no scripts, no inline styles.
//! Every write is an [`AdminWrite`] (admin token, same origin, form token) and is audited in
//! the store. A browser's form gets a `303 See Other` back to the page; a client that asks for
//! JSON (`Accept: application/json`) gets JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use signpost_indexer::corpus::Intent;
use signpost_indexer::overlay::LearnedPhrasing;
use signpost_indexer::Kind;

use super::admin::{admin_nav as nav, page_start, Admin};
use super::csrf::{self, AdminWrite};
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery};
use super::html::Esc;
use super::reindex::api_error;
use super::AppState;
use crate::engine::{AskRequest, Engine};
use crate::preview::{self, Preview, Question, Verdict};
use crate::reindex::{build_scratch, OverlayChange, ReindexReport};
use crate::store::learned::{self, Actor, Learned, LearnedKind, QueueItem, QUEUE_DAYS};
use crate::store::report::timestamp;
use crate::store::{now_unix, StoreError};

/// Groups the queue shows at once.
const QUEUE_ROWS: usize = 30;
/// Candidate entries shown for each group.
const CANDIDATES: usize = 3;
/// How many distinct stored questions a preview asks.
const PREVIEW_STORED: usize = 1_000;
/// The longest passage text shown for a candidate, in characters.
const PASSAGE_CHARS: usize = 280;

const PRIVATE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (
        header::HeaderName::from_static("x-robots-tag"),
        "noindex, nofollow",
    ),
];

fn html(body: String) -> Response {
    (
        PRIVATE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// Back to a page after a write: `303 See Other` for a form, JSON for a script.
fn done(headers: &HeaderMap, location: &str, json: serde_json::Value) -> Response {
    if wants_json(headers) {
        (PRIVATE, Json(json)).into_response()
    } else {
        (
            StatusCode::SEE_OTHER,
            PRIVATE,
            [(header::LOCATION, location.to_string())],
        )
            .into_response()
    }
}

fn store_path(state: &AppState) -> Result<PathBuf, ApiError> {
    state
        .store()
        .map(|s| s.path().to_path_buf())
        .ok_or_else(|| {
            ApiError::StoreUnavailable(
                "the store is off (SIGNPOST_STORE=off): nothing can be learned".into(),
            )
        })
}

/// Runs store work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("admin task failed: {e}")))?
}

fn store_error(e: StoreError) -> ApiError {
    ApiError::StoreUnavailable(format!("{e:#}"))
}

/// Reads the store at `path` with `read`; before anything has been recorded there, `T`'s
/// default (nothing yet) instead.
fn read_store<T: Default>(
    path: &std::path::Path,
    read: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>,
) -> Result<T, ApiError> {
    match crate::store::open_read_only(path) {
        Ok(conn) => read(&conn).map_err(store_error),
        Err(StoreError::Missing(_)) => Ok(T::default()),
        Err(e) => Err(store_error(e)),
    }
}

fn clip(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let clipped: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{}…", clipped.trim_end())
    } else {
        clipped
    }
}

fn page_end(out: &mut String) {
    out.push_str("</main>\n</body>\n</html>\n");
}

/// A hidden form field.
fn hidden(out: &mut String, name: &str, value: &str) {
    let _ = write!(
        out,
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        Esc(value)
    );
}

/// The entries an editor can point a question to: programme entries, or decline replies.
fn choices(engine: &Engine, decline: bool) -> Vec<(&str, String)> {
    let mut list: Vec<(&str, String)> = engine
        .entries()
        .iter()
        .filter(|e| {
            let declines = e
                .assistant
                .as_ref()
                .is_some_and(|a| a.intent == Intent::Decline);
            if decline {
                declines
            } else {
                e.kind != Kind::Assistant
            }
        })
        .map(|e| (e.id.as_str(), entry_label(e)))
        .collect();
    list.sort_by_key(|(_, label)| label.to_lowercase());
    list
}

fn entry_label(entry: &signpost_indexer::Entry) -> String {
    match entry.kind {
        Kind::Faq => format!("FAQ: {}", entry.title),
        Kind::Project => format!("Project: {}", entry.title),
        Kind::Assistant => match entry.id.as_str() {
            "your-council" => "Out of scope: a question for the resident's own council".into(),
            "out-of-scope" => "Out of scope: outside what Signpost knows".into(),
            other => format!("Declined by the reply `{other}`"),
        },
    }
}

fn describe_entry(engine: &Engine, id: &str) -> String {
    engine
        .entry(id)
        .map_or_else(|| format!("{id} (no longer in the corpus)"), entry_label)
}

// ----- the work queue -------------------------------------------------------------------

/// `?learned=ID`, `?dismissed=1`: what the last write did, for the status line.
#[derive(Debug, Deserialize)]
pub struct QueueParams {
    pub learned: Option<i64>,
    pub dismissed: Option<u8>,
}

/// One candidate entry for a queue group.
struct Candidate {
    id: String,
    label: String,
    passage: String,
}

fn candidates(engine: &Engine, question: &str) -> Vec<Candidate> {
    let request = AskRequest {
        q: question.to_string(),
        limit: None,
        context: None,
    };
    let Ok((_, trace)) = engine.ask_traced(&request) else {
        return Vec::new();
    };
    trace
        .ranked
        .iter()
        .zip(&trace.passages)
        .filter_map(|((id, _), ordinal)| {
            let entry = engine.entry(id)?;
            let passage = engine
                .passage_text(*ordinal)
                .map(|(_, text)| clip(&text, PASSAGE_CHARS))
                .unwrap_or_default();
            Some(Candidate {
                id: id.clone(),
                label: entry_label(entry),
                passage,
            })
        })
        .take(CANDIDATES)
        .collect()
}

/// `GET /admin/queue`.
pub async fn queue_page(
    _admin: Admin,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> Result<Response, ApiError> {
    let path = store_path(&state)?;
    let (items, learned_row) = blocking(move || {
        read_store(&path, |conn| {
            let items = learned::queue(conn, now_unix() - QUEUE_DAYS * 86_400, QUEUE_ROWS)?;
            let row = match params.learned {
                Some(id) => learned::find(conn, id)?,
                None => None,
            };
            Ok((items, row))
        })
    })
    .await?;
    let engine = state.engine();
    let token = csrf::for_page(&state);
    let mut out = String::new();
    page_start(&mut out, "Signpost work queue");
    nav(&mut out, "/admin/queue");
    out.push_str("</header>\n<main>\n");
    if let Some(row) = &learned_row {
        let _ = writeln!(
            out,
            "<p class=\"notice\" role=\"status\">Learned: “{}” now goes to {}. It is live; undo it from <a href=\"/admin/learned\">Learned phrasings</a>.</p>",
            Esc(&row.phrasing),
            Esc(&describe_entry(&engine, &row.entry_id))
        );
    } else if params.dismissed.is_some() {
        out.push_str("<p class=\"notice\" role=\"status\">Dismissed: the group is no longer in the queue.</p>\n");
    }
    let _ = writeln!(
        out,
        "<p>Questions from the last {QUEUE_DAYS} days that Signpost could not answer, answered with a confidence under {:.0}%, or that people voted “not helpful”, most asked first. For each, pick the entry that answers it, mark it out of scope, or dismiss it. Every fix is previewed before it is applied.</p>",
        learned::LOW_CONFIDENCE * 100.0
    );
    if items.is_empty() {
        out.push_str("<p class=\"empty\">Nothing to do: no question is waiting.</p>\n");
    }
    let programme = choices(&engine, false);
    for (n, item) in items.iter().enumerate() {
        queue_item(&mut out, n, item, &engine, &programme, &token);
    }
    page_end(&mut out);
    Ok(html(out))
}

fn queue_item(
    out: &mut String,
    n: usize,
    item: &QueueItem,
    engine: &Engine,
    programme: &[(&str, String)],
    token: &str,
) {
    let heading = format!("q{n}");
    let _ = write!(
        out,
        "<article class=\"item\" aria-labelledby=\"{heading}\">\n<h2 id=\"{heading}\">“{}”</h2>\n<dl class=\"facts\">",
        Esc(&item.wording)
    );
    let answer = match &item.answer {
        Some((id, confidence)) => format!(
            "{} (confidence {:.0}%)",
            describe_entry(engine, id),
            confidence * 100.0
        ),
        None => "no answer".into(),
    };
    let sites = if item.sites.is_empty() {
        "—".to_string()
    } else {
        item.sites.join(", ")
    };
    for (term, value) in [
        ("Why it is here", item.reason.label().to_string()),
        (
            "Asked",
            format!(
                "{} time{}, last {}",
                item.asked,
                if item.asked == 1 { "" } else { "s" },
                timestamp(item.last_asked)
            ),
        ),
        ("“Not helpful” votes", item.not_helpful_votes.to_string()),
        ("Sites", sites),
        ("Answer it got", answer),
    ] {
        let _ = write!(out, "<div><dt>{term}</dt><dd>{}</dd></div>", Esc(&value));
    }
    out.push_str("</dl>\n");
    let fields = |out: &mut String, action: &str| {
        hidden(out, csrf::FIELD, token);
        hidden(out, "action", action);
        hidden(out, "question", &item.wording);
        hidden(out, "topic", &item.topic);
    };
    let found = candidates(engine, &item.wording);
    let _ = writeln!(
        out,
        "<h3 id=\"{heading}-c\">The engine’s best candidates</h3>"
    );
    if found.is_empty() {
        out.push_str(
            "<p class=\"empty\">None: the question shares no words with the corpus.</p>\n",
        );
    } else {
        let _ = write!(
            out,
            "<ol class=\"candidates\" aria-labelledby=\"{heading}-c\">"
        );
        for c in &found {
            let _ = write!(
                out,
                "<li><p class=\"entry\">{}</p><blockquote>{}</blockquote><form method=\"post\" action=\"/admin/preview\">",
                Esc(&c.label),
                Esc(&c.passage)
            );
            fields(out, "phrasing");
            hidden(out, "entry", &c.id);
            let _ = write!(
                out,
                "<button type=\"submit\" aria-describedby=\"{heading}\">This means: {}</button></form></li>",
                Esc(&c.label)
            );
        }
        out.push_str("</ol>\n");
    }
    // Any other entry, chosen from the list.
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/admin/preview\" class=\"row\"><label for=\"{heading}-other\">Another entry</label><select id=\"{heading}-other\" name=\"entry\">"
    );
    for (id, label) in programme {
        let _ = write!(out, "<option value=\"{}\">{}</option>", Esc(id), Esc(label));
    }
    out.push_str("</select>");
    fields(out, "phrasing");
    let _ = write!(
        out,
        "<button type=\"submit\" aria-describedby=\"{heading}\">Preview</button></form>\n<div class=\"row\">"
    );
    for (entry, label) in [
        ("your-council", "Out of scope: the resident’s council"),
        ("out-of-scope", "Out of scope: not something Signpost knows"),
    ] {
        if engine.entry(entry).is_none() {
            continue;
        }
        out.push_str("<form method=\"post\" action=\"/admin/preview\">");
        fields(out, "decline");
        hidden(out, "entry", entry);
        let _ = write!(
            out,
            "<button type=\"submit\" class=\"secondary\" aria-describedby=\"{heading}\">{label}</button></form>"
        );
    }
    out.push_str("<form method=\"post\" action=\"/admin/dismiss\">");
    hidden(out, csrf::FIELD, token);
    hidden(out, "topic", &item.topic);
    hidden(out, "question", &item.wording);
    let _ = writeln!(
        out,
        "<button type=\"submit\" class=\"secondary\" aria-describedby=\"{heading}\">Dismiss</button></form></div>\n</article>"
    );
}

// ----- fixes: preview and apply --------------------------------------------------------

/// The form of a fix, as the queue's and the preview's forms send it.
#[derive(Debug, Deserialize)]
pub struct FixForm {
    /// `phrasing` (the question asks for `entry`) or `decline` (`entry` declines it).
    pub action: Option<String>,
    pub entry: Option<String>,
    pub question: Option<String>,
    #[serde(default)]
    pub form_token: Option<String>,
    /// `yes` once the editor has seen the questions the fix breaks.
    #[serde(default)]
    pub confirm_breaks: Option<String>,
}

/// A checked fix.
struct Fix {
    kind: LearnedKind,
    entry_id: String,
    phrasing: String,
}

impl Fix {
    /// The phrasing as the overlay holds it.
    fn learned(&self) -> LearnedPhrasing {
        LearnedPhrasing {
            entry_id: self.entry_id.clone(),
            phrasing: self.phrasing.clone(),
        }
    }
}

fn form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, ApiError> {
    form.map(|Form(f)| f)
        .map_err(|e| ApiError::BadFix(format!("the form could not be read: {}", e.body_text())))
}

fn check_fix(engine: &Engine, form: &FixForm) -> Result<Fix, ApiError> {
    let kind = match form.action.as_deref() {
        Some("phrasing") => LearnedKind::Phrasing,
        Some("decline") => LearnedKind::Decline,
        other => {
            return Err(ApiError::BadFix(format!(
                "`action` must be `phrasing` or `decline`, not {:?}",
                other.unwrap_or("")
            )))
        }
    };
    let question = form.question.as_deref().unwrap_or_default();
    if question.contains('\0') {
        return Err(ApiError::NulInQuestion);
    }
    let phrasing = learned::clean_phrasing(question);
    if phrasing.is_empty() {
        return Err(ApiError::BadFix("the question is empty".into()));
    }
    let entry_id = form.entry.as_deref().unwrap_or_default();
    let entry = engine
        .entry(entry_id)
        .ok_or_else(|| ApiError::BadFix(format!("there is no entry `{}`", clip(entry_id, 64))))?;
    let declines = entry
        .assistant
        .as_ref()
        .is_some_and(|a| a.intent == Intent::Decline);
    match kind {
        LearnedKind::Phrasing if entry.kind == Kind::Assistant => {
            return Err(ApiError::BadFix(format!(
                "`{entry_id}` is an assistant reply: use `decline` to mark a question out of scope"
            )))
        }
        LearnedKind::Decline if !declines => {
            return Err(ApiError::BadFix(format!(
                "`{entry_id}` does not decline questions"
            )))
        }
        _ => {}
    }
    let normal = |t: &str| t.trim().trim_end_matches('?').trim().to_lowercase();
    if std::iter::once(&entry.title)
        .chain(&entry.alternates)
        .any(|p| normal(p) == normal(&phrasing))
    {
        return Err(ApiError::BadFix(format!(
            "`{entry_id}` already has the phrasing “{phrasing}”"
        )));
    }
    Ok(Fix {
        kind,
        entry_id: entry_id.to_string(),
        phrasing,
    })
}

/// What the preview asks: the fix's own question, the evaluation sets, the learned
/// phrasings and the last distinct stored questions.
fn preview_fix_blocking(state: &AppState, fix: &Fix) -> Result<Preview, ApiError> {
    let change = OverlayChange::Add(fix.learned());
    preview_change(
        state,
        &change,
        Question::this_fix(&fix.phrasing, &fix.entry_id),
    )
}

/// What `change` to the learned phrasings would do to every question Signpost knows, `own`
/// (the question the change is about) among them. A phrasing the change takes away is not
/// asked as a learned one: it is `own`.
fn preview_change(
    state: &AppState,
    change: &OverlayChange,
    own: Question,
) -> Result<Preview, ApiError> {
    let reindexer = state.reindexer().ok_or(ApiError::NotFound)?;
    let path = store_path(state)?;
    let overlay = reindexer.overlay().map_err(api_error)?;
    let current = state.engine();
    let (candidate, _scratch) = build_scratch(
        reindexer.corpus(),
        &change.applied_to(overlay.clone()),
        *current.settings(),
    )
    .map_err(api_error)?;
    // The evaluation sets first: where the fix's own question is one of theirs, what they
    // say is right counts, so a fix against them shows as broken.
    let mut questions = Vec::new();
    let mut cases = Vec::new();
    let mut sets = Vec::new();
    for set in state.preview_sets() {
        let read = match crate::eval::read_cases(set) {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(set = %set.display(), "a preview set cannot be read, so previews skip it: {e}");
                continue;
            }
        };
        let name = set
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let (asked, singles) = preview::eval_questions(&name, &read, cases.len());
        questions.extend(asked);
        cases.extend(singles);
        sets.push(name);
    }
    questions.push(own);
    let removed = match change {
        OverlayChange::Remove(learned) => Some(learned),
        _ => None,
    };
    questions.extend(
        overlay
            .phrasings
            .iter()
            .filter(|p| Some(*p) != removed)
            .map(|p| Question::learned(&p.phrasing, &p.entry_id)),
    );
    questions.extend(
        read_store(&path, |conn| {
            learned::recent_questions(conn, PREVIEW_STORED)
        })?
        .iter()
        .map(|q| Question::asked(q)),
    );
    let mut preview = preview::preview(&current, &candidate, &questions, &cases);
    preview.sets = sets;
    Ok(preview)
}

async fn run_preview(state: &AppState, fix: Fix) -> Result<(Fix, Preview), ApiError> {
    let task_state = state.clone();
    blocking(move || {
        let preview = preview_fix_blocking(&task_state, &fix)?;
        Ok((fix, preview))
    })
    .await
}

/// `POST /admin/preview`: what the fix would change, with the form that applies it.
pub async fn preview_fix(
    write: AdminWrite,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<FixForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let body = form(body)?;
    write.check_form_token(&state, body.form_token.as_deref())?;
    let engine = state.engine();
    let fix = check_fix(&engine, &body)?;
    let (fix, preview) = run_preview(&state, fix).await?;
    if wants_json(&headers) {
        return Ok((PRIVATE, Json(&preview)).into_response());
    }
    Ok(html(render_preview(
        &state,
        &engine,
        Pending::Fix(&fix),
        &preview,
    )))
}

/// What a preview page applies when its button is pressed.
enum Pending<'a> {
    Fix(&'a Fix),
    Undo(&'a Learned),
}

fn render_preview(
    state: &AppState,
    engine: &Engine,
    pending: Pending<'_>,
    preview: &Preview,
) -> String {
    let mut out = String::new();
    let (title, lead, what) = match &pending {
        Pending::Fix(fix) => (
            "Preview a fix",
            format!(
                "Fix: “{}” → {}.",
                fix.phrasing,
                describe_entry(engine, &fix.entry_id)
            ),
            "fix",
        ),
        Pending::Undo(row) => (
            "Preview an undo",
            format!(
                "Undo: “{}” would no longer go to {}.",
                row.phrasing,
                describe_entry(engine, &row.entry_id)
            ),
            "undo",
        ),
    };
    page_start(&mut out, title);
    nav(&mut out, "");
    out.push_str("</header>\n<main>\n");
    let _ = writeln!(out, "<p class=\"lead\">{}</p>", Esc(&lead));
    let broken = preview.broken();
    let _ = writeln!(
        out,
        "<p role=\"status\">Checked {} questions ({}, the learned phrasings and the last {PREVIEW_STORED} distinct questions asked) in {} ms: {} fixed, {} broken, {} otherwise changed.</p>",
        preview.checked,
        Esc(&if preview.sets.is_empty() {
            "no evaluation set: none of SIGNPOST_PREVIEW_SETS could be read".to_string()
        } else {
            format!("the evaluation sets {}", preview.sets.join(" and "))
        }),
        preview.elapsed.as_millis(),
        preview.fixed(),
        broken,
        preview.changes.len() - broken - preview.fixed()
    );
    if broken > 0 {
        let _ = writeln!(
            out,
            "<p class=\"warning\">This {what} breaks {broken} question{} answered right today: {} would get a wrong answer (in red below). Apply it only if that is what you want.</p>",
            if broken == 1 { "" } else { "s" },
            if broken == 1 { "it" } else { "they" }
        );
    }
    if preview.changes.is_empty() {
        out.push_str("<p class=\"empty\">No other question changes its answer.</p>\n");
    } else {
        out.push_str(
            "<table class=\"changes\"><caption>Questions whose answer changes</caption><thead><tr>\
             <th scope=\"col\">Question</th><th scope=\"col\">From</th><th scope=\"col\">Before</th>\
             <th scope=\"col\">After</th><th scope=\"col\">Verdict</th></tr></thead><tbody>\n",
        );
        for change in &preview.changes {
            let (class, verdict) = match change.verdict {
                Verdict::Broken => ("broken", "Broken: was right, now wrong"),
                Verdict::Fixed => ("fixed", "Fixed: now right"),
                Verdict::Changed => ("changed", "Changed"),
            };
            let _ = writeln!(
                out,
                "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><strong>{verdict}</strong></td></tr>",
                Esc(&change.question),
                Esc(&change.source.label()),
                Esc(&change.before.describe()),
                Esc(&change.after.describe()),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let (action, button, back) = match &pending {
        Pending::Fix(_) => ("/admin/fixes".to_string(), "Apply fix", "/admin/queue"),
        Pending::Undo(row) => (
            format!("/admin/learned/{}/undo", row.id),
            "Undo it",
            "/admin/learned",
        ),
    };
    let _ = write!(
        out,
        "<form method=\"post\" action=\"{action}\" class=\"apply\">"
    );
    hidden(&mut out, csrf::FIELD, &csrf::for_page(state));
    if let Pending::Fix(fix) = &pending {
        hidden(
            &mut out,
            "action",
            match fix.kind {
                LearnedKind::Phrasing => "phrasing",
                LearnedKind::Decline => "decline",
            },
        );
        hidden(&mut out, "entry", &fix.entry_id);
        hidden(&mut out, "question", &fix.phrasing);
    }
    if broken > 0 {
        let _ = write!(
            out,
            "<p class=\"confirm\"><input type=\"checkbox\" id=\"confirm-breaks\" name=\"confirm_breaks\" value=\"yes\" required><label for=\"confirm-breaks\">I have read the {broken} broken question{} and want to apply this {what} anyway</label></p>",
            if broken == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"row\"><button type=\"submit\">{button}</button> <a href=\"{back}\">Cancel</a></p></form>"
    );
    page_end(&mut out);
    out
}

/// `POST /admin/fixes`: builds the index with the fix, records it, swaps it in.
pub async fn apply_fix(
    write: AdminWrite,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<FixForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let body = form(body)?;
    write.check_form_token(&state, body.form_token.as_deref())?;
    let engine = state.engine();
    let mut fix = check_fix(&engine, &body)?;
    if body.confirm_breaks.as_deref() != Some("yes") {
        let (checked, preview) = run_preview(&state, fix).await?;
        if preview.broken() > 0 {
            return Err(ApiError::ConfirmBreaks(preview.broken()));
        }
        fix = checked;
    }
    let change = OverlayChange::Add(fix.learned());
    let Fix {
        kind,
        entry_id,
        phrasing,
    } = fix;
    let record = {
        let (entry_id, phrasing) = (entry_id.clone(), phrasing.clone());
        move |conn: &mut rusqlite::Connection, actor: &Actor| {
            learned::learn(conn, now_unix(), kind, &entry_id, &phrasing, actor)
        }
    };
    let (report, id) = apply_change(&state, write.actor, change, record).await?;
    tracing::info!(id, entry = %entry_id, "learned a phrasing: {report}");
    Ok(done(
        &headers,
        &format!("/admin/queue?learned={id}"),
        serde_json::json!({
            "status": "learned",
            "id": id,
            "entry_id": entry_id,
            "phrasing": phrasing,
            "generation": report.generation,
            "elapsed_ms": report.elapsed.as_millis() as u64,
        }),
    ))
}

/// Builds the index with `change` made to the learned phrasings, then writes it to the store
/// with `record` (as `actor`) and swaps the index in, one change at a time. It runs in its own
/// task, so a client that goes away cannot stop it half way.
async fn apply_change<T: Send + 'static>(
    state: &AppState,
    actor: Actor,
    change: OverlayChange,
    record: impl FnOnce(&mut rusqlite::Connection, &Actor) -> Result<T, StoreError> + Send + 'static,
) -> Result<(ReindexReport, T), ApiError> {
    let path = store_path(state)?;
    let record = move || {
        let mut conn = learned::open(&path).map_err(|e| format!("{e:#}"))?;
        record(&mut conn, &actor).map_err(|e| format!("{e:#}"))
    };
    let task_state = state.clone();
    tokio::spawn(async move {
        let reindexer = task_state.reindexer().ok_or(ApiError::NotFound)?;
        reindexer
            .apply(task_state.live(), true, change, record)
            .await
            .map_err(api_error)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the rebuild task failed: {e}")))?
}

// ----- dismiss --------------------------------------------------------------------------

/// The dismiss form.
#[derive(Debug, Deserialize)]
pub struct DismissForm {
    pub topic: Option<String>,
    pub question: Option<String>,
    #[serde(default)]
    pub form_token: Option<String>,
}

/// `POST /admin/dismiss`: hides a group from the queue.
pub async fn dismiss(
    write: AdminWrite,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<DismissForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let body = form(body)?;
    write.check_form_token(&state, body.form_token.as_deref())?;
    let question = body.question.unwrap_or_default();
    let topic = match body.topic.filter(|t| !t.trim().is_empty()) {
        Some(topic) => topic,
        None if !question.trim().is_empty() => crate::store::topic::topic_key(&question),
        None => return Err(ApiError::BadFix("say which group to dismiss".into())),
    };
    if topic.chars().count() > learned::MAX_PHRASING_CHARS || topic.contains('\0') {
        return Err(ApiError::BadFix("that is not a question group".into()));
    }
    let path = store_path(&state)?;
    let actor = write.actor;
    let stored_topic = topic.clone();
    blocking(move || {
        let mut conn = learned::open(&path).map_err(store_error)?;
        learned::dismiss(&mut conn, now_unix(), &stored_topic, &question, &actor)
            .map_err(store_error)
    })
    .await?;
    Ok(done(
        &headers,
        "/admin/queue?dismissed=1",
        serde_json::json!({ "status": "dismissed", "topic": topic }),
    ))
}

// ----- learned phrasings ----------------------------------------------------------------

/// `?undone=ID`.
#[derive(Debug, Deserialize)]
pub struct LearnedParams {
    pub undone: Option<i64>,
}

async fn history(state: &AppState) -> Result<Vec<Learned>, ApiError> {
    let path = store_path(state)?;
    blocking(move || read_store(&path, learned::history)).await
}

/// `GET /admin/learned`: every learned phrasing, newest first, with undo.
pub async fn learned_page(
    _admin: Admin,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<LearnedParams>,
) -> Result<Response, ApiError> {
    let rows = history(&state).await?;
    let engine = state.engine();
    let token = csrf::for_page(&state);
    let mut out = String::new();
    page_start(&mut out, "Learned phrasings");
    nav(&mut out, "/admin/learned");
    out.push_str("</header>\n<main>\n");
    if let Some(row) = params
        .undone
        .and_then(|id| rows.iter().find(|r| r.id == id))
    {
        let _ = writeln!(
            out,
            "<p class=\"notice\" role=\"status\">Undone: “{}” no longer goes to {}.</p>",
            Esc(&row.phrasing),
            Esc(&describe_entry(&engine, &row.entry_id))
        );
    }
    out.push_str(
        "<p>What editors taught Signpost from the work queue. These live in the store, not in \
         the corpus files, and are applied whenever the index is built; \
         <a href=\"/admin/learned.json\" download>download them</a> and run \
         <code>signpost-indexer fold learned.json</code> to write them into the corpus as \
         <code>alternates</code> for review.</p>\n",
    );
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">Nothing learned yet.</p>\n");
    } else {
        out.push_str(
            "<table class=\"learned\"><caption>Learned phrasings, newest first</caption><thead><tr><th scope=\"col\">Phrasing</th>\
             <th scope=\"col\">Goes to</th><th scope=\"col\">Taught</th><th scope=\"col\">State</th></tr></thead><tbody>\n",
        );
        for row in &rows {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}, by {}</td><td>",
                Esc(&row.phrasing),
                Esc(&describe_entry(&engine, &row.entry_id)),
                timestamp(row.at),
                Esc(&row.editor)
            );
            match (row.undone_at, &row.undone_by) {
                (Some(at), by) => {
                    let _ = write!(
                        out,
                        "Undone {}, by {}",
                        timestamp(at),
                        Esc(by.as_deref().unwrap_or("?"))
                    );
                }
                (None, _) => {
                    let _ = write!(
                        out,
                        "In force <form method=\"post\" action=\"/admin/learned/{}/preview\" class=\"inline\">",
                        row.id
                    );
                    hidden(&mut out, csrf::FIELD, &token);
                    let _ = write!(
                        out,
                        "<button type=\"submit\" class=\"secondary\" aria-label=\"Undo “{}”\">Undo</button></form>",
                        Esc(&row.phrasing)
                    );
                }
            }
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }
    page_end(&mut out);
    Ok(html(out))
}

/// `GET /admin/learned.json`: the phrasings in force, as `signpost-indexer fold` reads them.
pub async fn learned_json(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let reindexer = state.reindexer().ok_or(ApiError::NotFound)?;
    store_path(&state)?;
    let overlay = reindexer.overlay().map_err(api_error)?;
    Ok((
        PRIVATE,
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"signpost-learned.json\"",
        )],
        Json(overlay),
    )
        .into_response())
}

/// `POST /admin/learned/{id}/preview`: what undoing a learned phrasing would change, with the
/// form that undoes it.
pub async fn undo_preview(
    write: AdminWrite,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let body = form(body)?;
    write.check_form_token(&state, body.form_token.as_deref())?;
    let row = in_force(&state, id).await?;
    let task_state = state.clone();
    let change = OverlayChange::Remove(row.learned());
    let undone = Question::undone(&row.phrasing);
    let preview = blocking(move || preview_change(&task_state, &change, undone)).await?;
    if wants_json(&headers) {
        return Ok((PRIVATE, Json(&preview)).into_response());
    }
    let engine = state.engine();
    Ok(html(render_preview(
        &state,
        &engine,
        Pending::Undo(&row),
        &preview,
    )))
}

/// The learned phrasing `id`, if it is in force.
async fn in_force(state: &AppState, id: i64) -> Result<Learned, ApiError> {
    let path = store_path(state)?;
    blocking(move || read_store(&path, |conn| learned::find(conn, id)))
        .await?
        .filter(|r| r.undone_at.is_none())
        .ok_or(ApiError::NothingToUndo(id))
}

/// The undo form: only the token.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub form_token: Option<String>,
}

/// `POST /admin/learned/{id}/undo`: builds the index without the phrasing, marks it undone,
/// swaps the index in.
pub async fn undo(
    write: AdminWrite,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let body = form(body)?;
    write.check_form_token(&state, body.form_token.as_deref())?;
    let row = in_force(&state, id).await?;
    let change = OverlayChange::Remove(row.learned());
    // Undone meanwhile by someone else: the index built without it is right either way.
    let record = move |conn: &mut rusqlite::Connection, actor: &Actor| {
        learned::undo(conn, now_unix(), id, actor).map(|_| ())
    };
    let (report, ()) = apply_change(&state, write.actor, change, record).await?;
    tracing::info!(id, "undid a learned phrasing: {report}");
    Ok(done(
        &headers,
        &format!("/admin/learned?undone={id}"),
        serde_json::json!({ "status": "undone", "id": id, "generation": report.generation }),
    ))
}
