//! Every instruction set this CPU runs (`picogan::isa`) gives the same bits as the portable path:
//! forward passes, backward passes, R1, whole training steps and sampling, on shapes that hit
//! every kind of tile and edge. And no vector path is much slower than the portable one, measured
//! as a ratio in one process (a fall like AVX-512 code that gathers and scatters fails it).
//!
//! The selection is global to the process, so the tests here take turns through one lock.

use std::fmt::Debug;
use std::sync::Mutex;
use std::time::Instant;

use picogan::isa::{self, Isa};
use picogan::mixture::GaussianMixture;
use picogan::optim::Adam;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Activation, Dense, GanConfig, GanTrainer, Layer, Mlp3, Mlp4, Trainable};
use picogan_tests::{init, param_bits, random_batch};

static SELECTION: Mutex<()> = Mutex::new(());

fn supported() -> Vec<Isa> {
    Isa::ALL
        .into_iter()
        .filter(|isa| isa.is_supported())
        .collect()
}

/// `f()` under every supported instruction set in turn, on a thread with a large stack (traces of
/// the medium configuration do not fit a test thread's); asserts every result equals the
/// portable path's.
fn same_on_every_isa<T: PartialEq + Debug + Send + 'static>(
    what: &str,
    f: impl Fn() -> T + Send + Sync + Copy + 'static,
) {
    let _turn = SELECTION
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let results: Vec<(Isa, T)> = supported()
        .into_iter()
        .map(|isa| {
            isa::force(Some(isa)).unwrap();
            let result = std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(f)
                .unwrap()
                .join()
                .unwrap();
            (isa, result)
        })
        .collect();
    isa::force(None).unwrap();
    eprintln!(
        "{what}: compared {:?}",
        results.iter().map(|(isa, _)| *isa).collect::<Vec<_>>()
    );
    let (first, expected) = &results[0];
    assert_eq!(*first, Isa::Portable);
    for (isa, result) in &results[1..] {
        assert_eq!(result, expected, "{what}: {isa} differs from {first}");
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// Batch outputs, then single-sample outputs, of `network` on `inputs`.
fn forward_bits<N: Layer, const B: usize>(network: &N, inputs: &[N::Input; B]) -> Vec<u32> {
    let mut trace = Box::new(N::new_trace::<B>());
    network.forward_batch(inputs, &mut trace);
    let mut all: Vec<u32> = N::output(&trace)
        .iter()
        .flat_map(|y| bits(y.as_ref()))
        .collect();
    for x in inputs {
        all.extend(bits(network.forward(x).as_ref()));
    }
    all
}

#[test]
fn forward_passes_agree() {
    same_on_every_isa("forward", || {
        use Activation::*;
        let mut all = Vec::new();
        // Full tiles, partial column tiles (20, 3 outputs), sample remainders (7, 13).
        let wide: Mlp3<5, 20, 64, 3> = init(
            (Dense::new(Relu), (Dense::new(Tanh), Dense::new(Identity))),
            1,
        );
        all.extend(forward_bits(&wide, &random_batch::<5, 7>(2, 3.0)));
        let deep: Mlp4<2, 16, 8, 24, 1> = init(
            (
                Dense::new(LeakyRelu(0.2)),
                (Dense::new(Relu), (Dense::new(Tanh), Dense::new(Sigmoid))),
            ),
            3,
        );
        all.extend(forward_bits(&deep, &random_batch::<2, 13>(4, 3.0)));
        // Weights larger than L1 (panels), 64 + 16 + 6 outputs one sample at a time.
        let large: Dense<130, 86> = init(Dense::new(LeakyRelu(0.2)), 5);
        all.extend(forward_bits(&large, &random_batch::<130, 13>(6, 2.0)));
        // The narrow outputs in blocks of 16 samples and the rest (37 = 2·16 + 5); tiles of 6
        // and of 8 rows with rows left over (37) and without (64).
        let narrow: Mlp3<8, 64, 64, 2> = init(
            (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity))),
            7,
        );
        all.extend(forward_bits(&narrow, &random_batch::<8, 37>(8, 3.0)));
        all.extend(forward_bits(&narrow, &random_batch::<8, 64>(9, 3.0)));
        // Fewer samples than a tile, with special values.
        let small: Dense<3, 9> = init(Dense::new(Relu), 10);
        let special = [
            [f32::NAN, 0.0, 1.0],
            [f32::INFINITY, -1.0, 0.0],
            [-0.0, 0.0, -0.0],
            [1e38, -1e38, 1e-45],
            [0.5, 0.25, -0.125],
        ];
        all.extend(forward_bits(&small, &special));
        all
    });
}

