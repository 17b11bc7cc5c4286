//! The products of the backward pass: weight gradients and input gradients.

use super::{
    Const, Dim, LANES, NARROW_OUTPUTS, ROWS, Shape, VECTOR_REGISTERS, lanes, lanes_mut,
    narrow_width, on_selected_target, split_rows,
};
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
/// instruction set. Shapes: y and d `[B][O]`, as flat slices of the same length.
#[inline]
pub(crate) fn scale_by_derivative(activation: crate::Activation, y: &[f32], d: &mut [f32]) {
    on_selected_target!(|_target, _ROWS| activation.scale_by_derivative(y, d))
}

/// `sums[j] += Σ_b rows[b][j]`, b increasing (a bias gradient), compiled for the selected
/// instruction set. Shapes: rows `[B][O]`, sums `[O]`.
#[inline]
pub(crate) fn accumulate_rows(outputs: impl Dim, rows: &[f32], sums: &mut [f32]) {
    on_selected_target!(|_target, _ROWS| {
        let no = outputs.get();
        if no == 0 {
            return;
        }
        for row in rows.chunks_exact(no) {
            for (sum, &value) in sums.iter_mut().zip(row) {
                *sum += value;
            }
        }
    })
}

/// `g[k][j] += Σ_b x[b][k]·d[b][j]`, b increasing (a weight gradient). Shapes: x `[B][I]`,
/// d `[B][O]`, g `[I][O]`.
#[inline]
pub(crate) fn accumulate_outer<I: Dim, O: Dim, B: Dim>(
    shape: Shape<I, O, B>,
    x: &[f32],
    d: &[f32],
    g: &mut [f32],
) {
    on_selected_target!(|target, R| accumulate_outer_with::<_, R, I, O, B>(target, shape, x, d, g))
}

/// [`accumulate_outer`] with tiles of `R` inputs, inlined into `target`'s instruction set.
#[inline(always)]
fn accumulate_outer_with<T: Target, const R: usize, I: Dim, O: Dim, B: Dim>(
    target: T,
    shape: Shape<I, O, B>,
    x: &[f32],
    d: &[f32],
    g: &mut [f32],
) {
    let (ni, no, nb) = shape.get();
    if ni == 0 || no == 0 {
        return;
    }
    let (x, d, g) = (&x[..nb * ni], &d[..nb * no], &mut g[..ni * no]);
    let full_j = no / LANES * LANES;
    // Columns outer: the batch's block of d (B × 64 bytes) stays in L1 across all inputs, in
    // place or, when d is larger than L1, as contiguous copies of up to 256 samples (16 KB).
    // Each gradient leaves its registers between copies and comes back, so its sum still runs
    // over b in increasing order.
    if super::needs_panel(nb, no) {
        let mut panel = [[0.0f32; LANES]; PANEL_SAMPLES];
        for j0 in (0..full_j).step_by(LANES) {
            for (xc, dc) in x
                .chunks(PANEL_SAMPLES * ni)
                .zip(d.chunks(PANEL_SAMPLES * no))
            {
                let panel = &mut panel[..dc.len() / no];
                for (column, ds) in panel.iter_mut().zip(dc.chunks_exact(no)) {
                    column.copy_from_slice(&ds[j0..j0 + LANES]);
                }
                let panel = panel.as_flattened();
                accumulate_outer_columns::<T, R, I, Const<LANES>, O>(
                    target,
                    (xc, shape.inputs),
                    (panel, Const, 0),
                    (g, shape.outputs),
                    j0,
                );
            }
        }
    } else {
        for j0 in (0..full_j).step_by(LANES) {
            accumulate_outer_columns::<T, R, I, O, O>(
                target,
                (x, shape.inputs),
                (d, shape.outputs, j0),
                (g, shape.outputs),
                j0,
            );
        }
    }
    // The outputs no j-tile covers, for every input: input by input when there are many of
    // them, else (a 64 → 1 layer) vectorised across 16 inputs.
    if no - full_j > NARROW_OUTPUTS {
        for k in 0..ni {
            accumulate_outer_block(shape, x, d, g, k, full_j..no);
        }
    } else {
        narrow_width!(no - full_j, N => {
            let full_k = ni / LANES * LANES;
            for k0 in (0..full_k).step_by(LANES) {
                accumulate_outer_narrow::<T, N, LANES>(target, shape, x, d, g, k0, full_j);
            }
            // The last inputs in blocks of 8, 4, 2 and 1: every block's height a constant.
            let mut k0 = full_k;
            macro_rules! block_of {
                ($height:literal) => {
                    if ni - k0 >= $height {
                        let (g, j0) = (&mut *g, full_j);
                        accumulate_outer_narrow::<T, N, $height>(target, shape, x, d, g, k0, j0);
                        k0 += $height;
                    }
                };
            }
            block_of!(8);
            block_of!(4);
            block_of!(2);
            block_of!(1);
            debug_assert_eq!(k0, ni);
        });
    }
}

