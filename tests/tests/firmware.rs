//! The Cortex-M4F firmware under QEMU: its samples are bit-identical to the host's (through the
//! core and through `picogan sample`), a bad model file stops its build, a panic fails its run,
//! and it keeps within its flash and RAM budgets.
//!
//! Needs `qemu-system-arm`, the `thumbv7em-none-eabihf` target and `defmt-print`;
//! `scripts/test-all.sh` installs all three.

use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSection, ObjectSymbol};
use picogan::model::{self, Role};
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Activation, Dense, Layer, Mlp2, Mlp4, sample};
use picogan_tests::firmware::{self, Build, Report};

/// The shape of the default model, `firmware/models/ring8.pgan`.
type Generator = Mlp4<2, 64, 64, 64, 2>;

const SAMPLES: usize = 256;
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fn load_default_model() -> (Generator, u32) {
    let bytes = std::fs::read(firmware::default_model()).unwrap();
    let mut generator: Generator = (
        Dense::new(Activation::Relu),
        (
            Dense::new(Activation::Relu),
            (
                Dense::new(Activation::Relu),
                Dense::new(Activation::Identity),
            ),
        ),
    );
    let summary = model::read(&bytes, Role::Generator, &mut generator).unwrap();
    (generator, summary.checksum)
}

/// `n` samples drawn on the host by the core, as bit patterns.
fn core_samples(generator: &Generator, seed: u64, n: usize) -> Vec<Vec<u32>> {
    let mut rng = NoiseRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            sample(generator, &mut rng)
                .iter()
                .map(|v| v.to_bits())
                .collect()
        })
        .collect()
}

/// The trainer's binary, built beside this test by `cargo test --workspace`.
fn trainer_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let binary = exe.parent().and_then(Path::parent).unwrap().join("picogan");
    assert!(
        binary.exists(),
        "{} is missing: run the whole workspace's tests (cargo test --workspace) or cargo build -p picogan-trainer",
        binary.display()
    );
    binary
}

/// `n` samples printed by `picogan sample`, as bit patterns.
fn cli_samples(model: &Path, seed: u64, n: usize) -> Vec<Vec<u32>> {
    let output = Command::new(trainer_binary())
        .args([
            "sample",
            "--n",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
            "--model",
        ])
        .arg(model)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            line.split(',')
                .map(|v| v.parse::<f32>().unwrap().to_bits())
                .collect()
        })
        .collect()
}

/// Builds and runs `build`, then checks every printed bit against the host.
fn check_against_host(build: Build, seed: u64) {
    let _guard = firmware::lock();
    let run = firmware::run(&build.elf(), &std::env::temp_dir());
    assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);
    let report = Report::parse(&run.stdout).unwrap();

    let (generator, model_crc) = load_default_model();
    assert_eq!(
        report.model_crc, model_crc,
        "the firmware embeds another model"
    );
    assert_eq!(report.seed, seed);
    assert_eq!(report.samples.len(), SAMPLES);
    let expected = core_samples(&generator, seed, SAMPLES);
    for (index, (device, host)) in report.samples.iter().zip(&expected).enumerate() {
        assert_eq!(device, host, "sample {index} differs (device vs host bits)");
    }
    assert_eq!(
        cli_samples(&firmware::default_model(), seed, SAMPLES),
        expected
    );

    let mut digest = CRC32.digest();
    for value in expected.iter().flatten() {
        digest.update(&value.to_le_bytes());
    }
    assert_eq!(
        report.checksum,
        digest.finalize(),
        "the firmware's checksum"
    );
    let per_mac = report.instructions as f64 / (SAMPLES as f64 * report.macs as f64);
    assert!(
        per_mac > 1.0 && per_mac < 10.0,
        "{per_mac} instructions per multiply-accumulate"
    );
    assert_eq!(report.activation_bytes, 4 * (64 + 64 + 64 + 2));
}

#[test]
fn defmt_firmware_samples_match_the_host_bit_for_bit() {
    check_against_host(
        Build::sample().setting("PICOGAN_SEED", 20_261_125),
        20_261_125,
    );
}

