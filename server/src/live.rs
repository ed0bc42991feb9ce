//! The engine being served, as a handle that both the HTTP state and the reindexer hold: the
//! app reads the current engine through it, and a rebuild swaps a new one in. Neither needs
//! the other to do its part.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::engine::Engine;

/// The engine serving right now, swappable while requests run: a request that has one keeps
/// it until it finishes.
#[derive(Clone)]
pub struct LiveEngine(Arc<ArcSwap<Engine>>);

impl LiveEngine {
    pub fn new(engine: Engine) -> LiveEngine {
        LiveEngine(Arc::new(ArcSwap::from_pointee(engine)))
    }

    /// The engine serving right now.
    pub fn current(&self) -> Arc<Engine> {
        self.0.load_full()
    }

    /// Serves `engine` from now on; returns the one it replaces.
    pub fn swap(&self, engine: Engine) -> Arc<Engine> {
        self.0.swap(Arc::new(engine))
    }

    /// Which handle this is: clones of one handle share it.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}
