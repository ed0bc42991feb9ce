//! Keeping replicas that share a PostgreSQL store in step: a change another replica announces
//! (a phrasing taught or undone, a reindex) is applied here by rebuilding the index with the
//! learned phrasings now in the store and swapping it in, as a reindex does. A dismissal needs
//! nothing: the work queue is read from the shared store each time.

use tokio::sync::mpsc::UnboundedReceiver;

use crate::http::AppState;
use crate::store::postgres::Change;

/// Starts following the other replicas' changes, when the store is shared (PostgreSQL).
pub fn follow(state: &AppState) {
    let Some(store) = state.store() else {
        return;
    };
    if state.reindexer().is_none() || store.database().file().is_some() {
        return;
    }
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    store.database().listen(move |change| {
        let _ = sender.send(change);
    });
    tokio::spawn(apply(state.clone(), receiver));
}

/// Does `change` alter what this replica serves?
fn rebuilds(change: &Change) -> bool {
    match change {
        Change::Announced(kind) => kind != "dismiss",
        Change::Reconnected => true,
    }
}

/// Rebuilds once for every run of changes that arrived together.
async fn apply(state: AppState, mut changes: UnboundedReceiver<Change>) {
    while let Some(change) = changes.recv().await {
        let mut rebuild = rebuilds(&change);
        while let Ok(more) = changes.try_recv() {
            rebuild |= rebuilds(&more);
        }
        if !rebuild {
            continue;
        }
        let Some(reindexer) = state.reindexer() else {
            return;
        };
        tracing::info!(?change, "another replica changed the store: rebuilding");
        match reindexer.reindex(state.live(), true).await {
            Ok(report) => tracing::info!("reindex: {report}"),
            Err(err) => tracing::error!(
                generation = state.generation(),
                "rebuilding after another replica's change failed; the previous index is still serving: {err}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_to_what_is_served_rebuild() {
        assert!(rebuilds(&Change::Announced("learn".into())));
        assert!(rebuilds(&Change::Announced("undo".into())));
        assert!(rebuilds(&Change::Announced("reindex".into())));
        assert!(rebuilds(&Change::Reconnected));
        assert!(!rebuilds(&Change::Announced("dismiss".into())));
    }
}
