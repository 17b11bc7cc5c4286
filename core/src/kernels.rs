//! The three matrix products of a dense layer, register-tiled.
//!
//! Each keeps the project's summation order exactly: one accumulator per output element, starting
//! from its initial value and adding `a * b` products (never fused) in increasing order of the
//! summed index. Tiles only group *independent* outputs so they can share loads and live in
//! registers; the edge cases run the same order without tiling. A tiled result is therefore the
//! same bits as the plain triple loop, on every target.
//!
//! Weights are `w[k][j]`: input k, output j. Every matrix is a flat slice, row after row, and
//! every size a [`Dim`]: a [`Const`] for the const-generic layers, which the compiler folds into
//! the loops as if the sizes were written there, or a `usize` for networks shaped at run time
//! (feature `alloc`). Both run this one code.

#[cfg(feature = "train")]
pub(crate) mod backward;
mod dim;
mod transpose;

pub(crate) use dim::{Const, Dim, Shape};

use crate::Activation;
use crate::isa::Target;

/// Rows of samples per tile in [`affine`], and rows of the backward tiles: 6 rows × 16 outputs
/// fill 12 of 16 AVX registers.
pub(crate) const ROWS: usize = 6;
/// Rows per tile with AVX-512: 8 rows × 16 outputs in 8 of its 32 registers, with the products
/// beside them. The usual batches (64, 256) are whole multiples of 8; tiles of 12 rows were no
/// faster.
#[cfg(target_arch = "x86_64")]
pub(crate) const AVX512_ROWS: usize = 8;
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

/// Runs `$call` compiled for the instruction set [`crate::isa::selected`] names, with `$target`
/// bound to its token and the constant `$rows` to its tiles' height ([`ROWS`] or
/// [`AVX512_ROWS`]). Without x86-64 there is one arm, the baseline, and nothing is decided at run
/// time. The closure is always inlined into the function that enables the features: compiled
/// on its own, it would call each vector intrinsic out of line, many times slower.
macro_rules! on_selected_target {
    (|$target:ident, $rows:ident| $call:expr) => {{
        #[allow(unused_imports)]
        use $crate::isa::Target as _;
        match $crate::isa::selected_target() {
            #[cfg(target_arch = "x86_64")]
            $crate::isa::Selected::Avx512($target) => {
                $crate::kernels::on_selected_target!(@run $target, $rows = $crate::kernels::AVX512_ROWS, $call)
            }
            #[cfg(target_arch = "x86_64")]
            $crate::isa::Selected::Avx2($target) => {
                $crate::kernels::on_selected_target!(@run $target, $rows = $crate::kernels::ROWS, $call)
            }
            $crate::isa::Selected::Portable($target) => {
                $crate::kernels::on_selected_target!(@run $target, $rows = $crate::kernels::ROWS, $call)
            }
        }
    }};
    (@run $target:ident, $rows:ident = $height:expr, $call:expr) => {{
        const $rows: usize = $height;
        $target.run(
            #[inline(always)]
            move || $call,
        )
    }};
}
// By path, so that its own `@run` arm and the modules of feature `train` can name it.
#[allow(unused_imports)]
pub(crate) use on_selected_target;

/// Runs `$call` with the constant `$n` set to `$count`, a number from 1 to [`NARROW_OUTPUTS`]
/// known at compile time (0 runs nothing), so that the narrow blocks have constant widths.
macro_rules! narrow_width {
    ($count:expr, $n:ident => $call:expr) => {
        match $count {
            0 => {}
            1 => {
                const $n: usize = 1;
                $call
            }
            2 => {
                const $n: usize = 2;
                $call
            }
            3 => {
                const $n: usize = 3;
                $call
            }
            _ => {
                const $n: usize = 4;
                $call
            }
        }
    };
}
#[cfg(feature = "train")]
pub(crate) use narrow_width;
const _: () = assert!(NARROW_OUTPUTS == 4, "`narrow_width!` covers 1 to 4 outputs");

