//! The training recipe: every setting of a run, saved as `config.json` beside its outputs.

use serde::{Deserialize, Serialize};

use picogan::loss::GanLoss;

use picogan::dynamic::DynMlp;
use picogan::model::ImageShape;
use picogan::{Activation, Error};

use crate::data::{LabelColumn, Normalize};

/// Noise inputs of the generator, by default.
pub const NOISE_DIM: usize = 2;
/// Samples per batch, by default (128: at equal time, twice the steps of 256, which grid25
/// needs).
pub const BATCH: usize = 128;
/// G's hidden widths, by default: z → 64 → 64 → 64 → x, ReLU (8,642 parameters for 2-D data).
pub const GENERATOR: [usize; 3] = [64, 64, 64];
/// D's hidden widths, by default: x → 128 → 128 → 1 logit, LeakyReLU(0.2).
pub const DISCRIMINATOR: [usize; 2] = [128, 128];
/// The slope of D's LeakyReLUs.
pub const LEAKY_SLOPE: f32 = 0.2;
/// The widest layer a model file stores.
pub const MAX_WIDTH: usize = u16::MAX as usize;
/// The largest batch.
pub const MAX_BATCH: usize = 1 << 16;

/// The activation of G's output layer, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OutputActivation {
    /// Unbounded outputs (the default).
    Identity,
    /// Outputs in (−1, 1).
    Tanh,
    /// Outputs in (0, 1).
    Sigmoid,
}

impl From<OutputActivation> for Activation {
    fn from(name: OutputActivation) -> Self {
        match name {
            OutputActivation::Identity => Activation::Identity,
            OutputActivation::Tanh => Activation::Tanh,
            OutputActivation::Sigmoid => Activation::Sigmoid,
        }
    }
}

/// Reads a list of hidden widths as `--generator` and `--discriminator` take it: widths from 1 to
/// 65,535 separated by commas (`64,64,64`), or `none` for no hidden layer.
pub fn parse_widths(text: &str) -> Result<Vec<usize>, String> {
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|field| {
            let field = field.trim();
            match field.parse::<usize>() {
                Ok(width) if (1..=MAX_WIDTH).contains(&width) => Ok(width),
                Ok(width) => Err(format!(
                    "a width must be from 1 to {MAX_WIDTH}, got {width}"
                )),
                Err(_) => Err(format!(
                    "expected widths separated by commas (like 64,64) or 'none', got '{field}' in '{text}'"
                )),
            }
        })
        .collect()
}

