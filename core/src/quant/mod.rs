//! Integer-only inference for chips without a floating-point unit: TensorFlow Lite's int8
//! scheme (Jacob et al., "Quantization and Training of Neural Networks for Efficient
//! Integer-Arithmetic-Only Inference", CVPR 2018; the TFLite int8 quantization specification).
//!
//! A real value r is stored as q with r = s·(q − z): scale s, zero point z. Activations are
//! int8 with a scale and zero point per tensor; weights are int8, symmetric (z = 0) with a scale
//! per output channel; biases are int32 in units of s_in·s_w. A layer accumulates in int32
//! (saturating, never wrapping) and rescales to the next tensor with a fixed-point multiplier
//! ([`Multiplier`]). Integer arithmetic is exact, so host and device agree bit for bit.
//!
//! Networks are nested pairs of [`QDense`] layers, like the float ones; [`QLayer`] runs them.
//! [`normal_q16`] draws the noise without floating point. With feature `train`, [`distill`]
//! fine-tunes a network so that its int8 weights keep the float network's outputs.

mod dense;
#[cfg(feature = "train")]
mod distill;
mod multiplier;
mod noise;

pub use dense::QDense;
#[cfg(feature = "train")]
pub use distill::{distill, fake_quantize_weights};
pub use multiplier::Multiplier;
pub use noise::{NOISE_FRACTION_BITS, fill_normal_q16, normal_q16};

use core::fmt;

/// How a real tensor maps to int8: r = scale·(q − zero_point).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct QuantParams {
    /// s > 0.
    pub scale: f32,
    /// z in −128..=127.
    pub zero_point: i32,
}

impl QuantParams {
    /// Parameters covering [min, max] (widened to include 0, so that real zero is exact) with
    /// the 256 int8 levels: s = (max − min)/255, z = round(−128 − min/s).
    ///
    /// # Examples
    /// ```
    /// use picogan::quant::QuantParams;
    /// let p = QuantParams::from_range(0.0, 2.55);
    /// assert_eq!((p.zero_point, p.quantize(0.0), p.quantize(2.55)), (-128, -128, 127));
    /// ```
    pub fn from_range(min: f32, max: f32) -> QuantParams {
        let (min, max) = (min.min(0.0), max.max(0.0));
        let scale = if max > min { (max - min) / 255.0 } else { 1.0 };
        let zero_point = libm::roundf(-128.0 - min / scale).clamp(-128.0, 127.0) as i32;
        QuantParams { scale, zero_point }
    }

    /// Symmetric parameters for [−limit, limit]: s = limit/127, z = 0.
    pub fn symmetric(limit: f32) -> QuantParams {
        QuantParams {
            scale: if limit > 0.0 { limit / 127.0 } else { 1.0 },
            zero_point: 0,
        }
    }

    /// round(r/s) + z, clamped to int8.
    pub fn quantize(self, r: f32) -> i8 {
        (libm::roundf(r / self.scale) + self.zero_point as f32).clamp(-128.0, 127.0) as i8
    }

    /// s·(q − z).
    pub fn dequantize(self, q: i8) -> f32 {
        self.scale * (i32::from(q) - self.zero_point) as f32
    }
}

/// Why a float layer cannot be quantized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum QuantError {
    /// Tanh and sigmoid have no integer form here yet.
    UnsupportedActivation,
    /// A rescaling factor s_in·s_w/s_out is not a finite number below 2³⁰.
    ScaleOutOfRange,
}

impl fmt::Display for QuantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantError::UnsupportedActivation => {
                f.write_str("tanh and sigmoid layers cannot be quantized to int8 yet")
            }
            QuantError::ScaleOutOfRange => f.write_str(
                "a layer's rescaling factor is out of range (calibration ranges too small?)",
            ),
        }
    }
}

impl core::error::Error for QuantError {}

/// An int8 network: a [`QDense`] or a pair `(A, B)` of them.
pub trait QLayer {
    /// Inputs per sample.
    const INPUTS: usize;
    /// Outputs per sample.
    const OUTPUTS: usize;
    /// One input sample, `[i8; I]`.
    type Input;
    /// One output sample, `[i8; O]`.
    type Output;
    /// One sample through every layer.
    fn forward(&self, x: &Self::Input) -> Self::Output;
}

