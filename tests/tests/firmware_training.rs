//! Training on the Cortex-M4F under QEMU: the generator the device trains is byte for byte the
//! one the host trains with the same seed, it has learned both modes, and a training state over
//! the RAM budget stops the build.
//!
//! Needs what `tests/tests/firmware.rs` needs; `scripts/test-all.sh` installs it.

use std::path::PathBuf;

use picogan::bimodal::{self, Generator, Trainer};
use picogan::model::{self, Role};
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Activation, Dense};
use picogan_tests::firmware::{self, Build};

/// The same training on the host, through the core: the generator's model file.
fn host_trained(seed: u64, steps: u32) -> Vec<u8> {
    let mut rng = NoiseRng::seed_from_u64(seed);
    let mut trainer = Box::new(Trainer::ZEROED);
    bimodal::start(&mut trainer, &mut rng);
    for _ in 0..steps {
        bimodal::step(&mut trainer, &mut rng);
    }
    let mut bytes = vec![0; model::encoded_len::<Generator>()];
    model::write(&trainer.generator, Role::Generator, &mut bytes).unwrap();
    bytes
}

/// A folder of its own for one QEMU run, removed on drop.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let path = std::env::temp_dir().join(format!("picogan-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The number after `label` in `text`, e.g. `number(log, "trainer ")`.
fn number(text: &str, label: &str) -> u64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"))
        + label.len();
    text[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_device_trains_the_same_generator_as_the_host_and_it_learns() {
    const SEED: u64 = 3;
    const STEPS: u32 = 2000;
    let _guard = firmware::lock();
    let elf = Build::train()
        .setting("PICOGAN_SEED", SEED)
        .setting("PICOGAN_TRAIN_STEPS", STEPS)
        .setting("PICOGAN_EXPORT", "device.pgan")
        .elf();
    let folder = Folder::new("training");
    let run = firmware::run(&elf, &folder.0);
    assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);

    let device = std::fs::read(folder.0.join("device.pgan")).unwrap();
    assert_eq!(
        device,
        host_trained(SEED, STEPS),
        "device and host generators differ"
    );

    // It learned: ≥ 35% of samples within 3σ of each mode, ≥ 90% within 3σ of one.
    let mut generator: Generator = (
        Dense::new(Activation::Identity),
        (
            Dense::new(Activation::Identity),
            Dense::new(Activation::Identity),
        ),
    );
    model::read(&device, Role::Generator, &mut generator).unwrap();
    let [left, right] = bimodal::mode_shares(&generator, &mut NoiseRng::seed_from_u64(99), 10_000);
    assert!(
        left >= 0.35 && right >= 0.35 && left + right >= 0.9,
        "shares {left} {right}"
    );

    // The state fits the bimodal goal of 16 KiB; the log reports it and the cost of a step.
    let log = &run.stdout;
    assert_eq!(number(log, "trainer "), size_of::<Trainer>() as u64);
    assert!(
        size_of::<Trainer>() <= 16 * 1024,
        "{} bytes",
        size_of::<Trainer>()
    );
    assert!(number(log, "for 2000 steps: ") > 10_000, "{log}");
    assert!(log.contains(&format!("step {STEPS}: D loss")), "{log}");
}

#[test]
fn a_training_state_over_the_ram_budget_fails_the_build() {
    let _guard = firmware::lock();
    let output = Build::train().setting("PICOGAN_RAM_BUDGET", 8192).cargo();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "built with a RAM budget of 8 KiB");
    assert!(
        stderr.contains("the training state does not fit in RAM_BUDGET"),
        "{stderr}"
    );
}
