//! The products of the backward pass: weight gradients and input gradients.

use super::{LANES, NARROW_OUTPUTS, ROWS, VECTOR_REGISTERS, narrow_width, on_selected_target};
use crate::isa::Target;

/// Samples per panel of d in [`accumulate_outer`] (16 KB).
const PANEL_SAMPLES: usize = 256;
/// Samples per tile in [`transposed_product`]: as many as a panel's columns, so that
/// `transpose::rows_into_panel` turns a tile of d into dᵀ.
const SAMPLES: usize = LANES;
// `left_over_tile!` covers remainders up to 5, and a tile of `ROWS` takes the rest.
const _: () = assert!(ROWS == 6);

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

/// `d[b][j] *= φ′(y[b][j])` (δ from ∂L/∂y, given the outputs y), compiled for the selected
/// instruction set. Shapes: y and d `[B][O]`.
pub(crate) fn scale_by_derivative<const O: usize, const B: usize>(
    activation: crate::Activation,
    y: &[[f32; O]; B],
    d: &mut [[f32; O]; B],
) {
    on_selected_target!(|_target, _ROWS| {
        for (ds, ys) in d.iter_mut().zip(y) {
            activation.scale_by_derivative(ys, ds);
        }
    })
}

/// `sums[j] += Σ_b rows[b][j]`, b increasing (a bias gradient), compiled for the selected
/// instruction set. Shapes: rows `[B][O]`, sums `[O]`.
pub(crate) fn accumulate_rows<const O: usize, const B: usize>(
    rows: &[[f32; O]; B],
    sums: &mut [f32; O],
) {
    on_selected_target!(|_target, _ROWS| {
        for row in rows {
            for (sum, &value) in sums.iter_mut().zip(row) {
                *sum += value;
            }
        }
    })
}

/// `g[k][j] += Σ_b x[b][k]·d[b][j]`, b increasing (a weight gradient). Shapes: x `[B][I]`,
/// d `[B][O]`, g `[I][O]`.
pub(crate) fn accumulate_outer<const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
) {
    on_selected_target!(|target, R| accumulate_outer_with::<_, R, I, O, B>(target, x, d, g))
}

/// [`accumulate_outer`] with tiles of `R` inputs, inlined into `target`'s instruction set.
#[inline(always)]
fn accumulate_outer_with<
    T: Target,
    const R: usize,
    const I: usize,
    const O: usize,
    const B: usize,
>(
    target: T,
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
                accumulate_outer_columns::<T, R, I, LANES, O>(target, xc, panel, 0, g, j0);
            }
        }
    } else {
        for j0 in (0..full_j).step_by(LANES) {
            accumulate_outer_columns::<T, R, I, O, O>(target, x, d, j0, g, j0);
        }
    }
    // The outputs no j-tile covers, for every input: input by input when there are many of
    // them, else (a 64 → 1 layer) vectorised across 16 inputs.
    if O - full_j > NARROW_OUTPUTS {
        for k in 0..I {
            accumulate_outer_block(x, d, g, k, full_j..O);
        }
    } else {
        narrow_width!(O - full_j, N => {
            for k0 in (0..I).step_by(LANES) {
                accumulate_outer_narrow::<N, I, O, B>(x, d, g, k0..I.min(k0 + LANES), full_j);
            }
        });
    }
}

