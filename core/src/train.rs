//! The GAN training step: k discriminator updates, then one generator update.

use rand_core::Rng;

#[cfg(feature = "alloc")]
pub(crate) mod dynamic;
mod step;

use crate::Error;
use crate::layer::{Trainable, Vector, Zeroed};
use crate::loss::GanLoss;
use crate::optim::Optimizer;

/// How the two players are trained.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GanConfig {
    /// The adversarial loss (default: non-saturating).
    pub loss: GanLoss,
    /// Discriminator updates per generator update, k (default 1; 0 trains G alone).
    pub discriminator_steps: u32,
    /// Weight γ of the R1 penalty (γ/2)·E_data‖∇ₓD(x)‖² on real samples (Mescheder et al.,
    /// 2018); 0 turns it off (default). Needs piecewise-linear activations in D.
    pub r1_gamma: f32,
}

impl Default for GanConfig {
    fn default() -> Self {
        Self {
            loss: GanLoss::NonSaturating,
            discriminator_steps: 1,
            r1_gamma: 0.0,
        }
    }
}

/// Checks a trainer's settings: [`Error::InvalidHyperparameter`] for a batch of 0 or a negative or
/// non-finite R1 weight; [`Error::SmoothActivation`] when R1 is on and D has a tanh or sigmoid
/// layer (the closed-form R1 gradient would be wrong there).
pub(crate) fn check_settings(
    config: &GanConfig,
    batch: usize,
    discriminator: &impl crate::Network,
) -> Result<(), Error> {
    if batch == 0 {
        return Err(Error::InvalidHyperparameter { name: "batch size" });
    }
    if !(config.r1_gamma >= 0.0 && config.r1_gamma.is_finite()) {
        return Err(Error::InvalidHyperparameter { name: "r1_gamma" });
    }
    if config.r1_gamma > 0.0
        && let Some(layer) = discriminator.first_smooth_layer()
    {
        return Err(Error::SmoothActivation { layer });
    }
    Ok(())
}

/// What one [`GanTrainer::step`] measured (means over the batch; from the last D update).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StepStats {
    /// The discriminator's loss, real plus fake half (without the R1 term).
    pub discriminator_loss: f32,
    /// The R1 penalty (γ/2)·mean‖∇ₓD‖², 0 when off.
    pub r1_penalty: f32,
    /// The generator's loss.
    pub generator_loss: f32,
}

impl StepStats {
    /// True when every figure is finite (a diverged run has NaN or infinite losses).
    pub fn is_finite(&self) -> bool {
        self.discriminator_loss.is_finite()
            && self.r1_penalty.is_finite()
            && self.generator_loss.is_finite()
    }
}

/// Everything GAN training needs, in one value whose size is known at compile time: both
/// networks, their gradients, their optimizer states, the activation traces of a batch of `B`
/// samples and the batch buffers. Put it in a `static` (or a `Box` on the host) and call
/// [`GanTrainer::step`].
///
/// Generics: `G` the generator (noise → sample), `D` the discriminator (sample → one logit),
/// `O` the optimizer of both, `B` the batch size.
///
/// # Examples
/// The RAM a trainer needs is `size_of` it. This one trains the 1-D bimodal GAN
/// (G: 2 → 16 → 16 → 1, D: 1 → 16 → 16 → 1, batch 32) in 28,196 bytes, of which the
/// parameters with their gradients and Adam moments take 10,528 and the activation traces 16,896:
/// ```
/// use picogan::{Activation::*, Dense, GanConfig, GanTrainer, Layer, Mlp3};
/// use picogan::optim::Adam;
/// use picogan::rng::{NoiseRng, Rng, SeedableRng, fill_normal};
///
/// type G = Mlp3<2, 16, 16, 1>;
/// type D = Mlp3<1, 16, 16, 1>;
/// type Trainer = GanTrainer<G, D, Adam, 32>;
/// // params + grads + Adam's m and v, for each network; two traces; three batch buffers.
/// let params = (G::PARAMS + D::PARAMS) * 4 * size_of::<f32>();
/// let traces = 2 * 32 * (16 + 16 + 1) * 2 * size_of::<f32>();
/// let batches = 32 * (2 + 1 + 1) * size_of::<f32>();
/// assert_eq!((params, traces), (10_528, 16_896));
/// println!("GanTrainer needs {} bytes", size_of::<Trainer>());
/// assert_eq!(size_of::<Trainer>(), 28_196);
/// assert!(size_of::<Trainer>() >= params + traces + batches);
///
/// let mut rng = NoiseRng::seed_from_u64(0);
/// let mut g: G = (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity)));
/// let mut d: D = (Dense::new(LeakyRelu(0.2)), (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)));
/// g.init_params(&mut rng);
/// d.init_params(&mut rng);
/// let adam = Adam { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
/// let mut trainer = Trainer::new(g, d, adam, adam, GanConfig::default()).unwrap();
/// let stats = trainer.step(&mut rng, |rng, batch| {
///     for [x] in batch.iter_mut() {
///         let mode = if rng.next_u32() & 1 == 0 { -2.0 } else { 2.0 };
///         let mut noise = [0.0];
///         fill_normal(rng, &mut noise);
///         *x = mode + 0.5 * noise[0];
///     }
/// });
/// assert!(stats.is_finite());
/// ```
pub struct GanTrainer<G, D, O, const B: usize>
where
    G: Trainable,
    D: Trainable<Input = G::Output, Output = [f32; 1]>,
    O: Optimizer,
{
    /// The generator G.
    pub generator: G,
    /// The discriminator D.
    pub discriminator: D,
    /// G's optimizer (its configuration: learning rate and so on).
    pub generator_optimizer: O,
    /// D's optimizer.
    pub discriminator_optimizer: O,
    /// G's optimizer state.
    pub generator_state: O::State<G>,
    /// D's optimizer state.
    pub discriminator_state: O::State<D>,
    /// Loss, k and R1 weight.
    pub config: GanConfig,
    generator_grads: G,
    discriminator_grads: D,
    generator_trace: G::Trace<B>,
    discriminator_trace: D::Trace<B>,
    noise: [G::Input; B],
    real: [D::Input; B],
    input_grads: [D::Input; B],
}

