//! GAN losses: agreement with the naive formulas, stability in the tails, gradients, saturation.

use picogan::loss::{
    GanLoss, bce_with_logits, bce_with_logits_grad, log_sigmoid, mean_loss, softmax_cross_entropy,
    softplus,
};
use picogan::{Activation, sigmoid};
use proptest::prelude::*;

const ALL_LOSSES: [GanLoss; 5] = [
    GanLoss::Minimax,
    GanLoss::NonSaturating,
    GanLoss::LeastSquares,
    GanLoss::Hinge,
    GanLoss::Wasserstein,
];

/// The textbook formula, in f64: −[t ln σ(x) + (1 − t) ln(1 − σ(x))].
fn naive_bce(x: f64, t: f64) -> f64 {
    let s = 1.0 / (1.0 + (-x).exp());
    -(t * s.ln() + (1.0 - t) * (1.0 - s).ln())
}

/// Central difference of an f32 function at x with step h, evaluated in f64 arithmetic.
///
/// Tolerance used with it: truncation h²/6·|f‴| plus rounding ε·|f|/h. With h = 1e-2 and the
/// |x| ≤ 8 range below (|f| ≤ 40, |f‴| ≤ 1), that is ≤ 2e-5 + 3e-4 — tests allow 1e-3.
fn central_difference(f: impl Fn(f32) -> f32, x: f32, h: f32) -> f64 {
    (f64::from(f(x + h)) - f64::from(f(x - h))) / (2.0 * f64::from(h))
}

proptest! {
    // Beyond |x| ≈ 15 the naive formula, even in f64, loses digits to the cancellation in
    // 1 − σ(x) (at x = 29 only 3 remain) and past ~37 it is infinite: there, finiteness and the
    // exact tails are tested below instead.
    #[test]
    fn bce_matches_naive_where_naive_is_finite(x in -15.0f32..15.0, t in 0.0f32..=1.0) {
        let naive = naive_bce(f64::from(x), f64::from(t));
        prop_assume!(naive.is_finite());
        let stable = f64::from(bce_with_logits(x, t));
        prop_assert!((stable - naive).abs() <= 1e-5 * (1.0 + naive.abs()), "{stable} vs {naive}");
    }

    #[test]
    fn bce_stays_finite_for_any_logit(x in -1e30f32..1e30, t in 0.0f32..=1.0) {
        prop_assert!(bce_with_logits(x, t).is_finite());
        prop_assert!(bce_with_logits_grad(x, t).is_finite());
        prop_assert!(softplus(x).is_finite() && log_sigmoid(x).is_finite());
        for loss in ALL_LOSSES {
            for value in [loss.discriminator_real(x), loss.discriminator_fake(x), loss.generator(x)] {
                prop_assert!(value.grad.is_finite(), "{loss:?} at {x}");
                // Least squares grows as x², which leaves f32 past 1.8e19; all others stay finite.
                if loss != GanLoss::LeastSquares || x.abs() < 1e19 {
                    prop_assert!(value.value.is_finite(), "{loss:?} at {x}");
                }
            }
        }
    }

    #[test]
    fn loss_gradients_match_finite_differences(x in -8.0f32..8.0) {
        // Hinge has kinks at ±1: keep the stencil off them.
        let near_kink = (x.abs() - 1.0).abs() < 0.02;
        for loss in ALL_LOSSES {
            if loss == GanLoss::Hinge && near_kink {
                continue;
            }
            let parts: [fn(GanLoss, f32) -> picogan::loss::LossGrad; 3] =
                [GanLoss::discriminator_real, GanLoss::discriminator_fake, GanLoss::generator];
            for part in parts {
                let numeric = central_difference(|v| part(loss, v).value, x, 1e-2);
                let analytic = f64::from(part(loss, x).grad);
                prop_assert!((numeric - analytic).abs() < 1e-3, "{loss:?} at {x}: {numeric} vs {analytic}");
            }
        }
        let numeric = central_difference(|v| bce_with_logits(v, 0.3), x, 1e-2);
        prop_assert!((numeric - f64::from(bce_with_logits_grad(x, 0.3))).abs() < 1e-3);
    }

    #[test]
    fn softmax_cross_entropy_matches_its_formula_and_gradient(
        logits in proptest::collection::vec(-8.0f32..8.0, 2..12),
        pick in 0usize..12,
    ) {
        let label = pick % logits.len();
        let mut grad = vec![0.0; logits.len()];
        let loss = softmax_cross_entropy(&logits, label, &mut grad);
        // −ln softmax(z)_y, in f64.
        let sum: f64 = logits.iter().map(|&z| f64::from(z).exp()).sum();
        let naive = sum.ln() - f64::from(logits[label]);
        prop_assert!((f64::from(loss) - naive).abs() <= 1e-5 * (1.0 + naive.abs()), "{loss} vs {naive}");
        // The gradient sums to 0 (softmax sums to 1) and matches central differences.
        prop_assert!(grad.iter().map(|&g| f64::from(g)).sum::<f64>().abs() < 1e-5);
        for k in 0..logits.len() {
            let at = |v: f32| {
                let mut moved = logits.clone();
                moved[k] = v;
                softmax_cross_entropy(&moved, label, &mut vec![0.0; logits.len()])
            };
            let numeric = central_difference(at, logits[k], 1e-2);
            prop_assert!((numeric - f64::from(grad[k])).abs() < 1e-3, "logit {k}: {numeric} vs {}", grad[k]);
        }
    }

    #[test]
    fn softmax_cross_entropy_stays_finite_for_any_logits(
        logits in proptest::collection::vec(-1e30f32..1e30, 2..12),
        pick in 0usize..12,
    ) {
        let label = pick % logits.len();
        let mut grad = vec![0.0; logits.len()];
        let loss = softmax_cross_entropy(&logits, label, &mut grad);
        prop_assert!(loss.is_finite() && loss >= 0.0, "{loss}");
        prop_assert!(grad.iter().all(|g| g.is_finite()));
    }

    #[test]
    fn activation_derivatives_match_finite_differences(x in -4.0f32..4.0) {
        for activation in [
            Activation::Identity,
            Activation::Relu,
            Activation::LeakyRelu(0.2),
            Activation::Tanh,
            Activation::Sigmoid,
        ] {
            if activation.is_piecewise_linear() && x.abs() < 0.02 {
                continue; // the kink at 0
            }
            let numeric = central_difference(|v| activation.apply(v), x, 1e-2);
            let analytic = f64::from(activation.derivative(activation.apply(x)));
            prop_assert!((numeric - analytic).abs() < 1e-4, "{activation:?} at {x}: {numeric} vs {analytic}");
        }
    }
}

