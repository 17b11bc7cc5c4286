//! The data sets: the standard mixtures of GAN papers, a spiral, the 8×8 digits, and any CSV of
//! numbers (gzip-compressed or not).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use picogan::math;
use picogan::mixture::GaussianMixture;
use picogan::model::{ImageShape, Normalization};
use picogan::rng::{NoiseRng, Rng, SeedableRng, fill_normal, uniform};
use serde::{Deserialize, Serialize};

/// The 8-Gaussian ring of PacGAN/VEEGAN: means (cos 2πi/8, sin 2πi/8), i = 0..7, σ = 0.01.
fn ring8() -> GaussianMixture<8, 2> {
    let means = core::array::from_fn(|i| {
        let (sin, cos) = math::sin_cos(core::f32::consts::TAU * i as f32 / 8.0);
        [cos, sin]
    });
    GaussianMixture::new(means, 0.01)
}

/// The 5×5 grid: means {−4, −2, 0, 2, 4}², σ = 0.05.
fn grid25() -> GaussianMixture<25, 2> {
    let means = core::array::from_fn(|i| [(i / 5) as f32 * 2.0 - 4.0, (i % 5) as f32 * 2.0 - 4.0]);
    GaussianMixture::new(means, 0.05)
}

/// ½N(−2, 0.5²) + ½N(2, 0.5²).
const BIMODAL: GaussianMixture<2, 1> = GaussianMixture::new([[-2.0], [2.0]], 0.5);

/// Noise of the spiral around its curve.
const SPIRAL_NOISE: f32 = 0.02;

/// A source of real samples.
#[derive(Clone, Debug)]
pub enum Dataset {
    /// 8 Gaussians on the unit circle.
    Ring8(GaussianMixture<8, 2>),
    /// 25 Gaussians on a grid.
    Grid25(GaussianMixture<25, 2>),
    /// The 1-D two-mode mixture.
    Bimodal1d(GaussianMixture<2, 1>),
    /// A two-turn spiral (one curved manifold, no discrete modes): for t = 4π·√u, u uniform,
    /// the point (t/4π)·(cos t, sin t) plus N(0, 0.02²) noise in each coordinate.
    Spiral,
    /// Rows of a CSV file, drawn uniformly with replacement.
    Csv {
        /// Where it came from.
        path: PathBuf,
        /// Values per row (the label column left out).
        dim: usize,
        /// All rows, flattened.
        values: Vec<f32>,
        /// Each row's class, when a column holds labels (`--labels`); empty otherwise.
        labels: Vec<usize>,
        /// Classes K: one more than the largest label (0 without labels).
        classes: usize,
        /// The mixture's modes when the user gave them (`--modes`, `--mode-std`).
        modes: Option<Modes>,
        /// The shape of the image each row is, when it is one (`--image`, or the built-in digits).
        image: Option<ImageShape>,
    },
}

/// The names `--dataset` accepts besides a path to a CSV file.
pub const NAMES: [&str; 5] = ["ring8", "grid25", "bimodal1d", "spiral", "digits"];

/// The 8×8 handwritten digits (`data/digits.csv.gz`; provenance and licence in `data/README.md`):
/// 1,797 images of 64 pixels from 0 to 16, then the digit, built into the binary.
const DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");
/// The shape of a digit image.
pub const DIGITS_IMAGE: ImageShape = ImageShape {
    height: 8,
    width: 8,
};

/// The seed of the split into training and held-out rows: a constant, so that every run of a data
/// set holds out the same rows whatever its own seed.
const SPLIT_SEED: u64 = 0x5011_7000;

/// The most classes a labelled CSV may have.
pub const MAX_CLASSES: usize = 1024;

/// Which CSV column holds each row's class label (an integer from 0 to K − 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LabelColumn {
    /// The first column.
    First,
    /// The last column.
    Last,
}

/// How each column is scaled before training (the model file keeps the inverse, so samples come
/// out in the data's units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Normalize {
    /// (x − mean) / standard deviation: every column of mean 0 and variance 1.
    Standard,
    /// Every column's minimum to −1 and maximum to 1.
    Minmax,
    /// The whole data's minimum to 0 and maximum to 1, one scale for every column: images, whose
    /// pixels share their units (pair it with `--output-activation sigmoid`).
    Unit,
    /// The data as it is.
    None,
}

