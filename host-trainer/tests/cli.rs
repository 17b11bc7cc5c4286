//! The `picogan` command line end to end: train, resume, sample, eval, info, export, and every
//! kind of bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failed expectation in a test is a panic by design"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn picogan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_picogan"))
        .args(args)
        .output()
        .expect("the picogan binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs and asserts success, returning stdout.
fn ok(args: &[&str]) -> String {
    let output = picogan(args);
    assert!(
        output.status.success(),
        "picogan {args:?} failed:\n{}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// Runs and asserts failure with a one-line message containing `needle`.
fn fails(args: &[&str], needle: &str) {
    let output = picogan(args);
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "picogan {args:?} succeeded");
    assert!(
        stderr.contains(needle),
        "picogan {args:?}: {stderr:?} lacks {needle:?}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr:?}"
    );
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("picogan-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SHORT: [&str; 6] = ["--steps", "60", "--checkpoint-every", "20", "-n", "200"];

fn train(out: &Path, extra: &[&str]) -> String {
    let out = out.display().to_string();
    let mut args = vec!["train", "--out", &out];
    args.extend(SHORT);
    args.extend(extra);
    ok(&args)
}

#[test]
fn train_writes_every_output_and_is_reproducible() {
    let scratch = Scratch::new("train");
    let stdout = train(&scratch.path("a"), &["--save-discriminator"]);
    assert!(stdout.contains("modes captured"), "{stdout}");
    for file in [
        "model.pgan",
        "discriminator.pgan",
        "metrics.json",
        "config.json",
        "checkpoint.bin",
        "samples.png",
        "discriminator.png",
        "losses.png",
        "modes.png",
    ] {
        let path = scratch.path("a").join(file);
        assert!(
            std::fs::metadata(&path)
                .map(|m| m.len() > 0)
                .unwrap_or(false),
            "{} missing",
            path.display()
        );
        assert!(
            stdout.contains(file) || file == "checkpoint.bin",
            "{file} not reported"
        );
    }
    let metrics: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scratch.path("a/metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["metrics"]["generator"]["modes"]["modes_total"], 8);
    assert_eq!(metrics["training"]["generator_parameters"], 8642);
    assert_eq!(metrics["losses"].as_array().unwrap().len(), 2); // steps 50 and 60
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scratch.path("a/config.json")).unwrap()).unwrap();
    assert_eq!(
        (config["steps"].as_u64(), config["dataset"].as_str()),
        (Some(60), Some("ring8"))
    );

    train(&scratch.path("b"), &[]);
    let model_a = std::fs::read(scratch.path("a/model.pgan")).unwrap();
    assert_eq!(
        model_a,
        std::fs::read(scratch.path("b/model.pgan")).unwrap(),
        "same seed, different model"
    );
    train(&scratch.path("c"), &["--seed", "1"]);
    assert_ne!(
        model_a,
        std::fs::read(scratch.path("c/model.pgan")).unwrap(),
        "another seed, same model"
    );
}

#[test]
fn resume_ends_byte_identical_to_an_uninterrupted_run() {
    let scratch = Scratch::new("resume");
    train(&scratch.path("whole"), &[]);
    let stopped = train(&scratch.path("parts"), &["--stop-at", "30"]);
    assert!(stopped.contains("stopped after step 30"), "{stopped}");
    assert!(!scratch.path("parts/model.pgan").exists());
    ok(&["train", "--resume", &scratch.arg("parts"), "-n", "200"]);
    for file in ["model.pgan", "checkpoint.bin"] {
        assert_eq!(
            std::fs::read(scratch.path("whole").join(file)).unwrap(),
            std::fs::read(scratch.path("parts").join(file)).unwrap(),
            "{file} differs"
        );
    }
    fails(
        &["train", "--resume", &scratch.arg("nowhere")],
        "cannot read checkpoint",
    );
}

#[test]
fn sample_eval_info_and_export() {
    let scratch = Scratch::new("use");
    train(&scratch.path("run"), &["--dataset", "bimodal1d"]);
    let model = scratch.arg("run/model.pgan");

    let csv = ok(&["sample", "--model", &model, "-n", "7", "--seed", "3"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 7);
    for line in &lines {
        let value: f32 = line.parse().expect("one number per line for 1-D data");
        assert_eq!(value.to_string(), *line, "not the shortest round-trip form");
    }
    assert_eq!(
        csv,
        ok(&["sample", "--model", &model, "-n", "7", "--seed", "3"])
    );
    assert_ne!(
        csv,
        ok(&["sample", "--model", &model, "-n", "7", "--seed", "4"])
    );

    let report: serde_json::Value = serde_json::from_str(&ok(&[
        "eval",
        "--model",
        &model,
        "--dataset",
        "bimodal1d",
        "-n",
        "300",
        "--json",
    ]))
    .unwrap();
    assert_eq!(report["samples"], 300);
    assert_eq!(report["real_reference"]["modes"]["modes_captured"], 2);
    assert!(report["generator"]["precision"].as_f64().is_some());
    let human = ok(&[
        "eval",
        "--model",
        &model,
        "--dataset",
        "bimodal1d",
        "-n",
        "300",
    ]);
    assert!(
        human.contains("high quality") && human.contains("coverage"),
        "{human}"
    );

    let info = ok(&["info", &model]);
    assert!(
        info.contains("architecture  2 -> 64 (relu) -> 64 (relu) -> 64 (relu) -> 1 (identity)"),
        "{info}"
    );
    assert!(info.contains("parameters    8577"), "{info}");
    assert!(info.contains("crc32"), "{info}");

    let rust = scratch.path("model.rs");
    ok(&[
        "export",
        "--model",
        &model,
        "--format",
        "rust",
        "--out",
        &rust.display().to_string(),
    ]);
    let source = std::fs::read_to_string(&rust).unwrap();
    assert!(
        source.contains(
            "pub type Network = (Dense<2, 64>, (Dense<64, 64>, (Dense<64, 64>, Dense<64, 1>)));"
        ),
        "{source:.300}"
    );
    assert!(source.contains("pub static NETWORK: Network"));
}

/// The C header, compiled by the system C compiler, holds the exact bits of the model file.
#[test]
fn c_export_compiles_and_holds_the_exact_weights() {
    let scratch = Scratch::new("c");
    train(&scratch.path("run"), &[]);
    let header = scratch.path("model.h");
    ok(&[
        "export",
        "--model",
        &scratch.arg("run/model.pgan"),
        "--format",
        "c",
        "--out",
        &header.display().to_string(),
    ]);
    let program = scratch.path("dump.c");
    std::fs::write(
        &program,
        "#include <stdio.h>\n#include <string.h>\n#include \"model.h\"\n\
         static void dump(const float *v, int n) { for (int i = 0; i < n; i++) { unsigned u; memcpy(&u, &v[i], 4); printf(\"%08x\\n\", u); } }\n\
         int main(void) {\n\
           dump(&picogan_layer0_weight[0][0], 2 * 64); dump(picogan_layer0_bias, 64);\n\
           dump(&picogan_layer3_weight[0][0], 64 * 2); dump(picogan_layer3_bias, 2);\n\
           return PICOGAN_LAYERS == 4 ? 0 : 1; }\n",
    )
    .unwrap();
    let binary = scratch.path("dump");
    let compiled = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Werror", "-o"])
        .arg(&binary)
        .arg(&program)
        .output()
        .expect("a C compiler (cc) is needed for this test: apt-get install gcc");
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));
    let run = Command::new(&binary).output().unwrap();
    assert!(run.status.success());
    let got: Vec<String> = text(&run.stdout).lines().map(String::from).collect();

    let bytes = std::fs::read(scratch.path("run/model.pgan")).unwrap();
    let summary = picogan::model::summarize(&bytes).unwrap();
    let params: Vec<f32> = summary.parameters(&bytes).collect();
    let last_layer = params.len() - (64 * 2 + 2);
    let expected: Vec<String> = params[..2 * 64 + 64]
        .iter()
        .chain(&params[last_layer..])
        .map(|v| format!("{:08x}", v.to_bits()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn bad_input_fails_with_one_clear_line_and_writes_nothing() {
    let scratch = Scratch::new("bad");
    fails(
        &["train", "--dataset", "ring9", "--out", &scratch.arg("x")],
        "unknown data set 'ring9'",
    );
    assert!(
        !scratch.path("x").exists(),
        "an output folder was created for a bad run"
    );
    fails(
        &["train", "--lr=-1", "--out", &scratch.arg("x")],
        "generator learning rate must be a positive number",
    );
    fails(
        &["train", "--dataset", &scratch.arg("missing.csv")],
        "cannot read data file",
    );
    fails(
        &["train", "-n", "3", "--out", &scratch.arg("x")],
        "-n must be from 10 to 20000 samples (the metrics compare every pair of samples, so their time grows with n²), got 3",
    );

    for (name, content, message) in [
        (
            "bad.csv",
            "x,y\n1,2\n3,oops\n",
            "bad.csv:3: field 2 is not a number: 'oops'",
        ),
        ("ragged.csv", "1,2,3\n4,5\n", "ragged.csv:2"),
    ] {
        std::fs::write(scratch.path(name), content).unwrap();
        let out = scratch.arg(&format!("{name}-out"));
        fails(
            &["train", "--dataset", &scratch.arg(name), "--out", &out],
            message,
        );
        assert!(
            !Path::new(&out).exists(),
            "{name}: an output folder was created"
        );
    }

    // clap's own errors (several lines of usage) still exit non-zero.
    let output = picogan(&["train", "--steps", "many"]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("invalid value 'many'"));

    train(&scratch.path("run"), &[]);
    let model = std::fs::read(scratch.path("run/model.pgan")).unwrap();
    let truncated = scratch.path("truncated.pgan");
    std::fs::write(&truncated, &model[..model.len() - 3]).unwrap();
    fails(
        &["info", &truncated.display().to_string()],
        "bytes long, expected",
    );
    let mut flipped = model.clone();
    flipped[200] ^= 1;
    let corrupted = scratch.path("corrupted.pgan");
    std::fs::write(&corrupted, &flipped).unwrap();
    fails(
        &[
            "sample",
            "--model",
            &corrupted.display().to_string(),
            "-n",
            "1",
        ],
        "checksum",
    );
    let not_a_model = scratch.path("notes.txt");
    std::fs::write(&not_a_model, "hello, world").unwrap();
    fails(
        &[
            "eval",
            "--model",
            &not_a_model.display().to_string(),
            "--dataset",
            "ring8",
        ],
        "not a picogan model file",
    );
    fails(
        &[
            "eval",
            "--model",
            &scratch.arg("run/model.pgan"),
            "--dataset",
            "bimodal1d",
        ],
        "generates 2-dimensional samples",
    );
    fails(
        &[
            "export",
            "--model",
            &scratch.arg("nothing.pgan"),
            "--format",
            "c",
            "--out",
            &scratch.arg("o.h"),
        ],
        "cannot read",
    );
    assert!(!scratch.path("o.h").exists());
}

#[test]
fn divergence_stops_with_the_step_and_keeps_the_last_checkpoint() {
    let scratch = Scratch::new("diverge");
    let out = scratch.arg("run");
    // At a learning rate of 10⁴ both networks blow up within a few steps.
    let output = picogan(&[
        "train",
        "--out",
        &out,
        "--steps",
        "300",
        "--checkpoint-every",
        "1",
        "--lr",
        "1e4",
        "--d-lr",
        "1e4",
        "--r1-gamma",
        "0",
        "-q",
    ]);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success(),
        "a run at learning rate 1e4 did not diverge"
    );
    let (_, after) = stderr
        .split_once("training diverged at step ")
        .expect(&stderr);
    let step: u32 = after.split(':').next().unwrap().parse().unwrap();
    assert!(step > 1, "{stderr}");
    assert!(
        stderr.contains(&format!("the checkpoint of step {} is kept", step - 1)),
        "{stderr}"
    );
    assert!(!scratch.path("run/model.pgan").exists());
    // The kept checkpoint is a valid one: resuming from it runs into the same divergence.
    let resumed = picogan(&["train", "--resume", &out, "-q"]);
    assert!(text(&resumed.stderr).contains(&format!("training diverged at step {step}")));
}

#[test]
fn progress_is_plain_lines_when_not_on_a_terminal() {
    let scratch = Scratch::new("progress");
    let out = scratch.arg("run");
    let output = picogan(&["train", "--out", &out, "--steps", "40", "-n", "100"]);
    let stderr = text(&output.stderr);
    assert!(output.status.success());
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("step 4/40") && l.contains("steps/s") && l.contains("D loss")),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\r'),
        "terminal control characters in a log"
    );
}

#[test]
fn every_subcommand_has_help() {
    for command in ["train", "sample", "eval", "info", "export"] {
        let help = ok(&[command, "--help"]);
        assert!(help.contains("Usage: picogan"), "{command}: {help}");
    }
}

#[test]
fn bench_prints_one_json_line_per_measurement() {
    let stdout = ok(&["bench", "--config", "small", "--quick", "--isa", "portable"]);
    let mut lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect(line))
        .collect();
    // First the machine: its CPU and the instruction set the kernels ran with.
    let machine = lines.remove(0);
    assert_eq!(machine["metric"], "env");
    assert_eq!(machine["isa"], "portable");
    assert!(!machine["cpu"].as_str().unwrap().is_empty());
    assert!(
        machine["best_isa"]
            .as_str()
            .unwrap()
            .parse::<picogan::isa::Isa>()
            .is_ok()
    );
    let metrics: Vec<&str> = lines
        .iter()
        .map(|l| l["metric"].as_str().unwrap())
        .collect();
    assert_eq!(
        metrics,
        [
            "train_steps_per_s",
            "train_peak_rss_mb",
            "sample_b1_samples_per_s",
            "gen_fwd_b1_samples_per_s",
            "sample_b4096_samples_per_s",
            "gen_fwd_b4096_samples_per_s",
            "dynamic_train_steps_per_s",
            "dynamic_sample_b1_samples_per_s",
            "dynamic_gen_fwd_b4096_samples_per_s"
        ]
    );
    for line in &lines {
        assert_eq!(
            (line["config"].as_str(), line["framework"].as_str()),
            (Some("small"), Some("picogan"))
        );
        assert!(line["value"].as_f64().unwrap() > 0.0);
        let repetitions = if line["metric"] == "train_peak_rss_mb" {
            1
        } else {
            5
        };
        assert_eq!(line["reps"].as_array().unwrap().len(), repetitions);
    }
    // The goal for a small training run: at most 16 MB resident, start-up included.
    let resident = lines[1]["value"].as_f64().unwrap();
    assert!(resident < 16.0, "peak resident memory {resident} MB");
    fails(
        &["bench", "--config", "huge"],
        "unknown benchmark configuration 'huge'",
    );
    let output = picogan(&["--isa", "avx", "bench"]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("invalid value 'avx' for '--isa <ISA>'"));
}

#[test]
fn the_version_names_the_cpu_and_the_kernels_instruction_set() {
    let version = ok(&["--version"]);
    let best = picogan::isa::Isa::best();
    assert!(
        version.starts_with("picogan ") && version.contains(&format!("kernels use {best}")),
        "{version}"
    );
}

#[test]
fn a_killed_run_resumes_to_the_same_bytes() {
    let scratch = Scratch::new("kill");
    let args = |out: &str| -> Vec<String> {
        [
            "train",
            "--out",
            out,
            "--steps",
            "400",
            "--checkpoint-every",
            "10",
            "-n",
            "100",
            "-q",
        ]
        .map(String::from)
        .to_vec()
    };
    let whole = scratch.arg("whole");
    ok(&args(&whole).iter().map(String::as_str).collect::<Vec<_>>());

    let killed = scratch.arg("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_picogan"))
        .args(args(&killed))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = scratch.path("killed/checkpoint.bin");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !checkpoint.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL, wherever the run is (possibly mid-write)
    child.wait().unwrap();
    assert!(checkpoint.exists(), "no checkpoint within a minute");
    assert!(
        !scratch.path("killed/model.pgan").exists(),
        "the run finished before it could be killed"
    );

    ok(&["train", "--resume", &killed, "-n", "100", "-q"]);
    assert_eq!(
        std::fs::read(scratch.path("whole/model.pgan")).unwrap(),
        std::fs::read(scratch.path("killed/model.pgan")).unwrap()
    );
}

