//! The int8 model file (dtype 1): the same header and layer records as the f32 file, then the
//! quantization parameters and int8 weights of [`crate::quant`]:
//!
//! | size | field |
//! |---|---|
//! | 16 | network input scale f32, input zero point i32, output scale f32, output zero point i32 |
//! | per layer: 12 | input zero point i32, output zero point i32, output min i8, output max i8, 2 reserved zero bytes |
//! | per layer, per output channel j: 16 | bias i32, multiplier m0 i32, negative multiplier m0 i32, shift i8, negative shift i8, 2 reserved zero bytes |
//! | per layer: I·O, padded with zeros to a multiple of 4 | weights i8, input-major (`w\[k\]\[j\]` at k·O + j) |
//!
//! followed by the CRC-32 like every model file. Everything a device needs is an integer; the
//! two scales are for the host, to read the inputs and outputs as real numbers. In tanh and
//! sigmoid layers the multipliers rescale to Q16.16, the tables' input, and the output zero
//! point is the fixed one ([`QDense`](crate::quant::QDense)).

use super::{
    CHECKSUM_LEN, Dtype, HEADER_LEN, Interface, LAYER_RECORD_LEN, MAX_LAYERS, ModelError,
    ModelSummary, NORMALIZATION_LEN, Role, Writer, f32_at, header_shape, summarize_as,
};
use crate::LayerInfo;
use crate::quant::{Int8Layers, Multiplier, QDenseMut, QDenseRef, QLayer, QuantParams};

const NETWORK_LEN: usize = 16;
const LAYER_LEN: usize = 12;
const CHANNEL_LEN: usize = 16;

fn padded(len: usize) -> usize {
    len.div_ceil(4) * 4
}

/// Bytes of the int8 section for these layers.
pub(super) fn body_len(layers: &[LayerInfo]) -> usize {
    NETWORK_LEN
        + layers
            .iter()
            .map(|l| LAYER_LEN + CHANNEL_LEN * l.outputs + padded(l.inputs * l.outputs))
            .sum::<usize>()
}

fn i32_at(bytes: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn valid_scale(scale: f32) -> bool {
    scale.is_finite() && scale > 0.0
}

fn valid_zero_point(z: i32) -> bool {
    (-128..=127).contains(&z)
}

fn valid_multiplier(m: Multiplier) -> bool {
    (m.m0 == 0 || m.m0 >= 1 << 30) && (-31..=30).contains(&m.shift)
}

/// One layer of a checked int8 file, read in place.
#[derive(Clone, Copy, Debug)]
pub struct Int8Layer<'a> {
    /// Shape and activation.
    pub info: LayerInfo,
    /// z_in.
    pub input_zero_point: i32,
    /// z_out.
    pub output_zero_point: i32,
    /// Output clamp.
    pub output_range: (i8, i8),
    channels: &'a [u8],
    weights: &'a [u8],
}

impl Int8Layer<'_> {
    /// Output channel j's bias, multiplier and negative multiplier.
    pub fn channel(&self, j: usize) -> (i32, Multiplier, Multiplier) {
        let at = CHANNEL_LEN * j;
        let c = self.channels;
        (
            i32_at(c, at),
            Multiplier {
                m0: i32_at(c, at + 4),
                shift: c[at + 12] as i8,
            },
            Multiplier {
                m0: i32_at(c, at + 8),
                shift: c[at + 13] as i8,
            },
        )
    }

    /// `w\[k\]\[j\]`.
    pub fn weight(&self, k: usize, j: usize) -> i8 {
        self.weights[k * self.info.outputs + j] as i8
    }
}

/// The network's input and output quantization parameters and its layers, of a file that
/// [`summarize`](super::summarize) accepted with dtype [`Dtype::I8`].
pub fn int8_layers<'a>(
    bytes: &'a [u8],
    summary: &ModelSummary,
) -> (
    QuantParams,
    QuantParams,
    impl Iterator<Item = Int8Layer<'a>> + 'a,
) {
    let start = summary.body_start();
    let params = |at: usize| QuantParams {
        scale: f32_at(bytes, at),
        zero_point: i32_at(bytes, at + 4),
    };
    let (input, output) = (params(start), params(start + 8));
    let layers = summary.layers;
    let count = summary.layer_count;
    let mut at = start + NETWORK_LEN;
    let iter = (0..count).map(move |l| {
        let info = layers[l];
        let channels_at = at + LAYER_LEN;
        let weights_at = channels_at + CHANNEL_LEN * info.outputs;
        let layer = Int8Layer {
            info,
            input_zero_point: i32_at(bytes, at),
            output_zero_point: i32_at(bytes, at + 4),
            output_range: (bytes[at + 8] as i8, bytes[at + 9] as i8),
            channels: &bytes[channels_at..weights_at],
            weights: &bytes[weights_at..weights_at + info.inputs * info.outputs],
        };
        at = weights_at + padded(info.inputs * info.outputs);
        layer
    });
    (input, output, iter)
}

