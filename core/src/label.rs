//! Class labels of conditional models, as the networks see them.

/// Writes the one-hot code of `label` into `out`: 1 at index `label`, 0 elsewhere (all zeros
/// when `label` ≥ `out.len()`). A conditional generator's inputs are its noise followed by this
/// code, a conditional discriminator's the sample followed by it (Mirza & Osindero, 2014,
/// "Conditional Generative Adversarial Nets", arXiv:1411.1784).
///
/// # Examples
/// ```
/// let mut code = [9.0; 4];
/// picogan::label::one_hot(2, &mut code);
/// assert_eq!(code, [0.0, 0.0, 1.0, 0.0]);
/// ```
pub fn one_hot(label: usize, out: &mut [f32]) {
    for (class, value) in out.iter_mut().enumerate() {
        *value = if class == label { 1.0 } else { 0.0 };
    }
}

/// [`one_hot`] as Q16.16 bits, the input of an integer (int8 or Q16) generator: 2¹⁶ (one) at
/// index `label`, 0 elsewhere.
///
/// # Examples
/// ```
/// let mut code = [9; 3];
/// picogan::label::one_hot_q16(0, &mut code);
/// assert_eq!(code, [1 << 16, 0, 0]);
/// ```
pub fn one_hot_q16(label: usize, out: &mut [i32]) {
    for (class, value) in out.iter_mut().enumerate() {
        *value = if class == label { 1 << 16 } else { 0 };
    }
}