/// `sample` and `eval` take generators of any architecture (here the on-device `bimodal` one, a
/// tanh variant of it, and a 3-noise-input one); `sample` prints the core's exact bits.
#[test]
fn sample_and_eval_read_generators_of_any_shape() {
    use picogan::model::{self, Role};
    use picogan::rng::{NoiseRng, SeedableRng};
    use picogan::{Activation, Dense, Layer, Mlp2, bimodal, sample};

    fn check<G: Layer>(mut generator: G, scratch: &Scratch, name: &str, dataset: &str) {
        generator.init_params(&mut NoiseRng::seed_from_u64(4));
        let mut bytes = vec![0; model::encoded_len::<G>()];
        model::write(&generator, Role::Generator, &mut bytes).unwrap();
        let file = scratch.arg(name);
        std::fs::write(&file, &bytes).unwrap();

        let printed = ok(&["sample", "--model", &file, "-n", "50", "--seed", "8"]);
        let mut rng = NoiseRng::seed_from_u64(8);
        for line in printed.lines() {
            let expected: Vec<u32> = sample(&generator, &mut rng)
                .as_ref()
                .iter()
                .map(|v| v.to_bits())
                .collect();
            let found: Vec<u32> = line
                .split(',')
                .map(|v| v.parse::<f32>().unwrap().to_bits())
                .collect();
            assert_eq!(found, expected, "{name}: {line}");
        }
        let report = ok(&["eval", "--model", &file, "--dataset", dataset, "-n", "200"]);
        assert!(report.contains("modes captured"), "{report}");
    }

    let scratch = Scratch::new("shapes");
    let mut trainer = Box::new(bimodal::Trainer::ZEROED);
    bimodal::start(&mut trainer, &mut NoiseRng::seed_from_u64(1));
    check(
        trainer.generator.clone(),
        &scratch,
        "bimodal.pgan",
        "bimodal1d",
    );
    let tanh: Mlp2<2, 5, 1> = (
        Dense::new(Activation::Tanh),
        Dense::new(Activation::LeakyRelu(0.1)),
    );
    check(tanh, &scratch, "tanh.pgan", "bimodal1d");
    let wide_noise: Mlp2<3, 7, 2> = (
        Dense::new(Activation::Sigmoid),
        Dense::new(Activation::Identity),
    );
    check(wide_noise, &scratch, "noise3.pgan", "ring8");
}

