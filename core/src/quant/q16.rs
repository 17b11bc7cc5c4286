//! The Q16.16 fixed-point path: weights, biases and activations as [`Q16`] numbers (16 integer
//! and 16 fraction bits, the `fixed` crate's `I16F16`), products accumulated exactly in Q32.32
//! ([`Q32`], its `I32F32`, 64 bits), saturating instead of wrapping. No scales and no
//! calibration of the arithmetic: every value keeps a resolution of 2⁻¹⁶ ≈ 1.5·10⁻⁵ within
//! ±32,768, so one file serves any chip with a 32×32→64-bit multiply (Cortex-M3 and up; the M0
//! emulates it).

use fixed::types::{I16F16, I32F32};

use super::{QuantError, sigmoid_q16, tanh_q16};
use crate::{Activation, Dense};

/// A Q16.16 fixed-point number: value = bits / 2¹⁶.
pub type Q16 = I16F16;

/// A Q32.32 accumulator: the exact product of two [`Q16`] numbers, and sums of them.
pub type Q32 = I32F32;

/// Half a Q16 step in Q32.32: added before dropping 16 fraction bits, it rounds half up.
const HALF_STEP: Q32 = Q32::from_bits(1 << 15);

/// Largest magnitude a calibrated activation may reach: a quarter of Q16's range, leaving room
/// for inputs beyond the calibration set.
pub const Q16_HEADROOM: f32 = 8192.0;

/// True when `v` is finite and within ±[`Q16_HEADROOM`].
pub(crate) fn within_headroom(v: f32) -> bool {
    v.is_finite() && libm::fabsf(v) <= Q16_HEADROOM
}

/// A Q16.16 dense layer:
///
/// ```text
/// acc[j] = bias[j] + Σₖ x[k]·w[k][j]          (Q32.32, exact products, saturating, k increasing)
/// y[j]   = φ(round(acc[j]))                   (to Q16.16, half up, saturating)
/// ```
///
/// with φ in integer form: ReLU max(y, 0); LeakyReLU y < 0 ↦ round(y·α) with α in Q16
/// (`negative_slope`); tanh and sigmoid by [`tanh_q16`] and [`sigmoid_q16`]. Integer arithmetic
/// only, so every platform computes the same bits.
///
/// # Examples
/// ```
/// use picogan::quant::{Q16, Q16Dense};
/// use picogan::{Activation, Dense};
/// let mut layer = Dense::<2, 1>::new(Activation::Relu);
/// layer.weight = [[0.5], [-0.25]];
/// let q = Q16Dense::from_dense(&layer).unwrap();
/// let y = q.forward(&[Q16::from_num(1), Q16::from_num(-1)]);
/// assert_eq!(y, [Q16::from_num(0.75)]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Q16Dense<const I: usize, const O: usize> {
    /// `weight\[k\]\[j\]`.
    pub weight: [[Q16; O]; I],
    /// `bias\[j\]`.
    pub bias: [Q16; O],
    /// LeakyReLU's α in Q16; zero for other activations.
    pub negative_slope: Q16,
    /// The float layer's activation (its integer form is applied; for LeakyReLU the slope is
    /// `negative_slope`).
    pub activation: Activation,
}

/// One output of a Q16 layer from its Q32.32 accumulator: rounded to Q16, then φ.
///
/// # Examples
/// ```
/// use picogan::Activation;
/// use picogan::quant::{Q16, Q32, activate_q16};
/// let acc = Q32::from_num(-2.5);
/// assert_eq!(activate_q16(acc, Activation::Relu, Q16::ZERO), Q16::ZERO);
/// let slope = Q16::from_num(0.25);
/// assert_eq!(activate_q16(acc, Activation::LeakyRelu(0.25), slope), Q16::from_num(-0.625));
/// ```
#[inline]
pub fn activate_q16(acc: Q32, activation: Activation, negative_slope: Q16) -> Q16 {
    let y = round_to_q16(acc);
    match activation {
        Activation::Identity => y,
        Activation::Relu => y.max(Q16::ZERO),
        Activation::LeakyRelu(_) if y.is_negative() => round_to_q16(y.wide_mul(negative_slope)),
        Activation::LeakyRelu(_) => y,
        Activation::Tanh => tanh_q16(y),
        Activation::Sigmoid => sigmoid_q16(y),
    }
}

