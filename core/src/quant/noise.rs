//! Standard normal noise without floating point: the Irwin–Hall approximation
//! z = Σᵢ₌₁¹² uᵢ − 6 with uᵢ uniform on [0, 1), in fixed point.
//!
//! The sum of twelve uniforms has mean 6 and variance 1 and is close to normal in the middle
//! (Irwin, 1927; Hall, 1927; the classic "sum of 12 uniforms" generator, e.g. Knuth, TAOCP
//! vol. 2, §3.4.1): its distribution function differs from Φ by at most 0.0023 and its density
//! from φ by at most 0.0050 (computed from the exact Irwin–Hall density), and it has no tails
//! beyond ±6. It needs twelve 16-bit uniforms (six `u32` draws) and additions only, so an FPU-less
//! chip computes it exactly like the host. The float generators were trained with picogan's
//! polar-method noise; at inference the quantized generators take this noise instead.

use rand_core::Rng;

use super::{Multiplier, QuantParams};

/// Fraction bits of [`normal_q16`]'s result: z = value / 2¹⁶.
pub const NOISE_FRACTION_BITS: u32 = 16;

/// One approximately standard normal value in Q16 (z·2¹⁶), in [−6·2¹⁶, 6·2¹⁶).
///
/// # Examples
/// ```
/// use picogan::quant::normal_q16;
/// use picogan::rng::{NoiseRng, SeedableRng};
/// let z = normal_q16(&mut NoiseRng::seed_from_u64(1));
/// assert!(z.abs() < 6 << 16);
/// ```
pub fn normal_q16<R: Rng + ?Sized>(rng: &mut R) -> i32 {
    let mut sum: i32 = 0;
    for _ in 0..6 {
        let bits = rng.next_u32();
        sum += (bits >> 16) as i32 + (bits & 0xFFFF) as i32;
    }
    sum - (6 << 16)
}

/// A Q16 noise value as a real number, z / 2¹⁶ (exact: |z| < 2²⁴), for feeding the same noise
/// to a float network.
///
/// # Examples
/// ```
/// use picogan::quant::q16_to_f32;
/// assert_eq!(q16_to_f32(-3 << 15), -1.5);
/// ```
pub fn q16_to_f32(z: i32) -> f32 {
    z as f32 / (1 << NOISE_FRACTION_BITS) as f32
}

/// Fills `out` with [`normal_q16`] values, in order.
pub fn fill_normal_q16<R: Rng + ?Sized>(rng: &mut R, out: &mut [i32]) {
    for z in out {
        *z = normal_q16(rng);
    }
}

/// The multiplier that turns a Q16 noise value into units of `input.scale`: 2⁻¹⁶ / s. Computed
/// once on the host (it uses floating point); `None` for a scale out of range.
pub fn noise_multiplier(input: QuantParams) -> Option<Multiplier> {
    Multiplier::from_real(1.0 / (65536.0 * f64::from(input.scale)))
}

/// A network input from a Q16 noise value, integers only: round(z·2⁻¹⁶ / s) + z_in, clamped to
/// int8, with `multiplier` from [`noise_multiplier`].
///
/// # Examples
/// ```
/// use picogan::quant::{QuantParams, noise_multiplier, quantize_q16};
/// let input = QuantParams::symmetric(4.0);
/// let m = noise_multiplier(input).unwrap();
/// assert_eq!(quantize_q16(1 << 16, m, 0), 32); // z = 1 is 31.75 steps of 4/127
/// assert_eq!(quantize_q16(-6 << 16, m, 0), -128); // beyond 4σ: clamped
/// ```
pub fn quantize_q16(z: i32, multiplier: Multiplier, zero_point: i32) -> i8 {
    multiplier
        .apply(z)
        .saturating_add(zero_point)
        .clamp(-128, 127) as i8
}