/// `picogan theory` runs an experiment, prints its numbers and writes its picture; a wrong name
/// fails with the list of experiments.
#[test]
fn theory_prints_numbers_and_writes_a_plot() {
    let scratch = Scratch::new("theory");
    let printed = ok(&["theory", "kl-direction", "--out", &scratch.arg("out")]);
    assert!(
        printed.contains("forward KL(p‖q): μ = 0.0000, σ = 2.0616"),
        "{printed}"
    );
    let png = std::fs::read(scratch.path("out/kl-direction/kl-direction.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let wrong = picogan(&["theory", "no-such-experiment"]);
    let stderr = text(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value 'no-such-experiment'") && stderr.contains("mode-collapse"),
        "{stderr}"
    );
}

/// `export --dtype i8` and `--dtype q16` turn the trained ring8 generator of `firmware/models`
/// into int8 and Q16.16 model files that `info`, `sample` and `eval` read, and that keep the
/// float generator's quality on the trainer's metrics: the same modes, high-quality share within
/// one percentage point.
#[test]
fn quantized_exports_keep_the_quality() {
    let scratch = Scratch::new("quantized");
    let float = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/models/ring8.pgan");
    let float_report = ok(&["eval", "--model", float, "--dataset", "ring8"]);
    for (dtype, info, report_line, layer_type) in [
        ("i8", "dtype         I8", "3.75× smaller", "QDense<"),
        ("q16", "dtype         Q16", "|Q16 − float|", "Q16Dense<"),
    ] {
        let file = scratch.arg(&format!("ring8-{dtype}.pgan"));
        let report = ok(&["export", "--model", float, "--dtype", dtype, "--out", &file]);
        assert!(report.contains(report_line), "{report}");
        assert!(ok(&["info", &file]).contains(info));
        assert_eq!(
            ok(&["sample", "--model", &file, "-n", "5"]).lines().count(),
            5
        );
        let quantized_report = ok(&["eval", "--model", &file, "--dataset", "ring8"]);
        assert_same_quality(&quantized_report, &float_report);
        // Rust source takes any dtype; C source, f32 files only.
        let rust = scratch.arg(&format!("{dtype}.rs"));
        ok(&[
            "export", "--model", &file, "--format", "rust", "--out", &rust,
        ]);
        let source = std::fs::read_to_string(&rust).unwrap();
        assert!(source.contains(layer_type), "{source}");
        let c = scratch.arg(&format!("{dtype}.h"));
        fails(
            &["export", "--model", &file, "--format", "c", "--out", &c],
            "C export takes an f32 model file",
        );
        assert!(!Path::new(&c).exists());
    }
    let int8 = scratch.arg("ring8-i8.pgan");
    let again = scratch.arg("again.pgan");
    fails(
        &[
            "export", "--model", &int8, "--dtype", "q16", "--out", &again,
        ],
        "takes an f32 generator, and this file is already I8",
    );
    assert!(!Path::new(&again).exists());
    let neither = picogan(&["export", "--model", float, "--out", &int8]);
    assert_eq!(neither.status.code(), Some(2));
    assert!(text(&neither.stderr).contains("--format"));
}

/// The same modes captured, and high-quality shares within one percentage point.
fn assert_same_quality(quantized_report: &str, float_report: &str) {
    let metric = |report: &str, name: &str| -> String {
        let line = report.lines().find(|l| l.starts_with(name)).unwrap();
        line.split_whitespace()
            .nth(name.split_whitespace().count())
            .unwrap()
            .to_string()
    };
    assert_eq!(
        metric(quantized_report, "modes captured"),
        metric(float_report, "modes captured")
    );
    let quality = |r: &str| {
        metric(r, "high quality")
            .trim_end_matches('%')
            .parse::<f64>()
            .unwrap()
    };
    assert!(
        (quality(quantized_report) - quality(float_report)).abs() <= 1.0,
        "{quantized_report}\n{float_report}"
    );
}

/// A reader that closes the pipe early (`picogan … | head -1`) ends the command quietly and
/// successfully: a large CSV written through a buffer, and text printed line by line.
#[test]
fn a_closed_output_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/models/ring8.pgan");
    let scratch = Scratch::new("pipe");
    let out = scratch.arg("ring8-q16.pgan");
    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_picogan"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // One line read, then the reader gone long before a million lines.
    let mut child = spawn(&["sample", "--model", model, "-n", "1000000"]);
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.split(',').count(), 2, "{first:?}");
    // The reader gone before the export's first line (written after its 10,000-vector checks).
    let mut export = spawn(&["export", "--model", model, "--dtype", "q16", "--out", &out]);
    drop(export.stdout.take());
    for child in [child, export] {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert_eq!(text(&output.stderr), "");
    }
}

