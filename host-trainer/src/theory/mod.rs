//! `picogan theory NAME`: each claim of the introductory theory of generative models as an
//! experiment that prints its numbers, draws a PNG and has a test that checks its key number.
//!
//! | name | claim |
//! |---|---|
//! | `information` | self-information, entropy, cross-entropy and KL, with H(p, q) = H(p) + KL(p‖q) |
//! | `likelihood` | maximising the log-likelihood finds the closed-form Gaussian fit; products of probabilities underflow, sums of logs do not |
//! | `optimal-discriminator` | for a fixed G the best D is p_data / (p_data + p_g), and then V = −ln 4 + 2·JSD |
//! | `kl-direction` | forward KL (maximum likelihood) covers both modes, reverse KL seeks one |
//! | `saturation` | the minimax generator loss saturates where the non-saturating one does not |
//! | `mode-collapse` | a weak recipe collapses onto few modes, the default recipe covers them all |
//! | `evaluation` | which metric notices which failure (collapsed, blurry, good generators; on the digits, a copying one too) |
//!
//! Every experiment has a fixed default seed and finishes within a minute on one core.

mod evaluation;
mod evaluation_images;
mod information;
mod kl_direction;
mod likelihood;
mod mode_collapse;
mod optimal_discriminator;
mod saturation;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The experiments, in lecture order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Experiment {
    /// Self-information, entropy, cross-entropy and KL of two football matches' outcomes.
    Information,
    /// A Gaussian fitted by maximum likelihood with the core's Adam; underflow of products.
    Likelihood,
    /// A discriminator trained against a fixed generator, next to D* and V = −ln 4 + 2·JSD.
    OptimalDiscriminator,
    /// One Gaussian fitted to two modes by forward and by reverse KL.
    KlDirection,
    /// Generator gradients of the minimax and non-saturating losses; the same GAN trained both ways.
    Saturation,
    /// A weak recipe collapsing on ring8 next to the default recipe.
    ModeCollapse,
    /// The trainer's metrics on a collapsed, a blurry and a good generator.
    Evaluation,
    /// Every experiment in turn.
    All,
}

impl Experiment {
    const EACH: [Experiment; 7] = [
        Experiment::Information,
        Experiment::Likelihood,
        Experiment::OptimalDiscriminator,
        Experiment::KlDirection,
        Experiment::Saturation,
        Experiment::ModeCollapse,
        Experiment::Evaluation,
    ];

    /// Its name on the command line.
    fn name(self) -> &'static str {
        match self {
            Experiment::Information => "information",
            Experiment::Likelihood => "likelihood",
            Experiment::OptimalDiscriminator => "optimal-discriminator",
            Experiment::KlDirection => "kl-direction",
            Experiment::Saturation => "saturation",
            Experiment::ModeCollapse => "mode-collapse",
            Experiment::Evaluation => "evaluation",
            Experiment::All => "all",
        }
    }

    /// Runs one experiment: its report as text and the files it wrote.
    fn run(self, out: &Path, seed: Option<u64>) -> Result<(String, Vec<PathBuf>)> {
        match self {
            Experiment::Information => information::run(out),
            Experiment::Likelihood => likelihood::run(out, seed.unwrap_or(likelihood::SEED)),
            Experiment::OptimalDiscriminator => {
                optimal_discriminator::run(out, seed.unwrap_or(optimal_discriminator::SEED))
            }
            Experiment::KlDirection => kl_direction::run(out),
            Experiment::Saturation => saturation::run(out, seed.unwrap_or(saturation::SEED)),
            Experiment::ModeCollapse => {
                mode_collapse::run(out, seed.unwrap_or(mode_collapse::SEED))
            }
            Experiment::Evaluation => evaluation::run(out, seed.unwrap_or(evaluation::SEED)),
            Experiment::All => Err(anyhow::anyhow!("`all` selects experiments; it is not one")),
        }
    }
}

/// `picogan theory`.
pub fn theory(experiment: Experiment, out: &Path, seed: Option<u64>) -> Result<()> {
    let selected: &[Experiment] = match experiment {
        Experiment::All => &Experiment::EACH,
        one => &[one][..],
    };
    for &experiment in selected {
        let folder = out.join(experiment.name());
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let (text, written) = experiment.run(&folder, seed)?;
        say!("== {}\n{text}", experiment.name())?;
        say!("wrote:")?;
        for path in written {
            say!("  {}", path.display())?;
        }
        say!()?;
    }
    Ok(())
}
