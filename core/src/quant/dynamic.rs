//! Int8 and Q16.16 networks whose shapes are known only at run time (feature `alloc`): what a
//! float [`DynMlp`] of any architecture quantizes to, and what an int8 or Q16 model file of any
//! architecture reads into (`model::read_i8_dynamic`, `model::read_q16_dynamic`).
//!
//! Their layers are quantized by the functions [`QDense::from_dense`](super::QDense::from_dense)
//! and [`Q16Dense::from_dense`](super::Q16Dense::from_dense) call, and run the saturating passes
//! that [`QDense`](super::QDense) and [`Q16Dense`](super::Q16Dense) fall back to, which give the
//! values of their faster passes: the same network quantized from the same calibration set gives
//! the same bits whichever way its shapes are held.
//!
//! # Examples
//! ```
//! use picogan::dynamic::DynMlp;
//! use picogan::quant::{Q16, QuantParams};
//! use picogan::rng::{NoiseRng, SeedableRng, uniform_in};
//! use picogan::Activation::*;
//!
//! let mut float = DynMlp::new(&[3, 16, 2], &[Relu, Identity]).unwrap();
//! let mut rng = NoiseRng::seed_from_u64(4);
//! float.init_params(&mut rng);
//! let calibration: Vec<f32> = (0..3 * 500).map(|_| uniform_in(&mut rng, -2.0, 2.0)).collect();
//!
//! let int8 = float.quantize(&calibration, QuantParams::symmetric(2.0)).unwrap();
//! let q16 = float.to_q16(&calibration).unwrap();
//! let z = [Q16::from_num(0.5).to_bits(), Q16::from_num(-1.0).to_bits(), 0];
//! let (mut exact, mut a, mut b) = ([0.0; 2], [0.0; 2], [0.0; 2]);
//! float.forward(&[0.5, -1.0, 0.0], &mut exact);
//! int8.forward_q16(&z, &mut a);
//! q16.forward_q16(&z, &mut b);
//! assert!((a[0] - exact[0]).abs() < 0.05 && (b[0] - exact[0]).abs() < 1e-3);
//! ```

use alloc::vec;
use alloc::vec::Vec;

use super::dense::{forward_saturating, quantize_layer};
use super::q16::{round_layer_q16, saturating_outputs_q16, within_headroom};
use super::{
    Int8Layers, Multiplier, Q16, Q16DenseMut, Q16DenseRef, Q16Layers, QDenseMut, QDenseRef,
    QuantError, QuantParams, noise_multiplier, quantize_q16,
};
use crate::Activation;
use crate::dynamic::DynMlp;
use crate::kernels;

/// An int8 dense layer whose sizes are known at run time: the run-time twin of
/// [`QDense`](super::QDense), with the same fields and the same output-major weights.
#[derive(Clone, Debug, PartialEq)]
pub struct DynQDense {
    inputs: usize,
    outputs: usize,
    weight: Vec<i8>,
    bias: Vec<i32>,
    multiplier: Vec<Multiplier>,
    negative_multiplier: Vec<Multiplier>,
    input_zero_point: i32,
    output_zero_point: i32,
    output_min: i8,
    output_max: i8,
    activation: Activation,
}

impl DynQDense {
    /// A layer of `inputs` → `outputs` with every field zero (identity activation).
    pub(crate) fn zeroed(inputs: usize, outputs: usize) -> DynQDense {
        DynQDense {
            inputs,
            outputs,
            weight: vec![0; inputs * outputs],
            bias: vec![0; outputs],
            multiplier: vec![Multiplier::ZERO; outputs],
            negative_multiplier: vec![Multiplier::ZERO; outputs],
            input_zero_point: 0,
            output_zero_point: 0,
            output_min: 0,
            output_max: 0,
            activation: Activation::Identity,
        }
    }

