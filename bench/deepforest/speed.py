"""Helpers of bench/deepforest/speed.sh (issue 16 item 5: CPU inference over a large raster).

    speed.py mosaic SRC.png FACTOR DST.tif
        SRC repeated FACTOR x FACTOR times as a tiled (256 px), Deflate GeoTIFF with a UTM
        zone 12N georeference at 0.1 m (YELL's zone), written block row by block row.
    speed.py deepforest RASTER PATCH_SIZE PATCH_OVERLAP OUT.json
        DeepForest 2.1.0's predict_tile over RASTER with RetinaNet ResNet-50 FPN built without
        weights (none can be downloaded here; untrained weights cost the same), timed, with
        peak resident memory.
"""

import json
import resource
import sys
import time


def mosaic(src, factor, dst):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(src) as s:
        img = s.read([1, 2, 3])
    _, h, w = img.shape
    profile = dict(driver="GTiff", width=w * factor, height=h * factor, count=3, dtype="uint8",
                   crs="EPSG:32612", transform=from_origin(528000.0, 4978000.0, 0.1, 0.1),
                   tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    row = np.tile(img, (1, 1, factor))
    with rasterio.open(dst, "w", **profile) as d:
        for i in range(factor):
            d.write(row, window=rasterio.windows.Window(0, i * h, w * factor, h))
    print(f"{dst}: {w * factor} x {h * factor} px", flush=True)


def deepforest(raster, patch_size, patch_overlap, out):
    import torch
    import torchvision

    orig = torchvision.models.detection.retinanet_resnet50_fpn

    def scratch(*args, **kwargs):
        kwargs["weights"] = None
        kwargs["weights_backbone"] = None
        return orig(*args, **kwargs)

    torchvision.models.detection.retinanet_resnet50_fpn = scratch
    import rasterio
    from deepforest import main

    torch.manual_seed(42)
    model = main.deepforest(config_args={
        "model": {"name": None}, "label_dict": {"Tree": 0}, "num_classes": 1,
        "workers": 0, "accelerator": "cpu", "devices": 1,
    })
    model.create_trainer(enable_progress_bar=False, logger=False)
    with rasterio.open(raster) as r:
        mpx = r.width * r.height / 1e6
    t0 = time.time()
    pred = model.predict_tile(path=raster, patch_size=patch_size, patch_overlap=patch_overlap)
    secs = time.time() - t0
    result = {
        "impl": "deepforest 2.1.0 predict_tile (RetinaNet ResNet-50 FPN)", "raster": raster,
        "megapixels": mpx, "seconds": secs, "mpx_per_s": mpx / secs, "threads": torch.get_num_threads(),
        "patch_size": patch_size, "patch_overlap": patch_overlap,
        "boxes": 0 if pred is None else len(pred),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    json.dump(result, open(out, "w"))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "mosaic":
        mosaic(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "deepforest":
        deepforest(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(f"unknown command {cmd}")
