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
//!
//! Here: the helpers the steps share, the queue, dismiss and the learned phrasings with
//! their undo; [`fixes`] checks, previews and applies a fix; [`pages`] renders the pages.

mod fixes;
mod pages;

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use signpost_indexer::corpus::Intent;
use signpost_indexer::Kind;

use super::admin::Admin;
use super::csrf::{self, AdminWrite};
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery};
use super::reindex::api_error;
use super::AppState;
use crate::engine::{AskRequest, Engine};
use crate::preview::Question;
use crate::reindex::OverlayChange;
use crate::store::db::Conn;
use crate::store::learned::{self, Actor, Learned, QUEUE_DAYS};
use crate::store::{now_unix, Database, StoreError};
use fixes::{apply_change, form, preview_change, preview_reply, Pending};
pub use fixes::{apply_fix, preview_fix, FixForm};

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

fn store_db(state: &AppState) -> Result<Database, ApiError> {
    state.store().map(|s| s.database().clone()).ok_or_else(|| {
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

/// Reads `database` with `read`; before anything has been recorded there, `T`'s default
/// (nothing yet) instead.
fn read_store<T: Default>(
    database: &Database,
    read: impl FnOnce(&Conn) -> Result<T, StoreError>,
) -> Result<T, ApiError> {
    match database.for_reading().map_err(store_error)? {
        Some(conn) => read(&conn).map_err(store_error),
        None => Ok(T::default()),
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
    let database = store_db(&state)?;
    let (items, learned_row) = blocking(move || {
        read_store(&database, |conn| {
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
    Ok(html(pages::queue(
        &engine,
        &items,
        learned_row.as_ref(),
        params.dismissed.is_some(),
        &token,
    )))
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
    let database = store_db(&state)?;
    let actor = write.actor;
    let stored_topic = topic.clone();
    blocking(move || {
        let mut conn = database.for_admin_write().map_err(store_error)?;
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
    let database = store_db(state)?;
    blocking(move || read_store(&database, learned::history)).await
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
    Ok(html(pages::learned(&engine, &rows, params.undone, &token)))
}

/// `GET /admin/learned.json`: the phrasings in force, as `signpost-indexer fold` reads them.
pub async fn learned_json(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let reindexer = state.reindexer().ok_or(ApiError::NotFound)?;
    store_db(&state)?;
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
    Ok(preview_reply(
        &state,
        &headers,
        Pending::Undo(&row),
        &preview,
    ))
}

/// The learned phrasing `id`, if it is in force.
async fn in_force(state: &AppState, id: i64) -> Result<Learned, ApiError> {
    let database = store_db(state)?;
    blocking(move || read_store(&database, |conn| learned::find(conn, id)))
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
    let record = move |conn: &mut Conn, actor: &Actor| {
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
