//! Two samples through one int8 layer at once: both samples' inputs side by side, so that each
//! weight is loaded once for two multiply-accumulates and each input pair once for two rows.
//!
//! [`PairInputs::dot_2x2`] is the portable loop; on ARMv7-M it is written out in assembly
//! (`super::mla`), on ARMv7E-M it uses the DSP instructions (`super::dsp`). Every version is
//! used only when no sum can overflow ([`super::QDense`] checks), so integer sums in any
//! grouping give the same values: the firmware tests compare each chip with the host, bit for
//! bit.

/// Two samples' centred inputs (x − z_in), side by side: `centred[k] = [x₀[k], x₁[k]]`.
pub(super) struct PairInputs<const I: usize> {
    centred: [[i32; 2]; I],
    /// The same inputs as int16 pairs for the DSP loop, when it takes them.
    #[cfg(picogan_arm_dsp)]
    packed: Option<[u32; I]>,
}

impl<const I: usize> PairInputs<I> {
    /// x₀ − z_in and x₁ − z_in, interleaved: [I][2]
    #[inline]
    pub(super) fn new(x0: &[i8; I], x1: &[i8; I], zero_point: i32) -> Self {
        let centred = core::array::from_fn(|k| {
            [i32::from(x0[k]) - zero_point, i32::from(x1[k]) - zero_point]
        });
        PairInputs {
            #[cfg(picogan_arm_dsp)]
            packed: super::dsp::pack_pair(
                &centred,
                super::dsp::fits_int16(super::dense::largest_input(zero_point)),
            ),
            centred,
        }
    }

    /// acc + \[x₀·r₀, x₀·r₁, x₁·r₀, x₁·r₁\] for the two rows `rows` = \[r₀, r₁\].
    #[inline]
    pub(super) fn dot_2x2(&self, rows: &[[i8; I]; 2], acc: [i32; 4]) -> [i32; 4] {
        #[cfg(picogan_arm_mla)]
        if let Some(sums) = super::mla::dot_2x2(rows, &self.centred, acc) {
            return sums;
        }
        #[cfg(picogan_arm_dsp)]
        if let Some(packed) = &self.packed {
            return super::dsp::dot_2x2(rows, packed, acc);
        }
        let [mut a00, mut a01, mut a10, mut a11] = acc;
        let [r0, r1] = rows;
        for (k, &[c0, c1]) in self.centred.iter().enumerate() {
            let (w0, w1) = (i32::from(r0[k]), i32::from(r1[k]));
            a00 += c0 * w0;
            a01 += c0 * w1;
            a10 += c1 * w0;
            a11 += c1 * w1;
        }
        [a00, a01, a10, a11]
    }

    /// acc + \[x₀·r, x₁·r\] for one row.
    #[inline]
    pub(super) fn dot_1x2(&self, row: &[i8; I], acc: [i32; 2]) -> [i32; 2] {
        let [mut a0, mut a1] = acc;
        for (&[c0, c1], &w) in self.centred.iter().zip(row) {
            a0 += c0 * i32::from(w);
            a1 += c1 * i32::from(w);
        }
        [a0, a1]
    }
}
