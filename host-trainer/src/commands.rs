//! What each subcommand does. Training builds the recipe's networks at run time for the data's
//! dimension; `sample` and `eval` read generators of any shape and dtype through
//! [`FileGenerator`].

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use picogan::model::{self, Dtype, Interface, Role};
use picogan::rng::{NoiseRng, SeedableRng};
use serde::Serialize;

use crate::checkpoint::{self, LossRecord};
use crate::classifier::Classifier;
use crate::data::Dataset;
use crate::eval::{self, ClassReport, Report};
use crate::file_generator::FileGenerator;
use crate::files::{
    FolderLock, MAX_METRICS_BYTES, read_limited, read_model, remove_stale_temporaries, write_atomic,
};
use crate::progress::Progress;
use crate::recipe::{self, Recipe};
use crate::train::{self, CHECKPOINT};
use crate::{
    EvalArgs, ExportArgs, InfoArgs, SampleArgs, SummaryArgs, TrainArgs, export, image_grid,
    image_metrics, plot,
};

/// The most samples an evaluation takes: its metrics compare every pair of samples, so their
/// time grows with n² (20,000 take about a minute and a half on one core).
const MAX_EVAL_SAMPLES: usize = 20_000;

/// The most images `picogan sample --png` draws.
const MAX_PNG_SAMPLES: usize = 10_000;

/// Fails unless `n` samples are enough for the k-nearest-neighbour metrics, and few enough for
/// their n² comparisons.
fn check_eval_samples(n: usize) -> Result<()> {
    ensure!(
        (2 * eval::K..=MAX_EVAL_SAMPLES).contains(&n),
        "-n must be from {} to {MAX_EVAL_SAMPLES} samples (the metrics compare every pair of \
         samples, so their time grows with n²), got {n}",
        2 * eval::K
    );
    Ok(())
}

/// Seeds of the evaluation draws, derived from one evaluation seed.
fn evaluation_seeds(seed: u64) -> (u64, u64, u64) {
    (seed ^ 0x5EED_0001, seed ^ 0x5EED_0002, seed ^ 0x5EED_0003)
}

/// A generator as the evaluation sees it: `sample(rng, label, out)` appends one sample of `dim`
/// values in the data's units (for `label`, if `classes` > 0) to `out`.
struct Sampler<'a> {
    sample: &'a dyn Fn(&mut NoiseRng, usize, &mut Vec<f32>),
    dim: usize,
    classes: usize,
}

/// An evaluation: the report and the sample sets it was computed from.
struct Evaluation {
    report: Report,
    /// The generated samples, flattened.
    generated: Vec<f32>,
    /// Their labels, for a conditional generator (empty otherwise).
    labels: Vec<usize>,
    /// The real reference samples, flattened.
    real: Vec<f32>,
}

