//! The dense (fully connected) layer with a fused activation.
//!
//! Determinism: each output is accumulated as `bias`, then `+ w[k] * x[k]` for k = 0, 1, … with
//! one accumulator and no fused multiply-add; the kernels (module `kernels`) only tile independent
//! outputs, so the single-sample path, the batch path and every target give the same bits.

use crate::Activation;
use crate::kernels::{self, Const, Shape};
use crate::layer::{Layer, LayerInfo, Network, Zeroed};

/// A dense layer `y = φ(b + Σₖ xₖ·W[k])` with `I` inputs and `O` outputs.
///
/// Generics: `I` inputs, `O` outputs. Weights are stored input-major, `weight[k][j]` joining
/// input k to output j, so the inner loops run over contiguous outputs.
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Layer};
/// let mut layer = Dense::<2, 3>::new(Activation::Relu);
/// layer.weight = [[1.0, -1.0, 0.5], [2.0, 0.0, 0.5]];
/// layer.bias = [0.0, 0.5, -1.0];
/// assert_eq!(layer.forward(&[1.0, 1.0]), [3.0, 0.0, 0.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<const I: usize, const O: usize> {
    /// `weight[k][j]`: from input k to output j.
    pub weight: [[f32; O]; I],
    /// `bias[j]`: added to output j before the activation.
    pub bias: [f32; O],
    /// The fused activation φ.
    pub activation: Activation,
}

/// The batch trace of one dense layer: its outputs and, with feature `train`, a gradient buffer
/// of the same shape.
///
/// Generics: `O` outputs, `B` samples.
#[derive(Clone, Debug)]
pub struct DenseTrace<const O: usize, const B: usize> {
    /// φ(pre-activation), one row per sample.
    pub output: [[f32; O]; B],
    /// ∂L/∂output on entry to backward; ∂L/∂(pre-activation) after it (feature `train`).
    #[cfg(feature = "train")]
    pub grad: [[f32; O]; B],
}

impl<const I: usize, const O: usize> Dense<I, O> {
    /// A layer with all parameters zero (usable in a `static`).
    pub const fn new(activation: Activation) -> Self {
        Self {
            weight: [[0.0; O]; I],
            bias: [0.0; O],
            activation,
        }
    }
}

impl<const I: usize, const O: usize> Zeroed for Dense<I, O> {
    const ZEROED: Self = Self::new(Activation::Identity);
}

impl<const O: usize, const B: usize> Zeroed for DenseTrace<O, B> {
    const ZEROED: Self = DenseTrace {
        output: [[0.0; O]; B],
        #[cfg(feature = "train")]
        grad: [[0.0; O]; B],
    };
}

impl<const I: usize, const O: usize> Network for Dense<I, O> {
    fn layer_count(&self) -> usize {
        1
    }

    fn layer_info(&self, index: usize) -> Option<LayerInfo> {
        (index == 0).then_some(LayerInfo {
            inputs: I,
            outputs: O,
            activation: self.activation,
        })
    }

    fn set_activation(&mut self, index: usize, activation: Activation) -> bool {
        if index == 0 {
            self.activation = activation;
        }
        index == 0
    }

    fn tensor(&self, index: usize) -> Option<&[f32]> {
        match index {
            0 => Some(self.weight.as_flattened()),
            1 => Some(&self.bias),
            _ => None,
        }
    }

    fn tensor_mut(&mut self, index: usize) -> Option<&mut [f32]> {
        match index {
            0 => Some(self.weight.as_flattened_mut()),
            1 => Some(&mut self.bias),
            _ => None,
        }
    }
}

impl<const I: usize, const O: usize> Layer for Dense<I, O> {
    type Input = [f32; I];
    type Output = [f32; O];
    type Trace<const B: usize> = DenseTrace<O, B>;

    const LAYERS: usize = 1;
    const TENSORS: usize = 2;
    const PARAMS: usize = I * O + O;

    fn forward(&self, x: &[f32; I]) -> [f32; O] {
        kernels::affine_one_array(x, &self.weight, &self.bias, self.activation) // [O]
    }

