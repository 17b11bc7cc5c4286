//! The model file: a versioned, checksummed binary holding one network, read without allocation.
//!
//! Layout, all integers and floats little-endian (version 3):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `PGAN` |
//! | 4 | 2 | format version, u16 (this crate writes [`VERSION`] and reads 1 to 3) |
//! | 6 | 1 | dtype: 0 = f32, 1 = int8 (parameters laid out as in [`write_i8`]), 2 = Q16.16 ([`write_q16`]) |
//! | 7 | 1 | role: 0 = generator, 1 = discriminator |
//! | 8 | 1 | number of dense layers L, 1..=[`MAX_LAYERS`] |
//! | 9 | 3 | reserved, zero |
//! | 12 | 2 | noise dimension Z, u16 (a generator's; 0 in a discriminator's file) |
//! | 14 | 2 | classes K, u16 (0: unconditional). G's inputs are Z noise values then the one-hot label (K values); D's inputs are the sample then the one-hot label |
//! | 16 | 2 | normalized columns C, u16: 0, or the sample's width when the network works on normalized data |
//! | 18 | 1 | image width W, u8: 0, or 1..=255 when a sample is a W × H image ([`ImageShape`]: rows of W pixels, one after the other) |
//! | 19 | 1 | image height H, u8: 0 exactly when W is 0; W · H is the sample's width |
//! | 20 | 12·L | per layer: inputs u16, outputs u16, activation u8 (0 identity, 1 ReLU, 2 LeakyReLU, 3 tanh, 4 sigmoid), 3 reserved zero bytes, LeakyReLU slope α f32 (0 otherwise) |
//! | 20 + 12·L | 4·P | parameters, layer by layer: weights input-major (`w[k][j]`, I·O values), then biases (O values) |
//! | | 8·C | per column: offset f32, scale f32 ([`Normalization`]: data = offset + scale · network value) |
//! | end − 4 | 4 | CRC-32 (ISO-HDLC, the zlib/PNG one) of every byte before it |
//!
//! A version-2 file has zeros in bytes 18 and 19 (no image shape). A version-1 file has no bytes
//! 12 to 19 (its layer records start at 12) and no normalization: it reads as an unconditional
//! model whose noise dimension is its first layer's inputs.
//!
//! Reading checks, in this order: length of the fixed parts, magic, version, layer count, total
//! length, checksum, then every field's meaning (dtype, role, activations, shapes, finite
//! weights, noise and classes against the first layer, normalization). Each defect is a
//! [`ModelError`] that names what is wrong and where.
//!
//! # Examples
//! ```
//! use picogan::model::{self, Role};
//! use picogan::rng::{NoiseRng, SeedableRng};
//! use picogan::{Activation::*, Dense, Layer, Mlp2};
//! let mut generator: Mlp2<2, 8, 2> = (Dense::new(Relu), Dense::new(Identity));
//! generator.init_params(&mut NoiseRng::seed_from_u64(1));
//!
//! let mut file = [0u8; model::encoded_len::<Mlp2<2, 8, 2>>()];
//! model::write(&generator, Role::Generator, &mut file).unwrap();
//!
//! let mut loaded: Mlp2<2, 8, 2> = (Dense::new(Identity), Dense::new(Identity));
//! let summary = model::read(&file, Role::Generator, &mut loaded).unwrap();
//! assert_eq!((summary.params, loaded), (Mlp2::<2, 8, 2>::PARAMS, generator));
//! ```

use core::fmt;

mod int8;
mod interface;
mod q16;
mod rust_source;
#[cfg(feature = "alloc")]
pub use int8::read_i8_dynamic;
pub use int8::{
    Int8Layer, encoded_len_i8, encoded_len_i8_with, int8_layers, read_i8, write_i8, write_i8_with,
};
pub use interface::{ImageShape, Interface, Normalization, ParseImageShapeError};
#[cfg(feature = "alloc")]
pub use q16::read_q16_dynamic;
pub use q16::{
    Q16FileLayer, encoded_len_q16, encoded_len_q16_with, q16_layers, read_q16, write_q16,
    write_q16_with,
};
pub use rust_source::{SourceError, write_rust_source};

use crate::Activation;
use crate::layer::{Layer, LayerInfo, Network};

/// The 4 bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"PGAN";
/// The format version this crate writes, and the newest it reads.
pub const VERSION: u16 = 3;
/// The most dense layers a file may describe.
pub const MAX_LAYERS: usize = 8;

/// The header of a version-1 file.
const V1_HEADER_LEN: usize = 12;
/// The header of a version-2 or -3 file.
const HEADER_LEN: usize = 20;
const NORMALIZATION_LEN: usize = 8;
const LAYER_RECORD_LEN: usize = 12;
const CHECKSUM_LEN: usize = 4;
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The number type of the stored parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Dtype {
    /// IEEE-754 binary32.
    F32,
    /// int8 weights and activations with integer rescaling ([`crate::quant`]).
    I8,
    /// Q16.16 fixed-point weights and activations ([`crate::quant::Q16Dense`]).
    Q16,
}

