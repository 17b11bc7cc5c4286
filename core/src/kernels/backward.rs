//! The products of the backward pass: weight gradients and input gradients.

use super::{LANES, NARROW_OUTPUTS};

/// Inputs per tile in [`accumulate_outer`].
const INPUTS: usize = 4;
/// Samples per tile in [`transposed_product`].
const SAMPLES: usize = 32;
/// Up to this many weights, [`transposed_product`] transposes w instead of tiles of d (faster for
/// a 64 × 64 layer, slower for 128 × 128, where the transposition no longer stays in L1).
const TRANSPOSED_WEIGHTS: usize = 64 * 64;

/// `g[k][j] += Σ_b x[b][k]·d[b][j]`, b increasing (a weight gradient). Shapes: x `[B][I]`,
/// d `[B][O]`, g `[I][O]`.
pub(crate) fn accumulate_outer<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
) {
    let full_j = O / LANES * LANES;
    let full_k = I / INPUTS * INPUTS;
    // Columns outer: the batch's block of d (B × 64 bytes) stays in L1 across all inputs.
    for j0 in (0..full_j).step_by(LANES) {
        for k0 in (0..full_k).step_by(INPUTS) {
            accumulate_outer_tile(x, d, g, k0, j0);
        }
    }
    // Edges: the inputs no k-tile covers, for the tiled outputs; then the outputs no j-tile
    // covers, for every input: input by input when there are many of them, else (a 64 → 1
    // layer) vectorised across 16 inputs.
    for k in full_k..I {
        accumulate_outer_block(x, d, g, k, 0..full_j);
    }
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

#[inline(always)]
fn accumulate_outer_tile<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
    k0: usize,
    j0: usize,
) {
    let lanes = j0..j0 + LANES;
    let mut acc = [[0.0f32; LANES]; INPUTS];
    for (row, gk) in acc.iter_mut().zip(&g[k0..k0 + INPUTS]) {
        row.copy_from_slice(&gk[lanes.clone()]);
    }
    for (xs, ds) in x.iter().zip(d) {
        let ds = &ds[lanes.clone()];
        for (row, &xk) in acc.iter_mut().zip(&xs[k0..k0 + INPUTS]) {
            for (a, &dj) in row.iter_mut().zip(ds) {
                *a += xk * dj;
            }
        }
    }
    for (gk, row) in g[k0..k0 + INPUTS].iter_mut().zip(&acc) {
        gk[lanes.clone()].copy_from_slice(row);
    }
}

/// `y[b][k] = Σⱼ w[k][j]·d[b][j]`, j increasing, from 0 (an input gradient). Shapes: d `[B][O]`,
/// w `[I][O]`, y `[B][I]`.
///
/// Three ways, by shape, all summing in the same order: with at most 4 outputs, per sample,
/// vectorised across k; for a small layer with at least 16 inputs, w transposed once and the
/// forward kernel; otherwise tiles of 32 samples whose rows of d are transposed into a small stack
/// buffer, so for each pair of inputs the sum over j runs with the 32 samples side by side (8 AVX
/// registers), one weight broadcast per input and step.
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
    if I >= super::LANES && I * O <= TRANSPOSED_WEIGHTS && B >= SAMPLES {
        // A small layer (64 × 64): transpose w once, 16 KB at most on the stack, and run the
        // forward kernel y = d·wᵀ + 0 (the same products, a·b = b·a, in the same order).
        let mut w_transposed = [[0.0f32; I]; O];
        for (k, wk) in w.iter().enumerate() {
            for (row, &wkj) in w_transposed.iter_mut().zip(wk) {
                row[k] = wkj;
            }
        }
        super::affine(d, &w_transposed, &[0.0; I], crate::Activation::Identity, y);
        return;
    }
    let mut d_blocks = d.chunks_exact(SAMPLES);
    let mut y_blocks = y.chunks_exact_mut(SAMPLES);
    let mut d_transposed = [[0.0f32; SAMPLES]; O];
    for (db, yb) in (&mut d_blocks).zip(&mut y_blocks) {
        for (s, ds) in db.iter().enumerate() {
            for (column, &dj) in d_transposed.iter_mut().zip(ds) {
                column[s] = dj;
            }
        }
        // Two inputs at a time: 8 accumulators, enough to hide the latency of the additions.
        let mut pairs = w.chunks_exact(2);
        for (k, pair) in (0..).step_by(2).zip(&mut pairs) {
            let (acc0, acc1) = transposed_pair(&d_transposed, &pair[0], &pair[1]);
            for ((ys, a0), a1) in yb.iter_mut().zip(acc0).zip(acc1) {
                ys[k] = a0;
                ys[k + 1] = a1;
            }
        }
        if let [wk] = pairs.remainder() {
            let acc = transposed_tile(&d_transposed, wk);
            for (ys, a) in yb.iter_mut().zip(acc) {
                ys[I - 1] = a;
            }
        }
    }
    for (ds, ys) in d_blocks.remainder().iter().zip(y_blocks.into_remainder()) {
        transposed_one(ds, w, ys);
    }
}

/// `acc[s] = Σⱼ w[j]·dᵀ[j][s]` for one input's weight row w across a tile of samples.
#[inline(always)]
fn transposed_tile<const O: usize>(
    d_transposed: &[[f32; SAMPLES]; O],
    w: &[f32; O],
) -> [f32; SAMPLES] {
    let mut acc = [0.0f32; SAMPLES];
    for (column, &wj) in d_transposed.iter().zip(w) {
        for (a, &dj) in acc.iter_mut().zip(column) {
            *a += wj * dj;
        }
    }
    acc
}

/// [`transposed_tile`] for two inputs' weight rows at once, sharing the loads of dᵀ.
#[inline(always)]
fn transposed_pair<const O: usize>(
    d_transposed: &[[f32; SAMPLES]; O],
    w0: &[f32; O],
    w1: &[f32; O],
) -> ([f32; SAMPLES], [f32; SAMPLES]) {
    let mut acc0 = [0.0f32; SAMPLES];
    let mut acc1 = [0.0f32; SAMPLES];
    for ((column, &w0j), &w1j) in d_transposed.iter().zip(w0).zip(w1) {
        for ((a0, a1), &dj) in acc0.iter_mut().zip(acc1.iter_mut()).zip(column) {
            *a0 += w0j * dj;
            *a1 += w1j * dj;
        }
    }
    (acc0, acc1)
}

/// One sample: `y[k] = Σⱼ w[k][j]·d[j]`.
#[inline]
fn transposed_one<const I: usize, const O: usize>(
    d: &[f32; O],
    w: &[[f32; O]; I],
    y: &mut [f32; I],
) {
    for (yk, wk) in y.iter_mut().zip(w) {
        let mut acc = 0.0;
        for (&wkj, &dj) in wk.iter().zip(d) {
            acc += wkj * dj;
        }
        *yk = acc;
    }
}
