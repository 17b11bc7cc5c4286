//! Maximum likelihood: fitting a Gaussian by maximising the log-likelihood, and why it is the
//! sum of logs, not the product of probabilities, that a computer maximises.
//!
//! Claims (Goodfellow, Bengio & Courville, *Deep Learning*, §5.5):
//! - the maximum-likelihood estimate θ* = argmax_θ Σᵢ ln p(xᵢ; θ) of a Gaussian is the sample
//!   mean x̄ and the standard deviation √(Σᵢ(xᵢ − x̄)²/n) (dividing by n, not n − 1), and gradient
//!   ascent on the log-likelihood finds it;
//! - the likelihood Πᵢ p(xᵢ) of a few hundred samples is below the smallest positive `f32`
//!   (1.4·10⁻⁴⁵), so the product underflows to 0, while Σᵢ ln p(xᵢ) stays an ordinary number.
//!
//! The numbers: 500 samples of N(1.5, 0.7²) from picogan's noise; μ and ln σ fitted with the
//! core's own Adam (held as the two biases of a `Dense<1, 2>`, the optimizer's parameter type).

use std::path::{Path, PathBuf};

use anyhow::Result;
use picogan::optim::{Adam, Optimizer};
use picogan::rng::{NoiseRng, SeedableRng, standard_normal};
use picogan::{Activation, Dense, Network};
use plotters::prelude::*;

use crate::plot::{self, Curve};

/// The default seed of the samples.
pub const SEED: u64 = 2;
const SAMPLES: usize = 500;
const TRUE_MEAN: f32 = 1.5;
const TRUE_STD: f32 = 0.7;
const STEPS: usize = 3000;

/// What the experiment measures.
#[derive(Debug)]
pub struct Report {
    /// The samples.
    pub samples: Vec<f32>,
    /// Adam's (μ, σ).
    pub fitted: (f32, f32),
    /// x̄ and the maximum-likelihood σ, in f64.
    pub closed_form: (f64, f64),
    /// Σ ln p(xᵢ) at the fit, in f32 and in f64.
    pub log_likelihood: (f32, f64),
    /// The first sample count at which the running f32 product Πp(xᵢ) is 0.
    pub f32_product_zero_at: Option<usize>,
    /// The f64 product over all samples.
    pub f64_product: f64,
    /// ln-likelihood after each Adam step, for the plot.
    pub history: Vec<f32>,
}

fn ln_density(x: f32, mu: f32, sigma: f32) -> f32 {
    let z = (x - mu) / sigma;
    -0.5 * z * z - picogan::math::ln(sigma) - 0.5 * picogan::math::ln(2.0 * std::f32::consts::PI)
}

