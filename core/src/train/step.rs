//! The GAN training step, written once for every way of holding the networks: k updates of D
//! (real half, R1 on the real batch, fake half), then one update of G through D.
//!
//! A [`Storage`] gives the step its operations (a forward pass, a backward pass, an optimizer
//! update) and its buffers as flat slices; the const-generic [`GanTrainer`](super::GanTrainer)
//! and the run-time-shaped `DynGanTrainer` (feature `alloc`) are the two storages. The order of
//! the draws, the losses and the R1 penalty live here only, so both train alike, bit for bit.

use rand_core::Rng;

use super::{GanConfig, StepStats};
use crate::loss::mean_loss;
use crate::rng::fill_normal;

/// Which batch D sees.
#[derive(Clone, Copy)]
pub(crate) enum Batch {
    /// The real samples the caller filled in.
    Real,
    /// G's outputs from the last [`Storage::generate`].
    Fake,
}

/// Where a backward pass of D puts its gradients.
#[derive(Clone, Copy)]
pub(crate) enum Gradients {
    /// Added into D's parameter gradients.
    Parameters,
    /// Written into the input-gradient buffer ([`Storage::input_grads_mut`]).
    Inputs,
}

/// One of the two networks.
#[derive(Clone, Copy)]
pub(crate) enum Player {
    Generator,
    Discriminator,
}

/// The operations and buffers of one training step, on batches of [`Storage::batch`] samples.
pub(crate) trait Storage {
    /// Samples per batch, B.
    fn batch(&self) -> usize;
    /// G's input buffer `[B][Z + K]`, its row width Z + K, and the noise width Z (the K label
    /// values after the noise in each row belong to the storage).
    fn noise_mut(&mut self) -> (&mut [f32], usize, usize);
    /// Classes K of a conditional GAN: D's inputs end with the K one-hot label values, which R1
    /// leaves out. 0 for an unconditional one.
    fn classes(&self) -> usize {
        0
    }
    /// G's batch forward pass on the noise buffer.
    fn generate(&mut self);
    /// D's batch forward pass on `batch`.
    fn discriminate(&mut self, batch: Batch);
    /// D's logits `[B]` from the last forward pass, and their gradient buffer.
    fn logits_and_grads(&mut self) -> (&[f32], &mut [f32]);
    /// D's backward pass over `batch` (the one last discriminated).
    fn discriminator_backward(&mut self, batch: Batch, into: Gradients);
    /// The input-gradient buffer `[B][X + K]`.
    fn input_grads_mut(&mut self) -> &mut [f32];
    /// D's R1 tangent pass, with the input-gradient buffer as t₀, into D's parameter gradients.
    fn discriminator_r1_tangent(&mut self);
    /// G's backward pass with the input-gradient buffer as ∂L/∂G(z), into G's gradients.
    fn generator_backward(&mut self);
    /// Sets a player's gradients to zero.
    fn zero_grads(&mut self, player: Player);
    /// One optimizer update of a player from its gradients.
    fn update(&mut self, player: Player);
}

/// One training step: `config.discriminator_steps` updates of D, each on a batch that
/// `real_data` fills and a fresh generated batch, then one update of G on fresh noise.
pub(crate) fn run<S: Storage, R: Rng + ?Sized>(
    storage: &mut S,
    config: &GanConfig,
    rng: &mut R,
    mut real_data: impl FnMut(&mut S, &mut R),
) -> StepStats {
    let mut stats = StepStats {
        discriminator_loss: 0.0,
        r1_penalty: 0.0,
        generator_loss: 0.0,
    };
    for _ in 0..config.discriminator_steps {
        real_data(storage, rng);
        (stats.discriminator_loss, stats.r1_penalty) = discriminator_step(storage, config, rng);
    }
    stats.generator_loss = generator_step(storage, config, rng);
    stats
}