/// round(acc) to Q16.16, half up, saturating at Q16's ends.
#[inline]
fn round_to_q16(acc: Q32) -> Q16 {
    // Dropping fraction bits rounds toward −∞; half a step first makes it round half up.
    Q16::saturating_from_num(acc.saturating_add(HALF_STEP))
}

/// The accumulator of output j: bias\[j\] + Σₖ x\[k\]·w\[k\]\[j\] in Q32.32, saturating, k
/// increasing. Shared by [`Q16Dense`] and the model file's layers.
///
/// # Examples
/// ```
/// use picogan::quant::{Q16, Q32, accumulate_q16};
/// let (half, two) = (Q16::from_num(0.5), Q16::from_num(2));
/// assert_eq!(accumulate_q16(half, [(two, two), (half, half)].into_iter()), Q32::from_num(4.75));
/// assert_eq!(accumulate_q16(Q16::MAX, [(Q16::MAX, Q16::MAX); 3].into_iter()), Q32::MAX);
/// ```
#[inline]
pub fn accumulate_q16(bias: Q16, x: impl Iterator<Item = (Q16, Q16)>) -> Q32 {
    let mut acc = Q32::from_num(bias);
    for (xk, wk) in x {
        acc = acc.saturating_add(xk.wide_mul(wk));
    }
    acc
}

/// The saturating Q16 layer, wherever its parameters are stored (a [`Q16Dense`], a model file):
/// for each output j, [`accumulate_q16`] of bias(j) and x\[k\]·w(k, j) in increasing k, then
/// [`activate_q16`] with the layer's `(activation, negative_slope)`. `weight(k, j)` is
/// w\[k\]\[j\]; `x` has the layer's inputs, `y` receives its outputs.
#[inline]
pub(crate) fn saturating_outputs_q16(
    (activation, negative_slope): (Activation, Q16),
    weight: impl Fn(usize, usize) -> Q16,
    bias: impl Fn(usize) -> Q16,
    x: &[Q16],
    y: &mut [Q16],
) {
    for (j, yj) in y.iter_mut().enumerate() {
        let products = x.iter().enumerate().map(|(k, &xk)| (xk, weight(k, j)));
        let acc = accumulate_q16(bias(j), products); // Q32.32
        *yj = activate_q16(acc, activation, negative_slope);
    }
}

impl<const I: usize, const O: usize> Q16Dense<I, O> {
    /// One sample through the layer.
    ///
    /// Each product is at most |x\[k\]|·2³¹ in Q32.32 bits, so when
    /// |bias\[j\]|·2¹⁶ + I·max|x|·2³¹ < 2⁶³ (checked per sample, in O(I + O)) no partial sum can
    /// overflow and plain 64-bit sums give the saturating sums' exact values: one
    /// multiply-accumulate instruction each on a Cortex-M3 (`SMLAL`). Otherwise each sum
    /// saturates step by step ([`accumulate_q16`]).
    pub fn forward(&self, x: &[Q16; I]) -> [Q16; O] {
        let largest_input = x.iter().map(|v| v.to_bits().unsigned_abs()).max();
        let largest_bias = self.bias.iter().map(|b| b.to_bits().unsigned_abs()).max();
        let bound = I as u64 * u64::from(largest_input.unwrap_or(0))
            + u64::from(largest_bias.unwrap_or(0) >> 15)
            + 1;
        if bound >= 1 << 32 {
            let mut y = [Q16::ZERO; O];
            let layer = (self.activation, self.negative_slope);
            saturating_outputs_q16(layer, |k, j| self.weight[k][j], |j| self.bias[j], x, &mut y);
            return y;
        }
        core::array::from_fn(|j| {
            let mut acc = i64::from(self.bias[j].to_bits()) << 16; // Q32.32
            for (xk, wk) in x.iter().zip(&self.weight) {
                acc += i64::from(xk.to_bits()) * i64::from(wk[j].to_bits());
            }
            activate_q16(Q32::from_bits(acc), self.activation, self.negative_slope)
        })
    }

