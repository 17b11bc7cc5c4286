//! The products of the backward pass: weight gradients and input gradients.

use super::{LANES, NARROW_OUTPUTS, VECTOR_REGISTERS};

/// Inputs per tile in [`accumulate_outer`] (6 inputs × 16 outputs = 12 AVX registers).
const INPUTS: usize = 6;
/// Samples per panel of d in [`accumulate_outer`] (16 KB).
const PANEL_SAMPLES: usize = 256;
/// Samples per tile in [`transposed_product`]: as many as a panel's columns, so that
/// `transpose::rows_into_panel` turns a tile of d into dᵀ.
const SAMPLES: usize = LANES;
/// Inputs per tile in [`transposed_product`] (6 inputs × 16 samples = 12 AVX registers).
const TRANSPOSED_INPUTS: usize = 6;
// `left_over_tile!` covers remainders up to 5.
const _: () = assert!(INPUTS <= 6 && TRANSPOSED_INPUTS <= 6);

/// Runs `$call` with the constant `$rows` set to `$left`, the rows a run of whole tiles left
/// over (a constant below 6), so that the shorter last tile has a size known at compile time.
macro_rules! left_over_tile {
    ($left:expr, $rows:ident => $call:expr) => {
        match $left {
            0 => {}
            1 => {
                const $rows: usize = 1;
                $call
            }
            2 => {
                const $rows: usize = 2;
                $call
            }
            3 => {
                const $rows: usize = 3;
                $call
            }
            4 => {
                const $rows: usize = 4;
                $call
            }
            _ => {
                const $rows: usize = 5;
                $call
            }
        }
    };
}

/// `g[k][j] += Σ_b x[b][k]·d[b][j]`, b increasing (a weight gradient). Shapes: x `[B][I]`,
/// d `[B][O]`, g `[I][O]`.
pub(crate) fn accumulate_outer<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
) {
    let full_j = O / LANES * LANES;
    // Columns outer: the batch's block of d (B × 64 bytes) stays in L1 across all inputs, in
    // place or, when d is larger than L1, as contiguous copies of up to 256 samples (16 KB).
    // Each gradient leaves its registers between copies and comes back, so its sum still runs
    // over b in increasing order.
    if super::needs_panel(B, O) {
        let mut panel = [[0.0f32; LANES]; PANEL_SAMPLES];
        for j0 in (0..full_j).step_by(LANES) {
            for (xc, dc) in x.chunks(PANEL_SAMPLES).zip(d.chunks(PANEL_SAMPLES)) {
                let panel = &mut panel[..dc.len()];
                for (row, ds) in panel.iter_mut().zip(dc) {
                    row.copy_from_slice(&ds[j0..j0 + LANES]);
                }
                accumulate_outer_columns(xc, panel, 0, g, j0);
            }
        }
    } else {
        for j0 in (0..full_j).step_by(LANES) {
            accumulate_outer_columns(x, d, j0, g, j0);
        }
    }
    // The outputs no j-tile covers, for every input: input by input when there are many of
    // them, else (a 64 → 1 layer) vectorised across 16 inputs.
    if O - full_j > NARROW_OUTPUTS {
        for k in 0..I {
            accumulate_outer_block(x, d, g, k, full_j..O);
        }
    } else if full_j < O {
        for k0 in (0..I).step_by(LANES) {
            accumulate_outer_narrow(x, d, g, k0..I.min(k0 + LANES), full_j..O);
        }
    }
}

/// The inputs `rows` (at most [`LANES`]) × the outputs `columns` (fewer than [`LANES`]), one
/// accumulator per element, the inputs side by side: each sample adds `x[b][k]·d[b][j]` to all
/// of them, b increasing.
#[inline(always)]
fn accumulate_outer_narrow<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
    rows: core::ops::Range<usize>,
    columns: core::ops::Range<usize>,
) {
    let (height, width) = (rows.len(), columns.len());
    let mut acc = [[0.0f32; LANES]; LANES]; // [column][row]
    for (kk, gk) in g[rows.clone()].iter().enumerate() {
        for (column, &gkj) in acc[..width].iter_mut().zip(&gk[columns.clone()]) {
            column[kk] = gkj;
        }
    }
    for (xs, ds) in x.iter().zip(d) {
        let xs = &xs[rows.clone()];
        for (column, &dj) in acc[..width].iter_mut().zip(&ds[columns.clone()]) {
            for (a, &xk) in column[..height].iter_mut().zip(xs) {
                *a += xk * dj;
            }
        }
    }
    for (kk, gk) in g[rows].iter_mut().enumerate() {
        for (gkj, column) in gk[columns.clone()].iter_mut().zip(&acc[..width]) {
            *gkj = column[kk];
        }
    }
}