#[test]
fn text_firmware_samples_match_the_host_bit_for_bit() {
    check_against_host(Build::sample().features("qemu"), 0);
}

/// The int8 model of `firmware/models` (made by `picogan export --dtype i8`), sampled with
/// integer-only noise on a Cortex-M4F and on a Cortex-M3 (no FPU): every output byte equals the
/// host's, computed through the core (`model::read_i8_dynamic`, `quant::normal_q16`) and, as
/// real numbers, through `picogan sample`.
#[test]
fn int8_firmware_matches_the_host_on_cortex_m4f_and_m3() {
    use picogan::quant::{noise_multiplier, normal_q16, quantize_q16};
    let model = firmware::root().join("firmware/models/ring8-i8.pgan");
    let bytes = std::fs::read(&model).unwrap();
    let summary = model::summarize(&bytes).unwrap();
    let network = model::read_i8_dynamic(&bytes, Role::Generator).unwrap();
    let (input, output) = (network.input(), network.output());
    let noise = noise_multiplier(input).unwrap();
    let mut rng = NoiseRng::seed_from_u64(0);
    let host: Vec<Vec<i8>> = (0..SAMPLES)
        .map(|_| {
            let x: Vec<i8> = (0..2)
                .map(|_| quantize_q16(normal_q16(&mut rng), noise, input.zero_point))
                .collect();
            let mut y = vec![0; network.outputs()];
            network.forward(&x, &mut y);
            y
        })
        .collect();
    let dequantized: Vec<Vec<u32>> = host
        .iter()
        .map(|s| s.iter().map(|&q| output.dequantize(q).to_bits()).collect())
        .collect();
    assert_eq!(cli_samples(&model, 0, SAMPLES), dequantized);

    let host_bits: Vec<Vec<u32>> = host
        .iter()
        .map(|s| s.iter().map(|&q| u32::from(q as u8)).collect())
        .collect();
    let mut digest = CRC32.digest();
    for &q in host.iter().flatten() {
        digest.update(&[q as u8]);
    }
    check_integer_firmware(&model, summary.checksum, &host_bits, digest.finalize());
}

/// The Q16.16 model of `firmware/models` (made by `picogan export --dtype q16`), sampled with
/// the same integer noise fed straight in as Q16 on a Cortex-M4F and a Cortex-M3: every
/// output's bits equal the host's, computed through the core (`model::read_q16_dynamic`) and, as
/// real numbers, through `picogan sample`.
#[test]
fn q16_firmware_matches_the_host_on_cortex_m4f_and_m3() {
    use picogan::quant::{Q16, normal_q16};
    let model = firmware::root().join("firmware/models/ring8-q16.pgan");
    let bytes = std::fs::read(&model).unwrap();
    let summary = model::summarize(&bytes).unwrap();
    let network = model::read_q16_dynamic(&bytes, Role::Generator).unwrap();
    let mut rng = NoiseRng::seed_from_u64(0);
    let host: Vec<Vec<Q16>> = (0..SAMPLES)
        .map(|_| {
            let x: Vec<Q16> = (0..2)
                .map(|_| Q16::from_bits(normal_q16(&mut rng)))
                .collect();
            let mut y = vec![Q16::ZERO; network.outputs()];
            network.forward(&x, &mut y);
            y
        })
        .collect();
    let as_f32: Vec<Vec<u32>> = host
        .iter()
        .map(|s| s.iter().map(|q| q.to_num::<f32>().to_bits()).collect())
        .collect();
    assert_eq!(cli_samples(&model, 0, SAMPLES), as_f32);

    let host_bits: Vec<Vec<u32>> = host
        .iter()
        .map(|s| s.iter().map(|q| q.to_bits() as u32).collect())
        .collect();
    let mut digest = CRC32.digest();
    for q in host.iter().flatten() {
        digest.update(&q.to_le_bytes());
    }
    check_integer_firmware(&model, summary.checksum, &host_bits, digest.finalize());
}

