//! `say!`: one line of output, through defmt (feature `defmt`) or semihosting text.
//!
//! Only `{}` placeholders are used, which both back ends accept.

#[cfg(all(feature = "defmt", feature = "qemu"))]
use defmt_semihosting as _;

#[cfg(all(feature = "defmt", feature = "nrf52840"))]
use defmt_rtt as _;

#[cfg(feature = "defmt")]
macro_rules! say {
    ($($arg:tt)*) => { defmt::println!($($arg)*) };
}

#[cfg(not(feature = "defmt"))]
macro_rules! say {
    ($($arg:tt)*) => { cortex_m_semihosting::hprintln!($($arg)*) };
}

pub(crate) use say;
