//! picogan on a Cortex-M4F: draws samples from a trained generator kept in flash.
//!
//! The generator comes from a model file turned into a `static` at build time (see `build.rs`),
//! so its weights live in flash and use no RAM; the activations live in one static trace. The
//! program seeds the noise generator, prints `SAMPLES` samples as the exact bit patterns of their
//! `f32` values with a CRC-32 over all of them, then draws them again under the board's counter
//! and prints the cost of one sample. The host test `tests/tests/firmware.rs` checks every bit
//! against the host's own computation.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod report;

use cortex_m_rt::entry;
use picogan::rng::{NoiseRng, SeedableRng};
use picogan::{Layer, Zeroed};
use picogan_firmware::board;
use static_cell::ConstStaticCell;

/// The generated network and its constants.
#[cfg_attr(feature = "size-baseline", allow(dead_code))]
mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

/// `SEED` and the other build settings (see `build.rs`).
#[allow(dead_code)]
mod settings {
    include!(concat!(env!("OUT_DIR"), "/settings.rs"));
}

use model::Network;

/// Samples drawn and printed.
const SAMPLES: usize = 256;

/// The activations of one forward pass: each layer's outputs for a batch of one.
type Trace = <Network as Layer>::Trace<1>;
type Sample = <Network as Layer>::Output;

/// The activations, in `.bss`.
static TRACE: ConstStaticCell<Trace> = ConstStaticCell::new(Trace::ZEROED);

/// CRC-32 (ISO-HDLC) without a lookup table, to keep flash small.
const CRC32: crc::Crc<u32, crc::NoTable> =
    crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

#[entry]
fn main() -> ! {
    let trace = TRACE.take();
    report::header();

    let mut rng = NoiseRng::seed_from_u64(settings::SEED);
    let mut checksum = CRC32.digest();
    for index in 0..SAMPLES {
        let sample = draw(&mut rng, trace);
        add_to_checksum(&mut checksum, sample);
        report::sample(index, sample);
    }
    let checksum = checksum.finalize();
    report::checksum(checksum);

    // The same draws again, timed without the printing.
    let mut rng = NoiseRng::seed_from_u64(settings::SEED);
    let mut again = CRC32.digest();
    let counter = board::Counter::start();
    for _ in 0..SAMPLES {
        add_to_checksum(&mut again, draw(&mut rng, trace));
    }
    let count = counter.elapsed();
    if again.finalize() != checksum {
        board::fail("the timed draws differ from the printed ones");
    }
    report::cost(count, SAMPLES);
    report::memory(
        core::mem::size_of::<Trace>(),
        core::mem::size_of::<NoiseRng>(),
    );

    if cfg!(feature = "panic-on-purpose") {
        panic!("panicking on purpose (feature panic-on-purpose)");
    }
    board::exit_success()
}

/// One sample G(z) with z standard normal noise, the same draw as `picogan::sample` on the host.
#[cfg(not(feature = "size-baseline"))]
fn draw<'t>(rng: &mut NoiseRng, trace: &'t mut Trace) -> &'t Sample {
    use picogan::Vector;
    let mut z = [<Network as Layer>::Input::ZERO];
    picogan::rng::fill_normal(rng, z[0].as_mut()); // [1][noise]
    model::NETWORK.forward_batch(&z, trace); // [1][outputs]
    &Network::output(trace)[0]
}

/// Feature `size-baseline`: no noise and no network, so that the flash picogan costs is the
/// difference between a normal build and this one.
#[cfg(feature = "size-baseline")]
fn draw<'t>(_rng: &mut NoiseRng, trace: &'t mut Trace) -> &'t Sample {
    &Network::output(trace)[0]
}

fn add_to_checksum(digest: &mut crc::Digest<'_, u32, crc::NoTable>, sample: &Sample) {
    for value in sample.as_ref() {
        digest.update(&value.to_bits().to_le_bytes());
    }
}