/// Weight, bias and input gradients of one layer, accumulated into non-zero buffers.
fn backward_bits<const I: usize, const O: usize, const B: usize>(seed: u64) -> Vec<u32> {
    let layer: Dense<I, O> = init(Dense::new(Activation::LeakyRelu(0.2)), seed);
    let x: Box<[[f32; I]; B]> = Box::new(random_batch(seed + 1, 2.0));
    let mut trace = Box::new(Dense::<I, O>::new_trace::<B>());
    layer.forward_batch(&x, &mut trace);
    trace.grad = random_batch(seed + 2, 1.0);
    let mut grads: Dense<I, O> = init(Dense::new(Activation::Identity), seed + 3);
    let mut input_grad = Box::new([[0.0; I]; B]);
    layer.backward_batch(&x, &mut trace, Some(&mut grads), Some(&mut input_grad));
    let mut all = param_bits(&grads);
    all.extend(bits(input_grad.as_flattened()));
    all
}

#[test]
fn backward_passes_agree() {
    same_on_every_isa("backward", || {
        let mut all = Vec::new();
        // Whole tiles; edges in every dimension; tiles of 8 inputs with a tile of 6 and fewer
        // left over (37 = 4·8 + 5, 82 = 10·8 + 2, 106 = 13·8 + 2, 11 = 8 + 3, 14 = 8 + 6);
        // narrow outputs; d larger than L1; a 128 × 128 layer at batch 256 (panels of w, wᵀ
        // and d).
        all.extend(backward_bits::<64, 64, 64>(1));
        all.extend(backward_bits::<37, 21, 19>(2));
        all.extend(backward_bits::<3, 5, 2>(3));
        all.extend(backward_bits::<128, 1, 33>(4));
        all.extend(backward_bits::<20, 3, 9>(5));
        all.extend(backward_bits::<82, 70, 40>(6));
        all.extend(backward_bits::<11, 32, 50>(7));
        all.extend(backward_bits::<14, 16, 24>(11));
        all.extend(backward_bits::<15, 17, 8>(12));
        all.extend(backward_bits::<106, 30, 40>(8));
        all.extend(backward_bits::<13, 40, 300>(9));
        all.extend(backward_bits::<128, 128, 256>(10));
        all
    });
}

/// The parameters of G and D after `steps` training steps of the reference benchmark's networks
/// (noise `Z`, width `H`, batch `B`) on the ring, with the R1 penalty.
fn trained_bits<const Z: usize, const H: usize, const B: usize>(steps: usize) -> Vec<u32> {
    let mut trainer = benchmark_trainer::<Z, H, B>(0.1);
    let data = ring();
    let mut rng = NoiseRng::seed_from_u64(3);
    for _ in 0..steps {
        trainer.step(&mut rng, |rng, batch| data.fill(rng, batch));
    }
    let mut all = param_bits(&trainer.generator);
    all.extend(param_bits(&trainer.discriminator));
    all
}

type Generator<const Z: usize, const H: usize> = Mlp3<Z, H, H, 2>;
type Discriminator<const H: usize> = Mlp3<2, H, H, 1>;
type Trainer<const Z: usize, const H: usize, const B: usize> =
    GanTrainer<Generator<Z, H>, Discriminator<H>, Adam, B>;

