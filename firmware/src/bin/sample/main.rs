//! picogan on a Cortex-M: draws samples from a trained generator kept in flash.
//!
//! The generator comes from a model file turned into a `static` at build time (see `build.rs`),
//! so its weights live in flash and use no RAM. An f32 model runs on the FPU with its
//! activations in one static trace; an int8 model (`picogan export --dtype i8`) runs on integers
//! only, noise included, so it suits FPU-less chips such as the Cortex-M3; so does a Q16.16
//! model (`--dtype q16`), at four times the weight memory. The program seeds the
//! noise generator, prints `SAMPLES` samples as the exact bit patterns of their values with a
//! CRC-32 over all of them, then draws them again under the board's counter and prints the cost
//! of one sample. An int8 network draws them in batches, two samples per forward pass. The host
//! test `tests/tests/firmware.rs` checks every bit against the host.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod report;
mod sampler;

use cortex_m_rt::entry;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan_firmware::board;

/// The generated network and its constants (each dtype's sampler uses some of them).
#[allow(dead_code)]
mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

/// `SEED` and the other build settings (see `build.rs`).
#[allow(dead_code)]
mod settings {
    include!(concat!(env!("OUT_DIR"), "/settings.rs"));
}

/// Samples drawn and printed.
const SAMPLES: usize = 256;
/// Samples of a model of images also drawn as text.
const IMAGES: usize = 10;

/// One sample: `f32`, `i8` or Q16.16 values.
type Sample = [sampler::Value; model::OUTPUTS];

/// CRC-32 (ISO-HDLC) without a lookup table, to keep flash small.
const CRC32: crc::Crc<u32, crc::NoTable> =
    crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

#[entry]
fn main() -> ! {
    let mut sampler = sampler::Sampler::new();
    report::header();
    report::ink();

    let mut rng = NoiseRng::seed_from_u64(settings::SEED);
    let mut checksum = CRC32.digest();
    for index in 0..SAMPLES {
        let sample = if cfg!(feature = "draw-singly") {
            sampler.draw_singly(&mut rng)
        } else {
            sampler.draw(&mut rng)
        };
        add_to_checksum(&mut checksum, &sample);
        report::sample(index, &sample);
        if index < IMAGES {
            let label = settings::LABEL.unwrap_or(index.checked_rem(model::CLASSES).unwrap_or(0));
            report::image(index, label, &sample);
        }
    }
    let checksum = checksum.finalize();
    report::checksum(checksum);

    // The same draws again, timed without the printing (with feature `draw-singly`, through
    // the batched path after the single one: they must give the same bits).
    let mut rng = NoiseRng::seed_from_u64(settings::SEED);
    sampler.restart();
    let mut again = CRC32.digest();
    let counter = board::Counter::start();
    for _ in 0..SAMPLES {
        add_to_checksum(&mut again, &sampler.draw(&mut rng));
    }
    let count = counter.elapsed();
    if again.finalize() != checksum {
        board::fail("the timed draws differ from the printed ones");
    }
    report::cost(count, SAMPLES);
    report::memory(sampler::STATIC_BYTES, core::mem::size_of::<NoiseRng>());

    if cfg!(feature = "panic-on-purpose") {
        panic!("panicking on purpose (feature panic-on-purpose)");
    }
    board::exit_success()
}

fn add_to_checksum(digest: &mut crc::Digest<'_, u32, crc::NoTable>, sample: &Sample) {
    for value in sample {
        digest.update(&value.to_le_bytes());
    }
}
