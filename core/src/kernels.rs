//! The three matrix products of a dense layer, register-tiled.
//!
//! Each keeps the project's summation order exactly: one accumulator per output element, starting
//! from its initial value and adding `a * b` products (never fused) in increasing order of the
//! summed index. Tiles only group *independent* outputs so they can share loads and live in
//! registers; the edge cases run the same order without tiling. A tiled result is therefore the
//! same bits as the plain triple loop, on every target.
//!
//! Weights are `w[k][j]`: input k, output j.

#[cfg(feature = "train")]
pub(crate) mod backward;
#[cfg(feature = "train")]
mod transpose;

use crate::Activation;

/// Rows of samples per tile in [`affine`] (6 samples × 16 outputs = 12 AVX registers).
const ROWS: usize = 6;
/// Contiguous outputs per tile in [`affine`] and [`backward::accumulate_outer`].
pub(crate) const LANES: usize = 16;
/// Samples per block for the outputs no tile of [`LANES`] covers, when there are at most
/// [`NARROW_OUTPUTS`] of them (a 64 → 1 layer): one independent accumulator per sample and
/// output, so that the additions of different samples overlap instead of waiting on each other.
const NARROW_ROWS: usize = 8;
/// The most left-over outputs the narrow paths of the kernels take (more would spill registers).
pub(crate) const NARROW_OUTPUTS: usize = 4;
/// Whether the target has the vector registers the tiles are sized for (16 AVX registers on
/// x86-64, 32 NEON registers on aarch64). A Cortex-M4F's 32 single-precision registers hold
/// neither the input-gradient tiles of [`backward::transposed_product`] nor a copy of the forward
/// tiles for each activation within its flash budget.
pub(crate) const VECTOR_REGISTERS: bool =
    cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
/// Outputs per block of [`affine_one`] on targets with [`VECTOR_REGISTERS`]: 8 AVX registers of
/// independent sums, so that each k's additions do not wait on the previous k's.
const WIDE_LANES: usize = 64;
/// A level-1 data cache's size: 32 KB on most x86-64 and larger ARM cores.
const L1_BYTES: usize = 32 * 1024;

/// Whether a block of [`LANES`] columns of a `[[f32; columns]; rows]` matrix, read in place,
/// evicts itself from L1: its rows lie `4·columns` bytes apart, so with 64-byte lines and 8 ways
/// its `rows` lines share 8·64·64 / (4·columns) slots, fewer than `rows` exactly when the matrix
/// is larger than L1 (128 × 128 floats: 128 lines in 64 slots). Such a block is copied into a
/// contiguous panel first.
pub(crate) const fn needs_panel(rows: usize, columns: usize) -> bool {
    rows * columns * 4 > L1_BYTES
}

/// `y[b][j] = φ(init[j] + Σₖ x[b][k]·w[k][j])`, k increasing. Shapes: x `[B][I]`, w `[I][O]`,
/// y `[B][O]`.
///
/// φ is applied to each tile while it is still in registers, so the outputs are written once.
/// With vector registers, the tiles are compiled once per piecewise-linear φ, with φ inlined:
/// then the accumulators stay in registers up to the store and no branch picks φ row by row,
/// which makes a 2 → 64 layer about 4× faster and a 64 → 64 layer 5%. A microcontroller keeps
/// one copy per layer shape, since flash counts there.
pub(crate) fn affine<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    w: &[[f32; O]; I],
    init: &[f32; O],
    activation: Activation,
    y: &mut [[f32; O]; B],
) {
    if B < ROWS {
        // Too few samples for a tile (a device's one-sample batch): the one-sample code only.
        for (xs, ys) in x.iter().zip(y) {
            affine_one(xs, w, init, activation, ys);
        }
        return;
    }
    // With vector registers, one arm per piecewise-linear φ: φ is a constant there, so
    // `apply_to` inlines to its plain loop. Everything else shares one copy.
    match activation {
        Activation::Identity if VECTOR_REGISTERS => affine_tiles(
            x,
            w,
            init,
            |row, ys| Activation::Identity.apply_to(row, ys),
            y,
        ),
        Activation::Relu if VECTOR_REGISTERS => {
            affine_tiles(x, w, init, |row, ys| Activation::Relu.apply_to(row, ys), y)
        }
        Activation::LeakyRelu(alpha) if VECTOR_REGISTERS => {
            let leaky = Activation::LeakyRelu(alpha);
            affine_tiles(x, w, init, |row, ys| leaky.apply_to(row, ys), y)
        }
        _ => affine_tiles(x, w, init, |row, ys| activation.apply_to(row, ys), y),
    }
}

