//! The vector instruction set the kernels run with, chosen when the program runs.
//!
//! A binary built for plain x86-64 runs everywhere, and on each machine its matrix products take
//! the widest instruction set the CPU has: AVX-512 (the x86-64-v4 set), AVX2 (x86-64-v3), or
//! the build's own baseline ([`Isa::Portable`]: SSE2 on x86-64, NEON on aarch64, whatever a
//! microcontroller has). Every instruction set gives the same bits: only the width of the tiles
//! changes, never the order of a sum, and no path fuses a multiply and an add.
//!
//! The choice is made once, by CPU feature detection (feature `std`; without it, from the
//! features the build enables), and can be forced with [`force`] to compare paths.
//!
//! # Examples
//! ```
//! use picogan::isa::{self, Isa};
//! let best = Isa::best();
//! assert!(best.is_supported() && Isa::Portable.is_supported());
//! assert_eq!(isa::selected(), best);
//!
//! // Any supported path gives the same bits; force one to compare, then go back.
//! isa::force(Some(Isa::Portable)).unwrap();
//! assert_eq!(isa::selected(), Isa::Portable);
//! isa::force(None).unwrap();
//! assert_eq!(isa::selected(), best);
//! ```

use core::fmt;
use core::str::FromStr;

use crate::Error;

/// An instruction set the kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Isa {
    /// The build's baseline: SSE2 on x86-64 (unless the build enables more), NEON on aarch64,
    /// the FPU or soft floats on a microcontroller. Supported everywhere.
    Portable,
    /// AVX2 with FMA, BMI1/2 and LZCNT: the x86-64-v3 level. Tiles of 6 rows by 16 lanes, two
    /// 256-bit registers a row (12 of its 16).
    Avx2,
    /// AVX-512 F, CD, BW, DQ and VL on top of [`Isa::Avx2`]: the x86-64-v4 level. Tiles of 8 rows
    /// by 16 lanes, one 512-bit register a row.
    Avx512,
}

impl Isa {
    /// Every instruction set, from the narrowest to the widest.
    pub const ALL: [Isa; 3] = [Isa::Portable, Isa::Avx2, Isa::Avx512];

    /// The name [`FromStr`] reads: `portable`, `avx2` or `avx512`.
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this CPU runs it: detected at run time with feature `std` on x86-64, else taken
    /// from the features the build enables.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Portable => true,
            Isa::Avx2 => detect::avx2(),
            Isa::Avx512 => detect::avx512(),
        }
    }

    /// The widest instruction set this CPU runs.
    pub fn best() -> Isa {
        let mut best = Isa::Portable;
        for isa in Isa::ALL {
            if isa.is_supported() {
                best = isa;
            }
        }
        best
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Isa {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        Isa::ALL
            .into_iter()
            .find(|isa| isa.name() == name)
            .ok_or(Error::InvalidHyperparameter {
                name: "instruction set (expected portable, avx2 or avx512)",
            })
    }
}

/// The instruction set the kernels use now: the one [`force`]d, else [`Isa::best`].
///
/// # Examples
/// ```
/// assert!(picogan::isa::selected().is_supported());
/// ```
#[inline]
pub fn selected() -> Isa {
    selection::get()
}

/// Makes the kernels use `isa` from now on, in every thread (`None`: go back to
/// [`Isa::best`]). For comparing paths in tests and benchmarks: the results are the same bits
/// whichever is used.
///
/// # Errors
/// [`Error::UnsupportedIsa`] if this CPU does not run `isa`; the selection is unchanged then.
///
/// # Examples
/// ```
/// use picogan::isa::{self, Isa};
/// isa::force(Some(Isa::Portable)).unwrap();
/// assert_eq!(isa::selected(), Isa::Portable);
/// isa::force(None).unwrap();
/// ```
pub fn force(isa: Option<Isa>) -> Result<(), Error> {
    let isa = match isa {
        Some(isa) if !isa.is_supported() => return Err(Error::UnsupportedIsa { isa }),
        Some(isa) => isa,
        None => Isa::best(),
    };
    selection::set(isa);
    Ok(())
}

/// Proof that the CPU runs an instruction set, and the means to run code compiled for it: the
/// kernels are generic over a target, and [`Target::run`] calls them compiled with its features.
///
/// The tiles hold their sums in [`Target::F32x16`] values: sixteen lanes that the target keeps
/// in one or more vector registers. Written with these explicit vectors, a tile's rows cannot be
/// vectorised the other way (across rows, with gathers and scatters), which compilers do to
/// plain loops over arrays when AVX-512 is on, at many times the cost.
pub(crate) trait Target: Copy {
    /// Sixteen `f32` lanes in registers.
    type F32x16: Copy;