/// Runs `$call` on the rows of `$x` (of `$xw` values) and `$y` (of `$yw` values), fewer than 16,
/// in blocks of 8, 4, 2 and 1 rows, binding `$xb` and `$yb` to the block's rows and the constant
/// `$rows` to its size. Every loop over a block's rows then has a constant length and unrolls, so
/// its sums stay in registers.
macro_rules! in_row_blocks {
    ($x:expr, $xw:expr, $y:expr, $yw:expr, |$xb:ident, $yb:ident, $rows:ident| $call:expr) => {{
        let (mut x, mut y): (&[f32], &mut [f32]) = ($x, $y);
        in_row_blocks!(@block x, $xw, y, $yw, 8, $xb, $yb, $rows, $call);
        in_row_blocks!(@block x, $xw, y, $yw, 4, $xb, $yb, $rows, $call);
        in_row_blocks!(@block x, $xw, y, $yw, 2, $xb, $yb, $rows, $call);
        in_row_blocks!(@block x, $xw, y, $yw, 1, $xb, $yb, $rows, $call);
        debug_assert!(x.is_empty() && y.is_empty());
    }};
    (@block $x:ident, $xw:expr, $y:ident, $yw:expr, $size:literal, $xb:ident, $yb:ident, $rows:ident, $call:expr) => {
        if $y.len() >= $size * $yw && $x.len() >= $size * $xw {
            let ($xb, x_rest) = $x.split_at($size * $xw);
            let ($yb, y_rest) = core::mem::take(&mut $y).split_at_mut($size * $yw);
            const $rows: usize = $size;
            $call;
            ($x, $y) = (x_rest, y_rest);
        }
    };
}

/// The `R` rows of `width` values that `block` holds, row after row.
#[inline(always)]
pub(crate) fn split_rows<const R: usize>(block: &[f32], width: usize) -> [&[f32]; R] {
    let mut rows = [&block[..0]; R];
    for (r, row) in rows.iter_mut().enumerate() {
        *row = &block[r * width..][..width];
    }
    rows
}

/// Row `s` of a matrix of rows of `width` values.
#[inline(always)]
fn row(matrix: &[f32], width: usize, s: usize) -> &[f32] {
    &matrix[s * width..][..width]
}

/// Whether a block of [`LANES`] columns of a `[[f32; columns]; rows]` matrix, read in place,
/// evicts itself from L1: its rows lie `4·columns` bytes apart, so with 64-byte lines and 8 ways
/// its `rows` lines share 8·64·64 / (4·columns) slots, fewer than `rows` exactly when the matrix
/// is larger than L1 (128 × 128 floats: 128 lines in 64 slots). Such a block is copied into a
/// contiguous panel first.
pub(crate) const fn needs_panel(rows: usize, columns: usize) -> bool {
    rows * columns * 4 > L1_BYTES
}

/// `y[b][j] = φ(init[j] + Σₖ x[b][k]·w[k][j])`, k increasing (`init` = 0 when `None`). Shapes:
/// x `[B][I]`, w `[I][O]`, init `[O]`, y `[B][O]`.
///
/// φ is applied to each tile while it is still in registers, so the outputs are written once.
/// With vector registers, the tiles are compiled once per piecewise-linear φ, with φ inlined:
/// then the accumulators stay in registers up to the store and no branch picks φ row by row. A
/// microcontroller keeps one copy per layer shape, since flash counts there.
#[inline]
pub(crate) fn affine<I: Dim, O: Dim, B: Dim>(
    shape: Shape<I, O, B>,
    x: &[f32],
    w: &[f32],
    init: Option<&[f32]>,
    activation: Activation,
    y: &mut [f32],
) {
    on_selected_target!(|target, R| affine_with::<_, R, I, O, B>(
        target, shape, x, w, init, activation, y
    ))
}

/// [`affine`] with tiles of `R` rows, inlined into `target`'s instruction set.
#[inline(always)]
fn affine_with<T: Target, const R: usize, I: Dim, O: Dim, B: Dim>(
    target: T,
    shape: Shape<I, O, B>,
    x: &[f32],
    w: &[f32],
    init: Option<&[f32]>,
    activation: Activation,
    y: &mut [f32],
) {
    let (ni, no, nb) = shape.get();
    if no == 0 {
        return;
    }
    if ni == 0 || nb < ROWS {
        // Too few samples for a tile (a device's one-sample batch): the one-sample code only.
        for (s, ys) in y.chunks_exact_mut(no).enumerate().take(nb) {
            affine_one_with(target, shape, row(x, ni, s), w, init, activation, ys);
        }
        return;
    }
    // With vector registers, one arm per piecewise-linear φ: φ is a constant there, so
    // `apply_to` inlines to its plain loop. Everything else shares one copy.
    // Each φ is a closure inlined into the tile's store, always: left to the inliner, it became
    // a call per row once the tiles had been inlined into the dispatched function.
    match activation {
        Activation::Identity if VECTOR_REGISTERS => affine_tiles::<T, R, I, O, B>(
            target,
            shape,
            x,
            w,
            init,
            #[inline(always)]
            |row, ys| Activation::Identity.apply_to(row, ys),
            y,
        ),
        Activation::Relu if VECTOR_REGISTERS => affine_tiles::<T, R, I, O, B>(
            target,
            shape,
            x,
            w,
            init,
            #[inline(always)]
            |row, ys| Activation::Relu.apply_to(row, ys),
            y,
        ),
        Activation::LeakyRelu(alpha) if VECTOR_REGISTERS => affine_tiles::<T, R, I, O, B>(
            target,
            shape,
            x,
            w,
            init,
            #[inline(always)]
            move |row, ys| Activation::LeakyRelu(alpha).apply_to(row, ys),
            y,
        ),
        _ => affine_tiles::<T, R, I, O, B>(
            target,
            shape,
            x,
            w,
            init,
            #[inline(always)]
            move |row, ys| activation.apply_to(row, ys),
            y,
        ),
    }
}

