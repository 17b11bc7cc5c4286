//! Information theory on discrete distributions, and the GAN quantities built on it.
//!
//! Distributions are slices of `f64` probabilities (double precision, so identities such as
//! H(p, q) = H(p) + KL(p‖q) hold to ~1e-12 and teaching examples print exact digits). Each
//! vector is checked: every entry finite and ≥ 0, the sum within [`SUM_TOLERANCE`] of 1;
//! anything else is an [`Error`], never a silent wrong number.
//!
//! Conventions (Cover & Thomas, *Elements of Information Theory*, 2nd ed., §2.1–2.3):
//! 0·log 0 = 0, 0·log(0/q) = 0, and p·log(p/0) = +∞ for p > 0.

use crate::Error;
use crate::math::ln_f64;

/// How far from 1 a probability vector's sum may be.
pub const SUM_TOLERANCE: f64 = 1e-6;

/// The unit of an information quantity: nats (natural log) or bits (log base 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Unit {
    /// Natural logarithm.
    Nats,
    /// Base-2 logarithm: nats / ln 2.
    Bits,
}

impl Unit {
    fn convert_nats(self, nats: f64) -> f64 {
        match self {
            Unit::Nats => nats,
            Unit::Bits => nats / core::f64::consts::LN_2,
        }
    }
}

fn check_probability(index: usize, value: f64) -> Result<(), Error> {
    if value >= 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidProbability { index, value })
    }
}

/// Checks that `p` is a probability vector: non-empty, entries finite and ≥ 0, sum 1 ± tolerance.
///
/// # Examples
/// ```
/// use picogan::{Error, info::check_distribution};
/// assert!(check_distribution(&[0.25, 0.75]).is_ok());
/// assert_eq!(check_distribution(&[1.5, -0.5]), Err(Error::InvalidProbability { index: 1, value: -0.5 }));
/// ```
pub fn check_distribution(p: &[f64]) -> Result<(), Error> {
    if p.is_empty() {
        return Err(Error::Empty);
    }
    let mut sum = 0.0;
    for (index, &value) in p.iter().enumerate() {
        check_probability(index, value)?;
        sum += value;
    }
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(Error::NotNormalized { sum });
    }
    Ok(())
}

fn check_pair(p: &[f64], q: &[f64]) -> Result<(), Error> {
    if p.len() != q.len() {
        return Err(Error::LengthMismatch {
            left: p.len(),
            right: q.len(),
        });
    }
    check_distribution(p)?;
    check_distribution(q)
}

/// p·ln(p/q) with the conventions 0·ln(0/q) = 0 and p·ln(p/0) = +∞.
fn relative_term(p: f64, q: f64) -> f64 {
    if p == 0.0 {
        0.0
    } else if q == 0.0 {
        f64::INFINITY
    } else {
        p * ln_f64(p / q)
    }
}

/// p·ln y with 0·ln y = 0 (even for y = 0) and p·ln 0 = −∞ for p > 0.
fn weighted_log(p: f64, y: f64) -> f64 {
    if p == 0.0 {
        0.0
    } else if y == 0.0 {
        f64::NEG_INFINITY
    } else {
        p * ln_f64(y)
    }
}

/// Self-information (surprisal) of an outcome of probability p: I(p) = −log p.
/// I(0) = +∞; I(1) = 0.
///
/// # Examples
/// ```
/// use picogan::info::{self_information, Unit};
/// let upset = self_information(0.05, Unit::Bits).unwrap();
/// assert!((upset - 4.3219).abs() < 5e-5);
/// ```
pub fn self_information(p: f64, unit: Unit) -> Result<f64, Error> {
    check_probability(0, p)?;
    if p > 1.0 {
        return Err(Error::NotNormalized { sum: p });
    }
    Ok(unit.convert_nats(-ln_f64(p)))
}

/// Shannon entropy H(p) = −Σᵢ pᵢ log pᵢ (Shannon, 1948), with 0·log 0 = 0.
/// Ranges over [0, log n] for n outcomes.
///
/// # Examples
/// ```
/// use picogan::info::{entropy, Unit};
/// let h = entropy(&[0.81, 0.05, 0.14], Unit::Bits).unwrap();
/// assert!((h - 0.8595).abs() < 5e-5);
/// ```
pub fn entropy(p: &[f64], unit: Unit) -> Result<f64, Error> {
    check_distribution(p)?;
    let mut nats = 0.0;
    for &pi in p {
        nats -= weighted_log(pi, pi);
    }
    Ok(unit.convert_nats(nats))
}