    /// `f()`, compiled with this target's features (its body is inlined into a function that
    /// enables them).
    fn run<R>(self, f: impl FnOnce() -> R) -> R;

    /// The lanes of `v`.
    fn load(self, v: &[f32; 16]) -> Self::F32x16;

    /// The 16 lanes of `v`, in order.
    fn store(self, v: Self::F32x16) -> [f32; 16];

    /// `x` in every lane.
    fn splat(self, x: f32) -> Self::F32x16;

    /// `acc + a·b` lane by lane: the product rounded to f32, then the sum, never fused.
    fn add_product(self, acc: Self::F32x16, a: Self::F32x16, b: Self::F32x16) -> Self::F32x16;

    /// `acc + w·x` lane by lane, as [`Target::add_product`] of `w`'s lanes and `x` in every
    /// lane.
    #[inline(always)]
    fn add_scaled(self, acc: Self::F32x16, w: &[f32; 16], x: f32) -> Self::F32x16 {
        self.add_product(acc, self.load(w), self.splat(x))
    }

    /// `columns[c][r] = rows[r][c]` for an 8 × 8 block, in registers where the target has them.
    #[inline(always)]
    fn transpose8(self, rows: [&[f32; 8]; 8]) -> [[f32; 8]; 8] {
        core::array::from_fn(|c| core::array::from_fn(|r| rows[r][c]))
    }
}

/// The build's baseline: always available.
#[derive(Clone, Copy)]
pub(crate) struct Portable;

impl Target for Portable {
    type F32x16 = [f32; 16];

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }

    #[inline(always)]
    fn load(self, v: &[f32; 16]) -> [f32; 16] {
        *v
    }

    #[inline(always)]
    fn store(self, v: [f32; 16]) -> [f32; 16] {
        v
    }

    #[inline(always)]
    fn splat(self, x: f32) -> [f32; 16] {
        [x; 16]
    }

    #[inline(always)]
    fn add_product(self, mut acc: [f32; 16], a: [f32; 16], b: [f32; 16]) -> [f32; 16] {
        for ((s, &a), &b) in acc.iter_mut().zip(&a).zip(&b) {
            *s += a * b;
        }
        acc
    }

    /// Each weight loaded just before its product: a Cortex-M4F's 32 registers hold the 16 sums
    /// but not 16 weights beside them.
    #[inline(always)]
    fn add_scaled(self, mut acc: [f32; 16], w: &[f32; 16], x: f32) -> [f32; 16] {
        for (s, &w) in acc.iter_mut().zip(w) {
            *s += w * x;
        }
        acc
    }
}

/// The selected target, as a token of its type.
pub(crate) enum Selected {
    Portable(Portable),
    #[cfg(target_arch = "x86_64")]
    Avx2(x86::Avx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(x86::Avx512),
}

/// The token of [`selected`]'s target.
#[inline(always)]
pub(crate) fn selected_target() -> Selected {
    match selected() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => Selected::Avx2(x86::Avx2(())),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => Selected::Avx512(x86::Avx512(())),
        _ => Selected::Portable(Portable),
    }
}

/// The selection, kept in one atomic byte on x86-64 (0 until the first call detects the CPU).
#[cfg(target_arch = "x86_64")]
mod selection {
    use core::sync::atomic::{AtomicU8, Ordering};

    use super::Isa;

    static SELECTED: AtomicU8 = AtomicU8::new(0);

    #[inline]
    pub(super) fn get() -> Isa {
        match SELECTED.load(Ordering::Relaxed) {
            1 => Isa::Portable,
            2 => Isa::Avx2,
            3 => Isa::Avx512,
            _ => {
                let best = Isa::best();
                set(best);
                best
            }
        }
    }

    pub(super) fn set(isa: Isa) {
        let code = match isa {
            Isa::Portable => 1,
            Isa::Avx2 => 2,
            Isa::Avx512 => 3,
        };
        SELECTED.store(code, Ordering::Relaxed);
    }
}

/// Elsewhere there is only the baseline, and nothing to store.
#[cfg(not(target_arch = "x86_64"))]
mod selection {
    use super::Isa;

    #[inline(always)]
    pub(super) fn get() -> Isa {
        Isa::Portable
    }

