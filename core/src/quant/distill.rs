//! Quantization-aware fine-tuning by distillation: teaching a network whose weights are rounded
//! to the int8 grid to reproduce the float network it came from.
//!
//! Post-training quantization rounds each weight independently; for a generator whose modes are
//! narrow (ring8's σ = 0.01) the accumulated rounding moves many samples off their modes. Here a
//! float "shadow" copy of the network is trained so that its int8-rounded version (the student,
//! [`fake_quantize_weights`]) matches the original (the teacher) on fresh noise: loss
//! ‖student(z) − teacher(z)‖², gradients through the rounding by the straight-through estimator
//! (Bengio, Léonard & Courville, 2013; Jacob et al., CVPR 2018, §3), Adam on the shadow weights.
//! No data or discriminator is needed: the float generator is the target.

use rand_core::Rng;

use crate::layer::{Trainable, Vector};
use crate::optim::{Adam, Optimizer};

/// A copy of `network` whose weights are rounded to the per-output-channel int8 grid that
/// [`QDense::from_dense`](super::QDense::from_dense) uses (s_w\[j\] = max_k |w\[k\]\[j\]| / 127);
/// biases stay as they are.
///
/// # Examples
/// ```
/// use picogan::quant::fake_quantize_weights;
/// use picogan::{Activation, Dense};
/// let mut layer = Dense::<2, 1>::new(Activation::Identity);
/// layer.weight = [[1.27], [0.3333]];
/// let rounded = fake_quantize_weights(&layer);
/// assert_eq!(rounded.weight[0][0], 1.27);
/// assert!((rounded.weight[1][0] - 0.33).abs() < 1e-6); // 33 steps of 0.01
/// ```
pub fn fake_quantize_weights<N: crate::Layer>(network: &N) -> N {
    let mut rounded = network.clone();
    for layer in 0..N::LAYERS {
        let (Some(info), Some(weights)) =
            (network.layer_info(layer), rounded.tensor_mut(2 * layer))
        else {
            continue;
        };
        let outputs = info.outputs;
        for j in 0..outputs {
            let column = || weights.iter().skip(j).step_by(outputs);
            let largest = column().map(|w| libm::fabsf(*w)).fold(0.0, f32::max);
            if largest == 0.0 {
                continue;
            }
            let step = largest / 127.0;
            for w in weights.iter_mut().skip(j).step_by(outputs) {
                *w = libm::roundf(*w / step) * step;
            }
        }
    }
    rounded
}

/// Fine-tunes a copy of `teacher` for `steps` batches of `B` noise vectors drawn by
/// `noise(rng)`, and returns it: its [`fake_quantize_weights`] version approximates `teacher`
/// far better than `teacher`'s own rounding does. `trace` is scratch space.
///
/// Runs on the host (it keeps four copies of the network on the stack). Deterministic for a
/// given seed, like all of picogan's training.
pub fn distill<N, R, const B: usize>(
    teacher: &N,
    steps: usize,
    optimizer: Adam,
    rng: &mut R,
    noise: impl Fn(&mut R) -> N::Input,
    trace: &mut N::Trace<B>,
) -> N
where
    N: Trainable,
    R: Rng + ?Sized,
{
    let mut shadow = teacher.clone();
    let mut state = optimizer.new_state(&shadow);
    let mut grads = shadow.zeroed_like();
    let mut inputs = [N::Input::ZERO; B];
    let scale = 2.0 / B as f32;
    for _ in 0..steps {
        let student = fake_quantize_weights(&shadow);
        for x in inputs.iter_mut() {
            *x = noise(rng);
        }
        student.forward_batch(&inputs, trace); // [B][outputs]
        let (outputs, output_grads) = N::output_and_grad_mut(trace);
        for ((x, y), g) in inputs.iter().zip(outputs).zip(output_grads.iter_mut()) {
            let target = teacher.forward(x);
            let pairs = y.as_ref().iter().zip(target.as_ref());
            for (gk, (yk, tk)) in g.as_mut().iter_mut().zip(pairs) {
                *gk = scale * (yk - tk); // ∂/∂y of (1/B)·‖y − t‖²
            }
        }
        grads.zero_params();
        student.backward_batch(&inputs, trace, Some(&mut grads), None);
        optimizer.step(&mut shadow, &grads, &mut state);
    }
    shadow
}