/// The modes of a mixture, for the mode-coverage metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct Modes {
    /// Mode means, each of the data's dimension.
    pub means: Vec<Vec<f32>>,
    /// The common standard deviation.
    pub std: f32,
}

impl Dataset {
    /// A built-in data set by name, or a CSV file by path (anything ending in `.csv` or, gzip-
    /// compressed, `.csv.gz`), whose column `labels` holds class labels. The digits' labels are
    /// their last column, whether `labels` says so or not.
    pub fn open(name: &str, labels: Option<LabelColumn>) -> Result<Self> {
        let builtin = match name {
            "ring8" => Dataset::Ring8(ring8()),
            "grid25" => Dataset::Grid25(grid25()),
            "bimodal1d" => Dataset::Bimodal1d(BIMODAL),
            "spiral" => Dataset::Spiral,
            "digits" => {
                ensure!(
                    labels.is_none_or(|column| column == LabelColumn::Last),
                    "--labels first: the digits' labels are their last column"
                );
                let text = gunzip(DIGITS_GZ, Path::new("digits"))?;
                let mut dataset =
                    split_labels(parse_csv(Path::new("digits"), &text)?, LabelColumn::Last)?;
                dataset.set_image(DIGITS_IMAGE)?;
                return Ok(dataset);
            }
            path if is_csv(path) => return load_csv(Path::new(path), labels),
            other => bail!(
                "unknown data set '{other}': use one of {} or a path ending in .csv or .csv.gz",
                NAMES.join(", ")
            ),
        };
        ensure!(
            labels.is_none(),
            "--labels is for CSV data; {name} has no label column"
        );
        Ok(builtin)
    }

    /// Reads every row of this data set as an image of `shape`.
    ///
    /// # Errors
    /// When the shape's pixels are not the values of a row, or the data set is not a CSV.
    pub fn set_image(&mut self, shape: ImageShape) -> Result<()> {
        let name = self.name();
        let Dataset::Csv { dim, image, .. } = self else {
            bail!("--image is for CSV data; {name} is not made of images");
        };
        ensure!(
            shape.pixels() == *dim,
            "--image {shape}: {} pixels, but the rows of {name} hold {dim} values",
            shape.pixels()
        );
        *image = Some(shape);
        Ok(())
    }

    /// The shape of the image each sample is, for image data.
    pub fn image(&self) -> Option<ImageShape> {
        match self {
            Dataset::Csv { image, .. } => *image,
            _ => None,
        }
    }

    /// Classes K of a labelled data set, 0 otherwise.
    pub fn classes(&self) -> usize {
        match self {
            Dataset::Csv { classes, .. } => *classes,
            _ => 0,
        }
    }

