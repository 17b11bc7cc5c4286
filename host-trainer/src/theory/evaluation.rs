//! How to evaluate a GAN: the trainer's metrics on three generators of ring8 whose failures are
//! known, to show which metric notices which failure.
//!
//! Claims (Theis, van den Oord & Bethge, *A note on the evaluation of generative models*, ICLR
//! 2016; Sajjadi et al., *Assessing Generative Models via Precision and Recall*, NeurIPS 2018;
//! Naeem et al., *Reliable Fidelity and Diversity Metrics for Generative Models*, ICML 2020):
//! no single number captures both sample quality and diversity. Mode counts and recall/coverage
//! see a collapsed generator; high-quality share and precision/density see a blurry one; MMD
//! sees both but does not say which.
//!
//! The three generators, each sampled 2,500 times:
//! - collapsed: perfect samples of only 2 of the 8 modes;
//! - blurry: all 8 modes, with σ = 0.08 instead of 0.01;
//! - good: the trained generator of `firmware/models/ring8.pgan` (the trainer's default recipe).
//!
//! The same on images, with the image metrics of the 8×8 digits: see [`super::evaluation_images`].
//!
//! `picogan theory evaluation` also writes the page `evaluation.md`; `docs/evaluating-gans.md`
//! is that page, and a test checks it still matches what the code prints.

use std::path::{Path, PathBuf};

use anyhow::Result;
use picogan::mixture::GaussianMixture;
use picogan::model::{self, Role};
use picogan::rng::{NoiseRng, SeedableRng};

use super::evaluation_images as images;
use crate::data::Dataset;
use crate::eval::{self, Metrics};
use crate::files::write_atomic;
use crate::image_metrics::ImageReport;

/// The default seed of every draw.
pub const SEED: u64 = 0;
const SAMPLES: usize = 2500;
/// The trained generator (the trainer's default recipe on ring8, seed 0).
const GOOD_MODEL: &[u8] = include_bytes!("../../../firmware/models/ring8.pgan");
const BLURRY_STD: f32 = 0.08;

/// One metric: its name, how to read it, and the failure test applied to each generator.
struct Row {
    name: &'static str,
    value: fn(&Metrics) -> f64,
    /// True when `value` is worse than the real reference's by the metric's tolerance.
    flags: fn(f64, f64) -> bool,
    rule: &'static str,
    /// Decimals shown.
    decimals: usize,
}

const ROWS: [Row; 8] = [
    Row {
        name: "modes captured (of 8)",
        value: |m| {
            m.modes
                .as_ref()
                .map_or(f64::NAN, |m| m.modes_captured as f64)
        },
        flags: |v, _| v < 8.0,
        rule: "fewer than 8",
        decimals: 0,
    },
    Row {
        name: "high quality (%)",
        value: |m| {
            m.modes
                .as_ref()
                .map_or(f64::NAN, |m| m.high_quality_percent)
        },
        flags: |v, real| v < real - 5.0,
        rule: "5 points below real data",
        decimals: 2,
    },
    Row {
        name: "reverse KL of mode shares",
        value: |m| m.modes.as_ref().map_or(f64::NAN, |m| m.reverse_kl),
        flags: |v, _| v > 0.05,
        rule: "above 0.05",
        decimals: 4,
    },
    Row {
        name: "MMD² (narrowest kernel)",
        value: |m| m.mmd.first().map_or(f64::NAN, |m| m.mmd2),
        flags: |v, real| v > real.abs() + 0.01,
        rule: "0.01 above real data",
        decimals: 4,
    },
    neighbour_row("precision", |m| m.precision),
    neighbour_row("recall", |m| m.recall),
    neighbour_row("density", |m| m.density),
    neighbour_row("coverage", |m| m.coverage),
];

/// A k-nearest-neighbour metric (1 for real data): flagged 0.1 below the real reference.
const fn neighbour_row(name: &'static str, value: fn(&Metrics) -> f64) -> Row {
    Row {
        name,
        value,
        flags: |v, real| v < real - 0.1,
        rule: "0.1 below real data",
        decimals: 4,
    }
}

