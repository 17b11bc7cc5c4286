//! Build script: picks the board's memory map, passes the linker scripts, and turns the model
//! file into Rust source so the generator's weights are a `static` in flash.
//!
//! Settings, all read at build time and written to `$OUT_DIR/settings.rs`:
//! - `PICOGAN_MODEL`: the generator `sample` embeds (default `models/ring8.pgan`; a relative path
//!   is taken from this folder);
//! - `PICOGAN_SEED`: the seed of every random draw, a u64 (default 0);
//! - `PICOGAN_TRAIN_STEPS`: the steps `train` takes, a u32 (default 2000);
//! - `PICOGAN_EXPORT`: the host file `train` writes its generator to (default
//!   `picogan-trained.pgan`, in QEMU's working folder);
//! - `PICOGAN_RAM_BUDGET`: the bytes `train`'s static state may take (default 65536); the build
//!   fails above it;
//! - `PICOGAN_LABEL`: for a conditional model, the class of every sample `sample` draws (default:
//!   the labels 0, 1, …, K − 1 in turn, as `picogan sample` does).
//!
//! A missing, malformed or mismatched model file stops the build with a message that names the
//! file and the defect; the device never sees it.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use picogan::model::{Dtype, Role, write_rust_source};

const DEFAULT_MODEL: &str = "models/ring8.pgan";