/// [`affine`] for at least [`ROWS`] samples of at least one input, in tiles of `R` rows;
/// `activate(row, ys)` writes φ(row) to ys.
#[inline(always)]
fn affine_tiles<T: Target, const R: usize, I: Dim, O: Dim, B: Dim>(
    target: T,
    shape: Shape<I, O, B>,
    x: &[f32],
    w: &[f32],
    init: Option<&[f32]>,
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    y: &mut [f32],
) {
    let (ni, no, nb) = shape.get();
    // Every length a product of the sizes: constants, when the sizes are.
    let (x, w, y) = (&x[..nb * ni], &w[..ni * no], &mut y[..nb * no]);
    let full = no / LANES * LANES;
    // Columns outer: one column block of w (I × 64 bytes) stays in L1 across all samples, in
    // place or, when w is larger than L1, as a contiguous copy.
    if needs_panel(ni, no) {
        shape.inputs.with_panel(
            #[inline(always)]
            |panel| {
                for j0 in (0..full).step_by(LANES) {
                    for (column, wk) in panel.iter_mut().zip(w.chunks_exact(no)) {
                        column.copy_from_slice(&wk[j0..j0 + LANES]);
                    }
                    let panel = panel.as_flattened();
                    affine_columns::<T, R, I, Const<LANES>, O>(
                        target,
                        (x, shape.inputs),
                        (panel, Const, 0),
                        init,
                        activate,
                        (y, shape.outputs),
                        j0,
                    );
                }
            },
        );
    } else {
        for j0 in (0..full).step_by(LANES) {
            affine_columns::<T, R, I, O, O>(
                target,
                (x, shape.inputs),
                (w, shape.outputs, j0),
                init,
                activate,
                (y, shape.outputs),
                j0,
            );
        }
    }
    if no - full > NARROW_OUTPUTS {
        // Too many left-over outputs for a block of samples to stay in registers (a Cortex-M4F
        // has 32): one sample at a time.
        let mut sums = [0.0f32; LANES];
        let sums = &mut sums[..no - full];
        for (s, ys) in y.chunks_exact_mut(no).enumerate() {
            remainder_sum(row(x, ni, s), w, no, init, full, sums);
            activate(sums, &mut ys[full..]);
        }
    } else if VECTOR_REGISTERS {
        narrow_width!(no - full, N => {
            affine_narrow::<T, N, I, O, B>(target, shape, x, w, init, activate, y)
        });
    } else {
        narrow_width!(no - full, N => {
            let x_blocks = x.chunks_exact(NARROW_ROWS * ni);
            let x_rest = x_blocks.remainder();
            let mut y_blocks = y.chunks_exact_mut(NARROW_ROWS * no);
            for (xb, yb) in x_blocks.zip(&mut y_blocks) {
                narrow_block::<NARROW_ROWS, N, I, O>(shape, xb, w, init, activate, yb);
            }
            in_row_blocks!(x_rest, ni, y_blocks.into_remainder(), no, |xb, yb, S| {
                narrow_block::<S, N, I, O>(shape, xb, w, init, activate, yb)
            });
        });
    }
}

