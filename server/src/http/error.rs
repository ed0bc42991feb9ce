//! The one error table of the HTTP API: every failure becomes
//! `{"error": {"code": "snake_case", "message": "…"}}` with a fitting status. Internal errors
//! are logged and answered with a generic message: no paths or panic text reach a client.

use axum::http::StatusCode;
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
            other => other.to_string(),
        };
        (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response()
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
    }
}
