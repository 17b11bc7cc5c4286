//! The Q16.16 model file (dtype 2): the same header and layer records as the f32 file, then per
//! layer, all values i32 little-endian holding Q16.16 bits ([`crate::quant::Q16`]):
//!
//! | size | field |
//! |---|---|
//! | 4 | LeakyReLU's α (0 for other activations) |
//! | 4·I·O | weights, input-major (`w\[k\]\[j\]` at k·O + j) |
//! | 4·O | biases |
//!
//! followed by the CRC-32 like every model file. Everything a device needs is an integer.

use super::{
    CHECKSUM_LEN, Dtype, HEADER_LEN, Interface, LAYER_RECORD_LEN, MAX_LAYERS, ModelError,
    ModelSummary, NORMALIZATION_LEN, Role, Writer, header_shape, summarize_as,
};
use crate::quant::{Q16, Q16DenseMut, Q16DenseRef, Q16Layer, Q16Layers};
use crate::{Activation, LayerInfo};

const SLOPE_LEN: usize = 4;

fn layer_len(info: &LayerInfo) -> usize {
    SLOPE_LEN + 4 * (info.inputs * info.outputs + info.outputs)
}

/// Bytes of the Q16 section for these layers.
pub(super) fn body_len(layers: &[LayerInfo]) -> usize {
    layers.iter().map(layer_len).sum()
}

fn q16_at(bytes: &[u8], at: usize) -> Q16 {
    Q16::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// One layer of a checked Q16 file, read in place.
#[derive(Clone, Copy, Debug)]
pub struct Q16FileLayer<'a> {
    /// Shape and activation.
    pub info: LayerInfo,
    /// LeakyReLU's α.
    pub negative_slope: Q16,
    weights: &'a [u8],
    biases: &'a [u8],
}

impl Q16FileLayer<'_> {
    /// `w\[k\]\[j\]`.
    pub fn weight(&self, k: usize, j: usize) -> Q16 {
        q16_at(self.weights, 4 * (k * self.info.outputs + j))
    }

    /// `bias\[j\]`.
    pub fn bias(&self, j: usize) -> Q16 {
        q16_at(self.biases, 4 * j)
    }
}

/// The layers of a file that [`summarize`](super::summarize) accepted with dtype
/// [`Dtype::Q16`].
pub fn q16_layers<'a>(
    bytes: &'a [u8],
    summary: &ModelSummary,
) -> impl Iterator<Item = Q16FileLayer<'a>> + 'a {
    let layers = summary.layers;
    let mut at = summary.body_start();
    (0..summary.layer_count).map(move |l| {
        let info = layers[l];
        let weights_at = at + SLOPE_LEN;
        let biases_at = weights_at + 4 * info.inputs * info.outputs;
        let layer = Q16FileLayer {
            info,
            negative_slope: q16_at(bytes, at),
            weights: &bytes[weights_at..biases_at],
            biases: &bytes[biases_at..biases_at + 4 * info.outputs],
        };
        at += layer_len(&info);
        layer
    })
}

/// Checks every field of the Q16 section (the length and checksum are already checked): α is
/// ≥ 0 for LeakyReLU and 0 otherwise. Any bits are a valid Q16 weight.
pub(super) fn check(bytes: &[u8], summary: &ModelSummary) -> Result<(), ModelError> {
    for (layer, q) in q16_layers(bytes, summary).enumerate() {
        let valid = match q.info.activation {
            Activation::LeakyRelu(_) => !q.negative_slope.is_negative(),
            _ => q.negative_slope == Q16::ZERO,
        };
        if !valid {
            return Err(ModelError::InvalidQuantization { layer });
        }
    }
    Ok(())
}

/// The exact length of the Q16 model file of `network`, without normalization.
pub fn encoded_len_q16<Q: Q16Layers + ?Sized>(network: &Q) -> usize {
    encoded_len_q16_with(network, &Interface::PLAIN)
}

/// The exact length of the Q16 model file of `network` with `interface`.
pub fn encoded_len_q16_with<Q: Q16Layers + ?Sized>(
    network: &Q,
    interface: &Interface<'_>,
) -> usize {
    let count = network.layer_count();
    let body: usize = (0..count.min(MAX_LAYERS))
        .filter_map(|l| network.layer_view(l))
        .map(|q| layer_len(&info_of(&q)))
        .sum();
    HEADER_LEN
        + LAYER_RECORD_LEN * count
        + body
        + NORMALIZATION_LEN * interface.normalization.len()
        + CHECKSUM_LEN
}

fn info_of(q: &Q16DenseRef<'_>) -> LayerInfo {
    LayerInfo {
        inputs: q.inputs,
        outputs: q.outputs,
        activation: q.activation,
    }
}

