//! `POST /admin/reindex`, an admin write ([`AdminWrite`]: the admin token, the same origin and
//! a form token, sent by scripts as the `x-signpost-form-token` header): rebuilds the index
//! from the corpus and swaps it in while serving.

use axum::extract::State;
use axum::Json;

use super::csrf::AdminWrite;
use super::error::ApiError;
use super::AppState;
use crate::reindex::{ReindexError, ReindexReport};

/// `POST /admin/reindex`: rebuild from the corpus into a new generation and swap it in.
pub async fn reindex(
    write: AdminWrite,
    State(state): State<AppState>,
) -> Result<Json<ReindexReport>, ApiError> {
    write.check_form_token(&state, None)?;
    if state.reindexer().is_none() {
        return Err(ApiError::NotFound);
    }
    // The build runs in its own task so a client that goes away cannot stop it half way.
    let task_state = state.clone();
    let outcome = tokio::spawn(async move {
        let reindexer = task_state.reindexer().expect("checked above");
        reindexer.reindex(task_state.live(), false).await
    })
    .await
    .map_err(|e| ApiError::ReindexFailed {
        stage: "the reindex task",
        detail: e.to_string(),
    })?;
    let report = outcome.map_err(api_error)?;
    tracing::info!("reindex: {report}");
    // Replicas sharing the store rebuild too.
    if let Some(store) = state.store() {
        let database = store.database().clone();
        let announced = tokio::task::spawn_blocking(move || database.announce("reindex")).await;
        if let Ok(Err(e)) = announced {
            tracing::warn!("the other replicas were not told of the reindex: {e}");
        }
    }
    Ok(Json(report))
}

/// The API's error for a failed rebuild.
pub fn api_error(error: ReindexError) -> ApiError {
    match error {
        ReindexError::InProgress => ApiError::ReindexInProgress,
        ReindexError::Corpus(problems) => {
            tracing::warn!("rebuild refused, the corpus has problems: {problems}");
            ApiError::CorpusInvalid(problems)
        }
        ReindexError::Build { stage, detail } => ApiError::ReindexFailed { stage, detail },
    }
}
