//! Criterion benchmarks of the core's hot paths, at the shapes of the reference benchmark
//! (`bench/reference/gan_common.py`): `small` (width 64, batch 64, noise 8) and `medium` (width 128,
//! batch 256, noise 16).
//!
//! `cargo bench -p picogan --bench kernels` (pin it with `taskset -c 0` on a noisy machine). Each
//! benchmark reports its throughput in multiply-accumulates (one MAC is the reference's 2 FLOPs),
//! samples or parameters, so the rates compare directly with the end-to-end figures of
//! `picogan bench`.

#![expect(
    clippy::expect_used,
    reason = "benchmark set-up: an invalid configuration is a bug"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use picogan::optim::{Adam, Optimizer};
use picogan::rng::{NoiseRng, SeedableRng, fill_normal};
use picogan::{
    Activation, Dense, GanConfig, GanTrainer, Layer, Mlp3, Network, Trainable, sample, sample_batch,
};

/// The reference generator: `Z → H → H → 2`, ReLU, linear output.
type Generator<const Z: usize, const H: usize> = Mlp3<Z, H, H, 2>;
/// The reference discriminator: `2 → H → H → 1`, LeakyReLU 0.2, logit output.
type Discriminator<const H: usize> = Mlp3<2, H, H, 1>;

const ADAM: Adam = Adam {
    lr: 1e-3,
    beta1: 0.5,
    beta2: 0.999,
    eps: 1e-8,
};

fn generator<const Z: usize, const H: usize>(rng: &mut NoiseRng) -> Generator<Z, H> {
    use Activation::{Identity, Relu};
    let mut g: Generator<Z, H> = (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity)));
    g.init_params(rng);
    g
}

fn discriminator<const H: usize>(rng: &mut NoiseRng) -> Discriminator<H> {
    use Activation::{Identity, LeakyRelu};
    let mut d: Discriminator<H> = (
        Dense::new(LeakyRelu(0.2)),
        (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
    );
    d.init_params(rng);
    d
}

/// A batch of standard normal rows.
fn normal_batch<const N: usize, const B: usize>(rng: &mut NoiseRng) -> Box<[[f32; N]; B]> {
    let mut x = Box::new([[0.0; N]; B]);
    for row in x.iter_mut() {
        fill_normal(rng, row);
    }
    x
}

/// One layer `I → O` at batch `B`: forward, and backward with both gradients.
fn dense_layer<const I: usize, const O: usize, const B: usize>(c: &mut Criterion, config: &str) {
    let name = format!("{I}x{O}/b{B}/{config}");
    let mut rng = NoiseRng::seed_from_u64(0);
    // ReLU: backward multiplies the output gradient in place by φ′ ∈ {0, 1}, so repeating it
    // leaves the same values (with LeakyReLU they would shrink towards subnormals).
    let mut layer = Dense::<I, O>::new(Activation::Relu);
    layer.init_params(&mut rng);
    let x = normal_batch::<I, B>(&mut rng);
    let mut trace = Box::new(Dense::<I, O>::new_trace::<B>());
    let mut grads = Box::new(layer.zeroed_like());
    let mut input_grad = Box::new([[0.0f32; I]; B]);

    let mut group = c.benchmark_group("dense");
    group.throughput(Throughput::Elements((I * O * B) as u64));
    group.bench_function(BenchmarkId::new("forward_batch", &name), |bench| {
        bench.iter(|| layer.forward_batch(black_box(&x), &mut trace));
    });
    // Two products (weight and input gradients): 2·I·O·B multiply-accumulates.
    group.throughput(Throughput::Elements((2 * I * O * B) as u64));
    *Dense::<I, O>::output_grad_mut(&mut trace) = *normal_batch::<O, B>(&mut rng);
    group.bench_function(BenchmarkId::new("backward_batch", &name), |bench| {
        bench.iter(|| {
            layer.backward_batch(&x, &mut trace, Some(&mut grads), Some(&mut input_grad));
        });
    });
    group.finish();
}

/// Adam's update of the small generator (4,866 parameters).
fn adam_step(c: &mut Criterion) {
    let mut rng = NoiseRng::seed_from_u64(0);
    let mut params = generator::<8, 64>(&mut rng);
    let grads = generator::<8, 64>(&mut rng);
    let mut state = ADAM.new_state(&params);
    let mut group = c.benchmark_group("adam");
    group.throughput(Throughput::Elements(Generator::<8, 64>::PARAMS as u64));
    group.bench_function("step/small_generator", |bench| {
        bench.iter(|| {
            ADAM.step(&mut params, black_box(&grads), &mut state);
        });
    });
    group.finish();
}

/// Standard normal noise for one small training batch (64 × 8 values).
fn noise(c: &mut Criterion) {
    let mut rng = NoiseRng::seed_from_u64(0);
    let mut z = Box::new([[0.0f32; 8]; 64]);
    let mut group = c.benchmark_group("noise");
    group.throughput(Throughput::Elements(64 * 8));
    group.bench_function("fill_normal/64x8", |bench| {
        bench.iter(|| {
            fill_normal(&mut rng, z.as_flattened_mut());
            black_box(&z);
        });
    });
    group.finish();
}

/// One whole training step (D update, then G update) of a reference configuration.
fn gan_step<const Z: usize, const H: usize, const B: usize>(c: &mut Criterion, name: &str) {
    let mut rng = NoiseRng::seed_from_u64(0);
    let g = generator::<Z, H>(&mut rng);
    let d = discriminator::<H>(&mut rng);
    let mut trainer = Box::new(GanTrainer::<_, _, Adam, B>::ZEROED);
    trainer
        .reset(&g, &d, ADAM, ADAM, GanConfig::default())
        .expect("the reference configuration is valid");
    let mut group = c.benchmark_group("gan_step");
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |bench| {
        // Real data: standard normal (the reference's ring costs about the same per sample).
        bench.iter(|| {
            trainer.step(&mut rng, |rng, batch| {
                for x in batch.iter_mut() {
                    fill_normal(rng, x);
                }
            })
        });
    });
    group.finish();
}