#[inline]
fn accumulate_outer_block<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
    k: usize,
    columns: core::ops::Range<usize>,
) {
    let gk = &mut g[k][columns.clone()];
    for (xs, ds) in x.iter().zip(d) {
        let xk = xs[k];
        for (gkj, &dj) in gk.iter_mut().zip(&ds[columns.clone()]) {
            *gkj += xk * dj;
        }
    }
}

/// Every input × the outputs `j0..j0 + LANES`, in tiles of [`INPUTS`] inputs; the inputs no
/// full tile covers (I mod 6, a constant) as one shorter tile. `d` and `d0` as in
/// [`accumulate_outer_tile`].
#[inline(always)]
fn accumulate_outer_columns<const I: usize, const W: usize, const O: usize>(
    x: &[[f32; I]],
    d: &[[f32; W]],
    d0: usize,
    g: &mut [[f32; O]; I],
    j0: usize,
) {
    let full_k = I / INPUTS * INPUTS;
    for k0 in (0..full_k).step_by(INPUTS) {
        accumulate_outer_tile::<INPUTS, I, W, O>(x, d, d0, g, k0, j0);
    }
    left_over_tile!(I - full_k, R => {
        accumulate_outer_tile::<R, I, W, O>(x, d, d0, g, full_k, j0)
    });
}

/// The inputs `k0..k0 + R` × the outputs `j0..j0 + LANES`, in registers, over the samples of
/// `x` and `d` in increasing order. `d` holds those outputs' δ from its column `d0` on: all of
/// d (`W` = O), or a panel of [`LANES`] columns copied out of it (`W` = [`LANES`], `d0` = 0).
#[inline(always)]
fn accumulate_outer_tile<const R: usize, const I: usize, const W: usize, const O: usize>(
    x: &[[f32; I]],
    d: &[[f32; W]],
    d0: usize,
    g: &mut [[f32; O]; I],
    k0: usize,
    j0: usize,
) {
    let (rows, lanes) = (k0..k0 + R, j0..j0 + LANES);
    let mut acc = [[0.0f32; LANES]; R];
    for (row, gk) in acc.iter_mut().zip(&g[rows.clone()]) {
        row.copy_from_slice(&gk[lanes.clone()]);
    }
    for (xs, ds) in x.iter().zip(d) {
        let ds = &ds[d0..d0 + LANES];
        for (row, &xk) in acc.iter_mut().zip(&xs[rows.clone()]) {
            for (a, &dj) in row.iter_mut().zip(ds) {
                *a += xk * dj;
            }
        }
    }
    for (gk, row) in g[rows].iter_mut().zip(&acc) {
        gk[lanes.clone()].copy_from_slice(row);
    }
}

