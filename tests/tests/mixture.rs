//! Gaussian mixtures: `sample` and the batched `fill` draw the same distribution, each mode
//! with share 1/K and noise of the stated standard deviation around it.

use picogan::mixture::GaussianMixture;
use picogan::rng::{NoiseRng, SeedableRng};

/// The 8-mode ring of radius 2 with σ = 0.02 (the speed benchmark's data).
fn ring() -> GaussianMixture<8, 2> {
    let means = core::array::from_fn(|k| {
        let angle = core::f32::consts::TAU * k as f32 / 8.0;
        [2.0 * angle.cos(), 2.0 * angle.sin()]
    });
    GaussianMixture::new(means, 0.02)
}

/// Each mode's share of `samples`, and the mean and standard deviation of the standardised
/// offsets (x − μ)/σ from each sample's nearest mode over all coordinates.
fn summary(mixture: &GaussianMixture<8, 2>, samples: &[[f32; 2]]) -> ([f64; 8], f64, f64) {
    let mut counts = [0usize; 8];
    let mut offsets = Vec::with_capacity(2 * samples.len());
    for x in samples {
        let (mode, _) = mixture.nearest_mode(x);
        counts[mode] += 1;
        for (xi, mean) in x.iter().zip(mixture.means[mode]) {
            offsets.push(f64::from((xi - mean) / mixture.std));
        }
    }
    let n = offsets.len() as f64;
    let mean = offsets.iter().sum::<f64>() / n;
    let var = offsets.iter().map(|o| (o - mean) * (o - mean)).sum::<f64>() / n;
    (
        counts.map(|c| c as f64 / samples.len() as f64),
        mean,
        var.sqrt(),
    )
}

#[test]
fn fill_and_sample_draw_the_mixture() {
    let ring = ring();
    const N: usize = 80_000;
    let mut rng = NoiseRng::seed_from_u64(5);
    let one_by_one: Vec<[f32; 2]> = (0..N).map(|_| ring.sample(&mut rng)).collect();
    let mut batched = vec![[0.0f32; 2]; N];
    ring.fill(&mut NoiseRng::seed_from_u64(6), &mut batched);
    for samples in [&one_by_one, &batched] {
        let (shares, mean, std) = summary(&ring, samples);
        // A share's standard error is √(⅛·⅞/N) ≈ 0.0012; the offsets' mean 1/√(2N) ≈ 0.0025.
        for share in shares {
            assert!((share - 0.125).abs() < 0.006, "{shares:?}");
        }
        assert!(mean.abs() < 0.0125, "mean {mean}");
        assert!((std - 1.0).abs() < 0.01, "std {std}");
    }
}

#[test]
fn fill_draws_in_batches_of_128_whatever_the_call() {
    let ring = ring();
    let mut whole = vec![[0.0f32; 2]; 384];
    ring.fill(&mut NoiseRng::seed_from_u64(9), &mut whole);
    let mut rng = NoiseRng::seed_from_u64(9);
    let mut parts = vec![[0.0f32; 2]; 384];
    for part in parts.chunks_mut(128) {
        ring.fill(&mut rng, part);
    }
    assert_eq!(whole, parts);
}
