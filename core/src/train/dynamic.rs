//! GAN training for networks shaped at run time (feature `alloc`).

use alloc::vec::Vec;

use rand_core::Rng;

use super::step::{self, Batch, Gradients, Player};
use super::{GanConfig, StepStats};
use crate::Error;
use crate::dynamic::{DynMlp, DynTrace, zeroed};
use crate::label::one_hot;
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
    classes: usize,
    /// Each real sample's label, `[B]` (conditional training only).
    labels: Vec<usize>,
    /// D's input for the generated batch, `[B][X + K]`: G's output and the label one-hot
    /// (conditional training only; otherwise D reads G's output).
    fake: Vec<f32>,
    /// The real samples as the caller fills them, `[B][X]` (conditional training only;
    /// otherwise the caller fills `real`).
    real_samples: Vec<f32>,
    generator_grads: DynMlp,
    discriminator_grads: DynMlp,
    generator_trace: DynTrace,
    discriminator_trace: DynTrace,
    /// G's input, `[B][Z + K]`: noise, then the label one-hot.
    noise: Vec<f32>,
    /// D's input for the real batch, `[B][X + K]`: the sample, then the label one-hot.
    real: Vec<f32>,
    /// ∂/∂(D's input), `[B][X + K]`.
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
        let optimizers = (generator_optimizer, discriminator_optimizer);
        Self::conditional(generator, discriminator, optimizers, config, batch, 0)
    }

    /// A trainer of a conditional GAN over `classes` classes (Mirza & Osindero, 2014): G's
    /// inputs are Z noise values then the label one-hot (K values), D's are the sample then the
    /// label one-hot. Each generated batch takes the labels of the real batch before it, so the
    /// generated labels follow the data's class frequencies. With `classes` = 0 it is
    /// [`DynGanTrainer::new`].
    ///
    /// # Errors
    /// Those of [`DynGanTrainer::new`], and [`Error::InvalidArchitecture`] when G has no input
    /// left for noise or D's inputs are not G's outputs plus `classes`.
    ///
    /// # Examples
    /// ```
    /// use picogan::{Activation::*, GanConfig, DynGanTrainer};
    /// use picogan::dynamic::DynMlp;
    /// use picogan::optim::Adam;
    /// use picogan::rng::{NoiseRng, SeedableRng, fill_normal};
    ///
    /// // 2-D samples of 3 classes: G (2 noise + 3) → 16 → 2, D (2 + 3) → 16 → 1.
    /// let mut rng = NoiseRng::seed_from_u64(0);
    /// let mut g = DynMlp::new(&[5, 16, 2], &[Relu, Identity]).unwrap();
    /// let mut d = DynMlp::new(&[5, 16, 1], &[LeakyRelu(0.2), Identity]).unwrap();
    /// g.init_params(&mut rng);
    /// d.init_params(&mut rng);
    /// let adam = Adam { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
    /// let mut trainer =
    ///     DynGanTrainer::conditional(g, d, (adam, adam), GanConfig::default(), 8, 3).unwrap();
    /// let stats = trainer.step_conditional(&mut rng, |rng, samples, labels| {
    ///     for (b, (x, label)) in samples.chunks_exact_mut(2).zip(labels).enumerate() {
    ///         *label = b % 3;
    ///         fill_normal(rng, x);
    ///         x[0] += *label as f32;
    ///     }
    /// });
    /// assert!(stats.is_finite());
    /// ```
    pub fn conditional(
        generator: DynMlp,
        discriminator: DynMlp,
        (generator_optimizer, discriminator_optimizer): (O, O),
        config: GanConfig,
        batch: usize,
        classes: usize,
    ) -> Result<Self, Error> {
        super::check_settings(&config, batch, &discriminator)?;
        if generator.inputs() <= classes {
            return Err(Error::InvalidArchitecture {
                reason: "the generator has no input left for noise besides the classes",
            });
        }
        if generator.outputs() + classes != discriminator.inputs() {
            return Err(Error::InvalidArchitecture {
                reason: if classes == 0 {
                    "the generator's outputs differ from the discriminator's inputs"
                } else {
                    "the discriminator's inputs are not the generator's outputs plus the classes"
                },
            });
        }
        if discriminator.outputs() != 1 {
            return Err(Error::InvalidArchitecture {
                reason: "the discriminator must have one output",
            });
        }
        let (input_dim, data_dim) = (generator.inputs(), generator.outputs());
        let conditional_rows = |width| zeroed(if classes > 0 { batch } else { 0 }, width);
        Ok(Self {
            generator_state: generator_optimizer.new_state(&generator),
            discriminator_state: discriminator_optimizer.new_state(&discriminator),
            generator_grads: generator.zeroed_like(),
            discriminator_grads: discriminator.zeroed_like(),
            generator_trace: generator.new_trace(batch)?,
            discriminator_trace: discriminator.new_trace(batch)?,
            noise: zeroed(batch, input_dim)?,
            real: zeroed(batch, data_dim + classes)?,
            input_grads: zeroed(batch, data_dim + classes)?,
            labels: alloc::vec![0; if classes > 0 { batch } else { 0 }],
            fake: conditional_rows(data_dim + classes)?,
            real_samples: conditional_rows(data_dim)?,
            generator,
            discriminator,
            generator_optimizer,
            discriminator_optimizer,
            config,
            batch,
            classes,
        })
    }

    /// Samples per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Classes of a conditional trainer (0 for an unconditional one).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// One training step, as [`GanTrainer::step`](crate::GanTrainer::step):
    /// `real_data(rng, batch)` fills the real batch, `[B][X]` row after row.
    ///
    /// # Panics
    /// If the trainer is conditional (use [`DynGanTrainer::step_conditional`]).
    pub fn step<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        mut real_data: impl FnMut(&mut R, &mut [f32]),
    ) -> StepStats {
        assert_eq!(self.classes, 0, "a conditional trainer takes labels");
        let config = self.config;
        step::run(self, &config, rng, |trainer, rng| {
            real_data(rng, &mut trainer.real)
        })
    }

    /// One training step of a conditional trainer: `real_data(rng, samples, labels)` fills the
    /// real batch, `[B][X]` row after row, and each sample's label (`[B]`, each below K; a
    /// label ≥ K is given no class, an all-zero one-hot). The generated batches take the same
    /// labels.
    ///
    /// # Panics
    /// If the trainer is unconditional (use [`DynGanTrainer::step`]).
    pub fn step_conditional<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        mut real_data: impl FnMut(&mut R, &mut [f32], &mut [usize]),
    ) -> StepStats {
        assert!(self.classes > 0, "an unconditional trainer takes no labels");
        let config = self.config;
        step::run(self, &config, rng, |trainer, rng| {
            real_data(rng, &mut trainer.real_samples, &mut trainer.labels);
            trainer.condition_on_labels();
        })
    }

    /// Writes the real samples and every label one-hot into D's real input, G's input and D's
    /// generated input.
    fn condition_on_labels(&mut self) {
        let (classes, data_dim) = (self.classes, self.generator.outputs());
        let noise_dim = self.generator.inputs() - classes;
        let rows = self
            .real
            .chunks_exact_mut(data_dim + classes)
            .zip(self.noise.chunks_exact_mut(noise_dim + classes))
            .zip(self.fake.chunks_exact_mut(data_dim + classes))
            .zip(self.real_samples.chunks_exact(data_dim).zip(&self.labels));
        for (((real, noise), fake), (sample, &label)) in rows {
            real[..data_dim].copy_from_slice(sample);
            one_hot(label, &mut real[data_dim..]);
            one_hot(label, &mut noise[noise_dim..]);
            one_hot(label, &mut fake[data_dim..]);
        }
    }
}

