#!/usr/bin/env bash
# Issue 16 item 5: CPU inference over a large raster, `terradl detect` vs DeepForest 2.1.0's
# `predict_tile`, same window (528 px: a 400 px core + 64 px overlap each side, so DeepForest
# gets patch_size 528 and patch_overlap 128/528) and the same threads. The raster is the YELL
# crop (2299 x 2472 px) repeated FACTOR x FACTOR times as a tiled Deflate GeoTIFF;
# terradl also runs on the BIG_FACTOR mosaic to show that its peak memory stays flat.
# terradl's model: 300 training steps on the YELL crop (detections to decode and merge);
# DeepForest's: RetinaNet ResNet-50 FPN without weights (same cost; none can be downloaded).
# Usage: bench/deepforest/speed.sh   env FACTOR (default 2), BIG_FACTOR (default 4), THREADS
# Output: a table; JSON in bench/out/deepforest-speed/.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/out/deepforest-speed
VENV=bench/out/deepforest-venv
FACTOR="${FACTOR:-2}"
BIG_FACTOR="${BIG_FACTOR:-4}"
threads="${THREADS:-$(nproc)}"
export RAYON_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
DATA="$TERRADL_DATA_DIR/deepforest"
mkdir -p "$OUT"
cargo build --release -q -p terradl-cli
BIN="${CARGO_TARGET_DIR:-target}/release/terradl"
[ -f "$DATA/OSBS_029.xml" ] || "$BIN" fetch-data
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q deepforest==2.1.0
fi
py="$VENV/bin/python"
SRC="$DATA/2019_YELL_2_528000_4978000_image_crop2.png"
for f in "$FACTOR" "$BIG_FACTOR"; do
  [ -f "$OUT/yell_${f}x${f}.tif" ] || "$py" bench/deepforest/speed.py mosaic "$SRC" "$f" "$OUT/yell_${f}x${f}.tif"
done
[ -f "$OUT/model/model.json" ] || "$BIN" train-detector --train "${SRC%.png}.xml" --out "$OUT/model" --steps 300 \
  --seconds 100000 --checkpoint-every 0 >/dev/null
for f in "$FACTOR" "$BIG_FACTOR"; do
  /usr/bin/time -f "%e %M" -o "$OUT/terradl_${f}.time" "$BIN" detect --model "$OUT/model" "$OUT/yell_${f}x${f}.tif" \
    -o "$OUT/terradl_${f}.geojson" --tile 400 --overlap 64 --score 0.1 | tee "$OUT/terradl_${f}.log"
done
"$py" bench/deepforest/speed.py deepforest "$OUT/yell_${FACTOR}x${FACTOR}.tif" 528 0.2424 "$OUT/deepforest_${FACTOR}.json" \
  2>&1 | grep -v -i warn | tail -n 1
python3 - "$OUT" "$FACTOR" "$BIG_FACTOR" "$threads" <<'PY'
import json, re, sys
out, f, big, threads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def terradl(k):
    secs, kb = open(f"{out}/terradl_{k}.time").read().split()
    log = open(f"{out}/terradl_{k}.log").read()
    cols, rows = map(int, re.search(r"\((\d+) x (\d+),", log).groups())
    mpx = cols * rows / 1e6
    return mpx, float(secs), mpx / float(secs), int(kb) / 1024
d = json.load(open(f"{out}/deepforest_{f}.json"))
t, tb = terradl(f), terradl(big)
print(f"threads={threads}; window 528 px (400 core + 64 overlap); times include start-up and reading")
print("| tool | raster | Mpx | seconds | Mpx/s | peak RSS MB |")
print("| --- | --- | --- | --- | --- | --- |")
print(f"| DeepForest 2.1.0 predict_tile | {f}x{f} YELL | {d['megapixels']:.1f} | {d['seconds']:.1f} | {d['mpx_per_s']:.3f} | {d['peak_rss_mb']:.0f} |")
print(f"| terradl detect | {f}x{f} YELL | {t[0]:.1f} | {t[1]:.1f} | {t[2]:.3f} | {t[3]:.0f} |")
print(f"| terradl detect | {big}x{big} YELL | {tb[0]:.1f} | {tb[1]:.1f} | {tb[2]:.3f} | {tb[3]:.0f} |")
print(f"speed ratio terradl / DeepForest ({f}x{f}): {t[2] / d['mpx_per_s']:.1f}x")
PY
