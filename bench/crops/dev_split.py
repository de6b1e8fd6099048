#!/usr/bin/env python3
"""Carve a development split from UCR Crop's *training* table only (never the test table).

Writes <out>/Crop_DEVTRAIN.tsv and <out>/Crop_DEVVAL.tsv: per class, a seeded 20 % of the
training series go to DEVVAL. Model choices for examples/crop-types-ucr.toml (augmentation,
label smoothing, width) are compared on DEVVAL; the standard test table is scored once, by
the chosen configuration.

    python3 bench/crops/dev_split.py data/cache/ucr data/cache/ucr-dev
"""
import random
import sys
from collections import defaultdict
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])
rows = (src / "Crop_TRAIN.tsv").read_text().splitlines()
by_class = defaultdict(list)
for i, r in enumerate(rows):
    by_class[r.split("\t", 1)[0]].append(i)
rng = random.Random(0)
val = set()
for label in sorted(by_class, key=float):
    idx = by_class[label]
    rng.shuffle(idx)
    val.update(idx[: round(0.2 * len(idx))])
out.mkdir(parents=True, exist_ok=True)
(out / "Crop_DEVTRAIN.tsv").write_text("".join(r + "\n" for i, r in enumerate(rows) if i not in val))
(out / "Crop_DEVVAL.tsv").write_text("".join(r + "\n" for i, r in enumerate(rows) if i in val))
print(f"{len(rows) - len(val)} development-training and {len(val)} development-validation series in {out}")
