//! What differs between QEMU's mps2-an386 and a real board: the counter and how a run ends.

use crate::say;

/// Ends the run with success (QEMU exits with status 0).
pub fn exit_success() -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_SUCCESS);
    halt()
}

/// Prints `reason` and ends the run with failure (QEMU exits with status 1).
pub fn fail(reason: &str) -> ! {
    say!("error: {}", reason);
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    halt()
}

/// Writes `bytes` to a new file `name` on the host (relative to the debugger's or QEMU's working
/// folder) through semihosting: SYS_OPEN in mode "wb", SYS_WRITE, SYS_CLOSE.
pub fn write_host_file(name: &str, bytes: &[u8]) -> Result<(), &'static str> {
    use cortex_m_semihosting::nr;
    let mut path = heapless::String::<128>::new();
    path.push_str(name)
        .and_then(|()| path.push('\0'))
        .map_err(|_| "the host file name is longer than 127 bytes")?;
    // SAFETY: semihosting calls with a pointer to a NUL-terminated name whose length (without
    // the NUL) is given, and a pointer and length of a live byte slice; the host only reads them.
    #[allow(unsafe_code)]
    unsafe {
        let handle = cortex_m_semihosting::syscall!(
            OPEN,
            path.as_ptr(),
            nr::open::W_TRUNC_BINARY,
            name.len()
        );
        if handle as isize == -1 {
            return Err("the host refused to open the file");
        }
        // SYS_WRITE returns the number of bytes *not* written.
        let unwritten = cortex_m_semihosting::syscall!(WRITE, handle, bytes.as_ptr(), bytes.len());
        let closed = cortex_m_semihosting::syscall!(CLOSE, handle);
        if unwritten != 0 || closed != 0 {
            return Err("the host did not take the whole file");
        }
    }
    Ok(())
}

fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    #[cfg(feature = "defmt")]
    defmt::println!("panicked: {}", defmt::Display2Format(info));
    #[cfg(not(feature = "defmt"))]
    cortex_m_semihosting::hprintln!("panicked: {}", info);
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    halt()
}

/// A fault ends the run with failure instead of hanging QEMU.
#[allow(unsafe_code)] // cortex-m-rt requires the handler to be declared `unsafe`; its body is safe.
#[cortex_m_rt::exception]
unsafe fn HardFault(_frame: &cortex_m_rt::ExceptionFrame) -> ! {
    fail("hard fault")
}

#[cfg(feature = "qemu")]
pub use qemu::Counter;

#[cfg(feature = "nrf52840")]
pub use nrf52840::Counter;

#[cfg(feature = "qemu")]
mod qemu {
    //! Instructions under `qemu-system-arm -icount shift=3`: each instruction advances virtual
    //! time by 2³ ns, and the CMSDK timer 0 at 0x4000_0000 counts down at 25 MHz (40 ns), so one
    //! tick is 5 instructions. QEMU does not model the DWT cycle counter.

    const TIMER0: usize = 0x4000_0000;
    const CTRL: usize = TIMER0;
    const VALUE: usize = TIMER0 + 0x04;
    const RELOAD: usize = TIMER0 + 0x08;
    const INSTRUCTIONS_PER_TICK: u32 = 5;

    pub struct Counter {
        start: u32,
    }

    impl Counter {
        pub const UNIT: &str = "instructions";

        pub fn start() -> Self {
            write(CTRL, 0);
            write(RELOAD, u32::MAX);
            write(VALUE, u32::MAX);
            write(CTRL, 1); // enable, no interrupt
            Self { start: read(VALUE) }
        }

        /// Instructions since `start` (the timer counts down; 2³² ticks do not fit in a run).
        pub fn elapsed(&self) -> u32 {
            self.start.wrapping_sub(read(VALUE)) * INSTRUCTIONS_PER_TICK
        }
    }

    #[allow(unsafe_code)]
    fn read(address: usize) -> u32 {
        // SAFETY: `address` is one of the CMSDK timer's aligned 32-bit registers above, mapped on
        // mps2-an386 (the only board built with feature `qemu`); reading it has no side effect.
        unsafe { core::ptr::read_volatile(address as *const u32) }
    }

    #[allow(unsafe_code)]
    fn write(address: usize, value: u32) {
        // SAFETY: as for `read`; the timer is used by nothing else and raises no interrupt.
        unsafe { core::ptr::write_volatile(address as *mut u32, value) }
    }
}

#[cfg(feature = "nrf52840")]
mod nrf52840 {
    //! Core clock cycles from the DWT cycle counter, which real Cortex-M4 chips have.

    use cortex_m::peripheral::{DWT, Peripherals};

    pub struct Counter {
        start: u32,
    }

    impl Counter {
        pub const UNIT: &str = "cycles";

        pub fn start() -> Self {
            if let Some(mut core) = Peripherals::take() {
                core.DCB.enable_trace();
                core.DWT.enable_cycle_counter();
            }
            Self {
                start: DWT::cycle_count(),
            }
        }

        pub fn elapsed(&self) -> u32 {
            DWT::cycle_count().wrapping_sub(self.start)
        }
    }
}
