//! A model file rendered as Rust source: the network as a `static`, so firmware keeps its weights
//! in flash and parses nothing at run time.

use core::fmt::{self, Write};

use super::{Dtype, ModelError, ModelSummary, int8_layers, q16_layers, summarize};
use crate::Activation;
use crate::quant::{Multiplier, Q16};

/// What can stop [`write_rust_source`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SourceError {
    /// The bytes are not a valid model file.
    Model(ModelError),
    /// The writer refused the text.
    Write,
}

impl From<fmt::Error> for SourceError {
    fn from(_: fmt::Error) -> Self {
        SourceError::Write
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Model(error) => error.fmt(f),
            SourceError::Write => f.write_str("could not write the generated source"),
        }
    }
}

impl core::error::Error for SourceError {}

/// Writes the network in `bytes` as Rust source that uses `picogan`: a type alias `Network`
/// (dense layers as nested pairs, `(Dense<a, b>, (Dense<b, c>, Dense<c, d>))`) and a
/// `pub static NETWORK: Network` holding every parameter as a literal that parses back to the
/// same bits (Rust's shortest round-trip formatting of `f32`). An int8 file gives
/// [`QDense`](crate::quant::QDense) layers, the constants `NOISE_MULTIPLIER` and
/// `INPUT_ZERO_POINT` for [`quantize_q16`](crate::quant::quantize_q16) and `OUTPUT`, the
/// outputs' [`QuantParams`](crate::quant::QuantParams); a Q16 file gives
/// [`Q16Dense`](crate::quant::Q16Dense) layers with `Q16::from_bits` literals. Every file also
/// gives `NOISE_DIM`, `CLASSES` and `NORMALIZATION` (the model's [`Interface`](super::Interface)).
///
/// The file is validated first ([`summarize`]), so the source is only written for a model that
/// [`read`](super::read) would accept; its summary is returned.
///
/// # Examples
/// ```
/// use picogan::model::{self, Role, write_rust_source};
/// use picogan::{Activation, Dense};
/// let mut layer = Dense::<1, 2>::new(Activation::Tanh);
/// layer.weight = [[0.5, -1.0]];
/// let mut file = [0u8; model::encoded_len::<Dense<1, 2>>()];
/// model::write(&layer, Role::Generator, &mut file).unwrap();
///
/// let mut source = String::new();
/// let summary = write_rust_source(&file, &mut source).unwrap();
/// assert_eq!(summary.params, 4);
/// assert!(source.contains("pub type Network = Dense<1, 2>;"));
/// assert!(source.contains("[0.5, -1.0]") && source.contains("Activation::Tanh"));
/// assert!(source.contains("pub const NOISE_DIM: usize = 1;"));
/// assert!(source.contains("pub const CLASSES: usize = 0;"));
/// ```
pub fn write_rust_source<W: Write>(bytes: &[u8], out: &mut W) -> Result<ModelSummary, SourceError> {
    let summary = summarize(bytes).map_err(SourceError::Model)?;
    let layers = summary.layers();
    let nested = layers.len() - 1;
    writeln!(
        out,
        "// A {:?} of {} parameters, {:?} (model file crc32 {:08x}).",
        summary.role, summary.params, summary.dtype, summary.checksum
    )?;
    let (imports, layer_type) = match summary.dtype {
        Dtype::F32 => ("use picogan::{Activation, Dense};", "Dense"),
        Dtype::I8 => (
            "use picogan::Activation;\nuse picogan::quant::{Multiplier, QDense};",
            "QDense",
        ),
        Dtype::Q16 => (
            "use picogan::Activation;\nuse picogan::quant::{Q16, Q16Dense};",
            "Q16Dense",
        ),
    };
    writeln!(out, "{imports}\n")?;
    writeln!(out, "/// The network's type: dense layers as nested pairs.")?;
    out.write_str("pub type Network = ")?;
    for (l, info) in layers.iter().enumerate() {
        let open = if l < nested { "(" } else { "" };
        let comma = if l < nested { ", " } else { "" };
        write!(
            out,
            "{open}{layer_type}<{}, {}>{comma}",
            info.inputs, info.outputs
        )?;
    }
    close_pairs(out, nested)?;
    writeln!(out, ";\n")?;

    writeln!(out, "/// The trained network, in flash.")?;
    out.write_str("pub static NETWORK: Network = ")?;
    let mut parameters = summary.parameters(bytes);
    let (io, mut int8_layers) = if summary.dtype == Dtype::I8 {
        let (input, output, layers) = int8_layers(bytes, &summary);
        (Some((input, output)), Some(layers))
    } else {
        (None, None)
    };
    let mut q16_layers = (summary.dtype == Dtype::Q16).then(|| q16_layers(bytes, &summary));
    for (l, info) in layers.iter().enumerate() {
        if l < nested {
            out.write_str("(")?;
        }
        write!(out, "{layer_type} {{\n    weight: [")?;
        let quantized = int8_layers.as_mut().and_then(Iterator::next);
        let fixed = q16_layers.as_mut().and_then(Iterator::next);
        // int8 layers hold their weights output-major (`QDense::weight[j][k]`), the others
        // input-major like the file.
        let (rows, columns) = if quantized.is_some() {
            (info.outputs, info.inputs)
        } else {
            (info.inputs, info.outputs)
        };
        for r in 0..rows {
            let separator = if r == 0 { "" } else { "," };
            write!(out, "{separator}\n        ")?;
            let row = 0..columns;
            match (&quantized, &fixed) {
                (Some(q), _) => write_row(out, row.map(|k| q.weight(k, r)), columns)?,
                (_, Some(q)) => write_row(out, row.map(|j| Bits(q.weight(r, j))), columns)?,
                _ => write_row(out, &mut parameters, columns)?,
            }
        }
        out.write_str("\n    ],\n    bias: ")?;
        match (&quantized, &fixed) {
            (_, Some(q)) => {
                let biases = (0..info.outputs).map(|j| Bits(q.bias(j)));
                write_row(out, biases, info.outputs)?;
                write!(out, ",\n    negative_slope: {:?}", Bits(q.negative_slope))?;
            }
            (Some(q), _) => {
                let channels = || (0..info.outputs).map(|j| q.channel(j));
                write_row(out, channels().map(|c| c.0), info.outputs)?;
                out.write_str(",\n    multiplier: ")?;
                write_row(out, channels().map(|c| c.1), info.outputs)?;
                out.write_str(",\n    negative_multiplier: ")?;
                write_row(out, channels().map(|c| c.2), info.outputs)?;
                write!(
                    out,
                    ",\n    input_zero_point: {},\n    output_zero_point: {},\n    output_min: {},\n    output_max: {}",
                    q.input_zero_point, q.output_zero_point, q.output_range.0, q.output_range.1
                )?;
            }
            _ => write_row(out, &mut parameters, info.outputs)?,
        }
        write!(out, ",\n    activation: ")?;
        write_activation(out, info.activation)?;
        out.write_str(",\n}")?;
        if l < nested {
            out.write_str(", ")?;
        }
    }
    close_pairs(out, nested)?;
    writeln!(out, ";")?;
    writeln!(
        out,
        "\n/// Noise inputs Z, before the label one-hot.\npub const NOISE_DIM: usize = {};\n\
         /// Classes K of a conditional model (0: unconditional).\npub const CLASSES: usize = {};",
        summary.noise_dim, summary.classes
    )?;
    write!(
        out,
        "/// Per output column, x = offset + scale · v in the data's units (empty: v already is).\n\
         pub static NORMALIZATION: [picogan::model::Normalization; {}] = [",
        summary.normalized_columns
    )?;
    for column in summary.normalization(bytes) {
        write!(
            out,
            "\n    picogan::model::Normalization {{ offset: {:?}, scale: {:?} }},",
            column.offset, column.scale
        )?;
    }
    writeln!(out, "\n];")?;
    if let Some((input, output)) = io {
        let noise = crate::quant::noise_multiplier(input).unwrap_or(Multiplier::ZERO);
        writeln!(
            out,
            "\n/// Turns Q16 noise into the network's input units (2⁻¹⁶ / input scale).\n\
             pub const NOISE_MULTIPLIER: Multiplier = {noise:?};\n\
             /// The network input's zero point.\npub const INPUT_ZERO_POINT: i32 = {};\n\
             /// How the network's int8 outputs map to real numbers (before `NORMALIZATION`).\n\
             pub const OUTPUT: picogan::quant::QuantParams = picogan::quant::QuantParams {{ \
             scale: {:?}, zero_point: {} }};",
            input.zero_point, output.scale, output.zero_point
        )?;
    }
    Ok(summary)
}

