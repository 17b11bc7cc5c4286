#!/usr/bin/env bash
# Runs every check of the project: formatting, lints, all tests (unit, integration, property,
# compile-fail, doc tests), docs, and the no_std builds for the thumb targets with every
# combination of the core's features. Installs what it needs first, or says exactly what to run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "set-up"
command -v rustup >/dev/null || { echo "rustup is missing: install it from rustup.rs, then rerun" >&2; exit 1; }
# The toolchain in rust-toolchain.toml, with clippy and rustfmt.
rustup show active-toolchain >/dev/null
THUMB_TARGETS=(thumbv7em-none-eabihf thumbv7m-none-eabi thumbv6m-none-eabi)
for target in "${THUMB_TARGETS[@]}"; do
  if ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target" || { echo "could not add $target: run 'rustup target add $target'" >&2; exit 1; }
  fi
done

bash scripts/ensure-packages.sh
# defmt-print decodes the firmware's defmt logs in the QEMU tests.
DEFMT_PRINT_VERSION=1.2.0
if ! defmt-print --version 2>/dev/null | grep -q "$DEFMT_PRINT_VERSION"; then
  echo "installing defmt-print $DEFMT_PRINT_VERSION (a few minutes, once)"
  cargo install defmt-print --locked --version "$DEFMT_PRINT_VERSION" --quiet ||
    { echo "could not install defmt-print: run 'cargo install defmt-print --locked --version $DEFMT_PRINT_VERSION'" >&2; exit 1; }
fi

step "formatting"
cargo fmt --all -- --check

step "clippy (host, every feature combination of the core)"
cargo clippy --workspace --all-targets --locked -- -D warnings
CORE_FEATURE_SETS=("" "train" "defmt" "micromath" "alloc" "train,defmt" "train,micromath" "train,alloc" "defmt,micromath" "train,defmt,micromath")
for features in "${CORE_FEATURE_SETS[@]}"; do
  cargo clippy -p picogan --lib --locked --no-default-features --features "$features" -- -D warnings
done

step "firmware: formatting and clippy for QEMU (defmt and text logging), the nRF52840 board and int8"
cargo fmt --manifest-path firmware/Cargo.toml -- --check
FIRMWARE_FEATURE_SETS=("qemu,defmt" "qemu" "qemu,defmt,train" "qemu,defmt,train,micromath" "nrf52840,defmt" "nrf52840,defmt,train")
for features in "${FIRMWARE_FEATURE_SETS[@]}"; do
  echo "firmware, features [$features]"
  cargo clippy --manifest-path firmware/Cargo.toml --locked --release --target thumbv7em-none-eabihf \
    --target-dir firmware/target/tests --no-default-features --features "$features" -- -D warnings
done
echo "firmware with the int8 model, for the Cortex-M3"
PICOGAN_MODEL=models/ring8-i8.pgan cargo clippy --manifest-path firmware/Cargo.toml --locked --release \
  --target thumbv7m-none-eabi --target-dir firmware/target/tests -- -D warnings

step "no_std builds for the thumb targets"
for target in "${THUMB_TARGETS[@]}"; do
  for features in "${CORE_FEATURE_SETS[@]}"; do
    echo "picogan for $target, features [$features]"
    cargo build -p picogan --lib --locked --release --target "$target" --no-default-features --features "$features"
  done
done

step "docs (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole run, summed over every test binary and the doc tests.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\ntests: %d passed, %d failed\n", p, f; if (p == 0) exit 1 }' "$log"
