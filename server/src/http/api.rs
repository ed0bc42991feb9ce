//! The JSON API handlers under `/api/v1/` and `/healthz`. Each handler validates its input,
//! searches only through the search service ([`Search`]), and answers in the shapes
//! `docs/DESIGN.md` gives.

use std::time::Instant;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use signpost_indexer::corpus::{Entry, Kind};
use utoipa::{IntoParams, ToSchema};

use super::ask_query::AskQuery;
use super::error::{
    endpoint_errors, ApiError, Documented, ErrorKind, BUSY, NOT_JSON, RATE_LIMITED, TIMED_OUT,
    TOO_LARGE,
};
use super::extract::{ApiJson, ApiPath};
use super::feedback::FEEDBACK_PATH;
use super::search::Search;
use super::AppState;
use crate::engine::{AskRequest, AskResponse, Context, Engine};
use crate::store::{now_unix, AskRecord};

/// `GET /api/v1/ask` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AskParams {
    /// The question, in any words.
    pub q: Option<String>,
    /// Which council site the widget is on (recorded with the question, nothing else).
    pub site: Option<String>,
    /// How many passages to list.
    #[serde(default, deserialize_with = "super::extract::optional_count_text")]
    pub limit: Option<usize>,
}

/// `POST /api/v1/ask` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AskBody {
    /// The question, in any words.
    #[serde(default)]
    pub q: String,
    /// Which council site the widget is on.
    #[serde(default)]
    pub site: Option<String>,
    /// How many passages to list.
    #[serde(default, deserialize_with = "super::extract::optional_count")]
    pub limit: Option<usize>,
    /// The previous answer's `context`, to ask a follow-up such as "who led it?".
    #[serde(default, deserialize_with = "super::extract::optional_object")]
    pub context: Option<Context>,
}

endpoint_errors! {
    /// What `GET /api/v1/ask` may answer instead.
    pub AskGetErrors = [
        Documented::new(
            &[
                ErrorKind::BadQueryString,
                ErrorKind::EmptyQuestion,
                ErrorKind::QuestionTooLong,
                ErrorKind::QuestionTooManyWords,
                ErrorKind::QuestionBadLimit,
                ErrorKind::NulInQuestion,
            ],
            "The question is empty or over the limits, or `limit` is out of range",
        ),
        TIMED_OUT,
        RATE_LIMITED,
        BUSY,
    ];
}

endpoint_errors! {
    /// What `POST /api/v1/ask` may answer instead.
    pub AskPostErrors = [
        Documented::new(
            &[
                ErrorKind::MalformedJson,
                ErrorKind::EmptyQuestion,
                ErrorKind::QuestionTooLong,
                ErrorKind::QuestionTooManyWords,
                ErrorKind::QuestionBadLimit,
                ErrorKind::NulInQuestion,
            ],
            "Malformed JSON, a question that is empty or over the limits, or `limit` out of range",
        ),
        TIMED_OUT,
        TOO_LARGE,
        NOT_JSON,
        RATE_LIMITED,
        BUSY,
    ];
}

/// Answers a question given in the query string.
#[utoipa::path(
    get,
    path = "/api/v1/ask",
    tag = "answers",
    params(AskParams),
    responses(
        (status = 200, description = "The answer, the passages behind it and the projects worth a look", body = AskResponse),
        AskGetErrors,
    )
)]
pub async fn ask_get(
    State(state): State<AppState>,
    search: Search,
    AskQuery(params): AskQuery,
) -> Result<AnswerJson, ApiError> {
    let request = AskRequest {
        q: params.q.unwrap_or_default(),
        limit: params.limit,
        context: None,
    };
    ask(state, search, request, params.site).await
}

