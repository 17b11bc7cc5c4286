//! The int8 dot product on the DSP instructions of ARMv7E-M (Cortex-M4, M7): `SXTB16` widens
//! the even and the odd bytes of a word of int8 weights to two int16 pairs, and `SMLAD`
//! multiplies two such pairs by a pair of inputs and adds both products to the accumulator, so
//! four multiply-accumulates take five instructions (the scheme of CMSIS-NN's int8 kernels; Arm,
//! *ARMv7-M Architecture Reference Manual*, §A7.7.115 `SMLAD`, §A7.7.175 `SXTB16`).
//!
//! Two loops: [`accumulate`], one sample, two outputs side by side (`QDense::forward`; 26,736
//! instructions a ring8 sample on the Cortex-M4F against 33,486 for the portable loop), and
//! [`dot_2x2`], two rows by two samples, each widened weight word used for both samples
//! (`QDense::forward_batch`; 19,538 a sample against 36,928 for the portable pair loop).
//!
//! Built only for `thumbv7em` targets (`core/build.rs` sets `cfg(picogan_arm_dsp)`); everywhere
//! else [`super::QDense`] runs its portable loop. They are used only when no sum can overflow,
//! so their pairwise additions give exactly the portable loop's values: the firmware tests run
//! both on a Cortex-M4F and compare them with the host's portable loop, bit for bit.

/// Outputs whose weights are read side by side, sharing each input pair. Two keep the loop in
/// registers (14 instructions for 8 multiply-accumulates); with four, or with eight inputs an
/// iteration, the compiler hoists more loads than the Cortex-M4 has registers, and spills.
const OUTPUT_BLOCK: usize = 2;

/// True when inputs of magnitude up to `largest_input` (`dense::largest_input`) fit these
/// loops' int16 lanes.
#[inline]
pub(super) fn fits_int16(largest_input: u64) -> bool {
    largest_input < 1 << 15
}

/// Two int16 lanes in one word: `low` in bits 0–15, `high` in bits 16–31.
#[inline(always)]
fn pack(low: i32, high: i32) -> u32 {
    (low as u32 & 0xFFFF) | ((high as u32) << 16)
}

/// acc + w₀x₀ + w₁x₁ + w₂x₂ + w₃x₃, with w the four int8 weights of the little-endian word
/// `weights` and the inputs packed as `x02` = (x₀, x₂) and `x13` = (x₁, x₃).
#[inline(always)]
#[allow(unsafe_code)]
fn dot4(acc: i32, weights: u32, x02: u32, x13: u32) -> i32 {
    let mut acc = acc;
    // SAFETY: arithmetic on registers only: it reads `weights`, `x02`, `x13` and `acc`, writes
    // `acc` and two scratch registers the allocator keeps apart from the inputs (`out`, not
    // `lateout`), and touches no memory and no stack. SMLAD may set the sticky Q flag on
    // overflow, which the caller's bound rules out and nothing reads.
    unsafe {
        core::arch::asm!(
            "sxtb16 {even}, {w}",
            "sxtb16 {odd}, {w}, ror #8",
            "smlad {acc}, {even}, {x02}, {acc}",
            "smlad {acc}, {odd}, {x13}, {acc}",
            acc = inout(reg) acc,
            w = in(reg) weights,
            x02 = in(reg) x02,
            x13 = in(reg) x13,
            even = out(reg) _,
            odd = out(reg) _,
            options(pure, nomem, nostack),
        );
    }
    acc
}

/// The four int8 weights `row[k..k + 4]` as one little-endian word.
#[inline(always)]
fn word(row: &[i8]) -> u32 {
    u32::from_le_bytes([row[0] as u8, row[1] as u8, row[2] as u8, row[3] as u8])
}

/// acc\[j\] += Σₖ centred\[k\]·weight\[j\]\[k\] for I a multiple of 4 and every |centred\[k\]| < 2¹⁵,
/// [`OUTPUT_BLOCK`] outputs at a time.
pub(super) fn accumulate<const I: usize, const O: usize>(
    weight: &[[i8; I]; O],
    centred: &[i32; I],
    acc: &mut [i32; O],
) {
    // (x₀, x₂), (x₁, x₃), (x₄, x₆), … in the first I/2 words: [I/2]
    let mut packed = [0u32; I];
    for (pair, x) in packed.chunks_exact_mut(2).zip(centred.chunks_exact(4)) {
        pair[0] = pack(x[0], x[2]);
        pair[1] = pack(x[1], x[3]);
    }
    let pairs = &packed[..I / 2];
    let mut rows = weight.chunks_exact(OUTPUT_BLOCK);
    let mut sums = acc.chunks_exact_mut(OUTPUT_BLOCK);
    for (block, rows) in (&mut sums).zip(&mut rows) {
        let [a0, a1] = block else { continue };
        let [r0, r1] = rows else { continue };
        for (k, x) in (0..I).step_by(4).zip(pairs.chunks_exact(2)) {
            *a0 = dot4(*a0, word(&r0[k..]), x[0], x[1]);
            *a1 = dot4(*a1, word(&r1[k..]), x[0], x[1]);
        }
    }
    for (a, row) in sums.into_remainder().iter_mut().zip(rows.remainder()) {
        for (w, x) in row.chunks_exact(4).zip(pairs.chunks_exact(2)) {
            *a = dot4(*a, word(w), x[0], x[1]);
        }
    }
}

