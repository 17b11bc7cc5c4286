//! A generator of whatever architecture and dtype its model file describes, for `picogan sample`
//! and `picogan eval`: a model file may come from anywhere (any recipe, the firmware's on-device
//! trainer, `export --dtype i8|q16`).

use std::path::Path;

use anyhow::{Context, Result, ensure};
use picogan::dynamic::DynMlp;
use picogan::model::{self, Dtype, ModelSummary, Normalization, Role};
use picogan::quant::{self, Multiplier, Q16, QuantParams};
use picogan::rng::NoiseRng;

/// What the file holds.
enum Network {
    F32(DynMlp),
    I8 {
        bytes: Vec<u8>,
        summary: Box<ModelSummary>,
        input: QuantParams,
        output: QuantParams,
        noise: Multiplier,
    },
    Q16 {
        bytes: Vec<u8>,
        summary: Box<ModelSummary>,
    },
}

/// A generator read from a model file.
///
/// An f32 file is read into the core's run-time network (`picogan::dynamic::DynMlp`), whose
/// samples are bit-identical to `picogan::sample` with a const-generic network of that shape. An int8 file runs integer-only, as a device would: Irwin–Hall noise
/// (`picogan::quant::normal_q16`), quantized by `quantize_q16`, through `model::int8_layers`,
/// and only the output is turned into real numbers. A Q16 file does the same with the Q16 noise
/// fed straight to `model::q16_layers`. A conditional model's noise is followed by the label's
/// one-hot, and a model trained on normalized data has its outputs turned back into the data's
/// units by the file's normalization.
pub struct FileGenerator {
    network: Network,
    noise_dim: usize,
    dim: usize,
    classes: usize,
    normalization: Vec<Normalization>,
}

impl FileGenerator {
    /// Reads and validates the generator in `path`.
    pub fn load(path: &Path) -> Result<FileGenerator> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read model {}", path.display()))?;
        Self::from_bytes(bytes)
            .with_context(|| format!("{} is not a usable generator", path.display()))
    }

    /// Validates the generator in `bytes`.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<FileGenerator> {
        let summary = model::summarize(&bytes)?;
        ensure!(
            summary.role == Role::Generator,
            "it holds a discriminator, not a generator"
        );
        let (noise_dim, dim, classes) = (summary.noise_dim, summary.sample_dim(), summary.classes);
        let normalization = summary.normalization(&bytes).collect();
        let network = match summary.dtype {
            Dtype::I8 => {
                let (input, output, _) = model::int8_layers(&bytes, &summary);
                let noise =
                    quant::noise_multiplier(input).context("its input scale is out of range")?;
                Network::I8 {
                    bytes,
                    summary: Box::new(summary),
                    input,
                    output,
                    noise,
                }
            }
            Dtype::Q16 => Network::Q16 {
                bytes,
                summary: Box::new(summary),
            },
            _ => Network::F32(model::read_dynamic(&bytes, Role::Generator)?),
        };
        Ok(FileGenerator {
            network,
            noise_dim,
            dim,
            classes,
            normalization,
        })
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Classes of a conditional generator (0: unconditional).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Appends one sample G(z, label) in the data's units, with noise drawn from `rng`, to
    /// `out`. The label is ignored by an unconditional generator.
    pub fn sample_into(&self, rng: &mut NoiseRng, label: usize, out: &mut Vec<f32>) {
        let start = out.len();
        match &self.network {
            Network::F32(network) => {
                out.resize(start + self.dim, 0.0);
                network.sample_labelled_into(rng, self.classes, label, &mut out[start..]); // [dim]
            }
            Network::I8 { .. } | Network::Q16 { .. } => {
                let mut z: Vec<i32> = (0..self.noise_dim)
                    .map(|_| quant::normal_q16(rng))
                    .collect();
                z.extend((0..self.classes).map(|class| if class == label { 1 << 16 } else { 0 }));
                out.extend(self.integer_from_q16(&z));
            }
        }
        for (v, column) in out[start..].iter_mut().zip(&self.normalization) {
            *v = column.to_data(*v);
        }
    }

    /// An int8 or Q16 file's output for Q16 noise `z`, as real numbers (empty for an f32 file).
    pub fn integer_from_q16(&self, z: &[i32]) -> Vec<f32> {
        match &self.network {
            Network::F32(_) => Vec::new(),
            Network::I8 {
                bytes,
                summary,
                input,
                output,
                noise,
            } => int8_forward(bytes, summary, *input, *output, *noise, z),
            Network::Q16 { bytes, summary } => {
                let mut x: Vec<Q16> = z.iter().map(|&v| Q16::from_bits(v)).collect();
                for layer in model::q16_layers(bytes, summary) {
                    let mut y = vec![Q16::ZERO; layer.info.outputs];
                    layer.forward(&x, &mut y);
                    x = y;
                }
                x.into_iter().map(|v| v.to_num::<f32>()).collect()
            }
        }
    }
}

/// An int8 file's output for Q16 noise `z`, as real numbers.
fn int8_forward(
    bytes: &[u8],
    summary: &ModelSummary,
    input: QuantParams,
    output: QuantParams,
    noise: Multiplier,
    z: &[i32],
) -> Vec<f32> {
    let mut x: Vec<i8> = z
        .iter()
        .map(|&v| quant::quantize_q16(v, noise, input.zero_point))
        .collect();
    let (_, _, layers) = model::int8_layers(bytes, summary);
    for layer in layers {
        let mut y = vec![0i8; layer.info.outputs];
        layer.forward(&x, &mut y);
        x = y;
    }
    x.into_iter().map(|q| output.dequantize(q)).collect()
}
