//! Signpost's server library: the answer engine, the HTTP application around it, the
//! evaluation command, configuration, getting an index ready at start-up, rebuilding it
//! while serving, serving until a signal says stop, and the privacy-safe analytics store with
//! the redaction it relies on; log lines that could repeat are throttled.

pub mod config;
pub mod eval;
pub mod fit;
pub mod http;
pub mod index_setup;
pub mod live;
pub mod preview;
pub mod reindex;
pub mod replicas;
pub mod serve;
pub mod store;
pub mod throttle;
pub mod wiring;

pub use http::{app, AppState};
/// The answer engine and the redaction of personal details, from `signpost-engine`.
pub use signpost_engine as engine;
pub use signpost_engine::redact;
