//! A generator of whatever architecture its model file describes, for `picogan sample` and
//! `picogan eval`: the trainer's own networks have shapes fixed at compile time, but a model file
//! may come from anywhere (the firmware's on-device trainer, another recipe, `export --dtype i8|q16`).

use std::path::Path;

use anyhow::{Context, Result, ensure};
use picogan::LayerInfo;
use picogan::model::{self, Dtype, ModelSummary, Role};
use picogan::quant::{self, Multiplier, Q16, QuantParams};
use picogan::rng::{NoiseRng, fill_normal};

/// One dense layer with its shape known at run time.
struct DynamicDense {
    info: LayerInfo,
    /// `weight[k * outputs + j]`: input k to output j, as in the model file.
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// What the file holds.
enum Network {
    F32(Vec<DynamicDense>),
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
/// An f32 file computes exactly what the core computes for a network of the same shape (each
/// output as bias, then + w[k][j]·x[k] for k = 0, 1, … with plain multiply and add, then the
/// activation), with noise from `picogan::rng::fill_normal`: its samples are bit-identical to
/// `picogan::sample`. An int8 file runs integer-only, as a device would: Irwin–Hall noise
/// (`picogan::quant::normal_q16`), quantized by `quantize_q16`, through `model::int8_layers`,
/// and only the output is turned into real numbers. A Q16 file does the same with the Q16 noise
/// fed straight to `model::q16_layers`.
pub struct FileGenerator {
    network: Network,
    noise_dim: usize,
    dim: usize,
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
        let noise_dim = summary.layers().first().map_or(0, |l| l.inputs);
        let dim = summary.layers().last().map_or(0, |l| l.outputs);
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
            _ => {
                let mut parameters = summary.parameters(&bytes);
                Network::F32(
                    summary
                        .layers()
                        .iter()
                        .map(|&info| DynamicDense {
                            info,
                            weight: parameters
                                .by_ref()
                                .take(info.inputs * info.outputs)
                                .collect(),
                            bias: parameters.by_ref().take(info.outputs).collect(),
                        })
                        .collect(),
                )
            }
        };
        Ok(FileGenerator {
            network,
            noise_dim,
            dim,
        })
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Appends one sample G(z), with noise drawn from `rng`, to `out`.
    pub fn sample_into(&self, rng: &mut NoiseRng, out: &mut Vec<f32>) {
        match &self.network {
            Network::F32(layers) => {
                let mut x = vec![0.0; self.noise_dim];
                fill_normal(rng, &mut x); // [noise]
                for layer in layers {
                    x = layer.forward(&x); // [outputs]
                }
                out.extend(x);
            }
            Network::I8 { .. } | Network::Q16 { .. } => {
                let z: Vec<i32> = (0..self.noise_dim)
                    .map(|_| quant::normal_q16(rng))
                    .collect();
                out.extend(self.integer_from_q16(&z));
            }
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

impl DynamicDense {
    fn forward(&self, x: &[f32]) -> Vec<f32> {
        let outputs = self.info.outputs;
        let mut y = self.bias.clone();
        for (&xk, wk) in x.iter().zip(self.weight.chunks_exact(outputs)) {
            for (yj, &wkj) in y.iter_mut().zip(wk) {
                *yj += wkj * xk;
            }
        }
        let activation = self.info.activation;
        y.iter_mut().for_each(|v| *v = activation.apply(*v));
        y
    }
}