/// Answers a question sent as JSON, optionally as a follow-up to a previous answer.
#[utoipa::path(
    post,
    path = "/api/v1/ask",
    tag = "answers",
    request_body = AskBody,
    responses(
        (status = 200, description = "The answer, the passages behind it and the projects worth a look", body = AskResponse),
        AskPostErrors,
    )
)]
pub async fn ask_post(
    State(state): State<AppState>,
    search: Search,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<AnswerJson, ApiError> {
    let request = AskRequest {
        q: body.q,
        limit: body.limit,
        context: body.context,
    };
    ask(state, search, request, body.site).await
}

/// Answers, then counts the answer and hands a redacted record of it to the store. Recording
/// only queues (it never waits or fails), so the answer is returned whatever the store's
/// state.
async fn ask(
    state: AppState,
    search: Search,
    request: AskRequest,
    site: Option<String>,
) -> Result<AnswerJson, ApiError> {
    let started = Instant::now();
    let mut response = search.ask(request).await?;
    state
        .metrics()
        .observe_answer(started.elapsed(), response.answer.is_some());
    if let Some(store) = state.store() {
        store.record_ask(
            AskRecord::new(
                now_unix(),
                site.as_deref(),
                &response.query,
                response
                    .answer
                    .as_ref()
                    .map(|a| (a.id.as_str(), a.confidence)),
                response.passages.len(),
            )
            .with_outcome(
                response.answer.as_ref().map(|a| a.kind.as_str()),
                response.declined.as_deref(),
            ),
        );
        response.feedback_url = Some(FEEDBACK_PATH.to_string());
    }
    Ok(AnswerJson(response))
}

/// An answer sent as JSON.
pub struct AnswerJson(pub AskResponse);

impl IntoResponse for AnswerJson {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0.to_json(),
        )
            .into_response()
    }
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `draining` (with status 503) while a stopping server still serves.
    pub status: &'static str,
    /// Entries (FAQ questions, projects, assistant replies) in the index serving.
    pub entries: usize,
    pub passages: usize,
    /// The index generation serving (also in the `X-Signpost-Index-Generation` header).
    pub generation: u64,
}

/// Says the server is up and which index it serves. Never rate-limited, never waits for a
/// search.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses(
        (status = 200, description = "The server is up", body = Health),
        (status = 503, description = "The server is stopping: it still answers for `--drain-secs`, so a load balancer should send new requests elsewhere", body = Health)
    )
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let engine = state.engine();
    let corpus = &engine.index().manifest.corpus;
    let (status, word) = if state.draining().is_on() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        (StatusCode::OK, "ok")
    };
    let health = Health {
        status: word,
        entries: corpus.entries.len(),
        passages: corpus.passage_count(),
        generation: crate::index_setup::generation_of(&engine.index().dir),
    };
    (status, Json(health))
}

/// A project as the directory lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectSummary {
    /// The project's slug.
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub summary: String,
    /// The lead authority, when the sources record one.
    pub lead: Option<String>,
    /// `building-block`, `priority-service` or `unknown`.
    pub strand: String,
    /// The project's page.
    pub url: String,
}

fn summary(entry: &Entry) -> Option<ProjectSummary> {
    let p = entry.project.as_ref()?;
    Some(ProjectSummary {
        id: entry.id.clone(),
        name: p.name.clone(),
        short_name: p.short_name.clone(),
        summary: p.summary.clone(),
        lead: p.lead.clone(),
        strand: p.strand.as_str().to_string(),
        url: entry.url().unwrap_or_default(),
    })
}

/// How many projects the programme had, as the FAQ says; the directory covers fewer.
pub const PROGRAMME_PROJECTS: usize = 22;

/// `GET /api/v1/projects`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    /// How many projects the programme had (22); the directory covers fewer.
    pub programme_projects: usize,
    pub count: usize,
    pub projects: Vec<ProjectSummary>,
}

endpoint_errors! {
    /// What the directory's and the FAQ's lists may answer instead.
    pub ReadErrors = [RATE_LIMITED];
}

endpoint_errors! {
    /// What `GET /api/v1/projects/{slug}` may answer instead.
    pub ProjectErrors = [
        Documented::new(
            &[ErrorKind::BadPath],
            "The slug is not valid UTF-8 once decoded",
        ),
        Documented::new(
            &[ErrorKind::UnknownProject],
            "No project has this slug",
        ),
        RATE_LIMITED,
    ];
}

/// Lists every project in the directory.
#[utoipa::path(
    get,
    path = "/api/v1/projects",
    tag = "directory",
    responses(
        (status = 200, description = "The project directory", body = ProjectList),
        ReadErrors,
    )
)]
pub async fn projects(State(state): State<AppState>) -> Json<ProjectList> {
    let engine = state.engine();
    let projects: Vec<_> = engine.entries().iter().filter_map(summary).collect();
    Json(ProjectList {
        programme_projects: PROGRAMME_PROJECTS,
        count: projects.len(),
        projects,
    })
}

