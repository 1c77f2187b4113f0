#!/usr/bin/env bash
# The main job on a fresh machine: install, lint the seed-bug examples (each bug caught
# before anything runs), show the runtime checker catching the flagship bug, then train the
# small ptychography model with contracts on.
set -uo pipefail
cd "$(dirname "$0")"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore TF_CPP_MIN_LOG_LEVEL=2
python3 -m pip install --quiet -e ".[core]" || exit 2

echo "== 1. shapecheck check examples/seed_bugs  (static: no TensorFlow imported)"
shapecheck check --no-cache examples/seed_bugs
echo "   (exit code $?: 1 means findings, as expected for the buggy variants)"

echo
echo "== 2. the fixed variants lint clean"
shapecheck check --no-cache examples/seed_bugs/*/fixed.py && echo "   clean"

echo
echo "== 3. runtime: seed 002 (flat images, channel offsets) under the contract checker"
python3 examples/seed_bugs/002_flat_offsets_mixup/buggy.py 2>&1 | tail -n 12

echo
echo "== 4. train the small model under contracts (trace mode)"
python3 -m ptycho_core.train --quick --output outputs/demo/reconstruction.png
