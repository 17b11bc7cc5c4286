//! The layer traits: what every network (a [`Dense`] layer or a chain of them) can do.
//!
//! A network is a nested pair of layers, read left to right like a sequential container:
//! `(Dense<2, 64>, (Dense<64, 64>, Dense<64, 2>))` maps 2 inputs to 2 outputs through two hidden
//! layers of 64. The pair `(A, L)` is a [`Layer`] only when `L::Input` is `A::Output`, so a shape
//! mismatch between consecutive layers does not compile. [`Mlp2`], [`Mlp3`] and [`Mlp4`] name
//! the common depths.

use crate::Activation;
use crate::dense::Dense;

/// A fixed-length vector of `f32`: `[f32; N]`. Lets generic code make zeroed buffers and view any
/// layer's input or output as a slice.
pub trait Vector: Copy + AsRef<[f32]> + AsMut<[f32]> {
    /// The all-zero vector.
    const ZERO: Self;
    /// Its length N.
    const LEN: usize;

    /// A batch of vectors as one slice, row after row.
    fn flatten_mut(batch: &mut [Self]) -> &mut [f32];
}

impl<const N: usize> Vector for [f32; N] {
    const ZERO: Self = [0.0; N];
    const LEN: usize = N;

    fn flatten_mut(batch: &mut [Self]) -> &mut [f32] {
        batch.as_flattened_mut()
    }
}

/// A type with an all-zero constant, so that networks, traces, optimizer states and whole
/// trainers can be the initial value of a `static`: zero bytes go to `.bss`, which takes RAM but
/// no flash, and nothing is built on the stack first.
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Mlp2, Zeroed};
/// static mut SCRATCH: Mlp2<2, 8, 1> = Mlp2::<2, 8, 1>::ZEROED;
/// const LAYER: Dense<2, 8> = Dense::ZEROED;
/// assert_eq!(LAYER, Dense::new(Activation::Identity));
/// ```
pub trait Zeroed: Sized {
    /// Every number zero, every activation [`Activation::Identity`](crate::Activation).
    const ZEROED: Self;
}

impl<A: Zeroed, L: Zeroed> Zeroed for (A, L) {
    const ZEROED: Self = (A::ZEROED, L::ZEROED);
}

/// The architecture of one dense layer, as the model file and `info` report it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LayerInfo {
    /// Number of inputs I.
    pub inputs: usize,
    /// Number of outputs O.
    pub outputs: usize,
    /// The fused activation.
    pub activation: Activation,
}

/// A chain of dense layers, shaped at compile time ([`Layer`]) or at run time
/// (`dynamic::DynMlp`, feature `alloc`): its architecture, layer by layer, and its parameters as
/// a fixed sequence of flat *tensors* (for a dense layer: its weights, then its biases), so that
/// optimizers, serialisers and averaging code walk any network without knowing its shape.
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Network};
/// let mut layer = Dense::<2, 3>::new(Activation::Relu);
/// layer.tensor_mut(1).unwrap().fill(0.5); // the biases
/// assert_eq!(layer.bias, [0.5; 3]);
/// assert_eq!(layer.zeroed_like().tensor(1), Some(&[0.0; 3][..]));
/// ```
pub trait Network: Clone {
    /// Number of dense layers.
    fn layer_count(&self) -> usize;

    /// Architecture of dense layer `index` (0 is the input side), or `None` past the last one.
    fn layer_info(&self, index: usize) -> Option<LayerInfo>;

    /// Sets the activation of dense layer `index`; false (and no change) past the last layer.
    fn set_activation(&mut self, index: usize, activation: Activation) -> bool;

    /// Index of the first layer whose activation is not piecewise linear, if any.
    fn first_smooth_layer(&self) -> Option<usize> {
        (0..self.layer_count()).find(|&i| {
            self.layer_info(i)
                .is_some_and(|info| !info.activation.is_piecewise_linear())
        })
    }

    /// Parameter tensor `index` as a flat slice, or `None` past the last one.
    fn tensor(&self, index: usize) -> Option<&[f32]>;

    /// Mutable parameter tensor `index`, or `None` past the last one.
    fn tensor_mut(&mut self, index: usize) -> Option<&mut [f32]>;