/// The last `N` outputs (N ≤ [`NARROW_OUTPUTS`], a 64 → 1 layer) with vector registers: 16
/// samples at a time, their rows of x transposed into a panel so that one vector holds input k
/// of all 16, and `N` vectors of sums advance along k. The samples no block covers go one at a
/// time.
#[inline(always)]
fn affine_narrow<T: Target, const N: usize, I: Dim, O: Dim, B: Dim>(
    target: T,
    shape: Shape<I, O, B>,
    x: &[f32],
    w: &[f32],
    init: Option<&[f32]>,
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    y: &mut [f32],
) {
    let (ni, no, nb) = shape.get();
    let j0 = no - N;
    let x_blocks = x.chunks_exact(LANES * ni);
    let x_rest = x_blocks.remainder();
    let mut y_blocks = y.chunks_exact_mut(LANES * no);
    if nb >= LANES {
        shape.inputs.with_panel(
            #[inline(always)]
            |x_transposed| {
                for (xb, yb) in x_blocks.zip(&mut y_blocks) {
                    transpose::rows_into_panel(target, xb, ni, 0, x_transposed);
                    let mut acc = [target.splat(0.0); N];
                    if let Some(init) = init {
                        for (a, &initial) in acc.iter_mut().zip(&init[j0..]) {
                            *a = target.splat(initial);
                        }
                    }
                    for (xk, wk) in x_transposed.iter().zip(w.chunks_exact(no)) {
                        let xk = target.load(xk);
                        for (a, &wkj) in acc.iter_mut().zip(&wk[j0..]) {
                            *a = target.add_product(*a, target.splat(wkj), xk);
                        }
                    }
                    let mut sums = [[0.0f32; LANES]; N]; // [N][16 samples]
                    for (sum, a) in sums.iter_mut().zip(acc) {
                        *sum = target.store(a);
                    }
                    for (s, ys) in yb.chunks_exact_mut(no).enumerate() {
                        let mut row = [0.0f32; N];
                        for (r, sum) in row.iter_mut().zip(&sums) {
                            *r = sum[s];
                        }
                        activate(&row, &mut ys[j0..]);
                    }
                }
            },
        );
    }
    let mut sums = [0.0f32; N];
    let y_rest = y_blocks.into_remainder();
    for (s, ys) in y_rest.chunks_exact_mut(no).enumerate() {
        remainder_sum(row(x_rest, ni, s), w, no, init, j0, &mut sums);
        activate(&sums, &mut ys[j0..]);
    }
}

/// `R` samples × the last `N` outputs (N ≤ [`NARROW_OUTPUTS`]) without vector registers: one
/// accumulator per sample and output, every size a constant so that the sums stay in registers.
/// Shapes: x `[R][I]`, y `[R][O]`.
#[inline(always)]
fn narrow_block<const R: usize, const N: usize, I: Dim, O: Dim>(
    shape: Shape<I, O, impl Dim>,
    x: &[f32],
    w: &[f32],
    init: Option<&[f32]>,
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    y: &mut [f32],
) {
    let (ni, no, _) = shape.get();
    let j0 = no - N;
    let rows = split_rows::<R>(x, ni);
    let mut acc = [[0.0f32; N]; R];
    if let Some(init) = init {
        for sums in acc.iter_mut() {
            sums.copy_from_slice(&init[j0..]);
        }
    }
    for (k, wk) in (0..ni).zip(w.chunks_exact(no)) {
        for (sums, xs) in acc.iter_mut().zip(&rows) {
            let xk = xs[k];
            for (a, &wkj) in sums.iter_mut().zip(&wk[j0..]) {
                *a += wkj * xk;
            }
        }
    }
    for (ys, sums) in y.chunks_exact_mut(no).zip(&acc) {
        activate(sums, &mut ys[j0..]);
    }
}

/// One sample: `y[j] = φ(bias[j] + Σₖ x[k]·w[k][j])`, compiled for the selected instruction set,
/// for a layer shaped at run time. Shapes: x `[I]`, w `[I][O]`, bias and y `[O]`.
///
/// Blocks of outputs accumulate in registers over all k, so each weight is loaded once: blocks of
/// [`WIDE_LANES`] where there are vector registers (four vectors of independent sums, so that no
/// addition waits on the one before), then of [`LANES`] (16 of the 32 single-precision registers
/// of a Cortex-M4F); the outputs left over run the same order in a local array. φ is applied
/// once, to all outputs (one copy of its code per layer: this is the path a microcontroller's
/// sampler runs, where flash counts).
#[cfg(feature = "alloc")]
#[inline]
pub(crate) fn affine_one(
    inputs: usize,
    outputs: usize,
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    activation: Activation,
    y: &mut [f32],
) {
    let shape = Shape {
        inputs,
        outputs,
        batch: Const::<1>,
    };
    on_selected_target!(|target, _R| affine_one_with(
        target,
        shape,
        x,
        w,
        Some(bias),
        activation,
        y
    ))
}

