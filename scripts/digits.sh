#!/usr/bin/env bash
# The digits' quality goals: trains the default digits recipe (conditional) and its unconditional
# twin for SEEDS seeds (10), exports each conditional generator to int8, and prints every set's
# metrics as mean ± standard error (`picogan summary`), with the time of one run. Runs RUNS_AT_ONCE
# trainings at a time (the number of cores), each on one core.
# Usage: bash scripts/digits.sh   (about 4 minutes per 10 runs and core)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${SEEDS:-10}
at_once=${RUNS_AT_ONCE:-$(nproc)}
out=${OUT:-out/digits}
cargo build --release --locked -p picogan-trainer --quiet
bin=target/release/picogan
grep -m1 "model name" /proc/cpuinfo || true
run() {
  local kind=$1 seed=$2 dir="$out/$1-seed$2"
  local flags=()
  [ "$kind" = unconditional ] && flags=(--unconditional)
  "$bin" train --dataset digits --seed "$seed" --out "$dir" -q -n 2000 "${flags[@]}" >"$dir.log" 2>&1 ||
    { cat "$dir.log" >&2; return 1; }
  if [ "$kind" = conditional ]; then
    "$bin" export --model "$dir/model.pgan" --dtype i8 --out "$dir/model-i8.pgan" >/dev/null
    "$bin" eval --model "$dir/model-i8.pgan" --dataset digits -n 2000 --json >"$dir/i8.json"
  fi
}
export -f run
export out bin
mkdir -p "$out"
for kind in conditional unconditional; do
  for seed in $(seq 0 $((seeds - 1))); do echo "$kind $seed"; done
done | xargs -P "$at_once" -L 1 bash -c 'run $0 $1'
for kind in conditional unconditional; do
  echo "== $kind, $seeds seeds"
  "$bin" summary "$out/$kind"-seed*/metrics.json
done
echo "== int8 exports of the conditional generators, label accuracy (mean over seeds)"
python3 - "$out" "$seeds" <<'PY'
import json, statistics, sys
out, seeds = sys.argv[1], int(sys.argv[2])
f32 = [json.load(open(f"{out}/conditional-seed{s}/metrics.json"))["metrics"]["images"]["generator"]["label_accuracy"] for s in range(seeds)]
i8 = [json.load(open(f"{out}/conditional-seed{s}/i8.json"))["images"]["generator"]["label_accuracy"] for s in range(seeds)]
diff = [a - b for a, b in zip(f32, i8)]
se = lambda v: statistics.stdev(v) / len(v) ** 0.5 if len(v) > 1 else 0.0
print(f"f32  {100 * statistics.mean(f32):.2f}% ± {100 * se(f32):.2f}")
print(f"int8 {100 * statistics.mean(i8):.2f}% ± {100 * se(i8):.2f}")
print(f"f32 − int8 {100 * statistics.mean(diff):.2f} ± {100 * se(diff):.2f} percentage points")
PY