/// The run-time storage: each operation on the heap-held networks and buffers.
impl<O: Optimizer> step::Storage for DynGanTrainer<O> {
    fn batch(&self) -> usize {
        self.batch
    }

    fn noise_mut(&mut self) -> (&mut [f32], usize, usize) {
        let width = self.generator.inputs();
        (&mut self.noise, width, width - self.classes)
    }

    fn classes(&self) -> usize {
        self.classes
    }

    fn generate(&mut self) {
        self.generator
            .forward_batch(&self.noise, &mut self.generator_trace); // [B][X]
        if self.classes > 0 {
            let data_dim = self.generator.outputs();
            let samples = DynMlp::output(&self.generator_trace).chunks_exact(data_dim);
            for (fake, sample) in self
                .fake
                .chunks_exact_mut(data_dim + self.classes)
                .zip(samples)
            {
                fake[..data_dim].copy_from_slice(sample); // [X + K]: the label stays
            }
        }
    }

    fn discriminate(&mut self, batch: Batch) {
        let x = match (batch, self.classes) {
            (Batch::Real, _) => &self.real[..],
            (Batch::Fake, 0) => DynMlp::output(&self.generator_trace),
            (Batch::Fake, _) => &self.fake[..],
        };
        self.discriminator
            .forward_batch(x, &mut self.discriminator_trace); // [B][1]
    }

    fn logits_and_grads(&mut self) -> (&[f32], &mut [f32]) {
        DynMlp::output_and_grad_mut(&mut self.discriminator_trace)
    }

    fn discriminator_backward(&mut self, batch: Batch, into: Gradients) {
        let x = match (batch, self.classes) {
            (Batch::Real, _) => &self.real[..],
            (Batch::Fake, 0) => DynMlp::output(&self.generator_trace),
            (Batch::Fake, _) => &self.fake[..],
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
        let output_grads = DynMlp::output_grad_mut(&mut self.generator_trace);
        if self.classes == 0 {
            output_grads.copy_from_slice(&self.input_grads);
        } else {
            let data_dim = self.generator.outputs();
            let input_rows = self.input_grads.chunks_exact(data_dim + self.classes);
            for (grads, input) in output_grads.chunks_exact_mut(data_dim).zip(input_rows) {
                grads.copy_from_slice(&input[..data_dim]); // ∂L/∂G(z): the sample's part
            }
        }
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