    /// The layer as a view.
    pub fn view(&self) -> QDenseRef<'_> {
        QDenseRef {
            inputs: self.inputs,
            outputs: self.outputs,
            weight: &self.weight,
            bias: &self.bias,
            multiplier: &self.multiplier,
            negative_multiplier: &self.negative_multiplier,
            input_zero_point: self.input_zero_point,
            output_zero_point: self.output_zero_point,
            output_range: (self.output_min, self.output_max),
            activation: self.activation,
        }
    }

    /// The layer as a mutable view.
    pub(crate) fn view_mut(&mut self) -> QDenseMut<'_> {
        QDenseMut {
            inputs: self.inputs,
            outputs: self.outputs,
            weight: &mut self.weight,
            bias: &mut self.bias,
            multiplier: &mut self.multiplier,
            negative_multiplier: &mut self.negative_multiplier,
            input_zero_point: &mut self.input_zero_point,
            output_zero_point: &mut self.output_zero_point,
            output_min: &mut self.output_min,
            output_max: &mut self.output_max,
            activation: &mut self.activation,
        }
    }

    /// One sample through the layer: `x` has its inputs, `y` receives its outputs, the values
    /// of [`QDense::forward`](super::QDense::forward).
    pub fn forward(&self, x: &[i8], y: &mut [i8]) {
        forward_saturating(&self.view(), x, y);
    }
}

/// A chain of [`DynQDense`] layers with its input's and output's quantization parameters: the
/// run-time twin of the nested pairs of [`QDense`](super::QDense).
#[derive(Clone, Debug, PartialEq)]
pub struct DynQMlp {
    layers: Vec<DynQDense>,
    input: QuantParams,
    output: QuantParams,
    noise: Multiplier,
}

impl DynQMlp {
    /// The network of `layers` between `input` and `output`; `None` when no multiplier turns a
    /// Q16 value into units of the input's scale ([`noise_multiplier`]).
    pub(crate) fn new(
        layers: Vec<DynQDense>,
        input: QuantParams,
        output: QuantParams,
    ) -> Option<DynQMlp> {
        Some(DynQMlp {
            layers,
            input,
            output,
            noise: noise_multiplier(input)?,
        })
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[DynQDense] {
        &self.layers
    }

    /// How the network's real inputs map to int8.
    pub fn input(&self) -> QuantParams {
        self.input
    }

    /// How the network's int8 outputs map to real numbers.
    pub fn output(&self) -> QuantParams {
        self.output
    }

    /// Inputs per sample.
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// Outputs per sample.
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    /// One sample through every layer: `x` has [`DynQMlp::inputs`] values, `y` receives
    /// [`DynQMlp::outputs`].
    pub fn forward(&self, x: &[i8], y: &mut [i8]) {
        let mut input = x[..self.inputs()].to_vec();
        for layer in &self.layers {
            let mut output = vec![0; layer.outputs];
            layer.forward(&input, &mut output); // [O]
            input = output;
        }
        y.copy_from_slice(&input[..y.len()]);
    }

    /// The network at the Q16.16 inputs `z` (noise from [`normal_q16`](super::normal_q16), a
    /// label's one-hot as 0 and 2¹⁶), integers only as a device computes it: each value
    /// quantized by [`quantize_q16`], the int8 forward pass, and only the outputs turned into
    /// real numbers in `y` ([`QuantParams::dequantize`]).
    pub fn forward_q16(&self, z: &[i32], y: &mut [f32]) {
        let zero_point = self.input.zero_point;
        let x: Vec<i8> = z
            .iter()
            .map(|&v| quantize_q16(v, self.noise, zero_point))
            .collect(); // [inputs]
        let mut q = vec![0; self.outputs()];
        self.forward(&x, &mut q); // [outputs]
        for (real, &v) in y.iter_mut().zip(&q) {
            *real = self.output.dequantize(v);
        }
    }
}

impl Int8Layers for DynQMlp {
    fn layer_count(&self) -> usize {
        self.layers.len()
    }

    fn layer_view(&self, index: usize) -> Option<QDenseRef<'_>> {
        self.layers.get(index).map(DynQDense::view)
    }
}

