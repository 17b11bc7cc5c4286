//! tanh and the logistic sigmoid in Q16.16 without floating point: a table of tanh at steps of
//! 1/32 on [0, 8], linear interpolation between entries, odd symmetry, and
//! σ(x) = (1 + tanh(x/2)) / 2.
//!
//! Error of [`tanh_q16`] against the exact tanh, for every input: at most
//! h²/8 · max|tanh″| + 2·2⁻¹⁷ = (1/32)²/8 · 4/(3√3) + 2⁻¹⁶ ≈ 1.09·10⁻⁴ (the interpolation bound
//! of a piecewise-linear fit, e.g. Burden and Faires, *Numerical Analysis*, §3.1, plus the
//! table's and the result's rounding; beyond 8, 1 − tanh 8 < 2.3·10⁻⁷). [`sigmoid_q16`] is
//! within 7·10⁻⁵ (half the tanh bound, plus the halved input's and the result's rounding).
//! Both bounds are checked over every Q16 input in [−12, 12] by the tests.

use super::Q16;

/// Fraction bits of a table step: the step is 2⁻⁵ = 1/32, so an input's Q16 bits divided by
/// 2¹¹ give its table index.
const STEP_BITS: u32 = 11;

/// round(tanh(k/32) · 2¹⁶) for k = 0..=256 (the tests recompute every entry with libm).
#[rustfmt::skip]
pub(crate) const TANH_TABLE: [i32; 257] = [
    0, 2047, 4091, 6126, 8150, 10157, 12146, 14112,
    16051, 17961, 19838, 21681, 23485, 25250, 26973, 28652,
    30285, 31873, 33412, 34904, 36346, 37740, 39084, 40379,
    41625, 42823, 43972, 45075, 46131, 47142, 48108, 49031,
    49912, 50752, 51552, 52314, 53038, 53727, 54382, 55003,
    55593, 56152, 56683, 57185, 57660, 58110, 58536, 58939,
    59320, 59680, 60019, 60340, 60643, 60929, 61199, 61454,
    61694, 61920, 62134, 62335, 62524, 62703, 62871, 63029,
    63179, 63319, 63451, 63576, 63693, 63803, 63907, 64004,
    64096, 64182, 64263, 64340, 64412, 64479, 64543, 64603,
    64659, 64712, 64761, 64808, 64852, 64893, 64932, 64968,
    65003, 65035, 65065, 65093, 65120, 65145, 65169, 65191,
    65212, 65231, 65250, 65267, 65283, 65299, 65313, 65327,
    65339, 65351, 65362, 65373, 65383, 65392, 65401, 65409,
    65417, 65424, 65431, 65437, 65443, 65449, 65454, 65459,
    65464, 65468, 65472, 65476, 65480, 65483, 65486, 65489,
    65492, 65495, 65497, 65500, 65502, 65504, 65506, 65508,
    65509, 65511, 65512, 65514, 65515, 65516, 65518, 65519,
    65520, 65521, 65522, 65523, 65523, 65524, 65525, 65526,
    65526, 65527, 65527, 65528, 65528, 65529, 65529, 65530,
    65530, 65530, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
    65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535,
    65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535,
    65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
    65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
    65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
    65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
    65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
    65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
    65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
    65536,
];

/// tanh x in Q16.16, integer operations only; error at most 1.1·10⁻⁴.
///
/// # Examples
/// ```
/// use picogan::quant::{Q16, tanh_q16};
/// let y = tanh_q16(Q16::from_num(0.5));
/// assert!((y.to_num::<f32>() - 0.5f32.tanh()).abs() < 1.1e-4);
/// assert_eq!(tanh_q16(Q16::MIN), -Q16::ONE);
/// ```
pub fn tanh_q16(x: Q16) -> Q16 {
    let magnitude = x.to_bits().unsigned_abs();
    let index = (magnitude >> STEP_BITS) as usize;
    let value = match (TANH_TABLE.get(index), TANH_TABLE.get(index + 1)) {
        (Some(&low), Some(&high)) => {
            let fraction = (magnitude & ((1 << STEP_BITS) - 1)) as i32;
            // (high − low) < 2¹¹ and fraction < 2¹¹: the product fits in i32.
            low + (((high - low) * fraction + (1 << (STEP_BITS - 1))) >> STEP_BITS)
        }
        _ => TANH_TABLE[TANH_TABLE.len() - 1],
    };
    Q16::from_bits(if x.is_negative() { -value } else { value })
}

/// σ(x) = 1 / (1 + e⁻ˣ) = (1 + tanh(x/2)) / 2 in Q16.16, integer operations only; error at most
/// 7·10⁻⁵.
///
/// # Examples
/// ```
/// use picogan::quant::{Q16, sigmoid_q16};
/// assert_eq!(sigmoid_q16(Q16::ZERO), Q16::from_num(0.5));
/// let y = sigmoid_q16(Q16::from_num(-2));
/// assert!((y.to_num::<f32>() - 1.0 / (1.0 + 2f32.exp())).abs() < 7e-5);
/// ```
pub fn sigmoid_q16(x: Q16) -> Q16 {
    let half_x = Q16::from_bits(x.to_bits() >> 1);
    let t = tanh_q16(half_x).to_bits(); // in [−2¹⁶, 2¹⁶]
    Q16::from_bits((Q16::ONE.to_bits() + t + 1) >> 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_rounded_tanh() {
        for (k, &entry) in TANH_TABLE.iter().enumerate() {
            let exact = libm::round(libm::tanh(k as f64 / 32.0) * 65536.0) as i32;
            assert_eq!(entry, exact, "entry {k}");
        }
    }
}
