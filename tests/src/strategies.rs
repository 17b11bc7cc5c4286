//! proptest strategies shared by the property tests.

use proptest::prelude::*;

/// Normalises non-negative weights into a probability vector (sum 1 up to rounding).
pub fn normalize(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| w / total).collect()
}

/// A probability vector of `len` outcomes; about one entry in five is exactly 0, so the
/// 0·log 0 conventions get exercised.
pub fn distribution(len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![1 => Just(0.0), 4 => 0.001f64..1.0], len)
        .prop_filter("at least one positive weight", |w| {
            w.iter().any(|&x| x > 0.0)
        })
        .prop_map(|w| normalize(&w))
}

/// Two probability vectors over the same 1..=12 outcomes.
pub fn distribution_pair() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (1usize..=12).prop_flat_map(|n| (distribution(n), distribution(n)))
}

/// Two probability vectors with every entry positive (so KL and D* are finite everywhere).
pub fn positive_distribution_pair() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (1usize..=12).prop_flat_map(|n| {
        (
            prop::collection::vec(0.001f64..1.0, n).prop_map(|w| normalize(&w)),
            prop::collection::vec(0.001f64..1.0, n).prop_map(|w| normalize(&w)),
        )
    })
}
