#!/usr/bin/env bash
# Side-by-side anchor for issue 3: terradl's CenterNet crown detector vs
# DeepForest 2.1.0 (RetinaNet ResNet-50 FPN, from PyPI) trained FROM SCRATCH
# (its pretrained weights cannot be downloaded here) on the same NEON training
# tiles (YELL crop2, YELL crop, SOAP_061) for the same wall-clock budget on this
# machine, both evaluated by `terradl evaluate-detections` on held-out OSBS_029
# at IoU 0.4 and 0.5. Published DeepForest *pretrained* figure on OSBS_029:
# precision 0.781, recall 0.705 at IoU 0.4.
#
# Usage: bench/deepforest/run.sh [SECONDS]   (default 600 per model)
#        env BENCH_SIDES=terradl|deepforest (one half), TERRADL_BIN=path (no release build)
# Output: bench/out/deepforest.csv (+ logs, predictions and load.log in bench/out/deepforest/)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_BUDGET="${1:-600}"
OUT=bench/out/deepforest
VENV=bench/out/deepforest-venv
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
DATA="$TERRADL_DATA_DIR/deepforest"
mkdir -p "$OUT"

# BENCH_SIDES="terradl deepforest" (default) runs both; one name runs that half only
# (the table needs both halves' outputs in $OUT).
SIDES="${BENCH_SIDES:-terradl deepforest}"
has() { case " $SIDES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
load() { echo "$(date -u +%FT%TZ) $1 nproc $(nproc) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.log"; }

# TERRADL_BIN=path uses that binary instead of building the release one.
BIN="${TERRADL_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --release --workspace --bins
  BIN="${CARGO_TARGET_DIR:-target}/release/terradl"
fi
[ -f "$DATA/OSBS_029.xml" ] || "$BIN" fetch-data

if has deepforest && [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q deepforest==2.1.0
fi

TRAIN=(--train "$DATA/2019_YELL_2_528000_4978000_image_crop2.xml"
       --train "$DATA/2019_YELL_2_541000_4977000_image_crop.xml"
       --train "$DATA/SOAP_061.xml")

# --- terradl -----------------------------------------------------------------
if has terradl; then
load "terradl start"
"$BIN" train-detector "${TRAIN[@]}" --out "$OUT/terradl-model" --seconds "$SECONDS_BUDGET" \
  --chip 128 --batch 8 --lr 3e-3 2>&1 | tee "$OUT/terradl_train.log"
"$BIN" detect --model "$OUT/terradl-model" "$DATA/OSBS_029.png" --output "$OUT/terradl_osbs029.geojson" \
  --score 0.1 2>&1 | tee "$OUT/terradl_detect_osbs.log"
"$BIN" detect --model "$OUT/terradl-model" "$DATA/2019_YELL_2_541000_4977000_image_crop.png" \
  --output "$OUT/terradl_yell.geojson" --score 0.1 2>&1 | tee "$OUT/terradl_detect_yell.log"
"$BIN" evaluate-detections "$OUT/terradl_osbs029.geojson" "$DATA/OSBS_029.xml" --json "$OUT/terradl_eval.json"
load "terradl end"
fi

# --- DeepForest from scratch ---------------------------------------------------
if has deepforest; then
load "deepforest start"
"$VENV/bin/python" bench/deepforest/deepforest_scratch.py "$DATA" "$OUT" "$SECONDS_BUDGET" 2>&1 \
  | grep -v -i warning | tee "$OUT/deepforest_train.log"
"$BIN" evaluate-detections "$OUT/deepforest_osbs029.geojson" "$DATA/OSBS_029.xml" --min-score 0.1 \
  --json "$OUT/deepforest_eval.json"
load "deepforest end"
fi

# --- table -----------------------------------------------------------------------
python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
rows = []
def figures(name):
    e = json.load(open(f"{out}/{name}_eval.json"))
    t = {round(x["iou"], 2): x for x in e["thresholds"]}
    return e, t
e, t = figures("terradl")
log = open(f"{out}/terradl_detect_yell.log").read()
mpxs = float(re.search(r"\(([\d.]+) Mpx/s\)", log).group(1))
steps = re.search(r"(\d+) steps in (\d+)s", open(f"{out}/terradl_train.log").read())
rows.append(["terradl-centernet", steps.group(1), steps.group(2), e["predictions"], t[0.4]["precision"], t[0.4]["recall"], t[0.4]["f1"], t[0.5]["precision"], t[0.5]["recall"], t[0.5]["f1"], e["map_50_95"], mpxs])
e, t = figures("deepforest")
run = json.load(open(f"{out}/deepforest_run.json"))
rows.append(["deepforest-2.1.0-scratch", run["train_steps"], round(run["train_seconds"]), e["predictions"], t[0.4]["precision"], t[0.4]["recall"], t[0.4]["f1"], t[0.5]["precision"], t[0.5]["recall"], t[0.5]["f1"], e["map_50_95"], run["megapixels_per_second"]])
rows.append(["deepforest-2.1.0-pretrained-published", "", "", "", 0.781, 0.705, round(2*0.781*0.705/(0.781+0.705), 3), "", "", "", "", ""])
hdr = "model,train_steps,train_seconds,predictions,precision_iou40,recall_iou40,f1_iou40,precision_iou50,recall_iou50,f1_iou50,map_50_95,inference_mpx_per_s"
with open("bench/out/deepforest.csv", "w") as f:
    f.write(hdr + "\n")
    for r in rows:
        f.write(",".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + "\n")
print(open("bench/out/deepforest.csv").read())
PY