/// Checks every field of the int8 section (the length and checksum are already checked).
pub(super) fn check(bytes: &[u8], summary: &ModelSummary) -> Result<(), ModelError> {
    let (input, output, layers) = int8_layers(bytes, summary);
    // The input's scale must also turn Q16 noise into int8 steps (a multiplier in range).
    if !(valid_scale(input.scale)
        && valid_scale(output.scale)
        && valid_zero_point(input.zero_point)
        && valid_zero_point(output.zero_point)
        && crate::quant::noise_multiplier(input).is_some())
    {
        return Err(ModelError::InvalidQuantization { layer: 0 });
    }
    for (index, layer) in layers.enumerate() {
        let bad = ModelError::InvalidQuantization { layer: index };
        if !(valid_zero_point(layer.input_zero_point)
            && valid_zero_point(layer.output_zero_point)
            && layer.output_range.0 <= layer.output_range.1)
        {
            return Err(bad);
        }
        for j in 0..layer.info.outputs {
            let (_, multiplier, negative) = layer.channel(j);
            let reserved = &layer.channels[CHANNEL_LEN * j + 14..CHANNEL_LEN * j + 16];
            if !(valid_multiplier(multiplier) && valid_multiplier(negative)) || reserved != [0, 0] {
                return Err(bad);
            }
        }
    }
    Ok(())
}

/// The exact length of the int8 model file of `network`, without normalization.
pub fn encoded_len_i8<Q: Int8Layers + ?Sized>(network: &Q) -> usize {
    encoded_len_i8_with(network, &Interface::PLAIN)
}

/// The exact length of the int8 model file of `network` with `interface`.
pub fn encoded_len_i8_with<Q: Int8Layers + ?Sized>(
    network: &Q,
    interface: &Interface<'_>,
) -> usize {
    let count = network.layer_count();
    let mut layers = [LayerInfo {
        inputs: 0,
        outputs: 0,
        activation: crate::Activation::Identity,
    }; MAX_LAYERS];
    for (l, slot) in layers.iter_mut().enumerate().take(count.min(MAX_LAYERS)) {
        if let Some(layer) = network.layer_view(l) {
            *slot = LayerInfo {
                inputs: layer.inputs,
                outputs: layer.outputs,
                activation: layer.activation,
            };
        }
    }
    HEADER_LEN
        + LAYER_RECORD_LEN * count
        + body_len(&layers[..count.min(MAX_LAYERS)])
        + NORMALIZATION_LEN * interface.normalization.len()
        + CHECKSUM_LEN
}

/// Writes the int8 `network` with its `input` and `output` parameters as a model file of dtype
/// int8 into `out`; returns the bytes written.
///
/// # Examples
/// ```
/// use picogan::model::{self, Dtype, Role};
/// use picogan::quant::{QuantParams, Quantize};
/// use picogan::{Activation::*, Dense, Mlp2};
/// let net: Mlp2<2, 4, 1> = (Dense::new(Relu), Dense::new(Identity));
/// let input = QuantParams::symmetric(1.0);
/// let (q, output) = net.quantize([[0.5f32, -0.5]].into_iter(), input).unwrap();
/// let mut file = vec![0; model::encoded_len_i8(&q)];
/// model::write_i8(&q, Role::Generator, input, output, &mut file).unwrap();
/// assert_eq!(model::summarize(&file).unwrap().dtype, Dtype::I8);
/// let mut loaded = q.clone();
/// assert_eq!(model::read_i8(&file, Role::Generator, &mut loaded).unwrap().1, input);
/// assert_eq!(loaded, q);
/// ```
pub fn write_i8<Q: Int8Layers + ?Sized>(
    network: &Q,
    role: Role,
    input: QuantParams,
    output: QuantParams,
    out: &mut [u8],
) -> Result<usize, ModelError> {
    write_i8_with(network, role, (input, output), &Interface::PLAIN, out)
}