/// A CSV of `rows` rows of five columns: two clusters, deterministic.
fn five_columns(rows: usize) -> String {
    let mut text = String::from("a,b,c,d,e\n");
    for r in 0..rows {
        let centre = if r % 2 == 0 { -2.0 } else { 2.0 };
        let wobble = |k: usize| ((r * 7 + k * 13) % 17) as f32 / 17.0 - 0.5;
        let row: Vec<String> = (0..5)
            .map(|k| format!("{}", centre * (k as f32 - 2.0) / 2.0 + 0.3 * wobble(k)))
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text
}

/// Trains `args` in two parts, stopped at step `stop_at` and resumed, and checks that the model and
/// checkpoint are the bytes of the uninterrupted run in the folder `whole`.
fn assert_resume_is_identical(scratch: &Scratch, args: &[&str], whole: &str, stop_at: u32) {
    let stop = stop_at.to_string();
    let mut parts = args.to_vec();
    parts.extend(["--stop-at", &stop]);
    train(&scratch.path("parts"), &parts);
    ok(&["train", "--resume", &scratch.arg("parts"), "-n", "200"]);
    for file in ["model.pgan", "checkpoint.bin"] {
        assert_eq!(
            std::fs::read(scratch.path(whole).join(file)).unwrap(),
            std::fs::read(scratch.path("parts").join(file)).unwrap(),
            "{file} differs after --resume"
        );
    }
}

/// Data of five values a row and architectures of depth 1 to 4 train, report their size,
/// sample rows of five values, evaluate, export and resume to the same bytes.
#[test]
fn any_architecture_trains_on_data_of_any_dimension() {
    let scratch = Scratch::new("arch");
    std::fs::write(scratch.path("five.csv"), five_columns(400)).unwrap();
    let data = scratch.arg("five.csv");
    for (name, generator, discriminator, params) in [
        // G 3 → 5 and D 5 → 1: one layer each.
        ("depth1", "none", "none", (3 * 5 + 5, 5 + 1)),
        (
            "depth2",
            "16",
            "12",
            (3 * 16 + 16 + 16 * 5 + 5, 5 * 12 + 12 + 12 + 1),
        ),
        (
            "depth4",
            "8,9,10",
            "7,6,5",
            (
                3 * 8 + 8 + 8 * 9 + 9 + 9 * 10 + 10 + 10 * 5 + 5,
                5 * 7 + 7 + 7 * 6 + 6 + 6 * 5 + 5 + 5 + 1,
            ),
        ),
    ] {
        let arch = [
            "--dataset",
            &data,
            "--noise-dim",
            "3",
            "--generator",
            generator,
            "--discriminator",
            discriminator,
            "--batch",
            "24",
        ];
        let stdout = train(&scratch.path(name), &arch);
        assert!(stdout.contains("precision"), "{name}: {stdout}");
        let metrics: serde_json::Value = serde_json::from_slice(
            &std::fs::read(scratch.path(name).join("metrics.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            (
                metrics["training"]["generator_parameters"].as_u64(),
                metrics["training"]["discriminator_parameters"].as_u64()
            ),
            (Some(params.0 as u64), Some(params.1 as u64)),
            "{name}"
        );
        let model = scratch.path(name).join("model.pgan").display().to_string();
        let rows = ok(&["sample", "--model", &model, "-n", "7"]);
        assert_eq!(rows.lines().count(), 7, "{name}: {rows}");
        for line in rows.lines() {
            assert_eq!(line.split(',').count(), 5, "{name}: {line}");
            assert!(
                line.split(',')
                    .all(|v| v.parse::<f32>().is_ok_and(f32::is_finite))
            );
        }
        let report = ok(&["eval", "--model", &model, "--dataset", &data, "-n", "200"]);
        assert!(report.contains("precision"), "{name}: {report}");
        let info = ok(&["info", &model]);
        assert!(info.contains("architecture  3 -> "), "{name}: {info}");
        let c = scratch.arg(&format!("{name}.c"));
        ok(&["export", "--model", &model, "--format", "c", "--out", &c]);
        assert!(std::fs::read_to_string(&c).unwrap().contains("5"), "{name}");
        for dtype in ["i8", "q16"] {
            let file = scratch.arg(&format!("{name}-{dtype}.pgan"));
            let export = ["export", "--model", &model, "--dtype", dtype];
            let report = ok(&[&export[..], &["--distill-steps", "20", "--out", &file]].concat());
            assert!(report.contains("− float|"), "{name} {dtype}: {report}");
            let rows = ok(&["sample", "--model", &file, "-n", "3"]);
            assert_eq!(rows.lines().count(), 3, "{name} {dtype}: {rows}");
            for line in rows.lines() {
                let values: Vec<f32> = line.split(',').map(|v| v.parse().unwrap()).collect();
                assert!(values.len() == 5 && values.iter().all(|v| v.is_finite()));
            }
        }
    }

    // Resumed halfway, the deepest run ends byte-identical to the uninterrupted one.
    let arch = [
        "--dataset",
        &data,
        "--noise-dim",
        "3",
        "--generator",
        "8,9,10",
        "--discriminator",
        "7,6,5",
        "--batch",
        "24",
    ];
    assert_resume_is_identical(&scratch, &arch, "depth4", 30);
}

/// Bad architectures fail with one line naming the flag and the value, before any output.
#[test]
fn bad_architectures_fail_with_one_line_naming_the_flag() {
    let scratch = Scratch::new("badarch");
    let out = scratch.arg("x");
    for (args, message) in [
        (
            vec!["--generator", "0"],
            "--generator 0: a width must be from 1 to 65535, got 0",
        ),
        (vec!["--generator", ","], "--generator ,: expected widths"),
        (
            vec!["--discriminator", "64,x"],
            "--discriminator 64,x: expected widths",
        ),
        (
            vec!["--generator", "70000"],
            "--generator 70000: a width must be",
        ),
        (
            vec!["--noise-dim", "0"],
            "--noise-dim must be from 1 to 65535, got 0",
        ),
        (
            vec!["--batch", "0"],
            "--batch must be from 1 to 65536, got 0",
        ),
        (
            vec!["--generator", "65535,65535"],
            "(--generator 65535,65535)",
        ),
    ] {
        let mut all = vec!["train", "--out", &out];
        all.extend(&args);
        let output = picogan(&all);
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains(message),
            "{args:?}: {stderr:?} lacks {message:?}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr:?}");
        assert!(!scratch.path("x").join("model.pgan").exists(), "{args:?}");
    }
}

/// 3-value rows around (1000, −50, 7) + a class offset, the class in the last column.
fn labelled_rows(rows: usize) -> String {
    let mut csv = String::from("a,b,c,label\n");
    for r in 0..rows {
        let class = r % 3;
        let wobble = ((r * 37) % 11) as f32 * 0.1;
        let offset = 10.0 * class as f32;
        csv.push_str(&format!(
            "{},{},{},{class}\n",
            1000.0 + offset + wobble,
            -50.0 - offset + wobble,
            7.0 + wobble
        ));
    }
    csv
}

/// A labelled CSV trains a conditional model whose samples come out in the data's units, with
/// the label last; sample, eval, info, export and resume all take it.
#[test]
fn a_labelled_csv_trains_a_conditional_model_in_the_data_units() {
    let scratch = Scratch::new("labels");
    std::fs::write(scratch.path("labelled.csv"), labelled_rows(300)).unwrap();
    let data = scratch.arg("labelled.csv");
    let arch = [
        "--dataset",
        &data,
        "--labels",
        "last",
        "--generator",
        "16,16",
        "--discriminator",
        "16",
        "--batch",
        "30",
    ];
    train(&scratch.path("whole"), &arch);
    let model = scratch
        .path("whole")
        .join("model.pgan")
        .display()
        .to_string();

    let info = ok(&["info", &model]);
    assert!(info.contains("architecture  5 -> 16"), "{info}");
    assert!(info.contains("classes       3"), "{info}");
    assert!(info.contains("noise         2 values"), "{info}");
    assert!(!info.contains("normalization none"), "{info}");

    // Without --label the labels cycle; each row is a sample in the data's units, then its label.
    let rows = ok(&["sample", "--model", &model, "-n", "6"]);
    for (i, line) in rows.lines().enumerate() {
        let fields: Vec<f32> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(fields.len(), 4, "{line}");
        assert_eq!(fields[3], (i % 3) as f32, "{line}");
        assert!(
            (900.0..1100.0).contains(&fields[0]),
            "not in the data's units: {line}"
        );
        assert!(
            (-150.0..50.0).contains(&fields[1]),
            "not in the data's units: {line}"
        );
    }
    let rows = ok(&["sample", "--model", &model, "-n", "4", "--label", "2"]);
    assert!(rows.lines().all(|l| l.ends_with(",2")), "{rows}");
    fails(
        &["sample", "--model", &model, "-n", "1", "--label", "3"],
        "--label 3:",
    );

    let report = ok(&[
        "eval",
        "--model",
        &model,
        "--dataset",
        &data,
        "--labels",
        "last",
        "-n",
        "150",
    ]);
    assert!(
        report.contains("per class") && report.contains("class 2"),
        "{report}"
    );
    fails(
        &["eval", "--model", &model, "--dataset", &data, "-n", "150"],
        "conditional on 3 classes",
    );
    let c = scratch.arg("model.c");
    ok(&["export", "--model", &model, "--format", "c", "--out", &c]);
    let header = std::fs::read_to_string(&c).unwrap();
    for needle in [
        "#define PICOGAN_NOISE_DIM 2",
        "#define PICOGAN_CLASSES 3",
        "picogan_output_offset[3]",
        "picogan_output_scale[3]",
    ] {
        assert!(header.contains(needle), "{needle}");
    }
    // Quantized, it keeps its classes and normalization: samples still in the data's units.
    for dtype in ["i8", "q16"] {
        let file = scratch.arg(&format!("model-{dtype}.pgan"));
        let export = ["export", "--model", &model, "--dtype", dtype];
        let report = ok(&[&export[..], &["--distill-steps", "20", "--out", &file]].concat());
        assert!(report.contains("for 3 classes"), "{report}");
        let info = ok(&["info", &file]);
        assert!(info.contains("classes       3"), "{info}");
        assert!(!info.contains("normalization none"), "{info}");
        let rows = ok(&["sample", "--model", &file, "-n", "4", "--label", "1"]);
        for line in rows.lines() {
            let fields: Vec<f32> = line.split(',').map(|v| v.parse().unwrap()).collect();
            assert_eq!((fields.len(), fields[3]), (4, 1.0), "{line}");
            assert!((900.0..1100.0).contains(&fields[0]), "{dtype}: {line}");
        }
    }

    // Resumed halfway, the conditional run ends byte-identical to the uninterrupted one.
    assert_resume_is_identical(&scratch, &arch, "whole", 40);

    // --labels first reads the same data with the label in front.
    let first: String = labelled_rows(300)
        .lines()
        .map(|line| {
            let (values, label) = line.rsplit_once(',').unwrap();
            format!("{label},{values}\n")
        })
        .collect();
    std::fs::write(scratch.path("first.csv"), first).unwrap();
    let data_first = scratch.arg("first.csv");
    let mut first_arch = arch.to_vec();
    first_arch[1] = &data_first;
    first_arch[3] = "first";
    train(&scratch.path("first"), &first_arch);
    assert_eq!(
        std::fs::read(scratch.path("whole").join("model.pgan")).unwrap(),
        std::fs::read(scratch.path("first").join("model.pgan")).unwrap(),
        "the label column's place changes the model"
    );
}

/// Bad labels and normalization settings fail with one line naming the flag.
#[test]
fn bad_labels_fail_with_one_line_naming_the_flag() {
    let scratch = Scratch::new("badlabels");
    let out = scratch.arg("x");
    std::fs::write(scratch.path("half.csv"), "x,label\n1,0\n2,2.5\n").unwrap();
    std::fs::write(scratch.path("gap.csv"), "x,label\n1,0\n2,2\n").unwrap();
    std::fs::write(scratch.path("one.csv"), "label\n1\n0\n").unwrap();
    std::fs::write(scratch.path("single.csv"), "x,label\n1,0\n2,0\n").unwrap();
    for (data, labels, message) in [
        ("half.csv", "last", "the label 2.5 is not a whole number"),
        ("gap.csv", "last", "no row of class 1"),
        ("one.csv", "first", "leaves no sample values"),
        ("single.csv", "last", "a single class"),
    ] {
        let data = scratch.arg(data);
        fails(
            &[
                "train",
                "--out",
                &out,
                "--dataset",
                &data,
                "--labels",
                labels,
            ],
            &format!("--labels {labels}: "),
        );
        let output = picogan(&[
            "train",
            "--out",
            &out,
            "--dataset",
            &data,
            "--labels",
            labels,
        ]);
        assert!(
            text(&output.stderr).contains(message),
            "{}",
            text(&output.stderr)
        );
    }
    fails(
        &[
            "train",
            "--out",
            &out,
            "--dataset",
            "ring8",
            "--labels",
            "last",
        ],
        "--labels is for CSV data",
    );
    let output = picogan(&["train", "--out", &out, "--normalize", "zscore"]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("invalid value 'zscore' for '--normalize"));
    assert!(!scratch.path("x").join("model.pgan").exists());
}

/// With min-max scaling the model still samples in the data's units, and `info` shows the
/// stored inverse.
#[test]
fn minmax_normalization_is_stored_and_undone() {
    let scratch = Scratch::new("minmax");
    std::fs::write(scratch.path("five.csv"), five_columns(300)).unwrap();
    let data = scratch.arg("five.csv");
    train(
        &scratch.path("run"),
        &[
            "--dataset",
            &data,
            "--normalize",
            "minmax",
            "--output-activation",
            "tanh",
            "--batch",
            "20",
        ],
    );
    let model = scratch.path("run").join("model.pgan").display().to_string();
    let info = ok(&["info", &model]);
    let line = info
        .lines()
        .find(|l| l.starts_with("normalization"))
        .unwrap();
    assert_eq!(line.matches('·').count(), 5, "{line}");
    // tanh keeps the network's values in (−1, 1): each column stays within its data range.
    let rows = ok(&["sample", "--model", &model, "-n", "50"]);
    let csv = five_columns(300);
    let data_rows: Vec<Vec<f32>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    for line in rows.lines() {
        for (k, v) in line
            .split(',')
            .map(|v| v.parse::<f32>().unwrap())
            .enumerate()
        {
            let min = data_rows.iter().map(|r| r[k]).fold(f32::INFINITY, f32::min);
            let max = data_rows
                .iter()
                .map(|r| r[k])
                .fold(f32::NEG_INFINITY, f32::max);
            let slack = 1e-3 * (max - min);
            assert!(
                v >= min - slack && v <= max + slack,
                "column {k}: {v} outside [{min}, {max}]"
            );
        }
    }
}

/// Outputs: only a new path or a regular file is replaced. A symbolic link, a device or a folder
/// at `--out` is an error that names it, and stays as it was; no temporary file is left.
#[test]
fn outputs_replace_only_regular_files() {
    let scratch = Scratch::new("outputs");
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/models/ring8.pgan");
    std::fs::write(scratch.path("target.txt"), "kept").unwrap();
    std::os::unix::fs::symlink(scratch.path("target.txt"), scratch.path("link.h")).unwrap();
    std::fs::create_dir(scratch.path("folder.h")).unwrap();
    let (link, folder) = (scratch.arg("link.h"), scratch.arg("folder.h"));
    for (out, needle) in [
        (link.as_str(), "is not a regular file"),
        (
            "/dev/null",
            "cannot write /dev/null: it exists and is not a regular file",
        ),
        (folder.as_str(), "is not a regular file"),
    ] {
        let export = ["export", "--model", model, "--format", "c", "--out", out];
        fails(&export, needle);
    }
    let metadata = std::fs::symlink_metadata(&link).unwrap();
    assert!(metadata.file_type().is_symlink());
    assert_eq!(
        std::fs::read_to_string(scratch.path("target.txt")).unwrap(),
        "kept"
    );
    // A regular file is replaced, through a temporary file that does not stay.
    let header = scratch.arg("model.h");
    std::fs::write(&header, "old").unwrap();
    ok(&[
        "export", "--model", model, "--format", "c", "--out", &header,
    ]);
    assert!(
        std::fs::read_to_string(&header)
            .unwrap()
            .contains("picogan")
    );
    let names: Vec<String> = std::fs::read_dir(&scratch.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
}

/// Counts and settings out of range fail at once, with one line naming the flag, before anything
/// is trained or written: evaluation sizes beyond what the n² metrics can take, zero D steps,
/// `--stop-at` outside the run, negative rates (read as numbers, then refused).
#[test]
fn counts_and_settings_out_of_range_fail_before_any_work() {
    let scratch = Scratch::new("counts");
    let out = scratch.arg("run");
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/models/ring8.pgan");
    for (args, needle) in [
        (
            vec![
                "train",
                "--out",
                &out,
                "--steps",
                "10",
                "-n",
                "1000000000000",
            ],
            "-n must be from 10 to 20000 samples",
        ),
        (
            vec![
                "eval",
                "--model",
                model,
                "--dataset",
                "ring8",
                "-n",
                "18446744073709551615",
            ],
            "-n must be from 10 to 20000 samples",
        ),
        (
            vec!["train", "--out", &out, "--d-steps", "0"],
            "--d-steps must be at least 1",
        ),
        (
            vec!["train", "--out", &out, "--steps", "50", "--stop-at", "0"],
            "--stop-at must be a step from 1 to 49",
        ),
        (
            vec!["train", "--out", &out, "--steps", "50", "--stop-at", "50"],
            "--stop-at must be a step from 1 to 49",
        ),
        (
            vec!["train", "--out", &out, "--lr", "-1"],
            "learning rate must be a positive number, got -1",
        ),
    ] {
        fails(&args, needle);
    }
    assert!(!Path::new(&out).exists(), "a refused run wrote {out}");
}

/// A second run into a folder that a run is writing fails at once and changes nothing there; a
/// resumed run removes the temporary files a killed run left, and refuses a checkpoint whose
/// settings are out of range.
#[test]
fn a_run_owns_its_folder() {
    let scratch = Scratch::new("owner");
    let out = scratch.arg("run");
    let mut first = Command::new(env!("CARGO_BIN_EXE_picogan"))
        .args(["train", "--out", &out, "--steps", "1000000", "-q"])
        .args(["--checkpoint-every", "1000000"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let config = scratch.path("run/config.json");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !config.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let before = std::fs::read(&config).unwrap();
    fails(
        &["train", "--out", &out, "--seed", "8", "--steps", "20"],
        "another picogan run is writing to",
    );
    assert_eq!(std::fs::read(&config).unwrap(), before);
    first.kill().unwrap();
    first.wait().unwrap();

    // Killed during a write, a run may leave a temporary file; resuming removes it.
    train(&scratch.path("short"), &["--stop-at", "20"]);
    let stale = scratch.path("short/.model.pgan.tmp-4242");
    std::fs::write(&stale, "half a file").unwrap();
    ok(&[
        "train",
        "--resume",
        &scratch.arg("short"),
        "-n",
        "200",
        "-q",
    ]);
    assert!(!stale.exists());
    assert!(scratch.path("short/model.pgan").exists());

    // A checkpoint whose header was changed is refused on resume: by its checksum, and when the
    // checksum was made to match, by the range checks of a new run's settings.
    train(&scratch.path("edited"), &["--stop-at", "20"]);
    let checkpoint = scratch.path("edited/checkpoint.bin");
    let bytes = std::fs::read(&checkpoint).unwrap();
    // Found among the bytes, not in a lossy text (which would move the offsets).
    let key = b"\"generator_lr\":";
    let at = bytes.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    let mut edited = bytes.clone();
    assert_eq!(&edited[at..at + 5], b"0.001");
    edited[at..at + 5].copy_from_slice(b"-0.01"); // the header's length stays
    std::fs::write(&checkpoint, &edited).unwrap();
    let resume = ["train", "--resume", &scratch.arg("edited")];
    fails(&resume, "checkpoint header checksum mismatch");
    let end = 12 + u32::from_le_bytes(edited[8..12].try_into().unwrap()) as usize;
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&edited[..end]);
    edited[end..end + 4].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&checkpoint, &edited).unwrap();
    fails(&resume, "generator learning rate must be a positive number");
}

/// Inputs are read no further than needed: a device is refused as a model or as data, a model
/// file with bytes after what its header describes is refused without reading them all, and the
/// CSV edge cases are read or reported (never a data row dropped as a header).
#[test]
fn inputs_are_read_no_further_than_needed() {
    let scratch = Scratch::new("inputs");
    fails(&["info", "/dev/zero"], "is not a regular file");
    std::os::unix::fs::symlink("/dev/zero", scratch.path("zero.csv")).unwrap();
    let out = scratch.arg("run");
    let zero = scratch.arg("zero.csv");
    fails(
        &["train", "--dataset", &zero, "--out", &out],
        "is not a regular file",
    );
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/models/ring8.pgan");
    let mut padded = std::fs::read(model).unwrap();
    padded.resize(padded.len() + (8 << 20), 0);
    std::fs::write(scratch.path("padded.pgan"), padded).unwrap();
    fails(
        &["info", &scratch.arg("padded.pgan")],
        "longer than the 34632 bytes its header describes",
    );

    std::fs::write(scratch.path("typo.csv"), "1,2x\n3,4\n5,6\n").unwrap();
    let typo = scratch.arg("typo.csv");
    fails(
        &["train", "--dataset", &typo, "--out", &out],
        "typo.csv:1: field 2 is not a number: '2x'",
    );
    std::fs::write(scratch.path("same.csv"), "x,y\n1,2\n1,2\n").unwrap();
    let same = scratch.arg("same.csv");
    fails(
        &["train", "--dataset", &same, "--out", &out],
        "every row is the same",
    );
    assert!(!Path::new(&out).exists());
    // A byte-order mark and carriage returns alone: every row is data.
    let rows: String = (0..40).map(|i| format!("{},{}\r", i % 7, i % 5)).collect();
    std::fs::write(scratch.path("cr.csv"), format!("\u{feff}{rows}")).unwrap();
    let cr = scratch.arg("cr.csv");
    let report = train(&scratch.path("cr"), &["--dataset", &cr]);
    assert!(report.contains("trained 60 steps on"), "{report}");
}

/// A run resumed with new learning rates or R1 weight takes them from the checkpoint's step on,
/// records each change in config.json and its checkpoints (so it resumes again), and differs from
/// the run without the change; a rate out of range is refused like a new run's.
#[test]
fn a_resumed_run_takes_new_rates_from_its_step_on() {
    let scratch = Scratch::new("rates");
    train(&scratch.path("whole"), &[]);
    train(&scratch.path("changed"), &["--stop-at", "20"]);
    let changed = scratch.arg("changed");
    fails(
        &["train", "--resume", &changed, "--lr", "-1"],
        "generator learning rate must be a positive number",
    );
    let rates = ["--lr", "5e-4", "--r1-gamma", "0.5", "--stop-at", "40", "-q"];
    ok(&[&["train", "--resume", &changed][..], &rates].concat());
    ok(&["train", "--resume", &changed, "-n", "200", "-q"]);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scratch.path("changed/config.json")).unwrap())
            .unwrap();
    let described: Vec<String> = config["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {} {}", c["step"], c["flag"], c["from"], c["to"]))
        .collect();
    assert_eq!(
        described,
        ["20 \"--lr\" 0.001 0.0005", "20 \"--r1-gamma\" 0.1 0.5"],
        "{config}"
    );
    assert_eq!(config["generator_lr"].to_string(), "0.0005");
    assert_ne!(
        std::fs::read(scratch.path("whole/model.pgan")).unwrap(),
        std::fs::read(scratch.path("changed/model.pgan")).unwrap()
    );
}

