//! Metrics of generated images, judged by a classifier of the real images ([`Classifier`]) and
//! by distances to the training images; each is computed for real images held out of training
//! too, which is what a perfect generator would score.
//!
//! - Label accuracy (conditional models): the share of samples classified as the label they were
//!   generated for.
//! - Classes covered and the KL divergence KL(p̂ ‖ uniform) of the predicted class histogram p̂
//!   (Odena et al., 2017, on measuring the diversity of class-conditional samples): a generator
//!   that drops a class covers fewer classes and has a larger KL.
//! - Fréchet distance between the classifier's hidden features of the samples and of the
//!   training images ([`crate::frechet`]; the FID of Heusel et al., 2017, with this classifier in
//!   place of Inception).
//! - Memorisation: the median distance from a sample to its nearest training image, over the same
//!   median for held-out images. A generator that copies its training images scores near 0; one
//!   that generalises, near 1 (Meehan, Chaudhuri & Dasgupta, 2020, compare such distances in
//!   their test for data copying).

use anyhow::Result;
use picogan::info::{self, Unit};
use serde::Serialize;

use crate::classifier::{self, Classifier};
use crate::frechet::frechet_distance;

/// The most training images the Fréchet distance and the nearest-image distances compare with:
/// a random subset of larger training sets, so that the distances (samples × training images ×
/// pixels) stay within a minute or so. A copy of a training image outside the subset goes unseen.
pub const MAX_TRAINING_IMAGES: usize = 10_000;

/// A class is covered when at least this share of its uniform share (1/K) of the samples is
/// classified as it: 2% of the samples for 10 classes.
const COVERED_SHARE: f64 = 0.2;

/// The metrics of one set of images.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImageMetrics {
    /// Share classified as their label (for the generator: the label asked for; absent for an
    /// unconditional generator).
    pub label_accuracy: Option<f64>,
    /// Classes with at least a fifth of their uniform share of the predictions.
    pub classes_covered: usize,
    /// KL(predicted class histogram ‖ uniform), in nats.
    pub class_histogram_kl: f64,
    /// Squared Fréchet distance to the training images in the classifier's features.
    pub frechet_distance: f64,
    /// Median Euclidean distance from an image to its nearest training image.
    pub nearest_training_median: f64,
}

/// The image metrics of a generator and of held-out real images.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImageReport {
    /// The classifier's accuracy on the held-out real images.
    pub classifier_accuracy: f64,
    /// The generator's metrics.
    pub generator: ImageMetrics,
    /// The held-out real images' metrics.
    pub real_reference: ImageMetrics,
    /// The generator's median nearest-training distance over the held-out images'.
    pub memorisation_ratio: f64,
}

/// Image sets to compare, each flattened with `dim` values a row.
pub struct Sets<'a> {
    /// Values per image.
    pub dim: usize,
    /// The training images (all, or up to [`MAX_TRAINING_IMAGES`] of them).
    pub training: &'a [f32],
    /// Generated images, and the labels they were generated for (empty: unconditional).
    pub generated: (&'a [f32], &'a [usize]),
    /// Held-out real images and their labels.
    pub held_out: (&'a [f32], &'a [usize]),
}

/// The image metrics of `sets`, judged by `classifier`.
pub fn evaluate(classifier: &Classifier, classes: usize, sets: &Sets<'_>) -> Result<ImageReport> {
    let (training_features, _) = classifier.classify(sets.training)?;
    let metrics = |(images, labels): (&[f32], &[usize])| -> Result<ImageMetrics> {
        let (features, predicted) = classifier.classify(images)?;
        let mut histogram = vec![0.0f64; classes];
        for &class in &predicted {
            histogram[class] += 1.0 / predicted.len().max(1) as f64;
        }
        let uniform = vec![1.0 / classes as f64; classes];
        Ok(ImageMetrics {
            label_accuracy: (!labels.is_empty())
                .then(|| classifier::share_equal(&predicted, labels)),
            classes_covered: histogram
                .iter()
                .filter(|&&share| share >= COVERED_SHARE / classes as f64)
                .count(),
            class_histogram_kl: info::kl_divergence(&histogram, &uniform, Unit::Nats)?,
            frechet_distance: frechet_distance(
                &features,
                &training_features,
                crate::classifier::HIDDEN,
            ),
            nearest_training_median: nearest_median(images, sets.training, sets.dim),
        })
    };
    let generator = metrics(sets.generated)?;
    let real_reference = metrics(sets.held_out)?;
    let memorisation_ratio =
        generator.nearest_training_median / real_reference.nearest_training_median.max(1e-12);
    Ok(ImageReport {
        classifier_accuracy: real_reference.label_accuracy.unwrap_or(0.0),
        generator,
        real_reference,
        memorisation_ratio,
    })
}

/// The median over the rows of `images` of the Euclidean distance to the nearest row of
/// `training`.
fn nearest_median(images: &[f32], training: &[f32], dim: usize) -> f64 {
    let mut nearest: Vec<f64> = images
        .chunks_exact(dim)
        .map(|image| {
            training
                .chunks_exact(dim)
                .map(|other| {
                    image
                        .iter()
                        .zip(other)
                        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .collect();
    nearest.sort_by(f64::total_cmp);
    nearest.get(nearest.len() / 2).copied().unwrap_or(0.0)
}

impl ImageReport {
    /// The report as aligned text lines, the held-out images' figures in brackets.
    pub fn to_text(&self) -> Vec<String> {
        let (g, r) = (&self.generator, &self.real_reference);
        let mut lines = vec![format!(
            "images, judged by a classifier of the training images ({:.1}% right on the held-out ones):",
            100.0 * self.classifier_accuracy
        )];
        if let (Some(gv), Some(rv)) = (g.label_accuracy, r.label_accuracy) {
            lines.push(format!(
                "label accuracy      {:>8.2}%  [{:.2}%]",
                100.0 * gv,
                100.0 * rv
            ));
        }
        lines.push(format!(
            "classes covered     {:>9}  [{}]",
            g.classes_covered, r.classes_covered
        ));
        lines.push(format!(
            "class histogram KL  {:>9.4}  [{:.4}]",
            g.class_histogram_kl, r.class_histogram_kl
        ));
        lines.push(format!(
            "Fréchet distance    {:>9.3}  [{:.3}]",
            g.frechet_distance, r.frechet_distance
        ));
        lines.push(format!(
            "nearest training    {:>9.3}  [{:.3}]  memorisation ratio {:.3} (near 0: copies)",
            g.nearest_training_median, r.nearest_training_median, self.memorisation_ratio
        ));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_distance_of_a_copy_is_zero() {
        let training = [0.0, 0.0, 3.0, 4.0];
        assert_eq!(nearest_median(&[3.0, 4.0], &training, 2), 0.0);
        assert_eq!(
            nearest_median(&[0.0, 1.0, 3.0, 6.0, 9.0, 9.0], &training, 2),
            2.0
        );
    }
}
