//! `GET /api/v1/suggest?q=PARTIAL[&limit=N]`: as-you-type completions for the lookup page.
//! It goes through the search service like every search (a search place, the rate limit);
//! the work is a few microseconds over an index built at load, so it runs on the async thread
//! rather than paying for a hop to the blocking pool on every keystroke.

use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{endpoint_errors, ApiError, Documented, ErrorKind, BUSY, RATE_LIMITED};
use super::extract::ApiQuery;
use super::search::Search;
use crate::engine::SuggestResponse;

/// `GET /api/v1/suggest` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What has been typed so far: at least 2 letters or digits, at most 100 characters and
    /// 12 words, no control characters.
    pub q: Option<String>,
    /// How many suggestions, 1 to 8 (default 8).
    #[serde(default, deserialize_with = "super::extract::optional_count_text")]
    pub limit: Option<usize>,
}

endpoint_errors! {
    /// What `GET /api/v1/suggest` may answer instead.
    pub SuggestErrors = [
        Documented::new(
            &[
                ErrorKind::EmptyQuery,
                ErrorKind::QueryTooShort,
                ErrorKind::QueryTooLong,
                ErrorKind::QueryTooManyWords,
                ErrorKind::ControlCharacters,
                ErrorKind::SuggestBadLimit,
                ErrorKind::BadQueryString,
            ],
            "The text is empty, too short or long, or has control characters; or `limit` is out of range",
        ),
        RATE_LIMITED,
        BUSY,
    ];
}

/// Completes what has been typed: FAQ questions, project names and the helpline.
#[utoipa::path(
    get,
    path = "/api/v1/suggest",
    tag = "answers",
    params(SuggestParams),
    responses(
        (status = 200, description = "Up to `limit` completions, best first", body = SuggestResponse),
        SuggestErrors,
    )
)]
pub async fn suggest(
    search: Search,
    ApiQuery(params): ApiQuery<SuggestParams>,
) -> Result<Json<SuggestResponse>, ApiError> {
    let q = params.q.as_deref().unwrap_or("");
    Ok(Json(search.suggest(q, params.limit).await?))
}
