//! The products of the backward pass: weight gradients and input gradients.

use super::LANES;

/// Inputs per tile in [`accumulate_outer`].
const INPUTS: usize = 4;
/// Samples per tile in [`transposed_product`].
const SAMPLES: usize = 32;

/// `g[k][j] += Σ_b x[b][k]·d[b][j]`, b increasing (a weight gradient). Shapes: x `[B][I]`,
/// d `[B][O]`, g `[I][O]`.
pub(crate) fn accumulate_outer<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
) {
    let full_j = O / LANES * LANES;
    let full_k = I / INPUTS * INPUTS;
    for k0 in (0..full_k).step_by(INPUTS) {
        for j0 in (0..full_j).step_by(LANES) {
            accumulate_outer_tile(x, d, g, k0, j0);
        }
    }
    // Edges: the inputs no k-tile covers (all outputs), then the outputs no j-tile covers.
    for k in full_k..I {
        accumulate_outer_block(x, d, g, k, 0..O);
    }
    for k in 0..full_k {
        accumulate_outer_block(x, d, g, k, full_j..O);
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
/// Tiles of 32 samples: their rows of d are transposed into a small stack buffer, so for each
/// input k the sum over j runs with the 32 samples side by side (4 AVX registers), one weight
/// broadcast per step.
pub(crate) fn transposed_product<const I: usize, const O: usize, const B: usize>(
    d: &[[f32; O]; B],
    w: &[[f32; O]; I],
    y: &mut [[f32; I]; B],
) {
    let mut d_blocks = d.chunks_exact(SAMPLES);
    let mut y_blocks = y.chunks_exact_mut(SAMPLES);
    let mut d_transposed = [[0.0f32; SAMPLES]; O];
    for (db, yb) in (&mut d_blocks).zip(&mut y_blocks) {
        for (s, ds) in db.iter().enumerate() {
            for (column, &dj) in d_transposed.iter_mut().zip(ds) {
                column[s] = dj;
            }
        }
        for (k, wk) in w.iter().enumerate() {
            let acc = transposed_tile(&d_transposed, wk);
            for (ys, a) in yb.iter_mut().zip(acc) {
                ys[k] = a;
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