impl<G, D, O, const B: usize> GanTrainer<G, D, O, B>
where
    G: Trainable,
    D: Trainable<Input = G::Output, Output = [f32; 1]>,
    O: Optimizer,
{
    /// A trainer with every number zero and identity activations: a constant, so that it can be
    /// the initial value of a `static` (in `.bss`: RAM, no flash) on a device where the whole
    /// state would not fit on the stack. Make it train with [`reset`](Self::reset).
    ///
    /// # Examples
    /// ```
    /// use picogan::{Activation::*, Dense, GanConfig, GanTrainer, Layer, Mlp2};
    /// use picogan::optim::Adam;
    /// use picogan::rng::{NoiseRng, SeedableRng};
    /// type Trainer = GanTrainer<Mlp2<2, 8, 1>, Mlp2<1, 8, 1>, Adam, 16>;
    /// static mut TRAINER: Trainer = Trainer::ZEROED; // a device would use a safe cell
    ///
    /// let mut rng = NoiseRng::seed_from_u64(0);
    /// let mut g: Mlp2<2, 8, 1> = (Dense::new(Relu), Dense::new(Identity));
    /// let mut d: Mlp2<1, 8, 1> = (Dense::new(Relu), Dense::new(Identity));
    /// g.init_params(&mut rng);
    /// d.init_params(&mut rng);
    /// let mut trainer = Box::new(Trainer::ZEROED);
    /// trainer.reset(&g, &d, Adam::default(), Adam::default(), GanConfig::default()).unwrap();
    /// assert_eq!(trainer.generator, g);
    /// ```
    pub const ZEROED: Self = Self {
        generator: G::ZEROED,
        discriminator: D::ZEROED,
        generator_optimizer: O::ZEROED,
        discriminator_optimizer: O::ZEROED,
        generator_state: Zeroed::ZEROED,
        discriminator_state: Zeroed::ZEROED,
        config: GanConfig {
            loss: GanLoss::Minimax,
            discriminator_steps: 0,
            r1_gamma: 0.0,
        },
        generator_grads: G::ZEROED,
        discriminator_grads: D::ZEROED,
        generator_trace: Zeroed::ZEROED,
        discriminator_trace: Zeroed::ZEROED,
        noise: [G::Input::ZERO; B],
        real: [D::Input::ZERO; B],
        input_grads: [D::Input::ZERO; B],
    };

    /// A trainer of `generator` and `discriminator` with fresh optimizer states and zeroed
    /// buffers.
    ///
    /// Errors: [`Error::InvalidHyperparameter`] for a negative or non-finite R1 weight or a
    /// batch of 0; [`Error::SmoothActivation`] when R1 is on and D has a tanh or sigmoid layer
    /// (the closed-form R1 gradient would be wrong there).
    pub fn new(
        generator: G,
        discriminator: D,
        generator_optimizer: O,
        discriminator_optimizer: O,
        config: GanConfig,
    ) -> Result<Self, Error> {
        let mut trainer = Self::ZEROED;
        trainer.reset(
            &generator,
            &discriminator,
            generator_optimizer,
            discriminator_optimizer,
            config,
        )?;
        Ok(trainer)
    }

    /// Makes this trainer, in place, what [`new`](Self::new) returns for the same arguments:
    /// copies of both networks, fresh optimizer states, zeroed buffers. Nothing as large as the
    /// trainer is built on the stack. On an error (the same as `new`'s) nothing is changed.
    pub fn reset(
        &mut self,
        generator: &G,
        discriminator: &D,
        generator_optimizer: O,
        discriminator_optimizer: O,
        config: GanConfig,
    ) -> Result<(), Error> {
        check_settings(&config, B, discriminator)?;
        self.generator.clone_from(generator);
        self.discriminator.clone_from(discriminator);
        generator_optimizer.reset_state(&mut self.generator_state);
        discriminator_optimizer.reset_state(&mut self.discriminator_state);
        self.generator_optimizer = generator_optimizer;
        self.discriminator_optimizer = discriminator_optimizer;
        self.config = config;
        self.generator_grads.zero_params();
        self.discriminator_grads.zero_params();
        self.generator_trace = Zeroed::ZEROED;
        self.discriminator_trace = Zeroed::ZEROED;
        self.noise = [G::Input::ZERO; B];
        self.real = [D::Input::ZERO; B];
        self.input_grads = [D::Input::ZERO; B];
        Ok(())
    }

    /// One training step: `config.discriminator_steps` updates of D, each on a fresh batch from
    /// `real_data` and a fresh generated batch, then one update of G on fresh noise.
    ///
    /// `real_data(rng, batch)` fills the batch with real samples. Noise is standard normal,
    /// drawn from `rng` with [`fill_normal`](crate::rng::fill_normal), sample by sample.
    pub fn step<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        mut real_data: impl FnMut(&mut R, &mut [D::Input; B]),
    ) -> StepStats {
        let config = self.config;
        step::run(self, &config, rng, |trainer, rng| {
            real_data(rng, &mut trainer.real)
        })
    }
}

