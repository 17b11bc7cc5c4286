//! Progress output: a bar on a terminal, plain periodic lines otherwise (logs, CI).

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use picogan::StepStats;

/// Reports training progress on standard error.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u32,
    started: Instant,
    first_step: u32,
    quiet: bool,
}

/// How many plain lines a run prints when standard error is not a terminal.
const PLAIN_LINES: u32 = 10;

impl Progress {
    /// A bar when standard error is a terminal (and not `quiet`), plain lines otherwise.
    pub fn new(quiet: bool) -> Self {
        Self {
            bar: None,
            total: 0,
            started: Instant::now(),
            first_step: 0,
            quiet,
        }
    }

    /// Starts at `step` of `total`.
    pub fn start(&mut self, step: u32, total: u32) {
        self.total = total;
        self.first_step = step;
        self.started = Instant::now();
        if !self.quiet && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(u64::from(total)).with_position(u64::from(step));
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} steps  {per_sec}  ETA {eta}  {msg}",
            ) {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
    }

    /// Reports that `step` steps are done.
    pub fn update(&mut self, step: u32, stats: &StepStats) {
        let losses = format!(
            "D loss {:.4}  G loss {:.4}",
            stats.discriminator_loss, stats.generator_loss
        );
        if let Some(bar) = &self.bar {
            bar.set_position(u64::from(step));
            if step.is_multiple_of(25) {
                bar.set_message(losses);
            }
        } else if !self.quiet && step.is_multiple_of((self.total / PLAIN_LINES).max(1)) {
            let elapsed = self.started.elapsed().as_secs_f64();
            let rate = f64::from(step - self.first_step) / elapsed.max(1e-9);
            let eta = f64::from(self.total - step) / rate.max(1e-9);
            eprintln!(
                "step {step}/{}  {rate:.0} steps/s  ETA {eta:.0} s  {losses}",
                self.total
            );
        }
    }

    /// Clears the bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
