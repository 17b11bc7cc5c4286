//! A whole GAN sized to train on a microcontroller: the 1-D mixture
//! ½N(−2, 0.5²) + ½N(2, 0.5²), a 2 → 12 → 12 → 1 ReLU generator and a 1 → 12 → 12 → 1 LeakyReLU
//! discriminator (398 parameters together), batches of 16, Adam and the non-saturating loss with
//! a small R1 penalty. Its whole training state, [`Trainer`], takes 13,284 bytes.
//!
//! The firmware's on-device trainer and the host tests run exactly this, so the two can be
//! compared bit for bit: seed a [`NoiseRng`], [`start`], then [`step`] as often as wanted.
//! Within about 1,000 steps the generator puts roughly half its samples near each mode.
//!
//! # Examples
//! ```
//! use picogan::bimodal::{self, Trainer};
//! use picogan::rng::{NoiseRng, SeedableRng};
//! assert_eq!(size_of::<Trainer>(), 13_284);
//! let mut rng = NoiseRng::seed_from_u64(0);
//! let mut trainer = Box::new(Trainer::ZEROED); // a device keeps it in a static instead
//! bimodal::start(&mut trainer, &mut rng);
//! for _ in 0..1500 {
//!     bimodal::step(&mut trainer, &mut rng);
//! }
//! let [left, right] = bimodal::mode_shares(&trainer.generator, &mut rng, 2000);
//! assert!(left > 0.35 && right > 0.35 && left + right > 0.9, "{left} {right}");
//! ```

use rand_core::Rng;

use crate::Activation::{Identity, LeakyRelu, Relu};
use crate::loss::GanLoss;
use crate::mixture::GaussianMixture;
use crate::optim::Adam;
#[cfg(doc)]
use crate::rng::NoiseRng;
use crate::{Dense, GanConfig, GanTrainer, Layer, Mlp3, StepStats, sample};

/// The data: ½N(−2, 0.5²) + ½N(2, 0.5²).
pub const DATA: GaussianMixture<2, 1> = GaussianMixture::new([[-2.0], [2.0]], 0.5);
/// Width of both networks' hidden layers.
pub const HIDDEN: usize = 12;
/// Samples per batch.
pub const BATCH: usize = 16;
/// 2 noise inputs → 12 → 12 → one value; ReLU hidden layers.
pub type Generator = Mlp3<2, HIDDEN, HIDDEN, 1>;
/// One value → 12 → 12 → one logit; LeakyReLU(0.2) hidden layers (piecewise linear, for R1).
pub type Discriminator = Mlp3<1, HIDDEN, HIDDEN, 1>;
/// The whole training state.
pub type Trainer = GanTrainer<Generator, Discriminator, Adam, BATCH>;
/// Adam for both players: η = 2·10⁻³, β = (0.5, 0.999).
pub const OPTIMIZER: Adam = Adam {
    lr: 2e-3,
    beta1: 0.5,
    beta2: 0.999,
    eps: 1e-8,
};
/// Non-saturating loss, one D step per G step, R1 weight γ = 0.1.
pub const CONFIG: GanConfig = GanConfig {
    loss: GanLoss::NonSaturating,
    discriminator_steps: 1,
    r1_gamma: 0.1,
};

/// Draws both networks' initial parameters from `rng` (PyTorch's default initialisation, the
/// generator first) and makes `trainer` train them, in place.
pub fn start<R: Rng + ?Sized>(trainer: &mut Trainer, rng: &mut R) {
    let mut generator: Generator = (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity)));
    let mut discriminator: Discriminator = (
        Dense::new(LeakyRelu(0.2)),
        (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
    );
    generator.init_params(rng);
    discriminator.init_params(rng);
    // Cannot fail: the batch is not empty, γ is finite and positive, D is piecewise linear.
    let _ = trainer.reset(&generator, &discriminator, OPTIMIZER, OPTIMIZER, CONFIG);
}

/// One training step on a fresh batch of [`DATA`] drawn from `rng`.
pub fn step<R: Rng + ?Sized>(trainer: &mut Trainer, rng: &mut R) -> StepStats {
    trainer.step(rng, |rng, batch| {
        for x in batch.iter_mut() {
            *x = DATA.sample(rng);
        }
    })
}

/// The shares of `n` samples of `generator` within 3σ of −2 and of +2.
pub fn mode_shares<R: Rng + ?Sized>(generator: &Generator, rng: &mut R, n: usize) -> [f32; 2] {
    DATA.shares_near_modes((0..n).map(|_| sample(generator, rng)), 3.0)
}