fn main() {
    if let Err(message) = run() {
        // One line per `cargo::error`, so multi-line messages stay readable.
        for line in message.lines() {
            println!("cargo::error={line}");
        }
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    println!("cargo::rerun-if-changed=build.rs");
    link(&manifest_dir, &out_dir)?;

    let seed: u64 = setting("PICOGAN_SEED", 0)?;
    let steps: u32 = setting("PICOGAN_TRAIN_STEPS", 2000)?;
    let export: String = setting("PICOGAN_EXPORT", "picogan-trained.pgan".into())?;
    let budget: usize = setting("PICOGAN_RAM_BUDGET", 64 * 1024)?;
    let settings = format!(
        "/// The seed of every random draw.\npub const SEED: u64 = {seed};\n\
         /// Training steps of `train`.\npub const TRAIN_STEPS: u32 = {steps};\n\
         /// The host file `train` writes.\npub const EXPORT_FILE: &str = {export:?};\n\
         /// The most RAM `train`'s static state may take.\npub const RAM_BUDGET: usize = {budget};\n"
    );

    let model: PathBuf = setting("PICOGAN_MODEL", DEFAULT_MODEL.into())?;
    let model = manifest_dir.join(model);
    println!("cargo::rerun-if-changed={}", model.display());
    let (source, classes, image_source) = generator_source(&model)?;
    println!("cargo::rerun-if-env-changed=PICOGAN_LABEL");
    let label = match env::var("PICOGAN_LABEL") {
        Ok(text) => Some(
            text.trim()
                .parse::<usize>()
                .map_err(|_| format!("PICOGAN_LABEL must be a class number, got {text:?}"))?,
        ),
        Err(_) => None,
    };
    if let Some(label) = label
        && label >= classes.max(1)
    {
        return Err(if classes == 0 {
            format!(
                "PICOGAN_LABEL is {label} but {} is not a conditional model",
                model.display()
            )
        } else {
            format!(
                "PICOGAN_LABEL is {label} but {} has classes 0 to {}",
                model.display(),
                classes - 1
            )
        });
    }
    let label_source = format!(
        "/// The class of every sample (`PICOGAN_LABEL`), or None for the labels in turn.\n\
         pub const LABEL: Option<usize> = {label:?};\n"
    );
    write(
        &out_dir.join("settings.rs"),
        &(settings + &label_source + &image_source),
    )?;
    write(&out_dir.join("model.rs"), &source)
}

/// The build setting `name` parsed as a `T`, or `default` when it is not set.
fn setting<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    println!("cargo::rerun-if-env-changed={name}");
    match env::var(name) {
        Ok(text) => text.trim().parse().map_err(|_| {
            format!(
                "{name} must be a {}, got {text:?}",
                std::any::type_name::<T>()
            )
        }),
        Err(_) => Ok(default),
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Copies the board's memory map to where `link.x` looks for `memory.x`, and passes the linker
/// scripts (here rather than in `.cargo/config.toml`, which builds started from another folder
/// do not read).
fn link(manifest_dir: &Path, out_dir: &Path) -> Result<(), String> {
    let boards = [
        ("qemu", env::var_os("CARGO_FEATURE_QEMU").is_some()),
        ("nrf52840", env::var_os("CARGO_FEATURE_NRF52840").is_some()),
    ];
    let chosen: Vec<&str> = boards.iter().filter(|b| b.1).map(|b| b.0).collect();
    let [board] = chosen[..] else {
        return Err(format!(
            "choose exactly one board feature, `qemu` (the default) or `nrf52840`; enabled: {chosen:?}"
        ));
    };
    let memory = manifest_dir.join("memory").join(format!(
        "{}.x",
        if board == "qemu" { "mps2-an386" } else { board }
    ));
    println!("cargo::rerun-if-changed={}", memory.display());
    std::fs::copy(&memory, out_dir.join("memory.x"))
        .map_err(|e| format!("cannot copy {}: {e}", memory.display()))?;
    println!("cargo::rustc-link-search={}", out_dir.display());
    println!("cargo::rustc-link-arg=--nmagic");
    println!("cargo::rustc-link-arg=-Tlink.x");
    if env::var_os("CARGO_FEATURE_DEFMT").is_some() {
        println!("cargo::rustc-link-arg=-Tdefmt.x");
    }
    Ok(())
}

/// The generated `model.rs`: the network as a `static`, plus the constants `sample` prints; the
/// model's classes; and the image settings ([`image_source`]).
fn generator_source(model: &Path) -> Result<(String, usize, String), String> {
    let bytes = std::fs::read(model).map_err(|e| {
        format!(
            "cannot read the model file {}: {e}\nset PICOGAN_MODEL to a generator written by `picogan train`",
            model.display()
        )
    })?;
    let mut source = format!(
        "// Generated by build.rs from {}. Do not edit.\n",
        model.display()
    );
    let summary = write_rust_source(&bytes, &mut source)
        .map_err(|e| format!("{} is not a usable model file: {e}", model.display()))?;
    println!("cargo::rustc-check-cfg=cfg(picogan_int8)");
    println!("cargo::rustc-check-cfg=cfg(picogan_q16)");
    match summary.dtype {
        Dtype::I8 => println!("cargo::rustc-cfg=picogan_int8"),
        Dtype::Q16 => println!("cargo::rustc-cfg=picogan_q16"),
        _ => {}
    }
    if summary.role != Role::Generator {
        return Err(format!(
            "{} holds a {:?}; the firmware samples from a generator",
            model.display(),
            summary.role
        ));
    }
    let layers = summary.layers();
    let macs: usize = layers.iter().map(|l| l.inputs * l.outputs).sum();
    let outputs = layers.last().map_or(0, |l| l.outputs);
    let constants = [
        ("MODEL_CRC", "u32", format!("{:#010x}", summary.checksum)),
        ("PARAMETERS", "usize", summary.params.to_string()),
        ("MULTIPLY_ACCUMULATES", "usize", macs.to_string()),
        ("OUTPUTS", "usize", outputs.to_string()),
    ];
    for (name, ty, value) in constants {
        writeln!(source, "pub const {name}: {ty} = {value};").map_err(|e| e.to_string())?;
    }
    let image = image_source(&bytes, &summary);
    Ok((source, summary.classes, image))
}

/// Characters from no ink to full ink, for drawing image samples as text.
const INK_RAMP: &str = " .:-=+*#%@";

/// `IMAGE`, the (width, height) of the image a sample is when the model says so and its output
/// layer is bounded (sigmoid or tanh) with one normalization for every pixel; and `INK`, the
/// values (in the sampler's units: the data's for f32, the network's int8 or Q16 outputs) from
/// which a pixel takes each next character of `INK_RAMP`: the output range cut into 10 equal
/// parts.
fn image_source(bytes: &[u8], summary: &picogan::model::ModelSummary) -> String {
    use picogan::Activation;
    let (value_type, zero) = match summary.dtype {
        Dtype::I8 => ("i8", "0"),
        Dtype::Q16 => ("picogan::quant::Q16", "picogan::quant::Q16::ZERO"),
        _ => ("f32", "0.0"),
    };
    let bounds = match summary.layers().last().map(|l| l.activation) {
        Some(Activation::Sigmoid) => Some((0.0f64, 1.0f64)),
        Some(Activation::Tanh) => Some((-1.0, 1.0)),
        _ => None,
    };
    let columns: Vec<_> = summary.normalization(bytes).collect();
    let column = columns
        .first()
        .copied()
        .unwrap_or(picogan::model::Normalization::IDENTITY);
    let common = columns.iter().all(|&c| c == column);
    let (image, ink) = match (summary.image, bounds) {
        (Some(shape), Some((low, high))) if common => {
            let output =
                (summary.dtype == Dtype::I8).then(|| picogan::model::int8_layers(bytes, summary).1);
            let ink: Vec<String> = (1..INK_RAMP.len())
                .map(|k| {
                    let t = low + (high - low) * k as f64 / (INK_RAMP.len() as f64);
                    match (summary.dtype, output) {
                        (Dtype::I8, Some(out)) => {
                            let q = (t / f64::from(out.scale) + f64::from(out.zero_point)).ceil();
                            format!("{}", q.clamp(-128.0, 127.0) as i8)
                        }
                        (Dtype::Q16, _) => format!(
                            "picogan::quant::Q16::from_bits({})",
                            (t * 65536.0).ceil() as i32
                        ),
                        _ => format!("{:?}", column.to_data(t as f32)),
                    }
                })
                .collect();
            (Some((shape.width, shape.height)), ink.join(", "))
        }
        _ => (None, vec![zero; INK_RAMP.len() - 1].join(", ")),
    };
    format!(
        "/// The (width, height) of the image a sample is, when it can be drawn as text.
         pub const IMAGE: Option<(usize, usize)> = {image:?};
         /// The characters of a pixel, from no ink to full ink.
         pub const INK_RAMP: &[u8] = b{INK_RAMP:?};
         /// The values from which a pixel takes each next character of `INK_RAMP`.
         pub const INK: [{value_type}; {}] = [{ink}];
",
        INK_RAMP.len() - 1
    )
}
