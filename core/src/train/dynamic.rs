//! GAN training for networks shaped at run time (feature `alloc`).

use alloc::vec::Vec;

use rand_core::Rng;

use super::step::{self, Batch, Gradients, Player};
use super::{GanConfig, StepStats};
use crate::Error;
use crate::dynamic::{DynMlp, DynTrace, zeroed};
use crate::layer::Network;
use crate::optim::Optimizer;

/// Everything GAN training needs for a generator and a discriminator shaped at run time, on the
/// heap: the run-time twin of [`GanTrainer`](crate::GanTrainer). Its steps are the same bits as
/// a `GanTrainer`'s with networks of the same shapes, parameters and batch size.
///
/// # Examples
/// ```
/// use picogan::{Activation::*, GanConfig, DynGanTrainer};
/// use picogan::dynamic::DynMlp;
/// use picogan::optim::Adam;
/// use picogan::rng::{NoiseRng, SeedableRng, fill_normal};
///
/// // 5-dimensional data: G 3 → 32 → 5, D 5 → 32 → 1, batch 16.
/// let mut rng = NoiseRng::seed_from_u64(0);
/// let mut g = DynMlp::new(&[3, 32, 5], &[Relu, Identity]).unwrap();
/// let mut d = DynMlp::new(&[5, 32, 1], &[LeakyRelu(0.2), Identity]).unwrap();
/// g.init_params(&mut rng);
/// d.init_params(&mut rng);
/// let adam = Adam { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
/// let mut trainer = DynGanTrainer::new(g, d, adam, adam, GanConfig::default(), 16).unwrap();
/// let stats = trainer.step(&mut rng, |rng, batch| fill_normal(rng, batch));
/// assert!(stats.is_finite());
/// ```
pub struct DynGanTrainer<O: Optimizer> {
    /// The generator G.
    pub generator: DynMlp,
    /// The discriminator D.
    pub discriminator: DynMlp,
    /// G's optimizer (its configuration).
    pub generator_optimizer: O,
    /// D's optimizer.
    pub discriminator_optimizer: O,
    /// G's optimizer state.
    pub generator_state: O::State<DynMlp>,
    /// D's optimizer state.
    pub discriminator_state: O::State<DynMlp>,
    /// Loss, k and R1 weight.
    pub config: GanConfig,
    batch: usize,
    generator_grads: DynMlp,
    discriminator_grads: DynMlp,
    generator_trace: DynTrace,
    discriminator_trace: DynTrace,
    noise: Vec<f32>,
    real: Vec<f32>,
    input_grads: Vec<f32>,
}

impl<O: Optimizer> DynGanTrainer<O> {
    /// A trainer of `generator` and `discriminator` on batches of `batch` samples, with fresh
    /// optimizer states and zeroed buffers.
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] for a batch of 0 or a negative or non-finite R1 weight;
    /// [`Error::SmoothActivation`] when R1 is on and D has a tanh or sigmoid layer;
    /// [`Error::InvalidArchitecture`] when G's outputs are not D's inputs or D has more than one
    /// output; [`Error::OutOfMemory`] when the buffers do not fit in memory.
    pub fn new(
        generator: DynMlp,
        discriminator: DynMlp,
        generator_optimizer: O,
        discriminator_optimizer: O,
        config: GanConfig,
        batch: usize,
    ) -> Result<Self, Error> {
        super::check_settings(&config, batch, &discriminator)?;
        if generator.outputs() != discriminator.inputs() {
            return Err(Error::InvalidArchitecture {
                reason: "the generator's outputs differ from the discriminator's inputs",
            });
        }
        if discriminator.outputs() != 1 {
            return Err(Error::InvalidArchitecture {
                reason: "the discriminator must have one output",
            });
        }
        let (noise_dim, data_dim) = (generator.inputs(), generator.outputs());
        Ok(Self {
            generator_state: generator_optimizer.new_state(&generator),
            discriminator_state: discriminator_optimizer.new_state(&discriminator),
            generator_grads: generator.zeroed_like(),
            discriminator_grads: discriminator.zeroed_like(),
            generator_trace: generator.new_trace(batch)?,
            discriminator_trace: discriminator.new_trace(batch)?,
            noise: zeroed(batch, noise_dim)?,
            real: zeroed(batch, data_dim)?,
            input_grads: zeroed(batch, data_dim)?,
            generator,
            discriminator,
            generator_optimizer,
            discriminator_optimizer,
            config,
            batch,
        })
    }

    /// Samples per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// One training step, as [`GanTrainer::step`](crate::GanTrainer::step):
    /// `real_data(rng, batch)` fills the real batch, `[B][X]` row after row.
    pub fn step<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        mut real_data: impl FnMut(&mut R, &mut [f32]),
    ) -> StepStats {
        let config = self.config;
        step::run(self, &config, rng, |trainer, rng| {
            real_data(rng, &mut trainer.real)
        })
    }
}

/// The run-time storage: each operation on the heap-held networks and buffers.
impl<O: Optimizer> step::Storage for DynGanTrainer<O> {
    fn batch(&self) -> usize {
        self.batch
    }

    fn noise_mut(&mut self) -> (&mut [f32], usize) {
        (&mut self.noise, self.generator.inputs())
    }

    fn generate(&mut self) {
        self.generator
            .forward_batch(&self.noise, &mut self.generator_trace); // [B][X]
    }

    fn discriminate(&mut self, batch: Batch) {
        let x = match batch {
            Batch::Real => &self.real[..],
            Batch::Fake => DynMlp::output(&self.generator_trace),
        };
        self.discriminator
            .forward_batch(x, &mut self.discriminator_trace); // [B][1]
    }

    fn logits_and_grads(&mut self) -> (&[f32], &mut [f32]) {
        DynMlp::output_and_grad_mut(&mut self.discriminator_trace)
    }

    fn discriminator_backward(&mut self, batch: Batch, into: Gradients) {
        let x = match batch {
            Batch::Real => &self.real[..],
            Batch::Fake => DynMlp::output(&self.generator_trace),
        };
        let (grads, input_grads) = match into {
            Gradients::Parameters => (Some(&mut self.discriminator_grads), None),
            Gradients::Inputs => (None, Some(&mut self.input_grads[..])),
        };
        self.discriminator
            .backward_batch(x, &mut self.discriminator_trace, grads, input_grads);
    }

    fn input_grads_mut(&mut self) -> &mut [f32] {
        &mut self.input_grads
    }

    fn discriminator_r1_tangent(&mut self) {
        self.discriminator.r1_tangent_batch(
            &self.input_grads,
            &mut self.discriminator_trace,
            &mut self.discriminator_grads,
        );
    }

    fn generator_backward(&mut self) {
        DynMlp::output_grad_mut(&mut self.generator_trace).copy_from_slice(&self.input_grads);
        self.generator.backward_batch(
            &self.noise,
            &mut self.generator_trace,
            Some(&mut self.generator_grads),
            None,
        );
    }

    fn zero_grads(&mut self, player: Player) {
        match player {
            Player::Generator => self.generator_grads.zero_params(),
            Player::Discriminator => self.discriminator_grads.zero_params(),
        }
    }

    fn update(&mut self, player: Player) {
        match player {
            Player::Generator => self.generator_optimizer.step(
                &mut self.generator,
                &self.generator_grads,
                &mut self.generator_state,
            ),
            Player::Discriminator => self.discriminator_optimizer.step(
                &mut self.discriminator,
                &self.discriminator_grads,
                &mut self.discriminator_state,
            ),
        }
    }
}