/// Which player a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Role {
    /// A generator: noise → sample.
    Generator,
    /// A discriminator: sample → logit.
    Discriminator,
}

/// What a valid model file declares, learnt without knowing its network type.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ModelSummary {
    /// Format version.
    pub version: u16,
    /// Parameter number type.
    pub dtype: Dtype,
    /// Generator or discriminator.
    pub role: Role,
    /// Number of dense layers.
    pub layer_count: usize,
    layers: [LayerInfo; MAX_LAYERS],
    /// Number of scalar parameters.
    pub params: usize,
    /// A generator's noise dimension Z (0 for a discriminator).
    pub noise_dim: usize,
    /// Classes K of a conditional model (0: unconditional).
    pub classes: usize,
    /// Columns with a stored [`Normalization`] (0, or the sample's width).
    pub normalized_columns: usize,
    /// The shape of the image a sample is, when it is one.
    pub image: Option<ImageShape>,
    /// Where the layer records start.
    records_start: usize,
    /// The stored CRC-32.
    pub checksum: u32,
    /// Length of the file in bytes.
    pub len: usize,
}

impl ModelSummary {
    /// The layers, input side first.
    pub fn layers(&self) -> &[LayerInfo] {
        &self.layers[..self.layer_count]
    }

    /// Values per sample: a generator's outputs, or a discriminator's inputs less the label.
    ///
    /// # Examples
    /// ```
    /// use picogan::model::{self, Interface, Role};
    /// use picogan::{Activation, Dense};
    /// // A conditional discriminator's single layer: 3 sample values and 4 one-hot classes in.
    /// let layer = Dense::<7, 1>::new(Activation::Identity);
    /// let interface = Interface { classes: 4, normalization: &[], image: None };
    /// let mut file = [0u8; model::encoded_len::<Dense<7, 1>>()];
    /// model::write_with(&layer, Role::Discriminator, &interface, &mut file).unwrap();
    /// let summary = model::summarize(&file).unwrap();
    /// assert_eq!((summary.sample_dim(), summary.classes, summary.noise_dim), (3, 4, 0));
    /// ```
    pub fn sample_dim(&self) -> usize {
        match self.role {
            Role::Generator => self.layers().last().map_or(0, |l| l.outputs),
            Role::Discriminator => self
                .layers()
                .first()
                .map_or(0, |l| l.inputs.saturating_sub(self.classes)),
        }
    }

    /// Where the parameters start.
    fn body_start(&self) -> usize {
        self.records_start + LAYER_RECORD_LEN * self.layer_count
    }