/// One sample at batch 1: noise, then the small generator.
fn sample_one(c: &mut Criterion) {
    let mut rng = NoiseRng::seed_from_u64(0);
    let g = generator::<8, 64>(&mut rng);
    let mut group = c.benchmark_group("sample");
    group.throughput(Throughput::Elements(1));
    group.bench_function("b1/small", |bench| {
        bench.iter(|| sample(black_box(&g), &mut rng));
    });
    let mut trace = Box::new(Generator::<8, 64>::new_trace::<64>());
    group.throughput(Throughput::Elements(64));
    group.bench_function("b64/small", |bench| {
        bench.iter(|| *sample_batch(black_box(&g), &mut rng, &mut trace));
    });
    group.finish();
}

/// The int8 64 × 64 ReLU layer: one sample a call, and four a call in pairs.
fn int8_layer(c: &mut Criterion) {
    use picogan::quant::{QDense, QuantParams};
    let mut rng = NoiseRng::seed_from_u64(0);
    let mut layer = Dense::<64, 64>::new(Activation::Relu);
    layer.init_params(&mut rng);
    let params = QuantParams::from_range(-4.0, 4.0);
    let q = QDense::from_dense(&layer, params, params).expect("scales in range");
    let x: [[i8; 64]; 4] =
        core::array::from_fn(|s| core::array::from_fn(|k| (s * 37 + k * 11) as i8));
    let mut group = c.benchmark_group("int8_dense");
    group.throughput(Throughput::Elements(64 * 64));
    group.bench_function("forward/64x64", |bench| {
        bench.iter(|| q.forward(black_box(&x[0])));
    });
    group.throughput(Throughput::Elements(4 * 64 * 64));
    group.bench_function("forward_batch4/64x64", |bench| {
        bench.iter(|| q.forward_batch(black_box(&x)));
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    // Every layer shape of the small and medium configurations.
    dense_layer::<8, 64, 64>(c, "small");
    dense_layer::<64, 64, 64>(c, "small");
    dense_layer::<64, 2, 64>(c, "small");
    dense_layer::<2, 64, 64>(c, "small");
    dense_layer::<64, 1, 64>(c, "small");
    dense_layer::<16, 128, 256>(c, "medium");
    dense_layer::<128, 128, 256>(c, "medium");
    dense_layer::<128, 2, 256>(c, "medium");
    dense_layer::<2, 128, 256>(c, "medium");
    dense_layer::<128, 1, 256>(c, "medium");
    adam_step(c);
    noise(c);
    sample_one(c);
    int8_layer(c);
    gan_step::<8, 64, 64>(c, "small");
    gan_step::<16, 128, 256>(c, "medium");
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