/// Writes the Q16 `network` as a model file of dtype Q16 into `out`; returns the bytes written.
///
/// # Examples
/// ```
/// use picogan::model::{self, Dtype, Role};
/// use picogan::quant::ToQ16;
/// use picogan::{Activation::*, Dense, Mlp2};
/// let net: Mlp2<2, 4, 1> = (Dense::new(LeakyRelu(0.2)), Dense::new(Sigmoid));
/// let q = net.to_q16([[0.5f32, -0.5]].into_iter()).unwrap();
/// let mut file = vec![0; model::encoded_len_q16(&q)];
/// model::write_q16(&q, Role::Generator, &mut file).unwrap();
/// assert_eq!(model::summarize(&file).unwrap().dtype, Dtype::Q16);
/// let mut loaded = q.clone();
/// model::read_q16(&file, Role::Generator, &mut loaded).unwrap();
/// assert_eq!(loaded, q);
/// ```
pub fn write_q16<Q: Q16Layers + ?Sized>(
    network: &Q,
    role: Role,
    out: &mut [u8],
) -> Result<usize, ModelError> {
    write_q16_with(network, role, &Interface::PLAIN, out)
}

/// Writes the Q16 `network` with `interface` (classes and normalization, as
/// [`write_with`](super::write_with) stores them) as a model file of dtype Q16 into `out`;
/// returns the bytes written.
pub fn write_q16_with<Q: Q16Layers + ?Sized>(
    network: &Q,
    role: Role,
    interface: &Interface<'_>,
    out: &mut [u8],
) -> Result<usize, ModelError> {
    let count = network.layer_count();
    let mut cursor = Writer::start(
        out,
        encoded_len_q16_with(network, interface),
        Dtype::Q16,
        role,
        header_shape(count, |l| {
            network.layer_view(l).map(|q| (q.inputs, q.outputs))
        })?,
        interface,
    )?;
    let layer = |l: usize| {
        network.layer_view(l).ok_or(ModelError::LayerCount {
            expected: count,
            found: l,
        })
    };
    for l in 0..count {
        cursor.layer_record(l, info_of(&layer(l)?))?;
    }
    for l in 0..count {
        let q = layer(l)?;
        cursor.bytes(&q.negative_slope.to_le_bytes());
        for value in q.weight.iter().chain(q.bias) {
            cursor.bytes(&value.to_le_bytes());
        }
    }
    Ok(cursor.finish())
}

/// Loads a Q16 model file into `network` after checking it completely (as
/// [`read`](super::read) does for f32 files). On error `network` is unchanged.
pub fn read_q16<Q: Q16Layer>(
    bytes: &[u8],
    role: Role,
    network: &mut Q,
) -> Result<ModelSummary, ModelError> {
    let summary = summarize_as(bytes, Dtype::Q16, role, Q::LAYERS, |layer| {
        network.layer(layer).map(|q| (q.inputs, q.outputs))
    })?;
    for (l, source) in q16_layers(bytes, &summary).enumerate() {
        if let Some(target) = network.layer_mut(l) {
            load_layer(&source, target);
        }
    }
    Ok(summary)
}

/// Copies the file's layer `source` into `target`, a layer of the same shape.
fn load_layer(source: &Q16FileLayer<'_>, target: Q16DenseMut<'_>) {
    *target.activation = source.info.activation;
    *target.negative_slope = source.negative_slope;
    for (at, w) in target.weight.iter_mut().enumerate() {
        *w = q16_at(source.weights, 4 * at);
    }
    for (j, b) in target.bias.iter_mut().enumerate() {
        *b = source.bias(j);
    }
}

/// Reads a checked Q16 model file of any architecture into a run-time network (feature
/// `alloc`), the twin of [`read_dynamic`](super::read_dynamic).
///
/// # Errors
/// Those of [`summarize`](super::summarize); [`ModelError::UnsupportedDtype`] for a file that is
/// not Q16, [`ModelError::RoleMismatch`] for a file of the other role.
///
/// # Examples
/// ```
/// use picogan::model::{self, Role};
/// use picogan::quant::ToQ16;
/// use picogan::{Activation::*, Dense, Mlp2};
/// let net: Mlp2<2, 4, 3> = (Dense::new(Relu), Dense::new(Identity));
/// let q = net.to_q16([[0.5f32, -0.5]].into_iter()).unwrap();
/// let mut file = vec![0; model::encoded_len_q16(&q)];
/// model::write_q16(&q, Role::Generator, &mut file).unwrap();
/// let network = model::read_q16_dynamic(&file, Role::Generator).unwrap();
/// assert_eq!((network.inputs(), network.outputs()), (2, 3));
/// ```
#[cfg(feature = "alloc")]
pub fn read_q16_dynamic(bytes: &[u8], role: Role) -> Result<crate::quant::DynQ16Mlp, ModelError> {
    use super::summarize_kind;
    use crate::quant::{DynQ16Dense, DynQ16Mlp};
    let summary = summarize_kind(bytes, Dtype::Q16, role)?;
    let layers = q16_layers(bytes, &summary)
        .map(|source| {
            let mut layer = DynQ16Dense::zeroed(source.info.inputs, source.info.outputs);
            load_layer(&source, layer.view_mut());
            layer
        })
        .collect();
    Ok(DynQ16Mlp::new(layers))
}
