//! Fixed-point rescaling: a real multiplier M as a Q31 mantissa and a power-of-two exponent, and
//! integer-only x·M with round-half-away-from-zero, exactly as gemmlowp and TensorFlow Lite do it
//! (`SaturatingRoundingDoublingHighMul` followed by `RoundingDivideByPOT`).

/// A positive real multiplier M ≈ `m0`·2^(`shift` − 31), with `m0` in [2³⁰, 2³¹).
///
/// # Examples
/// ```
/// use picogan::quant::Multiplier;
/// let m = Multiplier::from_real(0.0123).unwrap();
/// assert_eq!(m.apply(1_000), 12); // 12.3, rounded
/// assert_eq!(m.apply(-1_000), -12);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Multiplier {
    /// The mantissa, a Q31 number in [0.5, 1).
    pub m0: i32,
    /// The power of two: left shift if positive, right shift if negative; in −31..=30.
    pub shift: i8,
}

impl Multiplier {
    /// M = 0: every product is 0.
    pub const ZERO: Multiplier = Multiplier { m0: 0, shift: 0 };

    /// The multiplier nearest to `m` (host side, at export: uses floating point). `None` unless
    /// 0 ≤ m < 2³⁰ and finite; multipliers below 2⁻³¹ become [`Multiplier::ZERO`].
    pub fn from_real(m: f64) -> Option<Multiplier> {
        if !(m.is_finite() && (0.0..1073741824.0).contains(&m)) {
            return None;
        }
        let (fraction, exponent) = libm::frexp(m); // m = fraction·2^exponent, fraction in [0.5, 1)
        if m == 0.0 || exponent < -31 {
            return Some(Multiplier::ZERO);
        }
        let mut m0 = libm::round(fraction * 2_147_483_648.0) as i64;
        let mut shift = exponent;
        if m0 == 1 << 31 {
            m0 /= 2;
            shift += 1;
        }
        Some(Multiplier {
            m0: m0 as i32,
            shift: shift as i8,
        })
    }

    /// round(x·M), saturating at the ends of i32: TensorFlow Lite's
    /// `MultiplyByQuantizedMultiplier`.
    #[inline]
    pub fn apply(self, x: i32) -> i32 {
        let left = i32::from(self.shift.max(0));
        let right = i32::from((-self.shift).max(0));
        let scaled = x.saturating_mul(1 << left);
        rounding_divide_by_power_of_two(
            saturating_rounding_doubling_high_mul(scaled, self.m0),
            right,
        )
    }
}

/// round(a·b / 2³¹), saturating the one overflow case (both i32::MIN).
#[inline]
fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let product = i64::from(a) * i64::from(b);
    let nudge = if product >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((product + nudge) / (1i64 << 31)) as i32
}

/// x / 2^exponent rounded half away from zero, exponent in 0..=31.
#[inline]
fn rounding_divide_by_power_of_two(x: i32, exponent: i32) -> i32 {
    let exponent = exponent.clamp(0, 31);
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(rounding_divide_by_power_of_two(5, 1), 3);
        assert_eq!(rounding_divide_by_power_of_two(-5, 1), -3);
        assert_eq!(rounding_divide_by_power_of_two(4, 1), 2);
        assert_eq!(rounding_divide_by_power_of_two(i32::MIN, 31), -1);
    }
}
