//! Checkpoints: everything a run needs to continue exactly where it stopped.
//!
//! File layout: magic `PGCK`, u32 format version, u32 length of a JSON header (the recipe, the
//! step reached, Adam's step counters and the loss history), the header, the CRC-32 of
//! everything before it, then seven networks in the model-file format (each with its own shape
//! check and CRC-32): G, D, the EMA of G, and Adam's m and v for G and for D. Floats in the JSON
//! header are written in their shortest round-trip form, so every bit survives; a resumed
//! recipe is checked like a new one.

use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use picogan::Network;
use picogan::model::{self, Role};
use picogan::optim::AdamState;
use serde::{Deserialize, Serialize};

use crate::files::{MAX_CHECKPOINT_BYTES, read_limited, write_atomic};
use crate::recipe::Recipe;

const MAGIC: &[u8; 4] = b"PGCK";
/// Version 3: the header's CRC-32. Version 2: networks in model-file format version 2, and the
/// recipe's label column and normalization.
const VERSION: u32 = 3;

/// The checksum of the magic, version, length and header (CRC-32/ISO-HDLC, as model files use).
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// One point of the loss curves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossRecord {
    /// Generator updates done.
    pub step: u32,
    /// Discriminator loss (real + fake, without R1).
    pub discriminator: f32,
    /// Generator loss.
    pub generator: f32,
    /// R1 penalty.
    pub r1: f32,
}

/// Adam's scalar state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct AdamScalars {
    step: u32,
    beta1_power: f32,
    beta2_power: f32,
}

impl AdamScalars {
    fn of<N>(state: &AdamState<N>) -> Self {
        Self {
            step: state.step,
            beta1_power: state.beta1_power,
            beta2_power: state.beta2_power,
        }
    }

    fn restore<N>(self, state: &mut AdamState<N>) {
        state.step = self.step;
        state.beta1_power = self.beta1_power;
        state.beta2_power = self.beta2_power;
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    recipe: Recipe,
    step: u32,
    generator_adam: AdamScalars,
    discriminator_adam: AdamScalars,
    history: Vec<LossRecord>,
}

/// The state of a run, borrowed from the training loop.
pub struct State<'a, G, D> {
    /// Settings.
    pub recipe: &'a Recipe,
    /// Generator updates done.
    pub step: u32,
    /// The generator.
    pub generator: &'a mut G,
    /// The discriminator.
    pub discriminator: &'a mut D,
    /// The moving average of G.
    pub ema: &'a mut G,
    /// G's Adam state.
    pub generator_adam: &'a mut AdamState<G>,
    /// D's Adam state.
    pub discriminator_adam: &'a mut AdamState<D>,
    /// The loss curves so far.
    pub history: &'a mut Vec<LossRecord>,
}

fn push_network<N: Network>(bytes: &mut Vec<u8>, network: &N, role: Role) -> Result<()> {
    let start = bytes.len();
    bytes.resize(start + model::encoded_len_of(network), 0);
    model::write(network, role, &mut bytes[start..])?;
    Ok(())
}

fn take_network<N: Network>(
    bytes: &mut &[u8],
    role: Role,
    network: &mut N,
    what: &str,
) -> Result<()> {
    let len = model::encoded_len_of(network);
    ensure!(bytes.len() >= len, "checkpoint is truncated in {what}");
    let (blob, rest) = bytes.split_at(len);
    model::read(blob, role, network).with_context(|| format!("checkpoint's {what}"))?;
    *bytes = rest;
    Ok(())
}