/// A Q16.16 dense layer whose sizes are known at run time: the run-time twin of
/// [`Q16Dense`](super::Q16Dense), with the same input-major weights.
#[derive(Clone, Debug, PartialEq)]
pub struct DynQ16Dense {
    inputs: usize,
    outputs: usize,
    weight: Vec<Q16>,
    bias: Vec<Q16>,
    negative_slope: Q16,
    activation: Activation,
}

impl DynQ16Dense {
    /// A layer of `inputs` → `outputs` with every field zero (identity activation).
    pub(crate) fn zeroed(inputs: usize, outputs: usize) -> DynQ16Dense {
        DynQ16Dense {
            inputs,
            outputs,
            weight: vec![Q16::ZERO; inputs * outputs],
            bias: vec![Q16::ZERO; outputs],
            negative_slope: Q16::ZERO,
            activation: Activation::Identity,
        }
    }

    /// The layer as a view.
    pub fn view(&self) -> Q16DenseRef<'_> {
        Q16DenseRef {
            inputs: self.inputs,
            outputs: self.outputs,
            weight: &self.weight,
            bias: &self.bias,
            negative_slope: self.negative_slope,
            activation: self.activation,
        }
    }

    /// The layer as a mutable view.
    pub(crate) fn view_mut(&mut self) -> Q16DenseMut<'_> {
        Q16DenseMut {
            inputs: self.inputs,
            outputs: self.outputs,
            weight: &mut self.weight,
            bias: &mut self.bias,
            negative_slope: &mut self.negative_slope,
            activation: &mut self.activation,
        }
    }

    /// One sample through the layer: `x` has its inputs, `y` receives its outputs, the values
    /// of [`Q16Dense::forward`](super::Q16Dense::forward).
    pub fn forward(&self, x: &[Q16], y: &mut [Q16]) {
        let outputs = self.outputs;
        let layer = (self.activation, self.negative_slope);
        let weight = |k: usize, j: usize| self.weight[k * outputs + j];
        let (x, y) = (&x[..self.inputs], &mut y[..outputs]);
        saturating_outputs_q16(layer, weight, |j| self.bias[j], x, y);
    }
}

/// A chain of [`DynQ16Dense`] layers: the run-time twin of the nested pairs of
/// [`Q16Dense`](super::Q16Dense).
#[derive(Clone, Debug, PartialEq)]
pub struct DynQ16Mlp {
    layers: Vec<DynQ16Dense>,
}

impl DynQ16Mlp {
    /// The network of `layers`.
    pub(crate) fn new(layers: Vec<DynQ16Dense>) -> DynQ16Mlp {
        DynQ16Mlp { layers }
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[DynQ16Dense] {
        &self.layers
    }

    /// Inputs per sample.
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// Outputs per sample.
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    /// One sample through every layer: `x` has [`DynQ16Mlp::inputs`] values, `y` receives
    /// [`DynQ16Mlp::outputs`].
    pub fn forward(&self, x: &[Q16], y: &mut [Q16]) {
        let mut input = x[..self.inputs()].to_vec();
        for layer in &self.layers {
            let mut output = vec![Q16::ZERO; layer.outputs];
            layer.forward(&input, &mut output); // [O]
            input = output;
        }
        y.copy_from_slice(&input[..y.len()]);
    }

    /// The network at the Q16.16 inputs whose bits are `z`, integers only, and its outputs as
    /// real numbers in `y`.
    pub fn forward_q16(&self, z: &[i32], y: &mut [f32]) {
        let x: Vec<Q16> = z.iter().map(|&v| Q16::from_bits(v)).collect(); // [inputs]
        let mut q = vec![Q16::ZERO; self.outputs()];
        self.forward(&x, &mut q); // [outputs]
        for (real, v) in y.iter_mut().zip(&q) {
            *real = v.to_num();
        }
    }
}

impl Q16Layers for DynQ16Mlp {
    fn layer_count(&self) -> usize {
        self.layers.len()
    }

