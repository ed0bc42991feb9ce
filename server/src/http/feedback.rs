//! `POST /api/v1/feedback`: the widget's "Was this helpful?" vote, with an optional comment.
//! The body is validated (a known answer id, a question within the question limits, a
//! yes/no vote, a comment of at most [`MAX_COMMENT_CHARS`]), redacted when the record is made,
//! and queued for the store; the reply is 202 whether or not the store manages to write it,
//! because the person voting can do nothing about a full disk.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::ApiJson;
use super::AppState;
use crate::engine::question;
use crate::store::{now_unix, FeedbackRecord, MAX_ANSWER_ID_CHARS, MAX_COMMENT_CHARS};

/// Where clients send feedback; the ask response carries it as `feedback_url`.
pub const FEEDBACK_PATH: &str = "/api/v1/feedback";

/// The request body. Every field is optional here so a missing one gets a message naming it.
#[derive(Debug, Deserialize)]
pub struct FeedbackBody {
    #[serde(default)]
    pub answer_id: Option<String>,
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub helpful: Option<bool>,
    #[serde(default)]
    pub comment: Option<String>,
}

pub async fn feedback(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<FeedbackBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let store = state.store().ok_or(ApiError::FeedbackDisabled)?;
    let engine = state.engine();

    let answer_id = body.answer_id.as_deref().map(str::trim).unwrap_or("");
    if answer_id.is_empty() {
        return Err(ApiError::InvalidFeedback(
            "`answer_id` is required: the `answer.id` of the answer being rated".into(),
        ));
    }
    if answer_id.chars().count() > MAX_ANSWER_ID_CHARS || engine.entry(answer_id).is_none() {
        return Err(ApiError::UnknownAnswer(
            answer_id.chars().take(64).collect(),
        ));
    }
    let q = body.question.as_deref().unwrap_or("");
    let q = question::validate(q, &engine.settings().limits)?;
    let helpful = body
        .helpful
        .ok_or_else(|| ApiError::InvalidFeedback("`helpful` is required: true or false".into()))?;
    let comment = body.comment.as_deref().filter(|c| !c.trim().is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(ApiError::CommentTooLong {
            max: MAX_COMMENT_CHARS,
        });
    }

    store.record_feedback(FeedbackRecord::new(
        now_unix(),
        answer_id,
        q,
        helpful,
        comment,
    ));
    state.metrics().observe_feedback(helpful);
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "accepted", "message": "Thank you for your feedback." })),
    ))
}
