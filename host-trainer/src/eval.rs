//! Sample-quality metrics, each computed for the generator and, as the yardstick of "perfect",
//! for a second set of real samples.
//!
//! Samples are flat `[f32]` slices of `dim` values each; distances are Euclidean, in f64.

use picogan::info::{Unit, kl_divergence};
use serde::Serialize;

use crate::data::{Dataset, Modes};

/// Neighbours used by precision/recall and density/coverage.
pub const K: usize = 5;
/// Kernel widths of the MMD, as multiples of the median distance between real samples.
pub const MMD_BANDWIDTH_FACTORS: [f64; 4] = [0.1, 0.25, 0.5, 1.0];

/// The mode-coverage protocol of PacGAN (Lin et al., 2018) and VEEGAN (Srivastava et al., 2017).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeMetrics {
    /// Modes with at least one high-quality sample nearest to them.
    pub modes_captured: usize,
    /// Modes of the data set.
    pub modes_total: usize,
    /// Share of samples within [`quality_radius`]·σ of their nearest mode (3σ in one or two
    /// dimensions), in percent.
    pub high_quality_percent: f64,
    /// KL(generated mode histogram ‖ uniform over modes), nats; every sample counts toward its
    /// nearest mode.
    pub reverse_kl: f64,
}

/// One MMD² estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mmd {
    /// RBF kernel width σ in data units: k(x, y) = exp(−‖x − y‖² / 2σ²).
    pub bandwidth: f64,
    /// Unbiased MMD² (Gretton et al., 2012, eq. 3); can be slightly negative.
    pub mmd2: f64,
}

/// All metrics of one sample set against the real reference set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Mode coverage, for mixtures of Gaussians.
    pub modes: Option<ModeMetrics>,
    /// MMD² at several bandwidths.
    pub mmd: Vec<Mmd>,
    /// Improved precision (Kynkäänniemi et al., 2019): share of samples inside the real k-NN
    /// manifold.
    pub precision: f64,
    /// Improved recall: share of real samples inside the samples' k-NN manifold.
    pub recall: f64,
    /// Density (Naeem et al., 2020): mean count of real k-NN balls holding a sample, over k.
    pub density: f64,
    /// Coverage (Naeem et al., 2020): share of real k-NN balls holding at least one sample.
    pub coverage: f64,
}

fn distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

/// The mode nearest to `sample` (the first on ties) and the distance to it.
pub fn nearest_mode(sample: &[f32], modes: &Modes) -> (usize, f64) {
    modes
        .means
        .iter()
        .map(|mean| distance(sample, mean))
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |best, (i, d)| if d < best.1 { (i, d) } else { best },
        )
}

/// P(χ²_d ≤ x): the share of a d-dimensional standard normal vector's mass within radius √x. It
/// is the regularized lower incomplete gamma function P(d/2, x/2), summed by its power series
/// (Abramowitz & Stegun, Handbook of Mathematical Functions, 6.5.29).
pub fn chi_square_cdf(d: usize, x: f64) -> f64 {
    let (a, x) = (d as f64 / 2.0, x / 2.0);
    if x <= 0.0 || d == 0 {
        return 0.0;
    }
    let mut term = 1.0 / a;
    let mut sum = term;
    let mut n = 1.0;
    while term > sum * 1e-16 {
        term *= x / (a + n);
        sum += term;
        n += 1.0;
    }
    (sum.ln() + a * x.ln() - x - libm::lgamma(a)).exp().min(1.0)
}