    fn layer_view(&self, index: usize) -> Option<Q16DenseRef<'_>> {
        self.layers.get(index).map(DynQ16Dense::view)
    }
}

/// Each row of `inputs` (`width` values a row) through one float layer: `(weight, bias,
/// activation)` of `width` → `outputs`, by the kernel every float layer runs. Rows in order.
fn layer_outputs(
    (weight, bias, activation): (&[f32], &[f32], Activation),
    width: usize,
    outputs: usize,
    inputs: &[f32],
) -> Vec<f32> {
    let mut result = vec![0.0; inputs.len() / width * outputs];
    for (x, y) in inputs
        .chunks_exact(width)
        .zip(result.chunks_exact_mut(outputs))
    {
        kernels::affine_one(width, outputs, x, weight, bias, activation, y); // [O]
    }
    result
}

impl DynMlp {
    /// Post-training quantization to int8, as [`Quantize::quantize`](super::Quantize::quantize)
    /// does for a const-generic network: each layer's output parameters from the range of its
    /// float outputs over the calibration rows `inputs` ([`DynMlp::inputs`] values a row), the
    /// network's input described by `input`.
    ///
    /// # Errors
    /// Those of [`Quantize::quantize`](super::Quantize::quantize), and
    /// [`QuantError::ScaleOutOfRange`] when `input`'s scale has no Q16 multiplier.
    pub fn quantize(&self, inputs: &[f32], input: QuantParams) -> Result<DynQMlp, QuantError> {
        let mut rows = inputs[..inputs.len() / self.inputs() * self.inputs()].to_vec();
        let mut params = input;
        let mut layers = Vec::with_capacity(self.layers().len());
        for float in self.layers() {
            let (i, o) = (float.inputs(), float.outputs());
            let parts = (float.weight(), float.bias(), float.activation);
            rows = layer_outputs(parts, i, o, &rows); // [rows][O]
            let output = QuantParams::fixed_for(float.activation).unwrap_or_else(|| {
                let (min, max) = rows
                    .iter()
                    .fold((0.0f32, 0.0f32), |(lo, hi), &y| (lo.min(y), hi.max(y)));
                QuantParams::from_range(min, max)
            });
            let mut layer = DynQDense::zeroed(i, o);
            quantize_layer(parts, params, output, layer.view_mut())?;
            layers.push(layer);
            params = output;
        }
        DynQMlp::new(layers, input, params).ok_or(QuantError::ScaleOutOfRange)
    }

    /// Conversion to Q16.16, as [`ToQ16::to_q16`](super::ToQ16::to_q16) does for a
    /// const-generic network: every parameter rounded after checking that each layer's
    /// pre-activations stay within ±[`Q16_HEADROOM`](super::Q16_HEADROOM) over the calibration
    /// rows `inputs` ([`DynMlp::inputs`] values a row).
    ///
    /// # Errors
    /// [`QuantError::OutOfQ16Range`] when a parameter or a pre-activation is beyond the headroom.
    pub fn to_q16(&self, inputs: &[f32]) -> Result<DynQ16Mlp, QuantError> {
        let mut rows = inputs[..inputs.len() / self.inputs() * self.inputs()].to_vec();
        let mut layers = Vec::with_capacity(self.layers().len());
        for float in self.layers() {
            let (i, o) = (float.inputs(), float.outputs());
            let linear = (float.weight(), float.bias(), Activation::Identity);
            if !layer_outputs(linear, i, o, &rows)
                .into_iter()
                .all(within_headroom)
            {
                return Err(QuantError::OutOfQ16Range);
            }
            let parts = (float.weight(), float.bias(), float.activation);
            let mut layer = DynQ16Dense::zeroed(i, o);
            round_layer_q16(parts, layer.view_mut())?;
            layers.push(layer);
            rows = layer_outputs(parts, i, o, &rows); // [rows][O]
        }
        Ok(DynQ16Mlp::new(layers))
    }
}
