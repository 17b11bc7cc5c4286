//! The model file: round trips, and a typed error (never a panic) for every kind of defect,
//! also on mutated files of every dtype (structured fuzzing, `mutated_files`).

use picogan::model::{self, ImageShape, Interface, ModelError, Normalization, Role};
use picogan::{Activation::*, Dense, Layer, Mlp3};
use picogan_tests::{init, param_bits};
use proptest::prelude::*;

type G = Mlp3<2, 16, 8, 2>;

fn generator(seed: u64) -> G {
    init(
        (
            Dense::new(Relu),
            (Dense::new(LeakyRelu(0.2)), Dense::new(Tanh)),
        ),
        seed,
    )
}

fn file_of(network: &G) -> Vec<u8> {
    let mut bytes = vec![0; model::encoded_len::<G>()];
    let written = model::write(network, Role::Generator, &mut bytes).unwrap();
    assert_eq!(written, bytes.len());
    bytes
}

fn blank() -> G {
    (
        Dense::new(Identity),
        (Dense::new(Identity), Dense::new(Identity)),
    )
}

/// CRC-32/ISO-HDLC bit by bit (reflected polynomial 0xEDB88320), independent of the crate used.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Rewrites the trailing checksum so that a deliberately edited file passes the CRC check.
fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - 4;
    let crc = crc32(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
}

fn read_error(bytes: &[u8]) -> ModelError {
    model::read(bytes, Role::Generator, &mut blank()).unwrap_err()
}

#[test]
fn round_trip_is_exact_and_the_layout_is_as_documented() {
    let original = generator(1);
    let bytes = file_of(&original);
    // 20-byte header, 12 bytes a layer, 4 bytes a parameter, 4-byte CRC.
    assert_eq!(bytes.len(), 20 + 12 * 3 + 4 * G::PARAMS + 4);
    assert_eq!(&bytes[..4], b"PGAN");
    assert_eq!(u16::from_le_bytes([bytes[4], bytes[5]]), model::VERSION);
    assert_eq!(bytes[8], 3);
    // Noise dimension 2, no classes, no normalization.
    assert_eq!(&bytes[12..20], &[2, 0, 0, 0, 0, 0, 0, 0]);
    // Layer 1 record: 16 → 8, LeakyReLU (code 2) with α = 0.2.
    assert_eq!(&bytes[32..37], &[16, 0, 8, 0, 2]);
    assert_eq!(f32::from_le_bytes(bytes[40..44].try_into().unwrap()), 0.2);
    // First parameter: layer 0's w[0][0].
    assert_eq!(
        f32::from_le_bytes(bytes[56..60].try_into().unwrap()),
        original.0.weight[0][0]
    );
    let stored = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
    assert_eq!(stored, crc32(&bytes[..bytes.len() - 4]));

    let mut loaded = blank();
    let summary = model::read(&bytes, Role::Generator, &mut loaded).unwrap();
    assert_eq!(param_bits(&loaded), param_bits(&original));
    assert_eq!(loaded, original);
    assert_eq!(
        (summary.params, summary.layer_count, summary.len),
        (G::PARAMS, 3, bytes.len())
    );
    assert_eq!(summary.layers()[2].activation, Tanh);
    assert_eq!(summary.checksum, stored);
}