    /// The per-column normalization `mode` gives this data: from every row of a CSV file, from
    /// 10,000 draws of a built-in set. Empty for [`Normalize::None`]; a column whose spread is 0
    /// keeps the scale 1.
    ///
    /// # Errors
    /// When a column's values lie so far apart that some of them, normalized, would not be finite
    /// in 32-bit floats (values near ±3.4·10³⁸ in one column).
    pub fn normalization(&self, mode: Normalize) -> Result<Vec<Normalization>> {
        if mode == Normalize::None {
            return Ok(Vec::new());
        }
        let dim = self.dim();
        let drawn;
        let values = match self {
            Dataset::Csv { values, .. } => values,
            _ => {
                drawn = self.samples(&mut NoiseRng::seed_from_u64(0x0004_D0A1), 10_000);
                &drawn
            }
        };
        let rows = (values.len() / dim) as f64;
        let (global_min, global_max) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &v| {
                (low.min(f64::from(v)), high.max(f64::from(v)))
            });
        (0..dim)
            .map(|column| {
                let column_values = || {
                    values
                        .iter()
                        .skip(column)
                        .step_by(dim)
                        .map(|&v| f64::from(v))
                };
                let (offset, spread) = match mode {
                    Normalize::Standard => {
                        let mean = column_values().sum::<f64>() / rows;
                        let variance = column_values()
                            .map(|v| (v - mean) * (v - mean))
                            .sum::<f64>()
                            / rows;
                        (mean, variance.sqrt())
                    }
                    Normalize::Unit => (global_min, global_max - global_min),
                    _ => {
                        let min = column_values().fold(f64::INFINITY, f64::min);
                        let max = column_values().fold(f64::NEG_INFINITY, f64::max);
                        ((min + max) / 2.0, (max - min) / 2.0)
                    }
                };
                let scale = spread as f32;
                let normalization = Normalization {
                    offset: offset as f32,
                    scale: if scale > 0.0 && scale.is_finite() {
                        scale
                    } else {
                        1.0
                    },
                };
                let unrepresentable = column_values()
                    .any(|v| !normalization.to_network(v as f32).is_finite());
                ensure!(
                    !unrepresentable,
                    "{}: column {} spans too wide a range to normalize in 32-bit floats; rescale it, or train with --normalize none",
                    self.name(),
                    column + 1
                );
                Ok(normalization)
            })
            .collect()
    }

    /// The name it was opened by.
    pub fn name(&self) -> String {
        match self {
            Dataset::Ring8(_) => "ring8".into(),
            Dataset::Grid25(_) => "grid25".into(),
            Dataset::Bimodal1d(_) => "bimodal1d".into(),
            Dataset::Spiral => "spiral".into(),
            Dataset::Csv { path, .. } => path.display().to_string(),
        }
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        match self {
            Dataset::Ring8(_) | Dataset::Grid25(_) | Dataset::Spiral => 2,
            Dataset::Bimodal1d(_) => 1,
            Dataset::Csv { dim, .. } => *dim,
        }
    }

    /// Draws one sample into `out` (of length [`Dataset::dim`]).
    pub fn sample_into(&self, rng: &mut NoiseRng, out: &mut [f32]) {
        self.sample_labelled_into(rng, out);
    }

    /// Draws one sample into `out` (of length [`Dataset::dim`]); returns its label (0 for data
    /// without labels).
    pub fn sample_labelled_into(&self, rng: &mut NoiseRng, out: &mut [f32]) -> usize {
        match self {
            Dataset::Ring8(mixture) => out.copy_from_slice(&mixture.sample(rng)),
            Dataset::Grid25(mixture) => out.copy_from_slice(&mixture.sample(rng)),
            Dataset::Bimodal1d(mixture) => out.copy_from_slice(&mixture.sample(rng)),
            Dataset::Spiral => {
                let t = 2.0 * core::f32::consts::TAU * math::sqrt(uniform(rng));
                let (sin, cos) = math::sin_cos(t);
                let radius = t / (2.0 * core::f32::consts::TAU);
                let mut noise = [0.0; 2];
                fill_normal(rng, &mut noise);
                out[0] = radius * cos + SPIRAL_NOISE * noise[0];
                out[1] = radius * sin + SPIRAL_NOISE * noise[1];
            }
            Dataset::Csv {
                dim,
                values,
                labels,
                ..
            } => {
                let rows = (values.len() / dim) as u64;
                let row = ((u64::from(rng.next_u32()) * rows) >> 32) as usize;
                out.copy_from_slice(&values[row * dim..(row + 1) * dim]);
                return labels.get(row).copied().unwrap_or(0);
            }
        }
        0
    }

    /// `n` samples of class `class`, drawn uniformly with replacement from its rows, flattened.
    pub fn class_samples(&self, rng: &mut NoiseRng, n: usize, class: usize) -> Vec<f32> {
        let Dataset::Csv {
            dim,
            values,
            labels,
            ..
        } = self
        else {
            return Vec::new();
        };
        let rows: Vec<usize> = (0..labels.len()).filter(|&r| labels[r] == class).collect();
        let mut samples = Vec::with_capacity(n * dim);
        for _ in 0..n {
            let pick = ((u64::from(rng.next_u32()) * rows.len() as u64) >> 32) as usize;
            let row = rows[pick];
            samples.extend_from_slice(&values[row * dim..(row + 1) * dim]);
        }
        samples
    }

    /// `n` samples, flattened.
    pub fn samples(&self, rng: &mut NoiseRng, n: usize) -> Vec<f32> {
        let mut values = vec![0.0; n * self.dim()];
        for sample in values.chunks_exact_mut(self.dim()) {
            self.sample_into(rng, sample);
        }
        values
    }

    /// The modes, for a mixture of Gaussians.
    pub fn modes(&self) -> Option<Modes> {
        fn of<const K: usize, const N: usize>(m: &GaussianMixture<K, N>) -> Modes {
            Modes {
                means: m.means.iter().map(|mean| mean.to_vec()).collect(),
                std: m.std,
            }
        }
        match self {
            Dataset::Ring8(m) => Some(of(m)),
            Dataset::Grid25(m) => Some(of(m)),
            Dataset::Bimodal1d(m) => Some(of(m)),
            Dataset::Csv { modes, .. } => modes.clone(),
            Dataset::Spiral => None,
        }
    }
}

