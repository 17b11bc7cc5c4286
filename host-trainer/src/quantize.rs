//! `picogan export --dtype i8|q16`: a float generator of any architecture, conditional or not,
//! as an int8 or Q16.16 model file, with what that costs.
//!
//! The generator's inputs are Irwin–Hall noise (`picogan::quant::normal_q16`, what a device
//! draws) followed, for a conditional generator, by a label's one-hot; labels take turns, so
//! every class is calibrated alike. The new file keeps the float file's classes and
//! normalization.
//!
//! int8 steps: quantization-aware fine-tuning by distillation (`picogan::quant::distill`, Adam
//! η = 10⁻⁴ on batches of 256 inputs, seed 0), then post-training quantization with the input
//! at ±4σ (±127/32 σ for a conditional generator, so that a one-hot's 1 is exactly 32 steps)
//! and every layer calibrated on 10,000 inputs (seed 1), then the int8 file. The accuracy cost
//! is measured on 10,000 other inputs (seed 2) fed to both the float generator and the file.
//!
//! Q16 steps: every layer's pre-activations on the 10,000 calibration inputs are checked to stay
//! within ±8192 (`quant::Q16_HEADROOM`), then every parameter is rounded to Q16.16; the accuracy
//! cost is measured the same way.

use anyhow::{Context, Result, bail};
use picogan::dynamic::DynMlp;
use picogan::model::{self, Dtype, Interface, ModelSummary, Normalization, Role};
use picogan::optim::Adam;
use picogan::quant::{self, QuantParams};
use picogan::rng::{NoiseRng, SeedableRng};

use crate::ExportDtype;

const CALIBRATION: usize = 10_000;
const BATCH: usize = 256;
/// The input covers ±4σ of the noise; the 0.006% of values beyond are clamped.
const NOISE_LIMIT: f32 = 4.0;
/// A conditional generator's input limit: scale 1/32, so that a one-hot's 1 is exact.
const CONDITIONAL_NOISE_LIMIT: f32 = 127.0 / 32.0;

/// What a generator takes: noise values, then a one-hot over `classes` (none when 0).
#[derive(Clone, Copy)]
struct Inputs {
    noise: usize,
    classes: usize,
}

impl Inputs {
    /// Row `row` of a set of inputs, as Q16.16 bits in `q16`: fresh noise, then the one-hot of
    /// label `row mod classes`.
    fn fill_q16(self, rng: &mut NoiseRng, row: usize, q16: &mut [i32]) {
        let (noise, code) = q16.split_at_mut(self.noise);
        quant::fill_normal_q16(rng, noise);
        picogan::label::one_hot_q16(row.checked_rem(self.classes).unwrap_or(0), code);
    }

    /// `n` rows drawn from the seed `seed`: as Q16.16 bits, and as the same real numbers.
    fn draw(self, seed: u64, n: usize) -> (Vec<i32>, Vec<f32>) {
        let width = self.noise + self.classes;
        let mut rng = NoiseRng::seed_from_u64(seed);
        let mut q16 = vec![0; n * width];
        for (row, x) in q16.chunks_exact_mut(width).enumerate() {
            self.fill_q16(&mut rng, row, x);
        }
        let real = q16.iter().map(|&v| quant::q16_to_f32(v)).collect();
        (q16, real)
    }
}

/// The `dtype` file of the float generator in `bytes`, and a report of its accuracy.
pub fn export(
    bytes: &[u8],
    summary: &ModelSummary,
    dtype: ExportDtype,
    distill_steps: usize,
) -> Result<(Vec<u8>, String)> {
    if summary.role != Role::Generator {
        bail!("quantized export takes a generator, and this file holds a discriminator");
    }
    if summary.dtype != Dtype::F32 {
        bail!(
            "quantized export takes an f32 generator, and this file is already {:?}",
            summary.dtype
        );
    }
    let float = model::read_dynamic(bytes, Role::Generator)?;
    let normalization: Vec<Normalization> = summary.normalization(bytes).collect();
    let interface = Interface {
        classes: summary.classes,
        normalization: &normalization,
        image: summary.image,
    };
    let inputs = Inputs {
        noise: summary.noise_dim,
        classes: summary.classes,
    };
    match dtype {
        ExportDtype::I8 => int8_as(&float, inputs, &interface, distill_steps),
        ExportDtype::Q16 => q16_as(&float, inputs, &interface),
    }
}

/// |file − float| over 10,000 inputs (seed 2) fed to both, sorted: Q16 bits to the file's
/// network `forward_q16`, the same values as real numbers to `float`.
fn sorted_errors(
    float: &DynMlp,
    inputs: Inputs,
    forward_q16: impl Fn(&[i32], &mut [f32]),
) -> Vec<f32> {
    let width = inputs.noise + inputs.classes;
    let (q16, real) = inputs.draw(2, CALIBRATION);
    let (mut exact, mut integer) = (vec![0.0; float.outputs()], vec![0.0; float.outputs()]);
    let mut errors = Vec::with_capacity(CALIBRATION * float.outputs());
    for (z, x) in q16.chunks_exact(width).zip(real.chunks_exact(width)) {
        float.forward(x, &mut exact);
        forward_q16(z, &mut integer);
        errors.extend(exact.iter().zip(&integer).map(|(a, b)| (a - b).abs()));
    }
    errors.sort_by(f32::total_cmp);
    errors
}