/// [`affine`] for at least [`ROWS`] samples; `activate(row, ys)` writes φ(row) to ys.
fn affine_tiles<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    w: &[[f32; O]; I],
    init: &[f32; O],
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    y: &mut [[f32; O]; B],
) {
    let full = O / LANES * LANES;
    // Columns outer: one column block of w (I × 64 bytes) stays in L1 across all samples, in
    // place or, when w is larger than L1, as a contiguous copy.
    if needs_panel(I, O) {
        let mut panel = [[0.0f32; LANES]; I];
        for j0 in (0..full).step_by(LANES) {
            let columns = j0..j0 + LANES;
            for (row, wk) in panel.iter_mut().zip(w) {
                row.copy_from_slice(&wk[columns.clone()]);
            }
            affine_columns::<I, LANES, O, B>(x, &panel, 0, init, activate, y, columns);
        }
    } else {
        for j0 in (0..full).step_by(LANES) {
            affine_columns::<I, O, O, B>(x, w, j0, init, activate, y, j0..j0 + LANES);
        }
    }
    if O - full > NARROW_OUTPUTS {
        // Too many left-over outputs for a block of samples to stay in registers (a Cortex-M4F
        // has 32): one sample at a time.
        for (xs, ys) in x.chunks(1).zip(y.chunks_mut(1)) {
            affine_block::<1, I, O, O>(xs, w, full, init, activate, ys, full..O);
        }
    } else if full < O {
        let mut x_blocks = x.chunks_exact(NARROW_ROWS);
        let mut y_blocks = y.chunks_exact_mut(NARROW_ROWS);
        for (xb, yb) in (&mut x_blocks).zip(&mut y_blocks) {
            affine_block::<NARROW_ROWS, I, O, O>(xb, w, full, init, activate, yb, full..O);
        }
        let (xb, yb) = (x_blocks.remainder(), y_blocks.into_remainder());
        affine_block::<NARROW_ROWS, I, O, O>(xb, w, full, init, activate, yb, full..O);
    }
}

/// One sample: `y[j] = φ(init[j] + Σₖ x[k]·w[k][j])`.
///
/// Blocks of outputs accumulate in registers over all k, so each weight is loaded once: blocks of
/// [`WIDE_LANES`] where there are vector registers (the 64 → 64 layer's sums in 8 AVX registers;
/// blocks of 16 left each addition waiting on the one before, and a sample of the medium
/// generator took 1.3× as long), then of [`LANES`] (16 of the 32 single-precision registers of a
/// Cortex-M4F); the outputs left over run the same order in a local array. φ is applied once, to
/// all outputs (one copy of its code per layer: this is the path a microcontroller's sampler
/// runs, where flash counts).
#[inline]
pub(crate) fn affine_one<const I: usize, const O: usize>(
    x: &[f32; I],
    w: &[[f32; O]; I],
    init: &[f32; O],
    activation: Activation,
    y: &mut [f32; O],
) {
    let wide = if VECTOR_REGISTERS {
        O / WIDE_LANES * WIDE_LANES
    } else {
        0
    };
    for j0 in (0..wide).step_by(WIDE_LANES) {
        y[j0..j0 + WIDE_LANES].copy_from_slice(&lanes_sum::<WIDE_LANES, I, O>(x, w, init, j0));
    }
    let full = wide + (O - wide) / LANES * LANES;
    for j0 in (wide..full).step_by(LANES) {
        y[j0..j0 + LANES].copy_from_slice(&lanes_sum::<LANES, I, O>(x, w, init, j0));
    }
    y[full..].copy_from_slice(&init[full..]);
    for (&xk, wk) in x.iter().zip(w) {
        for (yj, &wkj) in y[full..].iter_mut().zip(&wk[full..]) {
            *yj += wkj * xk;
        }
    }
    activation.apply_in_place(y);
}