#[test]
fn probabilistic_losses_are_cross_entropies() {
    for x in [-5.0f32, -0.5, 0.0, 0.7, 6.0] {
        let real = GanLoss::NonSaturating.discriminator_real(x).value;
        let fake = GanLoss::NonSaturating.discriminator_fake(x).value;
        assert!((real - bce_with_logits(x, 1.0)).abs() < 1e-6);
        assert!((fake - bce_with_logits(x, 0.0)).abs() < 1e-6);
        // The minimax generator loss is minus D's fake loss; the non-saturating one is D's real loss.
        assert_eq!(GanLoss::Minimax.generator(x).value, -fake);
        assert_eq!(GanLoss::NonSaturating.generator(x).value, real);
    }
}

#[test]
fn minimax_generator_saturates_where_non_saturating_does_not() {
    // As D(G(z)) = σ(x) → 0, the minimax gradient −σ(x) vanishes with it, while the
    // non-saturating gradient σ(x) − 1 → −1.
    let mut previous_minimax = f32::INFINITY;
    for x in [-2.0f32, -5.0, -10.0, -20.0, -40.0, -80.0] {
        let d = sigmoid(x);
        let minimax = GanLoss::Minimax.generator(x).grad.abs();
        let non_saturating = GanLoss::NonSaturating.generator(x).grad.abs();
        assert!(minimax <= 1.01 * d, "minimax gradient {minimax} at D = {d}");
        assert!(minimax < previous_minimax);
        assert!(
            non_saturating > 0.88,
            "non-saturating gradient {non_saturating} at D = {d}"
        );
        previous_minimax = minimax;
    }
    assert!(GanLoss::Minimax.generator(-80.0).grad.abs() < 1e-30);
    assert_eq!(GanLoss::NonSaturating.generator(-80.0).grad, -1.0);
}

#[test]
fn extreme_logits_have_exact_tails() {
    assert_eq!(softplus(-200.0), 0.0);
    assert_eq!(softplus(200.0), 200.0);
    assert_eq!(log_sigmoid(-200.0), -200.0);
    // log(sigmoid(x)) would be −∞ here.
    assert_eq!(sigmoid(-200.0).ln(), f32::NEG_INFINITY);
    assert_eq!(bce_with_logits(-200.0, 1.0), 200.0);
}

#[test]
fn mean_loss_averages_in_order_and_scales_gradients() {
    let logits = [[1.0f32], [-2.0], [0.5], [3.0]];
    let mut grads = [[0.0f32]; 4];
    let mean = mean_loss(logits.as_flattened(), grads.as_flattened_mut(), |x| {
        GanLoss::NonSaturating.discriminator_fake(x)
    });
    let expected: f32 = logits.iter().map(|[x]| softplus(*x)).sum::<f32>() / 4.0;
    assert!((mean - expected).abs() < 1e-6);
    for ([x], [g]) in logits.iter().zip(&grads) {
        assert!((g - sigmoid(*x) / 4.0).abs() < 1e-7);
    }
}
