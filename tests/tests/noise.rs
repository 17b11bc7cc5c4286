//! The Gaussian noise is standard normal: its moments, its distribution function and the
//! independence of the two values of a pair, checked on 2¹⁸ draws.
//!
//! Tolerances are about four standard errors, so a correct generator fails with probability
//! below 10⁻⁴ per check, while a wrong scale, a missing sign or a uniform law fails every time.

use picogan::rng::{NoiseRng, SeedableRng, fill_normal, normal_pair};

const DRAWS: usize = 1 << 18;

fn draws(seed: u64) -> Vec<f64> {
    let mut values = vec![0.0f32; DRAWS];
    fill_normal(&mut NoiseRng::seed_from_u64(seed), &mut values);
    values.into_iter().map(f64::from).collect()
}

fn moment(values: &[f64], k: i32) -> f64 {
    values.iter().map(|v| v.powi(k)).sum::<f64>() / values.len() as f64
}

#[test]
fn moments_are_those_of_a_standard_normal() {
    let values = draws(11);
    let n = DRAWS as f64;
    // Standard errors: mean 1/√n, E[z²] √2/√n, E[z³] √15/√n, E[z⁴] √96/√n.
    let checks = [
        (1, 0.0, 1.0),
        (2, 1.0, 2f64.sqrt()),
        (3, 0.0, 15f64.sqrt()),
        (4, 3.0, 96f64.sqrt()),
    ];
    for (k, expected, spread) in checks {
        let found = moment(&values, k);
        let bound = 4.5 * spread / n.sqrt();
        assert!(
            (found - expected).abs() < bound,
            "E[z^{k}] = {found}, expected {expected} ± {bound}"
        );
    }
}

/// Kolmogorov–Smirnov distance to Φ: below 1.95/√n (the 0.1% critical value).
#[test]
fn distribution_function_matches_the_normal_one() {
    let mut values = draws(12);
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    let phi = |x: f64| 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
    let distance = values
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let cdf = phi(x);
            (cdf - i as f64 / n)
                .abs()
                .max(((i + 1) as f64 / n - cdf).abs())
        })
        .fold(0.0, f64::max);
    assert!(distance < 1.95 / n.sqrt(), "KS distance {distance}");
}

#[test]
fn the_two_values_of_a_pair_are_uncorrelated() {
    let mut rng = NoiseRng::seed_from_u64(13);
    let pairs: Vec<(f64, f64)> = (0..DRAWS)
        .map(|_| {
            let (a, b) = normal_pair(&mut rng);
            (f64::from(a), f64::from(b))
        })
        .collect();
    let n = DRAWS as f64;
    let correlation = pairs.iter().map(|(a, b)| a * b).sum::<f64>() / n;
    assert!(correlation.abs() < 4.5 / n.sqrt(), "E[ab] = {correlation}");
    // Squares too: a dependence through the shared radius would show here.
    let squares = pairs
        .iter()
        .map(|(a, b)| (a * a - 1.0) * (b * b - 1.0))
        .sum::<f64>()
        / n;
    assert!(
        squares.abs() < 4.5 * 2.0 / n.sqrt(),
        "E[(a²−1)(b²−1)] = {squares}"
    );
}

#[test]
fn tails_stop_below_eight_sigma() {
    let largest = draws(14).into_iter().map(f64::abs).fold(0.0, f64::max);
    assert!(largest > 3.5 && largest < 8.0, "largest |z| = {largest}");
}

/// The polar method written out plainly, one pair at a time with a branch on rejection: the
/// reference the grouped, branch-free code must match bit for bit.
fn reference_pair(rng: &mut NoiseRng) -> (f32, f32) {
    use picogan::rng::Rng;
    let signed_uniform =
        |rng: &mut NoiseRng| (rng.next_u32() >> 8) as f32 * (2.0 / 16_777_216.0) - 1.0;
    loop {
        let u = signed_uniform(rng);
        let v = signed_uniform(rng);
        let s = u * u + v * v;
        if s < 1.0 && s > 0.0 {
            let f = picogan::math::sqrt(-2.0 * picogan::math::ln(s) / s);
            return (u * f, v * f);
        }
    }
}

/// `normal_pair` and `fill_normal` compute in groups of pairs without a branch, yet give exactly
/// the values of the plain polar method drawn pair by pair (an odd last slot takes the first of a
/// fresh pair), for every length around the group size; and filling two even-length halves
/// equals filling them joined.
#[test]
fn fill_normal_equals_drawing_pair_by_pair() {
    let mut rng = NoiseRng::seed_from_u64(5);
    let mut reference = NoiseRng::seed_from_u64(5);
    for _ in 0..1000 {
        let (a, b) = normal_pair(&mut rng);
        let (c, d) = reference_pair(&mut reference);
        assert_eq!((a.to_bits(), b.to_bits()), (c.to_bits(), d.to_bits()));
    }
    for len in [0, 1, 2, 7, 31, 32, 33, 34, 64, 95, 100] {
        let mut filled = vec![0.0f32; len];
        fill_normal(&mut NoiseRng::seed_from_u64(len as u64), &mut filled);
        let mut rng = NoiseRng::seed_from_u64(len as u64);
        let mut expected = Vec::with_capacity(len + 1);
        while expected.len() < len {
            let (a, b) = reference_pair(&mut rng);
            expected.extend([a, b]);
        }
        expected.truncate(len);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&filled), bits(&expected), "length {len}");
    }
    let mut joined = [0.0f32; 80];
    fill_normal(&mut NoiseRng::seed_from_u64(9), &mut joined);
    let mut halves = [0.0f32; 80];
    let mut rng = NoiseRng::seed_from_u64(9);
    let (first, second) = halves.split_at_mut(34);
    fill_normal(&mut rng, first);
    fill_normal(&mut rng, second);
    assert_eq!(joined.map(f32::to_bits), halves.map(f32::to_bits));
}

/// The straight-line logarithm of the noise gives libm's `logf` bits on every 3rd f32 of
/// [2⁻¹²⁶, 1) (about 350 million values), the range the polar method's s lies in.
#[test]
fn ln_unit_interval_equals_libm_logf() {
    let (first, end) = (f32::MIN_POSITIVE.to_bits(), 1.0f32.to_bits());
    let mismatches = (first..end)
        .step_by(3)
        .map(f32::from_bits)
        .filter(|&x| picogan::math::ln_unit_interval(x).to_bits() != libm::logf(x).to_bits())
        .count();
    assert_eq!(mismatches, 0);
    // The end points and the reduction's boundary, √2/2.
    for x in [
        f32::MIN_POSITIVE,
        1.0f32.next_down(),
        f32::from_bits(0x3f35_04f3),
        0.5,
    ] {
        assert_eq!(
            picogan::math::ln_unit_interval(x).to_bits(),
            libm::logf(x).to_bits(),
            "{x}"
        );
    }
}
