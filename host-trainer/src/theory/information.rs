//! Information: how surprising an outcome is, and what a wrong model of the odds costs.
//!
//! Claims (Shannon, 1948; Cover & Thomas, *Elements of Information Theory*, ch. 2):
//! - self-information I(x) = −log₂ p(x) bits: rare outcomes carry more information;
//! - entropy H(p) = −Σₓ p(x) log₂ p(x), the mean self-information, is largest for even odds;
//! - cross-entropy H(p, q) = −Σₓ p(x) log₂ q(x) is the mean surprise of someone who believes q
//!   while outcomes follow p, and H(p, q) = H(p) + KL(p‖q) with KL(p‖q) = Σₓ p log₂(p/q) ≥ 0.
//!
//! The numbers: two football matches with outcome probabilities (home win, draw, away win) of
//! 81/5/14% (a clear favourite) and 36/34/30% (an open match). The first has lower entropy
//! (0.86 bits against 1.58): its result is less of a surprise on average, although its draw, at
//! 4.32 bits, is the most surprising outcome of all.

use std::path::{Path, PathBuf};

use anyhow::Result;
use picogan::info::{self, Unit};
use plotters::prelude::*;

use crate::plot::{self, plot_error};

const OUTCOMES: [&str; 3] = ["home win", "draw", "away win"];
/// The favourite's match.
pub const CLEAR: [f64; 3] = [0.81, 0.05, 0.14];
/// The open match.
pub const OPEN: [f64; 3] = [0.36, 0.34, 0.30];

/// What the experiment measures, in bits.
#[derive(Debug)]
pub struct Report {
    /// −log₂ p of each outcome, for each match.
    pub self_information: [[f64; 3]; 2],
    /// H of each match.
    pub entropy: [f64; 2],
    /// H(clear, open): outcomes of the clear match, odds of the open one.
    pub cross_entropy: f64,
    /// KL(clear‖open).
    pub kl: f64,
    /// KL(open‖clear): KL is not symmetric.
    pub kl_reverse: f64,
}

/// Computes the report with `picogan::info`.
pub fn measure() -> Result<Report> {
    let bits = |p: f64| info::self_information(p, Unit::Bits);
    Ok(Report {
        self_information: [
            [bits(CLEAR[0])?, bits(CLEAR[1])?, bits(CLEAR[2])?],
            [bits(OPEN[0])?, bits(OPEN[1])?, bits(OPEN[2])?],
        ],
        entropy: [
            info::entropy(&CLEAR, Unit::Bits)?,
            info::entropy(&OPEN, Unit::Bits)?,
        ],
        cross_entropy: info::cross_entropy(&CLEAR, &OPEN, Unit::Bits)?,
        kl: info::kl_divergence(&CLEAR, &OPEN, Unit::Bits)?,
        kl_reverse: info::kl_divergence(&OPEN, &CLEAR, Unit::Bits)?,
    })
}

impl Report {
    fn text(&self) -> String {
        let mut text = String::from("outcome     p (clear)  bits   p (open)  bits\n");
        for (i, name) in OUTCOMES.iter().enumerate() {
            text += &format!(
                "{name:<10}  {:>8.2}  {:>6.4}  {:>7.2}  {:>6.4}\n",
                CLEAR[i], self.self_information[0][i], OPEN[i], self.self_information[1][i]
            );
        }
        text += &format!(
            "entropy H(p)                 clear {:.4} bits, open {:.4} bits\n\
             cross-entropy H(clear, open) {:.4} bits\n\
             KL(clear‖open)               {:.4} bits (KL(open‖clear) = {:.4}: not symmetric)\n\
             H(clear) + KL(clear‖open)    {:.4} bits, equal to H(clear, open) within {:.1e}",
            self.entropy[0],
            self.entropy[1],
            self.cross_entropy,
            self.kl,
            self.kl_reverse,
            self.entropy[0] + self.kl,
            (self.entropy[0] + self.kl - self.cross_entropy).abs()
        );
        text
    }
}

/// Prints the report and draws `information.png`: each outcome's probability and
/// self-information in both matches.
pub fn run(out: &Path) -> Result<(String, Vec<PathBuf>)> {
    let report = measure()?;
    let png = plot::draw(out, "information.png", |area| {
        let panels = area.split_evenly((1, 2));
        bars(
            &panels[0],
            "p(x) of home win, draw, away win: clear (red), open (blue)",
            1.0,
            &[CLEAR, OPEN],
        )?;
        bars(
            &panels[1],
            "−log₂ p(x) in bits: home win, draw, away win",
            4.5,
            &report.self_information,
        )
    })?;
    Ok((report.text(), vec![png]))
}

/// Grouped bars: one group per outcome, one bar per match.
fn bars(area: &plot::Area<'_>, title: &str, top: f32, groups: &[[f64; 3]; 2]) -> Result<()> {
    let mut chart = plot::chart(area, title, 0f32..3f32, 0f32..top)?;
    let colors = [RED.mix(0.7), BLUE.mix(0.7)];
    for (m, values) in groups.iter().enumerate() {
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let x0 = i as f32 + 0.15 + 0.35 * m as f32;
                Rectangle::new([(x0, 0.0), (x0 + 0.33, v as f32)], colors[m].filled())
            }))
            .map_err(plot_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lecture's figures, and the decomposition to rounding error.
    #[test]
    fn entropy_and_the_cross_entropy_decomposition() {
        let report = measure().unwrap();
        assert!((report.entropy[0] - 0.8595).abs() < 5e-5, "{report:?}");
        assert!((report.entropy[1] - 1.5809).abs() < 5e-5, "{report:?}");
        assert!((report.self_information[0][1] - 4.3219).abs() < 5e-5);
        assert!((report.entropy[0] + report.kl - report.cross_entropy).abs() < 1e-12);
        assert!(report.kl > 0.0 && (report.kl - report.kl_reverse).abs() > 0.01);
    }
}
