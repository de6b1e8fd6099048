#!/usr/bin/env python3
"""Turns the JSON lines of one bench/run.sh run into bench/out/results.csv and prints the
ratios. Usage: report.py RESULTS.jsonl RESULTS.csv MACHINE_TEXT"""
import csv
import json
import sys


def main(jsonl, csv_path, machine):
    rows = [json.loads(l) for l in open(jsonl) if l.strip().startswith("{")]
    ours = lambda r: r["impl"] == "terradl"
    out = []  # bench, case, metric, unit, terradl, peer, peer_impl, ratio, better

    def pair(bench, key, best):
        """Per case, the best repeat of each side (run.sh alternates the sides REPEATS times);
        peak memory is the worst repeat."""
        by = {}
        for r in rows:
            if r["bench"] == bench:
                by.setdefault(r[key], {}).setdefault("ours" if ours(r) else "peer", []).append(r)
        for p in by.values():
            for side, rs in p.items():
                b = dict(max(rs, key=best))
                if "peak_rss_mib" in b:
                    b["peak_rss_mib"] = max(r["peak_rss_mib"] for r in rs)
                p[side] = b
        return by

    for model, p in pair("train", "model", lambda r: r["samples_per_s"]).items():
        if "ours" in p and "peer" in p:
            o, q = p["ours"], p["peer"]
            out.append(["train", model, "samples_per_s", "samples/s", o["samples_per_s"], q["samples_per_s"], q["impl"],
                        o["samples_per_s"] / q["samples_per_s"], "higher"])
    for r in rows:
        if r["bench"] == "rf":
            r["case"] = f"trees={r['trees']},depth={r['max_depth']}"
    for case, p in pair("rf", "case", lambda r: -r["fit_s"]).items():
        if "ours" in p and "peer" in p:
            o, q = p["ours"], p["peer"]
            out.append(["rf", case, "fit_s", "s", o["fit_s"], q["fit_s"], q["impl"], q["fit_s"] / o["fit_s"], "lower"])
            out.append(["rf", case, "predict_rows_per_s", "rows/s", o["predict_rows_per_s"], q["predict_rows_per_s"], q["impl"],
                        o["predict_rows_per_s"] / q["predict_rows_per_s"], "higher"])
            out.append(["rf", case, "test_accuracy", "fraction", o["test_accuracy"], q["test_accuracy"], q["impl"],
                        o["test_accuracy"] / q["test_accuracy"], "higher"])
    for label, p in pair("predict", "raster", lambda r: r["mpix_per_s"]).items():
        if "ours" in p and "peer" in p:
            o, q = p["ours"], p["peer"]
            case = f"{label} ({o['pixels'] / 1e6:.1f} Mpx)"
            out.append(["predict", case, "mpix_per_s", "Mpx/s", o["mpix_per_s"], q["mpix_per_s"], q["impl"],
                        o["mpix_per_s"] / q["mpix_per_s"], "higher"])
            out.append(["memory", case, "peak_rss_mib", "MiB", o["peak_rss_mib"], q["peak_rss_mib"], q["impl"],
                        q["peak_rss_mib"] / o["peak_rss_mib"], "lower"])
    ops = {}  # per case and side, the fastest repeat of each kernel
    for r in rows:
        if r["bench"] == "ops":
            ops.setdefault(r["case"], {}).setdefault("ours" if ours(r) else "peer", []).append(r)
    for case, p in ops.items():
        if "ours" in p and "peer" in p:
            for metric in ("forward_ms", "input_grad_ms", "weight_grad_ms"):
                o, q = min(r[metric] for r in p["ours"]), min(r[metric] for r in p["peer"])
                out.append(["conv_op", case, metric, "ms", o, q, p["peer"][0]["impl"], q / o, "lower"])
    fix = {}
    for r in rows:
        if r["bench"] == "conv_fix":
            fix.setdefault(r["case"], []).append(r)
    for case, rs in fix.items():
        burn_ms = min(r["burn_conv2d_fwd_bwd_ms"] for r in rs)
        gemm_ms = min(r["gemm_conv_fwd_bwd_ms"] for r in rs)
        # "peer" here is burn's own conv2d: the candidate fix against what the models use now.
        out.append(["conv_fix", case, "fwd_bwd_ms", "ms", gemm_ms, burn_ms, "burn conv2d (default device: Flex)", burn_ms / gemm_ms, "lower"])
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["bench", "case", "metric", "unit", "terradl", "peer", "peer_impl", "terradl_advantage", "better", "machine"])
        for r in out:
            w.writerow(r[:4] + [f"{r[4]:.6g}", f"{r[5]:.6g}", r[6], f"{r[7]:.3f}", r[8], machine])
    print(f"\n# {machine}")
    print("# terradl_advantage > 1 means terradl is ahead (faster, less memory, or more accurate)")
    for r in out:
        print(f"{r[0]:8} {r[1]:26} {r[2]:20} terradl {r[4]:>12.4g}  peer {r[5]:>12.4g} {r[3]:10} advantage x{r[7]:.2f}")
    ours_mem = [(r["raster"], r["peak_rss_mib"]) for r in rows if r["bench"] == "predict" and ours(r)]
    if len(ours_mem) > 1:
        lo, hi = min(m for _, m in ours_mem), max(m for _, m in ours_mem)
        print(f"terradl peak RSS across {', '.join(l for l, _ in ours_mem)}: {lo:.0f}..{hi:.0f} MiB (max/min {hi / lo:.2f})")
    print(f"wrote {csv_path}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
