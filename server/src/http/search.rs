//! The one search path (issue 17). Every route that runs a search — `/api/v1/ask`,
//! `/api/v1/suggest`, `/lookup` and `/projects?q=` — declares it in its
//! [`Policy`](super::policy::Policy) (which also puts it under the client's rate limit) and
//! searches only through the [`Search`] extractor. A search is checked against the one set of
//! limits before it takes anything, then takes a search place (or is refused at once with
//! 503 `busy`), then runs: on the blocking pool when it is real CPU work, inline when it is a
//! few microseconds over data prepared at load (suggestions, the directory's words).

use std::sync::{Arc, Mutex, Weak};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::directory::DirectoryIndex;
use super::error::ApiError;
use super::policy::Policy;
use super::AppState;
use crate::engine::{question, AskRequest, AskResponse, Engine, QuestionError, SuggestResponse};

/// A route's handle on the search service; only routes whose policy says they search get one.
pub struct Search {
    state: AppState,
}

impl FromRequestParts<AppState> for Search {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Search, ApiError> {
        match parts.extensions.get::<Policy>() {
            Some(policy) if policy.searches => Ok(Search {
                state: state.clone(),
            }),
            _ => Err(ApiError::Internal(format!(
                "{} searches without declaring it in its policy",
                parts.uri.path()
            ))),
        }
    }
}

impl Search {
    /// Answers a question: limits first, then a search place, then the engine.
    pub async fn ask(&self, request: AskRequest) -> Result<AskResponse, ApiError> {
        let engine = self.state.engine();
        // Over-limit questions are refused here, before they take a search place or a thread.
        check_question(&engine, &request)?;
        let permit = self.state.search_permit()?;
        let quick = engine.answers_quickly();
        let answer = move || {
            let _permit = permit;
            engine.ask(&request)
        };
        if quick {
            // Cheaper than the two thread switches handing it to a blocking thread would
            // cost. Yielding once after it keeps a caller asking in a loop from starving
            // other tasks.
            let answered = answer();
            tokio::task::yield_now().await;
            Ok(answered?)
        } else {
            Ok(tokio::task::spawn_blocking(answer)
                .await
                .map_err(|e| ApiError::Internal(format!("answer task failed: {e}")))??)
        }
    }

    /// Completions for what has been typed: a few microseconds over an index built at load.
    pub async fn suggest(
        &self,
        q: &str,
        limit: Option<usize>,
    ) -> Result<SuggestResponse, ApiError> {
        let engine = self.state.engine();
        let _permit = self.state.search_permit()?;
        Ok(engine.suggest(q, limit)?)
    }

    /// The ids of the projects whose words start with every word of `q`, searched in the
    /// directory's words prepared once per index generation.
    pub async fn directory(&self, q: &str) -> Result<Vec<String>, ApiError> {
        let engine = self.state.engine();
        check_question(
            &engine,
            &AskRequest {
                q: q.to_string(),
                limit: None,
                context: None,
            },
        )?;
        let _permit = self.state.search_permit()?;
        let index = match self.state.prepared_directory(&engine) {
            Some(index) => index,
            None => {
                let state = self.state.clone();
                tokio::task::spawn_blocking(move || state.prepare_directory(&engine))
                    .await
                    .map_err(|e| ApiError::Internal(format!("directory task failed: {e}")))?
            }
        };
        Ok(index.matching(q))
    }
}

/// The directory's words for one engine, kept until the engine is replaced.
#[derive(Default)]
pub(super) struct PreparedDirectory(Mutex<Option<(Weak<Engine>, Arc<DirectoryIndex>)>>);

impl AppState {
    fn prepared_directory(&self, engine: &Arc<Engine>) -> Option<Arc<DirectoryIndex>> {
        let prepared = self
            .directory
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        prepared
            .as_ref()
            .filter(|(owner, _)| Weak::ptr_eq(owner, &Arc::downgrade(engine)))
            .map(|(_, index)| index.clone())
    }

    fn prepare_directory(&self, engine: &Arc<Engine>) -> Arc<DirectoryIndex> {
        if let Some(index) = self.prepared_directory(engine) {
            return index;
        }
        let index = Arc::new(DirectoryIndex::new(engine));
        *self
            .directory
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Arc::downgrade(engine), index.clone()));
        index
    }
}

/// The engine's own limits, checked without doing any of its work; and no NUL, which no
/// question needs and which breaks tools downstream.
pub fn check_question(engine: &Engine, request: &AskRequest) -> Result<(), ApiError> {
    let limits = &engine.settings().limits;
    // The length as sent, spaces included, as the OpenAPI description's `maxLength` counts.
    if request.q.chars().count() > limits.max_chars {
        return Err(QuestionError::TooLong {
            max: limits.max_chars,
        }
        .into());
    }
    question::validate(&request.q, limits)?;
    if request.q.contains('\0') {
        return Err(ApiError::NulInQuestion);
    }
    match request.limit {
        Some(n) if !(1..=limits.max_results).contains(&n) => Err(QuestionError::BadLimit {
            max: limits.max_results,
        }
        .into()),
        _ => Ok(()),
    }
}
