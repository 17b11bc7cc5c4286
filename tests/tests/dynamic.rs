//! Networks shaped at run time (`picogan::dynamic`) give the same bits as the const-generic
//! networks of the same shape, which the device runs: forward passes (one sample and batches),
//! backward passes, the R1 tangent pass and whole Adam training steps; and, for shapes drawn at
//! random, the same bits as the plain triple loop in the project's summation order.

use picogan::dynamic::{DynMlp, from_layer};
use picogan::optim::Adam;
use picogan::rng::{NoiseRng, SeedableRng, fill_normal, uniform_in};
use picogan::{
    Activation::{self, *},
    Dense, DynGanTrainer, GanConfig, GanTrainer, Mlp2, Mlp3, Mlp4, Network, Trainable, Vector,
};
use picogan_tests::{init, param_bits};
use proptest::prelude::*;

/// `len` uniform values in [−scale, scale) drawn from `seed`.
fn values(seed: u64, len: usize, scale: f32) -> Vec<f32> {
    let mut rng = NoiseRng::seed_from_u64(seed);
    (0..len)
        .map(|_| uniform_in(&mut rng, -scale, scale))
        .collect()
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn dyn_bits(net: &DynMlp) -> Vec<u32> {
    (0..)
        .map_while(|i| net.tensor(i))
        .flat_map(|t| t.iter().map(|v| v.to_bits()))
        .collect()
}

fn flatten<V: Vector>(batch: &[V]) -> Vec<f32> {
    batch.iter().flat_map(|v| v.as_ref().to_vec()).collect()
}

/// Forward (one sample and the batch), backward (parameter and input gradients) and, when every
/// activation is piecewise linear, the R1 tangent pass of `net` against its run-time copy.
fn same_passes<N: Trainable, const B: usize>(net: N, seed: u64) {
    let dynamic = from_layer(&net).unwrap();
    let (inputs, outputs) = (N::Input::LEN, N::Output::LEN);
    let what = format!("{inputs} → … → {outputs}, batch {B}");

    let mut x = [N::Input::ZERO; B];
    N::Input::flatten_mut(&mut x).copy_from_slice(&values(seed, B * inputs, 2.0));
    let mut trace = N::new_trace::<B>();
    net.forward_batch(&x, &mut trace);
    let mut dyn_trace = dynamic.new_trace(B).unwrap();
    dynamic.forward_batch(N::Input::flatten_mut(&mut x.clone()), &mut dyn_trace);
    let expected = flatten(N::output(&trace));
    assert_eq!(
        bits(DynMlp::output(&dyn_trace)),
        bits(&expected),
        "{what}: forward_batch"
    );
    for (s, xs) in x.iter().enumerate() {
        let mut y = vec![0.0; outputs];
        dynamic.forward(xs.as_ref(), &mut y);
        assert_eq!(
            bits(&y),
            bits(net.forward(xs).as_ref()),
            "{what}: forward of sample {s}"
        );
    }

    let dy = values(seed + 1, B * outputs, 1.0);
    N::Output::flatten_mut(N::output_grad_mut(&mut trace)).copy_from_slice(&dy);
    DynMlp::output_grad_mut(&mut dyn_trace).copy_from_slice(&dy);
    let mut grads = net.zeroed_like();
    let mut dx = [N::Input::ZERO; B];
    net.backward_batch(&x, &mut trace, Some(&mut grads), Some(&mut dx));
    let mut dyn_grads = dynamic.zeroed_like();
    let mut dyn_dx = vec![0.0; B * inputs];
    let flat_x = flatten(&x);
    dynamic.backward_batch(
        &flat_x,
        &mut dyn_trace,
        Some(&mut dyn_grads),
        Some(&mut dyn_dx),
    );
    assert_eq!(dyn_bits(&dyn_grads), param_bits(&grads), "{what}: ∂L/∂θ");
    assert_eq!(bits(&dyn_dx), bits(&flatten(&dx)), "{what}: ∂L/∂x");

    if net.first_smooth_layer().is_none() {
        let tangent = values(seed + 2, B * inputs, 0.5);
        let mut t = [N::Input::ZERO; B];
        N::Input::flatten_mut(&mut t).copy_from_slice(&tangent);
        net.r1_tangent_batch(&t, &mut trace, &mut grads);
        dynamic.r1_tangent_batch(&tangent, &mut dyn_trace, &mut dyn_grads);
        assert_eq!(dyn_bits(&dyn_grads), param_bits(&grads), "{what}: R1");
        assert_eq!(
            bits(DynMlp::output_grad(&dyn_trace)),
            bits(&flatten(N::output_grad(&trace))),
            "{what}: R1 output tangent"
        );
    }
}

#[test]
fn every_pass_matches_the_const_generic_network() {
    // On a thread with a large stack: the const-generic traces live on it.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(every_pass_matches)
        .unwrap()
        .join()
        .unwrap();
}

fn every_pass_matches() {
    // Depth 1 to 4; widths from 1 to 130 around the tiles' edges (16 lanes, 4 narrow outputs,
    // 64 wide lanes, the L1 panel); batches below a tile, with remainders, and above 128.
    same_passes::<_, 1>(init(Dense::<3, 2>::new(Tanh), 1), 10);
    same_passes::<_, 7>(init(Dense::<1, 1>::new(Sigmoid), 2), 20);
    same_passes::<_, 37>(init(Dense::<130, 17>::new(Relu), 3), 30);
    // Wider than L1 (the panel paths) and than a single-sample pass keeps on the stack.
    same_passes::<_, 9>(init(Dense::<300, 257>::new(LeakyRelu(0.1)), 9), 90);
    same_passes::<_, 5>(
        init::<Mlp2<2, 64, 1>>((Dense::new(Relu), Dense::new(Identity)), 4),
        40,
    );
    same_passes::<_, 70>(
        init::<Mlp2<129, 33, 4>>((Dense::new(LeakyRelu(0.2)), Dense::new(Identity)), 5),
        50,
    );
    same_passes::<_, 13>(
        init::<Mlp3<5, 16, 15, 3>>(
            (Dense::new(Relu), (Dense::new(Tanh), Dense::new(Sigmoid))),
            6,
        ),
        60,
    );
    same_passes::<_, 130>(
        init::<Mlp3<7, 128, 128, 1>>(
            (
                Dense::new(LeakyRelu(0.2)),
                (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
            ),
            7,
        ),
        70,
    );
    same_passes::<_, 33>(
        init::<Mlp4<16, 100, 64, 65, 8>>(
            (
                Dense::new(Relu),
                (Dense::new(Relu), (Dense::new(Relu), Dense::new(Tanh))),
            ),
            8,
        ),
        80,
    );
}

/// `steps` Adam steps of a const-generic trainer and of a run-time one built from the same
/// networks, on the same draws: the same losses and parameters, bit for bit.
fn same_training<G, D, const B: usize>(generator: G, discriminator: D, r1_gamma: f32)
where
    G: Trainable,
    D: Trainable<Input = G::Output, Output = [f32; 1]>,
{
    let adam = Adam {
        lr: 2e-3,
        beta1: 0.5,
        beta2: 0.999,
        eps: 1e-8,
    };
    let config = GanConfig {
        r1_gamma,
        discriminator_steps: 2,
        ..GanConfig::default()
    };
    let dim = G::Output::LEN;
    let data = move |rng: &mut NoiseRng, batch: &mut [f32]| {
        fill_normal(rng, batch);
        for (i, v) in batch.iter_mut().enumerate() {
            *v = 3.0 * *v + (i % dim) as f32;
        }
    };
    let mut fixed = Box::new(GanTrainer::<G, D, Adam, B>::ZEROED);
    fixed
        .reset(&generator, &discriminator, adam, adam, config)
        .unwrap();
    let mut dynamic = DynGanTrainer::new(
        from_layer(&generator).unwrap(),
        from_layer(&discriminator).unwrap(),
        adam,
        adam,
        config,
        B,
    )
    .unwrap();
    let (mut rng, mut dyn_rng) = (NoiseRng::seed_from_u64(9), NoiseRng::seed_from_u64(9));
    for step in 0..4 {
        let stats = fixed.step(&mut rng, |rng, batch| {
            data(rng, G::Output::flatten_mut(batch))
        });
        let dyn_stats = dynamic.step(&mut dyn_rng, data);
        assert_eq!(dyn_stats, stats, "step {step}: losses");
        assert!(stats.is_finite());
    }
    assert_eq!(dyn_bits(&dynamic.generator), param_bits(&fixed.generator));
    assert_eq!(
        dyn_bits(&dynamic.discriminator),
        param_bits(&fixed.discriminator)
    );
}

#[test]
fn training_steps_match_the_const_generic_trainer() {
    // On a thread with a large stack: the const-generic trainers' buffers are built in place.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(training_steps_match)
        .unwrap()
        .join()
        .unwrap();
}

fn training_steps_match() {
    // The trainer's default shapes (2-D data), with R1.
    same_training::<Mlp4<2, 64, 64, 64, 2>, Mlp3<2, 128, 128, 1>, 128>(
        init(
            (
                Dense::new(Relu),
                (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity))),
            ),
            0,
        ),
        init(
            (
                Dense::new(LeakyRelu(0.2)),
                (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
            ),
            1,
        ),
        0.1,
    );
    // Odd noise width (noise drawn row by row), 5-D data, a batch with a remainder, no R1.
    same_training::<Mlp2<3, 24, 5>, Mlp2<5, 20, 1>, 13>(
        init((Dense::new(Relu), Dense::new(Tanh)), 2),
        init((Dense::new(Relu), Dense::new(Identity)), 3),
        0.0,
    );
    // One-layer networks, batch 1.
    same_training::<Dense<1, 1>, Dense<1, 1>, 1>(
        init(Dense::new(Identity), 4),
        init(Dense::new(Identity), 5),
        1.0,
    );
}

/// Layer by layer, the definition in plain f32: `y[b][j] = φ(bias[j] + Σₖ x[b][k]·W[k][j])`,
/// k increasing, then δ = ∂L/∂y ⊙ φ′(y), `∂L/∂W[k][j] = Σ_b x[b][k]·δ[b][j]` (b increasing),
/// `∂L/∂b[j] = Σ_b δ[b][j]`, `∂L/∂x[b][k] = Σⱼ W[k][j]·δ[b][j]` (j increasing). Returns the
/// outputs, the parameter gradients in tensor order and ∂L/∂x.
fn reference(
    net: &DynMlp,
    x: &[f32],
    dy: &[f32],
    batch: usize,
) -> (Vec<f32>, Vec<Vec<f32>>, Vec<f32>) {
    let mut activations = vec![x.to_vec()];
    for layer in net.layers() {
        let (i, o) = (layer.inputs(), layer.outputs());
        let input = activations.last().unwrap();
        let mut y = vec![0.0f32; batch * o];
        for b in 0..batch {
            for j in 0..o {
                let mut sum = layer.bias()[j];
                for k in 0..i {
                    sum += input[b * i + k] * layer.weight()[k * o + j];
                }
                y[b * o + j] = layer.activation.apply(sum);
            }
        }
        activations.push(y);
    }
    let mut delta = dy.to_vec();
    let mut tensors = vec![Vec::new(); 2 * net.layers().len()];
    for (l, layer) in net.layers().iter().enumerate().rev() {
        let (i, o) = (layer.inputs(), layer.outputs());
        let (input, output) = (&activations[l], &activations[l + 1]);
        for (d, &y) in delta.iter_mut().zip(output) {
            *d *= layer.activation.derivative(y);
        }
        let mut weight_grad = vec![0.0f32; i * o];
        let mut bias_grad = vec![0.0f32; o];
        for k in 0..i {
            for j in 0..o {
                let mut sum = 0.0f32;
                for b in 0..batch {
                    sum += input[b * i + k] * delta[b * o + j];
                }
                weight_grad[k * o + j] = sum;
            }
        }
        for (j, g) in bias_grad.iter_mut().enumerate() {
            for b in 0..batch {
                *g += delta[b * o + j];
            }
        }
        let mut input_grad = vec![0.0f32; batch * i];
        for b in 0..batch {
            for k in 0..i {
                let mut sum = 0.0f32;
                for j in 0..o {
                    sum += layer.weight()[k * o + j] * delta[b * o + j];
                }
                input_grad[b * i + k] = sum;
            }
        }
        tensors[2 * l] = weight_grad;
        tensors[2 * l + 1] = bias_grad;
        delta = input_grad;
    }
    (activations.pop().unwrap(), tensors, delta)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random architectures (depth 1–4, widths 1–130) and batches (1–70, most not a multiple
    /// of any tile): the kernels give the definition's bits, forward and backward.
    #[test]
    fn random_shapes_give_the_definitions_bits(
        widths in prop::collection::vec(1usize..=130, 2..=5),
        activations in prop::collection::vec(picogan_tests::any_activation(), 4),
        batch in 1usize..=70,
        seed in 0u64..1_000,
    ) {
        let mut net = DynMlp::new(&widths, &activations[..widths.len() - 1]).unwrap();
        net.init_params(&mut NoiseRng::seed_from_u64(seed));
        let (inputs, outputs) = (net.inputs(), net.outputs());
        let x = values(seed + 1, batch * inputs, 2.0);
        let dy = values(seed + 2, batch * outputs, 1.0);
        let (y, tensors, dx) = reference(&net, &x, &dy, batch);

        let mut trace = net.new_trace(batch).unwrap();
        net.forward_batch(&x, &mut trace);
        prop_assert_eq!(bits(DynMlp::output(&trace)), bits(&y));
        let mut one = vec![0.0; outputs];
        net.forward(&x[..inputs], &mut one);
        prop_assert_eq!(bits(&one), bits(&y[..outputs]));

        DynMlp::output_grad_mut(&mut trace).copy_from_slice(&dy);
        let mut grads = net.zeroed_like();
        let mut input_grad = vec![0.0; batch * inputs];
        net.backward_batch(&x, &mut trace, Some(&mut grads), Some(&mut input_grad));
        for (index, expected) in tensors.iter().enumerate() {
            prop_assert_eq!(bits(grads.tensor(index).unwrap()), bits(expected), "tensor {}", index);
        }
        prop_assert_eq!(bits(&input_grad), bits(&dx));
    }
}

/// `net` (inputs: `width` values, then `classes` one-hot values) with the one-hot of `label`
/// folded into the first layer's biases: the unconditional network that computes the same
/// function of the first `width` inputs.
fn fold_label(net: &DynMlp, width: usize, classes: usize, label: usize) -> DynMlp {
    let layers = net.layers();
    let outputs = layers[0].outputs();
    let mut widths = vec![width];
    widths.extend(layers.iter().map(|l| l.outputs()));
    let activations: Vec<Activation> = layers.iter().map(|l| l.activation).collect();
    let mut folded = DynMlp::new(&widths, &activations).unwrap();
    let label_row = &net.tensor(0).unwrap()[(width + label) * outputs..][..outputs];
    let biases: Vec<f32> = (net.tensor(1).unwrap().iter().zip(label_row))
        .map(|(b, w)| b + w)
        .collect();
    assert_eq!(net.tensor(0).unwrap().len(), (width + classes) * outputs);
    folded
        .tensor_mut(0)
        .unwrap()
        .copy_from_slice(&net.tensor(0).unwrap()[..width * outputs]);
    folded.tensor_mut(1).unwrap().copy_from_slice(&biases);
    let mut index = 2;
    while let Some(tensor) = net.tensor(index) {
        folded.tensor_mut(index).unwrap().copy_from_slice(tensor);
        index += 1;
    }
    folded
}

/// A conditional step whose batch holds one label is the unconditional step of the networks
/// with that label folded into their first biases (up to rounding, as the fold adds in another
/// order): the same D loss, the same R1 (so R1 leaves the label inputs out) and the same update of
/// every D weight that does not touch the label; and, with D frozen (its update would move the
/// folded bias once but the bias and the label weight each once), the same G loss and G updates.
#[test]
fn a_conditional_step_on_one_label_is_the_unconditional_step_with_the_label_folded_in() {
    let (noise, data, classes, label, batch) = (2, 3, 4, 2, 16);
    let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * (1.0 + b.abs());
    for frozen_discriminator in [false, true] {
        let mut rng = NoiseRng::seed_from_u64(11);
        let mut g = DynMlp::new(&[noise + classes, 24, 24, data], &[Relu, Relu, Identity]).unwrap();
        let mut d = DynMlp::new(&[data + classes, 32, 1], &[LeakyRelu(0.2), Identity]).unwrap();
        g.init_params(&mut rng);
        d.init_params(&mut rng);
        let adam = |lr| Adam {
            lr,
            beta1: 0.5,
            beta2: 0.999,
            eps: 1e-8,
        };
        let d_lr = if frozen_discriminator { 0.0 } else { 1e-3 };
        let config = GanConfig {
            r1_gamma: 1.0,
            ..GanConfig::default()
        };
        let (g_folded, d_folded) = (
            fold_label(&g, noise, classes, label),
            fold_label(&d, data, classes, label),
        );
        let optimizers = (adam(1e-3), adam(d_lr));
        let mut conditional =
            DynGanTrainer::conditional(g, d, optimizers, config, batch, classes).unwrap();
        let mut unconditional =
            DynGanTrainer::new(g_folded, d_folded, adam(1e-3), adam(d_lr), config, batch).unwrap();
        let real = values(12, batch * data, 1.5);
        let stats =
            conditional.step_conditional(&mut NoiseRng::seed_from_u64(13), |_, x, labels| {
                x.copy_from_slice(&real);
                labels.fill(label);
            });
        let expected = unconditional.step(&mut NoiseRng::seed_from_u64(13), |_, x| {
            x.copy_from_slice(&real);
        });
        assert!(expected.r1_penalty > 0.0);
        let (player, net, folded, width, loss, expected_loss) = if frozen_discriminator {
            let (g, g_folded) = (&conditional.generator, &unconditional.generator);
            (
                "G",
                g,
                g_folded,
                noise,
                stats.generator_loss,
                expected.generator_loss,
            )
        } else {
            assert!(
                close(stats.r1_penalty, expected.r1_penalty),
                "R1: {} vs {}",
                stats.r1_penalty,
                expected.r1_penalty
            );
            let (d, d_folded) = (&conditional.discriminator, &unconditional.discriminator);
            (
                "D",
                d,
                d_folded,
                data,
                stats.discriminator_loss,
                expected.discriminator_loss,
            )
        };
        assert!(
            close(loss, expected_loss),
            "{player} loss: {loss} vs {expected_loss}"
        );
        let outputs = net.layers()[0].outputs();
        let first = &net.tensor(0).unwrap()[..width * outputs];
        let later = (2..).map_while(|i| net.tensor(i).zip(folded.tensor(i)));
        let pairs = first
            .iter()
            .zip(folded.tensor(0).unwrap())
            .chain(later.flat_map(|(a, b)| a.iter().zip(b)));
        for (a, b) in pairs {
            assert!(close(*a, *b), "{player}: {a} vs {b}");
        }
    }
}
