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
