//! `GET /api/v1/suggest?q=PARTIAL[&limit=N]`: as-you-type completions for the lookup page.
//! The work is a few microseconds over an index built at load, so it runs on the async
//! thread rather than paying for a hop to the blocking pool on every keystroke.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::engine::SuggestResponse;

/// `GET /api/v1/suggest` parameters.
#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    pub q: Option<String>,
    pub limit: Option<usize>,
}

pub async fn suggest(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SuggestParams>,
) -> Result<Json<SuggestResponse>, ApiError> {
    let engine = state.engine();
    let q = params.q.as_deref().unwrap_or("");
    Ok(Json(engine.suggest(q, params.limit)?))
}
