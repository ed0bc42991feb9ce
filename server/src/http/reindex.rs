//! `POST /admin/reindex`, behind the admin token (`SIGNPOST_ADMIN_TOKEN`, checked by
//! [`Admin`](super::admin::Admin) as for the report): rebuilds the index from the corpus and
//! swaps it in while serving.

use axum::Json;

use super::admin::Admin;
use super::error::ApiError;
use super::AppState;
use crate::reindex::{ReindexError, ReindexReport};
use axum::extract::State;

/// `POST /admin/reindex`: rebuild from the corpus into a new generation and swap it in.
pub async fn reindex(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<ReindexReport>, ApiError> {
    if state.reindexer().is_none() {
        return Err(ApiError::NotFound);
    }
    // The build runs in its own task so a client that goes away cannot stop it half way.
    let task_state = state.clone();
    let outcome = tokio::spawn(async move {
        let reindexer = task_state.reindexer().expect("checked above");
        reindexer.reindex(&task_state, false).await
    })
    .await
    .map_err(|e| ApiError::ReindexFailed {
        stage: "the reindex task",
        detail: e.to_string(),
    })?;
    match outcome {
        Ok(report) => {
            tracing::info!("reindex: {report}");
            Ok(Json(report))
        }
        Err(ReindexError::InProgress) => Err(ApiError::ReindexInProgress),
        Err(ReindexError::Corpus(problems)) => {
            tracing::warn!("reindex refused, the corpus has problems: {problems}");
            Err(ApiError::CorpusInvalid(problems))
        }
        Err(ReindexError::Build { stage, detail }) => {
            Err(ApiError::ReindexFailed { stage, detail })
        }
    }
}
