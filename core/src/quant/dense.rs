//! The int8 dense layer and its conversion from a float [`Dense`].

use super::pair::PairInputs;
use super::{
    Multiplier, Q16, QDenseMut, QDenseRef, QuantError, QuantParams, sigmoid_q16, tanh_q16,
};
use crate::{Activation, Dense};

/// An int8 dense layer (TensorFlow Lite's fully connected kernel with per-channel weights):
///
/// ```text
/// acc[j] = bias[j] + Σₖ (x[k] − z_in)·w[j][k]          (int32, saturating, k increasing)
/// y[j]   = clamp(z_out + round(acc[j]·M[j]), lo, hi)    with M[j] = s_in·s_w[j] / s_out
/// ```
///
/// Negative accumulators use `negative_multiplier` (α·M\[j\] for LeakyReLU(α)); fused ReLU clamps
/// at z_out, real zero. Tanh and sigmoid layers rescale to Q16.16 instead (M\[j\] = s_in·s_w\[j\]·2¹⁶),
/// apply [`tanh_q16`] or [`sigmoid_q16`], and round to their fixed output parameters
/// ([`QuantParams::fixed_for`]: y = round(t·128), or round(σ·256) − 128). Integer arithmetic
/// only, so every platform computes the same values.
///
/// # Examples
/// ```
/// use picogan::quant::{QDense, QuantParams};
/// use picogan::{Activation, Dense};
/// let mut layer = Dense::<2, 1>::new(Activation::Relu);
/// layer.weight = [[0.5], [-0.25]];
/// let input = QuantParams::from_range(-2.0, 2.0);
/// let output = QuantParams::from_range(0.0, 2.0);
/// let q = QDense::from_dense(&layer, input, output).unwrap();
/// let x = [input.quantize(1.0), input.quantize(-1.0)];
/// let y = output.dequantize(q.forward(&x)[0]);
/// assert!((y - 0.75).abs() < 0.02, "{y}");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct QDense<const I: usize, const O: usize> {
    /// `weight\[j\]\[k\]`: output j's weights, output-major (the float layer's transpose, so
    /// that each output's dot product reads one contiguous row), symmetric per output channel
    /// (zero point 0), in −127..=127.
    pub weight: [[i8; I]; O],
    /// Biases in units of s_in·s_w\[j\].
    pub bias: [i32; O],
    /// M\[j\] for accumulators ≥ 0.
    pub multiplier: [Multiplier; O],
    /// The multiplier for negative accumulators.
    pub negative_multiplier: [Multiplier; O],
    /// z_in, the input's zero point.
    pub input_zero_point: i32,
    /// z_out, the output's zero point.
    pub output_zero_point: i32,
    /// Smallest output (z_out for a fused ReLU).
    pub output_min: i8,
    /// Largest output.
    pub output_max: i8,
    /// The float layer's activation, for the model file and descriptions (the arithmetic above
    /// already applies it).
    pub activation: Activation,
}

/// One output of an int8 layer from its int32 accumulator: z_out + round(acc·M), with the
/// negative multiplier for acc < 0, clamped to `range`. Tanh and sigmoid layers use
/// [`requantize_squashed`] instead.
#[inline]
pub fn requantize(
    acc: i32,
    multiplier: Multiplier,
    negative_multiplier: Multiplier,
    output_zero_point: i32,
    range: (i8, i8),
) -> i8 {
    let m = if acc < 0 {
        negative_multiplier
    } else {
        multiplier
    };
    // Clamping round(acc·M) to [lo − z_out, hi − z_out] before adding z_out gives the clamped
    // sum without a saturating addition; where a bound saturates, no i32 lies beyond it.
    let low = i32::from(range.0).saturating_sub(output_zero_point);
    let high = i32::from(range.1).saturating_sub(output_zero_point);
    (m.apply(acc).clamp(low, high) + output_zero_point) as i8
}

