//! The batch path and the single-sample path compute the same bits, and training is
//! reproducible from a seed.

use picogan::rng::{NoiseRng, SeedableRng, fill_normal};
use picogan::{Activation, Dense, GanConfig, GanTrainer, Layer, Mlp3, Mlp4, optim::Adam};
use picogan_tests::{init, param_bits, random_batch};
use proptest::prelude::*;

/// Runs `network` on `inputs` both ways and asserts identical bits, sample by sample.
fn assert_batch_matches_single<N: Layer, const B: usize>(network: &N, inputs: &[N::Input; B]) {
    let mut trace = N::new_trace::<B>();
    network.forward_batch(inputs, &mut trace);
    for (b, (x, batched)) in inputs.iter().zip(N::output(&trace)).enumerate() {
        let single = network.forward(x);
        let single_bits: Vec<u32> = single.as_ref().iter().map(|v| v.to_bits()).collect();
        let batch_bits: Vec<u32> = batched.as_ref().iter().map(|v| v.to_bits()).collect();
        assert_eq!(single_bits, batch_bits, "sample {b}");
    }
}

const ACTIVATIONS: [Activation; 5] = [
    Activation::Identity,
    Activation::Relu,
    Activation::LeakyRelu(0.2),
    Activation::Tanh,
    Activation::Sigmoid,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batch_equals_single_on_random_networks(seed in any::<u64>(), a in 0usize..5, b in 0usize..5, scale in 0.1f32..100.0) {
        // Shapes chosen to hit full register tiles, partial column tiles (O = 20, 3, 1) and a
        // sample remainder (B = 7, 13).
        let wide: Mlp3<5, 20, 64, 3> = init(
            (Dense::new(ACTIVATIONS[a]), (Dense::new(ACTIVATIONS[b]), Dense::new(Activation::Identity))),
            seed,
        );
        assert_batch_matches_single(&wide, &random_batch::<5, 7>(seed ^ 1, scale));
        let deep: Mlp4<2, 16, 8, 24, 1> = init(
            (
                Dense::new(ACTIVATIONS[b]),
                (Dense::new(ACTIVATIONS[a]), (Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid))),
            ),
            seed ^ 2,
        );
        assert_batch_matches_single(&deep, &random_batch::<2, 13>(seed ^ 3, scale));
    }
}

#[test]
fn batch_equals_single_when_the_weights_exceed_l1() {
    // 130 × 86 weights (45 KB): the forward pass copies each block of 16 columns into a panel;
    // a partial block (86 mod 16 = 6 outputs) and a sample remainder (B = 13 mod 6 = 1). One
    // sample at a time, 86 outputs take every kind of block: 64 wide, 16 wide, and 6 left over.
    let layer: Dense<130, 86> = init(Dense::new(Activation::LeakyRelu(0.2)), 11);
    assert_batch_matches_single(&layer, &random_batch::<130, 13>(12, 2.0));
}

#[test]
fn batch_equals_single_at_the_reference_size() {
    // The benchmark generator (z 8 → 64 → 64 → 2, batch 64).
    let generator: Mlp3<8, 64, 64, 2> = init(
        (
            Dense::new(Activation::Relu),
            (
                Dense::new(Activation::Relu),
                Dense::new(Activation::Identity),
            ),
        ),
        99,
    );
    assert_batch_matches_single(&generator, &random_batch::<8, 64>(100, 3.0));
}

/// 4,096 samples drawn 64 at a time by `sample_batch` are those of one batch of 4,096 (noise
/// from one `fill_normal`, one forward pass) and of `sample` called 4,096 times, bit for bit.
#[test]
fn samples_in_batches_equal_one_large_batch() {
    type G = Mlp3<8, 64, 64, 2>;
    let generator: G = init(
        (
            Dense::new(Activation::Relu),
            (
                Dense::new(Activation::Relu),
                Dense::new(Activation::Identity),
            ),
        ),
        7,
    );
    const BULK: usize = 4096;
    let mut rng = NoiseRng::seed_from_u64(8);
    let mut z = vec![[0.0f32; 8]; BULK];
    fill_normal(&mut rng, z.as_flattened_mut());
    let mut trace = Box::new(G::new_trace::<BULK>());
    let z: &[[f32; 8]; BULK] = z.as_slice().try_into().unwrap();
    generator.forward_batch(z, &mut trace);
    let bits = |v: &[[f32; 2]]| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
    let whole = bits(G::output(&trace));

    let mut rng = NoiseRng::seed_from_u64(8);
    let mut chunk = Box::new(G::new_trace::<64>());
    let mut batched = Vec::new();
    for _ in 0..BULK / 64 {
        batched.extend(bits(picogan::sample_batch(
            &generator, &mut rng, &mut chunk,
        )));
    }
    assert_eq!(batched, whole);

    let mut rng = NoiseRng::seed_from_u64(8);
    let singly: Vec<[f32; 2]> = (0..BULK)
        .map(|_| picogan::sample(&generator, &mut rng))
        .collect();
    assert_eq!(bits(&singly), whole);
}

