//! Shared helpers for picogan's integration tests: proptest strategies, an independent f64
//! reference implementation of a dense network, and random networks.

pub mod firmware;
pub mod reference;
pub mod strategies;

use picogan::Layer;
use picogan::rng::{NoiseRng, SeedableRng, uniform_in};

/// A network whose parameters are initialised from `seed` (PyTorch's default init).
pub fn init<N: Layer>(mut network: N, seed: u64) -> N {
    network.init_params(&mut NoiseRng::seed_from_u64(seed));
    network
}

/// `B` vectors of uniform values in [−scale, scale) drawn from `seed`.
pub fn random_batch<const N: usize, const B: usize>(seed: u64, scale: f32) -> [[f32; N]; B] {
    let mut rng = NoiseRng::seed_from_u64(seed);
    let mut batch = [[0.0; N]; B];
    for value in batch.as_flattened_mut() {
        *value = uniform_in(&mut rng, -scale, scale);
    }
    batch
}

/// Every parameter's bit pattern, in tensor order: for exact, NaN- and sign-aware comparisons.
pub fn param_bits<N: Layer>(network: &N) -> Vec<u32> {
    (0..N::TENSORS)
        .filter_map(|i| network.tensor(i))
        .flat_map(|t| t.iter().map(|v| v.to_bits()))
        .collect()
}

/// Any of the fused activations, for property tests over architectures.
pub fn any_activation() -> impl proptest::strategy::Strategy<Value = picogan::Activation> {
    use picogan::Activation::*;
    use proptest::prelude::*;
    prop_oneof![
        Just(Identity),
        Just(Relu),
        Just(LeakyRelu(0.2)),
        Just(Tanh),
        Just(Sigmoid)
    ]
}
