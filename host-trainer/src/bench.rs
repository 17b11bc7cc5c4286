//! `picogan bench`: the reference benchmark's exact work (`bench/reference/gan_common.py`), timed
//! the same way and printed in the same JSON-line format, so the two can be put side by side.
//!
//! Configurations: `small` (G: 8 → 64 → 64 → 2 ReLU, D: 2 → 64 → 64 → 1 LeakyReLU 0.2,
//! batch 64) and `medium` (z 16, width 128, batch 256). Non-saturating loss, Adam (lr 1e-3,
//! β = (0.5, 0.999)), one D and one G update a step, a fresh batch of the radius-2 ring (σ 0.02)
//! every step, sampling inside the timed step. Timing: warm up ≥ 0.5 s, choose an iteration
//! count for about 1 s, time 5 repetitions, report the median rate. The `dynamic_` figures time
//! the same work with the networks built at run time, as `picogan train` builds them.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use picogan::mixture::GaussianMixture;
use picogan::optim::Adam;
use picogan::rng::{NoiseRng, SeedableRng, fill_normal};
use picogan::{
    Activation, Dense, DynGanTrainer, GanConfig, GanTrainer, Layer, Mlp3, math, sample,
    sample_batch,
};
use serde::Serialize;

/// One JSON line.
#[derive(Serialize)]
struct Line<'a> {
    config: &'a str,
    framework: &'a str,
    metric: &'a str,
    value: f64,
    reps: Vec<f64>,
}

const FRAMEWORK: &str = "picogan";
const REPETITIONS: usize = 5;

/// The reference's ring: 8 Gaussians at radius 2, σ = 0.02.
fn ring() -> GaussianMixture<8, 2> {
    let means = core::array::from_fn(|k| {
        let (sin, cos) = math::sin_cos(core::f32::consts::TAU * k as f32 / 8.0);
        [2.0 * cos, 2.0 * sin]
    });
    GaussianMixture::new(means, 0.02)
}

/// Median rate (units per second) over 5 repetitions of about `target` each, after a warm-up.
fn measure(quick: bool, units_per_call: f64, mut call: impl FnMut()) -> (f64, Vec<f64>) {
    let (warm_up, target) = if quick {
        (Duration::from_millis(50), Duration::from_millis(100))
    } else {
        (Duration::from_millis(500), Duration::from_secs(1))
    };
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < warm_up {
        call();
        calls += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / calls.max(1) as f64;
    let iterations = ((target.as_secs_f64() / per_call.max(1e-9)) as u64).max(1);
    let mut reps: Vec<f64> = (0..REPETITIONS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                call();
            }
            iterations as f64 * units_per_call / start.elapsed().as_secs_f64()
        })
        .collect();
    let reported = reps.clone();
    reps.sort_by(f64::total_cmp);
    (reps[REPETITIONS / 2], reported)
}

fn emit(config: &str, metric: &str, (value, reps): (f64, Vec<f64>)) -> Result<()> {
    say!(
        "{}",
        serde_json::to_string(&Line {
            config,
            framework: FRAMEWORK,
            metric,
            value,
            reps,
        })?
    )?;
    Ok(())
}