#[test]
fn special_values_propagate_identically() {
    let layer: Dense<3, 9> = init(Dense::new(Activation::Relu), 5);
    let inputs = [
        [f32::NAN, 0.0, 1.0],
        [f32::INFINITY, -1.0, 0.0],
        [-0.0, 0.0, -0.0],
        [1e38, -1e38, 1e-45],
        [0.5, 0.25, -0.125],
    ];
    assert_batch_matches_single(&layer, &inputs);
}

type G = Mlp3<2, 16, 16, 1>;
type D = Mlp3<1, 16, 16, 1>;

fn train_steps(seed: u64, steps: usize) -> (G, D) {
    let mut rng = NoiseRng::seed_from_u64(seed);
    let mut g: G = (
        Dense::new(Activation::Relu),
        (
            Dense::new(Activation::Relu),
            Dense::new(Activation::Identity),
        ),
    );
    let mut d: D = (
        Dense::new(Activation::LeakyRelu(0.2)),
        (
            Dense::new(Activation::LeakyRelu(0.2)),
            Dense::new(Activation::Identity),
        ),
    );
    g.init_params(&mut rng);
    d.init_params(&mut rng);
    let config = GanConfig {
        r1_gamma: 0.1,
        ..GanConfig::default()
    };
    let adam = Adam::default();
    let mut trainer = GanTrainer::<G, D, Adam, 16>::new(g, d, adam, adam, config).unwrap();
    for _ in 0..steps {
        trainer.step(&mut rng, |rng, batch| {
            for x in batch.iter_mut() {
                fill_normal(rng, x);
            }
        });
    }
    (trainer.generator, trainer.discriminator)
}

#[test]
fn training_is_reproducible_from_a_seed() {
    let (g1, d1) = train_steps(11, 50);
    let (g2, d2) = train_steps(11, 50);
    let (g3, _) = train_steps(12, 50);
    assert_eq!(param_bits(&g1), param_bits(&g2));
    assert_eq!(param_bits(&d1), param_bits(&d2));
    assert_ne!(param_bits(&g1), param_bits(&g3));
}

/// The backward pass of one dense layer written as plain loops in the documented order, in f32:
/// δ = g ⊙ φ′(y); gW[k][j] += x[b][k]·δ[b][j] and gb[j] += δ[b][j] for b increasing;
/// gx[b][k] = 0 + Σⱼ W[k][j]·δ[b][j] for j increasing.
#[allow(
    clippy::needless_range_loop,
    reason = "index loops spell out the summation order being checked"
)]
fn sequential_backward<const I: usize, const O: usize, const B: usize>(
    layer: &Dense<I, O>,
    x: &[[f32; I]; B],
    y: &[[f32; O]; B],
    upstream: &[[f32; O]; B],
    grads: &mut Dense<I, O>,
) -> [[f32; I]; B] {
    let mut delta = *upstream;
    for b in 0..B {
        for j in 0..O {
            delta[b][j] *= layer.activation.derivative(y[b][j]);
        }
    }
    for b in 0..B {
        for k in 0..I {
            for j in 0..O {
                grads.weight[k][j] += x[b][k] * delta[b][j];
            }
        }
        for j in 0..O {
            grads.bias[j] += delta[b][j];
        }
    }
    let mut input_grad = [[0.0; I]; B];
    for b in 0..B {
        for k in 0..I {
            let mut acc = 0.0;
            for j in 0..O {
                acc += layer.weight[k][j] * delta[b][j];
            }
            input_grad[b][k] = acc;
        }
    }
    input_grad
}

