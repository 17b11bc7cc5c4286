//! Drawing samples from a generator.

use rand_core::Rng;

use crate::layer::{Layer, Vector};
use crate::rng::fill_normal;

/// One sample G(z) with fresh standard normal noise z drawn from `rng` by [`fill_normal`].
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Layer, sample};
/// use picogan::rng::{NoiseRng, SeedableRng};
/// let mut rng = NoiseRng::seed_from_u64(1);
/// let mut generator = Dense::<2, 2>::new(Activation::Tanh);
/// generator.init_params(&mut rng);
/// let [x, y] = sample(&generator, &mut rng);
/// assert!(x.abs() < 1.0 && y.abs() < 1.0);
/// ```
pub fn sample<G: Layer, R: Rng + ?Sized>(generator: &G, rng: &mut R) -> G::Output {
    let mut z = G::Input::ZERO;
    fill_normal(rng, z.as_mut()); // [G::Input]
    generator.forward(&z) // [G::Output]
}

/// `B` samples at once: B noise vectors drawn by one [`fill_normal`] over their B·Z values,
/// through [`Layer::forward_batch`] into `trace`; returns the outputs in `trace`. For B·Z a
/// multiple of 32, consecutive calls draw the same noise as one call for all their samples
/// together, so drawing many samples in batches of B that fit the caches gives the values a
/// single large batch gives, bit for bit.
///
/// # Examples
/// ```
/// use picogan::{Activation, Dense, Layer, sample_batch};
/// use picogan::rng::{NoiseRng, SeedableRng};
/// let mut rng = NoiseRng::seed_from_u64(1);
/// let mut generator = Dense::<2, 2>::new(Activation::Tanh);
/// generator.init_params(&mut rng);
/// let mut trace = Dense::<2, 2>::new_trace::<16>();
/// let points = sample_batch(&generator, &mut rng, &mut trace);
/// assert!(points.iter().flatten().all(|v| v.abs() < 1.0));
/// ```
pub fn sample_batch<'t, G: Layer, R: Rng + ?Sized, const B: usize>(
    generator: &G,
    rng: &mut R,
    trace: &'t mut G::Trace<B>,
) -> &'t [G::Output; B] {
    let mut z = [G::Input::ZERO; B];
    fill_normal(rng, G::Input::flatten_mut(&mut z)); // [B][G::Input]
    generator.forward_batch(&z, trace); // [B][G::Output]
    G::output(trace)
}