/// The inputs `rows` (at most [`LANES`]) × the `N` outputs from `j0` on (fewer than
/// [`LANES`]), one accumulator per element, the inputs side by side: each sample adds
/// `x[b][k]·d[b][j]` to all of them, b increasing.
#[inline(always)]
fn accumulate_outer_narrow<const N: usize, const I: usize, const O: usize, const B: usize>(
    x: &[[f32; I]; B],
    d: &[[f32; O]; B],
    g: &mut [[f32; O]; I],
    rows: core::ops::Range<usize>,
    j0: usize,
) {
    let height = rows.len();
    let mut acc = [[0.0f32; LANES]; N]; // [column][row]
    for (kk, gk) in g[rows.clone()].iter().enumerate() {
        for (column, &gkj) in acc.iter_mut().zip(&gk[j0..j0 + N]) {
            column[kk] = gkj;
        }
    }
    for (xs, ds) in x.iter().zip(d) {
        let xs = &xs[rows.clone()];
        for (column, &dj) in acc.iter_mut().zip(&ds[j0..j0 + N]) {
            for (a, &xk) in column[..height].iter_mut().zip(xs) {
                *a += xk * dj;
            }
        }
    }
    for (kk, gk) in g[rows].iter_mut().enumerate() {
        for (gkj, column) in gk[j0..j0 + N].iter_mut().zip(&acc) {
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

/// Every input × the outputs `j0..j0 + LANES`, in tiles of `R` inputs; the inputs no full tile
/// covers (I mod R, a constant) as one tile of [`ROWS`] if they are as many, then one shorter
/// tile. `d` and `d0` as in [`accumulate_outer_tile`].
#[inline(always)]
fn accumulate_outer_columns<
    T: Target,
    const R: usize,
    const I: usize,
    const W: usize,
    const O: usize,
>(
    target: T,
    x: &[[f32; I]],
    d: &[[f32; W]],
    d0: usize,
    g: &mut [[f32; O]; I],
    j0: usize,
) {
    let full_k = I / R * R;
    for k0 in (0..full_k).step_by(R) {
        accumulate_outer_tile::<T, R, I, W, O>(target, x, d, d0, g, k0, j0);
    }
    let mut k0 = full_k;
    if R > ROWS && I - full_k >= ROWS {
        accumulate_outer_tile::<T, ROWS, I, W, O>(target, x, d, d0, g, k0, j0);
        k0 += ROWS;
    }
    left_over_tile!(I - k0, N => {
        accumulate_outer_tile::<T, N, I, W, O>(target, x, d, d0, g, k0, j0)
    });
}

/// The inputs `k0..k0 + R` × the outputs `j0..j0 + LANES`, one vector of sums per input in
/// registers, over the samples of `x` and `d` in increasing order. `d` holds those outputs' δ
/// from its column `d0` on: all of d (`W` = O), or a panel of [`LANES`] columns copied out of it
/// (`W` = [`LANES`], `d0` = 0).
#[inline(always)]
fn accumulate_outer_tile<
    T: Target,
    const R: usize,
    const I: usize,
    const W: usize,
    const O: usize,
>(
    target: T,
    x: &[[f32; I]],
    d: &[[f32; W]],
    d0: usize,
    g: &mut [[f32; O]; I],
    k0: usize,
    j0: usize,
) {
    let Some(rows) = g[k0..].first_chunk_mut::<R>() else {
        return;
    };
    let mut acc = [target.splat(0.0); R];
    for (a, gk) in acc.iter_mut().zip(rows.iter()) {
        *a = target.load(super::lanes(gk, j0));
    }
    for (xs, ds) in x.iter().zip(d) {
        let ds = target.load(super::lanes(ds, d0));
        for (a, &xk) in acc.iter_mut().zip(&xs[k0..k0 + R]) {
            *a = target.add_product(*a, target.splat(xk), ds);
        }
    }
    for (gk, a) in rows.iter_mut().zip(acc) {
        *super::lanes_mut(gk, j0) = target.store(a);
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
    on_selected_target!(|target, R| transposed_product_with::<_, R, I, O, B>(target, d, w, y))
}

/// [`transposed_product`] with tiles of `R` rows, inlined into `target`'s instruction set.
#[inline(always)]
fn transposed_product_with<
    T: Target,
    const R: usize,
    const I: usize,
    const O: usize,
    const B: usize,
>(
    target: T,
    d: &[[f32; O]; B],
    w: &[[f32; O]; I],
    y: &mut [[f32; I]; B],
) {
    if O <= NARROW_OUTPUTS {
        // Few outputs (a 64 → 1 layer): each sample's row of y is updated once per output j,
        // j increasing, vectorised across the inputs k over a contiguous copy of w's column j.
        let mut w_transposed = [[0.0f32; I]; NARROW_OUTPUTS];
        for (j, column) in w_transposed[..O].iter_mut().enumerate() {
            for (c, wk) in column.iter_mut().zip(w) {
                *c = wk[j];
            }
        }
        for (ds, ys) in d.iter().zip(y) {
            let mut acc = [0.0f32; I];
            for (column, &dj) in w_transposed.iter().zip(ds) {
                for (a, &wkj) in acc.iter_mut().zip(column) {
                    *a += wkj * dj;
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
    for k0 in (0..blocked).step_by(LANES) {
        let rows = &w.as_chunks::<LANES>().0[k0 / LANES];
        super::transpose::rows_into_panel(target, rows, &mut panel);
        super::affine_columns::<T, R, O, LANES, I, B>(
            target,
            d,
            &panel,
            0,
            &[0.0; I],
            #[inline(always)]
            |row, ys| ys.copy_from_slice(row),
            y,
            k0,
        );
    }
    if blocked == I {
        return;
    }
    let (d_tiles, d_rest) = d.as_chunks::<SAMPLES>();
    let (y_tiles, y_rest) = y.as_chunks_mut::<SAMPLES>();
    let full_k = blocked + (I - blocked) / ROWS * ROWS;
    let d_transposed = &mut panel; // dᵀ of a tile, in the wᵀ panel's space (SAMPLES = LANES)
    for (db, yb) in d_tiles.iter().zip(y_tiles) {
        super::transpose::rows_into_panel(target, db, d_transposed);
        // ROWS inputs at a time, sharing the loads of dᵀ; the inputs left over (a constant
        // number, fewer than ROWS) as one shorter run.
        for k0 in (blocked..full_k).step_by(ROWS) {
            transposed_rows::<T, ROWS, I, O>(target, d_transposed, w, k0, yb);
        }
        left_over_tile!(I - full_k, N => {
            transposed_rows::<T, N, I, O>(target, d_transposed, w, full_k, yb)
        });
    }
    for (ds, ys) in d_rest.iter().zip(y_rest) {
        transposed_one(ds, w, ys, blocked..I);
    }
}

/// `y[s][k] = Σⱼ w[k][j]·dᵀ[j][s]` for the inputs `k0..k0 + N` across a tile of samples: one
/// accumulator per input and sample, in registers, j increasing.
#[inline(always)]
fn transposed_rows<T: Target, const N: usize, const I: usize, const O: usize>(
    target: T,
    d_transposed: &[[f32; SAMPLES]; O],
    w: &[[f32; O]; I],
    k0: usize,
    y: &mut [[f32; I]],
) {
    let Some(rows) = w[k0..].first_chunk::<N>() else {
        return;
    };
    let mut acc = [target.splat(0.0); N];
    for (j, column) in d_transposed.iter().enumerate() {
        let column = target.load(column);
        for (a, wk) in acc.iter_mut().zip(rows) {
            *a = target.add_product(*a, target.splat(wk[j]), column);
        }
    }
    let mut sums = [[0.0f32; SAMPLES]; N]; // [N][16 samples]
    for (sum, a) in sums.iter_mut().zip(acc) {
        *sum = target.store(a);
    }
    for (s, ys) in y.iter_mut().enumerate() {
        for (yk, row) in ys[k0..k0 + N].iter_mut().zip(&sums) {
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