/// One output of an int8 tanh layer (`activation` [`Activation::Tanh`]) or sigmoid layer (any
/// other) from its int32 accumulator: the table of [`tanh_q16`] or [`sigmoid_q16`] at
/// round(acc·M) in Q16, then round(t·128) or round(σ·256), plus z_out, clamped to `range`.
///
/// # Examples
/// ```
/// use picogan::Activation;
/// use picogan::quant::{Multiplier, requantize_squashed};
/// // An accumulator in units of 2⁻¹⁰: acc·2⁻¹⁰·2¹⁶ is its Q16 value.
/// let m = Multiplier::from_real(64.0).unwrap();
/// let y = requantize_squashed(1024, m, 0, (-128, 127), Activation::Tanh); // tanh 1 ≈ 0.7616
/// assert_eq!(y, 97); // round(0.7616·128)
/// ```
///
/// Error of a tanh output against tanh of the accumulator's real value: at most
/// 2⁻¹⁷ (the rescaling) + 1.1·10⁻⁴ (the table) + 1/256 (the output's rounding) < 4.0·10⁻³,
/// except above 127/128, the largest int8 output, where it is below 1/128 < 7.9·10⁻³; sigmoid:
/// 2⁻¹⁸ + 7·10⁻⁵ + 1/512 < 2.1·10⁻³, except above 255/256, where it is below 1/256 < 4.0·10⁻³.
#[inline]
pub fn requantize_squashed(
    acc: i32,
    multiplier: Multiplier,
    output_zero_point: i32,
    range: (i8, i8),
    activation: Activation,
) -> i8 {
    let pre = Q16::from_bits(multiplier.apply(acc));
    let (y, scale_bits) = if activation == Activation::Tanh {
        (tanh_q16(pre), 9) // y·128 = bits / 2⁹
    } else {
        (sigmoid_q16(pre), 8) // y·256 = bits / 2⁸
    };
    let rounded = (y.to_bits() + (1 << (scale_bits - 1))) >> scale_bits;
    let q = output_zero_point.saturating_add(rounded);
    q.clamp(i32::from(range.0), i32::from(range.1)) as i8
}

/// True for the activations whose int8 layers go through [`requantize_squashed`].
#[inline]
fn is_squashing(activation: Activation) -> bool {
    matches!(activation, Activation::Tanh | Activation::Sigmoid)
}

/// One output of an int8 layer with `activation`: [`requantize_squashed`] for tanh and
/// sigmoid, [`requantize`] otherwise.
#[inline]
pub(crate) fn requantize_output(
    acc: i32,
    (multiplier, negative_multiplier): (Multiplier, Multiplier),
    output_zero_point: i32,
    range: (i8, i8),
    activation: Activation,
) -> i8 {
    if is_squashing(activation) {
        requantize_squashed(acc, multiplier, output_zero_point, range, activation)
    } else {
        requantize(
            acc,
            multiplier,
            negative_multiplier,
            output_zero_point,
            range,
        )
    }
}

/// One sample through an int8 layer whose sums may overflow: each saturates step by step, k
/// increasing, then [`requantize_output`]: `y[j]` for the `layer.outputs` outputs. One copy for
/// every layer shape, out of line: calibrated layers never take it, and a copy per shape cost
/// the firmware about 4 KB of flash.
#[inline(never)]
pub(crate) fn forward_saturating(layer: &QDenseRef<'_>, x: &[i8], y: &mut [i8]) {
    let scalars = Int8Scalars {
        input_zero_point: layer.input_zero_point,
        output_zero_point: layer.output_zero_point,
        output_range: layer.output_range,
        activation: layer.activation,
    };
    let inputs = layer.inputs;
    saturating_outputs(
        scalars,
        |k, j| layer.weight[j * inputs + k],
        |j| {
            let multipliers = (layer.multiplier[j], layer.negative_multiplier[j]);
            (layer.bias[j], multipliers)
        },
        x,
        y,
    );
}

