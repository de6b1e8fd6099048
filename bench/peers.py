#!/usr/bin/env python3
"""The Python peers of terradl's benchmarks (run by bench/run.sh, bench/.venv):

  train MODEL DIR     PyTorch training throughput of the same architectures
  forest DIR          scikit-learn RandomForestClassifier fit/predict + accuracy
  predict IN OUT      rasterio + PyTorch sliding-window prediction of a GeoTIFF
  ops                 PyTorch's time for each convolution kernel of a training step

Each prints one JSON line, like `terradl-bench`. Inputs are the files terradl-bench
wrote (sample arrays, MLP standardisation statistics), so both sides see the same values.
Threads: --threads n sets torch.set_num_threads(n), scikit-learn n_jobs=n and GDAL's
NUM_THREADS=n (reading and compressing), the same n given to terradl as RAYON_NUM_THREADS.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def load(dir_, name):
    meta = json.loads((Path(dir_) / f"{name}.json").read_text())
    x = np.fromfile(Path(dir_) / f"{name}.x.f32", dtype="<f4")
    y = np.fromfile(Path(dir_) / f"{name}.y.u32", dtype="<u4")
    return x.reshape(meta["n"], *meta["shape"]), y, meta


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------- models (same sizes as terradl)
def build_model(name, shape, k):
    import torch
    from torch import nn

    class PatchCnn(nn.Module):
        """terradl PatchCnnConfig defaults: conv 32-64-128 3x3 pad 1, BN, ReLU, max-pool 2,
        global mean, dropout 0.3, linear head."""

        def __init__(self, c, k, filters=(32, 64, 128), dropout=0.3):
            super().__init__()
            layers = []
            for f in filters:
                layers += [nn.Conv2d(c, f, 3, padding=1), nn.BatchNorm2d(f), nn.ReLU(), nn.MaxPool2d(2, 2)]
                c = f
            self.features = nn.Sequential(*layers)
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(c, k)

        def forward(self, x):
            return self.head(self.drop(self.features(x).mean(dim=(2, 3))))

    class TempCnn(nn.Module):
        """terradl TempCnnConfig defaults: 3 x (conv1d 64 k5 pad 2, BN, ReLU, dropout 0.2),
        flatten, dense 256 + BN + ReLU + dropout, linear head."""

        def __init__(self, c, t, k, filters=64, ks=5, hidden=256, dropout=0.2):
            super().__init__()
            layers, ci = [], c
            for _ in range(3):
                layers += [nn.Conv1d(ci, filters, ks, padding=ks // 2), nn.BatchNorm1d(filters), nn.ReLU(), nn.Dropout(dropout)]
                ci = filters
            self.convs = nn.Sequential(*layers)
            self.dense = nn.Linear(filters * t, hidden)
            self.norm = nn.BatchNorm1d(hidden)
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(hidden, k)

        def forward(self, x):
            x = self.convs(x.transpose(1, 2)).flatten(1)
            return self.head(self.drop(torch.relu(self.norm(self.dense(x)))))

    class Lstm(nn.Module):
        """terradl LstmClassifierConfig defaults: 2-layer LSTM 128 (dropout 0.2 between),
        last time step, dropout 0.2, linear head."""

        def __init__(self, c, k, hidden=128, layers=2, dropout=0.2):
            super().__init__()
            self.lstm = nn.LSTM(c, hidden, layers, batch_first=True, dropout=dropout)
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(hidden, k)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(self.drop(out[:, -1]))

    if name == "patch_cnn":
        return PatchCnn(shape[0], k)
    if name == "tempcnn":
        return TempCnn(shape[1], shape[0], k)
    if name == "lstm":
        return Lstm(shape[1], k)
    raise SystemExit(f"unknown model {name}")


def mlp(n_in, hidden, k):
    from torch import nn

    layers, d = [], n_in
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU(), nn.Dropout(0.2)]
        d = h
    layers.append(nn.Linear(d, k))
    return nn.Sequential(*layers)


# ---------------------------------------------------------------- (a) training throughput
def cmd_train(a):
    import torch
    from torch import nn

    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    data = "patches" if a.model == "patch_cnn" else "series"
    x, y, meta = load(a.dir, data)
    X, Y = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y.astype(np.int64))
    n = len(Y)
    net = build_model(a.model, meta["shape"], meta["n_classes"])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    rates, losses = [], []
    for epoch in range(a.epochs):
        net.train()
        t = time.perf_counter()
        perm = torch.randperm(n)
        batches = [perm[i : i + a.batch_size] for i in range(0, n, a.batch_size)]
        if len(batches) > 1 and len(batches[-1]) == 1:  # as terradl: no lone last sample
            batches.pop()
        seen, loss_sum = 0, 0.0
        for idx in batches:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X[idx]), Y[idx])
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
        dt = time.perf_counter() - t
        losses.append(loss_sum / seen)
        if epoch > 0:
            rates.append(seen / dt)
    out = {
        "bench": "train", "impl": f"pytorch {torch.__version__}", "model": a.model,
        "threads": torch.get_num_threads(), "batch_size": a.batch_size, "samples": n,
        "sample_shape": meta["shape"], "epochs_timed": len(rates),
        "samples_per_s": statistics.median(rates), "train_loss": losses,
    }
    print(json.dumps(out))


# ---------------------------------------------------------------- convolution kernels (profile)
OPS_CASES = [  # same as crates/bench/src/conv_ops.rs
    ("patch_cnn.conv1", 64, 3, 32, (15, 15), (3, 3)),
    ("patch_cnn.conv2", 64, 32, 64, (7, 7), (3, 3)),
    ("patch_cnn.conv3", 64, 64, 128, (3, 3), (3, 3)),
    ("tempcnn.conv1", 64, 10, 64, (1, 7), (1, 5)),
    ("tempcnn.conv2", 64, 64, 64, (1, 7), (1, 5)),
]


def cmd_ops(a):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(a.threads)

    def median_ms(f):
        f()
        ts = []
        for _ in range(a.reps):
            t = time.perf_counter()
            f()
            ts.append((time.perf_counter() - t) * 1e3)
        return statistics.median(ts)

    conv_bw = torch.ops.aten.convolution_backward
    for name, b, ci, co, hw, k in OPS_CASES:
        pad = [k[0] // 2, k[1] // 2]
        x, w, g = torch.rand(b, ci, *hw), torch.rand(co, ci, *k), torch.rand(b, co, *hw)
        bw = lambda mask: conv_bw(g, x, w, None, [1, 1], pad, [1, 1], False, [0, 0], 1, mask)
        with torch.no_grad():
            print(json.dumps({
                "bench": "ops", "impl": f"pytorch {torch.__version__}", "case": name, "threads": a.threads,
                "x": [b, ci, *hw], "w": [co, ci, *k],
                "forward_ms": median_ms(lambda: F.conv2d(x, w, None, 1, pad)),
                "input_grad_ms": median_ms(lambda: bw([True, False, False])),
                "weight_grad_ms": median_ms(lambda: bw([False, True, False])),
            }))


# ---------------------------------------------------------------- (b) random forest
def cmd_forest(a):
    import sklearn
    from sklearn.ensemble import RandomForestClassifier

    xtr, ytr, _ = load(a.dir, "statlog_train")
    xte, yte, _ = load(a.dir, "statlog_test")
    big = np.tile(xte, (a.predict_copies, 1))
    best_fit = best_pred = float("inf")
    acc = 0.0
    for r in range(a.repeats):
        rf = RandomForestClassifier(
            n_estimators=a.trees, max_depth=a.max_depth,
            max_features=None if a.max_features == "all" else a.max_features, bootstrap=True,
            min_samples_leaf=1, n_jobs=a.threads, random_state=42 + r,
        )
        t = time.perf_counter()
        rf.fit(xtr, ytr)
        best_fit = min(best_fit, time.perf_counter() - t)
        t = time.perf_counter()
        pred = rf.predict(big)
        best_pred = min(best_pred, time.perf_counter() - t)
        acc = float((pred[: len(yte)] == yte).mean())
    print(json.dumps({
        "bench": "rf", "impl": f"scikit-learn {sklearn.__version__}", "threads": a.threads,
        "trees": a.trees, "max_depth": a.max_depth, "max_features": a.max_features,
        "n_train": len(ytr), "n_predict": len(big), "fit_s": best_fit, "predict_s": best_pred,
        "predict_rows_per_s": len(big) / best_pred, "test_accuracy": acc,
    }))


# ---------------------------------------------------------------- (c)/(d) raster prediction
def cmd_predict(a):
    os.environ["GDAL_NUM_THREADS"] = str(a.threads)
    import rasterio
    import torch
    from rasterio.windows import Window

    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    stats = json.loads(Path(a.stats).read_text())
    k = stats["n_classes"]
    net = mlp(stats["n_bands"], stats["hidden"], k).eval()
    mean = torch.tensor(stats["mean"], dtype=torch.float32)
    std = torch.tensor(stats["std"], dtype=torch.float32)
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rss_before = peak_rss_mib()
    t0 = time.perf_counter()
    tile = 256
    with rasterio.open(a.input) as src:
        W, H, B, nodata = src.width, src.height, src.count, src.nodata
        common = dict(driver="GTiff", width=W, height=H, crs=src.crs, transform=src.transform,
                      tiled=True, blockxsize=tile, blockysize=tile, compress="deflate",
                      num_threads=str(a.threads))
        with rasterio.open(out / "classes.tif", "w", count=1, dtype="uint8", nodata=255, **common) as cls_dst, \
             rasterio.open(out / "probabilities.tif", "w", count=k, dtype="float32", nodata=float("nan"), **common) as prob_dst:
            for row in range(0, H, tile):
                for col in range(0, W, tile):
                    win = Window(col, row, min(tile, W - col), min(tile, H - row))
                    block = src.read(window=win).astype(np.float32)  # (B, h, w)
                    _, h, w = block.shape
                    valid = np.isfinite(block).all(axis=0)
                    if nodata is not None:
                        valid &= (block != nodata).all(axis=0)
                    x = torch.from_numpy(block.reshape(B, -1).T.copy())
                    with torch.inference_mode():
                        p = torch.softmax(net((x - mean) / std), dim=1)
                    probs = p.T.reshape(k, h, w).numpy().copy()
                    classes = probs.argmax(axis=0).astype(np.uint8)
                    classes[~valid] = 255
                    probs[:, ~valid] = np.nan
                    cls_dst.write(classes, 1, window=win)
                    prob_dst.write(probs, window=win)
    secs = time.perf_counter() - t0
    print(json.dumps({
        "bench": "predict", "impl": f"rasterio {rasterio.__version__} (GDAL {rasterio.__gdal_version__}) + pytorch {torch.__version__}",
        "raster": a.label, "threads": a.threads, "pixels": W * H, "seconds": secs,
        "mpix_per_s": W * H / secs / 1e6, "peak_rss_mib": peak_rss_mib(), "rss_before_predict_mib": rss_before,
    }))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("model", choices=["patch_cnn", "tempcnn", "lstm"])
    t.add_argument("dir")
    t.add_argument("--epochs", type=int, default=4)
    t.add_argument("--batch-size", type=int, default=64)
    f = sub.add_parser("forest")
    f.add_argument("dir")
    f.add_argument("--trees", type=int, default=100)
    f.add_argument("--max-depth", type=int, default=None)
    f.add_argument("--repeats", type=int, default=3)
    f.add_argument("--predict-copies", type=int, default=10)
    f.add_argument("--max-features", choices=["all", "sqrt"], default="all",
                   help="features per split (terradl: TERRADL_RF_MAX_FEATURES)")
    q = sub.add_parser("predict")
    q.add_argument("input")
    q.add_argument("out_dir")
    q.add_argument("--stats", required=True)
    q.add_argument("--label", default="1x")
    o = sub.add_parser("ops")
    o.add_argument("--reps", type=int, default=20)
    a = p.parse_args()
    {"train": cmd_train, "forest": cmd_forest, "predict": cmd_predict, "ops": cmd_ops}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
