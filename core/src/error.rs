//! The crate's error type.

use core::fmt;

/// Everything that can go wrong in `picogan`'s checked functions.
///
/// # Examples
/// ```
/// use picogan::{Error, info::{entropy, Unit}};
/// assert_eq!(entropy(&[0.5, 0.6], Unit::Nats), Err(Error::NotNormalized { sum: 1.1 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A probability (or density) is negative or NaN.
    InvalidProbability {
        /// Position in its vector (0 for a scalar argument).
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A probability vector does not sum to 1 within [`crate::info::SUM_TOLERANCE`].
    NotNormalized {
        /// Its sum.
        sum: f64,
    },
    /// Two vectors that must pair up element by element have different lengths.
    LengthMismatch {
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// An empty vector where a distribution was expected.
    Empty,
    /// The optimal discriminator is undefined where p_data(x) = p_g(x) = 0.
    ZeroDensities,
    /// A discriminator output outside [0, 1] (or NaN).
    InvalidDiscriminatorOutput {
        /// Position in its vector.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A training hyperparameter out of its range.
    InvalidHyperparameter {
        /// Which one.
        name: &'static str,
    },
    /// The closed-form R1 gradient needs piecewise-linear activations; this layer's is not.
    SmoothActivation {
        /// Index of the layer (0 is the input side).
        layer: usize,
    },
    /// A network's shape that cannot be built: a size of 0, layers that do not chain, more
    /// parameters than a layer may hold.
    InvalidArchitecture {
        /// What is wrong.
        reason: &'static str,
    },
    /// Memory for a network or its buffers could not be allocated.
    OutOfMemory,
    /// An instruction set this CPU does not run was asked for ([`crate::isa::force`]).
    UnsupportedIsa {
        /// The one asked for.
        isa: crate::isa::Isa,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidProbability { index, value } => {
                write!(
                    f,
                    "probability at index {index} is {value}, not a number ≥ 0"
                )
            }
            Error::NotNormalized { sum } => {
                write!(f, "probabilities sum to {sum}, not 1")
            }
            Error::LengthMismatch { left, right } => {
                write!(f, "vectors of different lengths: {left} and {right}")
            }
            Error::Empty => f.write_str("empty probability vector"),
            Error::ZeroDensities => {
                f.write_str("optimal discriminator undefined where both densities are 0")
            }
            Error::InvalidDiscriminatorOutput { index, value } => {
                write!(
                    f,
                    "discriminator output at index {index} is {value}, not in [0, 1]"
                )
            }
            Error::InvalidHyperparameter { name } => write!(f, "invalid {name}"),
            Error::SmoothActivation { layer } => write!(
                f,
                "layer {layer} has a smooth activation; the R1 penalty needs piecewise-linear ones"
            ),
            Error::InvalidArchitecture { reason } => write!(f, "invalid architecture: {reason}"),
            Error::OutOfMemory => f.write_str("not enough memory for the network and its buffers"),
            Error::UnsupportedIsa { isa } => {
                write!(f, "this CPU does not run the {isa} instruction set")
            }
        }
    }
}

impl core::error::Error for Error {}
