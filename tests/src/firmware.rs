//! Building the Cortex-M4F firmware, running it under QEMU and reading what it prints.
//!
//! Every build goes to one target folder, `firmware/target/tests`, so the dependencies compile
//! once; callers hold [`lock`] because builds of different configurations in that folder would
//! rebuild each other's outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// The firmware's default target (Cortex-M4F).
pub const TARGET: &str = "thumbv7em-none-eabihf";

static BUILDS: Mutex<()> = Mutex::new(());

/// Serialises firmware builds and runs within one test binary.
pub fn lock() -> MutexGuard<'static, ()> {
    BUILDS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The default model the firmware embeds.
pub fn default_model() -> PathBuf {
    root().join("firmware/models/ring8.pgan")
}

/// The build settings `firmware/build.rs` reads; each build sets only its own.
const SETTINGS: [&str; 6] = [
    "PICOGAN_MODEL",
    "PICOGAN_SEED",
    "PICOGAN_TRAIN_STEPS",
    "PICOGAN_EXPORT",
    "PICOGAN_RAM_BUDGET",
    "PICOGAN_LABEL",
];

/// One firmware program in one configuration.
#[derive(Clone, Debug)]
pub struct Build {
    bin: &'static str,
    target: &'static str,
    features: Option<&'static str>,
    settings: Vec<(&'static str, String)>,
}

impl Build {
    /// The sampler with its default features (`qemu`, `defmt`) and settings.
    pub fn sample() -> Build {
        Build {
            bin: "sample",
            target: TARGET,
            features: None,
            settings: Vec::new(),
        }
    }

    /// The on-device trainer, with defmt.
    pub fn train() -> Build {
        Build {
            bin: "train",
            target: TARGET,
            features: Some("qemu,defmt,train"),
            settings: Vec::new(),
        }
    }

    /// Builds for `target` (such as `thumbv7m-none-eabi`, a Cortex-M3) instead of [`TARGET`].
    pub fn target(mut self, target: &'static str) -> Build {
        self.target = target;
        self
    }

    /// Replaces the default features by `features`.
    pub fn features(mut self, features: &'static str) -> Build {
        self.features = Some(features);
        self
    }

    /// Sets the build setting `name` (one of `firmware/build.rs`'s `PICOGAN_*` variables).
    pub fn setting(mut self, name: &'static str, value: impl ToString) -> Build {
        assert!(SETTINGS.contains(&name), "unknown build setting {name}");
        self.settings.push((name, value.to_string()));
        self
    }

    /// Runs `cargo build --release` for this configuration and returns cargo's output.
    pub fn cargo(&self) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(root())
            .args([
                "build",
                "--release",
                "--locked",
                "--target",
                self.target,
                "--bin",
                self.bin,
            ])
            .arg("--manifest-path")
            .arg(root().join("firmware/Cargo.toml"))
            .arg("--target-dir")
            .arg(root().join("firmware/target/tests"));
        for name in SETTINGS {
            command.env_remove(name);
        }
        if let Some(features) = self.features {
            command.args(["--no-default-features", "--features", features]);
        }
        command.envs(self.settings.iter().map(|(name, value)| (name, value)));
        command.output().expect("cannot start cargo")
    }

    /// Builds this configuration and returns the path of its ELF file; panics with cargo's
    /// messages (and the set-up hint) when the build fails.
    pub fn elf(&self) -> PathBuf {
        let output = self.cargo();
        assert!(
            output.status.success(),
            "the firmware did not build ({self:?}):\n{}\nIf the target is missing: rustup target add {}",
            String::from_utf8_lossy(&output.stderr),
            self.target
        );
        root().join(format!(
            "firmware/target/tests/{}/release/{}",
            self.target, self.bin
        ))
    }
}

