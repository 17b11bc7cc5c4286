//! Trains the microcontroller-sized GAN of `picogan::bimodal` on ½N(−2, 0.5²) + ½N(2, 0.5²)
//! with the core's own training step, and prints how its samples split between the two modes as
//! it learns.
//!
//! Run: `cargo run --release -p picogan --example bimodal [seed] [steps]`

use picogan::bimodal::{self, Trainer};
use picogan::rng::{NoiseRng, SeedableRng};

fn main() {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let steps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let mut rng = NoiseRng::seed_from_u64(seed);
    let mut trainer = Box::new(Trainer::ZEROED);
    bimodal::start(&mut trainer, &mut rng);
    println!("{} bytes of training state", size_of::<Trainer>());
    let mut eval_rng = NoiseRng::seed_from_u64(seed + 1);
    for step in 1..=steps {
        let stats = bimodal::step(&mut trainer, &mut rng);
        if step % (steps / 10).max(1) == 0 {
            let [left, right] = bimodal::mode_shares(&trainer.generator, &mut eval_rng, 2000);
            println!(
                "step {step:5}  D loss {:.3}  G loss {:.3}  near −2: {:.1}%  near +2: {:.1}%",
                stats.discriminator_loss,
                stats.generator_loss,
                100.0 * left,
                100.0 * right
            );
        }
    }
}