/// The radius, in σ, within which a sample counts as high quality for data of `dim` values: 3
/// in one or two dimensions (the literature's 3σ), and above, the radius that holds the same
/// share of a Gaussian mode's own samples as 3σ holds in the plane, 1 − e^(−4.5) ≈ 98.9%
/// (in 8 dimensions, 3σ holds only 66% of them, so a perfect generator would score 66%).
pub fn quality_radius(dim: usize) -> f64 {
    if dim <= 2 {
        return 3.0;
    }
    let target = 1.0 - (-4.5f64).exp();
    let (mut lo, mut hi) = (0.0f64, 10.0 + 2.0 * (dim as f64).sqrt());
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if chi_square_cdf(dim, mid * mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The mode metrics of `samples` for a mixture with `modes`.
pub fn mode_metrics(samples: &[f32], dim: usize, modes: &Modes) -> ModeMetrics {
    let radius = quality_radius(dim) * f64::from(modes.std);
    let count = modes.means.len();
    let mut histogram = vec![0usize; count];
    let mut captured = vec![false; count];
    let mut high_quality = 0;
    let n = samples.len() / dim;
    for sample in samples.chunks_exact(dim) {
        let (nearest, dist) = nearest_mode(sample, modes);
        histogram[nearest] += 1;
        if dist < radius {
            high_quality += 1;
            captured[nearest] = true;
        }
    }
    let p: Vec<f64> = histogram.iter().map(|&c| c as f64 / n as f64).collect();
    let uniform = vec![1.0 / count as f64; count];
    ModeMetrics {
        modes_captured: captured.iter().filter(|&&c| c).count(),
        modes_total: count,
        high_quality_percent: 100.0 * high_quality as f64 / n as f64,
        reverse_kl: kl_divergence(&p, &uniform, Unit::Nats).unwrap_or(f64::NAN),
    }
}

/// The mode that most of `samples` are nearest to (the first on ties).
pub fn dominant_mode(samples: &[f32], dim: usize, modes: &Modes) -> usize {
    let mut histogram = vec![0usize; modes.means.len()];
    for sample in samples.chunks_exact(dim) {
        histogram[nearest_mode(sample, modes).0] += 1;
    }
    let best = histogram.iter().max().copied().unwrap_or(0);
    histogram.iter().position(|&c| c == best).unwrap_or(0)
}

/// Share of `samples`, in percent, that lie on mode `mode`: nearest to it and within
/// [`quality_radius`]·σ of it.
pub fn on_mode_percent(samples: &[f32], dim: usize, modes: &Modes, mode: usize) -> f64 {
    let radius = quality_radius(dim) * f64::from(modes.std);
    let n = samples.len() / dim;
    let on = samples
        .chunks_exact(dim)
        .map(|sample| nearest_mode(sample, modes))
        .filter(|&(nearest, dist)| nearest == mode && dist < radius)
        .count();
    100.0 * on as f64 / n.max(1) as f64
}

/// The median of the pairwise distances among the first 1,000 samples.
pub fn median_distance(samples: &[f32], dim: usize) -> f64 {
    let points: Vec<&[f32]> = samples.chunks_exact(dim).take(1000).collect();
    let mut distances = Vec::with_capacity(points.len() * points.len() / 2);
    for (i, a) in points.iter().enumerate() {
        for b in &points[..i] {
            distances.push(distance(a, b));
        }
    }
    distances.sort_by(f64::total_cmp);
    distances.get(distances.len() / 2).copied().unwrap_or(1.0)
}

/// Unbiased MMD² between samples x and y at each bandwidth.
pub fn mmd(x: &[f32], y: &[f32], dim: usize, bandwidths: &[f64]) -> Vec<Mmd> {
    let xs: Vec<&[f32]> = x.chunks_exact(dim).collect();
    let ys: Vec<&[f32]> = y.chunks_exact(dim).collect();
    let gammas: Vec<f64> = bandwidths.iter().map(|s| 1.0 / (2.0 * s * s)).collect();
    // Σ over distinct pairs within a set (each unordered pair once, doubled), and across sets.
    let within = |set: &[&[f32]]| -> Vec<f64> {
        let mut sums = vec![0.0; gammas.len()];
        for (i, a) in set.iter().enumerate() {
            for b in &set[..i] {
                let d2 = distance(a, b).powi(2);
                for (sum, g) in sums.iter_mut().zip(&gammas) {
                    *sum += 2.0 * (-g * d2).exp();
                }
            }
        }
        let pairs = (set.len() * (set.len() - 1)) as f64;
        sums.iter().map(|s| s / pairs).collect()
    };
    let (kxx, kyy) = (within(&xs), within(&ys));
    let mut kxy = vec![0.0; gammas.len()];
    for a in &xs {
        for b in &ys {
            let d2 = distance(a, b).powi(2);
            for (sum, g) in kxy.iter_mut().zip(&gammas) {
                *sum += (-g * d2).exp();
            }
        }
    }
    let cross = (xs.len() * ys.len()) as f64;
    bandwidths
        .iter()
        .enumerate()
        .map(|(i, &bandwidth)| Mmd {
            bandwidth,
            mmd2: kxx[i] + kyy[i] - 2.0 * kxy[i] / cross,
        })
        .collect()
}

/// For each point, the distance to its K-th nearest other point of the same set.
fn knn_radii(points: &[&[f32]]) -> Vec<f64> {
    let mut row = Vec::with_capacity(points.len());
    points
        .iter()
        .enumerate()
        .map(|(i, a)| {
            row.clear();
            row.extend(
                points
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, b)| distance(a, b)),
            );
            let k = K.min(row.len()).saturating_sub(1);
            row.select_nth_unstable_by(k, f64::total_cmp);
            row[k]
        })
        .collect()
}

