//! The optimal discriminator: for a fixed generator, the best D is D*(x) = p_data/(p_data + p_g),
//! and at D* the value function is V(D*, G) = −ln 4 + 2·JSD(p_data‖p_g).
//!
//! Claim (Goodfellow et al., *Generative Adversarial Nets*, NeurIPS 2014, Proposition 1 and
//! Theorem 1): maximising V(D, G) = E_data[ln D(x)] + E_g[ln(1 − D(x))] pointwise in D(x) gives
//! D*, and substituting it gives −ln 4 + 2·JSD, so training D to convergence estimates the
//! Jensen–Shannon divergence between the data and the generator.
//!
//! The numbers: p_data = ½N(−2, 0.5²) + ½N(2, 0.5²), and a frozen generator whose samples follow
//! p_g = N(0.5, 1.5²). A 1 → 32 → 32 → 1 LeakyReLU discriminator is trained with the core's
//! layers, binary cross-entropy and Adam on fresh batches of 256 + 256 samples. Its D(x) is
//! compared with D* on a grid where p_data + p_g ≥ 0.05 (elsewhere no sample constrains D), and
//! V(D, G) and V(D*, G) are integrated numerically (3,201 points on [−8, 8]) next to
//! −ln 4 + 2·JSD computed by `picogan::info` on the same grid.

use std::path::{Path, PathBuf};

use anyhow::Result;
use picogan::info::{self, Unit};
use picogan::loss::{GanLoss, mean_loss};
use picogan::mixture::GaussianMixture;
use picogan::optim::{Adam, Optimizer};
use picogan::rng::{NoiseRng, SeedableRng, standard_normal};
use picogan::{Activation::*, Dense, Layer, Mlp3, Network, Trainable, sigmoid};
use plotters::prelude::*;

use crate::plot::{self, Curve};

/// The default seed of the initialisation and the batches.
pub const SEED: u64 = 1;
const DATA: GaussianMixture<2, 1> = GaussianMixture::new([[-2.0], [2.0]], 0.5);
const G_MEAN: f32 = 0.5;
const G_STD: f32 = 1.5;
const BATCH: usize = 256;
const STEPS: usize = 4000;
/// Where D is compared with D*: points with p_data + p_g at least this.
const SUPPORT: f64 = 0.05;

type D = Mlp3<1, 32, 32, 1>;

fn normal_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x - mu) / sigma;
    (-0.5 * z * z).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt())
}

fn p_data(x: f64) -> f64 {
    0.5 * normal_pdf(x, -2.0, 0.5) + 0.5 * normal_pdf(x, 2.0, 0.5)
}

fn p_g(x: f64) -> f64 {
    normal_pdf(x, f64::from(G_MEAN), f64::from(G_STD))
}

/// What the experiment measures.
#[derive(Debug)]
pub struct Report {
    /// Grid points with D(x) and D*(x).
    pub curve: Vec<(f64, f64, f64)>,
    /// max |D − D*| where p_data + p_g ≥ [`SUPPORT`].
    pub largest_gap: f64,
    /// V(D, G) of the trained D, integrated on the grid.
    pub value_trained: f64,
    /// V(D*, G), integrated on the grid.
    pub value_optimal: f64,
    /// −ln 4 + 2·JSD(p_data‖p_g) on the same grid.
    pub jsd_form: f64,
    /// JSD(p_data‖p_g) in nats.
    pub jsd: f64,
}