/// The `H` inputs from `k0` on × the `N` outputs from `j0` on (fewer than [`LANES`]), one
/// accumulator per element: each sample adds `x[b][k]·d[b][j]` to all of them, b increasing. `H`
/// is a constant so that the accumulators stay in registers; with vector registers and `H` =
/// [`LANES`], each output's sums are one vector, the inputs in its lanes.
#[inline(always)]
fn accumulate_outer_narrow<T: Target, const N: usize, const H: usize>(
    target: T,
    shape: Shape<impl Dim, impl Dim, impl Dim>,
    x: &[f32],
    d: &[f32],
    g: &mut [f32],
    k0: usize,
    j0: usize,
) {
    let (ni, no, _) = shape.get();
    let g_rows = &mut g[k0 * no..(k0 + H) * no];
    let mut acc = [[0.0f32; H]; N]; // [column][row]
    for (kk, gk) in g_rows.chunks_exact(no).enumerate() {
        for (column, &gkj) in acc.iter_mut().zip(&gk[j0..j0 + N]) {
            column[kk] = gkj;
        }
    }
    let samples = x.chunks_exact(ni).zip(d.chunks_exact(no));
    if VECTOR_REGISTERS && H == LANES {
        let mut sums = acc.map(|column| target.load(lanes(&column, 0)));
        for (xs, ds) in samples {
            let xs = target.load(lanes(&xs[k0..], 0));
            for (sum, &dj) in sums.iter_mut().zip(&ds[j0..j0 + N]) {
                *sum = target.add_product(*sum, xs, target.splat(dj));
            }
        }
        for (column, sum) in acc.iter_mut().zip(sums) {
            column.copy_from_slice(&target.store(sum));
        }
    } else {
        for (xs, ds) in samples {
            let xs = &xs[k0..k0 + H];
            for (column, &dj) in acc.iter_mut().zip(&ds[j0..j0 + N]) {
                for (a, &xk) in column.iter_mut().zip(xs) {
                    *a += xk * dj;
                }
            }
        }
    }
    for (kk, gk) in g_rows.chunks_exact_mut(no).enumerate() {
        for (gkj, column) in gk[j0..j0 + N].iter_mut().zip(&acc) {
            *gkj = column[kk];
        }
    }
}

/// Input `k` × the outputs `columns`, one sample at a time.
#[inline]
fn accumulate_outer_block(
    shape: Shape<impl Dim, impl Dim, impl Dim>,
    x: &[f32],
    d: &[f32],
    g: &mut [f32],
    k: usize,
    columns: core::ops::Range<usize>,
) {
    let (ni, no, _) = shape.get();
    let gk = &mut g[k * no..][..no][columns.clone()];
    for (xs, ds) in x.chunks_exact(ni).zip(d.chunks_exact(no)) {
        let xk = xs[k];
        for (gkj, &dj) in gk.iter_mut().zip(&ds[columns.clone()]) {
            *gkj += xk * dj;
        }
    }
}

/// Every input × the outputs `j0..j0 + LANES`, in tiles of `R` inputs; the inputs no full tile
/// covers (I mod R) as one tile of [`ROWS`] if they are as many, then one shorter tile.
///
/// `x` is the samples with their rows of `I` values; `d` is `(δ, W, d0)`, rows of `W` values
/// holding those outputs' δ from column `d0` on (all of d, or a panel of [`LANES`] columns
/// copied out of it); `g` the gradient with its rows of `O` values.
#[inline(always)]
fn accumulate_outer_columns<T: Target, const R: usize, I: Dim, W: Dim, O: Dim>(
    target: T,
    x: (&[f32], I),
    d: (&[f32], W, usize),
    g: (&mut [f32], O),
    j0: usize,
) {
    let ni = x.1.get();
    let (g, outputs) = g;
    let full_k = ni / R * R;
    for k0 in (0..full_k).step_by(R) {
        accumulate_outer_tile::<T, R, I, W, O>(target, x, d, (g, outputs), k0, j0);
    }
    let mut k0 = full_k;
    if R > ROWS && ni - full_k >= ROWS {
        accumulate_outer_tile::<T, ROWS, I, W, O>(target, x, d, (g, outputs), k0, j0);
        k0 += ROWS;
    }
    left_over_tile!(ni - k0, N => {
        accumulate_outer_tile::<T, N, I, W, O>(target, x, d, (g, outputs), k0, j0)
    });
}

