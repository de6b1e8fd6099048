#!/usr/bin/env bash
# terradl vs PyTorch on the CenterNet crown detector (default widths 16-32-64-96, head 32), in
# one run, same threads: a training step on 256 px chips (batch 8; `train-detector` defaults
# to 128 px) and inference on 528 px tiles (the `detect` default: 400 px core + 2 x 64
# overlap), batch 1. Prints a table with ratios; lines
# in bench/out/detector.jsonl. See docs/BENCHMARKS.md.
# Env: THREADS (default all cores), REPS (default 3), TRAIN_SIDE, TRAIN_BATCH, INFER_SIDE, INFER_BATCH.
set -euo pipefail
NAME=detector
source "$(dirname "${BASH_SOURCE[0]}")/torch_side_by_side.sh"
train=(--side "${TRAIN_SIDE:-256}" --batch "${TRAIN_BATCH:-8}" --reps "$reps")
infer=(--side "${INFER_SIDE:-528}" --batch "${INFER_BATCH:-1}" --reps "$reps")
log "detector train"
"$bench" detector train "${train[@]}" | tee -a "$results"
"$py" bench/detector_torch.py train --threads "$threads" "${train[@]}" | tee -a "$results"
log "detector infer"
"$bench" detector infer "${infer[@]}" | tee -a "$results"
"$py" bench/detector_torch.py infer --threads "$threads" "${infer[@]}" | tee -a "$results"
"$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| measure | side x batch | terradl samples/s | PyTorch samples/s | ratio | terradl / PyTorch GFLOP/s | terradl / PyTorch peak RSS MB |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for b in ["detector_train", "detector_infer"]:
    t = next(r for r in rows if r["bench"] == b and r["impl"] == "terradl")
    p = next(r for r in rows if r["bench"] == b and r["impl"] != "terradl")
    print(f"| {b} | {t['side']} x {t['batch']} | {t['samples_per_s']:.2f} | {p['samples_per_s']:.2f} | "
          f"{t['samples_per_s'] / p['samples_per_s']:.2f} | {t['gflops']:.1f} / {p['gflops']:.1f} | "
          f"{t['peak_rss_mb']:.0f} / {p['peak_rss_mb']:.0f} |")
PY
