//! Mode collapse: a generator that puts all its samples on a few modes of the data, measured by
//! counting the modes it captures as training goes on.
//!
//! Claim (Goodfellow, *NIPS 2016 Tutorial*, §5.1.1; Metz et al., *Unrolled GANs*, ICLR 2017,
//! fig. 1): the alternating game does not force G to cover p_data. Any mode G reaches fools D
//! for a while, so a poorly regularised GAN can collapse onto one mode (or hop between modes),
//! while a recipe that keeps D smooth lets G spread over all of them.
//!
//! The numbers: ring8 (8 Gaussians of σ = 0.01 on the unit circle), the trainer's networks and
//! its real training loop (`picogan train`), 6,000 steps from the same seed twice:
//! - weak: least-squares loss, no R1 penalty, no weight averaging, no learning-rate decay, and a
//!   generator learning rate of 5·10⁻³ (5× the default);
//! - default: the trainer's recipe (non-saturating loss, R1 γ = 0.1, Adam 10⁻³, EMA 0.999).
//!
//! Modes captured and the share of high-quality samples (within 3σ of a mode) are measured on
//! 2,500 samples at several steps.

use std::path::{Path, PathBuf};

use anyhow::Result;
use picogan::rng::{NoiseRng, SeedableRng};
use plotters::prelude::*;

use crate::data::Dataset;
use crate::eval;
use crate::plot::{self, plot_error};
use crate::progress::Progress;
use crate::recipe::{LossName, Recipe};
use crate::train;

/// The default seed of both runs.
pub const SEED: u64 = 0;
const STEPS: u32 = 6000;
const SNAPSHOTS: [u32; 5] = [500, 1000, 2000, 4000, STEPS];
const EVAL_SAMPLES: usize = 2500;

/// The generator at one step of a run.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Generator updates so far.
    pub step: u32,
    /// Modes captured, as `eval::mode_metrics` counts them.
    pub modes: usize,
    /// Samples within 3σ of a mode, in %.
    pub high_quality: f64,
    /// The evaluated samples, flattened (x, y).
    pub samples: Vec<f32>,
}

fn recipes(seed: u64) -> [(&'static str, Recipe); 2] {
    let mut default = Recipe::default_for("ring8");
    default.seed = seed;
    default.steps = STEPS;
    let mut weak = default.clone();
    weak.loss = LossName::LeastSquares;
    weak.r1_gamma = 0.0;
    weak.ema_decay = 0.0;
    weak.lr_decay_fraction = 0.0;
    weak.generator_lr = 5e-3;
    [("weak", weak), ("default", default)]
}

/// Trains `recipe` in `folder`, stopping at each snapshot step to measure the generator.
fn follow(recipe: &Recipe, dataset: &Dataset, folder: &Path) -> Result<Vec<Snapshot>> {
    std::fs::create_dir_all(folder)?;
    let modes = dataset
        .modes()
        .ok_or_else(|| anyhow::anyhow!("ring8 has modes"))?;
    let mut progress = Progress::new(true);
    let mut snapshots = Vec::new();
    for (i, &step) in SNAPSHOTS.iter().enumerate() {
        let outcome = train::run(recipe, dataset, folder, i > 0, Some(step), &mut progress)?;
        let mut rng = NoiseRng::seed_from_u64(7);
        let mut samples = vec![0.0f32; 2 * EVAL_SAMPLES];
        for point in samples.chunks_exact_mut(2) {
            outcome.generator.sample_into(&mut rng, point);
        }
        let metrics = eval::mode_metrics(&samples, 2, &modes);
        snapshots.push(Snapshot {
            step,
            modes: metrics.modes_captured,
            high_quality: metrics.high_quality_percent,
            samples,
        });
    }
    Ok(snapshots)
}

/// Both runs, trained in sub-folders of `out`.
pub fn measure(out: &Path, seed: u64) -> Result<Vec<(&'static str, Vec<Snapshot>)>> {
    let dataset = Dataset::open("ring8", None)?;
    recipes(seed)
        .into_iter()
        .map(|(name, recipe)| Ok((name, follow(&recipe, &dataset, &out.join(name))?)))
        .collect()
}

/// Prints modes over steps and draws `mode-collapse.png`: samples of both runs at each snapshot.
pub fn run(out: &Path, seed: u64) -> Result<(String, Vec<PathBuf>)> {
    let runs = measure(out, seed)?;
    let mut text = format!(
        "ring8, seed {seed}: modes captured (of 8) / high-quality samples, by step\nstep   "
    );
    for (name, _) in &runs {
        text += &format!("{name:<22}");
    }
    for (i, step) in SNAPSHOTS.iter().enumerate() {
        text += &format!("\n{step:<6} ");
        for (_, snapshots) in &runs {
            let s = &snapshots[i];
            text += &format!("{} / {:>6.2}%          ", s.modes, s.high_quality);
        }
    }
    text += "\nweak: least-squares loss, no R1, no EMA, no lr decay, G learning rate 5e-3; \
             default: the trainer's recipe";
    let png =
        plot::draw(out, "mode-collapse.png", |area| {
            let rows = area.split_evenly((runs.len(), SNAPSHOTS.len()));
            for (r, (name, snapshots)) in runs.iter().enumerate() {
                for (c, snapshot) in snapshots.iter().enumerate() {
                    let title = format!("{name}, step {}: {}/8", snapshot.step, snapshot.modes);
                    let mut chart = ChartBuilder::on(&rows[r * SNAPSHOTS.len() + c])
                        .caption(title, ("sans-serif", 14))
                        .margin(4)
                        .build_cartesian_2d(-1.5f32..1.5f32, -1.5f32..1.5f32)
                        .map_err(plot_error)?;
                    chart
                        .draw_series(
                            snapshot.samples.chunks_exact(2).take(1000).map(|p| {
                                Circle::new((p[0], p[1]), 1, RGBColor(30, 100, 220).filled())
                            }),
                        )
                        .map_err(plot_error)?;
                }
            }
            Ok(())
        })?;
    Ok((text, vec![png]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weak recipe ends on at most 3 of the 8 modes; the default one on all 8 with at least
    /// 85% high-quality samples.
    #[test]
    fn a_weak_recipe_collapses_and_the_default_covers_every_mode() {
        let out = std::env::temp_dir().join(format!("picogan-collapse-{}", std::process::id()));
        let runs = measure(&out, SEED).unwrap();
        let _ = std::fs::remove_dir_all(&out);
        let last = |name: &str| {
            runs.iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, s)| s.last().cloned())
                .unwrap()
        };
        let (weak, default) = (last("weak"), last("default"));
        assert!(weak.modes <= 3, "{:?}", (weak.modes, weak.high_quality));
        assert!(
            default.modes == 8 && default.high_quality >= 85.0,
            "{:?}",
            (default.modes, default.high_quality)
        );
    }
}