/// Reads a CSV of numbers: one sample per row, the same number of fields in every row, an
/// optional header line (a first line of names: no field a number, none empty). Blank lines
/// are skipped; lines may end in `\n`, `\r\n` or `\r`; a byte-order mark is ignored. With
/// `labels`, that column holds each row's class, an integer from 0 to K − 1, and every class
/// must have rows. Errors name the file and line.
pub fn load_csv(path: &Path, labels: Option<LabelColumn>) -> Result<Dataset> {
    let bytes = crate::files::read_limited(path, crate::files::MAX_DATA_BYTES, "data file")?;
    let text = if path.to_string_lossy().ends_with(".gz") {
        gunzip(&bytes, path)?
    } else {
        String::from_utf8(bytes)
            .with_context(|| format!("data file {} is not UTF-8 text", path.display()))?
    };
    let dataset = parse_csv(path, &text)?;
    match labels {
        Some(column) => split_labels(dataset, column),
        None => Ok(dataset),
    }
}

/// True for a path `--dataset` reads as a CSV file: one ending in `.csv` or `.csv.gz`.
pub fn is_csv(path: &str) -> bool {
    path.ends_with(".csv") || path.ends_with(".csv.gz")
}

/// The text of gzip-compressed bytes, at most [`crate::files::MAX_DATA_BYTES`] of it.
fn gunzip(compressed: &[u8], path: &Path) -> Result<String> {
    use std::io::Read;
    let limit = crate::files::MAX_DATA_BYTES;
    let mut text = String::new();
    flate2::read::GzDecoder::new(compressed)
        .take(limit + 1)
        .read_to_string(&mut text)
        .with_context(|| {
            format!(
                "data file {} is not gzip-compressed UTF-8 text",
                path.display()
            )
        })?;
    ensure!(
        text.len() as u64 <= limit,
        "data file {}: more than {} bytes once decompressed",
        path.display(),
        limit
    );
    Ok(text)
}

/// Moves the label column out of a parsed CSV data set.
fn split_labels(dataset: Dataset, column: LabelColumn) -> Result<Dataset> {
    let Dataset::Csv {
        path, dim, values, ..
    } = dataset
    else {
        bail!("--labels is for CSV data");
    };
    let name = match column {
        LabelColumn::First => "first",
        LabelColumn::Last => "last",
    };
    ensure!(
        dim >= 2,
        "--labels {name}: {} has one column, which leaves no sample values besides the label",
        path.display()
    );
    let label_at = match column {
        LabelColumn::First => 0,
        LabelColumn::Last => dim - 1,
    };
    let mut samples = Vec::with_capacity(values.len() / dim * (dim - 1));
    let mut labels = Vec::with_capacity(values.len() / dim);
    for (row, fields) in values.chunks_exact(dim).enumerate() {
        let label = fields[label_at];
        ensure!(
            label >= 0.0 && label.fract() == 0.0 && (label as usize) < MAX_CLASSES,
            "--labels {name}: {} row {}: the label {label} is not a whole number from 0 to {}",
            path.display(),
            row + 1,
            MAX_CLASSES - 1
        );
        labels.push(label as usize);
        for (k, &v) in fields.iter().enumerate() {
            if k != label_at {
                samples.push(v);
            }
        }
    }
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let mut counts = vec![0usize; classes];
    for &label in &labels {
        counts[label] += 1;
    }
    if let Some(empty) = counts.iter().position(|&c| c == 0) {
        bail!(
            "--labels {name}: {} has labels up to {} but no row of class {empty}; labels must be 0, 1, …, K − 1",
            path.display(),
            classes - 1
        );
    }
    ensure!(
        classes >= 2,
        "--labels {name}: {} has a single class; leave out --labels to train an unconditional model",
        path.display()
    );
    Ok(Dataset::Csv {
        path,
        dim: dim - 1,
        values: samples,
        labels,
        classes,
        modes: None,
        image: None,
    })
}