    pub(super) fn set(_isa: Isa) {}
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod detect {
    pub(super) fn avx2() -> bool {
        std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt")
    }

    pub(super) fn avx512() -> bool {
        avx2()
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512cd")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512vl")
    }
}

#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
mod detect {
    pub(super) fn avx2() -> bool {
        cfg!(all(
            target_arch = "x86_64",
            target_feature = "avx2",
            target_feature = "fma",
            target_feature = "bmi1",
            target_feature = "bmi2",
            target_feature = "lzcnt"
        ))
    }

    pub(super) fn avx512() -> bool {
        avx2()
            && cfg!(all(
                target_feature = "avx512f",
                target_feature = "avx512cd",
                target_feature = "avx512bw",
                target_feature = "avx512dq",
                target_feature = "avx512vl"
            ))
    }
}

/// The x86-64 tokens. Each is made only by [`selected_target`], after [`selected`] said the CPU
/// runs its instruction set, which is what makes calling its `#[target_feature]` functions sound.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub(crate) mod x86 {
    use core::arch::x86_64::{
        __m256, __m512, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_permute2f128_ps,
        _mm256_set1_ps, _mm256_setzero_ps, _mm256_shuffle_ps, _mm256_storeu_ps, _mm256_unpackhi_ps,
        _mm256_unpacklo_ps, _mm512_add_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps,
        _mm512_storeu_ps,
    };

    use super::Target;

    /// The CPU runs [`super::Isa::Avx2`].
    #[derive(Clone, Copy)]
    pub(crate) struct Avx2(pub(super) ());

    /// The CPU runs [`super::Isa::Avx512`].
    #[derive(Clone, Copy)]
    pub(crate) struct Avx512(pub(super) ());

    #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt")]
    fn run_avx2<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    #[target_feature(
        enable = "avx2,fma,bmi1,bmi2,lzcnt,avx512f,avx512cd,avx512bw,avx512dq,avx512vl"
    )]
    fn run_avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    // SAFETY (every `unsafe` block of the two impls): an `Avx2` or an `Avx512` exists only where
    // the CPU runs every feature its `run_*` function enables, so calling those functions and
    // the intrinsics of those features is sound; each load reads the 16 floats of one
    // `&[f32; 16]` and each store writes those of one `[f32; 16]`, and the unaligned forms take
    // any address.
    impl Target for Avx2 {
        type F32x16 = [__m256; 2];

        #[inline(always)]
        fn run<R>(self, f: impl FnOnce() -> R) -> R {
            unsafe { run_avx2(f) }
        }

        #[inline(always)]
        fn load(self, v: &[f32; 16]) -> [__m256; 2] {
            let (low, high) = v.split_at(8);
            unsafe {
                [
                    _mm256_loadu_ps(low.as_ptr()),
                    _mm256_loadu_ps(high.as_ptr()),
                ]
            }
        }

        #[inline(always)]
        fn store(self, v: [__m256; 2]) -> [f32; 16] {
            let mut out = [0.0f32; 16];
            let (low, high) = out.split_at_mut(8);
            unsafe {
                _mm256_storeu_ps(low.as_mut_ptr(), v[0]);
                _mm256_storeu_ps(high.as_mut_ptr(), v[1]);
            }
            out
        }

        #[inline(always)]
        fn splat(self, x: f32) -> [__m256; 2] {
            let v = unsafe { _mm256_set1_ps(x) };
            [v, v]
        }

        #[inline(always)]
        fn add_product(self, acc: [__m256; 2], a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
            unsafe {
                [
                    _mm256_add_ps(acc[0], _mm256_mul_ps(a[0], b[0])),
                    _mm256_add_ps(acc[1], _mm256_mul_ps(a[1], b[1])),
                ]
            }
        }

        #[inline(always)]
        fn transpose8(self, rows: [&[f32; 8]; 8]) -> [[f32; 8]; 8] {
            transpose8(rows)
        }
    }

    impl Target for Avx512 {
        type F32x16 = __m512;

        #[inline(always)]
        fn run<R>(self, f: impl FnOnce() -> R) -> R {
            unsafe { run_avx512(f) }
        }

        #[inline(always)]
        fn load(self, v: &[f32; 16]) -> __m512 {
            unsafe { _mm512_loadu_ps(v.as_ptr()) }
        }

        #[inline(always)]
        fn store(self, v: __m512) -> [f32; 16] {
            let mut out = [0.0f32; 16];
            unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) };
            out
        }

        #[inline(always)]
        fn splat(self, x: f32) -> __m512 {
            unsafe { _mm512_set1_ps(x) }
        }

        #[inline(always)]
        fn add_product(self, acc: __m512, a: __m512, b: __m512) -> __m512 {
            unsafe { _mm512_add_ps(acc, _mm512_mul_ps(a, b)) }
        }

        #[inline(always)]
        fn transpose8(self, rows: [&[f32; 8]; 8]) -> [[f32; 8]; 8] {
            transpose8(rows)
        }
    }

    /// `columns[c][r] = rows[r][c]` for an 8 × 8 block, through registers: unpack, shuffle,
    /// 128-bit permute. A copy: the same bits as the portable loop.
    ///
    /// Always inlined into a caller that runs inside [`Avx2`]'s or [`Avx512`]'s `run`, where AVX
    /// is enabled: a `#[target_feature]` function of its own was left out of line by the
    /// inliner once the kernels calling it grew, at a call and a copy of the block each time.
    #[inline(always)]
    fn transpose8(rows: [&[f32; 8]; 8]) -> [[f32; 8]; 8] {
        let mut columns = [[0.0f32; 8]; 8];
        // SAFETY: the callers are the two impls above, so the CPU runs AVX (see their SAFETY
        // comment); every load reads the 8 floats of one `&[f32; 8]` and every store writes the
        // 8 floats of one row of `columns`; the unaligned forms take any address.
        // (Loops, not `array::from_fn`: its closure would be compiled without AVX.)
        unsafe {
            let mut r = [_mm256_setzero_ps(); 8];
            for (register, row) in r.iter_mut().zip(rows) {
                *register = _mm256_loadu_ps(row.as_ptr());
            }
            // Pairs of rows interleaved, per 128-bit half: (r0c0 r1c0 r0c1 r1c1 | r0c4 …).
            let t = [
                _mm256_unpacklo_ps(r[0], r[1]),
                _mm256_unpackhi_ps(r[0], r[1]),
                _mm256_unpacklo_ps(r[2], r[3]),
                _mm256_unpackhi_ps(r[2], r[3]),
                _mm256_unpacklo_ps(r[4], r[5]),
                _mm256_unpackhi_ps(r[4], r[5]),
                _mm256_unpacklo_ps(r[6], r[7]),
                _mm256_unpackhi_ps(r[6], r[7]),
            ];
            // Four rows per column, per half: (r0c0 r1c0 r2c0 r3c0 | r0c4 r1c4 r2c4 r3c4).
            let u = [
                _mm256_shuffle_ps::<0x44>(t[0], t[2]),
                _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
                _mm256_shuffle_ps::<0x44>(t[1], t[3]),
                _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
                _mm256_shuffle_ps::<0x44>(t[4], t[6]),
                _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
                _mm256_shuffle_ps::<0x44>(t[5], t[7]),
                _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
            ];
            // Rows 0–3 and 4–7 of each column joined: columns 0–3 from the low halves, 4–7
            // from the high ones.
            for (c, column) in columns.iter_mut().enumerate() {
                let (low, high) = (u[c % 4], u[c % 4 + 4]);
                let joined = if c < 4 {
                    _mm256_permute2f128_ps::<0x20>(low, high)
                } else {
                    _mm256_permute2f128_ps::<0x31>(low, high)
                };
                _mm256_storeu_ps(column.as_mut_ptr(), joined);
            }
        }
        columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for isa in Isa::ALL {
            assert_eq!(isa.name().parse::<Isa>(), Ok(isa));
        }
        assert!("avx".parse::<Isa>().is_err());
    }

    /// Every target's transposition against the definition.
    #[test]
    fn transpose8_is_the_transpose() {
        let rows: [[f32; 8]; 8] =
            core::array::from_fn(|r| core::array::from_fn(|c| (10 * r + c) as f32));
        let refs: [&[f32; 8]; 8] = core::array::from_fn(|r| &rows[r]);
        let check = |columns: [[f32; 8]; 8]| {
            for (c, column) in columns.iter().enumerate() {
                for (r, &value) in column.iter().enumerate() {
                    assert_eq!(value, rows[r][c], "row {r}, column {c}");
                }
            }
        };
        check(Portable.transpose8(refs));
        #[cfg(target_arch = "x86_64")]
        if Isa::Avx2.is_supported() {
            check(x86::Avx2(()).transpose8(refs));
        }
    }
}
