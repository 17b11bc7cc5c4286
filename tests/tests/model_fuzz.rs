//! Structured fuzzing of the model reader, on stable Rust: valid files of every dtype (f32, int8,
//! Q16.16), random architectures, conditional and normalized ones, mutated (bytes overwritten,
//! the file cut or grown) and given a correct checksum again, so that the mutations reach every
//! check behind it. Whatever the bytes, no reader panics, and the reader validates every field
//! once: a file that `summarize` accepts is read by its dtype's reader, runs, and becomes Rust
//! source.

use picogan::Activation::{self, *};
use picogan::dynamic::DynMlp;
use picogan::model::{self, Dtype, Interface, Normalization, Role};
use picogan::quant::QuantParams;
use picogan::rng::{NoiseRng, SeedableRng};
use proptest::prelude::*;

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fn activation() -> impl Strategy<Value = Activation> {
    prop_oneof![
        Just(Identity),
        Just(Relu),
        Just(LeakyRelu(0.2)),
        Just(Tanh),
        Just(Sigmoid)
    ]
}

/// A valid model file: an f32 network of `widths`, as f32, int8 or Q16 (`dtype` 0, 1, 2), with
/// `classes` of its inputs a one-hot (when it has more inputs than that) and, for a generator,
/// a normalization of every output column when `normalized`.
fn valid_file(
    widths: &[usize],
    activations: &[Activation],
    dtype: u8,
    (role, classes, normalized): (Role, usize, bool),
    seed: u64,
) -> Vec<u8> {
    let mut net = DynMlp::new(widths, &activations[..widths.len() - 1]).unwrap();
    net.init_params(&mut NoiseRng::seed_from_u64(seed));
    let inputs = net.inputs();
    let classes = if classes < inputs { classes } else { 0 };
    let sample_dim = match role {
        Role::Generator => net.outputs(),
        _ => inputs - classes,
    };
    let normalization: Vec<Normalization> = (0..sample_dim)
        .map(|j| Normalization {
            offset: j as f32 - 1.0,
            scale: 0.5 + j as f32,
        })
        .collect();
    let interface = Interface {
        classes,
        normalization: if normalized { &normalization } else { &[] },
    };
    let calibration: Vec<f32> = (0..inputs * 20)
        .map(|i| (i % 7) as f32 / 3.0 - 1.0)
        .collect();
    match dtype {
        0 => {
            let mut bytes = vec![0; model::encoded_len_with(&net, &interface)];
            model::write_with(&net, role, &interface, &mut bytes).unwrap();
            bytes
        }
        1 => {
            let q = net
                .quantize(&calibration, QuantParams::symmetric(2.0))
                .unwrap();
            let mut bytes = vec![0; model::encoded_len_i8_with(&q, &interface)];
            let params = (q.input(), q.output());
            model::write_i8_with(&q, role, params, &interface, &mut bytes).unwrap();
            bytes
        }
        _ => {
            let q = net.to_q16(&calibration).unwrap();
            let mut bytes = vec![0; model::encoded_len_q16_with(&q, &interface)];
            model::write_q16_with(&q, role, &interface, &mut bytes).unwrap();
            bytes
        }
    }
}

/// Overwrites the last four bytes with the CRC-32 of the rest, as a valid file has.
fn reseal(bytes: &mut [u8]) {
    if bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = CRC32.checksum(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Everything a consumer does with a model file; panics only if the reader let through a file
/// that one of them cannot use.
fn consume(bytes: &[u8]) {
    let mut source = String::new();
    let rust = model::write_rust_source(bytes, &mut source);
    let Ok(summary) = model::summarize(bytes) else {
        assert!(
            rust.is_err(),
            "write_rust_source took what summarize refused"
        );
        return;
    };
    assert!(rust.is_ok(), "{rust:?}");
    let _ = summary.normalization(bytes).count();
    let _ = summary.parameters(bytes).count();
    let role = summary.role;
    let inputs = summary.layers()[0].inputs;
    let outputs = summary.layers()[summary.layer_count - 1].outputs;
    match summary.dtype {
        Dtype::F32 => {
            let net = model::read_dynamic(bytes, role).unwrap();
            let mut y = vec![0.0; outputs];
            net.forward(&vec![0.5; inputs], &mut y);
        }
        Dtype::I8 => {
            let net = model::read_i8_dynamic(bytes, role).unwrap();
            let mut y = vec![0.0; outputs];
            net.forward_q16(&vec![1 << 15; inputs], &mut y);
        }
        _ => {
            let net = model::read_q16_dynamic(bytes, role).unwrap();
            let mut y = vec![0.0; outputs];
            net.forward_q16(&vec![-(1 << 15); inputs], &mut y);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn mutated_model_files_are_refused_or_used_never_a_panic(
        widths in prop::collection::vec(1usize..=12, 2..=4),
        activations in prop::collection::vec(activation(), 3),
        dtype in 0u8..3,
        generator in any::<bool>(),
        classes in 0usize..3,
        normalized in any::<bool>(),
        seed in 0u64..1000,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        resize in prop_oneof![Just(None), (0usize..400).prop_map(Some)],
        resealed in any::<bool>(),
    ) {
        let role = if generator { Role::Generator } else { Role::Discriminator };
        let mut bytes = valid_file(&widths, &activations, dtype, (role, classes, normalized), seed);
        consume(&bytes); // the valid file itself
        for (at, value) in &edits {
            let at = at.index(bytes.len());
            bytes[at] = *value;
        }
        if let Some(len) = resize {
            bytes.resize(len, 0xA5);
        }
        if resealed {
            reseal(&mut bytes);
        }
        consume(&bytes);
    }
}