/// The lines of a CSV text: ended by `\n`, `\r\n` or, in a file that has no `\n`, by `\r`
/// alone; a UTF-8 byte-order mark in front is dropped.
fn csv_lines(text: &str) -> Box<dyn Iterator<Item = &str> + '_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\n') {
        Box::new(text.lines())
    } else {
        Box::new(text.split('\r'))
    }
}

fn parse_csv(path: &Path, text: &str) -> Result<Dataset> {
    let mut values = Vec::new();
    let mut dim = None;
    for (index, line) in csv_lines(text).enumerate() {
        let line_number = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: Vec<Result<f32, _>> = fields.iter().map(|f| f.parse::<f32>()).collect();
        // A header names its columns: no field of it is a number, and none is empty. A first
        // line with a number in it is data, so that a typo there is reported, not dropped.
        let is_header = parsed.iter().all(Result::is_err) && fields.iter().all(|f| !f.is_empty());
        if dim.is_none() && index == 0 && is_header {
            continue;
        }
        let expected = *dim.get_or_insert(fields.len());
        if fields.len() != expected {
            bail!(
                "{}:{line_number}: expected {expected} fields, found {}",
                path.display(),
                fields.len()
            );
        }
        for (column, (field, value)) in fields.iter().zip(parsed).enumerate() {
            let value = value.map_err(|_| {
                anyhow::anyhow!(
                    "{}:{line_number}: field {} is not a number: '{field}'",
                    path.display(),
                    column + 1
                )
            })?;
            if !value.is_finite() {
                bail!(
                    "{}:{line_number}: field {} is not finite: '{field}'",
                    path.display(),
                    column + 1
                );
            }
            values.push(value);
        }
    }
    let Some(dim) = dim else {
        bail!("{}: no data rows", path.display());
    };
    let mut rows = values.chunks_exact(dim);
    let first = rows.next().unwrap_or_default();
    if rows.all(|row| row == first) {
        bail!(
            "{}: every row is the same, and a distribution needs at least two different rows",
            path.display()
        );
    }
    Ok(Dataset::Csv {
        path: path.to_path_buf(),
        dim,
        values,
        labels: Vec::new(),
        classes: 0,
        modes: None,
        image: None,
    })
}

/// A uniform draw from 0..n (n ≥ 1), by multiply-and-shift of 32 random bits.
fn below(rng: &mut NoiseRng, n: usize) -> usize {
    ((u64::from(rng.next_u32()) * n as u64) >> 32) as usize
}

/// The first `count` entries of `items` put in a uniformly random order (a partial
/// Fisher–Yates shuffle); the rest in some order.
fn shuffle_front(rng: &mut NoiseRng, items: &mut [usize], count: usize) {
    for i in 0..count.min(items.len()) {
        let j = i + below(rng, items.len() - i);
        items.swap(i, j);
    }
}

