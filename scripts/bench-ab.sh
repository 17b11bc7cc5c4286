#!/usr/bin/env bash
# Compares the speed of two commits: builds `picogan` at each (same flags, in worktrees under
# target/bench-ab/), runs `picogan bench` ROUNDS times for each, alternating, pinned to one core
# when taskset exists, and prints every metric's median for both and their ratio (new / old); a
# `dynamic_` figure (networks shaped at run time) only the new build has is set against the old
# build's const-generic figure of the same work. The raw lines are kept in
# target/bench-ab/last-run.txt.
# Usage: bash scripts/bench-ab.sh OLD_REV NEW_REV [ROUNDS] [-- BENCH_ARGS...]   (ROUNDS: 5)
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench-ab.sh OLD_REV NEW_REV [ROUNDS] [-- BENCH_ARGS...]}
new=${2:?usage: bench-ab.sh OLD_REV NEW_REV [ROUNDS] [-- BENCH_ARGS...]}
shift 2
rounds=5
if [ "$#" -gt 0 ] && [ "$1" != "--" ]; then rounds=$1; shift; fi
[ "$#" -gt 0 ] && [ "$1" = "--" ] && shift
root=target/bench-ab
mkdir -p "$root"
binaries=()
for rev in "$old" "$new"; do
  hash=$(git rev-parse --short "$rev")
  dir="$root/$hash"
  if [ ! -d "$dir" ]; then git worktree add --detach "$dir" "$hash" >/dev/null; fi
  (cd "$dir" && cargo build --release --locked -p picogan-trainer --quiet)
  binaries+=("$dir/target/release/picogan")
done
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "$(($(nproc) - 1))"); fi
grep -m1 "model name" /proc/cpuinfo || true
echo "old $old = ${binaries[0]}, new $new = ${binaries[1]}, $rounds rounds, bench $*"
for round in $(seq "$rounds"); do
  for side in old new; do
    binary=${binaries[0]}
    [ "$side" = new ] && binary=${binaries[1]}
    "${pin[@]}" "$binary" bench "$@" | sed "s/^/$side /"
  done
done | tee "$root/last-run.txt" | python3 -c '
import json, statistics, sys
values = {}
for line in sys.stdin:
    side, record = line.split(" ", 1)
    record = json.loads(record)
    if record["metric"] == "env":
        continue
    values.setdefault((record["config"], record["metric"]), {}).setdefault(side, []).append(record["value"])
row = "{:8}{:38}{:>14}{:>14}{:>9}{}"
print(row.format("config", "metric", "old", "new", "new/old", ""))
for (config, metric), sides in values.items():
    new = statistics.median(sides["new"])
    if "old" not in sides:
        # A run-time-shape figure of the new build, against the old const-generic one.
        const = values.get((config, metric.removeprefix("dynamic_")), {}).get("old")
        if const is None:
            print(row.format(config, metric, "-", "%.1f" % new, "-", ""))
        else:
            old = statistics.median(const)
            print(row.format(config, metric, "%.1f" % old, "%.1f" % new, "%.3f" % (new / old), "  (old: const-generic)"))
        continue
    old = statistics.median(sides["old"])
    print(row.format(config, metric, "%.1f" % old, "%.1f" % new, "%.3f" % (new / old), ""))
'