/// The generator's metrics next to a second real set's, against one real reference set; for a
/// conditional generator, also class by class. The generated labels follow the data's.
///
/// With `held_out` rows, the reference is up to `n` different training rows and the second set up
/// to `n` held-out rows, which training never saw; the generator then makes as many samples as
/// the second set has, each with its row's label. Otherwise both real sets are `n` draws from
/// `dataset`.
fn evaluate(
    generator: &Sampler<'_>,
    dataset: &Dataset,
    held_out: Option<&Dataset>,
    n: usize,
    seed: u64,
) -> Result<Evaluation> {
    let dim = generator.dim;
    let (noise_seed, reference_seed, second_seed) = evaluation_seeds(seed);
    let mut noise = NoiseRng::seed_from_u64(noise_seed);
    let conditional = generator.classes > 0;
    let mut second_labels = Vec::new();
    let (real, second, labels) = match held_out {
        Some(held_out) => {
            let (real, _) =
                dataset.distinct_rows(&mut NoiseRng::seed_from_u64(reference_seed), n, None);
            let second;
            (second, second_labels) =
                held_out.distinct_rows(&mut NoiseRng::seed_from_u64(second_seed), n, None);
            let labels = if conditional {
                second_labels.clone()
            } else {
                Vec::new()
            };
            (real, second, labels)
        }
        None => {
            let mut label_rng = NoiseRng::seed_from_u64(noise_seed ^ 0x1abe1);
            let mut scratch = vec![0.0; dim];
            let labels = if conditional {
                (0..n)
                    .map(|_| dataset.sample_labelled_into(&mut label_rng, &mut scratch))
                    .collect()
            } else {
                Vec::new()
            };
            let real = dataset.samples(&mut NoiseRng::seed_from_u64(reference_seed), n);
            let second = dataset.samples(&mut NoiseRng::seed_from_u64(second_seed), n);
            (real, second, labels)
        }
    };
    let count = second.len() / dim;
    let mut generated = Vec::with_capacity(count * dim);
    for i in 0..count {
        (generator.sample)(
            &mut noise,
            labels.get(i).copied().unwrap_or(0),
            &mut generated,
        );
    }
    let bandwidths = bandwidths(&real, dim);
    let classes = if conditional && dataset.classes() == generator.classes {
        (0..generator.classes)
            .filter_map(|class| evaluate_class(generator, dataset, held_out, class, n, seed))
            .collect()
    } else {
        Vec::new()
    };
    let images = match (dataset.image(), held_out) {
        (Some(_), Some(_)) if dataset.classes() >= 2 => {
            let classifier = Classifier::train(dataset)?;
            let (training, _) = dataset.distinct_rows(
                &mut NoiseRng::seed_from_u64(0),
                image_metrics::MAX_TRAINING_IMAGES,
                None,
            );
            let sets = image_metrics::Sets {
                dim,
                training: &training,
                generated: (&generated, &labels),
                held_out: (&second, &second_labels),
            };
            Some(image_metrics::evaluate(
                &classifier,
                dataset.classes(),
                &sets,
            )?)
        }
        _ => None,
    };
    let report = Report {
        dataset: dataset.name(),
        samples: count,
        held_out: held_out.is_some(),
        images,
        seed,
        generator: eval::evaluate(&generated, &real, dim, dataset, &bandwidths),
        real_reference: eval::evaluate(&second, &real, dim, dataset, &bandwidths),
        classes,
    };
    Ok(Evaluation {
        report,
        generated,
        labels,
        real,
    })
}

/// The MMD bandwidths for real samples `real`: multiples of their median distance.
fn bandwidths(real: &[f32], dim: usize) -> Vec<f64> {
    let median = eval::median_distance(real, dim);
    eval::MMD_BANDWIDTH_FACTORS
        .iter()
        .map(|f| f * median)
        .collect()
}

/// One class's metrics: n / K samples of label `class` (at least 2k) against the real rows of
/// that class; with `held_out` rows, as many samples as the class has held-out rows (up to n / K)
/// against up to n / K of its training rows. None when the class has too few held-out rows for
/// the k-nearest-neighbour metrics.
fn evaluate_class(
    generator: &Sampler<'_>,
    dataset: &Dataset,
    held_out: Option<&Dataset>,
    class: usize,
    n: usize,
    seed: u64,
) -> Option<ClassReport> {
    let dim = generator.dim;
    let n = (n / generator.classes).max(2 * eval::K);
    let class_seed = seed ^ ((class as u64 + 1) << 32);
    let (noise_seed, reference_seed, second_seed) = evaluation_seeds(class_seed);
    let (mut reference_rng, mut second_rng) = (
        NoiseRng::seed_from_u64(reference_seed),
        NoiseRng::seed_from_u64(second_seed),
    );
    let (real, second) = match held_out {
        Some(held_out) => (
            dataset.distinct_rows(&mut reference_rng, n, Some(class)).0,
            held_out.distinct_rows(&mut second_rng, n, Some(class)).0,
        ),
        None => (
            dataset.class_samples(&mut reference_rng, n, class),
            dataset.class_samples(&mut second_rng, n, class),
        ),
    };
    let n = second.len() / dim;
    if n < 2 * eval::K {
        return None;
    }
    let mut noise = NoiseRng::seed_from_u64(noise_seed);
    let mut generated = Vec::with_capacity(n * dim);
    for _ in 0..n {
        (generator.sample)(&mut noise, class, &mut generated);
    }
    let bandwidths = bandwidths(&real, dim);
    let own_mode = dataset.modes().map(|modes| {
        let mode = eval::dominant_mode(&real, dim, &modes);
        eval::OwnMode {
            mode,
            generator_percent: eval::on_mode_percent(&generated, dim, &modes, mode),
            real_percent: eval::on_mode_percent(&second, dim, &modes, mode),
        }
    });
    Some(ClassReport {
        class,
        samples: n,
        own_mode,
        generator: eval::evaluate(&generated, &real, dim, dataset, &bandwidths),
        real_reference: eval::evaluate(&second, &real, dim, dataset, &bandwidths),
    })
}

