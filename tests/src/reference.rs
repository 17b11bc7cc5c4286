//! An independent, unoptimised f64 implementation of a chain of dense layers, built from any
//! picogan network's tensors. Finite differences on it are accurate to ~1e-9, so picogan's f32
//! gradients can be checked against them with tolerances set by f32 rounding alone.

use picogan::{Activation, Layer};

/// One dense layer in f64: `weight[k * outputs + j]` joins input k to output j.
#[derive(Clone, Debug)]
pub struct RefLayer {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f64>,
    pub bias: Vec<f64>,
    pub activation: Activation,
}

/// A chain of [`RefLayer`]s.
#[derive(Clone, Debug)]
pub struct RefNet {
    pub layers: Vec<RefLayer>,
}

fn act(activation: Activation, x: f64) -> f64 {
    match activation {
        Activation::Identity => x,
        Activation::Relu => x.max(0.0),
        Activation::LeakyRelu(alpha) => {
            if x < 0.0 {
                f64::from(alpha) * x
            } else {
                x
            }
        }
        Activation::Tanh => x.tanh(),
        Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
    }
}

fn act_derivative(activation: Activation, x: f64) -> f64 {
    match activation {
        Activation::Identity => 1.0,
        Activation::Relu => f64::from(x > 0.0),
        Activation::LeakyRelu(alpha) => {
            if x > 0.0 {
                1.0
            } else {
                f64::from(alpha)
            }
        }
        Activation::Tanh => 1.0 - x.tanh().powi(2),
        Activation::Sigmoid => {
            let s = 1.0 / (1.0 + (-x).exp());
            s * (1.0 - s)
        }
    }
}

impl RefNet {
    /// Copies `network`'s architecture and parameters.
    pub fn from_layer<N: Layer>(network: &N) -> Self {
        let layers = (0..N::LAYERS)
            .map(|i| {
                let info = network.layer_info(i).expect("layer index in range");
                let weight = network.tensor(2 * i).expect("weight tensor");
                let bias = network.tensor(2 * i + 1).expect("bias tensor");
                RefLayer {
                    inputs: info.inputs,
                    outputs: info.outputs,
                    weight: weight.iter().map(|&w| f64::from(w)).collect(),
                    bias: bias.iter().map(|&b| f64::from(b)).collect(),
                    activation: info.activation,
                }
            })
            .collect();
        Self { layers }
    }

    /// Number of parameters.
    pub fn param_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weight.len() + l.bias.len())
            .sum()
    }

    /// Parameter `index` in picogan's tensor order (layer by layer, weights then biases).
    pub fn param_mut(&mut self, mut index: usize) -> &mut f64 {
        for layer in &mut self.layers {
            if index < layer.weight.len() {
                return &mut layer.weight[index];
            }
            index -= layer.weight.len();
            if index < layer.bias.len() {
                return &mut layer.bias[index];
            }
            index -= layer.bias.len();
        }
        panic!("parameter index out of range");
    }

    /// Pre-activations of every layer for input `x`.
    pub fn pre_activations(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut input = x.to_vec();
        let mut all = Vec::new();
        for layer in &self.layers {
            let pre: Vec<f64> = (0..layer.outputs)
                .map(|j| {
                    layer.bias[j]
                        + (0..layer.inputs)
                            .map(|k| layer.weight[k * layer.outputs + j] * input[k])
                            .sum::<f64>()
                })
                .collect();
            input = pre.iter().map(|&a| act(layer.activation, a)).collect();
            all.push(pre);
        }
        all
    }

    /// The network's output for input `x`.
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let pre = self.pre_activations(x);
        let last = self.layers.last().expect("at least one layer");
        pre.last()
            .expect("at least one layer")
            .iter()
            .map(|&a| act(last.activation, a))
            .collect()
    }

    /// ∇ₓ(c · f(x)): the input gradient of the output weighted by `c`, by backpropagation.
    pub fn input_gradient(&self, x: &[f64], c: &[f64]) -> Vec<f64> {
        let pre = self.pre_activations(x);
        let mut grad = c.to_vec();
        for (layer, pre) in self.layers.iter().zip(&pre).rev() {
            let delta: Vec<f64> = grad
                .iter()
                .zip(pre)
                .map(|(g, &a)| g * act_derivative(layer.activation, a))
                .collect();
            grad = (0..layer.inputs)
                .map(|k| {
                    (0..layer.outputs)
                        .map(|j| layer.weight[k * layer.outputs + j] * delta[j])
                        .sum()
                })
                .collect();
        }
        grad
    }
}

/// Central finite difference of `loss` with respect to every parameter of `net`, step `h`.
pub fn finite_difference_gradient(net: &RefNet, h: f64, loss: impl Fn(&RefNet) -> f64) -> Vec<f64> {
    let mut probe = net.clone();
    (0..net.param_count())
        .map(|i| {
            let original = *probe.param_mut(i);
            *probe.param_mut(i) = original + h;
            let up = loss(&probe);
            *probe.param_mut(i) = original - h;
            let down = loss(&probe);
            *probe.param_mut(i) = original;
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// All of a network's parameters (or gradients) in tensor order, as f64.
pub fn flat_params<N: Layer>(network: &N) -> Vec<f64> {
    (0..N::TENSORS)
        .flat_map(|i| network.tensor(i).expect("tensor index in range").to_vec())
        .map(f64::from)
        .collect()
}

/// Asserts |a − b| ≤ tol·(1 + |b|) element by element, naming the first index that fails.
pub fn assert_close(actual: &[f64], expected: &[f64], tol: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tol * (1.0 + e.abs()),
            "{what}[{i}]: got {a}, expected {e} (tolerance {tol})"
        );
    }
}
