//! Fixes from the work queue: a fix is checked, previewed (every question whose answer would
//! change, from what to what) and applied live (built, recorded, swapped in). Undo in
//! [`super`] previews and applies the same way.

use signpost_indexer::overlay::LearnedPhrasing;

use super::*;
use crate::preview::{self, Preview};
use crate::reindex::{build_scratch, ReindexReport};
use crate::store::learned::LearnedKind;

/// The form of a fix, as the queue's and the preview's forms send it.
#[derive(Debug, Deserialize)]
pub struct FixForm {
    /// `phrasing` (the question asks for `entry`) or `decline` (`entry` declines it).
    pub action: Option<String>,
    pub entry: Option<String>,
    pub question: Option<String>,
    #[serde(default)]
    pub form_token: Option<String>,
    /// `yes` once the editor has seen the questions the fix breaks.
    #[serde(default)]
    pub confirm_breaks: Option<String>,
}

/// A checked fix.
pub(super) struct Fix {
    pub(super) kind: LearnedKind,
    pub(super) entry_id: String,
    pub(super) phrasing: String,
}

impl Fix {
    /// The phrasing as the overlay holds it.
    fn learned(&self) -> LearnedPhrasing {
        LearnedPhrasing {
            entry_id: self.entry_id.clone(),
            phrasing: self.phrasing.clone(),
        }
    }
}

pub(super) fn form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, ApiError> {
    form.map(|Form(f)| f)
        .map_err(|e| ApiError::BadFix(format!("the form could not be read: {}", e.body_text())))
}

fn check_fix(engine: &Engine, form: &FixForm) -> Result<Fix, ApiError> {
    let kind = match form.action.as_deref() {
        Some("phrasing") => LearnedKind::Phrasing,
        Some("decline") => LearnedKind::Decline,
        other => {
            return Err(ApiError::BadFix(format!(
                "`action` must be `phrasing` or `decline`, not {:?}",
                other.unwrap_or("")
            )))
        }
    };
    let question = form.question.as_deref().unwrap_or_default();
    if question.contains('\0') {
        return Err(ApiError::NulInQuestion);
    }
    let phrasing = learned::clean_phrasing(question);
    if phrasing.is_empty() {
        return Err(ApiError::BadFix("the question is empty".into()));
    }
    let entry_id = form.entry.as_deref().unwrap_or_default();
    let entry = engine
        .entry(entry_id)
        .ok_or_else(|| ApiError::BadFix(format!("there is no entry `{}`", clip(entry_id, 64))))?;
    let declines = entry
        .assistant
        .as_ref()
        .is_some_and(|a| a.intent == Intent::Decline);
    match kind {
        LearnedKind::Phrasing if entry.kind == Kind::Assistant => {
            return Err(ApiError::BadFix(format!(
                "`{entry_id}` is an assistant reply: use `decline` to mark a question out of scope"
            )))
        }
        LearnedKind::Decline if !declines => {
            return Err(ApiError::BadFix(format!(
                "`{entry_id}` does not decline questions"
            )))
        }
        _ => {}
    }
    let normal = |t: &str| t.trim().trim_end_matches('?').trim().to_lowercase();
    if std::iter::once(&entry.title)
        .chain(&entry.alternates)
        .any(|p| normal(p) == normal(&phrasing))
    {
        return Err(ApiError::BadFix(format!(
            "`{entry_id}` already has the phrasing “{phrasing}”"
        )));
    }
    Ok(Fix {
        kind,
        entry_id: entry_id.to_string(),
        phrasing,
    })
}

/// What the preview asks: the fix's own question, the evaluation sets, the learned
/// phrasings and the last distinct stored questions.
fn preview_fix_blocking(state: &AppState, fix: &Fix) -> Result<Preview, ApiError> {
    let change = OverlayChange::Add(fix.learned());
    preview_change(
        state,
        &change,
        Question::this_fix(&fix.phrasing, &fix.entry_id),
    )
}