fn default_out(recipe: &Recipe) -> PathBuf {
    let name = Path::new(&recipe.dataset)
        .file_stem()
        .map_or_else(|| "data".to_string(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("out").join(format!("{name}-seed{}", recipe.seed))
}

/// The recipe of `args`: the data set's default with every given flag applied.
fn recipe_of(args: &TrainArgs) -> Result<Recipe> {
    let mut recipe = Recipe::default_for(&args.dataset);
    if let Some(v) = args.steps {
        recipe.steps = v;
    }
    if let Some(v) = args.seed {
        recipe.seed = v;
    }
    if let Some(v) = args.loss {
        recipe.loss = v;
    }
    if let Some(v) = args.r1_gamma {
        recipe.r1_gamma = v;
    }
    if let Some(v) = args.lr {
        recipe.generator_lr = v;
    }
    if let Some(v) = args.d_lr {
        recipe.discriminator_lr = v;
    }
    if let Some(v) = args.d_steps {
        recipe.discriminator_steps = v;
    }
    if let Some(v) = args.ema_decay {
        recipe.ema_decay = v;
    }
    if let Some(v) = args.lr_decay {
        recipe.lr_decay_fraction = v;
    }
    if let Some(v) = args.checkpoint_every {
        recipe.checkpoint_every = v;
    }
    if let Some(v) = args.noise_dim {
        recipe.noise_dim = v;
    }
    if let Some(v) = &args.generator {
        recipe.generator =
            recipe::parse_widths(v).map_err(|e| anyhow::anyhow!("--generator {v}: {e}"))?;
    }
    if let Some(v) = &args.discriminator {
        recipe.discriminator =
            recipe::parse_widths(v).map_err(|e| anyhow::anyhow!("--discriminator {v}: {e}"))?;
    }
    if let Some(v) = args.output_activation {
        recipe.output_activation = v;
    }
    if let Some(v) = args.batch {
        recipe.batch = v;
    }
    if let (Some(file), Some(std)) = (&args.modes, args.mode_std) {
        recipe.modes = Some((file.clone(), std));
    }
    if args.labels.is_some() {
        recipe.labels = args.labels;
    }
    if let Some(v) = args.normalize {
        recipe.normalize = v;
    }
    if args.unconditional {
        recipe.conditional = false;
    }
    if let Some(v) = args.image {
        recipe.image = Some(v);
    }
    if let Some(v) = args.holdout {
        recipe.holdout = v;
    }
    recipe.save_discriminator = args.save_discriminator;
    recipe.validate()?;
    Ok(recipe)
}

/// What `metrics.json` holds.
#[derive(Serialize)]
struct MetricsFile<'a> {
    metrics: &'a Report,
    training: TrainingFigures,
    losses: &'a [LossRecord],
}

#[derive(Serialize)]
struct TrainingFigures {
    steps: u32,
    seconds_this_invocation: f64,
    steps_per_second: f64,
    generator_parameters: usize,
    discriminator_parameters: usize,
}

struct TrainTask {
    recipe: Recipe,
    dataset: Dataset,
    held_out: Option<Dataset>,
    out: PathBuf,
    resume: bool,
    stop_at: Option<u32>,
    eval_samples: usize,
    quiet: bool,
}

impl TrainTask {
    fn run(self) -> Result<()> {
        let TrainTask {
            recipe,
            dataset,
            held_out,
            out,
            resume,
            stop_at,
            eval_samples,
            quiet,
        } = self;
        let mut progress = Progress::new(quiet);
        let outcome = train::run(&recipe, &dataset, &out, resume, stop_at, &mut progress)?;
        let steps_run = outcome.steps_done - outcome.first_step;
        let rate = f64::from(steps_run) / outcome.seconds.max(1e-9);
        if outcome.steps_done < recipe.steps {
            say!(
                "stopped after step {} of {} ({rate:.0} steps/s); continue with: picogan train --resume {}",
                outcome.steps_done,
                recipe.steps,
                out.display()
            )?;
            return Ok(());
        }
        let interface = Interface {
            classes: outcome.classes,
            normalization: &outcome.normalization,
            image: dataset.image(),
        };
        let mut written = vec![train::save_model(
            &out.join("model.pgan"),
            &outcome.generator,
            Role::Generator,
            &interface,
        )?];
        if recipe.save_discriminator {
            written.push(train::save_model(
                &out.join("discriminator.pgan"),
                &outcome.discriminator,
                Role::Discriminator,
                &interface,
            )?);
        }
        let generator = &outcome.generator;
        let dim = dataset.dim();
        let sample = |rng: &mut NoiseRng, label: usize, out: &mut Vec<f32>| {
            let start = out.len();
            out.resize(start + dim, 0.0);
            let x = &mut out[start..];
            generator.sample_labelled_into(rng, outcome.classes, label, x);
            for (v, column) in x.iter_mut().zip(&outcome.normalization) {
                *v = column.to_data(*v);
            }
        };
        let sampler = Sampler {
            sample: &sample,
            dim,
            classes: outcome.classes,
        };
        let Evaluation {
            report,
            generated,
            labels,
            real,
        } = evaluate(
            &sampler,
            &dataset,
            held_out.as_ref(),
            eval_samples,
            recipe.seed,
        )?;
        let metrics = MetricsFile {
            metrics: &report,
            training: TrainingFigures {
                steps: outcome.steps_done,
                seconds_this_invocation: outcome.seconds,
                steps_per_second: rate,
                generator_parameters: outcome.generator.params(),
                discriminator_parameters: outcome.discriminator.params(),
            },
            losses: &outcome.history,
        };
        let metrics_path = out.join("metrics.json");
        write_atomic(&metrics_path, &serde_json::to_vec_pretty(&metrics)?)?;
        written.push(metrics_path);
        written.extend(plot::all(&plot::Inputs {
            out: &out,
            dataset: &dataset,
            dim,
            real: &real,
            generated: &generated,
            labels: &labels,
            history: &outcome.history,
            // D(x) in the data's units; for a conditional D, the mean of D(x, y) over labels y.
            discriminator: &|x: &[f32]| {
                let mut input: Vec<f32> = x.to_vec();
                for (v, column) in input.iter_mut().zip(&outcome.normalization) {
                    *v = column.to_network(*v);
                }
                input.resize(dim + outcome.classes, 0.0);
                let labels = outcome.classes.max(1);
                let mut sum = 0.0;
                for label in 0..labels {
                    picogan::label::one_hot(label, &mut input[dim..]);
                    let mut logit = [0.0];
                    outcome.discriminator.forward(&input, &mut logit);
                    sum += picogan::sigmoid(logit[0]);
                }
                sum / labels as f32
            },
            projected: false,
        })?);
        if let Some(shape) = dataset.image() {
            let real_rows = held_out.as_ref().unwrap_or(&dataset);
            written.push(image_samples(
                &out.join("samples.png"),
                shape,
                &sample,
                outcome.classes,
                real_rows,
                recipe.seed,
            )?);
        }
        say!(
            "trained {} steps on {} in {:.1} s ({rate:.0} steps/s)\n{}",
            outcome.steps_done,
            dataset.name(),
            outcome.seconds,
            report.to_text()
        )?;
        say!("wrote:")?;
        for path in [out.join("config.json")].iter().chain(&written) {
            say!("  {}", path.display())?;
        }
        Ok(())
    }
}

/// The recipe's data set, its modes and image shape set, split into the rows to train on and
/// those held out (if any).
fn open_split(recipe: &Recipe) -> Result<(Dataset, Option<Dataset>)> {
    let mut dataset = Dataset::open(&recipe.dataset, recipe.labels)?;
    if let Some((file, std)) = &recipe.modes {
        dataset.set_modes(file, *std)?;
    }
    if let Some(shape) = recipe.image {
        dataset.set_image(shape)?;
    }
    ensure!(
        recipe.conditional || dataset.classes() > 0,
        "--unconditional is for labelled data (--labels); {} has no labels, so its model is unconditional already",
        dataset.name()
    );
    dataset.split_held_out(recipe.holdout)
}

/// Images a row in the trainer's `samples.png`.
const GRID_COLUMNS: usize = 10;

/// Draws image samples at `path`: for a conditional model, a row per class of
/// [`GRID_COLUMNS`] generated images, then as many real images of the class (from `real`); for
/// an unconditional one, [`GRID_COLUMNS`] rows of each.
fn image_samples(
    path: &Path,
    shape: model::ImageShape,
    sample: &dyn Fn(&mut NoiseRng, usize, &mut Vec<f32>),
    classes: usize,
    real: &Dataset,
    seed: u64,
) -> Result<PathBuf> {
    let mut noise = NoiseRng::seed_from_u64(seed ^ 0x1A6E);
    let mut real_rng = NoiseRng::seed_from_u64(seed ^ 0x1A6F);
    let row_labels: Vec<Option<usize>> = if classes > 0 {
        (0..classes).map(Some).collect()
    } else {
        vec![None; GRID_COLUMNS]
    };
    let mut rows = Vec::new();
    for &label in &row_labels {
        let mut generated = Vec::new();
        for _ in 0..GRID_COLUMNS {
            sample(&mut noise, label.unwrap_or(0), &mut generated);
        }
        let (reals, _) = real.distinct_rows(&mut real_rng, GRID_COLUMNS, label);
        rows.push((label, generated, reals));
    }
    let (low, high) = rows
        .iter()
        .flat_map(|(_, _, reals)| reals)
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let pixels = shape.pixels();
    let grid = image_grid::Grid {
        shape,
        range: (low, high),
        title: format!(
            "{}: generated (left), real (right){}",
            real.name(),
            if classes > 0 { ", a row per class" } else { "" }
        ),
        rows: rows
            .iter()
            .map(|(label, generated, reals)| image_grid::Row {
                name: label.map_or(String::new(), |l| l.to_string()),
                cells: generated
                    .chunks_exact(pixels)
                    .map(Some)
                    .chain([None])
                    .chain(reals.chunks_exact(pixels).map(Some))
                    .collect(),
            })
            .collect(),
    };
    grid.write(path)?;
    Ok(path.to_path_buf())
}

/// `picogan train`.
pub fn train(args: TrainArgs) -> Result<()> {
    check_eval_samples(args.eval_samples)?;
    let (recipe, out, resume) = match &args.resume {
        Some(dir) => {
            let (saved, step) = checkpoint::peek(&dir.join(CHECKPOINT))?;
            let changes = recipe::Changeable {
                lr: args.lr,
                d_lr: args.d_lr,
                r1_gamma: args.r1_gamma,
            };
            let recipe = saved.changed_at(step, changes);
            recipe.validate()?;
            (recipe, dir.clone(), true)
        }
        None => {
            let recipe = recipe_of(&args)?;
            let out = args.out.clone().unwrap_or_else(|| default_out(&recipe));
            (recipe, out, false)
        }
    };
    let (dataset, held_out) = open_split(&recipe)?;
    // The architecture is checked before anything is written.
    let (dim, classes) = (dataset.dim(), train::model_classes(&recipe, &dataset));
    recipe
        .networks(dim, classes)
        .with_context(|| recipe.architecture(dim, classes))?;
    if let Some(step) = args.stop_at {
        ensure!(
            (1..recipe.steps).contains(&step),
            "--stop-at must be a step from 1 to {} (before the last of --steps {}), got {step}",
            recipe.steps - 1,
            recipe.steps
        );
    }
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let _lock = FolderLock::take(&out)?;
    remove_stale_temporaries(&out)?;
    write_atomic(
        &out.join("config.json"),
        &serde_json::to_vec_pretty(&recipe)?,
    )?;
    TrainTask {
        recipe,
        held_out,
        out,
        resume,
        stop_at: args.stop_at,
        eval_samples: args.eval_samples,
        quiet: args.quiet,
        dataset,
    }
    .run()
}

/// `picogan sample`.
pub fn sample(args: SampleArgs) -> Result<()> {
    let generator = FileGenerator::load(&args.model)?;
    let classes = generator.classes();
    if let Some(label) = args.label {
        ensure!(
            classes > 0,
            "--label {label}: {} is not a conditional model",
            args.model.display()
        );
        ensure!(
            label < classes,
            "--label {label}: {} has classes 0 to {}",
            args.model.display(),
            classes - 1
        );
    }
    let mut rng = NoiseRng::seed_from_u64(args.seed);
    let label_of = |i: usize| {
        args.label
            .unwrap_or(if classes > 0 { i % classes } else { 0 })
    };
    if let Some(path) = &args.png {
        let shape = generator.image().with_context(|| {
            format!(
                "--png: {} stores no image shape (train on images, with --image for CSV data)",
                args.model.display()
            )
        })?;
        ensure!(
            (1..=MAX_PNG_SAMPLES).contains(&args.n),
            "--png: -n must be from 1 to {MAX_PNG_SAMPLES} images, got {}",
            args.n
        );
        let mut values = Vec::with_capacity(args.n * generator.dim());
        for i in 0..args.n {
            generator.sample_into(&mut rng, label_of(i), &mut values);
        }
        let columns = if classes > 0 && args.label.is_none() {
            classes
        } else {
            10
        };
        let images: Vec<&[f32]> = values.chunks_exact(generator.dim()).collect();
        let rows = images
            .chunks(columns)
            .enumerate()
            .map(|(r, row)| image_grid::Row {
                name: (r * columns).to_string(),
                cells: row.iter().map(|&image| Some(image)).collect(),
            })
            .collect();
        let title = match (classes, args.label) {
            (0, _) => format!("{}: {} samples", args.model.display(), args.n),
            (_, Some(label)) => format!("{}: label {label}", args.model.display()),
            (_, None) => format!(
                "{}: labels 0 to {} by column",
                args.model.display(),
                classes - 1
            ),
        };
        image_grid::Grid {
            shape,
            range: generator.output_range(&values),
            title,
            rows,
        }
        .write(path)?;
        say!("wrote {}", path.display())?;
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut values = Vec::with_capacity(generator.dim());
    let result = (0..args.n).try_for_each(|i| {
        values.clear();
        let label = label_of(i);
        generator.sample_into(&mut rng, label, &mut values);
        let mut line: Vec<String> = values.iter().map(f32::to_string).collect();
        if classes > 0 {
            line.push(label.to_string()); // the label last, as `--labels last` reads it
        }
        writeln!(out, "{}", line.join(","))
    });
    result
        .and_then(|()| out.flush())
        .context("cannot write samples")
}

/// `picogan eval`.
pub fn eval(args: EvalArgs) -> Result<()> {
    check_eval_samples(args.n)?;
    let mut dataset = Dataset::open(&args.dataset, args.labels)?;
    if let (Some(file), Some(std)) = (&args.modes, args.mode_std) {
        dataset.set_modes(file, std)?;
    }
    let holdout = args
        .holdout
        .unwrap_or(Recipe::default_for(&args.dataset).holdout);
    let (dataset, held_out) = dataset.split_held_out(holdout)?;
    let report = match (&args.model, &args.samples) {
        (Some(model), _) => {
            let generator = FileGenerator::load(model)?;
            let sampler = Sampler {
                sample: &|rng, label, out| generator.sample_into(rng, label, out),
                dim: generator.dim(),
                classes: generator.classes(),
            };
            check_fits(&sampler, &model.display().to_string(), &dataset)?;
            evaluate(&sampler, &dataset, held_out.as_ref(), args.n, args.seed)?.report
        }
        (None, Some(file)) => {
            let samples = SampleFile::load(file, dataset.classes())?;
            let sampler = Sampler {
                sample: &|_, label, out| samples.next(label, out),
                dim: samples.dim,
                classes: dataset.classes(),
            };
            check_fits(&sampler, &file.display().to_string(), &dataset)?;
            evaluate(&sampler, &dataset, held_out.as_ref(), args.n, args.seed)?.report
        }
        (None, None) => anyhow::bail!("give --model or --samples"),
    };
    if args.json {
        say!("{}", serde_json::to_string(&report)?)?;
    } else {
        say!("{}", report.to_text())?;
    }
    Ok(())
}

/// Fails unless `sampler` (from `source`) makes samples of `dataset`'s width and classes.
fn check_fits(sampler: &Sampler<'_>, source: &str, dataset: &Dataset) -> Result<()> {
    ensure!(
        sampler.classes == 0 || sampler.classes == dataset.classes(),
        "{source} is conditional on {} classes but {} has {} (give the label column with --labels)",
        sampler.classes,
        dataset.name(),
        dataset.classes()
    );
    ensure!(
        sampler.dim == dataset.dim(),
        "{source} generates {}-dimensional samples but {} has {} dimensions",
        sampler.dim,
        dataset.name(),
        dataset.dim()
    );
    Ok(())
}

/// Samples another program made, read back as a generator: asked for a label, it hands out the
/// next row of that label (the rows of each label in turn, starting again after the last).
struct SampleFile {
    /// The rows of each label (one list without labels), flattened.
    rows: Vec<Vec<f32>>,
    /// Where each label's next row is.
    next: Vec<std::cell::Cell<usize>>,
    dim: usize,
}

impl SampleFile {
    /// Reads `path`, a CSV whose rows end with their label when `classes` > 0.
    fn load(path: &Path, classes: usize) -> Result<SampleFile> {
        let labels = (classes > 0).then_some(crate::data::LabelColumn::Last);
        let file = Dataset::open(&path.display().to_string(), labels)
            .with_context(|| format!("--samples {}", path.display()))?;
        let dim = file.dim();
        let (values, row_labels) =
            file.distinct_rows(&mut NoiseRng::seed_from_u64(0), usize::MAX, None);
        let mut rows = vec![Vec::new(); classes.max(1)];
        for (i, row) in values.chunks_exact(dim).enumerate() {
            let label = row_labels.get(i).copied().unwrap_or(0);
            ensure!(
                label < rows.len(),
                "--samples {}: label {label}, but the data has classes 0 to {}",
                path.display(),
                rows.len() - 1
            );
            rows[label].extend_from_slice(row);
        }
        if let Some(empty) = rows.iter().position(Vec::is_empty) {
            anyhow::bail!("--samples {}: no row of class {empty}", path.display());
        }
        let next = rows.iter().map(|_| std::cell::Cell::new(0)).collect();
        Ok(SampleFile { rows, next, dim })
    }

    /// Appends the next row of `label` (of the only list without labels) to `out`.
    fn next(&self, label: usize, out: &mut Vec<f32>) {
        let label = label.min(self.rows.len() - 1);
        let (rows, next) = (&self.rows[label], &self.next[label]);
        let count = rows.len() / self.dim;
        let row = next.get() % count;
        next.set(row + 1);
        out.extend_from_slice(&rows[row * self.dim..(row + 1) * self.dim]);
    }
}

/// `picogan info`.
pub fn info(args: InfoArgs) -> Result<()> {
    let bytes = read_model(&args.file)?;
    let summary = model::summarize(&bytes)
        .with_context(|| format!("{} is not a valid model file", args.file.display()))?;
    let mut architecture = summary
        .layers()
        .first()
        .map_or(String::new(), |l| l.inputs.to_string());
    for layer in summary.layers() {
        architecture.push_str(&format!(
            " -> {} ({})",
            layer.outputs,
            export::activation_name(layer.activation)
        ));
    }
    say!("file          {}", args.file.display())?;
    say!("role          {:?}", summary.role)?;
    say!("architecture  {architecture}")?;
    say!("layers        {}", summary.layer_count)?;
    say!("parameters    {}", summary.params)?;
    let weights: usize = summary.layers().iter().map(|l| l.inputs * l.outputs).sum();
    let biases = summary.params - weights;
    match summary.dtype {
        Dtype::I8 => say!(
            "bytes         {} ({weights} of int8 weights, {} of int32 biases)",
            summary.len,
            4 * biases
        )?,
        Dtype::Q16 => say!(
            "bytes         {} ({} of Q16.16 parameters)",
            summary.len,
            4 * summary.params
        )?,
        _ => say!(
            "bytes         {} ({} of parameters)",
            summary.len,
            4 * summary.params
        )?,
    }
    if summary.role == Role::Generator {
        say!("noise         {} values", summary.noise_dim)?;
    }
    if summary.classes > 0 {
        say!(
            "classes       {} (labels 0 to {}, one-hot after the {})",
            summary.classes,
            summary.classes - 1,
            if summary.role == Role::Generator {
                "noise"
            } else {
                "sample"
            }
        )?;
    } else {
        say!("classes       none (unconditional)")?;
    }
    let columns: Vec<String> = summary
        .normalization(&bytes)
        .map(|c| format!("{}+{}·v", c.offset, c.scale))
        .collect();
    if columns.is_empty() {
        say!("normalization none (the network works in the data's units)")?;
    } else if columns.len() > 1 && columns.iter().all(|c| *c == columns[0]) {
        say!("normalization {} (every column)", columns[0])?;
    } else {
        say!("normalization {}", columns.join(", "))?;
    }
    if let Some(shape) = summary.image {
        say!(
            "image         {shape} (a sample is {} rows of {} pixels)",
            shape.height,
            shape.width
        )?;
    }
    say!("dtype         {:?}", summary.dtype)?;
    say!("format        version {}", summary.version)?;
    say!("checksum      crc32 {:08x}", summary.checksum)?;
    Ok(())
}

/// `picogan export`.
pub fn export(args: ExportArgs) -> Result<()> {
    let bytes = read_model(&args.model)?;
    let summary = model::summarize(&bytes)
        .with_context(|| format!("{} is not a valid model file", args.model.display()))?;
    let output = match (args.format, args.dtype) {
        (Some(format), None) => export::render(&summary, &bytes, format, &args.model)?.into_bytes(),
        (None, Some(dtype)) => {
            let (file, report) =
                crate::quantize::export(&bytes, &summary, dtype, args.distill_steps)
                    .with_context(|| format!("cannot quantize {}", args.model.display()))?;
            say!("{report}")?;
            file
        }
        _ => anyhow::bail!("give either --format (source code) or --dtype (a model file)"),
    };
    write_atomic(&args.out, &output)?;
    say!("wrote {}", args.out.display())?;
    Ok(())
}

/// Mean and standard error of the mean (sample standard deviation / √n).
fn mean_and_error(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

/// `picogan summary`.
pub fn summary(args: SummaryArgs) -> Result<()> {
    let mut runs = Vec::new();
    for path in &args.files {
        let bytes = read_limited(path, MAX_METRICS_BYTES, "metrics")?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        runs.push(value);
    }
    let column = |pointer: &str| -> Result<Vec<f64>> {
        runs.iter()
            .zip(&args.files)
            .map(|(run, path)| {
                run.pointer(pointer)
                    .and_then(serde_json::Value::as_f64)
                    .with_context(|| format!("{} has no {pointer}", path.display()))
            })
            .collect()
    };
    say!("{} runs", runs.len())?;
    let mut rows = vec![
        ("precision", "/metrics/generator/precision"),
        ("recall", "/metrics/generator/recall"),
        ("density", "/metrics/generator/density"),
        ("coverage", "/metrics/generator/coverage"),
        ("seconds", "/training/seconds_this_invocation"),
    ];
    if runs
        .iter()
        .all(|r| r.pointer("/metrics/generator/modes/modes_total").is_some())
    {
        let captured = column("/metrics/generator/modes/modes_captured")?;
        let total = column("/metrics/generator/modes/modes_total")?;
        let all = captured.iter().zip(&total).filter(|(c, t)| c == t).count();
        say!("all modes captured in {all} of {} runs", runs.len())?;
        rows.splice(
            0..0,
            [
                ("modes captured", "/metrics/generator/modes/modes_captured"),
                (
                    "high quality %",
                    "/metrics/generator/modes/high_quality_percent",
                ),
                ("reverse KL", "/metrics/generator/modes/reverse_kl"),
            ],
        );
    }
    // Each image metric of the generator, then the held-out images' (when they have it); only
    // those every run has (label accuracy: conditional models only).
    let image_rows = [
        ("label accuracy", "label_accuracy", true),
        ("classes covered", "classes_covered", false),
        ("class histogram KL", "class_histogram_kl", true),
        ("Fréchet distance", "frechet_distance", true),
    ];
    let present = |pointer: &str| {
        runs.iter()
            .all(|r| r.pointer(pointer).is_some_and(|v| !v.is_null()))
    };
    let mut pointers = Vec::new();
    for (name, key, with_real) in image_rows {
        let generator = format!("/metrics/images/generator/{key}");
        if present(&generator) {
            pointers.push((name, generator));
            if with_real {
                pointers.push((
                    "  held-out images",
                    format!("/metrics/images/real_reference/{key}"),
                ));
            }
        }
    }
    if present("/metrics/images/memorisation_ratio") {
        pointers.push((
            "memorisation ratio",
            "/metrics/images/memorisation_ratio".to_string(),
        ));
    }
    let image_rows: Vec<(&str, &str)> = pointers
        .iter()
        .map(|(name, pointer)| (*name, pointer.as_str()))
        .collect();
    rows.splice(0..0, image_rows);
    let mut columns = rows
        .into_iter()
        .map(|(name, pointer)| Ok((name, column(pointer)?)))
        .collect::<Result<Vec<_>>>()?;
    // A conditional model on a mixture: the class whose samples land least on its own mode.
    let worst_class = |run: &serde_json::Value| {
        run.pointer("/metrics/classes")?
            .as_array()?
            .iter()
            .map(|class| class.pointer("/own_mode/generator_percent")?.as_f64())
            .try_fold(f64::INFINITY, |worst, v| Some(worst.min(v?)))
    };
    if let Some(values) = runs.iter().map(worst_class).collect::<Option<Vec<f64>>>() {
        columns.insert(0, ("worst class on its own mode %", values));
    }
    for (name, values) in columns {
        let (mean, error) = mean_and_error(&values);
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        say!("{name:<29} {mean:>10.4} ± {error:<8.4} (min {low:.4}, max {high:.4})")?;
    }
    Ok(())
}
