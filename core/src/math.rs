//! The one place transcendental functions come from.
//!
//! By default every function here is `libm`'s, which is written in Rust and gives the same bits
//! on every target (the square root may be the standard library's: see [`sqrt`]). With the
//! `micromath` feature the `f32` functions switch to micromath's fast approximations (on the host
//! and the device alike, so both still agree bit for bit). The `f64` functions used by the
//! information-theory module always come from `libm`.

#[cfg(feature = "micromath")]
use micromath::F32Ext;

/// eˣ.
#[inline]
pub fn exp(x: f32) -> f32 {
    #[cfg(not(feature = "micromath"))]
    return libm::expf(x);
    #[cfg(feature = "micromath")]
    return F32Ext::exp(x);
}

/// Natural logarithm ln x.
#[inline]
pub fn ln(x: f32) -> f32 {
    #[cfg(not(feature = "micromath"))]
    return libm::logf(x);
    #[cfg(feature = "micromath")]
    return F32Ext::ln(x);
}

/// ln(1 + x), accurate for small x with libm.
#[inline]
pub fn ln_1p(x: f32) -> f32 {
    #[cfg(not(feature = "micromath"))]
    return libm::log1pf(x);
    #[cfg(feature = "micromath")]
    return F32Ext::ln(1.0 + x);
}

/// Square root √x.
///
/// IEEE 754 requires a correctly rounded square root, so libm's and the standard library's give
/// the same bits; with feature `std` (and without `micromath`) the standard one is used because
/// the compiler can vectorise it, which libm's (an opaque call) prevents.
///
/// # Examples
/// ```
/// assert_eq!(picogan::math::sqrt(2.25), 1.5);
/// ```
#[inline]
pub fn sqrt(x: f32) -> f32 {
    #[cfg(all(feature = "std", not(feature = "micromath")))]
    return f32::sqrt(x);
    #[cfg(not(any(feature = "std", feature = "micromath")))]
    return libm::sqrtf(x);
    #[cfg(feature = "micromath")]
    return F32Ext::sqrt(x);
}

/// Hyperbolic tangent. micromath has none, so that path uses tanh x = 1 − 2 / (e^{2x} + 1).
#[inline]
pub fn tanh(x: f32) -> f32 {
    #[cfg(not(feature = "micromath"))]
    return libm::tanhf(x);
    #[cfg(feature = "micromath")]
    return 1.0 - 2.0 / (F32Ext::exp(2.0 * x) + 1.0);
}

/// Cosine and sine of x (radians).
#[inline]
pub fn sin_cos(x: f32) -> (f32, f32) {
    #[cfg(not(feature = "micromath"))]
    return libm::sincosf(x);
    #[cfg(feature = "micromath")]
    return F32Ext::sin_cos(x);
}

/// Natural logarithm in double precision (always libm).
#[inline]
pub fn ln_f64(x: f64) -> f64 {
    libm::log(x)
}