/// `y[b][k] = Σⱼ w[k][j]·d[b][j]`, j increasing, from 0 (an input gradient). Shapes: d `[B][O]`,
/// w `[I][O]`, y `[B][I]`.
///
/// Three ways, by shape, all summing in the same order:
/// - with at most 4 outputs, per sample, vectorised across k;
/// - each block of 16 inputs through the forward kernel's tiles, y = d·wᵀ + 0 (the same
///   products, a·b = b·a, in the same order), with the block's rows of w transposed into a
///   contiguous panel of wᵀ (O × 64 bytes on the stack);
/// - the inputs no block covers in tiles of 16 samples whose rows of d are transposed into a
///   small stack buffer, so for each group of 6 inputs the sum over j runs with the 16 samples
///   side by side (12 AVX registers), one weight broadcast per input and step; the samples no
///   tile covers one at a time.
///
/// Without vector registers (a Cortex-M), every sample one at a time: there, that costs 10% fewer
/// instructions for a whole training step of `picogan::bimodal`.
pub(crate) fn transposed_product<const I: usize, const O: usize, const B: usize>(
    d: &[[f32; O]; B],
    w: &[[f32; O]; I],
    y: &mut [[f32; I]; B],
) {
    if O <= NARROW_OUTPUTS {
        // Few outputs (a 64 → 1 layer): no transposition; each sample's row of y is updated
        // once per output j, j increasing, vectorised across the inputs k.
        for (ds, ys) in d.iter().zip(y) {
            let mut acc = [0.0f32; I];
            for (j, &dj) in ds.iter().enumerate() {
                for (a, wk) in acc.iter_mut().zip(w) {
                    *a += wk[j] * dj;
                }
            }
            *ys = acc;
        }
        return;
    }
    if !VECTOR_REGISTERS {
        for (ds, ys) in d.iter().zip(y) {
            transposed_one(ds, w, ys, 0..I);
        }
        return;
    }
    let blocked = I / LANES * LANES;
    let mut panel = [[0.0f32; LANES]; O]; // wᵀ[j][k0..k0 + 16]
    let identity = |row: &[f32], ys: &mut [f32]| ys.copy_from_slice(row);
    for k0 in (0..blocked).step_by(LANES) {
        super::transpose::rows_into_panel(&w.as_chunks::<LANES>().0[k0 / LANES], &mut panel);
        let columns = k0..k0 + LANES;
        super::affine_columns::<O, LANES, I, B>(d, &panel, 0, &[0.0; I], identity, y, columns);
    }
    if blocked == I {
        return;
    }
    let (d_tiles, d_rest) = d.as_chunks::<SAMPLES>();
    let (y_tiles, y_rest) = y.as_chunks_mut::<SAMPLES>();
    // Several inputs at a time, sharing the loads of dᵀ; the inputs left over (a constant
    // number, fewer than TRANSPOSED_INPUTS) as one shorter run.
    let full_k = blocked + (I - blocked) / TRANSPOSED_INPUTS * TRANSPOSED_INPUTS;
    let d_transposed = &mut panel; // dᵀ of a tile, in the wᵀ panel's space (SAMPLES = LANES)
    for (db, yb) in d_tiles.iter().zip(y_tiles) {
        super::transpose::rows_into_panel(db, d_transposed);
        for k0 in (blocked..full_k).step_by(TRANSPOSED_INPUTS) {
            transposed_rows::<TRANSPOSED_INPUTS, I, O>(d_transposed, w, k0, yb);
        }
        left_over_tile!(I - full_k, N => {
            transposed_rows::<N, I, O>(d_transposed, w, full_k, yb)
        });
    }
    for (ds, ys) in d_rest.iter().zip(y_rest) {
        transposed_one(ds, w, ys, blocked..I);
    }
}

/// `y[s][k] = Σⱼ w[k][j]·dᵀ[j][s]` for the inputs `k0..k0 + N` across a tile of samples: one
/// accumulator per input and sample, in registers, j increasing.
#[inline(always)]
fn transposed_rows<const N: usize, const I: usize, const O: usize>(
    d_transposed: &[[f32; SAMPLES]; O],
    w: &[[f32; O]; I],
    k0: usize,
    y: &mut [[f32; I]],
) {
    let rows = &w[k0..k0 + N];
    let mut acc = [[0.0f32; SAMPLES]; N];
    for (j, column) in d_transposed.iter().enumerate() {
        for (row, wk) in acc.iter_mut().zip(rows) {
            let wkj = wk[j];
            for (a, &dj) in row.iter_mut().zip(column) {
                *a += wkj * dj;
            }
        }
    }
    for (s, ys) in y.iter_mut().enumerate() {
        for (yk, row) in ys[k0..k0 + N].iter_mut().zip(&acc) {
            *yk = row[s];
        }
    }
}

/// One sample, the inputs `inputs`: `y[k] = Σⱼ w[k][j]·d[j]`.
#[inline]
fn transposed_one<const I: usize, const O: usize>(
    d: &[f32; O],
    w: &[[f32; O]; I],
    y: &mut [f32; I],
    inputs: core::ops::Range<usize>,
) {
    for (yk, wk) in y[inputs.clone()].iter_mut().zip(&w[inputs]) {
        let mut acc = 0.0;
        for (&wkj, &dj) in wk.iter().zip(d) {
            acc += wkj * dj;
        }
        *yk = acc;
    }
}
