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

/// Two independent standard normal samples by Marsaglia's polar method (Marsaglia and Bray,
/// 1964, "A convenient method for generating normal variables", SIAM Review 6(3)): draw u, v
/// uniform on [−1, 1) until s = u² + v² lies in (0, 1), then the pair is (u·f, v·f) with
/// f = √(−2 ln s / s). It needs one `ln` and one square root per pair and no sine or cosine, so a
/// Cortex-M4F computes it in single precision (sin and cos in libm go through `f64`, which that
/// FPU lacks). A pair takes 4/π ≈ 1.27 tries on average. With 24-bit uniforms the smallest
/// nonzero s is 2⁻⁴⁶, so |z| < √(2·46·ln 2) ≈ 7.99: the tails beyond 8σ (probability 10⁻¹⁵) are
/// cut.
///
/// # Examples
/// ```
/// use picogan::rng::{NoiseRng, SeedableRng, normal_pair};
/// let (a, b) = normal_pair(&mut NoiseRng::seed_from_u64(3));
/// assert!(a.abs() < 8.0 && b.abs() < 8.0 && a != b);
/// ```
#[inline]
pub fn normal_pair<R: Rng + ?Sized>(rng: &mut R) -> (f32, f32) {
    let mut pair = [0.0; 2];
    fill_normal_pairs(rng, &mut pair);
    (pair[0], pair[1])
}

/// Uniform on [−1, 1): the top 24 bits of one `u32` times 2⁻²³, minus 1 (both steps exact).
#[inline]
fn signed_uniform<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * (2.0 * UNIT) - 1.0
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
///
/// The same values as calling [`normal_pair`] pair by pair, computed in groups of up to 16
/// pairs: the accepted points are drawn first, without a branch to mispredict, then their
/// logarithms, then the transforms, so that independent pairs overlap in the processor instead of
/// each waiting for its logarithm and square root. Filling consecutive slices of even length
/// gives the same values as filling them joined.
pub fn fill_normal<R: Rng + ?Sized>(rng: &mut R, out: &mut [f32]) {
    for group in out.chunks_mut(2 * PAIRS_PER_GROUP) {
        let even = group.len() / 2 * 2;
        let (pairs, last) = group.split_at_mut(even);
        fill_normal_pairs(rng, pairs);
        if let [last] = last {
            *last = standard_normal(rng);
        }
    }
}

/// Pairs drawn together by [`fill_normal`].
const PAIRS_PER_GROUP: usize = 16;

/// `out.len() / 2` pairs (at most [`PAIRS_PER_GROUP`]) into `out`: points, then logarithms, then
/// transforms.
#[inline]
fn fill_normal_pairs<R: Rng + ?Sized>(rng: &mut R, out: &mut [f32]) {
    let count = (out.len() / 2).min(PAIRS_PER_GROUP);
    // Rejection without a branch: every candidate (u, v, s = u² + v²) is written to the next free
    // slot, which only an accepted one (0 < s < 1) keeps; the generator is read exactly as often
    // as by drawing the pairs one by one.
    // One array per coordinate, so that the logarithms and transforms vectorise.
    let (mut us, mut vs, mut ss) = (
        [0.0f32; PAIRS_PER_GROUP],
        [0.0f32; PAIRS_PER_GROUP],
        [0.0f32; PAIRS_PER_GROUP],
    );
    let mut accepted = 0;
    while accepted < count {
        let u = signed_uniform(rng);
        let v = signed_uniform(rng);
        let s = u * u + v * v;
        (us[accepted], vs[accepted], ss[accepted]) = (u, v, s);
        accepted += usize::from(s < 1.0 && s > 0.0);
    }
    // ln s, with s in [2⁻⁴⁶, 1): [count]
    let mut logarithms = [0.0f32; PAIRS_PER_GROUP];
    for (l, &s) in logarithms.iter_mut().zip(&ss[..count]) {
        *l = crate::math::ln_unit_interval(s);
    }
    // (u·f, v·f) with f = √(−2 ln s / s): [count][2]
    let points = us.iter().zip(&vs).zip(&ss).zip(&logarithms);
    for (pair, (((&u, &v), &s), &ln_s)) in out.chunks_exact_mut(2).zip(points) {
        let f = crate::math::sqrt(-2.0 * ln_s / s);
        pair[0] = u * f;
        pair[1] = v * f;
    }
}
