//! Optimizers. Each value holds only its configuration; its state (moments, step count) is a
//! separate value the caller owns, so it can sit in a `static` or be checkpointed.

mod adam;
mod sgd;

pub use adam::{Adam, AdamState};
pub use sgd::{Sgd, SgdState};

use crate::Layer;

/// A first-order optimizer over any [`Layer`]'s parameters.
pub trait Optimizer {
    /// Per-network state (for example Adam's moments), of a size known at compile time.
    type State<N: Layer>;

    /// A fresh state for a network shaped like `params`.
    fn new_state<N: Layer>(&self, params: &N) -> Self::State<N>;

    /// One update: θ ← θ − (step computed from `grads` and the state).
    fn step<N: Layer>(&self, params: &mut N, grads: &N, state: &mut Self::State<N>);
}