/// Widths as `--generator` takes them.
fn widths_text(widths: &[usize]) -> String {
    if widths.is_empty() {
        return "none".to_string();
    }
    widths
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The adversarial loss, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LossName {
    /// −ln D(G(z)) for G (the default).
    NonSaturating,
    /// ln(1 − D(G(z))) for G: the original minimax game.
    Minimax,
    /// Least squares (LSGAN).
    LeastSquares,
    /// Hinge.
    Hinge,
    /// Wasserstein critic (no Lipschitz constraint besides R1).
    Wasserstein,
}

impl From<LossName> for GanLoss {
    fn from(name: LossName) -> Self {
        match name {
            LossName::NonSaturating => GanLoss::NonSaturating,
            LossName::Minimax => GanLoss::Minimax,
            LossName::LeastSquares => GanLoss::LeastSquares,
            LossName::Hinge => GanLoss::Hinge,
            LossName::Wasserstein => GanLoss::Wasserstein,
        }
    }
}

/// Every setting of a training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Data set name or CSV path.
    pub dataset: String,
    /// Seed of every random draw of the run.
    pub seed: u64,
    /// Generator updates.
    pub steps: u32,
    /// The adversarial loss.
    pub loss: LossName,
    /// Discriminator updates per generator update.
    pub discriminator_steps: u32,
    /// Weight γ of the R1 penalty (γ/2)·E‖∇ₓD‖² on real data.
    pub r1_gamma: f32,
    /// Adam learning rate of G.
    pub generator_lr: f32,
    /// Adam learning rate of D.
    pub discriminator_lr: f32,
    /// Adam β₁ of both.
    pub beta1: f32,
    /// Adam β₂ of both.
    pub beta2: f32,
    /// Fraction of the final steps over which both learning rates fall linearly to 0.
    pub lr_decay_fraction: f32,
    /// Decay of the exponential moving average of G's weights (the saved generator); 0 = off.
    pub ema_decay: f32,
    /// Steps between checkpoints.
    pub checkpoint_every: u32,
    /// Steps between loss records.
    pub log_every: u32,
    /// Also write `discriminator.pgan`.
    pub save_discriminator: bool,
    /// Noise inputs of G.
    pub noise_dim: usize,
    /// G's hidden widths (ReLU), from the noise side.
    pub generator: Vec<usize>,
    /// D's hidden widths (LeakyReLU 0.2), from the data side.
    pub discriminator: Vec<usize>,
    /// G's output activation.
    pub output_activation: OutputActivation,
    /// Samples per batch.
    pub batch: usize,
    /// CSV data: the file of its mode centres and their common σ, for the mode metrics.
    pub modes: Option<(std::path::PathBuf, f32)>,
    /// CSV data: the column holding class labels (the model is then conditional).
    pub labels: Option<LabelColumn>,
    /// How the columns are scaled for training.
    pub normalize: Normalize,
    /// Labelled data: whether the model is conditional on the class (otherwise the labels serve
    /// the per-class metrics only).
    #[serde(default = "conditional_by_default")]
    pub conditional: bool,
    /// The shape of the image each sample is, for image data (`WIDTHxHEIGHT`).
    #[serde(default, with = "image_text")]
    pub image: Option<ImageShape>,
    /// Share of a CSV's rows held out of training as the evaluation's real reference.
    #[serde(default)]
    pub holdout: f32,
    /// Settings changed when the run was resumed, in order; the values above are the latest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

fn conditional_by_default() -> bool {
    true
}

/// An image shape in `config.json`: `"8x8"`, or null.
mod image_text {
    use picogan::model::ImageShape;
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    pub fn serialize<S: Serializer>(
        shape: &Option<ImageShape>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        shape.map(|s| s.to_string()).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<ImageShape>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| text.parse().map_err(D::Error::custom))
            .transpose()
    }
}

/// A setting changed when a run was resumed: from `step` on, `flag` took the value `to`
/// instead of `from`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The step the resumed run started from.
    pub step: u32,
    /// The command-line flag of the setting: `--lr`, `--d-lr` or `--r1-gamma`.
    pub flag: String,
    /// The value before `step`.
    pub from: f32,
    /// The value from `step` on.
    pub to: f32,
}

/// The settings a resumed run may change: `--lr`, `--d-lr`, `--r1-gamma`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Changeable {
    /// G's learning rate.
    pub lr: Option<f32>,
    /// D's learning rate.
    pub d_lr: Option<f32>,
    /// R1's weight.
    pub r1_gamma: Option<f32>,
}

impl Recipe {
    /// The default recipe for a data set (see the README for how it was chosen).
    pub fn default_for(dataset: &str) -> Self {
        if dataset == "digits" {
            return Self::digits();
        }
        Self {
            dataset: dataset.to_string(),
            seed: 0,
            // grid25's 25 narrow modes need more steps to pull samples off the bridges between them.
            steps: if dataset == "grid25" { 30_000 } else { 25_000 },
            loss: LossName::NonSaturating,
            discriminator_steps: 1,
            r1_gamma: if dataset == "grid25" { 1.0 } else { 0.1 },
            generator_lr: 1e-3,
            discriminator_lr: 1e-3,
            beta1: 0.5,
            beta2: 0.999,
            lr_decay_fraction: 0.3,
            ema_decay: 0.999,
            checkpoint_every: 1000,
            log_every: 50,
            save_discriminator: false,
            noise_dim: NOISE_DIM,
            generator: GENERATOR.to_vec(),
            discriminator: DISCRIMINATOR.to_vec(),
            output_activation: OutputActivation::Identity,
            batch: BATCH,
            modes: None,
            labels: None,
            normalize: if crate::data::is_csv(dataset) {
                Normalize::Standard
            } else {
                Normalize::None
            },
            conditional: true,
            image: None,
            holdout: 0.0,
            changes: Vec::new(),
        }
    }

