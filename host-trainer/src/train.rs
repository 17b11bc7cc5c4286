//! A training run: the core's `DynGanTrainer` (networks of the recipe's architecture, for data of
//! any dimension) plus the recipe's learning-rate schedule, the moving average of G, loss
//! records, checkpoints and divergence checks.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use picogan::dynamic::DynMlp;
use picogan::model::{self, Interface, Normalization, Role};
use picogan::optim::Adam;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{DynGanTrainer, GanConfig, Network};

use crate::checkpoint::{self, LossRecord, State};
use crate::data::Dataset;
use crate::files::write_atomic;
use crate::progress::Progress;
use crate::recipe::Recipe;

/// The checkpoint's file name in the output folder.
pub const CHECKPOINT: &str = "checkpoint.bin";

/// What a finished (or halted) run leaves behind.
pub struct Outcome {
    /// The averaged generator (the one saved as `model.pgan`).
    pub generator: DynMlp,
    /// The final discriminator.
    pub discriminator: DynMlp,
    /// Classes of a conditional model (0: unconditional).
    pub classes: usize,
    /// How the network's values turn into the data's units, a column each (empty: they are).
    pub normalization: Vec<Normalization>,
    /// The loss curves.
    pub history: Vec<LossRecord>,
    /// The step this invocation started from (0, or the checkpoint's when resuming).
    pub first_step: u32,
    /// Generator updates done.
    pub steps_done: u32,
    /// Seconds spent in this invocation.
    pub seconds: f64,
}

/// Where a run stops early (`--stop-at`), as if interrupted right after that step's checkpoint.
pub type StopAt = Option<u32>;

/// The random generator of step `step`: derived from the seed and the step alone, so a resumed
/// run draws exactly what the uninterrupted run would have.
fn step_rng(seed: u64, step: u32) -> NoiseRng {
    NoiseRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(step))
}

/// θ_ema ← d·θ_ema + (1 − d)·θ, tensor by tensor.
fn update_average<N: Network>(average: &mut N, current: &N, decay: f32) {
    let mut index = 0;
    while let (Some(a), Some(c)) = (average.tensor_mut(index), current.tensor(index)) {
        for (a, &c) in a.iter_mut().zip(c) {
            *a = decay * *a + (1.0 - decay) * c;
        }
        index += 1;
    }
}

/// The parts of a run a checkpoint holds, borrowed together.
fn state<'a>(
    recipe: &'a Recipe,
    step: u32,
    trainer: &'a mut DynGanTrainer<Adam>,
    ema: &'a mut DynMlp,
    history: &'a mut Vec<LossRecord>,
) -> State<'a, DynMlp, DynMlp> {
    State {
        recipe,
        step,
        generator: &mut trainer.generator,
        discriminator: &mut trainer.discriminator,
        ema,
        generator_adam: &mut trainer.generator_state,
        discriminator_adam: &mut trainer.discriminator_state,
        history,
    }
}

/// A loss for a message: 4 decimals, or scientific notation when huge.
fn compact(value: f32) -> String {
    if value.abs() < 1e6 {
        format!("{value:.4}")
    } else {
        format!("{value:.3e}")
    }
}

/// True when every parameter of `network` is finite.
fn all_finite<N: Network>(network: &N) -> bool {
    (0..)
        .map_while(|i| network.tensor(i))
        .all(|t| t.iter().all(|v| v.is_finite()))
}

/// Classes of the model `recipe` trains on `dataset`: the data's, or 0 for an unconditional one.
pub fn model_classes(recipe: &Recipe, dataset: &Dataset) -> usize {
    if recipe.conditional {
        dataset.classes()
    } else {
        0
    }
}