/// Structured fuzzing of the checkpoint reader: a real checkpoint changed the ways a damaged or
/// crafted file could be (bytes flipped, cut short, its header's length changed, one value of its
/// JSON header replaced with the checksum made to match) is resumed from or refused with one
/// line; the process never panics and is never killed.
#[test]
fn mutated_checkpoints_resume_or_fail_cleanly() {
    const CASES: usize = 100;
    let scratch = Scratch::new("checkpoint-fuzz");
    train(&scratch.path("base"), &["--stop-at", "20"]);
    let original = std::fs::read(scratch.path("base/checkpoint.bin")).unwrap();
    let config = std::fs::read(scratch.path("base/config.json")).unwrap();
    let header_end = 12 + u32::from_le_bytes(original[8..12].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&original[12..header_end]).unwrap();
    let mut leaves = Vec::new();
    json_leaves(&header, String::new(), &mut leaves);
    let replacements = [
        "0",
        "-1",
        "1.5",
        "1e30",
        "-1e-30",
        "4294967296",
        "\"x\"",
        "null",
        "true",
        "[]",
        "{}",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut random = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    for case in 0..CASES {
        let mut bytes = original.clone();
        let what = match case % 4 {
            0 => {
                for _ in 0..1 + random(4) {
                    let at = random(bytes.len());
                    bytes[at] ^= 1 << random(8);
                }
                "flipped bits".to_string()
            }
            1 => {
                bytes.truncate(random(bytes.len()));
                format!("cut to {} bytes", bytes.len())
            }
            2 => {
                let len = [
                    0,
                    1,
                    header_end as u32 + 1,
                    u32::MAX,
                    random(1 << 20) as u32,
                ][random(5)];
                bytes[8..12].copy_from_slice(&len.to_le_bytes());
                format!("header length {len}")
            }
            _ => {
                let leaf = &leaves[random(leaves.len())];
                let value = replacements[random(replacements.len())];
                let mut edited = header.clone();
                *edited.pointer_mut(leaf).unwrap() = serde_json::from_str(value).unwrap();
                let json = serde_json::to_vec(&edited).unwrap();
                let mut rebuilt = original[..8].to_vec();
                rebuilt.extend_from_slice(&(json.len() as u32).to_le_bytes());
                rebuilt.extend_from_slice(&json);
                let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&rebuilt);
                rebuilt.extend_from_slice(&crc.to_le_bytes());
                rebuilt.extend_from_slice(&original[header_end + 4..]);
                bytes = rebuilt;
                format!("{leaf} = {value}")
            }
        };
        let dir = scratch.path(&format!("case{case}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), &config).unwrap();
        std::fs::write(dir.join("checkpoint.bin"), &bytes).unwrap();
        let dir = dir.display().to_string();
        let output = picogan(&["train", "--resume", &dir, "-n", "10", "-q"]);
        let stderr = text(&output.stderr);
        assert!(
            output.status.code().is_some(),
            "{what}: killed by a signal: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        if !output.status.success() {
            assert_eq!(
                stderr.trim_end().lines().count(),
                1,
                "{what}: not one line: {stderr:?}"
            );
        }
    }
}

/// The JSON pointers of every number, string, boolean and null in `value`.
fn json_leaves(value: &serde_json::Value, pointer: String, leaves: &mut Vec<String>) {
    match value {
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                json_leaves(item, format!("{pointer}/{i}"), leaves);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, item) in fields {
                json_leaves(item, format!("{pointer}/{key}"), leaves);
            }
        }
        _ => leaves.push(pointer),
    }
}