    /// Sets every parameter to zero (used to clear gradients and optimizer moments).
    fn zero_params(&mut self) {
        let mut index = 0;
        while let Some(tensor) = self.tensor_mut(index) {
            tensor.fill(0.0);
            index += 1;
        }
    }

    /// A copy of the architecture with every parameter zero.
    fn zeroed_like(&self) -> Self {
        let mut zeroed = self.clone();
        zeroed.zero_params();
        zeroed
    }
}

/// Inference: a network's shapes, forward passes and parameters ([`Network`]).
///
/// # Examples
/// ```
/// use picogan::{Activation::*, Dense, Layer, Mlp2};
/// let mut net: Mlp2<3, 4, 2> = (Dense::new(Tanh), Dense::new(Identity));
/// use picogan::rng::{NoiseRng, SeedableRng};
/// net.init_params(&mut NoiseRng::seed_from_u64(7));
/// assert_eq!((Mlp2::<3, 4, 2>::PARAMS, Mlp2::<3, 4, 2>::TENSORS), (26, 4));
///
/// // A batch of 5 samples: the trace keeps every layer's outputs.
/// let inputs = [[0.5, -1.0, 2.0]; 5];
/// let mut trace = Mlp2::<3, 4, 2>::new_trace::<5>();
/// net.forward_batch(&inputs, &mut trace);
/// assert_eq!(Mlp2::<3, 4, 2>::output(&trace)[4], net.forward(&inputs[4]));
/// ```
pub trait Layer: Network + Zeroed {
    /// One input sample, `[f32; I]`.
    type Input: Vector;
    /// One output sample, `[f32; O]`.
    type Output: Vector;
    /// What a batch forward pass of `B` samples keeps for the backward pass: each dense layer's
    /// outputs and a gradient buffer of the same shape, all sized at compile time.
    type Trace<const B: usize>: Zeroed;

    /// Number of dense layers.
    const LAYERS: usize;
    /// Number of parameter tensors ([`Network::tensor`] answers for `0..TENSORS`).
    const TENSORS: usize;
    /// Number of scalar parameters.
    const PARAMS: usize;

    /// Single-sample forward pass, for the device: intermediate values live on the stack.
    fn forward(&self, x: &Self::Input) -> Self::Output;

    /// A zeroed trace for batches of `B` samples.
    fn new_trace<const B: usize>() -> Self::Trace<B> {
        Zeroed::ZEROED
    }

    /// Batch forward pass: `B` samples at once, every layer's output kept in `trace`.
    ///
    /// Bit-identical, sample by sample, to [`Layer::forward`]: both accumulate each output as
    /// bias, then + wₖ·xₖ for k = 0, 1, … in that order.
    fn forward_batch<const B: usize>(&self, x: &[Self::Input; B], trace: &mut Self::Trace<B>);

    /// The network's outputs from the last [`Layer::forward_batch`].
    fn output<const B: usize>(trace: &Self::Trace<B>) -> &[Self::Output; B];

    /// Initialises every parameter as PyTorch's `nn.Linear` does: weights and biases uniform on
    /// [−1/√I, 1/√I], layer by layer from the input side, weights before biases.
    fn init_params<R: rand_core::Rng + ?Sized>(&mut self, rng: &mut R);
}

/// Training: backward passes, including the double-backward of the R1 penalty.
///
/// Gradients reuse the network's own type: `grads: &mut Self` holds ∂L/∂θ in the same layout as
/// the parameters θ (its activations are ignored).
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Layer, Network, Trainable};
/// // y = w·x + b, and L = Σ_b 3·y_b over a batch of two samples.
/// let mut layer = Dense::<2, 1>::new(Activation::Identity);
/// layer.weight = [[1.0], [-1.0]];
/// let x = [[1.0, 2.0], [3.0, 5.0]];
/// let mut trace = Dense::<2, 1>::new_trace::<2>();
/// layer.forward_batch(&x, &mut trace);
/// *Dense::<2, 1>::output_grad_mut(&mut trace) = [[3.0], [3.0]]; // ∂L/∂y
/// let mut grads = layer.zeroed_like();
/// let mut input_grads = [[0.0; 2]; 2];
/// layer.backward_batch(&x, &mut trace, Some(&mut grads), Some(&mut input_grads));
/// assert_eq!(grads.weight, [[12.0], [21.0]]); // Σ_b 3·x_b
/// assert_eq!(grads.bias, [6.0]);
/// assert_eq!(input_grads, [[3.0, -3.0]; 2]); // 3·w
/// ```
#[cfg(feature = "train")]
pub trait Trainable: Layer {
    /// The gradient buffer of the network's output, in the trace. The caller writes ∂L/∂y here
    /// before [`Trainable::backward_batch`].
    fn output_grad_mut<const B: usize>(trace: &mut Self::Trace<B>) -> &mut [Self::Output; B];

