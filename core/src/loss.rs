//! GAN losses on the discriminator's logit, with their gradients.
//!
//! Every loss takes the raw discriminator output (the logit x, with D(x) = σ(x) for the
//! probabilistic losses) and is written in softplus form, so it stays finite and accurate for
//! logits of any size: softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^{−|x|}),
//! −ln σ(x) = softplus(−x), −ln(1 − σ(x)) = softplus(x).

use crate::activation::sigmoid;
use crate::math;

/// softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^{−|x|}) so it never overflows.
///
/// # Examples
/// ```
/// assert_eq!(picogan::loss::softplus(1000.0), 1000.0);
/// assert!(picogan::loss::softplus(-1000.0) >= 0.0);
/// ```
#[inline]
pub fn softplus(x: f32) -> f32 {
    let positive = if x > 0.0 { x } else { 0.0 };
    positive + math::ln_1p(math::exp(-x.abs()))
}

/// ln σ(x) = −softplus(−x), finite for every finite x (unlike `ln(sigmoid(x))`, which is −∞ for
/// x below about −104 in f32).
///
/// # Examples
/// ```
/// assert_eq!(picogan::loss::log_sigmoid(-200.0), -200.0);
/// ```
#[inline]
pub fn log_sigmoid(x: f32) -> f32 {
    -softplus(-x)
}

/// Binary cross-entropy with logits: ℓ(x, t) = −[t ln σ(x) + (1 − t) ln(1 − σ(x))] for a target
/// t ∈ [0, 1], evaluated as (1 − t)·x + max(−x, 0) + ln(1 + e^{−|x|}) (PyTorch's
/// `binary_cross_entropy_with_logits` form), which is exact in the tails.
///
/// # Examples
/// ```
/// use picogan::loss::bce_with_logits;
/// assert!((bce_with_logits(0.0, 1.0) - core::f32::consts::LN_2).abs() < 1e-7);
/// assert_eq!(bce_with_logits(200.0, 1.0), 0.0);
/// assert_eq!(bce_with_logits(-200.0, 1.0), 200.0);
/// ```
#[inline]
pub fn bce_with_logits(x: f32, target: f32) -> f32 {
    let negative_part = if x < 0.0 { -x } else { 0.0 };
    (1.0 - target) * x + negative_part + math::ln_1p(math::exp(-x.abs()))
}

/// ∂ℓ/∂x of [`bce_with_logits`]: σ(x) − t.
///
/// # Examples
/// ```
/// assert_eq!(picogan::loss::bce_with_logits_grad(0.0, 1.0), -0.5);
/// ```
#[inline]
pub fn bce_with_logits_grad(x: f32, target: f32) -> f32 {
    sigmoid(x) - target
}

/// A loss value and its derivative with respect to the logit.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LossGrad {
    /// ℓ(x).
    pub value: f32,
    /// dℓ/dx.
    pub grad: f32,
}

/// The adversarial objective: which loss each player minimises, per sample, in terms of the
/// discriminator's logit x (for a real sample xᵣ, a generated one x_f).
///
/// | variant | D minimises (real / fake) | G minimises | reference |
/// |---|---|---|---|
/// | `Minimax` | −ln σ(xᵣ) / −ln(1 − σ(x_f)) | ln(1 − σ(x_f)) | Goodfellow et al. 2014, eq. 1 |
/// | `NonSaturating` | −ln σ(xᵣ) / −ln(1 − σ(x_f)) | −ln σ(x_f) | Goodfellow et al. 2014, §3 |
/// | `LeastSquares` | ½(xᵣ − 1)² / ½x_f² | ½(x_f − 1)² | Mao et al. 2017 (LSGAN, a=0, b=c=1) |
/// | `Hinge` | max(0, 1 − xᵣ) / max(0, 1 + x_f) | −x_f | Lim & Ye 2017; Miyato et al. 2018 |
/// | `Wasserstein` | −xᵣ / x_f | −x_f | Arjovsky et al. 2017 (needs a Lipschitz critic) |
///
/// With D(x) = σ(x), the discriminator's loss is the binary cross-entropy of "real" = 1; summed
/// over both halves its minimum for a fixed G is −V(D*, G) = ln 4 − 2·JSD(p_data‖p_g).
/// The minimax generator loss saturates: its gradient −σ(x_f) vanishes as D(G(z)) → 0, exactly
/// when G is worst, while the non-saturating one, σ(x_f) − 1, tends to −1.
///
/// # Examples
/// ```
/// use picogan::loss::GanLoss;
/// let confident_fake = -20.0; // D(G(z)) = σ(−20) ≈ 2e-9
/// assert!(GanLoss::Minimax.generator(confident_fake).grad.abs() < 1e-8);
/// assert!((GanLoss::NonSaturating.generator(confident_fake).grad + 1.0).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GanLoss {
    /// The original minimax game; G minimises ln(1 − D(G(z))).
    Minimax,
    /// Same D loss; G maximises ln D(G(z)) instead (the default).
    NonSaturating,
    /// Least-squares GAN.
    LeastSquares,
    /// Hinge loss.
    Hinge,
    /// Wasserstein critic loss.
    Wasserstein,
}

