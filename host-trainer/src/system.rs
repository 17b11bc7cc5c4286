//! What this machine is, for `picogan --version` and the benchmark's records: the CPU's model,
//! its vector extensions and the instruction set the kernels take on it.

use picogan::isa::{self, Isa};

/// The CPU's model name (`model name` in `/proc/cpuinfo`), or `unknown CPU` where there is none.
pub fn cpu_model() -> String {
    cpuinfo_field("model name").unwrap_or_else(|| "unknown CPU".to_owned())
}

/// The CPU's vector extensions among its `/proc/cpuinfo` flags (SSE4, AVX, FMA, AVX-512, NEON),
/// space-separated; empty where the file does not say.
pub fn vector_extensions() -> String {
    let flags = cpuinfo_field("flags")
        .or_else(|| cpuinfo_field("Features"))
        .unwrap_or_default();
    flags
        .split_whitespace()
        .filter(|flag| {
            ["sse4", "avx", "fma", "asimd", "neon", "sve"]
                .iter()
                .any(|prefix| flag.starts_with(prefix))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line: the CPU, and the kernels' instruction set now and at best.
pub fn describe() -> String {
    let (selected, best) = (isa::selected(), Isa::best());
    let forced = if selected == best {
        String::new()
    } else {
        format!(", forced; this CPU runs {best}")
    };
    format!("{}: kernels use {selected}{forced}", cpu_model())
}

fn cpuinfo_field(name: &str) -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim().to_owned())
    })
}