/// The scalars of an int8 layer: its input's zero point and how its accumulators become
/// outputs.
#[derive(Clone, Copy, Debug)]
struct Int8Scalars {
    /// z_in.
    input_zero_point: i32,
    /// z_out.
    output_zero_point: i32,
    /// Output clamp.
    output_range: (i8, i8),
    /// The float activation it came from.
    activation: Activation,
}

/// The saturating int8 layer, wherever its parameters are stored (a [`QDense`], a model file):
/// for each output j, acc = bias + Σₖ (x\[k\] − z_in)·w(k, j), saturating step by step in
/// increasing k, then [`requantize_output`] with its multipliers. `weight(k, j)` is w\[k\]\[j\];
/// `channel(j)` is output j's bias and (multiplier, negative multiplier). `x` has the layer's
/// inputs, `y` receives its outputs.
#[inline(always)]
fn saturating_outputs(
    scalars: Int8Scalars,
    weight: impl Fn(usize, usize) -> i8,
    channel: impl Fn(usize) -> (i32, (Multiplier, Multiplier)),
    x: &[i8],
    y: &mut [i8],
) {
    for (j, yj) in y.iter_mut().enumerate() {
        let (bias, multipliers) = channel(j);
        let acc = x.iter().enumerate().fold(bias, |acc, (k, &xk)| {
            acc.saturating_add((i32::from(xk) - scalars.input_zero_point) * i32::from(weight(k, j)))
        });
        *yj = requantize_output(
            acc,
            multipliers,
            scalars.output_zero_point,
            scalars.output_range,
            scalars.activation,
        );
    }
}

/// The largest |x − z_in| of an int8 input x with zero point z_in: 128 + |z_in|.
#[inline]
pub(super) fn largest_input(input_zero_point: i32) -> u64 {
    128 + u64::from(input_zero_point.unsigned_abs())
}

/// Outputs accumulated together in [`QDense::forward`]: 4 accumulators, the input and the
/// pointers fit a Cortex-M3's 13 general registers.
const OUTPUT_BLOCK: usize = 4;

/// Whether [`QDense::forward_batch`] takes samples in pairs. On ARM it does only where an
/// assembly loop runs them (ARMv7-M, ARMv7E-M): the compiler's own pair loop spills there, and
/// a ring8 sample took 40,834 instructions in pairs against 33,912 singly on a Cortex-M3.
/// Elsewhere the portable pair loop pays (x86-64: 1.23× the single-sample throughput,
/// `cargo bench -p picogan --bench kernels -- int8_dense`).
const PAIRS_PAY: bool =
    !cfg!(target_arch = "arm") || cfg!(picogan_arm_mla) || cfg!(picogan_arm_dsp);

impl<const I: usize, const O: usize> QDense<I, O> {
    /// One sample through the layer.
    pub fn forward(&self, x: &[i8; I]) -> [i8; O] {
        if !self.cannot_overflow() {
            let mut y = [0i8; O];
            forward_saturating(&self.view(), x, &mut y);
            return y;
        }
        let centred = self.centre(x); // [I]
        let acc = self.accumulate(&centred); // [O]
        self.requantize_all(&acc) // [O]
    }

