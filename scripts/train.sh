#!/usr/bin/env bash
# The main job: installs what the trainer needs when missing, then trains the default generator
# (the 8-Gaussian ring), prints its metrics and writes its model and plots to out/ring8-seed0/.
# Any `picogan train` arguments may follow, e.g. `bash scripts/train.sh --dataset grid25`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-packages.sh
exec cargo run --release --locked -p picogan-trainer -- train "$@"
