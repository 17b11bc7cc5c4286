//! What the firmware's two programs share: the board (its counter, how a run ends, host files
//! over semihosting), logging, and the panic and fault handlers.
//!
//! - `sample` (src/bin/sample): draws samples from a trained generator kept in flash.
//! - `train` (src/bin/train, feature `train`): trains `picogan::bimodal` on the device and
//!   writes the trained generator to a model file on the host.
#![no_std]
#![deny(unsafe_code)]

pub mod board;
pub mod log;