/// Writes the state to `path` atomically.
pub fn save<G: Network, D: Network>(path: &Path, state: &State<'_, G, D>) -> Result<()> {
    let header = serde_json::to_vec(&Header {
        recipe: state.recipe.clone(),
        step: state.step,
        generator_adam: AdamScalars::of(state.generator_adam),
        discriminator_adam: AdamScalars::of(state.discriminator_adam),
        history: state.history.clone(),
    })?;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&u32::try_from(header.len())?.to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&CRC32.checksum(&bytes).to_le_bytes());
    push_network(&mut bytes, &*state.generator, Role::Generator)?;
    push_network(&mut bytes, &*state.discriminator, Role::Discriminator)?;
    push_network(&mut bytes, &*state.ema, Role::Generator)?;
    push_network(&mut bytes, &state.generator_adam.m, Role::Generator)?;
    push_network(&mut bytes, &state.generator_adam.v, Role::Generator)?;
    push_network(&mut bytes, &state.discriminator_adam.m, Role::Discriminator)?;
    push_network(&mut bytes, &state.discriminator_adam.v, Role::Discriminator)?;
    write_atomic(path, &bytes)
}

/// Reads only the recipe of a checkpoint and the step it reached (to learn the data set and its
/// dimension first).
pub fn peek(path: &Path) -> Result<(Recipe, u32)> {
    let bytes = read_limited(path, MAX_CHECKPOINT_BYTES, "checkpoint")?;
    let (header, _) =
        split_header(&bytes).with_context(|| format!("bad checkpoint {}", path.display()))?;
    Ok((header.recipe, header.step))
}

fn split_header(bytes: &[u8]) -> Result<(Header, &[u8])> {
    if bytes.len() < 12 || &bytes[..4] != MAGIC {
        bail!("not a picogan checkpoint");
    }
    let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    ensure!(
        version == VERSION,
        "checkpoint format version {version} is not {VERSION}: it comes from another version of picogan, which must resume it (or start the run again)"
    );
    let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    let end = 12usize.saturating_add(len);
    let (Some(header_bytes), Some(stored)) = (bytes.get(12..end), bytes.get(end..end + 4)) else {
        bail!("checkpoint is truncated in its header");
    };
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let computed = CRC32.checksum(&bytes[..end]);
    ensure!(
        stored == computed,
        "checkpoint header checksum mismatch (stored {stored:08x}, computed {computed:08x}): the file is damaged"
    );
    let header: Header = serde_json::from_slice(header_bytes).context("checkpoint header")?;
    header.recipe.validate().context("checkpoint header")?;
    Ok((header, &bytes[end + 4..]))
}

/// Loads a checkpoint into `state` (whose recipe must be the saved one, with any changes made
/// on resuming: [`Recipe::continues`]); returns the step.
pub fn load<G: Network, D: Network>(path: &Path, state: &mut State<'_, G, D>) -> Result<u32> {
    let bytes = read_limited(path, MAX_CHECKPOINT_BYTES, "checkpoint")?;
    let (header, mut rest) =
        split_header(&bytes).with_context(|| format!("bad checkpoint {}", path.display()))?;
    ensure!(
        state.recipe.continues(&header.recipe),
        "checkpoint {} was made with another recipe",
        path.display()
    );
    take_network(&mut rest, Role::Generator, state.generator, "generator")?;
    take_network(
        &mut rest,
        Role::Discriminator,
        state.discriminator,
        "discriminator",
    )?;
    take_network(&mut rest, Role::Generator, state.ema, "generator average")?;
    take_network(
        &mut rest,
        Role::Generator,
        &mut state.generator_adam.m,
        "generator's Adam m",
    )?;
    take_network(
        &mut rest,
        Role::Generator,
        &mut state.generator_adam.v,
        "generator's Adam v",
    )?;
    take_network(
        &mut rest,
        Role::Discriminator,
        &mut state.discriminator_adam.m,
        "discriminator's Adam m",
    )?;
    take_network(
        &mut rest,
        Role::Discriminator,
        &mut state.discriminator_adam.v,
        "discriminator's Adam v",
    )?;
    ensure!(
        rest.is_empty(),
        "checkpoint {} has trailing bytes",
        path.display()
    );
    header.generator_adam.restore(state.generator_adam);
    header.discriminator_adam.restore(state.discriminator_adam);
    *state.history = header.history;
    Ok(header.step)
}
