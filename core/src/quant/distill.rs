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

use alloc::vec;
use rand_core::Rng;

use crate::Error;
use crate::dynamic::{DynMlp, zeroed};
use crate::layer::Network;
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
pub fn fake_quantize_weights<N: Network + Clone>(network: &N) -> N {
    let mut rounded = network.clone();
    for layer in 0..network.layer_count() {
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

/// Fine-tunes a copy of `teacher` for `steps` batches of `batch` noise vectors, each filled by
/// `noise(rng, x)`, and returns it: its [`fake_quantize_weights`] version approximates `teacher`
/// far better than `teacher`'s own rounding does. A const-generic network goes through
/// [`dynamic::from_layer`](crate::dynamic::from_layer) first; the steps are the same bits.
///
/// Deterministic for a given seed, like all of picogan's training.
///
/// # Errors
/// [`Error::OutOfMemory`] when the batch's buffers do not fit in memory.
///
/// # Examples
/// ```
/// use picogan::dynamic::DynMlp;
/// use picogan::optim::Adam;
/// use picogan::quant::{distill, fake_quantize_weights};
/// use picogan::rng::{NoiseRng, SeedableRng, fill_normal};
/// use picogan::Activation::*;
/// let mut teacher = DynMlp::new(&[2, 16, 2], &[Relu, Identity]).unwrap();
/// let mut rng = NoiseRng::seed_from_u64(1);
/// teacher.init_params(&mut rng);
/// let adam = Adam { lr: 1e-4, ..Adam::default() };
/// let tuned = distill(&teacher, 20, 64, adam, &mut rng, |rng, x| fill_normal(rng, x)).unwrap();
/// let student = fake_quantize_weights(&tuned);
/// assert_eq!(student.inputs(), 2);
/// ```
pub fn distill<R: Rng + ?Sized>(
    teacher: &DynMlp,
    steps: usize,
    batch: usize,
    optimizer: Adam,
    rng: &mut R,
    mut noise: impl FnMut(&mut R, &mut [f32]),
) -> Result<DynMlp, Error> {
    let (width, outputs) = (teacher.inputs(), teacher.outputs());
    let mut shadow = teacher.clone();
    let mut state = optimizer.new_state(&shadow);
    let mut grads = shadow.zeroed_like();
    let mut trace = teacher.new_trace(batch)?;
    let mut inputs = zeroed(batch, width)?; // [B][inputs]
    let mut target = vec![0.0; outputs];
    let scale = 2.0 / batch as f32;
    for _ in 0..steps {
        let student = fake_quantize_weights(&shadow);
        for x in inputs.chunks_exact_mut(width) {
            noise(rng, x);
        }
        student.forward_batch(&inputs, &mut trace); // [B][outputs]
        let (ys, output_grads) = DynMlp::output_and_grad_mut(&mut trace);
        let rows = inputs.chunks_exact(width).zip(ys.chunks_exact(outputs));
        for ((x, y), g) in rows.zip(output_grads.chunks_exact_mut(outputs)) {
            teacher.forward(x, &mut target); // [outputs]
            for (gk, (yk, tk)) in g.iter_mut().zip(y.iter().zip(&target)) {
                *gk = scale * (yk - tk); // ∂/∂y of (1/B)·‖y − t‖²
            }
        }
        grads.zero_params();
        student.backward_batch(&inputs, &mut trace, Some(&mut grads), None);
        optimizer.step(&mut shadow, &grads, &mut state);
    }
    Ok(shadow)
}
