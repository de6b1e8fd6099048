# Shared set-up of the terradl-vs-PyTorch network benchmarks (bench/unet.sh,
# bench/detector.sh); source it with NAME set. Creates bench/.venv with PyTorch when
# missing, builds terradl-bench (release), pins both sides to THREADS (default all cores)
# and sets: root, threads, reps (REPS, default 3), py, bench, results
# (bench/out/$NAME.jsonl, emptied), and log().
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/bench/.venv"
threads="${THREADS:-$(nproc)}"
reps="${REPS:-3}"
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install -q "torch==2.15.0" "numpy==2.4.6" || "$venv/bin/pip" install -q torch numpy
fi
py="$venv/bin/python"
cargo build --release -q -p terradl-bench
bench="${CARGO_TARGET_DIR:-$root/target}/release/terradl-bench"
export RAYON_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
out="$root/bench/out"; mkdir -p "$out"; results="$out/$NAME.jsonl"; : > "$results"
log() { echo "[$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)] $*" >&2; }
log "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; threads=$threads"