    /// The stored normalization, column by column (empty when the network works in the data's
    /// units), of the file this summary describes.
    ///
    /// # Examples
    /// ```
    /// use picogan::model::{self, Interface, Normalization, Role};
    /// use picogan::{Activation, Dense};
    /// let layer = Dense::<1, 2>::new(Activation::Identity);
    /// let columns = [Normalization { offset: 10.0, scale: 2.0 }, Normalization { offset: 0.0, scale: 0.5 }];
    /// let interface = Interface { classes: 0, normalization: &columns, image: None };
    /// let mut file = vec![0u8; model::encoded_len_with(&layer, &interface)];
    /// model::write_with(&layer, Role::Generator, &interface, &mut file).unwrap();
    /// let summary = model::summarize(&file).unwrap();
    /// assert!(summary.normalization(&file).eq(columns));
    /// ```
    pub fn normalization<'a>(
        &self,
        bytes: &'a [u8],
    ) -> impl ExactSizeIterator<Item = Normalization> + 'a {
        let start = self.len - CHECKSUM_LEN - NORMALIZATION_LEN * self.normalized_columns;
        bytes
            .get(start..self.len - CHECKSUM_LEN)
            .unwrap_or(&[])
            .chunks_exact(NORMALIZATION_LEN)
            .map(|b| Normalization {
                offset: f32_at(b, 0),
                scale: f32_at(b, 4),
            })
    }

    /// The parameters of the file this summary describes, in file order: layer by layer,
    /// weights input-major, then biases. Empty for an int8 file (see [`int8_layers`]).
    ///
    /// # Examples
    /// ```
    /// use picogan::model::{self, Role};
    /// use picogan::{Activation, Dense};
    /// let mut layer = Dense::<1, 2>::new(Activation::Identity);
    /// layer.weight = [[0.5, -1.0]];
    /// layer.bias = [2.0, 0.25];
    /// let mut file = [0u8; model::encoded_len::<Dense<1, 2>>()];
    /// model::write(&layer, Role::Generator, &mut file).unwrap();
    /// let summary = model::summarize(&file).unwrap();
    /// let values: Vec<f32> = summary.parameters(&file).collect();
    /// assert_eq!(values, [0.5, -1.0, 2.0, 0.25]);
    /// ```
    pub fn parameters<'a>(&self, bytes: &'a [u8]) -> impl Iterator<Item = f32> + 'a {
        let start = self.body_start();
        let end = if self.dtype == Dtype::F32 {
            start + 4 * self.params
        } else {
            start
        };
        bytes
            .get(start..end)
            .unwrap_or(&[])
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Everything that can be wrong with a model file, or with writing one.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ModelError {
    /// The file does not start with `PGAN`.
    BadMagic {
        /// Its first 4 bytes.
        found: [u8; 4],
    },
    /// The file is of a newer (or unknown) format version.
    UnsupportedVersion {
        /// Its version.
        found: u16,
        /// The newest version this reader understands.
        supported: u16,
    },
    /// The file is shorter or longer than its header says.
    Length {
        /// Bytes the header implies (or the minimum to read the header).
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The stored CRC-32 does not match the bytes.
    ChecksumMismatch {
        /// CRC stored in the file.
        stored: u32,
        /// CRC of the bytes.
        computed: u32,
    },
    /// Unknown dtype code.
    UnknownDtype {
        /// The code.
        code: u8,
    },
    /// The dtype is known but is not the one this reader loads.
    UnsupportedDtype {
        /// The dtype the reader loads.
        expected: Dtype,
        /// The dtype in the file.
        dtype: Dtype,
    },
    /// Unknown role code.
    UnknownRole {
        /// The code.
        code: u8,
    },
    /// The file holds the other player.
    RoleMismatch {
        /// The role asked for.
        expected: Role,
        /// The role in the file.
        found: Role,
    },
    /// A layer count of 0, above [`MAX_LAYERS`], or not the network's.
    LayerCount {
        /// Layers expected.
        expected: usize,
        /// Layers in the file.
        found: usize,
    },
    /// Unknown activation code.
    UnknownActivation {
        /// Layer index (0 is the input side).
        layer: usize,
        /// The code.
        code: u8,
    },
    /// A LeakyReLU slope that is negative or not finite.
    InvalidSlope {
        /// Layer index.
        layer: usize,
        /// The slope.
        alpha: f32,
    },
    /// A layer's inputs do not equal the previous layer's outputs.
    BrokenChain {
        /// Index of the layer whose inputs do not match.
        layer: usize,
    },
    /// A layer's shape differs from the network's.
    ShapeMismatch {
        /// Layer index.
        layer: usize,
        /// Inputs × outputs of the network's layer.
        expected: (usize, usize),
        /// Inputs × outputs in the file.
        found: (usize, usize),
    },
    /// A parameter is NaN or infinite.
    NonFinite {
        /// Layer index.
        layer: usize,
        /// Index among that layer's parameters (weights first, then biases).
        index: usize,
    },
    /// The output buffer is too small.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A network read from a file does not fit in memory.
    OutOfMemory,
    /// The noise dimension and the classes do not add up to the first layer's inputs (a
    /// generator's noise dimension must be at least 1, a discriminator's 0, and a discriminator
    /// needs a sample of at least one value besides the label).
    InvalidConditioning {
        /// Noise dimension Z.
        noise_dim: usize,
        /// Classes K.
        classes: usize,
        /// The first layer's inputs.
        inputs: usize,
    },
    /// The number of normalized columns is neither 0 nor the sample's width.
    NormalizationColumns {
        /// The sample's width.
        expected: usize,
        /// Columns in the file.
        found: usize,
    },
    /// A column's normalization has an offset that is not finite or a scale that is not a finite
    /// number > 0.
    InvalidNormalization {
        /// Column index.
        column: usize,
    },
    /// The image shape has a side of 0 or over 255, or not as many pixels as a sample has values.
    ImageShape {
        /// Pixels per row.
        width: usize,
        /// Rows.
        height: usize,
        /// Values per sample.
        sample_dim: usize,
    },
    /// A reserved header byte is not zero.
    ReservedNotZero {
        /// Its offset in the file.
        offset: usize,
    },
    /// A layer has no inputs or no outputs.
    EmptyLayer {
        /// Layer index.
        layer: usize,
    },
    /// A layer has more than 65,535 inputs or outputs, which the format cannot store.
    LayerTooWide {
        /// Layer index.
        layer: usize,
    },
    /// An int8 file's scale, zero point, clamp range, multiplier or reserved byte is invalid, or
    /// a Q16 file's LeakyReLU slope is negative (or set on another activation).
    InvalidQuantization {
        /// Layer index.
        layer: usize,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ModelError::BadMagic { found } => {
                write!(
                    f,
                    "not a picogan model file (starts with {found:02x?}, expected \"PGAN\")"
                )
            }
            ModelError::UnsupportedVersion { found, supported } => write!(
                f,
                "model file format version {found} is newer than this reader (version {supported})"
            ),
            ModelError::Length { expected, found } => {
                write!(f, "model file is {found} bytes long, expected {expected}")
            }
            ModelError::ChecksumMismatch { stored, computed } => write!(
                f,
                "model file is corrupted: checksum {computed:08x} does not match the stored {stored:08x}"
            ),
            ModelError::UnknownDtype { code } => write!(f, "unknown dtype code {code}"),
            ModelError::UnsupportedDtype { expected, dtype } => {
                write!(
                    f,
                    "the file holds {dtype:?} parameters, this reader loads {expected:?}"
                )
            }
            ModelError::UnknownRole { code } => write!(f, "unknown role code {code}"),
            ModelError::RoleMismatch { expected, found } => {
                write!(f, "model file holds a {found:?}, expected a {expected:?}")
            }
            ModelError::LayerCount { expected, found } => {
                write!(f, "model file has {found} layers, expected {expected}")
            }
            ModelError::UnknownActivation { layer, code } => {
                write!(f, "layer {layer}: unknown activation code {code}")
            }
            ModelError::InvalidSlope { layer, alpha } => {
                write!(
                    f,
                    "layer {layer}: LeakyReLU slope {alpha} is not a finite number ≥ 0"
                )
            }
            ModelError::BrokenChain { layer } => write!(
                f,
                "layer {layer}: its inputs do not match the previous layer's outputs"
            ),
            ModelError::ShapeMismatch {
                layer,
                expected,
                found,
            } => write!(
                f,
                "layer {layer}: expected {}→{}, found {}→{}",
                expected.0, expected.1, found.0, found.1
            ),
            ModelError::NonFinite { layer, index } => {
                write!(f, "layer {layer}: parameter {index} is not finite")
            }
            ModelError::BufferTooSmall { needed, available } => {
                write!(
                    f,
                    "buffer of {available} bytes is too small, {needed} needed"
                )
            }
            ModelError::OutOfMemory => f.write_str("the network does not fit in memory"),
            ModelError::InvalidConditioning {
                noise_dim,
                classes,
                inputs,
            } => write!(
                f,
                "noise dimension {noise_dim} and {classes} classes do not fit the first layer's {inputs} inputs"
            ),
            ModelError::NormalizationColumns { expected, found } => write!(
                f,
                "normalization of {found} columns, the samples have {expected}"
            ),
            ModelError::InvalidNormalization { column } => write!(
                f,
                "column {column}: normalization needs a finite offset and a finite scale > 0"
            ),
            ModelError::ImageShape {
                width,
                height,
                sample_dim,
            } => write!(
                f,
                "image shape {width}x{height} does not fit samples of {sample_dim} values (sides must be from 1 to 255, width × height the sample's width)"
            ),
            ModelError::ReservedNotZero { offset } => {
                write!(f, "reserved byte {offset} is not zero")
            }
            ModelError::EmptyLayer { layer } => {
                write!(f, "layer {layer} has no inputs or no outputs")
            }
            ModelError::LayerTooWide { layer } => {
                write!(f, "layer {layer} is wider than a model file can store")
            }
            ModelError::InvalidQuantization { layer } => {
                write!(f, "layer {layer}: invalid quantization parameters")
            }
        }
    }
}

