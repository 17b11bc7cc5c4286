//! A small GAN trained with the core's own training step learns a two-mode mixture.

use picogan::mixture::GaussianMixture;
use picogan::optim::Adam;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Activation::*, Dense, GanConfig, GanTrainer, Layer, Mlp3, sample};

type G = Mlp3<2, 16, 16, 1>;
type D = Mlp3<1, 16, 16, 1>;

/// ½N(−2, 0.5²) + ½N(2, 0.5²).
const BIMODAL: GaussianMixture<2, 1> = GaussianMixture::new([[-2.0], [2.0]], 0.5);

/// Shares of 4,000 generated samples within 3σ of −2 and of +2.
fn mode_shares(generator: &G, seed: u64) -> [f32; 2] {
    let mut rng = NoiseRng::seed_from_u64(seed);
    BIMODAL.shares_near_modes((0..4000).map(|_| sample(generator, &mut rng)), 3.0)
}

#[test]
fn gan_moves_its_samples_onto_both_modes() {
    let mut rng = NoiseRng::seed_from_u64(3);
    let mut generator: G = (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity)));
    let mut discriminator: D = (
        Dense::new(LeakyRelu(0.2)),
        (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
    );
    generator.init_params(&mut rng);
    discriminator.init_params(&mut rng);
    const { assert!(G::PARAMS + D::PARAMS < 700, "a few hundred parameters each") };

    let [left, right] = mode_shares(&generator, 100);
    assert!(
        left.min(right) < 0.35,
        "untrained G already covers both modes: {left} {right}"
    );

    let adam = Adam {
        lr: 2e-3,
        beta1: 0.5,
        ..Adam::default()
    };
    let config = GanConfig {
        r1_gamma: 0.1,
        ..GanConfig::default()
    };
    let mut trainer =
        GanTrainer::<G, D, Adam, 64>::new(generator, discriminator, adam, adam, config).unwrap();
    for step in 0..1500 {
        let stats = trainer.step(&mut rng, |rng, batch| {
            for x in batch.iter_mut() {
                *x = BIMODAL.sample(rng);
            }
        });
        assert!(stats.is_finite(), "diverged at step {step}: {stats:?}");
    }

    let [left, right] = mode_shares(&trainer.generator, 100);
    assert!(left >= 0.35 && right >= 0.35, "modes: {left} {right}");
    assert!(left + right >= 0.90, "near a mode: {}", left + right);
}