/// The inputs `k0..k0 + R` × the outputs `j0..j0 + LANES`, one vector of sums per input in
/// registers, over the samples of `x` and `d` in increasing order. Arguments as in
/// [`accumulate_outer_columns`].
#[inline(always)]
fn accumulate_outer_tile<T: Target, const R: usize, I: Dim, W: Dim, O: Dim>(
    target: T,
    (x, inputs): (&[f32], I),
    (d, width, d0): (&[f32], W, usize),
    (g, outputs): (&mut [f32], O),
    k0: usize,
    j0: usize,
) {
    let (ni, no) = (inputs.get(), outputs.get());
    if k0 + R > ni {
        return;
    }
    let rows = &mut g[k0 * no..(k0 + R) * no];
    let mut acc = [target.splat(0.0); R];
    for (a, gk) in acc.iter_mut().zip(rows.chunks_exact(no)) {
        *a = target.load(lanes(gk, j0));
    }
    for (xs, ds) in x.chunks_exact(ni).zip(d.chunks_exact(width.get())) {
        let ds = target.load(lanes(ds, d0));
        for (a, &xk) in acc.iter_mut().zip(&xs[k0..k0 + R]) {
            *a = target.add_product(*a, target.splat(xk), ds);
        }
    }
    for (gk, a) in rows.chunks_exact_mut(no).zip(acc) {
        *lanes_mut(gk, j0) = target.store(a);
    }
}

/// `y[b][k] = Σⱼ w[k][j]·d[b][j]`, j increasing, from 0 (an input gradient). Shapes: d `[B][O]`,
/// w `[I][O]`, y `[B][I]`.
///
/// Three ways, by shape, all summing in the same order:
/// - with at most 4 outputs, 16 inputs at a time, vectorised across k over a contiguous copy of
///   their weights, for every sample;
/// - each block of 16 inputs through the forward kernel's tiles, y = d·wᵀ + 0 (the same
///   products, a·b = b·a, in the same order), with the block's rows of w transposed into a
///   contiguous panel of wᵀ (O × 64 bytes);
/// - the inputs no block covers in tiles of 16 samples whose rows of d are transposed into the
///   same panel, so for each group of 6 inputs the sum over j runs with the 16 samples side by
///   side (12 AVX registers), one weight broadcast per input and step; the samples no tile
///   covers one at a time.
///
/// Without vector registers (a Cortex-M), every sample one at a time: there, that costs 10% fewer
/// instructions for a whole training step of `picogan::bimodal`.
#[inline]
pub(crate) fn transposed_product<I: Dim, O: Dim, B: Dim>(
    shape: Shape<I, O, B>,
    d: &[f32],
    w: &[f32],
    y: &mut [f32],
) {
    on_selected_target!(|target, R| transposed_product_with::<_, R, I, O, B>(
        target, shape, d, w, y
    ))
}

