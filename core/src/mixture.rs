//! Equal-weight Gaussian mixtures: the standard toy data of GAN papers (two modes in 1-D, a ring
//! of 8 or a grid of 25 in 2-D), sampled the same way on the host and on the device.

use rand_core::Rng;

use crate::rng::fill_normal;

/// p(x) = (1/K)·Σᵢ N(x; μᵢ, σ²I): `K` isotropic Gaussians in `N` dimensions with equal weights
/// and one standard deviation σ.
///
/// Generics: `K` modes, `N` dimensions.
///
/// # Examples
/// ```
/// use picogan::mixture::GaussianMixture;
/// use picogan::rng::{NoiseRng, SeedableRng};
/// // The bimodal ½N(−2, 0.5²) + ½N(2, 0.5²).
/// let bimodal = GaussianMixture::new([[-2.0], [2.0]], 0.5);
/// let x = bimodal.sample(&mut NoiseRng::seed_from_u64(0));
/// let (mode, distance) = bimodal.nearest_mode(&x);
/// assert!(mode < 2 && distance < 3.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GaussianMixture<const K: usize, const N: usize> {
    /// The means μᵢ.
    pub means: [[f32; N]; K],
    /// The standard deviation σ of every component.
    pub std: f32,
}

impl<const K: usize, const N: usize> GaussianMixture<K, N> {
    /// A mixture with the given means and standard deviation.
    pub const fn new(means: [[f32; N]; K], std: f32) -> Self {
        Self { means, std }
    }

    /// One sample: a mode i chosen uniformly as ⌊K·u / 2³²⌋ from one `u32` u (bias below K/2³²),
    /// then μᵢ + σ·z with z from [`fill_normal`].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> [f32; N] {
        let mode = Self::draw_mode(rng);
        let mut x = [0.0; N];
        fill_normal(rng, &mut x);
        self.place(mode, &mut x);
        x
    }

    /// A mode ⌊K·u / 2³²⌋ from one `u32` u.
    fn draw_mode<R: Rng + ?Sized>(rng: &mut R) -> usize {
        const { assert!(K > 0, "a mixture needs at least one mode") };
        ((u64::from(rng.next_u32()) * K as u64) >> 32) as usize
    }

    /// Turns standard normal noise z into μ_mode + σ·z, in place.
    fn place(&self, mode: usize, z: &mut [f32; N]) {
        for (zi, &mean) in z.iter_mut().zip(&self.means[mode]) {
            *zi = mean + self.std * *zi;
        }
    }

    /// `out.len()` samples, 128 at a time: their modes first (⌊K·u / 2³²⌋ each, as in
    /// [`GaussianMixture::sample`]), then their noise by one [`fill_normal`], so its logarithms
    /// and square roots run side by side. The generator is read in another order than by
    /// `out.len()` calls of `sample`, so the samples differ from theirs; they have the same
    /// distribution.
    ///
    /// # Examples
    /// ```
    /// use picogan::mixture::GaussianMixture;
    /// use picogan::rng::{NoiseRng, SeedableRng};
    /// let bimodal = GaussianMixture::new([[-2.0], [2.0]], 0.5);
    /// let mut batch = [[0.0]; 64];
    /// bimodal.fill(&mut NoiseRng::seed_from_u64(0), &mut batch);
    /// assert!(batch.iter().all(|x| bimodal.nearest_mode(x).1 < 3.0));
    /// ```
    pub fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [[f32; N]]) {
        // Up to 128 samples at a time: their modes [n], then their noise [n][N].
        let mut modes = [0usize; 128];
        for chunk in out.chunks_mut(modes.len()) {
            let modes = &mut modes[..chunk.len()];
            for mode in modes.iter_mut() {
                *mode = Self::draw_mode(rng);
            }
            fill_normal(rng, chunk.as_flattened_mut());
            for (x, &mode) in chunk.iter_mut().zip(modes.iter()) {
                self.place(mode, x);
            }
        }
    }

    /// The mode whose mean is closest to `x` (the first on ties) and the Euclidean distance to it.
    pub fn nearest_mode(&self, x: &[f32; N]) -> (usize, f32) {
        let mut best = (0, f32::INFINITY);
        for (mode, mean) in self.means.iter().enumerate() {
            let mut squared = 0.0;
            for (&xi, &mi) in x.iter().zip(mean) {
                squared += (xi - mi) * (xi - mi);
            }
            if squared < best.1 {
                best = (mode, squared);
            }
        }
        (best.0, crate::math::sqrt(best.1))
    }

    /// For each mode, the share of `samples` whose nearest mode it is and which lie within
    /// `sigmas`·σ of it (PacGAN's "high-quality" samples for `sigmas` = 3). All zero when there
    /// are no samples.
    ///
    /// # Examples
    /// ```
    /// use picogan::mixture::GaussianMixture;
    /// let bimodal = GaussianMixture::new([[-2.0], [2.0]], 0.5);
    /// // 0.1 is nearest to +2 but 3.8σ from it, so it counts toward neither mode.
    /// let shares = bimodal.shares_near_modes([[-2.1], [0.1], [2.2], [2.0]], 3.0);
    /// assert_eq!(shares, [0.25, 0.5]);
    /// ```
    pub fn shares_near_modes(
        &self,
        samples: impl IntoIterator<Item = [f32; N]>,
        sigmas: f32,
    ) -> [f32; K] {
        let mut counts = [0u32; K];
        let mut total = 0u32;
        for x in samples {
            let (mode, distance) = self.nearest_mode(&x);
            counts[mode] += u32::from(distance <= sigmas * self.std);
            total += 1;
        }
        counts.map(|c| {
            if total == 0 {
                0.0
            } else {
                c as f32 / total as f32
            }
        })
    }
}