/// The three generators' metrics and the real reference's.
pub struct Report {
    /// (generator name, its metrics), in the order collapsed, blurry, good.
    pub generators: Vec<(&'static str, Metrics)>,
    /// A second real sample set's metrics.
    pub real: Metrics,
    /// The digits' generators (collapsed, blurry, copying, good) and their image metrics.
    pub images: Vec<(&'static str, ImageReport)>,
}

/// Samples the three generators and evaluates them against ring8.
pub fn measure(seed: u64) -> Result<Report> {
    let dataset = Dataset::open("ring8", None)?;
    let modes = dataset
        .modes()
        .ok_or_else(|| anyhow::anyhow!("ring8 has modes"))?;
    let mean = |i: usize| [modes.means[i][0], modes.means[i][1]];
    let collapsed = GaussianMixture::<2, 2>::new([mean(0), mean(1)], modes.std);
    let blurry = GaussianMixture::<8, 2>::new(core::array::from_fn(mean), BLURRY_STD);
    let good = model::read_dynamic(GOOD_MODEL, Role::Generator)?;

    let draw = |salt: u64, one: &dyn Fn(&mut NoiseRng) -> [f32; 2]| -> Vec<f32> {
        let mut rng = NoiseRng::seed_from_u64(seed ^ salt);
        (0..SAMPLES).flat_map(|_| one(&mut rng)).collect()
    };
    let real = dataset.samples(&mut NoiseRng::seed_from_u64(seed ^ 0xA1), SAMPLES);
    let second = dataset.samples(&mut NoiseRng::seed_from_u64(seed ^ 0xA2), SAMPLES);
    let median = eval::median_distance(&real, 2);
    let bandwidths: Vec<f64> = eval::MMD_BANDWIDTH_FACTORS
        .iter()
        .map(|f| f * median)
        .collect();
    let metrics = |samples: &[f32]| eval::evaluate(samples, &real, 2, &dataset, &bandwidths);
    Ok(Report {
        generators: vec![
            (
                "collapsed",
                metrics(&draw(0xB1, &|rng| collapsed.sample(rng))),
            ),
            ("blurry", metrics(&draw(0xB2, &|rng| blurry.sample(rng)))),
            (
                "good",
                metrics(&draw(0xB3, &|rng| {
                    let mut point = [0.0; 2];
                    good.sample_into(rng, &mut point);
                    point
                })),
            ),
        ],
        real: metrics(&second),
        images: images::measure(seed)?,
    })
}

impl Report {
    /// The comparison as a Markdown page.
    pub fn markdown(&self) -> String {
        let mut page = String::from(
            "# Evaluating a GAN: which metric notices which failure\n\n\
             Generated by `picogan theory evaluation` (seed 0); do not edit by hand.\n\n\
             Three generators of ring8 (8 Gaussians of σ = 0.01 on the unit circle), 2,500 \
             samples each, scored by the trainer's metrics against 2,500 real samples:\n\n\
             - **collapsed**: perfect samples of only 2 of the 8 modes (mode collapse);\n\
             - **blurry**: all 8 modes, but with σ = 0.08 (low sample quality);\n\
             - **good**: the trained generator `firmware/models/ring8.pgan`.\n\n\
             A ✗ marks a value that flags a failure by the rule in the last column; \
             \"real\" is a second real sample set, what a perfect generator scores.\n\n\
             | metric | collapsed | blurry | good | real | flags a failure when |\n\
             |---|---|---|---|---|---|\n",
        );
        for row in &ROWS {
            let real = (row.value)(&self.real);
            page += &format!("| {} |", row.name);
            for (_, metrics) in &self.generators {
                let v = (row.value)(metrics);
                let mark = if (row.flags)(v, real) { " ✗" } else { "" };
                page += &format!(" {:.*}{mark} |", row.decimals, v);
            }
            page += &format!(" {:.*} | {} |\n", row.decimals, real, row.rule);
        }
        page += "\nWhat the marks show:\n\n";
        for (name, lesson) in self.lessons() {
            page += &format!("- **{name}**: {lesson}\n");
        }
        page += "\n\
            Mode counts, high-quality share and reverse KL need the data's modes, so they exist \
            only for toy mixtures; precision, recall, density and coverage (k = 5 nearest \
            neighbours) and MMD work on any data. Report one quality metric and one diversity \
            metric at least, next to the same metric for real data.\n";
        page += &self.images_markdown();
        page
    }

    /// The digits' part of the page.
    fn images_markdown(&self) -> String {
        let mut page = String::from(
            "\n## Images: the 8×8 digits\n\n\
             Four generators of digits, one sample for each image held out of training (asked \
             for its label), scored by the trainer's image metrics: a classifier of the training \
             images (64 → 128 → 10) judges each sample's class, the Fréchet distance compares \
             its hidden features with the training images', and the memorisation ratio is the \
             median distance from a sample to its nearest training image over the same for the \
             held-out images.\n\n\
             - **collapsed**: the trained generator, making only digits 0 and 1 (mode collapse);\n\
             - **blurry**: the mean training image of the asked-for digit;\n\
             - **copying**: a random training image of the asked-for digit;\n\
             - **good**: the trained generator `firmware/models/digits.pgan`.\n\n\
             | metric | collapsed | blurry | copying | good | real | flags a failure when |\n\
             |---|---|---|---|---|---|---|\n",
        );
        let Some((_, first)) = self.images.first() else {
            return page;
        };
        for row in &images::ROWS {
            let real = images::real_value(row, first);
            page += &format!("| {} |", row.name);
            for (_, report) in &self.images {
                let v = (row.value)(report);
                let mark = if (row.flags)(v, real) { " ✗" } else { "" };
                page += &format!(" {:.*}{mark} |", row.decimals, v);
            }
            page += &format!(" {:.*} | {} |\n", row.decimals, real, row.rule);
        }
        page += "\nWhat the marks show:\n\n";
        for (i, (name, _)) in self.images.iter().enumerate() {
            page += &format!("- **{name}**: flagged by {}.\n", list(self.image_flags(i)));
        }
        page += "\n\
            The copying generator is the one no quality or diversity metric can catch: its \
            samples are real images. Only the distance to the training set tells it apart, which \
            is why the trainer holds out a quarter of the digits and prints every metric for \
            them too.\n";
        page
    }

    /// Which image metrics flag the digits' generator `index`.
    fn image_flags(&self, index: usize) -> Vec<&'static str> {
        let (_, report) = &self.images[index];
        images::ROWS
            .iter()
            .filter(|row| (row.flags)((row.value)(report), images::real_value(row, report)))
            .map(|row| row.name)
            .collect()
    }

    /// Which metrics flag each generator.
    fn flagged(&self, generator: usize) -> Vec<&'static str> {
        ROWS.iter()
            .filter(|row| {
                (row.flags)(
                    (row.value)(&self.generators[generator].1),
                    (row.value)(&self.real),
                )
            })
            .map(|row| row.name)
            .collect()
    }