    /// The same gradient buffer, read-only (after the backward pass it holds ∂L/∂(pre-activation)
    /// of the last layer; after [`Trainable::r1_tangent_batch`], the output tangent).
    fn output_grad<const B: usize>(trace: &Self::Trace<B>) -> &[Self::Output; B];

    /// The outputs and their gradient buffer at once (they are disjoint parts of the trace).
    fn output_and_grad_mut<const B: usize>(
        trace: &mut Self::Trace<B>,
    ) -> (&[Self::Output; B], &mut [Self::Output; B]);

    /// Backward pass over the batch last run through [`Layer::forward_batch`] on `x`.
    ///
    /// Reads ∂L/∂y from the trace's output gradient; *adds* ∂L/∂θ into `grads` when given
    /// (summed over samples in increasing order) and *writes* ∂L/∂x into `input_grad` when given.
    /// Every layer's gradient buffer ends up holding δ = ∂L/∂(pre-activation), which
    /// [`Trainable::r1_tangent_batch`] uses.
    fn backward_batch<const B: usize>(
        &self,
        x: &[Self::Input; B],
        trace: &mut Self::Trace<B>,
        grads: Option<&mut Self>,
        input_grad: Option<&mut [Self::Input; B]>,
    );

    /// Second half of the R1 penalty's gradient (Mescheder et al., "Which Training Methods for
    /// GANs do actually Converge?", ICML 2018), exact for piecewise-linear activations.
    ///
    /// For a scalar network f with input gradient g(x) = ∇ₓf(x) and penalty R = ½ c‖g‖², write
    /// g = W₁ᵀ δ₁ where δₗ = ∂f/∂aₗ is layer l's pre-activation gradient. With φ″ = 0 the masks
    /// φ′ are locally constant, so R depends on each Wₗ only through g = (…Wₗ…)ᵀ and
    ///
    /// `∂R/∂Wₗ[k][j] = tₗ₋₁[k]·δₗ[j]`,  `t₀ = c·g`,  `tₗ = φ′ₗ ⊙ (Wₗᵀ tₗ₋₁)`,  `∂R/∂bₗ = 0`,
    ///
    /// i.e. a forward pass of the tangent t through the network with frozen masks and no biases.
    ///
    /// Call after [`Trainable::backward_batch`] with output gradient 1, which leaves every δₗ
    /// in the trace. `tangent` is t₀ per sample (for a batch mean, c = γ/B). Adds ∂R/∂θ into
    /// `grads`; each layer's gradient buffer is overwritten with its tangent tₗ.
    fn r1_tangent_batch<const B: usize>(
        &self,
        tangent: &[Self::Input; B],
        trace: &mut Self::Trace<B>,
        grads: &mut Self,
    );
}

impl<A, L> Network for (A, L)
where
    A: Layer,
    L: Layer<Input = A::Output>,
{
    fn layer_count(&self) -> usize {
        Self::LAYERS
    }

    fn layer_info(&self, index: usize) -> Option<LayerInfo> {
        match index.checked_sub(A::LAYERS) {
            None => self.0.layer_info(index),
            Some(rest) => self.1.layer_info(rest),
        }
    }

    fn set_activation(&mut self, index: usize, activation: Activation) -> bool {
        match index.checked_sub(A::LAYERS) {
            None => self.0.set_activation(index, activation),
            Some(rest) => self.1.set_activation(rest, activation),
        }
    }

    fn tensor(&self, index: usize) -> Option<&[f32]> {
        match index.checked_sub(A::TENSORS) {
            None => self.0.tensor(index),
            Some(rest) => self.1.tensor(rest),
        }
    }

    fn tensor_mut(&mut self, index: usize) -> Option<&mut [f32]> {
        match index.checked_sub(A::TENSORS) {
            None => self.0.tensor_mut(index),
            Some(rest) => self.1.tensor_mut(rest),
        }
    }
}