/// [`affine_one`] for a const-generic layer: the outputs are made and returned inside the
/// compiled-for-the-target code, so that they go straight to the caller.
#[inline]
pub(crate) fn affine_one_array<const I: usize, const O: usize>(
    x: &[f32; I],
    w: &[[f32; O]; I],
    bias: &[f32; O],
    activation: Activation,
) -> [f32; O] {
    let shape = Shape::<Const<I>, Const<O>, Const<1>>::CONST;
    on_selected_target!(|target, _R| {
        let mut y = [0.0; O];
        affine_one_with(
            target,
            shape,
            x,
            w.as_flattened(),
            Some(bias),
            activation,
            &mut y,
        );
        y
    })
}

/// [`affine_one`], inlined into `target`'s instruction set.
#[inline(always)]
fn affine_one_with<T: Target, I: Dim, O: Dim>(
    target: T,
    shape: Shape<I, O, impl Dim>,
    x: &[f32],
    w: &[f32],
    init: Option<&[f32]>,
    activation: Activation,
    y: &mut [f32],
) {
    let (ni, no, _) = shape.get();
    let (x, w, y) = (&x[..ni], &w[..ni * no], &mut y[..no]);
    let wide = if VECTOR_REGISTERS {
        no / WIDE_LANES * WIDE_LANES
    } else {
        0
    };
    for j0 in (0..wide).step_by(WIDE_LANES) {
        lanes_sum::<T, { WIDE_LANES / LANES }>(target, x, w, shape.outputs, init, j0, y);
    }
    let full = wide + (no - wide) / LANES * LANES;
    for j0 in (wide..full).step_by(LANES) {
        lanes_sum::<T, 1>(target, x, w, shape.outputs, init, j0, y);
    }
    remainder_sum(x, w, no, init, full, &mut y[full..]);
    activation.apply_in_place(y);
}

/// One sample, the outputs from `full` on: `sums[j − full] = init[j] + Σₖ x[k]·w[k][j]`, where
/// w has rows of `outputs` values.
#[inline(always)]
fn remainder_sum(
    x: &[f32],
    w: &[f32],
    outputs: usize,
    init: Option<&[f32]>,
    full: usize,
    sums: &mut [f32],
) {
    if sums.len() <= NARROW_OUTPUTS {
        // A constant number of sums, so that they stay in registers (a 64 → 2 output layer).
        narrow_width!(sums.len(), N => {
            let mut acc = [0.0f32; N];
            if let Some(init) = init {
                acc.copy_from_slice(&init[full..full + N]);
            }
            for (&xk, wk) in x.iter().zip(w.chunks_exact(outputs)) {
                for (a, &wkj) in acc.iter_mut().zip(&wk[full..full + N]) {
                    *a += wkj * xk;
                }
            }
            sums.copy_from_slice(&acc);
        });
        return;
    }
    match init {
        Some(init) => sums.copy_from_slice(&init[full..]),
        None => sums.fill(0.0),
    }
    for (&xk, wk) in x.iter().zip(w.chunks_exact(outputs)) {
        for (sum, &wkj) in sums.iter_mut().zip(&wk[full..]) {
            *sum += wkj * xk;
        }
    }
}

/// The 16 lanes of `row` from `j0` on (a multiple of [`LANES`]).
#[inline(always)]
pub(crate) fn lanes(row: &[f32], j0: usize) -> &[f32; LANES] {
    &row.as_chunks::<LANES>().0[j0 / LANES]
}

/// The 16 lanes of `row` from `j0` on (a multiple of [`LANES`]), to write.
#[cfg(feature = "train")]
#[inline(always)]
pub(crate) fn lanes_mut(row: &mut [f32], j0: usize) -> &mut [f32; LANES] {
    &mut row.as_chunks_mut::<LANES>().0[j0 / LANES]
}

/// The first 16 lanes of `init` from `j0` on, or zeros.
#[inline(always)]
fn initial_lanes<T: Target>(target: T, init: Option<&[f32]>, j0: usize) -> T::F32x16 {
    match init {
        Some(init) => target.load(lanes(init, j0)),
        None => target.splat(0.0),
    }
}

