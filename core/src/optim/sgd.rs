//! Stochastic gradient descent with momentum.

use super::Optimizer;
use crate::{Network, Zeroed};

/// SGD with (heavy-ball) momentum, PyTorch's `torch.optim.SGD` without dampening or weight decay:
/// b ← μ·b + g, θ ← θ − η·b (b starts at 0, so the first step is θ − η·g).
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Network, optim::{Optimizer, Sgd}};
/// let mut p = Dense::<1, 1>::new(Activation::Identity);
/// let mut g = p.zeroed_like();
/// g.bias = [2.0];
/// let sgd = Sgd { lr: 0.5, momentum: 0.9 };
/// let mut state = sgd.new_state(&p);
/// sgd.step(&mut p, &g, &mut state); // b = 2, θ = −1
/// sgd.step(&mut p, &g, &mut state); // b = 3.8, θ = −2.9
/// assert!((p.bias[0] + 2.9).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sgd {
    /// Learning rate η.
    pub lr: f32,
    /// Momentum μ (0 for plain SGD).
    pub momentum: f32,
}

/// SGD's state: the momentum buffer b, shaped like the network.
#[derive(Clone, Debug)]
pub struct SgdState<N> {
    /// b, one entry per parameter.
    pub velocity: N,
}

impl Zeroed for Sgd {
    const ZEROED: Self = Sgd {
        lr: 0.0,
        momentum: 0.0,
    };
}

impl<N: Zeroed> Zeroed for SgdState<N> {
    const ZEROED: Self = SgdState {
        velocity: N::ZEROED,
    };
}

impl Optimizer for Sgd {
    type State<N: Network + Zeroed> = SgdState<N>;

    fn reset_state<N: Network + Zeroed>(&self, state: &mut SgdState<N>) {
        state.velocity.zero_params();
    }

    fn new_state<N: Network + Zeroed>(&self, params: &N) -> SgdState<N> {
        SgdState {
            velocity: params.zeroed_like(),
        }
    }

    fn step<N: Network + Zeroed>(&self, params: &mut N, grads: &N, state: &mut SgdState<N>) {
        let Sgd { lr, momentum } = *self;
        for_each_param(params, grads, &mut state.velocity, |p, g, b| {
            *b = momentum * *b + g;
            *p -= lr * *b;
        });
    }
}

/// Calls `update(θ, g, s)` for every scalar parameter θ of `params`, with its gradient g and the
/// matching slot s of one state network, tensor by tensor.
fn for_each_param<N: Network>(
    params: &mut N,
    grads: &N,
    state: &mut N,
    mut update: impl FnMut(&mut f32, f32, &mut f32),
) {
    let mut index = 0;
    while let (Some(p), Some(g), Some(s)) = (
        params.tensor_mut(index),
        grads.tensor(index),
        state.tensor_mut(index),
    ) {
        for ((p, &g), s) in p.iter_mut().zip(g).zip(s.iter_mut()) {
            update(p, g, s);
        }
        index += 1;
    }
}