#[test]
fn every_defect_has_its_own_error() {
    let good = file_of(&generator(2));

    let mut bad_magic = good.clone();
    bad_magic[..4].copy_from_slice(b"GIF8");
    assert_eq!(
        read_error(&bad_magic),
        ModelError::BadMagic { found: *b"GIF8" }
    );

    let mut newer = good.clone();
    newer[4..6].copy_from_slice(&7u16.to_le_bytes());
    assert_eq!(
        read_error(&newer),
        ModelError::UnsupportedVersion {
            found: 7,
            supported: 3
        }
    );

    let truncated = &good[..good.len() - 10];
    assert_eq!(
        read_error(truncated),
        ModelError::Length {
            expected: good.len(),
            found: good.len() - 10
        }
    );
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(read_error(&longer), ModelError::Length { .. }));

    let mut flipped = good.clone();
    flipped[100] ^= 0x10;
    assert!(matches!(
        read_error(&flipped),
        ModelError::ChecksumMismatch { .. }
    ));

    let mut unknown_activation = good.clone();
    unknown_activation[20 + 12 + 4] = 9;
    reseal(&mut unknown_activation);
    assert_eq!(
        read_error(&unknown_activation),
        ModelError::UnknownActivation { layer: 1, code: 9 }
    );

    let mut negative_slope = good.clone();
    negative_slope[40..44].copy_from_slice(&(-0.5f32).to_le_bytes());
    reseal(&mut negative_slope);
    assert_eq!(
        read_error(&negative_slope),
        ModelError::InvalidSlope {
            layer: 1,
            alpha: -0.5
        }
    );

    let mut not_finite = good.clone();
    let third_param = 56 + 4 * 2;
    not_finite[third_param..third_param + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    reseal(&mut not_finite);
    assert_eq!(
        read_error(&not_finite),
        ModelError::NonFinite { layer: 0, index: 2 }
    );

    let mut unknown_dtype = good.clone();
    unknown_dtype[6] = 42;
    reseal(&mut unknown_dtype);
    assert_eq!(
        read_error(&unknown_dtype),
        ModelError::UnknownDtype { code: 42 }
    );

    let mut discriminator_file = good.clone();
    discriminator_file[7] = 1;
    discriminator_file[12] = 0; // a discriminator has no noise
    reseal(&mut discriminator_file);
    assert_eq!(
        read_error(&discriminator_file),
        ModelError::RoleMismatch {
            expected: Role::Generator,
            found: Role::Discriminator
        }
    );

    // Layer 1 claims 15 inputs while layer 0 has 16 outputs; the file is given the matching
    // length (8 weights fewer) and a valid checksum, so only the chain is wrong.
    let mut broken = good.clone();
    broken[32..34].copy_from_slice(&15u16.to_le_bytes());
    broken.truncate(broken.len() - 4 * 8);
    reseal(&mut broken);
    assert_eq!(
        model::summarize(&broken).unwrap_err(),
        ModelError::BrokenChain { layer: 1 }
    );

    let mut other_shape: Mlp3<2, 16, 4, 2> = init(
        (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity))),
        3,
    );
    assert_eq!(
        model::read(&good, Role::Generator, &mut other_shape).unwrap_err(),
        ModelError::ShapeMismatch {
            layer: 1,
            expected: (16, 4),
            found: (16, 8)
        }
    );
    let mut two_layers: (Dense<2, 16>, Dense<16, 2>) = (Dense::new(Relu), Dense::new(Identity));
    assert_eq!(
        model::read(&good, Role::Generator, &mut two_layers).unwrap_err(),
        ModelError::LayerCount {
            expected: 2,
            found: 3
        }
    );

    let mut small = [0u8; 16];
    assert_eq!(
        model::write(&generator(2), Role::Generator, &mut small).unwrap_err(),
        ModelError::BufferTooSmall {
            needed: good.len(),
            available: 16
        }
    );
}

/// The version-1 file of the same network: no bytes 12 to 19, version 1.
fn version_1(v2: &[u8]) -> Vec<u8> {
    let mut v1 = [&v2[..12], &v2[20..]].concat();
    v1[4..6].copy_from_slice(&1u16.to_le_bytes());
    reseal(&mut v1);
    v1
}

#[test]
fn version_1_files_read_as_unconditional_models_in_the_data_units() {
    let original = generator(7);
    let v1 = version_1(&file_of(&original));
    let mut loaded = blank();
    let summary = model::read(&v1, Role::Generator, &mut loaded).unwrap();
    assert_eq!(param_bits(&loaded), param_bits(&original));
    assert_eq!(
        (summary.version, summary.noise_dim, summary.classes),
        (1, 2, 0)
    );
    assert_eq!(summary.normalization(&v1).len(), 0);
}

