#!/usr/bin/env bash
# Runs a firmware ELF on QEMU's mps2-an386 (Cortex-M4F) or mps2-an385 (Cortex-M3) and prints
# what it logs.
#
# Usage: bash qemu-run.sh FIRMWARE.elf
# Exit status: the firmware's (0 success, 1 failure), 124 if it ran longer than
# PICOGAN_QEMU_TIMEOUT seconds (default 120).
# -icount shift=3 makes every instruction take 8 ns of virtual time, so the CMSDK timer
# (25 MHz) counts one tick per 5 instructions, the same on every machine.
# An ELF with a .defmt section logs defmt frames; they are decoded by defmt-print.
set -euo pipefail
elf=${1:?usage: qemu-run.sh FIRMWARE.elf}
for tool in qemu-system-arm timeout; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run  sudo apt-get install -y qemu-system-arm" >&2; exit 2; }
done
# A Cortex-M4F image (architecture v7E-M) runs on mps2-an386; a Cortex-M3 one (v7-M) on mps2-an385.
# Both boards have the same memory map and CMSDK timers.
if readelf -A "$elf" | grep -q "Tag_CPU_arch: v7E-M"; then
    board=(-machine mps2-an386 -cpu cortex-m4)
else
    board=(-machine mps2-an385 -cpu cortex-m3)
fi
qemu=(timeout "${PICOGAN_QEMU_TIMEOUT:-120}" qemu-system-arm
    "${board[@]}" -icount shift=3
    -semihosting-config enable=on,target=native -nographic -monitor none -serial none
    -kernel "$elf")
if readelf -S "$elf" | grep -q '\.defmt'; then
    command -v defmt-print >/dev/null || { echo "missing defmt-print: run  cargo install defmt-print --locked --version 1.2.0" >&2; exit 2; }
    "${qemu[@]}" | defmt-print -e "$elf"
else
    "${qemu[@]}"
fi