/// Precision, recall, density and coverage of `fake` against `real`, with k = [`K`].
fn manifold_metrics(real: &[f32], fake: &[f32], dim: usize) -> (f64, f64, f64, f64) {
    let reals: Vec<&[f32]> = real.chunks_exact(dim).collect();
    let fakes: Vec<&[f32]> = fake.chunks_exact(dim).collect();
    let real_radii = knn_radii(&reals);
    let fake_radii = knn_radii(&fakes);
    let mut precise = 0usize;
    let mut density_count = 0usize;
    let mut covered = vec![false; reals.len()];
    for f in &fakes {
        let mut inside_any = false;
        for (i, (r, radius)) in reals.iter().zip(&real_radii).enumerate() {
            if distance(f, r) <= *radius {
                inside_any = true;
                density_count += 1;
                covered[i] = true;
            }
        }
        precise += usize::from(inside_any);
    }
    let recalled = reals
        .iter()
        .filter(|r| {
            fakes
                .iter()
                .zip(&fake_radii)
                .any(|(f, radius)| distance(r, f) <= *radius)
        })
        .count();
    let m = fakes.len() as f64;
    let n = reals.len() as f64;
    (
        precise as f64 / m,
        recalled as f64 / n,
        density_count as f64 / (K as f64 * m),
        covered.iter().filter(|&&c| c).count() as f64 / n,
    )
}

/// Every metric of `samples` against `real` (both `dim`-dimensional, flattened).
pub fn evaluate(
    samples: &[f32],
    real: &[f32],
    dim: usize,
    dataset: &Dataset,
    bandwidths: &[f64],
) -> Metrics {
    let (precision, recall, density, coverage) = manifold_metrics(real, samples, dim);
    Metrics {
        modes: dataset
            .modes()
            .map(|modes| mode_metrics(samples, dim, &modes)),
        mmd: mmd(samples, real, dim, bandwidths),
        precision,
        recall,
        density,
        coverage,
    }
}

/// Where one class's samples fall in a mixture whose modes are known: its own mode is the one
/// most of its real samples are nearest to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OwnMode {
    /// The class's mode.
    pub mode: usize,
    /// Share of the generated samples on that mode ([`on_mode_percent`]), in percent.
    pub generator_percent: f64,
    /// The same share for the second real set.
    pub real_percent: f64,
}

/// A conditional generator's metrics for one class: its samples for that label against the
/// real samples of that class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassReport {
    /// The label.
    pub class: usize,
    /// Samples per set.
    pub samples: usize,
    /// The class's own mode, for a mixture whose modes are known.
    pub own_mode: Option<OwnMode>,
    /// The generator's metrics for this label.
    pub generator: Metrics,
    /// A second real set of this class.
    pub real_reference: Metrics,
}

/// The metrics of a generator and of a second real set, against the same real reference.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Data set name.
    pub dataset: String,
    /// Samples per set.
    pub samples: usize,
    /// Whether the second real set is rows held out of training (else fresh draws of the data).
    pub held_out: bool,
    /// Labelled image data with held-out rows: the metrics of the images as images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<crate::image_metrics::ImageReport>,
    /// Seed of the evaluation draws.
    pub seed: u64,
    /// The generator's metrics.
    pub generator: Metrics,
    /// The same metrics for fresh real samples: what a perfect generator would score.
    pub real_reference: Metrics,
    /// A conditional generator's metrics class by class (empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassReport>,
}

