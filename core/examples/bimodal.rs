//! Trains a tiny GAN on the 1-D mixture ½N(−2, 0.5²) + ½N(2, 0.5²) with the core's own training
//! step, and prints how its samples split between the two modes as it learns.
//!
//! Run: `cargo run --release -p picogan --example bimodal [seed] [steps]`

use picogan::mixture::GaussianMixture;
use picogan::optim::Adam;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Activation::*, Dense, GanConfig, GanTrainer, Layer, Mlp3, sample};

type G = Mlp3<2, 16, 16, 1>;
type D = Mlp3<1, 16, 16, 1>;
const BATCH: usize = 64;

/// ½N(−2, 0.5²) + ½N(2, 0.5²).
const BIMODAL: GaussianMixture<2, 1> = GaussianMixture::new([[-2.0], [2.0]], 0.5);

/// Shares of `n` generated samples within 3σ of −2 and of +2.
fn mode_shares(generator: &G, rng: &mut NoiseRng, n: usize) -> [f32; 2] {
    BIMODAL.shares_near_modes((0..n).map(|_| sample(generator, rng)), 3.0)
}

fn main() -> Result<(), picogan::Error> {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let steps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let mut rng = NoiseRng::seed_from_u64(seed);
    let mut generator: G = (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity)));
    let mut discriminator: D = (
        Dense::new(LeakyRelu(0.2)),
        (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
    );
    generator.init_params(&mut rng);
    discriminator.init_params(&mut rng);
    let adam = Adam {
        lr: 2e-3,
        beta1: 0.5,
        ..Adam::default()
    };
    let config = GanConfig {
        r1_gamma: 0.1,
        ..GanConfig::default()
    };
    let mut trainer = Box::new(GanTrainer::<G, D, Adam, BATCH>::new(
        generator,
        discriminator,
        adam,
        adam,
        config,
    )?);
    println!(
        "{} bytes of training state",
        size_of::<GanTrainer<G, D, Adam, BATCH>>()
    );
    let mut eval_rng = NoiseRng::seed_from_u64(seed + 1);
    for step in 1..=steps {
        let stats = trainer.step(&mut rng, |rng, batch| {
            for x in batch.iter_mut() {
                *x = BIMODAL.sample(rng);
            }
        });
        if step % (steps / 10).max(1) == 0 {
            let [left, right] = mode_shares(&trainer.generator, &mut eval_rng, 2000);
            println!(
                "step {step:5}  D loss {:.3}  G loss {:.3}  near −2: {:.1}%  near +2: {:.1}%",
                stats.discriminator_loss,
                stats.generator_loss,
                100.0 * left,
                100.0 * right
            );
        }
    }
    Ok(())
}