impl core::error::Error for ModelError {}

/// The exact length of the model file of a network of type `N`, without normalization:
/// 20 + 12·L + 4·P + 4 bytes.
pub const fn encoded_len<N: Layer>() -> usize {
    HEADER_LEN + LAYER_RECORD_LEN * N::LAYERS + 4 * N::PARAMS + CHECKSUM_LEN
}

/// The exact length of the model file of `network`, whatever holds its shape, without
/// normalization: 20 + 12·L + 4·P + 4 bytes.
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, model};
/// let layer = Dense::<3, 2>::new(Activation::Identity);
/// assert_eq!(model::encoded_len_of(&layer), model::encoded_len::<Dense<3, 2>>());
/// ```
pub fn encoded_len_of<N: Network>(network: &N) -> usize {
    let params: usize = (0..)
        .map_while(|i| network.tensor(i))
        .map(<[f32]>::len)
        .sum();
    HEADER_LEN + LAYER_RECORD_LEN * network.layer_count() + 4 * params + CHECKSUM_LEN
}

/// The exact length of the model file of `network` with `interface`: [`encoded_len_of`] plus 8
/// bytes a normalized column.
///
/// # Examples
/// ```
/// use picogan::model::{self, Interface, Normalization};
/// use picogan::{Activation, Dense};
/// let layer = Dense::<3, 2>::new(Activation::Identity);
/// let columns = [Normalization::IDENTITY; 2];
/// let interface = Interface { classes: 0, normalization: &columns, image: None };
/// assert_eq!(model::encoded_len_with(&layer, &interface), model::encoded_len_of(&layer) + 16);
/// ```
pub fn encoded_len_with<N: Network>(network: &N, interface: &Interface<'_>) -> usize {
    encoded_len_of(network) + NORMALIZATION_LEN * interface.normalization.len()
}

