//! The microcontroller-sized GAN of `picogan::bimodal`, trained with the core's own training
//! step, learns its two-mode mixture; a trainer reset in place equals a new one.

use picogan::bimodal::{self, Trainer};
use picogan::optim::Adam;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Activation::*, Dense, GanConfig, GanTrainer, Layer, Mlp2, Network};
use picogan_tests::param_bits;

/// On four seeds, 1,500 steps take the generator from one place to both modes: at least 35% of
/// 4,000 samples within 3σ of each mode and 90% within 3σ of one.
#[test]
fn the_bimodal_gan_moves_its_samples_onto_both_modes() {
    for seed in 0..4 {
        let mut rng = NoiseRng::seed_from_u64(seed);
        let mut trainer = Box::new(Trainer::ZEROED);
        bimodal::start(&mut trainer, &mut rng);
        let mut eval = NoiseRng::seed_from_u64(100);
        let [left, right] = bimodal::mode_shares(&trainer.generator, &mut eval, 4000);
        assert!(
            left.min(right) < 0.35,
            "untrained G already covers both modes: {left} {right}"
        );

        for step in 0..1500 {
            let stats = bimodal::step(&mut trainer, &mut rng);
            assert!(
                stats.is_finite(),
                "seed {seed}: diverged at step {step}: {stats:?}"
            );
        }
        let [left, right] = bimodal::mode_shares(&trainer.generator, &mut eval, 4000);
        assert!(
            left >= 0.35 && right >= 0.35,
            "seed {seed}: modes {left} {right}"
        );
        assert!(
            left + right >= 0.90,
            "seed {seed}: near a mode {}",
            left + right
        );
    }
}

/// Training, resetting in place and training again from the same seed repeats the first run bit
/// for bit, and a trainer reset from `ZEROED` equals one made by `new`.
#[test]
fn a_trainer_reset_in_place_equals_a_new_one() {
    type G = Mlp2<2, 8, 1>;
    type D = Mlp2<1, 8, 1>;
    let mut rng = NoiseRng::seed_from_u64(5);
    let mut generator: G = (Dense::new(Relu), Dense::new(Identity));
    let mut discriminator: D = (Dense::new(LeakyRelu(0.2)), Dense::new(Identity));
    generator.init_params(&mut rng);
    discriminator.init_params(&mut rng);
    let adam = Adam {
        lr: 1e-2,
        ..Adam::default()
    };
    let config = GanConfig {
        r1_gamma: 0.5,
        ..GanConfig::default()
    };
    let train = |trainer: &mut GanTrainer<G, D, Adam, 8>| {
        let mut rng = NoiseRng::seed_from_u64(9);
        for _ in 0..20 {
            trainer.step(&mut rng, |rng, batch| {
                for x in batch.iter_mut() {
                    *x = bimodal::DATA.sample(rng);
                }
            });
        }
        (
            param_bits(&trainer.generator),
            param_bits(&trainer.discriminator),
            trainer.generator_state.step,
        )
    };

    let mut made =
        GanTrainer::new(generator.clone(), discriminator.clone(), adam, adam, config).unwrap();
    let first = train(&mut made);
    assert_ne!(first.0, param_bits(&generator), "training changed nothing");

    made.reset(&generator, &discriminator, adam, adam, config)
        .unwrap();
    assert_eq!(train(&mut made), first);

    let mut zeroed = Box::new(GanTrainer::<G, D, Adam, 8>::ZEROED);
    zeroed
        .reset(&generator, &discriminator, adam, adam, config)
        .unwrap();
    assert_eq!(train(&mut zeroed), first);

    // A rejected reset leaves the trainer as it was.
    let before = param_bits(&zeroed.generator);
    let mut other = generator.clone();
    other.zero_params();
    let bad = GanConfig {
        r1_gamma: f32::NAN,
        ..config
    };
    assert!(
        zeroed
            .reset(&other, &discriminator, adam, adam, bad)
            .is_err()
    );
    assert_eq!(param_bits(&zeroed.generator), before);
    assert_eq!(zeroed.generator_state.step, 20);
}
