#!/usr/bin/env bash
# Runs picogan's benchmark and the PyTorch/JAX reference scripts side by side, then prints the
# CPU, the instruction set picogan's kernels took, the ratios against the speed goals, and
# GFLOP/s with the fraction of the core's measured peak of separate multiplies and adds at the
# width picogan used (scripts/peak/mul_add_peak.c).
#
# Usage: bash scripts/bench-compare.sh [RUNS]     (RUNS full rounds, default 5; ~4 min a round)
# Environment: PICOGAN_BENCH_REF  the reference scripts (default bench/reference)
#              OUT                where the JSON lines go (default target/bench-compare/<time>)
#              ISA=avx2           every side restricted to AVX2, as on a CPU without AVX-512:
#                                 PICOGAN_ISA=avx2, XLA_FLAGS=--xla_cpu_max_isa=AVX2 for JAX,
#                                 ATEN_CPU_CAPABILITY=avx2, MKL_ENABLE_INSTRUCTIONS=AVX2 and
#                                 DNNL_MAX_CPU_ISA=AVX2 for PyTorch and the libraries it calls
#
# Each round runs every side once, one after the other, all pinned to core 0, so a slow spell of
# the machine hits both sides alike; the report takes medians over the rounds. A framework that
# is not installed is skipped with a message (install: pip install torch jax jaxlib).
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer, got '$runs'" >&2; exit 2; }
ref="${PICOGAN_BENCH_REF:-bench/reference}"
[[ -f "$ref/gan_common.py" ]] ||
  { echo "no reference scripts in '$ref': set PICOGAN_BENCH_REF to the folder with gan_common.py" >&2; exit 2; }
case "${ISA:-}" in
  "") ;;
  avx2) export PICOGAN_ISA=avx2 XLA_FLAGS=--xla_cpu_max_isa=AVX2 ATEN_CPU_CAPABILITY=avx2 \
    MKL_ENABLE_INSTRUCTIONS=AVX2 DNNL_MAX_CPU_ISA=AVX2 ;;
  *) echo "ISA must be avx2 or unset, got '$ISA'" >&2; exit 2 ;;
esac
out="${OUT:-target/bench-compare/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v taskset >/dev/null || { echo "taskset is missing: apt-get install util-linux" >&2; exit 2; }

cargo build --release --locked -p picogan-trainer --quiet

sides=(picogan)
if python3 -c "import torch" 2>/dev/null; then sides+=(torch); else
  echo "PyTorch is not installed: skipping it (pip install torch)" >&2; fi
if python3 -c "import jax" 2>/dev/null; then sides+=(jax); else
  echo "JAX is not installed: skipping it (pip install jax jaxlib)" >&2; fi

echo "FLOP counts and the core's peak -> $out/peak.jsonl"
python3 "$ref/flops_and_peak.py" > "$out/peak.jsonl"
# The peak of separate multiplies and adds (what picogan's kernels issue) at 256 and 512 bits.
gcc -O2 -o "$out/mul_add_peak" scripts/peak/mul_add_peak.c
taskset -c 0 "$out/mul_add_peak" >> "$out/peak.jsonl"

for round in $(seq 1 "$runs"); do
  for side in "${sides[@]}"; do
    echo "round $round/$runs: $side"
    case "$side" in
      picogan) taskset -c 0 ./target/release/picogan bench ;;
      torch) python3 "$ref/torch_gan_bench.py" --no-sanity ;;
      jax) python3 "$ref/jax_gan_bench.py" --no-sanity ;;
    esac > "$out/$side-$round.jsonl"
  done
done

python3 scripts/bench_ratios.py "$out"
