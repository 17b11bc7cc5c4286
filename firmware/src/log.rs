//! `say!`: one line of output, through defmt (feature `defmt`) or semihosting text.
//!
//! Only `{}` placeholders are used, which both back ends accept.

#[cfg(all(feature = "defmt", feature = "qemu"))]
use defmt_semihosting as _;

#[cfg(all(feature = "defmt", feature = "nrf52840"))]
use defmt_rtt as _;

/// Prints one line: `say!("step {}: {}", step, text)`.
#[cfg(feature = "defmt")]
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { defmt::println!($($arg)*) };
}

/// Prints one line: `say!("step {}: {}", step, text)`.
#[cfg(not(feature = "defmt"))]
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { cortex_m_semihosting::hprintln!($($arg)*) };
}