/// Runs the sampler built with the integer `model` on the Cortex-M4F and the Cortex-M3, and
/// checks its model, every sample's bits and its checksum against the host's.
fn check_integer_firmware(model: &Path, model_crc: u32, host: &[Vec<u32>], checksum: u32) {
    let _guard = firmware::lock();
    for target in ["thumbv7em-none-eabihf", "thumbv7m-none-eabi"] {
        // Printed one forward pass a sample, then timed in batches: the firmware checks that
        // the two agree, and this test that the printed ones equal the host's.
        let elf = Build::sample()
            .target(target)
            .features("qemu,defmt,draw-singly")
            .setting("PICOGAN_MODEL", model.display())
            .elf();
        let run = firmware::run(&elf, &std::env::temp_dir());
        assert_eq!(
            run.status,
            Some(0),
            "{target}: {}\n{}",
            run.stdout,
            run.stderr
        );
        let report = Report::parse(&run.stdout).unwrap();
        assert_eq!(report.model_crc, model_crc, "{target}");
        assert_eq!(
            report.samples, host,
            "{target}: device and host samples differ"
        );
        assert_eq!(report.checksum, checksum, "{target}");
    }
}

/// A scratch file in the system's temporary folder, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("picogan-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_corrupted_or_mismatched_model_fails_the_build_with_a_clear_message() {
    let mut corrupted = std::fs::read(firmware::default_model()).unwrap();
    corrupted[100] ^= 0x40; // a weight bit: only the checksum can tell
    let corrupted = TempFile::new("corrupted.pgan", &corrupted);

    let mut discriminator: Mlp2<2, 8, 1> = (
        Dense::new(Activation::Relu),
        Dense::new(Activation::Identity),
    );
    discriminator.init_params(&mut NoiseRng::seed_from_u64(1));
    let mut bytes = vec![0; model::encoded_len::<Mlp2<2, 8, 1>>()];
    model::write(&discriminator, Role::Discriminator, &mut bytes).unwrap();
    let discriminator = TempFile::new("discriminator.pgan", &bytes);

    let missing = std::env::temp_dir().join("picogan-no-such-model.pgan");
    let cases = [
        (
            &corrupted.0,
            "is not a usable model file: model file is corrupted: checksum",
        ),
        (
            &discriminator.0,
            "holds a Discriminator; the firmware samples from a generator",
        ),
        (&missing, "cannot read the model file"),
    ];
    let _guard = firmware::lock();
    for (model, message) in cases {
        let output = Build::sample()
            .setting("PICOGAN_MODEL", model.display())
            .cargo();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{} built", model.display());
        assert!(
            stderr.contains(message),
            "expected {message:?} in:\n{stderr}"
        );
        assert!(
            stderr.contains(&model.display().to_string()),
            "the message names the file:\n{stderr}"
        );
    }
}

#[test]
fn a_panic_on_the_device_ends_the_run_with_a_failure_code() {
    let _guard = firmware::lock();
    for features in ["qemu,defmt,panic-on-purpose", "qemu,panic-on-purpose"] {
        let run = firmware::run(
            &Build::sample().features(features).elf(),
            &std::env::temp_dir(),
        );
        assert_eq!(
            run.status,
            Some(1),
            "{features}: {}\n{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stdout.contains("panicked") && run.stdout.contains("panicking on purpose"),
            "{}",
            run.stdout
        );
        // It got that far: the samples were printed first.
        assert!(run.stdout.contains("checksum "), "{}", run.stdout);
    }
}

/// Bytes of an ELF file by what they hold.
struct Sizes {
    /// Loaded into flash: vector table, code, read-only data, initial values of .data.
    flash: u64,
    /// Static RAM: .data, .bss and .uninit (the stack comes on top).
    ram: u64,
    /// The generated `NETWORK` static: the weights.
    weights: u64,
    /// libm functions kept as functions of their own (inlined ones count as caller code).
    libm: u64,
}