/// An activation's code in the model file (0 identity, 1 ReLU, 2 LeakyReLU, 3 tanh, 4 sigmoid)
/// and the slope stored beside it (α for LeakyReLU, 0 otherwise).
///
/// # Examples
/// ```
/// use picogan::{Activation, model::activation_code};
/// assert_eq!(activation_code(Activation::LeakyRelu(0.2)), (2, 0.2));
/// ```
pub fn activation_code(activation: Activation) -> (u8, f32) {
    match activation {
        Activation::Identity => (0, 0.0),
        Activation::Relu => (1, 0.0),
        Activation::LeakyRelu(alpha) => (2, alpha),
        Activation::Tanh => (3, 0.0),
        Activation::Sigmoid => (4, 0.0),
    }
}

fn decode_activation(layer: usize, code: u8, alpha: f32) -> Result<Activation, ModelError> {
    Ok(match code {
        0 => Activation::Identity,
        1 => Activation::Relu,
        2 if alpha >= 0.0 && alpha.is_finite() => Activation::LeakyRelu(alpha),
        2 => return Err(ModelError::InvalidSlope { layer, alpha }),
        3 => Activation::Tanh,
        4 => Activation::Sigmoid,
        code => return Err(ModelError::UnknownActivation { layer, code }),
    })
}

/// Writes `network` as a model file into the start of `out`; returns the bytes written
/// ([`encoded_len`]).
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, model::{self, ModelError, Role}};
/// let layer = Dense::<1, 1>::new(Activation::Identity);
/// let mut small = [0u8; 8];
/// assert!(matches!(model::write(&layer, Role::Generator, &mut small), Err(ModelError::BufferTooSmall { .. })));
/// ```
pub fn write<N: Network>(network: &N, role: Role, out: &mut [u8]) -> Result<usize, ModelError> {
    write_with(network, role, &Interface::PLAIN, out)
}

/// Writes `network` with `interface` (classes and normalization) as a model file into the start
/// of `out`; returns the bytes written ([`encoded_len_with`]).
///
/// # Errors
/// Those of [`write()`]; [`ModelError::InvalidConditioning`] when the classes leave no noise (or
/// no sample) in the first layer's inputs; [`ModelError::NormalizationColumns`] and
/// [`ModelError::InvalidNormalization`] for a normalization that does not fit the samples.
///
/// # Examples
/// ```
/// use picogan::model::{self, Interface, Role};
/// use picogan::{Activation::*, Dense, Mlp2};
/// // A generator of 2-value samples for 3 classes: 2 noise values + 3 one-hot values in.
/// let generator: Mlp2<5, 8, 2> = (Dense::new(Relu), Dense::new(Identity));
/// let interface = Interface { classes: 3, normalization: &[], image: None };
/// let mut file = [0u8; model::encoded_len::<Mlp2<5, 8, 2>>()];
/// model::write_with(&generator, Role::Generator, &interface, &mut file).unwrap();
/// let summary = model::summarize(&file).unwrap();
/// assert_eq!((summary.noise_dim, summary.classes), (2, 3));
/// ```
pub fn write_with<N: Network>(
    network: &N,
    role: Role,
    interface: &Interface<'_>,
    out: &mut [u8],
) -> Result<usize, ModelError> {
    let layers = network.layer_count();
    let info = |layer| {
        network.layer_info(layer).ok_or(ModelError::LayerCount {
            expected: layers,
            found: layer,
        })
    };
    let (first, last) = (info(0)?, info(layers.saturating_sub(1))?);
    let mut cursor = Writer::start(
        out,
        encoded_len_with(network, interface),
        Dtype::F32,
        role,
        (layers, first.inputs, last.outputs),
        interface,
    )?;
    for layer in 0..layers {
        cursor.layer_record(layer, info(layer)?)?;
    }
    let mut tensor = 0;
    while let Some(values) = network.tensor(tensor) {
        for value in values {
            cursor.bytes(&value.to_le_bytes());
        }
        tensor += 1;
    }
    Ok(cursor.finish())
}

/// The (layers, first layer's inputs, last layer's outputs) the header needs, from a network's
/// layer count and the (inputs, outputs) of its layer `l`.
fn header_shape(
    layers: usize,
    shape: impl Fn(usize) -> Option<(usize, usize)>,
) -> Result<(usize, usize, usize), ModelError> {
    let missing = ModelError::LayerCount {
        expected: layers,
        found: 0,
    };
    let (inputs, _) = shape(0).ok_or(missing)?;
    let (_, outputs) = shape(layers.saturating_sub(1)).ok_or(missing)?;
    Ok((layers, inputs, outputs))
}

