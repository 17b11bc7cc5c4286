//! Uniform and Gaussian noise from any [`rand_core::Rng`], the same bits on every platform.
//!
//! Only integer operations, IEEE-exact `f32` arithmetic and the functions of [`crate::math`] are
//! used, so a given seed gives the same noise on the host and on the device.

/// A small, fast, seedable generator that suits 32-bit microcontrollers: xoshiro128++ (Blackman
/// and Vigna, 2018) from the `rand_xoshiro` crate; 128 bits of state, 32-bit output.
///
/// # Examples
/// ```
/// use picogan::rng::{NoiseRng, SeedableRng, standard_normal};
/// let mut a = NoiseRng::seed_from_u64(7);
/// let mut b = NoiseRng::seed_from_u64(7);
/// assert_eq!(standard_normal(&mut a).to_bits(), standard_normal(&mut b).to_bits());
/// ```
pub type NoiseRng = rand_xoshiro::Xoshiro128PlusPlus;

pub use rand_core::{Rng, SeedableRng};

/// 2⁻²⁴: the spacing of the uniform grid (24 bits, the f32 significand).
const UNIT: f32 = 1.0 / 16_777_216.0;

/// Uniform on [0, 1): the top 24 bits of one `u32`, times 2⁻²⁴ (exact in f32).
///
/// # Examples
/// ```
/// use picogan::rng::{NoiseRng, SeedableRng, uniform};
/// let u = uniform(&mut NoiseRng::seed_from_u64(1));
/// assert!((0.0..1.0).contains(&u));
/// ```
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * UNIT
}

/// Uniform on [lo, hi): lo + (hi − lo)·u.
///
/// # Examples
/// ```
/// use picogan::rng::{NoiseRng, SeedableRng, uniform_in};
/// let x = uniform_in(&mut NoiseRng::seed_from_u64(1), -2.0, 2.0);
/// assert!((-2.0..2.0).contains(&x));
/// ```
#[inline]
pub fn uniform_in<R: Rng + ?Sized>(rng: &mut R, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * uniform(rng)
}

/// Two independent standard normal samples by the Box–Muller transform (Box and Muller, 1958):
/// with u₁ uniform on (0, 1] and u₂ on [0, 1), r = √(−2 ln u₁), θ = 2π u₂, the pair is
/// (r cos θ, r sin θ). Because u₁ ≥ 2⁻²⁴, |z| ≤ √(2·24·ln 2) ≈ 5.77: tails beyond 5.77σ (a
/// probability of 8·10⁻⁹) are cut.
///
/// # Examples
/// ```
/// use picogan::rng::{NoiseRng, SeedableRng, normal_pair};
/// let (a, b) = normal_pair(&mut NoiseRng::seed_from_u64(3));
/// assert!(a.abs() < 5.8 && b.abs() < 5.8);
/// ```
#[inline]
pub fn normal_pair<R: Rng + ?Sized>(rng: &mut R) -> (f32, f32) {
    let u1 = ((rng.next_u32() >> 8) + 1) as f32 * UNIT;
    let u2 = uniform(rng);
    let r = crate::math::sqrt(-2.0 * crate::math::ln(u1));
    let (sin, cos) = crate::math::sin_cos(core::f32::consts::TAU * u2);
    (r * cos, r * sin)
}

/// One standard normal sample (the first of a [`normal_pair`]; the second is dropped).
///
/// # Examples
/// ```
/// use picogan::rng::{NoiseRng, SeedableRng, standard_normal};
/// assert!(standard_normal(&mut NoiseRng::seed_from_u64(0)).is_finite());
/// ```
#[inline]
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    normal_pair(rng).0
}

/// Fills `out` with standard normal samples, two per [`normal_pair`] in order (an odd last slot
/// takes the first of a fresh pair).
///
/// # Examples
/// ```
/// use picogan::rng::{NoiseRng, SeedableRng, fill_normal};
/// let mut z = [0.0f32; 5];
/// fill_normal(&mut NoiseRng::seed_from_u64(0), &mut z);
/// assert!(z.iter().all(|v| v.is_finite() && *v != 0.0));
/// ```
pub fn fill_normal<R: Rng + ?Sized>(rng: &mut R, out: &mut [f32]) {
    let mut pairs = out.chunks_exact_mut(2);
    for pair in &mut pairs {
        let (a, b) = normal_pair(rng);
        pair[0] = a;
        pair[1] = b;
    }
    if let [last] = pairs.into_remainder() {
        *last = standard_normal(rng);
    }
}
