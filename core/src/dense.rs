//! The dense (fully connected) layer with a fused activation, and its kernels.
//!
//! Determinism: each output is accumulated as `bias`, then `+ w[k] * x[k]` for k = 0, 1, … with
//! one accumulator and no fused multiply-add. The kernels vectorise across outputs j (and keep a
//! tile of samples in registers), never along k, so the single-sample path, the batch path and
//! every target give the same bits.

use crate::Activation;
use crate::layer::{Layer, LayerInfo};

/// Samples per register tile of the batch kernel.
const TILE_SAMPLES: usize = 4;
/// Outputs per register tile of the batch kernel (one 256-bit vector of f32).
const TILE_OUTPUTS: usize = 8;

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

/// The batch trace of one dense layer: its outputs and a gradient buffer of the same shape.
///
/// Generics: `O` outputs, `B` samples.
#[derive(Clone, Debug)]
pub struct DenseTrace<const O: usize, const B: usize> {
    /// φ(pre-activation), one row per sample.
    pub output: [[f32; O]; B],
    /// ∂L/∂output on entry to backward; ∂L/∂(pre-activation) after it.
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

    /// Pre-activation of one sample: `y = b + Σₖ xₖ·W[k]`, k increasing.
    #[inline]
    fn affine(&self, x: &[f32; I], y: &mut [f32; O]) {
        *y = self.bias;
        for (&xk, wk) in x.iter().zip(&self.weight) {
            for (yj, &wkj) in y.iter_mut().zip(wk) {
                *yj += wkj * xk;
            }
        }
    }

    /// Pre-activation of `TILE_SAMPLES` samples, outputs `j0..j0 + TILE_OUTPUTS`, accumulated
    /// in a register tile so each weight row slice is loaded once per tile.
    #[inline(always)]
    fn affine_tile(&self, x: &[[f32; I]], y: &mut [[f32; O]], j0: usize) {
        let columns = j0..j0 + TILE_OUTPUTS;
        let mut acc = [[0.0f32; TILE_OUTPUTS]; TILE_SAMPLES];
        for row in acc.iter_mut() {
            row.copy_from_slice(&self.bias[columns.clone()]);
        }
        for (k, wk) in self.weight.iter().enumerate() {
            let w = &wk[columns.clone()];
            for (row, xs) in acc.iter_mut().zip(x) {
                let xk = xs[k];
                for (a, &wkj) in row.iter_mut().zip(w) {
                    *a += wkj * xk;
                }
            }
        }
        for (ys, row) in y.iter_mut().zip(&acc) {
            ys[columns.clone()].copy_from_slice(row);
        }
    }

    /// Pre-activation of the outputs `j0..O` of one sample (the columns no tile covers).
    #[inline]
    fn affine_columns(&self, x: &[f32; I], y: &mut [f32; O], j0: usize) {
        y[j0..].copy_from_slice(&self.bias[j0..]);
        for (&xk, wk) in x.iter().zip(&self.weight) {
            for (yj, &wkj) in y[j0..].iter_mut().zip(&wk[j0..]) {
                *yj += wkj * xk;
            }
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
        let mut y = [0.0; O];
        self.affine(x, &mut y); // [O]
        self.activation.apply_in_place(&mut y); // [O]
        y
    }

    fn new_trace<const B: usize>() -> DenseTrace<O, B> {
        DenseTrace {
            output: [[0.0; O]; B],
            grad: [[0.0; O]; B],
        }
    }

    fn forward_batch<const B: usize>(&self, x: &[[f32; I]; B], trace: &mut DenseTrace<O, B>) {
        let y = &mut trace.output;
        let full_tiles = O / TILE_OUTPUTS * TILE_OUTPUTS;
        let mut x_blocks = x.chunks_exact(TILE_SAMPLES);
        let mut y_blocks = y.chunks_exact_mut(TILE_SAMPLES);
        for (xb, yb) in (&mut x_blocks).zip(&mut y_blocks) {
            for j0 in (0..full_tiles).step_by(TILE_OUTPUTS) {
                self.affine_tile(xb, yb, j0); // [TILE_SAMPLES][TILE_OUTPUTS]
            }
            if full_tiles < O {
                for (xs, ys) in xb.iter().zip(yb.iter_mut()) {
                    self.affine_columns(xs, ys, full_tiles); // [O - full_tiles]
                }
            }
        }
        for (xs, ys) in x_blocks.remainder().iter().zip(y_blocks.into_remainder()) {
            self.affine(xs, ys); // [O]
        }
        for ys in y.iter_mut() {
            self.activation.apply_in_place(ys); // [B][O]
        }
    }

    fn output<const B: usize>(trace: &DenseTrace<O, B>) -> &[[f32; O]; B] {
        &trace.output
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

    fn layer_info(&self, index: usize) -> Option<LayerInfo> {
        (index == 0).then_some(LayerInfo {
            inputs: I,
            outputs: O,
            activation: self.activation,
        })
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
        // δ = ∂L/∂y ⊙ φ′(y): [B][O]
        for (delta, ys) in trace.grad.iter_mut().zip(&trace.output) {
            self.activation.scale_by_derivative(ys, delta);
        }
        if let Some(grads) = grads {
            // ∂L/∂W[k][j] += Σ_b x[b][k]·δ[b][j], ∂L/∂b[j] += Σ_b δ[b][j]; b increasing.
            for (xs, delta) in x.iter().zip(&trace.grad) {
                for (gw, &xk) in grads.weight.iter_mut().zip(xs) {
                    for (g, &d) in gw.iter_mut().zip(delta) {
                        *g += xk * d;
                    }
                }
                for (g, &d) in grads.bias.iter_mut().zip(delta) {
                    *g += d;
                }
            }
        }
        if let Some(input_grad) = input_grad {
            // ∂L/∂x[b][k] = Σ_j W[k][j]·δ[b][j], j increasing: [B][I]
            for (gx, delta) in input_grad.iter_mut().zip(&trace.grad) {
                for (gxk, wk) in gx.iter_mut().zip(&self.weight) {
                    let mut acc = 0.0;
                    for (&w, &d) in wk.iter().zip(delta) {
                        acc += w * d;
                    }
                    *gxk = acc;
                }
            }
        }
    }

    fn r1_tangent_batch<const B: usize>(
        &self,
        tangent: &[[f32; I]; B],
        trace: &mut DenseTrace<O, B>,
        grads: &mut Self,
    ) {
        for ((t_in, delta), ys) in tangent.iter().zip(trace.grad.iter_mut()).zip(&trace.output) {
            // ∂R/∂W[k][j] += t[k]·δ[j]
            for (gw, &tk) in grads.weight.iter_mut().zip(t_in) {
                for (g, &d) in gw.iter_mut().zip(delta.iter()) {
                    *g += tk * d;
                }
            }
            // t_out = φ′(y) ⊙ Σ_k t[k]·W[k]: [O]
            let mut t_out = [0.0; O];
            for (&tk, wk) in t_in.iter().zip(&self.weight) {
                for (t, &w) in t_out.iter_mut().zip(wk) {
                    *t += w * tk;
                }
            }
            self.activation.scale_by_derivative(ys, &mut t_out);
            *delta = t_out;
        }
    }
}
