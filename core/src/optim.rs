//! Optimizers. Each value holds only its configuration; its state (moments, step count) is a
//! separate value the caller owns, so it can sit in a `static` or be checkpointed.

mod adam;
mod sgd;

pub use adam::{Adam, AdamState};
pub use sgd::{Sgd, SgdState};

use crate::{Network, Zeroed};

/// A first-order optimizer over the parameters of any [`Network`], shaped at compile time or at run
/// time. Its `ZEROED` value (every
/// hyperparameter 0) only holds a place in a zeroed static until the real one is set.
pub trait Optimizer: Zeroed {
    /// Per-network state (for example Adam's moments), shaped like the network.
    type State<N: Network + Zeroed>: Zeroed;

    /// Makes `state` a fresh state, in place (nothing as large as the state is built on the
    /// stack).
    fn reset_state<N: Network + Zeroed>(&self, state: &mut Self::State<N>);

    /// A fresh state for a network shaped like `params`.
    fn new_state<N: Network + Zeroed>(&self, params: &N) -> Self::State<N>;

    /// One update: θ ← θ − (step computed from `grads` and the state).
    fn step<N: Network + Zeroed>(&self, params: &mut N, grads: &N, state: &mut Self::State<N>);
}
