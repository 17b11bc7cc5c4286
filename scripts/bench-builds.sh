#!/usr/bin/env bash
# The portable build against builds for one x86-64 level: `picogan bench` of the default build
# (kernels picked at run time, the rest compiled for plain x86-64) and of builds with
# `-C target-cpu=x86-64-v2`, `-v3` and `-v4` (the levels this CPU runs), alternating, all pinned
# to core 0. Prints each figure's median over the rounds and the default build's ratio to the best
# of the others: what a binary that runs on every x86-64 CPU gives up on this one.
#
# Usage: bash scripts/bench-builds.sh [ROUNDS]   (default 3; about 30 s a round with --quick)
# Environment: QUICK=0 for full-length measurements (about 70 s per build and round).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-3}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer, got '$rounds'" >&2; exit 2; }
[[ "$(uname -m)" == x86_64 ]] || { echo "the x86-64 levels only exist on x86-64" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is missing: apt-get install util-linux" >&2; exit 2; }
quick=(--quick)
[[ "${QUICK:-1}" == 0 ]] && quick=()
out="${OUT:-target/bench-builds/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"

builds=(default)
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
has sse4_2 popcnt && builds+=(x86-64-v2)
has avx2 fma bmi2 && builds+=(x86-64-v3)
has avx512f avx512bw avx512dq avx512vl && builds+=(x86-64-v4)

for build in "${builds[@]}"; do
  echo "building $build" >&2
  if [[ "$build" == default ]]; then
    cargo build --release --locked -p picogan-trainer --quiet --target-dir target/builds/default
  else
    RUSTFLAGS="-C target-cpu=$build" cargo build --release --locked -p picogan-trainer --quiet \
      --target-dir "target/builds/$build"
  fi
done

for round in $(seq 1 "$rounds"); do
  for build in "${builds[@]}"; do
    echo "round $round/$rounds: $build" >&2
    taskset -c 0 "target/builds/$build/release/picogan" bench "${quick[@]}" > "$out/$build-$round.jsonl"
  done
done

python3 - "$out" "${builds[@]}" <<'PY'
import json, pathlib, statistics, sys
folder, builds = pathlib.Path(sys.argv[1]), sys.argv[2:]
values, machine = {}, {}
for build in builds:
    for path in sorted(folder.glob(f"{build}-*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["metric"] == "env":
                machine = record
            elif record["metric"].endswith("_per_s"):
                key = (record["config"], record["metric"])
                values.setdefault(key, {}).setdefault(build, []).append(record["value"])
print(f"CPU: {machine.get('cpu')} ({machine.get('vector_extensions')})")
print(f"kernels: {machine.get('isa')}; medians of {len(list(folder.glob('default-*.jsonl')))} rounds")
print(f"{'config':<7} {'metric':<28} " + " ".join(f"{b:>11}" for b in builds) + "  default/best  within 10%")
worst = None
for (config, metric), by_build in sorted(values.items()):
    medians = {b: statistics.median(v) for b, v in by_build.items()}
    best = max(medians.values())
    ratio = medians["default"] / best
    worst = ratio if worst is None else min(worst, ratio)
    cells = " ".join(f"{medians[b]:>11.4g}" for b in builds)
    print(f"{config:<7} {metric:<28} {cells}  {ratio:>11.3f}  {'yes' if ratio >= 0.9 else 'NO'}")
print(f"lowest ratio: {worst:.3f}")
PY