/// A cursor over a buffer known to be long enough.
struct Writer<'a, 'b> {
    out: &'a mut [u8],
    at: usize,
    normalization: &'b [Normalization],
}

impl<'a, 'b> Writer<'a, 'b> {
    /// Checks that `out` holds `needed` bytes, that the network's `(layers, inputs, outputs)` fit
    /// the format and `interface` fits the network, and writes the 20-byte header.
    fn start(
        out: &'a mut [u8],
        needed: usize,
        dtype: Dtype,
        role: Role,
        (layers, inputs, outputs): (usize, usize, usize),
        interface: &Interface<'b>,
    ) -> Result<Writer<'a, 'b>, ModelError> {
        let available = out.len();
        let out = out
            .get_mut(..needed)
            .ok_or(ModelError::BufferTooSmall { needed, available })?;
        if layers > MAX_LAYERS {
            return Err(ModelError::LayerCount {
                expected: MAX_LAYERS,
                found: layers,
            });
        }
        let classes = interface.classes;
        let (noise_dim, sample_dim) = match role {
            Role::Generator => (inputs.saturating_sub(classes), outputs),
            Role::Discriminator => (0, inputs.saturating_sub(classes)),
        };
        let conditioning = ModelError::InvalidConditioning {
            noise_dim,
            classes,
            inputs,
        };
        if inputs > usize::from(u16::MAX) {
            return Err(ModelError::LayerTooWide { layer: 0 });
        }
        if classes >= inputs {
            return Err(conditioning);
        }
        let noise_code = u16::try_from(noise_dim).map_err(|_| conditioning)?;
        let classes_code = u16::try_from(classes).map_err(|_| conditioning)?;
        interface::check(interface.normalization.iter().copied(), sample_dim)?;
        interface::check_image(interface.image, sample_dim)?;
        let mut cursor = Writer {
            out,
            at: 0,
            normalization: interface.normalization,
        };
        cursor.bytes(&MAGIC);
        cursor.bytes(&VERSION.to_le_bytes());
        let dtype_code = match dtype {
            Dtype::F32 => 0,
            Dtype::I8 => 1,
            Dtype::Q16 => 2,
        };
        cursor.bytes(&[dtype_code, role as u8, layers as u8, 0, 0, 0]);
        cursor.bytes(&noise_code.to_le_bytes());
        cursor.bytes(&classes_code.to_le_bytes());
        // `check` accepted 0 or `sample_dim` columns, and the layer records hold `sample_dim`.
        let columns = interface.normalization.len() as u16;
        cursor.bytes(&columns.to_le_bytes());
        // `check_image` accepted sides from 1 to 255.
        let (width, height) = interface
            .image
            .map_or((0, 0), |shape| (shape.width as u8, shape.height as u8));
        cursor.bytes(&[width, height]);
        Ok(cursor)
    }

    /// The 12-byte record of dense layer `layer`.
    fn layer_record(&mut self, layer: usize, info: LayerInfo) -> Result<(), ModelError> {
        let too_wide = ModelError::LayerTooWide { layer };
        let inputs = u16::try_from(info.inputs).map_err(|_| too_wide)?;
        let outputs = u16::try_from(info.outputs).map_err(|_| too_wide)?;
        let (code, alpha) = activation_code(info.activation);
        self.bytes(&inputs.to_le_bytes());
        self.bytes(&outputs.to_le_bytes());
        self.bytes(&[code, 0, 0, 0]);
        self.bytes(&alpha.to_le_bytes());
        Ok(())
    }

    /// Appends the normalization and the CRC-32 of everything written; returns the length of the
    /// file.
    fn finish(mut self) -> usize {
        for column in self.normalization {
            self.bytes(&column.offset.to_le_bytes());
            self.bytes(&column.scale.to_le_bytes());
        }
        let checksum = CRC32.checksum(&self.out[..self.at]);
        self.bytes(&checksum.to_le_bytes());
        self.at
    }

