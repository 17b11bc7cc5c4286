//! Drawing one sample from the embedded generator: the float, int8 or Q16.16 path, chosen by
//! the model file's dtype at build time (`build.rs` sets `cfg(picogan_int8)` or
//! `cfg(picogan_q16)`). A conditional model's noise is followed by the one-hot of
//! `PICOGAN_LABEL`, or of the labels in turn. The float path hands out samples in the data's
//! units; the integer paths hand out the network's int8 or Q16 outputs, which the model's
//! output scale and `NORMALIZATION` turn into the data's units.

#[cfg(not(any(picogan_int8, picogan_q16)))]
pub use float::{HEX_DIGITS, STATIC_BYTES, Sampler, Value, bits};
#[cfg(picogan_int8)]
pub use int8::{HEX_DIGITS, STATIC_BYTES, Sampler, Value, bits};
#[cfg(picogan_q16)]
pub use q16::{HEX_DIGITS, STATIC_BYTES, Sampler, Value, bits};

/// The label of the next sample of a conditional model, counting the draw in `drawn`:
/// `PICOGAN_LABEL`, or the labels in turn 0, 1, …, K − 1 (0 for an unconditional model).
#[cfg_attr(feature = "size-baseline", allow(dead_code))]
fn next_label(drawn: &mut usize) -> usize {
    let label = crate::settings::LABEL
        .unwrap_or_else(|| drawn.checked_rem(crate::model::CLASSES).unwrap_or(0));
    *drawn += 1;
    label
}

#[cfg(not(any(picogan_int8, picogan_q16)))]
mod float {
    use picogan::rng::NoiseRng;
    use picogan::{Layer, Zeroed};
    use static_cell::ConstStaticCell;

    use crate::Sample;
    use crate::model::Network;

    /// One output value.
    pub type Value = f32;
    /// Hex digits of a value's bits.
    pub const HEX_DIGITS: usize = 8;

    /// A value's IEEE-754 bits.
    pub fn bits(value: f32) -> u32 {
        value.to_bits()
    }

    /// The activations of one forward pass: each layer's outputs for a batch of one.
    type Trace = <Network as Layer>::Trace<1>;

    /// Bytes of static RAM the sampler uses: the activations.
    pub const STATIC_BYTES: usize = core::mem::size_of::<Trace>();

    /// The activations, in `.bss`.
    static TRACE: ConstStaticCell<Trace> = ConstStaticCell::new(Trace::ZEROED);

    pub struct Sampler {
        trace: &'static mut Trace,
        /// Samples drawn, for the labels in turn.
        drawn: usize,
    }

    impl Sampler {
        pub fn new() -> Self {
            Sampler {
                trace: TRACE.take(),
                drawn: 0,
            }
        }

        /// Starts the labels in turn again from 0, for a second pass over the same noise.
        pub fn restart(&mut self) {
            self.drawn = 0;
        }

        /// One sample, as [`Sampler::draw`] computes it: a float network has no faster path.
        pub fn draw_singly(&mut self, rng: &mut NoiseRng) -> Sample {
            self.draw(rng)
        }

        /// One sample G(z) with z standard normal noise (followed, for a conditional model, by
        /// the one-hot of `PICOGAN_LABEL` or of the labels in turn), in the data's units: the
        /// same draw as `picogan sample` on the host.
        #[cfg(not(feature = "size-baseline"))]
        pub fn draw(&mut self, rng: &mut NoiseRng) -> Sample {
            use crate::model::{NETWORK, NOISE_DIM, NORMALIZATION};
            use picogan::Vector;
            let mut z = [<Network as Layer>::Input::ZERO];
            let (noise, code) = z[0].as_mut().split_at_mut(NOISE_DIM);
            picogan::rng::fill_normal(rng, noise); // [1][noise]
            picogan::label::one_hot(super::next_label(&mut self.drawn), code); // [1][classes]
            NETWORK.forward_batch(&z, self.trace); // [1][outputs]
            let mut sample = Network::output(self.trace)[0];
            for (v, column) in sample.iter_mut().zip(&NORMALIZATION) {
                *v = column.to_data(*v); // data units
            }
            sample
        }

        /// Feature `size-baseline`: no noise and no network, so that the flash picogan costs
        /// is the difference between a normal build and this one.
        #[cfg(feature = "size-baseline")]
        pub fn draw(&mut self, _rng: &mut NoiseRng) -> Sample {
            Network::output(self.trace)[0]
        }
    }
}

#[cfg(picogan_int8)]
mod int8 {
    use picogan::quant::{QLayer, normal_q16, quantize_q16};
    use picogan::rng::NoiseRng;

    use crate::Sample;
    use crate::model::{INPUT_ZERO_POINT, NETWORK, NOISE_DIM, NOISE_MULTIPLIER, Network};

    /// One output value.
    pub type Value = i8;
    /// Hex digits of a value's bits.
    pub const HEX_DIGITS: usize = 2;

