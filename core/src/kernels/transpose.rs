//! Sixteen rows of a matrix turned into a panel of its transpose, for the input gradient.
//!
//! A transposition only copies numbers, so every path gives the same bits. With AVX, 8 × 8
//! blocks move through registers instead of one number at a time (`isa::x86`).

use super::LANES;
use crate::isa::Target;

/// `panel[j][kk] = rows[kk][c0 + j]` for the 16 rows (of `width` values each, row after row in
/// `rows`) and the panel's columns j: a panel of wᵀ, or a tile of 16 samples of d transposed.
/// Columns go 8 × 8 blocks at a time through `target`'s [`Target::transpose8`], the last
/// `panel.len() mod 8` one number at a time.
///
/// Shapes: rows `[16][width]`, panel `[J][16]` with `c0 + J ≤ width`.
#[inline(always)]
pub(crate) fn rows_into_panel<T: Target>(
    target: T,
    rows: &[f32],
    width: usize,
    c0: usize,
    panel: &mut [[f32; LANES]],
) {
    let rows = super::split_rows::<LANES>(rows, width);
    let (blocks, rest) = panel.as_chunks_mut::<8>();
    for (half, half_rows) in rows.as_chunks::<8>().0.iter().enumerate() {
        for (b, columns_out) in blocks.iter_mut().enumerate() {
            let c = c0 + 8 * b;
            let mut block = [&[0.0f32; 8]; 8];
            for (slot, row) in block.iter_mut().zip(half_rows) {
                *slot = &row[c..c + 8].as_chunks::<8>().0[0];
            }
            let columns = target.transpose8(block);
            for (out, column) in columns_out.iter_mut().zip(&columns) {
                out.as_chunks_mut::<8>().0[half] = *column;
            }
        }
    }
    let c = c0 + 8 * blocks.len();
    for (j, out) in rest.iter_mut().enumerate() {
        for (p, row) in out.iter_mut().zip(&rows) {
            *p = row[c + j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path against the definition, on a width with a column left over (8·2 + 3), from a
    /// column other than the first.
    #[test]
    fn panel_is_the_transpose() {
        const WIDTH: usize = 21;
        const C0: usize = 2;
        const J: usize = WIDTH - C0;
        let rows: [[f32; WIDTH]; LANES] =
            core::array::from_fn(|k| core::array::from_fn(|j| (100 * k + j) as f32));
        let check = |panel: &[[f32; LANES]; J]| {
            for (j, column) in panel.iter().enumerate() {
                for (kk, &value) in column.iter().enumerate() {
                    assert_eq!(value, rows[kk][C0 + j], "column {j}, row {kk}");
                }
            }
        };
        fn panel_with<T: Target>(target: T, rows: &[[f32; WIDTH]; LANES]) -> [[f32; LANES]; J] {
            let mut panel = [[0.0f32; LANES]; J];
            rows_into_panel(target, rows.as_flattened(), WIDTH, C0, &mut panel);
            panel
        }
        check(&panel_with(crate::isa::Portable, &rows));
        match crate::isa::selected_target() {
            crate::isa::Selected::Portable(target) => check(&panel_with(target, &rows)),
            #[cfg(target_arch = "x86_64")]
            crate::isa::Selected::Avx2(target) => check(&panel_with(target, &rows)),
            #[cfg(target_arch = "x86_64")]
            crate::isa::Selected::Avx512(target) => check(&panel_with(target, &rows)),
        }
    }
}
