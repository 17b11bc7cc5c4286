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

/// Rows of samples per tile in [`affine`] (4 samples × 16 outputs = 8 AVX registers).
const ROWS: usize = 4;
/// Contiguous outputs per tile in [`affine`] and [`backward::accumulate_outer`].
pub(crate) const LANES: usize = 16;

/// `y[b][j] = init[j] + Σₖ x[b][k]·w[k][j]`, k increasing. Shapes: x `[B][I]`, w `[I][O]`,
/// y `[B][O]`.
pub(crate) fn affine<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    w: &[[f32; O]; I],
    init: &[f32; O],
    y: &mut [[f32; O]; B],
) {
    let full = O / LANES * LANES;
    let mut x_blocks = x.chunks_exact(ROWS);
    let mut y_blocks = y.chunks_exact_mut(ROWS);
    for (xb, yb) in (&mut x_blocks).zip(&mut y_blocks) {
        for j0 in (0..full).step_by(LANES) {
            affine_tile(xb, w, init, yb, j0);
        }
        for (xs, ys) in xb.iter().zip(yb.iter_mut()) {
            affine_one(xs, w, init, ys, full);
        }
    }
    for (xs, ys) in x_blocks.remainder().iter().zip(y_blocks.into_remainder()) {
        affine_one(xs, w, init, ys, 0);
    }
}

/// One sample, outputs `j0..O`: `y[j] = init[j] + Σₖ x[k]·w[k][j]`.
///
/// Blocks of [`LANES`] outputs accumulate in registers over all k (16 SIMD lanes on x86, 16 of
/// the 32 single-precision registers of a Cortex-M4F), so each weight is loaded once and each
/// output stored once; the outputs left over run the same order in place.
#[inline]
pub(crate) fn affine_one<const I: usize, const O: usize>(
    x: &[f32; I],
    w: &[[f32; O]; I],
    init: &[f32; O],
    y: &mut [f32; O],
    j0: usize,
) {
    let full = j0 + (O - j0) / LANES * LANES;
    for lane0 in (j0..full).step_by(LANES) {
        let lanes = lane0..lane0 + LANES;
        let mut acc = [0.0f32; LANES];
        acc.copy_from_slice(&init[lanes.clone()]);
        for (&xk, wk) in x.iter().zip(w) {
            for (a, &wkj) in acc.iter_mut().zip(&wk[lanes.clone()]) {
                *a += wkj * xk;
            }
        }
        y[lanes].copy_from_slice(&acc);
    }
    y[full..].copy_from_slice(&init[full..]);
    for (&xk, wk) in x.iter().zip(w) {
        for (yj, &wkj) in y[full..].iter_mut().zip(&wk[full..]) {
            *yj += wkj * xk;
        }
    }
}

#[inline(always)]
fn affine_tile<const I: usize, const O: usize>(
    x: &[[f32; I]],
    w: &[[f32; O]; I],
    init: &[f32; O],
    y: &mut [[f32; O]],
    j0: usize,
) {
    let lanes = j0..j0 + LANES;
    let mut acc = [[0.0f32; LANES]; ROWS];
    for row in acc.iter_mut() {
        row.copy_from_slice(&init[lanes.clone()]);
    }
    for (k, wk) in w.iter().enumerate() {
        let wk = &wk[lanes.clone()];
        for (row, xs) in acc.iter_mut().zip(x) {
            let xk = xs[k];
            for (a, &wkj) in row.iter_mut().zip(wk) {
                *a += wkj * xk;
            }
        }
    }
    for (ys, row) in y.iter_mut().zip(&acc) {
        ys[lanes.clone()].copy_from_slice(row);
    }
}
