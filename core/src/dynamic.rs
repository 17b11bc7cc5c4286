//! Networks whose shapes are known only when the program runs (feature `alloc`): the host's
//! trainer takes any architecture and any data dimension this way.
//!
//! A [`DynMlp`] holds its layers on the heap and runs the very kernels the const-generic
//! [`Dense`](crate::Dense) layers run, with the sizes passed as numbers instead of constants, so
//! its samples, gradients and training steps are the same bits as those of the const-generic
//! network of the same shape (and so of the device).
//!
//! # Examples
//! ```
//! use picogan::{Activation::*, Dense, Layer, Mlp2, Network};
//! use picogan::dynamic::DynMlp;
//! use picogan::rng::{NoiseRng, SeedableRng};
//!
//! // The same 3 → 8 → 2 network twice: shaped at compile time, and at run time.
//! let mut fixed: Mlp2<3, 8, 2> = (Dense::new(Relu), Dense::new(Identity));
//! fixed.init_params(&mut NoiseRng::seed_from_u64(5));
//! let mut dynamic = DynMlp::new(&[3, 8, 2], &[Relu, Identity]).unwrap();
//! dynamic.init_params(&mut NoiseRng::seed_from_u64(5));
//! assert_eq!(dynamic.tensor(0), fixed.tensor(0));
//!
//! let x = [0.5, -1.0, 2.0];
//! let mut y = [0.0; 2];
//! dynamic.forward(&x, &mut y);
//! assert_eq!(y, fixed.forward(&x));
//! ```

use alloc::vec;
use alloc::vec::Vec;

use crate::kernels::{self, Shape};
use crate::layer::{LayerInfo, Network, Zeroed};
use crate::{Activation, Error};

/// The most values one layer may hold (weights and biases): 2²⁸ `f32`s, 1 GiB. Larger requests
/// are refused with an error rather than left to abort the process when memory runs out.
pub const MAX_LAYER_PARAMS: usize = 1 << 28;

/// The widest layer whose single-sample pass keeps its values on the stack; wider ones use the
/// heap.
const STACK_WIDTH: usize = 256;
/// The widest layer whose single-sample pass uses the smaller stack buffers, so that a small
/// network does not zero buffers four times as wide as it needs for every sample.
const NARROW_STACK_WIDTH: usize = 64;

/// A zeroed buffer of `rows × width` values, or [`Error::OutOfMemory`] when it cannot be
/// allocated.
pub(crate) fn zeroed(rows: usize, width: usize) -> Result<Vec<f32>, Error> {
    let len = rows.checked_mul(width).ok_or(Error::OutOfMemory)?;
    let mut values = Vec::new();
    values
        .try_reserve_exact(len)
        .map_err(|_| Error::OutOfMemory)?;
    values.resize(len, 0.0);
    Ok(values)
}

/// A dense layer `y = φ(b + Σₖ xₖ·W[k])` whose sizes are known at run time: the run-time twin of
/// [`Dense`](crate::Dense), with the same layout (`weight[k·O + j]` joins input k to output j).
#[derive(Clone, Debug, PartialEq)]
pub struct DynDense {
    inputs: usize,
    outputs: usize,
    /// `weight[k·O + j]`: from input k to output j.
    weight: Vec<f32>,
    /// `bias[j]`: added to output j before the activation.
    bias: Vec<f32>,
    /// The fused activation φ.
    pub activation: Activation,
}

impl DynDense {
    /// A layer of `inputs` → `outputs` with every parameter zero.
    ///
    /// # Errors
    /// [`Error::InvalidArchitecture`] for a size of 0 or more than [`MAX_LAYER_PARAMS`] values.
    ///
    /// # Examples
    /// ```
    /// use picogan::{Activation, dynamic::DynDense};
    /// let layer = DynDense::new(4, 3, Activation::Tanh).unwrap();
    /// assert_eq!((layer.inputs(), layer.outputs(), layer.weight().len()), (4, 3, 12));
    /// assert!(DynDense::new(0, 3, Activation::Tanh).is_err());
    /// ```
    pub fn new(inputs: usize, outputs: usize, activation: Activation) -> Result<Self, Error> {
        if inputs == 0 || outputs == 0 {
            return Err(Error::InvalidArchitecture {
                reason: "a layer needs at least one input and one output",
            });
        }
        inputs
            .checked_mul(outputs)
            .and_then(|w| w.checked_add(outputs))
            .filter(|&p| p <= MAX_LAYER_PARAMS)
            .ok_or(Error::InvalidArchitecture {
                reason: "a layer has more than 2^28 parameters",
            })?;
        Ok(Self {
            inputs,
            outputs,
            weight: zeroed(inputs, outputs)?,
            bias: zeroed(1, outputs)?,
            activation,
        })
    }

