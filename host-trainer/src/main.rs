//! `picogan`: train, evaluate, plot and export tiny GANs built on the picogan core.

/// `println!` that returns the write's `io::Result` instead of panicking: a closed standard
/// output (`picogan … | head`) ends the command quietly rather than with a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}

mod bench;
mod checkpoint;
mod classifier;
mod commands;
mod data;
mod eval;
mod export;
mod file_generator;
mod files;
mod frechet;
mod image_grid;
mod image_metrics;
mod plot;
mod progress;
mod quantize;
mod recipe;
mod system;
mod theory;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use picogan::model::ImageShape;

use crate::recipe::LossName;

/// Tiny GANs for microcontrollers: train on the workstation, export to the device.
#[derive(Parser)]
#[command(name = "picogan", about)]
struct Cli {
    /// Instruction set of the kernels: portable, avx2 or avx512 [default: the widest this CPU
    /// runs]. Every one gives the same bits; this is for comparing their speed.
    #[arg(long, global = true, env = "PICOGAN_ISA", value_name = "ISA")]
    isa: Option<picogan::isa::Isa>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a generator (default: the 8-Gaussian ring) and write its model, metrics and plots.
    Train(Box<TrainArgs>),
    /// Print N samples of a generator as CSV, one sample per line, in shortest round-trip form
    /// (or, for a model of images, draw them into a PNG).
    Sample(SampleArgs),
    /// Measure a generator against a data set (mode coverage, MMD, precision/recall, density/coverage).
    Eval(EvalArgs),
    /// Describe a model file: architecture, parameters, bytes, dtype, checksum.
    Info(InfoArgs),
    /// Write a model's weights as a Rust source file or a C header.
    Export(ExportArgs),
    /// Mean ± standard error of the metrics of several runs (their metrics.json files).
    Summary(SummaryArgs),
    /// Time the reference benchmark's configurations; one JSON line per measurement.
    Bench(BenchArgs),
    /// Run one of the theory experiments (or all): numbers printed, a PNG or page written.
    Theory(TheoryArgs),
}