/// Draws the samples, fits them with Adam and measures the products.
pub fn measure(seed: u64) -> Report {
    let mut rng = NoiseRng::seed_from_u64(seed);
    let samples: Vec<f32> = (0..SAMPLES)
        .map(|_| TRUE_MEAN + TRUE_STD * standard_normal(&mut rng))
        .collect();
    let n = SAMPLES as f64;
    let mean = samples.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let std = (samples
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();

    // θ = (μ, ln σ) in the biases; minimise the mean negative log-likelihood.
    let mut theta = Dense::<1, 2>::new(Activation::Identity);
    theta.bias = [0.0, 0.0];
    let mut grads = theta.zeroed_like();
    let mut adam = Adam {
        lr: 0.05,
        ..Adam::default()
    };
    let mut state = adam.new_state(&theta);
    let mut history = Vec::with_capacity(STEPS);
    for step in 0..STEPS {
        let [mu, ln_sigma] = theta.bias;
        let sigma = picogan::math::exp(ln_sigma);
        let (mut g_mu, mut g_ln_sigma, mut ll) = (0.0f32, 0.0f32, 0.0f32);
        for &x in &samples {
            let z = (x - mu) / sigma;
            g_mu -= z / sigma;
            g_ln_sigma -= z * z - 1.0;
            ll += ln_density(x, mu, sigma);
        }
        history.push(ll);
        grads.bias = [g_mu / SAMPLES as f32, g_ln_sigma / SAMPLES as f32];
        // A decaying step lets Adam settle instead of hovering at ±η around the optimum.
        adam.lr = 0.05 * 0.998f32.powi(step as i32);
        adam.step(&mut theta, &grads, &mut state);
    }
    let [mu, ln_sigma] = theta.bias;
    let sigma = picogan::math::exp(ln_sigma);

    let ll32: f32 = samples.iter().map(|&x| ln_density(x, mu, sigma)).sum();
    let ll64: f64 = samples
        .iter()
        .map(|&x| f64::from(ln_density(x, mu, sigma)))
        .sum();
    let mut product32 = 1.0f32;
    let mut f32_product_zero_at = None;
    let mut product64 = 1.0f64;
    for (i, &x) in samples.iter().enumerate() {
        let p = picogan::math::exp(ln_density(x, mu, sigma));
        product32 *= p;
        product64 *= f64::from(p);
        if product32 == 0.0 && f32_product_zero_at.is_none() {
            f32_product_zero_at = Some(i + 1);
        }
    }
    Report {
        samples,
        fitted: (mu, sigma),
        closed_form: (mean, std),
        log_likelihood: (ll32, ll64),
        f32_product_zero_at,
        f64_product: product64,
        history,
    }
}

impl Report {
    fn text(&self) -> String {
        let (mu, sigma) = self.fitted;
        let (mean, std) = self.closed_form;
        format!(
            "{SAMPLES} samples of N({TRUE_MEAN}, {TRUE_STD}²); (μ, ln σ) fitted with the core's Adam, {STEPS} steps\n\
             fit          μ = {mu:.5}, σ = {sigma:.5}\n\
             closed form  x̄ = {mean:.5}, σ = √(Σ(x − x̄)²/n) = {std:.5} (relative gaps {:.1e}, {:.1e})\n\
             log-likelihood Σ ln p(xᵢ) = {:.3} in f32, {:.3} in f64\n\
             likelihood Π p(xᵢ): the f32 product is 0 from sample {} on (underflow); the f64 product is {:.3e} \
             (it too would underflow near sample {})",
            (f64::from(mu) - mean).abs() / mean.abs(),
            (f64::from(sigma) - std).abs() / std,
            self.log_likelihood.0,
            self.log_likelihood.1,
            self.f32_product_zero_at
                .map_or("—".to_string(), |i| i.to_string()),
            self.f64_product,
            (f64::MIN_POSITIVE.ln() / (self.log_likelihood.1 / SAMPLES as f64)).round()
        )
    }
}

/// Prints the fit and draws `likelihood.png`: the samples' histogram with the fitted density,
/// and the log-likelihood over Adam's steps.
pub fn run(out: &Path, seed: u64) -> Result<(String, Vec<PathBuf>)> {
    let report = measure(seed);
    let (mu, sigma) = report.fitted;
    let (lo, hi) = (-1.0f32, 4.0f32);
    let bins = 40;
    let width = (hi - lo) / bins as f32;
    let mut counts = vec![0usize; bins];
    for &x in &report.samples {
        let bin = ((x - lo) / width).floor();
        if bin >= 0.0 && (bin as usize) < bins {
            counts[bin as usize] += 1;
        }
    }
    let histogram: Vec<(f32, f32)> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| {
            let height = c as f32 / (SAMPLES as f32 * width);
            let x0 = lo + i as f32 * width;
            [(x0, height), (x0 + width, height)]
        })
        .collect();
    let density: Vec<(f32, f32)> = (0..=200)
        .map(|i| {
            let x = lo + (hi - lo) * i as f32 / 200.0;
            (x, picogan::math::exp(ln_density(x, mu, sigma)))
        })
        .collect();
    let last = report.history.len() as f32;
    let (ll_lo, ll_hi) = report
        .history
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let png = plot::draw(out, "likelihood.png", |area| {
        let panels = area.split_evenly((1, 2));
        plot::curves(
            &panels[0],
            "samples and the maximum-likelihood Gaussian",
            lo..hi,
            0f32..0.8f32,
            &[
                Curve {
                    label: "histogram of the samples".into(),
                    color: RGBColor(120, 120, 120),
                    points: histogram,
                },
                Curve {
                    label: format!("N({mu:.3}, {sigma:.3}²)"),
                    color: RED,
                    points: density,
                },
            ],
        )?;
        plot::curves(
            &panels[1],
            "Σ ln p(xᵢ) during Adam",
            0f32..last,
            ll_lo..ll_hi + 0.05 * (ll_hi - ll_lo),
            &[Curve {
                label: "log-likelihood".into(),
                color: BLUE,
                points: report
                    .history
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (i as f32, v))
                    .collect(),
            }],
        )
    })?;
    Ok((report.text(), vec![png]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adam reaches the closed form to 10⁻³ (relative); the f32 product underflows within the
    /// first 200 samples while the sum of logs matches f64 to 10⁻⁴.
    #[test]
    fn adam_finds_the_closed_form_and_products_underflow() {
        let report = measure(SEED);
        let (mu, sigma) = report.fitted;
        let (mean, std) = report.closed_form;
        assert!(
            (f64::from(mu) - mean).abs() < 1e-3 * mean.abs(),
            "{mu} vs {mean}"
        );
        assert!(
            (f64::from(sigma) - std).abs() < 1e-3 * std,
            "{sigma} vs {std}"
        );
        let zero_at = report
            .f32_product_zero_at
            .expect("the f32 product underflows");
        assert!(zero_at < 200, "{zero_at}");
        let (ll32, ll64) = report.log_likelihood;
        assert!(ll32.is_finite() && ((f64::from(ll32) - ll64) / ll64).abs() < 1e-4);
        assert!(report.f64_product > 0.0 && report.f64_product < 1e-200);
    }
}