impl<A, L> Layer for (A, L)
where
    A: Layer,
    L: Layer<Input = A::Output>,
{
    type Input = A::Input;
    type Output = L::Output;
    type Trace<const B: usize> = (A::Trace<B>, L::Trace<B>);

    const LAYERS: usize = A::LAYERS + L::LAYERS;
    const TENSORS: usize = A::TENSORS + L::TENSORS;
    const PARAMS: usize = A::PARAMS + L::PARAMS;

    fn forward(&self, x: &Self::Input) -> Self::Output {
        let hidden = self.0.forward(x); // [A::Output]
        self.1.forward(&hidden) // [L::Output]
    }

    fn forward_batch<const B: usize>(&self, x: &[Self::Input; B], trace: &mut Self::Trace<B>) {
        let (first, rest) = trace;
        self.0.forward_batch(x, first); // [B][A::Output]
        self.1.forward_batch(A::output(first), rest); // [B][L::Output]
    }

    fn output<const B: usize>(trace: &Self::Trace<B>) -> &[Self::Output; B] {
        L::output(&trace.1)
    }

    fn init_params<R: rand_core::Rng + ?Sized>(&mut self, rng: &mut R) {
        self.0.init_params(rng);
        self.1.init_params(rng);
    }
}

#[cfg(feature = "train")]
impl<A, L> Trainable for (A, L)
where
    A: Trainable,
    L: Trainable<Input = A::Output>,
{
    fn output_grad_mut<const B: usize>(trace: &mut Self::Trace<B>) -> &mut [Self::Output; B] {
        L::output_grad_mut(&mut trace.1)
    }

    fn output_grad<const B: usize>(trace: &Self::Trace<B>) -> &[Self::Output; B] {
        L::output_grad(&trace.1)
    }

    fn output_and_grad_mut<const B: usize>(
        trace: &mut Self::Trace<B>,
    ) -> (&[Self::Output; B], &mut [Self::Output; B]) {
        L::output_and_grad_mut(&mut trace.1)
    }

    fn backward_batch<const B: usize>(
        &self,
        x: &[Self::Input; B],
        trace: &mut Self::Trace<B>,
        grads: Option<&mut Self>,
        input_grad: Option<&mut [Self::Input; B]>,
    ) {
        let (first_grads, rest_grads) = match grads {
            Some((first, rest)) => (Some(first), Some(rest)),
            None => (None, None),
        };
        let (first, rest) = trace;
        let (hidden, hidden_grad) = A::output_and_grad_mut(first);
        self.1
            .backward_batch(hidden, rest, rest_grads, Some(hidden_grad));
        self.0.backward_batch(x, first, first_grads, input_grad);
    }

    fn r1_tangent_batch<const B: usize>(
        &self,
        tangent: &[Self::Input; B],
        trace: &mut Self::Trace<B>,
        grads: &mut Self,
    ) {
        let (first, rest) = trace;
        self.0.r1_tangent_batch(tangent, first, &mut grads.0);
        self.1
            .r1_tangent_batch(A::output_grad(first), rest, &mut grads.1);
    }
}

/// Two dense layers: I → H → O.
pub type Mlp2<const I: usize, const H: usize, const O: usize> = (Dense<I, H>, Dense<H, O>);

/// Three dense layers: I → H1 → H2 → O.
pub type Mlp3<const I: usize, const H1: usize, const H2: usize, const O: usize> =
    (Dense<I, H1>, (Dense<H1, H2>, Dense<H2, O>));

/// Four dense layers: I → H1 → H2 → H3 → O.
pub type Mlp4<const I: usize, const H1: usize, const H2: usize, const H3: usize, const O: usize> =
    (Dense<I, H1>, (Dense<H1, H2>, (Dense<H2, H3>, Dense<H3, O>)));
