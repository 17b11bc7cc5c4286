//! Optimizers. Each value holds only its configuration; its state (moments, step count) is a
//! separate value the caller owns, so it can sit in a `static` or be checkpointed.

mod adam;
mod sgd;

pub use adam::{Adam, AdamState};
pub use sgd::{Sgd, SgdState};

use crate::{Layer, Zeroed};

/// A first-order optimizer over any [`Layer`]'s parameters. Its `ZEROED` value (every
/// hyperparameter 0) only holds a place in a zeroed static until the real one is set.
pub trait Optimizer: Zeroed {
    /// Per-network state (for example Adam's moments), of a size known at compile time.
    type State<N: Layer>: Zeroed;

    /// Makes `state` a fresh state, in place (nothing as large as the state is built on the
    /// stack).
    fn reset_state<N: Layer>(&self, state: &mut Self::State<N>);

    /// A fresh state for a network of `params`' type.
    fn new_state<N: Layer>(&self, params: &N) -> Self::State<N> {
        let _ = params;
        let mut state = Zeroed::ZEROED;
        self.reset_state(&mut state);
        state
    }

    /// One update: θ ← θ − (step computed from `grads` and the state).
    fn step<N: Layer>(&self, params: &mut N, grads: &N, state: &mut Self::State<N>);
}