/// The digits' recipe, written out as flags for the same data read as a CSV file.
const DIGITS_RECIPE: [&str; 18] = [
    "--labels",
    "last",
    "--image",
    "8x8",
    "--normalize",
    "unit",
    "--holdout",
    "0.25",
    "--noise-dim",
    "16",
    "--generator",
    "128,128",
    "--discriminator",
    "128,128",
    "--output-activation",
    "sigmoid",
    "--r1-gamma",
    "1",
];

#[test]
fn digits_train_as_images_and_are_judged_on_held_out_ones() {
    let scratch = Scratch::new("digits");
    let short = ["--steps", "40", "-n", "300", "-q"];
    let builtin = scratch.arg("builtin");
    let report = ok(&[
        &["train", "--dataset", "digits", "--out", &builtin][..],
        &short,
    ]
    .concat());
    for needle in [
        "in brackets: real rows held out of training",
        "label accuracy",
        "Fréchet distance",
        "memorisation ratio",
    ] {
        assert!(report.contains(needle), "{needle} missing from:\n{report}");
    }
    // The same file as a CSV, with the recipe's flags, trains the same model.
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/digits.csv.gz");
    let from_csv = scratch.arg("csv");
    ok(&[
        &["train", "--dataset", csv, "--out", &from_csv][..],
        &DIGITS_RECIPE,
        &short,
    ]
    .concat());
    let model = |dir: &str| std::fs::read(Path::new(dir).join("model.pgan")).unwrap();
    assert_eq!(model(&builtin), model(&from_csv));
    // The model knows it makes 8×8 images of 10 classes.
    let model_path = scratch.arg("builtin/model.pgan");
    let info = ok(&["info", &model_path]);
    assert!(
        info.contains("image         8x8") && info.contains("classes       10"),
        "{info}"
    );
    // samples.png is a grid: 10 rows of 10 generated and 10 real images.
    let grid = image::open(scratch.path("builtin/samples.png")).unwrap();
    assert!(
        grid.width() > 1000 && grid.height() > 500,
        "{}x{}",
        grid.width(),
        grid.height()
    );
    assert!(scratch.path("builtin/projection.png").exists());
    // `sample --png` draws any number of them; a model that is not of images is refused.
    let png = scratch.arg("s.png");
    ok(&["sample", "--model", &model_path, "-n", "25", "--png", &png]);
    assert!(image::open(&png).is_ok());
    let ring8 = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/models/ring8.pgan");
    fails(
        &["sample", "--model", ring8, "-n", "5", "--png", &png],
        "stores no image shape",
    );
    // Samples another program made are evaluated like a model's, labels read from their rows.
    let rows = ok(&["sample", "--model", &model_path, "-n", "400"]);
    let samples = scratch.path("samples.csv");
    std::fs::write(&samples, &rows).unwrap();
    let samples = samples.display().to_string();
    let report = ok(&[
        "eval",
        "--samples",
        &samples,
        "--dataset",
        "digits",
        "-n",
        "300",
    ]);
    assert!(report.contains("label accuracy"), "{report}");
    let unlabelled: String = rows
        .lines()
        .map(|line| format!("{}\n", line.rsplit_once(',').unwrap().0))
        .collect();
    std::fs::write(scratch.path("unlabelled.csv"), unlabelled).unwrap();
    fails(
        &[
            "eval",
            "--samples",
            &scratch.arg("unlabelled.csv"),
            "--dataset",
            "digits",
        ],
        "--samples",
    );
    // Wrong image shapes, hold-outs and conditioning flags are refused up front.
    for (args, needle) in [
        (vec!["--image", "7x7"], "--image 7x7: 49 pixels"),
        (vec!["--holdout", "0.95"], "--holdout must be from 0 to 0.9"),
    ] {
        let out = scratch.arg("bad");
        fails(
            &[&["train", "--dataset", "digits", "--out", &out][..], &args].concat(),
            needle,
        );
        assert!(!scratch.path("bad").exists());
    }
    let plain = scratch.path("plain.csv");
    std::fs::write(&plain, five_columns(60)).unwrap();
    let out = scratch.arg("bad");
    fails(
        &[
            "train",
            "--dataset",
            &plain.display().to_string(),
            "--unconditional",
            "--out",
            &out,
        ],
        "--unconditional is for labelled data",
    );
    fails(
        &[
            "train",
            "--dataset",
            "ring8",
            "--holdout",
            "0.2",
            "--out",
            &out,
        ],
        "--holdout is for CSV data",
    );
}
