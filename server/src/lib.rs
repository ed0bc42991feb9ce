//! Signpost's server library: the answer engine, the HTTP application around it, the
//! evaluation command, configuration, and getting an index ready at start-up.

pub mod config;
pub mod engine;
pub mod eval;
pub mod http;
pub mod index_setup;

pub use http::{app, AppState};
