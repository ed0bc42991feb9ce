//! The app's wiring: the [`AppState`] a validated [`Config`] describes — HTTP settings, the
//! preview's evaluation sets, the reindexer, the analytics store and the admin token — in one
//! place that `main` and the end-to-end tests share. It sits above both `http` and `config`
//! (the configuration names HTTP settings, so `http` cannot read it without a cycle).

use crate::config::Config;
use crate::engine::Engine;
use crate::http::AppState;
use crate::reindex::Reindexer;
use crate::store::{Database, Store, StoreConfig};

impl AppState {
    /// The state `config` describes, serving `engine` and recording in `database` (the
    /// store `config` names, opened). Starts the store's writer when the store is on; flush
    /// it (`state.store()`) before the process ends.
    pub fn from_config(config: &Config, engine: Engine, database: Option<Database>) -> AppState {
        let mut reindexer = Reindexer::new(&config.corpus, &config.index);
        if let Some(database) = &database {
            reindexer = reindexer.with_store(database.clone());
        }
        let mut state = AppState::new(engine)
            .with_http(config.http.clone())
            .with_preview_sets(config.preview_sets.clone())
            .with_reindexer(reindexer);
        match database {
            Some(database) => {
                let mut store_config = StoreConfig::in_database(database);
                store_config.retention_days = config.retention_days;
                state = state.with_store(Store::start(store_config));
            }
            None => {
                tracing::info!("the analytics store is off: no questions or feedback are recorded")
            }
        }
        if let Some(token) = &config.admin_token {
            state = state.with_admin_token(token.expose());
        }
        state
    }
}