/// Two samples' inputs for [`dot_2x2`] from `centred\[k\]` = \[x₀\[k\] − z_in, x₁\[k\] − z_in\]:
/// per four inputs k..k+4, the words (x₀\[k\], x₀\[k+2\]), (x₀\[k+1\], x₀\[k+3\]),
/// (x₁\[k\], x₁\[k+2\]), (x₁\[k+1\], x₁\[k+3\]): \[I\]. `None` unless I is a multiple of 8
/// (two groups a pass) below 4096 (the `LDR` offset that reaches the second row) and every
/// input fits int16 (`fits_int16`).
#[inline]
pub(super) fn pack_pair<const I: usize>(
    centred: &[[i32; 2]; I],
    fits_int16: bool,
) -> Option<[u32; I]> {
    if !(fits_int16 && I > 0 && I.is_multiple_of(8) && I < 4096) {
        return None;
    }
    Some(core::array::from_fn(|i| {
        let (group, word) = (4 * (i / 4), i % 4);
        let (k, sample) = (group + word % 2, word / 2);
        pack(centred[k][sample], centred[k + 2][sample])
    }))
}

/// acc + \[x₀·r₀, x₀·r₁, x₁·r₀, x₁·r₁\] for `rows` = \[r₀, r₁\] and the inputs from
/// [`pack_pair`]: per four inputs, each row's weight word and its two `SXTB16`, three `LDRD`
/// and eight `SMLAD`, so sixteen multiply-accumulates take seventeen instructions.
#[inline(always)]
#[allow(unsafe_code)]
pub(super) fn dot_2x2<const I: usize>(
    rows: &[[i8; I]; 2],
    packed: &[u32; I],
    acc: [i32; 4],
) -> [i32; 4] {
    let [mut a00, mut a01, mut a10, mut a11] = acc;
    let weights = rows[0].as_ptr();
    let end = weights.wrapping_add(I);
    // SAFETY: the caller runs this only where `pack_pair` found I a multiple of 8 in 8..4096. The loop reads
    // `rows[0]` and `rows[1]` a word at a time (at `weights + k` and `weights + k + I`, k < I:
    // the rows are consecutive in one `[[i8; I]; 2]`) and `packed` two words at a time (at
    // `packed + 4k` and `packed + 4k + 8`, k < I), eight k a pass: every read is inside the
    // borrowed arrays, and unaligned word reads of the rows are allowed on ARMv7E-M. It writes
    // only registers: the four accumulators, the two pointers it advances (inouts whose final
    // values are dropped) and four scratch registers, and it touches no stack. SMLAD may set
    // the sticky Q flag on overflow, which the caller's bound rules out and nothing reads.
    unsafe {
        // Four inputs: r₁'s word widened to its even and odd pairs against x₀ then x₁, r₀'s
        // against x₁ (still loaded) then x₀ (advancing to the next four).
        macro_rules! step {
            () => {
                concat!(
                    "ldr {w}, [{p}, #{stride}]\n",
                    "sxtb16 {even}, {w}\n",
                    "sxtb16 {w}, {w}, ror #8\n",
                    "ldrd {x02}, {x13}, [{x}]\n",
                    "smlad {a01}, {even}, {x02}, {a01}\n",
                    "smlad {a01}, {w}, {x13}, {a01}\n",
                    "ldrd {x02}, {x13}, [{x}, #8]\n",
                    "smlad {a11}, {even}, {x02}, {a11}\n",
                    "smlad {a11}, {w}, {x13}, {a11}\n",
                    "ldr {w}, [{p}], #4\n",
                    "sxtb16 {even}, {w}\n",
                    "sxtb16 {w}, {w}, ror #8\n",
                    "smlad {a10}, {even}, {x02}, {a10}\n",
                    "smlad {a10}, {w}, {x13}, {a10}\n",
                    "ldrd {x02}, {x13}, [{x}], #16\n",
                    "smlad {a00}, {even}, {x02}, {a00}\n",
                    "smlad {a00}, {w}, {x13}, {a00}\n",
                )
            };
        }
        core::arch::asm!(
            "2:",
            step!(),
            step!(),
            "cmp {p}, {end}",
            "bne 2b",
            stride = const I,
            p = inout(reg) weights => _,
            x = inout(reg) packed.as_ptr() => _,
            end = in(reg) end,
            a00 = inout(reg) a00,
            a01 = inout(reg) a01,
            a10 = inout(reg) a10,
            a11 = inout(reg) a11,
            w = out(reg) _,
            even = out(reg) _,
            x02 = out(reg) _,
            x13 = out(reg) _,
            options(nostack, readonly),
        );
    }
    [a00, a01, a10, a11]
}
