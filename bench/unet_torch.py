#!/usr/bin/env python3
"""The PyTorch side of bench/unet.sh: terradl's Res U-Net (crates/models/src/unet.rs) layer
for layer in PyTorch, at the same sizes and threads, timed the same way (best of `reps`
after one warm-up call), printing one JSON line per measurement.

    python bench/unet_torch.py train|infer|convs [--widths 32,64,128,256] [--batch 8] [--side 256] [--reps 3]
    python bench/unet_torch.py gemm-peak [--n 2048] [--threads 1]
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """Two 3x3 conv + BN (+ ReLU) with an identity or 1x1 shortcut (UNetBlock, residual)."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.norm1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.norm2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else None

    def forward(self, x):
        y = F.relu(self.norm1(self.conv1(x)))
        y = self.norm2(self.conv2(y))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class ResUNet(nn.Module):
    def __init__(self, widths, classes=2):
        super().__init__()
        self.encoder = nn.ModuleList()
        c_in = 3
        for c in widths:
            self.encoder.append(Block(c_in, c))
            c_in = c
        self.decoder = nn.ModuleList(Block(widths[i + 1] + widths[i], widths[i]) for i in reversed(range(len(widths) - 1)))
        self.head = nn.Conv2d(widths[0], classes, 1)
        self.register_buffer("mean", torch.tensor([110.0, 115.0, 100.0]).view(1, 3, 1, 1))
        self.register_buffer("inv_std", torch.tensor([1 / 50.0] * 3).view(1, 3, 1, 1))

    def forward(self, x):
        x = (x - self.mean) * self.inv_std
        skips = []
        for i, block in enumerate(self.encoder):
            if i > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        skips.pop()
        for block in self.decoder:
            skip = skips.pop()
            x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = block(torch.cat([x, skip], 1))
        return self.head(x)


def conv_shapes(widths, side, classes=2):
    """(c_in, c_out, kernel, side) of every convolution, as unet_bench.rs lists them."""
    v = []

    def block(c_in, c_out, s):
        v.append((c_in, c_out, 3, s))
        v.append((c_out, c_out, 3, s))
        if c_in != c_out:
            v.append((c_in, c_out, 1, s))

    c_in = 3
    for i, c in enumerate(widths):
        block(c_in, c, side >> i)
        c_in = c
    for i in reversed(range(len(widths) - 1)):
        block(widths[i + 1] + widths[i], widths[i], side >> i)
    v.append((widths[0], classes, 1, side))
    return v


def forward_flops(shapes, batch):
    return sum(2.0 * batch * s * s * ci * co * k * k for ci, co, k, s in shapes)


def best(reps, f):
    f()
    t = []
    for _ in range(max(reps, 1)):
        s = time.perf_counter()
        f()
        t.append(time.perf_counter() - s)
    return min(t)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(bench, a, secs, flops):
    print(json.dumps({
        "bench": bench, "impl": f"pytorch {torch.__version__}", "widths": a.widths, "batch": a.batch,
        "side": a.side, "threads": torch.get_num_threads(), "seconds": secs,
        "samples_per_s": a.batch / secs, "gflops": flops / secs / 1e9, "peak_rss_mb": peak_rss_mb(),
    }), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "infer", "convs", "gemm-peak"])
    p.add_argument("--widths", default="32,64,128,256")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--side", type=int, default=256)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    if a.mode == "gemm-peak":
        x, y = torch.ones(a.n, a.n), torch.full((a.n, a.n), 0.5)
        secs = best(a.reps, lambda: torch.mm(x, y))
        print(json.dumps({"bench": "gemm_peak", "impl": f"pytorch {torch.__version__}", "n": a.n,
                          "threads": torch.get_num_threads(), "gflops": 2.0 * a.n ** 3 / secs / 1e9, "seconds": secs}))
        return
    a.widths = [int(w) for w in a.widths.split(",")]
    shapes = conv_shapes(a.widths, a.side)
    flops = forward_flops(shapes, a.batch)
    x = torch.rand(a.batch, 3, a.side, a.side) * 255.0
    if a.mode == "train":
        model = ResUNet(a.widths).train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        fg = (torch.rand(a.batch, 1, a.side, a.side) < 0.3).float()
        target = torch.cat([1.0 - fg, fg], 1)
        n_px = a.batch * a.side * a.side

        def step():
            opt.zero_grad(set_to_none=True)
            loss = -(F.log_softmax(model(x), 1) * target).sum() / n_px
            loss.backward()
            opt.step()
            loss.item()

        emit("unet_train", a, best(a.reps, step), 3.0 * flops)
    elif a.mode == "infer":
        model = ResUNet(a.widths).eval()

        def infer():
            with torch.inference_mode():
                model(x)

        emit("unet_infer", a, best(a.reps, infer), flops)
    else:
        total = 0.0
        for ci, co, k, s in shapes:
            conv = nn.Conv2d(ci, co, k, padding=k // 2)
            xi = torch.randn(a.batch, ci, s, s, requires_grad=True)

            def fb():
                xi.grad = None
                conv.zero_grad(set_to_none=True)
                conv(xi).sum().backward()

            total += best(a.reps, fb)
        emit("unet_convs", a, total, 3.0 * flops)


if __name__ == "__main__":
    main()