fn assert_backward_matches_sequential<const I: usize, const O: usize, const B: usize>(seed: u64) {
    use picogan::Trainable;
    let layer: Dense<I, O> = init(Dense::new(Activation::LeakyRelu(0.2)), seed);
    let x: [[f32; I]; B] = random_batch(seed + 1, 2.0);
    let upstream: [[f32; O]; B] = random_batch(seed + 2, 1.0);
    // Gradient buffers start non-zero: backward must add into them.
    let start: Dense<I, O> = init(Dense::new(Activation::Identity), seed + 3);

    let mut trace = Dense::<I, O>::new_trace::<B>();
    layer.forward_batch(&x, &mut trace);
    let outputs = trace.output;
    trace.grad = upstream;
    let mut grads = start.clone();
    let mut input_grad = [[0.0; I]; B];
    layer.backward_batch(&x, &mut trace, Some(&mut grads), Some(&mut input_grad));

    let mut expected_grads = start;
    let expected_input_grad =
        sequential_backward(&layer, &x, &outputs, &upstream, &mut expected_grads);
    assert_eq!(
        param_bits(&grads),
        param_bits(&expected_grads),
        "parameter gradients {I}x{O}, B = {B}"
    );
    let bits = |v: &[[f32; I]; B]| {
        v.as_flattened()
            .iter()
            .map(|f| f.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        bits(&input_grad),
        bits(&expected_input_grad),
        "input gradients {I}x{O}, B = {B}"
    );
}

#[test]
fn tiled_backward_equals_the_sequential_order() {
    // Whole tiles only; edges in every dimension; smaller than one tile.
    assert_backward_matches_sequential::<64, 64, 64>(1);
    assert_backward_matches_sequential::<37, 21, 19>(2);
    assert_backward_matches_sequential::<3, 5, 2>(3);
    assert_backward_matches_sequential::<128, 1, 33>(4);
    assert_backward_matches_sequential::<20, 3, 9>(5);
    // The input gradient's three strategies: blocks of 16 inputs through panels of wᵀ (64 × 64
    // above), the inputs left over in tiles of 16 samples by up to 6 inputs, with every
    // remainder (82, 9, 10, 11, 17 inputs: 2, 3, 4, 5, 1 left over; 106: one tile of 6, then
    // 4), and the samples no tile covers one by one. Among all these shapes, the weight
    // gradient's tiles of 6 inputs leave every remainder from 1 (37, 13) to 5 (11, 17).
    assert_backward_matches_sequential::<82, 70, 40>(6);
    assert_backward_matches_sequential::<9, 20, 33>(7);
    assert_backward_matches_sequential::<10, 24, 17>(8);
    assert_backward_matches_sequential::<11, 32, 50>(9);
    assert_backward_matches_sequential::<17, 20, 20>(11);
    assert_backward_matches_sequential::<106, 30, 40>(12);
    // δ larger than L1 (B·O·4 > 32 KB): the weight gradient copies d into panels of 256
    // samples, here one full and one partial.
    assert_backward_matches_sequential::<13, 40, 300>(10);
}

/// `picogan::math::sqrt` (the standard library's with feature `std`, as in this test build) and
/// libm's `sqrtf` give the same bits on every 251st bit pattern of `f32`, subnormals, infinities
/// and negative numbers included: both are correctly rounded, as IEEE 754 requires. NaN results
/// only have to be NaN (their payload is not specified).
#[test]
fn square_root_matches_libm_bit_for_bit() {
    let mut checked = 0u32;
    for bits in (0..=u32::MAX)
        .step_by(251)
        .chain([0x7f80_0000, 0xff80_0000, 0x8000_0000, 1])
    {
        let x = f32::from_bits(bits);
        let (ours, libm) = (picogan::math::sqrt(x), libm::sqrtf(x));
        if ours.is_nan() && libm.is_nan() {
            continue;
        }
        assert_eq!(
            ours.to_bits(),
            libm.to_bits(),
            "sqrt({x:e}), bits {bits:#010x}"
        );
        checked += 1;
    }
    assert!(checked > 8_000_000, "only {checked} values compared");
}