/// Settings of `picogan theory`.
#[derive(clap::Args)]
pub struct TheoryArgs {
    /// The experiment, or `all`.
    #[arg(value_enum)]
    pub experiment: theory::Experiment,
    /// Output folder; each experiment writes into a sub-folder of its name.
    #[arg(long, default_value = "out/theory")]
    pub out: PathBuf,
    /// Seed of the experiment's random draws [default: each experiment's own].
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Settings of `picogan train`. Unset ones take the data set's default recipe.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// Data set: ring8, grid25, bimodal1d, spiral, digits, or a path to a CSV file (.csv or .csv.gz).
    #[arg(long, default_value = "ring8")]
    pub dataset: String,
    /// Generator updates [default: 30000 for grid25, 25000 otherwise].
    #[arg(long)]
    pub steps: Option<u32>,
    /// Seed of every random draw [default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder [default: out/DATASET-seedSEED].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the run whose checkpoint is in this folder. Its settings come from the checkpoint;
    /// --lr, --d-lr and --r1-gamma change theirs from the checkpoint's step on (recorded in
    /// config.json), for example to recover a run that diverged.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["steps", "seed", "out", "loss", "d_steps", "ema_decay", "lr_decay", "dataset", "checkpoint_every", "save_discriminator", "noise_dim", "generator", "discriminator", "output_activation", "batch", "modes", "mode_std", "labels", "normalize", "unconditional", "image", "holdout"])]
    pub resume: Option<PathBuf>,
    /// Adversarial loss [default: non-saturating].
    #[arg(long, value_enum)]
    pub loss: Option<LossName>,
    /// Weight of the R1 penalty [default: 1 for grid25, 0.1 otherwise].
    #[arg(long, allow_negative_numbers = true)]
    pub r1_gamma: Option<f32>,
    /// Generator learning rate [default: 0.001].
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f32>,
    /// Discriminator learning rate [default: 0.001].
    #[arg(long, allow_negative_numbers = true)]
    pub d_lr: Option<f32>,
    /// Discriminator updates per generator update [default: 1].
    #[arg(long)]
    pub d_steps: Option<u32>,
    /// Decay of the weight average of G that is saved; 0 saves the raw G [default: 0.999].
    #[arg(long, allow_negative_numbers = true)]
    pub ema_decay: Option<f32>,
    /// Fraction of final steps over which learning rates fall to 0 [default: 0.3].
    #[arg(long, allow_negative_numbers = true)]
    pub lr_decay: Option<f32>,
    /// Steps between checkpoints [default: 1000].
    #[arg(long)]
    pub checkpoint_every: Option<u32>,
    /// Also save the discriminator as discriminator.pgan.
    #[arg(long)]
    pub save_discriminator: bool,
    /// Noise inputs of the generator [default: 2]
    #[arg(long, value_name = "N")]
    pub noise_dim: Option<usize>,
    /// The generator's hidden widths, from the noise side (ReLU), or 'none' [default: 64,64,64]
    #[arg(long, value_name = "WIDTHS")]
    pub generator: Option<String>,
    /// The discriminator's hidden widths, from the data side (LeakyReLU 0.2), or 'none'
    /// [default: 128,128]
    #[arg(long, value_name = "WIDTHS")]
    pub discriminator: Option<String>,
    /// The generator's output activation [default: identity]
    #[arg(long, value_enum)]
    pub output_activation: Option<recipe::OutputActivation>,
    /// Samples per batch [default: 128]
    #[arg(long, value_name = "B")]
    pub batch: Option<usize>,
    /// CSV data: a CSV file of the mixture's mode centres, one a row (turns on the mode metrics)
    #[arg(long, value_name = "FILE", requires = "mode_std")]
    pub modes: Option<PathBuf>,
    /// The standard deviation of every mode, with --modes
    #[arg(long, value_name = "S", requires = "modes")]
    pub mode_std: Option<f32>,
    /// CSV data: the column holding each row's class, 0 to K − 1 (trains a conditional model)
    #[arg(long, value_enum, value_name = "COLUMN")]
    pub labels: Option<data::LabelColumn>,
    /// How each column is scaled for training; the model file keeps the inverse, so samples come
    /// out in the data's units [default: standard for CSV data, none for the built-in sets]
    #[arg(long, value_enum)]
    pub normalize: Option<data::Normalize>,
    /// Labelled data: train a model that is not conditional on the class (the labels then serve
    /// the per-class metrics only) [default: conditional]
    #[arg(long)]
    pub unconditional: bool,
    /// CSV data: each row is an image, WIDTHxHEIGHT pixels row after row (image plots, the shape
    /// stored in the model file) [default: 8x8 for digits]
    #[arg(long, value_name = "WxH")]
    pub image: Option<ImageShape>,
    /// Share of a CSV's rows held out of training, the same rows in every run: the evaluation's
    /// real reference [default: 0.25 for digits, 0 otherwise]
    #[arg(long, value_name = "F")]
    pub holdout: Option<f32>,
    /// Stop after the checkpoint of this step, as if interrupted (continue with --resume).
    #[arg(long, value_name = "STEP")]
    pub stop_at: Option<u32>,
    /// Samples for the final evaluation.
    #[arg(short = 'n', long, default_value_t = 2500)]
    pub eval_samples: usize,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Settings of `picogan sample`.
#[derive(clap::Args)]
pub struct SampleArgs {
    /// Model file (a generator).
    #[arg(long)]
    pub model: PathBuf,
    /// Number of samples.
    #[arg(short = 'n', long)]
    pub n: usize,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A conditional model's class for every sample [default: 0, 1, …, K − 1 in turn]
    #[arg(long, value_name = "L")]
    pub label: Option<usize>,
    /// A model of images: draw the samples into this PNG, a row of 10 (of K for a conditional
    /// model) at a time, instead of printing them
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
}

/// Settings of `picogan eval`.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// Model file (a generator).
    #[arg(long, required_unless_present = "samples", conflicts_with = "samples")]
    pub model: Option<PathBuf>,
    /// Instead of a model: a CSV of samples another program made (of the data's width, each row
    /// ending with its label for labelled data), evaluated as if a generator had drawn them.
    #[arg(long, value_name = "FILE")]
    pub samples: Option<PathBuf>,
    /// Data set to compare against: ring8, grid25, bimodal1d, spiral, digits, or a CSV path.
    #[arg(long)]
    pub dataset: String,
    /// Samples per set.
    #[arg(short = 'n', long, default_value_t = 2500)]
    pub n: usize,
    /// Seed of the evaluation draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// CSV data: a CSV file of the mixture's mode centres, one a row (turns on the mode metrics)
    #[arg(long, value_name = "FILE", requires = "mode_std")]
    pub modes: Option<PathBuf>,
    /// The standard deviation of every mode, with --modes
    #[arg(long, value_name = "S", requires = "modes")]
    pub mode_std: Option<f32>,
    /// CSV data: the column holding each row's class (for a conditional model: metrics per class)
    #[arg(long, value_enum, value_name = "COLUMN")]
    pub labels: Option<data::LabelColumn>,
    /// Share of a CSV's rows to compare against, held out of training as `train --holdout` held
    /// them out [default: 0.25 for digits, 0 otherwise]
    #[arg(long, value_name = "F")]
    pub holdout: Option<f32>,
}

