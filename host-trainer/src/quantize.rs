//! `picogan export --dtype i8|q16`: a float generator as an int8 or Q16.16 model file, with what
//! that costs.
//!
//! int8 steps: quantization-aware fine-tuning by distillation (`picogan::quant::distill`, Adam
//! η = 10⁻⁴ on batches of 256 Irwin–Hall noise vectors, seed 0), then post-training
//! quantization with the input at ±4σ and every layer calibrated on 10,000 noise vectors, then
//! the int8 file. The accuracy cost is measured on 10,000 other noise vectors fed to both the
//! float and the int8 generator.
//!
//! Q16 steps: every layer's pre-activations on the 10,000 calibration vectors are checked to
//! stay within ±8192 (`quant::Q16_HEADROOM`), then every parameter is rounded to Q16.16; the
//! accuracy cost is measured the same way.

use anyhow::{Result, bail};
use picogan::model::{self, ModelSummary, Role};
use picogan::optim::Adam;
use picogan::quant::{self, QuantParams, Quantize, ToQ16};
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Layer, Trainable, Vector};

use crate::ExportDtype;
use crate::file_generator::FileGenerator;

/// The trainer's default generator, z (2) → 64 → 64 → 64 → X, the architecture this export
/// quantizes besides `picogan::bimodal`'s.
type Generator<const X: usize> = picogan::Mlp4<2, 64, 64, 64, X>;

/// A zeroed [`Generator`] with the trainer's activations.
fn new_generator<const X: usize>() -> Generator<X> {
    use picogan::{Activation::*, Dense};
    (
        Dense::new(Relu),
        (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity))),
    )
}

const CALIBRATION: usize = 10_000;
const BATCH: usize = 256;
/// The input covers ±4σ of the noise; the 0.006% of values beyond are clamped.
const NOISE_LIMIT: f32 = 4.0;

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
    let shapes: Vec<String> = summary
        .layers()
        .iter()
        .map(|l| format!("{}→{}", l.inputs, l.outputs))
        .collect();
    if let Ok(g) = load::<Generator<2>>(bytes, new_generator::<2>()) {
        return export_as(&g, dtype, distill_steps);
    }
    if let Ok(g) = load::<Generator<1>>(bytes, new_generator::<1>()) {
        return export_as(&g, dtype, distill_steps);
    }
    if let Ok(g) = load::<picogan::bimodal::Generator>(bytes, picogan::Zeroed::ZEROED) {
        return export_as(&g, dtype, distill_steps);
    }
    bail!(
        "quantized export supports the trainer's generators (2 → 64 → 64 → 64 → 1 or 2) and picogan::bimodal's \
         (2 → 12 → 12 → 1); this one has layers {}",
        shapes.join(", ")
    )
}

fn load<G: Layer>(bytes: &[u8], mut network: G) -> Result<G, model::ModelError> {
    model::read(bytes, Role::Generator, &mut network)?;
    Ok(network)
}

fn noise_vector<V: Vector>(rng: &mut NoiseRng) -> (V, Vec<i32>) {
    let mut x = V::ZERO;
    let mut q16 = Vec::with_capacity(V::LEN);
    for v in x.as_mut() {
        let z = quant::normal_q16(rng);
        *v = quant::q16_to_f32(z);
        q16.push(z);
    }
    (x, q16)
}

fn export_as<G>(float: &G, dtype: ExportDtype, distill_steps: usize) -> Result<(Vec<u8>, String)>
where
    G: Trainable + Quantize + ToQ16,
{
    match dtype {
        ExportDtype::I8 => int8_as(float, distill_steps),
        ExportDtype::Q16 => q16_as(float),
    }
}

/// The 10,000 calibration noise vectors (seed 1).
fn calibration_set<V: Vector>() -> Vec<V> {
    let mut rng = NoiseRng::seed_from_u64(1);
    (0..CALIBRATION)
        .map(|_| noise_vector::<V>(&mut rng).0)
        .collect()
}