impl Report {
    /// The report as aligned text.
    pub fn to_text(&self) -> String {
        let second = if self.held_out {
            "real rows held out of training"
        } else {
            "a second real sample set"
        };
        let mut lines = vec![format!(
            "{} samples of {} (seed {}); in brackets: {second}",
            self.samples, self.dataset, self.seed
        )];
        let (g, r) = (&self.generator, &self.real_reference);
        if let (Some(gm), Some(rm)) = (&g.modes, &r.modes) {
            lines.push(format!(
                "modes captured      {:>9}  [{}/{}]",
                format!("{}/{}", gm.modes_captured, gm.modes_total),
                rm.modes_captured,
                rm.modes_total
            ));
            lines.push(format!(
                "high quality        {:>8.2}%  [{:.2}%]",
                gm.high_quality_percent, rm.high_quality_percent
            ));
            lines.push(format!(
                "reverse KL          {:>9.4}  [{:.4}]",
                gm.reverse_kl, rm.reverse_kl
            ));
        }
        for (gm, rm) in g.mmd.iter().zip(&r.mmd) {
            let name = format!("MMD² (σ = {:.3})", gm.bandwidth);
            lines.push(format!("{name:<19} {:>9.5}  [{:.5}]", gm.mmd2, rm.mmd2));
        }
        for (name, gv, rv) in [
            ("precision", g.precision, r.precision),
            ("recall", g.recall, r.recall),
            ("density", g.density, r.density),
            ("coverage", g.coverage, r.coverage),
        ] {
            lines.push(format!("{name:<19} {gv:>9.4}  [{rv:.4}]"));
        }
        if let Some(images) = &self.images {
            lines.extend(images.to_text());
        }
        if !self.classes.is_empty() {
            lines.push(format!(
                "per class ({} samples each): own mode, precision, recall, coverage",
                self.classes[0].samples
            ));
        }
        for class in &self.classes {
            let (g, r) = (&class.generator, &class.real_reference);
            let own = class.own_mode.as_ref().map_or(String::new(), |m| {
                format!(
                    "mode {} {:6.2}% [{:.2}%]  ",
                    m.mode, m.generator_percent, m.real_percent
                )
            });
            lines.push(format!(
                "  class {:<3} {own}{:.3} [{:.3}]  {:.3} [{:.3}]  {:.3} [{:.3}]",
                class.class, g.precision, r.precision, g.recall, r.recall, g.coverage, r.coverage
            ));
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known values: P(χ²₂ ≤ 9) = 1 − e^(−4.5), P(χ²₁ ≤ 9) = 99.73% (3σ), and the median of χ²₈
    /// is 7.344 (tables); the radius is 3 in the plane and √19.9 ≈ 4.46 in 8 dimensions.
    #[test]
    fn chi_square_and_the_quality_radius() {
        assert!((chi_square_cdf(2, 9.0) - (1.0 - (-4.5f64).exp())).abs() < 1e-12);
        assert!((chi_square_cdf(1, 9.0) - 0.997_300_2).abs() < 1e-6);
        assert!((chi_square_cdf(8, 7.344) - 0.5).abs() < 1e-3);
        assert_eq!(quality_radius(2), 3.0);
        let r8 = quality_radius(8);
        assert!((chi_square_cdf(8, r8 * r8) - chi_square_cdf(2, 9.0)).abs() < 1e-9);
        assert!((4.4..4.5).contains(&r8), "{r8}");
    }

    #[test]
    fn mode_metrics_of_a_collapsed_and_a_perfect_set() {
        let modes = Modes {
            means: vec![vec![-1.0], vec![1.0]],
            std: 0.1,
        };
        let collapsed = vec![-1.0f32; 100];
        let m = mode_metrics(&collapsed, 1, &modes);
        assert_eq!((m.modes_captured, m.high_quality_percent), (1, 100.0));
        assert!((m.reverse_kl - 2f64.ln()).abs() < 1e-12);
        let balanced: Vec<f32> = (0..100)
            .map(|i| if i % 2 == 0 { -1.05 } else { 1.5 })
            .collect();
        let m = mode_metrics(&balanced, 1, &modes);
        assert_eq!(
            (m.modes_captured, m.high_quality_percent, m.reverse_kl),
            (1, 50.0, 0.0)
        );
    }

    #[test]
    fn mmd_is_near_zero_for_one_set_and_twice_the_self_similarity_for_distant_ones() {
        let a: Vec<f32> = (0..200).map(|i| (i as f32 * 0.37).sin()).collect();
        // x = y: (1/n(n−1))·Σ_{i≠j} k counted twice minus (2/n²)·Σ_{i,j} k, which is O(1/n).
        assert!(mmd(&a, &a, 1, &[0.5])[0].mmd2.abs() < 0.02);
        // Sets 50σ apart: the cross term vanishes, leaving the two within-set means.
        let shifted: Vec<f32> = a.iter().map(|v| v + 25.0).collect();
        let points: Vec<&[f32]> = a.chunks_exact(1).collect();
        let mut within = 0.0;
        for (i, x) in points.iter().enumerate() {
            for (j, y) in points.iter().enumerate() {
                if i != j {
                    within += (-distance(x, y).powi(2) / (2.0 * 0.25)).exp();
                }
            }
        }
        within /= (points.len() * (points.len() - 1)) as f64;
        let far = mmd(&a, &shifted, 1, &[0.5])[0].mmd2;
        // (The shifted set keeps fewer f32 digits, hence 1e-6 rather than 1e-12.)
        assert!(
            (far - 2.0 * within).abs() < 1e-6,
            "{far} vs {}",
            2.0 * within
        );
    }

    #[test]
    fn precision_and_recall_separate_quality_from_coverage() {
        // Real: two clusters; fake: only the first one.
        let real: Vec<f32> = (0..100)
            .map(|i| {
                if i % 2 == 0 {
                    (i % 7) as f32 * 0.01
                } else {
                    10.0 + (i % 5) as f32 * 0.01
                }
            })
            .collect();
        let fake: Vec<f32> = (0..100).map(|i| (i % 7) as f32 * 0.01).collect();
        let (precision, recall, _density, coverage) = manifold_metrics(&real, &fake, 1);
        assert_eq!(precision, 1.0);
        assert!(
            (recall - 0.5).abs() < 1e-12 && (coverage - 0.5).abs() < 1e-12,
            "{recall} {coverage}"
        );
    }
}
