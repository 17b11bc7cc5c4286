#!/usr/bin/env bash
# The quality goals, measured: trains the default recipe for seeds 0..9 (two runs at a time) on
# each data set, evaluates 2,500 samples of each run, and prints mean ± standard error.
# Usage: bash scripts/quality.sh [DATASET...]   (default: ring8 grid25); outputs in out/quality/.
# `mixture8d` is CSV data of our own: 6 Gaussians in 8 dimensions (σ 0.1, centres on the
# sphere of radius 2, at least 20σ apart), written by scripts/mixture.py, trained from the CSV
# with the default settings and evaluated with its mode centres (--modes, --mode-std).
# `ring8cond` is the ring8 mixture as a labelled CSV (label = mode index), trained as a
# conditional model (--labels last) with the default settings; its summary adds the share of
# the worst class's samples that land on that class's own mode.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p picogan-trainer
if [ "$#" -gt 0 ]; then datasets=("$@"); else datasets=(ring8 grid25); fi
mkdir -p out/quality
for dataset in "${datasets[@]}"; do
  if [ "$dataset" = mixture8d ]; then
    python3 scripts/mixture.py out/quality/mixture8d --dim 8 --modes 6 --std 0.1 --radius 2
  fi
  if [ "$dataset" = ring8cond ]; then
    python3 scripts/mixture.py out/quality/ring8cond --dim 2 --modes 8 --std 0.01 --radius 1 --ring --labels
  fi
  for seed in 0 1 2 3 4 5 6 7 8 9; do
    echo "$dataset $seed"
  done
done | xargs -P 2 -n 2 sh -c '
  case "$0" in
    mixture8d) data="--dataset out/quality/mixture8d.csv --modes out/quality/mixture8d-modes.csv --mode-std 0.1" ;;
    ring8cond) data="--dataset out/quality/ring8cond.csv --labels last --modes out/quality/ring8cond-modes.csv --mode-std 0.01" ;;
    *) data="--dataset $0" ;;
  esac
  ./target/release/picogan train $data --seed "$1" --out "out/quality/$0-seed$1" --quiet > "out/quality/$0-seed$1.log" 2>&1 ||
    { echo "run $0 seed $1 failed: see out/quality/$0-seed$1.log" >&2; exit 255; }' \
  || exit 1
for dataset in "${datasets[@]}"; do
  echo
  echo "== $dataset"
  ./target/release/picogan summary out/quality/"$dataset"-seed*/metrics.json
done