/// One sample, outputs `j0..j0 + N`: `init[j] + Σₖ x[k]·w[k][j]`, accumulated in registers.
#[inline(always)]
fn lanes_sum<const N: usize, const I: usize, const O: usize>(
    x: &[f32; I],
    w: &[[f32; O]; I],
    init: &[f32; O],
    j0: usize,
) -> [f32; N] {
    let lanes = j0..j0 + N;
    let mut acc = [0.0f32; N];
    acc.copy_from_slice(&init[lanes.clone()]);
    for (&xk, wk) in x.iter().zip(w) {
        for (a, &wkj) in acc.iter_mut().zip(&wk[lanes.clone()]) {
            *a += wkj * xk;
        }
    }
    acc
}

/// Every sample × the [`LANES`] outputs `columns`, in tiles of [`ROWS`] samples; `w` and `w0` as in
/// [`affine_block`].
#[inline(always)]
pub(crate) fn affine_columns<const I: usize, const W: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    w: &[[f32; W]; I],
    w0: usize,
    init: &[f32; O],
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    y: &mut [[f32; O]; B],
    columns: core::ops::Range<usize>,
) {
    let mut x_blocks = x.chunks_exact(ROWS);
    let mut y_blocks = y.chunks_exact_mut(ROWS);
    for (xb, yb) in (&mut x_blocks).zip(&mut y_blocks) {
        affine_block::<ROWS, I, W, O>(xb, w, w0, init, activate, yb, columns.clone());
    }
    let (xb, yb) = (x_blocks.remainder(), y_blocks.into_remainder());
    affine_block::<ROWS, I, W, O>(xb, w, w0, init, activate, yb, columns);
}

/// Up to `R` samples × the outputs `columns` (at most [`LANES`] of them): one accumulator per
/// sample and output, held in registers and advanced together along k, then stored through
/// `activate` (φ). Full tiles are [`ROWS`] × [`LANES`]; the outputs no tile covers run as
/// [`NARROW_ROWS`] × fewer than [`LANES`].
///
/// `w` holds the weights of those outputs from its column `w0` on: all of w (`W` = O), or a
/// panel of [`LANES`] columns copied out of it (`W` = [`LANES`], `w0` = 0).
#[inline(always)]
fn affine_block<const R: usize, const I: usize, const W: usize, const O: usize>(
    x: &[[f32; I]],
    w: &[[f32; W]; I],
    w0: usize,
    init: &[f32; O],
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    y: &mut [[f32; O]],
    columns: core::ops::Range<usize>,
) {
    let width = columns.len();
    let mut acc = [[0.0f32; LANES]; R];
    for row in acc.iter_mut() {
        row[..width].copy_from_slice(&init[columns.clone()]);
    }
    for (k, wk) in w.iter().enumerate() {
        let wk = &wk[w0..w0 + width];
        for (row, xs) in acc.iter_mut().zip(x) {
            let xk = xs[k];
            for (a, &wkj) in row[..width].iter_mut().zip(wk) {
                *a += wkj * xk;
            }
        }
    }
    for (ys, row) in y.iter_mut().zip(&acc) {
        activate(&row[..width], &mut ys[columns.clone()]);
    }
}