/// What one QEMU run printed, and how it ended.
pub struct Run {
    /// Exit status of `qemu-run.sh` (the firmware's; 124 on a timeout).
    pub status: Option<i32>,
    /// Decoded standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `elf` under QEMU through `firmware/qemu-run.sh`, which also decodes defmt frames, with
/// `folder` as the working folder (where files written over semihosting land).
pub fn run(elf: &Path, folder: &Path) -> Run {
    let qemu = Command::new("qemu-system-arm").arg("--version").output();
    assert!(
        qemu.is_ok_and(|o| o.status.success()),
        "qemu-system-arm is missing: sudo apt-get install -y qemu-system-arm (scripts/test-all.sh installs it)"
    );
    let output = Command::new("bash")
        .arg(root().join("firmware/qemu-run.sh"))
        .arg(elf)
        .current_dir(folder)
        .env("PICOGAN_QEMU_TIMEOUT", "120")
        .output()
        .expect("cannot start bash");
    Run {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The facts a successful run reports.
#[derive(Debug)]
pub struct Report {
    /// CRC-32 of the embedded model file, from the first line.
    pub model_crc: u32,
    /// The noise seed.
    pub seed: u64,
    /// Multiply-accumulates of one sample.
    pub macs: u64,
    /// Every sample's values as bit patterns, in order.
    pub samples: Vec<Vec<u32>>,
    /// The CRC-32 the firmware computed over all samples.
    pub checksum: u32,
    /// Instructions (QEMU's count) for all samples.
    pub instructions: u64,
    /// Bytes of the static activation buffer.
    pub activation_bytes: usize,
    /// A model of images: the values (as bits, like the samples') from which a pixel takes each
    /// next character.
    pub ink: Vec<u32>,
    /// A model of images: the samples drawn as text, (index, label, rows between bars).
    pub images: Vec<(usize, usize, Vec<String>)>,
}

impl Report {
    /// Parses the lines described in `firmware/src/report.rs`.
    pub fn parse(stdout: &str) -> Result<Report, String> {
        let mut report = Report {
            model_crc: 0,
            seed: 0,
            macs: 0,
            samples: Vec::new(),
            checksum: 0,
            instructions: 0,
            activation_bytes: 0,
            ink: Vec::new(),
            images: Vec::new(),
        };
        let hex = |text: &str| u32::from_str_radix(text, 16).map_err(|e| format!("{text:?}: {e}"));
        let number = |text: &str| text.parse::<u64>().map_err(|e| format!("{text:?}: {e}"));
        let mut header = false;
        for line in stdout.lines().map(str::trim) {
            let words: Vec<&str> = line
                .split([' ', ',', ':'])
                .filter(|w| !w.is_empty())
                .collect();
            match words.as_slice() {
                [
                    "picogan",
                    "firmware",
                    "model",
                    "crc32",
                    crc,
                    _,
                    "parameters",
                    macs,
                    _,
                    _,
                    _,
                    "seed",
                    seed,
                    ..,
                ] => {
                    report.model_crc = hex(crc)?;
                    report.macs = number(macs)?;
                    report.seed = number(seed)?;
                    header = true;
                }
                ["sample", index, values @ ..] => {
                    if number(index)? != report.samples.len() as u64 {
                        return Err(format!("sample {index} out of order"));
                    }
                    report
                        .samples
                        .push(values.iter().map(|v| hex(v)).collect::<Result<_, _>>()?);
                }
                ["image", _shape, "ink", "from", thresholds @ ..] => {
                    report.ink = thresholds
                        .iter()
                        .map(|v| hex(v))
                        .collect::<Result<_, _>>()?;
                }
                ["image", index, "label", label] => {
                    let (index, label) = (number(index)? as usize, number(label)? as usize);
                    report.images.push((index, label, Vec::new()));
                }
                _ if line.starts_with('|') => match report.images.last_mut() {
                    Some((_, _, rows)) => rows.push(line.to_string()),
                    None => return Err(format!("an image row before any image: {line:?}")),
                },
                ["checksum", crc] => report.checksum = hex(crc)?,
                ["instructions", count, ..] => report.instructions = number(count)?,
                ["ram", "activations", bytes, ..] => {
                    report.activation_bytes = number(bytes)? as usize
                }
                _ => {}
            }
        }
        if !header || report.samples.is_empty() || report.instructions == 0 {
            return Err(format!("incomplete report:\n{stdout}"));
        }
        Ok(report)
    }
}