/// |file − float| over 10,000 noise vectors (seed 2) fed to both, sorted: Q16 noise for the
/// file, the same values as real numbers for `float`.
fn sorted_errors<G: Layer>(float: &G, file: &[u8]) -> Result<Vec<f32>> {
    let generator = FileGenerator::from_bytes(file.to_vec())?;
    let mut rng = NoiseRng::seed_from_u64(2);
    let mut errors = Vec::new();
    for _ in 0..CALIBRATION {
        let (x, q16) = noise_vector::<G::Input>(&mut rng);
        let exact = float.forward(&x);
        let integer_output = generator.integer_from_q16(&q16);
        errors.extend(
            exact
                .as_ref()
                .iter()
                .zip(&integer_output)
                .map(|(a, b)| (a - b).abs()),
        );
    }
    errors.sort_by(f32::total_cmp);
    Ok(errors)
}

/// "mean …, 99th percentile …, max …" of sorted errors.
fn describe_errors(errors: &[f32]) -> String {
    let mean = errors.iter().map(|&e| f64::from(e)).sum::<f64>() / errors.len() as f64;
    format!(
        "mean {}, 99th percentile {}, max {}",
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

fn q16_as<G: ToQ16>(float: &G) -> Result<(Vec<u8>, String)> {
    let fixed = float.to_q16(calibration_set::<G::Input>().into_iter())?;
    let mut file = vec![0; model::encoded_len_q16(&fixed)];
    model::write_q16(&fixed, Role::Generator, &mut file)?;
    let errors = sorted_errors(float, &file)?;
    let f32_file = model::encoded_len::<G>();
    let report = format!(
        "Q16.16 generator: activations within ±{} on {CALIBRATION} calibration vectors\n\
         |Q16 − float| on {CALIBRATION} noise vectors: {}\n\
         whole file {} bytes (f32: {f32_file})",
        quant::Q16_HEADROOM,
        describe_errors(&errors),
        file.len(),
    );
    Ok((file, report))
}

fn int8_as<G>(float: &G, distill_steps: usize) -> Result<(Vec<u8>, String)>
where
    G: Trainable + Quantize,
{
    let adam = Adam {
        lr: 1e-4,
        ..Adam::default()
    };
    let mut trace = Box::new(G::new_trace::<BATCH>());
    let mut rng = NoiseRng::seed_from_u64(0);
    let tuned = quant::distill(
        float,
        distill_steps,
        adam,
        &mut rng,
        |rng| noise_vector::<G::Input>(rng).0,
        &mut trace,
    );
    let input = QuantParams::symmetric(NOISE_LIMIT);
    let calibration = calibration_set::<G::Input>();
    let (int8, output) = tuned.quantize(calibration.into_iter(), input)?;
    let mut file = vec![0; model::encoded_len_i8(&int8)];
    model::write_i8(&int8, Role::Generator, input, output, &mut file)?;

    let errors = sorted_errors(float, &file)?;
    let layers = || (0..G::LAYERS).filter_map(|l| float.layer_info(l));
    let weights: usize = layers().map(|i| i.inputs * i.outputs).sum();
    let biases: usize = layers().map(|i| i.outputs).sum();
    let f32_file = model::encoded_len::<G>();
    let report = format!(
        "int8 generator: {distill_steps} distillation steps, input ±{NOISE_LIMIT}σ, output scale {:.5}\n\
         |int8 − float| on {CALIBRATION} noise vectors: {}\n\
         weights and biases {} bytes (f32: {}, {:.2}× smaller); whole file {} bytes (f32: {f32_file}, {:.2}× smaller)",
        output.scale,
        describe_errors(&errors),
        weights + 4 * biases,
        4 * (weights + biases),
        (4 * (weights + biases)) as f64 / (weights + 4 * biases) as f64,
        file.len(),
        f32_file as f64 / file.len() as f64
    );
    Ok((file, report))
}