/// Trains per `recipe` on `dataset`, writing checkpoints into `out`; with `resume`, continues
/// from `out/checkpoint.bin`.
pub fn run(
    recipe: &Recipe,
    dataset: &Dataset,
    out: &Path,
    resume: bool,
    stop_at: StopAt,
    progress: &mut Progress,
) -> Result<Outcome> {
    let started = Instant::now();
    let mut init_rng = NoiseRng::seed_from_u64(recipe.seed);
    let (dim, classes) = (dataset.dim(), model_classes(recipe, dataset));
    let normalization = dataset.normalization(recipe.normalize)?;
    let (mut generator, mut discriminator) = recipe
        .networks(dim, classes)
        .with_context(|| recipe.architecture(dim, classes))?;
    generator.init_params(&mut init_rng);
    discriminator.init_params(&mut init_rng);
    let adam = |lr| Adam {
        lr,
        beta1: recipe.beta1,
        beta2: recipe.beta2,
        eps: 1e-8,
    };
    let config = GanConfig {
        loss: recipe.loss.into(),
        discriminator_steps: recipe.discriminator_steps,
        r1_gamma: recipe.r1_gamma,
    };
    let mut trainer = DynGanTrainer::conditional(
        generator,
        discriminator,
        (adam(recipe.generator_lr), adam(recipe.discriminator_lr)),
        config,
        recipe.batch,
        classes,
    )
    .with_context(|| recipe.architecture(dim, classes))?;
    let mut ema = trainer.generator.clone();
    let mut history = Vec::new();
    let checkpoint_path = out.join(CHECKPOINT);

    let mut step = 0;
    if resume {
        step = checkpoint::load(
            &checkpoint_path,
            &mut state(recipe, 0, &mut trainer, &mut ema, &mut history),
        )?;
    }

    let checkpoint_due = |step: u32| {
        step.is_multiple_of(recipe.checkpoint_every)
            || step == recipe.steps
            || stop_at == Some(step)
    };
    let first_step = step;
    progress.start(step, recipe.steps);
    let mut last_checkpoint = resume.then_some(step);
    while step < recipe.steps {
        let factor = recipe.lr_factor(step);
        trainer.generator_optimizer.lr = recipe.generator_lr * factor;
        trainer.discriminator_optimizer.lr = recipe.discriminator_lr * factor;
        let mut rng = step_rng(recipe.seed, step);
        let normalize = |x: &mut [f32]| {
            for (v, column) in x.iter_mut().zip(&normalization) {
                *v = column.to_network(*v);
            }
        };
        let stats = if classes == 0 {
            trainer.step(&mut rng, |rng, batch| {
                for x in batch.chunks_exact_mut(dim) {
                    dataset.sample_into(rng, x);
                    normalize(x);
                }
            })
        } else {
            trainer.step_conditional(&mut rng, |rng, batch, labels| {
                for (x, label) in batch.chunks_exact_mut(dim).zip(labels) {
                    *label = dataset.sample_labelled_into(rng, x);
                    normalize(x);
                }
            })
        };
        step += 1;
        if recipe.ema_decay > 0.0 {
            update_average(&mut ema, &trainer.generator, recipe.ema_decay);
        } else {
            ema.clone_from(&trainer.generator);
        }
        let state_finite = || {
            all_finite(&trainer.generator)
                && all_finite(&trainer.discriminator)
                && all_finite(&ema)
                && all_finite(&trainer.generator_state.m)
                && all_finite(&trainer.generator_state.v)
                && all_finite(&trainer.discriminator_state.m)
                && all_finite(&trainer.discriminator_state.v)
        };
        // Only a state that can be resumed is checkpointed: every stored value finite.
        if !stats.is_finite() || (checkpoint_due(step) && !state_finite()) {
            let kept = match last_checkpoint {
                Some(at) => format!(
                    "the checkpoint of step {at} is kept in {}",
                    checkpoint_path.display()
                ),
                None => "no checkpoint had been written yet".to_string(),
            };
            bail!(
                "training diverged at step {step}: D loss {}, G loss {}, R1 {} (or a weight or optimizer moment is not finite); {kept}",
                compact(stats.discriminator_loss),
                compact(stats.generator_loss),
                compact(stats.r1_penalty)
            );
        }
        if step.is_multiple_of(recipe.log_every) || step == recipe.steps {
            history.push(LossRecord {
                step,
                discriminator: stats.discriminator_loss,
                generator: stats.generator_loss,
                r1: stats.r1_penalty,
            });
        }
        progress.update(step, &stats);
        if checkpoint_due(step) {
            checkpoint::save(
                &checkpoint_path,
                &state(recipe, step, &mut trainer, &mut ema, &mut history),
            )?;
            last_checkpoint = Some(step);
        }
        if stop_at == Some(step) {
            break;
        }
    }
    progress.finish();
    Ok(Outcome {
        generator: ema,
        discriminator: trainer.discriminator.clone(),
        classes,
        normalization,
        history,
        first_step,
        steps_done: step,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes `network` with its classes and normalization as a model file at `path`, atomically.
pub fn save_model<N: Network>(
    path: &Path,
    network: &N,
    role: Role,
    interface: &Interface<'_>,
) -> Result<PathBuf> {
    let mut bytes = vec![0; model::encoded_len_with(network, interface)];
    model::write_with(network, role, interface, &mut bytes).context("encoding the model")?;
    write_atomic(path, &bytes)?;
    Ok(path.to_path_buf())
}