fn sizes(elf: &Path) -> Sizes {
    let data = std::fs::read(elf).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let section = |name: &str| file.section_by_name(name).map_or(0, |s| s.size());
    let symbol_bytes = |wanted: &dyn Fn(&str) -> bool| -> u64 {
        file.symbols()
            .filter_map(|s| {
                Some((
                    format!("{:#}", rustc_demangle::demangle(s.name().ok()?)),
                    s.size(),
                ))
            })
            .filter(|(name, _)| wanted(name))
            .map(|(_, size)| size)
            .sum()
    };
    Sizes {
        flash: section(".vector_table") + section(".text") + section(".rodata") + section(".data"),
        ram: section(".data") + section(".bss") + section(".uninit"),
        weights: symbol_bytes(&|name| name.ends_with("model::NETWORK")),
        libm: symbol_bytes(&|name| name.starts_with("libm::")),
    }
}

/// Flash for picogan's code is the size difference between the firmware and the same firmware
/// built with `size-baseline` (no noise, no network), less the weights and the libm functions.
#[test]
fn flash_and_ram_stay_within_budget() {
    let _guard = firmware::lock();
    let full = sizes(&Build::sample().elf());
    let baseline = sizes(&Build::sample().features("qemu,defmt,size-baseline").elf());
    let picogan = full.flash - baseline.flash - full.weights - (full.libm - baseline.libm);
    let libm = full.libm - baseline.libm;
    println!(
        "flash {} bytes: picogan code {picogan}, libm {libm}, weights {}, the rest {}; static RAM {} bytes",
        full.flash, full.weights, baseline.flash, full.ram
    );
    assert_eq!(
        full.weights,
        (4 * Generator::PARAMS + 4 * 8) as u64,
        "weights and 4 activations"
    );
    assert!(
        picogan <= 4096,
        "picogan code takes {picogan} bytes of flash"
    );
    assert!(full.ram <= 1024, "static RAM is {} bytes", full.ram);
}