    /// The digits' recipe: a generator conditional on the digit, of 16 noise values and the
    /// label's one-hot through 128 → 128 → 64 sigmoid pixels (the pixels scaled from 0..16 to
    /// 0..1), against a D of 64 + 10 → 128 → 128 → 1, with R1 γ = 1; a quarter of the images held
    /// out for the evaluation. D is half the width of the PyTorch calibration's (256, 256): as
    /// good in every image metric and twice as fast (docs/digits.md).
    fn digits() -> Self {
        Self {
            dataset: "digits".to_string(),
            steps: 20_000,
            r1_gamma: 1.0,
            noise_dim: 16,
            generator: vec![128, 128],
            output_activation: OutputActivation::Sigmoid,
            labels: Some(LabelColumn::Last),
            normalize: Normalize::Unit,
            image: Some(crate::data::DIGITS_IMAGE),
            holdout: 0.25,
            ..Self::default_for("")
        }
    }

    /// The setting a changeable flag names.
    fn changeable_mut(&mut self, flag: &str) -> Option<&mut f32> {
        match flag {
            "--lr" => Some(&mut self.generator_lr),
            "--d-lr" => Some(&mut self.discriminator_lr),
            "--r1-gamma" => Some(&mut self.r1_gamma),
            _ => None,
        }
    }

    /// This recipe with the settings given in `new` taking their values from `step` on, each
    /// change recorded in [`Recipe::changes`].
    pub fn changed_at(&self, step: u32, new: Changeable) -> Recipe {
        let mut recipe = self.clone();
        for (flag, value) in [
            ("--lr", new.lr),
            ("--d-lr", new.d_lr),
            ("--r1-gamma", new.r1_gamma),
        ] {
            let (Some(to), Some(field)) = (value, recipe.changeable_mut(flag)) else {
                continue;
            };
            let from = *field;
            if to.to_bits() != from.to_bits() {
                *field = to;
                let flag = flag.to_string();
                recipe.changes.push(Change {
                    step,
                    flag,
                    from,
                    to,
                });
            }
        }
        recipe
    }

    /// True when `saved` is this recipe as it was before the changes recorded after `saved`'s:
    /// the same run, resumed with changed settings or not.
    pub fn continues(&self, saved: &Recipe) -> bool {
        let mut earlier = self.clone();
        let Some(newer) = self.changes.get(saved.changes.len()..) else {
            return false;
        };
        for change in newer.iter().rev() {
            match earlier.changeable_mut(&change.flag) {
                Some(field) if field.to_bits() == change.to.to_bits() => *field = change.from,
                _ => return false,
            }
        }
        earlier.changes.truncate(saved.changes.len());
        &earlier == saved
    }