    /// Number of inputs I.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Number of outputs O.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// The weights, input-major: `weight()[k·O + j]` joins input k to output j.
    pub fn weight(&self) -> &[f32] {
        &self.weight
    }

    /// The biases, one per output.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// The architecture, as the model file and `info` report it.
    pub fn info(&self) -> LayerInfo {
        LayerInfo {
            inputs: self.inputs,
            outputs: self.outputs,
            activation: self.activation,
        }
    }

    fn shape(&self, batch: usize) -> Shape<usize, usize, usize> {
        Shape {
            inputs: self.inputs,
            outputs: self.outputs,
            batch,
        }
    }
}

/// A chain of [`DynDense`] layers: the run-time twin of the nested pairs
/// ([`Mlp3`](crate::Mlp3) and friends), with the same parameter tensors in the same order.
#[derive(Clone, Debug, PartialEq)]
pub struct DynMlp {
    layers: Vec<DynDense>,
}

/// What a batch forward pass of a [`DynMlp`] keeps for the backward pass: each layer's outputs
/// and, with feature `train`, a gradient buffer of the same shape, `[B][O]` each.
#[derive(Clone, Debug)]
pub struct DynTrace {
    batch: usize,
    outputs: Vec<Vec<f32>>,
    #[cfg(feature = "train")]
    grads: Vec<Vec<f32>>,
}

impl DynTrace {
    /// The number of samples B it holds.
    pub fn batch(&self) -> usize {
        self.batch
    }
}

