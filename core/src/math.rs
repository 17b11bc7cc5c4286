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

/// ln x for x in [2⁻¹²⁶, 1), the bits of [`ln`]: with libm, the same operations as its `logf`
/// (fdlibm's `e_logf.c`: x = 2ᵏ·m with m in [√2/2, √2), f = m − 1, s = f/(2 + f),
/// ln m = f − f²/2 + s·(f²/2 + R(s²)) with R a degree-4 polynomial, plus k·ln 2 in two parts),
/// without its branches for zero, negative, subnormal, infinite and NaN inputs, which this range
/// excludes. Straight-line code, so a loop of them vectorises; the tests compare it with libm's
/// `logf` over the whole range.
///
/// # Examples
/// ```
/// use picogan::math::{ln, ln_unit_interval};
/// assert_eq!(ln_unit_interval(0.3).to_bits(), ln(0.3).to_bits());
/// ```
#[inline]
pub fn ln_unit_interval(x: f32) -> f32 {
    #[cfg(feature = "micromath")]
    return ln(x);
    #[cfg(not(feature = "micromath"))]
    {
        const LN2_HIGH: f32 = f32::from_bits(0x3f31_7180);
        const LN2_LOW: f32 = f32::from_bits(0x3717_f7d1);
        const R1: f32 = f32::from_bits(0x3f2a_aaaa);
        const R2: f32 = f32::from_bits(0x3ecc_ce13);
        const R3: f32 = f32::from_bits(0x3e91_e9ee);
        const R4: f32 = f32::from_bits(0x3e78_9e26);
        const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
        // Shift the exponent so that the mantissa lands in [√2/2, √2).
        let bits = x.to_bits() + (0x3f80_0000 - SQRT_HALF_BITS);
        let k = (bits >> 23) as i32 - 0x7f;
        let m = f32::from_bits((bits & 0x007f_ffff) + SQRT_HALF_BITS);
        let f = m - 1.0;
        let s = f / (2.0 + f);
        let z = s * s;
        let w = z * z;
        let odd = w * (R2 + w * R4);
        let even = z * (R1 + w * R3);
        let r = even + odd;
        let half_f2 = 0.5 * f * f;
        let k = k as f32;
        s * (half_f2 + r) + k * LN2_LOW - half_f2 + f + k * LN2_HIGH
    }
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
