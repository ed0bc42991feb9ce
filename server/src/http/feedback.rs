//! `POST /api/v1/feedback`: the widget's "Was this helpful?" vote, with an optional comment.
//! The body is validated (a known answer id, a question within the question limits, a
//! yes/no vote, a comment of at most [`MAX_COMMENT_CHARS`]; an optional site id, cleaned as
//! an ask's is, so the report can show votes per site), redacted when the record is made,
//! and queued for the store; the reply is 202 whether or not the store manages to write it,
//! because the person voting can do nothing about a full disk.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{
    endpoint_errors, ApiError, Documented, ErrorKind, NOT_JSON, RATE_LIMITED, TIMED_OUT, TOO_LARGE,
};
use super::extract::ApiJson;
use super::AppState;
use crate::engine::question;
use crate::store::{now_unix, FeedbackRecord, MAX_ANSWER_ID_CHARS, MAX_COMMENT_CHARS};

/// Where clients send feedback; the ask response carries it as `feedback_url`.
pub const FEEDBACK_PATH: &str = "/api/v1/feedback";

/// The request body. Every field is optional here so a missing one gets a message naming it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackBody {
    /// The `answer.id` of the answer being rated.
    #[serde(default)]
    pub answer_id: Option<String>,
    /// The question that was answered (within the question limits).
    #[serde(default)]
    pub question: Option<String>,
    /// Was the answer helpful?
    #[serde(default)]
    pub helpful: Option<bool>,
    /// What was wrong or missing, at most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
    /// Which council site the widget is on, as sent with the question (recorded with the
    /// vote, nothing else).
    #[serde(default)]
    pub site: Option<String>,
}

/// The reply to accepted feedback.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackReply {
    /// Always `accepted`.
    pub status: &'static str,
    pub message: &'static str,
}

endpoint_errors! {
    /// What `POST /api/v1/feedback` may answer instead.
    pub FeedbackErrors = [
        Documented::new(
            &[
                ErrorKind::MalformedJson,
                ErrorKind::InvalidFeedback,
                ErrorKind::UnknownAnswer,
                ErrorKind::EmptyQuestion,
                ErrorKind::QuestionTooLong,
                ErrorKind::QuestionTooManyWords,
                ErrorKind::NulInQuestion,
                ErrorKind::CommentTooLong,
            ],
            "A field is missing or invalid, or the answer id is unknown",
        ),
        Documented::new(
            &[ErrorKind::OriginNotAllowed],
            "A browser on an origin not allowed to send feedback",
        ),
        Documented::new(
            &[ErrorKind::FeedbackDisabled],
            "This server does not collect feedback",
        ),
        TIMED_OUT,
        TOO_LARGE,
        NOT_JSON,
        RATE_LIMITED,
    ];
}

/// Records a "Was this helpful?" vote on an answer, with an optional comment; redacted
/// before it is stored.
#[utoipa::path(
    post,
    path = "/api/v1/feedback",
    tag = "answers",
    request_body = FeedbackBody,
    responses(
        (status = 202, description = "Accepted (queued for the store)", body = FeedbackReply),
        FeedbackErrors,
    )
)]
pub async fn feedback(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<FeedbackBody>,
) -> Result<(StatusCode, Json<FeedbackReply>), ApiError> {
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
    let limits = &engine.settings().limits;
    // The length as sent, spaces included, as the OpenAPI description's `maxLength` counts.
    if q.chars().count() > limits.max_chars {
        return Err(question::QuestionError::TooLong {
            max: limits.max_chars,
        }
        .into());
    }
    let q = question::validate(q, limits)?;
    // Refused as the question itself is when asked.
    if q.contains('\0') {
        return Err(ApiError::NulInQuestion);
    }
    let helpful = body
        .helpful
        .ok_or_else(|| ApiError::InvalidFeedback("`helpful` is required: true or false".into()))?;
    let comment = body.comment.as_deref().filter(|c| !c.trim().is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(ApiError::CommentTooLong {
            max: MAX_COMMENT_CHARS,
        });
    }

    store.record_feedback(
        FeedbackRecord::new(now_unix(), answer_id, q, helpful, comment)
            .with_site(body.site.as_deref()),
    );
    state.metrics().observe_feedback(helpful);
    Ok((
        StatusCode::ACCEPTED,
        Json(FeedbackReply {
            status: "accepted",
            message: "Thank you for your feedback.",
        }),
    ))
}