/// Settings of `picogan info`.
#[derive(clap::Args)]
pub struct InfoArgs {
    /// Model file.
    pub file: PathBuf,
}

/// Output formats of `picogan export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A Rust source file with the network as a `static` picogan value.
    Rust,
    /// A C header with the weights as `static const float` arrays.
    C,
}

/// Settings of `picogan export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Output language: Rust or C source of an f32 model.
    #[arg(
        long,
        value_enum,
        required_unless_present = "dtype",
        conflicts_with = "dtype"
    )]
    pub format: Option<ExportFormat>,
    /// Number type of a model file to write instead: `i8` quantizes a float generator
    /// (distillation, calibration), `q16` rounds it to Q16.16 fixed point (range checked on
    /// calibration noise); both print what that costs in accuracy.
    #[arg(long, value_enum)]
    pub dtype: Option<ExportDtype>,
    /// Distillation steps before int8 quantization (0: plain post-training quantization).
    #[arg(long, default_value_t = 500)]
    pub distill_steps: usize,
    /// Output file.
    #[arg(long)]
    pub out: PathBuf,
}

/// Number types `picogan export --dtype` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportDtype {
    /// int8 weights and activations (TensorFlow Lite's scheme).
    I8,
    /// Q16.16 fixed-point weights and activations.
    Q16,
}

/// Settings of `picogan summary`.
#[derive(clap::Args)]
pub struct SummaryArgs {
    /// metrics.json files written by `picogan train`.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Settings of `picogan bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Configurations to run: small, medium.
    #[arg(long, default_values = ["small", "medium"])]
    pub config: Vec<String>,
    /// Short warm-up and repetitions (0.1 s each), for a quick look.
    #[arg(long)]
    pub quick: bool,
}

fn main() -> ExitCode {
    // The version line names the CPU and the kernels' instruction set on it.
    let version = format!("{} ({})", env!("CARGO_PKG_VERSION"), system::describe());
    let matches = Cli::command().version(version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    if let Err(error) = picogan::isa::force(cli.isa) {
        eprintln!("error: --isa: {error}");
        return ExitCode::FAILURE;
    }
    // Every network, trace and optimizer state is on the heap (the run-time networks, or a
    // boxed const-generic trainer), so the main thread's stack is enough.
    let result = match cli.command {
        Command::Train(args) => commands::train(*args),
        Command::Sample(args) => commands::sample(args),
        Command::Eval(args) => commands::eval(args),
        Command::Info(args) => commands::info(args),
        Command::Export(args) => commands::export(args),
        Command::Summary(args) => commands::summary(args),
        Command::Bench(args) => bench::run(&args.config, args.quick),
        Command::Theory(args) => theory::theory(args.experiment, &args.out, args.seed),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if reader_went_away(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// True when `error` comes from writing to a standard output whose reader has closed it: the
/// reader has all it wanted (`picogan sample -n 1000000 | head`).
fn reader_went_away(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
