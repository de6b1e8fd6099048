#!/usr/bin/env bash
# Issue 16's cross-site levers at one budget (session 27): the crown detector trained on the
# two YELL crops, validated on SOAP_061, evaluated on the held-out OSBS_029 at IoU 0.4, as
#   base      the shipped model's recipe (training images' mean/std)
#   norm      per-image standardisation of every tile (bench/deepforest/levers.py normalise)
#   pseudo    + SOAP_031 (unlabelled) with the shipped model's boxes >= its threshold 0.13
# 8,000 steps each, one thread each (two runs at a time), seed 42. ~35 min on 2 cores.
# Usage: bench/deepforest/levers.sh   (after `terradl fetch-data`; env STEPS, OUT)
# Output: one line per run: validation F1, then OSBS_029 TP/FP/FN/P/R/F1/AP at the run's own
# validation-chosen score threshold and at 0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
D="$TERRADL_DATA_DIR/deepforest"
OUT="${OUT:-bench/out/crown-levers}"
STEPS="${STEPS:-8000}"
VENV=bench/out/deepforest-venv
mkdir -p "$OUT"
cargo build --release -q -p terradl-cli
T=target/release/terradl
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q deepforest==2.1.0
fi
py="$VENV/bin/python"
"$py" bench/deepforest/levers.py normalise "$D" "$OUT"
cp "$D/SOAP_031.png" "$OUT/"
"$T" detect "$D/SOAP_031.png" -o "$OUT/SOAP_031-shipped.geojson" --score 0.01 > /dev/null
"$py" bench/deepforest/levers.py pseudo "$OUT/SOAP_031-shipped.geojson" SOAP_031.png "$OUT/SOAP_031_pseudo.xml" 0.13
YELL=(2019_YELL_2_541000_4977000_image_crop 2019_YELL_2_528000_4978000_image_crop2)
COMMON=(--colour 0.25 --contrast 0.3 --brightness 0.3 --scale-jitter 0.7,1.4 --steps "$STEPS" --seconds 100000 --eval-every 400 --seed 42)
train() { # name dir extra...
  local name=$1 dir=$2; shift 2
  RAYON_NUM_THREADS=1 "$T" train-detector --train "$dir/${YELL[0]}.xml" --train "$dir/${YELL[1]}.xml" "$@" \
    --validation "$dir/SOAP_061.xml" "${COMMON[@]}" --out "$OUT/$name" > "$OUT/$name.log" 2>&1
}
train base "$D" & train norm "$OUT" & wait
train pseudo "$D" --train "$OUT/SOAP_031_pseudo.xml"
for run in base norm pseudo; do
  tile="$D/OSBS_029.png"; truth="$D/OSBS_029.xml"
  [ "$run" = norm ] && tile="$OUT/OSBS_029.tif" && truth="$OUT/OSBS_029.xml"
  "$T" detect "$tile" --model "$OUT/$run" -o "$OUT/$run-osbs.geojson" --score 0.01 > /dev/null
  thr=$(grep -o '"score_threshold": *[0-9.]*' "$OUT/$run/model.json" | grep -o '[0-9.]*$')
  echo "$run: $(tail -n 2 "$OUT/$run.log" | head -n 1)"
  for s in "$thr" 0.1; do
    echo "  OSBS_029 at score $s: $("$T" evaluate-detections "$OUT/$run-osbs.geojson" "$truth" --iou 0.4 --min-score "$s" | grep -A1 IoU | tail -n 1)"
  done
done