/// Writes the int8 `network` with its `(input, output)` parameters and `interface` (classes
/// and normalization, as [`write_with`](super::write_with) stores them) as a model file of
/// dtype int8 into `out`; returns the bytes written.
pub fn write_i8_with<Q: Int8Layers + ?Sized>(
    network: &Q,
    role: Role,
    (input, output): (QuantParams, QuantParams),
    interface: &Interface<'_>,
    out: &mut [u8],
) -> Result<usize, ModelError> {
    let count = network.layer_count();
    let mut cursor = Writer::start(
        out,
        encoded_len_i8_with(network, interface),
        Dtype::I8,
        role,
        header_shape(count, |l| {
            network.layer_view(l).map(|q| (q.inputs, q.outputs))
        })?,
        interface,
    )?;
    let layer = |l: usize| -> Result<QDenseRef<'_>, ModelError> {
        network.layer_view(l).ok_or(ModelError::LayerCount {
            expected: count,
            found: l,
        })
    };
    for l in 0..count {
        let q = layer(l)?;
        let info = LayerInfo {
            inputs: q.inputs,
            outputs: q.outputs,
            activation: q.activation,
        };
        cursor.layer_record(l, info)?;
    }
    for params in [input, output] {
        cursor.bytes(&params.scale.to_le_bytes());
        cursor.bytes(&params.zero_point.to_le_bytes());
    }
    for l in 0..count {
        let q = layer(l)?;
        cursor.bytes(&q.input_zero_point.to_le_bytes());
        cursor.bytes(&q.output_zero_point.to_le_bytes());
        cursor.bytes(&[q.output_range.0 as u8, q.output_range.1 as u8, 0, 0]);
        for j in 0..q.outputs {
            let (m, n) = (q.multiplier[j], q.negative_multiplier[j]);
            cursor.bytes(&q.bias[j].to_le_bytes());
            cursor.bytes(&m.m0.to_le_bytes());
            cursor.bytes(&n.m0.to_le_bytes());
            cursor.bytes(&[m.shift as u8, n.shift as u8, 0, 0]);
        }
        for k in 0..q.inputs {
            for j in 0..q.outputs {
                cursor.bytes(&[q.weight[j * q.inputs + k] as u8]); // the file is input-major
            }
        }
        for _ in q.weight.len()..padded(q.weight.len()) {
            cursor.bytes(&[0]);
        }
    }
    Ok(cursor.finish())
}

/// Loads an int8 model file into `network` after checking it completely (as
/// [`read`](super::read) does for f32 files); returns its summary and its input and output
/// parameters. On error `network` is unchanged.
pub fn read_i8<Q: QLayer>(
    bytes: &[u8],
    role: Role,
    network: &mut Q,
) -> Result<(ModelSummary, QuantParams, QuantParams), ModelError> {
    let summary = summarize_as(bytes, Dtype::I8, role, Q::LAYERS, |layer| {
        network.layer(layer).map(|q| (q.inputs, q.outputs))
    })?;
    let (input, output, layers) = int8_layers(bytes, &summary);
    for (l, source) in layers.enumerate() {
        if let Some(target) = network.layer_mut(l) {
            load_layer(&source, target);
        }
    }
    Ok((summary, input, output))
}

/// Copies the file's layer `source` into `target`, a layer of the same shape.
fn load_layer(source: &Int8Layer<'_>, target: QDenseMut<'_>) {
    *target.activation = source.info.activation;
    *target.input_zero_point = source.input_zero_point;
    *target.output_zero_point = source.output_zero_point;
    *target.output_min = source.output_range.0;
    *target.output_max = source.output_range.1;
    for j in 0..source.info.outputs {
        let (bias, multiplier, negative) = source.channel(j);
        target.bias[j] = bias;
        target.multiplier[j] = multiplier;
        target.negative_multiplier[j] = negative;
    }
    let inputs = source.info.inputs;
    for (at, w) in target.weight.iter_mut().enumerate() {
        *w = source.weight(at % inputs, at / inputs);
    }
}

/// Reads a checked int8 model file of any architecture into a run-time network (feature
/// `alloc`), the twin of [`read_dynamic`](super::read_dynamic).
///
/// # Errors
/// Those of [`summarize`](super::summarize); [`ModelError::UnsupportedDtype`] for a file that is
/// not int8, [`ModelError::RoleMismatch`] for a file of the other role, and
/// [`ModelError::InvalidQuantization`] when the input's scale has no Q16 multiplier.
///
/// # Examples
/// ```
/// use picogan::model::{self, Role};
/// use picogan::quant::{QuantParams, Quantize};
/// use picogan::{Activation::*, Dense, Mlp2};
/// let net: Mlp2<2, 4, 3> = (Dense::new(Relu), Dense::new(Identity));
/// let input = QuantParams::symmetric(1.0);
/// let (q, output) = net.quantize([[0.5f32, -0.5]].into_iter(), input).unwrap();
/// let mut file = vec![0; model::encoded_len_i8(&q)];
/// model::write_i8(&q, Role::Generator, input, output, &mut file).unwrap();
/// let network = model::read_i8_dynamic(&file, Role::Generator).unwrap();
/// assert_eq!((network.inputs(), network.outputs(), network.output()), (2, 3, output));
/// ```
#[cfg(feature = "alloc")]
pub fn read_i8_dynamic(bytes: &[u8], role: Role) -> Result<crate::quant::DynQMlp, ModelError> {
    use super::summarize_kind;
    use crate::quant::{DynQDense, DynQMlp};
    let summary = summarize_kind(bytes, Dtype::I8, role)?;
    let (input, output, layers) = int8_layers(bytes, &summary);
    let layers = layers
        .map(|source| {
            let mut layer = DynQDense::zeroed(source.info.inputs, source.info.outputs);
            load_layer(&source, layer.view_mut());
            layer
        })
        .collect();
    DynQMlp::new(layers, input, output).ok_or(ModelError::InvalidQuantization { layer: 0 })
}
