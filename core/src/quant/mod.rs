//! Integer-only inference for chips without a floating-point unit: TensorFlow Lite's int8
//! scheme (Jacob et al., "Quantization and Training of Neural Networks for Efficient
//! Integer-Arithmetic-Only Inference", CVPR 2018; the TFLite int8 quantization specification).
//!
//! A real value r is stored as q with r = s·(q − z): scale s, zero point z. Activations are
//! int8 with a scale and zero point per tensor; weights are int8, symmetric (z = 0) with a scale
//! per output channel; biases are int32 in units of s_in·s_w. A layer accumulates in int32
//! (saturating, never wrapping) and rescales to the next tensor with a fixed-point multiplier
//! ([`Multiplier`]). Tanh and sigmoid layers use a table in Q16.16 and fixed output parameters
//! ([`QuantParams::fixed_for`]). Integer arithmetic is exact, so host and device agree bit for
//! bit.
//!
//! Networks are nested pairs of [`QDense`] layers, like the float ones; [`QLayer`] runs them.
//! With feature `alloc`, [`DynQMlp`] and [`DynQ16Mlp`] hold any architecture chosen at run
//! time and give the same bits. [`normal_q16`] draws the noise without floating point. With
//! features `train` and `alloc`, [`distill`] fine-tunes a network so that its int8 weights keep
//! the float network's outputs.
//!
//! The Q16.16 fixed-point path ([`Q16Dense`], [`Q16Layer`], [`ToQ16`]) needs no scales: values
//! keep 16 fraction bits, products accumulate exactly in 64 bits. It costs four times the int8
//! path's weight memory and keeps the float network's outputs to about 10⁻⁴; it also has
//! tanh and sigmoid ([`tanh_q16`], [`sigmoid_q16`]).

/// Implements a network trait ([`QLayer`], [`Q16Layer`]) for a pair `(A, B)` of networks: A's
/// outputs feed B, and layer indices run through A's layers, then B's.
macro_rules! impl_network_pair {
    ($network:ident, $view:ident, $view_mut:ident) => {
        impl<A: $network, L: $network<Input = A::Output>> $network for (A, L) {
            const INPUTS: usize = A::INPUTS;
            const OUTPUTS: usize = L::OUTPUTS;
            const LAYERS: usize = A::LAYERS + L::LAYERS;
            type Input = A::Input;
            type Output = L::Output;

            fn forward(&self, x: &A::Input) -> L::Output {
                self.1.forward(&self.0.forward(x))
            }

            fn forward_batch<const N: usize>(&self, x: &[A::Input; N]) -> [L::Output; N] {
                self.1.forward_batch(&self.0.forward_batch(x)) // [N][outputs]
            }

            fn layer(&self, index: usize) -> Option<$view<'_>> {
                if index < A::LAYERS {
                    self.0.layer(index)
                } else {
                    self.1.layer(index - A::LAYERS)
                }
            }

            fn layer_mut(&mut self, index: usize) -> Option<$view_mut<'_>> {
                if index < A::LAYERS {
                    self.0.layer_mut(index)
                } else {
                    self.1.layer_mut(index - A::LAYERS)
                }
            }
        }
    };
}

mod dense;
#[cfg(all(feature = "train", feature = "alloc"))]
mod distill;
#[cfg(picogan_arm_dsp)]
mod dsp;
#[cfg(feature = "alloc")]
mod dynamic;
#[cfg(picogan_arm_mla)]
mod mla;
mod multiplier;
mod noise;
mod pair;
mod q16;
mod q16_tanh;

pub use dense::{QDense, requantize, requantize_squashed};
#[cfg(all(feature = "train", feature = "alloc"))]
pub use distill::{distill, fake_quantize_weights};
#[cfg(feature = "alloc")]
pub use dynamic::{DynQ16Dense, DynQ16Mlp, DynQDense, DynQMlp};
pub use multiplier::Multiplier;
pub use noise::{
    NOISE_FRACTION_BITS, fill_normal_q16, noise_multiplier, normal_q16, q16_to_f32, quantize_q16,
};
pub use q16::{
    Q16, Q16_HEADROOM, Q16Dense, Q16DenseMut, Q16DenseRef, Q16Layer, Q32, ToQ16, accumulate_q16,
    activate_q16,
};
pub use q16_tanh::{sigmoid_q16, tanh_q16};

