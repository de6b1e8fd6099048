#!/usr/bin/env bash
# terradl vs PyTorch on the Res U-Net at a realistic size (256 px chips, batch 8, widths
# 32-64-128-256), in one run, same threads: training step, inference, the convolutions alone,
# and this CPU's FP32 GEMM peak (gemm crate / torch.mm). Prints a table with ratios and the
# convolutions' share of the GEMM peak; lines in bench/out/unet.jsonl. See docs/BENCHMARKS.md.
# Env: THREADS (default all cores), REPS (default 3), WIDTHS, BATCH, SIDE.
set -euo pipefail
NAME=unet
source "$(dirname "${BASH_SOURCE[0]}")/torch_side_by_side.sh"
args=(--widths "${WIDTHS:-32,64,128,256}" --batch "${BATCH:-8}" --side "${SIDE:-256}" --reps "$reps")
for t in 1 "$threads"; do
    "$bench" gemm-peak --threads "$t" | tee -a "$results"
    "$py" bench/unet_torch.py gemm-peak --threads "$t" | tee -a "$results"
done
for mode in train infer convs; do
    log "unet $mode"
    "$bench" unet "$mode" "${args[@]}" | tee -a "$results"
    "$py" bench/unet_torch.py "$mode" --threads "$threads" "${args[@]}" | tee -a "$results"
done
"$py" - "$results" "$threads" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
threads = int(sys.argv[2])
peak = {(r["impl"].split()[0], r["threads"]): r["gflops"] for r in rows if r["bench"] == "gemm_peak"}
best_peak = max(v for (_, t), v in peak.items() if t == threads)
print(f"\nFP32 GEMM peak, {threads} threads: " + ", ".join(f"{k[0]} {v:.1f} GFLOP/s" for k, v in peak.items() if k[1] == threads))
print("| measure | terradl samples/s | PyTorch samples/s | ratio | terradl GFLOP/s (% peak) | PyTorch GFLOP/s (% peak) | terradl / PyTorch peak RSS MB |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for b in ["unet_train", "unet_infer", "unet_convs"]:
    t = next(r for r in rows if r["bench"] == b and r["impl"] == "terradl")
    p = next(r for r in rows if r["bench"] == b and r["impl"] != "terradl")
    print(f"| {b} | {t['samples_per_s']:.2f} | {p['samples_per_s']:.2f} | {t['samples_per_s'] / p['samples_per_s']:.2f} | "
          f"{t['gflops']:.1f} ({100 * t['gflops'] / best_peak:.0f}%) | {p['gflops']:.1f} ({100 * p['gflops'] / best_peak:.0f}%) | "
          f"{t['peak_rss_mb']:.0f} / {p['peak_rss_mb']:.0f} |")
PY
