//! The one error table of the HTTP API: every failure becomes
//! `{"error": {"code": "snake_case", "message": "…"}}` with a fitting status. Internal errors
//! are logged and answered with a generic message: no paths or panic text reach a client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::engine::{QuestionError, SuggestError};

/// Every error an endpoint can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Question(#[from] QuestionError),
    #[error(transparent)]
    Suggest(#[from] SuggestError),
    #[error("the request body is not valid JSON for this endpoint: {0}")]
    MalformedJson(String),
    #[error("send the body as JSON with `Content-Type: application/json`")]
    UnsupportedMediaType,
    #[error("the query string is not valid for this endpoint: {0}")]
    BadQueryString(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("no project has the id `{0}`")]
    UnknownProject(String),
    #[error("there is nothing at this address")]
    NotFound,
    #[error("this address does not accept that method")]
    MethodNotAllowed,
    #[error("{0}")]
    InvalidFeedback(String),
    #[error("there is no answer with the id `{0}` to give feedback on")]
    UnknownAnswer(String),
    #[error("the comment is longer than {max} characters")]
    CommentTooLong { max: usize },
    #[error("feedback is not collected on this server")]
    FeedbackDisabled,
    #[error("send the admin token as `Authorization: Bearer TOKEN`")]
    Unauthorized,
    #[error("that admin token is not valid")]
    Forbidden,
    #[error("{0}")]
    BadPeriod(String),
    #[error("there is no list called `{0}` to export")]
    UnknownExport(String),
    #[error("the analytics store cannot be read right now")]
    StoreUnavailable(String),
    #[error("something went wrong on our side; please try again")]
    Internal(String),
}

impl ApiError {
    /// The status and stable code for each variant: the API's error table.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Question(QuestionError::Empty) => (StatusCode::BAD_REQUEST, "empty_question"),
            ApiError::Question(QuestionError::TooLong { .. }) => {
                (StatusCode::BAD_REQUEST, "question_too_long")
            }
            ApiError::Question(QuestionError::TooManyWords { .. }) => {
                (StatusCode::BAD_REQUEST, "too_many_words")
            }
            ApiError::Question(QuestionError::BadLimit { .. }) => {
                (StatusCode::BAD_REQUEST, "bad_limit")
            }
            ApiError::Suggest(SuggestError::Empty) => (StatusCode::BAD_REQUEST, "empty_query"),
            ApiError::Suggest(SuggestError::TooShort { .. }) => {
                (StatusCode::BAD_REQUEST, "query_too_short")
            }
            ApiError::Suggest(SuggestError::TooLong { .. }) => {
                (StatusCode::BAD_REQUEST, "query_too_long")
            }
            ApiError::Suggest(SuggestError::TooManyWords { .. }) => {
                (StatusCode::BAD_REQUEST, "too_many_words")
            }
            ApiError::Suggest(SuggestError::ControlCharacters) => {
                (StatusCode::BAD_REQUEST, "control_characters")
            }
            ApiError::Suggest(SuggestError::BadLimit { .. }) => {
                (StatusCode::BAD_REQUEST, "bad_limit")
            }
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::BadQueryString(_) => (StatusCode::BAD_REQUEST, "bad_query_string"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnknownProject(_) => (StatusCode::NOT_FOUND, "unknown_project"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::InvalidFeedback(_) => (StatusCode::BAD_REQUEST, "invalid_feedback"),
            ApiError::UnknownAnswer(_) => (StatusCode::BAD_REQUEST, "unknown_answer"),
            ApiError::CommentTooLong { .. } => (StatusCode::BAD_REQUEST, "comment_too_long"),
            ApiError::FeedbackDisabled => (StatusCode::NOT_FOUND, "feedback_disabled"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::BadPeriod(_) => (StatusCode::BAD_REQUEST, "bad_period"),
            ApiError::UnknownExport(_) => (StatusCode::NOT_FOUND, "unknown_export"),
            ApiError::StoreUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(detail, "internal error");
                self.to_string()
            }
            ApiError::StoreUnavailable(detail) => {
                tracing::warn!(detail, "analytics store unavailable");
                self.to_string()
            }
            other => other.to_string(),
        };
        let mut response = (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response();
        if matches!(self, ApiError::Unauthorized) {
            // Basic lets a content editor's browser ask for the token; Bearer is for scripts.
            let headers = response.headers_mut();
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"signpost-admin\""),
            );
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"signpost-admin\", charset=\"UTF-8\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_detail() {
        let err = ApiError::Internal("/secret/path: boom".into());
        assert!(!err.to_string().contains("secret"));
        assert_eq!(
            err.status_and_code(),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        );
        let err = ApiError::StoreUnavailable("/data/signpost.sqlite3: disk I/O error".into());
        assert!(!err.to_string().contains("data"));
    }

    #[test]
    fn unauthorized_asks_for_credentials() {
        let response = ApiError::Unauthorized.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenges: Vec<_> = response
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(
            challenges.iter().any(|c| c.starts_with("Bearer")),
            "{challenges:?}"
        );
        assert!(
            challenges.iter().any(|c| c.starts_with("Basic")),
            "{challenges:?}"
        );
    }
}
