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
///
/// Packed to 5 bytes (no padding after `shift`): an int8 layer keeps two per output channel in
/// flash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed)]
pub struct Multiplier {
    /// The mantissa, a Q31 number in [0.5, 1).
    pub m0: i32,
    /// The power of two: left shift if positive, right shift if negative; in −31..=30.
    pub shift: i8,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Multiplier {
    fn format(&self, f: defmt::Formatter<'_>) {
        // By value: a packed struct's fields cannot be borrowed.
        let (m0, shift) = (self.m0, self.shift);
        defmt::write!(f, "Multiplier {{ m0: {=i32}, shift: {=i8} }}", m0, shift);
    }
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
    /// `MultiplyByQuantizedMultiplier`, bit for bit.
    ///
    /// For the usual multiplier (M < 1: shift ≤ 0, m0 ≥ 0) the two roundings, half away from
    /// zero at 2³¹ and again at 2^e with e = −shift, are computed on the magnitude, with one
    /// 32×32→64-bit multiply:
    ///
    /// ```text
    /// t   = ⌊(|x|·m0 + 2³⁰ − s) / 2³¹⌋      s = 1 for x < 0, else 0
    /// |y| = ⌊(t + ⌊2^e/2⌋) / 2^e⌋
    /// ```
    ///
    /// and y takes x's sign. t < 2³¹ (|x| ≤ 2³¹, m0 < 2³¹), so the second step fits 32 bits.
    /// Both roundings of the definition round |x·m0| half up once x's sign is taken out; the
    /// −s makes a negative exact half round towards zero in the first, as gemmlowp's nudge
    /// 1 − 2³⁰ does. The tests compare it with the two-step definition.
    #[inline]
    pub fn apply(self, x: i32) -> i32 {
        let (m0, shift) = (self.m0, self.shift); // by value: the struct is packed
        if shift > 0 || m0 < 0 {
            return self.apply_in_two_steps(x);
        }
        let e = (-i32::from(shift)).min(31) as u32;
        let negative = x < 0;
        let product = u64::from(x.unsigned_abs()) * u64::from(m0 as u32);
        let t = ((product + (1 << 30) - u64::from(negative)) >> 31) as u32;
        let magnitude = ((t + ((1 << e) >> 1)) >> e) as i32;
        if negative { -magnitude } else { magnitude }
    }

    /// The definition: `SaturatingRoundingDoublingHighMul` of x·2^left and m0, then
    /// `RoundingDivideByPOT` by 2^right.
    fn apply_in_two_steps(self, x: i32) -> i32 {
        let left = i32::from(self.shift.max(0));
        let right = i32::from((-self.shift).max(0));
        let scaled = x.saturating_mul(1 << left.min(31));
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

    /// The one-step form equals the two-step definition: every shift, multipliers across
    /// [2³⁰, 2³¹) and 0, and x from a fixed pseudo-random sequence plus the ends of i32.
    #[test]
    fn one_rounding_equals_the_two_step_definition() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 32) as u32
        };
        let edges = [
            0,
            1,
            -1,
            2,
            -2,
            i32::MAX,
            i32::MIN,
            i32::MIN + 1,
            1 << 30,
            -(1 << 30),
        ];
        for shift in -31i8..=0 {
            for case in 0..4000 {
                let m0 = match case % 4 {
                    0 => (1 << 30) | (next() >> 2) as i32,
                    1 => i32::MAX - (next() % 4) as i32,
                    2 => 1 << 30,
                    _ => 0,
                };
                let m = Multiplier { m0, shift };
                let x = match case % 5 {
                    0 => edges[(next() % edges.len() as u32) as usize],
                    1 => (next() % 4096) as i32 - 2048,
                    2 => ((next() % 64) as i32 - 32) << (next() % 24),
                    _ => next() as i32,
                };
                assert_eq!(m.apply(x), m.apply_in_two_steps(x), "x {x}, {m:?}");
            }
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(rounding_divide_by_power_of_two(5, 1), 3);
        assert_eq!(rounding_divide_by_power_of_two(-5, 1), -3);
        assert_eq!(rounding_divide_by_power_of_two(4, 1), 2);
        assert_eq!(rounding_divide_by_power_of_two(i32::MIN, 31), -1);
    }
}
