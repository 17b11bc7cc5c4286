//! Sixteen rows of a matrix turned into a panel of its transpose, for the input gradient.
//!
//! A transposition only copies numbers, so every path gives the same bits. With AVX, 8 × 8
//! blocks move through registers instead of one number at a time (`isa::x86`).

use super::LANES;
use crate::isa::Target;

/// `panel[j][kk] = rows[kk][j]` for the 16 rows and every column j: a panel of wᵀ, or a tile of
/// 16 samples of d transposed. Columns `0..8·⌊O/8⌋` go 8 × 8 blocks at a time through
/// `target`'s [`Target::transpose8`], the rest one number at a time.
///
/// Shapes: rows `[16][O]`, panel `[O][16]`.
#[inline(always)]
pub(crate) fn rows_into_panel<T: Target, const O: usize>(
    target: T,
    rows: &[[f32; O]; LANES],
    panel: &mut [[f32; LANES]; O],
) {
    let blocks = O / 8;
    for (half, kk0) in [0, 8].into_iter().enumerate() {
        let half_rows = &rows[kk0..kk0 + 8];
        for b in 0..blocks {
            let block: [&[f32; 8]; 8] =
                core::array::from_fn(|r| &half_rows[r].as_chunks::<8>().0[b]);
            let columns = target.transpose8(block);
            for (row, column) in panel[8 * b..8 * b + 8].iter_mut().zip(&columns) {
                row.as_chunks_mut::<8>().0[half] = *column;
            }
        }
    }
    for (j, row) in panel.iter_mut().enumerate().skip(8 * blocks) {
        for (p, r) in row.iter_mut().zip(rows) {
            *p = r[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path against the definition, on a width with a column left over (8·2 + 3).
    #[test]
    fn panel_is_the_transpose() {
        const O: usize = 19;
        let rows: [[f32; O]; LANES] =
            core::array::from_fn(|k| core::array::from_fn(|j| (100 * k + j) as f32));
        let check = |panel: &[[f32; LANES]; O]| {
            for (j, row) in panel.iter().enumerate() {
                for (kk, &value) in row.iter().enumerate() {
                    assert_eq!(value, rows[kk][j], "column {j}, row {kk}");
                }
            }
        };
        fn panel_with<T: Target>(target: T, rows: &[[f32; O]; LANES]) -> [[f32; LANES]; O] {
            let mut panel = [[0.0f32; LANES]; O];
            rows_into_panel(target, rows, &mut panel);
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