    fn bytes(&mut self, bytes: &[u8]) {
        let end = self.at + bytes.len();
        if let Some(slot) = self.out.get_mut(self.at..end) {
            slot.copy_from_slice(bytes);
        }
        self.at = end;
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Validates a model file and describes it, without knowing its network type.
///
/// # Examples
/// ```
/// use picogan::model::{self, ModelError};
/// assert_eq!(
///     model::summarize(b"GIF89a......").unwrap_err(),
///     ModelError::BadMagic { found: *b"GIF8" }
/// );
/// ```
pub fn summarize(bytes: &[u8]) -> Result<ModelSummary, ModelError> {
    let found = bytes.len();
    if found < V1_HEADER_LEN {
        return Err(ModelError::Length {
            expected: V1_HEADER_LEN,
            found,
        });
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if magic != MAGIC {
        return Err(ModelError::BadMagic { found: magic });
    }
    let version = u16_at(bytes, 4);
    let records_start = match version {
        1 => V1_HEADER_LEN,
        2 | 3 => HEADER_LEN,
        _ => {
            return Err(ModelError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            });
        }
    };
    if found < records_start {
        return Err(ModelError::Length {
            expected: records_start,
            found,
        });
    }
    let layer_count = usize::from(bytes[8]);
    if layer_count == 0 || layer_count > MAX_LAYERS {
        return Err(ModelError::LayerCount {
            expected: MAX_LAYERS,
            found: layer_count,
        });
    }
    let records_end = records_start + LAYER_RECORD_LEN * layer_count;
    if found < records_end {
        return Err(ModelError::Length {
            expected: records_end,
            found,
        });
    }
    let mut layers = [LayerInfo {
        inputs: 0,
        outputs: 0,
        activation: Activation::Identity,
    }; MAX_LAYERS];
    let mut params = 0;
    for (layer, info) in layers.iter_mut().take(layer_count).enumerate() {
        let at = records_start + LAYER_RECORD_LEN * layer;
        info.inputs = usize::from(u16_at(bytes, at));
        info.outputs = usize::from(u16_at(bytes, at + 2));
        params += info.inputs * info.outputs + info.outputs;
    }
    let dtype = match bytes[6] {
        0 => Dtype::F32,
        1 => Dtype::I8,
        2 => Dtype::Q16,
        code => return Err(ModelError::UnknownDtype { code }),
    };
    let body_len = match dtype {
        Dtype::F32 => 4 * params,
        Dtype::I8 => int8::body_len(&layers[..layer_count]),
        Dtype::Q16 => q16::body_len(&layers[..layer_count]),
    };
    let (noise_code, classes, normalized_columns) = if version == 1 {
        (None, 0, 0)
    } else {
        let noise = usize::from(u16_at(bytes, 12));
        let columns = usize::from(u16_at(bytes, 16));
        (Some(noise), usize::from(u16_at(bytes, 14)), columns)
    };
    let expected = records_end + body_len + NORMALIZATION_LEN * normalized_columns + CHECKSUM_LEN;
    if found != expected {
        return Err(ModelError::Length { expected, found });
    }
    let body = expected - CHECKSUM_LEN;
    let stored = u32::from_le_bytes([
        bytes[body],
        bytes[body + 1],
        bytes[body + 2],
        bytes[body + 3],
    ]);
    let computed = CRC32.checksum(&bytes[..body]);
    if stored != computed {
        return Err(ModelError::ChecksumMismatch { stored, computed });
    }

    let role = match bytes[7] {
        0 => Role::Generator,
        1 => Role::Discriminator,
        code => return Err(ModelError::UnknownRole { code }),
    };
    let reserved: &[usize] = match version {
        1 => &[],
        2 => &[9, 10, 11, 18, 19],
        _ => &[9, 10, 11],
    };
    if let Some(&offset) = reserved.iter().find(|&&offset| bytes[offset] != 0) {
        return Err(ModelError::ReservedNotZero { offset });
    }
    let image = (version >= 3 && (bytes[18], bytes[19]) != (0, 0)).then(|| ImageShape {
        width: usize::from(bytes[18]),
        height: usize::from(bytes[19]),
    });
    let mut previous_outputs = None;
    let mut at = records_end;
    for (layer, info) in layers.iter_mut().take(layer_count).enumerate() {
        let record = records_start + LAYER_RECORD_LEN * layer;
        info.activation = decode_activation(layer, bytes[record + 4], f32_at(bytes, record + 8))?;
        if info.inputs == 0 || info.outputs == 0 {
            return Err(ModelError::EmptyLayer { layer });
        }
        if previous_outputs.is_some_and(|outputs| outputs != info.inputs) {
            return Err(ModelError::BrokenChain { layer });
        }
        previous_outputs = Some(info.outputs);
        if dtype == Dtype::F32 {
            let count = info.inputs * info.outputs + info.outputs;
            for index in 0..count {
                if !f32_at(bytes, at + 4 * index).is_finite() {
                    return Err(ModelError::NonFinite { layer, index });
                }
            }
            at += 4 * count;
        }
    }
    let inputs = layers[0].inputs;
    let noise_dim = match role {
        Role::Generator => noise_code.unwrap_or(inputs),
        Role::Discriminator => noise_code.unwrap_or(0),
    };
    let conditioned = match role {
        Role::Generator => noise_dim >= 1 && noise_dim + classes == inputs,
        Role::Discriminator => noise_dim == 0 && classes < inputs,
    };
    if !conditioned {
        return Err(ModelError::InvalidConditioning {
            noise_dim,
            classes,
            inputs,
        });
    }
    let summary = ModelSummary {
        version,
        dtype,
        role,
        layer_count,
        layers,
        params,
        noise_dim,
        classes,
        normalized_columns,
        image,
        records_start,
        checksum: stored,
        len: found,
    };
    interface::check(summary.normalization(bytes), summary.sample_dim())?;
    interface::check_image(summary.image, summary.sample_dim())?;
    match dtype {
        Dtype::F32 => {}
        Dtype::I8 => int8::check(bytes, &summary)?,
        Dtype::Q16 => q16::check(bytes, &summary)?,
    }
    Ok(summary)
}

/// [`summarize`], then checks that the file holds `dtype`, `role` and `layers` dense layers
/// whose (inputs, outputs) are `shape(layer)`.
fn summarize_as(
    bytes: &[u8],
    dtype: Dtype,
    role: Role,
    layers: usize,
    shape: impl Fn(usize) -> Option<(usize, usize)>,
) -> Result<ModelSummary, ModelError> {
    let summary = summarize_kind(bytes, dtype, role)?;
    if summary.layer_count != layers {
        return Err(ModelError::LayerCount {
            expected: layers,
            found: summary.layer_count,
        });
    }
    for (layer, found) in summary.layers().iter().enumerate() {
        let expected = shape(layer).unwrap_or((0, 0));
        if expected != (found.inputs, found.outputs) {
            return Err(ModelError::ShapeMismatch {
                layer,
                expected,
                found: (found.inputs, found.outputs),
            });
        }
    }
    Ok(summary)
}

/// [`summarize`], then checks that the file holds `dtype` and `role`.
fn summarize_kind(bytes: &[u8], dtype: Dtype, role: Role) -> Result<ModelSummary, ModelError> {
    let summary = summarize(bytes)?;
    if summary.dtype != dtype {
        return Err(ModelError::UnsupportedDtype {
            expected: dtype,
            dtype: summary.dtype,
        });
    }
    if summary.role != role {
        return Err(ModelError::RoleMismatch {
            expected: role,
            found: summary.role,
        });
    }
    Ok(summary)
}

/// Loads a model file into `network` after checking it completely: the file must be valid
/// ([`summarize`]), hold the `role` asked for, and have exactly `network`'s layer shapes. The
/// activations are taken from the file. On error `network` is unchanged.
///
/// # Examples
/// ```
/// use picogan::model::{self, ModelError, Role};
/// use picogan::{Activation::*, Dense, Mlp2};
/// let mut file = [0u8; model::encoded_len::<Mlp2<2, 8, 2>>()];
/// let generator: Mlp2<2, 8, 2> = (Dense::new(Relu), Dense::new(Identity));
/// model::write(&generator, Role::Generator, &mut file).unwrap();
///
/// let mut wrong: Mlp2<2, 4, 2> = (Dense::new(Relu), Dense::new(Identity));
/// let error = model::read(&file, Role::Generator, &mut wrong).unwrap_err();
/// assert_eq!(error, ModelError::ShapeMismatch { layer: 0, expected: (2, 4), found: (2, 8) });
/// ```
pub fn read<N: Network>(
    bytes: &[u8],
    role: Role,
    network: &mut N,
) -> Result<ModelSummary, ModelError> {
    let summary = summarize_as(bytes, Dtype::F32, role, network.layer_count(), |layer| {
        network.layer_info(layer).map(|i| (i.inputs, i.outputs))
    })?;
    for (layer, info) in summary.layers().iter().enumerate() {
        network.set_activation(layer, info.activation);
    }
    let mut at = summary.body_start();
    let mut tensor = 0;
    while let Some(values) = network.tensor_mut(tensor) {
        for value in values.iter_mut() {
            *value = f32_at(bytes, at);
            at += 4;
        }
        tensor += 1;
    }
    Ok(summary)
}

/// Reads an f32 model file into a network of the file's own architecture, shaped at run time
/// (feature `alloc`), after checking the file completely ([`summarize`]).
///
/// # Errors
/// Those of [`read`], and [`ModelError::OutOfMemory`] when the network does not fit in memory.
///
/// # Examples
/// ```
/// use picogan::model::{self, Role};
/// use picogan::{Activation::*, Dense, Mlp2, Network};
/// let generator: Mlp2<2, 8, 3> = (Dense::new(Relu), Dense::new(Identity));
/// let mut file = [0u8; model::encoded_len::<Mlp2<2, 8, 3>>()];
/// model::write(&generator, Role::Generator, &mut file).unwrap();
/// let network = model::read_dynamic(&file, Role::Generator).unwrap();
/// assert_eq!((network.inputs(), network.outputs()), (2, 3));
/// assert_eq!(network.tensor(2), generator.tensor(2));
/// ```
#[cfg(feature = "alloc")]
pub fn read_dynamic(bytes: &[u8], role: Role) -> Result<crate::dynamic::DynMlp, ModelError> {
    let summary = summarize(bytes)?;
    let mut network = crate::dynamic::DynMlp::from_layers(summary.layers())
        .map_err(|_| ModelError::OutOfMemory)?;
    read(bytes, role, &mut network)?;
    Ok(network)
}
