//! The Fréchet distance between two sets of feature vectors, each summarised by its mean and
//! covariance, as in the Fréchet Inception Distance (Heusel et al., 2017, "GANs trained by a two
//! time-scale update rule converge to a local Nash equilibrium"):
//!
//! d² = ‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2·tr((Σ₁^½ Σ₂ Σ₁^½)^½),
//!
//! the squared 2-Wasserstein distance between the Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂) (Dowson &
//! Landau, 1982). The matrix square roots come from symmetric eigendecompositions.

/// The squared Fréchet distance between the rows of `a` and of `b` (each `dim` values a row,
/// flattened), with the covariances normalised by n − 1.
pub fn frechet_distance(a: &[f32], b: &[f32], dim: usize) -> f64 {
    let (mean_a, cov_a) = mean_and_covariance(a, dim);
    let (mean_b, cov_b) = mean_and_covariance(b, dim);
    let means: f64 = mean_a
        .iter()
        .zip(&mean_b)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let trace = |m: &[f64]| (0..dim).map(|i| m[i * dim + i]).sum::<f64>();
    let root_a = symmetric_function(&cov_a, dim, f64::sqrt);
    let middle = product(&product(&root_a, &cov_b, dim), &root_a, dim);
    let (values, _) = symmetric_eigen(&middle, dim);
    let cross: f64 = values.iter().map(|&v| v.max(0.0).sqrt()).sum();
    (means + trace(&cov_a) + trace(&cov_b) - 2.0 * cross).max(0.0)
}

/// The mean (dim values) and the covariance (dim × dim, divided by n − 1) of the rows of `x`.
fn mean_and_covariance(x: &[f32], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let n = x.len() / dim;
    let mut mean = vec![0.0; dim];
    for row in x.chunks_exact(dim) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    for m in &mut mean {
        *m /= n.max(1) as f64;
    }
    let mut covariance = vec![0.0; dim * dim];
    let mut centred = vec![0.0; dim];
    for row in x.chunks_exact(dim) {
        for ((c, &v), m) in centred.iter_mut().zip(row).zip(&mean) {
            *c = f64::from(v) - m;
        }
        for i in 0..dim {
            for j in 0..dim {
                covariance[i * dim + j] += centred[i] * centred[j];
            }
        }
    }
    for c in &mut covariance {
        *c /= n.saturating_sub(1).max(1) as f64;
    }
    (mean, covariance)
}

/// The product of two dim × dim matrices.
fn product(a: &[f64], b: &[f64], dim: usize) -> Vec<f64> {
    let mut out = vec![0.0; dim * dim];
    for i in 0..dim {
        for k in 0..dim {
            let aik = a[i * dim + k];
            for j in 0..dim {
                out[i * dim + j] += aik * b[k * dim + j];
            }
        }
    }
    out
}

/// f(S) = V·diag(f(λ))·Vᵀ for a symmetric S = V·diag(λ)·Vᵀ, with eigenvalues below 0 (rounding)
/// taken as 0.
fn symmetric_function(s: &[f64], dim: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
    let (values, vectors) = symmetric_eigen(s, dim);
    let mut out = vec![0.0; dim * dim];
    for (k, &value) in values.iter().enumerate() {
        let fk = f(value.max(0.0));
        for i in 0..dim {
            for j in 0..dim {
                out[i * dim + j] += vectors[i * dim + k] * fk * vectors[j * dim + k];
            }
        }
    }
    out
}

/// Eigenvalues and eigenvectors (as the columns of a dim × dim matrix) of the symmetric matrix
/// `s`, by the cyclic Jacobi method (Golub & Van Loan, *Matrix Computations*, 4th ed., §8.5.3):
/// rotations zero each off-diagonal entry in turn until their sum of squares is below 10⁻²⁴ of
/// the matrix's, or after 64 sweeps.
fn symmetric_eigen(s: &[f64], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = s.to_vec();
    let mut v = vec![0.0; dim * dim];
    for i in 0..dim {
        v[i * dim + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..64 {
        let off: f64 = (0..dim)
            .flat_map(|i| (0..dim).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * dim + j].powi(2))
            .sum();
        if off <= 1e-24 * total {
            break;
        }
        for p in 0..dim {
            for q in p + 1..dim {
                let apq = a[p * dim + q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation (c, s) that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.5.1).
                let tau = (a[q * dim + q] - a[p * dim + p]) / (2.0 * apq);
                // sign(0) = 1 here, as the algorithm wants.
                let t = tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                for k in 0..dim {
                    let (akp, akq) = (a[k * dim + p], a[k * dim + q]);
                    a[k * dim + p] = c * akp - s * akq;
                    a[k * dim + q] = s * akp + c * akq;
                }
                for k in 0..dim {
                    let (apk, aqk) = (a[p * dim + k], a[q * dim + k]);
                    a[p * dim + k] = c * apk - s * aqk;
                    a[q * dim + k] = s * apk + c * aqk;
                }
                for k in 0..dim {
                    let (vkp, vkq) = (v[k * dim + p], v[k * dim + q]);
                    v[k * dim + p] = c * vkp - s * vkq;
                    v[k * dim + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..dim).map(|i| a[i * dim + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_decomposition_rebuilds_the_matrix() {
        let s = [4.0, 1.0, 0.5, 1.0, 3.0, -0.25, 0.5, -0.25, 2.0];
        let (values, vectors) = symmetric_eigen(&s, 3);
        let rebuilt = symmetric_function(&s, 3, |x| x);
        for (a, b) in rebuilt.iter().zip(&s) {
            assert!((a - b).abs() < 1e-12, "{rebuilt:?}");
        }
        // Orthonormal eigenvectors, and the trace kept.
        let vt_v = product(&transpose(&vectors, 3), &vectors, 3);
        for i in 0..3 {
            for j in 0..3 {
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!((vt_v[i * 3 + j] - expected).abs() < 1e-12);
            }
        }
        assert!((values.iter().sum::<f64>() - 9.0).abs() < 1e-12);
        // The square root squares back.
        let root = symmetric_function(&s, 3, f64::sqrt);
        for (a, b) in product(&root, &root, 3).iter().zip(&s) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    fn transpose(m: &[f64], dim: usize) -> Vec<f64> {
        (0..dim * dim)
            .map(|index| m[(index % dim) * dim + index / dim])
            .collect()
    }

    /// For Gaussians with diagonal covariances the distance has a closed form:
    /// ‖μ₁ − μ₂‖² + Σᵢ (σ₁ᵢ − σ₂ᵢ)².
    #[test]
    fn distance_of_diagonal_sets_matches_the_closed_form() {
        // Two sets whose sample means and covariances are exact: ±σ around the mean on each axis.
        let set = |mean: [f32; 2], sigma: [f32; 2]| -> Vec<f32> {
            let mut rows = Vec::new();
            for (a, b) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                rows.extend([mean[0] + a * sigma[0], mean[1] + b * sigma[1]]);
            }
            rows
        };
        // 4 rows with n − 1 = 3: each variance is 4σ²/3.
        let (a, b) = (set([0.0, 1.0], [1.0, 2.0]), set([3.0, 1.0], [2.0, 0.5]));
        let scale = (4.0f64 / 3.0).sqrt();
        let expected = 9.0 + (scale * (1.0 - 2.0)).powi(2) + (scale * (2.0 - 0.5)).powi(2);
        assert!((frechet_distance(&a, &b, 2) - expected).abs() < 1e-9);
        assert!(frechet_distance(&a, &a, 2).abs() < 1e-9);
    }
}
