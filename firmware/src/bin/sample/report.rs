//! The lines the firmware prints; `tests/tests/firmware.rs` parses them.
//!
//! ```text
//! picogan firmware: model crc32 1a2b3c4d, 8642 parameters, 8448 multiply-accumulates per sample, seed 0, 256 samples
//! sample 0: 3f800000 bf000000
//! checksum 0a1b2c3d
//! instructions 12345678 for 256 samples: 48225 per sample, 5.70 per multiply-accumulate
//! ram: activations 776 bytes, noise generator 16 bytes
//! ```
//!
//! A model of images whose output is bounded also prints, after the header, `image 8x8, ink
//! from: …` (the values where each next character starts, as bits like the samples), and after
//! each of the first samples `image i, label L:` and the image as rows of characters between
//! bars, from ` ` (no ink) to `@`.

use heapless::String;

use picogan_firmware::{board, say};

use crate::{Sample, model, sampler};

/// Hex digits and a space per value.
const LINE: usize = (sampler::HEX_DIGITS + 1) * model::OUTPUTS;

pub fn header() {
    let crc = hex(model::MODEL_CRC);
    say!(
        "picogan firmware: model crc32 {}, {} parameters, {} multiply-accumulates per sample, seed {}, {} samples",
        crc.as_str(),
        model::PARAMETERS,
        model::MULTIPLY_ACCUMULATES,
        crate::settings::SEED,
        crate::SAMPLES
    );
}

/// `image WxH, ink from: bits …` for a model of images.
pub fn ink() {
    let Some((width, height)) = crate::settings::IMAGE else {
        return;
    };
    let mut line: String<{ (sampler::HEX_DIGITS + 1) * 9 }> = String::new();
    push_bits(&mut line, &crate::settings::INK);
    say!("image {}x{}, ink from: {}", width, height, line.as_str());
}

/// Sample `index` of class `label` as an image: `image i, label L:`, then a line of characters
/// per row of pixels, between bars.
pub fn image(index: usize, label: usize, sample: &Sample) {
    let Some((width, _)) = crate::settings::IMAGE else {
        return;
    };
    say!("image {}, label {}:", index, label);
    for row in sample.chunks(width) {
        let mut line: String<{ IMAGE_LINE }> = String::new();
        push(&mut line, "|");
        for value in row {
            let level = crate::settings::INK.iter().filter(|&t| value >= t).count();
            let ink = crate::settings::INK_RAMP[level];
            if line.push(char::from(ink)).is_err() {
                board::fail("a report line overflowed its buffer");
            }
        }
        push(&mut line, "|");
        say!("{}", line.as_str());
    }
}

/// The longest image row, with its bars.
const IMAGE_LINE: usize = 257;

/// `sample i: bits bits …`, each value's bits in hex (8 digits for f32, 2 for int8).
pub fn sample(index: usize, sample: &Sample) {
    let mut line: String<LINE> = String::new();
    push_bits(&mut line, sample);
    say!("sample {}: {}", index, line.as_str());
}

/// Appends each value's bits in hex (8 digits for f32, 2 for int8), separated by spaces.
fn push_bits<const N: usize>(line: &mut String<N>, values: &[sampler::Value]) {
    for (j, value) in values.iter().enumerate() {
        if j > 0 {
            push(line, " ");
        }
        let digits = hex(sampler::bits(*value));
        push(line, &digits[8 - sampler::HEX_DIGITS..]);
    }
}

pub fn checksum(crc: u32) {
    say!("checksum {}", hex(crc).as_str());
}

/// The counter's total and its share per sample and per multiply-accumulate (two decimals).
pub fn cost(count: u32, samples: usize) {
    let samples = samples as u32;
    let per_sample = count / samples;
    let macs = (model::MULTIPLY_ACCUMULATES as u64) * u64::from(samples);
    let hundredths = (u64::from(count) * 100 + macs / 2) / macs;
    let whole = hundredths / 100;
    let (tens, ones) = ((hundredths % 100) / 10, hundredths % 10);
    say!(
        "{} {} for {} samples: {} per sample, {}.{}{} per multiply-accumulate",
        board::Counter::UNIT,
        count,
        samples,
        per_sample,
        whole,
        tens,
        ones
    );
}

pub fn memory(activations: usize, rng: usize) {
    say!(
        "ram: activations {} bytes, noise generator {} bytes",
        activations,
        rng
    );
}

/// `value` as eight lower-case hex digits.
fn hex(value: u32) -> String<8> {
    let mut text = String::new();
    for shift in (0..8).rev() {
        let digit = b"0123456789abcdef"[((value >> (4 * shift)) & 0xf) as usize];
        // Eight pushes into a String of capacity 8 cannot fail.
        let _ = text.push(char::from(digit));
    }
    text
}

fn push<const N: usize>(line: &mut String<N>, text: &str) {
    if line.push_str(text).is_err() {
        board::fail("a report line overflowed its buffer");
    }
}