/// What `change` to the learned phrasings would do to every question Signpost knows, `own`
/// (the question the change is about) among them. A phrasing the change takes away is not
/// asked as a learned one: it is `own`.
pub(super) fn preview_change(
    state: &AppState,
    change: &OverlayChange,
    own: Question,
) -> Result<Preview, ApiError> {
    let reindexer = state.reindexer().ok_or(ApiError::NotFound)?;
    let database = store_db(state)?;
    let overlay = reindexer.overlay().map_err(api_error)?;
    let current = state.engine();
    let (candidate, _scratch) = build_scratch(
        reindexer.corpus(),
        &change.applied_to(overlay.clone()),
        *current.settings(),
    )
    .map_err(api_error)?;
    // The evaluation sets first: where the fix's own question is one of theirs, what they
    // say is right counts, so a fix against them shows as broken.
    let mut questions = Vec::new();
    let mut cases = Vec::new();
    let mut sets = Vec::new();
    for set in state.preview_sets() {
        let read = match crate::eval::read_cases(set) {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(set = %set.display(), "a preview set cannot be read, so previews skip it: {e}");
                continue;
            }
        };
        let name = set
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let (asked, singles) = preview::eval_questions(&name, &read, cases.len());
        questions.extend(asked);
        cases.extend(singles);
        sets.push(name);
    }
    questions.push(own);
    let removed = match change {
        OverlayChange::Remove(learned) => Some(learned),
        _ => None,
    };
    questions.extend(
        overlay
            .phrasings
            .iter()
            .filter(|p| Some(*p) != removed)
            .map(|p| Question::learned(&p.phrasing, &p.entry_id)),
    );
    questions.extend(
        read_store(&database, |conn| {
            learned::recent_questions(conn, PREVIEW_STORED)
        })?
        .iter()
        .map(|q| Question::asked(q)),
    );
    let mut preview = preview::preview(&current, &candidate, &questions, &cases);
    preview.sets = sets;
    Ok(preview)
}

async fn run_preview(state: &AppState, fix: Fix) -> Result<(Fix, Preview), ApiError> {
    let task_state = state.clone();
    blocking(move || {
        let preview = preview_fix_blocking(&task_state, &fix)?;
        Ok((fix, preview))
    })
    .await
}

/// `POST /admin/preview`: what the fix would change, with the form that applies it.
pub async fn preview_fix(
    write: AdminWrite,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<FixForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let body = form(body)?;
    write.check_form_token(&state, body.form_token.as_deref())?;
    let engine = state.engine();
    let fix = check_fix(&engine, &body)?;
    let (fix, preview) = run_preview(&state, fix).await?;
    Ok(preview_reply(
        &state,
        &headers,
        Pending::Fix(&fix),
        &preview,
    ))
}

/// A preview as JSON, or as the page whose button applies `pending`.
pub(super) fn preview_reply(
    state: &AppState,
    headers: &HeaderMap,
    pending: Pending<'_>,
    preview: &Preview,
) -> Response {
    if wants_json(headers) {
        return (PRIVATE, Json(preview)).into_response();
    }
    html(pages::preview(
        &state.engine(),
        pending,
        preview,
        &csrf::for_page(state),
    ))
}

/// What a preview page applies when its button is pressed.
pub(super) enum Pending<'a> {
    Fix(&'a Fix),
    Undo(&'a Learned),
}

/// `POST /admin/fixes`: builds the index with the fix, records it, swaps it in.
pub async fn apply_fix(
    write: AdminWrite,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<FixForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let body = form(body)?;
    write.check_form_token(&state, body.form_token.as_deref())?;
    let engine = state.engine();
    let mut fix = check_fix(&engine, &body)?;
    if body.confirm_breaks.as_deref() != Some("yes") {
        let (checked, preview) = run_preview(&state, fix).await?;
        if preview.broken() > 0 {
            return Err(ApiError::ConfirmBreaks(preview.broken()));
        }
        fix = checked;
    }
    let change = OverlayChange::Add(fix.learned());
    let Fix {
        kind,
        entry_id,
        phrasing,
    } = fix;
    let record = {
        let (entry_id, phrasing) = (entry_id.clone(), phrasing.clone());
        move |conn: &mut Conn, actor: &Actor| {
            learned::learn(conn, now_unix(), kind, &entry_id, &phrasing, actor)
        }
    };
    let (report, id) = apply_change(&state, write.actor, change, record).await?;
    tracing::info!(id, entry = %entry_id, "learned a phrasing: {report}");
    Ok(done(
        &headers,
        &format!("/admin/queue?learned={id}"),
        serde_json::json!({
            "status": "learned",
            "id": id,
            "entry_id": entry_id,
            "phrasing": phrasing,
            "generation": report.generation,
            "elapsed_ms": report.elapsed.as_millis() as u64,
        }),
    ))
}

/// Builds the index with `change` made to the learned phrasings, then writes it to the store
/// with `record` (as `actor`) and swaps the index in, one change at a time. It runs in its own
/// task, so a client that goes away cannot stop it half way.
pub(super) async fn apply_change<T: Send + 'static>(
    state: &AppState,
    actor: Actor,
    change: OverlayChange,
    record: impl FnOnce(&mut Conn, &Actor) -> Result<T, StoreError> + Send + 'static,
) -> Result<(ReindexReport, T), ApiError> {
    let database = store_db(state)?;
    let record = move || {
        let mut conn = database.for_admin_write().map_err(|e| format!("{e:#}"))?;
        record(&mut conn, &actor).map_err(|e| format!("{e:#}"))
    };
    let task_state = state.clone();
    tokio::spawn(async move {
        let reindexer = task_state.reindexer().ok_or(ApiError::NotFound)?;
        reindexer
            .apply(task_state.live(), true, change, record)
            .await
            .map_err(api_error)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the rebuild task failed: {e}")))?
}