/// Trains D against the fixed p_g and compares it with D*.
pub fn measure(seed: u64) -> Result<Report> {
    let mut rng = NoiseRng::seed_from_u64(seed);
    let mut d: D = (
        Dense::new(LeakyRelu(0.2)),
        (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
    );
    d.init_params(&mut rng);
    let mut grads = d.zeroed_like();
    let adam = Adam {
        lr: 1e-3,
        beta1: 0.5,
        ..Adam::default()
    };
    let mut state = adam.new_state(&d);
    let mut trace = Box::new(D::new_trace::<BATCH>());
    let mut batch = [[0.0f32; 1]; BATCH];
    let loss = GanLoss::NonSaturating;
    for _ in 0..STEPS {
        grads.zero_params();
        for real in [true, false] {
            for x in batch.iter_mut() {
                *x = if real {
                    DATA.sample(&mut rng)
                } else {
                    [G_MEAN + G_STD * standard_normal(&mut rng)]
                };
            }
            d.forward_batch(&batch, &mut trace); // [B][1]
            let (logits, logit_grads) = D::output_and_grad_mut(&mut trace);
            let (logits, logit_grads) = (logits.as_flattened(), logit_grads.as_flattened_mut());
            if real {
                mean_loss(logits, logit_grads, |x| loss.discriminator_real(x));
            } else {
                mean_loss(logits, logit_grads, |x| loss.discriminator_fake(x));
            }
            d.backward_batch(&batch, &mut trace, Some(&mut grads), None);
        }
        adam.step(&mut d, &grads, &mut state);
    }

    let points = 3201;
    let xs: Vec<f64> = (0..points)
        .map(|i| -8.0 + 16.0 * i as f64 / (points - 1) as f64)
        .collect();
    let normalise = |density: &dyn Fn(f64) -> f64| -> Vec<f64> {
        let values: Vec<f64> = xs.iter().map(|&x| density(x)).collect();
        let total: f64 = values.iter().sum();
        values.into_iter().map(|v| v / total).collect()
    };
    let (data, generated) = (normalise(&p_data), normalise(&p_g));
    let logits: Vec<f64> = xs
        .iter()
        .map(|&x| f64::from(d.forward(&[x as f32])[0]))
        .collect();
    let trained: Vec<f64> = logits
        .iter()
        .map(|&l| f64::from(sigmoid(l as f32)))
        .collect();
    // V(D, G) from the logits: ln D = −softplus(−l), ln(1 − D) = −softplus(l), exact in the tails
    // where D rounds to 0 or 1.
    let softplus = |l: f64| l.max(0.0) + (-l.abs()).exp().ln_1p();
    let value_trained = logits
        .iter()
        .zip(data.iter().zip(&generated))
        .map(|(&l, (&a, &b))| -a * softplus(-l) - b * softplus(l))
        .sum();
    let optimal: Vec<f64> = data
        .iter()
        .zip(&generated)
        .map(|(&a, &b)| info::optimal_discriminator(a, b))
        .collect::<Result<_, _>>()?;
    let largest_gap = xs
        .iter()
        .zip(trained.iter().zip(&optimal))
        .filter(|(x, _)| p_data(**x) + p_g(**x) >= SUPPORT)
        .map(|(_, (a, b))| (a - b).abs())
        .fold(0.0, f64::max);
    let jsd = info::js_divergence(&data, &generated, Unit::Nats)?;
    Ok(Report {
        curve: xs
            .iter()
            .zip(trained.iter().zip(&optimal))
            .map(|(&x, (&a, &b))| (x, a, b))
            .collect(),
        largest_gap,
        value_trained,
        value_optimal: info::value_function(&optimal, &data, &generated)?,
        jsd_form: -(4f64.ln()) + 2.0 * jsd,
        jsd,
    })
}

impl Report {
    fn text(&self) -> String {
        format!(
            "p_data = ½N(−2, 0.5²) + ½N(2, 0.5²), p_g = N({G_MEAN}, {G_STD}²) (a frozen generator); \
             D trained {STEPS} steps on batches of {BATCH} + {BATCH}\n\
             largest |D(x) − D*(x)| where p_data + p_g ≥ {SUPPORT}: {:.4}\n\
             V(D, G) of the trained D   {:.5} nats\n\
             V(D*, G)                   {:.5} nats (the maximum: the trained D is {:.5} below)\n\
             −ln 4 + 2·JSD(p_data‖p_g)  {:.5} nats (JSD = {:.5} nats), equal to V(D*, G) within {:.1e}",
            self.largest_gap,
            self.value_trained,
            self.value_optimal,
            self.value_optimal - self.value_trained,
            self.jsd_form,
            self.jsd,
            (self.value_optimal - self.jsd_form).abs()
        )
    }
}

/// Prints the comparison and draws `optimal-discriminator.png`: the densities, D and D*.
pub fn run(out: &Path, seed: u64) -> Result<(String, Vec<PathBuf>)> {
    let report = measure(seed)?;
    let pick = |f: &dyn Fn(&(f64, f64, f64)) -> f64| -> Vec<(f32, f32)> {
        report
            .curve
            .iter()
            .filter(|p| p.0.abs() <= 5.0)
            .map(|p| (p.0 as f32, f(p) as f32))
            .collect()
    };
    let png = plot::draw(out, "optimal-discriminator.png", |area| {
        plot::curves(
            area,
            "a trained discriminator next to D* = p_data / (p_data + p_g)",
            -5f32..5f32,
            0f32..1.05f32,
            &[
                Curve {
                    label: "p_data".into(),
                    color: RGBColor(120, 120, 120),
                    points: pick(&|p| p_data(p.0)),
                },
                Curve {
                    label: "p_g".into(),
                    color: RGBColor(60, 160, 60),
                    points: pick(&|p| p_g(p.0)),
                },
                Curve {
                    label: "D*(x)".into(),
                    color: BLACK,
                    points: pick(&|p| p.2),
                },
                Curve {
                    label: "trained D(x)".into(),
                    color: RED,
                    points: pick(&|p| p.1),
                },
            ],
        )
    })?;
    Ok((report.text(), vec![png]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trained D is within 0.05 of D* where the data constrain it; V(D*) is the identity's
    /// −ln 4 + 2·JSD to rounding, and the trained V is below it by less than 0.01 nats.
    #[test]
    fn trained_discriminator_approaches_the_optimal_one() {
        let report = measure(SEED).unwrap();
        assert!(report.largest_gap < 0.05, "{}", report.largest_gap);
        assert!((report.value_optimal - report.jsd_form).abs() < 1e-9);
        let shortfall = report.value_optimal - report.value_trained;
        assert!((0.0..0.01).contains(&shortfall), "{shortfall}");
    }
}
