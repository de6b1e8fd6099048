#!/usr/bin/env bash
# Crop types on the UCR "Crop" set (standard split, 7,200 / 16,800 series): terradl's
# examples/crop-types-ucr.toml beside the peers a user would pick (1-NN Euclidean and
# RandomForest(500) from scikit-learn, MiniRocket + ridge from sktime, a plain PyTorch
# TempCNN), installed from PyPI into bench/.venv, in one run on this machine.
# Writes bench/out/crops_ucr.jsonl and prints each method's test OA and time.
# Env: THREADS (default: all cores), EPOCHS (PyTorch TempCNN epochs, default 60),
#      SKIP_TERRADL=1 (peers only), PYTHON (python for the venv, default python3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/bench/out"
venv="$root/bench/.venv"
threads="${THREADS:-$(nproc)}"
mkdir -p "$out"
if ! "$venv/bin/python" -c "import torch, sklearn, sktime, numba" 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install -q "torch==2.15.0" "scikit-learn==1.9.1" "numpy==2.4.6" "sktime==1.2.0" numba \
        || "$venv/bin/pip" install -q torch scikit-learn numpy sktime numba
fi
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$root/data/cache}"
export RAYON_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
cargo build --release -q -p terradl-cli
terradl="${CARGO_TARGET_DIR:-$root/target}/release/terradl"
[ -f "$TERRADL_DATA_DIR/ucr/Crop_TEST.tsv" ] || "$terradl" fetch-data
results="$out/crops_ucr.jsonl"
: > "$results"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, threads=$threads" | tee -a "$results"

"$venv/bin/python" "$root/bench/crops_ucr_peers.py" "$TERRADL_DATA_DIR/ucr" --epochs "${EPOCHS:-60}" | tee -a "$results"

if [ "${SKIP_TERRADL:-0}" != 1 ]; then
    run="$out/crop-types-ucr"
    pipeline="$out/crop-types-ucr.toml"
    sed "s#^output = .*#output = \"$run\"#" examples/crop-types-ucr.toml > "$pipeline"
    start=$(date +%s.%N)
    TERRADL_LOG=warn "$terradl" train "$pipeline"
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    "$venv/bin/python" - "$run/methods.json" "$secs" <<'PY' | tee -a "$results"
import json, sys
rows = json.load(open(sys.argv[1]))
for r in rows:
    print(json.dumps({"method": f"terradl {r['method']}", "oa": r["overall_accuracy"], "kappa": r["kappa"],
                      "macro_f1": r["macro_f1"], "fit_s": r["fit_seconds"]}))
print(json.dumps({"method": "terradl whole run (all models, importance, report)", "seconds": float(sys.argv[2])}))
PY
fi