#[test]
fn conditioning_and_normalization_are_checked() {
    // G: 2 noise values and 3 classes in, 2 values out, normalized.
    let network: Mlp3<5, 16, 8, 2> = init(
        (Dense::new(Relu), (Dense::new(Relu), Dense::new(Identity))),
        8,
    );
    let columns = [
        Normalization {
            offset: 1.0,
            scale: 2.0,
        },
        Normalization {
            offset: -3.0,
            scale: 0.5,
        },
    ];
    let interface = Interface {
        classes: 3,
        normalization: &columns,
        image: None,
    };
    let mut good = vec![0; model::encoded_len_with(&network, &interface)];
    model::write_with(&network, Role::Generator, &interface, &mut good).unwrap();
    let summary = model::summarize(&good).unwrap();
    assert_eq!(
        (
            summary.noise_dim,
            summary.classes,
            summary.normalized_columns
        ),
        (2, 3, 2)
    );
    assert!(summary.normalization(&good).eq(columns));

    let mut no_noise = good.clone();
    no_noise[12] = 0;
    reseal(&mut no_noise);
    assert_eq!(
        model::summarize(&no_noise).unwrap_err(),
        ModelError::InvalidConditioning {
            noise_dim: 0,
            classes: 3,
            inputs: 5
        }
    );
    let mut too_many_classes = good.clone();
    too_many_classes[14] = 4;
    reseal(&mut too_many_classes);
    assert!(matches!(
        model::summarize(&too_many_classes).unwrap_err(),
        ModelError::InvalidConditioning { classes: 4, .. }
    ));
    let mut zero_scale = good.clone();
    let last_scale = good.len() - 8;
    zero_scale[last_scale..last_scale + 4].copy_from_slice(&0f32.to_le_bytes());
    reseal(&mut zero_scale);
    assert_eq!(
        model::summarize(&zero_scale).unwrap_err(),
        ModelError::InvalidNormalization { column: 1 }
    );
    let mut one_column = good.clone();
    one_column[16] = 1;
    one_column.truncate(good.len() - 8);
    reseal(&mut one_column);
    assert_eq!(
        model::summarize(&one_column).unwrap_err(),
        ModelError::NormalizationColumns {
            expected: 2,
            found: 1
        }
    );
    let mut reserved = good.clone();
    reserved[9] = 1;
    reseal(&mut reserved);
    assert_eq!(
        model::summarize(&reserved).unwrap_err(),
        ModelError::ReservedNotZero { offset: 9 }
    );
    // Bytes 18 and 19 are the image's sides: both zero, or a shape of the sample's 2 values.
    let mut image = good.clone();
    image[18..20].copy_from_slice(&[2, 1]);
    reseal(&mut image);
    let shape = ImageShape {
        width: 2,
        height: 1,
    };
    assert_eq!(model::summarize(&image).unwrap().image, Some(shape));
    for sides in [[1, 0], [0, 2], [1, 1], [2, 2]] {
        let mut bad = good.clone();
        bad[18..20].copy_from_slice(&sides);
        reseal(&mut bad);
        assert_eq!(
            model::summarize(&bad).unwrap_err(),
            ModelError::ImageShape {
                width: sides[0].into(),
                height: sides[1].into(),
                sample_dim: 2
            },
            "sides {sides:?}"
        );
    }
    // In a version-2 file they were reserved.
    let mut version_2 = image.clone();
    version_2[4] = 2;
    reseal(&mut version_2);
    assert_eq!(
        model::summarize(&version_2).unwrap_err(),
        ModelError::ReservedNotZero { offset: 18 }
    );
    version_2[18..20].copy_from_slice(&[0, 0]);
    reseal(&mut version_2);
    let summary = model::summarize(&version_2).unwrap();
    assert_eq!((summary.version, summary.image), (2, None));

    // The writer refuses what the reader would.
    let mut out = vec![0; good.len()];
    let all_classes = Interface {
        classes: 5,
        normalization: &[],
        image: None,
    };
    assert!(matches!(
        model::write_with(&network, Role::Generator, &all_classes, &mut out),
        Err(ModelError::InvalidConditioning { .. })
    ));
    let short = Interface {
        classes: 3,
        normalization: &columns[..1],
        image: None,
    };
    assert!(matches!(
        model::write_with(&network, Role::Generator, &short, &mut out),
        Err(ModelError::NormalizationColumns { .. })
    ));
    let wrong_image = Interface {
        image: Some(ImageShape {
            width: 3,
            height: 1,
        }),
        ..interface
    };
    assert!(matches!(
        model::write_with(&network, Role::Generator, &wrong_image, &mut out),
        Err(ModelError::ImageShape { .. })
    ));
    let with_image = Interface {
        image: Some(shape),
        ..interface
    };
    model::write_with(&network, Role::Generator, &with_image, &mut out).unwrap();
    assert_eq!(out, image);
}