    /// The architecture in words, for messages: `G 2 -> 64 -> 64 -> 64 -> 2, D 2 -> 128 -> …`;
    /// a conditional model's inputs show their classes (`2+8`).
    pub fn architecture(&self, dim: usize, classes: usize) -> String {
        let chain = |widths: Vec<usize>| {
            widths
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" -> ")
        };
        let with_classes = |inputs: usize| match classes {
            0 => inputs.to_string(),
            k => format!("{inputs}+{k}"),
        };
        format!(
            "G {} -> {} (--generator {}), D {} -> {} (--discriminator {}), batch {}",
            with_classes(self.noise_dim),
            chain([&self.generator[..], &[dim]].concat()),
            widths_text(&self.generator),
            with_classes(dim),
            chain([&self.discriminator[..], &[1]].concat()),
            widths_text(&self.discriminator),
            self.batch
        )
    }

    /// Fresh G and D for data of `dim` values per sample and `classes` classes (0: an
    /// unconditional model), every parameter zero.
    pub fn networks(&self, dim: usize, classes: usize) -> Result<(DynMlp, DynMlp), Error> {
        let g_widths = [&[self.noise_dim + classes][..], &self.generator, &[dim]].concat();
        let mut g_activations = vec![Activation::Relu; self.generator.len()];
        g_activations.push(self.output_activation.into());
        let d_widths = [&[dim + classes][..], &self.discriminator, &[1]].concat();
        let mut d_activations = vec![Activation::LeakyRelu(LEAKY_SLOPE); self.discriminator.len()];
        d_activations.push(Activation::Identity);
        Ok((
            DynMlp::new(&g_widths, &g_activations)?,
            DynMlp::new(&d_widths, &d_activations)?,
        ))
    }

    /// Checks every number is in range; the message names the setting.
    pub fn validate(&self) -> anyhow::Result<()> {
        let positive = |name: &str, v: f32| {
            anyhow::ensure!(
                v > 0.0 && v.is_finite(),
                "{name} must be a positive number, got {v}"
            );
            Ok(())
        };
        positive("generator learning rate", self.generator_lr)?;
        positive("discriminator learning rate", self.discriminator_lr)?;
        anyhow::ensure!(self.steps > 0, "steps must be at least 1");
        for change in &self.changes {
            anyhow::ensure!(
                matches!(change.flag.as_str(), "--lr" | "--d-lr" | "--r1-gamma"),
                "a recorded change of {} cannot be made on resuming",
                change.flag
            );
        }
        anyhow::ensure!(
            self.discriminator_steps > 0,
            "--d-steps must be at least 1, got 0"
        );
        anyhow::ensure!(
            (0.0..1.0).contains(&self.beta1) && (0.0..1.0).contains(&self.beta2),
            "Adam betas must lie in [0, 1), got {} and {}",
            self.beta1,
            self.beta2
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.lr_decay_fraction),
            "lr decay fraction must lie in [0, 1], got {}",
            self.lr_decay_fraction
        );
        anyhow::ensure!(
            (0.0..1.0).contains(&self.ema_decay),
            "EMA decay must lie in [0, 1), got {}",
            self.ema_decay
        );
        anyhow::ensure!(
            self.r1_gamma >= 0.0 && self.r1_gamma.is_finite(),
            "R1 gamma must be a finite number >= 0, got {}",
            self.r1_gamma
        );
        anyhow::ensure!(
            self.checkpoint_every > 0,
            "checkpoint interval must be at least 1"
        );
        anyhow::ensure!(self.log_every > 0, "log interval must be at least 1");
        anyhow::ensure!(
            (1..=MAX_WIDTH).contains(&self.noise_dim),
            "--noise-dim must be from 1 to {MAX_WIDTH}, got {}",
            self.noise_dim
        );
        anyhow::ensure!(
            (1..=MAX_BATCH).contains(&self.batch),
            "--batch must be from 1 to {MAX_BATCH}, got {}",
            self.batch
        );
        for (flag, widths) in [
            ("--generator", &self.generator),
            ("--discriminator", &self.discriminator),
        ] {
            anyhow::ensure!(
                widths.iter().all(|w| (1..=MAX_WIDTH).contains(w)) && widths.len() < 255,
                "{flag} must list fewer than 255 widths from 1 to {MAX_WIDTH}, got {}",
                widths_text(widths)
            );
        }
        Ok(())
    }

    /// The learning-rate factor at step t (0-based): 1, then falling linearly to 0 over the final
    /// `lr_decay_fraction` of the steps, as in the PyTorch calibration runs.
    pub fn lr_factor(&self, step: u32) -> f32 {
        let steps = self.steps as f32;
        let decay_steps = steps * self.lr_decay_fraction;
        let start = steps - decay_steps;
        if decay_steps <= 0.0 || (step as f32) < start {
            1.0
        } else {
            (1.0 - (step as f32 - start) / decay_steps).max(0.0)
        }
    }
}
