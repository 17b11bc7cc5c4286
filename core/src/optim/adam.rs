//! Adam.

use super::Optimizer;
use crate::{Network, Zeroed};

/// Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1),
/// with PyTorch's defaults and order of operations (`torch.optim.Adam`, no weight decay):
///
/// m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
/// θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
///
/// β₁ᵗ and β₂ᵗ are kept as running products in the state (no `pow` call, same bits everywhere).
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Network, optim::{Adam, Optimizer}};
/// let mut p = Dense::<1, 1>::new(Activation::Identity);
/// let mut g = p.zeroed_like();
/// g.bias = [0.3];
/// let adam = Adam::default();
/// let mut state = adam.new_state(&p);
/// adam.step(&mut p, &g, &mut state);
/// // The first bias-corrected step is −η·g/(|g| + ε) ≈ −η.
/// assert!((p.bias[0] + 1e-3).abs() < 1e-8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Adam {
    /// Learning rate η (default 1e-3).
    pub lr: f32,
    /// Decay of the first moment β₁ (default 0.9).
    pub beta1: f32,
    /// Decay of the second moment β₂ (default 0.999).
    pub beta2: f32,
    /// ε added to the denominator (default 1e-8).
    pub eps: f32,
}

impl Default for Adam {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Adam's state: both moments shaped like the network, and the step count.
#[derive(Clone, Debug)]
pub struct AdamState<N> {
    /// First moment m.
    pub m: N,
    /// Second moment v.
    pub v: N,
    /// Steps taken, t.
    pub step: u32,
    /// β₁ᵗ.
    pub beta1_power: f32,
    /// β₂ᵗ.
    pub beta2_power: f32,
}

impl Zeroed for Adam {
    const ZEROED: Self = Adam {
        lr: 0.0,
        beta1: 0.0,
        beta2: 0.0,
        eps: 0.0,
    };
}

/// All zero, including the running products β₁ᵗ and β₂ᵗ (a fresh state has them at 1: see
/// [`Optimizer::reset_state`]).
impl<N: Zeroed> Zeroed for AdamState<N> {
    const ZEROED: Self = AdamState {
        m: N::ZEROED,
        v: N::ZEROED,
        step: 0,
        beta1_power: 0.0,
        beta2_power: 0.0,
    };
}

impl Optimizer for Adam {
    type State<N: Network + Zeroed> = AdamState<N>;

    fn reset_state<N: Network + Zeroed>(&self, state: &mut AdamState<N>) {
        state.m.zero_params();
        state.v.zero_params();
        state.step = 0;
        state.beta1_power = 1.0;
        state.beta2_power = 1.0;
    }

    fn new_state<N: Network + Zeroed>(&self, params: &N) -> AdamState<N> {
        AdamState {
            m: params.zeroed_like(),
            v: params.zeroed_like(),
            step: 0,
            beta1_power: 1.0,
            beta2_power: 1.0,
        }
    }

    fn step<N: Network + Zeroed>(&self, params: &mut N, grads: &N, state: &mut AdamState<N>) {
        let Adam {
            lr,
            beta1,
            beta2,
            eps,
        } = *self;
        state.step = state.step.saturating_add(1);
        state.beta1_power *= beta1;
        state.beta2_power *= beta2;
        let step_size = lr / (1.0 - state.beta1_power);
        let bias_correction2_sqrt = crate::math::sqrt(1.0 - state.beta2_power);
        let AdamState { m, v, .. } = state;
        let constants = Step {
            beta1,
            beta2,
            eps,
            step_size,
            bias_correction2_sqrt,
        };
        let mut index = 0;
        while let (Some(p), Some(g), Some(m), Some(v)) = (
            params.tensor_mut(index),
            grads.tensor(index),
            m.tensor_mut(index),
            v.tensor_mut(index),
        ) {
            update_tensor(p, g, m, v, &constants);
            index += 1;
        }
    }
}

/// The per-step constants of an Adam update.
struct Step {
    beta1: f32,
    beta2: f32,
    eps: f32,
    step_size: f32,
    bias_correction2_sqrt: f32,
}

/// Updates one tensor: m, v, then θ, compiled for the selected instruction set (the same bits
/// at any width: every operation is elementwise and correctly rounded). Kept out of line:
/// inlined into a large training loop, this loop compiled to code measured 40% slower for the
/// whole training step.
#[inline(never)]
fn update_tensor(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], c: &Step) {
    crate::kernels::on_selected_target!(|_target, _ROWS| update_elements(p, g, m, v, c))
}

#[inline(always)]
fn update_elements(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], c: &Step) {
    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
        *m = c.beta1 * *m + (1.0 - c.beta1) * g;
        *v = c.beta2 * *v + (1.0 - c.beta2) * g * g;
        let denom = crate::math::sqrt(*v) / c.bias_correction2_sqrt + c.eps;
        *p -= c.step_size * (*m / denom);
    }
}