    /// `B` samples through the layer, each output bit-identical to [`QDense::forward`]'s.
    /// Samples go through in pairs that share each weight load, and an odd one last on its
    /// own; one by one where a sum may overflow, and on ARM chips without the assembly loops
    /// (see `PAIRS_PAY`). The inner loop of a pair takes 1.125 instructions per
    /// multiply-accumulate on a Cortex-M4 (`SMLAD`) and 1.875 on a Cortex-M3, where one sample
    /// takes 1.75 and 2.7.
    ///
    /// # Examples
    /// ```
    /// use picogan::quant::{QDense, QuantParams};
    /// use picogan::{Activation, Dense};
    /// let mut layer = Dense::<2, 3>::new(Activation::Relu);
    /// layer.weight = [[0.5, -0.5, 0.25], [-0.25, 0.75, 1.0]];
    /// let params = QuantParams::from_range(-2.0, 2.0);
    /// let q = QDense::from_dense(&layer, params, params).unwrap();
    /// let x = [[10, -3], [-100, 64], [127, -128]];
    /// let batch = q.forward_batch(&x);
    /// for (xs, ys) in x.iter().zip(&batch) {
    ///     assert_eq!(*ys, q.forward(xs));
    /// }
    /// ```
    pub fn forward_batch<const B: usize>(&self, x: &[[i8; I]; B]) -> [[i8; O]; B] {
        let mut y = [[0i8; O]; B];
        if !PAIRS_PAY {
            for (xs, ys) in x.iter().zip(&mut y) {
                *ys = self.forward(xs);
            }
            return y;
        }
        if !self.cannot_overflow() {
            for (xs, ys) in x.iter().zip(&mut y) {
                forward_saturating(&self.view(), xs, ys);
            }
            return y;
        }
        let mut inputs = x.chunks_exact(2);
        let mut outputs = y.chunks_exact_mut(2);
        for (pair, out) in (&mut inputs).zip(&mut outputs) {
            let ([x0, x1], [y0, y1]) = (pair, out) else {
                continue;
            };
            self.forward_pair(x0, x1, y0, y1);
        }
        for (xs, ys) in inputs.remainder().iter().zip(outputs.into_remainder()) {
            *ys = self.forward(xs);
        }
        y
    }