/// The const-generic storage: each operation on the typed networks and buffers.
impl<G, D, O, const B: usize> step::Storage for GanTrainer<G, D, O, B>
where
    G: Trainable,
    D: Trainable<Input = G::Output, Output = [f32; 1]>,
    O: Optimizer,
{
    fn batch(&self) -> usize {
        B
    }

    fn noise_mut(&mut self) -> (&mut [f32], usize, usize) {
        (
            G::Input::flatten_mut(&mut self.noise),
            G::Input::LEN,
            G::Input::LEN,
        )
    }

    fn generate(&mut self) {
        self.generator
            .forward_batch(&self.noise, &mut self.generator_trace); // [B][G::Output]
    }

    fn discriminate(&mut self, batch: step::Batch) {
        let x = match batch {
            step::Batch::Real => &self.real,
            step::Batch::Fake => G::output(&self.generator_trace),
        };
        self.discriminator
            .forward_batch(x, &mut self.discriminator_trace); // [B][1]
    }

    fn logits_and_grads(&mut self) -> (&[f32], &mut [f32]) {
        let (logits, grads) = D::output_and_grad_mut(&mut self.discriminator_trace);
        (logits.as_flattened(), grads.as_flattened_mut())
    }

    fn discriminator_backward(&mut self, batch: step::Batch, into: step::Gradients) {
        let x = match batch {
            step::Batch::Real => &self.real,
            step::Batch::Fake => G::output(&self.generator_trace),
        };
        let (grads, input_grads) = match into {
            step::Gradients::Parameters => (Some(&mut self.discriminator_grads), None),
            step::Gradients::Inputs => (None, Some(&mut self.input_grads)),
        };
        self.discriminator
            .backward_batch(x, &mut self.discriminator_trace, grads, input_grads);
    }

    fn input_grads_mut(&mut self) -> &mut [f32] {
        D::Input::flatten_mut(&mut self.input_grads)
    }

    fn discriminator_r1_tangent(&mut self) {
        self.discriminator.r1_tangent_batch(
            &self.input_grads,
            &mut self.discriminator_trace,
            &mut self.discriminator_grads,
        );
    }

    fn generator_backward(&mut self) {
        *G::output_grad_mut(&mut self.generator_trace) = self.input_grads;
        self.generator.backward_batch(
            &self.noise,
            &mut self.generator_trace,
            Some(&mut self.generator_grads),
            None,
        );
    }

    fn zero_grads(&mut self, player: step::Player) {
        match player {
            step::Player::Generator => self.generator_grads.zero_params(),
            step::Player::Discriminator => self.discriminator_grads.zero_params(),
        }
    }

    fn update(&mut self, player: step::Player) {
        match player {
            step::Player::Generator => self.generator_optimizer.step(
                &mut self.generator,
                &self.generator_grads,
                &mut self.generator_state,
            ),
            step::Player::Discriminator => self.discriminator_optimizer.step(
                &mut self.discriminator,
                &self.discriminator_grads,
                &mut self.discriminator_state,
            ),
        }
    }
}
