"""Train DeepForest 2.1.0 (RetinaNet, ResNet-50 FPN) from scratch on the same NEON
training tiles terradl uses, for a fixed wall-clock budget, then predict the
held-out OSBS_029 tile and time inference.

Usage: deepforest_scratch.py DATA_DIR OUT_DIR SECONDS

Writes OUT_DIR/deepforest_osbs029.csv (predictions, DeepForest CSV columns)
and OUT_DIR/deepforest_run.json (training steps, seconds, inference timing).
No pretrained weights are used (none can be downloaded here): the backbone is
built with weights_backbone=None.
"""

import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import torch
import torchvision

# Build RetinaNet without any downloadable weights (torchvision's default
# weights_backbone is ImageNet, which would be fetched from the network).
_orig = torchvision.models.detection.retinanet_resnet50_fpn


def _scratch(*args, **kwargs):
    kwargs["weights"] = None
    kwargs["weights_backbone"] = None
    return _orig(*args, **kwargs)


torchvision.models.detection.retinanet_resnet50_fpn = _scratch

import pandas as pd  # noqa: E402
from deepforest import main, preprocess  # noqa: E402
from pytorch_lightning.callbacks import Callback  # noqa: E402

TRAIN = [
    "2019_YELL_2_528000_4978000_image_crop2",
    "2019_YELL_2_541000_4977000_image_crop",
    "SOAP_061",
]
HELD_OUT = "OSBS_029"


def voc_to_frame(xml_path, image_name):
    rows = []
    for obj in ET.parse(xml_path).getroot().iter("object"):
        b = obj.find("bndbox")
        rows.append(
            dict(
                image_path=image_name,
                xmin=float(b.find("xmin").text),
                ymin=float(b.find("ymin").text),
                xmax=float(b.find("xmax").text),
                ymax=float(b.find("ymax").text),
                label="Tree",
            )
        )
    return pd.DataFrame(rows)


class StepCounter(Callback):
    def __init__(self):
        self.steps = 0

    def on_train_batch_end(self, *args, **kwargs):
        self.steps += 1


def main_():
    data_dir, out_dir, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    torch.manual_seed(42)
    threads = torch.get_num_threads()
    patches_dir = os.path.join(out_dir, "deepforest_patches")
    os.makedirs(patches_dir, exist_ok=True)
    frames = []
    for name in TRAIN:
        ann = voc_to_frame(os.path.join(data_dir, name + ".xml"), name + ".png")
        ann_csv = os.path.join(patches_dir, name + "_full.csv")
        ann.to_csv(ann_csv, index=False)
        # DeepForest's own practice: 400 px patches with 5% overlap.
        frames.append(
            preprocess.split_raster(
                annotations_file=ann_csv,
                path_to_raster=os.path.join(data_dir, name + ".png"),
                root_dir=data_dir,
                patch_size=400,
                patch_overlap=0.05,
                save_dir=patches_dir,
            )
        )
    train = pd.concat(frames, ignore_index=True)
    train_csv = os.path.join(patches_dir, "train.csv")
    train.to_csv(train_csv, index=False)
    print(f"{len(train)} training boxes in {train.image_path.nunique()} patches", flush=True)

    model = main.deepforest(
        config_args={
            "model": {"name": None},
            "label_dict": {"Tree": 0},
            "num_classes": 1,
            "batch_size": 2,
            "workers": 0,
            "accelerator": "cpu",
            "devices": 1,
            "log_root": os.path.join(out_dir, "deepforest_logs"),
            "train": {"csv_file": train_csv, "root_dir": patches_dir, "epochs": 10000, "lr": 0.001},
        }
    )
    counter = StepCounter()
    hh, rem = divmod(int(seconds), 3600)
    mm, ss = divmod(rem, 60)
    model.create_trainer(
        callbacks=[counter],
        max_time=f"00:{hh:02d}:{mm:02d}:{ss:02d}",
        enable_progress_bar=False,
        logger=False,
    )
    t0 = time.time()
    model.trainer.fit(model)
    train_seconds = time.time() - t0
    print(f"trained {counter.steps} steps in {train_seconds:.0f}s", flush=True)

    # Held-out tile: DeepForest's tiled prediction (400 px patches, as documented).
    model.config.score_thresh = 0.1
    model.model.score_thresh = 0.1
    held = os.path.join(data_dir, HELD_OUT + ".png")
    t0 = time.time()
    pred = model.predict_tile(path=held, patch_size=400, patch_overlap=0.05)
    held_seconds = time.time() - t0
    if pred is None or len(pred) == 0:
        pred = pd.DataFrame(columns=["xmin", "ymin", "xmax", "ymax", "label", "score"])
    pred = pd.DataFrame(pred)[["xmin", "ymin", "xmax", "ymax", "label", "score"]]
    pred["image_path"] = HELD_OUT + ".png"
    pred.to_csv(os.path.join(out_dir, "deepforest_osbs029.csv"), index=False)
    # The same boxes as pixel-coordinate GeoJSON for `terradl evaluate-detections`.
    features = [
        dict(
            type="Feature",
            properties=dict(id=i + 1, score=float(r.score), label=str(r.label)),
            geometry=dict(
                type="Polygon",
                coordinates=[[[r.xmin, r.ymin], [r.xmax, r.ymin], [r.xmax, r.ymax], [r.xmin, r.ymax], [r.xmin, r.ymin]]],
            ),
        )
        for i, r in enumerate(pred.itertuples())
    ]
    with open(os.path.join(out_dir, "deepforest_osbs029.geojson"), "w") as f:
        json.dump(dict(type="FeatureCollection", features=features), f)

    # Throughput on a larger scene (YELL crop, 1.3 Mpx).
    big = os.path.join(data_dir, TRAIN[1] + ".png")
    t0 = time.time()
    big_pred = model.predict_tile(path=big, patch_size=400, patch_overlap=0.05)
    big_seconds = time.time() - t0
    from PIL import Image

    w, h = Image.open(big).size
    run = dict(
        train_steps=counter.steps,
        train_seconds=train_seconds,
        threads=threads,
        osbs029_predictions=len(pred),
        osbs029_seconds=held_seconds,
        scene_megapixels=w * h / 1e6,
        scene_seconds=big_seconds,
        scene_predictions=0 if big_pred is None else len(big_pred),
        megapixels_per_second=w * h / 1e6 / big_seconds,
    )
    with open(os.path.join(out_dir, "deepforest_run.json"), "w") as f:
        json.dump(run, f, indent=1)
    print(json.dumps(run), flush=True)


if __name__ == "__main__":
    main_()
