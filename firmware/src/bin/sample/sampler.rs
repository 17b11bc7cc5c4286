//! Drawing one sample from the embedded generator: the float, int8 or Q16.16 path, chosen by
//! the model file's dtype at build time (`build.rs` sets `cfg(picogan_int8)` or
//! `cfg(picogan_q16)`).

#[cfg(not(any(picogan_int8, picogan_q16)))]
pub use float::{HEX_DIGITS, STATIC_BYTES, Sampler, Value, bits};
#[cfg(picogan_int8)]
pub use int8::{HEX_DIGITS, STATIC_BYTES, Sampler, Value, bits};
#[cfg(picogan_q16)]
pub use q16::{HEX_DIGITS, STATIC_BYTES, Sampler, Value, bits};

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
            use crate::model::{CLASSES, NETWORK, NOISE_DIM, NORMALIZATION};
            use picogan::Vector;
            let mut z = [<Network as Layer>::Input::ZERO];
            let (noise, code) = z[0].as_mut().split_at_mut(NOISE_DIM);
            picogan::rng::fill_normal(rng, noise); // [1][noise]
            let label =
                crate::settings::LABEL.unwrap_or(self.drawn.checked_rem(CLASSES).unwrap_or(0));
            picogan::label::one_hot(label, code); // [1][classes]
            self.drawn += 1;
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
    use crate::model::{INPUT_ZERO_POINT, NETWORK, NOISE_MULTIPLIER, Network};

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
    }

    impl Sampler {
        pub fn new() -> Self {
            Sampler {
                batch: [[0; <Network as QLayer>::OUTPUTS]; BATCH],
                next: BATCH,
            }
        }

        /// Nothing to restart: an int8 model is unconditional (`build.rs` refuses the others).
        pub fn restart(&mut self) {}

        /// One sample with Irwin–Hall noise, integers only, through [`QLayer::forward`]: what
        /// the host's int8 path computes.
        pub fn draw_singly(&mut self, rng: &mut NoiseRng) -> Sample {
            // `black_box` keeps the weights as data in flash: without it, the compiler sees the
            // static's values and turns every weight into an instruction immediate.
            core::hint::black_box(&NETWORK).forward(&noise(rng)) // [outputs]
        }

        /// The next sample of the stream [`Sampler::draw_singly`] gives, computed [`BATCH`] at
        /// a time.
        pub fn draw(&mut self, rng: &mut NoiseRng) -> Sample {
            if self.next == BATCH {
                let x: [_; BATCH] = core::array::from_fn(|_| noise(rng)); // [batch][noise]
                self.batch = core::hint::black_box(&NETWORK).forward_batch(&x); // [batch][outputs]
                self.next = 0;
            }
            self.next += 1;
            self.batch[self.next - 1]
        }
    }

    /// One noise vector, quantized to the network's input: [noise]
    fn noise(rng: &mut NoiseRng) -> [i8; <Network as QLayer>::INPUTS] {
        core::array::from_fn(|_| quantize_q16(normal_q16(rng), NOISE_MULTIPLIER, INPUT_ZERO_POINT))
    }
}

#[cfg(picogan_q16)]
mod q16 {
    use picogan::quant::{Q16, Q16Layer, normal_q16};
    use picogan::rng::NoiseRng;

    use crate::Sample;
    use crate::model::{NETWORK, Network};

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

    pub struct Sampler;

    impl Sampler {
        pub fn new() -> Self {
            Sampler
        }

        /// Nothing to restart: a Q16 model is unconditional (`build.rs` refuses the others).
        pub fn restart(&mut self) {}

        /// One sample, as [`Sampler::draw`] computes it: the Q16 path has no faster one.
        pub fn draw_singly(&mut self, rng: &mut NoiseRng) -> Sample {
            self.draw(rng)
        }

        /// One sample with Irwin–Hall noise in Q16 fed straight to the network, integers only:
        /// what the host's Q16 path computes.
        pub fn draw(&mut self, rng: &mut NoiseRng) -> Sample {
            let mut x = [Q16::ZERO; <Network as Q16Layer>::INPUTS];
            for v in x.iter_mut() {
                *v = Q16::from_bits(normal_q16(rng)); // [noise]
            }
            // As for int8: `black_box` keeps the weights as data in flash.
            core::hint::black_box(&NETWORK).forward(&x) // [outputs]
        }
    }
}