impl DynMlp {
    /// A network through the sizes `widths` (inputs, then each layer's outputs), layer l with
    /// activation `activations[l]`, every parameter zero.
    ///
    /// # Errors
    /// [`Error::InvalidArchitecture`] unless there is one activation per layer, at least one
    /// layer, and every size is from 1 to what [`MAX_LAYER_PARAMS`] allows;
    /// [`Error::OutOfMemory`] when the parameters do not fit in memory.
    ///
    /// # Examples
    /// ```
    /// use picogan::{Activation::*, dynamic::DynMlp};
    /// let g = DynMlp::new(&[2, 64, 64, 5], &[Relu, Relu, Identity]).unwrap();
    /// assert_eq!((g.inputs(), g.outputs(), g.params()), (2, 5, 4_677));
    /// assert!(DynMlp::new(&[2, 0, 5], &[Relu, Identity]).is_err());
    /// ```
    pub fn new(widths: &[usize], activations: &[Activation]) -> Result<Self, Error> {
        if widths.len() < 2 || activations.len() != widths.len() - 1 {
            return Err(Error::InvalidArchitecture {
                reason: "a network needs at least one layer and one activation per layer",
            });
        }
        let layers = widths
            .windows(2)
            .zip(activations)
            .map(|(pair, &activation)| DynDense::new(pair[0], pair[1], activation))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { layers })
    }

    /// A network of the architecture `layers` (as a model file lists it), every parameter zero.
    ///
    /// # Errors
    /// As [`DynMlp::new`], and [`Error::InvalidArchitecture`] when one layer's inputs are not the
    /// previous layer's outputs.
    pub fn from_layers(layers: &[LayerInfo]) -> Result<Self, Error> {
        if layers
            .windows(2)
            .any(|pair| pair[0].outputs != pair[1].inputs)
        {
            return Err(Error::InvalidArchitecture {
                reason: "a layer's inputs differ from the previous layer's outputs",
            });
        }
        let layers = layers
            .iter()
            .map(|l| DynDense::new(l.inputs, l.outputs, l.activation))
            .collect::<Result<Vec<_>, _>>()?;
        if layers.is_empty() {
            return Err(Error::InvalidArchitecture {
                reason: "a network needs at least one layer",
            });
        }
        Ok(Self { layers })
    }

    /// The layers, from the input side.
    pub fn layers(&self) -> &[DynDense] {
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

    /// Number of scalar parameters.
    pub fn params(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weight.len() + l.bias.len())
            .sum()
    }

    /// Initialises every parameter as [`Layer::init_params`](crate::Layer::init_params) does,
    /// drawing the same numbers in the same order.
    pub fn init_params<R: rand_core::Rng + ?Sized>(&mut self, rng: &mut R) {
        for layer in &mut self.layers {
            let bound = 1.0 / crate::math::sqrt(layer.inputs as f32);
            for w in layer.weight.iter_mut().chain(layer.bias.iter_mut()) {
                *w = crate::rng::uniform_in(rng, -bound, bound);
            }
        }
    }

    /// A zeroed trace for batches of `batch` samples.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`] when it does not fit in memory.
    pub fn new_trace(&self, batch: usize) -> Result<DynTrace, Error> {
        let buffer = |layer: &DynDense| zeroed(batch, layer.outputs);
        Ok(DynTrace {
            batch,
            outputs: self.layers.iter().map(buffer).collect::<Result<_, _>>()?,
            #[cfg(feature = "train")]
            grads: self.layers.iter().map(buffer).collect::<Result<_, _>>()?,
        })
    }

    /// Single-sample forward pass: `y` = the network at `x` (`x` of [`DynMlp::inputs`] values,
    /// `y` of [`DynMlp::outputs`]). The same bits as [`Layer::forward`](crate::Layer::forward).
    ///
    /// # Panics
    /// If `x` is shorter than [`DynMlp::inputs`] or `y` longer than [`DynMlp::outputs`].
    pub fn forward(&self, x: &[f32], y: &mut [f32]) {
        let widest = self
            .layers
            .iter()
            .map(|l| l.outputs)
            .fold(self.inputs(), usize::max);
        if widest <= NARROW_STACK_WIDTH {
            let buffers = &mut [[0.0; NARROW_STACK_WIDTH]; 2];
            let [input, output] = buffers;
            self.forward_in(x, y, input, output);
        } else if widest <= STACK_WIDTH {
            self.forward_in(x, y, &mut [0.0; STACK_WIDTH], &mut [0.0; STACK_WIDTH]);
        } else {
            self.forward_in(x, y, &mut vec![0.0; widest], &mut vec![0.0; widest]);
        }
    }

    /// [`DynMlp::forward`] through two buffers as wide as the widest layer.
    fn forward_in<'b>(
        &self,
        x: &[f32],
        y: &mut [f32],
        mut input: &'b mut [f32],
        mut output: &'b mut [f32],
    ) {
        let inputs = self.inputs();
        input[..inputs].copy_from_slice(&x[..inputs]);
        for layer in &self.layers {
            let (i, o) = (layer.inputs, layer.outputs);
            let (w, b, phi) = (&layer.weight, &layer.bias, layer.activation);
            kernels::affine_one(i, o, &input[..i], w, b, phi, &mut output[..o]); // [O]
            core::mem::swap(&mut input, &mut output);
        }
        y.copy_from_slice(&input[..y.len()]);
    }

    /// One sample G(z) into `out`, with fresh standard normal noise z drawn from `rng` by
    /// [`fill_normal`](crate::rng::fill_normal): the same bits as [`sample`](crate::sample) with
    /// the const-generic network of the same shape.
    pub fn sample_into<R: rand_core::Rng + ?Sized>(&self, rng: &mut R, out: &mut [f32]) {
        self.sample_labelled_into(rng, 0, 0, out);
    }

    /// One sample G(z, y) of a conditional generator over `classes` classes into `out`: its
    /// inputs are fresh standard normal noise z (all but the last `classes` inputs) and the
    /// one-hot code of `label` ([`one_hot`](crate::label::one_hot)). With `classes` = 0 it is
    /// [`DynMlp::sample_into`].
    ///
    /// # Panics
    /// If `classes` ≥ the network's inputs.
    ///
    /// # Examples
    /// ```
    /// use picogan::{Activation::*, dynamic::DynMlp};
    /// use picogan::rng::{NoiseRng, SeedableRng};
    /// // 2 noise values and 3 classes in, 4 values out.
    /// let mut g = DynMlp::new(&[5, 8, 4], &[Relu, Identity]).unwrap();
    /// let mut rng = NoiseRng::seed_from_u64(3);
    /// g.init_params(&mut rng);
    /// let mut x = [0.0; 4];
    /// g.sample_labelled_into(&mut rng, 3, 1, &mut x);
    /// assert!(x.iter().all(|v| v.is_finite()));
    /// ```
    pub fn sample_labelled_into<R: rand_core::Rng + ?Sized>(
        &self,
        rng: &mut R,
        classes: usize,
        label: usize,
        out: &mut [f32],
    ) {
        let inputs = self.inputs();
        let mut draw = |input: &mut [f32]| {
            let (z, code) = input.split_at_mut(inputs - classes);
            crate::rng::fill_normal(rng, z); // [Z]
            crate::label::one_hot(label, code); // [K]
            self.forward(input, out); // [X]
        };
        if inputs <= NARROW_STACK_WIDTH {
            draw(&mut [0.0; NARROW_STACK_WIDTH][..inputs]);
        } else if inputs <= STACK_WIDTH {
            draw(&mut [0.0; STACK_WIDTH][..inputs]);
        } else {
            draw(&mut alloc::vec![0.0; inputs]);
        }
    }

    /// Batch forward pass over the `trace.batch()` samples of `x` (row after row), every layer's
    /// output kept in `trace`. The same bits as [`Layer::forward_batch`](crate::Layer).
    ///
    /// # Panics
    /// If `x` holds fewer than `trace.batch()` × [`DynMlp::inputs`] values, or `trace` was made
    /// by another network.
    pub fn forward_batch(&self, x: &[f32], trace: &mut DynTrace) {
        let batch = trace.batch;
        let mut input = x;
        for (layer, output) in self.layers.iter().zip(trace.outputs.iter_mut()) {
            let (w, b, phi) = (&layer.weight[..], &layer.bias[..], layer.activation);
            kernels::affine(layer.shape(batch), input, w, Some(b), phi, output); // [B][O]
            input = output;
        }
    }

    /// The network's outputs from the last [`DynMlp::forward_batch`], `[B][outputs]`.
    pub fn output(trace: &DynTrace) -> &[f32] {
        trace.outputs.last().map_or(&[], |o| o)
    }

    #[cfg(feature = "train")]
    /// The gradient buffer of the network's output, where the caller writes ∂L/∂y before
    /// [`DynMlp::backward_batch`].
    pub fn output_grad_mut(trace: &mut DynTrace) -> &mut [f32] {
        trace.grads.last_mut().map_or(&mut [], |g| g)
    }

    #[cfg(feature = "train")]
    /// The same gradient buffer, read-only.
    pub fn output_grad(trace: &DynTrace) -> &[f32] {
        trace.grads.last().map_or(&[], |g| g)
    }

    #[cfg(feature = "train")]
    /// The outputs and their gradient buffer at once.
    pub fn output_and_grad_mut(trace: &mut DynTrace) -> (&[f32], &mut [f32]) {
        match (trace.outputs.last(), trace.grads.last_mut()) {
            (Some(o), Some(g)) => (o, g),
            _ => (&[], &mut []),
        }
    }

    #[cfg(feature = "train")]
    /// Backward pass over the batch last run through [`DynMlp::forward_batch`] on `x`, as
    /// [`Trainable::backward_batch`](crate::Trainable::backward_batch): reads ∂L/∂y from the
    /// trace, *adds* ∂L/∂θ into `grads` when given, *writes* ∂L/∂x into `input_grad` when given.
    pub fn backward_batch(
        &self,
        x: &[f32],
        trace: &mut DynTrace,
        mut grads: Option<&mut DynMlp>,
        mut input_grad: Option<&mut [f32]>,
    ) {
        let batch = trace.batch;
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let shape = layer.shape(batch);
            let (before, rest) = trace.grads.split_at_mut(l);
            let d = &mut rest[0];
            // δ = ∂L/∂y ⊙ φ′(y): [B][O]
            kernels::backward::scale_by_derivative(layer.activation, &trace.outputs[l], d);
            let input = if l == 0 { x } else { &trace.outputs[l - 1][..] };
            if let Some(grads) = grads.as_deref_mut() {
                let g = &mut grads.layers[l];
                // ∂L/∂W[k][j] += Σ_b x[b][k]·δ[b][j], ∂L/∂b[j] += Σ_b δ[b][j]
                kernels::backward::accumulate_outer(shape, input, d, &mut g.weight);
                kernels::backward::accumulate_rows(layer.outputs, d, &mut g.bias);
            }
            // ∂L/∂x[b][k] = Σ_j W[k][j]·δ[b][j]: [B][I]
            let dx = match before.last_mut() {
                Some(previous) => Some(&mut previous[..]),
                None => input_grad.as_deref_mut(),
            };
            if let Some(dx) = dx {
                kernels::backward::transposed_product(shape, d, &layer.weight, dx);
            }
        }
    }

    #[cfg(feature = "train")]
    /// Second half of the R1 penalty's gradient, as
    /// [`Trainable::r1_tangent_batch`](crate::Trainable::r1_tangent_batch): t₀ = `tangent`,
    /// then `∂R/∂Wₗ[k][j] += Σ_b tₗ₋₁[b][k]·δₗ[b][j]` and `tₗ = φ′ₗ ⊙ (Wₗᵀ tₗ₋₁)`, overwriting
    /// each layer's gradient buffer with its tangent.
    pub fn r1_tangent_batch(&self, tangent: &[f32], trace: &mut DynTrace, grads: &mut DynMlp) {
        let batch = trace.batch;
        for (l, layer) in self.layers.iter().enumerate() {
            let shape = layer.shape(batch);
            let (before, rest) = trace.grads.split_at_mut(l);
            let d = &mut rest[0];
            let t = before.last().map_or(tangent, |t| &t[..]);
            // ∂R/∂W[k][j] += Σ_b t[b][k]·δ[b][j]
            kernels::backward::accumulate_outer(shape, t, d, &mut grads.layers[l].weight);
            // t_out[b] = φ′(y[b]) ⊙ Σ_k t[b][k]·W[k], overwriting δ: [B][O]
            kernels::affine(shape, t, &layer.weight, None, Activation::Identity, d);
            kernels::backward::scale_by_derivative(layer.activation, &trace.outputs[l], d);
        }
    }
}