    /// The float layer with every parameter, and LeakyReLU's α, rounded to the nearest Q16
    /// value (host side: uses floating point). Parameters beyond ±[`Q16_HEADROOM`] are refused.
    pub fn from_dense(dense: &Dense<I, O>) -> Result<Self, QuantError> {
        let mut layer = Q16Dense {
            weight: [[Q16::ZERO; O]; I],
            bias: [Q16::ZERO; O],
            negative_slope: Q16::ZERO,
            activation: dense.activation,
        };
        let float = (
            dense.weight.as_flattened(),
            &dense.bias[..],
            dense.activation,
        );
        round_layer_q16(float, layer.view_mut())?;
        Ok(layer)
    }

    /// The layer as a mutable view whose shape is known at run time.
    fn view_mut(&mut self) -> Q16DenseMut<'_> {
        Q16DenseMut {
            inputs: I,
            outputs: O,
            weight: self.weight.as_flattened_mut(),
            bias: &mut self.bias,
            negative_slope: &mut self.negative_slope,
            activation: &mut self.activation,
        }
    }
}

/// [`Q16Dense::from_dense`]'s rounding of the float layer `(weight, bias, activation)`
/// (`weight[k·O + j]`, as in [`Dense`]) into `q`, whatever holds its shape.
pub(crate) fn round_layer_q16(
    (weight, bias, activation): (&[f32], &[f32], Activation),
    q: Q16DenseMut<'_>,
) -> Result<(), QuantError> {
    let convert = |v: f32| {
        if within_headroom(v) {
            Ok(Q16::from_num(v))
        } else {
            Err(QuantError::OutOfQ16Range)
        }
    };
    *q.activation = activation;
    *q.negative_slope = match activation {
        Activation::LeakyRelu(alpha) => convert(alpha)?,
        _ => Q16::ZERO,
    };
    for (qw, &w) in q.weight.iter_mut().zip(weight) {
        *qw = convert(w)?;
    }
    for (qb, &b) in q.bias.iter_mut().zip(bias) {
        *qb = convert(b)?;
    }
    Ok(())
}

/// A Q16.16 network: a [`Q16Dense`] or a pair `(A, B)` of them.
pub trait Q16Layer {
    /// Inputs per sample.
    const INPUTS: usize;
    /// Outputs per sample.
    const OUTPUTS: usize;
    /// Number of dense layers.
    const LAYERS: usize;
    /// One input sample, `[Q16; I]`.
    type Input;
    /// One output sample, `[Q16; O]`.
    type Output;
    /// One sample through every layer.
    fn forward(&self, x: &Self::Input) -> Self::Output;
    /// `N` samples through every layer, layer by layer; a [`Q16Dense`] takes them one by one.
    fn forward_batch<const N: usize>(&self, x: &[Self::Input; N]) -> [Self::Output; N];
    /// Dense layer `index` (0 is the input side): shape, `weight\[k·O + j\]`, biases, α,
    /// activation.
    fn layer(&self, index: usize) -> Option<Q16DenseRef<'_>>;
    /// Dense layer `index`, for reading model files.
    fn layer_mut(&mut self, index: usize) -> Option<Q16DenseMut<'_>>;
}

/// A view of one [`Q16Dense`] whose shape is known at run time.
#[derive(Clone, Copy, Debug)]
pub struct Q16DenseRef<'a> {
    /// Inputs I.
    pub inputs: usize,
    /// Outputs O.
    pub outputs: usize,
    /// `weight\[k·O + j\]`.
    pub weight: &'a [Q16],
    /// `bias\[j\]`.
    pub bias: &'a [Q16],
    /// LeakyReLU's α.
    pub negative_slope: Q16,
    /// The activation.
    pub activation: Activation,
}

/// A mutable view of one [`Q16Dense`].
#[derive(Debug)]
pub struct Q16DenseMut<'a> {
    /// Inputs I.
    pub inputs: usize,
    /// Outputs O.
    pub outputs: usize,
    /// `weight\[k·O + j\]`.
    pub weight: &'a mut [Q16],
    /// `bias\[j\]`.
    pub bias: &'a mut [Q16],
    /// LeakyReLU's α.
    pub negative_slope: &'a mut Q16,
    /// The activation.
    pub activation: &'a mut Activation,
}

