//! # picogan
//!
//! Tiny generative adversarial networks (Goodfellow et al., 2014) for microcontrollers and for
//! teaching: `no_std`, no allocator, every buffer sized at compile time by const generics.
//!
//! A generator G maps noise z to samples, a discriminator D scores samples as real or fake, and
//! the two play min_G max_D V(D, G) = E_data[ln D(x)] + E_z[ln(1 − D(G(z)))]. This crate has:
//!
//! - networks: [`Dense`] layers with fused [`Activation`]s, composed as nested pairs ([`Mlp3`]
//!   and friends) so a shape mismatch does not compile; single-sample and batch forward passes
//!   that give the same bits;
//! - training (feature `train`, on by default): backward passes ([`Trainable`]), the closed-form
//!   R1 gradient, [`optim::Sgd`] and [`optim::Adam`], the [`loss`]es and a [`GanTrainer`];
//! - [`info`]: entropy, cross-entropy, KL and JS divergence, the optimal discriminator and V;
//! - [`rng`]: uniform and Gaussian noise from any `rand_core` generator;
//! - [`mixture`]: Gaussian mixtures, the toy data of GAN papers, sampled alike everywhere;
//! - [`model`]: the versioned, checksummed model file, read and written without allocation.
//!
//! Every sum runs in one fixed order with plain multiply-then-add, and transcendental functions
//! come only from [`math`] (libm, or micromath with the `micromath` feature), so the host and the
//! device compute the same bits. The default feature `std` links the standard library for one
//! thing, a square root the compiler can vectorise (the same bits as libm's); build with
//! `default-features = false` for a `no_std` target.
//!
//! # Examples
//! ```
//! use picogan::{Activation::*, Dense, Layer, Mlp3, sample};
//! use picogan::rng::{NoiseRng, SeedableRng};
//!
//! // G: 2 noise inputs → 64 → 64 → a 2-D sample.
//! let mut generator: Mlp3<2, 64, 64, 2> =
//!     (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity)));
//! let mut rng = NoiseRng::seed_from_u64(42);
//! generator.init_params(&mut rng);
//! assert_eq!(Mlp3::<2, 64, 64, 2>::PARAMS, 4_482);
//! let point: [f32; 2] = sample(&generator, &mut rng);
//! assert!(point.iter().all(|v| v.is_finite()));
//! ```
#![no_std]
// The audited exceptions: the int8 dot products of `quant::dsp` (ARMv7E-M only: one sample,
// and two samples at once) and `quant::mla` (ARMv7-M only: two samples), each an `asm!` block
// with its SAFETY comment and its measured gain; and `isa::x86`, which calls the kernels compiled
// for AVX2 or AVX-512 once the CPU is known to run them, and transposes 8 × 8 blocks with AVX.
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

// Only for `f32::sqrt` (see `math::sqrt`).
#[cfg(feature = "std")]
extern crate std;

pub mod activation;
#[cfg(feature = "train")]
pub mod bimodal;
pub mod dense;
#[cfg(feature = "alloc")]
pub mod dynamic;
mod error;
pub mod info;
pub mod isa;
mod kernels;
pub mod label;
pub mod layer;
pub mod loss;
pub mod math;
pub mod mixture;
pub mod model;
#[cfg(feature = "train")]
pub mod optim;
pub mod quant;
pub mod rng;
mod sample;
#[cfg(feature = "train")]
mod train;

pub use activation::{Activation, sigmoid};
pub use dense::{Dense, DenseTrace};
pub use error::Error;
#[cfg(feature = "train")]
pub use layer::Trainable;
pub use layer::{Layer, LayerInfo, Mlp2, Mlp3, Mlp4, Network, Vector, Zeroed};
pub use sample::{sample, sample_batch};
#[cfg(all(feature = "train", feature = "alloc"))]
pub use train::dynamic::DynGanTrainer;
#[cfg(feature = "train")]
pub use train::{GanConfig, GanTrainer, StepStats};
