#!/usr/bin/env bash
# Trains the models shipped in models/ (the crown detector and the plant segmenter used when
# `terradl detect` / `terradl segment-plants` get no --model), then evaluates them on the
# held-out NEON tile OSBS_029 with the exact commands a user runs. The figures go into
# models/*/PROVENANCE.md by hand, with the commit this script ran at.
#
#   scripts/train-shipped-models.sh [out-dir]      (default runs/shipped)
#
# Training uses the two annotated YELL crops; SOAP_061 (another site) picks the best
# checkpoint and the score threshold; OSBS_029 is never seen. One thread per model, both at
# once (the 2-core machine the figures were measured on); budgets are wall-clock, so a
# faster machine takes more steps. Re-running with the same out-dir resumes (--resume).
# Needs the sample data (`terradl fetch-data`) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-runs/shipped}"
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
D="$TERRADL_DATA_DIR/deepforest"
T="${TERRADL_BIN:-${CARGO_TARGET_DIR:-target}/release/terradl}"
[ -x "$T" ] || cargo build --release
TRAIN=(--train "$D/2019_YELL_2_541000_4977000_image_crop.xml" --train "$D/2019_YELL_2_528000_4978000_image_crop2.xml"
       --validation "$D/SOAP_061.xml")
AUG=(--colour 0.25 --contrast 0.3 --brightness 0.3)
mkdir -p "$OUT"
resume=()
[ -d "$OUT/crowns/checkpoints" ] && resume=(--resume)
RAYON_NUM_THREADS=1 "$T" train-detector "${TRAIN[@]}" "${AUG[@]}" --scale-jitter 0.7,1.4 \
    --out "$OUT/crowns" --seconds "${DETECTOR_SECONDS:-2400}" --eval-every 200 --seed 42 "${resume[@]}" \
    > "$OUT/crowns.log" 2>&1 &
det=$!
resume=()
[ -d "$OUT/plants/checkpoints" ] && resume=(--resume)
RAYON_NUM_THREADS=1 "$T" train-segmenter "${TRAIN[@]}" "${AUG[@]}" --steps 1000 \
    --out "$OUT/plants" --seconds "${SEGMENTER_SECONDS:-1500}" --seed 42 "${resume[@]}" \
    > "$OUT/plants.log" 2>&1 &
seg=$!
wait $det
wait $seg
tail -n 2 "$OUT/crowns.log" "$OUT/plants.log"
# Held-out figures, as a user gets them.
"$T" detect --model "$OUT/crowns" "$D/OSBS_029.tif" -o "$OUT/osbs_crowns.geojson"
"$T" evaluate-detections "$OUT/osbs_crowns.geojson" "$D/OSBS_029.xml" --iou 0.4,0.5 --json "$OUT/osbs_crowns.json"
"$T" segment-plants --model "$OUT/plants" "$D/OSBS_029.tif" -o "$OUT/osbs_plants.geojson"
"$T" evaluate-detections "$OUT/osbs_plants.geojson" "$D/OSBS_029.xml" --iou 0.4,0.5 --json "$OUT/osbs_plants.json"
echo "copy into models/: cp $OUT/crowns/{model.json,detector.bpk} models/crowns/; cp $OUT/plants/{model.json,unet.bpk,segmenter.json} models/plants/"
