//! Information theory: the lecture's worked examples, the identities as properties, the edge cases.

use picogan::Error;
use picogan::info::{
    Unit, cross_entropy, entropy, js_divergence, kl_divergence, optimal_discriminator,
    self_information, value_function,
};
use picogan_tests::strategies::{distribution_pair, positive_distribution_pair};
use proptest::prelude::*;

/// Rounds to `digits` decimals, as the lecture prints them.
fn rounded(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

#[test]
fn football_match_self_information_in_bits() {
    let bits: Vec<f64> = [0.81, 0.05, 0.14]
        .iter()
        .map(|&p| self_information(p, Unit::Bits).unwrap())
        .collect();
    assert_eq!(rounded(bits[0], 3), 0.304);
    assert_eq!(rounded(bits[1], 4), 4.3219);
    assert_eq!(rounded(bits[2], 4), 2.8365);
}

#[test]
fn football_match_entropies_in_bits() {
    let lopsided = entropy(&[0.81, 0.05, 0.14], Unit::Bits).unwrap();
    let even = entropy(&[0.36, 0.34, 0.30], Unit::Bits).unwrap();
    assert_eq!(rounded(lopsided, 4), 0.8595);
    assert_eq!(rounded(even, 4), 1.5809);
    // The even match is the more uncertain one, and no 3-outcome match beats log2 3.
    assert!(lopsided < even && even < 3f64.log2());
}

#[test]
fn entropy_is_expected_self_information() {
    let p = [0.81, 0.05, 0.14];
    let expected: f64 = p
        .iter()
        .map(|&pi| pi * self_information(pi, Unit::Nats).unwrap())
        .sum();
    assert!((entropy(&p, Unit::Nats).unwrap() - expected).abs() < 1e-15);
}

#[test]
fn edge_cases_are_defined() {
    // 0·log 0 = 0.
    assert_eq!(entropy(&[1.0, 0.0], Unit::Bits).unwrap(), 0.0);
    assert_eq!(self_information(0.0, Unit::Nats).unwrap(), f64::INFINITY);
    // KL(p‖q) = +∞ when q = 0 < p, but 0-probability outcomes of p contribute nothing.
    assert_eq!(
        kl_divergence(&[0.5, 0.5], &[1.0, 0.0], Unit::Nats).unwrap(),
        f64::INFINITY
    );
    assert!(
        kl_divergence(&[1.0, 0.0], &[0.5, 0.5], Unit::Nats)
            .unwrap()
            .is_finite()
    );
    // JSD stays finite for disjoint supports: exactly ln 2.
    let jsd = js_divergence(&[1.0, 0.0], &[0.0, 1.0], Unit::Nats).unwrap();
    assert_eq!(jsd, std::f64::consts::LN_2);
}

#[test]
fn invalid_inputs_are_typed_errors() {
    // NaN ≠ NaN, so this one is matched rather than compared.
    assert!(matches!(
        entropy(&[0.5, f64::NAN, 0.5], Unit::Nats),
        Err(Error::InvalidProbability { index: 1, value }) if value.is_nan()
    ));
    assert_eq!(
        entropy(&[1.2, -0.2], Unit::Nats),
        Err(Error::InvalidProbability {
            index: 1,
            value: -0.2
        })
    );
    assert_eq!(
        entropy(&[0.3, 0.3], Unit::Nats),
        Err(Error::NotNormalized { sum: 0.6 })
    );
    assert_eq!(entropy(&[], Unit::Nats), Err(Error::Empty));
    assert_eq!(
        kl_divergence(&[1.0], &[0.5, 0.5], Unit::Nats),
        Err(Error::LengthMismatch { left: 1, right: 2 })
    );
    assert_eq!(
        self_information(1.5, Unit::Nats),
        Err(Error::NotNormalized { sum: 1.5 })
    );
    assert_eq!(optimal_discriminator(0.0, 0.0), Err(Error::ZeroDensities));
    assert_eq!(
        value_function(&[0.5, 1.5], &[0.5, 0.5], &[0.5, 0.5]),
        Err(Error::InvalidDiscriminatorOutput {
            index: 1,
            value: 1.5
        })
    );
    // Every error explains itself.
    let message = Error::NotNormalized { sum: 0.6 }.to_string();
    assert!(message.contains("0.6"), "{message}");
}

proptest! {
    #[test]
    fn kl_is_nonnegative_and_zero_only_for_equal((p, q) in distribution_pair()) {
        let kl = kl_divergence(&p, &q, Unit::Nats).unwrap();
        prop_assert!(kl >= 0.0);
        prop_assert!(kl_divergence(&p, &p, Unit::Nats).unwrap().abs() < 1e-12);
        let max_gap = p.iter().zip(&q).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        if max_gap > 1e-3 {
            // Pinsker: KL ≥ ½‖p − q‖₁² > 0 when the vectors differ.
            let l1: f64 = p.iter().zip(&q).map(|(a, b)| (a - b).abs()).sum();
            prop_assert!(kl >= 0.5 * l1 * l1 - 1e-12, "kl {kl} l1 {l1}");
        }
    }

    #[test]
    fn cross_entropy_is_entropy_plus_kl((p, q) in distribution_pair()) {
        for unit in [Unit::Nats, Unit::Bits] {
            let h_pq = cross_entropy(&p, &q, unit).unwrap();
            let sum = entropy(&p, unit).unwrap() + kl_divergence(&p, &q, unit).unwrap();
            if h_pq.is_finite() {
                prop_assert!((h_pq - sum).abs() < 1e-9 * (1.0 + h_pq.abs()), "{h_pq} vs {sum}");
            } else {
                prop_assert_eq!(h_pq, sum);
            }
        }
    }

    #[test]
    fn jsd_is_symmetric_and_bounded((p, q) in distribution_pair()) {
        let pq = js_divergence(&p, &q, Unit::Nats).unwrap();
        let qp = js_divergence(&q, &p, Unit::Nats).unwrap();
        prop_assert!((pq - qp).abs() < 1e-12);
        prop_assert!((-1e-15..=std::f64::consts::LN_2 + 1e-12).contains(&pq));
        prop_assert!(js_divergence(&p, &q, Unit::Bits).unwrap() <= 1.0 + 1e-12);
    }

    #[test]
    fn optimal_discriminator_maximises_pointwise(a in 0.001f64..10.0, b in 0.001f64..10.0, y in 0.0001f64..0.9999) {
        // D* = a / (a + b) maximises y ↦ a ln y + b ln(1 − y) on (0, 1).
        let f = |y: f64| a * y.ln() + b * (1.0 - y).ln();
        let best = optimal_discriminator(a, b).unwrap();
        prop_assert!(f(best) >= f(y) - 1e-12 * (1.0 + f(y).abs()));
    }

    #[test]
    fn value_at_optimal_discriminator_is_minus_log4_plus_2jsd((p_data, p_g) in positive_distribution_pair()) {
        let d_star: Vec<f64> = p_data
            .iter()
            .zip(&p_g)
            .map(|(&pd, &pg)| optimal_discriminator(pd, pg).unwrap())
            .collect();
        let v = value_function(&d_star, &p_data, &p_g).unwrap();
        let jsd = js_divergence(&p_data, &p_g, Unit::Nats).unwrap();
        prop_assert!((v - (-(4f64.ln()) + 2.0 * jsd)).abs() < 1e-9, "{v} vs {jsd}");
        // And D* does at least as well as D = ½ everywhere.
        let half = vec![0.5; p_data.len()];
        prop_assert!(v >= value_function(&half, &p_data, &p_g).unwrap() - 1e-12);
    }
}