    fn lessons(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "collapsed",
                format!(
                    "flagged by {}. Every sample is perfect, so the quality metrics pass it.",
                    list(self.flagged(0))
                ),
            ),
            (
                "blurry",
                format!(
                    "flagged by {}. Every mode is present, so the diversity metrics pass it.",
                    list(self.flagged(1))
                ),
            ),
            (
                "good",
                format!(
                    "flagged by {}. Its samples sit a little more tightly around each mode \
                     centre than the data's σ, so some real samples at a mode's rim have no \
                     generated neighbour: the k-nearest-neighbour diversity metrics notice, \
                     coverage most strictly (it asks every real sample's small k-NN ball to hold \
                     a generated one).",
                    list(self.flagged(2))
                ),
            ),
        ]
    }
}

/// Metric names joined by commas, or "none".
fn list(names: Vec<&str>) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Prints the comparison and writes `evaluation.md`.
pub fn run(out: &Path, seed: u64) -> Result<(String, Vec<PathBuf>)> {
    let page = measure(seed)?.markdown();
    let path = out.join("evaluation.md");
    write_atomic(&path, page.as_bytes())?;
    Ok((page, vec![path]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mode counts, reverse KL and recall see the collapse and not the blur; high quality,
    /// precision and density see the blur and not the collapse; the committed page is what the
    /// code prints.
    #[test]
    fn each_failure_is_seen_by_its_own_metrics_and_the_page_is_current() {
        let report = measure(SEED).unwrap();
        let (collapsed, blurry) = (report.flagged(0), report.flagged(1));
        for name in [
            "modes captured (of 8)",
            "reverse KL of mode shares",
            "recall",
        ] {
            assert!(
                collapsed.contains(&name) && !blurry.contains(&name),
                "{name}"
            );
        }
        for name in ["high quality (%)", "precision", "density"] {
            assert!(
                blurry.contains(&name) && !collapsed.contains(&name),
                "{name}"
            );
        }
        // On the digits: each failure is flagged by its own image metric, and only by it.
        let flags = |i: usize| report.image_flags(i);
        assert!(flags(0).contains(&"classes covered (of 10)"));
        assert!(flags(0).contains(&"class histogram KL"));
        assert_eq!(flags(1), ["Fréchet distance"]);
        assert_eq!(flags(2), ["memorisation ratio"]);
        assert!(flags(3).is_empty(), "{:?}", flags(3));
        let committed = include_str!("../../../docs/evaluating-gans.md");
        assert_eq!(
            committed,
            report.markdown(),
            "docs/evaluating-gans.md is stale: run picogan theory evaluation and copy out/theory/evaluation/evaluation.md"
        );
    }
}