#[test]
fn a_failed_read_leaves_the_network_unchanged() {
    let mut network = generator(4);
    let before = param_bits(&network);
    let mut file = file_of(&generator(5));
    let last_param = file.len() - 8;
    file[last_param..last_param + 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
    reseal(&mut file);
    assert!(matches!(
        model::read(&file, Role::Generator, &mut network),
        Err(ModelError::NonFinite { layer: 2, .. })
    ));
    assert_eq!(param_bits(&network), before);
}

#[test]
fn every_truncation_is_an_error() {
    let good = file_of(&generator(6));
    for len in 0..good.len() {
        assert!(
            matches!(read_error(&good[..len]), ModelError::Length { .. }),
            "length {len}"
        );
    }
}

#[test]
fn errors_explain_themselves() {
    let message = ModelError::ShapeMismatch {
        layer: 1,
        expected: (16, 4),
        found: (16, 8),
    }
    .to_string();
    assert_eq!(message, "layer 1: expected 16→4, found 16→8");
    let message = ModelError::UnsupportedVersion {
        found: 7,
        supported: 1,
    }
    .to_string();
    assert!(
        message.contains('7') && message.contains("newer"),
        "{message}"
    );
}

proptest! {
    #[test]
    fn round_trip_any_network(seed in any::<u64>()) {
        let original = generator(seed);
        let mut loaded = blank();
        model::read(&file_of(&original), Role::Generator, &mut loaded).unwrap();
        prop_assert_eq!(param_bits(&loaded), param_bits(&original));
    }

    #[test]
    fn any_single_byte_change_is_caught(seed in any::<u64>(), position in 0usize..1000, flip in 1u8..=255) {
        let mut bytes = file_of(&generator(seed));
        let position = position % bytes.len();
        bytes[position] ^= flip;
        prop_assert!(model::summarize(&bytes).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), magic in any::<bool>()) {
        let mut bytes = bytes;
        if magic && bytes.len() >= 12 {
            bytes[..4].copy_from_slice(b"PGAN");
            bytes[4] = 1 + (bytes[4] & 1);
            bytes[5] = 0;
            bytes[8] %= 9;
        }
        let _ = model::summarize(&bytes);
        let _ = model::read(&bytes, Role::Generator, &mut blank());
    }
}

/// Structured fuzzing of the model reader, on stable Rust: valid files of every dtype (f32, int8,
/// Q16.16), random architectures, conditional and normalized ones, mutated (bytes overwritten,
/// the file cut or grown) and given a correct checksum again, so that the mutations reach every
/// check behind it. Whatever the bytes, no reader panics, and the reader validates every field
/// once: a file that `summarize` accepts is read by its dtype's reader, runs, and becomes Rust
/// source.
mod mutated_files {
    use picogan::Activation;
    use picogan::dynamic::DynMlp;
    use picogan::model::{self, Dtype, ImageShape, Interface, Normalization, Role};
    use picogan::quant::QuantParams;
    use picogan::rng::{NoiseRng, SeedableRng};
    use proptest::prelude::*;

    const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

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
            // Normalized files also say their samples are images of one row.
            image: (normalized && sample_dim <= ImageShape::MAX_SIDE).then_some(ImageShape {
                width: sample_dim,
                height: 1,
            }),
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
            activations in prop::collection::vec(picogan_tests::any_activation(), 3),
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
}
