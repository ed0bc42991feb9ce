//! The one error table of the HTTP API: every failure becomes
//! `{"error": {"code": "snake_case", "message": "…"}}` with a fitting status. Internal errors
//! are logged and answered with a generic message: no paths or panic text reach a client.
//!
//! The table is data: one row per kind of error in `error_table!` (name, status, code,
//! message, when), from which the enum, its statuses and codes, README.md's table and the
//! OpenAPI error responses (`endpoint_errors!`) all come. A new error is one row. (Over 500
//! lines: the table alone is 150, and the tests that hold it together sit with it.)

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::openapi::response::{Response as OpenApiResponse, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
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

/// Declares the error table: one row per kind of error, from which come the [`ApiError`]
/// enum and its messages (the `#[error]` of each variant), the fieldless [`ErrorKind`] that
/// names each row, and each kind's status, code and README description. A row reads
/// `Name(fields) | STATUS | "code" | ("message", args…) | "when";`, where `when` is the
/// README table's last column and is empty exactly for a row whose code an earlier row
/// already describes (a code such as `bad_limit` serves more than one endpoint).
macro_rules! error_table {
    ($(
        $(#[$meta:meta])*
        $name:ident $( ( $($tuple:ty),* ) )? $( { $($field:ident : $fty:ty),* $(,)? } )?
            | $status:ident | $code:literal | ($($message:tt)+) | $when:literal;
    )+) => {
        /// Every error an endpoint can answer with.
        #[derive(Debug, thiserror::Error)]
        pub enum ApiError {
            $(
                $(#[$meta])*
                #[error($($message)+)]
                $name $( ( $($tuple),* ) )? $( { $($field : $fty),* } )?,
            )+
        }

        /// The rows of the error table, by name, in table order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorKind {
            $($name,)+
        }

        impl ErrorKind {
            /// Every row, in table order: the README's order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$name,)+];

            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorKind::$name => StatusCode::$status,)+
                }
            }

            /// The stable, snake_case code clients read.
            pub const fn code(self) -> &'static str {
                match self {
                    $(ErrorKind::$name => $code,)+
                }
            }

            /// When an endpoint answers with this error, as the README's table says; empty
            /// when an earlier row with the same code says it.
            pub const fn when(self) -> &'static str {
                match self {
                    $(ErrorKind::$name => $when,)+
                }
            }
        }

        impl ApiError {
            /// Which row of the error table this error is.
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $(ApiError::$name { .. } => ErrorKind::$name,)+
                }
            }
        }
    };
}