impl<const I: usize, const O: usize> Q16Layer for Q16Dense<I, O> {
    const INPUTS: usize = I;
    const OUTPUTS: usize = O;
    const LAYERS: usize = 1;
    type Input = [Q16; I];
    type Output = [Q16; O];

    fn forward(&self, x: &[Q16; I]) -> [Q16; O] {
        Q16Dense::forward(self, x)
    }

    fn forward_batch<const N: usize>(&self, x: &[[Q16; I]; N]) -> [[Q16; O]; N] {
        core::array::from_fn(|n| Q16Dense::forward(self, &x[n]))
    }

    fn layer(&self, index: usize) -> Option<Q16DenseRef<'_>> {
        (index == 0).then_some(Q16DenseRef {
            inputs: I,
            outputs: O,
            weight: self.weight.as_flattened(),
            bias: &self.bias,
            negative_slope: self.negative_slope,
            activation: self.activation,
        })
    }

    fn layer_mut(&mut self, index: usize) -> Option<Q16DenseMut<'_>> {
        (index == 0).then(|| self.view_mut())
    }
}

impl_network_pair!(Q16Layer, Q16DenseRef, Q16DenseMut);

/// Conversion of a float network ([`crate::Dense`] or pairs of them) to Q16.16, its range
/// checked on the float network's own activations.
pub trait ToQ16: crate::Layer {
    /// The Q16 network of the same shape.
    type Q16Network: Q16Layer;

    /// Rounds every parameter to Q16 after checking, on the calibration `inputs`, that every
    /// layer's float pre-activations and outputs stay within ±[`Q16_HEADROOM`]: Q16 cannot
    /// hold them otherwise, and would saturate.
    ///
    /// # Examples
    /// ```
    /// use picogan::quant::{Q16, Q16Layer, ToQ16};
    /// use picogan::rng::{NoiseRng, SeedableRng};
    /// use picogan::{Activation::*, Dense, Layer, Mlp2};
    /// let mut net: Mlp2<2, 16, 2> = (Dense::new(Relu), Dense::new(Tanh));
    /// net.init_params(&mut NoiseRng::seed_from_u64(3));
    /// let q = net.to_q16([[1.0f32, -1.0]].into_iter()).unwrap();
    /// let x = [0.3f32, -0.6];
    /// let y = q.forward(&x.map(Q16::from_num));
    /// let exact = net.forward(&x);
    /// assert!((y[0].to_num::<f32>() - exact[0]).abs() < 1e-3);
    /// ```
    fn to_q16<It>(&self, inputs: It) -> Result<Self::Q16Network, QuantError>
    where
        It: Iterator<Item = Self::Input> + Clone;
}

impl<const I: usize, const O: usize> ToQ16 for Dense<I, O> {
    type Q16Network = Q16Dense<I, O>;

    fn to_q16<It>(&self, inputs: It) -> Result<Q16Dense<I, O>, QuantError>
    where
        It: Iterator<Item = [f32; I]> + Clone,
    {
        let linear = Dense {
            activation: Activation::Identity,
            ..self.clone()
        };
        for x in inputs {
            let pre = crate::Layer::forward(&linear, &x);
            if !pre.iter().all(|&v| within_headroom(v)) {
                return Err(QuantError::OutOfQ16Range);
            }
        }
        Q16Dense::from_dense(self)
    }
}

impl<A, L> ToQ16 for (A, L)
where
    A: ToQ16,
    L: ToQ16<Input = A::Output>,
    L::Q16Network: Q16Layer<Input = <A::Q16Network as Q16Layer>::Output>,
{
    type Q16Network = (A::Q16Network, L::Q16Network);

    fn to_q16<It>(&self, inputs: It) -> Result<Self::Q16Network, QuantError>
    where
        It: Iterator<Item = A::Input> + Clone,
    {
        let first = self.0.to_q16(inputs.clone())?;
        let rest = self.1.to_q16(inputs.map(|x| self.0.forward(&x)))?;
        Ok((first, rest))
    }
}