impl GanLoss {
    /// The discriminator's loss on a real sample's logit.
    #[inline]
    pub fn discriminator_real(self, x: f32) -> LossGrad {
        match self {
            GanLoss::Minimax | GanLoss::NonSaturating => LossGrad {
                value: softplus(-x),
                grad: -sigmoid(-x),
            },
            GanLoss::LeastSquares => LossGrad {
                value: 0.5 * (x - 1.0) * (x - 1.0),
                grad: x - 1.0,
            },
            GanLoss::Hinge => {
                let margin = 1.0 - x;
                if margin > 0.0 {
                    LossGrad {
                        value: margin,
                        grad: -1.0,
                    }
                } else {
                    LossGrad {
                        value: 0.0,
                        grad: 0.0,
                    }
                }
            }
            GanLoss::Wasserstein => LossGrad {
                value: -x,
                grad: -1.0,
            },
        }
    }

    /// The discriminator's loss on a generated sample's logit.
    #[inline]
    pub fn discriminator_fake(self, x: f32) -> LossGrad {
        match self {
            GanLoss::Minimax | GanLoss::NonSaturating => LossGrad {
                value: softplus(x),
                grad: sigmoid(x),
            },
            GanLoss::LeastSquares => LossGrad {
                value: 0.5 * x * x,
                grad: x,
            },
            GanLoss::Hinge => {
                let margin = 1.0 + x;
                if margin > 0.0 {
                    LossGrad {
                        value: margin,
                        grad: 1.0,
                    }
                } else {
                    LossGrad {
                        value: 0.0,
                        grad: 0.0,
                    }
                }
            }
            GanLoss::Wasserstein => LossGrad {
                value: x,
                grad: 1.0,
            },
        }
    }

    /// The generator's loss on a generated sample's logit.
    #[inline]
    pub fn generator(self, x: f32) -> LossGrad {
        match self {
            GanLoss::Minimax => LossGrad {
                value: -softplus(x),
                grad: -sigmoid(x),
            },
            GanLoss::NonSaturating => LossGrad {
                value: softplus(-x),
                grad: -sigmoid(-x),
            },
            GanLoss::LeastSquares => LossGrad {
                value: 0.5 * (x - 1.0) * (x - 1.0),
                grad: x - 1.0,
            },
            GanLoss::Hinge | GanLoss::Wasserstein => LossGrad {
                value: -x,
                grad: -1.0,
            },
        }
    }
}

/// Applies a per-sample loss to a batch of logits: returns the mean (1/B)·Σ_b ℓ(x_b), summed in
/// sample order, and writes each gradient of the mean, ℓ′(x_b)/B, into `grads`. B is the number
/// of logits; `grads` holds as many.
///
/// # Examples
/// ```
/// use picogan::loss::{GanLoss, mean_loss};
/// let mut grads = [0.0; 2];
/// let loss = mean_loss(&[0.0, 0.0], &mut grads, |x| GanLoss::Wasserstein.generator(x));
/// assert_eq!((loss, grads), (0.0, [-0.5, -0.5]));
/// ```
pub fn mean_loss(logits: &[f32], grads: &mut [f32], loss: impl Fn(f32) -> LossGrad) -> f32 {
    let scale = 1.0 / logits.len() as f32;
    let mut total = 0.0;
    for (x, g) in logits.iter().zip(grads.iter_mut()) {
        let LossGrad { value, grad } = loss(*x);
        total += value;
        *g = grad * scale;
    }
    total * scale
}

/// Softmax cross-entropy of K class logits z against the class `label`:
/// ℓ(z, y) = −ln softmax(z)_y = ln Σₖ e^{zₖ} − z_y, computed as m + ln Σₖ e^{zₖ − m} − z_y with
/// m = maxₖ zₖ so that no exponential overflows; writes ∂ℓ/∂zₖ = softmax(z)ₖ − [k = y] into
/// `grad` (of K values). The sums run over k in increasing order.
///
/// The multi-class form of [`bce_with_logits`]: its expectation over the data is the
/// cross-entropy H(p_data(y|x), p_model(y|x)) (Goodfellow, Bengio & Courville, *Deep Learning*,
/// 2016, §6.2.2.3).
///
/// # Panics
/// If `label` ≥ K or `grad` is shorter than `logits`.
///
/// # Examples
/// ```
/// use picogan::loss::softmax_cross_entropy;
/// let mut grad = [0.0; 2];
/// let loss = softmax_cross_entropy(&[0.0, 0.0], 1, &mut grad);
/// assert!((loss - core::f32::consts::LN_2).abs() < 1e-7);
/// assert_eq!(grad, [0.5, -0.5]);
/// // Large logits stay finite.
/// assert_eq!(softmax_cross_entropy(&[1000.0, 0.0], 0, &mut grad), 0.0);
/// ```
pub fn softmax_cross_entropy(logits: &[f32], label: usize, grad: &mut [f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let grad = &mut grad[..logits.len()];
    let mut sum = 0.0;
    for (g, &z) in grad.iter_mut().zip(logits) {
        *g = math::exp(z - max);
        sum += *g;
    }
    for g in grad.iter_mut() {
        *g /= sum;
    }
    grad[label] -= 1.0;
    max + math::ln(sum) - logits[label]
}
