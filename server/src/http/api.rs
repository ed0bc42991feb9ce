//! The JSON API handlers under `/api/v1/` and `/healthz`. Each handler validates its input,
//! runs the engine off the async threads where the work is a search, and answers in the
//! shapes DESIGN.md gives.

use std::time::Instant;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use signpost_indexer::corpus::{Entry, Kind};

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::feedback::FEEDBACK_PATH;
use super::AppState;
use crate::engine::{question, AskRequest, AskResponse, Context, Engine, QuestionError};
use crate::store::{now_unix, AskRecord};

/// `GET /api/v1/ask` parameters.
#[derive(Debug, Deserialize)]
pub struct AskParams {
    pub q: Option<String>,
    pub site: Option<String>,
    pub limit: Option<usize>,
}

/// `POST /api/v1/ask` body.
#[derive(Debug, Deserialize)]
pub struct AskBody {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub context: Option<Context>,
}

pub async fn ask_get(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<AskParams>,
) -> Result<Json<AskResponse>, ApiError> {
    let request = AskRequest {
        q: params.q.unwrap_or_default(),
        limit: params.limit,
        context: None,
    };
    ask(state, request, params.site).await
}

pub async fn ask_post(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<Json<AskResponse>, ApiError> {
    let request = AskRequest {
        q: body.q,
        limit: body.limit,
        context: body.context,
    };
    ask(state, request, body.site).await
}

/// Answers, then counts the answer and hands a redacted record of it to the store. Recording
/// only queues (it never waits or fails), so the answer is returned whatever the store's
/// state.
async fn ask(
    state: AppState,
    request: AskRequest,
    site: Option<String>,
) -> Result<Json<AskResponse>, ApiError> {
    let engine = state.engine();
    // Over-limit questions are refused here, before they take a search place or a thread.
    check_limits(&engine, &request)?;
    let permit = state.search_permit()?;
    let started = Instant::now();
    let mut response = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        engine.ask(&request)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("answer task failed: {e}")))??;
    state
        .metrics()
        .observe_answer(started.elapsed(), response.answer.is_some());
    if let Some(store) = state.store() {
        store.record_ask(AskRecord::new(
            now_unix(),
            site.as_deref(),
            &response.query,
            response
                .answer
                .as_ref()
                .map(|a| (a.id.as_str(), a.confidence)),
            response.passages.len(),
        ));
        response.feedback_url = Some(FEEDBACK_PATH.to_string());
    }
    Ok(Json(response))
}

/// The engine's own limits, checked without doing any of its work.
fn check_limits(engine: &Engine, request: &AskRequest) -> Result<(), ApiError> {
    let limits = &engine.settings().limits;
    question::validate(&request.q, limits)?;
    match request.limit {
        Some(n) if !(1..=limits.max_results).contains(&n) => Err(QuestionError::BadLimit {
            max: limits.max_results,
        }
        .into()),
        _ => Ok(()),
    }
}

pub async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let engine = state.engine();
    let corpus = &engine.index().manifest.corpus;
    Json(json!({
        "status": "ok",
        "entries": corpus.entries.len(),
        "passages": corpus.passage_count(),
        "generation": crate::index_setup::generation_of(&engine.index().dir),
    }))
}

/// A project as the directory lists it.
#[derive(Debug, Serialize)]
pub struct ProjectSummary<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub short_name: &'a str,
    pub summary: &'a str,
    pub lead: Option<&'a str>,
    pub strand: &'static str,
    pub url: String,
}

fn summary(entry: &Entry) -> Option<ProjectSummary<'_>> {
    let p = entry.project.as_ref()?;
    Some(ProjectSummary {
        id: &entry.id,
        name: &p.name,
        short_name: &p.short_name,
        summary: &p.summary,
        lead: p.lead.as_deref(),
        strand: p.strand.as_str(),
        url: entry.url().unwrap_or_default(),
    })
}

/// How many projects the programme had, as the FAQ says; the directory covers fewer.
pub const PROGRAMME_PROJECTS: usize = 22;

pub async fn projects(State(state): State<AppState>) -> Json<Value> {
    let engine = state.engine();
    let list: Vec<_> = engine.entries().iter().filter_map(summary).collect();
    Json(json!({ "programme_projects": PROGRAMME_PROJECTS, "count": list.len(), "projects": list }))
}

pub async fn project(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let engine = state.engine();
    let entry = engine
        .entry(&slug)
        .filter(|e| e.kind == Kind::Project)
        .ok_or_else(|| ApiError::UnknownProject(truncate(&slug)))?;
    Ok(Json(project_detail(&engine, entry)))
}

/// Everything the directory knows about one project, passages grouped by section.
pub fn project_detail(engine: &Engine, entry: &Entry) -> Value {
    let p = entry
        .project
        .as_ref()
        .expect("callers pass project entries");
    let mut sections: Vec<Value> = Vec::new();
    for passage in &entry.passages {
        let heading = passage.section.as_deref().unwrap_or("");
        let same = sections.last().is_some_and(|s| s["heading"] == heading);
        if !same {
            sections.push(json!({ "heading": heading, "passages": [] }));
        }
        let last = sections.last_mut().expect("pushed above");
        last["passages"]
            .as_array_mut()
            .expect("built as an array")
            .push(json!({ "id": passage.id, "text": passage.text }));
    }
    let related: Vec<Value> = entry
        .related
        .iter()
        .filter_map(|id| engine.entry(id))
        .map(|e| json!({ "id": e.id, "kind": e.kind.as_str(), "title": e.title, "url": e.url() }))
        .collect();
    json!({
        "id": entry.id,
        "name": p.name,
        "short_name": p.short_name,
        "title": entry.title,
        "aliases": p.aliases,
        "summary": p.summary,
        "lead": p.lead,
        "partners": p.partners,
        "strand": p.strand.as_str(),
        "keywords": p.keywords,
        "sources": p.sources,
        "sections": sections,
        "related": related,
        "url": entry.url(),
    })
}

pub async fn faq(State(state): State<AppState>) -> Json<Value> {
    let engine = state.engine();
    let list: Vec<Value> = engine
        .entries()
        .iter()
        .filter(|e| e.kind == Kind::Faq)
        .map(|e| {
            let passages: Vec<Value> = e
                .passages
                .iter()
                .map(|p| json!({ "id": p.id, "text": p.text }))
                .collect();
            json!({ "id": e.id, "title": e.title, "passages": passages })
        })
        .collect();
    Json(json!({ "faq": list }))
}

/// Echoed ids are cut short so a hostile path cannot bloat the error.
fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}