impl Dataset {
    /// Splits off `fraction` of a CSV data set's rows as held-out data that training never
    /// sees, for an honest real-data reference in the evaluation. Labelled data is split class by
    /// class, so both parts keep its class proportions. Which rows are held out is drawn from a
    /// fixed seed: every run of the same file holds out the same rows. A fraction of 0 holds out
    /// nothing.
    ///
    /// # Errors
    /// When `fraction` is not in [0, 0.9], the data set is not a CSV, or a part (or a class
    /// within it) would be left without rows.
    pub fn split_held_out(self, fraction: f32) -> Result<(Dataset, Option<Dataset>)> {
        ensure!(
            (0.0..=0.9).contains(&fraction),
            "--holdout must be from 0 to 0.9, got {fraction}"
        );
        if fraction == 0.0 {
            return Ok((self, None));
        }
        let name = self.name();
        let Dataset::Csv {
            path,
            dim,
            values,
            labels,
            classes,
            modes,
            image,
        } = self
        else {
            bail!(
                "--holdout is for CSV data; {name} draws fresh samples, so its reference samples are never trained on"
            );
        };
        let rows = values.len() / dim;
        let groups: Vec<Vec<usize>> = if classes > 0 {
            (0..classes)
                .map(|class| (0..rows).filter(|&r| labels[r] == class).collect())
                .collect()
        } else {
            vec![(0..rows).collect()]
        };
        let mut rng = NoiseRng::seed_from_u64(SPLIT_SEED);
        let mut held = vec![false; rows];
        for (class, mut group) in groups.into_iter().enumerate() {
            let count = (fraction * group.len() as f32).round() as usize;
            let which = if classes > 0 {
                format!("class {class} of {name}")
            } else {
                name.clone()
            };
            ensure!(
                count >= 1 && count < group.len(),
                "--holdout {fraction}: {which} has {} rows, too few to hold out that share and train on the rest",
                group.len()
            );
            shuffle_front(&mut rng, &mut group, count);
            for &row in &group[..count] {
                held[row] = true;
            }
        }
        let held_rows = held.iter().filter(|&&h| h).count();
        ensure!(
            held_rows >= 2 * crate::eval::K,
            "--holdout {fraction}: {held_rows} rows of {name} held out, and the evaluation needs at least {}",
            2 * crate::eval::K
        );
        let part = |keep: bool| {
            let chosen: Vec<usize> = (0..rows).filter(|&r| held[r] != keep).collect();
            Dataset::Csv {
                path: path.clone(),
                dim,
                values: chosen
                    .iter()
                    .flat_map(|&r| &values[r * dim..(r + 1) * dim])
                    .copied()
                    .collect(),
                labels: chosen
                    .iter()
                    .filter_map(|&r| labels.get(r).copied())
                    .collect(),
                classes,
                modes: modes.clone(),
                image,
            }
        };
        Ok((part(true), Some(part(false))))
    }

    /// Up to `n` different rows of a CSV data set (all of them when it has fewer), in a random
    /// order, flattened, with their labels (empty without labels); for `class`, only rows of that
    /// class. A built-in set draws `n` fresh samples, labelled 0.
    pub fn distinct_rows(
        &self,
        rng: &mut NoiseRng,
        n: usize,
        class: Option<usize>,
    ) -> (Vec<f32>, Vec<usize>) {
        let Dataset::Csv {
            dim,
            values,
            labels,
            ..
        } = self
        else {
            return (self.samples(rng, n), vec![0; n]);
        };
        let mut order: Vec<usize> = (0..values.len() / dim)
            .filter(|&r| class.is_none_or(|c| labels.get(r) == Some(&c)))
            .collect();
        let count = n.min(order.len());
        shuffle_front(rng, &mut order, count);
        order.truncate(count);
        let rows = order
            .iter()
            .flat_map(|&r| &values[r * dim..(r + 1) * dim])
            .copied()
            .collect();
        let row_labels = order
            .iter()
            .filter_map(|&r| labels.get(r).copied())
            .collect();
        (rows, row_labels)
    }

