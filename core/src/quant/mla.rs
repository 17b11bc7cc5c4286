//! Two samples' int8 dot products on ARMv7-M (Cortex-M3; `thumbv7m` targets, where
//! `core/build.rs` sets `cfg(picogan_arm_mla)`): each step loads both samples' inputs with one
//! `LDRD` and each weight with one `LDRSB`, and feeds four `MLA`s, two rows by two samples, so
//! four multiply-accumulates take seven instructions (Arm, *ARMv7-M Architecture Reference
//! Manual*, §A7.7.74 `MLA`, §A7.7.50 `LDRD`, §A7.7.61 `LDRSB`).
//!
//! The loop is written out because the compiler, left to unroll the same loop in Rust, keeps
//! the accumulators on the stack: a ring8 sample drawn in pairs costs 40,834 instructions with
//! it and 24,100 with this one. It is used only when no sum can overflow, so its order of additions
//! gives the portable loop's values exactly: the firmware tests run it on a Cortex-M3 and
//! compare every output with the host's.

/// acc + \[x₀·r₀, x₀·r₁, x₁·r₀, x₁·r₁\] for `rows` = \[r₀, r₁\] and `centred\[k\]` =
/// \[x₀\[k\], x₁\[k\]\]; `None` unless I is a multiple of 4 (four steps a pass) and below 4096
/// (the `LDRSB` offset that reaches r₁).
#[inline(always)]
#[allow(unsafe_code)]
pub(super) fn dot_2x2<const I: usize>(
    rows: &[[i8; I]; 2],
    centred: &[[i32; 2]; I],
    acc: [i32; 4],
) -> Option<[i32; 4]> {
    if I == 0 || !I.is_multiple_of(4) || I >= 4096 {
        return None;
    }
    let [mut a00, mut a01, mut a10, mut a11] = acc;
    let r0 = &rows[0];
    let weights = r0.as_ptr();
    let end = weights.wrapping_add(I);
    // SAFETY: the loop reads `rows[0][k]` and `rows[1][k]` (at `weights + k` and
    // `weights + k + I`: the rows are consecutive in one `[[i8; I]; 2]`) and `centred[k]` (8 bytes at `centred + 8k`) for
    // k in 0..I, four k a pass, I a positive multiple of 4: every read is inside the borrowed arrays.
    // It writes only registers: the four accumulators, the two pointers it advances (inouts
    // whose final values are dropped) and three scratch registers, and it touches no stack.
    unsafe {
        // One input k: both samples' x[k], then r₁[k] and r₀[k] (advancing), four MLAs.
        macro_rules! step {
            () => {
                concat!(
                    "ldrd {c0}, {c1}, [{x}], #8\n",
                    "ldrsb {w}, [{p}, #{stride}]\n",
                    "mla {a01}, {c0}, {w}, {a01}\n",
                    "mla {a11}, {c1}, {w}, {a11}\n",
                    "ldrsb {w}, [{p}], #1\n",
                    "mla {a00}, {c0}, {w}, {a00}\n",
                    "mla {a10}, {c1}, {w}, {a10}\n",
                )
            };
        }
        core::arch::asm!(
            "2:",
            step!(),
            step!(),
            step!(),
            step!(),
            "cmp {p}, {end}",
            "bne 2b",
            stride = const I,
            p = inout(reg) weights => _,
            x = inout(reg) centred.as_ptr() => _,
            end = in(reg) end,
            a00 = inout(reg) a00,
            a01 = inout(reg) a01,
            a10 = inout(reg) a10,
            a11 = inout(reg) a11,
            c0 = out(reg) _,
            c1 = out(reg) _,
            w = out(reg) _,
            options(nostack, readonly),
        );
    }
    Some([a00, a01, a10, a11])
}
