//! A generator of whatever architecture and dtype its model file describes, for `picogan sample`
//! and `picogan eval`: a model file may come from anywhere (any recipe, the firmware's on-device
//! trainer, `export --dtype i8|q16`).

use std::path::Path;

use anyhow::{Context, Result, ensure};
use picogan::Activation;
use picogan::dynamic::DynMlp;
use picogan::model::{self, Dtype, ImageShape, Normalization, Role};
use picogan::quant::{self, DynQ16Mlp, DynQMlp};
use picogan::rng::NoiseRng;

/// What the file holds.
enum Network {
    F32(DynMlp),
    I8(DynQMlp),
    Q16(DynQ16Mlp),
}

/// A generator read from a model file into the core's run-time networks.
///
/// An f32 file becomes a `picogan::dynamic::DynMlp`, whose samples are bit-identical to
/// `picogan::sample` with a const-generic network of that shape. An int8 file runs
/// integer-only, as a device would: Irwin–Hall noise (`picogan::quant::normal_q16`) through
/// `picogan::quant::DynQMlp::forward_q16`, and only the output is turned into real numbers. A
/// Q16 file does the same through `DynQ16Mlp`. A conditional model's noise is followed by the
/// label's one-hot, and a model trained on normalized data has its outputs turned back into the
/// data's units by the file's normalization.
pub struct FileGenerator {
    network: Network,
    noise_dim: usize,
    dim: usize,
    classes: usize,
    normalization: Vec<Normalization>,
    image: Option<ImageShape>,
    output: Activation,
}

impl FileGenerator {
    /// Reads and validates the generator in `path`.
    pub fn load(path: &Path) -> Result<FileGenerator> {
        let bytes = crate::files::read_model(path)?;
        Self::from_bytes(&bytes)
            .with_context(|| format!("{} is not a usable generator", path.display()))
    }

    /// Validates the generator in `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<FileGenerator> {
        let summary = model::summarize(bytes)?;
        ensure!(
            summary.role == Role::Generator,
            "it holds a discriminator, not a generator"
        );
        let network = match summary.dtype {
            Dtype::I8 => Network::I8(model::read_i8_dynamic(bytes, Role::Generator)?),
            Dtype::Q16 => Network::Q16(model::read_q16_dynamic(bytes, Role::Generator)?),
            _ => Network::F32(model::read_dynamic(bytes, Role::Generator)?),
        };
        Ok(FileGenerator {
            network,
            noise_dim: summary.noise_dim,
            dim: summary.sample_dim(),
            classes: summary.classes,
            normalization: summary.normalization(bytes).collect(),
            image: summary.image,
            output: summary
                .layers()
                .last()
                .map_or(Activation::Identity, |l| l.activation),
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

    /// The shape of the image a sample is, for a model of images.
    pub fn image(&self) -> Option<ImageShape> {
        self.image
    }

    /// The range of values to draw `samples` (of this generator) in: what the output layer can
    /// reach in the data's units when it is bounded (sigmoid, tanh), else the samples' own.
    pub fn output_range(&self, samples: &[f32]) -> (f32, f32) {
        let bounds = match self.output {
            Activation::Sigmoid => Some((0.0, 1.0)),
            Activation::Tanh => Some((-1.0, 1.0)),
            _ => None,
        };
        // One normalization for every pixel (`--normalize unit`), or none: a common range.
        let column = self
            .normalization
            .first()
            .copied()
            .unwrap_or(Normalization::IDENTITY);
        let common = self.normalization.iter().all(|&c| c == column);
        match bounds {
            Some((low, high)) if common => (column.to_data(low), column.to_data(high)),
            _ => samples
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                }),
        }
    }

    /// Appends one sample G(z, label) in the data's units, with noise drawn from `rng`, to
    /// `out`. The label is ignored by an unconditional generator.
    pub fn sample_into(&self, rng: &mut NoiseRng, label: usize, out: &mut Vec<f32>) {
        let start = out.len();
        out.resize(start + self.dim, 0.0);
        let sample = &mut out[start..];
        match &self.network {
            Network::F32(network) => {
                network.sample_labelled_into(rng, self.classes, label, sample); // [dim]
            }
            Network::I8(network) => network.forward_q16(&self.q16_input(rng, label), sample),
            Network::Q16(network) => network.forward_q16(&self.q16_input(rng, label), sample),
        }
        for (v, column) in sample.iter_mut().zip(&self.normalization) {
            *v = column.to_data(*v);
        }
    }

    /// An integer network's input: Irwin–Hall noise in Q16.16, then the one-hot of `label`
    /// (1 as 2¹⁶): [noise + classes]
    fn q16_input(&self, rng: &mut NoiseRng, label: usize) -> Vec<i32> {
        let mut z = vec![0; self.noise_dim + self.classes];
        let (noise, code) = z.split_at_mut(self.noise_dim);
        quant::fill_normal_q16(rng, noise);
        picogan::label::one_hot_q16(label, code);
        z
    }
}