    /// Declares a CSV data set a mixture of Gaussians with the mode centres in the CSV file
    /// `centres` (one a row, of the data's dimension) and the common standard deviation `std`,
    /// so that the mode metrics apply to it.
    pub fn set_modes(&mut self, centres: &Path, std: f32) -> Result<()> {
        anyhow::ensure!(
            std > 0.0 && std.is_finite(),
            "--mode-std must be a positive number, got {std}"
        );
        let dim = self.dim();
        let Dataset::Csv { modes, .. } = self else {
            bail!("--modes is for CSV data; the built-in data sets know their modes");
        };
        let Dataset::Csv {
            dim: width, values, ..
        } = load_csv(centres, None).context("--modes")?
        else {
            bail!("--modes {}: not a CSV file", centres.display());
        };
        anyhow::ensure!(
            width == dim,
            "--modes {}: centres of {width} values, the data has {dim}",
            centres.display()
        );
        *modes = Some(Modes {
            means: values.chunks_exact(dim).map(<[f32]>::to_vec).collect(),
            std,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_has_eight_distinct_modes_on_the_unit_circle() {
        let modes = ring8().means;
        for (i, [x, y]) in modes.iter().enumerate() {
            assert!((x * x + y * y - 1.0).abs() < 1e-6);
            for [u, v] in &modes[..i] {
                assert!((x - u).hypot(y - v) > 0.7, "mode {i} repeats");
            }
        }
    }

    #[test]
    fn grid_covers_the_25_points() {
        let means = grid25().means;
        for a in [-4.0, -2.0, 0.0, 2.0, 4.0] {
            for b in [-4.0, -2.0, 0.0, 2.0, 4.0] {
                assert!(means.contains(&[a, b]));
            }
        }
    }

    #[test]
    fn csv_errors_name_file_and_line() {
        let path = Path::new("d.csv");
        let error = parse_csv(path, "x,y\n1,2\n3\n").unwrap_err().to_string();
        assert_eq!(error, "d.csv:3: expected 2 fields, found 1");
        let error = parse_csv(path, "1,2\n3,abc\n").unwrap_err().to_string();
        assert_eq!(error, "d.csv:2: field 2 is not a number: 'abc'");
        let error = parse_csv(path, "1,2\n3,inf\n").unwrap_err().to_string();
        assert_eq!(error, "d.csv:2: field 2 is not finite: 'inf'");
        let error = parse_csv(path, "a,b\n\n").unwrap_err().to_string();
        assert_eq!(error, "d.csv: no data rows");
        let Dataset::Csv { dim, values, .. } = parse_csv(path, "a,b\n1,2\n\n3,4\n").unwrap() else {
            panic!("not a CSV data set");
        };
        assert_eq!((dim, values), (2, vec![1.0, 2.0, 3.0, 4.0]));
        // Normalized, 3.4e38 would lie 4.5e38 from the mean: more than an f32 holds.
        let wide = parse_csv(path, "1,3.4e38\n2,-3.4e38\n3,-3.4e38\n").unwrap();
        let error = wide
            .normalization(Normalize::Standard)
            .unwrap_err()
            .to_string();
        assert!(error.contains("column 2 spans too wide a range"), "{error}");
        assert!(wide.normalization(Normalize::Minmax).is_ok());
    }

    /// A first row with a typo or a trailing comma is reported, not taken for a header; a
    /// byte-order mark and carriage-return line endings read like plain text.
    #[test]
    fn csv_edge_cases_are_read_or_reported() {
        let path = Path::new("d.csv");
        let error = parse_csv(path, "1,2x\n3,4\n").unwrap_err().to_string();
        assert_eq!(error, "d.csv:1: field 2 is not a number: '2x'");
        let error = parse_csv(path, "1,2,\n3,4,\n").unwrap_err().to_string();
        assert_eq!(error, "d.csv:1: field 3 is not a number: ''");
        for same in ["1,2\n", "x,y\n1,2\n1,2\n"] {
            let error = parse_csv(path, same).unwrap_err().to_string();
            assert!(error.contains("every row is the same"), "{error}");
        }
        for text in [
            "\u{feff}1,2\n3,4\n",
            "\u{feff}x,y\n1,2\n3,4",
            "1,2\r3,4\r",
            "x,y\r\n1,2\r\n3,4\r\n",
        ] {
            let Dataset::Csv { dim, values, .. } = parse_csv(path, text).unwrap() else {
                panic!("not a CSV data set");
            };
            assert_eq!((dim, values), (2, vec![1.0, 2.0, 3.0, 4.0]), "{text:?}");
        }
    }

    /// Structured fuzzing of the CSV reader: texts built from fields that are numbers of every
    /// size, labels, blanks and near-numbers, with any line endings, a byte-order mark and a
    /// header now and then. Whatever the text, reading it, taking a label column and normalizing
    /// either returns an error or a data set whose every value is finite, normalized or not.
    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn field() -> impl Strategy<Value = String> {
            let special = prop::sample::select(vec![
                "", " ", "nan", "NaN", "inf", "-inf", "1e39", "-1e39", "1e-50", "+1", "0x10",
                "1.5.2", "\"1\"", "é", "１", "1_000", "--1", ".5", "5.", "1e", "e5", "3.4e38",
                "-3.4e38", "x", "label",
            ]);
            prop_oneof![
                16 => (0u8..4).prop_map(|label| label.to_string()),
                8 => any::<f32>().prop_map(|v| v.to_string()),
                4 => (-1e3f32..1e3).prop_map(|v| format!("{v:e}")),
                1 => special.prop_map(str::to_string),
            ]
        }

        /// Lines of mostly the same number of fields, mostly separated by commas.
        fn text() -> impl Strategy<Value = String> {
            (1usize..5)
                .prop_flat_map(|width| {
                    let fields = (prop::collection::vec(field(), width), 0u8..10).prop_map(
                        |(mut fields, odd)| {
                            if odd == 0 {
                                fields.pop();
                            }
                            fields
                        },
                    );
                    let separator = prop::sample::select(vec![",", ",", ",", ", ", ";", "\t"]);
                    let ending = prop::sample::select(vec!["\n", "\n", "\r\n", "\r"]);
                    (
                        any::<bool>(),
                        any::<bool>(),
                        prop::collection::vec((fields, separator, ending), 1..12),
                    )
                })
                .prop_map(|(bom, header, lines)| {
                    let mut text = String::new();
                    if bom {
                        text.push('\u{feff}');
                    }
                    if header {
                        text.push_str("x,y,label\n");
                    }
                    for (fields, separator, ending) in lines {
                        text.push_str(&fields.join(separator));
                        text.push_str(ending);
                    }
                    text
                })
        }

        fn check_values(dataset: &Dataset) {
            let Dataset::Csv { dim, values, .. } = dataset else {
                panic!("not a CSV data set");
            };
            assert!(*dim >= 1 && values.len() % dim == 0);
            assert!(values.iter().all(|v| v.is_finite()));
            for mode in [Normalize::Standard, Normalize::Minmax] {
                let Ok(columns) = dataset.normalization(mode) else {
                    continue;
                };
                for row in values.chunks_exact(*dim) {
                    for (&v, column) in row.iter().zip(&columns) {
                        let v = column.to_network(v);
                        assert!(v.is_finite() && column.to_data(v).is_finite());
                    }
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(20_000))]
            #[test]
            fn any_text_reads_or_fails_cleanly(text in text()) {
                let path = Path::new("fuzz.csv");
                let Ok(dataset) = parse_csv(path, &text) else {
                    return Ok(());
                };
                check_values(&dataset);
                for column in [LabelColumn::First, LabelColumn::Last] {
                    let columns = dataset.dim();
                    let Ok(labelled) = split_labels(dataset.clone(), column) else {
                        continue;
                    };
                    let Dataset::Csv { labels, classes, dim, values, .. } = &labelled else {
                        panic!("not a CSV data set");
                    };
                    prop_assert_eq!(*dim, columns - 1);
                    prop_assert_eq!(labels.len() * dim, values.len());
                    prop_assert!(*classes >= 2);
                    prop_assert!((0..*classes).all(|class| labels.contains(&class)));
                    check_values(&labelled);
                }
            }
        }
    }

    #[test]
    fn spiral_stays_near_its_curve() {
        let mut rng = NoiseRng::seed_from_u64(0);
        for point in Dataset::Spiral.samples(&mut rng, 500).chunks_exact(2) {
            let radius = point[0].hypot(point[1]);
            assert!(radius < 1.1, "{point:?}");
        }
    }
}