/// Draws fresh standard normal noise and runs G on it.
fn generate_batch<S: Storage, R: Rng + ?Sized>(storage: &mut S, rng: &mut R) {
    let (noise, width, noise_width) = storage.noise_mut();
    if width == noise_width && width.is_multiple_of(2) {
        // The same values as row by row (rows of even length), drawn in larger groups.
        fill_normal(rng, noise);
    } else if width > 0 {
        for row in noise.chunks_exact_mut(width) {
            fill_normal(rng, &mut row[..noise_width]); // z; the label stays
        }
    }
    storage.generate(); // [B][X]
}

/// One D update on the real batch and a fresh generated batch; returns (loss, R1 penalty).
fn discriminator_step<S: Storage, R: Rng + ?Sized>(
    storage: &mut S,
    config: &GanConfig,
    rng: &mut R,
) -> (f32, f32) {
    let loss = config.loss;
    storage.zero_grads(Player::Discriminator);

    storage.discriminate(Batch::Real); // [B][1]
    let (logits, logit_grads) = storage.logits_and_grads();
    let real_loss = mean_loss(logits, logit_grads, |x| loss.discriminator_real(x));
    storage.discriminator_backward(Batch::Real, Gradients::Parameters);
    let r1_penalty = if config.r1_gamma > 0.0 {
        add_r1_gradient(storage, config.r1_gamma)
    } else {
        0.0
    };

    generate_batch(storage, rng);
    storage.discriminate(Batch::Fake); // [B][1]
    let (logits, logit_grads) = storage.logits_and_grads();
    let fake_loss = mean_loss(logits, logit_grads, |x| loss.discriminator_fake(x));
    storage.discriminator_backward(Batch::Fake, Gradients::Parameters);

    storage.update(Player::Discriminator);
    (real_loss + fake_loss, r1_penalty)
}

/// Adds the gradient of R1 = (γ/2)·(1/B)·Σ_b ‖∇ₓD(x_b)‖² over the real batch still in D's
/// trace, and returns R1 (Mescheder et al., 2018). The gradient is taken with respect to the
/// sample x only: a conditional D's label inputs are left out.
fn add_r1_gradient<S: Storage>(storage: &mut S, gamma: f32) -> f32 {
    let (batch, classes) = (storage.batch(), storage.classes());
    // g_b = ∇ₓD(x_b): a backward pass with ∂out/∂out = 1 and no parameter gradients.
    storage.logits_and_grads().1.fill(1.0);
    storage.discriminator_backward(Batch::Real, Gradients::Inputs);
    let input_grads = storage.input_grads_mut();
    let width = input_grads.len() / batch;
    let sample = width - classes;
    let mut squared_norms = 0.0;
    for row in input_grads.chunks_exact(width) {
        for &v in &row[..sample] {
            squared_norms += v * v;
        }
    }
    // t₀ = (γ/B)·g_b on the sample, 0 on the label; the tangent pass adds ∂R1/∂θ.
    let scale = gamma / batch as f32;
    for row in input_grads.chunks_exact_mut(width) {
        let (sample, label) = row.split_at_mut(sample);
        for v in sample {
            *v *= scale;
        }
        label.fill(0.0);
    }
    storage.discriminator_r1_tangent();
    0.5 * gamma * squared_norms / batch as f32
}

/// One G update on fresh noise; returns G's loss.
fn generator_step<S: Storage, R: Rng + ?Sized>(
    storage: &mut S,
    config: &GanConfig,
    rng: &mut R,
) -> f32 {
    let loss = config.loss;
    storage.zero_grads(Player::Generator);
    generate_batch(storage, rng);
    storage.discriminate(Batch::Fake); // [B][1]
    let (logits, logit_grads) = storage.logits_and_grads();
    let generator_loss = mean_loss(logits, logit_grads, |x| loss.generator(x));
    // ∂L/∂G(z) through D (D's parameters untouched), then back through G.
    storage.discriminator_backward(Batch::Fake, Gradients::Inputs);
    storage.generator_backward();
    storage.update(Player::Generator);
    generator_loss
}