    /// A value's two's-complement byte.
    pub fn bits(value: i8) -> u32 {
        u32::from(value as u8)
    }

    /// Bytes of static RAM the sampler uses: none (the int8 activations are on the stack).
    pub const STATIC_BYTES: usize = 0;

    /// Samples computed together ([`QLayer::forward_batch`]): pairs share each weight load.
    const BATCH: usize = 4;

    /// Draws samples [`BATCH`] at a time and hands them out one by one, in the order of their
    /// noise, so the stream is the one drawing them singly gives.
    pub struct Sampler {
        batch: [Sample; BATCH],
        next: usize,
        /// Noise vectors drawn, for the labels in turn.
        drawn: usize,
    }

    impl Sampler {
        pub fn new() -> Self {
            Sampler {
                batch: [[0; <Network as QLayer>::OUTPUTS]; BATCH],
                next: BATCH,
                drawn: 0,
            }
        }

        /// Starts the labels in turn again from 0, for a second pass over the same noise.
        pub fn restart(&mut self) {
            self.drawn = 0;
            self.next = BATCH;
        }

        /// One sample with Irwin–Hall noise, integers only, through [`QLayer::forward`]: what
        /// the host's int8 path computes.
        pub fn draw_singly(&mut self, rng: &mut NoiseRng) -> Sample {
            let x = self.input(rng);
            // `black_box` keeps the weights as data in flash: without it, the compiler sees the
            // static's values and turns every weight into an instruction immediate.
            core::hint::black_box(&NETWORK).forward(&x) // [outputs]
        }

        /// The next sample of the stream [`Sampler::draw_singly`] gives, computed [`BATCH`] at
        /// a time.
        pub fn draw(&mut self, rng: &mut NoiseRng) -> Sample {
            if self.next == BATCH {
                let x: [_; BATCH] = core::array::from_fn(|_| self.input(rng)); // [batch][inputs]
                self.batch = core::hint::black_box(&NETWORK).forward_batch(&x); // [batch][outputs]
                self.next = 0;
            }
            self.next += 1;
            self.batch[self.next - 1]
        }

        /// One input, quantized: noise, then for a conditional model the one-hot of
        /// `PICOGAN_LABEL` or of the labels in turn: [inputs]
        fn input(&mut self, rng: &mut NoiseRng) -> [i8; <Network as QLayer>::INPUTS] {
            let mut q16 = [0i32; <Network as QLayer>::INPUTS];
            let (noise, code) = q16.split_at_mut(NOISE_DIM);
            for z in noise {
                *z = normal_q16(rng);
            }
            picogan::label::one_hot_q16(super::next_label(&mut self.drawn), code); // [classes]
            q16.map(|z| quantize_q16(z, NOISE_MULTIPLIER, INPUT_ZERO_POINT))
        }
    }
}

#[cfg(picogan_q16)]
mod q16 {
    use picogan::quant::{Q16, Q16Layer, normal_q16};
    use picogan::rng::NoiseRng;

    use crate::Sample;
    use crate::model::{NETWORK, NOISE_DIM, Network};

    /// One output value.
    pub type Value = Q16;
    /// Hex digits of a value's bits.
    pub const HEX_DIGITS: usize = 8;

    /// A value's two's-complement Q16.16 bits.
    pub fn bits(value: Q16) -> u32 {
        value.to_bits() as u32
    }

    /// Bytes of static RAM the sampler uses: none (the activations are on the stack).
    pub const STATIC_BYTES: usize = 0;

    pub struct Sampler {
        /// Samples drawn, for the labels in turn.
        drawn: usize,
    }

    impl Sampler {
        pub fn new() -> Self {
            Sampler { drawn: 0 }
        }

        /// Starts the labels in turn again from 0, for a second pass over the same noise.
        pub fn restart(&mut self) {
            self.drawn = 0;
        }

        /// One sample, as [`Sampler::draw`] computes it: the Q16 path has no faster one.
        pub fn draw_singly(&mut self, rng: &mut NoiseRng) -> Sample {
            self.draw(rng)
        }

        /// One sample with Irwin–Hall noise in Q16 (followed, for a conditional model, by the
        /// one-hot of `PICOGAN_LABEL` or of the labels in turn) fed straight to the network,
        /// integers only: what the host's Q16 path computes.
        pub fn draw(&mut self, rng: &mut NoiseRng) -> Sample {
            let mut q16 = [0i32; <Network as Q16Layer>::INPUTS];
            let (noise, code) = q16.split_at_mut(NOISE_DIM);
            for z in noise {
                *z = normal_q16(rng);
            }
            picogan::label::one_hot_q16(super::next_label(&mut self.drawn), code); // [classes]
            let x = q16.map(Q16::from_bits); // [inputs]
            // As for int8: `black_box` keeps the weights as data in flash.
            core::hint::black_box(&NETWORK).forward(&x) // [outputs]
        }
    }
}