    fn forward_batch<const B: usize>(&self, x: &[[f32; I]; B], trace: &mut DenseTrace<O, B>) {
        let (w, b, phi) = (self.weight.as_flattened(), &self.bias[..], self.activation);
        let (x, y) = (x.as_flattened(), trace.output.as_flattened_mut());
        let shape = Shape::<Const<I>, Const<O>, Const<B>>::CONST;
        kernels::affine(shape, x, w, Some(b), phi, y); // [B][O]
    }

    fn output<const B: usize>(trace: &DenseTrace<O, B>) -> &[[f32; O]; B] {
        &trace.output
    }

    fn init_params<R: rand_core::Rng + ?Sized>(&mut self, rng: &mut R) {
        let bound = 1.0 / crate::math::sqrt(I as f32);
        for w in self.weight.as_flattened_mut() {
            *w = crate::rng::uniform_in(rng, -bound, bound);
        }
        for b in self.bias.iter_mut() {
            *b = crate::rng::uniform_in(rng, -bound, bound);
        }
    }
}

#[cfg(feature = "train")]
impl<const I: usize, const O: usize> crate::layer::Trainable for Dense<I, O> {
    fn output_grad_mut<const B: usize>(trace: &mut DenseTrace<O, B>) -> &mut [[f32; O]; B] {
        &mut trace.grad
    }

    fn output_grad<const B: usize>(trace: &DenseTrace<O, B>) -> &[[f32; O]; B] {
        &trace.grad
    }

    fn output_and_grad_mut<const B: usize>(
        trace: &mut DenseTrace<O, B>,
    ) -> (&[[f32; O]; B], &mut [[f32; O]; B]) {
        (&trace.output, &mut trace.grad)
    }

    fn backward_batch<const B: usize>(
        &self,
        x: &[[f32; I]; B],
        trace: &mut DenseTrace<O, B>,
        grads: Option<&mut Self>,
        input_grad: Option<&mut [[f32; I]; B]>,
    ) {
        let shape = Shape::<Const<I>, Const<O>, Const<B>>::CONST;
        let (y, d) = (trace.output.as_flattened(), trace.grad.as_flattened_mut());
        // δ = ∂L/∂y ⊙ φ′(y): [B][O]
        kernels::backward::scale_by_derivative(self.activation, y, d);
        let (x, d) = (x.as_flattened(), &*d);
        if let Some(grads) = grads {
            // ∂L/∂W[k][j] += Σ_b x[b][k]·δ[b][j], ∂L/∂b[j] += Σ_b δ[b][j]; b increasing.
            kernels::backward::accumulate_outer(shape, x, d, grads.weight.as_flattened_mut());
            kernels::backward::accumulate_rows(Const::<O>, d, &mut grads.bias);
        }
        if let Some(input_grad) = input_grad {
            // ∂L/∂x[b][k] = Σ_j W[k][j]·δ[b][j], j increasing: [B][I]
            let (w, dx) = (self.weight.as_flattened(), input_grad.as_flattened_mut());
            kernels::backward::transposed_product(shape, d, w, dx);
        }
    }

    fn r1_tangent_batch<const B: usize>(
        &self,
        tangent: &[[f32; I]; B],
        trace: &mut DenseTrace<O, B>,
        grads: &mut Self,
    ) {
        let shape = Shape::<Const<I>, Const<O>, Const<B>>::CONST;
        let (t, w) = (tangent.as_flattened(), self.weight.as_flattened());
        let (y, d) = (trace.output.as_flattened(), trace.grad.as_flattened_mut());
        // ∂R/∂W[k][j] += Σ_b t[b][k]·δ[b][j]
        kernels::backward::accumulate_outer(shape, t, d, grads.weight.as_flattened_mut());
        // t_out[b] = φ′(y[b]) ⊙ Σ_k t[b][k]·W[k], overwriting δ: [B][O]
        kernels::affine(shape, t, w, None, Activation::Identity, d);
        kernels::backward::scale_by_derivative(self.activation, y, d);
    }
}
