//! Sizes known at compile time or at run time, for the one implementation of the kernels.
//!
//! A kernel takes each size as a [`Dim`]. The const-generic layers pass [`Const`]s: a `Const`
//! has no value at run time, so the size stays a constant inside the kernel even where the kernel
//! runs behind a function pointer or a `#[target_feature]` entry (the CPU's instruction set is
//! chosen at run time), and its loops unroll and its bounds checks fold as if the size were
//! written there. Networks shaped at run time pass `usize`s (feature `alloc`).

use super::LANES;

/// A size: [`Const`] at compile time, `usize` at run time (feature `alloc`).
pub(crate) trait Dim: Copy {
    /// The size.
    fn get(self) -> usize;

    /// Calls `f` with a zeroed panel of as many rows of [`LANES`] as the size: an array on the
    /// stack for a [`Const`], on the heap for a `usize`.
    fn with_panel<R>(self, f: impl FnOnce(&mut [[f32; LANES]]) -> R) -> R;
}

/// The size `N`, known at compile time.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Const<const N: usize>;

impl<const N: usize> Dim for Const<N> {
    #[inline(always)]
    fn get(self) -> usize {
        N
    }

    #[inline(always)]
    fn with_panel<R>(self, f: impl FnOnce(&mut [[f32; LANES]]) -> R) -> R {
        f(&mut [[0.0; LANES]; N])
    }
}

#[cfg(feature = "alloc")]
impl Dim for usize {
    #[inline(always)]
    fn get(self) -> usize {
        self
    }

    #[inline(always)]
    fn with_panel<R>(self, f: impl FnOnce(&mut [[f32; LANES]]) -> R) -> R {
        f(&mut alloc::vec![[0.0; LANES]; self])
    }
}

/// The sizes of one dense layer's products: `inputs` I, `outputs` O and `batch` B samples.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape<I, O, B> {
    /// Inputs per sample, I.
    pub(crate) inputs: I,
    /// Outputs per sample, O.
    pub(crate) outputs: O,
    /// Samples, B.
    pub(crate) batch: B,
}

impl<I: Dim, O: Dim, B: Dim> Shape<I, O, B> {
    /// (I, O, B) as numbers.
    #[inline(always)]
    pub(crate) fn get(self) -> (usize, usize, usize) {
        (self.inputs.get(), self.outputs.get(), self.batch.get())
    }
}

impl<const I: usize, const O: usize, const B: usize> Shape<Const<I>, Const<O>, Const<B>> {
    /// The shape of a const-generic layer's batch.
    pub(crate) const CONST: Self = Shape {
        inputs: Const,
        outputs: Const,
        batch: Const,
    };
}
