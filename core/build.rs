//! Build script: sets `cfg(picogan_arm_dsp)` for ARMv7E-M targets (`thumbv7em-*`: Cortex-M4 and
//! M7), whose DSP instructions the int8 kernel uses (`src/quant/dsp.rs`), and
//! `cfg(picogan_arm_mla)` for ARMv7-M ones (`thumbv7m-*`: Cortex-M3), whose two-sample kernel
//! is written out in assembly (`src/quant/mla.rs`). Stable Rust has no `target_feature` cfg for
//! the DSP extension.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(picogan_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(picogan_arm_mla)");
    println!("cargo::rerun-if-env-changed=TARGET");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=picogan_arm_dsp");
    } else if target.starts_with("thumbv7m-") {
        println!("cargo::rustc-cfg=picogan_arm_mla");
    }
}