error_table! {
    // The question the answer endpoint (and feedback, and the lookup page) refuses; the
    // messages are the engine's own (`QuestionError`), as the test below holds.
    EmptyQuestion | BAD_REQUEST | "empty_question"
        | ("the question is empty")
        | "`q` missing, empty or only whitespace";
    QuestionTooLong { max: usize } | BAD_REQUEST | "question_too_long"
        | ("the question is longer than {max} characters")
        | "a question over 500 characters (configurable)";
    QuestionTooManyWords { max: usize } | BAD_REQUEST | "too_many_words"
        | ("the question has more than {max} words")
        | "a question over 80 words (configurable), or suggest text over 12";
    QuestionBadLimit { max: usize } | BAD_REQUEST | "bad_limit"
        | ("limit must be between 1 and {max}")
        | "`limit` outside 1..=20 for ask (configurable) or 1..=8 for suggest";
    BadQueryString(String) | BAD_REQUEST | "bad_query_string"
        | ("the query string is not valid for this endpoint: {0}")
        | "a query parameter of the wrong type";
    BadPath(String) | BAD_REQUEST | "bad_path"
        | ("the address is not valid: {0}")
        | "a path parameter that is not valid UTF-8 once decoded, e.g. `/api/v1/projects/%FF`";
    NulInQuestion | BAD_REQUEST | "control_characters"
        | ("the question contains a NUL character")
        | "a question with a NUL character, or suggest text with control characters";
    MalformedJson(String) | BAD_REQUEST | "malformed_json"
        | ("the request body is not valid JSON for this endpoint: {0}")
        | "a POST body that is not the expected JSON";
    UnsupportedMediaType | UNSUPPORTED_MEDIA_TYPE | "unsupported_media_type"
        | ("send the body as JSON with `Content-Type: application/json`")
        | "a POST body without `Content-Type: application/json`";
    PayloadTooLarge | PAYLOAD_TOO_LARGE | "payload_too_large"
        | ("the request body is too large")
        | "a body over 16 KiB (configurable), refused from `Content-Length` before it is read";
    RequestTimeout | REQUEST_TIMEOUT | "request_timeout"
        | ("the request took too long and was abandoned; please try again")
        | "a request, reading its body included, took over 10 s (configurable)";
    RateLimited { retry_after: Duration } | TOO_MANY_REQUESTS | "rate_limited"
        | ("too many requests from this address; wait {} s (Retry-After) before trying again", retry_secs(.retry_after))
        | "a client over its allowance on the API, `/admin/` or a page that searches (`/lookup`, `/projects`) (300 a minute, bursts of 60; configurable); `Retry-After` says when to try again; pages show it as the site's error page";
    Busy { retry_after: Duration } | SERVICE_UNAVAILABLE | "busy"
        | ("the server is busy answering other questions; wait {} s (Retry-After) before trying again", retry_secs(.retry_after))
        | "every search place is taken (64 at once, configurable; ask, suggest, `/lookup?q=` and `/projects?q=` all take one); `Retry-After: 1`";
    UnknownProject(String) | NOT_FOUND | "unknown_project"
        | ("no project has the id `{0}`")
        | "`/api/v1/projects/{slug}` for a slug not in the directory";
    NotFound | NOT_FOUND | "not_found"
        | ("there is nothing at this address")
        | "any other unknown address (and `/admin` when it is off)";
    MethodNotAllowed | METHOD_NOT_ALLOWED | "method_not_allowed"
        | ("this address does not accept that method")
        | "e.g. `DELETE /api/v1/ask`";
    // The text the suggest endpoint refuses; the messages are the engine's (`SuggestError`).
    EmptyQuery | BAD_REQUEST | "empty_query"
        | ("type something to get suggestions")
        | "`/api/v1/suggest` without `q`";
    QueryTooShort { min: usize } | BAD_REQUEST | "query_too_short"
        | ("type at least {min} letters or digits to get suggestions")
        | "suggest text with fewer than 2 letters or digits";
    QueryTooLong { max: usize } | BAD_REQUEST | "query_too_long"
        | ("suggestions are for at most {max} characters")
        | "suggest text over 100 characters";
    QueryTooManyWords { max: usize } | BAD_REQUEST | "too_many_words"
        | ("suggestions are for at most {max} words")
        | "";
    ControlCharacters | BAD_REQUEST | "control_characters"
        | ("the text contains control characters")
        | "";
    SuggestBadLimit { max: usize } | BAD_REQUEST | "bad_limit"
        | ("limit must be between 1 and {max}")
        | "";
    InvalidFeedback(String) | BAD_REQUEST | "invalid_feedback"
        | ("{0}")
        | "feedback without `answer_id` or `helpful`";
    UnknownAnswer(String) | BAD_REQUEST | "unknown_answer"
        | ("there is no answer with the id `{0}` to give feedback on")
        | "feedback on an `answer_id` that is not an answer";
    CommentTooLong { max: usize } | BAD_REQUEST | "comment_too_long"
        | ("the comment is longer than {max} characters")
        | "a feedback comment over 500 characters";
    FeedbackDisabled | NOT_FOUND | "feedback_disabled"
        | ("feedback is not collected on this server")
        | "feedback sent to a server whose store is off";
    OriginNotAllowed | FORBIDDEN | "origin_not_allowed"
        | ("this origin may not call this endpoint")
        | "a browser write (feedback) from an origin not in `SIGNPOST_WRITE_ORIGINS`";
    Unauthorized | UNAUTHORIZED | "unauthorized"
        | ("send the admin token as `Authorization: Bearer TOKEN`")
        | "`/admin` without credentials";
    Forbidden | FORBIDDEN | "forbidden"
        | ("that admin token is not valid")
        | "`/admin` with the wrong token";
    BadPeriod(String) | BAD_REQUEST | "bad_period"
        | ("{0}")
        | "`/admin?since=` that is not a number of days such as `30d`";
    UnknownExport(String) | NOT_FOUND | "unknown_export"
        | ("there is no list called `{0}` to export")
        | "`/admin/export/{list}.csv` for a list that does not exist";
    /// The detail (the store's error, with its path) is logged, never sent.
    StoreUnavailable(String) | SERVICE_UNAVAILABLE | "store_unavailable"
        | ("the analytics store cannot be read right now")
        | "the report cannot read the store; details are logged";
    ReindexInProgress | CONFLICT | "reindex_in_progress"
        | ("a reindex is already running; try again when it has finished")
        | "`POST /admin/reindex` while another reindex runs";
    CorpusInvalid(String) | UNPROCESSABLE_ENTITY | "corpus_invalid"
        | ("the corpus has problems, so the index was not rebuilt and the previous one is still serving: {0}")
        | "`POST /admin/reindex` on a corpus with mistakes (each file and line listed); the old index keeps serving";
    /// `detail` (the whole error, with the server's paths) is logged, never sent.
    ReindexFailed { stage: &'static str, detail: String } | INTERNAL_SERVER_ERROR | "reindex_failed"
        | ("the new index could not be built ({stage} failed; the server log has the details), so the previous one is still serving")
        | "`POST /admin/reindex` could not write or check the new index (a full disk); the old index keeps serving";
    CrossSiteWrite | FORBIDDEN | "cross_site_write"
        | ("this change was sent from another site: admin changes are accepted only from the admin pages themselves")
        | "an admin change whose `Sec-Fetch-Site` or `Origin` says a page on another site sent it";
    BadFormToken | FORBIDDEN | "bad_form_token"
        | ("the form is out of date or was not issued by this server: reload the page and try again")
        | "an admin change without a form token this server issued in the last 2 hours (`GET /admin/form-token` gives scripts one)";
    BadFix(String) | BAD_REQUEST | "bad_fix"
        | ("{0}")
        | "a fix with no question, an unknown entry or action, or one the entry already has";
    ConfirmBreaks(usize) | CONFLICT | "confirm_breaks"
        | ("this change makes {0} questions that were answered right answer wrongly: confirm it to go ahead")
        | "a fix that makes questions answered right answer wrongly, sent without `confirm_breaks=yes`";
    NothingToUndo(i64) | NOT_FOUND | "nothing_to_undo"
        | ("there is no learned phrasing {0} in force to undo")
        | "undoing a learned phrasing that is not in force";
    /// The detail (what broke, perhaps with paths) is logged, never sent.
    Internal(String) | INTERNAL_SERVER_ERROR | "internal"
        | ("something went wrong on our side; please try again")
        | "a bug; details are logged, never sent";
}

/// The engine's refusals of a question, each its row of the table.
impl From<QuestionError> for ApiError {
    fn from(error: QuestionError) -> ApiError {
        match error {
            QuestionError::Empty => ApiError::EmptyQuestion,
            QuestionError::TooLong { max } => ApiError::QuestionTooLong { max },
            QuestionError::TooManyWords { max } => ApiError::QuestionTooManyWords { max },
            QuestionError::BadLimit { max } => ApiError::QuestionBadLimit { max },
        }
    }
}

/// The engine's refusals of suggest text, each its row of the table.
impl From<SuggestError> for ApiError {
    fn from(error: SuggestError) -> ApiError {
        match error {
            SuggestError::Empty => ApiError::EmptyQuery,
            SuggestError::TooShort { min } => ApiError::QueryTooShort { min },
            SuggestError::TooLong { max } => ApiError::QueryTooLong { max },
            SuggestError::TooManyWords { max } => ApiError::QueryTooManyWords { max },
            SuggestError::ControlCharacters => ApiError::ControlCharacters,
            SuggestError::BadLimit { max } => ApiError::SuggestBadLimit { max },
        }
    }
}

/// Whole seconds to wait, rounded up, at least one: what `Retry-After` carries.
pub fn retry_secs(wait: &Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

impl ApiError {
    /// The status and stable code, from the error table.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        let kind = self.kind();
        (kind.status(), kind.code())
    }

    /// Is this the question itself being refused (empty, too long, a NUL…), as opposed to the
    /// request or the server? The lookup page shows these as its own message.
    pub fn refuses_the_question(&self) -> bool {
        matches!(
            self,
            ApiError::EmptyQuestion
                | ApiError::QuestionTooLong { .. }
                | ApiError::QuestionTooManyWords { .. }
                | ApiError::QuestionBadLimit { .. }
                | ApiError::NulInQuestion
        )
    }

    /// The error table as Markdown, as README.md carries it: each code once, at its first row.
    pub fn markdown_table() -> String {
        let mut out = String::from("| code | status | when |\n|---|---|---|\n");
        for kind in ErrorKind::ALL.iter().filter(|kind| !kind.when().is_empty()) {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                kind.code(),
                kind.status().as_u16(),
                kind.when()
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

/// Error responses an endpoint documents in its OpenAPI `responses(...)`: rows of the error
/// table that share a status (the table gives it), and what the description says of them.
pub struct Documented {
    pub kinds: &'static [ErrorKind],
    pub description: &'static str,
}

impl Documented {
    pub const fn new(kinds: &'static [ErrorKind], description: &'static str) -> Documented {
        Documented { kinds, description }
    }
}

/// The errors every endpoint of a kind shares, described once.
pub const TIMED_OUT: Documented =
    Documented::new(&[ErrorKind::RequestTimeout], "The request took too long");
pub const RATE_LIMITED: Documented = Documented::new(
    &[ErrorKind::RateLimited],
    "Too many requests from this client; see `Retry-After`",
);
pub const BUSY: Documented = Documented::new(
    &[ErrorKind::Busy],
    "Every search place is taken; see `Retry-After`",
);
pub const TOO_LARGE: Documented = Documented::new(
    &[ErrorKind::PayloadTooLarge],
    "The body is over the size limit",
);
pub const NOT_JSON: Documented = Documented::new(
    &[ErrorKind::UnsupportedMediaType],
    "The body is not sent as `application/json`",
);

/// The OpenAPI responses for these errors: each with the one error shape, under its status.
///
/// # Panics
/// When the kinds of one entry do not share a status: a mistake in an endpoint's list, which
/// the OpenAPI tests find.
pub fn error_responses(documented: &[Documented]) -> BTreeMap<String, RefOr<OpenApiResponse>> {
    documented
        .iter()
        .map(|doc| {
            let status = doc.kinds[0].status();
            assert!(
                doc.kinds.iter().all(|kind| kind.status() == status),
                "{:?} do not share a status",
                doc.kinds
            );
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build();
            let response = ResponseBuilder::new()
                .description(doc.description)
                .content("application/json", content)
                .build();
            (status.as_u16().to_string(), response.into())
        })
        .collect()
}

/// Declares a type whose `utoipa::IntoResponses` are these [`Documented`] errors, for an
/// endpoint's `#[utoipa::path(responses((status = 200, …), TheType))]`.
macro_rules! endpoint_errors {
    ($(#[$meta:meta])* $vis:vis $name:ident = [$($documented:expr),+ $(,)?];) => {
        $(#[$meta])*
        $vis struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                $crate::http::error::error_responses(&[$($documented),+])
            }
        }
    };
}
pub(crate) use endpoint_errors;

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
    fn every_code_is_described_once_with_one_status() {
        let table = ApiError::markdown_table();
        for (at, kind) in ErrorKind::ALL.iter().enumerate() {
            let code = kind.code();
            let first = ErrorKind::ALL
                .iter()
                .position(|k| k.code() == code)
                .unwrap();
            let row = format!("| `{code}` | {} |", kind.status().as_u16());
            assert_eq!(table.matches(&format!("`{code}`")).count(), 1, "{code}");
            assert!(table.contains(&row), "{code} is listed with another status");
            assert_eq!(
                kind.when().is_empty(),
                at != first,
                "{kind:?}: `when` describes {code} at its first row only"
            );
        }
    }

    #[test]
    fn the_engines_refusals_keep_their_messages() {
        let questions = [
            QuestionError::Empty,
            QuestionError::TooLong { max: 500 },
            QuestionError::TooManyWords { max: 80 },
            QuestionError::BadLimit { max: 20 },
        ];
        for error in questions {
            assert_eq!(ApiError::from(error.clone()).to_string(), error.to_string());
        }
        let suggestions = [
            SuggestError::Empty,
            SuggestError::TooShort { min: 2 },
            SuggestError::TooLong { max: 100 },
            SuggestError::TooManyWords { max: 12 },
            SuggestError::ControlCharacters,
            SuggestError::BadLimit { max: 8 },
        ];
        for error in suggestions {
            assert_eq!(ApiError::from(error.clone()).to_string(), error.to_string());
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