impl<const I: usize, const O: usize> QLayer for QDense<I, O> {
    const INPUTS: usize = I;
    const OUTPUTS: usize = O;
    type Input = [i8; I];
    type Output = [i8; O];

    fn forward(&self, x: &[i8; I]) -> [i8; O] {
        QDense::forward(self, x)
    }
}

impl<A: QLayer, L: QLayer<Input = A::Output>> QLayer for (A, L) {
    const INPUTS: usize = A::INPUTS;
    const OUTPUTS: usize = L::OUTPUTS;
    type Input = A::Input;
    type Output = L::Output;

    fn forward(&self, x: &A::Input) -> L::Output {
        self.1.forward(&self.0.forward(x))
    }
}

/// Post-training quantization of a float network ([`crate::Dense`] or pairs of them), each
/// layer's output range calibrated on the float network's own activations.
pub trait Quantize: crate::Layer {
    /// The int8 network of the same shape.
    type Quantized: QLayer;

    /// Quantizes for inputs described by `input`; each layer's output parameters come from the
    /// range of its float outputs over `inputs` ([`QuantParams::from_range`]). Returns the int8
    /// network and its output's parameters.
    ///
    /// # Examples
    /// ```
    /// use picogan::quant::{QLayer, QuantParams, Quantize};
    /// use picogan::rng::{NoiseRng, SeedableRng, uniform_in};
    /// use picogan::{Activation::*, Dense, Layer, Mlp2};
    /// let mut rng = NoiseRng::seed_from_u64(3);
    /// let mut net: Mlp2<2, 16, 2> = (Dense::new(Relu), Dense::new(Identity));
    /// net.init_params(&mut rng);
    /// let inputs: Vec<[f32; 2]> = (0..500)
    ///     .map(|_| [uniform_in(&mut rng, -1.0, 1.0), uniform_in(&mut rng, -1.0, 1.0)])
    ///     .collect();
    /// let input = QuantParams::symmetric(1.0);
    /// let (q, output) = net.quantize(inputs.iter().copied(), input).unwrap();
    /// let x = [0.3f32, -0.6];
    /// let y = q.forward(&x.map(|v| input.quantize(v))).map(|v| output.dequantize(v));
    /// let exact = net.forward(&x);
    /// assert!((y[0] - exact[0]).abs() < 0.02 && (y[1] - exact[1]).abs() < 0.02);
    /// ```
    fn quantize<It>(
        &self,
        inputs: It,
        input: QuantParams,
    ) -> Result<(Self::Quantized, QuantParams), QuantError>
    where
        It: Iterator<Item = Self::Input> + Clone;
}

impl<const I: usize, const O: usize> Quantize for crate::Dense<I, O> {
    type Quantized = QDense<I, O>;

    fn quantize<It>(
        &self,
        inputs: It,
        input: QuantParams,
    ) -> Result<(QDense<I, O>, QuantParams), QuantError>
    where
        It: Iterator<Item = [f32; I]> + Clone,
    {
        let (mut min, mut max) = (0.0f32, 0.0f32);
        for x in inputs {
            for y in crate::Layer::forward(self, &x) {
                min = min.min(y);
                max = max.max(y);
            }
        }
        let output = QuantParams::from_range(min, max);
        Ok((QDense::from_dense(self, input, output)?, output))
    }
}

impl<A, L> Quantize for (A, L)
where
    A: Quantize,
    L: Quantize<Input = A::Output>,
    L::Quantized: QLayer<Input = <A::Quantized as QLayer>::Output>,
{
    type Quantized = (A::Quantized, L::Quantized);

    fn quantize<It>(
        &self,
        inputs: It,
        input: QuantParams,
    ) -> Result<(Self::Quantized, QuantParams), QuantError>
    where
        It: Iterator<Item = A::Input> + Clone,
    {
        let (first, hidden) = self.0.quantize(inputs.clone(), input)?;
        let (rest, output) = self
            .1
            .quantize(inputs.map(|x| self.0.forward(&x)), hidden)?;
        Ok(((first, rest), output))
    }
}
