#!/usr/bin/env python3
"""The PyTorch side of bench/detector.sh: terradl's CenterNet crown detector
(crates/models/src/detection/detector.rs) layer for layer in PyTorch, at the same sizes and
threads, timed the same way (best of `reps` after one warm-up call), one JSON line each.
    python bench/detector_torch.py train|infer [--widths 16,32,64,96] [--head 32] [--batch 8] [--side 256] [--reps 3] [--threads N]
"""
import argparse
import json
import resource
import torch
import torch.nn as nn
import torch.nn.functional as F

from unet_torch import best


def conv_bn_relu(c_in, c_out, stride):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1), nn.BatchNorm2d(c_out), nn.ReLU())


class CenterNet(nn.Module):
    """Four stages of (3x3 stride 2, 3x3) conv-BN-ReLU, a top-down neck (1x1 laterals, nearest
    upsampling, 3x3 smoothing) to stride 4, a 3x3 + 1x1 head with 1 + 4 outputs."""

    def __init__(self, widths, head, classes=1):
        super().__init__()
        self.register_buffer("mean", torch.tensor([110.0, 115.0, 100.0]).view(1, 3, 1, 1))
        self.register_buffer("inv_std", torch.full((1, 3, 1, 1), 1.0 / 50.0))
        stages, c_in = [], 3
        for c in widths:
            stages.append(nn.Sequential(conv_bn_relu(c_in, c, 2), conv_bn_relu(c, c, 1)))
            c_in = c
        self.stages = nn.ModuleList(stages)
        self.lateral4 = nn.Conv2d(widths[3], head, 1)
        self.lateral3 = nn.Conv2d(widths[2], head, 1)
        self.lateral2 = nn.Conv2d(widths[1], head, 1)
        self.smooth3 = conv_bn_relu(head, head, 1)
        self.smooth2 = conv_bn_relu(head, head, 1)
        self.head_hidden = nn.Conv2d(head, head, 3, padding=1)
        self.head_out = nn.Conv2d(head, classes + 4, 1)
        self.classes = classes

    def forward(self, x):
        x = (x - self.mean) * self.inv_std
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        p4 = self.lateral4(feats[3])
        p3 = self.lateral3(feats[2])
        p3 = self.smooth3(F.interpolate(p4, size=p3.shape[-2:], mode="nearest") + p3)
        p2 = self.lateral2(feats[1])
        p2 = self.smooth2(F.interpolate(p3, size=p2.shape[-2:], mode="nearest") + p2)
        out = self.head_out(F.relu(self.head_hidden(p2)))
        k = self.classes
        return out[:, :k], out[:, k:k + 2], out[:, k + 2:]


def conv_shapes(widths, head, side, classes=1):
    """(c_in, c_out, kernel, output side) of every convolution, as detector_bench.rs lists them."""
    v, c_in = [], 3
    for i, c in enumerate(widths):
        s = side >> (i + 1)
        v += [(c_in, c, 3, s), (c, c, 3, s)]
        c_in = c
    v += [(widths[3], head, 1, side >> 4), (widths[2], head, 1, side >> 3), (head, head, 3, side >> 3),
          (widths[1], head, 1, side >> 2), (head, head, 3, side >> 2), (head, head, 3, side >> 2),
          (head, classes + 4, 1, side >> 2)]
    return v


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "infer"])
    p.add_argument("--widths", default="16,32,64,96")
    p.add_argument("--head", type=int, default=32)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--side", type=int, default=256)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    widths = [int(w) for w in a.widths.split(",")]
    flops = sum(2.0 * a.batch * s * s * ci * co * k * k for ci, co, k, s in conv_shapes(widths, a.head, a.side))
    x = torch.rand(a.batch, 3, a.side, a.side) * 255.0
    model = CenterNet(widths, a.head)
    if a.mode == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = sum((t * t).mean() for t in model(x))
            loss.backward()
            opt.step()
            loss.item()

        secs, work = best(a.reps, step), 3.0 * flops
    else:
        model.eval()

        def infer():
            with torch.inference_mode():
                model(x)

        secs, work = best(a.reps, infer), flops
    print(json.dumps({
        "bench": f"detector_{a.mode}", "impl": f"pytorch {torch.__version__}", "widths": widths, "head": a.head,
        "batch": a.batch, "side": a.side, "threads": torch.get_num_threads(), "seconds": secs,
        "samples_per_s": a.batch / secs, "gflops": work / secs / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }), flush=True)


if __name__ == "__main__":
    main()
