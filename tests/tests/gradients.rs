//! Finite-difference checks of every backward pass against the independent f64 reference.
//!
//! The reference runs in f64 with central differences of step 1e-6, whose own error is ~1e-9,
//! so the tolerance only has to cover picogan's f32 rounding: sums of at most a few dozen
//! products, each rounded with relative error 6e-8, give a relative error below 1e-5; the tests
//! allow 1e-4 · (1 + |g|).

use picogan::{
    Activation, Dense, GanConfig, GanTrainer, Layer, Mlp3, Network, Trainable, optim::Adam,
};
use picogan_tests::reference::{RefNet, assert_close, finite_difference_gradient, flat_params};
use picogan_tests::{init, random_batch};

const TOLERANCE: f64 = 1e-4;
const STEP: f64 = 1e-6;

fn to_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// Checks ∂L/∂θ and ∂L/∂x of `network` for L = Σ_b c_b · f(x_b) with random weights c.
fn check_backward<N: Trainable, const B: usize>(network: &N, inputs: &[N::Input; B], seed: u64) {
    let weights: [N::Output; B] = core::array::from_fn(|b| {
        let mut c = <N::Output as picogan::Vector>::ZERO;
        let row: [[f32; 1]; 64] = random_batch(seed * 1000 + b as u64, 1.0);
        for (ci, r) in c.as_mut().iter_mut().zip(row.iter()) {
            *ci = r[0];
        }
        c
    });

    let mut trace = N::new_trace::<B>();
    network.forward_batch(inputs, &mut trace);
    *N::output_grad_mut(&mut trace) = weights;
    let mut grads = network.zeroed_like();
    let mut input_grads = [<N::Input as picogan::Vector>::ZERO; B];
    network.backward_batch(inputs, &mut trace, Some(&mut grads), Some(&mut input_grads));

    let reference = RefNet::from_layer(network);
    let loss = |net: &RefNet| -> f64 {
        inputs
            .iter()
            .zip(&weights)
            .map(|(x, c)| {
                let y = net.forward(&to_f64(x.as_ref()));
                y.iter()
                    .zip(c.as_ref())
                    .map(|(y, &c)| y * f64::from(c))
                    .sum::<f64>()
            })
            .sum()
    };
    let expected = finite_difference_gradient(&reference, STEP, loss);
    assert_close(
        &flat_params(&grads),
        &expected,
        TOLERANCE,
        "parameter gradient",
    );

    for ((x, c), gx) in inputs.iter().zip(&weights).zip(&input_grads) {
        let expected = reference.input_gradient(&to_f64(x.as_ref()), &to_f64(c.as_ref()));
        assert_close(&to_f64(gx.as_ref()), &expected, TOLERANCE, "input gradient");
    }
}

#[test]
fn dense_layer_gradients_for_every_activation() {
    for (seed, activation) in [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu(0.2),
        Activation::Tanh,
        Activation::Sigmoid,
    ]
    .into_iter()
    .enumerate()
    {
        let layer = init(Dense::<3, 5>::new(activation), seed as u64);
        check_backward(
            &layer,
            &random_batch::<3, 4>(seed as u64 + 100, 2.0),
            seed as u64,
        );
    }
}

#[test]
fn three_layer_network_gradients() {
    let smooth: Mlp3<3, 8, 6, 2> = init(
        (
            Dense::new(Activation::Tanh),
            (
                Dense::new(Activation::Sigmoid),
                Dense::new(Activation::Identity),
            ),
        ),
        7,
    );
    check_backward(&smooth, &random_batch::<3, 5>(8, 2.0), 9);

    let piecewise: Mlp3<3, 8, 6, 2> = init(
        (
            Dense::new(Activation::Relu),
            (
                Dense::new(Activation::LeakyRelu(0.2)),
                Dense::new(Activation::Tanh),
            ),
        ),
        10,
    );
    check_backward(&piecewise, &random_batch::<3, 5>(11, 2.0), 12);
}