/// Cross-entropy H(p, q) = −Σᵢ pᵢ log qᵢ = H(p) + KL(p‖q); +∞ when some qᵢ = 0 < pᵢ.
///
/// # Examples
/// ```
/// use picogan::info::{cross_entropy, Unit};
/// assert_eq!(cross_entropy(&[0.5, 0.5], &[0.5, 0.5], Unit::Bits).unwrap(), 1.0);
/// assert_eq!(cross_entropy(&[0.5, 0.5], &[1.0, 0.0], Unit::Bits).unwrap(), f64::INFINITY);
/// ```
pub fn cross_entropy(p: &[f64], q: &[f64], unit: Unit) -> Result<f64, Error> {
    check_pair(p, q)?;
    let mut nats = 0.0;
    for (&pi, &qi) in p.iter().zip(q) {
        nats -= weighted_log(pi, qi);
    }
    Ok(unit.convert_nats(nats))
}

/// Kullback–Leibler divergence KL(p‖q) = Σᵢ pᵢ log(pᵢ/qᵢ) (Kullback & Leibler, 1951).
/// Always ≥ 0, = 0 iff p = q, not symmetric; +∞ when some qᵢ = 0 < pᵢ.
///
/// # Examples
/// ```
/// use picogan::info::{kl_divergence, Unit};
/// assert_eq!(kl_divergence(&[0.3, 0.7], &[0.3, 0.7], Unit::Nats).unwrap(), 0.0);
/// assert!(kl_divergence(&[0.3, 0.7], &[0.5, 0.5], Unit::Nats).unwrap() > 0.0);
/// ```
pub fn kl_divergence(p: &[f64], q: &[f64], unit: Unit) -> Result<f64, Error> {
    check_pair(p, q)?;
    let mut nats = 0.0;
    for (&pi, &qi) in p.iter().zip(q) {
        nats += relative_term(pi, qi);
    }
    Ok(unit.convert_nats(nats))
}

/// Jensen–Shannon divergence JSD(p‖q) = ½ KL(p‖m) + ½ KL(q‖m) with m = ½(p + q) (Lin, 1991).
/// Symmetric, finite, 0 ≤ JSD ≤ ln 2 nats (1 bit), = 0 iff p = q.
///
/// # Examples
/// ```
/// use picogan::info::{js_divergence, Unit};
/// assert_eq!(js_divergence(&[1.0, 0.0], &[0.0, 1.0], Unit::Bits).unwrap(), 1.0);
/// ```
pub fn js_divergence(p: &[f64], q: &[f64], unit: Unit) -> Result<f64, Error> {
    check_pair(p, q)?;
    let mut nats = 0.0;
    for (&pi, &qi) in p.iter().zip(q) {
        let mi = 0.5 * (pi + qi);
        nats += 0.5 * relative_term(pi, mi) + 0.5 * relative_term(qi, mi);
    }
    Ok(unit.convert_nats(nats))
}

/// The optimal discriminator for a fixed generator (Goodfellow et al. 2014, Proposition 1):
/// D*(x) = p_data(x) / (p_data(x) + p_g(x)). Takes the two densities (or probabilities) at one x;
/// undefined, and an error, where both are 0.
///
/// # Examples
/// ```
/// use picogan::info::optimal_discriminator;
/// assert_eq!(optimal_discriminator(3.0, 1.0).unwrap(), 0.75);
/// assert!(optimal_discriminator(0.0, 0.0).is_err());
/// ```
pub fn optimal_discriminator(p_data: f64, p_g: f64) -> Result<f64, Error> {
    check_probability(0, p_data)?;
    check_probability(1, p_g)?;
    let total = p_data + p_g;
    if total == 0.0 {
        return Err(Error::ZeroDensities);
    }
    Ok(p_data / total)
}

/// The GAN value function on a discrete space (Goodfellow et al. 2014, eq. 1), in nats:
/// V(D, G) = Σₓ p_data(x)·ln D(x) + p_g(x)·ln(1 − D(x)), with 0·ln 0 = 0.
/// For D = D* it equals −ln 4 + 2·JSD(p_data‖p_g) (Theorem 1); it is −∞ when D(x) = 0 where
/// p_data(x) > 0, or D(x) = 1 where p_g(x) > 0.
///
/// # Examples
/// ```
/// use picogan::info::value_function;
/// // A generator equal to the data, and D = ½ everywhere: V = −ln 4.
/// let v = value_function(&[0.5, 0.5], &[0.3, 0.7], &[0.3, 0.7]).unwrap();
/// assert!((v + 4f64.ln()).abs() < 1e-12);
/// ```
pub fn value_function(d: &[f64], p_data: &[f64], p_g: &[f64]) -> Result<f64, Error> {
    check_pair(p_data, p_g)?;
    if d.len() != p_data.len() {
        return Err(Error::LengthMismatch {
            left: d.len(),
            right: p_data.len(),
        });
    }
    let mut value = 0.0;
    for (index, ((&di, &pd), &pg)) in d.iter().zip(p_data).zip(p_g).enumerate() {
        if !(0.0..=1.0).contains(&di) {
            return Err(Error::InvalidDiscriminatorOutput { index, value: di });
        }
        value += weighted_log(pd, di) + weighted_log(pg, 1.0 - di);
    }
    Ok(value)
}
