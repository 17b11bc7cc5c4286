//! The image half of `picogan theory evaluation`: the trainer's image metrics on four generators
//! of 8×8 digits whose failures are known.
//!
//! Claims (Heusel et al., 2017, on the Fréchet distance; Odena et al., 2017, on class coverage;
//! Meehan, Chaudhuri & Dasgupta, 2020, on data copying): a classifier's view of the samples sees
//! a generator that drops classes; the Fréchet distance in its features sees one that outputs
//! a blur of each class; only a distance to the training images sees one that copies them,
//! which every other metric rates as perfect.
//!
//! The generators, each asked for the held-out images' labels (one sample per held-out image):
//! - collapsed: the trained generator, but only ever making digits 0 and 1;
//! - blurry: the mean training image of the asked-for class;
//! - copying: a random training image of the asked-for class;
//! - good: the trained generator `firmware/models/digits.pgan` (the digits' default recipe).

use anyhow::Result;
use picogan::model::{self, Role};
use picogan::rng::{NoiseRng, Rng, SeedableRng};

use crate::classifier::Classifier;
use crate::data::Dataset;
use crate::image_metrics::{self, ImageMetrics, ImageReport};

/// The trained conditional generator of digits (the default recipe, seed 0).
const GOOD_MODEL: &[u8] = include_bytes!("../../../firmware/models/digits.pgan");

/// One metric: its name, its value, the failure test against the held-out images' value, the
/// rule in words, and the decimals shown.
pub struct Row {
    pub name: &'static str,
    pub value: fn(&ImageReport) -> f64,
    pub flags: fn(f64, f64) -> bool,
    pub rule: &'static str,
    pub decimals: usize,
}

/// The generator's metrics.
fn generator(report: &ImageReport) -> &ImageMetrics {
    &report.generator
}

pub const ROWS: [Row; 5] = [
    Row {
        name: "label accuracy (%)",
        value: |r| 100.0 * generator(r).label_accuracy.unwrap_or(f64::NAN),
        flags: |v, real| v < real - 5.0,
        rule: "5 points below real images",
        decimals: 1,
    },
    Row {
        name: "classes covered (of 10)",
        value: |r| generator(r).classes_covered as f64,
        flags: |v, _| v < 10.0,
        rule: "fewer than 10",
        decimals: 0,
    },
    Row {
        name: "class histogram KL",
        value: |r| generator(r).class_histogram_kl,
        flags: |v, _| v > 0.05,
        rule: "above 0.05",
        decimals: 4,
    },
    Row {
        name: "Fréchet distance",
        value: |r| generator(r).frechet_distance,
        flags: |v, real| v > 2.0 * real,
        rule: "twice real images'",
        decimals: 3,
    },
    Row {
        name: "memorisation ratio",
        value: |r| r.memorisation_ratio,
        flags: |v, _| v < 0.7,
        rule: "below 0.7",
        decimals: 3,
    },
];

/// The four generators' image reports (collapsed, blurry, copying, good), each against the same
/// held-out images.
pub fn measure(seed: u64) -> Result<Vec<(&'static str, ImageReport)>> {
    let (training, held_out) = Dataset::open("digits", None)?.split_held_out(0.25)?;
    let held_out = held_out.ok_or_else(|| anyhow::anyhow!("digits hold out a quarter"))?;
    let classifier = Classifier::train(&training)?;
    let (all_training, training_labels) =
        training.distinct_rows(&mut NoiseRng::seed_from_u64(0), usize::MAX, None);
    let (real, labels) = held_out.distinct_rows(&mut NoiseRng::seed_from_u64(0), usize::MAX, None);
    let dim = training.dim();
    let classes = training.classes();
    let good = model::read_dynamic(GOOD_MODEL, Role::Generator)?;
    let normalization: Vec<_> = model::summarize(GOOD_MODEL)?
        .normalization(GOOD_MODEL)
        .collect();
    let generate = |rng: &mut NoiseRng, label: usize| -> Vec<f32> {
        let mut x = vec![0.0; dim];
        good.sample_labelled_into(rng, classes, label, &mut x);
        x.iter()
            .zip(&normalization)
            .map(|(&v, column)| column.to_data(v))
            .collect()
    };
    let rows_of = |class: usize| -> Vec<&[f32]> {
        all_training
            .chunks_exact(dim)
            .zip(&training_labels)
            .filter(|&(_, &l)| l == class)
            .map(|(row, _)| row)
            .collect()
    };
    let means: Vec<Vec<f32>> = (0..classes)
        .map(|class| {
            let rows = rows_of(class);
            (0..dim)
                .map(|k| rows.iter().map(|r| r[k]).sum::<f32>() / rows.len() as f32)
                .collect()
        })
        .collect();
    let mut rng = NoiseRng::seed_from_u64(seed);
    let mut draw = |one: &mut dyn FnMut(&mut NoiseRng, usize) -> Vec<f32>| -> Vec<f32> {
        labels
            .iter()
            .flat_map(|&label| one(&mut rng, label))
            .collect()
    };
    let collapsed = draw(&mut |rng, label| generate(rng, label % 2));
    let blurry = draw(&mut |_, label| means[label].clone());
    let copying = draw(&mut |rng, label| {
        let rows = rows_of(label);
        let pick = ((u64::from(rng.next_u32()) * rows.len() as u64) >> 32) as usize;
        rows[pick].to_vec()
    });
    let trained = draw(&mut |rng, label| generate(rng, label));
    let report = |generated: &[f32]| {
        image_metrics::evaluate(
            &classifier,
            classes,
            &image_metrics::Sets {
                dim,
                training: &all_training,
                generated: (generated, &labels),
                held_out: (&real, &labels),
            },
        )
    };
    Ok(vec![
        ("collapsed", report(&collapsed)?),
        ("blurry", report(&blurry)?),
        ("copying", report(&copying)?),
        ("good", report(&trained)?),
    ])
}

/// The value of `row` for the held-out images themselves.
pub fn real_value(row: &Row, report: &ImageReport) -> f64 {
    let real = ImageReport {
        generator: report.real_reference.clone(),
        memorisation_ratio: 1.0,
        ..report.clone()
    };
    (row.value)(&real)
}
