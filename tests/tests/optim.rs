//! Optimizers: convergence on a quadratic, and Adam's first steps against the published formula.

use picogan::optim::{Adam, Optimizer, Sgd};
use picogan::{Activation, Dense, Network};

/// f(θ) = Σᵢ aᵢ (θᵢ − cᵢ)² over a dense layer's 6 parameters; writes ∇f into `grads`.
fn quadratic_gradient(params: &Dense<2, 2>, grads: &mut Dense<2, 2>) -> f32 {
    let centers = [1.0f32, -2.0, 0.5, 3.0, -1.0, 0.25];
    let curvature = [1.0f32, 4.0, 0.5, 2.0, 1.0, 3.0];
    let values = params.weight.as_flattened().iter().chain(&params.bias);
    let slots = grads
        .weight
        .as_flattened_mut()
        .iter_mut()
        .chain(grads.bias.iter_mut());
    let mut f = 0.0;
    for (((&theta, g), c), a) in values.zip(slots).zip(centers).zip(curvature) {
        f += a * (theta - c) * (theta - c);
        *g = 2.0 * a * (theta - c);
    }
    f
}

fn minimise(optimizer: &impl Optimizer, steps: usize) -> f32 {
    let mut params = Dense::<2, 2>::new(Activation::Identity);
    let mut grads = params.zeroed_like();
    let mut state = optimizer.new_state(&params);
    let start = quadratic_gradient(&params, &mut grads);
    for _ in 0..steps {
        quadratic_gradient(&params, &mut grads);
        optimizer.step(&mut params, &grads, &mut state);
    }
    let end = quadratic_gradient(&params, &mut grads);
    assert!(start > 10.0);
    end
}

#[test]
fn sgd_with_momentum_reaches_the_minimum() {
    assert!(
        minimise(
            &Sgd {
                lr: 0.02,
                momentum: 0.9
            },
            500
        ) < 1e-8
    );
    assert!(
        minimise(
            &Sgd {
                lr: 0.05,
                momentum: 0.0
            },
            500
        ) < 1e-8
    );
}

#[test]
fn adam_reaches_the_minimum() {
    let adam = Adam {
        lr: 0.05,
        ..Adam::default()
    };
    assert!(minimise(&adam, 2000) < 1e-6);
}

#[test]
fn adam_first_three_steps_follow_the_published_formula() {
    // Kingma & Ba, Algorithm 1, in f64 on one parameter of f(θ) = θ², θ₀ = 1, η = 0.1:
    // g = 2θ, m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
    // θ ← θ − η·m̂/(√v̂ + ε).
    // By hand: step 1: m̂ = 2, v̂ = 4, θ₁ = 1 − 0.1·2/2 = 0.9.
    // Step 2: g = 1.8, m = 0.36, v = 0.007236, m̂ = 0.36/0.19, v̂ = 0.007236/0.001999,
    // θ₂ = 0.9 − 0.1·1.894737/1.902580 = 0.800412.
    let (beta1, beta2, eps, lr) = (0.9f64, 0.999f64, 1e-8f64, 0.1f64);
    let (mut theta, mut m, mut v) = (1.0f64, 0.0f64, 0.0f64);
    let mut expected = Vec::new();
    for t in 1..=3 {
        let g = 2.0 * theta;
        m = beta1 * m + (1.0 - beta1) * g;
        v = beta2 * v + (1.0 - beta2) * g * g;
        let m_hat = m / (1.0 - beta1.powi(t));
        let v_hat = v / (1.0 - beta2.powi(t));
        theta -= lr * m_hat / (v_hat.sqrt() + eps);
        expected.push(theta);
    }
    assert!((expected[0] - 0.9).abs() < 1e-8);
    assert!((expected[1] - 0.800412).abs() < 1e-6);

    let adam = Adam {
        lr: 0.1,
        ..Adam::default()
    };
    let mut params = Dense::<1, 1>::new(Activation::Identity);
    params.bias = [1.0];
    let mut grads = params.zeroed_like();
    let mut state = adam.new_state(&params);
    for (t, want) in expected.iter().enumerate() {
        grads.bias = [2.0 * params.bias[0]];
        adam.step(&mut params, &grads, &mut state);
        let got = f64::from(params.bias[0]);
        assert!((got - want).abs() < 1e-6, "step {}: {got} vs {want}", t + 1);
    }
    assert_eq!(state.step, 3);
}
