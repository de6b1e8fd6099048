"""Issue 16's cross-site levers as input files (bench/deepforest/levers.sh runs the training).

  levers.py normalise DATA OUT   each tile's bands mapped to the YELL training crops' pooled
                                 per-band mean/std: v' = (v - mean_tile) / std_tile * std + mean,
                                 written as OUT/<tile>.tif with a Pascal VOC file naming it
  levers.py pseudo GEOJSON IMAGE OUT MIN_SCORE
                                 a detector's boxes (pixel coordinates) on an unlabelled tile,
                                 kept from MIN_SCORE up, written as a Pascal VOC file
"""
import json
import re
import sys

TRAIN = ["2019_YELL_2_528000_4978000_image_crop2", "2019_YELL_2_541000_4977000_image_crop"]
TILES = TRAIN + ["SOAP_061", "OSBS_029"]


def normalise(data, out):
    import numpy as np
    import rasterio

    def read(t):
        with rasterio.open(f"{data}/{t}.png") as s:
            return s.read()[:3].astype(np.float64)

    imgs = {t: read(t) for t in TILES}
    mean = np.mean([imgs[t].reshape(3, -1).mean(1) for t in TRAIN], 0)
    std = np.mean([imgs[t].reshape(3, -1).std(1) for t in TRAIN], 0)
    for t in TILES:
        a = imgs[t]
        m, s = a.reshape(3, -1).mean(1), a.reshape(3, -1).std(1)
        print(f"{t}: band mean {m.round(1)}, std {s.round(1)}")
        r = (a - m[:, None, None]) / s[:, None, None] * std[:, None, None] + mean[:, None, None]
        r = np.clip(np.round(r), 0, 255).astype(np.uint8)
        with rasterio.open(f"{out}/{t}.tif", "w", driver="GTiff", width=r.shape[2], height=r.shape[1], count=3, dtype="uint8") as d:
            d.write(r)
        xml = open(f"{data}/{t}.xml").read()
        open(f"{out}/{t}.xml", "w").write(re.sub(r"<filename>[^<]*</filename>", f"<filename>{t}.tif</filename>", xml))


def pseudo(geojson, image, out, min_score):
    objs = []
    for f in json.load(open(geojson))["features"]:
        if f["properties"]["score"] < min_score:
            continue
        ring = f["geometry"]["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        objs.append(
            f"<object><name>Tree</name><bndbox><xmin>{min(xs):.0f}</xmin><ymin>{min(ys):.0f}</ymin>"
            f"<xmax>{max(xs):.0f}</xmax><ymax>{max(ys):.0f}</ymax></bndbox></object>"
        )
    open(out, "w").write(f"<annotation><filename>{image}</filename>{''.join(objs)}</annotation>")
    print(f"{len(objs)} pseudo-labels from {geojson}")


if __name__ == "__main__":
    if sys.argv[1] == "normalise":
        normalise(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "pseudo":
        pseudo(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        sys.exit(__doc__)