/// Shows one project: names, lead, partners, strand, sections of text, sources.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{slug}",
    tag = "directory",
    params(("slug" = String, Path, description = "The project's slug, e.g. `parsol`")),
    responses(
        (status = 200, description = "The project", body = ProjectDetail),
        ProjectErrors,
    )
)]
pub async fn project(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ProjectDetail>, ApiError> {
    let engine = state.engine();
    let entry = engine
        .entry(&slug)
        .filter(|e| e.kind == Kind::Project)
        .ok_or_else(|| ApiError::UnknownProject(truncate(&slug)))?;
    Ok(Json(project_detail(&engine, entry)))
}

/// A passage as the directory and the FAQ list it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassageText {
    pub id: String,
    pub text: String,
}

/// The passages under one heading of a project's text.
#[derive(Debug, Serialize, ToSchema)]
pub struct Section {
    /// The heading; empty for text before the first heading.
    pub heading: String,
    pub passages: Vec<PassageText>,
}

/// An entry a project points to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Related {
    pub id: String,
    /// `faq`, `project` or `assistant`.
    pub kind: String,
    pub title: String,
    pub url: Option<String>,
}

/// Everything the directory knows about one project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetail {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub title: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub lead: Option<String>,
    pub partners: Vec<String>,
    pub strand: String,
    pub keywords: Vec<String>,
    /// Where the facts come from.
    pub sources: Vec<String>,
    pub sections: Vec<Section>,
    pub related: Vec<Related>,
    pub url: Option<String>,
}

/// Everything the directory knows about one project, passages grouped by section.
pub fn project_detail(engine: &Engine, entry: &Entry) -> ProjectDetail {
    let p = entry
        .project
        .as_ref()
        .expect("callers pass project entries");
    let mut sections: Vec<Section> = Vec::new();
    for (number, (passage, text)) in entry
        .written_passages()
        .iter()
        .zip(engine.passage_texts(entry))
        .enumerate()
    {
        let heading = passage.section.as_deref().unwrap_or("");
        if sections.last().is_none_or(|s| s.heading != heading) {
            sections.push(Section {
                heading: heading.to_string(),
                passages: Vec::new(),
            });
        }
        let last = sections.last_mut().expect("pushed above");
        last.passages.push(PassageText {
            id: entry.passage_id(number),
            text: text.into_owned(),
        });
    }
    let related = entry
        .related
        .iter()
        .filter_map(|id| engine.entry(id))
        .map(|e| Related {
            id: e.id.clone(),
            kind: e.kind.as_str().to_string(),
            title: e.title.clone(),
            url: e.url(),
        })
        .collect();
    ProjectDetail {
        id: entry.id.clone(),
        name: p.name.clone(),
        short_name: p.short_name.clone(),
        title: entry.title.clone(),
        aliases: p.aliases.clone(),
        summary: p.summary.clone(),
        lead: p.lead.clone(),
        partners: p.partners.clone(),
        strand: p.strand.as_str().to_string(),
        keywords: p.keywords.clone(),
        sources: p.sources.clone(),
        sections,
        related,
        url: entry.url(),
    }
}

/// One FAQ question with its passages.
#[derive(Debug, Serialize, ToSchema)]
pub struct FaqEntry {
    pub id: String,
    /// The question exactly as the programme published it.
    pub title: String,
    pub passages: Vec<PassageText>,
}

/// `GET /api/v1/faq`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FaqList {
    pub faq: Vec<FaqEntry>,
}

/// Lists the FAQ, question by question.
#[utoipa::path(
    get,
    path = "/api/v1/faq",
    tag = "directory",
    responses(
        (status = 200, description = "The FAQ", body = FaqList),
        ReadErrors,
    )
)]
pub async fn faq(State(state): State<AppState>) -> Json<FaqList> {
    let engine = state.engine();
    let faq = engine
        .entries()
        .iter()
        .filter(|e| e.kind == Kind::Faq)
        .map(|e| FaqEntry {
            id: e.id.clone(),
            title: e.title.clone(),
            passages: engine
                .passage_texts(e)
                .enumerate()
                .map(|(number, text)| PassageText {
                    id: e.passage_id(number),
                    text: text.into_owned(),
                })
                .collect(),
        })
        .collect();
    Json(FaqList { faq })
}

/// Echoed ids are cut short so a hostile path cannot bloat the error.
fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}
