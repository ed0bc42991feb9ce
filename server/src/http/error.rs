//! The one error table of the HTTP API: every failure becomes
//! `{"error": {"code": "snake_case", "message": "…"}}` with a fitting status. Internal errors
//! are logged and answered with a generic message: no paths or panic text reach a client.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::engine::{QuestionError, SuggestError};

/// The one error shape, as sent: `{"error": {"code": "…", "message": "…"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case, for programs: see the error table in README.md.
    pub code: &'static str,
    /// For people; may change.
    pub message: String,
}

/// What an error response said, kept on the response so a page route can show it as the
/// site's HTML error page instead (see [`super::policy::Errors`]).
#[derive(Debug, Clone)]
pub struct ShownError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

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
    #[error("the address is not valid: {0}")]
    BadPath(String),
    #[error("the question contains a NUL character")]
    NulInQuestion,
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
    #[error("the request took too long and was abandoned; please try again")]
    RequestTimeout,
    #[error("too many requests from this address; wait {} s (Retry-After) before trying again", retry_secs(.retry_after))]
    RateLimited { retry_after: Duration },
    #[error("the server is busy answering other questions; wait {} s (Retry-After) before trying again", retry_secs(.retry_after))]
    Busy { retry_after: Duration },
    #[error("this origin may not call this endpoint")]
    OriginNotAllowed,
    #[error("a reindex is already running; try again when it has finished")]
    ReindexInProgress,
    #[error("the corpus has problems, so the index was not rebuilt and the previous one is still serving: {0}")]
    CorpusInvalid(String),
    /// `detail` (the whole error, with the server's paths) is logged, never sent.
    #[error("the new index could not be built ({stage} failed; the server log has the details), so the previous one is still serving")]
    ReindexFailed { stage: &'static str, detail: String },
    #[error("this change was sent from another site: admin changes are accepted only from the admin pages themselves")]
    CrossSiteWrite,
    #[error(
        "the form is out of date or was not issued by this server: reload the page and try again"
    )]
    BadFormToken,
    #[error("{0}")]
    BadFix(String),
    #[error("this change makes {0} questions that were answered right answer wrongly: confirm it to go ahead")]
    ConfirmBreaks(usize),
    #[error("there is no learned phrasing {0} in force to undo")]
    NothingToUndo(i64),
    #[error("something went wrong on our side; please try again")]
    Internal(String),
}