/// "mean …, 99th percentile …, max …" of sorted errors, and in which units they are.
fn describe_errors(errors: &[f32], interface: &Interface<'_>) -> String {
    let mean = errors.iter().map(|&e| f64::from(e)).sum::<f64>() / errors.len() as f64;
    let units = if interface.normalization.is_empty() {
        ""
    } else {
        " (in the network's normalized units)"
    };
    format!(
        "mean {}, 99th percentile {}, max {}{units}",
        figure(mean),
        figure(f64::from(errors[errors.len() * 99 / 100])),
        figure(f64::from(errors[errors.len() - 1]))
    )
}

/// Four decimals, or three significant digits below 0.001.
fn figure(value: f64) -> String {
    if value >= 1e-3 {
        format!("{value:.4}")
    } else {
        format!("{value:.2e}")
    }
}

/// "for 3 classes" for a conditional generator, nothing otherwise.
fn conditioning(inputs: Inputs) -> String {
    match inputs.classes {
        0 => String::new(),
        k => format!(" for {k} classes"),
    }
}

fn q16_as(float: &DynMlp, inputs: Inputs, interface: &Interface<'_>) -> Result<(Vec<u8>, String)> {
    let (_, calibration) = inputs.draw(1, CALIBRATION);
    let fixed = float.to_q16(&calibration)?;
    let mut file = vec![0; model::encoded_len_q16_with(&fixed, interface)];
    model::write_q16_with(&fixed, Role::Generator, interface, &mut file)?;
    let written = model::read_q16_dynamic(&file, Role::Generator)
        .context("the Q16 file written does not read back")?;
    let errors = sorted_errors(float, inputs, |z, y| written.forward_q16(z, y));
    let report = format!(
        "Q16.16 generator{}: activations within ±{} on {CALIBRATION} calibration inputs\n\
         |Q16 − float| on {CALIBRATION} inputs: {}\n\
         whole file {} bytes (f32: {})",
        conditioning(inputs),
        quant::Q16_HEADROOM,
        describe_errors(&errors, interface),
        file.len(),
        model::encoded_len_with(float, interface),
    );
    Ok((file, report))
}

fn int8_as(
    float: &DynMlp,
    inputs: Inputs,
    interface: &Interface<'_>,
    distill_steps: usize,
) -> Result<(Vec<u8>, String)> {
    let adam = Adam {
        lr: 1e-4,
        ..Adam::default()
    };
    let mut rng = NoiseRng::seed_from_u64(0);
    let width = inputs.noise + inputs.classes;
    let (mut row, mut q16) = (0, vec![0; width]);
    let tuned = quant::distill(float, distill_steps, BATCH, adam, &mut rng, |rng, x| {
        inputs.fill_q16(rng, row, &mut q16);
        row += 1;
        for (v, &z) in x.iter_mut().zip(&q16) {
            *v = quant::q16_to_f32(z);
        }
    })?;
    let limit = match inputs.classes {
        0 => NOISE_LIMIT,
        _ => CONDITIONAL_NOISE_LIMIT,
    };
    let input = QuantParams::symmetric(limit);
    let (_, calibration) = inputs.draw(1, CALIBRATION);
    let int8 = tuned.quantize(&calibration, input)?;
    let mut file = vec![0; model::encoded_len_i8_with(&int8, interface)];
    let params = (int8.input(), int8.output());
    model::write_i8_with(&int8, Role::Generator, params, interface, &mut file)?;
    let written = model::read_i8_dynamic(&file, Role::Generator)
        .context("the int8 file written does not read back")?;
    let errors = sorted_errors(float, inputs, |z, y| written.forward_q16(z, y));

    let layers = float.layers();
    let weights: usize = layers.iter().map(|l| l.inputs() * l.outputs()).sum();
    let biases: usize = layers.iter().map(|l| l.outputs()).sum();
    let f32_file = model::encoded_len_with(float, interface);
    let report = format!(
        "int8 generator{}: {distill_steps} distillation steps, input ±{limit}σ, output scale {:.5}\n\
         |int8 − float| on {CALIBRATION} inputs: {}\n\
         weights and biases {} bytes (f32: {}, {:.2}× smaller); whole file {} bytes (f32: {f32_file}, {:.2}× smaller)",
        conditioning(inputs),
        int8.output().scale,
        describe_errors(&errors, interface),
        weights + 4 * biases,
        4 * (weights + biases),
        (4 * (weights + biases)) as f64 / (weights + 4 * biases) as f64,
        file.len(),
        f32_file as f64 / file.len() as f64
    );
    Ok((file, report))
}