    /// The layer as a view whose shape is known at run time.
    pub(crate) fn view(&self) -> QDenseRef<'_> {
        QDenseRef {
            inputs: I,
            outputs: O,
            weight: self.weight.as_flattened(),
            bias: &self.bias,
            multiplier: &self.multiplier,
            negative_multiplier: &self.negative_multiplier,
            input_zero_point: self.input_zero_point,
            output_zero_point: self.output_zero_point,
            output_range: (self.output_min, self.output_max),
            activation: self.activation,
        }
    }

    /// Two samples, for a layer where [`QDense::cannot_overflow`] holds: two rows at a time
    /// read both samples' inputs once, and each accumulator goes straight to its output.
    #[inline]
    fn forward_pair(&self, x0: &[i8; I], x1: &[i8; I], y0: &mut [i8; O], y1: &mut [i8; O]) {
        let inputs = PairInputs::new(x0, x1, self.input_zero_point); // [I][2]
        let (row_pairs, last_row) = self.weight.as_chunks::<2>();
        for (j, rows) in (0..O).step_by(2).zip(row_pairs) {
            let (b0, b1) = (self.bias[j], self.bias[j + 1]);
            let [s0r0, s0r1, s1r0, s1r1] = inputs.dot_2x2(rows, [b0, b1, b0, b1]);
            y0[j] = self.requantize_channel(j, s0r0);
            y0[j + 1] = self.requantize_channel(j + 1, s0r1);
            y1[j] = self.requantize_channel(j, s1r0);
            y1[j + 1] = self.requantize_channel(j + 1, s1r1);
        }
        if let Some(row) = last_row.first() {
            let j = O - 1;
            let [s0, s1] = inputs.dot_1x2(row, [self.bias[j]; 2]);
            y0[j] = self.requantize_channel(j, s0);
            y1[j] = self.requantize_channel(j, s1);
        }
    }

    /// x − z_in: [I]
    #[inline]
    fn centre(&self, x: &[i8; I]) -> [i32; I] {
        let mut centred = [0i32; I];
        for (c, &xk) in centred.iter_mut().zip(x) {
            *c = i32::from(xk) - self.input_zero_point;
        }
        centred
    }

    /// True when no accumulator can overflow, whatever the input: each input is at most
    /// 128 + |z_in| in size (255 for a valid zero point) and each weight 128, so it holds when
    /// |bias\[j\]| + I·(128 + |z_in|)·128 fits in i32 for every j. Then plain integer sums give
    /// the saturating sums' exact values whatever their grouping.
    #[inline]
    fn cannot_overflow(&self) -> bool {
        let largest_bias = self
            .bias
            .iter()
            .map(|b| b.unsigned_abs())
            .max()
            .unwrap_or(0);
        let largest_product = largest_input(self.input_zero_point) * 128;
        u64::from(largest_bias) + largest_product * I as u64 <= i32::MAX as u64
    }

    /// The outputs from the accumulators, channel by channel.
    #[inline]
    fn requantize_all(&self, acc: &[i32; O]) -> [i8; O] {
        let mut y = [0i8; O];
        for (j, (yj, &a)) in y.iter_mut().zip(acc).enumerate() {
            *yj = self.requantize_channel(j, a);
        }
        y
    }

    /// Output j from its accumulator: [`requantize_squashed`] for tanh and sigmoid,
    /// [`requantize`] otherwise, as [`requantize_output`] chooses. A layer whose clamp starts at
    /// or above z_out (a fused ReLU) maps every acc ≤ 0, hence round(acc·M) ≤ 0, to its
    /// smallest output without loading the multipliers or multiplying. The choice is written
    /// out rather than delegated to `requantize_output`: with the multipliers loaded before the
    /// test, a ring8 sample took 2.6% (M3) and 1.3% (M4F) more instructions.
    #[inline(always)]
    fn requantize_channel(&self, j: usize, acc: i32) -> i8 {
        let (zero_point, range) = (self.output_zero_point, (self.output_min, self.output_max));
        if is_squashing(self.activation) {
            requantize_squashed(acc, self.multiplier[j], zero_point, range, self.activation)
        } else if acc <= 0 && zero_point <= i32::from(range.0) {
            range.0
        } else {
            let (m, n) = (self.multiplier[j], self.negative_multiplier[j]);
            requantize(acc, m, n, zero_point, range)
        }
    }

    /// The accumulators bias\[j\] + Σₖ centred\[k\]·w\[j\]\[k\] of a layer where
    /// [`QDense::cannot_overflow`] holds: blocks of [`OUTPUT_BLOCK`] outputs accumulate in
    /// registers, each input loaded once for the block (on ARMv7E-M, the DSP instructions take
    /// four inputs at a time).
    #[inline]
    fn accumulate(&self, centred: &[i32; I]) -> [i32; O] {
        let mut acc = self.bias;
        #[cfg(picogan_arm_dsp)]
        if I.is_multiple_of(4) && super::dsp::fits_int16(largest_input(self.input_zero_point)) {
            super::dsp::accumulate(&self.weight, centred, &mut acc);
            return acc;
        }
        let mut rows = self.weight.chunks_exact(OUTPUT_BLOCK);
        let mut sums = acc.chunks_exact_mut(OUTPUT_BLOCK);
        for (block, rows) in (&mut sums).zip(&mut rows) {
            let [a0, a1, a2, a3] = block else { continue };
            let [r0, r1, r2, r3] = rows else { continue };
            for (k, &c) in centred.iter().enumerate() {
                *a0 += c * i32::from(r0[k]);
                *a1 += c * i32::from(r1[k]);
                *a2 += c * i32::from(r2[k]);
                *a3 += c * i32::from(r3[k]);
            }
        }
        for (a, row) in sums.into_remainder().iter_mut().zip(rows.remainder()) {
            for (&c, &w) in centred.iter().zip(row) {
                *a += c * i32::from(w);
            }
        }
        acc
    }

    /// Quantizes a float layer whose input and output are described by `input` and `output`
    /// (calibrated ranges), per output channel:
    ///
    /// ```text
    /// s_w[j] = max_k |w[k][j]| / 127         q_w[j][k] = round(w[k][j] / s_w[j])
    /// bias[j] = round(b[j] / (s_in·s_w[j]))   M[j] = s_in·s_w[j] / s_out
    /// ```
    ///
    /// Tanh and sigmoid layers need `output` to be their fixed parameters
    /// ([`QuantParams::fixed_for`]) and rescale to Q16 instead (M\[j\] = s_in·s_w\[j\]·2¹⁶).
    /// LeakyReLU(α) has α·M\[j\] for negative accumulators; a ReLU clamps its outputs at z_out
    /// (Jacob et al., CVPR 2018, §2.2; TensorFlow Lite's int8 specification).
    pub fn from_dense(
        dense: &Dense<I, O>,
        input: QuantParams,
        output: QuantParams,
    ) -> Result<Self, QuantError> {
        let mut layer = QDense {
            weight: [[0; I]; O],
            bias: [0; O],
            multiplier: [Multiplier::ZERO; O],
            negative_multiplier: [Multiplier::ZERO; O],
            input_zero_point: 0,
            output_zero_point: 0,
            output_min: 0,
            output_max: 0,
            activation: dense.activation,
        };
        let float = (
            dense.weight.as_flattened(),
            &dense.bias[..],
            dense.activation,
        );
        quantize_layer(float, input, output, layer.view_mut())?;
        Ok(layer)
    }

    /// The layer as a mutable view whose shape is known at run time.
    pub(crate) fn view_mut(&mut self) -> QDenseMut<'_> {
        QDenseMut {
            inputs: I,
            outputs: O,
            weight: self.weight.as_flattened_mut(),
            bias: &mut self.bias,
            multiplier: &mut self.multiplier,
            negative_multiplier: &mut self.negative_multiplier,
            input_zero_point: &mut self.input_zero_point,
            output_zero_point: &mut self.output_zero_point,
            output_min: &mut self.output_min,
            output_max: &mut self.output_max,
            activation: &mut self.activation,
        }
    }
}

