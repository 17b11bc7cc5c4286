//! Activation functions fused into dense layers, each with its derivative.

/// An element-wise activation applied to a dense layer's output.
///
/// Every derivative is computed from the activation's *output* y = φ(x), so a layer only has to
/// keep its outputs for the backward pass (PyTorch does the same for tanh and sigmoid).
///
/// | variant | φ(x) | φ′ as a function of y |
/// |---|---|---|
/// | `Identity` | x | 1 |
/// | `Relu` | max(x, 0) | 1 if y > 0, else 0 |
/// | `LeakyRelu(α)` | x if x ≥ 0, else αx | 1 if y > 0, else α (needs α ≥ 0) |
/// | `Tanh` | tanh x | 1 − y² |
/// | `Sigmoid` | 1 / (1 + e⁻ˣ) | y (1 − y) |
///
/// At the kink x = 0, ReLU's derivative is taken as 0 and LeakyReLU's as α, as in PyTorch.
/// NaN inputs give NaN outputs (a training run can then notice them).
///
/// # Examples
/// ```
/// use picogan::Activation;
/// assert_eq!(Activation::LeakyRelu(0.2).apply(-1.0), -0.2);
/// assert_eq!(Activation::Relu.derivative(0.0), 0.0);
/// assert!(Activation::Relu.is_piecewise_linear() && !Activation::Tanh.is_piecewise_linear());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// φ(x) = x.
    Identity,
    /// φ(x) = max(x, 0).
    Relu,
    /// φ(x) = x for x ≥ 0, αx otherwise; α must be ≥ 0 (the model file rejects other values).
    LeakyRelu(f32),
    /// φ(x) = tanh x.
    Tanh,
    /// φ(x) = 1 / (1 + e⁻ˣ), computed without overflow for any x.
    Sigmoid,
}

impl Activation {
    /// φ(x).
    #[inline]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Identity => x,
            Activation::Relu => relu(x),
            Activation::LeakyRelu(alpha) => leaky_relu(x, alpha),
            Activation::Tanh => crate::math::tanh(x),
            Activation::Sigmoid => sigmoid(x),
        }
    }

    /// φ′(x) expressed through the output y = φ(x).
    #[inline]
    pub fn derivative(self, y: f32) -> f32 {
        match self {
            Activation::Identity => 1.0,
            Activation::Relu => relu_derivative(y),
            Activation::LeakyRelu(alpha) => leaky_relu_derivative(y, alpha),
            Activation::Tanh => 1.0 - y * y,
            Activation::Sigmoid => y * (1.0 - y),
        }
    }

    /// True when φ is piecewise linear (φ″ = 0 almost everywhere). Only then is the closed-form
    /// gradient of the R1 penalty exact; see [`crate::Trainable::r1_tangent_batch`].
    pub fn is_piecewise_linear(self) -> bool {
        matches!(
            self,
            Activation::Identity | Activation::Relu | Activation::LeakyRelu(_)
        )
    }

    /// Applies φ in place to every element.
    #[inline]
    pub(crate) fn apply_in_place(self, ys: &mut [f32]) {
        match self {
            Activation::Identity => {}
            Activation::Relu => ys.iter_mut().for_each(|y| *y = relu(*y)),
            Activation::LeakyRelu(alpha) => ys.iter_mut().for_each(|y| *y = leaky_relu(*y, alpha)),
            Activation::Tanh => ys.iter_mut().for_each(|y| *y = crate::math::tanh(*y)),
            Activation::Sigmoid => ys.iter_mut().for_each(|y| *y = sigmoid(*y)),
        }
    }

    /// Writes `outputs[i] = φ(inputs[i])`. The `match` sits outside the loops, so each arm is a
    /// plain loop the compiler can vectorise; every output is stored, so the choice between two
    /// values compiles to a blend, never to a masked store (slow on x86, and a stall when the
    /// values are read back soon after).
    #[inline]
    pub(crate) fn apply_to(self, inputs: &[f32], outputs: &mut [f32]) {
        let pairs = outputs.iter_mut().zip(inputs);
        match self {
            Activation::Identity => pairs.for_each(|(y, &x)| *y = x),
            Activation::Relu => pairs.for_each(|(y, &x)| *y = relu(x)),
            Activation::LeakyRelu(alpha) => pairs.for_each(|(y, &x)| *y = leaky_relu(x, alpha)),
            Activation::Tanh => pairs.for_each(|(y, &x)| *y = crate::math::tanh(x)),
            Activation::Sigmoid => pairs.for_each(|(y, &x)| *y = sigmoid(x)),
        }
    }

    /// Multiplies each gradient by φ′ taken at the matching output: `grads[i] *= φ′(outputs[i])`.
    #[cfg(feature = "train")]
    #[inline]
    pub(crate) fn scale_by_derivative(self, outputs: &[f32], grads: &mut [f32]) {
        let pairs = grads.iter_mut().zip(outputs);
        match self {
            Activation::Identity => {}
            Activation::Relu => pairs.for_each(|(g, &y)| *g *= relu_derivative(y)),
            Activation::LeakyRelu(alpha) => {
                pairs.for_each(|(g, &y)| *g *= leaky_relu_derivative(y, alpha))
            }
            Activation::Tanh => pairs.for_each(|(g, &y)| *g *= 1.0 - y * y),
            Activation::Sigmoid => pairs.for_each(|(g, &y)| *g *= y * (1.0 - y)),
        }
    }
}

#[inline]
fn relu(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}

#[inline]
fn relu_derivative(y: f32) -> f32 {
    if y > 0.0 { 1.0 } else { 0.0 }
}

#[inline]
fn leaky_relu(x: f32, alpha: f32) -> f32 {
    if x < 0.0 { alpha * x } else { x }
}

#[inline]
fn leaky_relu_derivative(y: f32, alpha: f32) -> f32 {
    if y > 0.0 { 1.0 } else { alpha }
}

/// The logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), evaluated so that e^{|x|} never overflows:
/// for x < 0 it uses σ(x) = eˣ / (1 + eˣ).
///
/// # Examples
/// ```
/// assert_eq!(picogan::sigmoid(0.0), 0.5);
/// assert!(picogan::sigmoid(-200.0) >= 0.0 && picogan::sigmoid(200.0) == 1.0);
/// ```
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + crate::math::exp(-x))
    } else {
        let e = crate::math::exp(x);
        e / (1.0 + e)
    }
}