/// A conditional generator of a non-default architecture, trained from a labelled CSV with
/// normalized columns: the firmware's samples (labels in turn, or the one `PICOGAN_LABEL` sets)
/// are bit for bit those of `picogan sample`, in the data's units; a label the model does not
/// have stops the build.
#[test]
fn a_conditional_model_of_any_shape_samples_like_the_host() {
    let folder = std::env::temp_dir().join(format!("picogan-conditional-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let mut csv = String::from("a,b,c,label\n");
    for r in 0..240 {
        let class = r % 3;
        let wobble = ((r * 29) % 13) as f32 * 0.05;
        let centre = [100.0 + 5.0 * class as f32, -2.0 * class as f32, 0.5];
        csv.push_str(&format!(
            "{},{},{},{class}\n",
            centre[0] + wobble,
            centre[1] - wobble,
            centre[2] + wobble
        ));
    }
    let data = folder.join("labelled.csv");
    std::fs::write(&data, csv).unwrap();
    let out = folder.join("run");
    let output = Command::new(trainer_binary())
        .args(["train", "--labels", "last", "--noise-dim", "3"])
        .args([
            "--generator",
            "12,10",
            "--discriminator",
            "8",
            "--batch",
            "16",
        ])
        .args(["--steps", "40", "-n", "60", "--quiet", "--dataset"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let model = out.join("model.pgan");
    let summary = model::summarize(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!((summary.classes, summary.normalized_columns), (3, 3));

    let _guard = firmware::lock();
    for label in [None, Some(1)] {
        let mut build = Build::sample().setting("PICOGAN_MODEL", model.display());
        if let Some(label) = label {
            build = build.setting("PICOGAN_LABEL", label);
        }
        let run = firmware::run(&build.elf(), &std::env::temp_dir());
        assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);
        let report = Report::parse(&run.stdout).unwrap();
        assert_eq!(report.model_crc, summary.checksum);
        let rows = cli_samples_with_labels(&model, SAMPLES, label);
        assert_eq!(rows.len(), SAMPLES);
        for (index, (_, printed_label)) in rows.iter().enumerate() {
            assert_eq!(*printed_label, label.unwrap_or(index % 3));
        }
        let rows: Vec<Vec<u32>> = rows.into_iter().map(|(values, _)| values).collect();
        // In the data's units: the first column lies near 100, not near the network's 0.
        assert!(
            rows.iter().all(|r| f32::from_bits(r[0]) > 50.0),
            "{label:?}"
        );
        assert_eq!(
            report.samples, rows,
            "PICOGAN_LABEL {label:?}: device and host differ"
        );
    }
    let output = Build::sample()
        .setting("PICOGAN_MODEL", model.display())
        .setting("PICOGAN_LABEL", 3)
        .cargo();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("PICOGAN_LABEL is 3 but"), "{stderr}");
    assert!(stderr.contains("has classes 0 to 2"), "{stderr}");

    for dtype in ["i8", "q16"] {
        let quantized = folder.join(format!("model-{dtype}.pgan"));
        let export = Command::new(trainer_binary())
            .args([
                "export",
                "--dtype",
                dtype,
                "--distill-steps",
                "20",
                "--model",
            ])
            .arg(&model)
            .arg("--out")
            .arg(&quantized)
            .output()
            .unwrap();
        assert!(
            export.status.success(),
            "{}",
            String::from_utf8_lossy(&export.stderr)
        );
        check_conditional_integer_model(&quantized);
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// The sampler built with the conditional int8 or Q16 model file `model` (labels in turn)
/// prints, bit for bit, the integer outputs the core's run-time network computes from the same
/// noise and one-hots; `picogan sample` prints those outputs in the data's units. Returns the
/// device's report.
fn check_conditional_integer_model(model: &Path) -> Report {
    use picogan::quant::{Q16, noise_multiplier, normal_q16, quantize_q16};
    let bytes = std::fs::read(model).unwrap();
    let summary = model::summarize(&bytes).unwrap();
    let normalization: Vec<model::Normalization> = summary.normalization(&bytes).collect();
    let (noise_dim, classes) = (summary.noise_dim, summary.classes);
    let mut rng = NoiseRng::seed_from_u64(0);
    let inputs: Vec<Vec<i32>> = (0..SAMPLES)
        .map(|index| {
            let mut z = vec![0; noise_dim + classes];
            let (noise, code) = z.split_at_mut(noise_dim);
            noise.iter_mut().for_each(|v| *v = normal_q16(&mut rng));
            picogan::label::one_hot_q16(index % classes, code);
            z
        })
        .collect();
    // The device's integer outputs, and the same values in the data's units.
    let (device_bits, data): (Vec<Vec<u32>>, Vec<Vec<f32>>) = if summary.dtype == model::Dtype::I8 {
        let network = model::read_i8_dynamic(&bytes, Role::Generator).unwrap();
        let (input, output) = (network.input(), network.output());
        let m = noise_multiplier(input).unwrap();
        inputs
            .iter()
            .map(|z| {
                let x: Vec<i8> = z
                    .iter()
                    .map(|&v| quantize_q16(v, m, input.zero_point))
                    .collect();
                let mut y = vec![0; network.outputs()];
                network.forward(&x, &mut y);
                let bits = y.iter().map(|&q| u32::from(q as u8)).collect();
                (bits, y.iter().map(|&q| output.dequantize(q)).collect())
            })
            .unzip()
    } else {
        let network = model::read_q16_dynamic(&bytes, Role::Generator).unwrap();
        inputs
            .iter()
            .map(|z| {
                let x: Vec<Q16> = z.iter().map(|&v| Q16::from_bits(v)).collect();
                let mut y = vec![Q16::ZERO; network.outputs()];
                network.forward(&x, &mut y);
                let bits = y.iter().map(|q| q.to_bits() as u32).collect();
                (bits, y.iter().map(|q| q.to_num::<f32>()).collect())
            })
            .unzip()
    };

    let run = firmware::run(
        &Build::sample()
            .setting("PICOGAN_MODEL", model.display())
            .elf(),
        &std::env::temp_dir(),
    );
    assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);
    let report = Report::parse(&run.stdout).unwrap();
    assert_eq!(report.model_crc, summary.checksum);
    assert_eq!(
        report.samples,
        device_bits,
        "{}: device and host differ",
        model.display()
    );

    let in_data_units: Vec<Vec<u32>> = data
        .iter()
        .map(|row| {
            row.iter()
                .zip(&normalization)
                .map(|(&v, column)| column.to_data(v).to_bits())
                .collect()
        })
        .collect();
    let printed: Vec<Vec<u32>> = cli_samples_with_labels(model, SAMPLES, None)
        .into_iter()
        .map(|(values, _)| values)
        .collect();
    assert_eq!(
        printed,
        in_data_units,
        "{}: picogan sample",
        model.display()
    );
    report
}

/// The committed digits generators (f32 and int8, `picogan train --dataset digits` then
/// `picogan export --dtype i8`) sample on the chip bit for bit as on the host, labels in turn,
/// and draw their first samples as text: each pixel's character is the one its printed value
/// reaches on the printed ink scale.
#[test]
fn digits_sample_on_the_chip_as_on_the_host_and_are_drawn_as_text() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware/models");
    let f32_model = models.join("digits.pgan");
    let summary = model::summarize(&std::fs::read(&f32_model).unwrap()).unwrap();
    assert_eq!((summary.classes, summary.sample_dim()), (10, 64));
    let _guard = firmware::lock();
    let run = firmware::run(
        &Build::sample()
            .setting("PICOGAN_MODEL", f32_model.display())
            .elf(),
        &std::env::temp_dir(),
    );
    assert_eq!(
        run.status,
        Some(0),
        "{}
{}",
        run.stdout,
        run.stderr
    );
    let report = Report::parse(&run.stdout).unwrap();
    assert_eq!(report.model_crc, summary.checksum);
    let host: Vec<Vec<u32>> = cli_samples_with_labels(&f32_model, SAMPLES, None)
        .into_iter()
        .map(|(values, _)| values)
        .collect();
    assert_eq!(report.samples, host, "digits.pgan: device and host differ");
    check_images(&report, |bits| f64::from(f32::from_bits(bits)));

    let report = check_conditional_integer_model(&models.join("digits-i8.pgan"));
    check_images(&report, |bits| f64::from(bits as u8 as i8));
}

/// The report's text images are its first samples, labels in turn, each pixel drawn with the
/// character whose ink threshold its value (`value` of its bits) reaches; and they have ink.
fn check_images(report: &Report, value: impl Fn(u32) -> f64) {
    const RAMP: &[u8] = b" .:-=+*#%@";
    let ink: Vec<f64> = report.ink.iter().map(|&bits| value(bits)).collect();
    assert_eq!(ink.len(), RAMP.len() - 1);
    assert!(ink.windows(2).all(|w| w[0] <= w[1]), "{ink:?}");
    assert_eq!(report.images.len(), 10);
    for (index, label, rows) in &report.images {
        assert_eq!(*label, index % 10);
        let sample = &report.samples[*index];
        let expected: Vec<String> = sample
            .chunks(8)
            .map(|row| {
                let characters: String = row
                    .iter()
                    .map(|&bits| {
                        let level = ink.iter().filter(|&&t| value(bits) >= t).count();
                        char::from(RAMP[level])
                    })
                    .collect();
                format!("|{characters}|")
            })
            .collect();
        assert_eq!(rows, &expected, "image {index}");
        let dark = rows
            .iter()
            .flat_map(|r| r.chars())
            .filter(|c| "*#%@".contains(*c));
        assert!(
            dark.count() >= 8,
            "image {index} has almost no ink: {rows:?}"
        );
    }
}

/// `n` rows of `picogan sample` (seed 0) for a conditional model, with `--label` when given, as
/// bit patterns and labels.
fn cli_samples_with_labels(model: &Path, n: usize, label: Option<usize>) -> Vec<(Vec<u32>, usize)> {
    let mut command = Command::new(trainer_binary());
    command
        .args(["sample", "-n", &n.to_string(), "--model"])
        .arg(model);
    if let Some(label) = label {
        command.args(["--label", &label.to_string()]);
    }
    let output = command.output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (values, label) = line.rsplit_once(',').unwrap();
            let bits = values
                .split(',')
                .map(|v| v.parse::<f32>().unwrap().to_bits())
                .collect();
            (bits, label.parse().unwrap())
        })
        .collect()
}