use core::fmt;

use crate::Activation;

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

    /// The fixed output parameters of a bounded activation, as in TensorFlow Lite: tanh's
    /// [−1, 1] as s = 1/128, z = 0; sigmoid's [0, 1] as s = 1/256, z = −128. `None` for the
    /// others, whose output range is calibrated.
    ///
    /// # Examples
    /// ```
    /// use picogan::Activation;
    /// use picogan::quant::QuantParams;
    /// let p = QuantParams::fixed_for(Activation::Sigmoid).unwrap();
    /// assert_eq!((p.quantize(0.0), p.quantize(0.5), p.quantize(1.0)), (-128, 0, 127));
    /// assert_eq!(QuantParams::fixed_for(Activation::Relu), None);
    /// ```
    pub fn fixed_for(activation: Activation) -> Option<QuantParams> {
        match activation {
            Activation::Tanh => Some(QuantParams {
                scale: 1.0 / 128.0,
                zero_point: 0,
            }),
            Activation::Sigmoid => Some(QuantParams {
                scale: 1.0 / 256.0,
                zero_point: -128,
            }),
            _ => None,
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
    /// A tanh or sigmoid layer was given output parameters other than its fixed ones
    /// ([`QuantParams::fixed_for`]).
    FixedOutputParams,
    /// A rescaling factor s_in·s_w/s_out is not a finite number below 2³⁰.
    ScaleOutOfRange,
    /// A parameter or a calibrated activation is beyond ±[`Q16_HEADROOM`] (or not finite).
    OutOfQ16Range,
}

impl fmt::Display for QuantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantError::FixedOutputParams => f.write_str(
                "tanh and sigmoid outputs have fixed int8 parameters (scale 1/128, zero point 0; scale 1/256, zero point -128)",
            ),
            QuantError::ScaleOutOfRange => f.write_str(
                "a layer's rescaling factor is out of range (calibration ranges too small?)",
            ),
            QuantError::OutOfQ16Range => f.write_str(
                "a parameter or an activation on the calibration set is beyond ±8192 or not finite: Q16.16 cannot hold it",
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
    /// Number of dense layers.
    const LAYERS: usize;
    /// One input sample, `[i8; I]`.
    type Input;
    /// One output sample, `[i8; O]`.
    type Output;
    /// One sample through every layer.
    fn forward(&self, x: &Self::Input) -> Self::Output;
    /// `N` samples through every layer, layer by layer ([`QDense::forward_batch`]), each
    /// output bit-identical to [`QLayer::forward`]'s.
    fn forward_batch<const N: usize>(&self, x: &[Self::Input; N]) -> [Self::Output; N];
    /// Dense layer `index` (0 is the input side), for writing model files.
    fn layer(&self, index: usize) -> Option<QDenseRef<'_>>;
    /// Dense layer `index`, for reading model files.
    fn layer_mut(&mut self, index: usize) -> Option<QDenseMut<'_>>;
}

/// A view of one [`QDense`] whose shape is known at run time.
#[derive(Clone, Copy, Debug)]
pub struct QDenseRef<'a> {
    /// Inputs I.
    pub inputs: usize,
    /// Outputs O.
    pub outputs: usize,
    /// `weight\[j·I + k\]`: output-major, as in [`QDense`].
    pub weight: &'a [i8],
    /// `bias\[j\]`.
    pub bias: &'a [i32],
    /// `multiplier\[j\]`.
    pub multiplier: &'a [Multiplier],
    /// `negative_multiplier\[j\]`.
    pub negative_multiplier: &'a [Multiplier],
    /// z_in.
    pub input_zero_point: i32,
    /// z_out.
    pub output_zero_point: i32,
    /// Output clamp.
    pub output_range: (i8, i8),
    /// The float activation it came from.
    pub activation: Activation,
}

