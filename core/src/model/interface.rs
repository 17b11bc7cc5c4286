//! What a model file says about the data around its network: the classes of a conditional model
//! and the normalization that turns the network's values into the data's units.

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

/// A network's classes and normalization, as a model file of version 2 stores them.
///
/// # Examples
/// ```
/// use picogan::model::Interface;
/// assert_eq!(Interface::PLAIN, Interface { classes: 0, normalization: &[] });
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
}

impl Interface<'_> {
    /// Unconditional, in the data's units.
    pub const PLAIN: Interface<'static> = Interface {
        classes: 0,
        normalization: &[],
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
