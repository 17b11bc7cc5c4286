//! What a model file says about the data around its network: the classes of a conditional model,
//! the normalization that turns the network's values into the data's units, and the shape of the
//! image a sample is.

use super::ModelError;

/// How one column of a sample goes from the network's units to the data's:
/// x = offset + scale · v, for the network's value v (the inverse of the normalization the
/// training data went through, v = (x − offset) / scale).
///
/// # Examples
/// ```
/// use picogan::model::Normalization;
/// let column = Normalization { offset: 20.0, scale: 4.0 };
/// assert_eq!(column.to_data(-0.5), 18.0);
/// assert_eq!(column.to_network(18.0), -0.5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Normalization {
    /// The data's value where the network's is 0 (a standardized column's mean).
    pub offset: f32,
    /// Data units per network unit (a standardized column's standard deviation).
    pub scale: f32,
}

impl Normalization {
    /// The normalization that changes nothing: offset 0, scale 1.
    pub const IDENTITY: Normalization = Normalization {
        offset: 0.0,
        scale: 1.0,
    };

    /// The network's value `v` in the data's units: offset + scale · v.
    ///
    /// # Examples
    /// ```
    /// use picogan::model::Normalization;
    /// assert_eq!(Normalization::IDENTITY.to_data(3.5), 3.5);
    /// ```
    pub fn to_data(self, v: f32) -> f32 {
        self.offset + self.scale * v
    }

    /// The data's value `x` in the network's units: (x − offset) / scale.
    ///
    /// # Examples
    /// ```
    /// use picogan::model::Normalization;
    /// assert_eq!(Normalization { offset: 1.0, scale: 2.0 }.to_network(5.0), 2.0);
    /// ```
    pub fn to_network(self, x: f32) -> f32 {
        (x - self.offset) / self.scale
    }

    /// True when the offset is finite and the scale a finite number > 0.
    fn is_valid(self) -> bool {
        self.offset.is_finite() && self.scale.is_finite() && self.scale > 0.0
    }
}

/// The shape of the image a sample is: `height` rows of `width` pixels, one value a pixel, the
/// rows one after the other. Written `WIDTHxHEIGHT` (`8x8`); a model file stores sides from 1 to
/// 255.
///
/// # Examples
/// ```
/// use picogan::model::ImageShape;
/// let shape: ImageShape = "28x8".parse().unwrap();
/// assert_eq!((shape.width, shape.height, shape.pixels()), (28, 8, 224));
/// assert_eq!(shape.to_string(), "28x8");
/// assert!("8x0".parse::<ImageShape>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ImageShape {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

impl ImageShape {
    /// The longest side a model file stores.
    pub const MAX_SIDE: usize = u8::MAX as usize;

    /// Pixels in the image: width · height.
    ///
    /// # Examples
    /// ```
    /// use picogan::model::ImageShape;
    /// assert_eq!(ImageShape { width: 8, height: 8 }.pixels(), 64);
    /// ```
    pub const fn pixels(self) -> usize {
        self.width * self.height
    }

    /// True when both sides are from 1 to [`ImageShape::MAX_SIDE`].
    const fn is_storable(self) -> bool {
        self.width >= 1
            && self.width <= Self::MAX_SIDE
            && self.height >= 1
            && self.height <= Self::MAX_SIDE
    }
}

impl core::fmt::Display for ImageShape {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// Why a text is not an [`ImageShape`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseImageShapeError;

impl core::fmt::Display for ParseImageShapeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "expected WIDTHxHEIGHT with sides from 1 to {} (like 8x8)",
            ImageShape::MAX_SIDE
        )
    }
}

impl core::error::Error for ParseImageShapeError {}

impl core::str::FromStr for ImageShape {
    type Err = ParseImageShapeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (width, height) = text.trim().split_once('x').ok_or(ParseImageShapeError)?;
        let side = |t: &str| t.parse::<usize>().map_err(|_| ParseImageShapeError);
        let shape = ImageShape {
            width: side(width)?,
            height: side(height)?,
        };
        if shape.is_storable() {
            Ok(shape)
        } else {
            Err(ParseImageShapeError)
        }
    }
}

/// A network's classes, normalization and image shape, as a model file of version 3 stores them.
///
/// # Examples
/// ```
/// use picogan::model::Interface;
/// assert_eq!(Interface::PLAIN, Interface { classes: 0, normalization: &[], image: None });
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interface<'a> {
    /// Classes K of a conditional model, 0 for an unconditional one. A conditional generator's
    /// inputs are its noise followed by the label one-hot (K values); a conditional
    /// discriminator's are the sample followed by the label one-hot.
    pub classes: usize,
    /// One [`Normalization`] per sample column, or none when the network works in the data's
    /// units.
    pub normalization: &'a [Normalization],
    /// The shape of the image a sample is, when it is one: its pixels are the sample's values.
    pub image: Option<ImageShape>,
}

impl Interface<'_> {
    /// Unconditional, in the data's units.
    pub const PLAIN: Interface<'static> = Interface {
        classes: 0,
        normalization: &[],
        image: None,
    };
}

/// Checks that `columns` is empty or holds `sample_dim` valid normalizations.
pub(super) fn check(
    columns: impl ExactSizeIterator<Item = Normalization>,
    sample_dim: usize,
) -> Result<(), ModelError> {
    let found = columns.len();
    if found != 0 && found != sample_dim {
        return Err(ModelError::NormalizationColumns {
            expected: sample_dim,
            found,
        });
    }
    for (column, normalization) in columns.enumerate() {
        if !normalization.is_valid() {
            return Err(ModelError::InvalidNormalization { column });
        }
    }
    Ok(())
}

/// Checks that `image`, if any, has storable sides and `sample_dim` pixels.
pub(super) fn check_image(image: Option<ImageShape>, sample_dim: usize) -> Result<(), ModelError> {
    match image {
        Some(shape) if !shape.is_storable() || shape.pixels() != sample_dim => {
            Err(ModelError::ImageShape {
                width: shape.width,
                height: shape.height,
                sample_dim,
            })
        }
        _ => Ok(()),
    }
}
