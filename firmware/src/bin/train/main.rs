//! picogan trains a GAN on a Cortex-M4F: the 398-parameter `picogan::bimodal` GAN on
//! ½N(−2, 0.5²) + ½N(2, 0.5²), data generated on the device, alternating one discriminator and
//! one generator Adam update per step with the core's own training step.
//!
//! The whole training state is one static `bimodal::Trainer` in `.bss`, started in place from
//! `GanTrainer::ZEROED`; the build fails if it and the export buffer exceed `RAM_BUDGET`. The
//! program logs the losses and the share of 256 fresh samples near each mode every
//! `LOG_EVERY` steps, counts instructions per step, and at the end writes the trained generator
//! as a model file on the host (semihosting), which `picogan info` and `picogan eval` read. The
//! host test `tests/tests/firmware_training.rs` repeats the same training on the host and
//! compares the files byte for byte.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::mem::size_of;

use cortex_m_rt::entry;
use heapless::Vec;
use picogan::bimodal::{self, BATCH, Discriminator, Generator, Trainer};
use picogan::model::{self, Role};
use picogan::optim::AdamState;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Layer, sample};
use picogan_firmware::{board, say};
use static_cell::ConstStaticCell;

/// `SEED`, `TRAIN_STEPS`, `EXPORT_FILE` and `RAM_BUDGET` (the most RAM the static training
/// state may take), set at build time (see `build.rs`); `LABEL` is the sampler's.
#[allow(dead_code)]
mod settings {
    include!(concat!(env!("OUT_DIR"), "/settings.rs"));
}
use settings::{EXPORT_FILE, RAM_BUDGET, SEED, TRAIN_STEPS as STEPS};

/// Steps between two log lines.
const LOG_EVERY: u32 = 250;
/// Samples behind each log line's mode shares.
const SUMMARY_SAMPLES: usize = 256;
const EXPORT_LEN: usize = model::encoded_len::<Generator>();

static TRAINER: ConstStaticCell<Trainer> = ConstStaticCell::new(Trainer::ZEROED);
static EXPORT: ConstStaticCell<[u8; EXPORT_LEN]> = ConstStaticCell::new([0; EXPORT_LEN]);

const _: () = assert!(
    size_of::<Trainer>() + EXPORT_LEN <= RAM_BUDGET,
    "the training state does not fit in RAM_BUDGET"
);

#[entry]
fn main() -> ! {
    let trainer = TRAINER.take();
    report_memory();

    let mut rng = NoiseRng::seed_from_u64(SEED);
    bimodal::start(trainer, &mut rng);
    let mut instructions: u64 = 0;
    for step in 1..=STEPS {
        let counter = board::Counter::start();
        let stats = bimodal::step(trainer, &mut rng);
        instructions += u64::from(counter.elapsed());
        if !stats.is_finite() {
            board::fail("training diverged: a loss is not finite");
        }
        if step % LOG_EVERY == 0 || step == STEPS {
            let [left, right] = summarize(&trainer.generator, step);
            say!(
                "step {}: D loss {}, G loss {}, near -2 {} per mille, near +2 {} per mille",
                step,
                stats.discriminator_loss,
                stats.generator_loss,
                left,
                right
            );
        }
    }
    say!(
        "{} {} for {} steps: {} per step",
        board::Counter::UNIT,
        instructions,
        STEPS,
        instructions / u64::from(STEPS.max(1))
    );

    let export = EXPORT.take();
    let written = match model::write(&trainer.generator, Role::Generator, export) {
        Ok(written) => written,
        Err(_) => board::fail("the generator does not fit its model file"),
    };
    if let Err(reason) = board::write_host_file(EXPORT_FILE, &export[..written]) {
        board::fail(reason);
    }
    say!("wrote {} ({} bytes)", EXPORT_FILE, written);
    board::exit_success()
}

/// Per-mille shares near −2 and +2 of `SUMMARY_SAMPLES` samples of `generator`, drawn from a
/// noise stream of their own (seeded by the step) so the training stream is not disturbed.
fn summarize(generator: &Generator, step: u32) -> [u32; 2] {
    let mut rng = NoiseRng::seed_from_u64(u64::from(step));
    let mut samples: Vec<[f32; 1], SUMMARY_SAMPLES> = Vec::new();
    while !samples.is_full() {
        // Cannot fail: the loop stops when the buffer is full.
        let _ = samples.push(sample(generator, &mut rng));
    }
    bimodal::DATA
        .shares_near_modes(samples.iter().copied(), 3.0)
        .map(|share| (share * 1000.0) as u32)
}

/// Each part of the training state in bytes, and the total against the budget.
fn report_memory() {
    const F32: usize = size_of::<f32>();
    let parameters = size_of::<Generator>() + size_of::<Discriminator>();
    let moments = size_of::<AdamState<Generator>>() + size_of::<AdamState<Discriminator>>();
    let traces = size_of::<<Generator as Layer>::Trace<BATCH>>()
        + size_of::<<Discriminator as Layer>::Trace<BATCH>>();
    let batches = BATCH * F32 * (2 + 1 + 1);
    say!(
        "picogan on-device training: bimodal GAN, {} parameters, batch {}, seed {}, {} steps",
        Generator::PARAMS + Discriminator::PARAMS,
        BATCH,
        SEED,
        STEPS
    );
    say!(
        "ram: parameters {}, gradients {}, Adam moments {}, activation traces {}, batches {}; trainer {} bytes in all, export buffer {}, budget {}",
        parameters,
        parameters,
        moments,
        traces,
        batches,
        size_of::<Trainer>(),
        EXPORT_LEN,
        RAM_BUDGET
    );
}