#[test]
fn gradients_add_into_the_buffers() {
    // Backward twice on the same batch: gradients double, input gradients do not.
    let net: Mlp3<2, 4, 4, 1> = init(
        (
            Dense::new(Activation::Tanh),
            (
                Dense::new(Activation::Tanh),
                Dense::new(Activation::Identity),
            ),
        ),
        3,
    );
    let x = random_batch::<2, 3>(4, 1.0);
    let mut trace = <Mlp3<2, 4, 4, 1>>::new_trace::<3>();
    let mut grads = net.zeroed_like();
    let mut once = net.zeroed_like();
    for round in 0..2 {
        net.forward_batch(&x, &mut trace);
        *<Mlp3<2, 4, 4, 1>>::output_grad_mut(&mut trace) = [[1.0]; 3];
        net.backward_batch(&x, &mut trace, Some(&mut grads), None);
        if round == 0 {
            once = grads.clone();
        }
    }
    let doubled: Vec<f64> = flat_params(&once).iter().map(|g| 2.0 * g).collect();
    assert_close(&flat_params(&grads), &doubled, 1e-6, "accumulated gradient");
    assert!(flat_params(&once).iter().any(|&g| g != 0.0));
}

/// R1 = (γ/2)·(1/B)·Σ_b ‖∇ₓD(x_b)‖², by picogan's double backward, against finite differences
/// of the same penalty computed on the f64 reference.
fn check_r1<const B: usize>(discriminator: &Mlp3<2, 8, 8, 1>, real: &[[f32; 2]; B], gamma: f32) {
    type D = Mlp3<2, 8, 8, 1>;
    let mut trace = D::new_trace::<B>();
    discriminator.forward_batch(real, &mut trace);
    *D::output_grad_mut(&mut trace) = [[1.0]; B];
    let mut input_grads = [[0.0f32; 2]; B];
    discriminator.backward_batch(real, &mut trace, None, Some(&mut input_grads));
    for g in input_grads.iter_mut().flatten() {
        *g *= gamma / B as f32;
    }
    let mut grads = discriminator.zeroed_like();
    discriminator.r1_tangent_batch(&input_grads, &mut trace, &mut grads);

    let reference = RefNet::from_layer(discriminator);
    let penalty = |net: &RefNet| -> f64 {
        let total: f64 = real
            .iter()
            .map(|x| {
                let g = net.input_gradient(&to_f64(x), &[1.0]);
                g.iter().map(|v| v * v).sum::<f64>()
            })
            .sum();
        0.5 * f64::from(gamma) * total / B as f64
    };
    let expected = finite_difference_gradient(&reference, STEP, penalty);
    assert_close(&flat_params(&grads), &expected, TOLERANCE, "R1 gradient");
    // Biases only move the masks, so their R1 gradient is exactly zero.
    for (i, info) in (0..3).map(|i| (i, discriminator.layer_info(i))) {
        let bias = grads.tensor(2 * i + 1).unwrap();
        assert!(bias.iter().all(|&b| b == 0.0), "layer {i} ({info:?}) bias");
    }
}

#[test]
fn r1_gradient_matches_finite_differences() {
    for (seed, activation) in [
        Activation::LeakyRelu(0.2),
        Activation::Relu,
        Activation::Identity,
    ]
    .into_iter()
    .enumerate()
    {
        let d: Mlp3<2, 8, 8, 1> = init(
            (
                Dense::new(activation),
                (Dense::new(activation), Dense::new(Activation::Identity)),
            ),
            20 + seed as u64,
        );
        check_r1(&d, &random_batch::<2, 6>(30 + seed as u64, 1.5), 0.7);
    }
}

#[test]
fn r1_with_smooth_discriminator_is_refused() {
    let g: Mlp3<2, 4, 4, 2> = (
        Dense::new(Activation::Relu),
        (
            Dense::new(Activation::Relu),
            Dense::new(Activation::Identity),
        ),
    );
    let d: Mlp3<2, 4, 4, 1> = (
        Dense::new(Activation::LeakyRelu(0.2)),
        (
            Dense::new(Activation::Tanh),
            Dense::new(Activation::Identity),
        ),
    );
    let config = GanConfig {
        r1_gamma: 1.0,
        ..GanConfig::default()
    };
    let adam = Adam::default();
    let refused = GanTrainer::<_, _, _, 8>::new(g.clone(), d.clone(), adam, adam, config);
    assert_eq!(
        refused.err(),
        Some(picogan::Error::SmoothActivation { layer: 1 })
    );
    let bad_gamma = GanConfig {
        r1_gamma: f32::NAN,
        ..GanConfig::default()
    };
    let refused = GanTrainer::<_, _, _, 8>::new(g.clone(), d.clone(), adam, adam, bad_gamma);
    assert!(matches!(
        refused.err(),
        Some(picogan::Error::InvalidHyperparameter { .. })
    ));
    // Without R1 the smooth discriminator is fine.
    assert!(GanTrainer::<_, _, _, 8>::new(g, d, adam, adam, GanConfig::default()).is_ok());
}
