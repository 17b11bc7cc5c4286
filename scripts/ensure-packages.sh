#!/usr/bin/env bash
# Installs the Debian packages the project needs when they are missing: fontconfig headers,
# pkg-config and a font for the trainer's plots (plotters), a C compiler for the test that
# compiles an exported C header, binutils (readelf) and QEMU for the firmware tests. Without root
# it prints the exact line to run and fails.
set -euo pipefail
APT_PACKAGES=(pkg-config libfontconfig1-dev fonts-dejavu-core gcc binutils qemu-system-arm)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: run 'sudo apt-get install ${missing[*]}'" >&2
    exit 1
  fi
fi