/// The network with no layers: a placeholder in a zeroed value (an optimizer's state before it
/// is sized), not a network to run.
impl Zeroed for DynMlp {
    const ZEROED: Self = DynMlp { layers: Vec::new() };
}

impl Network for DynMlp {
    fn layer_count(&self) -> usize {
        self.layers.len()
    }

    fn layer_info(&self, index: usize) -> Option<LayerInfo> {
        self.layers.get(index).map(DynDense::info)
    }

    fn set_activation(&mut self, index: usize, activation: Activation) -> bool {
        self.layers
            .get_mut(index)
            .map(|layer| layer.activation = activation)
            .is_some()
    }

    fn tensor(&self, index: usize) -> Option<&[f32]> {
        let layer = self.layers.get(index / 2)?;
        Some(if index.is_multiple_of(2) {
            &layer.weight
        } else {
            &layer.bias
        })
    }

    fn tensor_mut(&mut self, index: usize) -> Option<&mut [f32]> {
        let layer = self.layers.get_mut(index / 2)?;
        Some(if index.is_multiple_of(2) {
            &mut layer.weight
        } else {
            &mut layer.bias
        })
    }
}

/// A copy of `net` as a [`DynMlp`], for comparing the two: the same layers and parameters.
///
/// # Errors
/// As [`DynMlp::from_layers`].
pub fn from_layer<L: crate::Layer>(net: &L) -> Result<DynMlp, Error> {
    let infos: Vec<LayerInfo> = (0..L::LAYERS).filter_map(|i| net.layer_info(i)).collect();
    let mut dynamic = DynMlp::from_layers(&infos)?;
    for index in 0..L::TENSORS {
        if let (Some(to), Some(from)) = (dynamic.tensor_mut(index), net.tensor(index)) {
            to.copy_from_slice(from);
        }
    }
    Ok(dynamic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        assert!(DynMlp::new(&[3], &[]).is_err());
        assert!(DynMlp::new(&[3, 4], &[]).is_err());
        assert!(DynMlp::new(&[3, 0, 1], &[Activation::Relu, Activation::Relu]).is_err());
        assert!(DynMlp::new(&[1 << 20, 1 << 20], &[Activation::Relu]).is_err());
        assert!(DynMlp::new(&[usize::MAX, 2], &[Activation::Relu]).is_err());
        let ok = DynMlp::new(&[3, 5, 1], &[Activation::Relu, Activation::Identity]);
        assert_eq!(ok.map(|n| n.params()), Ok(3 * 5 + 5 + 5 + 1));
    }
}