/// A Q16 value written as the constant expression that rebuilds its bits.
struct Bits(Q16);

impl fmt::Debug for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Q16::from_bits({})", self.0.to_bits())
    }
}

/// The `)` of each of `pairs` nested pairs.
fn close_pairs<W: Write>(out: &mut W, pairs: usize) -> fmt::Result {
    (0..pairs).try_for_each(|_| out.write_str(")"))
}

/// `[v0, v1, …]`: the next `len` values in their `Debug` form (Rust literals: shortest
/// round-trip for `f32`), eight to a line.
fn write_row<W: Write, T: fmt::Debug>(
    out: &mut W,
    parameters: impl Iterator<Item = T>,
    len: usize,
) -> fmt::Result {
    out.write_str("[")?;
    for (j, value) in parameters.take(len).enumerate() {
        let separator = match j {
            0 => "",
            j if j % 8 == 0 => ",\n            ",
            _ => ", ",
        };
        write!(out, "{separator}{value:?}")?;
    }
    out.write_str("]")
}

fn write_activation<W: Write>(out: &mut W, activation: Activation) -> fmt::Result {
    match activation {
        Activation::Identity => out.write_str("Activation::Identity"),
        Activation::Relu => out.write_str("Activation::Relu"),
        Activation::LeakyRelu(alpha) => write!(out, "Activation::LeakyRelu({alpha:?})"),
        Activation::Tanh => out.write_str("Activation::Tanh"),
        Activation::Sigmoid => out.write_str("Activation::Sigmoid"),
    }
}
