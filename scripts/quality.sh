#!/usr/bin/env bash
# The quality goal, measured: trains the default recipe on ring8 and grid25 for seeds 0..9
# (two runs at a time), evaluates 2,500 samples of each, and prints mean ± standard error.
# Usage: bash scripts/quality.sh [DATASET...]   (default: ring8 grid25); outputs in out/quality/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p picogan-trainer
if [ "$#" -gt 0 ]; then datasets=("$@"); else datasets=(ring8 grid25); fi
mkdir -p out/quality
for dataset in "${datasets[@]}"; do
  for seed in 0 1 2 3 4 5 6 7 8 9; do
    echo "$dataset $seed"
  done
done | xargs -P 2 -n 2 sh -c \
  './target/release/picogan train --dataset "$0" --seed "$1" --out "out/quality/$0-seed$1" --quiet > "out/quality/$0-seed$1.log" 2>&1 || { echo "run $0 seed $1 failed: see out/quality/$0-seed$1.log" >&2; exit 255; }' \
  || exit 1
for dataset in "${datasets[@]}"; do
  echo
  echo "== $dataset"
  ./target/release/picogan summary out/quality/"$dataset"-seed*/metrics.json
done