/// One sample, the `V`·16 outputs from `j0` on: `y[j] = init[j] + Σₖ x[k]·w[k][j]`, in `V`
/// vectors of sums; w has rows of `outputs` values.
#[inline(always)]
fn lanes_sum<T: Target, const V: usize>(
    target: T,
    x: &[f32],
    w: &[f32],
    outputs: impl Dim,
    init: Option<&[f32]>,
    j0: usize,
    y: &mut [f32],
) {
    let block = j0..j0 + LANES * V;
    let mut acc = [target.splat(0.0); V];
    for (v, a) in acc.iter_mut().enumerate() {
        *a = initial_lanes(target, init, j0 + LANES * v);
    }
    for (&xk, wk) in x.iter().zip(w.chunks_exact(outputs.get())) {
        for (a, wkj) in acc.iter_mut().zip(wk[block.clone()].as_chunks::<LANES>().0) {
            *a = target.add_scaled(*a, wkj, xk);
        }
    }
    for (out, a) in y[block].as_chunks_mut::<LANES>().0.iter_mut().zip(acc) {
        *out = target.store(a);
    }
}

/// Every sample × the [`LANES`] outputs from `j0` on, in tiles of `R` samples.
///
/// `x` is the samples with their rows of `I` values; `w` is `(weights, W, w0)`, rows of `W` values
/// holding those outputs' weights from column `w0` on (all of w, or a panel of [`LANES`] columns
/// copied out of it); `y` is the outputs with their rows of `O` values.
#[inline(always)]
pub(crate) fn affine_columns<T: Target, const R: usize, I: Dim, W: Dim, O: Dim>(
    target: T,
    (x, inputs): (&[f32], I),
    w: (&[f32], W, usize),
    init: Option<&[f32]>,
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    (y, outputs): (&mut [f32], O),
    j0: usize,
) {
    let (ni, no) = (inputs.get(), outputs.get());
    let x_tiles = x.chunks_exact(R * ni);
    let x_rest = x_tiles.remainder();
    let mut y_tiles = y.chunks_exact_mut(R * no);
    for (xb, yb) in x_tiles.zip(&mut y_tiles) {
        affine_tile::<T, R, I, W, O>(target, (xb, inputs), w, init, activate, (yb, outputs), j0);
    }
    in_row_blocks!(x_rest, ni, y_tiles.into_remainder(), no, |xb, yb, S| {
        affine_tile::<T, S, I, W, O>(target, (xb, inputs), w, init, activate, (yb, outputs), j0)
    });
}

/// `R` samples × the [`LANES`] outputs `j0..j0 + 16`: one vector of sums per sample, held in
/// registers and advanced together along k, then stored through `activate` (φ). Arguments as in
/// [`affine_columns`], for `R` samples.
///
/// The inputs go four at a time, so that the rows' addresses are worked out once per four k
/// rather than once per k, which with sizes known only at run time cost more than the sums
/// (docs/performance.md).
#[inline(always)]
fn affine_tile<T: Target, const R: usize, I: Dim, W: Dim, O: Dim>(
    target: T,
    (x, inputs): (&[f32], I),
    (w, width, w0): (&[f32], W, usize),
    init: Option<&[f32]>,
    activate: impl Fn(&[f32], &mut [f32]) + Copy,
    (y, outputs): (&mut [f32], O),
    j0: usize,
) {
    let (ni, width) = (inputs.get(), width.get());
    let rows = split_rows::<R>(x, ni);
    let mut acc = [initial_lanes(target, init, j0); R];
    let quads = rows.map(|xs| xs.as_chunks::<4>().0);
    for (q, wq) in w.chunks_exact(4 * width).enumerate().take(ni / 4) {
        let (w_a, rest) = wq.split_at(width);
        let (w_b, rest) = rest.split_at(width);
        let (w_c, w_d) = rest.split_at(width);
        for (kk, wk) in [w_a, w_b, w_c, w_d].into_iter().enumerate() {
            let wk = target.load(lanes(wk, w0));
            for (a, xs) in acc.iter_mut().zip(&quads) {
                *a = target.add_product(*a, wk, target.splat(xs[q][kk]));
            }
        }
    }
    // The last inputs, one at a time.
    let full = ni / 4 * 4;
    for (k, wk) in (full..ni).zip(w[full * width..].chunks_exact(width)) {
        let wk = target.load(lanes(wk, w0));
        for (a, xs) in acc.iter_mut().zip(&rows) {
            *a = target.add_product(*a, wk, target.splat(xs[k]));
        }
    }
    for (ys, a) in y.chunks_exact_mut(outputs.get()).zip(acc) {
        activate(&target.store(a), &mut ys[j0..j0 + LANES]);
    }
}
