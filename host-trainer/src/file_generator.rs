//! A generator of whatever architecture its model file describes, for `picogan sample` and
//! `picogan eval`: the trainer's own networks have shapes fixed at compile time, but a model file
//! may come from anywhere (the firmware's on-device trainer, another recipe).

use std::path::Path;

use anyhow::{Context, Result, ensure};
use picogan::LayerInfo;
use picogan::model::{self, Role};
use picogan::rng::{NoiseRng, fill_normal};

/// One dense layer with its shape known at run time.
struct DynamicDense {
    info: LayerInfo,
    /// `weight[k * outputs + j]`: input k to output j, as in the model file.
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// A generator read from a model file, computing exactly what the core computes for a network of
/// the same shape: each output as bias, then + w[k][j]·x[k] for k = 0, 1, … with plain multiply
/// and add, then the activation, and noise drawn by `picogan::rng::fill_normal`. So its samples
/// are bit-identical to `picogan::sample` (a test of `picogan sample` checks it).
pub struct FileGenerator {
    layers: Vec<DynamicDense>,
}

impl FileGenerator {
    /// Reads and validates the generator in `path`.
    pub fn load(path: &Path) -> Result<FileGenerator> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read model {}", path.display()))?;
        let summary = model::summarize(&bytes)
            .with_context(|| format!("{} is not a valid model file", path.display()))?;
        ensure!(
            summary.role == Role::Generator,
            "{} holds a discriminator, not a generator",
            path.display()
        );
        let mut parameters = summary.parameters(&bytes);
        let layers = summary
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
            .collect();
        Ok(FileGenerator { layers })
    }

    /// Noise values per sample.
    pub fn noise_dim(&self) -> usize {
        self.layers.first().map_or(0, |l| l.info.inputs)
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        self.layers.last().map_or(0, |l| l.info.outputs)
    }

    /// Appends one sample G(z), with z standard normal noise drawn from `rng`, to `out`.
    pub fn sample_into(&self, rng: &mut NoiseRng, out: &mut Vec<f32>) {
        let mut x = vec![0.0; self.noise_dim()];
        fill_normal(rng, &mut x); // [noise]
        for layer in &self.layers {
            x = layer.forward(&x); // [outputs]
        }
        out.extend(x);
    }
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