fn benchmark_trainer<const Z: usize, const H: usize, const B: usize>(
    r1_gamma: f32,
) -> Box<Trainer<Z, H, B>> {
    use Activation::{Identity, LeakyRelu, Relu};
    let generator: Generator<Z, H> = init(
        (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity))),
        1,
    );
    let discriminator: Discriminator<H> = init(
        (
            Dense::new(LeakyRelu(0.2)),
            (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
        ),
        2,
    );
    let adam = Adam::default();
    let config = GanConfig {
        r1_gamma,
        ..GanConfig::default()
    };
    Box::new(GanTrainer::new(generator, discriminator, adam, adam, config).unwrap())
}

fn ring() -> GaussianMixture<8, 2> {
    GaussianMixture::new(
        core::array::from_fn(|k| {
            let angle = core::f32::consts::TAU * k as f32 / 8.0;
            [2.0 * angle.cos(), 2.0 * angle.sin()]
        }),
        0.02,
    )
}

#[test]
fn training_steps_agree() {
    same_on_every_isa("training, small", || trained_bits::<8, 64, 64>(30));
    same_on_every_isa("training, medium", || trained_bits::<16, 128, 256>(5));
    // Odd sizes: tiles with remainders in every dimension, the R1 tangent through them.
    same_on_every_isa("training, odd", || trained_bits::<3, 37, 29>(20));
}

#[test]
fn sampling_agrees() {
    same_on_every_isa("sampling", || {
        let trainer = benchmark_trainer::<8, 64, 64>(0.0);
        let mut rng = NoiseRng::seed_from_u64(4);
        let mut trace = Box::new(Generator::<8, 64>::new_trace::<64>());
        let mut all =
            bits(picogan::sample_batch(&trainer.generator, &mut rng, &mut trace).as_flattened());
        all.extend(bits(&picogan::sample(&trainer.generator, &mut rng)));
        all
    });
}

/// Seconds for the fastest of 5 runs of `f`, each forced to `isa`, alternating with the other
/// instruction set so that a slow spell of the machine hits both.
fn fastest_of_alternating_runs(isas: [Isa; 2], mut f: impl FnMut()) -> [f64; 2] {
    let mut best = [f64::INFINITY; 2];
    for _ in 0..5 {
        for (slot, isa) in isas.into_iter().enumerate() {
            isa::force(Some(isa)).unwrap();
            let start = Instant::now();
            f();
            best[slot] = best[slot].min(start.elapsed().as_secs_f64());
        }
    }
    isa::force(None).unwrap();
    best
}

/// The widest instruction set must not make a training step or batched sampling more than twice
/// as slow as the portable path, on the same work in the same process: a ratio, so it holds on
/// any machine however fast.
#[test]
fn the_widest_path_is_not_slower_than_the_portable_one() {
    let _turn = SELECTION
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let best = Isa::best();
    let isas = [best, Isa::Portable];
    let report = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let mut trainer = benchmark_trainer::<8, 64, 64>(0.0);
            let data = ring();
            let mut rng = NoiseRng::seed_from_u64(5);
            let training = fastest_of_alternating_runs(isas, || {
                for _ in 0..100 {
                    trainer.step(&mut rng, |rng, batch| data.fill(rng, batch));
                }
            });
            let generator = trainer.generator.clone();
            let mut trace = Box::new(Generator::<8, 64>::new_trace::<64>());
            let sampling = fastest_of_alternating_runs(isas, || {
                for _ in 0..200 {
                    std::hint::black_box(picogan::sample_batch(&generator, &mut rng, &mut trace));
                }
            });
            [
                ("training step", training),
                ("sampling 64 at a time", sampling),
            ]
        })
        .unwrap()
        .join()
        .unwrap();
    for (what, [widest, portable]) in report {
        eprintln!("{what}: {best} {widest:.4} s, portable {portable:.4} s");
        assert!(
            widest <= 2.0 * portable,
            "{what}: {best} takes {widest:.4} s, more than twice the portable path's {portable:.4} s"
        );
    }
}