/// A mutable view of one [`QDense`].
#[derive(Debug)]
pub struct QDenseMut<'a> {
    /// Inputs I.
    pub inputs: usize,
    /// Outputs O.
    pub outputs: usize,
    /// `weight\[j·I + k\]`: output-major, as in [`QDense`].
    pub weight: &'a mut [i8],
    /// `bias\[j\]`.
    pub bias: &'a mut [i32],
    /// `multiplier\[j\]`.
    pub multiplier: &'a mut [Multiplier],
    /// `negative_multiplier\[j\]`.
    pub negative_multiplier: &'a mut [Multiplier],
    /// z_in.
    pub input_zero_point: &'a mut i32,
    /// z_out.
    pub output_zero_point: &'a mut i32,
    /// Output clamp: smallest.
    pub output_min: &'a mut i8,
    /// Output clamp: largest.
    pub output_max: &'a mut i8,
    /// The float activation.
    pub activation: &'a mut Activation,
}

impl<const I: usize, const O: usize> QLayer for QDense<I, O> {
    const INPUTS: usize = I;
    const OUTPUTS: usize = O;
    const LAYERS: usize = 1;
    type Input = [i8; I];
    type Output = [i8; O];

    fn forward(&self, x: &[i8; I]) -> [i8; O] {
        QDense::forward(self, x)
    }

    fn forward_batch<const N: usize>(&self, x: &[[i8; I]; N]) -> [[i8; O]; N] {
        QDense::forward_batch(self, x)
    }

    fn layer(&self, index: usize) -> Option<QDenseRef<'_>> {
        (index == 0).then(|| self.view())
    }

    fn layer_mut(&mut self, index: usize) -> Option<QDenseMut<'_>> {
        (index == 0).then(|| self.view_mut())
    }
}

impl_network_pair!(QLayer, QDenseRef, QDenseMut);

/// The layers of an int8 network as views, whatever holds their shapes: a const-generic
/// [`QLayer`] or a `DynQMlp` (feature `alloc`). The model file's writer takes any of them.
pub trait Int8Layers {
    /// Number of dense layers.
    fn layer_count(&self) -> usize;
    /// Dense layer `index` (0 is the input side), or `None` past the last one.
    fn layer_view(&self, index: usize) -> Option<QDenseRef<'_>>;
}

impl<N: QLayer> Int8Layers for N {
    fn layer_count(&self) -> usize {
        N::LAYERS
    }

    fn layer_view(&self, index: usize) -> Option<QDenseRef<'_>> {
        self.layer(index)
    }
}

/// The layers of a Q16.16 network as views, whatever holds their shapes: a const-generic
/// [`Q16Layer`] or a `DynQ16Mlp` (feature `alloc`). The model file's writer takes any of them.
pub trait Q16Layers {
    /// Number of dense layers.
    fn layer_count(&self) -> usize;
    /// Dense layer `index` (0 is the input side), or `None` past the last one.
    fn layer_view(&self, index: usize) -> Option<Q16DenseRef<'_>>;
}

impl<N: Q16Layer> Q16Layers for N {
    fn layer_count(&self) -> usize {
        N::LAYERS
    }

    fn layer_view(&self, index: usize) -> Option<Q16DenseRef<'_>> {
        self.layer(index)
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
        // Tanh and sigmoid outputs have fixed parameters; the others are calibrated.
        let output = QuantParams::fixed_for(self.activation).unwrap_or_else(|| {
            let (mut min, mut max) = (0.0f32, 0.0f32);
            for x in inputs {
                for y in crate::Layer::forward(self, &x) {
                    min = min.min(y);
                    max = max.max(y);
                }
            }
            QuantParams::from_range(min, max)
        });
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