/// Whole seconds to wait, rounded up, at least one: what `Retry-After` carries.
pub fn retry_secs(wait: &Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
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
            ApiError::BadPath(_) => (StatusCode::BAD_REQUEST, "bad_path"),
            ApiError::NulInQuestion => (StatusCode::BAD_REQUEST, "control_characters"),
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
            ApiError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::OriginNotAllowed => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            ApiError::ReindexInProgress => (StatusCode::CONFLICT, "reindex_in_progress"),
            ApiError::CorpusInvalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "corpus_invalid"),
            ApiError::ReindexFailed { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "reindex_failed"),
            ApiError::CrossSiteWrite => (StatusCode::FORBIDDEN, "cross_site_write"),
            ApiError::BadFormToken => (StatusCode::FORBIDDEN, "bad_form_token"),
            ApiError::BadFix(_) => (StatusCode::BAD_REQUEST, "bad_fix"),
            ApiError::ConfirmBreaks(_) => (StatusCode::CONFLICT, "confirm_breaks"),
            ApiError::NothingToUndo(_) => (StatusCode::NOT_FOUND, "nothing_to_undo"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// One error of every kind, in table order: what the README's error table lists.
    pub fn examples() -> Vec<ApiError> {
        let wait = Duration::from_secs(1);
        let all = vec![
            ApiError::Question(QuestionError::Empty),
            ApiError::Question(QuestionError::TooLong { max: 500 }),
            ApiError::Question(QuestionError::TooManyWords { max: 80 }),
            ApiError::Question(QuestionError::BadLimit { max: 20 }),
            ApiError::BadQueryString("…".into()),
            ApiError::BadPath("…".into()),
            ApiError::NulInQuestion,
            ApiError::MalformedJson("…".into()),
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge,
            ApiError::RequestTimeout,
            ApiError::RateLimited { retry_after: wait },
            ApiError::Busy { retry_after: wait },
            ApiError::UnknownProject("…".into()),
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::Suggest(SuggestError::Empty),
            ApiError::Suggest(SuggestError::TooShort { min: 2 }),
            ApiError::Suggest(SuggestError::TooLong { max: 100 }),
            ApiError::Suggest(SuggestError::TooManyWords { max: 12 }),
            ApiError::Suggest(SuggestError::ControlCharacters),
            ApiError::Suggest(SuggestError::BadLimit { max: 8 }),
            ApiError::InvalidFeedback("…".into()),
            ApiError::UnknownAnswer("…".into()),
            ApiError::CommentTooLong {
                max: crate::store::MAX_COMMENT_CHARS,
            },
            ApiError::FeedbackDisabled,
            ApiError::OriginNotAllowed,
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::BadPeriod("…".into()),
            ApiError::UnknownExport("…".into()),
            ApiError::StoreUnavailable("…".into()),
            ApiError::ReindexInProgress,
            ApiError::CorpusInvalid("…".into()),
            ApiError::ReindexFailed {
                stage: "writing the index",
                detail: "…".into(),
            },
            ApiError::CrossSiteWrite,
            ApiError::BadFormToken,
            ApiError::BadFix("…".into()),
            ApiError::ConfirmBreaks(1),
            ApiError::NothingToUndo(1),
            ApiError::Internal("…".into()),
        ];
        // A new variant does not compile until it is named here, and so listed above.
        for error in &all {
            match error {
                ApiError::Question(
                    QuestionError::Empty
                    | QuestionError::TooLong { .. }
                    | QuestionError::TooManyWords { .. }
                    | QuestionError::BadLimit { .. },
                )
                | ApiError::Suggest(
                    SuggestError::Empty
                    | SuggestError::TooShort { .. }
                    | SuggestError::TooLong { .. }
                    | SuggestError::TooManyWords { .. }
                    | SuggestError::ControlCharacters
                    | SuggestError::BadLimit { .. },
                )
                | ApiError::MalformedJson(_)
                | ApiError::UnsupportedMediaType
                | ApiError::BadQueryString(_)
                | ApiError::BadPath(_)
                | ApiError::NulInQuestion
                | ApiError::PayloadTooLarge
                | ApiError::UnknownProject(_)
                | ApiError::NotFound
                | ApiError::MethodNotAllowed
                | ApiError::RequestTimeout
                | ApiError::RateLimited { .. }
                | ApiError::Busy { .. }
                | ApiError::InvalidFeedback(_)
                | ApiError::UnknownAnswer(_)
                | ApiError::CommentTooLong { .. }
                | ApiError::FeedbackDisabled
                | ApiError::Unauthorized
                | ApiError::Forbidden
                | ApiError::BadPeriod(_)
                | ApiError::UnknownExport(_)
                | ApiError::StoreUnavailable(_)
                | ApiError::OriginNotAllowed
                | ApiError::ReindexInProgress
                | ApiError::CorpusInvalid(_)
                | ApiError::ReindexFailed { .. }
                | ApiError::CrossSiteWrite
                | ApiError::BadFormToken
                | ApiError::BadFix(_)
                | ApiError::ConfirmBreaks(_)
                | ApiError::NothingToUndo(_)
                | ApiError::Internal(_) => {}
            }
        }
        all
    }

    /// When an endpoint answers with this error: the README table's last column.
    pub fn when(&self) -> &'static str {
        match self {
            ApiError::Question(QuestionError::Empty) => "`q` missing, empty or only whitespace",
            ApiError::Question(QuestionError::TooLong { .. }) => {
                "a question over 500 characters (configurable)"
            }
            ApiError::Question(QuestionError::TooManyWords { .. })
            | ApiError::Suggest(SuggestError::TooManyWords { .. }) => {
                "a question over 80 words (configurable), or suggest text over 12"
            }
            ApiError::Question(QuestionError::BadLimit { .. })
            | ApiError::Suggest(SuggestError::BadLimit { .. }) => {
                "`limit` outside 1..=20 for ask (configurable) or 1..=8 for suggest"
            }
            ApiError::Suggest(SuggestError::Empty) => "`/api/v1/suggest` without `q`",
            ApiError::Suggest(SuggestError::TooShort { .. }) => {
                "suggest text with fewer than 2 letters or digits"
            }
            ApiError::Suggest(SuggestError::TooLong { .. }) => "suggest text over 100 characters",
            ApiError::Suggest(SuggestError::ControlCharacters) => {
                "suggest text with control characters, or a question with a NUL character"
            }
            ApiError::MalformedJson(_) => "a POST body that is not the expected JSON",
            ApiError::UnsupportedMediaType => {
                "a POST body without `Content-Type: application/json`"
            }
            ApiError::BadQueryString(_) => "a query parameter of the wrong type",
            ApiError::BadPath(_) => {
                "a path parameter that is not valid UTF-8 once decoded, e.g. `/api/v1/projects/%FF`"
            }
            ApiError::NulInQuestion => "a question with a NUL character, or suggest text with control characters",
            ApiError::PayloadTooLarge => {
                "a body over 16 KiB (configurable), refused from `Content-Length` before it is read"
            }
            ApiError::UnknownProject(_) => {
                "`/api/v1/projects/{slug}` for a slug not in the directory"
            }
            ApiError::NotFound => "any other unknown address (and `/admin` when it is off)",
            ApiError::MethodNotAllowed => "e.g. `DELETE /api/v1/ask`",
            ApiError::InvalidFeedback(_) => "feedback without `answer_id` or `helpful`",
            ApiError::UnknownAnswer(_) => "feedback on an `answer_id` that is not an answer",
            ApiError::CommentTooLong { .. } => "a feedback comment over 500 characters",
            ApiError::FeedbackDisabled => "feedback sent to a server whose store is off",
            ApiError::Unauthorized => "`/admin` without credentials",
            ApiError::Forbidden => "`/admin` with the wrong token",
            ApiError::BadPeriod(_) => "`/admin?since=` that is not a number of days such as `30d`",
            ApiError::UnknownExport(_) => {
                "`/admin/export/{list}.csv` for a list that does not exist"
            }
            ApiError::StoreUnavailable(_) => {
                "the report cannot read the store; details are logged"
            }
            ApiError::RequestTimeout => {
                "a request, reading its body included, took over 10 s (configurable)"
            }
            ApiError::RateLimited { .. } => {
                "a client over its allowance on the API, `/admin/` or a page that searches (`/lookup`, `/projects`) (300 a minute, bursts of 60; configurable); `Retry-After` says when to try again; pages show it as the site's error page"
            }
            ApiError::Busy { .. } => {
                "every search place is taken (64 at once, configurable; ask, suggest, `/lookup?q=` and `/projects?q=` all take one); `Retry-After: 1`"
            }
            ApiError::OriginNotAllowed => {
                "a browser write (feedback) from an origin not in `SIGNPOST_WRITE_ORIGINS`"
            }
            ApiError::ReindexInProgress => "`POST /admin/reindex` while another reindex runs",
            ApiError::CorpusInvalid(_) => {
                "`POST /admin/reindex` on a corpus with mistakes (each file and line listed); the old index keeps serving"
            }
            ApiError::ReindexFailed { .. } => {
                "`POST /admin/reindex` could not write or check the new index (a full disk); the old index keeps serving"
            }
            ApiError::CrossSiteWrite => {
                "an admin change whose `Sec-Fetch-Site` or `Origin` says a page on another site sent it"
            }
            ApiError::BadFormToken => {
                "an admin change without a form token this server issued in the last 2 hours (`GET /admin/form-token` gives scripts one)"
            }
            ApiError::BadFix(_) => {
                "a fix with no question, an unknown entry or action, or one the entry already has"
            }
            ApiError::ConfirmBreaks(_) => {
                "a fix that makes questions answered right answer wrongly, sent without `confirm_breaks=yes`"
            }
            ApiError::NothingToUndo(_) => "undoing a learned phrasing that is not in force",
            ApiError::Internal(_) => "a bug; details are logged, never sent",
        }
    }

    /// The error table as Markdown, as README.md carries it: each code once (a code such as
    /// `bad_limit` serves more than one endpoint).
    pub fn markdown_table() -> String {
        let mut out = String::from("| code | status | when |\n|---|---|---|\n");
        let mut listed = Vec::new();
        for error in Self::examples() {
            let (status, code) = error.status_and_code();
            if listed.contains(&code) {
                continue;
            }
            listed.push(code);
            out.push_str(&format!(
                "| `{code}` | {} | {} |\n",
                status.as_u16(),
                error.when()
            ));
        }
        out
    }

    /// How long the client should wait before trying again, when the error says.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::RateLimited { retry_after } | ApiError::Busy { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
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
            ApiError::ReindexFailed { stage, detail } => {
                tracing::error!(stage, detail, "reindex failed");
                self.to_string()
            }
            other => other.to_string(),
        };
        let shown = ShownError {
            status,
            code,
            message: message.clone(),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: ErrorDetail { code, message },
            }),
        )
            .into_response();
        response.extensions_mut().insert(shown);
        let headers = response.headers_mut();
        if let Some(wait) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_secs(&wait)));
        }
        if matches!(self, ApiError::Unauthorized) {
            // Basic lets a content editor's browser ask for the token; Bearer is for scripts.
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
        let err = ApiError::ReindexFailed {
            stage: "writing the index",
            detail: "search engine: /srv/signpost/data/index.gen-3/meta.json: File too large (os error 27)".into(),
        };
        let message = err.to_string();
        assert!(message.contains("writing the index failed"), "{message}");
        assert!(
            !message.contains("/srv") && !message.contains("os error"),
            "{message}"
        );
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

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let table = [(0, 1), (1, 1), (999, 1), (1000, 1), (1001, 2), (59_500, 60)];
        for (millis, secs) in table {
            assert_eq!(
                retry_secs(&Duration::from_millis(millis)),
                secs,
                "{millis} ms"
            );
        }
    }

    #[test]
    fn every_code_appears_once_in_the_table_with_one_status() {
        let table = ApiError::markdown_table();
        for error in ApiError::examples() {
            let (status, code) = error.status_and_code();
            let row = format!("| `{code}` | {} |", status.as_u16());
            assert_eq!(table.matches(&format!("`{code}`")).count(), 1, "{code}");
            assert!(table.contains(&row), "{code} is listed with another status");
        }
    }

    #[tokio::test]
    async fn waits_and_auth_challenges_travel_as_headers() {
        let response = ApiError::Busy {
            retry_after: Duration::from_millis(1500),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let response = ApiError::Unauthorized.into_response();
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
        assert!(!ApiError::NotFound
            .into_response()
            .headers()
            .contains_key(header::RETRY_AFTER));
    }
}