/// [`transposed_product`] with tiles of `R` rows, inlined into `target`'s instruction set.
#[inline(always)]
fn transposed_product_with<T: Target, const R: usize, I: Dim, O: Dim, B: Dim>(
    target: T,
    shape: Shape<I, O, B>,
    d: &[f32],
    w: &[f32],
    y: &mut [f32],
) {
    let (ni, no, nb) = shape.get();
    if ni == 0 {
        return;
    }
    if no == 0 {
        y[..nb * ni].fill(0.0);
        return;
    }
    let (d, w, y) = (&d[..nb * no], &w[..ni * no], &mut y[..nb * ni]);
    let blocked = ni / LANES * LANES;
    if no <= NARROW_OUTPUTS {
        // Few outputs (a 64 → 1 layer): 16 inputs at a time, their weights copied into a
        // contiguous wᵀ block, each sample's 16 sums updated once per output j, j increasing.
        let mut w_transposed = [[0.0f32; LANES]; NARROW_OUTPUTS]; // wᵀ[j][k0..k0 + 16]
        for k0 in (0..blocked).step_by(LANES) {
            for (kk, wk) in w[k0 * no..(k0 + LANES) * no].chunks_exact(no).enumerate() {
                for (column, &wkj) in w_transposed.iter_mut().zip(wk) {
                    column[kk] = wkj;
                }
            }
            for (ds, ys) in d.chunks_exact(no).zip(y.chunks_exact_mut(ni)) {
                let mut acc = [0.0f32; LANES];
                for (column, &dj) in w_transposed.iter().zip(ds) {
                    for (a, &wkj) in acc.iter_mut().zip(column) {
                        *a += wkj * dj;
                    }
                }
                ys[k0..k0 + LANES].copy_from_slice(&acc);
            }
        }
        if blocked < ni {
            for (ds, ys) in d.chunks_exact(no).zip(y.chunks_exact_mut(ni)) {
                transposed_one(ds, w, no, ys, blocked..ni);
            }
        }
        return;
    }
    if !VECTOR_REGISTERS {
        for (ds, ys) in d.chunks_exact(no).zip(y.chunks_exact_mut(ni)) {
            transposed_one(ds, w, no, ys, 0..ni);
        }
        return;
    }
    shape.outputs.with_panel(
        #[inline(always)]
        |panel| {
            // wᵀ[j][k0..k0 + 16]
            for k0 in (0..blocked).step_by(LANES) {
                let rows = &w[k0 * no..(k0 + LANES) * no];
                super::transpose::rows_into_panel(target, rows, no, 0, panel);
                super::affine_columns::<T, R, O, Const<LANES>, I>(
                    target,
                    (d, shape.outputs),
                    (panel.as_flattened(), Const, 0),
                    None,
                    #[inline(always)]
                    |row, ys| ys.copy_from_slice(row),
                    (y, shape.inputs),
                    k0,
                );
            }
            if blocked == ni {
                return;
            }
            let d_tiles = d.chunks_exact(SAMPLES * no);
            let d_rest = d_tiles.remainder();
            let mut y_tiles = y.chunks_exact_mut(SAMPLES * ni);
            let full_k = blocked + (ni - blocked) / ROWS * ROWS;
            let d_transposed = panel; // dᵀ of a tile, in the wᵀ panel's space (SAMPLES = LANES)
            for (db, yb) in d_tiles.zip(&mut y_tiles) {
                super::transpose::rows_into_panel(target, db, no, 0, d_transposed);
                // ROWS inputs at a time, sharing the loads of dᵀ; the inputs left over (fewer
                // than ROWS) as one shorter run.
                for k0 in (blocked..full_k).step_by(ROWS) {
                    transposed_rows::<T, ROWS>(target, d_transposed, w, (ni, no), k0, yb);
                }
                left_over_tile!(ni - full_k, N => {
                    transposed_rows::<T, N>(target, d_transposed, w, (ni, no), full_k, yb)
                });
            }
            let y_rest = y_tiles.into_remainder();
            for (ds, ys) in d_rest.chunks_exact(no).zip(y_rest.chunks_exact_mut(ni)) {
                transposed_one(ds, w, no, ys, blocked..ni);
            }
        },
    )
}

/// `y[s][k] = Σⱼ w[k][j]·dᵀ[j][s]` for the inputs `k0..k0 + N` across a tile of samples (y
/// `[16][I]`): one accumulator per input and sample, in registers, j increasing.
#[inline(always)]
fn transposed_rows<T: Target, const N: usize>(
    target: T,
    d_transposed: &[[f32; SAMPLES]],
    w: &[f32],
    (ni, no): (usize, usize),
    k0: usize,
    y: &mut [f32],
) {
    if k0 + N > ni {
        return;
    }
    let rows = split_rows::<N>(&w[k0 * no..(k0 + N) * no], no);
    let mut acc = [target.splat(0.0); N];
    for (j, column) in (0..no).zip(d_transposed) {
        let column = target.load(column);
        for (a, wk) in acc.iter_mut().zip(&rows) {
            *a = target.add_product(*a, target.splat(wk[j]), column);
        }
    }
    let mut sums = [[0.0f32; SAMPLES]; N]; // [N][16 samples]
    for (sum, a) in sums.iter_mut().zip(acc) {
        *sum = target.store(a);
    }
    for (s, ys) in y.chunks_exact_mut(ni).enumerate() {
        for (yk, sum) in ys[k0..k0 + N].iter_mut().zip(&sums) {
            *yk = sum[s];
        }
    }
}

/// One sample, the inputs `inputs`: `y[k] = Σⱼ w[k][j]·d[j]`, where w has rows of `outputs`
/// values.
#[inline]
fn transposed_one(
    d: &[f32],
    w: &[f32],
    outputs: usize,
    y: &mut [f32],
    inputs: core::ops::Range<usize>,
) {
    let w_rows = w[inputs.start * outputs..inputs.end * outputs].chunks_exact(outputs);
    for (yk, wk) in y[inputs].iter_mut().zip(w_rows) {
        let mut acc = 0.0;
        for (&wkj, &dj) in wk.iter().zip(d) {
            acc += wkj * dj;
        }
        *yk = acc;
    }
}