/// Times training and sampling of one configuration: noise `Z`, width `H`, batch `B`.
fn run_config<const Z: usize, const H: usize, const B: usize>(
    name: &str,
    quick: bool,
) -> Result<()> {
    use Activation::{Identity, LeakyRelu, Relu};
    let mut rng = NoiseRng::seed_from_u64(0);
    let mut generator: Mlp3<Z, H, H, 2> =
        (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity)));
    let mut discriminator: Mlp3<2, H, H, 1> = (
        Dense::new(LeakyRelu(0.2)),
        (Dense::new(LeakyRelu(0.2)), Dense::new(Identity)),
    );
    generator.init_params(&mut rng);
    discriminator.init_params(&mut rng);
    let adam = Adam {
        lr: 1e-3,
        beta1: 0.5,
        beta2: 0.999,
        eps: 1e-8,
    };
    let mut trainer = Box::new(GanTrainer::<_, _, Adam, B>::new(
        generator.clone(),
        discriminator,
        adam,
        adam,
        GanConfig::default(),
    )?);
    let data = ring();
    emit(
        name,
        "train_steps_per_s",
        measure(quick, 1.0, || {
            trainer.step(&mut rng, |rng, batch| data.fill(rng, batch));
        }),
    )?;

    // The process's peak resident memory so far: start-up plus this training run (Linux only).
    if let Some(megabytes) = peak_resident_megabytes() {
        emit(name, "train_peak_rss_mb", (megabytes, vec![megabytes]))?;
    }

    // Sampling: noise + G forward ("sample_"), or G forward on noise drawn beforehand ("gen_fwd_").
    emit(
        name,
        "sample_b1_samples_per_s",
        measure(quick, 1.0, || {
            std::hint::black_box(sample(&generator, &mut rng));
        }),
    )?;
    let z = {
        let mut z = [0.0; Z];
        fill_normal(&mut rng, &mut z);
        z
    };
    emit(
        name,
        "gen_fwd_b1_samples_per_s",
        measure(quick, 1.0, || {
            std::hint::black_box(generator.forward(std::hint::black_box(&z)));
        }),
    )?;
    const BULK: usize = 4096;
    const CHUNK: usize = 64;
    // 4,096 samples, noise and G, in batches of 64 that stay in the caches: the same values, bit
    // for bit, as one batch of 4,096 (tests/tests/determinism.rs), whose hidden layers (1 MB
    // each for `small`) would go out to L3 and back.
    let mut chunk_trace = Box::new(<Mlp3<Z, H, H, 2>>::new_trace::<CHUNK>());
    let mut samples = vec![[0.0f32; 2]; BULK];
    emit(
        name,
        "sample_b4096_samples_per_s",
        measure(quick, BULK as f64, || {
            for out in samples.chunks_exact_mut(CHUNK) {
                out.copy_from_slice(sample_batch(&generator, &mut rng, &mut chunk_trace));
            }
            std::hint::black_box(&samples);
        }),
    )?;
    // G alone, on noise drawn beforehand, as one batch of 4,096.
    let mut noise = vec![[0.0f32; Z]; BULK];
    fill_normal(&mut rng, noise.as_flattened_mut());
    let mut trace = Box::new(<Mlp3<Z, H, H, 2>>::new_trace::<BULK>());
    let noise_batch: &[[f32; Z]; BULK] = noise.as_slice().try_into()?;
    emit(
        name,
        "gen_fwd_b4096_samples_per_s",
        measure(quick, BULK as f64, || {
            generator.forward_batch(std::hint::black_box(noise_batch), &mut trace);
            std::hint::black_box(<Mlp3<Z, H, H, 2>>::output(&trace));
        }),
    )?;

    // The same shapes built at run time (`picogan::dynamic`), the networks `picogan train` uses:
    // the same kernels, the same bits.
    let dyn_generator = picogan::dynamic::from_layer(&generator)?;
    let mut dyn_trainer = DynGanTrainer::new(
        dyn_generator.clone(),
        picogan::dynamic::from_layer(&trainer.discriminator)?,
        adam,
        adam,
        GanConfig::default(),
        B,
    )?;
    emit(
        name,
        "dynamic_train_steps_per_s",
        measure(quick, 1.0, || {
            dyn_trainer.step(&mut rng, |rng, batch| {
                data.fill(rng, batch.as_chunks_mut::<2>().0)
            });
        }),
    )?;
    let mut point = [0.0f32; 2];
    emit(
        name,
        "dynamic_sample_b1_samples_per_s",
        measure(quick, 1.0, || {
            dyn_generator.sample_into(&mut rng, &mut point);
            std::hint::black_box(&point);
        }),
    )?;
    let mut dyn_trace = dyn_generator.new_trace(BULK)?;
    emit(
        name,
        "dynamic_gen_fwd_b4096_samples_per_s",
        measure(quick, BULK as f64, || {
            dyn_generator.forward_batch(std::hint::black_box(noise.as_flattened()), &mut dyn_trace);
            std::hint::black_box(picogan::dynamic::DynMlp::output(&dyn_trace));
        }),
    )?;
    Ok(())
}

/// The peak resident set size of this process in MB (10⁶ bytes), from `VmHWM` in
/// `/proc/self/status`; `None` where that file does not exist.
fn peak_resident_megabytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024.0 / 1e6)
}

/// The first line: the machine and the kernels' instruction set.
#[derive(Serialize)]
struct Environment {
    config: &'static str,
    framework: &'static str,
    metric: &'static str,
    cpu: String,
    vector_extensions: String,
    isa: &'static str,
    best_isa: &'static str,
}

/// Runs the `small` and/or `medium` configurations, after a line naming the CPU and the
/// instruction set the kernels run with.
pub fn run(configs: &[String], quick: bool) -> Result<()> {
    let environment = Environment {
        config: "env",
        framework: FRAMEWORK,
        metric: "env",
        cpu: crate::system::cpu_model(),
        vector_extensions: crate::system::vector_extensions(),
        isa: picogan::isa::selected().name(),
        best_isa: picogan::isa::Isa::best().name(),
    };
    say!("{}", serde_json::to_string(&environment)?)?;
    for config in configs {
        let run = match config.as_str() {
            "small" => run_config::<8, 64, 64>,
            "medium" => run_config::<16, 128, 256>,
            other => {
                anyhow::bail!("unknown benchmark configuration '{other}': use small or medium")
            }
        };
        let name = config.clone();
        // The const-generic trainer is built by value before it is boxed: without
        // optimizations its temporaries outgrow a default stack.
        std::thread::Builder::new()
            .stack_size(CONST_TRAINER_STACK)
            .spawn(move || run(&name, quick))
            .context("cannot start the benchmark thread")?
            .join()
            .map_err(|_| anyhow::anyhow!("internal error: the benchmark thread panicked"))??;
    }
    Ok(())
}

/// The stack of the thread that builds the const-generic trainers.
const CONST_TRAINER_STACK: usize = 256 << 20;