/// [`QDense::from_dense`]'s quantization of the float layer `(weight, bias, activation)`
/// (`weight[k·O + j]` joins input k to output j, as in [`Dense`]) into `q`, whatever holds its
/// shape.
pub(crate) fn quantize_layer(
    (weight, bias, activation): (&[f32], &[f32], Activation),
    input: QuantParams,
    output: QuantParams,
    q: QDenseMut<'_>,
) -> Result<(), QuantError> {
    let fixed = QuantParams::fixed_for(activation);
    if fixed.is_some_and(|p| p != output) {
        return Err(QuantError::FixedOutputParams);
    }
    let negative_scale = match activation {
        Activation::LeakyRelu(alpha) => f64::from(alpha),
        _ => 1.0,
    };
    let (inputs, outputs) = (q.inputs, q.outputs);
    *q.activation = activation;
    *q.input_zero_point = input.zero_point;
    *q.output_zero_point = output.zero_point;
    *q.output_min = if activation == Activation::Relu {
        output.zero_point as i8
    } else {
        i8::MIN
    };
    *q.output_max = i8::MAX;
    let channels = q.bias.iter_mut().zip(q.multiplier.iter_mut());
    let channels = channels.zip(q.negative_multiplier.iter_mut());
    for (j, ((qb, qm), qn)) in channels.enumerate() {
        let column = || weight.iter().skip(j).step_by(outputs);
        let largest = column().map(|w| libm::fabsf(*w)).fold(0.0, f32::max);
        let weight_scale = if largest > 0.0 {
            f64::from(largest) / 127.0
        } else {
            1.0
        };
        let row = &mut q.weight[j * inputs..(j + 1) * inputs];
        for (qw, w) in row.iter_mut().zip(column()) {
            *qw = libm::round(f64::from(*w) / weight_scale).clamp(-127.0, 127.0) as i8;
        }
        let accumulator_scale = f64::from(input.scale) * weight_scale;
        let b = libm::round(f64::from(bias[j]) / accumulator_scale);
        *qb = b.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
        let m = if fixed.is_some() {
            accumulator_scale * 65536.0 // to Q16, the tables' input
        } else {
            accumulator_scale / f64::from(output.scale)
        };
        *qm = Multiplier::from_real(m).ok_or(QuantError::ScaleOutOfRange)?;
        *qn = Multiplier::from_real(m * negative_scale).ok_or(QuantError::ScaleOutOfRange)?;
    }
    Ok(())
}
