//! The OpenAPI 3.1 description of the public API at `/api/v1/openapi.json`, generated from the
//! handlers' `#[utoipa::path]` annotations and the `ToSchema` types they serve, then completed
//! with what only the running server knows: the configured limits (as `maxLength`, `maximum`
//! and a pattern that states the word limit exactly) and the answer ids feedback may name.
//! `scripts/test.sh` runs schemathesis against it, so the description and the server cannot
//! drift apart unnoticed.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use utoipa::OpenApi;

use super::error::ErrorBody;
use super::{api, feedback, suggest as suggest_api, AppState};
use crate::engine::suggest;
use crate::engine::{Engine, Limits};

/// The public API: everything under `/api/v1/` and `/healthz`. The pages, the widget's files,
/// `/metrics` and `/admin` are not part of it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Signpost",
        version = "1",
        description = "Answers free-text questions about the local e-gov National Projects programme (England, 2003–2005): its FAQ and a directory of its projects.\n\nEvery error has the shape `{\"error\": {\"code\": \"…\", \"message\": \"…\"}}`; the codes are listed in the README. Every response carries `X-Signpost-Index-Generation`, the index generation that answered. Read endpoints may be called from any origin, without credentials."
    ),
    paths(
        api::ask_get,
        api::ask_post,
        suggest_api::suggest,
        feedback::feedback,
        api::projects,
        api::project,
        api::faq,
        api::healthz,
        openapi_json,
    ),
    // The error responses name the one error shape by reference (see `error_responses`).
    components(schemas(ErrorBody)),
    tags(
        (name = "answers", description = "Questions, completions and feedback"),
        (name = "directory", description = "The project directory and the FAQ"),
        (name = "service", description = "Health and this description"),
    )
)]
pub struct ApiDoc;

/// This description, completed with the running server's limits.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 description of this API", body = Object))
)]
pub async fn openapi_json(State(state): State<AppState>) -> Json<Value> {
    Json(describe(&state.engine()))
}

/// The description for an engine's limits and corpus.
pub fn describe(engine: &Engine) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the description serializes");
    let limits = engine.settings().limits;
    let question = question_schema(&limits);
    let limit = json!({ "type": "integer", "minimum": 1, "maximum": limits.max_results });

    let ask_get = &mut doc["paths"]["/api/v1/ask"]["get"]["parameters"];
    for parameter in ask_get.as_array_mut().into_iter().flatten() {
        match parameter["name"].as_str() {
            Some("q") => {
                parameter["required"] = json!(true);
                parameter["schema"] = question.clone();
            }
            Some("limit") => parameter["schema"] = limit.clone(),
            _ => {}
        }
    }
    let suggest = &mut doc["paths"]["/api/v1/suggest"]["get"]["parameters"];
    for parameter in suggest.as_array_mut().into_iter().flatten() {
        match parameter["name"].as_str() {
            Some("q") => {
                parameter["required"] = json!(true);
                parameter["schema"] = json!({
                    "type": "string", "minLength": 2, "maxLength": suggest::MAX_CHARS,
                    "pattern": SUGGEST_PATTERN,
                });
            }
            Some("limit") => {
                parameter["schema"] =
                    json!({ "type": "integer", "minimum": 1, "maximum": suggest::MAX_RESULTS });
            }
            _ => {}
        }
    }
    let schemas = &mut doc["components"]["schemas"];
    let body = &mut schemas["AskBody"];
    body["required"] = json!(["q"]);
    body["properties"]["q"] = with_description(&question, "The question, in any words.");
    body["properties"]["limit"] = json!({
        "type": ["integer", "null"], "minimum": 1, "maximum": limits.max_results,
        "description": "How many passages to list."
    });

    let ids: Vec<&str> = engine.entries().iter().map(|e| e.id.as_str()).collect();
    let feedback = &mut schemas["FeedbackBody"];
    feedback["required"] = json!(["answer_id", "question", "helpful"]);
    feedback["properties"]["answer_id"] = json!({
        "type": "string", "enum": ids,
        "description": "The `answer.id` of the answer being rated."
    });
    feedback["properties"]["question"] =
        with_description(&question, "The question that was answered.");
    feedback["properties"]["helpful"] = json!({ "type": "boolean" });
    feedback["properties"]["comment"] = json!({
        "type": ["string", "null"], "maxLength": crate::store::MAX_COMMENT_CHARS,
        "description": "What was wrong or missing."
    });

    // Examples that exist, so generated requests reach a real project.
    if let Some(project) = engine
        .entries()
        .iter()
        .find(|e| e.kind == signpost_indexer::Kind::Project)
    {
        let slug = &mut doc["paths"]["/api/v1/projects/{slug}"]["get"]["parameters"][0];
        slug["example"] = json!(project.id);
    }
    doc
}

fn with_description(schema: &Value, description: &str) -> Value {
    let mut schema = schema.clone();
    schema["description"] = json!(description);
    schema
}

/// Whitespace as Rust's `char::is_whitespace` knows it, as a regex character-class body.
const WHITESPACE: &str =
    r"\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// The word-count pattern: whole words (runs of non-whitespace), at most `max_words`.
/// Each word must end at whitespace or the end, so a word is never split into two matches
/// and a long refusal costs linear, not exponential, backtracking.
pub fn words_pattern(max_words: usize) -> String {
    format!("^[{WHITESPACE}]*(?:[^{WHITESPACE}]+(?:[{WHITESPACE}]+|$)){{1,{max_words}}}$")
}

/// Suggest text: no control characters, except tabs and line breaks at either end. (Whether
/// it has two letters or digits and at most 12 words depends on Unicode's word boundaries,
/// which no pattern states exactly; the parameter's description says so.)
pub const SUGGEST_PATTERN: &str = concat!(
    r"^[\t\n\r \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*",
    r"[^\x00-\x1F\x7F-\x9F]*",
    r"[\t\n\r \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
);

/// Something other than whitespace and control characters somewhere in the text.
pub const VISIBLE_PATTERN: &str = concat!(
    "[^",
    r"\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000",
    "]"
);

/// No NUL anywhere: a question with one is refused (400 `control_characters`).
pub const NO_NUL_PATTERN: &str = r"^[^\x00]*$";

/// A question the answer endpoint accepts, exactly: at most `max_chars` characters, at most
/// `max_words` words, no NUL, and at least one character that is neither whitespace nor a
/// control character. (Several patterns, since JSON Schema patterns have no lookahead in
/// common.)
pub fn question_schema(limits: &Limits) -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": limits.max_chars,
        "pattern": words_pattern(limits.max_words),
        "allOf": [{ "pattern": VISIBLE_PATTERN }, { "pattern": NO_NUL_PATTERN }],
    })
}
